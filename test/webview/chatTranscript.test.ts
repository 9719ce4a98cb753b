/** The chat history the host keeps in workspace state (plain Node). */
import * as assert from 'node:assert/strict';
import { ChatTranscript, TRANSCRIPT_STATE_KEY, parseStoredEntries, type TranscriptStorage } from '../../src/host/chatTranscript';
import type { AnswerEntry, TranscriptEntry } from '../../src/shared/protocol';

/** A Memento that stores what it is given, falsy values included, as JSON (as VS Code does). */
class MemoryMemento implements TranscriptStorage {
  readonly values = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const raw = this.values.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  update(key: string, value: unknown): Thenable<void> {
    this.values.set(key, JSON.stringify(value));
    return Promise.resolve();
  }
}

const answer = (id: string, text: string, extra: Partial<AnswerEntry> = {}): AnswerEntry => ({ kind: 'answer', id, text, reasoning: '', status: 'done', failovers: [], hedged: false, ...extra });

describe('ChatTranscript', () => {
  it('survives a reload through the memento, footers and all', async () => {
    const memento = new MemoryMemento();
    const first = new ChatTranscript(memento);
    first.add({ kind: 'user', id: 'u1', text: 'hi' });
    first.add(answer('a1', 'hello', {
      model: 'deepseek-v3.2',
      failovers: [{ from: 'gpt-4.1', to: 'deepseek-v3.2', reason: 'RATE_LIMITED' }],
      stats: { endpoint: 'holysheep', latencyMs: 900, ttftMs: 200, promptTokens: 0, completionTokens: 3, tokensEstimated: false, costUsd: 0, officialCostUsd: 0 },
      budgetNote: 'Only the cheapest model answered.',
    }));
    first.add({ kind: 'error', id: 'e1', code: 'RATE_LIMITED', title: 'Rate limited', message: 'Try again shortly.', actions: [{ action: 'retry', label: 'Retry' }] });
    await first.save();
    const second = new ChatTranscript(memento);
    assert.deepEqual(second.entries, first.entries);
    // Zero counts and costs come back as zero, not as missing.
    assert.equal((second.entries[1] as AnswerEntry).stats?.promptTokens, 0);
  });

  it('stops an answer that was streaming when the window closed, and drops malformed entries', () => {
    const entries = parseStoredEntries([
      { kind: 'user', id: 'u1', text: 'q' },
      { kind: 'answer', id: 'a1', text: 'partial', status: 'streaming', failovers: [{ from: 'a' }], hedged: 'yes' },
      { kind: 'user', id: '', text: 'no id' },
      { kind: 'error', id: 'e1', code: 'X', message: 'm', actions: [{ action: 'runScript', label: 'x' }, { action: 'retry', label: 'Retry' }] },
      { kind: 'answer', id: 'a2', text: 5 },
      'junk',
      null,
    ]);
    assert.deepEqual(entries, [
      { kind: 'user', id: 'u1', text: 'q' },
      { kind: 'answer', id: 'a1', text: 'partial', reasoning: '', status: 'stopped', failovers: [], hedged: false },
      { kind: 'error', id: 'e1', code: 'X', title: 'X', message: 'm', actions: [{ action: 'retry', label: 'Retry' }] },
    ]);
    assert.deepEqual(parseStoredEntries({ entries: [] }), []);
  });

  it('keeps the last 200 entries and a bounded number of characters', () => {
    const transcript = new ChatTranscript(new MemoryMemento(), { maxEntries: 200, maxChars: 10_000, contextChars: 1000 });
    const dropped: string[] = [];
    for (let i = 0; i < 205; i++) dropped.push(...transcript.add({ kind: 'user', id: `u${i}`, text: 'x' }));
    assert.equal(transcript.entries.length, 200);
    assert.deepEqual(dropped, ['u0', 'u1', 'u2', 'u3', 'u4']);
    transcript.add(answer('big', 'y'.repeat(9_950)));
    assert.ok(transcript.entries.reduce((n, e) => n + (e.kind === 'error' ? 0 : e.text.length), 0) <= 10_000);
    assert.equal(transcript.entries[transcript.entries.length - 1]?.id, 'big');
    // A single huge answer is kept with its question even over the budget.
    transcript.add(answer('huge', 'z'.repeat(50_000)));
    assert.deepEqual(transcript.entries.map((e) => e.id), ['big', 'huge']);
  });

  it('sends the conversation before a message within a budget, without errors or empty answers', () => {
    const transcript = new ChatTranscript(new MemoryMemento(), { maxEntries: 200, maxChars: 1_000_000, contextChars: 40 });
    const entries: TranscriptEntry[] = [
      { kind: 'user', id: 'u1', text: 'first question' },
      answer('a1', 'first answer'),
      { kind: 'user', id: 'u2', text: 'second' },
      answer('a2', '', { status: 'failed' }),
      { kind: 'error', id: 'e2', code: 'NETWORK', title: 'Network error', message: 'offline', actions: [] },
      { kind: 'user', id: 'u3', text: 'third one' },
    ];
    for (const entry of entries) transcript.add(entry);
    const messages = transcript.contextFor('u3');
    assert.equal(messages[0]?.role, 'system');
    // 40 characters: "third one" (9) + "second" (6) + "first answer" (12) fit; "first question" (14) does not.
    assert.deepEqual(messages.slice(1), [
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second' },
      { role: 'user', content: 'third one' },
    ]);
    assert.deepEqual(transcript.contextFor('a1'), []);
  });

  it('Retry removes what followed the last question', () => {
    const transcript = new ChatTranscript(new MemoryMemento());
    transcript.add({ kind: 'user', id: 'u1', text: 'q' });
    transcript.add(answer('a1', 'partial', { status: 'stopped' }));
    transcript.add({ kind: 'error', id: 'e1', code: 'TIMEOUT', title: 't', message: 'm', actions: [] });
    assert.equal(transcript.lastUserEntry()?.id, 'u1');
    assert.deepEqual(transcript.removeAfter('u1'), ['a1', 'e1']);
    assert.deepEqual(transcript.entries.map((e) => e.id), ['u1']);
  });

  it('stores under its own key', async () => {
    const memento = new MemoryMemento();
    const transcript = new ChatTranscript(memento);
    transcript.add({ kind: 'user', id: 'u1', text: 'q' });
    await transcript.save();
    assert.deepEqual([...memento.values.keys()], [TRANSCRIPT_STATE_KEY]);
  });
});
