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

export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new Emitter<BreakerChange>();
  readonly onDidChange: Event<BreakerChange> = this.changed.event;

  /** States restored from a previous session, applied when each breaker is first built. */
  private restored: BreakerSnapshot;

  constructor(private options: { failureThreshold: number; cooldownMs: number }, restored: BreakerSnapshot = {}) {
    this.restored = { ...restored };
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
    const json = this.entry(model).policy.toJSON() as { ownState?: { value?: number; openedAt?: number } };
    const own = json.ownState;
    if (own?.value !== Open || own.openedAt === undefined) return undefined;
    return own.openedAt + this.options.cooldownMs;
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

  reset(model?: string): void {
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
