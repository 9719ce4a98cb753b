/**
 * End to end, as a person would: the packaged extension in a real VS Code (code-server), driven in
 * headless Chromium against the fake provider fleet. Each step asserts what a person would see
 * and saves a screenshot to test-results/e2e/. Run with `node scripts/runE2E.js`, which builds,
 * packages, installs and starts everything this suite drives (see test/e2e/context.ts).
 *
 * The steps build on each other (one workbench, one conversation), so the run bails at the first
 * failure; a failed step leaves a `failed-…png` of what was on screen.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsoleMessage, Dialog } from 'playwright-core';
import type { Behaviour } from '../fixtures/fleet';
import { e2eContext, type E2EContext } from './context';
import { Workbench } from './workbench';

const MODELS = ['gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2'] as const;
/** Auto's first choice on a fresh router: the cheapest model. */
const CHEAPEST = 'deepseek-v3.2';

const MARKDOWN_ANSWER = [
  '## Retrying with backoff',
  '',
  'Wait **twice as long** after each failure, and give up after a few attempts:',
  '',
  '```ts',
  'export async function retry<T>(task: () => Promise<T>, attempts = 3): Promise<T> {',
  '  for (let i = 1; ; i++) {',
  '    try {',
  '      return await task();',
  '    } catch (error) {',
  '      if (i >= attempts) throw error;',
  '      await new Promise((r) => setTimeout(r, 100 * 2 ** (i - 1)));',
  '    }',
  '  }',
  '}',
  '```',
  '',
  '- Add *jitter*, so that clients do not retry in lockstep.',
  '- Honour `Retry-After` when the provider sends it.',
  '',
].join('\n');

const EXPLANATION = [
  '`retry` calls `task` until it succeeds, at most `attempts` times.',
  '',
  '1. Each failure waits `delayMs · 2^(attempt−1)`: 100 ms, 200 ms, 400 ms…',
  '2. The last failure is rethrown, so the caller sees the real error.',
  '',
  '**Worth knowing:** there is no jitter, and the wait cannot be cancelled.',
  '',
].join('\n');

const HOSTILE = {
  img: `<img src=x onerror="window.top.__pwned=1;document.title='PWNED'">`,
  script: '<script>window.__pwned=2</script>',
  link: '[click me](javascript:window.__pwned=3)',
};
const HOSTILE_ANSWER = [
  `Here is the image you asked for: ${HOSTILE.img}`,
  '',
  HOSTILE.script,
  '',
  `And a link: ${HOSTILE.link}`,
  '',
].join('\n');

/** Words and the spaces after them, in pieces of about `size` characters: how a model streams. */
function tokensOf(text: string, size = 12): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const piece of text.split(/(?<=\s)/)) {
    current += piece;
    if (current.length >= size) {
      tokens.push(current);
      current = '';
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function everyModel(ctx: E2EContext, behaviour: Behaviour): void {
  for (const model of MODELS) ctx.fleet.setDefault(model, behaviour);
}

describe('HolySheep Router end to end (packaged .vsix in code-server, driven in Chromium)', function () {
  let ctx: E2EContext;
  let wb: Workbench;
  const dialogs: string[] = [];
  /** Content-Security-Policy violations any frame reported: a blocked injection, or a broken view. */
  const cspViolations: string[] = [];

  before(() => {
    ctx = e2eContext();
    wb = new Workbench(ctx.page, ctx.resultsDir);
    ctx.page.setDefaultTimeout(45_000);
    ctx.page.on('console', (message: ConsoleMessage) => {
      if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(message.text())) cspViolations.push(`${message.location().url}: ${message.text()}`);
    });
    ctx.page.on('dialog', (dialog: Dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const name = `failed-${(this.currentTest.title.match(/^\d+/)?.[0] ?? 'step').padStart(2, '0')}`;
    const file = await wb.screenshot(name).catch(() => undefined);
    if (file) console.log(`      (what was on screen: ${file})`);
  });

  it('1. opens the workbench with the packaged extension installed', async () => {
    await wb.open(ctx.serverUrl);
    // Installed and contributing its activity-bar entry; it activates lazily, when its view opens.
    await wb.page.locator('.activitybar [aria-label^="HolySheep"]').first().waitFor();
    await wb.screenshot('01-workbench');
  });

  it('2. the HolySheep sidebar shows a call to action while no key is set', async () => {
    await wb.openSidebar();
    const cta = wb.chat.locator('.key-cta');
    await cta.waitFor({ state: 'visible' });
    assert.equal(await cta.getByRole('heading').textContent(), 'Set an API key to start');
    assert.equal(await cta.getByRole('button', { name: 'Set API Key' }).isVisible(), true);
    assert.equal(await wb.sendButton.isDisabled(), true, 'nothing can be sent without a key');
    await wb.statusItem.filter({ hasText: 'set API key' }).waitFor();
    // The Models tree lists the four models of the relay, none used yet.
    for (const model of MODELS) await wb.treeRow(model).filter({ hasText: 'no requests yet' }).waitFor();
    await wb.screenshot('02-no-key-call-to-action');
  });

  it('3. sets the key through the command palette, in a password box', async () => {
    await wb.runCommand('HolySheep Router: Set API Key');
    const input = wb.page.locator('.quick-input-widget input[type="password"]');
    await input.waitFor({ state: 'visible' });
    assert.equal(await wb.page.locator('.quick-input-widget .quick-input-title').textContent(), 'API key for holysheep');
    await wb.page.keyboard.type(ctx.fleet.apiKey);
    assert.equal(await input.inputValue(), ctx.fleet.apiKey);
    await wb.screenshot('03-key-password-box');
    await wb.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });

    const saved = wb.page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Saved the API key for "holysheep" in VS Code\'s secret storage.' });
    await saved.waitFor();
    await wb.chat.locator('.key-cta').waitFor({ state: 'hidden' });
    await wb.chat.getByRole('button', { name: 'Send (Enter)' }).waitFor();
    assert.equal(await wb.sendButton.isEnabled(), true, 'the chat accepts input now');
    await wb.chat.locator('.empty-state').waitFor({ state: 'visible' });
    // The status bar now shows the model Auto would pick.
    await wb.statusItem.filter({ hasText: CHEAPEST }).waitFor();
    const settings = readFileSync(join(ctx.userDataDir, 'User', 'settings.json'), 'utf8');
    assert.ok(!settings.includes(ctx.fleet.apiKey), 'the key is not written to settings.json');
    await wb.screenshot('04-key-set');
    // Read: dismissed, so it does not cover the editor in the next screenshots.
    await wb.runCommand('Notifications: Clear All Notifications');
    await saved.waitFor({ state: 'hidden' });
  });

  it('4. streams an answer: markdown with a code block, then a footer with model, latency, tokens and cost', async () => {
    const tokens = tokensOf(MARKDOWN_ANSWER);
    // About three seconds: slow enough to watch it grow, even on a busy machine.
    ctx.fleet.script(CHEAPEST, { tokens, tokenIntervalMs: 50 });
    const question = 'How should I retry a flaky call?';
    const answer = await wb.ask(question);
    await wb.userEntries.last().filter({ hasText: question }).waitFor();
    const markdown = answer.locator('.markdown');
    await answer.and(wb.chat.locator('[aria-busy="true"]')).waitFor();
    await wb.chat.getByRole('button', { name: 'Stop (Escape)' }).waitFor();
    await markdown.filter({ hasText: /\S/ }).waitFor();
    const atScreenshot = (await markdown.textContent())?.length ?? 0;
    await wb.screenshot('05-answer-streaming');
    // Watch the text grow, frame by frame, until the stream ends.
    const lengths = new Set<number>([atScreenshot]);
    while ((await answer.getAttribute('aria-busy')) === 'true') {
      lengths.add((await markdown.textContent())?.length ?? 0);
      await wb.page.waitForTimeout(40);
    }
    await wb.waitForIdle();
    const finalLength = (await markdown.textContent())?.length ?? 0;
    assert.ok(atScreenshot < finalLength, `the screenshot was taken mid-stream (${atScreenshot} of ${finalLength} characters)`);
    assert.ok([...lengths].filter((n) => n > 0 && n < finalLength).length >= 2, `the text grew in steps: ${[...lengths].sort((a, b) => a - b).join(', ')}`);

    assert.equal(await markdown.locator('h2').textContent(), 'Retrying with backoff');
    assert.equal(await markdown.locator('strong').first().textContent(), 'twice as long');
    assert.equal(await markdown.locator('li').count(), 2);
    assert.equal(await markdown.locator('.code-block .code-language').textContent(), 'ts');
    assert.match(await markdown.locator('.code-block pre code').textContent() ?? '', /^export async function retry<T>\(task: \(\) => Promise<T>, attempts = 3\)/);
    assert.equal(await markdown.getByRole('button', { name: 'Copy code' }).isVisible(), true);
    assert.equal(await markdown.getByRole('button', { name: 'Insert code at the cursor' }).isVisible(), true);

    const footer = answer.locator('.answer-footer');
    assert.equal(await footer.locator('.footer-model').textContent(), CHEAPEST);
    assert.match(await footer.locator('.footer-latency').textContent() ?? '', /^\d+ ms$|^\d+\.\d+ s$/);
    assert.match(await footer.locator('.footer-tokens').textContent() ?? '', /^[\d,]+ tokens$/);
    assert.match(await footer.locator('.footer-cost').textContent() ?? '', /^\$\d/);
    assert.equal(await footer.locator('.footer-failover').count(), 0, 'no failover this time');
    await wb.statusItem.filter({ hasText: CHEAPEST }).waitFor();

    // The key typed in the password box is what the provider received.
    const sent = ctx.fleet.requests.at(-1);
    assert.equal(sent?.model, CHEAPEST);
    assert.equal(sent?.headers.authorization, `Bearer ${ctx.fleet.apiKey}`);
    await wb.screenshot('06-answer-with-footer');
  });

  it('5. a 429 from the first model fails over: the footer shows the path, the Models tree counts it', async () => {
    ctx.fleet.script(CHEAPEST, { status: 429 });
    const answer = await wb.ask('Which model is answering now?');
    await wb.waitForIdle();
    const route = answer.locator('.answer-footer .footer-route');
    await route.waitFor({ state: 'visible' });
    const path = (await route.textContent()) ?? '';
    const match = /^deepseek-v3\.2\s→\s(\S+)\s·\sHTTP\s429$/.exec(path);
    assert.ok(match, `the footer's failover path reads "deepseek-v3.2 → <next> · HTTP 429", not ${JSON.stringify(path)}`);
    const next = match[1];
    assert.equal(await answer.locator('.answer-footer .footer-model').textContent(), next);
    assert.equal((await answer.locator('.markdown').textContent())?.trim(), `Hello from ${next}.`);
    assert.equal(ctx.fleet.requestCount(CHEAPEST), 2, 'the first model was asked (and refused) once more');
    await wb.statusItem.filter({ hasText: next }).waitFor();

    // In the Models tree: deepseek-v3.2 has a failure and, among its metrics, one failover.
    const row = wb.treeRow(CHEAPEST);
    await row.filter({ hasText: /% err/ }).waitFor();
    await row.click();
    await wb.treeRow('Requests').waitFor({ state: 'visible' });
    await wb.treeRow('Errors').locator('.label-description').filter({ hasText: /^1\b/ }).waitFor();
    const failovers = await wb.revealTreeRow('Failovers');
    await failovers.locator('.label-description').filter({ hasText: /^1$/ }).waitFor();
    await wb.page.mouse.move(900, 500);
    await wb.screenshot('07-failover-footer-and-tree');
    await (await wb.revealTreeRow(CHEAPEST)).click(); // Collapsed again, as a person tidies up.
    await failovers.waitFor({ state: 'hidden' });
  });

  it('6. Stop ends a long answer: the partial text stays, marked stopped, and the connection closes', async () => {
    ctx.fleet.reset();
    // 600 words at 25 ms: 15 s, far longer than the wait for its socket to close after Stop.
    const words = Array.from({ length: 600 }, (_, i) => `${i % 12 === 11 ? 'breakers.\n\n' : 'circuit'} `);
    const lastWord = 'THE-END';
    everyModel(ctx, { tokens: [...words, lastWord], tokenIntervalMs: 25 });
    // Earlier answers left idle keep-alive sockets, which the fleet closes after 5 s. Start from
    // none, so that the one connection open during the answer is the answer's own.
    await ctx.fleet.waitForConnections(0, 10_000);
    const answer = await wb.ask('Write a long essay about circuit breakers.');
    const markdown = answer.locator('.markdown');
    await answer.and(wb.chat.locator('[aria-busy="true"]')).waitFor();
    await markdown.filter({ hasText: /(circuit.*){20}/s }).waitFor();
    assert.equal(ctx.fleet.openConnections(), 1, 'the answer streams over one open connection');
    await wb.screenshot('08-long-answer-streaming');

    const stop = wb.chat.getByRole('button', { name: 'Stop (Escape)' });
    await stop.click();
    await answer.and(wb.chat.locator('[data-status="stopped"]')).waitFor();
    await wb.waitForIdle();
    // The provider sees the answer's socket close (it is not kept for reuse), long before the answer would have ended.
    await ctx.fleet.waitForConnections(0, 5000);
    assert.equal(await answer.locator('.answer-footer .footer-status').textContent(), 'Stopped');
    const kept = (await markdown.textContent()) ?? '';
    assert.ok(kept.includes('circuit'), 'the text that arrived is kept');
    assert.ok(!kept.includes(lastWord), 'the answer did not run to its end');
    await wb.screenshot('09-stopped');
  });

  it('7. Explain Selection on a file of the workspace streams the explanation into the chat', async () => {
    ctx.fleet.reset();
    everyModel(ctx, { tokens: tokensOf(EXPLANATION), tokenIntervalMs: 10 });
    const editor = await wb.openFile('retry.ts', 'export async function retry');
    await editor.locator('.view-lines').click();
    await wb.page.keyboard.press('Control+A');
    await editor.locator('.selected-text').first().waitFor();
    const answer = await wb.newTurn(() => wb.runCommand('HolySheep Router: Explain Selection'));

    const question = wb.userEntries.last();
    await question.filter({ hasText: 'src/retry.ts' }).waitFor();
    const asked = (await question.textContent()) ?? '';
    assert.match(asked, /Explain this code from src\/retry\.ts \(typescript, lines 1–\d+\)/);
    assert.match(asked, /export async function retry<T>/);
    assert.equal(await question.locator('.code-block .code-language').textContent(), 'typescript');
    await wb.waitForIdle();
    assert.equal(await answer.getAttribute('data-status'), 'done');
    assert.match((await answer.locator('.markdown').textContent()) ?? '', /retry calls task until it succeeds/);
    assert.equal(await answer.locator('.markdown ol li').count(), 2);
    // What went to the provider carries the selection.
    const body = JSON.stringify(ctx.fleet.requests.at(-1)?.body ?? '');
    assert.ok(body.includes('export async function retry<T>'), 'the selected code was sent');
    await wb.page.mouse.move(900, 500);
    await wb.screenshot('10-explain-selection');
  });

  it('8. an answer with <img onerror>, <script> and a javascript: link renders inert', async () => {
    ctx.fleet.reset();
    everyModel(ctx, { tokens: tokensOf(HOSTILE_ANSWER, 8), tokenIntervalMs: 5 });
    const title = await wb.page.title();
    const answer = await wb.ask('Show me some <b>HTML</b>, please.');
    await wb.waitForIdle();
    const markdown = answer.locator('.markdown');
    await markdown.filter({ hasText: 'And a link' }).waitFor();

    // Nothing became markup: no image, no script, no javascript: link, no handlers.
    for (const selector of ['img', 'script', 'iframe', 'svg:not(.icon)', '[onerror]', '[onload]', '[onclick]', 'a[href^="javascript" i]']) {
      assert.equal(await wb.chat.locator(`.transcript ${selector}`).count(), 0, `found ${selector} in the conversation`);
    }
    // The markup shows as the text it is.
    const text = (await markdown.textContent()) ?? '';
    assert.ok(text.includes(HOSTILE.img), `the <img> tag shows as text: ${text}`);
    assert.ok(text.includes(HOSTILE.script), 'the <script> tag shows as text');
    assert.ok(text.includes(HOSTILE.link), 'the javascript: link shows as text');
    assert.match((await wb.userEntries.last().locator('.markdown').textContent()) ?? '', /<b>HTML<\/b>/);

    // Click what a person would click: the link text, and every anchor in the answer.
    await markdown.getByText('click me', { exact: false }).click();
    for (const link of await markdown.locator('a').all()) await link.click();

    // Nothing ran, in any frame: the workbench, the webview host frame, the view itself.
    const pwned: string[] = [];
    for (const frame of wb.page.frames()) {
      const seen = await frame.evaluate(() => ({ pwned: (window as unknown as { __pwned?: unknown }).__pwned, title: document.title }))
        .catch((error: Error) => ({ pwned: `not readable: ${error.message}`, title: '' }));
      if (seen.pwned !== undefined || seen.title === 'PWNED') pwned.push(`${frame.url()}: __pwned=${String(seen.pwned)} title=${seen.title}`);
    }
    assert.deepEqual(pwned, [], 'no frame ran the injected code');
    assert.equal(await wb.page.title(), title, 'the workbench title is unchanged');
    assert.deepEqual(dialogs, [], 'no alert/confirm/prompt dialog opened');
    assert.equal(wb.page.context().pages().length, 1, 'no window or tab opened');
    assert.deepEqual(cspViolations, [], 'nothing even tried to break the Content-Security-Policy');
    await wb.screenshot('11-hostile-answer-inert');
  });

  it('9. after a window reload the conversation is still there', async () => {
    const before = await wb.entries.evaluateAll((elements) => elements.map((e) => `${e.className} ${(e as HTMLElement).dataset.entryId ?? ''} ${(e as HTMLElement).dataset.status ?? ''}`));
    assert.ok(before.length >= 10, `a conversation of ${before.length} entries before the reload`);
    const firstQuestion = 'How should I retry a flaky call?';
    const reloaded = wb.page.waitForEvent('load', { timeout: 90_000 });
    await wb.runCommand('Developer: Reload Window');
    await reloaded;
    await wb.waitForWorkbench();
    await wb.openSidebar();
    await wb.userEntries.first().filter({ hasText: firstQuestion }).waitFor({ timeout: 90_000 });
    const after = await wb.entries.evaluateAll((elements) => elements.map((e) => `${e.className} ${(e as HTMLElement).dataset.entryId ?? ''} ${(e as HTMLElement).dataset.status ?? ''}`));
    assert.deepEqual(after, before, 'the same entries, in the same order, with the same status');
    // Their content came back too: the failover path, the stopped answer, the code block.
    assert.equal(await wb.chat.locator('.footer-route').count(), 1);
    assert.match((await wb.chat.locator('.footer-route').textContent()) ?? '', /^deepseek-v3\.2\s→\s\S+\s·\sHTTP\s429$/);
    assert.equal(await wb.chat.locator('.entry-answer[data-status="stopped"] .footer-status').textContent(), 'Stopped');
    assert.equal(await wb.answers.first().locator('.code-block .code-language').textContent(), 'ts');
    // The key survived too: no call to action, and the chat still answers.
    assert.equal(await wb.chat.locator('.key-cta').isVisible(), false);
    await wb.screenshot('12-after-reload');
  });

  /** A number the run seeded into the user's settings (scripts/runE2E.js): the suite times itself by them. */
  function setting(key: string): number {
    const value = ctx.userSettings[`holysheepRouter.${key}`];
    assert.equal(typeof value, 'number', `scripts/runE2E.js seeds holysheepRouter.${key}`);
    return value as number;
  }

  /** What the notification toasts say now, for assertion messages. */
  function toastTexts(): Promise<string[]> {
    return wb.toasts.evaluateAll((elements) => elements.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
  }

  /** Polls `read` until `accept` takes its value; a value seen on screen, not a guess at timing. */
  async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
      await wb.page.waitForTimeout(100);
    }
  }

  const OUTAGE_QUESTION = 'Is anyone there?';
  /** When step 10's last request failed: the breakers' cool-down, which step 11 waits out, runs from about then. */
  let lastFailureAt = 0;

  it('10. the fleet takes every model down: the chat shows the error, then a notification, a red status bar and CRITICAL alerts in the tree', async () => {
    const intervalMs = setting('monitor.intervalMs');
    const downChecks = 2; // holysheepRouter.monitor.downChecks, left at its default
    // Read, dismissed: a toast from earlier steps would muddle what this step shows.
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.toasts.first().waitFor({ state: 'hidden' });
    await wb.revealTreeRow(MODELS[0]); // the tree from its top: the four model rows in view
    ctx.fleet.reset();
    everyModel(ctx, { status: 500 });

    const breakerOpen = (model: string) => wb.treeRow(model).and(wb.page.locator('[aria-label*=", breaker open,"]'));
    const everyBreakerOpen = () => Promise.all(MODELS.map((m) => breakerOpen(m).waitFor({ timeout: 3000 }))).then(() => true, () => false);
    for (let ask = 1; ; ask++) {
      const errors = await wb.errorEntries.count();
      if (ask === 1) {
        await wb.composerInput.click();
        await wb.composerInput.pressSequentially(OUTAGE_QUESTION);
      }
      // Asking again is sending what the failed request put back in the input.
      assert.equal(await wb.sendDraft(), OUTAGE_QUESTION);
      const error = wb.errorEntries.nth(errors);
      await error.waitFor();
      await wb.waitForIdle();
      lastFailureAt = Date.now();
      // The question stays in the conversation, and is back in the input to send again.
      await wb.userEntries.last().filter({ hasText: OUTAGE_QUESTION }).waitFor();
      await wb.entries.last().and(error).waitFor();
      await eventually(() => wb.composerInput.inputValue(), (v) => v === OUTAGE_QUESTION, 5000, 'the composer holds the question again');
      // The error says what happened, with its code.
      const code = (await error.locator('.error-code').textContent())?.trim() ?? '';
      assert.match(code, /^(ALL_MODELS_UNAVAILABLE|MAX_RETRIES)$/, `the error's code (${await error.innerText()})`);
      assert.ok(((await error.locator('.error-title').textContent()) ?? '').trim().length > 0, 'the error has a title');
      const message = (await error.locator('.error-message').textContent()) ?? '';
      for (const model of MODELS) assert.ok(message.includes(model), `the error names ${model}: ${message}`);
      assert.equal(await error.getByRole('button', { name: 'Retry' }).isVisible(), true);
      if (await everyBreakerOpen()) break;
      assert.ok(ask < 3, `${ask} questions, and still not every breaker is open in the Models tree`);
    }
    assert.ok(MODELS.every((m) => ctx.fleet.requestCount(m) >= 2), 'every model was asked, and failed, at least twice');

    // Within a few checks of the monitor: one error notification, with what to do next.
    const disaster = wb.toasts.filter({ hasText: 'HolySheep Router: Disaster recovery active' });
    await disaster.waitFor({ timeout: (downChecks + 3) * intervalMs + 5000 }).catch(async (error: Error) => {
      throw new Error(`No "Disaster recovery active" notification; toasts: ${JSON.stringify(await toastTexts())}. ${error.message}`);
    });
    const said = (await disaster.innerText()).replace(/\s+/g, ' ');
    assert.match(said, /No enabled model is healthy/);
    for (const model of MODELS) assert.ok(said.includes(`${model}: down`), `the notification lists ${model} as down: ${said}`);
    for (const action of ['Open Models View', 'Show Log', 'Reset Circuit Breakers']) {
      assert.equal(await disaster.getByRole('button', { name: action }).isVisible(), true, `the notification offers "${action}"`);
    }
    // The status bar turns red, with the error glyph.
    const statusDown = wb.statusItem.and(wb.page.locator('.error-kind'));
    await statusDown.waitFor();
    await statusDown.locator('.codicon-error').waitFor();
    assert.match((await wb.statusItem.getAttribute('aria-label')) ?? '', /, down, \d+ warnings?$/);
    await wb.page.mouse.move(900, 300);
    await eventually(() => disaster.evaluate((e) => getComputedStyle(e).opacity), (opacity) => opacity === '1', 5000, 'the opacity of the notification');
    await wb.screenshot('13-all-down-notification');

    // No storm: the outage stands for a few more checks and no new error pops up.
    const popups = () => wb.toasts.filter({ hasText: 'HolySheep Router:', has: wb.page.locator('.codicon-error') }).count();
    const before = await popups();
    await wb.page.waitForTimeout(3 * intervalMs); // three more checks of the monitor, watched
    assert.equal(await disaster.count(), 1, `one "Disaster recovery active" notification: ${JSON.stringify(await toastTexts())}`);
    assert.equal(await popups(), before, `no new error notification while the outage stands: ${JSON.stringify(await toastTexts())}`);
    // Per-model notifications may come one check before the fleet-wide one, never more than that.
    assert.ok(before >= 1 && before <= 2, `one or two error notifications for one outage: ${JSON.stringify(await toastTexts())}`);

    // The Models tree: every model shows its open breaker, and the Alerts section lists the CRITICAL alerts.
    // The view made taller first, so the models and their alerts fit in it together.
    await wb.raiseModelsPane(360);
    for (const model of MODELS) await breakerOpen(model).waitFor();
    await wb.expandTreeRow('Alerts');
    for (const title of ['Disaster recovery active', ...MODELS.map((m) => `${m} is down`)]) {
      const row = await wb.revealTreeRow(title);
      assert.match((await row.locator('.label-description').textContent()) ?? '', /^CRITICAL · /, `the alert "${title}" is CRITICAL`);
    }
    await wb.revealTreeRow('Disaster recovery active');
    await wb.page.mouse.move(900, 300);
    await wb.screenshot('14-alerts-in-tree');
    // Seen: dismissed, so that the recovery's notification stands alone.
    await wb.runCommand('Notifications: Clear All Notifications');
    await disaster.waitFor({ state: 'hidden' });
  });

  it('11. the fleet comes back: after the cool-down the answer arrives, a notification reports the recovery, Downtime lists the outage, the status bar is no longer red', async () => {
    const intervalMs = setting('monitor.intervalMs');
    const cooldownMs = setting('breaker.cooldownMs');
    ctx.fleet.reset();
    // Room in the short Models pane: the alerts folded away, the downtime log open (empty so far).
    await wb.collapseTreeRow('Alerts');
    await wb.expandTreeRow('Downtime');
    // The breakers let a request through once their cool-down (a setting) has passed.
    const coolDown = lastFailureAt + cooldownMs + 200 - Date.now();
    if (coolDown > 0) await wb.page.waitForTimeout(coolDown);

    // "<model> recovered", "<model> is back, degraded" or "Disaster recovery over".
    const recovery = wb.toasts.filter({ hasText: /HolySheep Router: (\S+ (recovered|is back)|Disaster recovery over)/ });
    let answeredBy = '';
    // The first answer closes its model's breaker; the monitor may want another before the
    // model's error rate, full of the outage's failures, says it is up again.
    for (let ask = 1; ; ask++) {
      const answers = await wb.answers.count();
      if (ask === 1) assert.equal(await wb.sendDraft(), OUTAGE_QUESTION, 'the question the outage put back is sent again');
      else await wb.ask(`Still there? (${ask})`);
      const answer = wb.answers.nth(answers);
      await answer.waitFor();
      await wb.waitForIdle();
      assert.equal(await answer.getAttribute('data-status'), 'done');
      answeredBy = (await answer.locator('.answer-footer .footer-model').textContent()) ?? '';
      assert.ok((MODELS as readonly string[]).includes(answeredBy), `answered by a model of the fleet: ${answeredBy}`);
      assert.equal((await answer.locator('.markdown').textContent())?.trim(), `Hello from ${answeredBy}.`);
      const shown = await recovery.first().waitFor({ timeout: 3 * intervalMs + 2000 }).then(() => true, () => false);
      if (shown) break;
      assert.ok(ask < 4, `${ask} answers, and no notification of the recovery; toasts: ${JSON.stringify(await toastTexts())}`);
    }
    const said = (await recovery.first().innerText()).replace(/\s+/g, ' ');
    // What the picture shows, gathered before the notification times out: the outage in the
    // Downtime section (the model, how long, why), and a status bar that is no longer red.
    const downtimeLabel = new RegExp(`^${answeredBy.replace(/\./g, '\\.')} · \\d+ (s|min)`);
    const event = await wb.revealTreeRow(downtimeLabel);
    await wb.statusItem.and(wb.page.locator(':not(.error-kind)')).waitFor();
    await recovery.first().waitFor();
    // Fully faded in (VS Code animates a toast's opacity as it arrives).
    await eventually(() => recovery.first().evaluate((e) => getComputedStyle(e).opacity), (opacity) => opacity === '1', 5000, 'the opacity of the recovery notification');
    await wb.screenshot('15-recovered');

    assert.ok(said.includes(answeredBy), `the notification names ${answeredBy}: ${said}`);
    assert.match(said, /after \d+ (s|min)/, `the notification says how long it was down: ${said}`);
    assert.equal(await wb.toasts.filter({ hasText: 'Disaster recovery active' }).count(), 0, 'no error notification is back');
    assert.match((await event.locator('.label-description').textContent()) ?? '', /HTTP_500 · from /);
    assert.match((await wb.treeRow('Downtime').locator('.label-description').textContent()) ?? '', /^\d+ · \d+ (s|min).* in all$/);
    assert.equal(await wb.statusItem.locator('.codicon-error').count(), 0, 'no error glyph in the status bar');
    await eventually(async () => (await wb.statusItem.getAttribute('aria-label')) ?? '', (label) => new RegExp(`^HolySheep Router: ${answeredBy.replace(/\./g, '\\.')}, (healthy|degraded)`).test(label), 5000, 'the status bar names the model that answers, not down');
  });
});
