/**
 * Ranking models for a request. Lower scores win:
 *   score = outputPrice·w_cost + errorRate·100·w_err + avgLatencySeconds·w_lat
 * A model with no history scores on price alone, so new or reset models get tried.
 */
import type { RouterConfig, ScoringWeights } from './config';
import type { ModelConfig, QualityTier } from './registry';
import type { CandidateScore, RoutingDecision } from './routeEvents';

export interface CandidateInput {
  model: ModelConfig;
  errorRate: number;
  avgLatencyMs?: number;
  /** Why the model cannot take this request (breaker open, no key, …); undefined when it can. */
  unavailable?: string;
}

export interface RankOptions {
  weights: ScoringWeights;
  quality: RouterConfig['routing']['quality'];
  /** A model to try first whatever its score; the others follow in score order as failover. */
  fixedModel?: string;
}

const TIER_RANK: Record<QualityTier, number> = { standard: 0, high: 1 };

export function scoreOf(input: CandidateInput, weights: ScoringWeights): CandidateScore {
  const costTerm = input.model.outputPricePerMTok * weights.cost;
  const errorTerm = input.errorRate * 100 * weights.errorRate;
  const latencyTerm = ((input.avgLatencyMs ?? 0) / 1000) * weights.latency;
  return {
    model: input.model.id,
    endpoint: input.model.endpoint,
    score: costTerm + errorTerm + latencyTerm,
    costTerm,
    errorTerm,
    latencyTerm,
  };
}

export function rankCandidates(inputs: readonly CandidateInput[], options: RankOptions): RoutingDecision {
  const skipped: RoutingDecision['skipped'] = [];
  const scored: CandidateScore[] = [];
  for (const input of inputs) {
    const { model } = input;
    const isFixed = model.id === options.fixedModel;
    if (!model.enabled) skipped.push({ model: model.id, reason: 'disabled in settings' });
    else if (input.unavailable) skipped.push({ model: model.id, reason: input.unavailable });
    else if (!isFixed && options.quality !== 'any' && TIER_RANK[model.tier] < TIER_RANK[options.quality]) {
      skipped.push({ model: model.id, reason: `below the "${options.quality}" quality floor` });
    } else scored.push(scoreOf(input, options.weights));
  }
  scored.sort((a, b) => a.score - b.score || a.model.localeCompare(b.model));
  const fixedIndex = scored.findIndex((c) => c.model === options.fixedModel);
  if (fixedIndex > 0) scored.unshift(...scored.splice(fixedIndex, 1));
  return { mode: options.fixedModel ? 'fixed' : 'auto', candidates: scored, skipped };
}
