/**
 * The chat webview's rendering cost on a long streamed answer (issue 5): the real bundle
 * (dist/webview.js) in headless Chromium, through test/webview/harness.ts. A 20,000-token markdown
 * answer with code blocks, tables and lists arrives at 1,000 tokens/s in chunks of 1–3 tokens; its
 * total main-thread script time (Chromium's CDP `ScriptDuration`) is compared with one render of
 * the final text, and the longest main-thread task during the stream is read from a Chromium trace.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  CHROMIUM_PATH, launchBrowser, longMarkdownAnswer, measureHarnessOverhead, measureStreamVsSingle, openChatPage, seededRandom, tokenize,
} from '../test/webview/harness';
import { ROOT } from './artifacts';
import type { Figure, Measurement } from './measurement';
import { median, round, spread } from './stats';

const TOKENS = 20_000;
const TOKENS_PER_SECOND = 1_000;
/** The host posts the deltas collected every 16 ms as one message (chatViewProvider's DELTA_FLUSH_MS): the bench does the same. */
const HOST_FLUSH_MS = 16;

/** Chunks of 1–3 tokens, with each chunk's token count (for pacing). */
function chunked(text: string, seed: number): { chunks: string[]; counts: number[] } {
  const tokens = tokenize(text);
  const random = seededRandom(seed);
  const chunks: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < tokens.length;) {
    const n = Math.min(1 + Math.floor(random() * 3), tokens.length - i);
    chunks.push(tokens.slice(i, i + n).join(''));
    counts.push(n);
    i += n;
  }
  return { chunks, counts };
}

function nullFigures(why: string): Figure[] {
  return [
    { key: 'render_ratio_vs_single_render', value: null, unit: '×', target: { kind: 'max', value: 3 }, samples: 0, detail: why },
    { key: 'render_longest_task_ms', value: null, unit: 'ms', target: { kind: 'max', value: 50 }, samples: 0, detail: why },
  ];
}

export const renderBench: Measurement = {
  name: 'render',
  async run(ctx) {
    if (!existsSync(CHROMIUM_PATH)) return nullFigures(`no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
    if (!existsSync(path.join(ROOT, 'dist', 'webview.js'))) return nullFigures('dist/webview.js not built');
    const rounds = ctx.quick ? 2 : 3;
    const text = longMarkdownAnswer(TOKENS, seededRandom(42));
    const tokenCount = tokenize(text).length;
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const ratios: number[] = [];
      const viewRatios: number[] = [];
      const longest: number[] = [];
      const streamScript: number[] = [];
      const singleScript: number[] = [];
      const overheads: number[] = [];
      const updates: number[] = [];
      const maxUpdates: number[] = [];
      let tasks = 0;
      let chunksPerStream = 0;
      let allIdentical = true;
      for (let round_ = 0; round_ < rounds; round_++) {
        // A fresh page per round: no round renders into a transcript the previous one grew.
        const chat = await openChatPage(browser);
        try {
          await chat.handshake({ entries: [{ kind: 'user', id: 'u1', text: 'Write a very long report with code.' }] as never });
          // Warm-up: the same kind of answer streamed unpaced, so V8 has optimised the render path.
          const warm = chunked(longMarkdownAnswer(TOKENS, seededRandom(7 + round_)), 100 + round_);
          await measureStreamVsSingle(chat, longMarkdownAnswer(TOKENS, seededRandom(7 + round_)), warm.chunks, { perTask: 25 });
          await chat.post({ type: 'cleared' });
          await chat.settle();
          const { chunks, counts } = chunked(text, 1 + round_);
          chunksPerStream = chunks.length;
          const options = { tokensPerSecond: TOKENS_PER_SECOND, chunkTokenCounts: counts, coalesceMs: HOST_FLUSH_MS };
          // What the harness's own pacing costs in script time (timers, frame watcher), no messages.
          const overhead = await measureHarnessOverhead(chat, chunks, options);
          ctx.progress(`render round ${round_ + 1}/${rounds}: streaming ${tokenCount} tokens in ${chunks.length} chunks at ${TOKENS_PER_SECOND} tokens/s…`);
          const m = await measureStreamVsSingle(chat, text, chunks, { ...options, trace: true });
          allIdentical &&= m.identical;
          const viewScript = Math.max(0, m.scriptStreamMs - overhead);
          ratios.push(viewScript / m.scriptSingleMs);
          viewRatios.push(m.ratio);
          longest.push(m.longestTaskMs ?? Math.max(0, ...m.longTasksMs));
          streamScript.push(m.scriptStreamMs);
          singleScript.push(m.scriptSingleMs);
          overheads.push(overhead);
          updates.push(m.streamRenderMs);
          maxUpdates.push(m.maxStreamRenderMs);
          tasks += m.tasks ?? 0;
          ctx.progress(`render round ${round_ + 1}: script ${m.scriptStreamMs.toFixed(1)} ms (harness ${overhead.toFixed(1)} ms) vs single ${m.scriptSingleMs.toFixed(1)} ms; longest task ${m.longestTaskMs?.toFixed(1)} ms of ${m.tasks} tasks; stream ${Math.round(m.timing.totalMs)} ms wall, ${m.timing.frames} frames; DOM ${m.identical ? 'identical' : 'DIFFERS'}`);
        } finally {
          await chat.close();
        }
      }
      const r = spread(ratios);
      const l = spread(longest);
      const ms = (v: number) => `${round(v, 1)} ms`;
      return [
        {
          key: 'render_ratio_vs_single_render', value: round(r.median, 2), unit: '×', target: { kind: 'max', value: 3 }, samples: rounds, min: round(r.min, 2), max: round(r.max, 2), rounds,
          detail: `CDP ScriptDuration: stream ${ms(median(streamScript))} − harness pacing ${ms(median(overheads))} vs one render ${ms(median(singleScript))}; ${tokenCount} tokens, ${chunksPerStream} chunks of 1–3 tokens at ${TOKENS_PER_SECOND} tok/s, posted as the host does (one delta message per ${HOST_FLUSH_MS} ms flush); view's own counters: updates ${ms(median(updates))}, ratio ${round(median(viewRatios), 2)}×; streamed DOM ${allIdentical ? '=' : '≠'} single render`,
        },
        {
          key: 'render_longest_task_ms', value: round(l.median, 1), unit: 'ms', target: { kind: 'max', value: 50 }, samples: tasks, min: round(l.min, 1), max: round(l.max, 1), rounds,
          detail: `longest RunTask on the renderer main thread (Chromium trace) over ${tasks} tasks in ${rounds} streams; longest view update ${ms(median(maxUpdates))}`,
        },
      ];
    } finally {
      await browser?.close();
    }
  },
};
