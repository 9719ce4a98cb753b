/**
 * Markdown to DOM for the chat view: markdown-it parses (raw HTML off, so markup in an answer is
 * text), and markdownDom builds the nodes from its tokens with an allow-list.
 */
import MarkdownIt from 'markdown-it';
import { tokensToFragment } from './markdownDom';

type Token = MarkdownIt.Token;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

/** Counters read by the tests and the benchmark: they show that streaming stays linear. */
export const renderStats = {
  /** Characters handed to markdown-it, over every parse. */
  parsedChars: 0,
  parses: 0,
  /** Time spent bringing streaming answers up to date (parse and DOM), and the longest single update. */
  streamRenderMs: 0,
  maxStreamRenderMs: 0,
  streamRenders: 0,
};

/** Adds one streaming update's duration to the counters. */
export function recordStreamRender(ms: number): void {
  renderStats.streamRenderMs += ms;
  renderStats.streamRenders++;
  if (ms > renderStats.maxStreamRenderMs) renderStats.maxStreamRenderMs = ms;
}

declare global {
  interface Window {
    __holysheepRenderStats?: typeof renderStats;
  }
}
if (typeof window !== 'undefined') window.__holysheepRenderStats = renderStats;

interface MarkdownEnv {
  references?: Record<string, unknown>;
}

/** Renders a whole text at once (restored answers, user messages, the end of a stream that needs it). */
export function renderMarkdown(text: string): DocumentFragment {
  return tokensToFragment(parse(text, {}));
}

/** True when the text defines reference links, which can change how earlier blocks render. */
export function definesReferences(text: string): boolean {
  const env: MarkdownEnv = {};
  parse(text, env);
  return env.references !== undefined && Object.keys(env.references).length > 0;
}

export interface FinishedBlocks {
  /** The rendered blocks that can no longer change. */
  fragment: DocumentFragment;
  /** How many characters of the input they cover (always ending at a line start). */
  chars: number;
  /** Reference definitions were seen: the whole answer must be rendered again at its end. */
  sawReferences: boolean;
}

/**
 * Given complete lines of a streaming answer, renders every top-level block except the last, which
 * more text may still extend. A block followed by the start of another cannot change any more (the
 * CommonMark parser never reopens a closed block), so these are safe to freeze. Undefined when the
 * text is still a single block.
 */
export function takeFinishedBlocks(completeLines: string): FinishedBlocks | undefined {
  const env: MarkdownEnv = {};
  const tokens = parse(completeLines, env);
  let lastStart = -1;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i];
    if (token && token.level === 0 && token.nesting !== -1 && token.map) {
      lastStart = i;
      break;
    }
  }
  const startLine = tokens[lastStart]?.map?.[0];
  if (lastStart <= 0 || startLine === undefined || startLine === 0) return undefined;
  const chars = offsetOfLine(completeLines, startLine);
  const sawReferences = env.references !== undefined && Object.keys(env.references).length > 0;
  return { fragment: tokensToFragment(tokens.slice(0, lastStart)), chars, sawReferences };
}

function parse(text: string, env: MarkdownEnv): Token[] {
  renderStats.parses++;
  renderStats.parsedChars += text.length;
  return md.parse(text, env);
}

function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}
