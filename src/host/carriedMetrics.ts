/**
 * Metric summaries that outlive the window. The router keeps live metrics only; this view adds what
 * this window counted before its last reload (restored from globalState) and what other windows
 * counted (read from theirs), so the tree, the status tooltip and the health report show the same
 * totals in every window. Health, breaker state and the windowed error rate stay the router's
 * own: they are what routing decides on, and they are restored (breakers) or rebuilt (error rate)
 * by the router itself.
 */
import type * as vscode from 'vscode';
import type { BreakerChange } from '../core/breakers';
import type { RouterConfig } from '../core/config';
import { Emitter, type Event } from '../core/events';
import type { ModelSnapshot } from '../core/metrics';
import type { RoutingDecision } from '../core/routeEvents';

/** The part of a model's metrics that is kept: counters, last times, and the latest percentiles. */
export type MetricSummary = Pick<ModelSnapshot,
  | (typeof COUNTERS)[number] | (typeof SAMPLES)[number] | 'lastSuccess' | 'lastFailure' | 'lastError'>;

export type MetricSummaries = Record<string, MetricSummary>;

const COUNTERS = ['requests', 'failures', 'tokensIn', 'tokensOut', 'costUsd', 'officialCostUsd', 'failovers', 'hedges'] as const;
const SAMPLES = ['avgLatencyMs', 'latencyP50Ms', 'latencyP95Ms', 'ttftP50Ms', 'ttftP95Ms'] as const;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function summaryOf(s: MetricSummary): MetricSummary {
  const out: MetricSummary = { requests: 0, failures: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, officialCostUsd: 0, failovers: 0, hedges: 0 };
  for (const key of COUNTERS) out[key] = s[key];
  for (const key of SAMPLES) if (s[key] !== undefined) out[key] = s[key];
  if (s.lastSuccess !== undefined) out.lastSuccess = s.lastSuccess;
  if (s.lastFailure !== undefined) out.lastFailure = s.lastFailure;
  if (s.lastError !== undefined) out.lastError = s.lastError;
  return out;
}

/** A persisted value, checked field by field; anything malformed is dropped. */
export function readSummaries(value: unknown): MetricSummaries {
  const out: MetricSummaries = {};
  if (!isObj(value)) return out;
  for (const [model, raw] of Object.entries(value)) {
    if (!isObj(raw) || !COUNTERS.every((k) => isNum(raw[k]) && (raw[k] as number) >= 0)) continue;
    const s = summaryOf(raw as unknown as MetricSummary);
    for (const key of SAMPLES) if (!isNum(raw[key])) delete s[key];
    if (!isNum(raw.lastSuccess)) delete s.lastSuccess;
    if (!isNum(raw.lastFailure)) delete s.lastFailure;
    if (typeof raw.lastError !== 'string') delete s.lastError;
    out[model] = s;
  }
  return out;
}

/**
 * Adds summaries: counters sum, last times take the latest, and percentiles come from the most
 * recently successful part (percentiles of different windows cannot be combined exactly).
 */
export function addSummaries(parts: readonly MetricSummary[]): MetricSummary | undefined {
  if (parts.length === 0) return undefined;
  const out = summaryOf(parts[0]!);
  for (const part of parts.slice(1)) {
    for (const key of COUNTERS) out[key] += part[key];
    if ((part.lastFailure ?? -1) > (out.lastFailure ?? -1)) {
      out.lastFailure = part.lastFailure;
      out.lastError = part.lastError;
    }
    if ((part.lastSuccess ?? -1) > (out.lastSuccess ?? -1)) {
      out.lastSuccess = part.lastSuccess;
      for (const key of SAMPLES) if (part[key] !== undefined) out[key] = part[key];
    }
    for (const key of SAMPLES) if (out[key] === undefined && part[key] !== undefined) out[key] = part[key];
  }
  return out;
}

/** A live snapshot plus what was carried over: counters added, live percentiles preferred. */
export function withCarried(live: ModelSnapshot, carried: MetricSummary | undefined): ModelSnapshot {
  if (!carried) return live;
  const out: ModelSnapshot = { ...live };
  for (const key of COUNTERS) out[key] = live[key] + carried[key];
  // The live samples describe the model as it is now; carried ones only fill a gap.
  for (const key of SAMPLES) if (out[key] === undefined && carried[key] !== undefined) out[key] = carried[key];
  if ((carried.lastSuccess ?? -1) > (live.lastSuccess ?? -1)) out.lastSuccess = carried.lastSuccess;
  if ((carried.lastFailure ?? -1) > (live.lastFailure ?? -1)) {
    out.lastFailure = carried.lastFailure;
    out.lastError = carried.lastError;
  }
  return out;
}

/** What the view reads from the router. */
export interface MetricsRouter {
  readonly config: RouterConfig;
  snapshot(): ModelSnapshot[];
  preview(): Promise<RoutingDecision>;
  readonly onDidChangeModel: Event<ModelSnapshot>;
  readonly onDidChangeBreaker: Event<BreakerChange>;
}

export class CarriedMetrics implements vscode.Disposable {
  /** This window's totals from before its last reload. */
  private own: MetricSummaries;
  /** Other windows' totals (and those of windows long closed), per model. */
  private peers: Record<string, MetricSummary[]> = {};
  private readonly changed = new Emitter<ModelSnapshot>();
  private readonly subscription: { dispose(): void };

  /** Fires when the router's metrics change, and when carried totals do (with each model's view). */
  readonly onDidChangeModel: Event<ModelSnapshot> = this.changed.event;
  readonly onDidChangeBreaker: Event<BreakerChange>;

  constructor(private readonly router: MetricsRouter, restored: MetricSummaries = {}) {
    this.own = restored;
    this.onDidChangeBreaker = router.onDidChangeBreaker;
    this.subscription = router.onDidChangeModel((s) => this.changed.fire(this.merge(s)));
  }

  get config(): RouterConfig {
    return this.router.config;
  }

  preview(): Promise<RoutingDecision> {
    return this.router.preview();
  }

  /** Every model, with carried-over counters added. */
  snapshot(): ModelSnapshot[] {
    return this.router.snapshot().map((s) => this.merge(s));
  }

  /** This window's totals, carried plus live: what it persists (never other windows' share). */
  ownSummaries(): MetricSummaries {
    const out: MetricSummaries = {};
    const live = new Map(this.router.snapshot().map((s) => [s.model, s]));
    for (const model of new Set([...live.keys(), ...Object.keys(this.own)])) {
      const parts = [live.get(model), this.own[model]].filter((p): p is MetricSummary => p !== undefined).map(summaryOf);
      const sum = addSummaries(parts);
      if (sum && (sum.requests > 0 || sum.failovers > 0 || sum.hedges > 0)) out[model] = sum;
    }
    return out;
  }

  /** Other windows' totals, as last read from globalState. */
  setPeers(summaries: readonly MetricSummaries[]): void {
    const next: Record<string, MetricSummary[]> = {};
    for (const summary of summaries) for (const [model, s] of Object.entries(summary)) (next[model] ??= []).push(s);
    if (JSON.stringify(next) === JSON.stringify(this.peers)) return;
    this.peers = next;
    this.fireAll();
  }

  /** Forgets everything carried over ("Reset Metrics and Breakers"). */
  reset(): void {
    this.own = {};
    this.peers = {};
    this.fireAll();
  }

  private merge(live: ModelSnapshot): ModelSnapshot {
    const parts = [this.own[live.model], ...(this.peers[live.model] ?? [])].filter((p): p is MetricSummary => p !== undefined);
    return withCarried(live, addSummaries(parts));
  }

  private fireAll(): void {
    for (const s of this.snapshot()) this.changed.fire(s);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
