import * as assert from 'node:assert/strict';
import { BudgetTracker } from '../../src/core/budget';
import { buildHealthReport } from '../../src/core/healthReport';
import type { ModelSnapshot } from '../../src/core/metrics';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

function snap(model: string, extra: Partial<ModelSnapshot> = {}): ModelSnapshot {
  return {
    model, endpoint: 'holysheep', enabled: true, health: 'healthy', breaker: 'closed', requests: 10, failures: 1, errorRate: 0.1,
    avgLatencyMs: 812.4, latencyP50Ms: 700, latencyP95Ms: 1900.6, ttftP50Ms: 210, ttftP95Ms: 480.2,
    tokensIn: 1000, tokensOut: 2000, costUsd: 0.018, officialCostUsd: 0.135, failovers: 1, hedges: 0, lastSuccess: NOW - 1000,
    ...extra,
  };
}

describe('health report', () => {
  it('adds p95 latency, time to first token, breaker state, downtime and outages to the article shape', () => {
    const report = buildHealthReport(
      [snap('gpt-4.1'), snap('deepseek-v3.2', { health: 'down', breaker: 'open', breakerProbeAt: NOW + 20_000 })],
      NOW,
      {
        downtime: [
          { model: 'gpt-4.1', reason: 'circuit breaker open', start: NOW - 600_000, end: NOW - 540_000, durationMs: 60_000, endedBy: 'recovered' },
          { model: 'gpt-4.1', reason: 'error rate 70 %', start: NOW - 900_000, end: NOW - 870_000, durationMs: 30_000, endedBy: 'recovered' },
        ],
        outages: [{ model: 'deepseek-v3.2', reason: 'circuit breaker open, last error HTTP_503', start: NOW - 45_000 }],
      },
    );
    const gpt = report.models['gpt-4.1']!;
    assert.deepEqual(
      [gpt.status, gpt.request_count, gpt.error_count, gpt.error_rate, gpt.avg_latency_ms, gpt.last_success, gpt.enabled],
      ['healthy', 10, 1, 0.1, 812, new Date(NOW - 1000).toISOString(), true],
      'the article fields',
    );
    assert.deepEqual([gpt.p95_latency_ms, gpt.p50_ttft_ms, gpt.p95_ttft_ms, gpt.breaker_state], [1901, 210, 480, 'closed']);
    assert.deepEqual([gpt.downtime_count, gpt.downtime_total_ms, gpt.down_since], [2, 90_000, null]);
    const deepseek = report.models['deepseek-v3.2']!;
    assert.deepEqual([deepseek.breaker_state, deepseek.breaker_probe_at, deepseek.down_since], ['open', new Date(NOW + 20_000).toISOString(), new Date(NOW - 45_000).toISOString()]);
    assert.deepEqual(report.outages, [{ model: 'deepseek-v3.2', reason: 'circuit breaker open, last error HTTP_503', start: new Date(NOW - 45_000).toISOString(), duration_ms: 45_000 }]);
    assert.deepEqual(report.downtime_events[0], {
      model: 'gpt-4.1', reason: 'circuit breaker open', start: new Date(NOW - 600_000).toISOString(), end: new Date(NOW - 540_000).toISOString(), duration_ms: 60_000, ended_by: 'recovered',
    });
    assert.equal(report.disaster_recovery_active, false);
  });

  it('reports cost and savings from the metrics, and today and the budget from a tracker', () => {
    const snapshots = [snap('gpt-4.1'), snap('deepseek-v3.2', { costUsd: 0.002, officialCostUsd: 0.01 })];
    const bare = buildHealthReport(snapshots, NOW);
    assert.deepEqual(bare.cost.session, {
      answers: 18, prompt_tokens: 2000, completion_tokens: 4000, cost_usd: 0.02, official_cost_usd: 0.145, saved_usd: 0.125, savings_pct: 86.21, estimated_answers: null,
    });
    assert.deepEqual([bare.cost.today, bare.cost.budget], [null, null]);

    const tracker = new BudgetTracker({ dailyUsd: 2, onExceeded: 'cheapest' }, { now: () => NOW });
    tracker.record({ model: 'gpt-4.1', usage: { promptTokens: 100, completionTokens: 200, estimated: true }, costUsd: 1.7, officialCostUsd: 12 });
    const withBudget = buildHealthReport(snapshots, NOW, { budget: tracker.summary() });
    assert.deepEqual(withBudget.cost.today, {
      answers: 1, prompt_tokens: 100, completion_tokens: 200, cost_usd: 1.7, official_cost_usd: 12, saved_usd: 10.3, savings_pct: 85.83, estimated_answers: 1,
    });
    assert.deepEqual(withBudget.cost.budget, {
      day: tracker.summary().day, daily_usd: 2, spent_today_usd: 1.7, used_pct: 85, remaining_usd: 0.3, status: 'warning', on_exceeded: 'cheapest',
    });
  });

  it('says disaster recovery is active when no enabled model is healthy, or when the monitor says so', () => {
    const down = [snap('a', { health: 'down' }), snap('b', { health: 'degraded' }), snap('c', { enabled: false })];
    assert.equal(buildHealthReport(down, NOW).disaster_recovery_active, true);
    assert.equal(buildHealthReport(down, NOW, { disaster: false }).disaster_recovery_active, false);
    assert.equal(buildHealthReport([snap('x', { enabled: false })], NOW).disaster_recovery_active, false, 'no enabled model is not a disaster');
  });

  it('has the same keys whatever the front end knows', () => {
    const keys = (r: object) => Object.keys(r).sort();
    const bare = buildHealthReport([snap('a')], NOW);
    const full = buildHealthReport([snap('a')], NOW, { downtime: [], outages: [], budget: new BudgetTracker({ dailyUsd: 0, onExceeded: 'refuse' }).summary(), probes: [], disaster: false });
    assert.deepEqual(keys(bare), keys(full));
    assert.deepEqual(keys(bare), ['cost', 'disaster_recovery_active', 'downtime_events', 'generated_at', 'models', 'outages', 'probes', 'summary']);
    assert.deepEqual(keys(bare.models.a!), keys(full.models.a!));
  });
});
