/**
 * The shape every benchmark figure takes, so measurements written by different people (engine,
 * webview rendering, activation, packaging) plug into one table and one JSON line: a measurement is
 * a named async function returning figures, each with its sample count and its spread.
 */
import type { FleetHandle } from './fleetHandle';

/** `max`: lower is better, the figure must not exceed `value`; `min`: higher is better; `near`: |figure| ≤ value. */
export type Target = { kind: 'max' | 'min' | 'near'; value: number };

export interface Figure {
  /** The key in the final JSON line. */
  key: string;
  /** `null` when not measured in this run (see `note`). */
  value: number | null;
  unit: string;
  target?: Target;
  /** Timed samples the value rests on (0 when not measured). */
  samples: number;
  /** Spread of the per-round values: the machine's noise, in the figure's unit. */
  min?: number;
  max?: number;
  rounds?: number;
  /** The absolute numbers behind a ratio, or why the figure is null. */
  detail?: string;
}

export interface BenchContext {
  fleet: FleetHandle;
  /** Rounds per interleaved comparison; each round yields one value, the figure is their median. */
  rounds: number;
  /** Shorter runs for a quick look (`--quick`); the JSON line says so. */
  quick: boolean;
  /** Progress on stderr, so stdout stays the table and the JSON line. */
  progress(message: string): void;
}

export interface Measurement {
  name: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export type Verdict = 'pass' | 'MISS' | 'n/a';

export function verdict(figure: Figure): Verdict {
  if (figure.value === null || !figure.target || !Number.isFinite(figure.value)) return 'n/a';
  const { kind, value } = figure.target;
  if (kind === 'max') return figure.value <= value ? 'pass' : 'MISS';
  if (kind === 'min') return figure.value >= value ? 'pass' : 'MISS';
  return Math.abs(figure.value) <= value ? 'pass' : 'MISS';
}

export function describeTarget(target: Target | undefined, unit: string): string {
  if (!target) return '';
  const u = unit === '×' || unit === '' ? '' : ` ${unit}`;
  if (target.kind === 'max') return `≤ ${target.value}${u}`;
  if (target.kind === 'min') return `≥ ${target.value}${u}`;
  return `≈ 0 (±${target.value}${u})`;
}

/** A figure another part of the project measures (or will): present in the JSON as null. */
export function notMeasured(key: string, unit: string, target: Target | undefined, why: string): Figure {
  return { key, value: null, unit, target, samples: 0, detail: why };
}
