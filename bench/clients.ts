/**
 * The three ways to stream the same chat completion that the benchmark compares:
 *   (a) raw undici: `request` over a keep-alive Agent and a hand-written SSE loop, the least
 *       work anyone can do to get the tokens;
 *   (b) the official `openai` SDK, as its README shows it (`stream: true`, `for await`);
 *   (c) the engine: `Router.chat`, first token = first `delta` event.
 * Each call is timed the same way, from just before the call to the first content token and to
 * the end of the stream, with `performance.now()`; the client CPU it used is measured too.
 */
import { OpenAI } from 'openai';
import { Agent, request } from 'undici';
import type { ChatMessage } from '../src/core/chat';
import type { Router } from '../src/core/router';

export interface StreamTiming {
  /** From the call to the first non-empty content delta. */
  ttftMs: number;
  /** From the call to the end of the stream. */
  totalMs: number;
  /** Content deltas received. */
  tokens: number;
  /** CPU time (user + system) this process spent on the call. */
  cpuMs: number;
}

export interface StreamClient {
  readonly name: string;
  stream(model: string): Promise<StreamTiming>;
  close(): Promise<void>;
}

export const MESSAGES: ChatMessage[] = [{ role: 'user', content: 'Say hello.' }];

/** (a) The floor: what the engine's transport does, without routing, events or a spec parser. */
export function rawUndiciClient(baseUrl: string, apiKey: string): StreamClient {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
  const url = `${baseUrl}/chat/completions`;
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'text/event-stream' };
  return {
    name: 'undici',
    async stream(model) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const body = JSON.stringify({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      const response = await request(url, { method: 'POST', dispatcher: agent, headers, body });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`raw undici: HTTP ${response.statusCode}`);
      }
      let ttft = Number.NaN;
      let tokens = 0;
      let rest = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        const text = rest + decoder.decode(chunk as Uint8Array, { stream: true });
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          const line = text.slice(start, nl);
          start = nl + 1;
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          const json = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
          if (json.choices?.[0]?.delta?.content) {
            if (tokens === 0) ttft = performance.now() - t0;
            tokens++;
          }
        }
        rest = text.slice(start);
      }
      return { ttftMs: ttft, totalMs: performance.now() - t0, tokens, cpuMs: cpuMsSince(cpu) };
    },
    close: () => agent.close(),
  };
}

/** (b) What most extensions would use instead of a router. */
export function openAiSdkClient(baseUrl: string, apiKey: string): StreamClient {
  // No retries: the engine's own failover is measured separately, and the fleet never fails here.
  const client = new OpenAI({ apiKey, baseURL: baseUrl, maxRetries: 0 });
  return {
    name: 'openai-sdk',
    async stream(model) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const stream = await client.chat.completions.create({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      let ttft = Number.NaN;
      let tokens = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) {
          if (tokens === 0) ttft = performance.now() - t0;
          tokens++;
        }
      }
      return { ttftMs: ttft, totalMs: performance.now() - t0, tokens, cpuMs: cpuMsSince(cpu) };
    },
    close: async () => undefined,
  };
}

/** (c) The engine, as the extension and the CLI drive it. `model` is a fixed choice that still fails over. */
export function engineClient(router: Router): StreamClient {
  return {
    name: 'engine',
    stream: (model) => timeEngine(router, model),
    close: () => router.close(),
  };
}

export async function timeEngine(router: Router, model: string): Promise<StreamTiming> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let ttft = Number.NaN;
  let tokens = 0;
  await router.chat({ messages: MESSAGES }, {
    model,
    onEvent: (event) => {
      if (event.type !== 'delta') return;
      if (tokens === 0) ttft = performance.now() - t0;
      tokens++;
    },
  });
  return { ttftMs: ttft, totalMs: performance.now() - t0, tokens, cpuMs: cpuMsSince(cpu) };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
