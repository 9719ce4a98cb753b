/**
 * `npm run bench`: the engine against a raw undici call and the official openai SDK on the same
 * loopback fleet, in one process and interleaved, plus the figures other parts of the project
 * plug in. A benchmark, not a test: a missed target is reported, never a failing exit code.
 *
 *   node --expose-gc out/bench/bench.js [--quick] [--rounds=N] [--fleet=child|inline] [--only=name,name]
 *     names: ttft, throughput, failover, hedge, heap, render, activation, package
 *
 * Progress goes to stderr; stdout is the table, then the missed targets, then (last line) one
 * JSON object with every figure, its sample count and its spread.
 */
import { activationBench } from './activationBench';
import { packaging } from './artifacts';
import { engineMeasurements, scriptFleet } from './engineBench';
import { startFleet } from './fleetHandle';
import { verdict, type BenchContext, type Figure, type Measurement } from './measurement';
import { renderBench } from './renderBench';
import { formatTable, jsonLine, machine } from './report';

/** In table order. Another measurement is one more entry here. */
const MEASUREMENTS: readonly Measurement[] = [...engineMeasurements, renderBench, packaging, activationBench];

interface Args {
  quick: boolean;
  rounds: number;
  fleet: 'child' | 'inline';
  only: Set<string> | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const rounds = Number(value('rounds') ?? (quick ? 3 : 7));
  const fleet = value('fleet') === 'inline' ? 'inline' : 'child';
  const only = value('only');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  return { quick, rounds, fleet, only: only ? new Set(only.split(',')) : undefined };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const host = machine();
  const started = performance.now();
  const fleet = await startFleet(args.fleet);
  const figures: Figure[] = [];
  try {
    await scriptFleet(fleet);
    const ctx: BenchContext = {
      fleet,
      rounds: args.rounds,
      quick: args.quick,
      progress: (message) => process.stderr.write(`[bench] ${message}\n`),
    };
    for (const measurement of MEASUREMENTS) {
      if (args.only && !args.only.has(measurement.name)) continue;
      ctx.progress(`${measurement.name}…`);
      try {
        figures.push(...(await measurement.run(ctx)));
      } catch (error) {
        // One broken measurement must not hide the others: its figures are reported as null.
        ctx.progress(`${measurement.name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        figures.push({ key: `${measurement.name}_error`, value: null, unit: '', samples: 0, detail: String(error) });
      }
    }
  } finally {
    await fleet.close();
  }
  const durationS = Math.round((performance.now() - started) / 100) / 10;
  const missed = figures.filter((f) => verdict(f) === 'MISS');
  const lines = [
    '',
    `HolySheep Router bench · ${host.cpu_model} × ${host.cpus} · node ${host.node} · load ${host.load_avg_1m} · fleet in ${fleet.where} · ${args.rounds} rounds${args.quick ? ' (quick)' : ''} · ${durationS} s`,
    '',
    formatTable(figures),
    '',
    missed.length ? `Targets missed: ${missed.map((f) => f.key).join(', ')}` : 'Every measured target holds.',
    jsonLine(figures, { fleet: fleet.where, rounds: args.rounds, quick: args.quick, durationS }, host),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  // The bench itself broke (not a missed target): that is a failure.
  console.error(error);
  process.exitCode = 1;
});
