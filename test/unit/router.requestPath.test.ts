import * as assert from 'node:assert/strict';
import { AbortSwitch } from '../../src/core/abortSwitch';
import { BY_PRICE, useRouterHarness, SIDE_ENDPOINT, answer, configFor, failure } from './routerHarness';

// What a request does before its first byte leaves, kept cheap (see README "Performance"): keys read
// without promise hops when the lookup is synchronous, the completions URL parsed once per endpoint,
// the routing decision logged off the path to the first token, a lighter abort signal.

const [DEEPSEEK, GEMINI] = BY_PRICE;

describe('Router request path', function () {
  this.timeout(20_000);
  const h = useRouterHarness();
  const { fleet } = h;

  it('reads keys from an asynchronous lookup, endpoint by endpoint, as from a synchronous one', async () => {
    const asked: string[] = [];
    const keys = async (id: string) => {
      asked.push(id);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return id === SIDE_ENDPOINT ? h.side.apiKey : fleet.apiKey;
    };
    const router = h.router({ endpoints: [h.sideEndpoint()], models: [{ id: DEEPSEEK, endpoint: SIDE_ENDPOINT }] }, { keys });
    const { result } = await answer(router);
    assert.equal(result.model, DEEPSEEK);
    assert.equal(result.endpoint, SIDE_ENDPOINT);
    assert.deepEqual(asked, ['holysheep', SIDE_ENDPOINT]);
  });

  it('skips the models of an endpoint whose key turns out missing after an asynchronous lookup', async () => {
    const keys = (id: string) => (id === SIDE_ENDPOINT ? h.side.apiKey : Promise.resolve(undefined));
    const router = h.router({ endpoints: [h.sideEndpoint()], models: [{ id: GEMINI, endpoint: SIDE_ENDPOINT }] }, { keys });
    const { result } = await answer(router);
    assert.equal(result.model, GEMINI);
    assert.ok(result.decision.skipped.some((s) => s.model === DEEPSEEK && s.reason.startsWith('no key for endpoint "holysheep"')));
  });

  it('logs the routing decision once, before any other line of the request', async () => {
    fleet.script(DEEPSEEK, { status: 503 });
    const router = h.router();
    await answer(router);
    const lines = h.logs.map((l) => l.message);
    assert.equal(lines.filter((m) => m.startsWith('Routing decision: ')).length, 1);
    assert.ok(lines[0]!.startsWith('Routing decision: auto: deepseek-v3.2 '), lines.join('\n'));
    assert.ok(lines.some((m) => m.startsWith(`Failover: ${DEEPSEEK} → ${GEMINI}`)), lines.join('\n'));
  });

  it('sends to the path under the base URL, and follows a base URL that changes', async () => {
    let key = fleet.apiKey;
    const router = h.router({}, { keys: () => key });
    await answer(router);
    assert.equal(fleet.requests.length, 1);
    router.updateConfig(configFor(h.side));
    key = h.side.apiKey;
    const { result } = await answer(router);
    assert.equal(result.model, DEEPSEEK);
    assert.equal(fleet.requests.length, 1, 'the second request went to the old base URL');
    assert.equal(h.side.requests.length, 1);
  });

  it('fails a base URL that is not http(s) as a network error, as undici reports it', async () => {
    const config = configFor(fleet, { models: BY_PRICE.map((id) => ({ id, enabled: id === DEEPSEEK })) });
    const router = h.router();
    router.updateConfig({ ...config, endpoints: [{ id: 'holysheep', baseUrl: 'ftp://127.0.0.1/v1' }] });
    const { error } = await failure(router);
    assert.equal(error.code, 'MAX_RETRIES');
    assert.match(error.message, new RegExp(`${DEEPSEEK}: NETWORK`));
    assert.equal(fleet.requests.length, 0);
  });
});

describe('AbortSwitch', () => {
  it('calls each listener once, in order, with the first reason kept', () => {
    const s = new AbortSwitch();
    const calls: string[] = [];
    s.addEventListener('abort', () => calls.push(`a ${String(s.reason)}`));
    s.addEventListener('abort', () => calls.push('b'));
    assert.equal(s.listenerCount('abort'), 2);
    s.abort('first');
    s.abort('second');
    assert.deepEqual(calls, ['a first', 'b']);
    assert.equal(s.reason, 'first');
    assert.equal(s.signal.aborted, true);
    assert.throws(() => s.throwIfAborted(), (e) => e === 'first');
  });

  it('does not call a removed listener, nor one added while it aborts or after', () => {
    const s = new AbortSwitch();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    s.addEventListener('abort', removed);
    s.removeEventListener('abort', removed);
    s.addEventListener('abort', () => {
      calls.push('first');
      s.addEventListener('abort', () => calls.push('added during'));
    });
    s.abort(undefined);
    s.addEventListener('abort', () => calls.push('added after'));
    s.abort(undefined);
    assert.deepEqual(calls, ['first']);
  });
});
