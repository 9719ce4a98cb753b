/**
 * Per-model metrics in bounded memory: counters, a window of recent outcomes for the error rate,
 * and ring buffers of latency and time-to-first-token samples for percentiles.
 */
import type { RouterConfig } from './config';
import type { ErrorCode } from './errors';

/** A fixed-size buffer of numbers: the newest `capacity` samples, nothing more. */
export class RingBuffer {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  /** Kept as samples come and go: ranking reads every model's means on every request. */
  private sum = 0;
  /** The samples in order, sorted on the first percentile after a change: a snapshot asks for two. */
  private sorted: Float64Array | undefined;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.count === this.capacity) this.sum -= this.values[this.next]!;
    this.sum += value;
    this.sorted = undefined;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Nearest-rank percentile (p in 0..100) of the samples held; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    // A typed array sorts numerically in native code: no boxed copy, no comparator calls. Every
    // answer builds a snapshot with four percentiles, so this runs on each request.
    this.sorted ??= this.values.slice(0, this.count).sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return this.sorted[rank];
  }

  mean(): number | undefined {
    return this.count === 0 ? undefined : this.sum / this.count;
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
    this.sum = 0;
    this.sorted = undefined;
  }
}

export type Health = 'healthy' | 'degraded' | 'down';
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Everything the UI, the CLI and the health report show about one model. */
export interface ModelSnapshot {
  model: string;
  endpoint: string;
  enabled: boolean;
  health: Health;
  breaker: BreakerState;
  /** Epoch ms when an open breaker lets its probe through. */
  breakerProbeAt?: number;
  requests: number;
  failures: number;
  /** Failures over the last `health.errorWindow` outcomes. */
  errorRate: number;
  avgLatencyMs?: number;
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  ttftP50Ms?: number;
  ttftP95Ms?: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** What the same tokens would have cost at the official price. */
  officialCostUsd: number;
  failovers: number;
  hedges: number;
  lastSuccess?: number;
  lastFailure?: number;
  lastError?: ErrorCode;
  /** The latest cheap `GET /models` check of the model's endpoint. */
  lastProbe?: ProbeOutcome;
}

export interface ProbeOutcome {
  ok: boolean;
  at: number;
  latencyMs: number;
  code?: ErrorCode;
  /** False when the endpoint answered but did not list this model. */
  listed?: boolean;
}

export interface SuccessSample {
  latencyMs: number;
  ttftMs: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  officialCostUsd: number;
}

const SAMPLE_CAPACITY = 256;

/** Counters and samples of one model. */
export class ModelMetrics {
  requests = 0;
  failures = 0;
  tokensIn = 0;
  tokensOut = 0;
  costUsd = 0;
  officialCostUsd = 0;
  failovers = 0;
  hedges = 0;
  lastSuccess?: number;
  lastFailure?: number;
  lastError?: ErrorCode;
  lastProbe?: ProbeOutcome;
  readonly latency = new RingBuffer(SAMPLE_CAPACITY);
  readonly ttft = new RingBuffer(SAMPLE_CAPACITY);
  /** 1 for a failure, 0 for a success, newest `errorWindow` outcomes. */
  private outcomes: RingBuffer;

  constructor(errorWindow: number) {
    this.outcomes = new RingBuffer(errorWindow);
  }

  recordSuccess(sample: SuccessSample, now = Date.now()): void {
    this.requests++;
    this.outcomes.push(0);
    this.latency.push(sample.latencyMs);
    this.ttft.push(sample.ttftMs);
    this.tokensIn += sample.tokensIn;
    this.tokensOut += sample.tokensOut;
    this.costUsd += sample.costUsd;
    this.officialCostUsd += sample.officialCostUsd;
    this.lastSuccess = now;
  }

  recordFailure(code: ErrorCode, now = Date.now()): void {
    this.requests++;
    this.failures++;
    this.outcomes.push(1);
    this.lastFailure = now;
    this.lastError = code;
  }

  get errorRate(): number {
    return this.outcomes.mean() ?? 0;
  }

  /**
   * A breaker that closes again has proven the model works: the failures of the outage no longer
   * describe it, and keeping them would leave it "down" (and last in the ranking) for dozens of
   * answers after it recovered.
   */
  forgetOutcomes(): void {
    this.outcomes = new RingBuffer(this.outcomes.capacity);
  }

  resize(errorWindow: number): void {
    if (errorWindow !== this.outcomes.capacity) this.outcomes = new RingBuffer(errorWindow);
  }
}

/**
 * healthy / degraded (error rate over the degraded threshold, or average latency too high) /
 * down (error rate over the down threshold, breaker open, disabled, or a failed probe newer than
 * the last answer).
 */
export function classifyHealth(
  m: Pick<ModelSnapshot, 'enabled' | 'breaker' | 'errorRate' | 'avgLatencyMs' | 'lastProbe' | 'lastSuccess'>,
  thresholds: RouterConfig['health'],
): Health {
  const probeFailed = m.lastProbe !== undefined && !m.lastProbe.ok && m.lastProbe.at >= (m.lastSuccess ?? 0);
  if (!m.enabled || m.breaker === 'open' || probeFailed || m.errorRate > thresholds.downErrorRate) return 'down';
  if (m.errorRate > thresholds.degradedErrorRate || (m.avgLatencyMs ?? 0) > thresholds.degradedLatencyMs) return 'degraded';
  return 'healthy';
}
