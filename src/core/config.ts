/**
 * Settings-shaped configuration. The same keys serve the extension's `holysheepRouter.*` settings
 * (without the prefix) and the CLI's `--config` file. `resolveConfig` merges user input over the
 * defaults and validates it, naming the bad field in a CONFIG_INVALID error.
 */
import { RouterError } from './errors';
import { DEFAULT_ENDPOINTS, DEFAULT_ENDPOINT_ID, DEFAULT_MODELS, type EndpointConfig, type ModelConfig, type QualityTier } from './registry';

export interface ScoringWeights {
  cost: number;
  errorRate: number;
  latency: number;
}

export interface RouterConfig {
  endpoints: EndpointConfig[];
  models: ModelConfig[];
  routing: {
    /** `auto` scores the candidates; a model id is tried first and still fails over. */
    model: string;
    /** `high` keeps only models of the high tier. */
    quality: 'any' | QualityTier;
    weights: ScoringWeights;
    /** Start the next candidate beside a model whose first token is late, instead of abandoning it. */
    hedging: boolean;
  };
  breaker: {
    /** Consecutive failures that open a model's breaker. */
    failureThreshold: number;
    /** How long an open breaker waits before letting one probe through. */
    cooldownMs: number;
  };
  retry: {
    /** Passes over the candidate list before giving up (MAX_RETRIES). */
    maxAttempts: number;
    /** First backoff between passes; doubles each pass, with jitter, up to maxDelayMs. */
    baseDelayMs: number;
    maxDelayMs: number;
  };
  timeouts: {
    /** Connecting and receiving response headers. */
    connectMs: number;
    /** Hard limit for a first token when hedging keeps a slow model running. */
    firstTokenMs: number;
    /** Silence allowed inside a stream once content has started. */
    idleMs: number;
    /** The whole routed request, failovers included. */
    requestMs: number;
  };
  health: {
    degradedErrorRate: number;
    degradedLatencyMs: number;
    downErrorRate: number;
    /** How many recent requests the windowed error rate looks at. */
    errorWindow: number;
  };
  /** HTTP(S) proxy URL for provider requests; empty for none. */
  proxy: string;
  monitor: {
    /** How often the health monitor classifies every model. */
    intervalMs: number;
    /** A condition that persists is reminded of at most this often. */
    reminderMs: number;
    /** Consecutive checks not healthy that raise a WARNING. */
    degradedChecks: number;
    /** Consecutive down checks that raise a CRITICAL (and, fleet-wide, "disaster recovery active"). */
    downChecks: number;
    /** While a breaker is open: `GET /models` (free), a one-token completion, or no probing. */
    probe: 'models' | 'completion' | 'off';
    /** First wait between probes; doubles (with jitter) up to probeMaxDelayMs. */
    probeInitialDelayMs: number;
    probeMaxDelayMs: number;
  };
  alerts: {
    /** A Slack or webhook post that takes longer is aborted and reported as failed. */
    timeoutMs: number;
  };
  budget: {
    /** USD a calendar day (local time); 0 turns the budget off. */
    dailyUsd: number;
    /** At 100 %: refuse new requests (BUDGET_EXCEEDED), or route only to the cheapest model. */
    onExceeded: 'refuse' | 'cheapest';
  };
}

export const DEFAULT_CONFIG: RouterConfig = {
  endpoints: DEFAULT_ENDPOINTS.map((e) => ({ ...e })),
  models: DEFAULT_MODELS.map((m) => ({ ...m })),
  routing: { model: 'auto', quality: 'any', weights: { cost: 0.3, errorRate: 0.4, latency: 0.3 }, hedging: true },
  breaker: { failureThreshold: 5, cooldownMs: 30_000 },
  retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 },
  timeouts: { connectMs: 10_000, firstTokenMs: 30_000, idleMs: 30_000, requestMs: 120_000 },
  health: { degradedErrorRate: 0.1, degradedLatencyMs: 2000, downErrorRate: 0.5, errorWindow: 50 },
  proxy: '',
  monitor: {
    intervalMs: 10_000,
    reminderMs: 1_800_000,
    degradedChecks: 3,
    downChecks: 2,
    probe: 'models',
    probeInitialDelayMs: 5_000,
    probeMaxDelayMs: 300_000,
  },
  alerts: { timeoutMs: 5_000 },
  budget: { dailyUsd: 0, onExceeded: 'refuse' },
};

type Json = Record<string, unknown>;

function invalid(field: string, why: string): RouterError {
  return new RouterError('CONFIG_INVALID', `Setting "${field}" ${why}. Fix it in your settings (or --config file) and try again.`, { field });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown, field: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a number');
  if (value < min || value > max) throw invalid(field, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function bool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
  return value;
}

function str(value: unknown, field: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value;
}

function section(input: Json, key: string, field = key): Json {
  const value = input[key];
  if (value === undefined) return {};
  if (!isObject(value)) throw invalid(field, 'must be an object');
  return value;
}

function validBaseUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, `must be an http(s) URL such as https://api.holysheep.ai/v1 (got "${value}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(field, 'must use http or https');
  if (url.username || url.password) throw invalid(field, 'must not contain credentials; keys are stored separately');
  return value.replace(/\/+$/, '');
}

/** Merges entries over the defaults by `id`: a partial entry changes only the fields it names. */
function mergeById<T extends { id: string }>(defaults: readonly T[], input: unknown, field: string): Json[] {
  const merged = new Map<string, Json>(defaults.map((d) => [d.id, { ...d }]));
  if (input === undefined) return [...merged.values()];
  if (!Array.isArray(input)) throw invalid(field, 'must be a list');
  input.forEach((entry, i) => {
    if (!isObject(entry)) throw invalid(`${field}[${i}]`, 'must be an object');
    if (typeof entry.id !== 'string' || !entry.id.trim()) throw invalid(`${field}[${i}].id`, 'must be a non-empty string');
    merged.set(entry.id, { ...(merged.get(entry.id) ?? {}), ...entry });
  });
  return [...merged.values()];
}

export interface ResolveOptions {
  /** `HOLYSHEEP_BASE_URL`: wins over any file or setting for the default endpoint. */
  baseUrlOverride?: string;
}

/** Validates `input` (settings or a config file, `holysheepRouter.` prefix removed) over the defaults. */
export function resolveConfig(input: unknown = {}, options: ResolveOptions = {}): RouterConfig {
  if (!isObject(input)) throw invalid('(root)', 'must be a JSON object');
  const d = DEFAULT_CONFIG;

  const endpoints: EndpointConfig[] = mergeById(d.endpoints, input.endpoints, 'endpoints').map((e, i) => {
    const field = `endpoints[${i}]`;
    const id = str(e.id, `${field}.id`, '');
    let baseUrl = str(e.baseUrl, `${field}.baseUrl`, '');
    if (id === DEFAULT_ENDPOINT_ID && options.baseUrlOverride) baseUrl = options.baseUrlOverride;
    if (!baseUrl) throw invalid(`${field}.baseUrl`, 'is required');
    return { id, baseUrl: validBaseUrl(baseUrl, `${field}.baseUrl`) };
  });
  const endpointIds = new Set(endpoints.map((e) => e.id));

  const models: ModelConfig[] = mergeById(d.models, input.models, 'models').map((m, i) => {
    const field = `models[${i}]`;
    const id = str(m.id, `${field}.id`, '');
    const f = (name: string) => `models[${id}].${name}`;
    const endpoint = str(m.endpoint, f('endpoint'), DEFAULT_ENDPOINT_ID);
    if (!endpointIds.has(endpoint)) throw invalid(f('endpoint'), `names endpoint "${endpoint}", which is not in "endpoints"`);
    const tier = str(m.tier, f('tier'), 'standard');
    if (tier !== 'high' && tier !== 'standard') throw invalid(f('tier'), 'must be "high" or "standard"');
    const outputPrice = num(m.outputPricePerMTok, f('outputPricePerMTok'), NaN, 0);
    if (Number.isNaN(outputPrice)) throw invalid(f('outputPricePerMTok'), 'is required for a new model');
    const model: ModelConfig = {
      id,
      endpoint,
      provider: str(m.provider, f('provider'), 'openai-compatible'),
      inputPricePerMTok: num(m.inputPricePerMTok, f('inputPricePerMTok'), outputPrice, 0),
      outputPricePerMTok: outputPrice,
      officialOutputPricePerMTok: num(m.officialOutputPricePerMTok, f('officialOutputPricePerMTok'), outputPrice, 0),
      tier,
      maxLatencyMs: num(m.maxLatencyMs, f('maxLatencyMs'), 3000, 50, 600_000),
      enabled: bool(m.enabled, f('enabled'), true),
    };
    if (m.officialInputPricePerMTok !== undefined) {
      model.officialInputPricePerMTok = num(m.officialInputPricePerMTok, f('officialInputPricePerMTok'), 0, 0);
    }
    return model;
  });

  const routing = section(input, 'routing');
  const weights = section(routing, 'weights', 'routing.weights');
  const model = str(routing.model, 'routing.model', d.routing.model);
  if (model !== 'auto' && !models.some((m) => m.id === model)) throw invalid('routing.model', `names model "${model}", which is not in "models"`);
  const quality = str(routing.quality, 'routing.quality', d.routing.quality);
  if (quality !== 'any' && quality !== 'high' && quality !== 'standard') throw invalid('routing.quality', 'must be "any", "standard" or "high"');

  const breaker = section(input, 'breaker');
  const retry = section(input, 'retry');
  const timeouts = section(input, 'timeouts');
  const health = section(input, 'health');
  const monitor = section(input, 'monitor');
  const alerts = section(input, 'alerts');
  const budget = section(input, 'budget');
  const probe = str(monitor.probe, 'monitor.probe', d.monitor.probe);
  if (probe !== 'models' && probe !== 'completion' && probe !== 'off') throw invalid('monitor.probe', 'must be "models", "completion" or "off"');
  const onExceeded = str(budget.onExceeded, 'budget.onExceeded', d.budget.onExceeded);
  if (onExceeded !== 'refuse' && onExceeded !== 'cheapest') throw invalid('budget.onExceeded', 'must be "refuse" or "cheapest"');

  const config: RouterConfig = {
    endpoints,
    models,
    routing: {
      model,
      quality: quality as RouterConfig['routing']['quality'],
      weights: {
        cost: num(weights.cost, 'routing.weights.cost', d.routing.weights.cost, 0, 100),
        errorRate: num(weights.errorRate, 'routing.weights.errorRate', d.routing.weights.errorRate, 0, 100),
        latency: num(weights.latency, 'routing.weights.latency', d.routing.weights.latency, 0, 100),
      },
      hedging: bool(routing.hedging, 'routing.hedging', d.routing.hedging),
    },
    breaker: {
      failureThreshold: num(breaker.failureThreshold, 'breaker.failureThreshold', d.breaker.failureThreshold, 1, 1000),
      cooldownMs: num(breaker.cooldownMs, 'breaker.cooldownMs', d.breaker.cooldownMs, 100, 86_400_000),
    },
    retry: {
      maxAttempts: num(retry.maxAttempts, 'retry.maxAttempts', d.retry.maxAttempts, 1, 20),
      baseDelayMs: num(retry.baseDelayMs, 'retry.baseDelayMs', d.retry.baseDelayMs, 0, 60_000),
      maxDelayMs: num(retry.maxDelayMs, 'retry.maxDelayMs', d.retry.maxDelayMs, 0, 300_000),
    },
    timeouts: {
      connectMs: num(timeouts.connectMs, 'timeouts.connectMs', d.timeouts.connectMs, 100, 600_000),
      firstTokenMs: num(timeouts.firstTokenMs, 'timeouts.firstTokenMs', d.timeouts.firstTokenMs, 100, 600_000),
      idleMs: num(timeouts.idleMs, 'timeouts.idleMs', d.timeouts.idleMs, 100, 600_000),
      requestMs: num(timeouts.requestMs, 'timeouts.requestMs', d.timeouts.requestMs, 100, 3_600_000),
    },
    health: {
      degradedErrorRate: num(health.degradedErrorRate, 'health.degradedErrorRate', d.health.degradedErrorRate, 0, 1),
      degradedLatencyMs: num(health.degradedLatencyMs, 'health.degradedLatencyMs', d.health.degradedLatencyMs, 1, 600_000),
      downErrorRate: num(health.downErrorRate, 'health.downErrorRate', d.health.downErrorRate, 0, 1),
      errorWindow: num(health.errorWindow, 'health.errorWindow', d.health.errorWindow, 1, 10_000),
    },
    proxy: str(input.proxy, 'proxy', d.proxy),
    monitor: {
      intervalMs: num(monitor.intervalMs, 'monitor.intervalMs', d.monitor.intervalMs, 1_000, 3_600_000),
      reminderMs: num(monitor.reminderMs, 'monitor.reminderMs', d.monitor.reminderMs, 60_000, 604_800_000),
      degradedChecks: num(monitor.degradedChecks, 'monitor.degradedChecks', d.monitor.degradedChecks, 1, 100),
      downChecks: num(monitor.downChecks, 'monitor.downChecks', d.monitor.downChecks, 1, 100),
      probe,
      probeInitialDelayMs: num(monitor.probeInitialDelayMs, 'monitor.probeInitialDelayMs', d.monitor.probeInitialDelayMs, 1_000, 3_600_000),
      probeMaxDelayMs: num(monitor.probeMaxDelayMs, 'monitor.probeMaxDelayMs', d.monitor.probeMaxDelayMs, 1_000, 86_400_000),
    },
    alerts: {
      timeoutMs: num(alerts.timeoutMs, 'alerts.timeoutMs', d.alerts.timeoutMs, 100, 60_000),
    },
    budget: {
      dailyUsd: num(budget.dailyUsd, 'budget.dailyUsd', d.budget.dailyUsd, 0, 1_000_000),
      onExceeded,
    },
  };
  if (config.retry.maxDelayMs < config.retry.baseDelayMs) throw invalid('retry.maxDelayMs', 'must not be below retry.baseDelayMs');
  if (config.health.downErrorRate < config.health.degradedErrorRate) throw invalid('health.downErrorRate', 'must not be below health.degradedErrorRate');
  if (config.proxy) validBaseUrl(config.proxy, 'proxy');
  if (config.monitor.probeMaxDelayMs < config.monitor.probeInitialDelayMs) throw invalid('monitor.probeMaxDelayMs', 'must not be below monitor.probeInitialDelayMs');
  return config;
}
