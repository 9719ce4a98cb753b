/**
 * One answer's markdown while it streams. Rendering the whole answer on every update would cost
 * O(length) per frame and O(length²) per answer; instead, blocks that can no longer change are
 * rendered once and frozen, and only the last (open) block is rendered again each frame.
 */
import { definesReferences, renderMarkdown, takeFinishedBlocks } from './markdown';
import { codeBlock, fenceLanguage } from './markdownDom';

/** An open fenced code block shown as text (see openFence), and how much of it is shown. */
interface OpenFence {
  /** Where the block starts (frozenEnd when it was made) and its opening line, newline included. */
  start: number;
  opener: string;
  code: Text;
}

/** The opening line of a fenced code block (newline included) and its language. */
interface FenceStart {
  opener: string;
  language: string;
}

/**
 * The open block is a fenced code block at the left margin with its opening line complete and no
 * closing line yet: then its content is shown as plain text, labelled as markdownDom labels it.
 * Anything unusual (an indented fence, a closing fence) goes through markdown-it instead.
 */
function openFence(open: string): FenceStart | undefined {
  const match = /^(`{3,}|~{3,})([^\n]*)\n/.exec(open);
  if (!match) return undefined;
  const [opener, fence = '', info = ''] = match;
  // Not a fence at all: a backtick fence's info string cannot hold a backtick.
  if (fence[0] === '`' && info.includes('`')) return undefined;
  const language = fenceLanguage(info);
  const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`, 'm');
  if (closing.test(open.slice(opener.length))) return undefined;
  return { opener, language };
}

export class StreamingMarkdown {
  private text: string;
  /** text[0, frozenEnd) is in the DOM as finished blocks; frozenEnd is always a line start. */
  private frozenEnd = 0;
  /** Complete lines up to here were already looked at for finished blocks. */
  private checkedEnd = 0;
  /** The nodes of the open block, replaced on every render. */
  private openNodes: ChildNode[] = [];
  private renderedLength = -1;
  private sawReferences = false;
  private fence: OpenFence | undefined;

  constructor(private readonly container: HTMLElement, initialText = '') {
    this.text = initialText;
  }

  get value(): string {
    return this.text;
  }

  /** More text arrived and the DOM does not show it yet. */
  get dirty(): boolean {
    return this.renderedLength !== this.text.length;
  }

  append(chunk: string): void {
    this.text += chunk;
  }

  /** Brings the DOM up to date: freezes blocks that finished, renders the open one again. */
  render(final = false): void {
    if (!this.dirty && !(final && this.fence)) return;
    const completeEnd = this.text.lastIndexOf('\n') + 1;
    let open = this.text.slice(this.frozenEnd);
    let fence = openFence(open);
    // Nothing after an open code block's opener can be a block of its own until the fence closes:
    // looking would parse the whole growing block on every new line.
    if (!fence && completeEnd > this.checkedEnd && completeEnd > this.frozenEnd) {
      this.checkedEnd = completeEnd;
      const finished = takeFinishedBlocks(this.text.slice(this.frozenEnd, completeEnd));
      if (finished) {
        this.sawReferences ||= finished.sawReferences;
        this.removeOpen();
        this.container.append(finished.fragment);
        this.frozenEnd += finished.chars;
        open = this.text.slice(this.frozenEnd);
        fence = openFence(open);
      }
    }
    // At the end a hand-built code block is rendered by markdown-it like everything else.
    this.renderOpen(open, final ? undefined : fence);
    this.renderedLength = this.text.length;
  }

  private renderOpen(open: string, fence: FenceStart | undefined): void {
    if (!fence) {
      this.replaceOpen(renderMarkdown(open));
      return;
    }
    const shown = this.fence;
    if (shown && shown.start === this.frozenEnd && shown.opener === fence.opener) {
      // Text only ever grows at the end: append what is new.
      shown.code.appendData(open.slice(fence.opener.length + shown.code.length));
      return;
    }
    const block = codeBlock(fence.language, open.slice(fence.opener.length));
    this.removeOpen();
    this.openNodes = [block.element];
    this.container.append(block.element);
    this.fence = { start: this.frozenEnd, opener: fence.opener, code: block.code };
  }

  /**
   * The answer ended. Reference definitions can change blocks rendered before them, and the host's
   * final text wins over what streamed: either way the whole text is rendered once more (as is an
   * answer that never streamed here, such as one restored from history).
   */
  finish(finalText: string = this.text): void {
    const neverRendered = this.renderedLength < 0;
    if (neverRendered || finalText !== this.text || this.sawReferences || definesReferences(this.text.slice(this.frozenEnd))) {
      this.text = finalText;
      this.container.replaceChildren(renderMarkdown(finalText));
    } else {
      this.render(true);
    }
    this.openNodes = [];
    this.fence = undefined;
    this.frozenEnd = this.text.length;
    this.checkedEnd = this.text.length;
    this.renderedLength = this.text.length;
  }

  private removeOpen(): void {
    for (const node of this.openNodes) node.remove();
    this.openNodes = [];
    this.fence = undefined;
  }

  /** Shows the open block's new rendering, touching only what changed since the last one. */
  private replaceOpen(fragment: DocumentFragment): void {
    this.fence = undefined;
    this.openNodes = patchChildren(this.container, this.openNodes, Array.from(fragment.childNodes));
  }
}

/**
 * Makes `current` (the last children of `parent`) look like `next` and returns the nodes now shown.
 * A block that grows differs from its previous rendering near its end only: nodes of the same shape
 * are kept and patched in place (a Text node's data, an element's children), and from the first
 * node that differs the old ones are replaced by the new.
 */
function patchChildren(parent: ParentNode, current: readonly ChildNode[], next: readonly ChildNode[]): ChildNode[] {
  const shown: ChildNode[] = [];
  let i = 0;
  for (; i < next.length && i < current.length; i++) {
    const old = current[i]!;
    const now = next[i]!;
    if (!sameShape(old, now)) break;
    if (old instanceof Text) {
      const data = (now as Text).data;
      if (old.data !== data) {
        if (data.startsWith(old.data)) old.appendData(data.slice(old.data.length));
        else old.data = data;
      }
    } else {
      patchChildren(old as Element, Array.from(old.childNodes), Array.from(now.childNodes));
    }
    shown.push(old);
  }
  for (const old of current.slice(i)) old.remove();
  const added = next.slice(i);
  parent.append(...added);
  return shown.concat(added);
}

function sameShape(a: Node, b: Node): boolean {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (!(a instanceof Element)) return true;
  const other = b as Element;
  if (a.attributes.length !== other.attributes.length) return false;
  for (const attr of Array.from(a.attributes)) if (other.getAttribute(attr.name) !== attr.value) return false;
  return true;
}
