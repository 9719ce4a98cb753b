/**
 * The engine's figures: time to first token and streaming throughput against raw undici and the
 * openai SDK, the latency a failover and a hedge add, and heap growth over many requests. Each
 * measurement builds its own clients and router, so one cannot warm or leak into another.
 */
import { resolveConfig, type RouterConfig } from '../src/core/config';
import { Router } from '../src/core/router';
import { engineClient, openAiSdkClient, rawUndiciClient, timeEngine, type StreamClient, type StreamTiming } from './clients';
import type { FleetHandle } from './fleetHandle';
import { allOf, interleavedRounds, perRound } from './interleave';
import type { Measurement } from './measurement';
import { collectGarbage, objectHeapKb } from './memory';
import { median, robustSlope, round, spread } from './stats';

/** Fleet models, one per behaviour, so interleaved requests never depend on a script queue. */
const MODEL = {
  /** Four short tokens at once: TTFT is pure overhead (loopback, no generation delay). */
  short: 'bench-short',
  /** 20,000 small tokens as fast as the fleet can write them. */
  long: 'bench-long',
  /** 503 at once. */
  unavailable: 'bench-503',
  /** Headers and the role chunk, then silence until the client leaves. */
  hung: 'bench-hung',
} as const;

const LONG_TOKENS = 20_000;
/** The hung model's `maxLatencyMs` (the lowest the settings allow): when the hedge starts. */
const HEDGE_DELAY_MS = 50;

export async function scriptFleet(fleet: FleetHandle): Promise<void> {
  await fleet.setDefault(MODEL.short, {});
  // Short words with spaces, like real tokens; no two chunks alike, so nothing is cached anywhere.
  await fleet.setDefault(MODEL.long, { tokens: Array.from({ length: LONG_TOKENS }, (_, i) => ` w${i % 997}`), tokenIntervalMs: 0 });
  await fleet.setDefault(MODEL.unavailable, { status: 503 });
  await fleet.setDefault(MODEL.hung, { stallAfterTokens: 0 });
}

/**
 * The default four relay models stay configured (ranking scores them on every request, as it
 * would for a user); the bench models are cheaper so a failover or hedge goes to `bench-short`.
 * A high breaker threshold keeps the failing models in play for hundreds of samples: an open
 * breaker would skip them, and there would be no failover or hedge left to time.
 */
export function benchConfig(baseUrl: string): RouterConfig {
  return resolveConfig({
    endpoints: [{ id: 'holysheep', baseUrl }],
    models: [
      { id: MODEL.short, outputPricePerMTok: 0, maxLatencyMs: 10_000 },
      { id: MODEL.long, outputPricePerMTok: 0.05, maxLatencyMs: 10_000 },
      { id: MODEL.unavailable, outputPricePerMTok: 0.06, maxLatencyMs: 10_000 },
      { id: MODEL.hung, outputPricePerMTok: 0.07, maxLatencyMs: HEDGE_DELAY_MS },
    ],
    breaker: { failureThreshold: 1000 },
  });
}

function newRouter(fleet: FleetHandle): Router {
  return new Router(benchConfig(fleet.baseUrl), () => fleet.apiKey);
}

/** The three ways of streaming a completion the bench compares, all to the same fleet. */
function threeClients(fleet: FleetHandle): { raw: StreamClient; sdk: StreamClient; engine: StreamClient } {
  return { raw: rawUndiciClient(fleet.baseUrl, fleet.apiKey), sdk: openAiSdkClient(fleet.baseUrl, fleet.apiKey), engine: engineClient(newRouter(fleet)) };
}

function ms(value: number): string {
  return value >= 10 ? value.toFixed(1) : value.toFixed(3);
}

function check(timing: StreamTiming, expected: number, who: string): StreamTiming {
  if (timing.tokens !== expected || !Number.isFinite(timing.ttftMs)) {
    throw new Error(`${who} received ${timing.tokens} tokens (expected ${expected}); the comparison would be meaningless`);
  }
  return timing;
}

/** Runs `work`, then closes every client (and so its sockets), whether `work` finished or threw. */
async function closing<T>(clients: { close(): Promise<void> }[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** (a) vs (b) vs (c): time to first token of a 4-token answer, no generation delay. */
const ttft: Measurement = {
  name: 'ttft',
  async run(ctx) {
    const { raw, sdk, engine } = threeClients(ctx.fleet);
    const timed = (client: StreamClient) => async () => check(await client.stream(MODEL.short), 4, client.name).ttftMs;
    const perRoundCount = ctx.quick ? 15 : 60;
    // Long warm-up: until V8 has optimised every client's path, the longest path looks slowest.
    const samples = await closing([raw, sdk, engine], () => interleavedRounds(
      { undici: timed(raw), sdk: timed(sdk), engine: timed(engine) },
      { rounds: ctx.rounds, perRound: perRoundCount, warmup: ctx.quick ? 300 : 1500, betweenRounds: collectGarbage, progress: (m) => ctx.progress(`ttft ${m}`) },
    ));
    const vsRaw = spread(perRound(samples, (m) => m.engine / m.undici));
    const vsSdk = spread(perRound(samples, (m) => m.engine / m.sdk));
    const overheadUs = spread(perRound(samples, (m) => (m.engine - m.undici) * 1000));
    const p50 = (rounds: number[][]) => median(allOf(rounds));
    const detail = `p50 engine ${ms(p50(samples.engine))} · undici ${ms(p50(samples.undici))} · sdk ${ms(p50(samples.sdk))} ms`;
    const n = ctx.rounds * perRoundCount;
    return [
      { key: 'ttft_ratio_vs_undici', value: round(vsRaw.median), unit: '×', target: { kind: 'max', value: 1.1 }, samples: n, min: round(vsRaw.min), max: round(vsRaw.max), rounds: ctx.rounds, detail },
      { key: 'ttft_ratio_vs_openai_sdk', value: round(vsSdk.median), unit: '×', target: { kind: 'max', value: 1.0 }, samples: n, min: round(vsSdk.min), max: round(vsSdk.max), rounds: ctx.rounds, detail: `${n} samples per client, ${ctx.rounds} rounds × ${perRoundCount}` },
      { key: 'ttft_engine_overhead_us_p50', value: round(overheadUs.median, 1), unit: 'µs', samples: n, min: round(overheadUs.min, 1), max: round(overheadUs.max, 1), rounds: ctx.rounds, detail: 'engine p50 − undici p50, per round' },
    ];
  },
};

/** Tokens per second on a 20,000-token answer streamed as fast as the fleet writes it. */
const throughput: Measurement = {
  name: 'throughput',
  async run(ctx) {
    const { raw, sdk, engine } = threeClients(ctx.fleet);
    const cpu: Record<string, number[]> = { undici: [], sdk: [], engine: [] };
    const timed = (name: string, client: StreamClient) => async () => {
      const t = check(await client.stream(MODEL.long), LONG_TOKENS, client.name);
      cpu[name]!.push((t.cpuMs * 1000) / t.tokens);
      return t.tokens / (t.totalMs / 1000);
    };
    const perRoundCount = ctx.quick ? 1 : 3;
    const samples = await closing([raw, sdk, engine], () => interleavedRounds(
      { undici: timed('undici', raw), sdk: timed('sdk', sdk), engine: timed('engine', engine) },
      { rounds: ctx.rounds, perRound: perRoundCount, warmup: 2, betweenRounds: collectGarbage, progress: (m) => ctx.progress(`throughput ${m}`) },
    ));
    // A 20,000-token stream runs for a few hundred ms, long enough for a busy machine to preempt it
    // several times; interference only ever slows a run down, so each round keeps each client's
    // fastest run (and least CPU), and the figure is still the median over rounds.
    const best = (values: number[]) => Math.max(...values);
    const least = (values: number[]) => Math.min(...values);
    // cpu[] holds each client's runs in order: 2 warm-ups, then `perRoundCount` per round.
    const cpuRounds = (name: string) => Array.from({ length: ctx.rounds }, (_, r) => cpu[name]!.slice(2 + r * perRoundCount, 2 + (r + 1) * perRoundCount));
    const cpuRatio = spread(cpuRounds('engine').map((rounds, r) => least(rounds) / least(cpuRounds('undici')[r]!)));
    const vsRaw = spread(perRound(samples, (m) => m.engine / m.undici, best));
    const vsSdk = spread(perRound(samples, (m) => m.engine / m.sdk, best));
    const tps = (rounds: number[][]) => Math.round(median(rounds.map(best))).toLocaleString('en-US');
    const us = (name: string) => median(cpuRounds(name).map(least)).toFixed(2);
    const n = ctx.rounds * perRoundCount;
    return [
      {
        key: 'throughput_ratio_vs_undici', value: round(vsRaw.median), unit: '×', target: { kind: 'min', value: 0.9 }, samples: n,
        min: round(vsRaw.min), max: round(vsRaw.max), rounds: ctx.rounds,
        detail: `tok/s (best per round) engine ${tps(samples.engine)} · undici ${tps(samples.undici)} · sdk ${tps(samples.sdk)} (${LONG_TOKENS.toLocaleString('en-US')} tokens)`,
      },
      {
        key: 'throughput_ratio_vs_openai_sdk', value: round(vsSdk.median), unit: '×', samples: n, min: round(vsSdk.min), max: round(vsSdk.max), rounds: ctx.rounds,
        detail: 'engine tok/s ÷ sdk tok/s (each round: every client\'s fastest run)',
      },
      {
        // Wall-clock tokens/s is capped by how fast the fleet writes; client CPU per token is what
        // the engine itself adds, and it does not move when the machine is busy.
        key: 'cpu_per_token_ratio_vs_undici', value: round(cpuRatio.median), unit: '×', samples: n, min: round(cpuRatio.min), max: round(cpuRatio.max), rounds: ctx.rounds,
        detail: `client CPU µs/token: engine ${us('engine')} · undici ${us('undici')} · sdk ${us('sdk')} (lower is better)`,
      },
    ];
  },
};

/** A clean request vs one whose first model answers 503 at once, interleaved on one router. */
const failover: Measurement = {
  name: 'failover',
  async run(ctx) {
    const router = newRouter(ctx.fleet);
    const perRoundCount = ctx.quick ? 15 : 30;
    let failovers = 0;
    const samples = await closing([router], () => interleavedRounds(
      {
        clean: async () => check(await timeEngine(router, MODEL.short), 4, 'engine (clean)').ttftMs,
        failover: async () => {
          const before = router.snapshotOf(MODEL.unavailable)?.failovers ?? 0;
          const t = check(await timeEngine(router, MODEL.unavailable), 4, 'engine (failover)');
          if ((router.snapshotOf(MODEL.unavailable)?.failovers ?? 0) === before) throw new Error('the failover request did not fail over');
          failovers++;
          return t.ttftMs;
        },
      },
      {
        rounds: ctx.rounds, perRound: perRoundCount, warmup: ctx.quick ? 50 : 300, progress: (m) => ctx.progress(`failover ${m}`),
        betweenRounds: () => {
          // Far below the threshold anyway; a fresh breaker keeps every round alike.
          router.resetBreakers(MODEL.unavailable);
          collectGarbage();
        },
      },
    ));
    const added = spread(perRound(samples, (m) => m.failover - m.clean));
    const n = ctx.rounds * perRoundCount;
    return [{
      key: 'failover_added_ms_p50', value: round(added.median), unit: 'ms', target: { kind: 'max', value: 5 }, samples: n, min: round(added.min), max: round(added.max), rounds: ctx.rounds,
      detail: `p50 TTFT with failover ${ms(median(allOf(samples.failover)))} · clean ${ms(median(allOf(samples.clean)))} ms (${failovers} failovers)`,
    }];
  },
};

/** A primary that never sends a token: the hedge starts at its maxLatencyMs; what comes on top? */
const hedge: Measurement = {
  name: 'hedge',
  async run(ctx) {
    const router = newRouter(ctx.fleet);
    const perRoundCount = ctx.quick ? 3 : 6;
    const samples = await closing([router], () => interleavedRounds(
      {
        clean: async () => check(await timeEngine(router, MODEL.short), 4, 'engine (clean)').ttftMs,
        hedged: async () => check(await timeEngine(router, MODEL.hung), 4, 'engine (hedged)').ttftMs,
      },
      {
        rounds: ctx.rounds, perRound: perRoundCount, warmup: 3, progress: (m) => ctx.progress(`hedge ${m}`),
        betweenRounds: () => {
          router.resetBreakers(MODEL.hung);
          collectGarbage();
        },
      },
    ));
    const hedges = router.snapshotOf(MODEL.hung)?.hedges ?? 0;
    const excess = spread(perRound(samples, (m) => m.hedged - HEDGE_DELAY_MS - m.clean));
    const n = ctx.rounds * perRoundCount;
    return [{
      key: 'hedge_excess_ms_p50', value: round(excess.median), unit: 'ms', target: { kind: 'max', value: 10 }, samples: n, min: round(excess.min), max: round(excess.max), rounds: ctx.rounds,
      detail: `p50 hedged TTFT ${ms(median(allOf(samples.hedged)))} ms = ${HEDGE_DELAY_MS} ms delay + clean ${ms(median(allOf(samples.clean)))} ms + excess (${hedges} hedges)`,
    }];
  },
};

/**
 * The object heap (code and bytecode excluded, see memory.ts) after full collections, every 1,000
 * requests, over 10,000 routed requests (one in ten a failover, so error paths run too); the figure
 * is the Theil–Sen slope, per 1,000. The process warms up first with both the engine and raw
 * undici: until then the heap creeps whichever client runs. What still grows after that is V8's
 * own: a heap-snapshot diff over 9,500 engine requests shows only code metadata and weak lists,
 * nothing a request leaves behind, and over 30,000 requests the slope falls from ~5 KB per 1,000
 * in the first 10,000 to ~2 in the last. Raw undici is measured the same way afterwards, as the
 * floor to read the engine's figure against.
 */
const heap: Measurement = {
  name: 'heap',
  async run(ctx) {
    const router = newRouter(ctx.fleet);
    const raw = rawUndiciClient(ctx.fleet.baseUrl, ctx.fleet.apiKey);
    const total = ctx.quick ? 3_000 : 10_000;
    const step = 1_000;
    const concurrency = 4;
    const viaEngine = async (i: number) => void (await timeEngine(router, i % 10 === 9 ? MODEL.unavailable : MODEL.short));
    const viaUndici = async () => void (await raw.stream(MODEL.short));
    const batch = async (send: (i: number) => Promise<void>, count: number): Promise<void> => {
      let sent = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (sent < count) await send(sent++);
      }));
      router.resetBreakers(MODEL.unavailable);
    };
    const slopeOf = async (send: (i: number) => Promise<void>) => {
      const thousands: number[] = [0];
      const heaps: number[] = [await settledHeapKb()];
      for (let done = step; done <= total; done += step) {
        await batch(send, step);
        thousands.push(done / 1000);
        heaps.push(await settledHeapKb());
      }
      return {
        perK: robustSlope(thousands, heaps),
        perStep: heaps.slice(1).map((h, i) => (h - heaps[i]!) * (1000 / step)),
        overall: heaps[heaps.length - 1]! - heaps[0]!,
      };
    };
    const growth = await closing([router, raw], async () => {
      for (let i = 0; i < (ctx.quick ? 2 : 10); i++) await batch(i % 2 ? viaUndici : viaEngine, 1_000);
      return { engine: await slopeOf(viaEngine), undici: await slopeOf(viaUndici) };
    });
    const signed = (kb: number) => `${kb >= 0 ? '+' : ''}${round(kb, 1)}`;
    return [
      {
        key: 'heap_growth_kb_per_1k_requests', value: round(growth.engine.perK, 1), unit: 'KB', target: { kind: 'near', value: 10 }, samples: total,
        min: round(Math.min(...growth.engine.perStep), 1), max: round(Math.max(...growth.engine.perStep), 1), rounds: growth.engine.perStep.length,
        detail: `Theil–Sen over ${growth.engine.perStep.length + 1} GC'd checkpoints, ${signed(growth.engine.overall)} KB end to end, ${concurrency} in flight; min–max: growth between checkpoints`,
      },
      {
        key: 'heap_growth_kb_per_1k_undici_baseline', value: round(growth.undici.perK, 1), unit: 'KB', samples: total,
        min: round(Math.min(...growth.undici.perStep), 1), max: round(Math.max(...growth.undici.perStep), 1), rounds: growth.undici.perStep.length,
        detail: `the same requests through raw undici, measured the same way right after (${signed(growth.undici.overall)} KB end to end)`,
      },
    ];
  },
};

/**
 * The heap once the last requests' leftovers are gone, read three times, keeping the least.
 * undici drops cleared timers from its list on a ~500 ms tick; reading sooner sees up to a
 * second's worth of them (measured: ±600 KB between checkpoints at 20 ms, ±150 KB at 1.1 s).
 */
async function settledHeapKb(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  return Math.min(objectHeapKb(), objectHeapKb(), objectHeapKb());
}

export const engineMeasurements: readonly Measurement[] = [ttft, throughput, failover, hedge, heap];
