/**
 * The messages between the chat view's host (src/host/chatViewProvider.ts) and its webview
 * (src/webview/). One file, so both sides change together. No editor or engine import: the webview
 * bundle loads this in a browser.
 *
 * Handshake: the webview posts `ready` whenever its script starts (first show, and every time the
 * view is shown again after being hidden); the host answers with one `state` holding everything the
 * view shows, then sends changes.
 */
import { isRecord } from './isRecord';

// ---------------------------------------------------------------------------------------------
// The transcript: what the view shows, and what the host keeps in workspace state

/** One step of a failover path; `reason` is the engine's stable error code (`RATE_LIMITED`, `HTTP_503`, …). */
export interface FailoverStepView {
  from: string;
  to: string;
  reason: string;
}

/** The numbers under a finished answer. */
export interface AnswerStats {
  endpoint: string;
  latencyMs: number;
  ttftMs: number;
  promptTokens: number;
  completionTokens: number;
  /** The provider sent no usage: the counts were estimated from the text. */
  tokensEstimated: boolean;
  costUsd: number;
  officialCostUsd: number;
}

export interface UserEntry {
  kind: 'user';
  id: string;
  text: string;
}

export type AnswerStatus = 'streaming' | 'done' | 'stopped' | 'failed';

export interface AnswerEntry {
  kind: 'answer';
  id: string;
  text: string;
  reasoning: string;
  status: AnswerStatus;
  /** The model that answered (done) or was last tried (otherwise). */
  model?: string;
  failovers: FailoverStepView[];
  hedged: boolean;
  /** Present once the answer is done. */
  stats?: AnswerStats;
  /** Time from the request to its end, for stopped and failed answers. */
  elapsedMs?: number;
  /** Set when today's budget was used up and only the cheapest model could answer: why. */
  budgetNote?: string;
}

export const ERROR_ACTIONS = ['setApiKey', 'retry', 'openSettings', 'showLog'] as const;
export type ErrorActionKind = (typeof ERROR_ACTIONS)[number];

export interface ErrorAction {
  action: ErrorActionKind;
  label: string;
  /** setApiKey: the endpoint whose key to replace. */
  endpointId?: string;
  /** openSettings: the setting to open. */
  settingId?: string;
}

export interface ErrorEntry {
  kind: 'error';
  id: string;
  /** The engine's stable code (`AUTH_FAILED`, `RATE_LIMITED`, `HTTP_503`, …). */
  code: string;
  title: string;
  message: string;
  actions: ErrorAction[];
}

export type TranscriptEntry = UserEntry | AnswerEntry | ErrorEntry;

export interface KeyState {
  /** A request could be sent: a key for some endpoint, or demo mode. */
  hasKey: boolean;
  /** Running against the built-in fake fleet (`npm start` without a key). */
  demo: boolean;
}

export interface ModelOption {
  id: string;
  /** Provider and price, for the picker's tooltip. */
  detail: string;
}

/** What happened on the way to an answer, shown live above it. */
export type RouteProgress =
  | { kind: 'attempt'; model: string; attempt: number }
  | { kind: 'failover'; from: string; to: string; reason: string }
  | { kind: 'hedge'; primary: string; backup: string };

// ---------------------------------------------------------------------------------------------
// Host → webview

export interface StateMessage {
  type: 'state';
  entries: TranscriptEntry[];
  busy: boolean;
  keyState: KeyState;
  models: ModelOption[];
  /** `auto` or a model id. */
  selectedModel: string;
}
export interface KeyStateMessage { type: 'keyState'; keyState: KeyState }
export interface ModelsMessage { type: 'models'; models: ModelOption[]; selectedModel: string }
export interface BusyMessage { type: 'busy'; busy: boolean }
export interface EntryAddedMessage { type: 'entryAdded'; entry: TranscriptEntry }
export interface EntriesRemovedMessage { type: 'entriesRemoved'; ids: string[] }
export interface ClearedMessage { type: 'cleared' }
export interface RouteMessage { type: 'route'; id: string; progress: RouteProgress }
/** Answer text (and reasoning) that arrived since the last delta message of that answer. */
export interface DeltaMessage { type: 'delta'; id: string; text: string; reasoning: string }
/** The final form of an answer: its status, footer and complete text. */
export interface AnswerEndedMessage { type: 'answerEnded'; entry: AnswerEntry }
/** The host's answer to `send`: a refused send gives the text back to the input. */
export interface SendResultMessage { type: 'sendResult'; requestId: number; accepted: boolean; reason?: string }
/** Puts text into the input (when it is empty): a failed send's message, or an Explain Selection without a key. */
export interface RestoreDraftMessage { type: 'restoreDraft'; text: string }

export type HostMessage =
  | StateMessage
  | KeyStateMessage
  | ModelsMessage
  | BusyMessage
  | EntryAddedMessage
  | EntriesRemovedMessage
  | ClearedMessage
  | RouteMessage
  | DeltaMessage
  | AnswerEndedMessage
  | SendResultMessage
  | RestoreDraftMessage;

// ---------------------------------------------------------------------------------------------
// Webview → host

export interface ReadyMessage { type: 'ready' }
export interface SendMessage { type: 'send'; requestId: number; text: string; model: string }
export interface StopMessage { type: 'stop' }
export interface RetryMessage { type: 'retry' }
export interface NewChatMessage { type: 'newChat' }
export interface SelectModelMessage { type: 'selectModel'; model: string }
export interface CopyCodeMessage { type: 'copyCode'; code: string }
export interface InsertCodeMessage { type: 'insertCode'; code: string }
export interface OpenLinkMessage { type: 'openLink'; href: string }
export interface SetApiKeyMessage { type: 'setApiKey'; endpointId?: string }
export interface OpenSettingsMessage { type: 'openSettings'; settingId?: string }
export interface ShowLogMessage { type: 'showLog' }

export type WebviewMessage =
  | ReadyMessage
  | SendMessage
  | StopMessage
  | RetryMessage
  | NewChatMessage
  | SelectModelMessage
  | CopyCodeMessage
  | InsertCodeMessage
  | OpenLinkMessage
  | SetApiKeyMessage
  | OpenSettingsMessage
  | ShowLogMessage;

export const LIMITS = {
  /** A user message (Explain Selection allows up to a million characters). */
  messageChars: 1_000_000,
  /** A code block to copy or insert. */
  codeChars: 2_000_000,
  hrefChars: 8_192,
  idChars: 200,
} as const;

/** Setting ids the view may ask to open: ours only. */
const SETTING_ID = /^holysheepRouter(\.[A-Za-z0-9_.-]+)?$/;
/** Model and endpoint ids as the settings allow them, without control characters. */
const PLAIN_ID = /^[^\u0000-\u001f\u007f]+$/;

/**
 * Checks a message from the webview: its type, every field's type, lengths and enums. Unknown
 * fields are dropped, so what the host handles is exactly what the type says. Undefined for
 * anything else: the host ignores it.
 */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'stop':
    case 'retry':
    case 'newChat':
    case 'showLog':
      return { type: raw.type };
    case 'send': {
      const { requestId, text, model } = raw;
      if (!isRequestId(requestId) || !isText(text, LIMITS.messageChars) || !text.trim() || !isId(model)) return undefined;
      return { type: 'send', requestId, text, model };
    }
    case 'selectModel':
      return isId(raw.model) ? { type: 'selectModel', model: raw.model } : undefined;
    case 'copyCode':
    case 'insertCode':
      return isText(raw.code, LIMITS.codeChars) ? { type: raw.type, code: raw.code } : undefined;
    case 'openLink':
      return isText(raw.href, LIMITS.hrefChars) && raw.href.length > 0 ? { type: 'openLink', href: raw.href } : undefined;
    case 'setApiKey':
      if (raw.endpointId === undefined) return { type: 'setApiKey' };
      return isId(raw.endpointId) ? { type: 'setApiKey', endpointId: raw.endpointId } : undefined;
    case 'openSettings':
      if (raw.settingId === undefined) return { type: 'openSettings' };
      return isId(raw.settingId) && SETTING_ID.test(raw.settingId) ? { type: 'openSettings', settingId: raw.settingId } : undefined;
    default:
      return undefined;
  }
}

function isText(value: unknown, maxChars: number): value is string {
  return typeof value === 'string' && value.length <= maxChars;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= LIMITS.idChars && PLAIN_ID.test(value);
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
