/**
 * The chat history the view shows and the model sees: kept in workspace state so it survives
 * hiding the view and reloading the window, bounded in entries and characters. No editor import
 * (the store is any Memento-shaped object), so it is tested in plain Node.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../core/chat';
import type { AnswerEntry, AnswerStatus, ErrorAction, ErrorEntry, FailoverStepView, TranscriptEntry, UserEntry } from '../shared/protocol';
import { ERROR_ACTIONS } from '../shared/protocol';
import { isRecord } from '../shared/isRecord';

export const TRANSCRIPT_STATE_KEY = 'holysheepRouter.chat.transcript';

/** The subset of vscode.Memento this needs. */
export interface TranscriptStorage {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export interface TranscriptLimits {
  /** Entries kept (user messages, answers and errors together). */
  maxEntries: number;
  /** Characters of text kept over all entries; the oldest entries go first. */
  maxChars: number;
  /** Characters of earlier conversation sent with a new message. */
  contextChars: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: TranscriptLimits = { maxEntries: 200, maxChars: 2_000_000, contextChars: 120_000 };

const SYSTEM_PROMPT = 'You are a helpful programming assistant inside VS Code. Answer in Markdown; put code in fenced code blocks with a language.';

export function newEntryId(): string {
  return randomUUID();
}

export class ChatTranscript {
  private list: TranscriptEntry[];

  constructor(private readonly storage: TranscriptStorage, private readonly limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS) {
    this.list = parseStoredEntries(storage.get<unknown>(TRANSCRIPT_STATE_KEY));
    this.trim();
  }

  get entries(): readonly TranscriptEntry[] {
    return this.list;
  }

  /** Appends an entry; returns the ids of old entries dropped to stay within the limits. */
  add(entry: TranscriptEntry): string[] {
    this.list.push(entry);
    return this.trim();
  }

  get(id: string): TranscriptEntry | undefined {
    return this.list.find((e) => e.id === id);
  }

  remove(ids: readonly string[]): void {
    const gone = new Set(ids);
    this.list = this.list.filter((e) => !gone.has(e.id));
  }

  /** Removes everything after the entry, returning the removed ids (Retry replaces the last answer). */
  removeAfter(id: string): string[] {
    const index = this.list.findIndex((e) => e.id === id);
    if (index < 0) return [];
    const removed = this.list.slice(index + 1).map((e) => e.id);
    this.list = this.list.slice(0, index + 1);
    return removed;
  }

  clear(): void {
    this.list = [];
  }

  lastUserEntry(): UserEntry | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const entry = this.list[i];
      if (entry?.kind === 'user') return entry;
    }
    return undefined;
  }

  /**
   * The messages sent for the user entry `id`: the system prompt, then as much of the conversation
   * before it as fits the budget (whole messages, newest kept), then the message itself. Errors
   * and empty answers are left out.
   */
  contextFor(id: string): ChatMessage[] {
    const index = this.list.findIndex((e) => e.id === id);
    const current = this.list[index];
    if (!current || current.kind !== 'user') return [];
    const earlier: ChatMessage[] = [];
    let budget = this.limits.contextChars - current.text.length;
    for (let i = index - 1; i >= 0 && budget > 0; i--) {
      const entry = this.list[i];
      const message = entry?.kind === 'user' ? { role: 'user' as const, content: entry.text }
        : entry?.kind === 'answer' && entry.text && entry.status !== 'streaming' ? { role: 'assistant' as const, content: entry.text }
        : undefined;
      if (!message) continue;
      budget -= message.content.length;
      if (budget < 0) break;
      earlier.unshift(message);
    }
    return [{ role: 'system', content: SYSTEM_PROMPT }, ...earlier, { role: 'user', content: current.text }];
  }

  /** Writes the transcript to workspace state. Answers still streaming are stored as they are now. */
  save(): Thenable<void> {
    return this.storage.update(TRANSCRIPT_STATE_KEY, this.list);
  }

  private trim(): string[] {
    const dropped: string[] = [];
    let chars = this.list.reduce((sum, e) => sum + sizeOf(e), 0);
    // The newest two (a question and its answer) always stay, however long.
    while (this.list.length > 2 && (this.list.length > this.limits.maxEntries || chars > this.limits.maxChars)) {
      const first = this.list.shift();
      if (!first) break;
      chars -= sizeOf(first);
      dropped.push(first.id);
    }
    return dropped;
  }
}

function sizeOf(entry: TranscriptEntry): number {
  switch (entry.kind) {
    case 'user': return entry.text.length;
    case 'answer': return entry.text.length + entry.reasoning.length;
    case 'error': return entry.message.length;
  }
}

/**
 * Reads what an earlier session stored, dropping anything malformed (a newer or older version may
 * have written it). An answer that was streaming when the window closed is stopped.
 */
export function parseStoredEntries(raw: unknown): TranscriptEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: TranscriptEntry[] = [];
  for (const item of raw) {
    const entry = parseEntry(item);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseEntry(raw: unknown): TranscriptEntry | undefined {
  if (!isRecord(raw) || typeof raw.id !== 'string' || !raw.id) return undefined;
  switch (raw.kind) {
    case 'user':
      return typeof raw.text === 'string' ? { kind: 'user', id: raw.id, text: raw.text } : undefined;
    case 'answer': {
      if (typeof raw.text !== 'string') return undefined;
      const status: AnswerStatus = raw.status === 'done' || raw.status === 'failed' || raw.status === 'stopped' ? raw.status : 'stopped';
      const entry: AnswerEntry = {
        kind: 'answer',
        id: raw.id,
        text: raw.text,
        reasoning: typeof raw.reasoning === 'string' ? raw.reasoning : '',
        status,
        failovers: Array.isArray(raw.failovers) ? raw.failovers.filter(isFailoverStep) : [],
        hedged: raw.hedged === true,
      };
      if (typeof raw.model === 'string') entry.model = raw.model;
      if (typeof raw.elapsedMs === 'number') entry.elapsedMs = raw.elapsedMs;
      if (typeof raw.budgetNote === 'string') entry.budgetNote = raw.budgetNote;
      if (status === 'done' && isStats(raw.stats)) {
        const { endpoint, latencyMs, ttftMs, promptTokens, completionTokens, tokensEstimated, costUsd, officialCostUsd } = raw.stats;
        entry.stats = { endpoint, latencyMs, ttftMs, promptTokens, completionTokens, tokensEstimated, costUsd, officialCostUsd };
      }
      return entry;
    }
    case 'error': {
      if (typeof raw.code !== 'string' || typeof raw.message !== 'string') return undefined;
      const entry: ErrorEntry = {
        kind: 'error',
        id: raw.id,
        code: raw.code,
        title: typeof raw.title === 'string' ? raw.title : raw.code,
        message: raw.message,
        actions: Array.isArray(raw.actions) ? raw.actions.filter(isErrorAction) : [],
      };
      return entry;
    }
    default:
      return undefined;
  }
}

function isFailoverStep(value: unknown): value is FailoverStepView {
  return isRecord(value) && typeof value.from === 'string' && typeof value.to === 'string' && typeof value.reason === 'string';
}

function isErrorAction(value: unknown): value is ErrorAction {
  return isRecord(value) && typeof value.label === 'string' && (ERROR_ACTIONS as readonly unknown[]).includes(value.action)
    && (value.endpointId === undefined || typeof value.endpointId === 'string')
    && (value.settingId === undefined || typeof value.settingId === 'string');
}

function isStats(value: unknown): value is NonNullable<AnswerEntry['stats']> {
  if (!isRecord(value)) return false;
  const numbers = ['latencyMs', 'ttftMs', 'promptTokens', 'completionTokens', 'costUsd', 'officialCostUsd'];
  return typeof value.endpoint === 'string' && typeof value.tokensEstimated === 'boolean' && numbers.every((k) => typeof value[k] === 'number');
}
