import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';

const EXTENSION_ID = 'holysheep.holysheep-router';

interface ContributedCommand {
  command: string;
}

describe('activation', () => {
  let extension: vscode.Extension<TestApi | undefined>;

  before(() => {
    const found = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not installed in the test host`);
    extension = found;
  });

  it('activates and hands its parts to the tests', async () => {
    const api = await extension.activate();
    assert.equal(extension.isActive, true);
    assert.ok(api, 'activate() returns the test API in ExtensionMode.Test');
    for (const part of ['router', 'keys', 'settings', 'chatView', 'statusBar', 'modelsTree', 'alerts', 'log', 'monitor', 'budget', 'delivery', 'webhooks', 'health', 'sync'] as const) {
      assert.ok(api[part], `the test API has ${part}`);
    }
  });

  it('registers every command that package.json contributes', async () => {
    await extension.activate();
    const contributed = (extension.packageJSON.contributes.commands as ContributedCommand[]).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((command) => !registered.has(command)), [], 'contributed but not registered');
  });
});
