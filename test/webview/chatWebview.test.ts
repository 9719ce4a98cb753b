/**
 * The chat view's webview alone, in real Chromium: the built bundle and stylesheet under the
 * extension's CSP, with the host played by the test. Run after `node esbuild.js`:
 *   npx mocha --no-config --timeout 60000 'out/test/webview/**\/*.test.js'
 */
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { AnswerEntry, ErrorEntry, HostMessage, UserEntry } from '../../src/shared/protocol';
import { chunkTokens, launchBrowser, longMarkdownAnswer, openChatPage, renderStats, seededRandom, streamAnswer, tokenize, type ChatPage } from './harness';

const user = (id: string, text: string): UserEntry => ({ kind: 'user', id, text });
const streaming = (id: string): AnswerEntry => ({ kind: 'answer', id, text: '', reasoning: '', status: 'streaming', failovers: [], hedged: false });
const done = (id: string, text: string, extra: Partial<AnswerEntry> = {}): AnswerEntry => ({
  kind: 'answer',
  id,
  text,
  reasoning: '',
  status: 'done',
  model: 'deepseek-v3.2',
  failovers: [],
  hedged: false,
  stats: { endpoint: 'holysheep', latencyMs: 1240, ttftMs: 310, promptTokens: 52, completionTokens: 418, tokensEstimated: false, costUsd: 0.000189, officialCostUsd: 0.00131 },
  ...extra,
});
const answerEnded = (entry: AnswerEntry): HostMessage => ({ type: 'answerEnded', entry });

const SAMPLE_ANSWER = [
  '## Retrying with backoff',
  '',
  'Use **exponential backoff** with jitter, and honour `Retry-After` when the provider sends it:',
  '',
  '```ts',
  'export async function withRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {',
  '  for (let i = 0; ; i++) {',
  '    try {',
  '      return await run();',
  '    } catch (error) {',
  '      if (i + 1 >= attempts) throw error;',
  '      await sleep(2 ** i * 250 + Math.random() * 100);',
  '    }',
  '  }',
  '}',
  '```',
  '',
  '- Cap the delay so a user never waits minutes.',
  '- Make the wait **cancellable** (an `AbortSignal`).',
  '',
  'See [the undici retry handler](https://github.com/nodejs/undici) for a careful one.',
  '',
].join('\n');


/** Text as read aloud: the footer keeps "HTTP 429" on one line with a no-break space. */
function plain(text: string | null): string {
  return (text ?? '').replace(/\u00a0/g, ' ');
}
describe('chat webview (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let chat: ChatPage | undefined;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await chat?.close();
    chat = undefined;
  });

  async function open(options: Parameters<typeof openChatPage>[1] = {}): Promise<ChatPage> {
    chat = await openChatPage(browser, options);
    return chat;
  }

  /** Streams `text` in 1–3-token chunks into a new answer `id`, then ends it with `final`. */
  async function stream(page: ChatPage, id: string, text: string, final: AnswerEntry, seed = 7): Promise<void> {
    await page.post({ type: 'busy', busy: true }, { type: 'entryAdded', entry: streaming(id) });
    await streamAnswer(page, id, chunkTokens(tokenize(text), seededRandom(seed)), answerEnded(final), 10);
    await page.post({ type: 'busy', busy: false });
    await page.settle();
  }

  it('says ready, shows the state the host answers with, and breaks no CSP rule', async () => {
    const page = await open();
    await page.handshake();
    assert.equal(await page.page.locator('.empty-state').isVisible(), true);
    const options = await page.page.locator('select option').allTextContents();
    assert.deepEqual(options, ['Auto', 'gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2']);
    assert.equal(await page.page.getByRole('log').getAttribute('aria-live'), 'polite');
    assert.equal(await page.page.getByRole('button', { name: 'New chat' }).isVisible(), true);
    assert.equal(await page.page.getByRole('button', { name: 'Send (Enter)' }).isVisible(), true);
    await page.screenshot('01-empty');
    assert.deepEqual(await page.cspViolations(), []);
  });

  it('streams markdown with code blocks that offer Copy and Insert through the host', async () => {
    const page = await open();
    await page.handshake({ entries: [user('u1', 'How should a client retry a rate-limited request?')] });
    await page.post({ type: 'route', id: 'a1', progress: { kind: 'attempt', model: 'deepseek-v3.2', attempt: 1 } });
    await stream(page, 'a1', SAMPLE_ANSWER, done('a1', SAMPLE_ANSWER));

    const answer = page.page.locator('[data-entry-id="a1"]');
    assert.equal(await answer.locator('.markdown h2').textContent(), 'Retrying with backoff');
    assert.equal(await answer.locator('.markdown strong').first().textContent(), 'exponential backoff');
    assert.equal(await answer.locator('.markdown li').count(), 2);
    const code = await answer.locator('pre code').textContent();
    assert.match(code ?? '', /^export async function withRetry<T>/);
    assert.equal(await answer.locator('.code-language').textContent(), 'ts');

    await answer.getByRole('button', { name: 'Copy code' }).click();
    const copy = await page.waitForPosted('copyCode');
    assert.equal(copy.code, code);
    assert.equal(await answer.locator('.code-copy').textContent(), 'Copied');
    await answer.getByRole('button', { name: 'Insert code at the cursor' }).click();
    assert.equal((await page.waitForPosted('insertCode')).code, code);
    assert.equal(await answer.getAttribute('aria-busy'), null);
    await page.screenshot('02-streamed-answer');
    assert.deepEqual(await page.cspViolations(), []);
  });

  for (const csp of [true, false]) {
    it(`renders a hostile answer inert${csp ? '' : ' even without the CSP (the renderer alone)'}`, async () => {
      const hostile = [
        'Here you go: <img src=x onerror="window.__pwned = 1">',
        '',
        '<script>window.__pwned = 2</script>',
        '',
        '[click me](javascript:window.__pwned=3) and <a href="javascript:window.__pwned=4">this</a>',
        '',
        '<svg onload="window.__pwned = 5"></svg> <iframe src="javascript:window.__pwned=6"></iframe>',
        '',
        '[data link](data:text/html,<script>window.__pwned=7</script>) ![pic](javascript:window.__pwned=8)',
        '',
        '<javascript:window.__pwned=9>',
        '',
      ].join('\n');
      const page = await open({ csp });
      await page.handshake({ entries: [user('u1', 'Show me <b>HTML</b>')] });
      await stream(page, 'a1', hostile, done('a1', hostile));
      // Also as a restored entry, rendered in one go.
      await page.post({ type: 'entryAdded', entry: done('a2', hostile) });
      await page.settle();
      await page.page.waitForTimeout(300);

      assert.equal(await page.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
      const log = page.page.locator('.transcript');
      for (const selector of ['img', 'script', 'svg:not(.icon)', 'iframe', '[onerror]', '[onload]', 'a[href^="javascript"]', 'a[href^="data"]', 'b']) {
        assert.equal(await log.locator(`.markdown ${selector}`).count(), 0, `found ${selector}`);
      }
      // The markup is shown as text instead.
      const text = await page.page.locator('[data-entry-id="a1"] .markdown').textContent();
      assert.match(text ?? '', /<img src=x onerror="window.__pwned = 1">/);
      assert.match(text ?? '', /<script>window.__pwned = 2<\/script>/);
      assert.match(text ?? '', /\[click me\]\(javascript:window.__pwned=3\)/);
      assert.match(await page.page.locator('[data-entry-id="u1"] .markdown').textContent() ?? '', /<b>HTML<\/b>/);

      // Clicking what looks like a link does nothing the page could act on.
      const links = await log.locator('.markdown a').all();
      for (const link of links) await link.click();
      assert.deepEqual((await page.posted()).filter((m) => m.type === 'openLink'), []);
      assert.equal(await page.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
      if (csp) {
        await page.screenshot('03-hostile-answer-inert');
        assert.deepEqual(await page.cspViolations(), []);
      }
    });
  }

  it('posts openLink for a clicked link instead of navigating', async () => {
    const page = await open();
    await page.handshake();
    await stream(page, 'a1', SAMPLE_ANSWER, done('a1', SAMPLE_ANSWER));
    const before = page.page.url();
    const link = page.page.getByRole('link', { name: 'the undici retry handler' });
    await link.click();
    await link.click({ button: 'middle' });
    await link.click({ modifiers: ['Control'] });
    await link.focus();
    await page.page.keyboard.press('Enter');
    const opened = (await page.posted()).filter((m) => m.type === 'openLink');
    assert.ok(opened.length >= 3);
    assert.ok(opened.every((m) => m.type === 'openLink' && m.href === 'https://github.com/nodejs/undici'));
    await page.page.waitForTimeout(200);
    assert.equal(page.page.url(), before);
    assert.equal(page.page.context().pages().length, 1, 'no new window opened');
  });

  it('sends on Enter and breaks the line on Shift+Enter', async () => {
    const page = await open();
    await page.handshake({ selectedModel: 'gpt-4.1' });
    const input = page.page.getByRole('textbox', { name: 'Message' });
    await input.click();
    await page.page.keyboard.type('line one');
    await page.page.keyboard.press('Shift+Enter');
    await page.page.keyboard.type('line two');
    assert.equal(await input.inputValue(), 'line one\nline two');
    assert.deepEqual((await page.posted()).filter((m) => m.type === 'send'), []);
    await page.page.keyboard.press('Enter');
    const send = await page.waitForPosted('send');
    assert.equal(send.text, 'line one\nline two');
    assert.equal(send.model, 'gpt-4.1');
    assert.equal(await input.inputValue(), '');
    // An empty input sends nothing.
    await page.page.keyboard.press('Enter');
    assert.equal((await page.posted()).filter((m) => m.type === 'send').length, 1);
  });

  it('keeps the typed text when a send is refused or the request fails', async () => {
    const page = await open();
    await page.handshake();
    const input = page.page.getByRole('textbox', { name: 'Message' });
    await input.fill('Why is the sky blue?');
    await input.press('Enter');
    const send = await page.waitForPosted('send');
    assert.equal(await input.inputValue(), '');
    await page.post({ type: 'sendResult', requestId: send.requestId, accepted: false, reason: 'An answer is still coming: stop it first (Escape), then send again.' });
    assert.equal(await input.inputValue(), 'Why is the sky blue?');
    assert.match(await page.page.getByRole('status').textContent() ?? '', /still coming/);

    // Accepted, then the request fails: the text comes back for editing, the error offers Retry.
    await input.press('Enter');
    const second = (await page.posted()).filter((m) => m.type === 'send')[1];
    assert.ok(second && second.type === 'send');
    await page.post(
      { type: 'sendResult', requestId: second.requestId, accepted: true },
      { type: 'entryAdded', entry: user('u1', second.text) },
      { type: 'entryAdded', entry: streaming('a1') },
      { type: 'busy', busy: true },
      answerEnded({ ...streaming('a1'), status: 'failed', elapsedMs: 2100 }),
      { type: 'entryAdded', entry: { kind: 'error', id: 'e1', code: 'MAX_RETRIES', title: 'Every model failed', message: 'Every model failed after 3 passes (gpt-4.1: HTTP_503, deepseek-v3.2: TIMEOUT). Check the log, or try again shortly.', actions: [{ action: 'retry', label: 'Retry' }, { action: 'showLog', label: 'Show Log' }] } },
      { type: 'busy', busy: false },
      { type: 'restoreDraft', text: second.text },
    );
    assert.equal(await input.inputValue(), 'Why is the sky blue?');
    assert.equal(await page.page.locator('[data-entry-id="a1"]').count(), 0, 'an empty failed answer is not shown');
    await page.page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForPosted('retry');
    assert.equal(await input.inputValue(), '', 'Retry re-sends it, so the input lets go of it');

    // Typing while an answer streams: Enter does not send and does not lose the text.
    await page.post({ type: 'busy', busy: true });
    await input.fill('follow-up question');
    await input.press('Enter');
    assert.equal(await input.inputValue(), 'follow-up question');
    assert.equal((await page.posted()).filter((m) => m.type === 'send').length, 2);
    await input.press('Escape');
    await page.waitForPosted('stop');
    await page.page.getByRole('button', { name: 'Stop (Escape)' }).click();
    assert.equal((await page.posted()).filter((m) => m.type === 'stop').length, 2);
  });

  it('picks up an answer mid-stream when the view is shown again', async () => {
    const page = await open();
    const partial: AnswerEntry = { ...streaming('a1'), text: 'The first half of the answer, ', model: 'deepseek-v3.2', failovers: [{ from: 'gpt-4.1', to: 'deepseek-v3.2', reason: 'HTTP_503' }] };
    await page.handshake({ entries: [user('u1', 'Go on.'), partial], busy: true });
    assert.equal(await page.page.locator('[data-entry-id="a1"]').getAttribute('aria-busy'), 'true');
    assert.equal(plain(await page.page.locator('[data-entry-id="a1"] .route-status').textContent()), 'gpt-4.1 → deepseek-v3.2 · HTTP 503');
    await page.post({ type: 'delta', id: 'a1', text: 'and the second half.', reasoning: '' });
    await page.settle();
    assert.equal((await page.page.locator('[data-entry-id="a1"] .markdown').textContent())?.trim(), 'The first half of the answer, and the second half.');
    await page.post(answerEnded({ ...partial, status: 'stopped', text: 'The first half of the answer, and the second half.', elapsedMs: 4200 }), { type: 'busy', busy: false });
    assert.equal(await page.page.locator('[data-entry-id="a1"] .footer-figures').textContent(), 'Stoppeddeepseek-v3.24.20 s');
    assert.equal(await page.page.locator('[data-entry-id="a1"]').getAttribute('aria-busy'), null);
  });

  it('shows a call to action without a key, and keeps the text typed meanwhile', async () => {
    const page = await open();
    await page.handshake({ keyState: { hasKey: false, demo: false } });
    const panel = page.page.getByRole('region', { name: 'Set an API key to start' });
    assert.equal(await panel.isVisible(), true);
    const input = page.page.getByRole('textbox', { name: 'Message' });
    await input.fill('Explain circuit breakers');
    await input.press('Enter');
    assert.equal(await input.inputValue(), 'Explain circuit breakers');
    assert.deepEqual((await page.posted()).filter((m) => m.type === 'send'), []);
    await page.screenshot('04-no-key');
    await panel.getByRole('button', { name: 'Set API Key' }).click();
    await page.waitForPosted('setApiKey');

    await page.post({ type: 'keyState', keyState: { hasKey: true, demo: true } });
    assert.equal(await panel.isVisible(), false);
    assert.equal(await page.page.getByText('Demo: built-in fake fleet').isVisible(), true);
    await input.press('Enter');
    assert.equal((await page.waitForPosted('send')).text, 'Explain circuit breakers');
  });

  it('shows the failover path, latency, tokens and cost under the answer', async () => {
    const page = await open();
    await page.handshake({ entries: [user('u1', 'Summarise the retry policy in one paragraph.')], keyState: { hasKey: true, demo: true } });
    await page.post(
      { type: 'busy', busy: true },
      { type: 'entryAdded', entry: streaming('a1') },
      { type: 'route', id: 'a1', progress: { kind: 'attempt', model: 'gpt-4.1', attempt: 1 } },
      { type: 'route', id: 'a1', progress: { kind: 'failover', from: 'gpt-4.1', to: 'deepseek-v3.2', reason: 'RATE_LIMITED' } },
    );
    await page.settle();
    assert.match(plain(await page.page.locator('[data-entry-id="a1"] .route-status').textContent()), /gpt-4\.1 failed \(HTTP 429\): asking deepseek-v3\.2/);
    await page.screenshot('05-failing-over');
    const text = 'The router retries on **429** and **5xx**, moving to the next model at once and backing off only between passes.';
    await stream(page, 'a1', text, done('a1', text, { failovers: [{ from: 'gpt-4.1', to: 'deepseek-v3.2', reason: 'RATE_LIMITED' }] }));
    const footer = page.page.locator('[data-entry-id="a1"] .answer-footer');
    assert.equal(plain(await footer.locator('.footer-failover').textContent()), 'gpt-4.1 → deepseek-v3.2 · HTTP 429');
    assert.equal(await footer.locator('.footer-model').textContent(), 'deepseek-v3.2');
    assert.equal(await footer.locator('.footer-latency').textContent(), '1.24 s');
    assert.equal(await footer.locator('.footer-tokens').textContent(), '470 tokens');
    assert.equal(await footer.locator('.footer-cost').textContent(), '$0.00019');
    // $0.00131 at the official price: the saving and its share, with the official price in the tooltip.
    assert.equal(await footer.locator('.footer-saved').textContent(), 'saved $0.0011 (86 %)');
    assert.match(await footer.locator('.footer-saved').getAttribute('title') ?? '', /official price would have cost \$0\.0013/);
    assert.equal(await footer.locator('.footer-budget').count(), 0, 'no budget note while the budget allows every model');

    await page.post({ type: 'entryAdded', entry: user('u2', 'And a haiku?') }, { type: 'entryAdded', entry: done('a2', 'Four models wait.\nOne falls; the next takes the word.\nThe user sees none.', {
      model: 'gemini-2.5-flash',
      failovers: [{ from: 'gpt-4.1', to: 'claude-sonnet-4.5', reason: 'HTTP_503' }, { from: 'claude-sonnet-4.5', to: 'gemini-2.5-flash', reason: 'TIMEOUT' }],
      hedged: true,
      stats: { endpoint: 'holysheep', latencyMs: 3400, ttftMs: 2900, promptTokens: 80, completionTokens: 21, tokensEstimated: true, costUsd: 0.0000765, officialCostUsd: 0.000536 },
      budgetNote: "Only the cheapest model answered: today's budget of $5.00 is used up.",
    }) });
    const second = page.page.locator('[data-entry-id="a2"] .answer-footer');
    assert.equal(plain(await second.locator('.footer-failover').textContent()), 'gpt-4.1 → claude-sonnet-4.5 → gemini-2.5-flash · HTTP 503, timeout');
    assert.equal(await second.locator('.footer-tokens').textContent(), '~101 tokens (est.)');
    assert.equal(await second.locator('.footer-hedged').textContent(), 'hedged');
    assert.equal(await second.locator('.footer-budget').textContent(), 'budget: cheapest model only');
    assert.match(await second.locator('.footer-budget').getAttribute('title') ?? '', /budget of \$5\.00 is used up/);
    assert.match(await second.locator('.footer-saved').getAttribute('title') ?? '', /estimated/);
    await page.screenshot('06-footer-failover');
  });

  it('shows errors in the conversation with actions that go to the host', async () => {
    const page = await open();
    const auth: ErrorEntry = {
      kind: 'error',
      id: 'e1',
      code: 'AUTH_FAILED',
      title: 'The API key of endpoint “holysheep” was refused',
      message: 'The API key of endpoint "holysheep" (key from a key with the "HolySheep Router: Set API Key" command) was refused. Replace the key and try again.',
      actions: [{ action: 'setApiKey', label: 'Set API Key for “holysheep”', endpointId: 'holysheep' }, { action: 'retry', label: 'Retry' }],
    };
    await page.handshake({ entries: [user('u1', 'Hello?'), auth] });
    await page.page.getByRole('button', { name: 'Set API Key for “holysheep”' }).click();
    assert.equal((await page.waitForPosted('setApiKey')).endpointId, 'holysheep');
    await page.screenshot('07-error-auth');
    await page.page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForPosted('retry');

    const config: ErrorEntry = { kind: 'error', id: 'e2', code: 'CONFIG_INVALID', title: 'The settings need fixing', message: 'models[gpt-4.1].tier must be "high" or "standard".', actions: [{ action: 'openSettings', label: 'Open Settings', settingId: 'holysheepRouter.models' }, { action: 'showLog', label: 'Show Log' }] };
    await page.post({ type: 'entryAdded', entry: config });
    await page.page.getByRole('button', { name: 'Open Settings' }).click();
    assert.equal((await page.waitForPosted('openSettings')).settingId, 'holysheepRouter.models');
    await page.page.getByRole('button', { name: 'Show Log' }).click();
    await page.waitForPosted('showLog');
    // Retry belongs to the last entry only: the older error no longer offers it.
    assert.equal(await page.page.getByRole('button', { name: 'Retry' }).count(), 0);
    // New Chat and the model picker talk to the host too.
    await page.page.getByRole('combobox', { name: 'Model that answers' }).selectOption('claude-sonnet-4.5');
    assert.equal((await page.waitForPosted('selectModel')).model, 'claude-sonnet-4.5');
    await page.page.getByRole('button', { name: 'New chat' }).click();
    await page.waitForPosted('newChat');
    await page.post({ type: 'cleared' });
    assert.equal(await page.page.locator('.transcript .entry').count(), 0);
    assert.equal(await page.page.locator('.empty-state').isVisible(), true);
  });

  it('keeps the draft and the scroll position when the view is hidden and shown again', async () => {
    const first = await open();
    const entries = Array.from({ length: 12 }, (_, i) => [user(`u${i}`, `Question ${i}?`), done(`a${i}`, `Answer ${i}.\n\n${'A fairly long line of answer text. '.repeat(8)}`)]).flat();
    await first.handshake({ entries });
    await first.page.locator('.conversation').evaluate((el) => { el.scrollTop = 300; el.dispatchEvent(new Event('scroll')); });
    await first.page.getByRole('textbox', { name: 'Message' }).fill('half-written thought');
    await first.settle();
    const saved = await first.savedState();
    assert.deepEqual(saved, { draft: 'half-written thought', scrollTop: 300, atBottom: false });
    await first.close();

    // VS Code reloads a hidden view's page and hands back what it saved.
    const second = await open({ savedState: saved });
    await second.handshake({ entries });
    assert.equal(await second.page.getByRole('textbox', { name: 'Message' }).inputValue(), 'half-written thought');
    assert.equal(await second.page.locator('.conversation').evaluate((el) => el.scrollTop), 300);
  });

  it('streams a 20,000-token answer in 1–3-token chunks to the same DOM as one render, in linear work', async () => {
    const page = await open();
    await page.handshake({ entries: [user('u1', 'Write a very long report.')] });
    const text = longMarkdownAnswer(20_000, seededRandom(42));
    const tokens = tokenize(text);
    assert.equal(tokens.join(''), text);
    assert.ok(tokens.length >= 20_000);
    const chunks = chunkTokens(tokens, seededRandom(1));
    await page.post({ type: 'busy', busy: true }, { type: 'entryAdded', entry: streaming('long') });
    const statsBefore = await renderStats(page);
    const timing = await streamAnswer(page, 'long', chunks, answerEnded(done('long', text)), 25);
    const statsAfter = await renderStats(page);
    await page.post({ type: 'busy', busy: false });

    // The same text rendered in one go, as a restored answer is.
    await page.post({ type: 'entryAdded', entry: done('single', text) });
    await page.settle();
    const streamed = await page.page.locator('[data-entry-id="long"] .markdown').innerHTML();
    const single = await page.page.locator('[data-entry-id="single"] .markdown').innerHTML();
    assert.ok(streamed.length > text.length / 2);
    assert.ok(streamed === single, 'the streamed DOM differs from a single render of the same text');
    assert.ok((await page.page.locator('[data-entry-id="long"] .code-block').count()) >= 5);
    assert.ok((await page.page.locator('[data-entry-id="long"] table').count()) >= 5);

    // Each frame re-renders only the open block: markdown-it sees each character a few times, not once per frame.
    const parsed = statsAfter.parsedChars - statsBefore.parsedChars;
    assert.ok(parsed < text.length * 8, `parsed ${parsed} characters for a ${text.length}-character answer over ${timing.frames} frames`);
    const renderMs = statsAfter.streamRenderMs - statsBefore.streamRenderMs;
    console.log(`      ${tokens.length} tokens, ${chunks.length} chunks, ${text.length} chars: ${Math.round(timing.totalMs)} ms, ${timing.frames} frames (longest gap ${Math.round(timing.longestFrameGapMs)} ms), rendering ${Math.round(renderMs)} ms in ${statsAfter.streamRenders - statsBefore.streamRenders} updates (longest ${Math.round(statsAfter.maxStreamRenderMs)} ms), parsed ${(parsed / text.length).toFixed(2)}× the text`);
    await page.screenshot('08-long-answer');
  });

  it('streams a 2,000-line code block with markdown-it seeing it about once, however many updates', async () => {
    const page = await open();
    await page.handshake({ entries: [user('u1', 'Write a long file.')] });
    const random = seededRandom(5);
    const lines = Array.from({ length: 2000 }, (_, i) => `  const value${i} = compute(${Math.floor(random() * 1000)}, "line ${i}"); // step ${i}`);
    const text = ['Here is the file:', '', '```ts', ...lines, '```', '', 'That is all.', ''].join('\n');
    await page.post({ type: 'busy', busy: true }, { type: 'entryAdded', entry: streaming('code') });
    const before = await renderStats(page);
    const timing = await streamAnswer(page, 'code', chunkTokens(tokenize(text), seededRandom(2)), answerEnded(done('code', text)), 25);
    const after = await renderStats(page);
    await page.post({ type: 'busy', busy: false });
    const parsed = after.parsedChars - before.parsedChars;
    assert.ok(timing.frames > 20, `only ${timing.frames} frames: the stream was not seen part-way`);
    // An open code block is extended as text; nothing in it is parsed until its fence closes.
    assert.ok(parsed < text.length * 3, `parsed ${(parsed / text.length).toFixed(1)}× the text over ${after.streamRenders - before.streamRenders} updates`);
    assert.equal(await page.page.locator('[data-entry-id="code"] code').textContent(), `${lines.join('\n')}\n`);
  });
});
