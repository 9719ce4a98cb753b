/**
 * HTTP to OpenAI-compatible endpoints over undici: one pooled, keep-alive dispatcher per router
 * (through the user's proxy when set), streaming chat completions and `GET /models` probes.
 * Every error leaves here typed and with keys redacted.
 */
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import type { AbortSwitch } from './abortSwitch';
import { parseRetryAfter } from './backoff';
import type { ChatMessage } from './chat';
import { RouterError, codeForStatus, isRouterError, redact } from './errors';
import type { EndpointConfig } from './registry';

let loadedUndici: typeof Undici | undefined;

/**
 * undici, loaded on first use: evaluating it is most of the extension bundle's start-up cost, and
 * activation should not pay for a window that never sends a request. (esbuild keeps a bundled
 * module's body unevaluated until its first require.)
 */
export function undici(): typeof Undici {
  return (loadedUndici ??= require('undici') as typeof Undici);
}

export interface DispatcherOptions {
  proxy: string;
  connectTimeoutMs: number;
}

function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { Agent, EnvHttpProxyAgent, ProxyAgent } = undici();
  const pool = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connect: { timeout: options.connectTimeoutMs } };
  if (options.proxy) return new ProxyAgent({ uri: options.proxy, ...pool });
  // Honours HTTP(S)_PROXY / NO_PROXY from the environment, like curl and most CLIs.
  if (process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy) {
    return new EnvHttpProxyAgent(pool);
  }
  return new Agent(pool);
}

/**
 * One pooled, keep-alive dispatcher, made when first asked for (so undici loads then) and made
 * again after its options change; requests in flight finish on the old one, which then closes.
 */
export class ConnectionPool {
  private current: Dispatcher | undefined;
  /** Closed dispatchers whose requests in flight have not all finished yet. */
  private readonly closing = new Set<Dispatcher>();

  constructor(private options: DispatcherOptions) {}

  get dispatcher(): Dispatcher {
    return (this.current ??= createDispatcher(this.options));
  }

  reconfigure(options: DispatcherOptions): void {
    if (options.proxy === this.options.proxy && options.connectTimeoutMs === this.options.connectTimeoutMs) return;
    this.options = options;
    this.retire();
  }

  /** Lets requests in flight finish, then closes. */
  close(): void {
    this.retire();
  }

  /** Closes now, requests in flight included. */
  async destroy(): Promise<void> {
    this.retire();
    await Promise.all([...this.closing].map((d) => d.destroy().catch(() => undefined)));
  }

  private retire(): void {
    const old = this.current;
    this.current = undefined;
    if (!old) return;
    this.closing.add(old);
    void old.close().catch(() => undefined).finally(() => this.closing.delete(old));
  }
}

export interface StreamRequest {
  dispatcher: Dispatcher;
  endpoint: EndpointConfig;
  apiKey: string;
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  signal: AbortSignal | AbortSwitch;
  headersTimeoutMs: number;
}

/** The open response body of a streaming completion; iterate it for bytes. */
export type ByteStream = AsyncIterable<Uint8Array> & { destroy(error?: Error): void };

const MAX_ERROR_BODY = 16 * 1024;
const STREAM_OPTIONS = { include_usage: true } as const;

/** Where an endpoint's completions go, split as undici's dispatchers take it. */
interface Target {
  baseUrl: string;
  origin: string;
  path: string;
}

const chatTargets = new WeakMap<EndpointConfig, Target>();

/**
 * The completions URL of `endpoint`, parsed once. undici's top-level `request(url, options)` parses
 * the URL and copies the options into a new object on every call, and reading that copy is slow
 * in undici's hot path; calling the dispatcher with `origin` and `path` took ~20 µs off each time
 * to first token (bench, loopback). A URL undici would refuse fails here the same way.
 */
function chatTarget(endpoint: EndpointConfig): Target {
  const known = chatTargets.get(endpoint);
  if (known?.baseUrl === endpoint.baseUrl) return known;
  const url = new URL(`${endpoint.baseUrl}/chat/completions`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new (undici().errors.InvalidArgumentError)('Invalid URL protocol: the URL must start with `http:` or `https:`.');
  }
  const target = { baseUrl: endpoint.baseUrl, origin: url.origin, path: url.pathname + url.search };
  chatTargets.set(endpoint, target);
  return target;
}

/** Sends the request and returns the body once a 2xx status arrives; throws a typed error otherwise. */
export async function openChatStream(req: StreamRequest): Promise<ByteStream> {
  // Optional fields are set rather than spread in: no throwaway objects on every request.
  const payload: Record<string, unknown> = { model: req.model, messages: req.messages, stream: true, stream_options: STREAM_OPTIONS };
  if (req.maxTokens !== undefined) payload.max_tokens = req.maxTokens;
  if (req.temperature !== undefined) payload.temperature = req.temperature;
  const body = JSON.stringify(payload);
  let response: Dispatcher.ResponseData;
  try {
    const target = chatTarget(req.endpoint);
    response = await req.dispatcher.request({
      origin: target.origin,
      path: target.path,
      method: 'POST',
      signal: req.signal,
      headers: {
        authorization: `Bearer ${req.apiKey}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body,
      headersTimeout: req.headersTimeoutMs,
      // Silence inside the stream is timed by the router, which knows whether content has started.
      bodyTimeout: 0,
    });
  } catch (error) {
    throw transportError(error, req.signal, req, 'connecting');
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return response.body;
  throw await httpError(response, req);
}

async function httpError(response: Dispatcher.ResponseData, req: StreamRequest): Promise<RouterError> {
  const status = response.statusCode;
  const detail = await readErrorBody(response.body);
  const retryHeader = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(retryHeader) ? retryHeader[0] : retryHeader);
  const code = codeForStatus(status);
  const where = `${req.model} on endpoint "${req.endpoint.id}"`;
  const said = detail ? `: ${redact(detail, [req.apiKey])}` : '';
  const advice: Record<string, string> = {
    RATE_LIMITED: 'The router moves on to another model; retry later if every model is rate limited.',
    AUTH_FAILED: `The key stored for endpoint "${req.endpoint.id}" was refused. Set a new key for it.`,
    BAD_REQUEST: 'The request itself was rejected; check the model name, the prompt size and max tokens.',
  };
  const message = `${where} answered HTTP ${status}${said}. ${advice[code] ?? 'The router moves on to another model.'}`;
  return new RouterError(code, message, { status, modelId: req.model, endpointId: req.endpoint.id, retryAfterMs });
}

/** The provider's error message, from an OpenAI-style `{"error":{"message":…}}` body or plain text. */
async function readErrorBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += Buffer.from(chunk).toString('utf8');
      if (text.length > MAX_ERROR_BODY) {
        body.destroy();
        break;
      }
    }
  } catch {
    // A body that breaks while we read the error is still an error of its status.
  }
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof json.error === 'string' ? json.error : json.error?.message ?? json.message;
    if (typeof message === 'string') return message.slice(0, 500);
  } catch {
    // Not JSON: use the text.
  }
  return text.trim().slice(0, 500);
}

/** Maps undici and socket failures to our codes. An abort we caused carries its own reason. */
export function transportError(error: unknown, signal: Pick<AbortSignal, 'aborted' | 'reason'>, req: { endpoint: EndpointConfig; model?: string; apiKey: string }, phase: string): RouterError {
  if (signal.aborted && isRouterError(signal.reason)) return signal.reason;
  if (isRouterError(error)) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const text = redact(error instanceof Error ? error.message : String(error), [req.apiKey]);
  const who = req.model ? `${req.model} on endpoint "${req.endpoint.id}"` : `endpoint "${req.endpoint.id}"`;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return new RouterError('TIMEOUT', `${who} did not answer in time while ${phase}.`, { modelId: req.model, endpointId: req.endpoint.id, cause: error });
  }
  return new RouterError('NETWORK', `${who}: network error while ${phase} (${code ?? text}). Check your connection or proxy settings.`, {
    modelId: req.model, endpointId: req.endpoint.id, cause: error,
  });
}

export interface ModelsListing {
  status: number;
  models: string[];
}

/** `GET {baseUrl}/models`: proves the endpoint is up and the key accepted, without billing tokens. */
export async function listModels(dispatcher: Dispatcher, endpoint: EndpointConfig, apiKey: string, signal: AbortSignal): Promise<ModelsListing> {
  let response: Dispatcher.ResponseData;
  try {
    response = await undici().request(`${endpoint.baseUrl}/models`, {
      method: 'GET',
      dispatcher,
      signal,
      headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
    });
  } catch (error) {
    throw transportError(error, signal, { endpoint, apiKey }, 'listing models');
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const detail = redact(await readErrorBody(response.body), [apiKey]);
    const code = codeForStatus(response.statusCode);
    const hint = code === 'AUTH_FAILED' ? ' The key for this endpoint was refused.' : '';
    throw new RouterError(code, `Endpoint "${endpoint.id}" answered HTTP ${response.statusCode} to GET /models${detail ? `: ${detail}` : ''}.${hint}`, {
      status: response.statusCode, endpointId: endpoint.id,
    });
  }
  try {
    const json = (await response.body.json()) as { data?: { id?: unknown }[] };
    return { status: response.statusCode, models: (json.data ?? []).map((m) => String(m.id)) };
  } catch (error) {
    throw new RouterError('STREAM_ERROR', `Endpoint "${endpoint.id}" sent an unreadable model list.`, { endpointId: endpoint.id, cause: error });
  }
}
