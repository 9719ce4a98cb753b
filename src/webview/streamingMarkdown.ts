/**
 * One answer's markdown while it streams. Rendering the whole answer on every update would cost
 * O(length) per frame and O(length²) per answer; instead, blocks that can no longer change are
 * rendered once and frozen, and only the last (open) block is rendered again each frame.
 */
import { definesReferences, renderMarkdown, takeFinishedBlocks } from './markdown';

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
  render(): void {
    if (!this.dirty) return;
    const completeEnd = this.text.lastIndexOf('\n') + 1;
    if (completeEnd > this.checkedEnd && completeEnd > this.frozenEnd) {
      this.checkedEnd = completeEnd;
      const finished = takeFinishedBlocks(this.text.slice(this.frozenEnd, completeEnd));
      if (finished) {
        this.sawReferences ||= finished.sawReferences;
        this.removeOpen();
        this.container.append(finished.fragment);
        this.frozenEnd += finished.chars;
      }
    }
    this.replaceOpen(renderMarkdown(this.text.slice(this.frozenEnd)));
    this.renderedLength = this.text.length;
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
      this.render();
    }
    this.openNodes = [];
    this.frozenEnd = this.text.length;
    this.checkedEnd = this.text.length;
    this.renderedLength = this.text.length;
  }

  private removeOpen(): void {
    for (const node of this.openNodes) node.remove();
    this.openNodes = [];
  }

  private replaceOpen(fragment: DocumentFragment): void {
    this.removeOpen();
    this.openNodes = Array.from(fragment.childNodes);
    this.container.append(fragment);
  }
}
