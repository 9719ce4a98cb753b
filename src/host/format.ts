/** How numbers of the engine read in the status bar, the tree and messages. */
import type { Health, ModelSnapshot } from '../core/metrics';
import type { ModelConfig } from '../core/registry';
import { formatUsd } from '../shared/format';

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatPercent(rate: number): string {
  const percent = rate * 100;
  return `${percent < 10 && percent !== 0 ? percent.toFixed(1) : Math.round(percent)} %`;
}

export function formatPricePerMTok(model: Pick<ModelConfig, 'outputPricePerMTok'>): string {
  return `$${model.outputPricePerMTok.toFixed(2)}/M out`;
}

/** The state a person reads first: disabled and a tripped breaker explain "down" better than "down". */
export type DisplayState = Health | 'disabled' | 'breaker-open' | 'breaker-half-open';

export function displayStateOf(snapshot: Pick<ModelSnapshot, 'enabled' | 'breaker' | 'health'>): DisplayState {
  if (!snapshot.enabled) return 'disabled';
  if (snapshot.breaker === 'open') return 'breaker-open';
  if (snapshot.breaker === 'half-open') return 'breaker-half-open';
  return snapshot.health;
}

export const DISPLAY_STATE_LABEL: Record<DisplayState, string> = {
  healthy: 'healthy',
  degraded: 'degraded',
  down: 'down',
  disabled: 'disabled',
  'breaker-open': 'breaker open',
  'breaker-half-open': 'probing',
};

/** "open · probe in 12 s", "closed", "half-open · probe in flight". */
export function describeBreaker(snapshot: Pick<ModelSnapshot, 'breaker' | 'breakerProbeAt'>, now = Date.now()): string {
  if (snapshot.breaker === 'half-open') return 'half-open · probe in flight';
  if (snapshot.breaker === 'closed') return 'closed';
  if (snapshot.breakerProbeAt === undefined) return 'open';
  const seconds = Math.ceil((snapshot.breakerProbeAt - now) / 1000);
  return seconds > 0 ? `open · probe in ${seconds} s` : 'open · next request probes';
}

/** "p50 420 ms · 0.8 % err · $0.12", or the price while the model has no traffic. */
export function describeTraffic(snapshot: ModelSnapshot, model: Pick<ModelConfig, 'outputPricePerMTok'> | undefined): string {
  if (snapshot.requests === 0) return model ? `no requests yet · ${formatPricePerMTok(model)}` : 'no requests yet';
  return `p50 ${formatMs(snapshot.latencyP50Ms)} · ${formatPercent(snapshot.errorRate)} err · ${formatUsd(snapshot.costUsd)}`;
}
