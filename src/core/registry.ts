/** Endpoints and models: what can be routed to, and what it costs. */

export interface EndpointConfig {
  /** Stable id; also names the key (`HOLYSHEEP_API_KEY` for `holysheep`, a SecretStorage entry in the editor). */
  id: string;
  /** OpenAI-compatible base URL; requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
}

export type QualityTier = 'high' | 'standard';

export interface ModelConfig {
  /** The model name sent to the provider, and its id in settings, metrics and events. */
  id: string;
  /** The id of the endpoint that serves it. */
  endpoint: string;
  /** Provider family, for display and grouping (openai, anthropic, google, deepseek, …). */
  provider: string;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
  /** The provider's own list price per million output tokens: the baseline of the savings figure. */
  officialOutputPricePerMTok: number;
  /** The provider's own list price per million input tokens; defaults to the relay's input price scaled like output. */
  officialInputPricePerMTok?: number;
  tier: QualityTier;
  /** A first token later than this fails over (or, with hedging, starts the next model beside it). */
  maxLatencyMs: number;
  enabled: boolean;
}

export const DEFAULT_ENDPOINT_ID = 'holysheep';

export const DEFAULT_ENDPOINTS: readonly EndpointConfig[] = [
  { id: DEFAULT_ENDPOINT_ID, baseUrl: 'https://api.holysheep.ai/v1' },
];

/** The relay's four models, with its prices and the official ones (USD per million tokens). */
export const DEFAULT_MODELS: readonly ModelConfig[] = [
  {
    id: 'gpt-4.1', endpoint: DEFAULT_ENDPOINT_ID, provider: 'openai',
    inputPricePerMTok: 2.0, outputPricePerMTok: 8.0, officialOutputPricePerMTok: 60.0, officialInputPricePerMTok: 15.0,
    tier: 'high', maxLatencyMs: 3000, enabled: true,
  },
  {
    id: 'claude-sonnet-4.5', endpoint: DEFAULT_ENDPOINT_ID, provider: 'anthropic',
    inputPricePerMTok: 3.0, outputPricePerMTok: 15.0, officialOutputPricePerMTok: 108.0, officialInputPricePerMTok: 21.6,
    tier: 'high', maxLatencyMs: 4000, enabled: true,
  },
  {
    id: 'gemini-2.5-flash', endpoint: DEFAULT_ENDPOINT_ID, provider: 'google',
    inputPricePerMTok: 0.3, outputPricePerMTok: 2.5, officialOutputPricePerMTok: 17.5, officialInputPricePerMTok: 2.1,
    tier: 'standard', maxLatencyMs: 2000, enabled: true,
  },
  {
    id: 'deepseek-v3.2', endpoint: DEFAULT_ENDPOINT_ID, provider: 'deepseek',
    inputPricePerMTok: 0.28, outputPricePerMTok: 0.42, officialOutputPricePerMTok: 2.9, officialInputPricePerMTok: 1.93,
    tier: 'standard', maxLatencyMs: 3000, enabled: true,
  },
];

/** The environment variable that holds an endpoint's key: `my-proxy` → `MY_PROXY_API_KEY`. */
export function keyVariableFor(endpointId: string): string {
  return `${endpointId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** True when the provider sent no usage and the counts were estimated from the text. */
  estimated: boolean;
}

/** What an answer cost, and what it would have cost at the official price. */
export function costOf(model: ModelConfig, usage: Usage): { costUsd: number; officialCostUsd: number } {
  const officialIn = model.officialInputPricePerMTok
    ?? model.inputPricePerMTok * (model.officialOutputPricePerMTok / (model.outputPricePerMTok || 1));
  return {
    costUsd: (usage.promptTokens * model.inputPricePerMTok + usage.completionTokens * model.outputPricePerMTok) / 1e6,
    officialCostUsd: (usage.promptTokens * officialIn + usage.completionTokens * model.officialOutputPricePerMTok) / 1e6,
  };
}

/** A rough token count for providers that send no usage: about four characters a token. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.round(text.length / 4));
}
