/**
 * One try of one model: open the stream, wait for the first token, stream to the end. The router
 * races attempts against each other (failover, hedging); an attempt only knows its own deadlines:
 * the first token within `firstTokenMs`, and no silence longer than `idleMs` once content started.
 */
import type { Dispatcher } from 'undici';
import { AbortSwitch, type AbortLike } from './abortSwitch';
import type { ChatMessage } from './chat';
import { RouterError, isRouterError } from './errors';
import type { EndpointConfig, ModelConfig } from './registry';
import { ChatStreamDecoder, type ChatStreamEvent } from './sse';
import { openChatStream, transportError } from './transport';

export interface AttemptSpec {
  dispatcher: Dispatcher;
  endpoint: EndpointConfig;
  model: ModelConfig;
  apiKey: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  headersTimeoutMs: number;
  firstTokenMs: number;
  idleMs: number;
  /** The whole request's signal: aborting it aborts this attempt. */
  parent: AbortLike;
}

export type TokenEvent = { kind: 'content' | 'reasoning'; text: string };

export interface AttemptOutcome {
  text: string;
  reasoning: string;
  usage?: { promptTokens: number; completionTokens: number };
  latencyMs: number;
  ttftMs: number;
}

export class Attempt {
  readonly startedAt = Date.now();
  readonly controller = new AbortSwitch();
  /** Settles when the first content or reasoning token arrives, or rejects when the attempt fails before it. */
  readonly firstToken: Promise<void>;
  ttftMs: number | undefined;
  text = '';
  reasoning = '';
  /** The answer text handed to the sink: what the user saw, kept when the request ends early. */
  delivered = '';
  /**
   * Called with the first token, before it is emitted. The router decides the race right there,
   * so the winner's first token reaches the user now rather than a few promise hops later.
   */
  onFirstToken: ((attempt: Attempt) => void) | undefined;
  /** Set once the router has decided this attempt's tokens go to the user. */
  private sink: ((event: TokenEvent) => void) | undefined;
  private pending: TokenEvent[] = [];
  private resolveFirst!: () => void;
  private rejectFirst!: (error: RouterError) => void;
  private readonly onParentAbort = () => this.abort(isRouterError(this.spec.parent.reason) ? this.spec.parent.reason : new RouterError('CANCELLED', 'The request was cancelled.'));

  constructor(readonly spec: AttemptSpec, readonly number: number) {
    this.firstToken = new Promise<void>((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    // Nobody may be listening yet (the router attaches per race step); the failure also reaches run().
    this.firstToken.catch(() => undefined);
    if (spec.parent.aborted) this.onParentAbort();
    else spec.parent.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get modelId(): string {
    return this.spec.model.id;
  }

  /** Stops the attempt now; `reason` is what it ends with. The socket is destroyed by undici. */
  abort(reason: RouterError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** From now on tokens go to `sink`, starting with any that arrived before the attempt won. */
  attach(sink: (event: TokenEvent) => void): void {
    this.sink = sink;
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.deliver(event);
  }

  /** Runs to the end of the stream; rejects with a RouterError (what streamed stays in `text`). */
  async run(): Promise<AttemptOutcome> {
    const { spec } = this;
    const signal = this.controller.signal;
    const firstTokenTimer = setTimeout(
      () => this.abort(new RouterError('TIMEOUT', `${spec.model.id} sent no first token within ${spec.firstTokenMs} ms.`, { modelId: spec.model.id, endpointId: spec.endpoint.id })),
      spec.firstTokenMs,
    );
    let idleTimer: NodeJS.Timeout | undefined;
    let usage: AttemptOutcome['usage'];
    let finished = false;
    const onEvent = (event: ChatStreamEvent) => {
      switch (event.kind) {
        case 'content':
        case 'reasoning':
          if (event.kind === 'content') this.text += event.text;
          else this.reasoning += event.text;
          if (this.ttftMs === undefined) {
            this.ttftMs = Date.now() - this.startedAt;
            this.resolveFirst();
            this.onFirstToken?.(this);
            // The first token goes out before the timers are swapped: that is what the user waits for.
            this.emit(event);
            clearTimeout(firstTokenTimer);
            idleTimer = setTimeout(() => this.abort(this.stalled()), spec.idleMs);
            break;
          }
          this.emit(event);
          break;
        case 'usage':
          usage = { promptTokens: event.promptTokens, completionTokens: event.completionTokens };
          break;
        case 'finish':
        case 'done':
          finished = true;
          break;
        case 'error':
          throw new RouterError('STREAM_ERROR', `${spec.model.id} reported an error inside the stream: ${event.message}`, {
            modelId: spec.model.id, endpointId: spec.endpoint.id,
          });
      }
    };
    let body: Awaited<ReturnType<typeof openChatStream>> | undefined;
    try {
      body = await openChatStream({
        dispatcher: spec.dispatcher,
        endpoint: spec.endpoint,
        apiKey: spec.apiKey,
        model: spec.model.id,
        messages: spec.messages,
        maxTokens: spec.maxTokens,
        temperature: spec.temperature,
        signal,
        headersTimeoutMs: spec.headersTimeoutMs,
      });
      const decoder = new ChatStreamDecoder(onEvent);
      for await (const chunk of body) {
        idleTimer?.refresh();
        decoder.push(chunk);
      }
      decoder.end();
      if (signal.aborted) throw signal.reason;
      if (!finished) {
        throw new RouterError('STREAM_ERROR', `${spec.model.id} closed the stream before finishing the answer.`, { modelId: spec.model.id, endpointId: spec.endpoint.id });
      }
      if (this.ttftMs === undefined) {
        // An empty answer: the stream finished properly without a token. Still an answer.
        this.ttftMs = Date.now() - this.startedAt;
        this.resolveFirst();
      }
      return { text: this.text, reasoning: this.reasoning, usage, latencyMs: Date.now() - this.startedAt, ttftMs: this.ttftMs };
    } catch (raw) {
      body?.destroy();
      const error = this.classify(raw);
      this.rejectFirst(error);
      throw error;
    } finally {
      clearTimeout(firstTokenTimer);
      clearTimeout(idleTimer);
      spec.parent.removeEventListener('abort', this.onParentAbort);
    }
  }

  private emit(event: TokenEvent): void {
    if (this.sink) this.deliver(event);
    else this.pending.push(event);
  }

  private deliver(event: TokenEvent): void {
    // One network chunk can hold many tokens: none may reach the user after a stop.
    if (this.controller.signal.aborted) return;
    if (event.kind === 'content') this.delivered += event.text;
    this.sink!(event);
  }

  private stalled(): RouterError {
    return new RouterError('STREAM_ERROR', `${this.spec.model.id} went silent for ${this.spec.idleMs} ms in the middle of the answer.`, {
      modelId: this.spec.model.id, endpointId: this.spec.endpoint.id,
    });
  }

  /**
   * Once content has streamed, any failure is STREAM_ERROR with the partial text kept: we never
   * splice a second model's answer onto the first one's half.
   */
  private classify(raw: unknown): RouterError {
    const signal = this.controller.signal;
    let error = transportError(raw, signal, { endpoint: this.spec.endpoint, model: this.spec.model.id, apiKey: this.spec.apiKey }, this.ttftMs === undefined ? 'waiting for the answer' : 'streaming the answer');
    if (this.ttftMs !== undefined && error.code !== 'CANCELLED' && error.code !== 'STREAM_ERROR') {
      error = new RouterError('STREAM_ERROR', `The answer from ${this.spec.model.id} broke off: ${error.message}`, {
        modelId: this.spec.model.id, endpointId: this.spec.endpoint.id, cause: error,
      });
    }
    return error;
  }
}
