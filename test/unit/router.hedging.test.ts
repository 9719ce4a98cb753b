import * as assert from 'node:assert/strict';
import type { RouteEvent } from '../../src/core/routeEvents';
import { BY_PRICE, useRouterHarness, answer, eventTrail } from './routerHarness';

// Hedging: when the chosen model has no first token within its maxLatencyMs, the next candidate
// starts beside it; the first token wins and the other is aborted, its socket closed. The model
// whose socket matters sits alone on the side fleet, so its connections can be counted exactly.

const [DEEPSEEK, GEMINI, GPT] = BY_PRICE;
const DEADLINE_MS = 300;

describe('Router hedging', function () {
  this.timeout(20_000);
  const h = useRouterHarness();
  const { fleet, side } = h;

  /** DeepSeek (the first choice) on the side fleet, with a short first-token deadline. */
  function primaryOnSide(extra: Record<string, unknown>[] = []) {
    return h.router({
      endpoints: [h.sideEndpoint()],
      models: [{ id: DEEPSEEK, endpoint: 'side', maxLatencyMs: DEADLINE_MS }, ...extra],
    });
  }

  const hung: [string, object][] = [
    ['a primary whose first token is very late', { firstTokenDelayMs: 60_000 }],
    ['a primary whose stream stalls before its first token', { stallAfterTokens: 0 }],
    ['a primary whose headers never come', { headerDelayMs: 60_000 }],
  ];
  for (const [what, behaviour] of hung) {
    it(`${what} loses to the backup started at its deadline; its socket is closed`, async () => {
      side.script(DEEPSEEK, behaviour);
      const router = primaryOnSide();
      const started = Date.now();
      let hedgeAt = 0;
      const { result, events } = await answer(router, { onEvent: (e) => void (e.type === 'hedge' && (hedgeAt = Date.now())) });

      assert.equal(result.model, GEMINI);
      assert.equal(result.text, `Hello from ${GEMINI}.`);
      assert.equal(result.hedged, true);
      assert.deepEqual(result.failovers, []);
      assert.deepEqual(eventTrail(events), [`attempt ${DEEPSEEK}`, `hedge ${DEEPSEEK} + ${GEMINI}`, `attempt ${GEMINI}`, `done ${GEMINI}`]);
      assert.deepEqual(events.find((e) => e.type === 'hedge'), { type: 'hedge', primary: DEEPSEEK, backup: GEMINI });
      // The backup waits for the primary's deadline (a hedge is not a race from the start). The
      // slack only allows for a timer firing a little early on a busy event loop.
      assert.ok(hedgeAt - started >= DEADLINE_MS - 50, `hedged after ${hedgeAt - started} ms`);
      assert.equal(side.requestCount(DEEPSEEK), 1);
      assert.equal(fleet.requestCount(GEMINI), 1);
      // The hung primary's socket is closed by the router, not by the test's clean-up.
      await side.waitForConnections(0);
      const primary = router.snapshotOf(DEEPSEEK)!;
      assert.equal(primary.hedges, 1);
      assert.equal(primary.lastError, 'TIMEOUT', 'a primary past its deadline that lost counts as a timeout');
    });
  }

  it('keeps a late primary that answers before the backup, and closes the backup without blaming it', async () => {
    // DeepSeek is late but answers at 600 ms; Gemini, the backup, would take 10 s.
    fleet.script(DEEPSEEK, { firstTokenDelayMs: 600 });
    const router = h.router({
      endpoints: [h.sideEndpoint()],
      models: [{ id: DEEPSEEK, maxLatencyMs: DEADLINE_MS }, { id: GEMINI, endpoint: 'side' }],
    });
    side.script(GEMINI, { firstTokenDelayMs: 10_000 });
    const { result, events } = await answer(router);
    assert.equal(result.model, DEEPSEEK);
    assert.equal(result.hedged, true);
    assert.ok(events.some((e) => e.type === 'hedge'));
    assert.equal(side.requestCount(GEMINI), 1);
    await side.waitForConnections(0);
    // Gemini had 2 s for its first token and was stopped after ~0.3 s: not its failure.
    const backup = router.snapshotOf(GEMINI)!;
    assert.equal(backup.failures, 0);
    assert.equal(backup.errorRate, 0);
    assert.equal(router.snapshotOf(DEEPSEEK)!.failures, 0);
  });

  it('hedges again when the backup is late too, and the third model wins', async () => {
    side.script(DEEPSEEK, { firstTokenDelayMs: 60_000 });
    side.script(GEMINI, { firstTokenDelayMs: 60_000 });
    const router = primaryOnSide([{ id: GEMINI, endpoint: 'side', maxLatencyMs: DEADLINE_MS }]);
    const { result, events } = await answer(router);
    assert.equal(result.model, GPT);
    assert.deepEqual(events.filter((e): e is Extract<RouteEvent, { type: 'hedge' }> => e.type === 'hedge').map((e) => [e.primary, e.backup]), [
      [DEEPSEEK, GEMINI],
      [GEMINI, GPT],
    ]);
    await side.waitForConnections(0);
  });

  it('with hedging off, abandons the late primary instead of running both', async () => {
    side.script(DEEPSEEK, { firstTokenDelayMs: 60_000 });
    const router = h.router({
      routing: { hedging: false },
      endpoints: [h.sideEndpoint()],
      models: [{ id: DEEPSEEK, endpoint: 'side', maxLatencyMs: DEADLINE_MS }],
    });
    const { result, events } = await answer(router);
    assert.equal(result.model, GEMINI);
    assert.equal(result.hedged, false);
    assert.ok(!events.some((e) => e.type === 'hedge'));
    assert.deepEqual(result.failovers, [{ from: DEEPSEEK, to: GEMINI, reason: 'TIMEOUT' }]);
    assert.equal(router.snapshotOf(DEEPSEEK)!.hedges, 0);
    await side.waitForConnections(0);
  });

  it('keeps a hedged primary running when the backup fails, and the primary can still win', async () => {
    // Only two models: the backup fails at once, nothing else is left, the late primary answers.
    fleet.script(DEEPSEEK, { firstTokenDelayMs: 800 });
    fleet.script(GEMINI, { status: 503 });
    const router = h.router({
      models: [{ id: DEEPSEEK, maxLatencyMs: DEADLINE_MS }, { id: GPT, enabled: false }, { id: 'claude-sonnet-4.5', enabled: false }],
    });
    const { result } = await answer(router);
    assert.equal(result.model, DEEPSEEK);
    assert.equal(result.hedged, true);
    assert.equal(fleet.requestCount(DEEPSEEK), 1);
    assert.equal(fleet.requestCount(GEMINI), 1);
  });
});
