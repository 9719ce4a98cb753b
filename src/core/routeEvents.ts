/**
 * What a routed request reports as it goes. The CLI prints these one per line under `--json`, and
 * the extension relays them to the chat view: one vocabulary for every front end.
 */
import type { ErrorCode } from './errors';
import type { Usage } from './registry';

export interface AttemptEvent { type: 'attempt'; model: string; endpoint: string; attempt: number }
export interface FailoverEvent { type: 'failover'; from: string; to: string; reason: ErrorCode }
export interface HedgeEvent { type: 'hedge'; primary: string; backup: string }
export interface DeltaEvent { type: 'delta'; text: string }
export interface ReasoningEvent { type: 'reasoning'; text: string }
export interface DoneEvent {
  type: 'done';
  model: string;
  endpoint: string;
  usage: Usage;
  costUsd: number;
  /** What the same tokens would have cost at the model's official price. */
  officialCostUsd: number;
  latencyMs: number;
  ttftMs: number;
}
export interface ErrorEvent { type: 'error'; code: ErrorCode; message: string }

export type RouteEvent = AttemptEvent | FailoverEvent | HedgeEvent | DeltaEvent | ReasoningEvent | DoneEvent | ErrorEvent;

/** One scored (or skipped) candidate of a routing decision. */
export interface CandidateScore {
  model: string;
  endpoint: string;
  score: number;
  costTerm: number;
  errorTerm: number;
  latencyTerm: number;
}

/** Why the router picked what it picked: travels with the answer. */
export interface RoutingDecision {
  mode: 'auto' | 'fixed';
  /** Tried in this order. */
  candidates: CandidateScore[];
  skipped: { model: string; reason: string }[];
}

/** One step of the failover path: "gpt-4.1 → deepseek-v3.2 · HTTP 429". */
export interface FailoverStep {
  from: string;
  to: string;
  reason: ErrorCode;
}
