/**
 * The one-token completion probe: `max_tokens: 1` to one model. Unlike `GET /models` it proves
 * that completions work, at the price of a few prompt tokens and one completion token, so the
 * monitor uses it only when `monitor.probe` is `completion`.
 */
import type { Dispatcher } from 'undici';
import { RouterError, isRouterError } from './errors';
import type { EndpointConfig } from './registry';
import { ChatStreamDecoder } from './sse';
import { openChatStream } from './transport';

export interface CompletionProbeSpec {
  dispatcher: Dispatcher;
  endpoint: EndpointConfig;
  model: string;
  apiKey: string;
  /** The whole probe, headers and body. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface CompletionProbeOutcome {
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: RouterError;
}

/** Never throws: a failure is an outcome with the typed error (keys already redacted by transport). */
export async function oneTokenProbe(spec: CompletionProbeSpec): Promise<CompletionProbeOutcome> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
  let body: Awaited<ReturnType<typeof openChatStream>> | undefined;
  try {
    body = await openChatStream({
      dispatcher: spec.dispatcher,
      endpoint: spec.endpoint,
      apiKey: spec.apiKey,
      model: spec.model,
      // The shortest prompt that is still a valid request.
      messages: [{ role: 'user', content: 'ping' }],
      maxTokens: 1,
      signal,
      headersTimeoutMs: spec.timeoutMs,
    });
    let streamError: RouterError | undefined;
    const decoder = new ChatStreamDecoder((event) => {
      if (event.kind === 'error') streamError ??= new RouterError('STREAM_ERROR', `${spec.model} reported an error inside the probe's stream: ${event.message}`, { modelId: spec.model, endpointId: spec.endpoint.id });
    });
    for await (const chunk of body) decoder.push(chunk);
    decoder.end();
    if (streamError) throw streamError;
    return { ok: true, status: 200, latencyMs: Date.now() - started };
  } catch (raw) {
    body?.destroy();
    let error = isRouterError(raw) ? raw : new RouterError('NETWORK', `${spec.model} on endpoint "${spec.endpoint.id}": the probe failed (${(raw as { code?: string } | undefined)?.code ?? 'network error'}).`, { modelId: spec.model, endpointId: spec.endpoint.id });
    if (timeout.aborted && !spec.signal?.aborted) {
      error = new RouterError('TIMEOUT', `${spec.model} on endpoint "${spec.endpoint.id}" did not finish a one-token probe within ${spec.timeoutMs} ms.`, { modelId: spec.model, endpointId: spec.endpoint.id });
    }
    return { ok: false, status: error.status, latencyMs: Date.now() - started, error };
  }
}
