import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { ModelsTreeNode } from '../../src/host/modelsTree';
import { eventually, extensionApi, setSetting, useFleet, type FleetSetup } from './harness';

/** The label → value of each metric child of a model's node, as the tree shows them. */
function metricsShown(api: TestApi, model: string): Map<string, string> {
  const children = api.modelsTree.getChildren({ kind: 'model', model });
  const shown = new Map<string, string>();
  for (const child of children) {
    const item = api.modelsTree.getTreeItem(child);
    shown.set(String(item.label), String(item.description));
  }
  return shown;
}

function modelItem(api: TestApi, model: string): vscode.TreeItem {
  return api.modelsTree.getTreeItem({ kind: 'model', model });
}

const ask = (api: TestApi) => api.router.chat({ messages: [{ role: 'user', content: 'Hello?' }] });

describe('models tree and status bar', () => {
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

  it('lists every model, then the cost of today, an Alerts section and a Downtime section', () => {
    const roots = api.modelsTree.getChildren();
    const models = roots.filter((n): n is Extract<ModelsTreeNode, { kind: 'model' }> => n.kind === 'model').map((n) => n.model);
    assert.deepEqual(models, ['gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2']);
    assert.deepEqual(roots.slice(models.length).map((n) => n.kind), ['cost', 'alerts', 'downtime']);
  });

  it('shows a failover in the failing model\'s metrics and the answer in the other\'s', async () => {
    // Auto picks the cheapest healthy model first: DeepSeek V3.2.
    setup.fleet.script('deepseek-v3.2', { status: 429, retryAfter: '30' });
    const result = await ask(api);
    assert.notEqual(result.model, 'deepseek-v3.2');
    assert.deepEqual(result.failovers.map((f) => [f.from, f.reason]), [['deepseek-v3.2', 'RATE_LIMITED']]);

    const failed = metricsShown(api, 'deepseek-v3.2');
    assert.equal(failed.get('Failovers'), '1');
    assert.match(failed.get('Errors') ?? '', /^1 \(last: RATE_LIMITED\)$/);
    const answered = metricsShown(api, result.model);
    assert.equal(answered.get('Requests'), '1');
    assert.match(answered.get('Tokens in / out') ?? '', /\d+ \/ \d+/);
    assert.match(String(modelItem(api, result.model).description), /p50 \d/);
  });

  it('marks an open breaker in the tree, raises an alert, and Reset Circuit Breakers closes it', async () => {
    await setSetting(api, 'breaker.failureThreshold', 2);
    await setSetting(api, 'routing.model', 'deepseek-v3.2');
    setup.fleet.setDefault('deepseek-v3.2', { status: 503 });
    await ask(api);
    await ask(api);
    await eventually(() => api.router.snapshot().find((s) => s.model === 'deepseek-v3.2')?.breaker === 'open', 'the breaker to open');

    const item = modelItem(api, 'deepseek-v3.2');
    assert.match(String(item.contextValue), /\bbreakerTripped\b/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'debug-disconnect');
    assert.match(metricsShown(api, 'deepseek-v3.2').get('Circuit breaker') ?? '', /open/i);
    // The health monitor, not the breaker event, raises the alert: two down checks in a row.
    api.monitor.checkNow();
    assert.equal(api.alerts.alerts.length, 0, 'one down check is not an alert yet');
    api.monitor.checkNow();
    assert.ok(api.alerts.alerts.some((a) => a.severity === 'critical' && a.model === 'deepseek-v3.2'), 'a critical alert for the model');

    await vscode.commands.executeCommand('holysheepRouter.resetBreakers');
    assert.equal(api.router.snapshot().find((s) => s.model === 'deepseek-v3.2')?.breaker, 'closed');
    await setSetting(api, 'breaker.failureThreshold', undefined);
  });

  it('turns the status bar red with every model down, and lists every model in its tooltip', async () => {
    await setSetting(api, 'breaker.failureThreshold', 1);
    for (const model of ['gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2']) setup.fleet.setDefault(model, { status: 500 });
    await assert.rejects(ask(api));
    await eventually(() => api.router.snapshot().every((s) => s.breaker === 'open'), 'every breaker to open');
    api.statusBar.update();
    await eventually(() => (api.statusBar.backgroundColor as vscode.ThemeColor | undefined)?.id === 'statusBarItem.errorBackground', 'the error background');
    assert.match(api.statusBar.text, /\$\(error\)/);
    for (const model of ['gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2']) assert.match(api.statusBar.tooltip, new RegExp(model.replace('.', '\\.')));
    api.monitor.checkNow();
    api.monitor.checkNow();
    assert.ok(api.alerts.alerts.some((a) => a.severity === 'critical' && a.kind === 'disaster'), 'a critical "no healthy model" alert');
    await setSetting(api, 'breaker.failureThreshold', undefined);
  });

  it('Probe Now lists the endpoint\'s models without a completion request', async () => {
    await vscode.commands.executeCommand('holysheepRouter.probeModel', { kind: 'model', model: 'gpt-4.1' });
    const snapshot = api.router.snapshot().find((s) => s.model === 'gpt-4.1');
    assert.equal(snapshot?.lastProbe?.ok, true);
    assert.equal(setup.fleet.requests.filter((r) => r.model).length, 0, 'no completion was requested');
  });

  it('Enable/Disable Model writes the setting and the tree shows it disabled', async () => {
    await vscode.commands.executeCommand('holysheepRouter.toggleModel', { kind: 'model', model: 'gemini-2.5-flash' });
    await eventually(() => api.router.config.models.find((m) => m.id === 'gemini-2.5-flash')?.enabled === false, 'the model to be disabled');
    assert.equal(modelItem(api, 'gemini-2.5-flash').description, 'disabled');
    await vscode.commands.executeCommand('holysheepRouter.toggleModel', { kind: 'model', model: 'gemini-2.5-flash' });
    await eventually(() => api.router.config.models.find((m) => m.id === 'gemini-2.5-flash')?.enabled === true, 'the model to be enabled again');
  });
});
