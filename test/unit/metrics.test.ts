import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { parseRetryAfter } from '../../src/core/backoff';
import { buildHealthReport } from '../../src/core/healthReport';
import { ModelMetrics, RingBuffer, classifyHealth, type ModelSnapshot } from '../../src/core/metrics';

describe('metrics', () => {
  it('ring buffer percentiles cover only the newest samples', () => {
    const ring = new RingBuffer(4);
    for (const v of [1000, 1000, 1000, 1000, 10, 20, 30, 40]) ring.push(v);
    assert.equal(ring.size, 4);
    assert.equal(ring.percentile(50), 20);
    assert.equal(ring.percentile(95), 40);
    assert.equal(ring.mean(), 25);
    assert.equal(new RingBuffer(3).percentile(50), undefined);
  });

  it('windowed error rate forgets old failures', () => {
    const m = new ModelMetrics(10);
    for (let i = 0; i < 10; i++) m.recordFailure('HTTP_503');
    assert.equal(m.errorRate, 1);
    for (let i = 0; i < 10; i++) m.recordSuccess({ latencyMs: 100, ttftMs: 50, tokensIn: 1, tokensOut: 2, costUsd: 0.1, officialCostUsd: 1 });
    assert.equal(m.errorRate, 0);
    assert.equal(m.failures, 10, 'lifetime counters keep counting');
    assert.equal(m.requests, 20);
  });

  it('stays bounded over 100,000 recorded requests', () => {
    const m = new ModelMetrics(50);
    const record = (n: number) => {
      for (let i = 0; i < n; i++) {
        if (i % 7 === 0) m.recordFailure('RATE_LIMITED');
        else m.recordSuccess({ latencyMs: i % 900, ttftMs: i % 300, tokensIn: 10, tokensOut: 20, costUsd: 1e-6, officialCostUsd: 1e-5 });
      }
    };
    record(1_000); // warm up allocations
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    record(100_000);
    global.gc?.();
    const growth = process.memoryUsage().heapUsed - before;
    assert.equal(m.latency.size, m.latency.capacity);
    assert.equal(m.requests, 101_000);
    // Without gc exposed this is noisy, but unbounded storage of 100k samples would be megabytes.
    assert.ok(growth < 2_000_000, `heap grew by ${growth} bytes over 100,000 requests`);
  });

  it('classifies health with the configured thresholds', () => {
    const t = DEFAULT_CONFIG.health;
    const base = { enabled: true, breaker: 'closed' as const, errorRate: 0, avgLatencyMs: 500 };
    assert.equal(classifyHealth(base, t), 'healthy');
    assert.equal(classifyHealth({ ...base, errorRate: 0.2 }, t), 'degraded');
    assert.equal(classifyHealth({ ...base, avgLatencyMs: 2500 }, t), 'degraded');
    assert.equal(classifyHealth({ ...base, errorRate: 0.6 }, t), 'down');
    assert.equal(classifyHealth({ ...base, breaker: 'open' }, t), 'down');
    assert.equal(classifyHealth({ ...base, enabled: false }, t), 'down');
    assert.equal(classifyHealth({ ...base, errorRate: 0.2 }, { ...t, degradedErrorRate: 0.3 }), 'healthy');
  });

  it('builds the health report in the article shape', () => {
    const snap = (model: string, health: ModelSnapshot['health'], requests: number, failures: number): ModelSnapshot => ({
      model, endpoint: 'holysheep', enabled: true, health, breaker: 'closed', requests, failures, errorRate: failures / requests,
      avgLatencyMs: 420, tokensIn: 1, tokensOut: 2, costUsd: 0.5, officialCostUsd: 3, failovers: 0, hedges: 0, lastSuccess: 0,
    });
    const report = buildHealthReport([snap('a', 'healthy', 10, 0), snap('b', 'down', 10, 6)], Date.UTC(2026, 0, 1));
    assert.equal(report.generated_at, '2026-01-01T00:00:00.000Z');
    for (const key of ['status', 'request_count', 'error_count', 'error_rate', 'avg_latency_ms', 'last_success', 'enabled']) {
      assert.ok(key in report.models.a!, `models.a.${key}`);
    }
    assert.deepEqual(
      { ...report.summary },
      { total_requests: 20, total_errors: 6, overall_error_rate: 0.3, healthy_models: 1, degraded_models: 0, down_models: 1, total_cost_usd: 1, total_saved_usd: 5 },
    );
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(new Date(now + 5000).toUTCString(), now), 5000);
    assert.equal(parseRetryAfter(new Date(now - 5000).toUTCString(), now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});
