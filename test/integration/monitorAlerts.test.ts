import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { ModelsTreeNode } from '../../src/host/modelsTree';
import { eventually, extensionApi, recordNotifications, setSetting, useFleet, type FleetSetup, type RecordedNotifications } from './harness';

const MODELS = ['gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2'];

/** The tree items under a root section. */
function section(api: TestApi, kind: 'alerts' | 'downtime' | 'cost'): vscode.TreeItem[] {
  return api.modelsTree.getChildren({ kind } as ModelsTreeNode).map((n) => api.modelsTree.getTreeItem(n));
}

describe('health monitor and the editor alert sink', () => {
  let api: TestApi;
  let setup: FleetSetup;
  let shown: RecordedNotifications;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
    shown = recordNotifications(api);
    // A short interval as a user could set it; the checks themselves are driven with checkNow().
    await setSetting(api, 'monitor.intervalMs', 1000);
    await setSetting(api, 'monitor.probe', 'off');
    await setSetting(api, 'breaker.failureThreshold', 1);
    await setSetting(api, 'breaker.cooldownMs', 200);
    // The error rate looks at the last outcome only, so one good answer makes a model healthy again.
    await setSetting(api, 'health.errorWindow', 1);
  });

  afterEach(async () => {
    shown.restore();
    await setup.teardown();
  });

  it('raises CRITICAL "disaster recovery active" when the fleet takes every model down, then the recovery and its downtime when they come back', async () => {
    assert.equal(api.settings.config.monitor.intervalMs, 1000, 'the setting reaches the engine');
    for (const model of MODELS) setup.fleet.setDefault(model, { status: 500 });
    await assert.rejects(api.router.chat({ messages: [{ role: 'user', content: 'Anyone?' }] }));
    await eventually(() => api.router.snapshot().every((s) => s.breaker === 'open'), 'every breaker to open');

    // First down check: nothing yet (2 consecutive down checks are needed).
    const first = api.monitor.checkNow();
    assert.equal(first.healthy, 0);
    assert.equal(api.alerts.alerts.length, 0);
    const second = api.monitor.checkNow();
    assert.equal(second.disaster, true);
    const critical = api.alerts.alerts.filter((a) => a.severity === 'critical');
    assert.ok(critical.some((a) => a.kind === 'disaster' && /No enabled model is healthy/.test(a.message)), 'the fleet-wide CRITICAL');
    for (const model of MODELS) assert.ok(critical.some((a) => a.kind === 'down' && a.model === model), `a CRITICAL for ${model}`);

    // One error notification for the whole check, with the actions the issue asks for.
    api.editorAlerts.flush();
    assert.equal(shown.errors.length, 1, 'five alerts in one check make one notification');
    assert.match(shown.errors[0]!.message, /Disaster recovery active/);
    assert.deepEqual(shown.errors[0]!.actions, ['Open Models View', 'Show Log', 'Reset Circuit Breakers']);

    // The tree lists them newest first; the status bar counts the warnings that stand.
    const items = section(api, 'alerts');
    assert.equal(items.length, api.alerts.alerts.length);
    assert.ok(items.every((item) => /^CRITICAL/.test(String(item.description))));
    const times = api.alerts.alerts.map((a) => a.at);
    assert.deepEqual([...times].sort((a, b) => b - a), times, 'newest first');
    api.statusBar.update();
    await eventually(() => /\$\(bell-dot\) 5/.test(api.statusBar.text), 'the status bar to count five standing warnings');
    assert.match(api.statusBar.tooltip, /Disaster recovery active/);

    // A third check while it lasts raises nothing new (no alert storm).
    const before = api.alerts.alerts.length;
    api.monitor.checkNow();
    assert.equal(api.alerts.alerts.length, before);

    // The fleet comes back: after the cool-down, one request probes and closes DeepSeek's breaker.
    for (const model of MODELS) setup.fleet.setDefault(model, {});
    await new Promise((resolve) => setTimeout(resolve, 250));
    const answer = await api.router.chat({ messages: [{ role: 'user', content: 'Back?' }] });
    assert.equal(answer.model, 'deepseek-v3.2');
    const recovery = api.monitor.checkNow();
    assert.equal(recovery.disaster, false);
    const infos = api.alerts.alerts.filter((a) => a.severity === 'info');
    assert.ok(infos.some((a) => a.model === 'deepseek-v3.2' && /recovered/.test(a.title ?? '')), 'the model\'s recovery INFO');
    assert.ok(infos.some((a) => a.title === 'Disaster recovery over'), 'the fleet\'s recovery INFO');
    api.editorAlerts.flush();
    assert.equal(shown.infos.length, 1, 'the recoveries of one check make one information message');
    assert.match(shown.infos[0]!, /Disaster recovery over/);
    assert.equal(shown.errors.length, 1, 'no new error notification');

    // The downtime event: model, reason, start, end, duration; shown in the Downtime section.
    const event = api.monitor.downtime[0];
    assert.equal(event?.model, 'deepseek-v3.2');
    assert.match(event.reason, /circuit breaker open/);
    assert.ok(event.end > event.start && event.durationMs === event.end - event.start);
    const downtime = section(api, 'downtime');
    assert.equal(downtime.length, 1);
    assert.match(String(downtime[0]!.label), /^deepseek-v3\.2 · \d+ s$/);
    assert.match(String(downtime[0]!.description), /circuit breaker open/);
    const root = api.modelsTree.getTreeItem({ kind: 'downtime' });
    assert.match(String(root.description), /^1 · /);
  });

  it('raises one WARNING for a degraded model after three checks, in the list and the status bar only', async () => {
    // One failure and one answer: an error rate of 0.5 over the window is degraded, not down.
    await setSetting(api, 'health.errorWindow', 2);
    await setSetting(api, 'breaker.failureThreshold', 10);
    await setSetting(api, 'routing.model', 'gemini-2.5-flash');
    setup.fleet.script('gemini-2.5-flash', [{ status: 503 }, {}]);
    await api.router.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    await api.router.chat({ messages: [{ role: 'user', content: 'Hi again' }] });
    const gemini = () => api.router.snapshot().find((s) => s.model === 'gemini-2.5-flash')!;
    assert.equal(gemini().health, 'degraded');
    api.monitor.checkNow();
    api.monitor.checkNow();
    assert.equal(api.alerts.alerts.length, 0, 'two degraded checks are not enough');
    api.monitor.checkNow();
    const warnings = api.alerts.alerts.filter((a) => a.severity === 'warning');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.model, 'gemini-2.5-flash');
    api.editorAlerts.flush();
    assert.deepEqual([shown.errors.length, shown.infos.length], [0, 0], 'a WARNING does not pop up');
    api.statusBar.update();
    await eventually(() => /\$\(bell-dot\) 1/.test(api.statusBar.text), 'the status bar warning count');
    assert.equal((api.statusBar.backgroundColor as vscode.ThemeColor | undefined)?.id, 'statusBarItem.warningBackground');
    assert.match(api.statusBar.tooltip, /gemini-2\.5-flash is not healthy/);
    assert.ok(api.modelsTree.getTreeItem({ kind: 'alerts' }).description === '1');
  });

  it('probes a model whose breaker is open and shows the result in its metrics', async () => {
    await setSetting(api, 'monitor.probe', 'models');
    await setSetting(api, 'monitor.probeInitialDelayMs', 1000);
    await setSetting(api, 'breaker.cooldownMs', 60_000);
    await setSetting(api, 'routing.model', 'gpt-4.1');
    setup.fleet.script('gpt-4.1', { status: 503 });
    await api.router.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(api.router.snapshot().find((s) => s.model === 'gpt-4.1')?.breaker, 'open');
    const probed = new Promise<void>((resolve) => {
      const sub = api.monitor.onDidProbe(() => {
        sub.dispose();
        resolve();
      });
    });
    const completions = () => setup.fleet.requests.filter((r) => r.model).length;
    const before = completions();
    api.monitor.checkNow();
    assert.deepEqual(api.monitor.probing.map((p) => p.target), ['endpoint:holysheep']);
    await probed;
    const line = api.modelsTree.getChildren({ kind: 'model', model: 'gpt-4.1' })
      .map((n) => api.modelsTree.getTreeItem(n)).find((item) => item.label === 'Last probe');
    assert.match(String(line?.description), /^answered in \d+ ms/);
    assert.equal(completions(), before, 'the probe asked for no completion');
    assert.equal(api.router.snapshot().find((s) => s.model === 'gpt-4.1')?.breaker, 'open', 'a probe does not close the breaker: a request does');
    const report = api.health.report();
    assert.ok(report.probes.some((p) => p.endpoint === 'holysheep' && p.ok), 'the report carries the probe');
  });
});
