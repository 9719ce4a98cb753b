/**
 * Markdown to DOM for the chat view: markdown-it with raw HTML off, every result sanitised by
 * DOMPurify before it reaches the document, code blocks given Copy / Insert buttons.
 */
import DOMPurify, { type Config } from 'dompurify';
import MarkdownIt from 'markdown-it';
import { icon } from './icons';

type Token = MarkdownIt.Token;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

/**
 * markdown-it already refuses javascript:, vbscript: and file: links and escapes raw HTML; the
 * sanitiser is the second wall. Links and images keep http(s) URLs only, images also data: (the host
 * opens links after its own check); anything that could run code, take focus or restyle the view is dropped.
 */
const PURIFY_CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  RETURN_DOM_FRAGMENT: true,
  ALLOWED_URI_REGEXP: /^https?:/i,
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'frame', 'object', 'embed', 'svg', 'math', 'dialog', 'template'],
  // `id`/`name` could clobber globals of the view's script; `style` could overlay the view.
  FORBID_ATTR: ['style', 'id', 'name', 'target', 'srcset', 'action', 'formaction'],
  ALLOW_DATA_ATTR: false,
};
// Set once: passing the config to every sanitize() call rebuilds its allow-lists each time, which
// was most of the cost of a streaming frame.
DOMPurify.setConfig(PURIFY_CONFIG);

/** Counters read by the tests and the benchmark: they show that streaming stays linear. */
export const renderStats = {
  /** Characters handed to markdown-it, over every parse. */
  parsedChars: 0,
  parses: 0,
  /** Time spent bringing streaming answers up to date (parse, sanitise, DOM), and the longest single update. */
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
  return htmlToFragment(md.renderer.render(parse(text, {}), md.options, {}));
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
  const html = md.renderer.render(tokens.slice(0, lastStart), md.options, env);
  const sawReferences = env.references !== undefined && Object.keys(env.references).length > 0;
  return { fragment: htmlToFragment(html), chars, sawReferences };
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

function htmlToFragment(html: string): DocumentFragment {
  // setConfig made RETURN_DOM_FRAGMENT the default; the typings only see it when passed per call.
  const fragment: unknown = DOMPurify.sanitize(html);
  if (!(fragment instanceof DocumentFragment)) throw new Error('The sanitiser did not return a fragment.');
  decorate(fragment);
  return fragment;
}

/** Adds what markdown does not have: a toolbar per code block and a scroller around tables. */
function decorate(fragment: DocumentFragment): void {
  for (const pre of Array.from(fragment.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    if (!code) continue;
    const language = /(?:^|\s)language-([\w#+.-]+)/.exec(code.className)?.[1] ?? '';
    const block = codeBlockFrame(language);
    pre.replaceWith(block);
    block.append(pre);
  }
  for (const table of Array.from(fragment.querySelectorAll('table'))) {
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    table.replaceWith(wrap);
    wrap.append(table);
  }
  for (const link of Array.from(fragment.querySelectorAll('a[href]'))) {
    // Shown on hover, so a person sees where a link goes before the host opens it.
    link.setAttribute('title', link.getAttribute('href') ?? '');
  }
}

/** The code block's frame and toolbar (the <pre> goes after the header). */
function codeBlockFrame(language: string): HTMLElement {
  const block = document.createElement('div');
  block.className = 'code-block';
  const header = document.createElement('div');
  header.className = 'code-header';
  const label = document.createElement('span');
  label.className = 'code-language';
  label.textContent = language || 'text';
  header.append(label, codeButton('copy', 'Copy', 'Copy code'), codeButton('insert', 'Insert', 'Insert code at the cursor'));
  block.append(header);
  return block;
}

/**
 * A fenced code block still streaming, built by hand: its code is one Text node that new text is
 * appended to, so an update costs no parse and no sanitiser pass (text in a Text node is never
 * markup). Looks like what markdown-it + decorate() make of it; the block is rendered by markdown-it
 * once it is closed and frozen, or when the answer ends.
 */
export function streamingCodeBlock(language: string): { element: HTMLElement; code: Text } {
  const block = codeBlockFrame(language);
  const pre = document.createElement('pre');
  const code = document.createElement('code');
  if (language) code.className = `language-${language}`;
  const text = document.createTextNode('');
  code.append(text);
  pre.append(code);
  block.append(pre);
  return { element: block, code: text };
}

function codeButton(action: 'copy' | 'insert', text: string, label: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `code-action code-${action}`;
  button.dataset.codeAction = action;
  button.setAttribute('aria-label', label);
  button.title = label;
  const caption = document.createElement('span');
  caption.textContent = text;
  button.append(icon(action === 'copy' ? 'copy' : 'insert'), caption);
  return button;
}
