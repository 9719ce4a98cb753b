/**
 * One client in a loop and nothing else, to profile it or to time it alone:
 *
 *   node --cpu-prof --cpu-prof-dir=.scratch/prof out/bench/profileClient.js engine short 5000
 *   node --cpu-prof --cpu-prof-dir=.scratch/prof out/bench/profileClient.js undici long 20
 *
 * Clients: engine, undici, sdk. `short` is the time-to-first-token path (4 tokens), `long` the
 * streaming path (20,000 tokens). The fleet runs in a child process so the profile holds only
 * the client.
 */
import { Router } from '../src/core/router';
import { engineClient, openAiSdkClient, rawUndiciClient, type StreamClient } from './clients';
import { benchConfig, scriptFleet } from './engineBench';
import { startFleet, type FleetHandle } from './fleetHandle';
import { median } from './stats';

function client(name: string, fleet: FleetHandle): StreamClient {
  if (name === 'undici') return rawUndiciClient(fleet.baseUrl, fleet.apiKey);
  if (name === 'sdk') return openAiSdkClient(fleet.baseUrl, fleet.apiKey);
  return engineClient(new Router(benchConfig(fleet.baseUrl), () => fleet.apiKey));
}

async function main(): Promise<void> {
  const [name = 'engine', scenario = 'short', countText] = process.argv.slice(2);
  const count = Number(countText ?? (scenario === 'long' ? 20 : 5000));
  const fleet = await startFleet('child');
  try {
    await scriptFleet(fleet);
    const c = client(name, fleet);
    const model = scenario === 'long' ? 'bench-long' : 'bench-short';
    const ttft: number[] = [];
    const total: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = await c.stream(model);
      ttft.push(t.ttftMs);
      total.push(t.totalMs);
      cpu.push(t.cpuMs);
    }
    await c.close();
    process.stdout.write(`${name} ${scenario} ×${count}: p50 ttft ${median(ttft).toFixed(3)} ms, p50 total ${median(total).toFixed(3)} ms, p50 cpu ${median(cpu).toFixed(3)} ms\n`);
  } finally {
    await fleet.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
