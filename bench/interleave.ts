/**
 * Interleaved rounds. Every contestant runs once per step, and the order changes every step,
 * cycling through all permutations: a neighbour's build, CPU frequency changes or a GC then hit all
 * contestants alike, and every contestant follows every other equally often. (Measured: with a
 * fixed cyclic order, whoever runs right after the openai SDK pays ~50 µs of its leftover work, a
 * bias as large as the effect being measured.) Between runs the event loop settles for two turns,
 * so one contestant's deferred clean-up mostly lands in nobody's timing. Each round is summarised
 * on its own; the figure is the median over rounds and the min–max over rounds is the noise.
 */
import { median } from './stats';

export interface RoundsOptions {
  rounds: number;
  perRound: number;
  /** Untimed runs of every contestant first (JIT, connection pools). */
  warmup: number;
  /** Untimed work between rounds (reset a breaker, collect garbage). */
  betweenRounds?: () => void | Promise<void>;
  progress?: (message: string) => void;
}

/** `samples[name][round]` holds that round's values, in run order. */
export type RoundSamples<K extends string> = Record<K, number[][]>;

export async function interleavedRounds<K extends string>(
  contestants: Record<K, () => Promise<number>>,
  options: RoundsOptions,
): Promise<RoundSamples<K>> {
  const names = Object.keys(contestants) as K[];
  const orders = permutations(names);
  for (let i = 0; i < options.warmup; i++) {
    for (const name of orders[i % orders.length]!) {
      await contestants[name]();
      await settle();
    }
  }
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[][]])) as RoundSamples<K>;
  for (let round = 0; round < options.rounds; round++) {
    await options.betweenRounds?.();
    for (const name of names) samples[name].push([]);
    for (let step = 0; step < options.perRound; step++) {
      for (const name of orders[(step + round * options.perRound) % orders.length]!) {
        samples[name][round]!.push(await contestants[name]());
        await settle();
      }
    }
    options.progress?.(`round ${round + 1}/${options.rounds}`);
  }
  return samples;
}

/** Two turns of the event loop: pending callbacks, microtasks and immediates run now, untimed. */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Every order of `items` (contestants are few: 3 give 6 orders, 4 give 24). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((first, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [first, ...rest]));
}

/** One value per round, from each contestant's summary of that round (its median unless told). */
export function perRound<K extends string>(
  samples: RoundSamples<K>,
  combine: (summaries: Record<K, number>) => number,
  summarize: (values: number[]) => number = median,
): number[] {
  const names = Object.keys(samples) as K[];
  const rounds = samples[names[0]!].length;
  const values: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const summaries = Object.fromEntries(names.map((name) => [name, summarize(samples[name][r]!)])) as Record<K, number>;
    values.push(combine(summaries));
  }
  return values;
}

/** Every sample of one contestant, all rounds together. */
export function allOf(rounds: number[][]): number[] {
  return rounds.flat();
}
