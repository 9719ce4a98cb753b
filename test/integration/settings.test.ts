import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { HEALTH_SETTINGS, eventually, extensionApi, setSetting } from './harness';

describe('settings', () => {
  let api: TestApi;

  before(async () => {
    api = await extensionApi();
  });

  afterEach(async () => {
    const settings = vscode.workspace.getConfiguration('holysheepRouter');
    for (const key of ['routing.weights.cost', 'routing.model', 'breaker.failureThreshold', 'models', ...HEALTH_SETTINGS]) {
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

  it('reads the monitor, alert and budget settings, with their bounds, and hands them to the engine live', async () => {
    const contributed = (vscode.extensions.getExtension('holysheep.holysheep-router')!.packageJSON.contributes.configuration as { properties: Record<string, { scope?: string; minimum?: number; enum?: string[] }> }[])
      .reduce<Record<string, { scope?: string; minimum?: number; enum?: string[] }>>((all, group) => ({ ...all, ...group.properties }), {});
    const values: Record<string, unknown> = {
      'monitor.intervalMs': 2000, 'monitor.degradedChecks': 4, 'monitor.downChecks': 3, 'monitor.reminderMs': 120_000, 'monitor.probe': 'completion',
      'monitor.probeInitialDelayMs': 2000, 'monitor.probeMaxDelayMs': 9000, 'alerts.timeoutMs': 1500, 'budget.dailyUsd': 2.5, 'budget.onExceeded': 'cheapest',
    };
    for (const [key, value] of Object.entries(values)) {
      assert.ok(contributed[`holysheepRouter.${key}`], `${key} is contributed`);
      await setSetting(api, key, value);
    }
    const config = api.router.config;
    assert.deepEqual(config.monitor, { intervalMs: 2000, reminderMs: 120_000, degradedChecks: 4, downChecks: 3, probe: 'completion', probeInitialDelayMs: 2000, probeMaxDelayMs: 9000 });
    assert.deepEqual(config.alerts, { timeoutMs: 1500 });
    assert.deepEqual(config.budget, { dailyUsd: 2.5, onExceeded: 'cheapest' });
    assert.deepEqual([api.budget.config.dailyUsd, api.budget.config.onExceeded], [2.5, 'cheapest'], 'the budget tracker follows');
    // Where a key or money is at stake, a workspace has no say.
    for (const key of ['monitor.probe', 'budget.dailyUsd', 'budget.onExceeded']) assert.equal(contributed[`holysheepRouter.${key}`]?.scope, 'application', key);
    assert.deepEqual(contributed['holysheepRouter.monitor.probe']?.enum, ['models', 'completion', 'off']);
    assert.equal(contributed['holysheepRouter.monitor.intervalMs']?.minimum, 1000);
    // Out of bounds: reported, and the last good value stays.
    await setSetting(api, 'monitor.intervalMs', 10);
    assert.equal(api.settings.problem?.settingId, 'holysheepRouter.monitor.intervalMs');
    assert.equal(api.router.config.monitor.intervalMs, 2000);
  });

  it('rejects a routing.model that names no model', async () => {
    await setSetting(api, 'routing.model', 'gpt-9000');
    assert.equal(api.settings.problem?.field, 'routing.model');
    assert.equal(api.router.config.routing.model, 'auto');
  });
});
