/**
 * Decodes an OpenAI-compatible chat completion stream. Bytes go through a streaming UTF-8 decoder
 * (a character split across network chunks is held until it completes), then through
 * eventsource-parser, which follows the SSE spec: CRLF/CR/LF line ends, comments, multi-line
 * `data:`, `event:`/`id:`/`retry:` fields. Each event's JSON becomes typed chat events.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { RouterError } from './errors';

export type ChatStreamEvent =
  | { kind: 'content'; text: string }
  | { kind: 'reasoning'; text: string }
  | { kind: 'usage'; promptTokens: number; completionTokens: number }
  | { kind: 'finish'; reason: string }
  | { kind: 'error'; message: string; code?: string }
  | { kind: 'done' };

export interface ChatStreamDecoderOptions {
  /** One event larger than this is refused: a broken or hostile server must not grow our memory. */
  maxEventBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 1 << 20;

interface ChunkJson {
  choices?: { delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown }; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: { message?: unknown; code?: unknown; type?: unknown } | string;
}

export class ChatStreamDecoder {
  private readonly text = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private readonly maxEventBytes: number;
  private failure: RouterError | undefined;

  constructor(private readonly onEvent: (event: ChatStreamEvent) => void, options: ChatStreamDecoderOptions = {}) {
    const maxBufferSize = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.maxEventBytes = maxBufferSize;
    this.parser = createParser({
      onEvent: (message) => this.handle(message),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') {
          this.failure ??= this.oversize();
        }
        // Unknown fields and bad `retry:` values are ignored, as the SSE spec says.
      },
      maxBufferSize,
    });
  }

  push(chunk: Uint8Array): void {
    this.parser.feed(this.text.decode(chunk, { stream: true }));
    this.throwIfFailed();
  }

  /** The stream ended: flush what is buffered. A missing `[DONE]` is for the caller to judge. */
  end(): void {
    const rest = this.text.decode();
    if (rest) this.parser.feed(rest);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private oversize(): RouterError {
    return new RouterError('STREAM_ERROR', `The provider sent a stream event larger than ${this.maxEventBytes} bytes; the stream was dropped.`);
  }

  private handle(message: EventSourceMessage): void {
    if (this.failure) return;
    const data = message.data;
    // The parser bounds what it buffers between chunks; a whole event arriving at once is checked here.
    if (data.length > this.maxEventBytes) {
      this.failure = this.oversize();
      return;
    }
    if (data.trim() === '[DONE]') {
      this.onEvent({ kind: 'done' });
      return;
    }
    if (data.trim() === '') return;
    let json: ChunkJson;
    try {
      json = JSON.parse(data) as ChunkJson;
    } catch {
      this.failure = new RouterError('STREAM_ERROR', `The provider sent a malformed stream chunk (${JSON.stringify(data.slice(0, 60))}).`);
      return;
    }
    if (json.error !== undefined) {
      const error = typeof json.error === 'string' ? { message: json.error } : json.error;
      const code = error.code ?? error.type;
      this.onEvent({
        kind: 'error',
        message: typeof error.message === 'string' ? error.message : 'The provider reported an error inside the stream.',
        ...(code === undefined || code === null ? {} : { code: String(code) }),
      });
      return;
    }
    for (const choice of json.choices ?? []) {
      const delta = choice.delta ?? {};
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) this.onEvent({ kind: 'reasoning', text: reasoning });
      if (typeof delta.content === 'string' && delta.content) this.onEvent({ kind: 'content', text: delta.content });
      if (typeof choice.finish_reason === 'string') this.onEvent({ kind: 'finish', reason: choice.finish_reason });
    }
    if (json.usage && typeof json.usage === 'object') {
      this.onEvent({
        kind: 'usage',
        promptTokens: Number(json.usage.prompt_tokens) || 0,
        completionTokens: Number(json.usage.completion_tokens) || 0,
      });
    }
  }
}
