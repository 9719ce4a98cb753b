import * as assert from 'node:assert/strict';
import * as FakeTimers from '@sinonjs/fake-timers';
import type { BreakerChange } from '../../src/core/breakers';
import type { Router } from '../../src/core/router';
import { BY_PRICE, RouterHarness, answer, failure, until } from './routerHarness';

// Per-model circuit breakers through real HTTP. Only `Date` is faked: the breakers (cockatiel) and
// the router read the cool-down from the clock, while sockets, undici and the fleet keep real timers.

const [DEEPSEEK, GEMINI] = BY_PRICE;
const COOLDOWN_MS = 30_000;

describe('Router circuit breakers', function () {
  this.timeout(20_000);
  const h = new RouterHarness();
  const { fleet } = h;
  let clock: FakeTimers.Clock;

  before(() => h.start());
  beforeEach(() => {
    clock = FakeTimers.install({ now: Date.now(), toFake: ['Date'] });
  });
  afterEach(async () => {
    clock.uninstall();
    await h.reset();
  });
  after(() => h.stop());

  /**
   * Error rate out of the score, so a failing DeepSeek (the cheapest) stays first in line and its
   * breaker alone decides whether it gets traffic.
   */
  function breakerRouter(options: Parameters<RouterHarness['router']>[1] = {}): Router {
    return h.router({ routing: { weights: { errorRate: 0 } } }, options);
  }

  function watch(router: Router): BreakerChange[] {
    const changes: BreakerChange[] = [];
    router.onDidChangeBreaker((change) => changes.push(change));
    return changes;
  }

  /** Five requests in a row that DeepSeek fails and Gemini answers: DeepSeek's breaker opens. */
  async function tripDeepSeek(router: Router): Promise<void> {
    fleet.setDefault(DEEPSEEK, { status: 500 });
    for (let i = 0; i < 5; i++) assert.equal((await answer(router)).result.model, GEMINI);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'open');
    assert.equal(fleet.requestCount(DEEPSEEK), 5);
  }

  it('opens after 5 consecutive failures, not before', async () => {
    const router = breakerRouter();
    const changes = watch(router);
    fleet.setDefault(DEEPSEEK, { status: 500 });
    for (let i = 1; i <= 4; i++) {
      await answer(router);
      assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'closed', `after ${i} failures`);
    }
    assert.deepEqual(changes, []);
    await answer(router);
    assert.deepEqual(changes, [{ model: DEEPSEEK, state: 'open' }]);
    const snapshot = router.snapshotOf(DEEPSEEK)!;
    assert.equal(snapshot.breaker, 'open');
    assert.equal(snapshot.health, 'down');
    assert.equal(snapshot.breakerProbeAt, Date.now() + COOLDOWN_MS);
  });

  it('counts only consecutive failures: a success in between starts the count again', async () => {
    const router = breakerRouter();
    fleet.script(DEEPSEEK, [...Array(4).fill({ status: 503 }), {}, ...Array(4).fill({ status: 503 })]);
    for (let i = 0; i < 9; i++) await answer(router);
    assert.equal(fleet.requestCount(DEEPSEEK), 9);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'closed');
    fleet.script(DEEPSEEK, { status: 503 });
    await answer(router);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'open');
  });

  it('sends an open model no traffic until the cool-down has passed', async () => {
    const router = breakerRouter();
    await tripDeepSeek(router);
    fleet.setDefault(DEEPSEEK, {});
    for (let i = 0; i < 3; i++) {
      const { result } = await answer(router);
      assert.equal(result.model, GEMINI);
      assert.deepEqual(result.failovers, [], 'the open model is skipped, not tried and failed over');
      assert.match(result.decision.skipped.find((s) => s.model === DEEPSEEK)!.reason, /breaker open/);
    }
    clock.tick(COOLDOWN_MS - 1);
    assert.equal((await answer(router)).result.model, GEMINI);
    assert.equal(fleet.requestCount(DEEPSEEK), 5, 'an open model got a request');
  });

  it('lets exactly one of several concurrent requests probe after the cool-down; its success closes the breaker', async () => {
    const router = breakerRouter();
    await tripDeepSeek(router);
    const changes = watch(router);
    // A slow probe, so that every other request is routed while it is still in flight.
    fleet.setDefault(DEEPSEEK, { tokenIntervalMs: 100 });
    clock.tick(COOLDOWN_MS);
    const answers = await Promise.all(Array.from({ length: 6 }, () => answer(router)));
    assert.equal(fleet.requestCount(DEEPSEEK), 6, 'exactly one probe');
    const models = answers.map((a) => a.result.model).sort();
    assert.deepEqual(models, [DEEPSEEK, GEMINI, GEMINI, GEMINI, GEMINI, GEMINI]);
    assert.deepEqual(changes, [{ model: DEEPSEEK, state: 'half-open' }, { model: DEEPSEEK, state: 'closed' }]);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'closed');
    // Closed again: DeepSeek, the cheapest, takes the traffic back.
    assert.equal((await answer(router)).result.model, DEEPSEEK);
  });

  it('a probe that closes the breaker clears the outage from the error rate: the model is healthy again', async () => {
    const router = breakerRouter();
    await tripDeepSeek(router);
    assert.equal(router.snapshotOf(DEEPSEEK)!.errorRate, 1);
    fleet.setDefault(DEEPSEEK, {});
    clock.tick(COOLDOWN_MS);
    assert.equal((await answer(router)).result.model, DEEPSEEK);
    const snapshot = router.snapshotOf(DEEPSEEK)!;
    assert.equal(snapshot.breaker, 'closed');
    assert.equal(snapshot.errorRate, 0);
    assert.equal(snapshot.health, 'healthy');
    assert.equal(snapshot.failures, 5, 'the failure count itself is history and stays');
  });

  it('when every model fails and every breaker opens, the error says what the models answered', async () => {
    const router = h.router({ breaker: { failureThreshold: 1 } });
    for (const model of BY_PRICE) fleet.setDefault(model, { status: 500 });
    const { error } = await failure(router);
    assert.equal(error.code, 'ALL_MODELS_UNAVAILABLE');
    for (const model of BY_PRICE) assert.match(error.message, new RegExp(`${model.replace(/\./g, '\\.')}: HTTP_500`));
    assert.doesNotMatch(error.message, /add a key/);
  });

  it('reopens when the probe fails, for another full cool-down', async () => {
    const router = breakerRouter();
    await tripDeepSeek(router);
    const changes = watch(router);
    clock.tick(COOLDOWN_MS);
    const answers = await Promise.all(Array.from({ length: 4 }, () => answer(router)));
    assert.equal(fleet.requestCount(DEEPSEEK), 6, 'exactly one probe');
    assert.ok(answers.every((a) => a.result.model === GEMINI));
    assert.deepEqual(answers.map((a) => a.result.failovers.length).sort(), [0, 0, 0, 1], 'only the probing request failed over');
    assert.deepEqual(changes, [{ model: DEEPSEEK, state: 'half-open' }, { model: DEEPSEEK, state: 'open' }]);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breakerProbeAt, Date.now() + COOLDOWN_MS);
    clock.tick(COOLDOWN_MS - 1);
    await answer(router);
    assert.equal(fleet.requestCount(DEEPSEEK), 6);
    clock.tick(1);
    fleet.setDefault(DEEPSEEK, {});
    assert.equal((await answer(router)).result.model, DEEPSEEK);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'closed');
  });

  it('does not count bad requests or refused keys towards opening', async () => {
    const router = breakerRouter();
    fleet.script(DEEPSEEK, Array(6).fill({ status: 400 }));
    for (let i = 0; i < 6; i++) assert.equal((await failure(router)).error.code, 'BAD_REQUEST');
    const badKey = breakerRouter({ keys: () => 'zz-not-the-right-key-000' });
    for (let i = 0; i < 6; i++) assert.equal((await failure(badKey)).error.code, 'AUTH_FAILED');
    assert.equal(fleet.requestCount(DEEPSEEK), 12);
    for (const r of [router, badKey]) {
      assert.equal(r.snapshotOf(DEEPSEEK)!.breaker, 'closed');
      assert.equal(r.snapshotOf(DEEPSEEK)!.failures, 0);
    }
  });

  it('a cancelled probe proves nothing: the breaker stays open and the next request probes', async () => {
    const router = breakerRouter();
    await tripDeepSeek(router);
    const changes = watch(router);
    clock.tick(COOLDOWN_MS);
    fleet.setDefault(DEEPSEEK, {});
    fleet.script(DEEPSEEK, { firstTokenDelayMs: 10_000 });
    const controller = new AbortController();
    const probing = failure(router, { signal: controller.signal });
    await until(() => fleet.requestCount(DEEPSEEK) === 6, 'the probe to reach the fleet');
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'half-open');
    controller.abort();
    const { error } = await probing;
    assert.equal(error.code, 'CANCELLED');
    assert.equal(fleet.requestCount(DEEPSEEK), 6);
    assert.notEqual(router.snapshotOf(DEEPSEEK)!.breaker, 'closed', 'a cancelled probe closed the breaker');
    assert.ok(!changes.some((c) => c.state === 'closed'), `changes: ${JSON.stringify(changes)}`);
    // The probe is due at once: the next request probes, succeeds and closes the breaker.
    assert.equal((await answer(router)).result.model, DEEPSEEK);
    assert.equal(fleet.requestCount(DEEPSEEK), 7);
    assert.equal(router.snapshotOf(DEEPSEEK)!.breaker, 'closed');
  });

  it('restores an open breaker saved by toJSON() in a new router', async () => {
    const first = breakerRouter();
    await tripDeepSeek(first);
    const saved = JSON.parse(JSON.stringify(first.toJSON())) as ReturnType<Router['toJSON']>;
    const second = breakerRouter({ breakerState: saved.breakers });
    fleet.setDefault(DEEPSEEK, {});
    assert.equal(second.snapshotOf(DEEPSEEK)!.breaker, 'open');
    assert.equal((await answer(second)).result.model, GEMINI);
    assert.equal(fleet.requestCount(DEEPSEEK), 5);
    clock.tick(COOLDOWN_MS);
    assert.equal((await answer(second)).result.model, DEEPSEEK);
  });
});
