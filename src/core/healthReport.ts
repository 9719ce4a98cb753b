/**
 * The health report in the shape dashboards already read (the disaster-recovery article's
 * `get_health_report()`), with our extra fields beside the original ones.
 */
import type { ModelSnapshot } from './metrics';

export interface ModelReport {
  status: ModelSnapshot['health'];
  request_count: number;
  error_count: number;
  error_rate: number;
  avg_latency_ms: number;
  last_success: string | null;
  enabled: boolean;
  endpoint: string;
  breaker_state: ModelSnapshot['breaker'];
  breaker_probe_at: string | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p50_ttft_ms: number | null;
  p95_ttft_ms: number | null;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  official_cost_usd: number;
  saved_usd: number;
  failovers: number;
  hedges: number;
  last_failure: string | null;
  last_error: string | null;
  probe_ok: boolean | null;
  probe_latency_ms: number | null;
  probe_at: string | null;
}

export interface HealthReport {
  generated_at: string;
  models: Record<string, ModelReport>;
  summary: {
    total_requests: number;
    total_errors: number;
    overall_error_rate: number;
    healthy_models: number;
    degraded_models: number;
    down_models: number;
    total_cost_usd: number;
    total_saved_usd: number;
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
const ms = (n: number | undefined) => (n === undefined ? null : Math.round(n));

export function buildHealthReport(snapshots: readonly ModelSnapshot[], now = Date.now()): HealthReport {
  const models: Record<string, ModelReport> = {};
  let totalRequests = 0;
  let totalErrors = 0;
  let cost = 0;
  let official = 0;
  const counts = { healthy: 0, degraded: 0, down: 0 };
  for (const s of snapshots) {
    totalRequests += s.requests;
    totalErrors += s.failures;
    cost += s.costUsd;
    official += s.officialCostUsd;
    counts[s.health]++;
    models[s.model] = {
      status: s.health,
      request_count: s.requests,
      error_count: s.failures,
      error_rate: round(s.errorRate),
      avg_latency_ms: Math.round(s.avgLatencyMs ?? 0),
      last_success: iso(s.lastSuccess),
      enabled: s.enabled,
      endpoint: s.endpoint,
      breaker_state: s.breaker,
      breaker_probe_at: iso(s.breakerProbeAt),
      p50_latency_ms: ms(s.latencyP50Ms),
      p95_latency_ms: ms(s.latencyP95Ms),
      p50_ttft_ms: ms(s.ttftP50Ms),
      p95_ttft_ms: ms(s.ttftP95Ms),
      tokens_in: s.tokensIn,
      tokens_out: s.tokensOut,
      cost_usd: round(s.costUsd, 6),
      official_cost_usd: round(s.officialCostUsd, 6),
      saved_usd: round(s.officialCostUsd - s.costUsd, 6),
      failovers: s.failovers,
      hedges: s.hedges,
      last_failure: iso(s.lastFailure),
      last_error: s.lastError ?? null,
      probe_ok: s.lastProbe?.ok ?? null,
      probe_latency_ms: s.lastProbe ? s.lastProbe.latencyMs : null,
      probe_at: iso(s.lastProbe?.at),
    };
  }
  return {
    generated_at: new Date(now).toISOString(),
    models,
    summary: {
      total_requests: totalRequests,
      total_errors: totalErrors,
      overall_error_rate: totalRequests ? round(totalErrors / totalRequests) : 0,
      healthy_models: counts.healthy,
      degraded_models: counts.degraded,
      down_models: counts.down,
      total_cost_usd: round(cost, 6),
      total_saved_usd: round(official - cost, 6),
    },
  };
}
