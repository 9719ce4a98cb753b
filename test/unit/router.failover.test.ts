import * as assert from 'node:assert/strict';
import { FakeFleet } from '../fixtures/fleet';
import { BY_PRICE, ResettingServer, useRouterHarness, answer, closedPort, eventTrail, everythingSaid, failure } from './routerHarness';

// Every failover rule of DESIGN.md, through real HTTP to the fake fleet.

const [DEEPSEEK, GEMINI, GPT, CLAUDE] = BY_PRICE;

describe('Router failover', function () {
  this.timeout(20_000);
  const h = useRouterHarness();
  const { fleet } = h;

  function assertCounts(expected: Partial<Record<(typeof BY_PRICE)[number], number>>): void {
    const actual = Object.fromEntries(BY_PRICE.map((m) => [m, fleet.requestCount(m)]));
    assert.deepEqual(actual, Object.fromEntries(BY_PRICE.map((m) => [m, expected[m] ?? 0])));
  }

  describe('moves to the next model', () => {
    const statuses: [number, string][] = [
      [429, 'RATE_LIMITED'], [408, 'TIMEOUT'], [500, 'HTTP_500'], [502, 'HTTP_502'], [503, 'HTTP_503'], [504, 'HTTP_504'],
    ];
    for (const [status, code] of statuses) {
      it(`on HTTP ${status} (${code})`, async () => {
        fleet.script(DEEPSEEK, { status });
        const { result, events } = await answer(h.router());
        assert.equal(result.model, GEMINI);
        assert.equal(result.text, `Hello from ${GEMINI}.`);
        assert.deepEqual(result.failovers, [{ from: DEEPSEEK, to: GEMINI, reason: code }]);
        assert.deepEqual(eventTrail(events), [`attempt ${DEEPSEEK}`, `failover ${DEEPSEEK} → ${GEMINI} ${code}`, `attempt ${GEMINI}`, `done ${GEMINI}`]);
        assertCounts({ [DEEPSEEK]: 1, [GEMINI]: 1 });
      });
    }

    it('through several failing models in score order, recording the whole path', async () => {
      fleet.script(DEEPSEEK, { status: 503 });
      fleet.script(GEMINI, { status: 429 });
      fleet.script(GPT, { status: 500 });
      const { result } = await answer(h.router());
      assert.equal(result.model, CLAUDE);
      assert.deepEqual(result.failovers, [
        { from: DEEPSEEK, to: GEMINI, reason: 'HTTP_503' },
        { from: GEMINI, to: GPT, reason: 'RATE_LIMITED' },
        { from: GPT, to: CLAUDE, reason: 'HTTP_500' },
      ]);
      assertCounts({ [DEEPSEEK]: 1, [GEMINI]: 1, [GPT]: 1, [CLAUDE]: 1 });
    });

    it('on a refused connection (nothing listens on the port)', async () => {
      const port = await closedPort();
      const router = h.router({
        endpoints: [{ id: 'dead', baseUrl: `http://127.0.0.1:${port}/v1` }],
        models: [{ id: 'dead-model', endpoint: 'dead', outputPricePerMTok: 0.1 }],
      });
      const { result } = await answer(router);
      assert.equal(result.model, DEEPSEEK);
      assert.deepEqual(result.failovers, [{ from: 'dead-model', to: DEEPSEEK, reason: 'NETWORK' }]);
      assertCounts({ [DEEPSEEK]: 1 });
    });

    it('on a connection reset before the response headers', async () => {
      const server = new ResettingServer();
      const baseUrl = await server.start();
      try {
        const router = h.router({
          endpoints: [{ id: 'resetting', baseUrl }],
          models: [{ id: 'reset-model', endpoint: 'resetting', outputPricePerMTok: 0.1 }],
        });
        const { result } = await answer(router);
        assert.equal(result.model, DEEPSEEK);
        assert.deepEqual(result.failovers, [{ from: 'reset-model', to: DEEPSEEK, reason: 'NETWORK' }]);
        assert.equal(server.connections, 1, 'the POST is not retried on the same connection');
        assertCounts({ [DEEPSEEK]: 1 });
      } finally {
        await server.close();
      }
    });

    it('on a connection reset after the headers, before the first token', async () => {
      fleet.script(DEEPSEEK, { resetAfterTokens: 0 });
      const { result } = await answer(h.router());
      assert.equal(result.model, GEMINI);
      assert.deepEqual(result.failovers, [{ from: DEEPSEEK, to: GEMINI, reason: 'NETWORK' }]);
      assertCounts({ [DEEPSEEK]: 1, [GEMINI]: 1 });
    });

    it('on an error object inside the stream before the first token', async () => {
      fleet.script(DEEPSEEK, { errorAfterTokens: 0 });
      const { result } = await answer(h.router());
      assert.equal(result.model, GEMINI);
      assert.deepEqual(result.failovers, [{ from: DEEPSEEK, to: GEMINI, reason: 'STREAM_ERROR' }]);
    });

    // Hedging off: a model that misses its first-token deadline is abandoned, not kept beside the next.
    const late: [string, object][] = [
      ['a first token later than maxLatencyMs', { firstTokenDelayMs: 10_000 }],
      ['response headers later than maxLatencyMs', { headerDelayMs: 10_000 }],
      ['a stream that stalls before its first token', { stallAfterTokens: 0 }],
    ];
    for (const [what, behaviour] of late) {
      it(`on ${what} (hedging off: abandoned, its socket closed)`, async () => {
        // The slow model alone on the side fleet, so its connections can be watched.
        h.side.script(DEEPSEEK, behaviour);
        const router = h.router({
          routing: { hedging: false },
          endpoints: [h.sideEndpoint()],
          models: [{ id: DEEPSEEK, endpoint: 'side', maxLatencyMs: 300 }],
        });
        const { result, events } = await answer(router);
        assert.equal(result.model, GEMINI);
        assert.deepEqual(result.failovers, [{ from: DEEPSEEK, to: GEMINI, reason: 'TIMEOUT' }]);
        assert.equal(result.hedged, false);
        assert.ok(!events.some((e) => e.type === 'hedge'));
        // Nowhere near the 10 s the slow model would have taken.
        assert.ok(result.latencyMs < 5000, `answered after ${result.latencyMs} ms`);
        assert.equal(h.side.requestCount(DEEPSEEK), 1);
        assertCounts({ [GEMINI]: 1 });
        // The abandoned request's socket is closed while the router lives on.
        await h.side.waitForConnections(0);
        assert.equal(router.snapshotOf(DEEPSEEK)!.lastError, 'TIMEOUT');
      });
    }
  });

  describe('does not fail over when the request itself is wrong', () => {
    for (const status of [400, 404, 413, 422]) {
      it(`on HTTP ${status}: BAD_REQUEST after one request, the model not blamed`, async () => {
        fleet.script(DEEPSEEK, { status });
        const router = h.router();
        const { error, events } = await failure(router);
        assert.equal(error.code, 'BAD_REQUEST');
        assert.equal(error.status, status);
        assert.match(error.message, /check the model name, the prompt size and max tokens/);
        assert.equal(fleet.requests.length, 1);
        assertCounts({ [DEEPSEEK]: 1 });
        assert.deepEqual(eventTrail(events), [`attempt ${DEEPSEEK}`, 'error BAD_REQUEST']);
        const snapshot = router.snapshotOf(DEEPSEEK)!;
        assert.equal(snapshot.failures, 0);
        assert.equal(snapshot.breaker, 'closed');
      });
    }
  });

  it('redacts a key that the provider echoes in its error body', async () => {
    // The side fleet's key has no well-known shape (no sk-/hs_ prefix): only explicit redaction hides it.
    h.side.script(DEEPSEEK, { status: 400, body: { error: { message: `Bad request from key ${h.side.apiKey}.` } } });
    const router = h.router({ endpoints: [h.sideEndpoint()], models: [{ id: DEEPSEEK, endpoint: 'side' }] });
    const { error, events } = await failure(router);
    assert.equal(error.code, 'BAD_REQUEST');
    assert.match(error.message, /Bad request from key \[redacted\]/);
    assert.ok(!everythingSaid(events, h.logs, error).includes(h.side.apiKey), 'the key leaked');
  });

  describe('on a refused key (401/403)', () => {
    // A second provider on its own fleet with its own key; its one model is the dearest, so it is
    // only reached when every model of the first endpoint is skipped.
    const backup = new FakeFleet({ apiKey: 'backup_fleet_key_5555', models: ['backup-large'] });
    const wrongKey = 'zz-users-wrong-secret-31337';
    const twoEndpoints = () => ({
      endpoints: [{ id: 'backup', baseUrl: backup.baseUrl }],
      models: [{ id: 'backup-large', endpoint: 'backup', outputPricePerMTok: 40, tier: 'high' }],
    });

    before(() => backup.start());
    afterEach(async () => {
      await backup.waitForConnections(0).catch(() => undefined);
      backup.reset();
    });
    after(() => backup.close());

    for (const status of [401, 403]) {
      it(`HTTP ${status} skips every model of that endpoint and another endpoint answers`, async () => {
        let keys: (id: string) => string;
        if (status === 401) {
          keys = (id) => (id === 'backup' ? backup.apiKey : wrongKey);
        } else {
          fleet.script(DEEPSEEK, { status: 403 });
          keys = (id) => (id === 'backup' ? backup.apiKey : fleet.apiKey);
        }
        const router = h.router(twoEndpoints(), { keys });
        const { result, events } = await answer(router);
        assert.equal(result.model, 'backup-large');
        assert.equal(result.endpoint, 'backup');
        assert.deepEqual(result.failovers, [{ from: DEEPSEEK, to: 'backup-large', reason: 'AUTH_FAILED' }]);
        // One request reached the refusing endpoint; its three other models were never tried.
        assert.equal(fleet.requests.length, 1);
        assertCounts({ [DEEPSEEK]: 1 });
        assert.equal(backup.requestCount('backup-large'), 1);
        // A bad key is not the model's fault.
        assert.equal(router.snapshotOf(DEEPSEEK)!.failures, 0);
        assert.ok(!everythingSaid(events, h.logs).includes(wrongKey), 'the key leaked');
      });
    }

    it('names the endpoints when every endpoint refuses its key, and never shows a key', async () => {
      const otherWrongKey = 'yy-second-wrong-secret-4242';
      const router = h.router(twoEndpoints(), { keys: (id) => (id === 'backup' ? otherWrongKey : wrongKey) });
      const { error, events } = await failure(router);
      assert.equal(error.code, 'AUTH_FAILED');
      assert.equal(error.endpointId, 'holysheep');
      assert.match(error.message, /"holysheep"/);
      assert.match(error.message, /"backup"/);
      assert.match(error.message, /HOLYSHEEP_API_KEY/);
      assert.match(error.message, /BACKUP_API_KEY/);
      assert.equal(fleet.requests.length, 1);
      assert.equal(backup.requests.length, 1);
      // The fleets echo the key in their 401 bodies; it must have been redacted everywhere.
      const said = everythingSaid(events, h.logs, error);
      assert.ok(!said.includes(wrongKey) && !said.includes(otherWrongKey), `a key leaked: ${said}`);
      assert.deepEqual(events.at(-1), { type: 'error', code: 'AUTH_FAILED', message: error.message });
    });
  });

  describe('Retry-After and backoff', () => {
    // Only DeepSeek enabled: the only way on is to retry the same model in the next pass.
    const onlyDeepSeek = {
      models: [GEMINI, GPT, CLAUDE].map((id) => ({ id, enabled: false })),
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5000 },
    };

    it('waits the seconds of Retry-After before retrying the same model', async () => {
      fleet.script(DEEPSEEK, [{ status: 429, retryAfter: '1' }, {}]);
      const { result } = await answer(h.router(onlyDeepSeek));
      assert.equal(result.model, DEEPSEEK);
      assert.equal(fleet.requestCount(DEEPSEEK), 2);
      const [first, second] = fleet.requests;
      assert.ok(second!.at - first!.at >= 1000, `retried after ${second!.at - first!.at} ms, Retry-After said 1 s`);
    });

    it('waits until the HTTP date of Retry-After before retrying the same model', async () => {
      const until = new Date(Date.now() + 2000).toUTCString();
      fleet.script(DEEPSEEK, [{ status: 503, retryAfter: until }, {}]);
      const { result } = await answer(h.router(onlyDeepSeek));
      assert.equal(result.model, DEEPSEEK);
      assert.equal(fleet.requestCount(DEEPSEEK), 2);
      const second = fleet.requests[1]!;
      assert.ok(second.at >= Date.parse(until), `retried ${Date.parse(until) - second.at} ms before ${until}`);
    });

    it('waits out Retry-After under a quality floor too (models below the floor do not cut the wait short)', async () => {
      fleet.script(GPT, [{ status: 429, retryAfter: '1' }, {}]);
      fleet.script(CLAUDE, { status: 429, retryAfter: '1' });
      const { result } = await answer(h.router({ routing: { quality: 'high' } }));
      assert.equal(result.model, GPT);
      assert.equal(fleet.requestCount(GPT), 2);
      assert.equal(fleet.requestCount(DEEPSEEK) + fleet.requestCount(GEMINI), 0);
      const gpt = fleet.requests.filter((r) => r.model === GPT);
      assert.ok(gpt[1]!.at - gpt[0]!.at >= 1000, `retried after ${gpt[1]!.at - gpt[0]!.at} ms`);
    });

    it('gives up as RATE_LIMITED when Retry-After asks for longer than retry.maxDelayMs', async () => {
      fleet.script(DEEPSEEK, { status: 429, retryAfter: '120' });
      const { error } = await failure(h.router(onlyDeepSeek));
      assert.equal(error.code, 'RATE_LIMITED');
      assert.equal(fleet.requestCount(DEEPSEEK), 1);
    });

    it('moves to a different model at once, without waiting for Retry-After or backoff', async () => {
      fleet.script(DEEPSEEK, { status: 429, retryAfter: '30' });
      fleet.script(GEMINI, { status: 503, retryAfter: '30' });
      // A backoff this long would show in the timings below if a failover waited for it.
      const router = h.router({ retry: { maxAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 10_000 } });
      const { result } = await answer(router);
      assert.equal(result.model, GPT);
      const at = (model: string) => fleet.requests.find((r) => r.model === model)!.at;
      // Generous bounds: the failing case waits 10 s or 30 s.
      assert.ok(at(GEMINI) - at(DEEPSEEK) < 3000, `gemini started ${at(GEMINI) - at(DEEPSEEK)} ms after deepseek`);
      assert.ok(at(GPT) - at(GEMINI) < 3000, `gpt started ${at(GPT) - at(GEMINI)} ms after gemini`);
      assert.ok(result.latencyMs < 3000);
    });

    it('keeps a rate-limited model out of the next requests until its Retry-After passes', async () => {
      fleet.script(DEEPSEEK, { status: 429, retryAfter: '30' });
      const router = h.router();
      assert.equal((await answer(router)).result.model, GEMINI);
      const { result } = await answer(router);
      assert.equal(result.model, GEMINI);
      assert.deepEqual(result.failovers, []);
      assert.equal(fleet.requestCount(DEEPSEEK), 1);
      assert.match(result.decision.skipped.find((s) => s.model === DEEPSEEK)!.reason, /rate limited/);
    });
  });
});
