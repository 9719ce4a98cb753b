/**
 * The health report in the shape dashboards already read (the disaster-recovery article's
 * `get_health_report()`: generated_at, models{status, request_count, error_count, error_rate,
 * avg_latency_ms, last_success, enabled}, summary{…}), with our extra fields beside the original
 * ones: percentiles, time to first token, breaker state, probes, downtime, cost and savings, the
 * budget. The extension's Export/Copy Health Report and the CLI's `health --json` print this same
 * shape; what a front end does not know (the CLI has no monitor history or budget) is empty or null.
 */
import type { BudgetSummary, CostView } from './budget';
import type { ProbeResult } from './chat';
import type { ModelSnapshot } from './metrics';
import type { DowntimeEvent, Outage } from './monitor';

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
  /** Start of the outage in progress, from the monitor. */
  down_since: string | null;
  /** Outages of this model in the downtime log, and their total length. */
  downtime_count: number;
  downtime_total_ms: number;
}

export interface CostReport {
  answers: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  official_cost_usd: number;
  saved_usd: number;
  /** Share of the official price saved, 0..100. */
  savings_pct: number;
  /** Answers whose usage was estimated (the provider sent none); null when unknown. */
  estimated_answers: number | null;
}

/** What a front end knows beyond the router's snapshots. */
export interface ReportExtras {
  /** The monitor's downtime log (newest first) and outages in progress. */
  downtime?: readonly DowntimeEvent[];
  outages?: readonly Outage[];
  /** The monitor's verdict; without it, "no enabled model is healthy" right now. */
  disaster?: boolean;
  budget?: BudgetSummary;
  probes?: readonly ProbeResult[];
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
  disaster_recovery_active: boolean;
  outages: { model: string; reason: string; start: string; duration_ms: number }[];
  /** Newest first. */
  downtime_events: { model: string; reason: string; start: string; end: string; duration_ms: number; ended_by: DowntimeEvent['endedBy'] }[];
  cost: {
    currency: 'USD';
    /** Since the engine started (with a budget tracker: since it started). */
    session: CostReport;
    /** This calendar day; null without a budget tracker. */
    today: CostReport | null;
    budget: {
      day: string;
      daily_usd: number;
      spent_today_usd: number;
      used_pct: number | null;
      remaining_usd: number | null;
      status: BudgetSummary['status'];
      on_exceeded: BudgetSummary['onExceeded'];
    } | null;
  };
  /** The latest endpoint probes, when the front end ran some. */
  probes: ProbeResult[];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
const ms = (n: number | undefined) => (n === undefined ? null : Math.round(n));

function costReport(c: Omit<CostView, 'estimatedAnswers'> & { estimatedAnswers: number | null }): CostReport {
  return {
    answers: c.answers,
    prompt_tokens: c.promptTokens,
    completion_tokens: c.completionTokens,
    cost_usd: round(c.costUsd, 6),
    official_cost_usd: round(c.officialCostUsd, 6),
    saved_usd: round(c.officialCostUsd - c.costUsd, 6),
    savings_pct: c.officialCostUsd > 0 ? round(((c.officialCostUsd - c.costUsd) / c.officialCostUsd) * 100, 2) : 0,
    estimated_answers: c.estimatedAnswers,
  };
}

export function buildHealthReport(snapshots: readonly ModelSnapshot[], now = Date.now(), extras: ReportExtras = {}): HealthReport {
  const downtime = extras.downtime ?? [];
  const outages = extras.outages ?? [];
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
      down_since: iso(outages.find((o) => o.model === s.model)?.start),
      downtime_count: downtime.filter((d) => d.model === s.model).length,
      downtime_total_ms: downtime.filter((d) => d.model === s.model).reduce((sum, d) => sum + d.durationMs, 0),
    };
  }
  const enabled = snapshots.filter((s) => s.enabled);
  const budget = extras.budget;
  const metricsSession = {
    answers: snapshots.reduce((n, s) => n + s.requests - s.failures, 0),
    promptTokens: snapshots.reduce((n, s) => n + s.tokensIn, 0),
    completionTokens: snapshots.reduce((n, s) => n + s.tokensOut, 0),
    costUsd: cost,
    officialCostUsd: official,
    savedUsd: official - cost,
    estimatedAnswers: null,
  };
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
    disaster_recovery_active: extras.disaster ?? (enabled.length > 0 && enabled.every((s) => s.health !== 'healthy')),
    outages: outages.map((o) => ({ model: o.model, reason: o.reason, start: new Date(o.start).toISOString(), duration_ms: Math.max(0, now - o.start) })),
    downtime_events: downtime.map((d) => ({
      model: d.model, reason: d.reason, start: new Date(d.start).toISOString(), end: new Date(d.end).toISOString(), duration_ms: d.durationMs, ended_by: d.endedBy,
    })),
    cost: {
      currency: 'USD',
      session: costReport(budget ? budget.session : metricsSession),
      today: budget ? costReport(budget.today) : null,
      budget: budget
        ? {
          day: budget.day,
          daily_usd: budget.dailyUsd,
          spent_today_usd: round(budget.spentTodayUsd, 6),
          used_pct: budget.usedFraction === null ? null : round(budget.usedFraction * 100, 2),
          remaining_usd: budget.remainingUsd === null ? null : round(budget.remainingUsd, 6),
          status: budget.status,
          on_exceeded: budget.onExceeded,
        }
        : null,
    },
    probes: (extras.probes ?? []).map((p) => ({ ...p })),
  };
}
