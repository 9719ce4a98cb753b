/**
 * What survives a window reload, and what several windows share. A reload cannot happen inside
 * this test run (it would end it), so each test lets the running extension write its state to the
 * real globalState, then builds a second set of parts from that globalState exactly as activation
 * does (restoreWindow, restoreBreakers, the engine's `state` options) and checks what they restored.
 * The end-to-end suite reloads a real window.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Alert } from '../../src/core/alerts';
import { BudgetTracker } from '../../src/core/budget';
import { HealthMonitor } from '../../src/core/monitor';
import { Router } from '../../src/core/router';
import type { TestApi } from '../../src/extension';
import { AlertsList } from '../../src/host/alerts';
import { BREAKERS_STATE, restoreBreakers } from '../../src/host/breakerPersistence';
import { CarriedMetrics, type MetricSummaries } from '../../src/host/carriedMetrics';
import {
  LEADER_KEY, LEASE_MS, LOG_PREFIX, RECORD_PREFIX, WINDOW_ID_KEY, WindowSync, restoreWindow, type RestoredWindow, type SyncParts,
} from '../../src/host/windowSync';
import { eventually, extensionApi, setSetting, useFleet, type FleetSetup } from './harness';

/** The workspaceState of the same window after a reload: it still knows the window's id. */
function workspaceStateOf(windowId: string): vscode.Memento {
  const values = new Map<string, unknown>([[WINDOW_ID_KEY, windowId]]);
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? values.get(key) as T : fallback) as T,
    update: async (key: string, value: unknown) => {
      values.set(key, value);
    },
  } as vscode.Memento;
}

/** A second window's parts, with a test-chosen id, to share the real globalState with this one. */
function otherWindow(api: TestApi, windowId: string, now?: () => number) {
  // As activation does: the id from (a fresh) workspaceState, the newest reset mark from globalState.
  const restored: RestoredWindow = restoreWindow(api.globalState, workspaceStateOf(windowId));
  const budget = new BudgetTracker(api.settings.config.budget);
  const alerts = new AlertsList();
  let peerMetrics: readonly MetricSummaries[] = [];
  let remoteResets = 0;
  // The other window's engine: its breakers are shared with this window's.
  const router = new Router(api.settings.config, api.keys.lookup);
  const parts: SyncParts = {
    budget,
    alerts,
    monitor: { toJSON: () => ({ version: 1, models: {}, fleet: { streak: 0, raised: false }, alerts: [], downtime: [] }) },
    metrics: { ownSummaries: () => ({}), setPeers: (m) => { peerMetrics = m; } },
    breakers: router,
  };
  const sync = new WindowSync({
    globalState: api.globalState, restored, parts, log: { info: () => undefined, warn: () => undefined },
    onRemoteReset: () => {
      remoteResets++;
      alerts.clear();
    },
    ...(now ? { now } : {}),
  });
  return {
    sync, budget, alerts, router,
    get peerMetrics() { return peerMetrics; },
    get remoteResets() { return remoteResets; },
    async remove() {
      sync.dispose();
      await router.close();
      await api.globalState.update(RECORD_PREFIX + windowId, undefined);
      await api.globalState.update(LOG_PREFIX + windowId, undefined);
      alerts.dispose();
      budget.dispose();
    },
  };
}

describe('persistence across reloads and windows (real globalState)', () => {
  let api: TestApi;
  let setup: FleetSetup;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
    await setSetting(api, 'monitor.probe', 'off');
  });

  afterEach(async () => {
    await setup.teardown();
  });

  it('an open breaker comes back open after a reload and still counts down to its probe', async () => {
    await setSetting(api, 'breaker.failureThreshold', 1);
    await setSetting(api, 'breaker.cooldownMs', 1500);
    await setSetting(api, 'routing.model', 'gpt-4.1');
    setup.fleet.script('gpt-4.1', { status: 503 });
    await api.router.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    const live = api.router.snapshot().find((s) => s.model === 'gpt-4.1')!;
    assert.equal(live.breaker, 'open');
    // Saved shortly after the change (throttled), to the key activation reads.
    const saved = () => (api.globalState.get<Record<string, { ownState?: { value?: number; openedAt?: number } }>>(BREAKERS_STATE) ?? {})['gpt-4.1'];
    // cockatiel's serialised state: 1 is Open, with the time it opened.
    await eventually(() => saved()?.ownState?.value === 1, 'the open breaker to be saved');
    assert.equal(saved()?.ownState?.openedAt, live.breakerProbeAt! - 1500);

    // "After the reload": a new router from what globalState holds.
    const reloaded = new Router(api.settings.config, api.keys.lookup, { breakerState: restoreBreakers(api.globalState) });
    try {
      const restored = reloaded.snapshotOf('gpt-4.1')!;
      assert.equal(restored.breaker, 'open');
      assert.equal(restored.health, 'down');
      assert.equal(restored.breakerProbeAt, live.breakerProbeAt, 'the same probe time, not a fresh cool-down');
      assert.ok(restored.breakerProbeAt! > Date.now(), 'still counting down');
      const other = (await reloaded.preview({ model: 'gpt-4.1' }));
      assert.match(other.skipped.find((s) => s.model === 'gpt-4.1')?.reason ?? '', /breaker open: probe in \d s/);

      // Once the countdown ends, the next request is the probe: it reaches the model and closes the breaker.
      await eventually(() => Date.now() > restored.breakerProbeAt!, 'the cool-down to end', 4000);
      const answer = await reloaded.chat({ messages: [{ role: 'user', content: 'Back?' }] }, { model: 'gpt-4.1' });
      assert.equal(answer.model, 'gpt-4.1');
      assert.equal(reloaded.snapshotOf('gpt-4.1')?.breaker, 'closed');
    } finally {
      await reloaded.close();
    }
  });


  it('a breaker that opens in one window opens in the others, and a probe that closes it closes it everywhere', async () => {
    await setSetting(api, 'breaker.failureThreshold', 1);
    await setSetting(api, 'breaker.cooldownMs', 1500);
    const other = otherWindow(api, 'breaker-window');
    try {
      // This window finds gpt-4.1 down.
      setup.fleet.script('gpt-4.1', { status: 503 });
      await api.router.chat({ messages: [{ role: 'user', content: 'Hi' }] }, { model: 'gpt-4.1' });
      const opened = api.router.snapshotOf('gpt-4.1')!;
      assert.equal(opened.breaker, 'open');
      assert.equal(other.router.snapshotOf('gpt-4.1')?.breaker, 'closed');

      // At the other window's next heartbeat it stops sending there too, until the same probe time.
      api.sync.flush();
      other.sync.tick();
      const adopted = other.router.snapshotOf('gpt-4.1')!;
      assert.equal(adopted.breaker, 'open');
      assert.equal(adopted.breakerProbeAt, opened.breakerProbeAt);
      const requestsBefore = setup.fleet.requests.length;
      const preview = await other.router.preview({ model: 'gpt-4.1' });
      assert.match(preview.skipped.find((s) => s.model === 'gpt-4.1')?.reason ?? '', /breaker open/);

      // The other window's probe finds it working again: the breaker closes here as well.
      await eventually(() => Date.now() > adopted.breakerProbeAt!, 'the cool-down to end', 4000);
      const answer = await other.router.chat({ messages: [{ role: 'user', content: 'Back?' }] }, { model: 'gpt-4.1' });
      assert.equal(answer.model, 'gpt-4.1');
      assert.equal(setup.fleet.requests.length, requestsBefore + 1, 'one probe, from the other window');
      assert.equal(other.router.snapshotOf('gpt-4.1')?.breaker, 'closed');
      assert.equal(api.router.snapshotOf('gpt-4.1')?.breaker, 'open', 'not yet: this window has not read it');
      other.sync.tick();
      api.sync.tick();
      assert.equal(api.router.snapshotOf('gpt-4.1')?.breaker, 'closed');
      assert.equal(api.router.snapshotOf('gpt-4.1')?.health, 'healthy', 'the outage no longer counts against it');

      // What each window did last stands: an older change from a peer does not undo a newer one here.
      other.sync.tick();
      assert.equal(other.router.snapshotOf('gpt-4.1')?.breaker, 'closed');
    } finally {
      await other.remove();
    }
  });
  it('alerts, the downtime log, outages, metric summaries and the budget come back for the same window', async () => {
    await setSetting(api, 'breaker.failureThreshold', 1);
    await setSetting(api, 'breaker.cooldownMs', 100);
    await setSetting(api, 'health.errorWindow', 1);
    await setSetting(api, 'routing.model', 'claude-sonnet-4.5');
    // Claude goes down (CRITICAL), comes back (INFO and a downtime event); Gemini goes down and stays.
    setup.fleet.script('claude-sonnet-4.5', { status: 500 });
    await api.router.chat({ messages: [{ role: 'user', content: 'One' }] });
    await setSetting(api, 'routing.model', 'gemini-2.5-flash');
    setup.fleet.setDefault('gemini-2.5-flash', { status: 500 });
    await setSetting(api, 'breaker.cooldownMs', 60_000);
    await api.router.chat({ messages: [{ role: 'user', content: 'Two' }] });
    api.monitor.checkNow();
    api.monitor.checkNow();
    await setSetting(api, 'breaker.cooldownMs', 100);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await api.router.chat({ messages: [{ role: 'user', content: 'Three' }] }, { model: 'claude-sonnet-4.5' });
    api.monitor.checkNow();
    const liveAlerts = api.alerts.alerts.map((a) => a.id);
    const liveDowntime = api.monitor.downtime;
    assert.equal(liveDowntime[0]?.model, 'claude-sonnet-4.5');
    assert.deepEqual(api.monitor.outages.map((o) => o.model), ['gemini-2.5-flash']);
    const liveSnapshots = api.metrics.snapshot();
    const liveBudget = api.budget.summary();
    assert.ok(liveBudget.today.costUsd > 0);

    // The window writes its state (throttled; a reload flushes it on the way out).
    api.sync.flush();
    const restored = restoreWindow(api.globalState, workspaceStateOf(api.sync.windowId));
    assert.equal(restored.windowId, api.sync.windowId, 'the reloaded window finds its own keys');
    assert.deepEqual(restored.alerts.map((a) => a.id), liveAlerts, 'every alert, newest first');

    const monitor = new HealthMonitor({ snapshot: () => [] }, { config: api.settings.config, state: restored.monitor });
    assert.deepEqual(monitor.downtime, liveDowntime, 'the downtime log');
    assert.deepEqual(monitor.outages.map((o) => o.model), ['gemini-2.5-flash'], 'the outage in progress, not to be raised again');
    monitor.dispose();

    const budget = new BudgetTracker(api.settings.config.budget, { state: restored.budget });
    assert.equal(budget.summary().today.costUsd, liveBudget.today.costUsd, 'today\'s spend');
    assert.equal(budget.summary().today.answers, liveBudget.today.answers);
    budget.dispose();

    const router = new Router(api.settings.config, api.keys.lookup);
    const metrics = new CarriedMetrics(router, restored.metrics);
    try {
      for (const live of liveSnapshots) {
        const back = metrics.snapshot().find((s) => s.model === live.model)!;
        assert.deepEqual(
          [back.requests, back.failures, back.tokensOut, back.costUsd, back.failovers, back.latencyP95Ms, back.lastError],
          [live.requests, live.failures, live.tokensOut, live.costUsd, live.failovers, live.latencyP95Ms, live.lastError],
          `the metric summary of ${live.model}`,
        );
      }
    } finally {
      metrics.dispose();
      await router.close();
    }
  });

  it('several windows: shared spend, one another\'s alerts, one leader at a time, and Reset clears them all', async () => {
    const answer = await api.router.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    api.sync.tick();
    api.sync.confirmLease();
    assert.equal(api.sync.isLeader, true);

    // A second window starts: our spend counts against its budget; the lease is taken.
    const other = otherWindow(api, 'second-window');
    try {
      other.sync.tick();
      assert.equal(other.sync.confirmLease(), false, 'the lease is ours');
      assert.ok(Math.abs(other.budget.summary().spentTodayUsd - answer.costUsd) < 1e-12, 'our spend counts in the other window');
      assert.ok(other.peerMetrics.some((m) => m[answer.model]?.requests === 1), 'and our metric summaries');

      // An alert of the other window shows in ours after a heartbeat.
      const theirs: Alert = { id: 'alert-from-the-other-window', severity: 'WARNING', kind: 'degraded', model: 'gpt-4.1', title: 'gpt-4.1 is degraded', message: 'Seen elsewhere.', at: Date.now() };
      other.alerts.add(theirs);
      other.sync.flush();
      api.sync.tick();
      assert.ok(api.alerts.alerts.some((a) => a.id === theirs.id), 'their alert in our list');

      // Our lease lapses (as if this window hung): the other takes it, and we stand down.
      const later = otherWindow(api, 'third-window', () => Date.now() + LEASE_MS + 1000);
      try {
        later.sync.tick();
        assert.equal(later.sync.confirmLease(), true, 'an expired lease is taken');
        api.sync.tick();
        assert.equal(api.sync.isLeader, false, 'one leader at a time');
        // It closes: the lease is released and we lead again.
        await later.remove();
        assert.equal(api.globalState.get(LEADER_KEY), undefined);
        api.sync.tick();
        assert.equal(api.sync.confirmLease(), true);
      } finally {
        await later.remove();
      }

      // Reset Metrics and Breakers here: the other window follows at its next heartbeat.
      await vscode.commands.executeCommand('holysheepRouter.resetAll');
      assert.equal(api.alerts.alerts.length, 0);
      assert.equal(api.metrics.snapshot().find((s) => s.model === answer.model)?.requests, 0);
      other.sync.tick();
      assert.equal(other.remoteResets, 1, 'the other window reset too');
      assert.equal(other.alerts.alerts.length, 0);
      assert.ok(!other.peerMetrics.some((m) => (m[answer.model]?.requests ?? 0) > 0), 'no stale metrics after the reset');
      // The budget's spend stays: money spent today stays spent.
      assert.ok(api.budget.summary().today.costUsd > 0);
      const restored = restoreWindow(api.globalState, workspaceStateOf(api.sync.windowId));
      assert.deepEqual([restored.alerts, restored.metrics], [[], {}], 'a reload after the reset brings nothing back');
      assert.ok(restored.budget, 'but the budget');
    } finally {
      await other.remove();
      api.sync.tick();
    }
  });
});
