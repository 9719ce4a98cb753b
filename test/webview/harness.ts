/**
 * Loads the chat view's real bundle (dist/webview.js) and stylesheet (media/chat.css) in headless
 * Chromium, in the page and under the Content-Security-Policy the extension serves, with a stub
 * `acquireVsCodeApi` that records what the view posts. The host's side is played by the test: it
 * posts HostMessages into the page as VS Code would. The benchmark reuses this to time rendering.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { chatViewHtml, createNonce } from '../../src/host/chatViewHtml';
import type { HostMessage, StateMessage, WebviewMessage } from '../../src/shared/protocol';

/** Where the page and its files are served from (intercepted: nothing goes to the network). */
export const WEBVIEW_ORIGIN = 'https://holysheep-webview.test';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The repository root: the nearest folder above this file with a package.json. */
export function repositoryRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** VS Code's Dark Modern colours for the variables the view uses, as VS Code sets them on a webview. */
export const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': 'Consolas, "Courier New", "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '13px',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-errorForeground': '#f85149',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-sideBar-background': '#181818',
  '--vscode-sideBarSectionHeader-background': '#181818',
  '--vscode-sideBarSectionHeader-border': '#2b2b2b',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-widget-border': '#313131',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-input-placeholderForeground': '#989898',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-border': '#ffffff12',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-toolbar-hoverBackground': '#5a5d5e50',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-textLink-activeForeground': '#4daafc',
  '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-textBlockQuote-background': '#2b2b2b',
  '--vscode-textBlockQuote-border': '#616161',
  '--vscode-editorGroupHeader-tabsBackground': '#181818',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-chat-requestBackground': '#1f1f1f',
  '--vscode-chat-requestBorder': '#ffffff10',
  '--vscode-keybindingTable-headerBackground': '#cccccc0a',
  '--vscode-testing-iconPassed': '#73c991',
};

export interface ChatPageOptions {
  /** Serve the page with the extension's CSP (default). Off shows the renderer's allow-list holds on its own. */
  csp?: boolean;
  /** What `getState()` returns at load: the state a previous page saved with `setState`. */
  savedState?: unknown;
  viewport?: { width: number; height: number };
}

export interface ChatPage {
  readonly page: Page;
  /** Every message the view posted, in order. */
  posted(): Promise<WebviewMessage[]>;
  /** Waits for the next (or an already posted) message of that type that passes `match`. */
  waitForPosted<T extends WebviewMessage['type']>(type: T, match?: (m: Extract<WebviewMessage, { type: T }>) => boolean): Promise<Extract<WebviewMessage, { type: T }>>;
  /** Delivers messages to the view as the host's postMessage does. */
  post(...messages: HostMessage[]): Promise<void>;
  /** Waits for `ready`, then answers with a state (defaults: empty transcript, a key, Auto and two models). */
  handshake(state?: Partial<StateMessage>): Promise<void>;
  /** What the view last saved with setState. */
  savedState(): Promise<unknown>;
  /** Content-Security-Policy violations the page reported. */
  cspViolations(): Promise<string[]>;
  /** Lets queued frames run (rendering happens once per animation frame). */
  settle(): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export const DEFAULT_STATE: StateMessage = {
  type: 'state',
  entries: [],
  busy: false,
  keyState: { hasKey: true, demo: false },
  models: [
    { id: 'gpt-4.1', detail: 'openai · high tier · $8.00/M out' },
    { id: 'claude-sonnet-4.5', detail: 'anthropic · high tier · $15.00/M out' },
    { id: 'gemini-2.5-flash', detail: 'google · standard tier · $2.50/M out' },
    { id: 'deepseek-v3.2', detail: 'deepseek · standard tier · $0.42/M out' },
  ],
  selectedModel: 'auto',
};

export async function openChatPage(browser: Browser, options: ChatPageOptions = {}): Promise<ChatPage> {
  const root = repositoryRoot();
  const script = join(root, 'dist', 'webview.js');
  if (!existsSync(script)) throw new Error('dist/webview.js is missing: run `node esbuild.js` first.');
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 420, height: 760 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const nonce = createNonce();
  let html = chatViewHtml({
    cspSource: WEBVIEW_ORIGIN,
    nonce,
    scriptUri: `${WEBVIEW_ORIGIN}/dist/webview.js`,
    styleUri: `${WEBVIEW_ORIGIN}/media/chat.css`,
  });
  // VS Code sets the theme's variables itself; here a stylesheet from the view's origin does.
  html = html.replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${WEBVIEW_ORIGIN}/harness/theme.css">\n  <link rel="stylesheet"`);
  if (options.csp === false) html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
  const theme = `:root {\n${Object.entries(DARK_THEME).map(([k, v]) => `  ${k}: ${v};`).join('\n')}\n}\n`;

  const files: Record<string, { body: string | Buffer; contentType: string }> = {
    '/index.html': { body: html, contentType: 'text/html; charset=utf-8' },
    '/dist/webview.js': { body: readFileSync(script), contentType: 'text/javascript; charset=utf-8' },
    '/media/chat.css': { body: readFileSync(join(root, 'media', 'chat.css')), contentType: 'text/css; charset=utf-8' },
    '/harness/theme.css': { body: theme, contentType: 'text/css; charset=utf-8' },
  };
  // Everything else (a link the view should not follow, an image in an answer) is refused and recorded.
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const file = url.origin === WEBVIEW_ORIGIN ? files[url.pathname] : undefined;
    if (file) await route.fulfill({ status: 200, body: file.body, contentType: file.contentType });
    else {
      blocked.push(route.request().url());
      await route.abort('blockedbyclient');
    }
  });

  await page.addInitScript((saved: unknown) => {
    const w = window as unknown as Record<string, unknown>;
    const posted: unknown[] = [];
    const violations: string[] = [];
    w.__posted = posted;
    w.__cspViolations = violations;
    w.__vscodeState = saved;
    let acquired = false;
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi may be called once');
      acquired = true;
      return {
        postMessage: (message: unknown) => posted.push(JSON.parse(JSON.stringify(message))),
        getState: () => w.__vscodeState,
        setState: (state: unknown) => {
          w.__vscodeState = JSON.parse(JSON.stringify(state));
        },
      };
    };
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    const longTasks: number[] = [];
    w.__longTasks = longTasks;
    try {
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => longTasks.push(entry.duration))).observe({ type: 'longtask', buffered: true });
    } catch {
      // Not every build reports long tasks; the benchmark then goes without.
    }
  }, options.savedState);

  await page.goto(`${WEBVIEW_ORIGIN}/index.html`);

  const chatPage: ChatPage = {
    page,
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted.slice()),
    async waitForPosted(type, match) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const all = await chatPage.posted();
        const found = all.find((m) => m.type === type && (!match || match(m as never)));
        if (found) return found as never;
        if (Date.now() > deadline) throw new Error(`The view never posted "${type}"; it posted: ${JSON.stringify(all.map((m) => m.type))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async post(...messages) {
      await page.evaluate((list) => {
        for (const data of list) window.dispatchEvent(new MessageEvent('message', { data }));
      }, messages);
    },
    async handshake(state = {}) {
      await chatPage.waitForPosted('ready');
      await chatPage.post({ ...DEFAULT_STATE, ...state, type: 'state' });
      await chatPage.settle();
    },
    savedState: () => page.evaluate(() => (window as unknown as { __vscodeState: unknown }).__vscodeState),
    cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations.slice()),
    async settle() {
      await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    },
    async screenshot(name) {
      const dir = join(repositoryRoot(), 'test-results', 'webview');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await context.close();
    },
  };
  return chatPage;
}

/** A small seeded generator, so a "random" stream is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits text into token-sized pieces (about four characters, whitespace attached to the next word). */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S{1,4}|\s+/g) ?? [];
}

/** Groups tokens into chunks of 1–3 tokens, as a fast provider streams them. */
export function chunkTokens(tokens: readonly string[], random: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < tokens.length;) {
    const n = 1 + Math.floor(random() * 3);
    chunks.push(tokens.slice(i, i + n).join(''));
    i += n;
  }
  return chunks;
}

const WORDS = 'router model latency failover breaker token stream answer cost provider relay request error health score weight budget probe endpoint retry cache socket header chunk parser render frame block fence table list quote link'.split(' ');

/**
 * A long, varied markdown answer of at least `tokens` tokens: headings, paragraphs with inline
 * code and links, tight and loose lists, fenced code (with blank lines inside), tables, quotes.
 */
export function longMarkdownAnswer(tokens: number, random: () => number): string {
  const word = () => WORDS[Math.floor(random() * WORDS.length)] ?? 'token';
  const sentence = () => {
    const n = 6 + Math.floor(random() * 12);
    const words = Array.from({ length: n }, (_, i) => {
      const w = word();
      const r = random();
      if (r < 0.05) return `\`${w}()\``;
      if (r < 0.08) return `**${w}**`;
      if (r < 0.1) return `[${w}](https://example.com/${w})`;
      return i === 0 ? w[0]?.toUpperCase() + w.slice(1) : w;
    });
    return `${words.join(' ')}.`;
  };
  const paragraph = () => Array.from({ length: 2 + Math.floor(random() * 4) }, sentence).join(' ');
  const parts: string[] = [];
  let section = 0;
  while (tokenize(parts.join('\n\n')).length < tokens) {
    section++;
    parts.push(`## Section ${section}: ${word()} and ${word()}`);
    parts.push(paragraph());
    const kind = section % 5;
    if (kind === 0) parts.push(Array.from({ length: 4 }, () => `- ${sentence()}`).join('\n'));
    if (kind === 1) {
      parts.push(['```ts', `export function ${word()}${section}(input: string): number {`, `  const ${word()} = input.length * ${section};`, '', `  // ${sentence()}`, `  return ${word()};`, '}', '```'].join('\n'));
    }
    if (kind === 2) parts.push(['| model | p50 | errors |', '|---|--:|--:|', ...Array.from({ length: 3 }, () => `| ${word()} | ${Math.floor(random() * 900)} ms | ${(random() * 5).toFixed(1)} % |`)].join('\n'));
    if (kind === 3) parts.push(['1. ' + sentence(), '', '2. ' + sentence(), '', '   ' + sentence(), '', '3. ' + sentence()].join('\n'));
    if (kind === 4) parts.push(`> ${sentence()}\n> ${sentence()}`);
    parts.push(paragraph());
  }
  return `${parts.join('\n\n')}\n`;
}

export interface StreamTiming {
  /** Wall time in the page from the first delta to the rendered end of the answer. */
  totalMs: number;
  /** The longest gap between two animation frames while streaming: how long the view froze at worst. */
  longestFrameGapMs: number;
  frames: number;
}

/**
 * Streams `chunks` into answer `id` from inside the page, `perTask` delta messages per event-loop
 * task (the way a busy host's messages arrive), then ends the answer with `final` and waits for the
 * render. Returns timings for the benchmark; tests assert on the DOM, not on these.
 */
export function streamAnswer(chat: ChatPage, id: string, chunks: readonly string[], final: HostMessage, perTask = 25): Promise<StreamTiming> {
  return runStream(chat, id, chunks, final, perTask, undefined);
}

export interface RenderStats {
  parsedChars: number;
  parses: number;
  streamRenderMs: number;
  maxStreamRenderMs: number;
  streamRenders: number;
}

/** The view's rendering counters (see src/webview/markdown.ts). */
export function renderStats(chat: ChatPage): Promise<RenderStats> {
  return chat.page.evaluate(() => ({ ...(window as unknown as { __holysheepRenderStats: RenderStats }).__holysheepRenderStats }));
}

export interface StreamVsSingle {
  /** Time the view spent rendering the answer while it streamed (all frames plus the end), by its own counters. */
  streamRenderMs: number;
  /** The longest single update while streaming (the view's own counter, over this stream only). */
  maxStreamRenderMs: number;
  /** Wall time to render the same text in one go, as a restored answer (synchronous part). */
  singleRenderMs: number;
  /** streamRenderMs / singleRenderMs (the view's own counters; see scriptRatio for Chromium's). */
  ratio: number;
  /** Long tasks (> 50 ms) the page reported while streaming, in ms (PerformanceObserver 'longtask'). */
  longTasksMs: number[];
  timing: StreamTiming;
  /** The streamed DOM equals the single render's. */
  identical: boolean;
  /**
   * Chromium's own accounting (CDP Performance.getMetrics `ScriptDuration`, main thread): all
   * script run in the page from the first delta to the rendered end (message handling included,
   * and the harness's own pacing timers, which are tiny next to it; see measureHarnessOverhead).
   */
  scriptStreamMs: number;
  /** The same metric around one render of the final answer (dispatch, render, two frames). */
  scriptSingleMs: number;
  /** scriptStreamMs / scriptSingleMs. */
  scriptRatio: number;
  /** Longest main-thread task (trace RunTask events of the page's renderer) during the stream; undefined without `trace`. */
  longestTaskMs?: number;
  /** Main-thread tasks seen in the trace during the stream. */
  tasks?: number;
}

export interface StreamOptions {
  /** Delta messages per event-loop task when not paced (default 25). */
  perTask?: number;
  /** Pace the deltas at this many tokens per second (chunk i is due when its cumulative tokens are). Default: as fast as possible. */
  tokensPerSecond?: number;
  /** Tokens in each chunk (for pacing); default: `tokenize(chunk).length`. */
  chunkTokenCounts?: readonly number[];
  /** Record a Chromium trace of the stream to find its longest main-thread task. */
  trace?: boolean;
  /**
   * Paced streams only: coalesce the chunks that arrive within this many ms into one `delta`
   * message, as the extension host does (chatViewProvider's DELTA_FLUSH_MS = 16: the first chunk
   * starts a timer, its expiry posts everything collected). 0 (default): one message per chunk.
   */
  coalesceMs?: number;
}

/** The page's cumulative main-thread script time (CDP Performance metrics), in ms. */
async function scriptDurationMs(chat: ChatPage): Promise<number> {
  let session = cdpSessions.get(chat.page);
  if (!session) {
    session = await chat.page.context().newCDPSession(chat.page);
    await session.send('Performance.enable');
    cdpSessions.set(chat.page, session);
  }
  const { metrics } = await session.send('Performance.getMetrics');
  const found = metrics.find((m) => m.name === 'ScriptDuration');
  if (!found) throw new Error('Chromium reported no ScriptDuration metric');
  return found.value * 1000;
}
const cdpSessions = new WeakMap<Page, CDPSession>();

/** Due times (ms from the start) of each chunk when tokens arrive at `tokensPerSecond`. */
function dueTimes(chunks: readonly string[], options: StreamOptions): number[] | undefined {
  if (!options.tokensPerSecond) return undefined;
  const counts = options.chunkTokenCounts ?? chunks.map((c) => Math.max(1, tokenize(c).length));
  let tokens = 0;
  return counts.map((n) => {
    tokens += n;
    return (tokens / options.tokensPerSecond!) * 1000;
  });
}

/** The messages to post and when: per chunk, or batched as the host does when `coalesceMs` is set. */
function pacedChunks(chunks: readonly string[], options: StreamOptions): { chunks: readonly string[]; due: number[] | undefined } {
  const due = dueTimes(chunks, options);
  return due && options.coalesceMs ? coalesce(chunks, due, options.coalesceMs) : { chunks, due };
}

/** Host-like batching of paced chunks: one message per flush window, due when the window closes. */
function coalesce(chunks: readonly string[], due: readonly number[], windowMs: number): { chunks: string[]; due: number[] } {
  const out = { chunks: [] as string[], due: [] as number[] };
  for (let i = 0; i < chunks.length;) {
    const flushAt = due[i]! + windowMs;
    let text = '';
    while (i < chunks.length && due[i]! <= flushAt) text += chunks[i++];
    out.chunks.push(text);
    out.due.push(flushAt);
  }
  return out;
}

/** Streams chunks (paced or not) and ends the answer, inside the page. */
function runStream(chat: ChatPage, id: string, chunks: readonly string[], final: HostMessage | undefined, perTask: number, due: number[] | undefined, dispatch = true): Promise<StreamTiming> {
  return chat.page.evaluate(async ({ id, chunks, final, perTask, due, dispatch }) => {
    let frames = 0;
    let longest = 0;
    let last = performance.now();
    let watching = true;
    const tick = (now: number) => {
      frames++;
      longest = Math.max(longest, now - last);
      last = now;
      if (watching) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const started = performance.now();
    const send = (i: number) => {
      if (dispatch) window.dispatchEvent(new MessageEvent('message', { data: { type: 'delta', id, text: chunks[i], reasoning: '' } }));
    };
    if (due) {
      // Each wake-up delivers the chunks that are due, then sleeps until the next one is.
      for (let i = 0; i < chunks.length;) {
        const now = performance.now() - started;
        while (i < chunks.length && due[i]! <= now) send(i++);
        if (i < chunks.length) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due[i]! - (performance.now() - started))));
      }
    } else {
      for (let i = 0; i < chunks.length; i++) {
        send(i);
        if (i % perTask === perTask - 1) await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    if (final && dispatch) window.dispatchEvent(new MessageEvent('message', { data: final }));
    await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
    watching = false;
    return { totalMs: performance.now() - started, longestFrameGapMs: longest, frames };
  }, { id, chunks, final, perTask, due, dispatch });
}

/**
 * Script time the harness itself costs for a paced stream (its timers and frame watcher, no
 * messages dispatched): subtract it from scriptStreamMs to get the view's share alone.
 */
export async function measureHarnessOverhead(chat: ChatPage, chunks: readonly string[], options: StreamOptions = {}): Promise<number> {
  const paced = pacedChunks(chunks, options);
  const before = await scriptDurationMs(chat);
  await runStream(chat, 'none', paced.chunks, undefined, options.perTask ?? 25, paced.due, false);
  return (await scriptDurationMs(chat)) - before;
}

/** Longest RunTask on the renderer main thread(s) of a Chromium trace, and how many there were. */
export function longestTask(trace: Buffer): { longestMs: number; tasks: number } {
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents ?? [];
  const mainThreads = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  let longestUs = 0;
  let tasks = 0;
  for (const e of events) {
    if (e.ph !== 'X' || (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') || !mainThreads.has(`${e.pid}:${e.tid}`)) continue;
    tasks++;
    if ((e.dur ?? 0) > longestUs) longestUs = e.dur ?? 0;
  }
  return { longestMs: longestUs / 1000, tasks };
}
interface TraceEvent { ph: string; name: string; pid: number; tid: number; dur?: number; args?: { name?: string } }

/**
 * For the benchmark: streams `text` in `chunks` into a fresh answer, then renders the same text
 * once, and compares the work, both by the view's own counters and by Chromium's (CDP script time,
 * trace tasks). Needs a page that has done its handshake.
 */
export async function measureStreamVsSingle(chat: ChatPage, text: string, chunks: readonly string[], optionsOrPerTask: StreamOptions | number = {}): Promise<StreamVsSingle> {
  const options: StreamOptions = typeof optionsOrPerTask === 'number' ? { perTask: optionsOrPerTask } : optionsOrPerTask;
  const id = `bench-${Date.now()}`;
  await chat.post({ type: 'entryAdded', entry: { kind: 'answer', id, text: '', reasoning: '', status: 'streaming', failovers: [], hedged: false } });
  await chat.page.evaluate(() => {
    (window as unknown as { __longTasks: number[] }).__longTasks.length = 0;
    // Per-stream maximum, not the page's lifetime one.
    (window as unknown as { __holysheepRenderStats: RenderStats }).__holysheepRenderStats.maxStreamRenderMs = 0;
  });
  const before = await renderStats(chat);
  const final: HostMessage = { type: 'answerEnded', entry: { kind: 'answer', id, text, reasoning: '', status: 'done', failovers: [], hedged: false } };
  const browser = chat.page.context().browser();
  const trace = options.trace && browser ? browser : undefined;
  if (trace) await trace.startTracing(chat.page, { categories: ['disabled-by-default-devtools.timeline', 'toplevel', '__metadata'] });
  const scriptBefore = await scriptDurationMs(chat);
  const paced = pacedChunks(chunks, options);
  const timing = await runStream(chat, id, paced.chunks, final, options.perTask ?? 25, paced.due);
  const scriptStreamMs = (await scriptDurationMs(chat)) - scriptBefore;
  const tasks = trace ? longestTask(await trace.stopTracing()) : undefined;
  const after = await renderStats(chat);
  const longTasksMs = await chat.page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
  const singleId = `${id}-single`;
  const singleBefore = await scriptDurationMs(chat);
  const singleRenderMs = await chat.page.evaluate(async ({ singleId, text }) => {
    const started = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'entryAdded', entry: { kind: 'answer', id: singleId, text, reasoning: '', status: 'done', failovers: [], hedged: false } } }));
    const ms = performance.now() - started;
    await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
    return ms;
  }, { singleId, text });
  const scriptSingleMs = (await scriptDurationMs(chat)) - singleBefore;
  const html = (entryId: string) => chat.page.locator(`[data-entry-id="${entryId}"] .markdown`).innerHTML();
  const streamRenderMs = after.streamRenderMs - before.streamRenderMs;
  return {
    streamRenderMs,
    maxStreamRenderMs: after.maxStreamRenderMs,
    singleRenderMs,
    ratio: streamRenderMs / Math.max(singleRenderMs, 0.001),
    longTasksMs,
    timing,
    identical: (await html(id)) === (await html(singleId)),
    scriptStreamMs,
    scriptSingleMs,
    scriptRatio: scriptStreamMs / Math.max(scriptSingleMs, 0.001),
    longestTaskMs: tasks?.longestMs,
    tasks: tasks?.tasks,
  };
}
