/**
 * One circuit breaker per model, built on cockatiel: closed → open after N consecutive failures →
 * half-open after the cool-down, when exactly one probe request goes through → closed on its
 * success, open again on its failure. Only failures that say something about the model count
 * (not cancels, bad requests or bad keys).
 */
import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { countsAgainstModel, isRouterError } from './errors';
import { Emitter, type Event } from './events';
import type { BreakerState } from './metrics';

export interface BreakerChange {
  model: string;
  state: BreakerState;
  /** The change was adopted from another window (see `adopt`). */
  fromPeer?: boolean;
}

/** A breaker's last opening or closing, as other windows (another router over the same models) learn it. */
export interface SharedBreaker {
  state: 'open' | 'closed';
  /** When it opened or closed (epoch ms). */
  at: number;
}

interface Entry {
  policy: CircuitBreakerPolicy;
  subscriptions: { dispose(): void }[];
  /** Its probe was cancelled: the "closed" cockatiel reports for it is about to be undone. */
  probeCancelled?: boolean;
}

// cockatiel's index re-exports CircuitState through a getter: read its members once, not on each
// availability check (ranking makes several per model on every request).
const { Closed, Open, HalfOpen, Isolated } = CircuitState;

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [Closed]: 'closed',
  [Open]: 'open',
  [HalfOpen]: 'half-open',
  // We never isolate; treat a held-open breaker as open.
  [Isolated]: 'open',
};

export type BreakerSnapshot = Record<string, unknown>;

/** When a breaker opened (epoch ms), from cockatiel's snapshot of it; undefined when it is not open. */
function openedAt(snapshot: unknown): number | undefined {
  const own = (snapshot as { ownState?: { value?: unknown; openedAt?: unknown } } | undefined)?.ownState;
  return own?.value === Open && typeof own.openedAt === 'number' ? own.openedAt : undefined;
}

export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new Emitter<BreakerChange>();
  readonly onDidChange: Event<BreakerChange> = this.changed.event;

  /** States restored from a previous session, applied when each breaker is first built. */
  private restored: BreakerSnapshot;
  /** Each breaker's last opening or closing, here or adopted. */
  private readonly lastChange = new Map<string, SharedBreaker>();

  constructor(private options: { failureThreshold: number; cooldownMs: number }, restored: BreakerSnapshot = {}) {
    this.restored = { ...restored };
    // A breaker restored open opened then: an older closing seen in another window must not undo it.
    for (const [model, snapshot] of Object.entries(restored)) {
      const at = openedAt(snapshot);
      if (at) this.lastChange.set(model, { state: 'open', at });
    }
  }

  /** Rebuilds every breaker with new settings, keeping their current states. */
  reconfigure(options: { failureThreshold: number; cooldownMs: number }): void {
    if (options.failureThreshold === this.options.failureThreshold && options.cooldownMs === this.options.cooldownMs) return;
    this.restored = { ...this.restored, ...this.toJSON() };
    this.options = options;
    for (const entry of this.entries.values()) entry.subscriptions.forEach((s) => s.dispose());
    this.entries.clear();
  }

  private entry(model: string): Entry {
    let entry = this.entries.get(model);
    if (!entry) {
      const policy = circuitBreaker(handleWhen((error) => isRouterError(error) && countsAgainstModel(error.code)), {
        halfOpenAfter: this.options.cooldownMs,
        breaker: new ConsecutiveBreaker(this.options.failureThreshold),
        initialState: this.restored[model],
      });
      delete this.restored[model];
      const created: Entry = { policy, subscriptions: [] };
      created.subscriptions.push(policy.onStateChange((state) => {
        if (created.probeCancelled && state === Closed) return;
        if (state === Open) this.lastChange.set(model, { state: 'open', at: openedAt(policy.toJSON()) ?? Date.now() });
        if (state === Closed) this.lastChange.set(model, { state: 'closed', at: Date.now() });
        this.changed.fire({ model, state: STATE_NAMES[state] });
      }));
      entry = created;
      this.entries.set(model, entry);
    }
    return entry;
  }

  /** Open stays open until a request arrives after the cool-down: that request is the probe. */
  state(model: string): BreakerState {
    return STATE_NAMES[this.entry(model).policy.state];
  }

  /** When an open breaker lets its probe through (epoch ms), or undefined when it is not open. */
  probeAt(model: string): number | undefined {
    const opened = openedAt(this.entry(model).policy.toJSON());
    return opened === undefined ? undefined : opened + this.options.cooldownMs;
  }

  /**
   * Why the model cannot take a request now, or undefined when it can. An open breaker past its
   * cool-down is available: the next request through it becomes the one probe. While that probe
   * runs (half-open), everyone else skips the model instead of queueing behind it.
   */
  unavailableReason(model: string, now = Date.now()): string | undefined {
    const state = this.entry(model).policy.state;
    if (state === HalfOpen) return 'breaker half-open: a probe request is in flight';
    if (state === Open || state === Isolated) {
      const probeAt = this.probeAt(model);
      if (probeAt === undefined || probeAt > now) {
        return `breaker open: probe in ${Math.max(0, Math.ceil(((probeAt ?? now) - now) / 1000))} s`;
      }
    }
    return undefined;
  }

  /** Runs one attempt through the model's breaker; its outcome feeds the breaker. */
  execute<T>(model: string, attempt: () => Promise<T>): Promise<T> {
    const entry = this.entry(model);
    if (entry.policy.state !== Open) return entry.policy.execute(attempt);
    // This attempt is the probe. cockatiel closes the breaker when a probe fails with an error it
    // does not count; a cancelled probe says nothing about the model, so put the breaker back as it
    // was before the probe: open, with the probe due at once.
    const before = entry.policy.toJSON();
    return entry.policy.execute(async () => {
      try {
        return await attempt();
      } catch (error) {
        if (isRouterError(error) && error.code === 'CANCELLED') entry.probeCancelled = true;
        throw error;
      }
    }).catch((error: unknown) => {
      if (entry.probeCancelled && this.entries.get(model) === entry) {
        entry.subscriptions.forEach((s) => s.dispose());
        this.entries.delete(model);
        this.restored[model] = before;
        this.changed.fire({ model, state: 'open' });
      }
      throw error;
    });
  }

  /** The last opening or closing of each breaker that had one, for other windows to adopt. */
  shared(): Record<string, SharedBreaker> {
    return Object.fromEntries(this.lastChange);
  }

  /**
   * Takes on what another window's breaker of the same model did, when that is newer than anything
   * this one did: a model another window found down is not sent traffic here until the same probe
   * time, and one that another window's probe found working is closed here too. A breaker whose
   * probe is in flight here keeps it. Returns whether the state changed.
   */
  adopt(model: string, peer: SharedBreaker): boolean {
    const mine = this.lastChange.get(model);
    if (mine && mine.at >= peer.at) return false;
    const current = this.entry(model).policy.state;
    if (current === HalfOpen) return false;
    this.lastChange.set(model, peer);
    if ((current === Closed) === (peer.state === 'closed')) return false;
    const entry = this.entries.get(model);
    entry?.subscriptions.forEach((s) => s.dispose());
    this.entries.delete(model);
    // cockatiel's own snapshot shape: an open breaker counts its cool-down from `openedAt`.
    if (peer.state === 'open') this.restored[model] = { ownState: { value: Open, openedAt: peer.at, attemptNo: 1 }, breakerState: 0 };
    else delete this.restored[model];
    this.changed.fire({ model, state: peer.state, fromPeer: true });
    return true;
  }

  reset(model?: string): void {
    if (model) this.lastChange.delete(model);
    else this.lastChange.clear();
    const models = model ? [model] : [...this.entries.keys()];
    for (const id of models) {
      const entry = this.entries.get(id);
      const wasClosed = !entry || entry.policy.state === Closed;
      entry?.subscriptions.forEach((s) => s.dispose());
      this.entries.delete(id);
      delete this.restored[id];
      if (!wasClosed) this.changed.fire({ model: id, state: 'closed' });
    }
    if (!model) this.restored = {};
  }

  /** Serialisable state of every breaker, for restoring after a reload. */
  toJSON(): BreakerSnapshot {
    const out: BreakerSnapshot = { ...this.restored };
    for (const [model, entry] of this.entries) out[model] = entry.policy.toJSON();
    return out;
  }

  dispose(): void {
    for (const entry of this.entries.values()) entry.subscriptions.forEach((s) => s.dispose());
    this.entries.clear();
    this.changed.dispose();
  }
}
