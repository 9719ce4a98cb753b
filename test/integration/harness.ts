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
 * Starts a fleet, points the `holysheep` endpoint at it and stores its key. Breakers, metrics,
 * alerts and the budget start clean, and backoff between passes is short so failing tests fail
 * fast. The health monitor's own timer is stopped: tests run its checks with `checkNow()`, so a
 * check never lands between two of theirs.
 */
export async function useFleet(api: TestApi): Promise<FleetSetup> {
  const fleet = new FakeFleet();
  const baseUrl = await fleet.start();
  await setSetting(api, 'endpoints', [{ id: 'holysheep', baseUrl }]);
  await setSetting(api, 'retry.baseDelayMs', 10);
  await setSetting(api, 'retry.maxDelayMs', 20);
  await eventually(() => api.router.config.endpoints[0]?.baseUrl === baseUrl, 'the router to use the fleet');
  await api.keys.store('holysheep', fleet.apiKey);
  api.monitor.stop();
  resetHealth(api);
  return {
    fleet,
    async teardown() {
      api.chatView.stop();
      api.chatView.newChat();
      for (const key of ['endpoints', 'models', 'retry.baseDelayMs', 'retry.maxDelayMs', 'routing.model', 'breaker.failureThreshold', ...HEALTH_SETTINGS]) {
        // Each write costs a round trip to the settings file: only the ones a test set.
        if (settings().inspect(key)?.globalValue !== undefined) await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
      }
      api.settings.reload();
      await api.keys.delete('holysheep');
      resetHealth(api);
      api.monitor.start();
      await fleet.close();
    },
  };
}

/** Settings of the monitor, alerts and budget that tests change. */
export const HEALTH_SETTINGS = [
  'monitor.intervalMs', 'monitor.degradedChecks', 'monitor.downChecks', 'monitor.reminderMs', 'monitor.probe',
  'monitor.probeInitialDelayMs', 'monitor.probeMaxDelayMs', 'alerts.timeoutMs', 'budget.dailyUsd', 'budget.onExceeded',
  'breaker.cooldownMs', 'health.errorWindow',
];

export interface RecordedNotifications {
  errors: { message: string; actions: readonly string[] }[];
  infos: string[];
  /** Puts the real notifier back. */
  restore(): void;
}

/** Replaces the editor's alert notifications with a recorder (nothing pops up). */
export function recordNotifications(api: TestApi): RecordedNotifications {
  const real = api.editorAlerts.notifier;
  const recorded: RecordedNotifications = {
    errors: [],
    infos: [],
    restore: () => {
      api.editorAlerts.notifier = real;
    },
  };
  api.editorAlerts.notifier = {
    error: async (message, actions) => {
      recorded.errors.push({ message, actions });
      return undefined;
    },
    info: async (message) => {
      recorded.infos.push(message);
      return undefined;
    },
  };
  return recorded;
}

/**
 * Breakers, metrics, the monitor, alerts and downtime start clean (Reset Metrics and Breakers), and
 * so does the budget's spend, which that command keeps on purpose.
 */
export function resetHealth(api: TestApi): void {
  api.health.resetAll();
  api.budget.reset();
  api.editorAlerts.clear();
}
