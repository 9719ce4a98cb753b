import * as assert from 'node:assert/strict';
import type { ChatResult } from '../../src/core/chat';
import { isRouterError, type RouterError } from '../../src/core/errors';
import type { RouteEvent } from '../../src/core/routeEvents';
import { Router } from '../../src/core/router';
import { FakeFleet, RELAY_MODELS, randomFault, type Behaviour } from '../fixtures/fleet';
import { configFor, isKnownCode, until } from './routerHarness';

// A soak: thousands of routed requests against a fleet that misbehaves in every way it knows, at a
// steady concurrency. Every request must end in time as an answer or a typed error, and afterwards
// nothing may be left: no socket, no timer, no half-open breaker, no unhandled rejection (setup.ts
// turns one into a failed run).

const REQUESTS = 2000;
const CONCURRENCY = 20;
const FAULT_RATE = 0.3;
const CANCEL_RATE = 0.03;
const REQUEST_MS = 8000;

/** mulberry32: a small seeded PRNG, so every run meets the same faults. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Active handles and timers by type (`Timeout`, `TCPSocketWrap`, …). */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

function grown(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([type, n]) => n > (before.get(type) ?? 0)).map(([type, n]) => `${type}: ${before.get(type) ?? 0} → ${n}`);
}

interface Outcome {
  ms: number;
  events: RouteEvent[];
  result?: ChatResult;
  error?: RouterError;
}

describe('Router soak', function () {
  this.timeout(120_000);
  // Closed here too when an assertion fails half-way, so that a failure never leaves mocha waiting
  // on open sockets.
  let openFleet: FakeFleet | undefined;
  let openRouter: Router | undefined;
  afterEach(async () => {
    await openRouter?.close().catch(() => undefined);
    await openFleet?.close().catch(() => undefined);
  });

  it(`${REQUESTS} requests with ${FAULT_RATE * 100} % random faults end in time, typed, and leave nothing behind`, async () => {
    const fleet = (openFleet = new FakeFleet());
    await fleet.start();
    const rand = seeded(0x5eed_2025);
    const userRand = seeded(0xc0ffee);
    // Every model gets its own long queue of behaviours; past its end a model is healthy.
    for (const model of RELAY_MODELS) {
      fleet.script(model, Array.from({ length: REQUESTS * 2 }, (): Behaviour => (rand() < FAULT_RATE ? randomFault(rand) : {})));
    }
    const before = resources();

    const router = (openRouter = new Router(configFor(fleet, {
      models: RELAY_MODELS.map((id) => ({ id, maxLatencyMs: 250 })),
      routing: { hedging: true },
      breaker: { failureThreshold: 5, cooldownMs: 500 },
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50 },
      timeouts: { connectMs: 2000, firstTokenMs: 1000, idleMs: 500, requestMs: REQUEST_MS },
    }), () => fleet.apiKey));

    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        next++;
        const events: RouteEvent[] = [];
        // The user side misbehaves too: a few requests are stopped part-way, either as soon as the
        // request is sent or at the first token. Triggered by the request's own events, not a
        // timer, so that every stop lands inside its request however fast the machine is.
        const controller = new AbortController();
        const stopAt = userRand() < CANCEL_RATE ? (userRand() < 0.5 ? 'attempt' : 'delta') : undefined;
        const onEvent = (e: RouteEvent): void => {
          events.push(e);
          if (e.type === stopAt) controller.abort();
        };
        const started = performance.now();
        try {
          const result = await router.chat({ messages: [{ role: 'user', content: 'Soak.' }] }, { signal: controller.signal, onEvent });
          outcomes.push({ ms: performance.now() - started, events, result });
        } catch (error) {
          assert.ok(isRouterError(error), `an untyped failure: ${String(error)}`);
          outcomes.push({ ms: performance.now() - started, events, error });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    assert.equal(outcomes.length, REQUESTS);
    const helloOf = new Set(RELAY_MODELS.map((m) => `Hello from ${m}.`));
    const unicode = '你好，世界 👋🏽🚀 done.';
    for (const [i, o] of outcomes.entries()) {
      const where = `request ${i}: ${JSON.stringify(o.events.filter((e) => e.type !== 'delta'))}`;
      assert.ok(o.ms < REQUEST_MS + 2000, `${where} took ${o.ms} ms`);
      // Exactly one ending, and it is the last event.
      const endings = o.events.filter((e) => e.type === 'done' || e.type === 'error');
      assert.equal(endings.length, 1, where);
      assert.equal(o.events.at(-1), endings[0], where);
      if (o.result) {
        assert.equal(endings[0]!.type, 'done', where);
        // Whole answers only: no two models spliced, no character broken by a split.
        assert.ok(helloOf.has(o.result.text) || o.result.text === unicode, `${where}: ${JSON.stringify(o.result.text)}`);
        const deltas = o.events.filter((e): e is Extract<RouteEvent, { type: 'delta' }> => e.type === 'delta').map((e) => e.text).join('');
        assert.equal(deltas, o.result.text, where);
      } else {
        assert.ok(isKnownCode(o.error!.code), `${where}: unknown code ${o.error!.code}`);
        assert.deepEqual(endings[0], { type: 'error', code: o.error!.code, message: o.error!.message }, where);
      }
    }

    // The faults really were met, and the router mostly got through them.
    const answered = outcomes.filter((o) => o.result).length;
    const failedOver = outcomes.filter((o) => o.result && o.result.failovers.length > 0).length;
    const hedged = outcomes.filter((o) => o.result?.hedged).length;
    const codes = new Set(outcomes.flatMap((o) => (o.error ? [o.error.code] : [])));
    assert.ok(answered > REQUESTS * 0.75, `only ${answered} of ${REQUESTS} answered; errors: ${[...codes].join(', ')}`);
    assert.ok(failedOver > 50, `only ${failedOver} answers failed over`);
    assert.ok(hedged > 10, `only ${hedged} answers were hedged`);
    assert.ok(codes.has('STREAM_ERROR'), 'no stream broke after content: were the faults injected?');
    assert.ok(codes.has('CANCELLED'), 'no request was cancelled');
    assert.ok(fleet.requests.length > REQUESTS, 'no request was ever retried elsewhere');

    // No breaker is left half-open: every probe ended one way or the other.
    for (const snapshot of router.snapshot()) assert.notEqual(snapshot.breaker, 'half-open', snapshot.model);

    await router.close();
    await fleet.waitForConnections(0, 5000);
    await fleet.close();
    // Handles close a tick or two after their sockets.
    await until(() => grown(before, resources()).length === 0, `handles to close (${grown(before, resources()).join('; ')})`, 3000)
      .catch(() => assert.fail(`left behind: ${grown(before, resources()).join('; ')}`));
  });
});
