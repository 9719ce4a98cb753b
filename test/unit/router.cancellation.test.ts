import * as assert from 'node:assert/strict';
import type { ModelSnapshot } from '../../src/core/metrics';
import type { Router } from '../../src/core/router';
import { BY_PRICE, useRouterHarness, eventTrail, failure, until } from './routerHarness';

// Cancellation: aborting the caller's AbortSignal closes the socket at once and ends the request as
// CANCELLED, never as a success or as the model's failure. The model being cancelled sits alone on
// the side fleet, so "its socket closed" is an exact count there.

const [DEEPSEEK, GEMINI] = BY_PRICE;

/** What a cancel must leave untouched in a model's record. */
function health(s: ModelSnapshot) {
  return { requests: s.requests, failures: s.failures, errorRate: s.errorRate, breaker: s.breaker, health: s.health, lastError: s.lastError };
}

describe('Router cancellation', function () {
  this.timeout(20_000);
  const h = useRouterHarness();
  const { fleet, side } = h;

  function deepSeekOnSide(input: Record<string, unknown> = {}): Router {
    return h.router({ endpoints: [h.sideEndpoint()], models: [{ id: DEEPSEEK, endpoint: 'side' }], ...input });
  }

  it('mid-stream: closes the socket promptly, ends as CANCELLED with the partial text, blames no one', async () => {
    // 20 tokens, 100 ms apart: two seconds of stream left when the user stops it.
    const tokens = Array.from({ length: 20 }, (_, i) => `t${i} `);
    side.script(DEEPSEEK, { tokens, tokenIntervalMs: 100 });
    const router = deepSeekOnSide();
    const before = health(router.snapshotOf(DEEPSEEK)!);
    const controller = new AbortController();
    let streamed = '';
    let abortedAt = 0;
    const { error, events } = await failure(router, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'delta') return;
        streamed += e.text;
        if (streamed === 't0 t1 ') {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const endedAfter = performance.now() - abortedAt;

    assert.equal(error.code, 'CANCELLED');
    assert.equal(error.partialText, 't0 t1 ');
    assert.equal(streamed, 't0 t1 ', 'no delta after the abort');
    assert.deepEqual(eventTrail(events), [`attempt ${DEEPSEEK}`, 'error CANCELLED']);
    // Generous: the stream had two more seconds to run.
    assert.ok(endedAfter < 1000, `the request ended ${endedAfter} ms after the abort`);
    await side.waitForConnections(0, 1000);
    // Not the model's failure, not a success either; and no other model was tried.
    assert.deepEqual(health(router.snapshotOf(DEEPSEEK)!), before);
    assert.equal(fleet.requests.length, 0);
  });

  it('stops delivering text at the abort, even from a network chunk that holds more', async () => {
    // No pause between tokens: the whole answer tends to arrive in one chunk.
    side.script(DEEPSEEK, { tokens: ['one ', 'two ', 'three ', 'four'], tokenIntervalMs: 0 });
    const router = deepSeekOnSide();
    const controller = new AbortController();
    let streamed = '';
    const { error } = await failure(router, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'delta') return;
        streamed += e.text;
        controller.abort();
      },
    });
    assert.equal(error.code, 'CANCELLED');
    assert.equal(streamed, 'one ');
    assert.equal(error.partialText, 'one ');
  });

  it('before the first token: closes the socket and tries no other model', async () => {
    side.script(DEEPSEEK, { firstTokenDelayMs: 60_000 });
    const router = deepSeekOnSide();
    const controller = new AbortController();
    const pending = failure(router, { signal: controller.signal });
    await until(() => side.openConnections() === 1 && side.requestCount(DEEPSEEK) === 1, 'the request to reach the fleet');
    controller.abort();
    const { error, events } = await pending;
    assert.equal(error.code, 'CANCELLED');
    assert.equal(error.partialText, undefined);
    assert.deepEqual(eventTrail(events), [`attempt ${DEEPSEEK}`, 'error CANCELLED']);
    await side.waitForConnections(0, 1000);
    assert.equal(fleet.requests.length, 0, 'a cancel is not a reason to fail over');
    const snapshot = router.snapshotOf(DEEPSEEK)!;
    assert.equal(snapshot.failures, 0);
    assert.equal(snapshot.failovers, 0);
  });

  it('while hedging: closes both the primary and the backup', async () => {
    side.script(DEEPSEEK, { firstTokenDelayMs: 60_000 });
    side.script(GEMINI, { firstTokenDelayMs: 60_000 });
    const router = h.router({
      endpoints: [h.sideEndpoint()],
      models: [{ id: DEEPSEEK, endpoint: 'side', maxLatencyMs: 200 }, { id: GEMINI, endpoint: 'side', maxLatencyMs: 60_000 }],
    });
    const controller = new AbortController();
    const pending = failure(router, { signal: controller.signal });
    await until(() => side.openConnections() === 2 && side.requestCount(GEMINI) === 1, 'the backup to reach the fleet');
    controller.abort();
    const { error, events } = await pending;
    assert.equal(error.code, 'CANCELLED');
    assert.ok(events.some((e) => e.type === 'hedge'));
    await side.waitForConnections(0, 1000);
    for (const model of [DEEPSEEK, GEMINI]) assert.equal(router.snapshotOf(model)!.failures, 0, model);
  });

  it('while waiting out a Retry-After: ends at once, leaving no timer behind', async () => {
    fleet.script(DEEPSEEK, { status: 429, retryAfter: '10' });
    const router = h.router({
      models: BY_PRICE.slice(1).map((id) => ({ id, enabled: false })),
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 30_000 },
    });
    const controller = new AbortController();
    const logged: string[] = [];
    router.onDidLog((e) => logged.push(e.message));
    const pending = failure(router, { signal: controller.signal });
    await until(() => logged.some((m) => /waiting \d+ ms as their Retry-After asks/.test(m)), 'the router to wait');
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const abortedAt = performance.now();
    controller.abort();
    const { error } = await pending;
    assert.equal(error.code, 'CANCELLED');
    assert.ok(performance.now() - abortedAt < 1000, 'the 10 s wait was not cut short');
    assert.equal(fleet.requestCount(DEEPSEEK), 1);
    assert.ok(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length < timers, 'the wait left its timer running');
  });

  it('with a signal aborted before the call: CANCELLED, and nothing is sent', async () => {
    const router = h.router();
    const { error, events } = await failure(router, { signal: AbortSignal.abort() });
    assert.equal(error.code, 'CANCELLED');
    assert.deepEqual(eventTrail(events), ['error CANCELLED']);
    assert.equal(fleet.requests.length, 0);
  });

  it('is told apart from a broken stream: a reset after content is STREAM_ERROR, and the model is blamed', async () => {
    // The contrast that makes the tests above meaningful: the same partial answer, not cancelled.
    side.script(DEEPSEEK, { tokens: ['t0 ', 't1 ', 't2 '], resetAfterTokens: 2 });
    const router = deepSeekOnSide();
    const { error } = await failure(router);
    assert.equal(error.code, 'STREAM_ERROR');
    assert.equal(error.partialText, 't0 t1 ');
    assert.equal(router.snapshotOf(DEEPSEEK)!.failures, 1);
    assert.equal(fleet.requests.length, 0, 'an answer that broke off is not spliced onto another model');
  });
});
