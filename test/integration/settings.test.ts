import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { eventually, extensionApi, setSetting } from './harness';

describe('settings', () => {
  let api: TestApi;

  before(async () => {
    api = await extensionApi();
  });

  afterEach(async () => {
    const settings = vscode.workspace.getConfiguration('holysheepRouter');
    for (const key of ['routing.weights.cost', 'routing.model', 'breaker.failureThreshold', 'models']) {
      await settings.update(key, undefined, vscode.ConfigurationTarget.Global);
    }
    api.settings.reload();
  });

  it('applies a valid change live, without a reload', async () => {
    await setSetting(api, 'breaker.failureThreshold', 2);
    await eventually(() => api.router.config.breaker.failureThreshold === 2, 'the router to take the new threshold');
  });

  it('reports an invalid value by its setting, keeps the last good configuration, and does not crash', async () => {
    const before = api.router.config.routing.weights.cost;
    await setSetting(api, 'routing.weights.cost', -3);
    const problem = api.settings.problem;
    assert.ok(problem, 'a problem is reported');
    assert.equal(problem.field, 'routing.weights.cost');
    assert.equal(problem.settingId, 'holysheepRouter.routing.weights.cost');
    assert.match(problem.message, /routing\.weights\.cost/);
    assert.equal(api.router.config.routing.weights.cost, before, 'the last good value stays in force');

    // The extension still works: a preview of the routing decision succeeds.
    await api.router.preview();

    await setSetting(api, 'routing.weights.cost', 0.5);
    assert.equal(api.settings.problem, undefined, 'fixing the value clears the problem');
    assert.equal(api.router.config.routing.weights.cost, 0.5);
  });

  it('names the model entry when a model setting is broken', async () => {
    await setSetting(api, 'models', [{ id: 'gpt-4.1', tier: 'premium' }]);
    assert.equal(api.settings.problem?.field, 'models[gpt-4.1].tier');
    assert.equal(api.settings.problem?.settingId, 'holysheepRouter.models');
  });

  it('rejects a routing.model that names no model', async () => {
    await setSetting(api, 'routing.model', 'gpt-9000');
    assert.equal(api.settings.problem?.field, 'routing.model');
    assert.equal(api.router.config.routing.model, 'auto');
  });
});
