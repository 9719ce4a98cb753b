import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { UserEntry } from '../../src/shared/protocol';
import { extensionApi, setSetting, useFleet, type FleetSetup } from './harness';

const CODE = [
  'export function fib(n: number): number {',
  '  return n < 2 ? n : fib(n - 1) + fib(n - 2);',
  '}',
  '',
  'export const answer = fib(10);',
].join('\n');

describe('Explain Selection', () => {
  let api: TestApi;
  let setup: FleetSetup;
  let editor: vscode.TextEditor;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: CODE });
    editor = await vscode.window.showTextDocument(document);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await setup.teardown();
  });

  const lastUser = (): UserEntry | undefined =>
    [...api.chatView.transcript].reverse().find((e): e is UserEntry => e.kind === 'user');

  it('sends the selection with its file, language and lines, and streams the explanation', async () => {
    editor.selection = new vscode.Selection(0, 0, 2, 1);
    await vscode.commands.executeCommand('holysheepRouter.explainSelection');
    const user = lastUser();
    assert.ok(user, 'the selection became a user message');
    assert.match(user.text, /\(typescript, lines 1–3\)/);
    assert.match(user.text, /Untitled/);
    assert.match(user.text, /```typescript\nexport function fib/);
    assert.ok(!user.text.includes('answer = fib(10)'), 'only the selection is sent');
    const answer = api.chatView.transcript.at(-1);
    assert.equal(answer?.kind, 'answer');
    assert.equal(answer.kind === 'answer' && answer.status, 'done');
    // The question reached the provider.
    const body = setup.fleet.requests.at(-1)?.body as { messages: { content: string }[] };
    assert.match(body.messages.at(-1)?.content ?? '', /export function fib/);
  });

  it('does nothing but explain itself when nothing is selected', async () => {
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    const before = api.chatView.transcript.length;
    await vscode.commands.executeCommand('holysheepRouter.explainSelection');
    assert.equal(api.chatView.transcript.length, before);
    assert.equal(setup.fleet.requests.length, 0);
  });

  it('trims a selection too large for the limit, with a visible note', async () => {
    await setSetting(api, 'explain.maxChars', 500);
    const long = Array.from({ length: 100 }, (_, i) => `const value${i} = ${i}; // a line of filler code`).join('\n');
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, editor.document.lineCount, 0), long));
    editor.selection = new vscode.Selection(0, 0, 99, 5);
    await vscode.commands.executeCommand('holysheepRouter.explainSelection');
    const user = lastUser();
    assert.ok(user);
    assert.match(user.text, /only the first/);
    assert.ok(user.text.length < long.length, 'the message is shorter than the selection');
    await vscode.workspace.getConfiguration('holysheepRouter').update('explain.maxChars', undefined, vscode.ConfigurationTarget.Global);
  });
});
