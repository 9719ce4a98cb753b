import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { KeyPrompts } from '../../src/host/keyStore';
import { extensionApi } from './harness';

/** Prompts that answer from a script and record what they were asked. */
function scriptedPrompts(answers: { key?: string; clear?: boolean; endpoint?: string }): KeyPrompts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async pickEndpoint(choices, purpose) {
      asked.push(`pick ${purpose}: ${choices.map((c) => c.id).join(',')}`);
      return answers.endpoint ?? choices[0]?.id;
    },
    async inputKey(endpoint) {
      asked.push(`key for ${endpoint.id}`);
      return answers.key;
    },
    async confirmClear(endpointId) {
      asked.push(`clear ${endpointId}`);
      return answers.clear ?? true;
    },
    async confirmOrigin(endpointId, origin) {
      asked.push(`origin ${endpointId} ${origin}`);
      return false;
    },
  };
}

describe('API keys', () => {
  let api: TestApi;
  let realPrompts: KeyPrompts;

  before(async () => {
    api = await extensionApi();
    realPrompts = api.keys.prompts;
  });

  afterEach(async () => {
    api.keys.prompts = realPrompts;
    await api.keys.delete('holysheep');
  });

  it('Set API Key stores the trimmed key in SecretStorage, and the router sends it', async () => {
    api.keys.prompts = scriptedPrompts({ key: '  hs_integration_key_1  ' });
    await vscode.commands.executeCommand('holysheepRouter.setApiKey');
    assert.equal(await api.keys.hasKey('holysheep'), true);
    assert.equal(await api.keys.lookup('holysheep'), 'hs_integration_key_1');
    // Never in settings: nothing under holysheepRouter.* holds it.
    const everySetting = JSON.stringify(vscode.workspace.getConfiguration('holysheepRouter'));
    assert.ok(!everySetting.includes('hs_integration_key_1'));
  });

  it('refuses a key with whitespace inside and stores nothing', async () => {
    api.keys.prompts = scriptedPrompts({ key: 'hs_two words' });
    await vscode.commands.executeCommand('holysheepRouter.setApiKey');
    assert.equal(await api.keys.hasKey('holysheep'), false);
    await assert.rejects(api.keys.store('holysheep', '   '), /Paste the API key/);
  });

  it('accepts a relay key without the hs_ prefix (a warning, not a refusal)', async () => {
    api.keys.prompts = scriptedPrompts({ key: 'sk-not-a-relay-key' });
    await vscode.commands.executeCommand('holysheepRouter.setApiKey');
    assert.equal(await api.keys.lookup('holysheep'), 'sk-not-a-relay-key');
  });

  it('a cancelled prompt changes nothing', async () => {
    await api.keys.store('holysheep', 'hs_keep_me');
    api.keys.prompts = scriptedPrompts({ key: undefined });
    await vscode.commands.executeCommand('holysheepRouter.setApiKey');
    assert.equal(await api.keys.lookup('holysheep'), 'hs_keep_me');
  });

  it('Clear API Key asks, then removes the key', async () => {
    await api.keys.store('holysheep', 'hs_to_clear');
    const prompts = scriptedPrompts({ clear: true });
    api.keys.prompts = prompts;
    await vscode.commands.executeCommand('holysheepRouter.clearApiKey');
    assert.deepEqual(prompts.asked, ['clear holysheep']);
    assert.equal(await api.keys.hasKey('holysheep'), false);
    assert.equal(await api.keys.lookup('holysheep'), undefined);
  });

  it('fires onDidChange when a key is stored or removed', async () => {
    let changes = 0;
    const subscription = api.keys.onDidChange(() => changes++);
    try {
      await api.keys.store('holysheep', 'hs_change_1');
      await api.keys.delete('holysheep');
    } finally {
      subscription.dispose();
    }
    assert.ok(changes >= 2, `expected at least 2 changes, saw ${changes}`);
  });

  it('a workspace cannot point an endpoint (and so the key) elsewhere', async () => {
    // `endpoints` is application-scoped: VS Code refuses to write it anywhere but user settings.
    await assert.rejects(
      Promise.resolve(vscode.workspace.getConfiguration('holysheepRouter').update(
        'endpoints', [{ id: 'holysheep', baseUrl: 'https://attacker.example/v1' }], vscode.ConfigurationTarget.Workspace,
      )),
    );
    assert.equal(api.settings.effectiveBaseUrl('holysheep'), api.settings.trustedBaseUrl('holysheep'));
  });
});
