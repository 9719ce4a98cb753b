/**
 * The routing engine: picks the best healthy model for each request, fails over on errors that
 * are the provider's fault, hedges when a first token is late, and keeps per-model metrics and
 * circuit breakers. No editor import: the extension, the CLI and the benchmark all drive this.
 */
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { AbortSwitch } from './abortSwitch';
import { Attempt, type AttemptOutcome, type TokenEvent } from './attempt';
import { cancelled, sleep } from './backoff';
import { CircuitBreakers, type BreakerChange, type BreakerSnapshot, type SharedBreaker } from './breakers';
import { cheapestOnly, type BudgetGate } from './budget';
import type { ChatRequest, ChatResult, KeyLookup, LogEntry, ProbeResult, RouteOptions } from './chat';
import { oneTokenProbe } from './completionProbe';
import type { RouterConfig } from './config';
import { RouterError, countsAgainstModel, isRouterError, shouldFailOver, type ErrorCode } from './errors';
import { Emitter, type Disposable, type Event } from './events';
import { ModelMetrics, classifyHealth, type ModelSnapshot } from './metrics';
import { costOf, estimateTokens, keyVariableFor, type EndpointConfig, type ModelConfig, type Usage } from './registry';
import type { FailoverStep, RouteEvent, RoutingDecision } from './routeEvents';
import { rankCandidates, type CandidateInput } from './scoring';
import { ConnectionPool, listModels } from './transport';

export interface RouterOptions {
  /** Breaker states saved by `toJSON()` in an earlier session. */
  breakerState?: BreakerSnapshot;
  /** Where an endpoint's key comes from, for messages ("set HOLYSHEEP_API_KEY", "run Set API Key"). */
  describeKeySource?: (endpointId: string) => string;
  /** Consulted before each request (refuse, or the cheapest model only) and told each answer's cost. */
  budget?: BudgetGate;
}

interface Winner {
  attempt: Attempt;
  outcome: AttemptOutcome;
}

/** How one pass over the candidates ended. */
type PassResult =
  | { kind: 'answered'; winner: Winner }
  | { kind: 'final'; error: RouterError; partialText?: string }
  | { kind: 'exhausted' };

type RaceEvent =
  | { kind: 'token'; attempt: Attempt }
  | { kind: 'failed'; attempt: Attempt; error: RouterError }
  | { kind: 'deadline'; attempt: Attempt };

/** Everything one routed request keeps while it runs. */
interface RequestState {
  request: ChatRequest;
  keys: Map<string, string>;
  signal: AbortSwitch;
  emit: (event: RouteEvent) => void;
  /** Endpoints whose key was refused during this request: none of their models are tried again. */
  refusedEndpoints: Set<string>;
  failovers: FailoverStep[];
  hedged: boolean;
  attempts: number;
  /** The last error of each model tried, for the final message. */
  lastErrors: Map<string, RouterError>;
}

export class Router implements Disposable {
  private cfg: RouterConfig;
  private readonly pool: ConnectionPool;
  private readonly breakers: CircuitBreakers;
  private readonly metrics = new Map<string, ModelMetrics>();
  /** Per model: no request before this time (epoch ms), from a `Retry-After`. */
  private readonly notBefore = new Map<string, number>();
  private readonly modelChanged = new Emitter<ModelSnapshot>();
  private readonly logged = new Emitter<LogEntry>();
  private readonly describeKeySource: (endpointId: string) => string;
  private readonly budget: BudgetGate | undefined;

  readonly onDidChangeModel: Event<ModelSnapshot> = this.modelChanged.event;
  readonly onDidLog: Event<LogEntry> = this.logged.event;
  readonly onDidChangeBreaker: Event<BreakerChange>;

  constructor(config: RouterConfig, private readonly keys: KeyLookup, options: RouterOptions = {}) {
    this.cfg = config;
    this.pool = new ConnectionPool({ proxy: config.proxy, connectTimeoutMs: config.timeouts.connectMs });
    this.breakers = new CircuitBreakers(config.breaker, options.breakerState);
    this.onDidChangeBreaker = this.breakers.onDidChange;
    this.describeKeySource = options.describeKeySource ?? ((id) => `the ${keyVariableFor(id)} environment variable`);
    this.budget = options.budget;
    this.breakers.onDidChange(({ model, state, fromPeer }) => {
      this.log(state === 'open' ? 'warn' : 'info', `Circuit breaker of ${model} is now ${state}${fromPeer ? ', as another window found' : ''}.`);
      if (state === 'closed') this.metrics.get(model)?.forgetOutcomes();
      const snapshot = this.snapshotOf(model);
      if (snapshot) this.modelChanged.fire(snapshot);
    });
  }

  get config(): RouterConfig {
    return this.cfg;
  }

  updateConfig(config: RouterConfig): void {
    this.cfg = config;
    this.breakers.reconfigure(config.breaker);
    for (const m of this.metrics.values()) m.resize(config.health.errorWindow);
    this.pool.reconfigure({ proxy: config.proxy, connectTimeoutMs: config.timeouts.connectMs });
  }

  // ---------------------------------------------------------------------------------------------
  // Routing

  /** Routes one chat request. Resolves with the answer or rejects with a RouterError. */
  async chat(request: ChatRequest, options: RouteOptions = {}): Promise<ChatResult> {
    const started = Date.now();
    const emit = (event: RouteEvent) => options.onEvent?.(event);
    const controller = new AbortSwitch();
    const onAbort = () => controller.abort(cancelled());
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(
      () => controller.abort(new RouterError('TIMEOUT', `No answer within ${this.cfg.timeouts.requestMs} ms, failovers included. Try again, or raise holysheepRouter.timeouts.requestMs.`)),
      this.cfg.timeouts.requestMs,
    );
    const state: RequestState = {
      request,
      keys: new Map(),
      signal: controller.signal,
      emit,
      refusedEndpoints: new Set(),
      failovers: [],
      hedged: false,
      attempts: 0,
      lastErrors: new Map(),
    };
    let decision: RoutingDecision | undefined;
    try {
      const admission = this.budget?.admit();
      if (admission?.mode === 'refuse') throw new RouterError('BUDGET_EXCEEDED', admission.message);
      const reading = this.loadKeys(state.keys);
      if (reading) await reading;
      // Cancelled before (or while reading keys): no attempt to announce, nothing to send.
      state.signal.throwIfAborted();
      const fixedModel = (options.model ?? this.cfg.routing.model) === 'auto' ? undefined : options.model ?? this.cfg.routing.model;
      const quality = options.quality ?? this.cfg.routing.quality;
      let backoff: IBackoff<unknown> | undefined;
      for (let pass = 0; pass < this.cfg.retry.maxAttempts; pass++) {
        let ranked = this.rank(state, fixedModel, quality);
        let describe: (() => void) | undefined;
        if (pass === 0) {
          const first = ranked;
          describe = () => this.log('debug', `Routing decision: ${describeDecision(first)}`);
          // With a model to send to, runPass describes it later, off the path to the first token.
          if (!first.candidates.length) {
            describe();
            describe = undefined;
          }
        }
        // Waiting out a Retry-After is not a pass: no model was tried. Each wait lets at least one
        // model's Retry-After expire, and no new one can arrive meanwhile, so this ends.
        while (ranked.candidates.length === 0) {
          const wait = this.waitForRateLimits(state);
          if (wait === undefined) throw this.noCandidateError(state, ranked);
          this.log('info', `Every model is rate limited; waiting ${wait} ms as their Retry-After asks.`);
          await sleep(wait, state.signal);
          ranked = this.rank(state, fixedModel, quality);
        }
        decision ??= ranked;
        if (pass > 0) {
          backoff = backoff ? backoff.next(undefined) : new ExponentialBackoff({ initialDelay: this.cfg.retry.baseDelayMs, maxDelay: this.cfg.retry.maxDelayMs }).next();
          const wait = Math.min(this.cfg.retry.maxDelayMs, backoff.duration);
          this.log('info', `Every candidate failed; pass ${pass + 1} of ${this.cfg.retry.maxAttempts} in ${wait} ms.`);
          await sleep(wait, state.signal);
        }
        const result = await this.runPass(state, ranked, describe);
        if (result.kind === 'answered') return this.finish(state, result.winner, decision, started);
        if (result.kind === 'final') {
          if (result.partialText) result.error.partialText = result.partialText;
          throw result.error;
        }
      }
      throw this.exhaustedError(state);
    } catch (raw) {
      const error = isRouterError(raw) ? raw : new RouterError('NETWORK', `Unexpected failure: ${String(raw)}`, { cause: raw });
      const finalError = state.signal.aborted && isRouterError(state.signal.reason) && error.code !== 'STREAM_ERROR' ? withPartial(state.signal.reason, error.partialText) : error;
      this.log(finalError.code === 'CANCELLED' ? 'info' : 'error', `Request failed: ${finalError.code}: ${finalError.message}`);
      emit({ type: 'error', code: finalError.code, message: finalError.message });
      throw finalError;
    } finally {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      // Anything still running (a hedge loser, a cancelled attempt) stops now. With no listener left
      // there is nothing to stop, and building the reason (an Error and its stack) costs ~10 µs.
      if (!controller.signal.aborted && controller.listenerCount('abort') > 0) controller.abort(cancelled());
    }
  }

  /** What Auto would pick now, without sending anything. */
  async preview(options: { model?: string; quality?: RouterConfig['routing']['quality'] } = {}): Promise<RoutingDecision> {
    const keys = new Map<string, string>();
    await this.loadKeys(keys);
    const model = options.model ?? this.cfg.routing.model;
    return this.rank(
      { keys, refusedEndpoints: new Set() } as Pick<RequestState, 'keys' | 'refusedEndpoints'>,
      model === 'auto' ? undefined : model,
      options.quality ?? this.cfg.routing.quality,
    );
  }

  /**
   * Reads every endpoint's key into `into`. Returns a promise only once a lookup turns out to be
   * asynchronous: a synchronous lookup (environment variables, a cache) then costs no promise hops.
   */
  private loadKeys(into: Map<string, string>): Promise<void> | undefined {
    const endpoints = this.cfg.endpoints;
    for (let i = 0; i < endpoints.length; i++) {
      const key = this.keys(endpoints[i]!.id);
      if (typeof key === 'object') return this.loadKeysAsync(into, i, key);
      if (key) into.set(endpoints[i]!.id, key);
    }
    return undefined;
  }

  /** The rest of `loadKeys` from endpoint `from`, whose lookup `pending` is. */
  private async loadKeysAsync(into: Map<string, string>, from: number, pending: Promise<string | undefined>): Promise<void> {
    const endpoints = this.cfg.endpoints;
    for (let i = from; i < endpoints.length; i++) {
      const key = await (i === from ? pending : this.keys(endpoints[i]!.id));
      if (key) into.set(endpoints[i]!.id, key);
    }
  }

  private rank(state: Pick<RequestState, 'keys' | 'refusedEndpoints'>, fixedModel: string | undefined, quality: RouterConfig['routing']['quality']): RoutingDecision {
    const now = Date.now();
    const inputs: CandidateInput[] = this.cfg.models.map((model) => {
      const metrics = this.metrics.get(model.id);
      let unavailable: string | undefined;
      // Keys are only read for configured endpoints: with a key, the endpoint exists.
      if (!state.keys.has(model.endpoint)) {
        unavailable = this.endpointOf(model)
          ? `no key for endpoint "${model.endpoint}" (set ${this.describeKeySource(model.endpoint)})`
          : `endpoint "${model.endpoint}" is not configured`;
      } else if (state.refusedEndpoints.has(model.endpoint)) unavailable = `the key of endpoint "${model.endpoint}" was refused`;
      else unavailable = this.breakers.unavailableReason(model.id, now) ?? this.rateLimitReason(model.id, now);
      return { model, errorRate: metrics?.errorRate ?? 0, avgLatencyMs: metrics?.latency.mean(), unavailable };
    });
    const decision = rankCandidates(inputs, { weights: this.cfg.routing.weights, quality, fixedModel });
    const admission = this.budget?.admit();
    return admission?.mode === 'cheapest' ? cheapestOnly(decision, this.cfg.models, admission.reason) : decision;
  }

  private rateLimitReason(model: string, now: number): string | undefined {
    const until = this.notBefore.get(model);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.notBefore.delete(model);
      return undefined;
    }
    return `rate limited: retry after ${Math.ceil((until - now) / 1000)} s`;
  }

  /** When only Retry-After holds every model back: how long until the first is free (capped), else undefined. */
  private waitForRateLimits(state: RequestState): number | undefined {
    const now = Date.now();
    // Only models held back by a Retry-After: one held back by something else (the quality floor)
    // would make this a zero wait, again and again. `rank` forgets a Retry-After once it passed.
    const waits = this.cfg.models
      .filter((m) => m.enabled && state.keys.has(m.endpoint) && !state.refusedEndpoints.has(m.endpoint) && !this.breakers.unavailableReason(m.id, now))
      .filter((m) => this.notBefore.has(m.id))
      .map((m) => this.notBefore.get(m.id)! - now);
    if (waits.length === 0) return undefined;
    const wait = Math.max(0, Math.min(...waits));
    return wait <= this.cfg.retry.maxDelayMs ? wait : undefined;
  }

  /**
   * One pass over the ranked candidates. Attempts start one after another on failure (no waiting);
   * when the newest attempt's first token is later than its model's `maxLatencyMs`, the next
   * candidate starts beside it (hedging) or replaces it (hedging off). The first token wins.
   * `describe` logs the decision once the race has its first event (a token, which has then already
   * gone out, a failure, or the first model's `maxLatencyMs`), before any failover or hedge it leads
   * to is logged. Formatting and logging it earlier cost the first token ~6 µs.
   */
  private async runPass(state: RequestState, decision: RoutingDecision, describe?: () => void): Promise<PassResult> {
    const queue = [...decision.candidates];
    const running: Attempt[] = [];
    const deadlinePassed = new Set<Attempt>();
    const outcomes = new Map<Attempt, Promise<AttemptOutcome>>();
    const sink = (token: TokenEvent) => state.emit(token.kind === 'content' ? { type: 'delta', text: token.text } : { type: 'reasoning', text: token.text });
    // The first attempt to produce a token wins, and is the one the race below settles on; it
    // starts streaming to the user from inside that first token's callback.
    let claimed: Attempt | undefined;
    const claim = (attempt: Attempt) => {
      if (claimed) return;
      claimed = attempt;
      attempt.attach(sink);
    };

    /** Starts the next usable candidate; `announce` runs before its `attempt` event, so events read in order. */
    const startNext = (announce?: (modelId: string) => void): Attempt | undefined => {
      while (queue.length) {
        const candidate = queue.shift()!;
        const model = this.cfg.models.find((m) => m.id === candidate.model);
        const endpoint = model && this.endpointOf(model);
        const key = model && state.keys.get(model.endpoint);
        if (!model || !endpoint || !key || state.refusedEndpoints.has(model.endpoint)) continue;
        // The breaker may have changed since ranking (another request's probe, a failure just now).
        if (this.breakers.unavailableReason(model.id)) continue;
        const attempt = this.startAttempt(state, model, endpoint, key);
        attempt.onFirstToken = claim;
        running.push(attempt);
        outcomes.set(attempt, this.breakers.execute(model.id, () => attempt.run()));
        // The outcome is consumed below or by `settle`; never leave a rejection unhandled.
        outcomes.get(attempt)!.catch(() => undefined);
        // The request is on the wire: announce it while the provider thinks, not before.
        announce?.(model.id);
        state.emit({ type: 'attempt', model: model.id, endpoint: endpoint.id, attempt: attempt.number });
        return attempt;
      }
      return undefined;
    };

    const stopOthers = (keep: Attempt | undefined, reason: (a: Attempt) => RouterError) => {
      for (const other of running) if (other !== keep) other.abort(reason(other));
    };

    if (!startNext()) {
      describe?.();
      return { kind: 'exhausted' };
    }

    while (running.length) {
      const newest = running[running.length - 1]!;
      let timer: NodeJS.Timeout | undefined;
      const steps = running.map((attempt) => new Promise<RaceEvent>((resolve) => {
        attempt.firstToken.then(() => resolve({ kind: 'token', attempt }), () => undefined);
        // Also covers a breaker that refused to run the attempt at all (firstToken never settles then).
        outcomes.get(attempt)!.catch((error: unknown) => resolve({ kind: 'failed', attempt, error: asRouterError(error, attempt) }));
      }));
      if (!deadlinePassed.has(newest)) {
        const remaining = newest.startedAt + newest.spec.model.maxLatencyMs - Date.now();
        steps.push(new Promise((resolve) => {
          timer = setTimeout(() => resolve({ kind: 'deadline', attempt: newest }), Math.max(0, remaining));
        }));
      }
      const event = await Promise.race(steps);
      clearTimeout(timer);
      describe?.();
      describe = undefined;

      if (event.kind === 'token') {
        const winner = claimed ?? event.attempt;
        for (const loser of running.filter((a) => a !== winner)) {
          // A loser past its first-token deadline counts as a timeout would. A backup that was
          // simply beaten before its own deadline did nothing wrong: cancelled, not blamed.
          loser.abort(deadlinePassed.has(loser)
            ? new RouterError('TIMEOUT', `${loser.modelId} lost the hedge race: no first token within ${loser.spec.model.maxLatencyMs} ms.`, { modelId: loser.modelId })
            : cancelled());
          outcomes.get(loser)!.catch((error: unknown) => this.recordFailure(loser, asRouterError(error, loser)));
        }
        running.splice(0, running.length, winner);
        if (winner !== claimed) winner.attach(sink);
        try {
          const outcome = await outcomes.get(winner)!;
          this.recordSuccess(winner, outcome);
          return { kind: 'answered', winner: { attempt: winner, outcome } };
        } catch (error) {
          const failure = asRouterError(error, winner);
          this.recordFailure(winner, failure);
          return { kind: 'final', error: failure, partialText: winner.delivered || undefined };
        }
      }

      if (event.kind === 'deadline') {
        deadlinePassed.add(event.attempt);
        if (this.cfg.routing.hedging) {
          const primary = event.attempt.modelId;
          startNext((backup) => {
            state.hedged = true;
            this.metricsOf(primary).hedges++;
            this.log('info', `Hedging: ${primary} has no first token after ${event.attempt.spec.model.maxLatencyMs} ms; starting ${backup} beside it.`);
            state.emit({ type: 'hedge', primary, backup });
          });
        } else {
          event.attempt.abort(new RouterError('TIMEOUT', `${event.attempt.modelId} sent no first token within its ${event.attempt.spec.model.maxLatencyMs} ms limit.`, {
            modelId: event.attempt.modelId, endpointId: event.attempt.spec.endpoint.id,
          }));
        }
        continue;
      }

      // An attempt failed before its first token.
      const { attempt, error } = event;
      running.splice(running.indexOf(attempt), 1);
      if (state.signal.aborted) {
        stopOthers(undefined, () => cancelled());
        await Promise.allSettled(outcomes.values());
        return { kind: 'final', error: isRouterError(state.signal.reason) ? state.signal.reason : error };
      }
      // CANCELLED here means we stopped it ourselves (its endpoint's key was refused): not its fault.
      if (error.code !== 'CANCELLED') {
        this.recordFailure(attempt, error);
        state.lastErrors.set(attempt.modelId, error);
        if (!shouldFailOver(error.code)) {
          stopOthers(undefined, () => cancelled());
          return { kind: 'final', error };
        }
        if (error.code === 'AUTH_FAILED') {
          const endpointId = attempt.spec.endpoint.id;
          state.refusedEndpoints.add(endpointId);
          this.log('warn', `The key of endpoint "${endpointId}" was refused (HTTP ${error.status}); skipping its other models for this request.`);
          for (const other of running) if (other.spec.endpoint.id === endpointId) other.abort(cancelled());
        }
        if (error.retryAfterMs !== undefined) this.notBefore.set(attempt.modelId, Date.now() + error.retryAfterMs);
      }
      // Keep a hedge partner running; start the next model only when nothing else is in flight,
      // or when everything in flight is already past its first-token deadline.
      const allLate = running.every((a) => deadlinePassed.has(a));
      if (running.length === 0 || (this.cfg.routing.hedging && allLate)) {
        startNext((to) => {
          if (error.code === 'CANCELLED') return;
          this.metricsOf(attempt.modelId).failovers++;
          state.failovers.push({ from: attempt.modelId, to, reason: error.code });
          this.log('warn', `Failover: ${attempt.modelId} → ${to} (${error.code}).`);
          state.emit({ type: 'failover', from: attempt.modelId, to, reason: error.code });
        });
      }
    }
    return { kind: 'exhausted' };
  }

  private startAttempt(state: RequestState, model: ModelConfig, endpoint: EndpointConfig, apiKey: string): Attempt {
    state.attempts++;
    return new Attempt({
      dispatcher: this.pool.dispatcher,
      endpoint,
      model,
      apiKey,
      messages: state.request.messages,
      maxTokens: state.request.maxTokens,
      temperature: state.request.temperature,
      headersTimeoutMs: this.cfg.timeouts.connectMs,
      firstTokenMs: Math.max(this.cfg.timeouts.firstTokenMs, model.maxLatencyMs),
      idleMs: this.cfg.timeouts.idleMs,
      parent: state.signal,
    }, state.attempts);
  }

  private finish(state: RequestState, winner: Winner, decision: RoutingDecision, started: number): ChatResult {
    const { attempt, outcome } = winner;
    const model = attempt.spec.model;
    const usage = usageOf(state.request, outcome);
    const { costUsd, officialCostUsd } = costOf(model, usage);
    const ttftMs = attempt.startedAt - started + outcome.ttftMs;
    const latencyMs = Date.now() - started;
    const result: ChatResult = {
      text: outcome.text,
      reasoning: outcome.reasoning,
      model: model.id,
      endpoint: attempt.spec.endpoint.id,
      usage,
      costUsd,
      officialCostUsd,
      latencyMs,
      ttftMs,
      decision,
      failovers: state.failovers,
      hedged: state.hedged,
    };
    this.budget?.record({ model: model.id, usage, costUsd, officialCostUsd });
    this.log('info', `Answered by ${model.id} in ${latencyMs} ms (first token ${ttftMs} ms, ${usage.completionTokens} tokens, $${costUsd.toFixed(6)}).`);
    state.emit({ type: 'done', model: model.id, endpoint: result.endpoint, usage, costUsd, officialCostUsd, latencyMs, ttftMs });
    return result;
  }

  private noCandidateError(state: RequestState, decision: RoutingDecision): RouterError {
    const refused = [...state.refusedEndpoints];
    const usable = this.cfg.endpoints.filter((e) => state.keys.has(e.id));
    if (refused.length > 0 && refused.length >= usable.length) return this.authError(state, refused);
    if (state.keys.size === 0) {
      const where = this.cfg.endpoints.map((e) => this.describeKeySource(e.id)).join(' or ');
      return new RouterError('AUTH_FAILED', `No API key is set. Set ${where}.`);
    }
    const skipped = decision.skipped.map((s) => `${s.model}: ${s.reason}`).join('; ');
    // Models disabled in settings were never in the running; the others decide the code.
    const now = Date.now();
    const held = decision.skipped.filter((s) => this.cfg.models.find((m) => m.id === s.model)?.enabled);
    if (held.length > 0 && held.every((s) => (this.notBefore.get(s.model) ?? 0) > now)) {
      return new RouterError('RATE_LIMITED', `Every model is rate limited (${skipped}). Try again shortly.`);
    }
    if (state.lastErrors.size > 0) {
      // Models failed during this request and their breakers opened: say what they answered.
      const failed = [...state.lastErrors].map(([model, e]) => `${model}: ${e.code}`).join(', ');
      return new RouterError('ALL_MODELS_UNAVAILABLE', `Every model failed (${failed}) and none is left to try: their circuit breakers opened. They are tried again after the cool-down; check the log or the provider's status page.`);
    }
    return new RouterError('ALL_MODELS_UNAVAILABLE', `No model can take this request right now (${skipped || 'no models enabled'}). Enable a model, add a key, or wait for a breaker's probe.`);
  }

  private authError(state: RequestState, endpoints: string[]): RouterError {
    const which = endpoints.map((id) => `"${id}" (key from ${this.describeKeySource(id)})`).join(', ');
    const first = [...state.lastErrors.values()].find((e) => e.code === 'AUTH_FAILED');
    return new RouterError('AUTH_FAILED', `The API key of endpoint ${which} was refused. Replace the key and try again.`, {
      status: first?.status, endpointId: endpoints[0],
    });
  }

  private exhaustedError(state: RequestState): RouterError {
    const errors = [...state.lastErrors.values()];
    const summary = [...state.lastErrors].map(([model, e]) => `${model}: ${e.code}`).join(', ');
    const codes = new Set(errors.map((e) => e.code));
    if (codes.size === 1 && codes.has('AUTH_FAILED')) return this.authError(state, [...state.refusedEndpoints]);
    if (codes.size === 1 && codes.has('RATE_LIMITED')) {
      return new RouterError('RATE_LIMITED', `Every model is rate limited (${summary}) after ${this.cfg.retry.maxAttempts} passes. Try again shortly.`);
    }
    if (errors.length === 0) {
      return new RouterError('ALL_MODELS_UNAVAILABLE', 'No model could take this request: every breaker is open or every model is disabled. Wait for a probe or reset the breakers.');
    }
    return new RouterError('MAX_RETRIES', `Every model failed after ${this.cfg.retry.maxAttempts} passes (${summary}). Check the log, or try again shortly.`);
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics and health

  private metricsOf(model: string): ModelMetrics {
    let m = this.metrics.get(model);
    if (!m) {
      m = new ModelMetrics(this.cfg.health.errorWindow);
      this.metrics.set(model, m);
    }
    return m;
  }

  private recordSuccess(attempt: Attempt, outcome: AttemptOutcome): void {
    const usage = usageOf({ messages: attempt.spec.messages }, outcome);
    const { costUsd, officialCostUsd } = costOf(attempt.spec.model, usage);
    this.metricsOf(attempt.modelId).recordSuccess({
      latencyMs: outcome.latencyMs,
      ttftMs: outcome.ttftMs,
      tokensIn: usage.promptTokens,
      tokensOut: usage.completionTokens,
      costUsd,
      officialCostUsd,
    });
    this.changed(attempt.modelId);
  }

  private recordFailure(attempt: Attempt, error: RouterError): void {
    if (!countsAgainstModel(error.code)) return;
    this.metricsOf(attempt.modelId).recordFailure(error.code);
    this.log('debug', `${attempt.modelId} failed: ${error.code}: ${error.message}`);
    this.changed(attempt.modelId);
  }

  private changed(model: string): void {
    const snapshot = this.snapshotOf(model);
    if (snapshot) this.modelChanged.fire(snapshot);
  }

  snapshot(): ModelSnapshot[] {
    return this.cfg.models.map((m) => this.snapshotOf(m.id)!);
  }

  snapshotOf(modelId: string): ModelSnapshot | undefined {
    const model = this.cfg.models.find((m) => m.id === modelId);
    if (!model) return undefined;
    const m = this.metricsOf(modelId);
    const breaker = this.breakers.state(modelId);
    const base = {
      model: model.id,
      endpoint: model.endpoint,
      enabled: model.enabled,
      breaker,
      breakerProbeAt: this.breakers.probeAt(modelId),
      requests: m.requests,
      failures: m.failures,
      errorRate: m.errorRate,
      avgLatencyMs: m.latency.mean(),
      latencyP50Ms: m.latency.percentile(50),
      latencyP95Ms: m.latency.percentile(95),
      ttftP50Ms: m.ttft.percentile(50),
      ttftP95Ms: m.ttft.percentile(95),
      tokensIn: m.tokensIn,
      tokensOut: m.tokensOut,
      costUsd: m.costUsd,
      officialCostUsd: m.officialCostUsd,
      failovers: m.failovers,
      hedges: m.hedges,
      lastSuccess: m.lastSuccess,
      lastFailure: m.lastFailure,
      lastError: m.lastError,
      lastProbe: m.lastProbe,
    };
    return { ...base, health: classifyHealth(base, this.cfg.health) };
  }

  /** Each breaker's last opening or closing, for routers in other windows (see `adoptBreakers`). */
  sharedBreakers(): Record<string, SharedBreaker> {
    return this.breakers.shared();
  }

  /** Takes on, model by model, the newest breaker change among other windows' `sharedBreakers()`. */
  adoptBreakers(peers: readonly Record<string, SharedBreaker>[]): void {
    const newest = new Map<string, SharedBreaker>();
    for (const peer of peers) {
      for (const [model, change] of Object.entries(peer)) {
        if (change.at > (newest.get(model)?.at ?? -Infinity)) newest.set(model, change);
      }
    }
    for (const [model, change] of newest) {
      if (this.cfg.models.some((m) => m.id === model)) this.breakers.adopt(model, change);
    }
  }

  resetBreakers(model?: string): void {
    this.breakers.reset(model);
    if (model) this.notBefore.delete(model);
    else this.notBefore.clear();
  }

  resetMetrics(): void {
    this.metrics.clear();
    for (const model of this.cfg.models) this.changed(model.id);
  }

  /**
   * Probes endpoints with `GET /models` (no tokens billed). The outcome is kept beside each model's
   * metrics, not mixed into them: a listing proves the endpoint and key work, not that completions do.
   */
  async probe(endpointId?: string, signal?: AbortSignal): Promise<ProbeResult[]> {
    const keys = new Map<string, string>();
    await this.loadKeys(keys);
    const endpoints = this.cfg.endpoints.filter((e) => !endpointId || e.id === endpointId);
    return Promise.all(endpoints.map(async (endpoint): Promise<ProbeResult> => {
      const key = keys.get(endpoint.id);
      const started = Date.now();
      const models = this.cfg.models.filter((m) => m.endpoint === endpoint.id);
      if (!key) {
        return { endpoint: endpoint.id, ok: false, latencyMs: 0, models: [], code: 'AUTH_FAILED', message: `No key for endpoint "${endpoint.id}": set ${this.describeKeySource(endpoint.id)}.` };
      }
      const timeout = AbortSignal.timeout(this.cfg.timeouts.connectMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let result: ProbeResult;
      try {
        const listing = await listModels(this.pool.dispatcher, endpoint, key, combined);
        result = { endpoint: endpoint.id, ok: true, status: listing.status, latencyMs: Date.now() - started, models: listing.models };
      } catch (raw) {
        const error = isRouterError(raw) ? raw : new RouterError('NETWORK', String(raw));
        const code: ErrorCode = timeout.aborted && !signal?.aborted ? 'TIMEOUT' : error.code;
        const message = code === 'TIMEOUT' && error.code !== 'TIMEOUT' ? `Endpoint "${endpoint.id}" did not answer GET /models within ${this.cfg.timeouts.connectMs} ms.` : error.message;
        this.log('warn', `Probe of endpoint "${endpoint.id}" failed: ${code}: ${message}`);
        result = { endpoint: endpoint.id, ok: false, status: error.status, latencyMs: Date.now() - started, models: [], code, message };
      }
      for (const model of models) {
        // An endpoint that lists nothing (some gateways) is taken at its word for every model.
        const listed = !result.ok || result.models.length === 0 || result.models.includes(model.id);
        this.metricsOf(model.id).lastProbe = {
          ok: result.ok && listed, at: Date.now(), latencyMs: result.latencyMs, listed,
          ...(result.ok ? (listed ? {} : { code: 'HTTP_404' as const }) : { code: result.code }),
        };
        this.changed(model.id);
      }
      return result;
    }));
  }

  /**
   * A one-token completion (`max_tokens: 1`) to one model: proves completions work, for a token or
   * two. Kept beside the model's metrics like `probe()`; an aborted probe records nothing.
   */
  async probeCompletion(modelId: string, signal?: AbortSignal): Promise<ProbeResult> {
    const model = this.cfg.models.find((m) => m.id === modelId);
    const endpoint = model && this.endpointOf(model);
    if (!model || !endpoint) return { endpoint: model?.endpoint ?? '', ok: false, latencyMs: 0, models: [], code: 'CONFIG_INVALID', message: `Model "${modelId}" or its endpoint is not configured.` };
    const key = await this.keys(endpoint.id);
    if (!key) return { endpoint: endpoint.id, ok: false, latencyMs: 0, models: [], code: 'AUTH_FAILED', message: `No key for endpoint "${endpoint.id}": set ${this.describeKeySource(endpoint.id)}.` };
    const outcome = await oneTokenProbe({ dispatcher: this.pool.dispatcher, endpoint, model: model.id, apiKey: key, timeoutMs: this.cfg.timeouts.connectMs, signal });
    const error = outcome.error;
    if (!signal?.aborted) {
      if (error) this.log('warn', `Completion probe of ${model.id} failed: ${error.code}: ${error.message}`);
      this.metricsOf(model.id).lastProbe = { ok: outcome.ok, at: Date.now(), latencyMs: outcome.latencyMs, ...(error ? { code: error.code } : {}) };
      this.changed(model.id);
    }
    return { endpoint: endpoint.id, ok: outcome.ok, status: outcome.status, latencyMs: outcome.latencyMs, models: outcome.ok ? [model.id] : [], ...(error ? { code: error.code, message: error.message } : {}) };
  }

  toJSON(): { breakers: BreakerSnapshot } {
    return { breakers: this.breakers.toJSON() };
  }

  private endpointOf(model: ModelConfig): EndpointConfig | undefined {
    return this.cfg.endpoints.find((e) => e.id === model.endpoint);
  }

  private log(level: LogEntry['level'], message: string): void {
    this.logged.fire({ level, message });
  }

  dispose(): void {
    this.breakers.dispose();
    this.modelChanged.dispose();
    this.logged.dispose();
    this.pool.close();
  }

  /** Closes the connection pool and waits for it: for the CLI and tests, which must exit cleanly. */
  async close(): Promise<void> {
    this.dispose();
    await this.pool.destroy();
  }
}

function asRouterError(error: unknown, attempt: Attempt): RouterError {
  if (isRouterError(error)) return error;
  // cockatiel refuses with BrokenCircuitError when a breaker opened between ranking and starting.
  return new RouterError('ALL_MODELS_UNAVAILABLE', `${attempt.modelId} is unavailable: ${error instanceof Error ? error.message : String(error)}`, { modelId: attempt.modelId, cause: error });
}

function withPartial(error: RouterError, partialText: string | undefined): RouterError {
  if (partialText) error.partialText = partialText;
  return error;
}

/** The provider's usage, or an estimate from the text when it sent none. */
function usageOf(request: Pick<ChatRequest, 'messages'>, outcome: AttemptOutcome): Usage {
  if (outcome.usage) return { ...outcome.usage, estimated: false };
  const prompt = request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);
  return { promptTokens: prompt, completionTokens: estimateTokens(outcome.text + outcome.reasoning), estimated: true };
}

function describeDecision(decision: RoutingDecision): string {
  const ranked = decision.candidates.map((c) => `${c.model} ${c.score.toFixed(3)}`).join(', ') || 'none';
  const skipped = decision.skipped.map((s) => `${s.model} (${s.reason})`).join(', ');
  return `${decision.mode}: ${ranked}${skipped ? `; skipped ${skipped}` : ''}`;
}
