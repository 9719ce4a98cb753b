/** The shapes of a chat request and its answer, shared by the router and every front end. */
import type { ErrorCode } from './errors';
import type { Usage } from './registry';
import type { FailoverStep, RouteEvent, RoutingDecision } from './routeEvents';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
}

export interface RouteOptions {
  /** Aborting ends the request as CANCELLED and closes its sockets at once. */
  signal?: AbortSignal;
  /** `auto` or a model id; overrides `routing.model` for this request. */
  model?: string;
  /** Overrides `routing.quality` for this request. */
  quality?: 'any' | 'standard' | 'high';
  /** Progress as it happens: attempts, failovers, hedges, deltas, then exactly one done or error. */
  onEvent?: (event: RouteEvent) => void;
}

export interface ChatResult {
  text: string;
  reasoning: string;
  model: string;
  endpoint: string;
  usage: Usage;
  costUsd: number;
  officialCostUsd: number;
  /** From the call to the last byte, failovers included. */
  latencyMs: number;
  /** From the call to the first token, failovers included. */
  ttftMs: number;
  decision: RoutingDecision;
  failovers: FailoverStep[];
  hedged: boolean;
}

/** Looks up an endpoint's API key; undefined means "no key": that endpoint is skipped. */
export type KeyLookup = (endpointId: string) => string | undefined | Promise<string | undefined>;

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** The result of a cheap `GET {baseUrl}/models` check: no tokens billed. */
export interface ProbeResult {
  endpoint: string;
  ok: boolean;
  status?: number;
  latencyMs: number;
  /** Model ids the endpoint listed. */
  models: string[];
  code?: ErrorCode;
  message?: string;
}
