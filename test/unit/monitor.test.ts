import * as assert from 'node:assert/strict';
import * as FakeTimers from '@sinonjs/fake-timers';
import type { Alert } from '../../src/core/alerts';
import type { ProbeResult } from '../../src/core/chat';
import { DEFAULT_CONFIG, resolveConfig, type RouterConfig } from '../../src/core/config';
import { RouterError } from '../../src/core/errors';
import type { ModelSnapshot } from '../../src/core/metrics';
import { HealthMonitor, type DowntimeEvent, type MonitorCheck, type ProbeReport, type ProbeSource } from '../../src/core/monitor';
import { Router } from '../../src/core/router';
import { FakeFleet } from '../fixtures/fleet';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const INTERVAL = 10_000;
const REMINDER = 60_000;

type Condition = 'healthy' | 'degraded' | 'down' | 'slow';

/** A snapshot that classifyHealth (default thresholds) puts in the wanted state. */
function snap(model: string, condition: Condition, extra: Partial<ModelSnapshot> = {}): ModelSnapshot {
  const base: ModelSnapshot = {
    model, endpoint: 'holysheep', enabled: true, health: 'healthy', breaker: 'closed', requests: 20, failures: 0,
    errorRate: 0, avgLatencyMs: 400, latencyP95Ms: 900, tokensIn: 0, tokensOut: 0, costUsd: 0, officialCostUsd: 0, failovers: 0, hedges: 0,
  };
  const by: Record<Condition, Partial<ModelSnapshot>> = {
    healthy: {},
    degraded: { errorRate: 0.2, lastError: 'HTTP_503' },
    slow: { avgLatencyMs: 2600 },
    down: { breaker: 'open', errorRate: 0.6, lastError: 'HTTP_503' },
  };
  return { ...base, ...by[condition], ...extra };
}

/** A HealthSource whose models a test sets by name. */
class FakeSource {
  readonly state = new Map<string, ModelSnapshot>();
  set(model: string, condition: Condition, extra: Partial<ModelSnapshot> = {}): void {
    this.state.set(model, snap(model, condition, extra));
  }
  snapshot(): ModelSnapshot[] {
    return [...this.state.values()];
  }
}

function monitorConfig(monitor: Partial<RouterConfig['monitor']> = {}): Pick<RouterConfig, 'monitor' | 'health'> {
  return {
    health: DEFAULT_CONFIG.health,
    monitor: { ...DEFAULT_CONFIG.monitor, intervalMs: INTERVAL, reminderMs: REMINDER, probe: 'off', ...monitor },
  };
}

/** Collects everything a monitor reports. */
function record(monitor: HealthMonitor) {
  const alerts: Alert[] = [];
  const downtime: DowntimeEvent[] = [];
  const checks: MonitorCheck[] = [];
  const probes: ProbeReport[] = [];
  monitor.onDidAlert((a) => alerts.push(a));
  monitor.onDidRecordDowntime((d) => downtime.push(d));
  monitor.onDidCheck((c) => checks.push(c));
  monitor.onDidProbe((p) => probes.push(p));
  return { alerts, downtime, checks, probes };
}

describe('HealthMonitor', () => {
  let clock: FakeTimers.Clock;
  let source: FakeSource;
  let monitor: HealthMonitor | undefined;

  beforeEach(() => {
    clock = FakeTimers.install({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    source = new FakeSource();
    // A second model that stays healthy, so a single model's trouble is not a fleet-wide disaster.
    source.set('steady', 'healthy');
  });

  afterEach(() => {
    monitor?.dispose();
    monitor = undefined;
    clock.uninstall();
  });

  function start(options: { monitor?: Partial<RouterConfig['monitor']>; prober?: ProbeSource; state?: unknown } = {}) {
    monitor = new HealthMonitor(source, { config: monitorConfig(options.monitor), prober: options.prober, state: options.state });
    const seen = record(monitor);
    monitor.start();
    return seen;
  }

  it('checks every interval and classifies each enabled model', () => {
    source.set('a', 'degraded');
    source.set('b', 'down');
    source.set('off', 'healthy', { enabled: false });
    const { checks } = start();
    clock.tick(INTERVAL - 1);
    assert.equal(checks.length, 0, 'no check before the first interval');
    clock.tick(1);
    assert.equal(checks.length, 1);
    clock.tick(INTERVAL * 2);
    assert.equal(checks.length, 3);
    const last = checks.at(-1)!;
    assert.deepEqual(last.models.map((m) => [m.model, m.health]), [['steady', 'healthy'], ['a', 'degraded'], ['b', 'down']]);
    assert.equal(last.healthy, 1);
    assert.equal(last.at, T0 + 3 * INTERVAL);
  });

  it('raises one WARNING after 3 consecutive checks that are not healthy, and no more while it lasts', () => {
    source.set('gpt-4.1', 'degraded');
    const { alerts } = start();
    clock.tick(INTERVAL * 2);
    assert.equal(alerts.length, 0, 'two degraded checks are not enough');
    clock.tick(INTERVAL);
    assert.equal(alerts.length, 1);
    const warning = alerts[0]!;
    assert.equal(warning.severity, 'WARNING');
    assert.equal(warning.kind, 'degraded');
    assert.equal(warning.model, 'gpt-4.1');
    assert.equal(warning.status, 'degraded');
    assert.equal(warning.errorRate, 0.2);
    assert.equal(warning.p95LatencyMs, 900);
    assert.equal(warning.at, T0 + 3 * INTERVAL);
    assert.match(warning.message, /error rate 20 %/);
    // Two more checks (under the reminder interval): nothing new.
    clock.tick(INTERVAL * 2);
    assert.equal(alerts.length, 1);
  });

  it('counts slow models as degraded, and a healthy check in between starts the count again', () => {
    source.set('gemini-2.5-flash', 'slow');
    const { alerts } = start();
    clock.tick(INTERVAL * 2);
    source.set('gemini-2.5-flash', 'healthy');
    clock.tick(INTERVAL);
    source.set('gemini-2.5-flash', 'slow');
    clock.tick(INTERVAL * 2);
    assert.equal(alerts.length, 0, 'the streak was broken: 2 + 2 checks are not 3 in a row');
    clock.tick(INTERVAL);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]!.message, /average latency 2600 ms/);
  });

  it('raises CRITICAL after 2 consecutive down checks and dates the outage from the first', () => {
    source.set('deepseek-v3.2', 'down');
    const { alerts } = start();
    clock.tick(INTERVAL);
    assert.equal(alerts.length, 0, 'one down check is not enough');
    clock.tick(INTERVAL);
    assert.equal(alerts.length, 1);
    const critical = alerts[0]!;
    assert.deepEqual([critical.severity, critical.kind, critical.model, critical.status], ['CRITICAL', 'down', 'deepseek-v3.2', 'down']);
    assert.match(critical.message, /circuit breaker open, last error HTTP_503/);
    assert.deepEqual(monitor!.outages, [{ model: 'deepseek-v3.2', reason: 'circuit breaker open, last error HTTP_503', start: T0 + INTERVAL }]);
  });

  it('escalates a standing WARNING to CRITICAL when the model goes down', () => {
    source.set('gpt-4.1', 'degraded');
    const { alerts } = start();
    clock.tick(INTERVAL * 3);
    source.set('gpt-4.1', 'down');
    clock.tick(INTERVAL * 2);
    assert.deepEqual(alerts.map((a) => a.severity), ['WARNING', 'CRITICAL']);
  });

  it('reminds of a condition that persists at most once per reminder interval', () => {
    source.set('deepseek-v3.2', 'down');
    const { alerts } = start();
    clock.tick(5 * 60_000); // 30 checks
    assert.equal(alerts[0]!.reminder, undefined);
    const reminders = alerts.filter((a) => a.reminder);
    // CRITICAL at 20 s; reminders when 60 s have passed since the last alert: 80, 140, 200, 260 s.
    assert.deepEqual(reminders.map((a) => (a.at - T0) / 1000), [80, 140, 200, 260]);
    assert.ok(reminders.every((a) => a.severity === 'CRITICAL' && a.model === 'deepseek-v3.2'));
    for (let i = 1; i < alerts.length; i++) assert.ok(alerts[i]!.at - alerts[i - 1]!.at >= REMINDER);
    assert.match(reminders.at(-1)!.message, /down for 4 min/);
    assert.equal(new Set(alerts.map((a) => a.id)).size, alerts.length, 'every alert has its own id');
  });

  it('raises a recovery INFO and records the downtime with its duration when the model comes back', () => {
    source.set('deepseek-v3.2', 'down');
    const { alerts, downtime } = start();
    clock.tick(INTERVAL * 9); // down from the first check (10 s) to the ninth (90 s)
    source.set('deepseek-v3.2', 'healthy');
    clock.tick(INTERVAL);
    const began = T0 + INTERVAL;
    const end = T0 + 10 * INTERVAL;
    assert.deepEqual(downtime, [{ model: 'deepseek-v3.2', reason: 'circuit breaker open, last error HTTP_503', start: began, end, durationMs: 90_000, endedBy: 'recovered' }]);
    const info = alerts.at(-1)!;
    assert.deepEqual([info.severity, info.kind, info.model], ['INFO', 'recovered', 'deepseek-v3.2']);
    assert.deepEqual(info.downtime, { reason: 'circuit breaker open, last error HTTP_503', start: began, end, durationMs: 90_000 });
    assert.match(info.message, /after 1 min 30 s down/);
    assert.deepEqual(monitor!.downtime, downtime);
    assert.deepEqual(monitor!.outages, []);
    // Healthy from now on: quiet.
    const count = alerts.length;
    clock.tick(REMINDER * 3);
    assert.equal(alerts.length, count);
  });

  it('a blip shorter than the thresholds raises nothing and records no downtime', () => {
    source.set('deepseek-v3.2', 'down');
    const { alerts, downtime } = start();
    clock.tick(INTERVAL);
    source.set('deepseek-v3.2', 'healthy');
    clock.tick(INTERVAL * 5);
    assert.deepEqual([alerts.length, downtime.length], [0, 0]);
  });

  it('ends the outage when a model answers again but degraded, and keeps the warning-level condition', () => {
    source.set('gpt-4.1', 'down');
    const { alerts, downtime } = start();
    clock.tick(INTERVAL * 2);
    source.set('gpt-4.1', 'degraded');
    clock.tick(INTERVAL);
    assert.equal(downtime.length, 1);
    assert.equal(downtime[0]!.durationMs, 2 * INTERVAL);
    assert.deepEqual(alerts.map((a) => `${a.severity}:${a.kind}`), ['CRITICAL:down', 'INFO:recovered']);
    assert.match(alerts[1]!.message, /degraded/);
    source.set('gpt-4.1', 'healthy');
    clock.tick(INTERVAL);
    assert.deepEqual(alerts.map((a) => `${a.severity}:${a.kind}`), ['CRITICAL:down', 'INFO:recovered', 'INFO:recovered']);
    assert.equal(downtime.length, 1, 'no second downtime: it was not down any more');
  });

  it('raises CRITICAL "disaster recovery active" once when no enabled model is healthy, folding the per-model reminders', () => {
    source.set('steady', 'down');
    source.set('gpt-4.1', 'down');
    source.set('spare', 'healthy', { enabled: false }); // disabled: does not count as healthy
    const { alerts, checks } = start();
    clock.tick(INTERVAL);
    assert.equal(alerts.length, 0);
    clock.tick(INTERVAL);
    const disaster = alerts.filter((a) => a.kind === 'disaster');
    assert.equal(disaster.length, 1);
    assert.equal(disaster[0]!.severity, 'CRITICAL');
    assert.equal(disaster[0]!.title, 'Disaster recovery active');
    assert.equal(disaster[0]!.model, undefined);
    assert.match(disaster[0]!.message, /steady: down, gpt-4\.1: down/);
    assert.equal(checks.at(-1)!.disaster, true);
    assert.equal(monitor!.disasterActive, true);

    const before = alerts.length;
    clock.tick(REMINDER);
    const later = alerts.slice(before);
    assert.deepEqual(later.map((a) => `${a.kind}:${a.reminder === true}`), ['disaster:true'], 'one reminder for the whole fleet, not one per model');

    source.set('gpt-4.1', 'healthy');
    clock.tick(INTERVAL);
    const last = alerts.at(-1)!;
    assert.deepEqual([last.severity, last.title], ['INFO', 'Disaster recovery over']);
    assert.match(last.message, /gpt-4\.1 is healthy again/);
    assert.equal(monitor!.disasterActive, false);
  });

  it('does not call an empty fleet (every model disabled) a disaster', () => {
    source.set('steady', 'healthy', { enabled: false });
    const { alerts } = start();
    clock.tick(INTERVAL * 5);
    assert.equal(alerts.length, 0);
  });

  it('ends the outage of a model disabled while down, without a recovery alert', () => {
    source.set('claude-sonnet-4.5', 'down');
    const { alerts, downtime } = start();
    clock.tick(INTERVAL * 2);
    source.set('claude-sonnet-4.5', 'down', { enabled: false });
    clock.tick(INTERVAL);
    assert.deepEqual(downtime.map((d) => [d.model, d.endedBy, d.durationMs]), [['claude-sonnet-4.5', 'disabled', 2 * INTERVAL]]);
    assert.deepEqual(alerts.map((a) => a.kind), ['down']);
  });

  it('keeps the downtime log bounded', () => {
    const { downtime } = start({ monitor: { downChecks: 1 } });
    for (let i = 0; i < 250; i++) {
      source.set('flappy', 'down');
      clock.tick(INTERVAL);
      source.set('flappy', 'healthy');
      clock.tick(INTERVAL);
    }
    assert.equal(downtime.length, 250, 'every outage was reported');
    assert.equal(monitor!.downtime.length, 200);
    assert.equal(monitor!.downtime[0]!.end, T0 + 500 * INTERVAL, 'newest first');
    assert.ok(monitor!.alerts.length <= 200);
  });

  it('restores an outage in progress after a reload: no second CRITICAL, and the downtime spans the reload', () => {
    source.set('deepseek-v3.2', 'down');
    const first = start();
    clock.tick(INTERVAL * 2);
    assert.equal(first.alerts.length, 1);
    const saved = JSON.parse(JSON.stringify(monitor!.toJSON())) as unknown;
    monitor!.dispose();

    clock.tick(30_000); // the window is closed for half a minute
    const second = start({ state: saved });
    assert.equal(monitor!.alerts.length, 1, 'the alert list came back');
    assert.deepEqual(monitor!.outages.map((o) => o.start), [T0 + INTERVAL]);
    clock.tick(INTERVAL * 2);
    assert.equal(second.alerts.length, 0, 'still down: not raised again');
    source.set('deepseek-v3.2', 'healthy');
    clock.tick(INTERVAL);
    assert.equal(second.downtime.length, 1);
    assert.equal(second.downtime[0]!.start, T0 + INTERVAL);
    assert.equal(second.downtime[0]!.end, T0 + 2 * INTERVAL + 30_000 + 3 * INTERVAL);
    assert.equal(second.alerts.at(-1)!.kind, 'recovered');
  });

  it('ignores a persisted state it cannot read', () => {
    source.set('deepseek-v3.2', 'down');
    for (const state of [null, 'nonsense', { version: 99 }, { version: 1, models: { x: 'y' }, alerts: [{ id: 1 }], downtime: 'no' }]) {
      const m = new HealthMonitor(source, { config: monitorConfig(), state });
      assert.deepEqual([m.alerts.length, m.downtime.length, m.outages.length], [0, 0, 0]);
      m.dispose();
    }
  });

  it('reset() forgets alerts, downtime and outages', () => {
    source.set('deepseek-v3.2', 'down');
    start();
    clock.tick(INTERVAL * 2);
    assert.equal(monitor!.alerts.length, 1);
    monitor!.reset();
    assert.deepEqual([monitor!.alerts.length, monitor!.downtime.length, monitor!.outages.length], [0, 0, 0]);
  });

  it('stops checking when stopped or disposed', () => {
    const { checks } = start();
    clock.tick(INTERVAL);
    monitor!.stop();
    clock.tick(INTERVAL * 5);
    assert.equal(checks.length, 1);
    monitor!.start();
    clock.tick(INTERVAL);
    assert.equal(checks.length, 2);
    monitor!.dispose();
    clock.tick(INTERVAL * 5);
    assert.equal(checks.length, 2);
    assert.equal(clock.countTimers(), 0, 'no timer left behind');
  });

  describe('active probes', () => {
    class FakeProber implements ProbeSource {
      readonly calls: { kind: 'models' | 'completion'; target: string; at: number }[] = [];
      ok = false;
      async probe(endpointId: string): Promise<ProbeResult[]> {
        this.calls.push({ kind: 'models', target: endpointId, at: Date.now() });
        return [{ endpoint: endpointId, ok: this.ok, latencyMs: 3, models: [], ...(this.ok ? {} : { code: 'HTTP_503' as const }) }];
      }
      async probeCompletion(modelId: string): Promise<ProbeResult> {
        this.calls.push({ kind: 'completion', target: modelId, at: Date.now() });
        return { endpoint: 'holysheep', ok: this.ok, latencyMs: 3, models: [] };
      }
    }

    it('probes the endpoint of an open breaker on a capped exponential backoff, once per endpoint, until it closes', async () => {
      const prober = new FakeProber();
      source.set('gpt-4.1', 'down');
      source.set('claude-sonnet-4.5', 'down'); // same endpoint: one probe covers both
      const { probes } = start({ prober, monitor: { probe: 'models', probeInitialDelayMs: 1000, probeMaxDelayMs: 8000 } });
      await clock.tickAsync(INTERVAL); // first check: the loop starts
      await clock.tickAsync(120_000);
      assert.ok(prober.calls.length >= 10, `${prober.calls.length} probes in 2 minutes`);
      assert.ok(prober.calls.every((c) => c.kind === 'models' && c.target === 'holysheep'));
      const gaps = prober.calls.slice(1).map((c, i) => c.at - prober.calls[i]!.at);
      // Half jitter: the k-th wait lies in [d/2, d) with d = min(1000·2^k, 8000).
      gaps.forEach((gap, i) => {
        const d = Math.min(1000 * 2 ** (i + 1), 8000);
        assert.ok(gap >= d / 2 && gap <= d, `wait ${i + 1} was ${gap} ms, expected ${d / 2}..${d}`);
      });
      assert.ok(Math.max(...gaps) <= 8000, 'capped');
      assert.equal(probes.length, prober.calls.length, 'every probe is reported');
      assert.equal(probes[0]!.target, 'endpoint:holysheep');
      assert.equal(probes[0]!.results[0]!.ok, false);
      assert.deepEqual(monitor!.probing.map((p) => p.target), ['endpoint:holysheep']);

      // The breakers close: the next check stops the loop.
      source.set('gpt-4.1', 'healthy');
      source.set('claude-sonnet-4.5', 'healthy');
      await clock.tickAsync(INTERVAL);
      const count = prober.calls.length;
      await clock.tickAsync(60_000);
      assert.equal(prober.calls.length, count, 'no probe once no breaker is open');
      assert.deepEqual(monitor!.probing, []);
    });

    it("probes each model with a one-token completion in 'completion' mode", async () => {
      const prober = new FakeProber();
      source.set('gpt-4.1', 'down');
      source.set('claude-sonnet-4.5', 'down');
      start({ prober, monitor: { probe: 'completion', probeInitialDelayMs: 1000, probeMaxDelayMs: 1000 } });
      await clock.tickAsync(INTERVAL + 1000);
      assert.deepEqual([...new Set(prober.calls.map((c) => `${c.kind}:${c.target}`))].sort(), ['completion:claude-sonnet-4.5', 'completion:gpt-4.1']);
    });

    it("does not probe in 'off' mode", async () => {
      const prober = new FakeProber();
      source.set('gpt-4.1', 'down');
      start({ prober, monitor: { probe: 'off', probeInitialDelayMs: 1000 } });
      await clock.tickAsync(120_000);
      assert.equal(prober.calls.length, 0);
    });

    it('only probes while a breaker is open, not for a model that is merely degraded', async () => {
      const prober = new FakeProber();
      source.set('gpt-4.1', 'degraded');
      start({ prober, monitor: { probe: 'models', probeInitialDelayMs: 1000 } });
      await clock.tickAsync(120_000);
      assert.equal(prober.calls.length, 0);
    });
  });
});

describe('HealthMonitor with a real Router on the fleet', function () {
  this.timeout(20_000);
  const fleet = new FakeFleet();
  let router: Router;
  let monitor: HealthMonitor;

  before(() => fleet.start());
  after(() => fleet.close());
  afterEach(async () => {
    monitor?.dispose();
    await router?.close();
    fleet.reset();
  });

  function setUp(probe: RouterConfig['monitor']['probe']) {
    const config = resolveConfig({
      endpoints: [{ id: 'holysheep', baseUrl: fleet.baseUrl }],
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
      health: { errorWindow: 2 },
      retry: { maxAttempts: 1 },
    });
    router = new Router(config, () => fleet.apiKey);
    // Short probe waits for a real-time test; settings would not accept them (1 s minimum).
    monitor = new HealthMonitor(router, {
      config: { health: config.health, monitor: { ...config.monitor, probe, probeInitialDelayMs: 40, probeMaxDelayMs: 80 } },
      prober: router,
    });
    return record(monitor);
  }

  function nextProbe(): Promise<ProbeReport> {
    return new Promise((resolve) => {
      const sub = monitor.onDidProbe((p) => {
        sub.dispose();
        resolve(p);
      });
    });
  }

  it('sees a model go down through its breaker, probes its endpoint with GET /models, and records its recovery', async () => {
    const { alerts, downtime } = setUp('models');
    fleet.setDefault('deepseek-v3.2', { status: 503 });
    const answer = await router.chat({ messages: [{ role: 'user', content: 'hi' }] }, { model: 'deepseek-v3.2' });
    assert.equal(answer.model, 'gemini-2.5-flash', 'failed over');
    monitor.checkNow();
    const check = monitor.checkNow();
    assert.equal(check.models.find((m) => m.model === 'deepseek-v3.2')!.health, 'down');
    const critical = alerts.find((a) => a.severity === 'CRITICAL')!;
    assert.equal(critical.model, 'deepseek-v3.2');
    assert.match(critical.message, /circuit breaker open, last error HTTP_503/);

    const report = await nextProbe();
    assert.equal(report.target, 'endpoint:holysheep');
    assert.equal(report.results[0]!.ok, true, 'the endpoint lists its models');
    assert.equal(fleet.requests.filter((r) => r.model === 'deepseek-v3.2').length, 1, 'probing billed no completion');
    assert.equal(router.snapshotOf('deepseek-v3.2')!.lastProbe!.ok, true, 'the result shows in the snapshot');

    // The provider recovers; the breaker is reset and two good answers clear the error window.
    fleet.reset();
    router.resetBreakers('deepseek-v3.2');
    for (let i = 0; i < 2; i++) await router.chat({ messages: [{ role: 'user', content: 'hi' }] }, { model: 'deepseek-v3.2' });
    monitor.checkNow();
    assert.equal(downtime.length, 1);
    assert.equal(downtime[0]!.model, 'deepseek-v3.2');
    assert.ok(downtime[0]!.durationMs >= 0 && downtime[0]!.end >= downtime[0]!.start);
    assert.equal(alerts.at(-1)!.kind, 'recovered');
    assert.deepEqual(monitor.probing, [], 'probing stopped with the breaker closed');
  });

  it("probes with a one-token completion (max_tokens 1) in 'completion' mode and records the failure", async () => {
    setUp('completion');
    fleet.setDefault('deepseek-v3.2', { status: 503 });
    await router.chat({ messages: [{ role: 'user', content: 'hi' }] }, { model: 'deepseek-v3.2' });
    monitor.checkNow();
    const report = await nextProbe();
    assert.equal(report.target, 'model:deepseek-v3.2');
    assert.equal(report.results[0]!.ok, false);
    assert.equal(report.results[0]!.code, 'HTTP_503');
    const probeRequest = fleet.requests.filter((r) => r.model === 'deepseek-v3.2').at(-1)!;
    assert.equal((probeRequest.body as { max_tokens?: number }).max_tokens, 1);
    const lastProbe = router.snapshotOf('deepseek-v3.2')!.lastProbe!;
    assert.deepEqual([lastProbe.ok, lastProbe.code], [false, 'HTTP_503']);
    // And a working model's probe succeeds.
    const ok = await router.probeCompletion('gpt-4.1');
    assert.deepEqual([ok.ok, ok.models], [true, ['gpt-4.1']]);
  });
});

describe('monitor, alerts and budget settings', () => {
  function fieldOf(input: Record<string, unknown>): string | undefined {
    try {
      resolveConfig(input);
    } catch (error) {
      assert.ok(error instanceof RouterError);
      assert.equal(error.code, 'CONFIG_INVALID');
      return error.field;
    }
    assert.fail('expected CONFIG_INVALID');
  }

  it('has the documented defaults', () => {
    const c = resolveConfig();
    assert.deepEqual(c.monitor, {
      intervalMs: 10_000, reminderMs: 1_800_000, degradedChecks: 3, downChecks: 2, probe: 'models', probeInitialDelayMs: 5_000, probeMaxDelayMs: 300_000,
    });
    assert.deepEqual(c.alerts, { timeoutMs: 5_000 });
    assert.deepEqual(c.budget, { dailyUsd: 0, onExceeded: 'refuse' });
  });

  it('accepts valid values and names the bad field', () => {
    const c = resolveConfig({ monitor: { probe: 'completion', intervalMs: 30_000 }, budget: { dailyUsd: 2.5, onExceeded: 'cheapest' }, alerts: { timeoutMs: 800 } });
    assert.deepEqual([c.monitor.probe, c.monitor.intervalMs, c.budget.dailyUsd, c.budget.onExceeded, c.alerts.timeoutMs], ['completion', 30_000, 2.5, 'cheapest', 800]);
    assert.equal(fieldOf({ monitor: { intervalMs: 5 } }), 'monitor.intervalMs');
    assert.equal(fieldOf({ monitor: { probe: 'ping' } }), 'monitor.probe');
    assert.equal(fieldOf({ monitor: { reminderMs: '30m' } }), 'monitor.reminderMs');
    assert.equal(fieldOf({ monitor: { probeInitialDelayMs: 60_000, probeMaxDelayMs: 10_000 } }), 'monitor.probeMaxDelayMs');
    assert.equal(fieldOf({ monitor: 'fast' }), 'monitor');
    assert.equal(fieldOf({ alerts: { timeoutMs: 0 } }), 'alerts.timeoutMs');
    assert.equal(fieldOf({ budget: { dailyUsd: -1 } }), 'budget.dailyUsd');
    assert.equal(fieldOf({ budget: { onExceeded: 'panic' } }), 'budget.onExceeded');
  });
});
