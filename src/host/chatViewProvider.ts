/**
 * The chat view's host side: serves the webview, validates every message from it, runs one routed
 * request at a time and relays its progress, and keeps the transcript in workspace state. The
 * webview only renders; everything it asks for (links, code insertion, keys, settings) happens here.
 */
import * as vscode from 'vscode';
import type { BudgetAdmission } from '../core/budget';
import type { ChatRequest, ChatResult, RouteOptions } from '../core/chat';
import type { RouterConfig } from '../core/config';
import { RouterError, isRouterError } from '../core/errors';
import type { RouteEvent } from '../core/routeEvents';
import {
  parseWebviewMessage,
  type AnswerEntry,
  type ErrorAction,
  type ErrorEntry,
  type HostMessage,
  type KeyState,
  type ModelOption,
  type TranscriptEntry,
  type UserEntry,
  type WebviewMessage,
} from '../shared/protocol';
import { ChatTranscript, newEntryId } from './chatTranscript';
import { chatViewHtml, createNonce } from './chatViewHtml';
import { COMMANDS } from './commands';
import { formatPricePerMTok } from './format';
import { SETTINGS_SECTION, settingIdOf } from './settings';

export const CHAT_VIEW_ID = 'holysheepRouter.chat';
/** True while a request runs: the Stop command shows in the view title and the palette. */
export const BUSY_CONTEXT_KEY = 'holysheepRouter.busy';
/** Deltas are sent to the webview at most this often; it renders once per frame anyway. */
const DELTA_FLUSH_MS = 16;

/** What the chat needs from the router. */
export interface ChatRouter {
  readonly config: RouterConfig;
  chat(request: ChatRequest, options?: RouteOptions): Promise<ChatResult>;
}

export interface ChatKeys {
  readonly isDemo: boolean;
  hasUsableKey(): Promise<boolean>;
}

export interface ChatSettings {
  readonly config: RouterConfig;
  readonly selectedModel: string;
  setSelectedModel(id: string): Thenable<void>;
  readonly onDidChange: vscode.Event<RouterConfig>;
}

export interface ChatViewDeps {
  extensionUri: vscode.Uri;
  router: ChatRouter;
  /** workspaceState: the transcript belongs to the workspace. */
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  keys: ChatKeys;
  settings: ChatSettings;
  /** The daily budget: asked before each request, to note a cheapest-only answer. */
  budget?: { admit(): BudgetAdmission };
}

/** How one question ended; `ask()` resolves with it (integration tests drive a round trip this way). */
export interface ChatTurn {
  status: 'done' | 'stopped' | 'failed' | 'noKey';
  user?: UserEntry;
  answer?: AnswerEntry;
  error?: ErrorEntry;
}

interface RunningTurn {
  readonly controller: AbortController;
  readonly user: UserEntry;
  readonly answer: AnswerEntry;
  /** Bumped by New Chat: a turn of an older conversation ends without touching the new one. */
  readonly conversation: number;
  done: Promise<ChatTurn>;
  pendingText: string;
  pendingReasoning: string;
  flushTimer: ReturnType<typeof setTimeout> | undefined;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = CHAT_VIEW_ID;

  private readonly extensionUri: vscode.Uri;
  private readonly router: ChatRouter;
  private readonly log: vscode.LogOutputChannel;
  private readonly keys: ChatKeys;
  private readonly settings: ChatSettings;
  private readonly budget: ChatViewDeps['budget'];
  private readonly history: ChatTranscript;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly answered = new vscode.EventEmitter<{ model: string; ok: boolean }>();

  private view: vscode.WebviewView | undefined;
  private viewSubscriptions: vscode.Disposable[] = [];
  /** The webview's script has said `ready` and received the state: messages to it are not lost. */
  private webviewReady = false;
  private running: RunningTurn | undefined;
  /** A send is between its checks and its start: a second one must wait its turn. */
  private starting = false;
  private conversation = 0;
  /** Text for the input that arrived before the webview could take it (Explain Selection without a key). */
  private pendingDraft: string | undefined;
  private disposed = false;

  /** Fires when a request ends: the model that answered (or was last tried) and whether it answered. */
  readonly onDidAnswer = this.answered.event;

  constructor(deps: ChatViewDeps) {
    this.extensionUri = deps.extensionUri;
    this.router = deps.router;
    this.log = deps.log;
    this.keys = deps.keys;
    this.settings = deps.settings;
    this.budget = deps.budget;
    this.history = new ChatTranscript(deps.state);
    this.subscriptions.push(
      this.answered,
      // The event carries the new configuration: the router may not have it yet.
      deps.settings.onDidChange((config) => this.post({ type: 'models', ...modelsOf(config) })),
    );
  }

  /** A copy of the conversation: user messages, answers with their footers, errors. */
  get transcript(): readonly TranscriptEntry[] {
    return structuredClone(this.history.entries);
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  resolveWebviewView(webviewView: vscode.WebviewView): void {
    this.disposeView();
    this.view = webviewView;
    this.webviewReady = false;
    const webview = webviewView.webview;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    webview.html = chatViewHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css')).toString(),
    });
    this.viewSubscriptions.push(
      webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      // A hidden view's page is torn down; it says `ready` again when shown.
      webviewView.onDidChangeVisibility(() => {
        if (!webviewView.visible) this.webviewReady = false;
      }),
      webviewView.onDidDispose(() => {
        if (this.view === webviewView) this.disposeView();
      }),
    );
  }

  /** Focuses the view and sends `text` as a user message (Explain Selection). Resolves when the answer ends. */
  async ask(text: string): Promise<ChatTurn> {
    await this.reveal();
    // One request at a time: a new question from the editor replaces one still running.
    while (this.running || this.starting) {
      if (this.running) {
        this.running.controller.abort();
        await this.running.done;
      } else {
        // A send is between its key check and its start: it becomes `running` within a tick or two.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    this.starting = true;
    try {
      const keyState = await this.keyState();
      if (!keyState.hasKey) {
        // The view shows how to set a key; the message waits in its input.
        this.offerDraft(text);
        return { status: 'noKey' };
      }
      return this.startTurn({ kind: 'user', id: newEntryId(), text }, this.settings.selectedModel, true);
    } finally {
      this.starting = false;
    }
  }

  /** Ends the running request; the engine closes its sockets and the answer so far is kept. */
  stop(): void {
    this.running?.controller.abort();
  }

  newChat(): void {
    this.stop();
    this.conversation++;
    this.history.clear();
    this.post({ type: 'cleared' });
    this.persist();
  }

  /** Re-sends the last user message, replacing whatever followed it. */
  async retry(): Promise<ChatTurn | undefined> {
    if (this.running || this.starting) return undefined;
    const user = this.history.lastUserEntry();
    if (!user) return undefined;
    this.starting = true;
    try {
      const keyState = await this.keyState();
      if (!keyState.hasKey) {
        this.post({ type: 'keyState', keyState });
        return { status: 'noKey' };
      }
      const removed = this.history.removeAfter(user.id);
      if (removed.length > 0) this.post({ type: 'entriesRemoved', ids: removed });
      return this.startTurn(user, this.settings.selectedModel, false);
    } finally {
      this.starting = false;
    }
  }

  refreshKeyState(): void {
    void this.keyState()
      .then((keyState) => this.post({ type: 'keyState', keyState }))
      .catch((error: unknown) => this.log.error(`Chat view: could not read the key state: ${String(error)}`));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.running) {
      this.running.controller.abort();
      if (this.running.flushTimer) clearTimeout(this.running.flushTimer);
    }
    this.persist();
    this.disposeView();
    this.subscriptions.forEach((s) => s.dispose());
    void vscode.commands.executeCommand('setContext', BUSY_CONTEXT_KEY, false);
  }

  // ---------------------------------------------------------------------------------------------
  // Messages from the webview

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      // Its content is not logged: it may hold the user's text.
      this.log.warn('Chat view: ignored a malformed message from the webview.');
      return;
    }
    void this.handle(message).catch((error: unknown) => {
      this.log.error(`Chat view: handling "${message.type}" failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendState();
        return;
      case 'send':
        await this.onSend(message.requestId, message.text, message.model);
        return;
      case 'stop':
        this.stop();
        return;
      case 'retry':
        await this.retry();
        return;
      case 'newChat':
        this.newChat();
        return;
      case 'selectModel':
        if (message.model === 'auto' || this.settings.config.models.some((m) => m.id === message.model)) {
          await this.settings.setSelectedModel(message.model);
        }
        return;
      case 'copyCode':
        await vscode.env.clipboard.writeText(message.code);
        vscode.window.setStatusBarMessage('$(check) Copied the code block.', 2500);
        return;
      case 'insertCode':
        await insertAtCursor(message.code);
        return;
      case 'openLink':
        await this.openLink(message.href);
        return;
      case 'setApiKey':
        await vscode.commands.executeCommand(COMMANDS.setApiKey, message.endpointId);
        return;
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', message.settingId ?? SETTINGS_SECTION);
        return;
      case 'showLog':
        this.log.show(true);
        return;
    }
  }

  private async onSend(requestId: number, text: string, model: string): Promise<void> {
    const refuse = (reason: string) => this.post({ type: 'sendResult', requestId, accepted: false, reason });
    if (this.running || this.starting) {
      refuse('An answer is still coming: stop it first (Escape), then send again.');
      return;
    }
    this.starting = true;
    try {
      const keyState = await this.keyState();
      if (!keyState.hasKey) {
        this.post({ type: 'keyState', keyState });
        refuse('Set an API key first: your message is still here.');
        return;
      }
      this.post({ type: 'sendResult', requestId, accepted: true });
      void this.startTurn({ kind: 'user', id: newEntryId(), text }, this.modelOrAuto(model), true);
    } finally {
      this.starting = false;
    }
  }

  private async openLink(href: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      this.log.warn('Chat view: did not open a link that is not an absolute URL.');
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.log.warn(`Chat view: did not open a ${url.protocol} link (only http and https links open).`);
      return;
    }
    await vscode.env.openExternal(vscode.Uri.parse(url.href, true));
  }

  // ---------------------------------------------------------------------------------------------
  // One turn: a user message and the routed answer

  private startTurn(user: UserEntry, model: string, addUser: boolean): Promise<ChatTurn> {
    if (addUser) this.addEntry(user);
    const answer: AnswerEntry = { kind: 'answer', id: newEntryId(), text: '', reasoning: '', status: 'streaming', failovers: [], hedged: false };
    this.addEntry(answer);
    const turn: RunningTurn = {
      controller: new AbortController(),
      user,
      answer,
      conversation: this.conversation,
      done: Promise.resolve({ status: 'failed' }),
      pendingText: '',
      pendingReasoning: '',
      flushTimer: undefined,
    };
    this.running = turn;
    this.setBusy(true);
    // Saved now too, so a reload during the answer keeps the question.
    this.persist();
    turn.done = this.runTurn(turn, model);
    return turn.done;
  }

  private async runTurn(turn: RunningTurn, model: string): Promise<ChatTurn> {
    const { answer, user } = turn;
    const started = Date.now();
    this.log.info(`Chat: sending a message (${user.text.length} characters) to ${model === 'auto' ? 'the best model (Auto)' : model}.`);
    let outcome: ChatTurn;
    // Over budget in "cheapest" mode the router answers with the cheapest model only: say so under the answer.
    const admission = this.budget?.admit();
    const budgetNote = admission?.mode === 'cheapest' ? `Only the cheapest model answered: ${admission.reason}.` : undefined;
    try {
      const result = await this.router.chat(
        { messages: this.history.contextFor(user.id) },
        { signal: turn.controller.signal, model, onEvent: (event) => this.onRouteEvent(turn, event) },
      );
      Object.assign(answer, {
        status: 'done',
        text: result.text,
        reasoning: result.reasoning || answer.reasoning,
        model: result.model,
        failovers: result.failovers.map((f) => ({ from: f.from, to: f.to, reason: f.reason })),
        hedged: result.hedged,
        stats: {
          endpoint: result.endpoint,
          latencyMs: result.latencyMs,
          ttftMs: result.ttftMs,
          promptTokens: result.usage.promptTokens,
          completionTokens: result.usage.completionTokens,
          tokensEstimated: result.usage.estimated,
          costUsd: result.costUsd,
          officialCostUsd: result.officialCostUsd,
        },
      } satisfies Partial<AnswerEntry>);
      if (budgetNote) answer.budgetNote = budgetNote;
      outcome = { status: 'done', user, answer };
    } catch (raw) {
      const error = isRouterError(raw) ? raw : new RouterError('NETWORK', `Unexpected failure: ${raw instanceof Error ? raw.message : String(raw)}`);
      answer.elapsedMs = Date.now() - started;
      if (error.partialText && error.partialText.length > answer.text.length) answer.text = error.partialText;
      if (error.code === 'CANCELLED') {
        answer.status = 'stopped';
        outcome = { status: 'stopped', user, answer };
      } else {
        answer.status = 'failed';
        outcome = { status: 'failed', user, answer, error: errorEntryFor(error) };
      }
    }
    await this.endTurn(turn, outcome);
    return outcome;
  }

  private onRouteEvent(turn: RunningTurn, event: RouteEvent): void {
    const { answer } = turn;
    switch (event.type) {
      case 'delta':
        answer.text += event.text;
        turn.pendingText += event.text;
        this.scheduleFlush(turn);
        return;
      case 'reasoning':
        answer.reasoning += event.text;
        turn.pendingReasoning += event.text;
        this.scheduleFlush(turn);
        return;
      case 'attempt':
        answer.model = event.model;
        this.flush(turn);
        this.post({ type: 'route', id: answer.id, progress: { kind: 'attempt', model: event.model, attempt: event.attempt } });
        return;
      case 'failover':
        answer.failovers.push({ from: event.from, to: event.to, reason: event.reason });
        answer.model = event.to;
        this.flush(turn);
        this.post({ type: 'route', id: answer.id, progress: { kind: 'failover', from: event.from, to: event.to, reason: event.reason } });
        return;
      case 'hedge':
        answer.hedged = true;
        this.flush(turn);
        this.post({ type: 'route', id: answer.id, progress: { kind: 'hedge', primary: event.primary, backup: event.backup } });
        return;
      case 'done':
      case 'error':
        // The promise of router.chat carries the same, with the full result.
        return;
    }
  }

  private async endTurn(turn: RunningTurn, outcome: ChatTurn): Promise<void> {
    this.flush(turn);
    if (this.running === turn) this.running = undefined;
    const { answer, user } = turn;
    const current = turn.conversation === this.conversation && !this.disposed;
    if (current) {
      if (answer.status === 'failed' && !answer.text) this.history.remove([answer.id]);
      this.post({ type: 'answerEnded', entry: answer });
      if (outcome.error) this.addEntry(outcome.error);
    }
    this.setBusy(false);
    if (outcome.status === 'done') {
      this.log.info(`Chat: answered by ${answer.model ?? 'a model'}${answer.failovers.length ? ` after ${answer.failovers.length} failover(s)` : ''}.`);
    } else if (outcome.status === 'stopped') {
      this.log.info('Chat: stopped by the user.');
    } else if (outcome.error) {
      this.log.warn(`Chat: no answer: ${outcome.error.code}.`);
      // The text goes back to the input, so it can be edited and sent again.
      if (current) this.offerDraft(user.text);
    }
    if (outcome.status !== 'stopped') this.answered.fire({ model: answer.model ?? '', ok: outcome.status === 'done' });
    if (current) {
      try {
        await this.history.save();
      } catch (error) {
        this.log.error(`Chat view: could not save the transcript: ${String(error)}`);
      }
    }
  }

  private scheduleFlush(turn: RunningTurn): void {
    if (turn.flushTimer) return;
    turn.flushTimer = setTimeout(() => this.flush(turn), DELTA_FLUSH_MS);
  }

  /** Sends the text collected since the last flush (none is lost: the state message carries it all). */
  private flush(turn: RunningTurn): void {
    if (turn.flushTimer) clearTimeout(turn.flushTimer);
    turn.flushTimer = undefined;
    const text = turn.pendingText;
    const reasoning = turn.pendingReasoning;
    turn.pendingText = '';
    turn.pendingReasoning = '';
    if (text || reasoning) this.post({ type: 'delta', id: turn.answer.id, text, reasoning });
  }

  // ---------------------------------------------------------------------------------------------
  // Posting to the webview

  private async sendState(): Promise<void> {
    // The page that said `ready` is new and knows nothing: nothing is posted until it has the state.
    this.webviewReady = false;
    const keyState = await this.keyState();
    if (!this.view || this.disposed) return;
    this.webviewReady = true;
    if (this.running) {
      // Its text so far is in the state; what was waiting to be flushed must not arrive twice.
      if (this.running.flushTimer) clearTimeout(this.running.flushTimer);
      this.running.flushTimer = undefined;
      this.running.pendingText = '';
      this.running.pendingReasoning = '';
    }
    this.post({
      type: 'state',
      entries: structuredClone(this.history.entries) as TranscriptEntry[],
      busy: this.running !== undefined,
      keyState,
      ...modelsOf(this.settings.config),
    });
    if (this.pendingDraft !== undefined) {
      this.post({ type: 'restoreDraft', text: this.pendingDraft });
      this.pendingDraft = undefined;
    }
  }

  private post(message: HostMessage): void {
    if (!this.view || !this.webviewReady) return;
    void this.view.webview.postMessage(message);
  }

  private offerDraft(text: string): void {
    if (this.view && this.webviewReady) this.post({ type: 'restoreDraft', text });
    else this.pendingDraft = text;
  }

  private addEntry(entry: TranscriptEntry): void {
    const dropped = this.history.add(entry);
    if (dropped.length > 0) this.post({ type: 'entriesRemoved', ids: dropped });
    this.post({ type: 'entryAdded', entry });
  }

  private setBusy(busy: boolean): void {
    void vscode.commands.executeCommand('setContext', BUSY_CONTEXT_KEY, busy);
    this.post({ type: 'busy', busy });
  }

  private async keyState(): Promise<KeyState> {
    const hasKey = await this.keys.hasUsableKey();
    return { hasKey, demo: this.keys.isDemo };
  }

  private modelOrAuto(model: string): string {
    if (model === 'auto' || this.settings.config.models.some((m) => m.id === model && m.enabled)) return model;
    this.log.warn(`Chat view: "${model}" is not an enabled model; sending with Auto.`);
    return 'auto';
  }

  private async reveal(): Promise<void> {
    try {
      await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    } catch (error) {
      this.log.warn(`Chat view: could not show the view: ${String(error)}`);
    }
  }

  private persist(): void {
    void Promise.resolve(this.history.save()).catch((error: unknown) => this.log.error(`Chat view: could not save the transcript: ${String(error)}`));
  }

  private disposeView(): void {
    this.viewSubscriptions.forEach((s) => s.dispose());
    this.viewSubscriptions = [];
    this.view = undefined;
    this.webviewReady = false;
  }
}

function modelsOf(config: RouterConfig): { models: ModelOption[]; selectedModel: string } {
  return {
    models: config.models.filter((m) => m.enabled).map((m) => ({ id: m.id, detail: `${m.provider} · ${m.tier} tier · ${formatPricePerMTok(m)}` })),
    selectedModel: config.routing.model,
  };
}

/** The error as the conversation shows it: what happened, the engine's message, and what to do. */
function errorEntryFor(error: RouterError): ErrorEntry {
  const retry: ErrorAction = { action: 'retry', label: 'Retry' };
  const showLog: ErrorAction = { action: 'showLog', label: 'Show Log' };
  const openSettings = (settingId?: string): ErrorAction => (settingId ? { action: 'openSettings', label: 'Open Settings', settingId } : { action: 'openSettings', label: 'Open Settings' });
  const entry = (title: string, actions: ErrorAction[]): ErrorEntry => ({ kind: 'error', id: newEntryId(), code: error.code, title, message: error.message, actions });
  switch (error.code) {
    case 'AUTH_FAILED':
      return error.endpointId
        ? entry(`The API key of endpoint “${error.endpointId}” was refused`, [{ action: 'setApiKey', label: `Set API Key for “${error.endpointId}”`, endpointId: error.endpointId }, retry])
        : entry('No usable API key', [{ action: 'setApiKey', label: 'Set API Key' }, retry]);
    case 'CONFIG_INVALID':
      return entry('The settings need fixing', [openSettings(settingIdOf(error.field ?? '(root)')), showLog]);
    case 'BUDGET_EXCEEDED':
      return entry('Daily budget used up', [openSettings(`${SETTINGS_SECTION}.budget.dailyUsd`), retry]);
    case 'BAD_REQUEST':
      return entry('The provider refused the request', [retry, openSettings(`${SETTINGS_SECTION}.models`), showLog]);
    case 'RATE_LIMITED':
      return entry('Every model is rate limited', [retry, showLog]);
    case 'ALL_MODELS_UNAVAILABLE':
      return entry('No model can take the request', [retry, openSettings(`${SETTINGS_SECTION}.models`), showLog]);
    case 'MAX_RETRIES':
      return entry('Every model failed', [retry, showLog, openSettings()]);
    case 'TIMEOUT':
      return entry('No answer in time', [retry, openSettings(`${SETTINGS_SECTION}.timeouts.requestMs`), showLog]);
    case 'NETWORK':
      return entry('Network error', [retry, openSettings(`${SETTINGS_SECTION}.proxy`), showLog]);
    case 'STREAM_ERROR':
      return entry('The answer broke off', [retry, showLog]);
    default:
      return entry(error.status ? `HTTP ${error.status}` : error.code, [retry, showLog]);
  }
}

/** Inserts at every cursor of the editor the user was last in. */
async function insertAtCursor(code: string): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) {
    void vscode.window.showInformationMessage('Open a file and place the cursor where the code should go, then click Insert again.');
    return;
  }
  const inserted = await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, code);
  });
  if (!inserted) {
    void vscode.window.showWarningMessage('The code could not be inserted: the editor is read-only or changed meanwhile.');
    return;
  }
  await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
}
