/**
 * What survives a window reload and what several windows share, all in globalState (which VS Code
 * shares between windows and refreshes in each when another writes).
 *
 * Each window owns two keys and writes only those, so windows never overwrite each other:
 *   `holysheepRouter.window.<id>`    heartbeat, today's budget state, metric summaries, breaker
 *                                    changes (small; rewritten by the heartbeat and, throttled, on
 *                                    changes)
 *   `holysheepRouter.windowLog.<id>` its health monitor (streaks, outages, downtime log) and the
 *                                    alerts it raised (written, throttled, when they change)
 * The id is kept in workspaceState, so a reloaded window finds its own keys again. If another live
 * window turns out to write under the same id (a copied workspace storage), the one that notices
 * takes a fresh id from then on.
 *
 * Every heartbeat a window reads the others' keys: their spend today counts against the daily
 * budget (`setPeerSpend`), their metric summaries are added to the totals shown, their alerts and
 * downtime join the lists, and each circuit breaker takes on the newest opening or closing of the
 * same model in any window (`adoptBreakers`). Keys of windows not seen for a week are folded into an archive (metric
 * summaries) and removed, by the leader only.
 *
 * Leader: one window posts health alerts to Slack and webhooks, so three open windows do not post
 * every outage three times. The leader holds a lease in `holysheepRouter.alertLeader` that it
 * renews every heartbeat; a window takes an expired (or released) lease, and becomes leader once its
 * claim is still there a moment later (two windows that claim at once: the last writer wins, the
 * other sees it and stands down). Budget alerts are posted by whichever window raises them: the
 * budget tracker already raises each of them once a day across windows, through the peers' state.
 *
 * "Reset Metrics and Breakers" writes a reset mark; every window that sees a newer mark resets its
 * own breakers, metrics, monitor and alerts, and anything written before the mark is ignored.
 */
import { randomUUID } from 'node:crypto';
import type * as vscode from 'vscode';
import type { Alert as CoreAlert } from '../core/alerts';
import type { SharedBreaker } from '../core/breakers';
import type { DowntimeEvent } from '../core/monitor';
import { readSummaries, addSummaries, type MetricSummaries, type MetricSummary } from './carriedMetrics';
import { Throttle } from './throttle';

export const WINDOW_ID_KEY = 'holysheepRouter.windowId';
export const RECORD_PREFIX = 'holysheepRouter.window.';
export const LOG_PREFIX = 'holysheepRouter.windowLog.';
export const LEADER_KEY = 'holysheepRouter.alertLeader';
export const RESET_KEY = 'holysheepRouter.resetMark';
export const ARCHIVE_KEY = 'holysheepRouter.metricsArchive';

export const HEARTBEAT_MS = 10_000;
/** A leader that has not renewed for this long has lost its lease; a window this quiet is not running. */
export const LEASE_MS = 30_000;
/** How long after claiming the lease a window checks that its claim stood. */
export const CONFIRM_MS = 1_000;
/** Windows not seen for this long are folded into the archive. */
export const FORGET_AFTER_MS = 7 * 24 * 3_600_000;
const SAVE_THROTTLE_MS = 2_000;
const MAX_DOWNTIME = 200;

/** The small per-window key. */
export interface WindowRecord {
  version: 1;
  windowId: string;
  /** Random per activation: tells a reloaded window from a second live one with the same id. */
  instance: string;
  heartbeatAt: number;
  writtenAt: number;
  /** Written by a window that shut down cleanly (a reload): its successor may take the id at once. */
  closed?: boolean;
  /** The budget tracker's `toJSON()`. */
  budget?: unknown;
  metrics: MetricSummaries;
  /** Each circuit breaker's last opening or closing in this window. */
  breakers?: Record<string, SharedBreaker>;
}

/** The per-window log key. */
export interface WindowLog {
  version: 1;
  windowId: string;
  writtenAt: number;
  /** The health monitor's `toJSON()`, without its alerts (they are below, with the others). */
  monitor?: unknown;
  /** Alerts this window raised (monitor, budget, test), newest first. */
  alerts: CoreAlert[];
}

export interface LeaderLease {
  instance: string;
  windowId: string;
  until: number;
}

export interface ResetMark {
  at: number;
  by: string;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readRecord(value: unknown): WindowRecord | undefined {
  if (!isObj(value) || value.version !== 1 || typeof value.windowId !== 'string' || typeof value.instance !== 'string') return undefined;
  if (!isNum(value.heartbeatAt) || !isNum(value.writtenAt)) return undefined;
  return {
    version: 1, windowId: value.windowId, instance: value.instance, heartbeatAt: value.heartbeatAt, writtenAt: value.writtenAt,
    ...(value.closed === true ? { closed: true } : {}),
    budget: value.budget, metrics: readSummaries(value.metrics), breakers: sharedBreakersOf(value.breakers),
  };
}

/** A window's shared breaker changes, checked, leaving out those before `since` (a reset). */
export function sharedBreakersOf(value: unknown, since = 0): Record<string, SharedBreaker> {
  const out: Record<string, SharedBreaker> = {};
  if (!isObj(value)) return out;
  for (const [model, change] of Object.entries(value)) {
    if (isObj(change) && (change.state === 'open' || change.state === 'closed') && isNum(change.at) && change.at >= since) {
      out[model] = { state: change.state, at: change.at };
    }
  }
  return out;
}

function isAlert(a: unknown): a is CoreAlert {
  return isObj(a) && typeof a.id === 'string' && (a.severity === 'INFO' || a.severity === 'WARNING' || a.severity === 'CRITICAL')
    && typeof a.kind === 'string' && typeof a.title === 'string' && typeof a.message === 'string' && isNum(a.at);
}

export function readLog(value: unknown): WindowLog | undefined {
  if (!isObj(value) || value.version !== 1 || typeof value.windowId !== 'string' || !isNum(value.writtenAt)) return undefined;
  return {
    version: 1, windowId: value.windowId, writtenAt: value.writtenAt, monitor: value.monitor,
    alerts: Array.isArray(value.alerts) ? value.alerts.filter(isAlert) : [],
  };
}

export function readLease(value: unknown): LeaderLease | undefined {
  return isObj(value) && typeof value.instance === 'string' && typeof value.windowId === 'string' && isNum(value.until)
    ? { instance: value.instance, windowId: value.windowId, until: value.until } : undefined;
}

export function readResetMark(value: unknown): ResetMark | undefined {
  return isObj(value) && isNum(value.at) && typeof value.by === 'string' ? { at: value.at, by: value.by } : undefined;
}

/** The downtime events of a monitor state, checked. */
export function downtimeOf(monitorState: unknown): DowntimeEvent[] {
  if (!isObj(monitorState) || !Array.isArray(monitorState.downtime)) return [];
  return monitorState.downtime.filter((d): d is DowntimeEvent => isObj(d) && typeof d.model === 'string' && isNum(d.start) && isNum(d.end) && isNum(d.durationMs));
}

/** Newest (latest end) first, one per model and start, at most `limit`. */
export function mergeDowntime(lists: readonly (readonly DowntimeEvent[])[], limit = MAX_DOWNTIME): DowntimeEvent[] {
  const seen = new Map<string, DowntimeEvent>();
  for (const list of lists) for (const d of list) {
    const key = `${d.model}\u0000${d.start}`;
    if (!seen.has(key)) seen.set(key, d);
  }
  return [...seen.values()].sort((a, b) => b.end - a.end).slice(0, limit);
}

/** What a window finds of itself when it starts (all synchronous reads: activation does not wait). */
export interface RestoredWindow {
  windowId: string;
  /** The newest reset mark when it started: marks up to this one are not news. */
  resetAt: number;
  budget?: unknown;
  metrics: MetricSummaries;
  monitor?: unknown;
  alerts: CoreAlert[];
}

export function restoreWindow(globalState: vscode.Memento, workspaceState: vscode.Memento): RestoredWindow {
  let windowId = workspaceState.get<string>(WINDOW_ID_KEY);
  if (typeof windowId !== 'string' || !windowId) {
    windowId = randomUUID();
    void workspaceState.update(WINDOW_ID_KEY, windowId);
  }
  const record = readRecord(globalState.get(RECORD_PREFIX + windowId));
  const log = readLog(globalState.get(LOG_PREFIX + windowId));
  const resetAt = readResetMark(globalState.get(RESET_KEY))?.at ?? 0;
  // A reset after this window last wrote cleared metrics, monitor and alerts; the budget stays.
  const fresh = (writtenAt: number | undefined) => writtenAt !== undefined && writtenAt >= resetAt;
  return {
    windowId,
    resetAt,
    budget: record?.budget,
    metrics: record && fresh(record.writtenAt) ? record.metrics : {},
    monitor: log && fresh(log.writtenAt) ? log.monitor : undefined,
    alerts: log && fresh(log.writtenAt) ? log.alerts : [],
  };
}

/** The parts whose state is shared. */
export interface SyncParts {
  budget: { toJSON(): unknown; setPeerSpend(states: readonly unknown[]): void };
  metrics: { ownSummaries(): MetricSummaries; setPeers(summaries: readonly MetricSummaries[]): void };
  monitor: { toJSON(): object };
  alerts: { readonly own: readonly CoreAlert[]; setPeers(alerts: readonly CoreAlert[]): void };
  breakers: { sharedBreakers(): Record<string, SharedBreaker>; adoptBreakers(peers: readonly Record<string, SharedBreaker>[]): void };
}

export interface WindowSyncOptions {
  globalState: vscode.Memento;
  restored: RestoredWindow;
  parts: SyncParts;
  /** Another window reset metrics and breakers: do the same here. */
  onRemoteReset: () => void;
  log: Pick<vscode.LogOutputChannel, 'warn' | 'info'>;
  now?: () => number;
}

/** Today's totals of the other windows (for the savings figures; the budget counts spend itself). */
export interface PeerToday {
  day: string | undefined;
  costUsd: number;
  officialCostUsd: number;
  answers: number;
}

export class WindowSync implements vscode.Disposable {
  private id: string;
  readonly instance = randomUUID();
  private readonly startedAt: number;
  private readonly state: vscode.Memento;
  private readonly parts: SyncParts;
  private readonly now: () => number;
  private resetAt: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private confirmTimer: ReturnType<typeof setTimeout> | undefined;
  private leader = false;
  private peerDowntimeEvents: DowntimeEvent[] = [];
  private peerTodayTotals: PeerToday[] = [];
  private lastLog = '';
  private readonly saveRecordSoon: Throttle;
  private readonly saveLogSoon: Throttle;
  private disposed = false;
  private readonly leadershipListeners = new Set<(leader: boolean) => void>();

  constructor(private readonly options: WindowSyncOptions) {
    this.state = options.globalState;
    this.parts = options.parts;
    this.id = options.restored.windowId;
    this.resetAt = options.restored.resetAt;
    this.now = options.now ?? (() => Date.now());
    this.startedAt = this.now();
    this.saveRecordSoon = new Throttle(SAVE_THROTTLE_MS, () => this.writeRecord());
    this.saveLogSoon = new Throttle(SAVE_THROTTLE_MS, () => this.writeLog());
  }

  /** Heartbeats from now on; the first one at once (it only reads and writes globalState). */
  start(): void {
    if (this.heartbeat || this.disposed) return;
    this.tick();
    this.heartbeat = setInterval(() => this.tick(), HEARTBEAT_MS);
  }

  /** The key of this window's state (stable across reloads). */
  get windowId(): string {
    return this.id;
  }

  /** True while this window holds the alert lease (posts health alerts to Slack and webhooks). */
  get isLeader(): boolean {
    return this.leader;
  }

  onDidChangeLeadership(listener: (leader: boolean) => void): vscode.Disposable {
    this.leadershipListeners.add(listener);
    return { dispose: () => this.leadershipListeners.delete(listener) };
  }

  /** Other windows' downtime events, newest first. */
  get peerDowntime(): readonly DowntimeEvent[] {
    return this.peerDowntimeEvents;
  }

  /** Other windows' totals today. */
  get peerToday(): readonly PeerToday[] {
    return this.peerTodayTotals;
  }

  /** Something worth persisting changed: written within a couple of seconds. */
  recordChanged(): void {
    this.saveRecordSoon.schedule();
  }

  logChanged(): void {
    this.saveLogSoon.schedule();
  }

  /**
   * One heartbeat: notice a reset made elsewhere, renew or claim the lease, write this window's
   * record, read everyone else's. Public so tests drive it instead of waiting.
   */
  tick(): void {
    if (this.disposed) return;
    const now = this.now();
    const mark = readResetMark(this.state.get(RESET_KEY));
    if (mark && mark.at > this.resetAt) {
      this.resetAt = mark.at;
      if (mark.by !== this.instance) {
        this.options.log.info('Metrics, breakers, alerts and downtime were reset in another window; resetting here too.');
        this.options.onRemoteReset();
        this.writeLog();
      }
    }
    const mine = readRecord(this.state.get(RECORD_PREFIX + this.id));
    if (mine && mine.instance !== this.instance && !mine.closed && mine.writtenAt > this.startedAt) {
      // Another live window writes under our id: keep our state apart from now on.
      this.options.log.warn('Another window uses the same shared-state id; this window takes a new one.');
      this.id = randomUUID();
    }
    this.lease(now);
    this.writeRecord(now);
    this.readPeers(now);
  }

  private lease(now: number): void {
    const lease = readLease(this.state.get(LEADER_KEY));
    if (lease && lease.instance !== this.instance && lease.until > now) {
      this.setLeader(false);
      return;
    }
    const held = lease?.instance === this.instance;
    this.update(LEADER_KEY, { instance: this.instance, windowId: this.id, until: now + LEASE_MS } satisfies LeaderLease);
    if (held) return;
    // Just claimed: lead only if the claim is still ours a moment later.
    clearTimeout(this.confirmTimer);
    this.confirmTimer = setTimeout(() => this.confirmLease(), CONFIRM_MS);
  }

  /** Whether the claim made by the last `tick()` stood. Public for tests. */
  confirmLease(): boolean {
    clearTimeout(this.confirmTimer);
    this.confirmTimer = undefined;
    if (this.disposed) return false;
    const lease = readLease(this.state.get(LEADER_KEY));
    this.setLeader(lease?.instance === this.instance && lease.until > this.now());
    return this.leader;
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.options.log.info(leader ? 'This window now posts health alerts to Slack and webhooks (alert leader).' : 'Another window posts health alerts to Slack and webhooks now.');
    for (const listener of [...this.leadershipListeners]) listener(leader);
  }

  private readPeers(now: number): void {
    const budgets: unknown[] = [];
    const metrics: MetricSummaries[] = [];
    const alerts: CoreAlert[] = [];
    const downtime: DowntimeEvent[][] = [];
    const today: PeerToday[] = [];
    const breakers: Record<string, SharedBreaker>[] = [];
    const archive = readSummaries(this.state.get(ARCHIVE_KEY));
    if (Object.keys(archive).length > 0) metrics.push(archive);
    for (const key of this.state.keys()) {
      if (key.startsWith(RECORD_PREFIX)) {
        const record = readRecord(this.state.get(key));
        if (!record || record.windowId === this.id) continue;
        if (this.leader && record.heartbeatAt < now - FORGET_AFTER_MS) {
          this.forget(record);
          continue;
        }
        // A closed window's spend today still counts against today's budget.
        budgets.push(record.budget);
        today.push(todayOf(record.budget));
        if (record.writtenAt >= this.resetAt) metrics.push(record.metrics);
        breakers.push(sharedBreakersOf(record.breakers, this.resetAt));
      } else if (key.startsWith(LOG_PREFIX)) {
        const log = readLog(this.state.get(key));
        if (!log || log.windowId === this.id || log.writtenAt < this.resetAt) continue;
        alerts.push(...log.alerts.filter((a) => a.at >= this.resetAt));
        downtime.push(downtimeOf(log.monitor).filter((d) => d.end >= this.resetAt));
      }
    }
    this.parts.budget.setPeerSpend(budgets);
    this.parts.metrics.setPeers(metrics);
    this.parts.alerts.setPeers(alerts);
    this.parts.breakers.adoptBreakers(breakers);
    this.peerDowntimeEvents = mergeDowntime(downtime);
    this.peerTodayTotals = today;
  }

  /** Folds a long-gone window's metric summaries into the archive and removes its keys (leader only). */
  private forget(record: WindowRecord): void {
    const archive = readSummaries(this.state.get(ARCHIVE_KEY));
    if (record.writtenAt >= this.resetAt) {
      for (const [model, s] of Object.entries(record.metrics)) {
        archive[model] = addSummaries([archive[model], s].filter((p): p is MetricSummary => p !== undefined))!;
      }
    }
    this.update(ARCHIVE_KEY, archive);
    this.update(RECORD_PREFIX + record.windowId, undefined);
    this.update(LOG_PREFIX + record.windowId, undefined);
  }

  /** Writes this window's record and log now (throttled writes pending or not). */
  flush(): void {
    this.saveRecordSoon.flush();
    this.saveLogSoon.flush();
    this.writeRecord();
    this.writeLog();
  }

  private writeRecord(now = this.now(), closed = false): void {
    if (this.disposed) return;
    const record: WindowRecord = {
      version: 1, windowId: this.id, instance: this.instance, heartbeatAt: now, writtenAt: now,
      ...(closed ? { closed: true } : {}),
      budget: this.parts.budget.toJSON(), metrics: this.parts.metrics.ownSummaries(), breakers: this.parts.breakers.sharedBreakers(),
    };
    this.update(RECORD_PREFIX + this.id, record);
  }

  private writeLog(): void {
    if (this.disposed) return;
    // The monitor's own alert list is left out: the Alerts list holds the same and more.
    const monitor = { ...this.parts.monitor.toJSON(), alerts: [] };
    const body = JSON.stringify([monitor, this.parts.alerts.own.map((a) => a.id)]);
    if (body === this.lastLog) return;
    this.lastLog = body;
    const log: WindowLog = { version: 1, windowId: this.id, writtenAt: this.now(), monitor, alerts: [...this.parts.alerts.own] };
    this.update(LOG_PREFIX + this.id, log);
  }

  /**
   * Resets what every window shares ("Reset Metrics and Breakers"): a reset mark the other windows
   * follow, no archive, and this window's keys rewritten from its (already reset) parts. The
   * budget's spend is kept: money spent today stays spent.
   */
  markReset(breakersKey: string): void {
    const at = this.now();
    this.resetAt = at;
    this.update(RESET_KEY, { at, by: this.instance } satisfies ResetMark);
    this.update(breakersKey, {});
    this.update(ARCHIVE_KEY, undefined);
    this.lastLog = '';
    this.writeRecord(at);
    this.writeLog();
    this.readPeers(at);
  }

  private update(key: string, value: unknown): void {
    void Promise.resolve(this.state.update(key, value)).catch((error: unknown) => {
      this.options.log.warn(`Could not save shared state (${key}): ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Writes what is pending and gives up the lease, so another window can lead at once. */
  dispose(): void {
    if (this.disposed) return;
    clearInterval(this.heartbeat);
    clearTimeout(this.confirmTimer);
    this.saveRecordSoon.dispose();
    this.saveLogSoon.dispose();
    this.writeRecord(this.now(), true);
    this.lastLog = '';
    this.writeLog();
    if (readLease(this.state.get(LEADER_KEY))?.instance === this.instance) this.update(LEADER_KEY, undefined);
    this.disposed = true;
    this.leader = false;
    this.leadershipListeners.clear();
  }
}

function todayOf(budget: unknown): PeerToday {
  if (!isObj(budget) || !isObj(budget.today)) return { day: undefined, costUsd: 0, officialCostUsd: 0, answers: 0 };
  const t = budget.today;
  return {
    day: typeof budget.day === 'string' ? budget.day : undefined,
    costUsd: isNum(t.costUsd) ? t.costUsd : 0,
    officialCostUsd: isNum(t.officialCostUsd) ? t.officialCostUsd : 0,
    answers: isNum(t.answers) ? t.answers : 0,
  };
}

/** What makes a window's shared state worth writing again. */
export interface PersistSources {
  budget: { readonly onDidChange: (listener: () => void) => { dispose(): void } };
  metrics: { readonly onDidChangeModel: (listener: () => void) => { dispose(): void } };
  monitor: {
    readonly onDidRecordDowntime: (listener: () => void) => { dispose(): void };
    readonly onDidCheck: (listener: () => void) => { dispose(): void };
  };
  alerts: { readonly onDidChange: (listener: () => void) => { dispose(): void } };
}

/** Writes (throttled) what changed, and starts the heartbeat. */
export function registerWindowSync(sync: WindowSync, sources: PersistSources): vscode.Disposable {
  const subscriptions = [
    sources.budget.onDidChange(() => sync.recordChanged()),
    sources.metrics.onDidChangeModel(() => sync.recordChanged()),
    sources.monitor.onDidRecordDowntime(() => sync.logChanged()),
    // Streaks and outages change with checks; the log is written only when its content did.
    sources.monitor.onDidCheck(() => sync.logChanged()),
    sources.alerts.onDidChange(() => sync.logChanged()),
  ];
  sync.start();
  return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
}
