import * as assert from 'node:assert/strict';
import type { Agent } from 'undici';
import { ConnectionPool } from '../../src/core/transport';

// The pool is made on first use, so that activating the extension does not load undici; a changed
// proxy or connect timeout gets new connections while requests in flight finish on the old ones.

const OPTIONS = { proxy: '', connectTimeoutMs: 1000 };

describe('ConnectionPool', () => {
  it('makes its dispatcher when first asked, then keeps it', async () => {
    const pool = new ConnectionPool(OPTIONS);
    const first = pool.dispatcher;
    assert.equal(pool.dispatcher, first);
    pool.reconfigure({ ...OPTIONS });
    assert.equal(pool.dispatcher, first, 'the same options keep the same connections');
    await pool.destroy();
  });

  it('replaces the dispatcher when its options change, closing the old one', async () => {
    const pool = new ConnectionPool(OPTIONS);
    const old = pool.dispatcher as Agent;
    pool.reconfigure({ ...OPTIONS, connectTimeoutMs: 2000 });
    const next = pool.dispatcher as Agent;
    assert.notEqual(next, old);
    assert.equal(old.closed, true);
    assert.equal(next.closed, false);
    await pool.destroy();
    assert.equal(next.destroyed, true);
  });

  it('closes nothing it never made', async () => {
    const pool = new ConnectionPool(OPTIONS);
    pool.close();
    await pool.destroy();
  });
});
