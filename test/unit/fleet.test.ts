import * as assert from 'node:assert/strict';
import { Agent, request, type Dispatcher } from 'undici';
import { DEFAULT_FLEET_KEY, FakeFleet, RELAY_MODELS, randomFault, type Behaviour } from '../fixtures/fleet';

// A self-test of the fake provider: if the fake lies, every router test built on it lies too.

interface SseEvent {
  /** The raw `data:` value. */
  data: string;
}

/** A deliberately naive SSE split, fine for the fleet's own framing (one `data:` line an event). */
function sseEvents(text: string): SseEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.startsWith('data: '))
    .map((block) => ({ data: block.slice('data: '.length) }));
}

function chatBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'Say hello, please.' }], ...extra };
}

function activeCount(type: string): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === type).length;
}

describe('FakeFleet', () => {
  let fleet: FakeFleet;
  let agent: Agent;

  beforeEach(async () => {
    fleet = new FakeFleet();
    await fleet.start();
    agent = new Agent({ keepAliveTimeout: 1000 });
  });

  afterEach(async () => {
    await agent.close();
    await fleet.close();
  });

  function post(path: string, body: unknown, options: { key?: string; signal?: AbortSignal } = {}): Promise<Dispatcher.ResponseData> {
    return request(`${fleet.baseUrl}${path}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? DEFAULT_FLEET_KEY}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  it('streams in the OpenAI chunk format, usage when asked, then [DONE]', async () => {
    const res = await post('/chat/completions', chatBody('gpt-4.1', { stream: true, stream_options: { include_usage: true } }));
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = sseEvents(await res.body.text());

    assert.equal(events.at(-1)?.data, '[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as {
      id: string; object: string; model: string;
      choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    });
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'gpt-4.1');
      assert.equal(chunk.id, chunks[0].id);
    }
    assert.deepEqual(chunks[0].choices, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    const contentChunks = chunks.slice(1, -2);
    assert.equal(contentChunks.map((c) => c.choices[0].delta.content).join(''), 'Hello from gpt-4.1.');
    assert.deepEqual(chunks.at(-2)?.choices, [{ index: 0, delta: {}, finish_reason: 'stop' }]);
    const final = chunks.at(-1);
    assert.deepEqual(final?.choices, []);
    // "Say hello, please." is 18 characters: ceil(18 / 4) = 5 prompt tokens; 4 tokens were sent.
    assert.deepEqual(final?.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    assert.equal(fleet.requestCount('gpt-4.1'), 1);
    assert.equal(fleet.requests[0].stream, true);
    assert.equal(fleet.requests[0].headers.authorization, `Bearer ${DEFAULT_FLEET_KEY}`);
  });

  it('sends usage only when asked, unless the script forces it either way', async () => {
    const plain = sseEvents(await (await post('/chat/completions', chatBody('gpt-4.1', { stream: true }))).body.text());
    assert.ok(plain.every((event) => !event.data.includes('"usage"')));

    fleet.script('gpt-4.1', [{ usage: { promptTokens: 100, completionTokens: 7 } }, { usage: false }]);
    const forced = sseEvents(await (await post('/chat/completions', chatBody('gpt-4.1', { stream: true }))).body.text());
    assert.ok(forced.some((event) => event.data.includes('"usage":{"prompt_tokens":100,"completion_tokens":7,"total_tokens":107}')));
    const suppressed = sseEvents(await (await post('/chat/completions', chatBody('gpt-4.1', { stream: true, stream_options: { include_usage: true } }))).body.text());
    assert.ok(suppressed.every((event) => !event.data.includes('"usage"')));
  });

  it('answers a non-streaming request with a chat.completion object', async () => {
    fleet.script('deepseek-v3.2', { tokens: ['Four', '.'], reasoning: ['2+2'] });
    const res = await post('/chat/completions', chatBody('deepseek-v3.2'));
    assert.equal(res.statusCode, 200);
    const json = await res.body.json() as Record<string, unknown>;
    assert.equal(json.object, 'chat.completion');
    assert.equal(json.model, 'deepseek-v3.2');
    assert.deepEqual(json.choices, [{ index: 0, message: { role: 'assistant', content: 'Four.', reasoning_content: '2+2' }, finish_reason: 'stop' }]);
    assert.deepEqual(json.usage, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('lists its models, scripted ones included', async () => {
    fleet.setDefault('local-llama', {});
    const res = await request(`${fleet.baseUrl}/models`, { dispatcher: agent, headers: { authorization: `Bearer ${DEFAULT_FLEET_KEY}` } });
    const json = await res.body.json() as { object: string; data: { id: string; object: string; owned_by: string }[] };
    assert.equal(json.object, 'list');
    assert.deepEqual(json.data.map((model) => model.id), [...RELAY_MODELS, 'local-llama']);
    assert.ok(json.data.every((model) => model.object === 'model' && typeof model.owned_by === 'string'));
  });

  it('refuses a wrong key with 401 and echoes the key, as OpenAI does', async () => {
    const res = await post('/chat/completions', chatBody('gpt-4.1'), { key: 'sk-wrong-key-123456' });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(await res.body.json(), {
      error: { message: 'Incorrect API key provided: sk-wrong-key-123456', type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
    // Still counted: a router test wants to see that the bad endpoint was tried exactly once.
    assert.equal(fleet.requestCount('gpt-4.1'), 1);
  });

  it('accepts the extra keys it was given', async () => {
    const other = new FakeFleet({ apiKey: 'hs_primary_key_000', acceptKeys: ['hs_second_key_111'] });
    try {
      const url = await other.start();
      const ask = (key: string): Promise<Dispatcher.ResponseData> => request(`${url}/models`, { dispatcher: agent, headers: { authorization: `Bearer ${key}` } });
      for (const [key, status] of [['hs_primary_key_000', 200], ['hs_second_key_111', 200], [DEFAULT_FLEET_KEY, 401]] as const) {
        const res = await ask(key);
        await res.body.dump();
        assert.equal(res.statusCode, status, key);
      }
    } finally {
      await other.close();
    }
  });

  it('rejects malformed requests with 400 and unknown models with 404', async () => {
    const cases: [unknown, number, string | null][] = [
      ['{"model": "gpt-4.1", "messages": [', 400, null],
      [{ messages: [{ role: 'user', content: 'x' }] }, 400, null],
      [{ model: 'gpt-4.1', messages: [] }, 400, null],
      [{ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 400, null],
      [chatBody('gpt-5-imaginary'), 404, 'model_not_found'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post('/chat/completions', body);
      const json = await res.body.json() as { error: { type: string; code: string | null } };
      assert.equal(res.statusCode, status, JSON.stringify(body));
      assert.equal(json.error.type, 'invalid_request_error');
      assert.equal(json.error.code, code);
    }
    const wrongType = await request(`${fleet.baseUrl}/chat/completions`, {
      method: 'POST', dispatcher: agent, body: JSON.stringify(chatBody('gpt-4.1')),
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${DEFAULT_FLEET_KEY}` },
    });
    await wrongType.body.dump();
    assert.equal(wrongType.statusCode, 400);
  });

  it('plays a script queue in order, then falls back to the default', async () => {
    fleet.setDefault('gpt-4.1', { tokens: ['default'] });
    fleet.script('gpt-4.1', [{ status: 429, retryAfter: '2' }, { status: 503, body: '<html>Service Unavailable</html>' }]);

    const limited = await post('/chat/completions', chatBody('gpt-4.1'));
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '2');
    assert.equal(((await limited.body.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');

    const unavailable = await post('/chat/completions', chatBody('gpt-4.1'));
    assert.equal(unavailable.statusCode, 503);
    assert.match(String(unavailable.headers['content-type']), /^text\/html/);
    assert.equal(await unavailable.body.text(), '<html>Service Unavailable</html>');

    for (let i = 0; i < 2; i++) {
      const ok = await post('/chat/completions', chatBody('gpt-4.1'));
      assert.equal(((await ok.body.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content, 'default');
    }
    assert.equal(fleet.requestCount('gpt-4.1'), 4);
  });

  it('waits headerDelayMs before the headers', async () => {
    // A lower bound only: a delay can run long on a busy machine, never short.
    fleet.script('gpt-4.1', { headerDelayMs: 150 });
    const started = performance.now();
    const res = await post('/chat/completions', chatBody('gpt-4.1', { stream: true }));
    assert.ok(performance.now() - started >= 140);
    await res.body.dump();
  });

  it('resets the connection after resetAfterTokens, once those tokens are out', async () => {
    fleet.script('gpt-4.1', { resetAfterTokens: 2 });
    const res = await post('/chat/completions', chatBody('gpt-4.1', { stream: true }));
    assert.equal(res.statusCode, 200);
    let received = '';
    await assert.rejects(async () => {
      for await (const chunk of res.body) received += (chunk as Buffer).toString('utf8');
    }, (error: NodeJS.ErrnoException) => error.code === 'ECONNRESET' || error.code === 'UND_ERR_SOCKET');
    assert.match(received, /"content":"Hello"/);
    assert.match(received, /"content":" from"/);
    assert.doesNotMatch(received, /"content":" gpt-4\.1"/);
  });

  it('frees a stalled response when the client aborts', async () => {
    fleet.script('gpt-4.1', { stallAfterTokens: 1, keepAliveComments: true });
    const controller = new AbortController();
    const res = await post('/chat/completions', chatBody('gpt-4.1', { stream: true }), { signal: controller.signal });
    const reading = (async () => {
      for await (const chunk of res.body) if ((chunk as Buffer).toString('utf8').includes('"content":"Hello"')) controller.abort();
    })();
    await assert.rejects(reading, { name: 'AbortError' });
    await fleet.waitForConnections(0);
    assert.equal(fleet.openConnections(), 0);
  });

  it('sends a malformed chunk, an in-stream error and no [DONE] as scripted', async () => {
    fleet.script('gpt-4.1', [{ malformedAfterTokens: 1 }, { errorAfterTokens: 2 }, { omitDone: true }]);
    const malformed = await (await post('/chat/completions', chatBody('gpt-4.1', { stream: true }))).body.text();
    assert.match(malformed, /"content":"Hello"[^\n]*\n\ndata: \{not json\n\ndata: [^\n]*"content":" from"/);
    assert.ok(malformed.endsWith('data: [DONE]\n\n'));

    const errored = sseEvents(await (await post('/chat/completions', chatBody('gpt-4.1', { stream: true }))).body.text());
    assert.deepEqual(JSON.parse(errored.at(-1)?.data ?? ''), { error: { message: 'The server is overloaded. Please try again later.', type: 'server_error', code: 'overloaded' } });
    assert.equal(errored.length, 4, 'role chunk, two tokens, error');

    const undone = await (await post('/chat/completions', chatBody('gpt-4.1', { stream: true }))).body.text();
    assert.ok(!undone.includes('[DONE]'));
    assert.match(undone, /"finish_reason":"stop"/);
  });

  it('frames with CRLF and keep-alives, and cuts UTF-8 characters across writes', async () => {
    const tokens = ['你好', '，世界', ' 👋🏽', '🚀'];
    fleet.script('gpt-4.1', { tokens, crlf: true, keepAliveComments: true, splitUtf8: true });
    const res = await post('/chat/completions', chatBody('gpt-4.1', { stream: true }));
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');

    assert.ok(!/[^\r]\n/.test(text), 'every line ends with CRLF');
    assert.equal(text.split(': keep-alive\r\n\r\n').length - 1, tokens.length);
    const content = sseEvents(text).slice(1, 1 + tokens.length).map((event) => (JSON.parse(event.data) as { choices: { delta: { content: string } }[] }).choices[0].delta.content);
    assert.deepEqual(content, tokens);
    // A chunk that ends on a UTF-8 lead byte or inside a sequence: what the client's decoder must survive.
    const cut = chunks.some((chunk) => chunk.length > 0 && chunk[chunk.length - 1] >= 0xc0);
    assert.ok(cut, `some network chunk ends mid-character (got ${chunks.length} chunks)`);
  });

  it('takes scripts and reports stats over HTTP, without a key', async () => {
    const control = (path: string, body?: unknown): Promise<Dispatcher.ResponseData> => request(`${fleet.baseUrl}/__fleet/${path}`, {
      method: body === undefined ? 'GET' : 'POST', dispatcher: agent,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    assert.equal((await control('script', { model: 'claude-sonnet-4.5', behaviour: [{ status: 500 }] })).statusCode, 200);
    assert.equal((await control('default', { model: 'claude-sonnet-4.5', behaviour: { status: 502 } })).statusCode, 200);
    assert.equal((await control('script', { model: 'claude-sonnet-4.5' })).statusCode, 400);

    const first = await post('/chat/completions', chatBody('claude-sonnet-4.5'));
    const second = await post('/chat/completions', chatBody('claude-sonnet-4.5'));
    await Promise.all([first.body.dump(), second.body.dump()]);
    assert.deepEqual([first.statusCode, second.statusCode], [500, 502]);

    const stats = await (await control('stats')).body.json() as { counts: Record<string, number>; openConnections: number };
    assert.deepEqual(stats.counts, { 'claude-sonnet-4.5': 2 });
    assert.ok(stats.openConnections >= 1);

    assert.equal((await control('reset', {})).statusCode, 200);
    assert.equal(fleet.requestCount('claude-sonnet-4.5'), 0);
    const after = await post('/chat/completions', chatBody('claude-sonnet-4.5'));
    await after.body.dump();
    assert.equal(after.statusCode, 200);
  });

  it('leaves no timer, socket or server behind after close()', async () => {
    // Measured around a fleet of its own, with requests stuck at every kind of wait. The baseline is
    // taken after a turn of the loop: mocha arms its own test timeout only once the test has returned.
    await new Promise((resolve) => setImmediate(resolve));
    const baseline = { timeouts: activeCount('Timeout'), immediates: activeCount('Immediate'), tcp: activeCount('TCPSocketWrap'), servers: activeCount('TCPServerWrap') };
    const busy = new FakeFleet();
    const url = await busy.start();
    busy.script('gpt-4.1', [{ headerDelayMs: 60_000 }, { firstTokenDelayMs: 60_000 }, { stallAfterTokens: 1 }, { tokens: ['a', 'b'], tokenIntervalMs: 60_000 }]);
    const raw = new Agent();
    const inFlight = Array.from({ length: 4 }, () => request(`${url}/chat/completions`, {
      method: 'POST', dispatcher: raw, body: JSON.stringify(chatBody('gpt-4.1', { stream: true })),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DEFAULT_FLEET_KEY}` },
    }).then((res) => res.body.text()).then(() => 'finished', () => 'failed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(busy.openConnections(), 4);

    await busy.close();
    assert.deepEqual(await Promise.all(inFlight), ['failed', 'failed', 'failed', 'failed']);
    await raw.close();
    // Socket handles go away on the next turns of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      { timeouts: activeCount('Timeout'), immediates: activeCount('Immediate'), tcp: activeCount('TCPSocketWrap'), servers: activeCount('TCPServerWrap') },
      baseline,
      process.getActiveResourcesInfo().join(', '),
    );
  });

  it('draws every kind of fault from randomFault, replayably', () => {
    const seeded = (seed: number): (() => number) => {
      let state = seed;
      return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    };
    const draw = (seed: number): Behaviour[] => {
      const rand = seeded(seed);
      return Array.from({ length: 500 }, () => randomFault(rand));
    };
    assert.deepEqual(draw(7), draw(7));
    const kinds = new Set(draw(7).map((b) => b.status ?? Object.keys(b).sort().join('+')));
    for (const status of [429, 500, 502, 503, 408]) assert.ok(kinds.has(status), `status ${status}`);
    for (const key of ['headerDelayMs', 'stallAfterTokens', 'resetAfterTokens', 'malformedAfterTokens', 'errorAfterTokens', 'omitDone']) {
      assert.ok(kinds.has(key), key);
    }
    assert.ok(draw(7).every((b) => (b.headerDelayMs ?? 0) <= 600));
    assert.equal(draw(7).find((b) => b.status === 429)?.retryAfter, '0');
  });
});
