/**
 * Shared set-up of the router tests: a fake fleet, routers configured against it with short
 * timeouts, and helpers that route one request and keep everything it reported.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { ChatResult, KeyLookup, LogEntry, RouteOptions } from '../../src/core/chat';
import { resolveConfig, type RouterConfig } from '../../src/core/config';
import { isRouterError, type RouterError } from '../../src/core/errors';
import type { RouteEvent } from '../../src/core/routeEvents';
import { Router, type RouterOptions } from '../../src/core/router';
import { FakeFleet } from '../fixtures/fleet';

/** The relay's models from cheapest to dearest: the order Auto tries them with no history. */
export const BY_PRICE = ['deepseek-v3.2', 'gemini-2.5-flash', 'gpt-4.1', 'claude-sonnet-4.5'] as const;

/** Every code a routed request may end with (DESIGN.md's list; HTTP_<status> matched apart). */
export const KNOWN_CODES: ReadonlySet<string> = new Set([
  'ALL_MODELS_UNAVAILABLE', 'RATE_LIMITED', 'AUTH_FAILED', 'BAD_REQUEST', 'TIMEOUT', 'NETWORK', 'STREAM_ERROR',
  'CANCELLED', 'MAX_RETRIES', 'BUDGET_EXCEEDED', 'CONFIG_INVALID',
]);

export function isKnownCode(code: string): boolean {
  return KNOWN_CODES.has(code) || /^HTTP_\d{3}$/.test(code);
}

type Json = Record<string, unknown>;

/**
 * Test settings over the defaults: fast backoff and timeouts short enough that a broken test fails
 * in seconds, long enough that a loaded 2-core machine never trips them by accident.
 */
const TEST_DEFAULTS: Json = {
  retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5000 },
  timeouts: { connectMs: 5000, firstTokenMs: 8000, idleMs: 5000, requestMs: 20_000 },
};

/** `input` (settings-shaped) over the test defaults, with the `holysheep` endpoint on `fleet`. */
export function configFor(fleet: FakeFleet, input: Json = {}): RouterConfig {
  const endpoints = [{ id: 'holysheep', baseUrl: fleet.baseUrl }, ...((input.endpoints as Json[] | undefined) ?? [])];
  const merged: Json = { ...TEST_DEFAULTS, ...input, endpoints };
  for (const key of ['retry', 'timeouts'] as const) merged[key] = { ...(TEST_DEFAULTS[key] as Json), ...((input[key] as Json | undefined) ?? {}) };
  return resolveConfig(merged);
}

export const SIDE_ENDPOINT = 'side';

/** A harness for the enclosing `describe`: fleets started before its tests, reset after each, stopped at the end. */
export function useRouterHarness(): RouterHarness {
  const h = new RouterHarness();
  before(() => h.start());
  afterEach(() => h.reset());
  after(() => h.stop());
  return h;
}

export class RouterHarness {
  /** The `holysheep` endpoint. */
  readonly fleet = new FakeFleet();
  /**
   * A second provider, for models that must be watched alone: its open connections are those of
   * the models a test moved there, so "that model's socket closed" is exact. (On one fleet it is
   * not: undici may open a spare keep-alive socket after an abort.) Add `sideEndpoint()` to use it.
   */
  readonly side = new FakeFleet({ apiKey: 'side_fleet_key_0987654321' });
  /** Every log line of every router made here, for "the key never appears" checks. */
  readonly logs: LogEntry[] = [];
  private readonly routers: Router[] = [];

  async start(): Promise<void> {
    await Promise.all([this.fleet.start(), this.side.start()]);
  }

  sideEndpoint(): { id: string; baseUrl: string } {
    return { id: SIDE_ENDPOINT, baseUrl: this.side.baseUrl };
  }

  /** A router on the fleet; closed by `reset()`. */
  router(input: Json = {}, options: { keys?: KeyLookup } & RouterOptions = {}): Router {
    const keys = options.keys ?? ((id: string) => (id === SIDE_ENDPOINT ? this.side.apiKey : this.fleet.apiKey));
    const router = new Router(configFor(this.fleet, input), keys, options);
    router.onDidLog((entry) => this.logs.push(entry));
    this.routers.push(router);
    return router;
  }

  /** Closes the routers of the test, then waits until the fleets have no connection left. */
  async reset(): Promise<void> {
    await Promise.all(this.routers.splice(0).map((r) => r.close()));
    await Promise.all([this.fleet.waitForConnections(0), this.side.waitForConnections(0)]);
    this.fleet.reset();
    this.side.reset();
    this.logs.length = 0;
  }

  async stop(): Promise<void> {
    await this.reset();
    await Promise.all([this.fleet.close(), this.side.close()]);
  }
}

export interface Answered {
  result: ChatResult;
  events: RouteEvent[];
}

export interface Failed {
  error: RouterError;
  events: RouteEvent[];
}

const PROMPT = { messages: [{ role: 'user' as const, content: 'Say hello, please.' }] };

/** Routes one request that must be answered. */
export async function answer(router: Router, options: RouteOptions = {}): Promise<Answered> {
  const events: RouteEvent[] = [];
  const onEvent = (event: RouteEvent) => {
    events.push(event);
    options.onEvent?.(event);
  };
  try {
    const result = await router.chat(PROMPT, { ...options, onEvent });
    return { result, events };
  } catch (error) {
    assert.fail(`expected an answer, got ${isRouterError(error) ? `${error.code}: ${error.message}` : String(error)}; events: ${JSON.stringify(events)}`);
  }
}

/** Routes one request that must fail with a RouterError. */
export async function failure(router: Router, options: RouteOptions = {}): Promise<Failed> {
  const events: RouteEvent[] = [];
  const onEvent = (event: RouteEvent) => {
    events.push(event);
    options.onEvent?.(event);
  };
  let result: ChatResult;
  try {
    result = await router.chat(PROMPT, { ...options, onEvent });
  } catch (error) {
    assert.ok(isRouterError(error), `expected a RouterError, got ${String(error)}`);
    return { error, events };
  }
  assert.fail(`expected a failure, got an answer from ${result.model}: ${JSON.stringify(result.text)}`);
}

/** The types of `events` in order, with the model where an event names one: easy to compare whole. */
export function eventTrail(events: readonly RouteEvent[]): string[] {
  return events.filter((e) => e.type !== 'delta' && e.type !== 'reasoning').map((e) => {
    switch (e.type) {
      case 'attempt': return `attempt ${e.model}`;
      case 'failover': return `failover ${e.from} → ${e.to} ${e.reason}`;
      case 'hedge': return `hedge ${e.primary} + ${e.backup}`;
      case 'done': return `done ${e.model}`;
      case 'error': return `error ${e.code}`;
    }
  });
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts TCP connections and resets them before sending a byte. */
export class ResettingServer {
  connections = 0;
  private readonly server = net.createServer((socket) => {
    this.connections++;
    // Read the request first, so the client is waiting for headers when the reset comes.
    socket.once('data', () => socket.resetAndDestroy());
    socket.on('error', () => undefined);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/v1`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Every string a request showed the outside world: its events, its error, and the log. */
export function everythingSaid(events: readonly RouteEvent[], logs: readonly LogEntry[], error?: RouterError): string {
  return JSON.stringify({ events, logs, error: error && { code: error.code, message: error.message, partial: error.partialText } });
}

/** Resolves once `condition()` holds (polled every few ms), or rejects after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
