/**
 * The conversation: user messages, streamed answers with their footers, and errors with actions.
 * Deltas are only collected when they arrive; the DOM is updated once per animation frame.
 */
import type { AnswerEntry, ErrorAction, ErrorEntry, RouteProgress, TranscriptEntry, UserEntry, WebviewMessage } from '../shared/protocol';
import { failoverPath, reasonLabel, renderFooter } from './answerFooter';
import { icon, type IconName } from './icons';
import { recordStreamRender, renderMarkdown } from './markdown';
import { StreamingMarkdown } from './streamingMarkdown';

export interface TranscriptCallbacks {
  post(message: WebviewMessage): void;
  /** The user asked to retry (the composer drops text it put back after the failure). */
  onRetry(): void;
  /** The user scrolled (the view saves the position with its state). */
  onScroll(): void;
}

export interface ScrollPosition {
  top: number;
  atBottom: boolean;
}

/** Closer than this to the end counts as "at the bottom": new text keeps the view there. */
const BOTTOM_SLACK_PX = 24;
/**
 * Streaming updates are coalesced per animation frame and spaced at least this far apart: every
 * update has a fixed cost (a parse and new nodes for the open block), and text flowing at 30
 * updates a second reads as smoothly as at 60.
 */
const MIN_RENDER_INTERVAL_MS = 32;
/** …and at most this far apart, so the text visibly streams (10 updates a second) however slow an update is. */
const MAX_RENDER_INTERVAL_MS = 100;
/** The gap after an update is this many times its cost: rendering stays a small share (≤ 1/k) of the main thread. */
const RENDER_COST_FACTOR = 50;

interface EntryView {
  readonly entry: TranscriptEntry;
  readonly element: HTMLElement;
  readonly retryButtons: HTMLButtonElement[];
}

export class TranscriptView {
  /** The scrolling container. */
  readonly element: HTMLElement;
  /** The list of entries (role=log). */
  private readonly log: HTMLElement;
  private readonly emptyState: HTMLElement;
  private readonly views = new Map<string, EntryView>();
  private readonly streaming = new Map<string, AnswerView>();
  private busy = false;
  private frame: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Earliest time of the next render: a slow render spaces the next ones out, so typing stays responsive. */
  private nextRenderAt = 0;
  private atBottom = true;
  /** Where our own scrollToBottom left the view, to tell its scroll event from the user's. */
  private programmaticTop = -1;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly callbacks: TranscriptCallbacks) {
    this.element = document.createElement('div');
    this.element.className = 'conversation';
    this.emptyState = buildEmptyState();
    this.log = document.createElement('div');
    this.log.className = 'transcript';
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    this.log.setAttribute('aria-relevant', 'additions');
    this.log.setAttribute('aria-label', 'Conversation');
    this.element.append(this.emptyState, this.log);
    this.element.addEventListener('click', (event) => this.onClick(event));
    // Middle-click would open a link in a new webview window: links open through the host only.
    this.element.addEventListener('auxclick', (event) => {
      if (event.target instanceof Element && event.target.closest('a')) event.preventDefault();
    });
    this.element.addEventListener('scroll', () => {
      // Only the user's own scrolling decides whether we follow the end: the event our own
      // scrollToBottom caused can arrive after the content grew again, and would look like one.
      if (this.element.scrollTop !== this.programmaticTop) {
        this.atBottom = this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight <= BOTTOM_SLACK_PX;
      }
      this.callbacks.onScroll();
    }, { passive: true });
    // The input growing, the view resizing or the conversation growing (a restore laying out its
    // code blocks) must not push the newest text out of sight.
    this.resizeObserver = new ResizeObserver(() => this.stickToBottom());
    this.resizeObserver.observe(this.element);
    this.resizeObserver.observe(this.log);
    this.updateEmptyState();
  }

  get scrollPosition(): ScrollPosition {
    return { top: this.element.scrollTop, atBottom: this.atBottom };
  }

  restoreScroll(position: ScrollPosition | undefined): void {
    if (!position || position.atBottom) {
      this.scrollToBottom();
      return;
    }
    this.element.scrollTop = position.top;
    this.atBottom = false;
  }

  /** Replaces everything (the host's `state`). */
  setEntries(entries: readonly TranscriptEntry[]): void {
    this.clear();
    for (const entry of entries) this.add(entry, false);
    this.afterChange();
  }

  add(entry: TranscriptEntry, scroll = true): void {
    this.detach(entry.id);
    const view = entry.kind === 'user' ? userView(entry)
      : entry.kind === 'answer' ? new AnswerView(entry)
      : errorView(entry);
    this.views.set(entry.id, view);
    this.log.append(view.element);
    if (view instanceof AnswerView && entry.kind === 'answer' && entry.status === 'streaming') this.streaming.set(entry.id, view);
    if (scroll) {
      // The user's own message always brings the view down to it.
      if (entry.kind === 'user') this.atBottom = true;
      this.afterChange();
    }
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.detach(id);
    this.afterChange();
  }

  private detach(id: string): void {
    this.views.get(id)?.element.remove();
    this.views.delete(id);
    this.streaming.delete(id);
  }

  clear(): void {
    this.log.replaceChildren();
    this.views.clear();
    this.streaming.clear();
    this.afterChange();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.updateRetry();
    // Retry appears once the answer ends: keep it in view.
    this.stickToBottom();
  }

  route(id: string, progress: RouteProgress): void {
    this.streaming.get(id)?.route(progress);
    this.afterChange();
  }

  delta(id: string, text: string, reasoning: string): void {
    const view = this.streaming.get(id);
    if (!view) return;
    view.append(text, reasoning);
    this.scheduleRender();
  }

  answerEnded(entry: AnswerEntry): void {
    const view = this.views.get(entry.id);
    this.streaming.delete(entry.id);
    if (!(view instanceof AnswerView)) {
      this.add(entry);
      return;
    }
    if (entry.status === 'failed' && !entry.text) {
      // Nothing was said: the error entry that follows tells the story.
      this.remove([entry.id]);
      return;
    }
    const started = performance.now();
    view.finish(entry);
    recordStreamRender(performance.now() - started);
    this.afterChange();
  }

  /** Renders every streaming answer now (tests and a closing stream call this instead of waiting a frame). */
  renderNow(): void {
    this.cancelRender();
    const started = performance.now();
    for (const view of this.streaming.values()) view.render();
    const cost = performance.now() - started;
    recordStreamRender(cost);
    this.nextRenderAt = started + Math.min(MAX_RENDER_INTERVAL_MS, Math.max(MIN_RENDER_INTERVAL_MS, RENDER_COST_FACTOR * cost));
    // No scrolling here: reading scrollHeight right after the DOM changed would force a layout on
    // every update. The ResizeObserver on the log keeps the end in view once the browser has laid out.
  }

  private scheduleRender(): void {
    if (this.frame !== undefined || this.timer !== undefined) return;
    // Sleep on a timer until the next update is due (rather than waking every frame to check), then
    // render at the start of a frame.
    const wait = this.nextRenderAt - performance.now();
    if (wait > 1) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduleRender();
      }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.renderNow();
    });
  }

  private cancelRender(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
  }

  private afterChange(): void {
    this.updateEmptyState();
    this.updateRetry();
    this.stickToBottom();
  }

  private stickToBottom(): void {
    if (this.views.size === 0) {
      // The welcome text reads from its top.
      this.element.scrollTop = 0;
      return;
    }
    if (this.atBottom) this.scrollToBottom();
  }

  private scrollToBottom(): void {
    this.element.scrollTop = this.element.scrollHeight;
    this.programmaticTop = this.element.scrollTop;
    this.atBottom = true;
  }

  private updateEmptyState(): void {
    this.emptyState.hidden = this.views.size > 0;
  }

  /** Retry re-sends the last user message, so only the last entry offers it, and not while a request runs. */
  private updateRetry(): void {
    const last = this.log.lastElementChild;
    for (const view of this.views.values()) {
      const offered = !this.busy && view.element === last && !(view instanceof AnswerView && view.isStreaming);
      for (const button of view.retryButtons) button.hidden = !offered;
    }
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const link = target.closest('a');
    if (link) {
      event.preventDefault();
      const href = link.getAttribute('href');
      if (href) this.callbacks.post({ type: 'openLink', href });
      return;
    }
    const button = target.closest('button');
    if (!button) return;
    const codeAction = button.dataset.codeAction;
    if (codeAction === 'copy' || codeAction === 'insert') {
      const code = button.closest('.code-block')?.querySelector('pre code')?.textContent ?? '';
      this.callbacks.post(codeAction === 'copy' ? { type: 'copyCode', code } : { type: 'insertCode', code });
      if (codeAction === 'copy') flashCopied(button);
      return;
    }
    const action = button.dataset.errorAction;
    if (action === 'retry') {
      this.callbacks.onRetry();
      this.callbacks.post({ type: 'retry' });
    } else if (action === 'setApiKey') {
      this.callbacks.post(button.dataset.endpointId ? { type: 'setApiKey', endpointId: button.dataset.endpointId } : { type: 'setApiKey' });
    } else if (action === 'openSettings') {
      this.callbacks.post(button.dataset.settingId ? { type: 'openSettings', settingId: button.dataset.settingId } : { type: 'openSettings' });
    } else if (action === 'showLog') {
      this.callbacks.post({ type: 'showLog' });
    }
  }
}

class AnswerView implements EntryView {
  readonly element: HTMLElement;
  readonly retryButtons: HTMLButtonElement[] = [];
  private readonly modelChip: HTMLElement;
  private readonly status: HTMLElement;
  private readonly reasoning: HTMLDetailsElement;
  private readonly reasoningText: Text;
  private readonly markdown: StreamingMarkdown;
  private readonly note: HTMLElement;
  private readonly footer: HTMLElement;
  private failovers: { from: string; to: string; reason: string }[];
  private current: AnswerEntry;

  constructor(entry: AnswerEntry) {
    this.current = entry;
    this.failovers = [...entry.failovers];
    this.element = entryElement('answer', entry.id);
    const header = entryHeader('sheep', 'HolySheep');
    this.modelChip = document.createElement('span');
    this.modelChip.className = 'model-chip';
    header.append(this.modelChip);

    this.status = document.createElement('div');
    this.status.className = 'route-status';

    this.reasoning = document.createElement('details');
    this.reasoning.className = 'reasoning';
    const summary = document.createElement('summary');
    summary.textContent = 'Reasoning';
    const reasoningBody = document.createElement('div');
    reasoningBody.className = 'reasoning-text';
    this.reasoningText = document.createTextNode(entry.reasoning);
    reasoningBody.append(this.reasoningText);
    this.reasoning.append(summary, reasoningBody);

    const body = document.createElement('div');
    body.className = 'markdown';
    this.markdown = new StreamingMarkdown(body, entry.text);

    this.note = document.createElement('p');
    this.note.className = 'answer-note';
    this.note.textContent = 'Stopped before the first word.';
    this.note.hidden = true;

    this.footer = document.createElement('div');
    this.footer.className = 'answer-footer';

    const actions = document.createElement('div');
    actions.className = 'answer-actions';
    const retry = actionButton({ action: 'retry', label: 'Retry' }, 'subtle');
    this.retryButtons.push(retry);
    actions.append(retry);

    this.element.append(header, this.status, this.reasoning, body, this.note, this.footer, actions);
    if (entry.status === 'streaming') {
      this.element.setAttribute('aria-busy', 'true');
      this.markdown.render();
      // A view shown again mid-answer gets the text so far: then only the failover path (if any) shows.
      this.showProgress(entry.text ? undefined : entry.model ? `Asking ${entry.model}…` : 'Routing…');
      this.footer.hidden = true;
    } else {
      this.finish(entry);
    }
    this.updateModel(entry.model);
    this.reasoning.hidden = !entry.reasoning;
  }

  get entry(): AnswerEntry {
    return this.current;
  }

  get isStreaming(): boolean {
    return this.current.status === 'streaming';
  }

  append(text: string, reasoning: string): void {
    if (text) this.markdown.append(text);
    if (reasoning) {
      this.reasoningText.appendData(reasoning);
      this.reasoning.hidden = false;
    }
  }

  render(): void {
    const first = this.markdown.value.length > 0 && this.status.dataset.phase === 'waiting';
    this.markdown.render();
    if (first) this.showProgress(undefined);
  }

  route(progress: RouteProgress): void {
    switch (progress.kind) {
      case 'attempt':
        this.updateModel(progress.model);
        if (!this.markdown.value) this.showProgress(progress.attempt > 1 ? `Asking ${progress.model} (attempt ${progress.attempt})…` : `Asking ${progress.model}…`);
        break;
      case 'failover':
        this.failovers.push({ from: progress.from, to: progress.to, reason: progress.reason });
        this.updateModel(progress.to);
        this.showProgress(`${progress.from} failed (${reasonLabel(progress.reason)}): asking ${progress.to}…`);
        break;
      case 'hedge':
        this.showProgress(`${progress.primary} is slow to start: also asking ${progress.backup}…`);
        break;
    }
  }

  finish(entry: AnswerEntry): void {
    this.current = entry;
    this.failovers = [...entry.failovers];
    this.markdown.finish(entry.text);
    this.reasoningText.data = entry.reasoning;
    this.reasoning.hidden = !entry.reasoning;
    this.element.removeAttribute('aria-busy');
    this.element.dataset.status = entry.status;
    this.status.hidden = true;
    this.status.replaceChildren();
    this.note.hidden = !(entry.status === 'stopped' && !entry.text);
    renderFooter(this.footer, entry);
    this.updateModel(entry.model);
  }

  /** The line above a streaming answer: "Asking gpt-4.1…", then the failover path once text flows. */
  private showProgress(waitingText: string | undefined): void {
    const path = failoverPath(this.failovers);
    if (waitingText === undefined && !path) {
      this.status.hidden = true;
      this.status.dataset.phase = 'streaming';
      return;
    }
    this.status.hidden = false;
    this.status.dataset.phase = waitingText === undefined ? 'streaming' : 'waiting';
    const children: Node[] = [icon('route')];
    const text = document.createElement('span');
    text.textContent = waitingText ?? path;
    children.push(text);
    if (waitingText !== undefined) {
      const dots = document.createElement('span');
      dots.className = 'progress-dots';
      dots.setAttribute('aria-hidden', 'true');
      dots.append(document.createElement('i'), document.createElement('i'), document.createElement('i'));
      children.push(dots);
    }
    this.status.replaceChildren(...children);
  }

  private updateModel(model: string | undefined): void {
    this.modelChip.textContent = model ?? '';
    this.modelChip.hidden = !model;
  }
}

function userView(entry: UserEntry): EntryView {
  const element = entryElement('user', entry.id);
  const body = document.createElement('div');
  body.className = 'markdown';
  body.append(renderMarkdown(entry.text));
  element.append(entryHeader(undefined, 'You'), body);
  return { entry, element, retryButtons: [] };
}

function errorView(entry: ErrorEntry): EntryView {
  const element = entryElement('error', entry.id);
  element.dataset.code = entry.code;
  const box = document.createElement('div');
  box.className = 'error-box';
  const title = document.createElement('div');
  title.className = 'error-title';
  const code = document.createElement('span');
  code.className = 'error-code';
  code.textContent = entry.code;
  const titleText = document.createElement('span');
  titleText.textContent = entry.title;
  title.append(icon('error'), titleText, code);
  const message = document.createElement('p');
  message.className = 'error-message';
  message.textContent = entry.message;
  const actions = document.createElement('div');
  actions.className = 'error-actions';
  const retryButtons: HTMLButtonElement[] = [];
  entry.actions.forEach((action, index) => {
    const button = actionButton(action, index === 0 ? 'primary' : 'secondary');
    if (action.action === 'retry') retryButtons.push(button);
    actions.append(button);
  });
  box.append(title, message, actions);
  element.append(box);
  return { entry, element, retryButtons };
}

const ACTION_ICONS: Record<ErrorAction['action'], IconName> = { setApiKey: 'key', retry: 'retry', openSettings: 'settings', showLog: 'log' };

function actionButton(action: ErrorAction, style: 'primary' | 'secondary' | 'subtle'): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `action-button ${style}`;
  button.dataset.errorAction = action.action;
  if (action.endpointId) button.dataset.endpointId = action.endpointId;
  if (action.settingId) button.dataset.settingId = action.settingId;
  const label = document.createElement('span');
  label.textContent = action.label;
  button.append(icon(ACTION_ICONS[action.action]), label);
  return button;
}

function entryElement(kind: TranscriptEntry['kind'], id: string): HTMLElement {
  const element = document.createElement('article');
  element.className = `entry entry-${kind}`;
  element.dataset.entryId = id;
  return element;
}

function entryHeader(avatar: IconName | undefined, name: string): HTMLElement {
  const header = document.createElement('div');
  header.className = 'entry-header';
  const badge = document.createElement('span');
  badge.className = `avatar${avatar ? '' : ' avatar-user'}`;
  badge.setAttribute('aria-hidden', 'true');
  if (avatar) badge.append(icon(avatar));
  else badge.textContent = name.slice(0, 1);
  const label = document.createElement('span');
  label.className = 'entry-name';
  label.textContent = name;
  header.append(badge, label);
  return header;
}

function buildEmptyState(): HTMLElement {
  const empty = document.createElement('div');
  empty.className = 'empty-state';
  const logo = document.createElement('div');
  logo.className = 'empty-logo';
  logo.append(icon('sheep'));
  const title = document.createElement('h2');
  title.textContent = 'Ask HolySheep';
  const text = document.createElement('p');
  text.textContent = 'Each question goes to the best healthy model for its cost, error rate and latency. If that model fails, the next one takes over and the footer shows the path.';
  const tips = document.createElement('ul');
  for (const tip of ['Enter sends, Shift+Enter starts a new line, Escape stops.', 'Select code and run “Explain Selection” (Ctrl+Alt+E).', 'Pick a fixed model above, or leave it on Auto.']) {
    const item = document.createElement('li');
    item.textContent = tip;
    tips.append(item);
  }
  empty.append(logo, title, text, tips);
  return empty;
}

function flashCopied(button: HTMLButtonElement): void {
  const caption = button.querySelector('span');
  if (!caption) return;
  button.classList.add('done');
  caption.textContent = 'Copied';
  button.querySelector('svg')?.replaceWith(icon('check'));
  setTimeout(() => {
    button.classList.remove('done');
    caption.textContent = 'Copy';
    button.querySelector('svg')?.replaceWith(icon('copy'));
  }, 1500);
}
