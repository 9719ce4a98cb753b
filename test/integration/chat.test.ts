import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { AnswerEntry } from '../../src/shared/protocol';
import { eventually, extensionApi, setSetting, useFleet, type FleetSetup } from './harness';

describe('chat view (host side) against the fleet', () => {
  let api: TestApi;
  let setup: FleetSetup;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
  });

  afterEach(async () => {
    await setup.teardown();
  });

  const lastAnswer = (): AnswerEntry | undefined =>
    [...api.chatView.transcript].reverse().find((e): e is AnswerEntry => e.kind === 'answer');

  it('streams an answer into the transcript with its footer figures', async () => {
    const answered: string[] = [];
    const subscription = api.chatView.onDidAnswer(({ model, ok }) => ok && answered.push(model));
    try {
      const turn = await api.chatView.ask('Say hello.');
      assert.equal(turn.status, 'done');
      // Auto picks the cheapest healthy model, and the fleet answers with its name.
      assert.equal(turn.answer?.model, 'deepseek-v3.2');
      assert.equal(turn.answer?.text, 'Hello from deepseek-v3.2.');
      assert.ok(turn.answer?.stats, 'a finished answer has its stats');
      assert.ok(turn.answer.stats.completionTokens > 0);
      assert.ok(turn.answer.stats.costUsd > 0);
      assert.deepEqual(api.chatView.transcript.slice(-2).map((e) => e.kind), ['user', 'answer']);
      assert.deepEqual(answered, ['deepseek-v3.2']);
    } finally {
      subscription.dispose();
    }
    // The request went out as the provider expects it: streamed, with the stored key as a Bearer token.
    const sent = setup.fleet.requests.at(-1);
    assert.equal(sent?.stream, true);
    assert.equal(sent?.headers.authorization, `Bearer ${setup.fleet.apiKey}`);
  });

  it('fails over on 429: the footer path, the tree and the status bar all show it', async () => {
    setup.fleet.script('deepseek-v3.2', { status: 429, retryAfter: '20' });
    const turn = await api.chatView.ask('Which model are you?');
    assert.equal(turn.status, 'done');
    const answer = turn.answer!;
    assert.notEqual(answer.model, 'deepseek-v3.2');
    assert.deepEqual(answer.failovers, [{ from: 'deepseek-v3.2', to: answer.model, reason: 'RATE_LIMITED' }]);
    assert.equal(answer.text, `Hello from ${answer.model}.`);

    const failovers = api.modelsTree.getChildren({ kind: 'model', model: 'deepseek-v3.2' })
      .map((n) => api.modelsTree.getTreeItem(n))
      .find((item) => item.label === 'Failovers');
    assert.equal(failovers?.description, '1');
    await eventually(() => api.statusBar.text.includes(answer.model!), `the status bar to show ${answer.model}`);
  });

  it('Stop ends a long answer at once, keeps what streamed, and closes the socket', async () => {
    setup.fleet.script('deepseek-v3.2', { tokens: Array.from({ length: 400 }, (_, i) => `word${i} `), tokenIntervalMs: 20 });
    const pending = api.chatView.ask('Write a long essay.');
    await eventually(() => (lastAnswer()?.text.length ?? 0) > 0, 'some text to arrive', 8000);
    await vscode.commands.executeCommand('holysheepRouter.stop');
    const turn = await pending;
    assert.equal(turn.status, 'stopped');
    assert.ok((turn.answer?.text.length ?? 0) > 0, 'the partial answer is kept');
    assert.ok(!turn.answer?.text.includes('word399'), 'the answer did not run to its end');
    await setup.fleet.waitForConnections(0, 3000);
    // A cancelled request is not the model's fault.
    const snapshot = api.router.snapshot().find((s) => s.model === 'deepseek-v3.2');
    assert.equal(snapshot?.failures, 0);
    assert.equal(api.chatView.busy, false);
  });

  it('names the endpoint whose key was refused, offers to replace it, and never shows the key', async () => {
    await api.keys.store('holysheep', 'hs_wrong_key_for_test_123');
    const turn = await api.chatView.ask('Hello?');
    assert.equal(turn.status, 'failed');
    assert.equal(turn.error?.code, 'AUTH_FAILED');
    assert.match(`${turn.error?.title} ${turn.error?.message}`, /holysheep/);
    assert.ok(turn.error?.actions.some((a) => a.action === 'setApiKey' && a.endpointId === 'holysheep'), 'a Set API Key action for that endpoint');
    assert.ok(!JSON.stringify(api.chatView.transcript).includes('hs_wrong_key_for_test_123'), 'the key is nowhere in the transcript');
    // The fleet echoes the key in its 401 body, as OpenAI does: the message must not.
    assert.ok(setup.fleet.requests.length > 0);
  });

  it('with no key, keeps the question instead of sending it', async () => {
    await api.keys.delete('holysheep');
    const before = api.chatView.transcript.length;
    const turn = await api.chatView.ask('Is anyone there?');
    assert.equal(turn.status, 'noKey');
    assert.equal(api.chatView.transcript.length, before, 'nothing was added to the conversation');
    assert.equal(setup.fleet.requests.length, 0, 'nothing was sent');
  });

  it('a fixed model from the picker answers first', async () => {
    await setSetting(api, 'routing.model', 'claude-sonnet-4.5');
    const turn = await api.chatView.ask('Hi');
    assert.equal(turn.answer?.model, 'claude-sonnet-4.5');
  });

  it('Retry re-sends the last question and replaces the failed answer', async () => {
    setup.fleet.script('deepseek-v3.2', { status: 400, body: { error: { message: 'context too long' } } });
    const failed = await api.chatView.ask('Summarise this.');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'BAD_REQUEST');
    assert.ok(failed.error?.actions.some((a) => a.action === 'retry'));
    const retried = await api.chatView.retry();
    assert.equal(retried?.status, 'done');
    const users = api.chatView.transcript.filter((e) => e.kind === 'user');
    assert.equal(users.length, 1, 'the question is not duplicated');
    assert.equal(api.chatView.transcript.filter((e) => e.kind === 'error').length, 0, 'the old error is gone');
  });

  it('New Chat clears the conversation', async () => {
    await api.chatView.ask('First');
    assert.ok(api.chatView.transcript.length >= 2);
    await vscode.commands.executeCommand('holysheepRouter.newChat');
    assert.equal(api.chatView.transcript.length, 0);
  });
});
