/**
 * The VS Code workbench in Chromium, seen the way a person uses it: the command palette, the
 * HolySheep sidebar (chat webview and Models tree), the status bar, editors. Locators only: every
 * wait is on something becoming visible, never a fixed sleep.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const EXTENSION_ID = 'holysheep.holysheep-router';

/** Escapes a value for a double-quoted CSS attribute selector. */
function cssString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export class Workbench {
  constructor(readonly page: Page, private readonly resultsDir: string) {
    mkdirSync(resultsDir, { recursive: true });
  }

  /** The chat view's content: the webview's iframe, then the document VS Code loads inside it. */
  get chat(): FrameLocator {
    return this.page.frameLocator(`iframe.webview[src*="extensionId=${EXTENSION_ID}"]`).frameLocator('#active-frame');
  }

  get composerInput(): Locator {
    return this.chat.getByRole('textbox', { name: 'Message' });
  }

  /** The composer's one button: "Send (Enter)" when idle, "Stop (Escape)" while an answer streams. */
  get sendButton(): Locator {
    return this.chat.locator('button.composer-send');
  }

  get entries(): Locator {
    return this.chat.locator('.transcript > .entry');
  }

  get userEntries(): Locator {
    return this.chat.locator('.transcript > .entry-user');
  }

  get answers(): Locator {
    return this.chat.locator('.transcript > .entry-answer');
  }

  /** The error entries of the conversation: a request that got no answer at all. */
  get errorEntries(): Locator {
    return this.chat.locator('.transcript > .entry-error');
  }

  /** Notification toasts in the bottom-right corner of the workbench (not the closed notification center). */
  get toasts(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  get modelsPane(): Locator {
    return this.page.locator('.pane').filter({ has: this.page.locator('.pane-header[aria-label^="Models"]') });
  }

  /**
   * Gives the Models pane more of the sidebar, as a person drags the splitter between the Chat and
   * Models views: its header moves up to about `top` (page y). The layout stays for the rest of the run.
   */
  async raiseModelsPane(top: number): Promise<void> {
    const header = this.modelsPane.locator('.pane-header').first();
    const before = await header.boundingBox();
    if (!before) throw new Error('The Models view has no header on screen.');
    if (before.y <= top + 8) return;
    // The splitter's sash straddles the line between the two views, just above the header.
    const x = before.x + before.width / 2;
    await this.page.mouse.move(x, before.y - 1);
    await this.page.mouse.down();
    await this.page.mouse.move(x, top, { steps: 8 });
    await this.page.mouse.up();
    await this.page.mouse.move(900, 500); // off the sash, so its highlight fades before any screenshot
    const after = await header.boundingBox();
    if (!after || after.y > before.y - 40) throw new Error(`The Models view did not grow: its header was at y=${before.y}, now ${after?.y}.`);
  }

  /**
   * A row of the Models tree by its label (a model id, or a metric such as "Failovers"): exactly
   * that text, or a pattern for labels with a number in them ("deepseek-v3.2 · 12 s").
   */
  treeRow(label: string | RegExp): Locator {
    const exactly = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
    return this.modelsPane.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exactly }) });
  }

  /**
   * Scrolls the Models tree until the row is rendered and visible: the tree draws only the rows in
   * view, and the pane may be short.
   */
  async revealTreeRow(label: string | RegExp): Promise<Locator> {
    const row = this.treeRow(label);
    if (await row.isVisible()) return row;
    const list = this.modelsPane.locator('.monaco-list');
    await list.hover();
    await this.page.mouse.wheel(0, -100_000); // from the top, then down a row or two at a time
    for (let step = 0; !(await row.isVisible()); step++) {
      if (step === 40) throw new Error(`The Models tree has no row "${String(label)}", even scrolled.`);
      await this.page.waitForTimeout(50); // the list repaints on the next frame
      await this.page.mouse.wheel(0, 44);
    }
    return row;
  }

  /**
   * Reveals a collapsible row of the Models tree (a section such as "Alerts", or a model) and
   * expands it if it is collapsed; the tree keeps a section's state by its id, so it may already be.
   */
  async expandTreeRow(label: string): Promise<Locator> {
    return this.setTreeRowExpanded(label, true);
  }

  /** The opposite of expandTreeRow: folds a section away, as a person makes room in a short pane. */
  async collapseTreeRow(label: string): Promise<Locator> {
    return this.setTreeRowExpanded(label, false);
  }

  private async setTreeRowExpanded(label: string, expanded: boolean): Promise<Locator> {
    const row = await this.revealTreeRow(label);
    if ((await row.getAttribute('aria-expanded')) !== String(expanded)) await row.locator('.monaco-tl-twistie').click();
    await this.treeRow(label).and(this.page.locator(`[aria-expanded="${expanded}"]`)).waitFor();
    return row;
  }

  /** The extension's status-bar item. */
  get statusItem(): Locator {
    return this.page.locator('.statusbar-item[id$="holysheepRouter.status"]');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.waitForWorkbench();
  }

  async waitForWorkbench(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await this.page.locator('.activitybar [aria-label^="HolySheep"]').first().waitFor({ timeout: 60_000 });
  }

  /**
   * Shows the HolySheep sidebar by its activity-bar entry. A click on the entry of the container
   * already showing hides it, and after a reload the workbench may restore it at any moment: so
   * click, look, and click again if it is not there.
   */
  async openSidebar(): Promise<void> {
    const title = this.page.locator('.part.sidebar .composite.title .title-label').filter({ hasText: /^HolySheep$/ });
    const entry = this.page.locator('.activitybar [aria-label^="HolySheep"]').first();
    for (let attempt = 1; !(await title.isVisible()); attempt++) {
      await entry.click();
      const shown = await title.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);
      if (shown) break;
      if (attempt === 3) throw new Error('The HolySheep sidebar did not show after three clicks on its activity-bar entry.');
    }
    await this.chat.locator('.app').waitFor({ timeout: 60_000 });
    // The pointer away from the activity bar, so no hover tooltip covers the view in screenshots.
    await this.page.mouse.move(900, 500);
  }

  /** F1, type the command's title, pick the entry with exactly that title. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await this.page.keyboard.type(title);
    const exact = `:is([aria-label="${cssString(title)}"], [aria-label^="${cssString(`${title},`)}"])`;
    const row = this.page.locator(`.quick-input-list .monaco-list-row${exact}`).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
  }

  /** Ctrl+P, the file's name, Enter; resolves once its editor shows `expectedText`. */
  async openFile(name: string, expectedText: string): Promise<Locator> {
    await this.page.keyboard.press('Control+P');
    await this.page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible' });
    await this.page.keyboard.type(name);
    await this.page.locator(`.quick-input-list .monaco-list-row[aria-label^="${cssString(name)}"]`).first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tabs-container .tab.active[aria-label^="${cssString(name)}"]`).waitFor({ state: 'visible' });
    const editor = this.page.locator('.editor-instance .monaco-editor').filter({ hasText: expectedText }).first();
    await editor.waitFor({ state: 'visible' });
    return editor;
  }

  /** Types into the chat's input and presses Enter, as a person sends a message; resolves with the new answer. */
  ask(question: string): Promise<Locator> {
    return this.newTurn(async () => {
      await this.composerInput.click();
      await this.composerInput.pressSequentially(question);
      await this.composerInput.press('Enter');
    });
  }

  /**
   * Sends what the composer holds (the question a failed request put back, say) with Enter, and
   * waits for the question to appear in the conversation; resolves with its text.
   */
  async sendDraft(): Promise<string> {
    const draft = await this.composerInput.inputValue();
    if (!draft.trim()) throw new Error('The composer is empty: there is nothing to send again.');
    const users = await this.userEntries.count();
    await this.composerInput.press('Enter');
    await this.userEntries.nth(users).waitFor();
    return draft;
  }

  /** Runs `start` (a send, a command) and waits for the question and the answer it adds to the chat. */
  async newTurn(start: () => Promise<void>): Promise<Locator> {
    const users = await this.userEntries.count();
    const answers = await this.answers.count();
    await start();
    await this.userEntries.nth(users).waitFor();
    const answer = this.answers.nth(answers);
    await answer.waitFor();
    return answer;
  }

  /** Waits until no answer streams any more (the composer's button says Send again). */
  async waitForIdle(timeout = 60_000): Promise<void> {
    await this.chat.locator('.transcript > .entry-answer[aria-busy="true"]').first().waitFor({ state: 'detached', timeout });
    await this.chat.getByRole('button', { name: 'Send (Enter)' }).waitFor({ timeout });
  }

  async screenshot(name: string): Promise<string> {
    const file = join(this.resultsDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
