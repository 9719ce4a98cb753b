import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config';
import { RouterError } from '../../src/core/errors';
import { keyVariableFor } from '../../src/core/registry';

function configError(fn: () => unknown): RouterError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RouterError, `expected a RouterError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('configuration', () => {
  it('defaults to the relay and its four models at the article prices', () => {
    const config = resolveConfig();
    assert.equal(config.endpoints[0]!.baseUrl, 'https://api.holysheep.ai/v1');
    const prices = Object.fromEntries(config.models.map((m) => [m.id, [m.outputPricePerMTok, m.officialOutputPricePerMTok]]));
    assert.deepEqual(prices, {
      'gpt-4.1': [8, 60],
      'claude-sonnet-4.5': [15, 108],
      'gemini-2.5-flash': [2.5, 17.5],
      'deepseek-v3.2': [0.42, 2.9],
    });
    assert.deepEqual(config.routing.weights, { cost: 0.3, errorRate: 0.4, latency: 0.3 });
    assert.equal(config.breaker.failureThreshold, 5);
    assert.equal(config.breaker.cooldownMs, 30_000);
    assert.equal(config.timeouts.idleMs, 30_000);
  });

  it('merges models and endpoints over the defaults by id', () => {
    const config = resolveConfig({
      endpoints: [{ id: 'local', baseUrl: 'http://127.0.0.1:11434/v1/' }],
      models: [{ id: 'gpt-4.1', maxLatencyMs: 1500 }, { id: 'llama3', endpoint: 'local', outputPricePerMTok: 0 }],
    });
    const gpt = config.models.find((m) => m.id === 'gpt-4.1')!;
    assert.equal(gpt.maxLatencyMs, 1500);
    assert.equal(gpt.outputPricePerMTok, 8, 'fields not named keep their defaults');
    assert.equal(config.models.length, 5);
    assert.equal(config.endpoints.find((e) => e.id === 'local')!.baseUrl, 'http://127.0.0.1:11434/v1', 'trailing slash trimmed');
  });

  it('lets HOLYSHEEP_BASE_URL win over the file', () => {
    const config = resolveConfig({ endpoints: [{ id: 'holysheep', baseUrl: 'https://elsewhere.example/v1' }] }, { baseUrlOverride: 'http://127.0.0.1:9/v1' });
    assert.equal(config.endpoints[0]!.baseUrl, 'http://127.0.0.1:9/v1');
  });

  it('names the bad field', () => {
    assert.equal(configError(() => resolveConfig({ routing: { weights: { cost: -1 } } })).field, 'routing.weights.cost');
    assert.equal(configError(() => resolveConfig({ breaker: { failureThreshold: 'five' } })).field, 'breaker.failureThreshold');
    assert.equal(configError(() => resolveConfig({ models: [{ id: 'x', endpoint: 'nowhere', outputPricePerMTok: 1 }] })).field, 'models[x].endpoint');
    assert.equal(configError(() => resolveConfig({ models: [{ id: 'new-model' }] })).field, 'models[new-model].outputPricePerMTok');
    assert.equal(configError(() => resolveConfig({ endpoints: [{ id: 'holysheep', baseUrl: 'ftp://x' }] })).field, 'endpoints[0].baseUrl');
    assert.equal(configError(() => resolveConfig({ endpoints: [{ id: 'holysheep', baseUrl: 'https://user:pw@x.example' }] })).field, 'endpoints[0].baseUrl');
    assert.equal(configError(() => resolveConfig({ routing: { model: 'gpt-5' } })).field, 'routing.model');
    assert.equal(configError(() => resolveConfig({ routing: { quality: 'best' } })).field, 'routing.quality');
    assert.equal(configError(() => resolveConfig([])).field, '(root)');
    assert.match(configError(() => resolveConfig({ retry: { maxAttempts: 0 } })).message, /retry\.maxAttempts.*between 1 and 20/);
  });

  it('does not let callers mutate the defaults', () => {
    const config = resolveConfig();
    config.models[0]!.enabled = false;
    assert.equal(DEFAULT_CONFIG.models[0]!.enabled, true);
    assert.equal(resolveConfig().models[0]!.enabled, true);
  });

  it('names key variables after endpoint ids', () => {
    assert.equal(keyVariableFor('holysheep'), 'HOLYSHEEP_API_KEY');
    assert.equal(keyVariableFor('my-proxy.eu'), 'MY_PROXY_EU_API_KEY');
  });
});
