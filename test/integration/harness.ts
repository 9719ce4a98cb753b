/**
 * What every integration test needs: the extension's test API, and the fake provider fleet running
 * inside the extension host with the relay endpoint pointed at it and its key in SecretStorage.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { FakeFleet } from '../fixtures/fleet';

export const EXTENSION_ID = 'holysheep.holysheep-router';

export async function extensionApi(): Promise<TestApi> {
  const extension = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in the test host`);
  const api = await extension.activate();
  assert.ok(api, 'the extension returns its test API in ExtensionMode.Test');
  return api;
}

/** Polls `check` until it holds; the UI parts update on throttled timers. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const settings = () => vscode.workspace.getConfiguration('holysheepRouter');

/** Writes a user setting and waits until the router runs with it. */
export async function setSetting(api: TestApi, key: string, value: unknown): Promise<void> {
  await settings().update(key, value, vscode.ConfigurationTarget.Global);
  api.settings.reload();
}

export interface FleetSetup {
  fleet: FakeFleet;
  /** Stops the fleet and puts settings, keys, breakers, metrics and the chat back as they were. */
  teardown(): Promise<void>;
}

/**
 * Starts a fleet, points the `holysheep` endpoint at it and stores its key. Breakers and metrics
 * start clean, and backoff between passes is short so failing tests fail fast.
 */
export async function useFleet(api: TestApi): Promise<FleetSetup> {
  const fleet = new FakeFleet();
  const baseUrl = await fleet.start();
  await setSetting(api, 'endpoints', [{ id: 'holysheep', baseUrl }]);
  await setSetting(api, 'retry.baseDelayMs', 10);
  await setSetting(api, 'retry.maxDelayMs', 20);
  await eventually(() => api.router.config.endpoints[0]?.baseUrl === baseUrl, 'the router to use the fleet');
  await api.keys.store('holysheep', fleet.apiKey);
  api.router.resetBreakers();
  api.router.resetMetrics();
  return {
    fleet,
    async teardown() {
      api.chatView.stop();
      api.chatView.newChat();
      for (const key of ['endpoints', 'models', 'retry.baseDelayMs', 'retry.maxDelayMs', 'routing.model', 'breaker.failureThreshold']) {
        await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
      }
      api.settings.reload();
      await api.keys.delete('holysheep');
      api.router.resetBreakers();
      api.router.resetMetrics();
      await fleet.close();
    },
  };
}
