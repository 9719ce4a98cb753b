import * as assert from 'node:assert/strict';
import { BY_PRICE, useRouterHarness, answer } from './routerHarness';

// Model selection through the router: score = price·w_cost + errorRate·100·w_err + latency(s)·w_lat,
// lower wins, with a quality floor and a fixed-model choice that still fails over.

const [DEEPSEEK, GEMINI, GPT, CLAUDE] = BY_PRICE;
const PRICE: Record<string, number> = { [DEEPSEEK]: 0.42, [GEMINI]: 2.5, [GPT]: 8, [CLAUDE]: 15 };

describe('Router scoring', function () {
  this.timeout(20_000);
  const h = useRouterHarness();
  const { fleet } = h;

  it('sends a request to the cheapest healthy model, and explains the ranking', async () => {
    const { result } = await answer(h.router());
    assert.equal(result.model, DEEPSEEK);
    assert.equal(result.decision.mode, 'auto');
    assert.deepEqual(result.decision.candidates.map((c) => c.model), [...BY_PRICE]);
    for (const c of result.decision.candidates) {
      assert.ok(Math.abs(c.score - PRICE[c.model]! * 0.3) < 1e-9, `${c.model} scored ${c.score}`);
    }
    assert.deepEqual(result.decision.skipped, []);
    assert.equal(fleet.requests.length, 1);
  });

  it('skips a disabled model, however cheap', async () => {
    const { result } = await answer(h.router({ models: [{ id: DEEPSEEK, enabled: false }] }));
    assert.equal(result.model, GEMINI);
    assert.deepEqual(result.decision.skipped, [{ model: DEEPSEEK, reason: 'disabled in settings' }]);
    assert.equal(fleet.requestCount(DEEPSEEK), 0);
  });

  it('moves away from a model as its error rate rises', async () => {
    const router = h.router();
    fleet.script(DEEPSEEK, { status: 500 });
    assert.equal((await answer(router)).result.model, GEMINI);
    // One failure in one request: error rate 1, worth 1·100·0.4 = 40 points; Gemini now leads.
    const { result } = await answer(router);
    assert.equal(result.model, GEMINI);
    assert.deepEqual(result.failovers, []);
    const deepseek = result.decision.candidates.find((c) => c.model === DEEPSEEK)!;
    assert.equal(deepseek.errorTerm, 40);
    assert.equal(result.decision.candidates.at(-1)!.model, DEEPSEEK);
    assert.equal(fleet.requestCount(DEEPSEEK), 1);
    assert.equal(router.snapshotOf(DEEPSEEK)!.errorRate, 1);
  });

  it('moves away from a slow model when latency weighs enough, not with the default weight', async () => {
    // DeepSeek answers, but takes at least 500 ms.
    const slow = { firstTokenDelayMs: 500 };

    // Default weight 0.3: ~0.5 s adds ~0.15 points, and DeepSeek (0.126) stays below Gemini (0.75)
    // unless the answer took over 2 s.
    const byDefault = h.router();
    fleet.script(DEEPSEEK, slow);
    assert.equal((await answer(byDefault)).result.model, DEEPSEEK);
    const again = await answer(byDefault);
    assert.equal(again.result.model, DEEPSEEK);
    const term = again.result.decision.candidates[0]!.latencyTerm;
    assert.ok(term >= 0.5 * 0.3, `latency term ${term}`);

    // Weight 3: at least 0.5 s·3 = 1.5 points, and Gemini (0.75, no history yet) leads.
    const latencyHeavy = h.router({ routing: { weights: { latency: 3 } } });
    fleet.script(DEEPSEEK, slow);
    assert.equal((await answer(latencyHeavy)).result.model, DEEPSEEK);
    const { result } = await answer(latencyHeavy);
    assert.equal(result.model, GEMINI);
    assert.ok(result.decision.candidates.find((c) => c.model === DEEPSEEK)!.latencyTerm >= 1.5);
    assert.equal(fleet.requestCount(DEEPSEEK), 3);
  });

  it('respects configured weights: with no weight on errors a failing cheap model stays first', async () => {
    const router = h.router({ routing: { weights: { cost: 1, errorRate: 0, latency: 0 } } });
    fleet.script(DEEPSEEK, { status: 503 });
    assert.equal((await answer(router)).result.model, GEMINI);
    const { result } = await answer(router);
    assert.equal(result.model, DEEPSEEK);
    assert.deepEqual(result.decision.candidates.map((c) => [c.model, c.score]), BY_PRICE.map((m) => [m, PRICE[m]]));
  });

  it('respects configured weights: with no weight on cost, price decides nothing', async () => {
    const router = h.router({ routing: { weights: { cost: 0, errorRate: 1, latency: 0 } } });
    fleet.script(CLAUDE, { status: 502 });
    // Every score is 0: the tie goes by id, so Claude, the dearest, is tried first.
    const first = await answer(router);
    assert.deepEqual(first.result.decision.candidates.map((c) => c.score), [0, 0, 0, 0]);
    assert.equal(first.result.decision.candidates[0]!.model, CLAUDE);
    assert.deepEqual(first.result.failovers, [{ from: CLAUDE, to: DEEPSEEK, reason: 'HTTP_502' }]);
    // Its failure (error rate 1, weight 1: 100 points) puts it last.
    const { result } = await answer(router);
    assert.equal(result.decision.candidates.at(-1)!.model, CLAUDE);
    assert.equal(result.decision.candidates.at(-1)!.score, 100);
    assert.equal(fleet.requestCount(CLAUDE), 1);
  });

  it('keeps to the quality floor: only high-tier models answer quality "high"', async () => {
    const router = h.router();
    const { result } = await answer(router, { quality: 'high' });
    assert.equal(result.model, GPT);
    assert.deepEqual(result.decision.candidates.map((c) => c.model), [GPT, CLAUDE]);
    assert.deepEqual(result.decision.skipped.map((s) => s.model).sort(), [DEEPSEEK, GEMINI]);
    assert.ok(result.decision.skipped.every((s) => /quality floor/.test(s.reason)));
    assert.equal(fleet.requestCount(DEEPSEEK) + fleet.requestCount(GEMINI), 0);
  });

  it('fails over only within the quality floor', async () => {
    fleet.script(GPT, { status: 503 });
    fleet.script(CLAUDE, { status: 503 });
    const router = h.router({ routing: { quality: 'high' }, retry: { maxAttempts: 1 } });
    await assert.rejects(router.chat({ messages: [{ role: 'user', content: 'hi' }] }), { code: 'MAX_RETRIES' });
    assert.equal(fleet.requestCount(GPT), 1);
    assert.equal(fleet.requestCount(CLAUDE), 1);
    assert.equal(fleet.requestCount(DEEPSEEK) + fleet.requestCount(GEMINI), 0);
  });

  it('tries a fixed model first, whatever its score', async () => {
    const { result } = await answer(h.router(), { model: GPT });
    assert.equal(result.model, GPT);
    assert.equal(result.decision.mode, 'fixed');
    assert.deepEqual(result.decision.candidates.map((c) => c.model), [GPT, DEEPSEEK, GEMINI, CLAUDE]);
    assert.equal(fleet.requests.length, 1);
  });

  it('still fails over from a fixed model, to the best-scored other', async () => {
    fleet.script(GPT, { status: 503 });
    const { result } = await answer(h.router({ routing: { model: GPT } }));
    assert.equal(result.model, DEEPSEEK);
    assert.deepEqual(result.failovers, [{ from: GPT, to: DEEPSEEK, reason: 'HTTP_503' }]);
    assert.equal(fleet.requestCount(GPT), 1);
    assert.equal(fleet.requestCount(DEEPSEEK), 1);
  });
});
