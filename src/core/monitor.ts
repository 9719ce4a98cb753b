/**
 * The health monitor: every `monitor.intervalMs` it classifies each enabled model, escalates
 * conditions that persist, records outages, and probes the endpoints of models whose breaker is
 * open. It reads a narrow source (`snapshot()`), so a fake drives it in tests as well as a Router.
 *
 * Escalation, per model (thresholds from `monitor`, classification from `health`):
 *   - `degradedChecks` (3) consecutive checks that are not healthy  → one WARNING;
 *   - `downChecks` (2) consecutive down checks                      → one CRITICAL, and an outage
 *     starts (dated from the first of those checks);
 *   - a model that is no longer down ends its outage: a downtime event {model, reason, start, end,
 *     durationMs} goes to a bounded log, and an INFO recovery is raised.
 * Fleet-wide: `downChecks` consecutive checks with no healthy enabled model → one CRITICAL
 * "disaster recovery active"; an INFO when a model is healthy again.
 *
 * No alert storms: a condition raises one alert; while it persists, at most one reminder per
 * `monitor.reminderMs`. While the disaster alert stands, per-model reminders are folded into its
 * reminder (which names every model that is down).
 *
 * Alerts, the downtime log and outages in progress serialise with `toJSON()` and come back through
 * the `state` option, so a reload neither forgets an outage nor raises it a second time.
 */
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import { createAlert, type Alert, type Severity } from './alerts';
import type { ProbeResult } from './chat';
import type { RouterConfig } from './config';
import { Emitter, type Disposable, type Event } from './events';
import { classifyHealth, type Health, type ModelSnapshot } from './metrics';

/** What the monitor reads: a Router, or a fake in tests. */
export interface HealthSource {
  snapshot(): ModelSnapshot[];
}

/** What the monitor probes with. `Router` has both; `probeCompletion` is used in `completion` mode. */
export interface ProbeSource {
  probe(endpointId: string, signal?: AbortSignal): Promise<ProbeResult[]>;
  probeCompletion?(modelId: string, signal?: AbortSignal): Promise<ProbeResult>;
}

export type MonitorConfig = RouterConfig['monitor'];

export interface MonitorOptions {
  config: Pick<RouterConfig, 'monitor' | 'health'>;
  /** Probes models whose breaker is open; without it, nothing is probed. */
  prober?: ProbeSource;
  /** A value from an earlier `toJSON()`; anything unreadable is ignored. */
  state?: unknown;
  /** Epoch ms; tests inject a clock. */
  now?: () => number;
}

export interface DowntimeEvent {
  model: string;
  /** Why the model was down, as seen when the outage began. */
  reason: string;
  /** Epoch ms of the first down check of the outage. */
  start: number;
  /** Epoch ms of the first check that found it no longer down (or disabled). */
  end: number;
  durationMs: number;
  /** `recovered`: it answers again; `disabled`: it was disabled or removed while down. */
  endedBy: 'recovered' | 'disabled';
}

/** An outage in progress. */
export interface Outage {
  model: string;
  reason: string;
  start: number;
}

type Raised = 'none' | 'warning' | 'critical';

export interface ModelCheck {
  model: string;
  health: Health;
  /** Why it is not healthy; undefined when it is. */
  reason?: string;
  /** Consecutive checks not healthy / down, this one included. */
  unwellChecks: number;
  downChecks: number;
  /** The alert level standing for this model. */
  raised: Raised;
}

export interface MonitorCheck {
  at: number;
  models: ModelCheck[];
  healthy: number;
  /** True while the "disaster recovery active" alert stands. */
  disaster: boolean;
}

export interface ProbeReport {
  /** `endpoint:<id>` (models mode) or `model:<id>` (completion mode). */
  target: string;
  at: number;
  results: ProbeResult[];
  /** When the next probe of this target is due, if the breaker is still open. */
  nextAt?: number;
}

interface ModelWatch {
  unwell: number;
  down: number;
  raised: Raised;
  lastAlertAt?: number;
  /** The first check of the current run of down checks, and why it was down. */
  downSince?: number;
  downReason?: string;
  outage?: { start: number; reason: string };
}

interface FleetWatch {
  streak: number;
  since?: number;
  raised: boolean;
  lastAlertAt?: number;
}

/** The serialised monitor. */
export interface MonitorState {
  version: 1;
  models: Record<string, ModelWatch>;
  fleet: FleetWatch;
  /** Newest first. */
  alerts: Alert[];
  /** Newest first. */
  downtime: DowntimeEvent[];
}

const MAX_ALERTS = 200;
export const MAX_DOWNTIME_EVENTS = 200;

interface ProbeSchedule {
  target: string;
  endpoint: string;
  model?: string;
  backoff: IBackoff<unknown>;
  timer?: ReturnType<typeof setTimeout>;
  nextAt?: number;
  controller?: AbortController;
}

export class HealthMonitor implements Disposable {
  private cfg: Pick<RouterConfig, 'monitor' | 'health'>;
  private readonly prober: ProbeSource | undefined;
  private readonly now: () => number;
  private models = new Map<string, ModelWatch>();
  private fleet: FleetWatch = { streak: 0, raised: false };
  private alertLog: Alert[] = [];
  private downtimeLog: DowntimeEvent[] = [];
  private readonly probes = new Map<string, ProbeSchedule>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private disposed = false;

  private readonly alerted = new Emitter<Alert>();
  private readonly downtimeRecorded = new Emitter<DowntimeEvent>();
  private readonly checked = new Emitter<MonitorCheck>();
  private readonly probed = new Emitter<ProbeReport>();
  readonly onDidAlert: Event<Alert> = this.alerted.event;
  readonly onDidRecordDowntime: Event<DowntimeEvent> = this.downtimeRecorded.event;
  readonly onDidCheck: Event<MonitorCheck> = this.checked.event;
  readonly onDidProbe: Event<ProbeReport> = this.probed.event;

  constructor(private readonly source: HealthSource, options: MonitorOptions) {
    this.cfg = options.config;
    this.prober = options.prober;
    this.now = options.now ?? (() => Date.now());
    const state = readState(options.state);
    if (state) {
      this.models = new Map(Object.entries(state.models));
      this.fleet = state.fleet;
      this.alertLog = state.alerts.slice(0, MAX_ALERTS);
      this.downtimeLog = state.downtime.slice(0, MAX_DOWNTIME_EVENTS);
    }
  }

  /** Checks every `monitor.intervalMs` from now on (the first check one interval from now). `checkNow()` works without it. */
  start(): void {
    if (this.disposed || this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops checking and probing; a later `checkNow()` or `start()` resumes both. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.cancelProbes();
  }

  get isRunning(): boolean {
    return this.running;
  }

  updateConfig(config: Pick<RouterConfig, 'monitor' | 'health'>): void {
    const intervalChanged = config.monitor.intervalMs !== this.cfg.monitor.intervalMs;
    const probeChanged = config.monitor.probe !== this.cfg.monitor.probe
      || config.monitor.probeInitialDelayMs !== this.cfg.monitor.probeInitialDelayMs
      || config.monitor.probeMaxDelayMs !== this.cfg.monitor.probeMaxDelayMs;
    this.cfg = config;
    if (probeChanged) this.cancelProbes();
    if (intervalChanged && this.running) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      if (!this.running) return;
      try {
        this.checkNow();
      } catch (error) {
        // A broken source must not stop the monitor.
        console.error('[holysheep-router] health check failed:', error);
      }
      if (this.running) this.schedule();
    }, this.cfg.monitor.intervalMs);
    // The monitor alone must never keep a process (the CLI, a test run) alive.
    this.timer.unref?.();
  }

  /** Runs one check now, synchronously: classifies, escalates, records, schedules probes. */
  checkNow(): MonitorCheck {
    if (this.disposed) throw new Error('HealthMonitor: disposed.');
    const at = this.now();
    const snapshots = this.source.snapshot();
    const enabled = snapshots.filter((s) => s.enabled);
    const classified = enabled.map((s) => ({ snapshot: s, health: classifyHealth(s, this.cfg.health) }));
    const noneHealthy = classified.length > 0 && classified.every((c) => c.health !== 'healthy');
    // A standing disaster alert speaks for every model: their reminders wait for its own.
    const foldReminders = this.fleet.raised && noneHealthy;

    const checks: ModelCheck[] = [];
    for (const { snapshot, health } of classified) {
      checks.push(this.stepModel(snapshot, health, at, foldReminders));
    }
    const present = new Set(enabled.map((s) => s.model));
    for (const [model, watch] of [...this.models]) {
      if (present.has(model)) continue;
      // Disabled or removed: not watched any more. An outage in progress ends without a recovery.
      if (watch.outage) this.recordDowntime(model, watch.outage, at, 'disabled');
      this.models.delete(model);
    }
    this.stepFleet(classified, noneHealthy, at);
    this.scheduleProbes(enabled);

    const check: MonitorCheck = { at, models: checks, healthy: checks.filter((c) => c.health === 'healthy').length, disaster: this.fleet.raised };
    this.checked.fire(check);
    return check;
  }

  private stepModel(s: ModelSnapshot, health: Health, at: number, foldReminders: boolean): ModelCheck {
    const cfg = this.cfg.monitor;
    const w = this.models.get(s.model) ?? { unwell: 0, down: 0, raised: 'none' as Raised };
    this.models.set(s.model, w);
    const facts = { model: s.model, status: health, errorRate: s.errorRate, p95LatencyMs: s.latencyP95Ms, at };

    if (health === 'healthy') {
      const outage = w.outage;
      if (outage) this.recordDowntime(s.model, outage, at, 'recovered');
      if (w.raised !== 'none') {
        const downFor = outage ? ` after ${formatDuration(at - outage.start)} down` : '';
        this.raise({
          ...facts, severity: 'INFO', kind: 'recovered', title: `${s.model} recovered`,
          message: `${s.model} is healthy again${downFor}; it takes requests as usual.`,
          ...(outage ? { downtime: { reason: outage.reason, start: outage.start, end: at, durationMs: at - outage.start } } : {}),
        });
      }
      this.models.set(s.model, { unwell: 0, down: 0, raised: 'none' });
      return { model: s.model, health, unwellChecks: 0, downChecks: 0, raised: 'none' };
    }

    const reason = reasonOf(s, this.cfg.health);
    w.unwell++;
    if (health === 'down') {
      w.down++;
      w.downSince ??= at;
      w.downReason ??= reason;
    } else {
      w.down = 0;
      w.downSince = undefined;
      w.downReason = undefined;
    }

    if (health === 'down' && w.down >= cfg.downChecks && w.raised !== 'critical') {
      w.outage = { start: w.downSince ?? at, reason: w.downReason ?? reason };
      w.raised = 'critical';
      w.lastAlertAt = at;
      this.raise({
        ...facts, severity: 'CRITICAL', kind: 'down', title: `${s.model} is down`,
        message: `${s.model} is down (${reason}) for ${w.down} checks in a row. Routing skips it meanwhile${this.cfg.monitor.probe === 'off' ? '' : '; its endpoint is probed until it answers'}.`,
      });
    } else if (health === 'degraded' && w.raised === 'critical') {
      // Answering again, if not well: the outage is over, a warning-level condition remains.
      const outage = w.outage;
      if (outage) this.recordDowntime(s.model, outage, at, 'recovered');
      w.outage = undefined;
      w.raised = 'warning';
      w.lastAlertAt = at;
      this.raise({
        ...facts, severity: 'INFO', kind: 'recovered', title: `${s.model} is back, degraded`,
        message: `${s.model} answers again${outage ? ` after ${formatDuration(at - outage.start)} down` : ''}, but is degraded (${reason}).`,
        ...(outage ? { downtime: { reason: outage.reason, start: outage.start, end: at, durationMs: at - outage.start } } : {}),
      });
    } else if (w.unwell >= cfg.degradedChecks && w.raised === 'none') {
      w.raised = 'warning';
      w.lastAlertAt = at;
      this.raise({
        ...facts, severity: 'WARNING', kind: 'degraded', title: `${s.model} is ${health}`,
        message: `${s.model} has not been healthy for ${w.unwell} checks in a row (${reason}). The router prefers other models while it lasts.`,
      });
    } else if (w.raised !== 'none' && !foldReminders && at - (w.lastAlertAt ?? 0) >= cfg.reminderMs) {
      w.lastAlertAt = at;
      const critical = w.raised === 'critical';
      const since = critical && w.outage ? w.outage.start : undefined;
      this.raise({
        ...facts, severity: critical ? 'CRITICAL' : 'WARNING', kind: critical ? 'down' : 'degraded', reminder: true,
        title: critical ? `${s.model} is still down` : `${s.model} is still ${health}`,
        message: `${s.model} is still ${health} (${reason})${since === undefined ? '' : `, down for ${formatDuration(at - since)}`}.`,
      });
    }
    return { model: s.model, health, reason, unwellChecks: w.unwell, downChecks: w.down, raised: w.raised };
  }

  private stepFleet(classified: { snapshot: ModelSnapshot; health: Health }[], noneHealthy: boolean, at: number): void {
    const f = this.fleet;
    const listing = () => classified.map((c) => `${c.snapshot.model}: ${c.health}`).join(', ');
    if (!noneHealthy) {
      if (f.raised) {
        const back = classified.filter((c) => c.health === 'healthy').map((c) => c.snapshot.model);
        this.raise({
          severity: 'INFO', kind: 'recovered', at, title: 'Disaster recovery over',
          message: `${back.join(', ')} ${back.length === 1 ? 'is' : 'are'} healthy again after ${formatDuration(at - (f.since ?? at))} without a healthy model.`,
        });
      }
      this.fleet = { streak: 0, raised: false };
      return;
    }
    f.streak++;
    f.since ??= at;
    if (!f.raised && f.streak >= this.cfg.monitor.downChecks) {
      f.raised = true;
      f.lastAlertAt = at;
      this.raise({
        severity: 'CRITICAL', kind: 'disaster', at, status: 'down', title: 'Disaster recovery active',
        message: `No enabled model is healthy (${listing()}). Requests may fail until one recovers: check the providers' status, or add another endpoint or model in settings.`,
      });
    } else if (f.raised && at - (f.lastAlertAt ?? 0) >= this.cfg.monitor.reminderMs) {
      f.lastAlertAt = at;
      this.raise({
        severity: 'CRITICAL', kind: 'disaster', at, status: 'down', reminder: true, title: 'Disaster recovery still active',
        message: `Still no healthy model after ${formatDuration(at - (f.since ?? at))} (${listing()}).`,
      });
    }
  }

  private raise(fields: Omit<Alert, 'id' | 'at'> & { at: number; severity: Severity }): void {
    const alert = createAlert(fields);
    this.alertLog.unshift(alert);
    if (this.alertLog.length > MAX_ALERTS) this.alertLog.length = MAX_ALERTS;
    this.alerted.fire(alert);
  }

  private recordDowntime(model: string, outage: { start: number; reason: string }, end: number, endedBy: DowntimeEvent['endedBy']): void {
    const event: DowntimeEvent = { model, reason: outage.reason, start: outage.start, end, durationMs: Math.max(0, end - outage.start), endedBy };
    this.downtimeLog.unshift(event);
    if (this.downtimeLog.length > MAX_DOWNTIME_EVENTS) this.downtimeLog.length = MAX_DOWNTIME_EVENTS;
    this.downtimeRecorded.fire(event);
  }

  // ---------------------------------------------------------------------------------------------
  // Active probes

  /**
   * Keeps one probe loop per target while a model's breaker is open: per endpoint in `models`
   * mode (one `GET /models` covers all of its models), per model in `completion` mode. Each loop
   * waits on a capped exponential backoff with jitter; it stops when no breaker needs it.
   */
  private scheduleProbes(enabled: ModelSnapshot[]): void {
    const mode = this.cfg.monitor.probe;
    if (mode === 'off' || !this.prober) {
      this.cancelProbes();
      return;
    }
    const useCompletion = mode === 'completion' && typeof this.prober.probeCompletion === 'function';
    const wanted = new Map<string, { endpoint: string; model?: string }>();
    for (const s of enabled) {
      if (s.breaker !== 'open') continue;
      if (useCompletion) wanted.set(`model:${s.model}`, { endpoint: s.endpoint, model: s.model });
      else wanted.set(`endpoint:${s.endpoint}`, { endpoint: s.endpoint });
    }
    for (const [target, schedule] of [...this.probes]) {
      if (!wanted.has(target)) this.cancelProbe(schedule);
    }
    for (const [target, spec] of wanted) {
      if (this.probes.has(target)) continue;
      const backoff = new ExponentialBackoff({
        initialDelay: this.cfg.monitor.probeInitialDelayMs,
        maxDelay: this.cfg.monitor.probeMaxDelayMs,
        generator: halfJitterGenerator,
      }).next();
      const schedule: ProbeSchedule = { target, ...spec, backoff };
      this.probes.set(target, schedule);
      this.armProbe(schedule);
    }
  }

  /** Targets being probed now, with when their next probe is due. */
  get probing(): { target: string; nextAt?: number }[] {
    return [...this.probes.values()].map((p) => ({ target: p.target, nextAt: p.nextAt }));
  }

  private armProbe(schedule: ProbeSchedule): void {
    const delay = Math.min(schedule.backoff.duration, this.cfg.monitor.probeMaxDelayMs);
    schedule.nextAt = this.now() + delay;
    schedule.timer = setTimeout(() => void this.runProbe(schedule), delay);
    schedule.timer.unref?.();
  }

  private async runProbe(schedule: ProbeSchedule): Promise<void> {
    schedule.timer = undefined;
    const controller = new AbortController();
    schedule.controller = controller;
    let results: ProbeResult[];
    try {
      results = schedule.model && this.prober?.probeCompletion
        ? [await this.prober.probeCompletion(schedule.model, controller.signal)]
        : (await this.prober?.probe(schedule.endpoint, controller.signal)) ?? [];
    } catch (error) {
      // Router probes report failures as results; a throwing prober is reported the same way.
      results = [{ endpoint: schedule.endpoint, ok: false, latencyMs: 0, models: [], code: 'NETWORK', message: error instanceof Error ? error.message : String(error) }];
    } finally {
      schedule.controller = undefined;
    }
    // Cancelled meanwhile (breaker closed, monitor stopped): report nothing more, schedule nothing.
    if (this.probes.get(schedule.target) !== schedule || controller.signal.aborted) return;
    schedule.backoff = schedule.backoff.next(undefined);
    this.armProbe(schedule);
    this.probed.fire({ target: schedule.target, at: this.now(), results, nextAt: schedule.nextAt });
  }

  private cancelProbe(schedule: ProbeSchedule): void {
    clearTimeout(schedule.timer);
    schedule.controller?.abort();
    this.probes.delete(schedule.target);
  }

  private cancelProbes(): void {
    for (const schedule of [...this.probes.values()]) this.cancelProbe(schedule);
  }

  // ---------------------------------------------------------------------------------------------
  // State

  /** Newest first. */
  get alerts(): readonly Alert[] {
    return this.alertLog;
  }

  /** Newest first. */
  get downtime(): readonly DowntimeEvent[] {
    return this.downtimeLog;
  }

  get outages(): Outage[] {
    return [...this.models].filter(([, w]) => w.outage).map(([model, w]) => ({ model, ...w.outage! }));
  }

  /** True while the "disaster recovery active" alert stands. */
  get disasterActive(): boolean {
    return this.fleet.raised;
  }

  /** Forgets streaks, outages, alerts and the downtime log ("Reset metrics and breakers"). */
  reset(): void {
    this.models.clear();
    this.fleet = { streak: 0, raised: false };
    this.alertLog = [];
    this.downtimeLog = [];
    this.cancelProbes();
  }

  toJSON(): MonitorState {
    return {
      version: 1,
      models: Object.fromEntries([...this.models].map(([id, w]) => [id, { ...w, ...(w.outage ? { outage: { ...w.outage } } : {}) }])),
      fleet: { ...this.fleet },
      alerts: this.alertLog.map((a) => ({ ...a })),
      downtime: this.downtimeLog.map((d) => ({ ...d })),
    };
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.alerted.dispose();
    this.downtimeRecorded.dispose();
    this.checked.dispose();
    this.probed.dispose();
  }
}

/** Why a model is not healthy, in words for an alert. */
export function reasonOf(s: ModelSnapshot, t: RouterConfig['health']): string {
  const pct = (n: number) => `${Math.round(n * 100)} %`;
  const last = s.lastError ? `, last error ${s.lastError}` : '';
  if (!s.enabled) return 'disabled';
  if (s.breaker === 'open') return `circuit breaker open${last}`;
  if (s.lastProbe && !s.lastProbe.ok && s.lastProbe.at >= (s.lastSuccess ?? 0)) return `probe failed${s.lastProbe.code ? ` with ${s.lastProbe.code}` : ''}`;
  if (s.errorRate > t.downErrorRate) return `error rate ${pct(s.errorRate)}${last}`;
  if (s.errorRate > t.degradedErrorRate) return `error rate ${pct(s.errorRate)}${last}`;
  if ((s.avgLatencyMs ?? 0) > t.degradedLatencyMs) return `average latency ${Math.round(s.avgLatencyMs ?? 0)} ms`;
  return 'healthy';
}

/** "45 s", "4 min 10 s", "12 min", "3 h 5 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  return min ? `${h} h ${min} min` : `${h} h`;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A persisted state, checked field by field: a corrupt or foreign value is dropped, not trusted. */
function readState(value: unknown): MonitorState | undefined {
  if (!isObj(value) || value.version !== 1) return undefined;
  const models: Record<string, ModelWatch> = {};
  if (isObj(value.models)) {
    for (const [id, raw] of Object.entries(value.models)) {
      if (!isObj(raw)) continue;
      const raised: Raised = raw.raised === 'warning' || raw.raised === 'critical' ? raw.raised : 'none';
      const w: ModelWatch = { unwell: isNum(raw.unwell) ? raw.unwell : 0, down: isNum(raw.down) ? raw.down : 0, raised };
      if (isNum(raw.lastAlertAt)) w.lastAlertAt = raw.lastAlertAt;
      if (isNum(raw.downSince)) w.downSince = raw.downSince;
      if (typeof raw.downReason === 'string') w.downReason = raw.downReason;
      if (isObj(raw.outage) && isNum(raw.outage.start)) w.outage = { start: raw.outage.start, reason: String(raw.outage.reason ?? 'unknown') };
      models[id] = w;
    }
  }
  const f = isObj(value.fleet) ? value.fleet : {};
  const fleet: FleetWatch = { streak: isNum(f.streak) ? f.streak : 0, raised: f.raised === true };
  if (isNum(f.since)) fleet.since = f.since;
  if (isNum(f.lastAlertAt)) fleet.lastAlertAt = f.lastAlertAt;
  const alerts = Array.isArray(value.alerts)
    ? value.alerts.filter((a): a is Alert => isObj(a) && typeof a.id === 'string' && typeof a.severity === 'string' && isNum(a.at) && typeof a.message === 'string')
    : [];
  const downtime = Array.isArray(value.downtime)
    ? value.downtime.filter((d): d is DowntimeEvent => isObj(d) && typeof d.model === 'string' && isNum(d.start) && isNum(d.end) && isNum(d.durationMs))
    : [];
  return { version: 1, models, fleet, alerts, downtime };
}
