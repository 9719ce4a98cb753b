/**
 * markdown-it's tokens straight to DOM nodes, in place of its HTML renderer. No HTML string is ever
 * made or parsed, so there is nothing to sanitise: elements come only from the allow-list below,
 * attributes only from the few set here (links and images checked first), and all text goes into
 * Text nodes, which are never markup. This is also what keeps streaming cheap: the open block is
 * rebuilt on every update, and parsing plus sanitising an HTML string was most of that cost.
 */
import type MarkdownIt from 'markdown-it';
import { icon } from './icons';

type Token = MarkdownIt.Token;

/** The elements markdown-it's core rules produce (raw HTML is off, so there are no others). */
const ELEMENTS = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'table', 'thead', 'tbody',
  'tr', 'th', 'td', 'em', 'strong', 's', 'a', 'hr', 'br',
]);
/** Links open through the host, which checks them again; nothing but http(s) reaches it. */
const LINK_URL = /^https?:/i;
/** Images shown inline: raster data only. The view loads nothing remote (its CSP refuses it). */
const IMAGE_DATA_URL = /^data:image\/(?:gif|png|jpeg|webp);/i;
/** A fence's language, as a class name and a label. */
const LANGUAGE = /^[\w#+.-]+$/;
const ALIGNMENTS = new Set(['left', 'center', 'right']);

/** Renders block tokens (as md.parse returns them) into a fragment. */
export function tokensToFragment(tokens: readonly Token[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const stack: ParentNode[] = [fragment];
  for (const [index, token] of tokens.entries()) {
    const parent = stack[stack.length - 1] ?? fragment;
    // A tight list's paragraphs are hidden: their text goes straight into the item.
    if (token.hidden) continue;
    if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (token.nesting === 1) {
      // As markdown-it does: a newline between a tight item's text and a block that follows it.
      if (tokens[index - 1]?.hidden) appendText(parent, '\n');
      stack.push(openElement(token, parent));
      continue;
    }
    switch (token.type) {
      case 'inline':
        appendInline(parent, token.children ?? []);
        break;
      case 'fence':
        parent.append(codeBlock(fenceLanguage(token.info), token.content).element);
        break;
      case 'code_block':
        parent.append(codeBlock('', token.content).element);
        break;
      case 'hr':
        if (tokens[index - 1]?.hidden) appendText(parent, '\n');
        parent.append(document.createElement('hr'));
        break;
      default:
        // html_block cannot occur with raw HTML off; anything unforeseen is shown as its text.
        if (token.content) appendText(parent, token.content);
    }
  }
  return fragment;
}

function appendInline(parent: ParentNode, tokens: readonly Token[]): void {
  const stack: ParentNode[] = [parent];
  for (const token of tokens) {
    const top = stack[stack.length - 1] ?? parent;
    if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (token.nesting === 1) {
      stack.push(openElement(token, top));
      continue;
    }
    switch (token.type) {
      case 'text':
        appendText(top, token.content);
        break;
      case 'softbreak':
        appendText(top, '\n');
        break;
      case 'hardbreak':
        top.append(document.createElement('br'), '\n');
        break;
      case 'code_inline': {
        const code = document.createElement('code');
        code.textContent = token.content;
        top.append(code);
        break;
      }
      case 'image':
        top.append(image(token));
        break;
      default:
        if (token.content) appendText(top, token.content);
    }
  }
}

/** The element a token opens, appended to its parent; for a table, the table inside its scroller. */
function openElement(token: Token, parent: ParentNode): ParentNode {
  const tag = ELEMENTS.has(token.tag) ? token.tag : 'div';
  const element = document.createElement(tag);
  switch (tag) {
    case 'a': {
      const href = token.attrGet('href');
      if (href && LINK_URL.test(href)) {
        element.setAttribute('href', href);
        // Shown on hover, so a person sees where a link goes before the host opens it.
        element.title = href;
      }
      break;
    }
    case 'ol': {
      const start = token.attrGet('start');
      if (start !== null && /^\d+$/.test(start)) (element as HTMLOListElement).start = Number(start);
      break;
    }
    case 'th':
    case 'td': {
      // markdown-it writes alignment as a style attribute, which the CSP would refuse; CSSOM is allowed.
      const align = /^text-align:(\w+)$/.exec(token.attrGet('style') ?? '')?.[1];
      if (align && ALIGNMENTS.has(align)) element.style.textAlign = align;
      break;
    }
    case 'table': {
      const wrap = document.createElement('div');
      wrap.className = 'table-wrap';
      wrap.append(element);
      parent.append(wrap);
      return element;
    }
  }
  parent.append(element);
  return element;
}

/**
 * An inline image for data, a link to a remote one (opened through the host like any link): the
 * view loads nothing remote, so an image cannot tell a server that the answer was read.
 */
function image(token: Token): HTMLElement {
  const alt = inlineText(token.children ?? []);
  const src = token.attrGet('src') ?? '';
  if (IMAGE_DATA_URL.test(src)) {
    const img = document.createElement('img');
    img.alt = alt;
    img.src = src;
    const title = token.attrGet('title');
    if (title) img.title = title;
    return img;
  }
  const link = document.createElement('a');
  link.className = 'image-link';
  link.textContent = alt || 'image';
  if (LINK_URL.test(src)) {
    link.setAttribute('href', src);
    link.title = src;
  }
  return link;
}

/** An image's alt text: the plain text of its description, as markdown-it's own renderer makes it. */
function inlineText(tokens: readonly Token[]): string {
  let text = '';
  for (const token of tokens) {
    if (token.type === 'text' || token.type === 'code_inline') text += token.content;
    else if (token.type === 'image') text += inlineText(token.children ?? []);
    else if (token.type === 'softbreak' || token.type === 'hardbreak') text += '\n';
  }
  return text;
}

/** Text joins the Text node before it, as it would in parsed HTML. */
function appendText(parent: ParentNode, text: string): void {
  const last = (parent as Node).lastChild;
  if (last instanceof Text) last.appendData(text);
  else parent.append(text);
}

/** A fence's language from its info string ('' when it has none usable as a class name). */
export function fenceLanguage(info: string): string {
  const language = info.trim().split(/\s+/)[0] ?? '';
  return LANGUAGE.test(language) ? language : '';
}

/**
 * A code block in its frame, with a toolbar (Copy, Insert). Its code is one Text node, so a block
 * still streaming can be extended with appendData (see StreamingMarkdown).
 */
export function codeBlock(language: string, code: string): { element: HTMLElement; code: Text } {
  const block = document.createElement('div');
  block.className = 'code-block';
  const header = document.createElement('div');
  header.className = 'code-header';
  const label = document.createElement('span');
  label.className = 'code-language';
  label.textContent = language || 'text';
  header.append(label, codeButton('copy', 'Copy', 'Copy code'), codeButton('insert', 'Insert', 'Insert code at the cursor'));
  const pre = document.createElement('pre');
  const codeElement = document.createElement('code');
  if (language) codeElement.className = `language-${language}`;
  const text = document.createTextNode(code);
  codeElement.append(text);
  pre.append(codeElement);
  block.append(header, pre);
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
