import * as assert from 'node:assert/strict';
import { CircuitBreakers, type BreakerChange } from '../../src/core/breakers';
import { RouterError } from '../../src/core/errors';

// Windows share their breakers: each publishes its breakers' last opening or closing, and adopts a
// peer's when it is newer than its own (see WindowSync and Router.adoptBreakers).

const OPTIONS = { failureThreshold: 2, cooldownMs: 30_000 };
const fail = () => Promise.reject(new RouterError('HTTP_503', 'down'));

async function openBreaker(breakers: CircuitBreakers, model: string): Promise<void> {
  for (let i = 0; i < OPTIONS.failureThreshold; i++) await breakers.execute(model, fail).catch(() => undefined);
}

describe('CircuitBreakers shared between windows', () => {
  let breakers: CircuitBreakers;
  let changes: BreakerChange[];

  beforeEach(() => {
    breakers = new CircuitBreakers(OPTIONS);
    changes = [];
    breakers.onDidChange((c) => changes.push(c));
  });

  afterEach(() => breakers.dispose());

  it('publishes when each breaker last opened or closed', async () => {
    assert.deepEqual(breakers.shared(), {});
    const before = Date.now();
    await openBreaker(breakers, 'a');
    const shared = breakers.shared().a!;
    assert.equal(shared.state, 'open');
    assert.ok(shared.at >= before && shared.at <= Date.now());
    assert.equal(breakers.probeAt('a'), shared.at + OPTIONS.cooldownMs);
  });

  it('adopts a newer opening from a peer, with the peer\'s probe time', () => {
    const at = Date.now() - 5_000;
    assert.equal(breakers.adopt('a', { state: 'open', at }), true);
    assert.equal(breakers.state('a'), 'open');
    assert.equal(breakers.probeAt('a'), at + OPTIONS.cooldownMs);
    assert.match(breakers.unavailableReason('a') ?? '', /breaker open: probe in 25 s/);
    assert.deepEqual(changes, [{ model: 'a', state: 'open', fromPeer: true }]);
    // It is shared on with the peer's time, so the peer does not take it back as news.
    assert.deepEqual(breakers.shared().a, { state: 'open', at });
    assert.equal(breakers.adopt('a', { state: 'open', at }), false);
  });

  it('adopts a newer closing from a peer, and ignores an older one', async () => {
    await openBreaker(breakers, 'a');
    const openedAt = breakers.shared().a!.at;
    assert.equal(breakers.adopt('a', { state: 'closed', at: openedAt - 1 }), false);
    assert.equal(breakers.state('a'), 'open');
    assert.equal(breakers.adopt('a', { state: 'closed', at: openedAt + 1 }), true);
    assert.equal(breakers.state('a'), 'closed');
    assert.equal(changes.at(-1)?.fromPeer, true);
    // A fresh count: one failure does not reopen it.
    await breakers.execute('a', fail).catch(() => undefined);
    assert.equal(breakers.state('a'), 'closed');
  });

  it('keeps a breaker restored open against an older closing from a peer', () => {
    const openedAt = Date.now() - 1_000;
    const restored = new CircuitBreakers(OPTIONS, { a: { ownState: { value: 1, openedAt, attemptNo: 1 }, breakerState: 0 } });
    try {
      assert.equal(restored.adopt('a', { state: 'closed', at: openedAt - 10 }), false);
      assert.equal(restored.state('a'), 'open');
      assert.equal(restored.adopt('a', { state: 'closed', at: openedAt + 10 }), true);
      assert.equal(restored.state('a'), 'closed');
    } finally {
      restored.dispose();
    }
  });

  it('leaves a probe in flight alone', async () => {
    const at = Date.now() - OPTIONS.cooldownMs - 1;
    breakers.adopt('a', { state: 'open', at });
    let finishProbe!: () => void;
    const probe = breakers.execute('a', () => new Promise<void>((resolve) => { finishProbe = resolve; }));
    assert.equal(breakers.state('a'), 'half-open');
    assert.equal(breakers.adopt('a', { state: 'closed', at: Date.now() + 1 }), false);
    assert.equal(breakers.state('a'), 'half-open');
    finishProbe();
    await probe;
    assert.equal(breakers.state('a'), 'closed');
  });

  it('forgets what it published on reset', async () => {
    await openBreaker(breakers, 'a');
    breakers.reset();
    assert.deepEqual(breakers.shared(), {});
  });
});
