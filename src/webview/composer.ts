/**
 * The message input: Enter sends, Shift+Enter breaks the line, Escape stops. Text leaves the box
 * only when a send goes out, and comes back if the host refuses it or the request fails.
 */
import { LIMITS } from '../shared/protocol';
import { icon } from './icons';

export interface ComposerCallbacks {
  send(text: string): void;
  stop(): void;
  /** Enter was pressed while nothing can be sent (no key): point at the way out. */
  blocked(reason: string): void;
  draftChanged(): void;
}

/** Tallest the input grows before it scrolls. */
const MAX_INPUT_PX = 220;

export class Composer {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly button: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private busy = false;
  private blockedReason: string | undefined;

  constructor(private readonly callbacks: ComposerCallbacks) {
    this.element = document.createElement('form');
    this.element.className = 'composer';
    this.element.setAttribute('aria-label', 'Send a message');

    const box = document.createElement('div');
    box.className = 'composer-box';
    this.input = document.createElement('textarea');
    this.input.className = 'composer-input';
    this.input.rows = 1;
    this.input.placeholder = 'Ask HolySheep…';
    this.input.setAttribute('aria-label', 'Message');
    this.input.setAttribute('aria-describedby', 'composer-hint');
    this.input.spellcheck = true;

    this.button = document.createElement('button');
    this.button.type = 'submit';
    this.button.className = 'composer-send';

    box.append(this.input, this.button);
    this.hint = document.createElement('div');
    this.hint.id = 'composer-hint';
    this.hint.className = 'composer-hint';
    this.element.append(box, this.hint);

    this.input.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.input.addEventListener('input', () => {
      this.autoSize();
      this.callbacks.draftChanged();
    });
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.busy) this.callbacks.stop();
      else this.submit();
    });
    this.update();
  }

  get draft(): string {
    return this.input.value;
  }

  set draft(text: string) {
    this.input.value = text;
    this.autoSize();
    this.callbacks.draftChanged();
  }

  focus(): void {
    this.input.focus();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.update();
  }

  /** Undefined: sending works. Otherwise why it does not (the text can still be typed and kept). */
  setBlocked(reason: string | undefined): void {
    this.blockedReason = reason;
    this.update();
  }

  /** Gives a message back to the input without overwriting what the user typed since. */
  restore(text: string): void {
    const current = this.input.value;
    if (current === text || current.startsWith(`${text}\n`)) return;
    this.draft = current.trim() ? `${text}\n\n${current}` : text;
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    } else if (event.key === 'Escape' && this.busy) {
      event.preventDefault();
      this.callbacks.stop();
    }
  }

  private submit(): void {
    const text = this.input.value;
    if (!text.trim()) return;
    if (this.busy) {
      this.setHint('An answer is still coming: wait for it, or press Escape to stop it. Your message stays here.', true);
      return;
    }
    if (this.blockedReason) {
      this.callbacks.blocked(this.blockedReason);
      return;
    }
    if (text.length > LIMITS.messageChars) {
      this.setHint(`This message has ${text.length.toLocaleString('en-US')} characters; the limit is ${LIMITS.messageChars.toLocaleString('en-US')}.`, true);
      return;
    }
    this.callbacks.send(text);
    this.draft = '';
  }

  private update(): void {
    this.button.replaceChildren(icon(this.busy ? 'stop' : 'send'));
    const label = this.busy ? 'Stop (Escape)' : 'Send (Enter)';
    this.button.setAttribute('aria-label', label);
    this.button.title = label;
    this.button.classList.toggle('stop', this.busy);
    this.button.disabled = !this.busy && this.blockedReason !== undefined;
    this.element.classList.toggle('busy', this.busy);
    this.setHint(this.busy ? 'Escape stops the answer.' : 'Enter to send · Shift+Enter for a new line', false);
  }

  private setHint(text: string, warning: boolean): void {
    this.hint.textContent = text;
    this.hint.classList.toggle('warning', warning);
  }

  private autoSize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_INPUT_PX)}px`;
  }
}
