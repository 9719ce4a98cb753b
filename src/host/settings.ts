/**
 * The one reader of `holysheepRouter.*`. It turns the settings into `resolveConfig` input, keeps the
 * last configuration that validated, and reports a bad one to the user (naming the setting, with a
 * button that opens it) instead of letting it break routing.
 */
import * as vscode from 'vscode';
import { DEFAULT_CONFIG, resolveConfig, type RouterConfig } from '../core/config';
import { isRouterError } from '../core/errors';
import { DEFAULT_ENDPOINTS } from '../core/registry';
import { isRecord } from '../shared/isRecord';

export const SETTINGS_SECTION = 'holysheepRouter';

/** A setting that did not validate, and the message shown for it. */
export interface ConfigProblem {
  /** The engine's field, such as `routing.weights.cost` or `models[gpt-4.1].tier`. */
  field: string;
  /** The full setting id to open, such as `holysheepRouter.routing.weights.cost`. */
  settingId: string;
  message: string;
  /** True when no configuration had validated yet, so the built-in defaults are in force. */
  usingDefaults: boolean;
}

/** What the endpoint trust check needs to know: where a key would go, and where the user said it may go. */
export interface EndpointDirectory {
  /** The base URL requests to this endpoint use now, or undefined when no such endpoint exists. */
  effectiveBaseUrl(endpointId: string): string | undefined;
  /** The base URL from the user's own settings or the built-in default, ignoring any workspace. */
  trustedBaseUrl(endpointId: string): string | undefined;
  readonly endpointIds: readonly string[];
}

export type ProblemReporter = (problem: ConfigProblem) => void;

export class SettingsReader implements EndpointDirectory, vscode.Disposable {
  private current: RouterConfig;
  private currentProblem: ConfigProblem | undefined;
  private baseUrlOverride: string | undefined;
  private validatedOnce = false;
  private readonly changed = new vscode.EventEmitter<RouterConfig>();
  private readonly problemChanged = new vscode.EventEmitter<ConfigProblem | undefined>();
  private readonly subscription: vscode.Disposable;

  /** Fires with the new configuration after a relevant setting changed and validated. */
  readonly onDidChange = this.changed.event;
  /** Fires when a problem appears, changes or goes away. */
  readonly onDidChangeProblem = this.problemChanged.event;

  constructor(private readonly report: ProblemReporter = showConfigProblem) {
    this.current = this.resolveOrFallBack(DEFAULT_CONFIG);
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      // http.proxy feeds `proxy` when ours is empty, so it counts as ours.
      if (e.affectsConfiguration(SETTINGS_SECTION) || e.affectsConfiguration('http.proxy')) this.reload();
    });
  }

  /** The configuration in force: the last one that validated. */
  get config(): RouterConfig {
    return this.current;
  }

  /** The setting that currently fails to validate, if any (the last good configuration stays in force). */
  get problem(): ConfigProblem | undefined {
    return this.currentProblem;
  }

  get endpointIds(): readonly string[] {
    return this.current.endpoints.map((e) => e.id);
  }

  /** `auto` or the model id chosen in settings; the chat view's picker reads and writes the same. */
  get selectedModel(): string {
    return this.current.routing.model;
  }

  /**
   * Writes `routing.model` to the user settings. A workspace that sets it too would shadow that
   * write, so the choice goes where it takes effect.
   */
  async setSelectedModel(modelId: string): Promise<void> {
    const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const inspected = settings.inspect<string>('routing.model');
    const target = inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await settings.update('routing.model', modelId, target);
    // Apply at once instead of waiting for the change event, so a request sent right after uses it.
    this.reload();
  }

  /** The longest selection Explain Selection sends, for the document it comes from. */
  explainMaxChars(scope?: vscode.Uri): number {
    const value = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope).get<number>('explain.maxChars');
    return typeof value === 'number' && Number.isFinite(value) && value >= 500 ? Math.floor(value) : 24_000;
  }

  effectiveBaseUrl(endpointId: string): string | undefined {
    return this.current.endpoints.find((e) => e.id === endpointId)?.baseUrl;
  }

  trustedBaseUrl(endpointId: string): string | undefined {
    const inspected = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown>('endpoints');
    let baseUrl = DEFAULT_ENDPOINTS.find((e) => e.id === endpointId)?.baseUrl;
    // Same merge as resolveConfig: later entries with the same id win, field by field.
    for (const entry of Array.isArray(inspected?.globalValue) ? inspected.globalValue : []) {
      if (isRecord(entry) && entry.id === endpointId && typeof entry.baseUrl === 'string') baseUrl = entry.baseUrl;
    }
    return baseUrl?.replace(/\/+$/, '');
  }

  /**
   * Points the default endpoint somewhere else without touching settings (demo mode). Undefined
   * goes back to the settings.
   */
  setBaseUrlOverride(baseUrl: string | undefined): void {
    if (baseUrl === this.baseUrlOverride) return;
    this.baseUrlOverride = baseUrl;
    this.reload();
  }

  /** Re-reads the settings; fires onDidChange when they validate and differ from the current ones. */
  reload(): void {
    const previous = this.current;
    this.current = this.resolveOrFallBack(previous);
    if (JSON.stringify(previous) !== JSON.stringify(this.current)) this.changed.fire(this.current);
  }

  private resolveOrFallBack(fallback: RouterConfig): RouterConfig {
    try {
      const config = resolveConfig(readSettingsInput(), { baseUrlOverride: this.baseUrlOverride });
      this.validatedOnce = true;
      this.setProblem(undefined);
      return config;
    } catch (error) {
      if (!isRouterError(error) || error.code !== 'CONFIG_INVALID') throw error;
      const field = error.field ?? '(root)';
      this.setProblem({ field, settingId: settingIdOf(field), message: error.message, usingDefaults: !this.validatedOnce });
      return fallback;
    }
  }

  private setProblem(problem: ConfigProblem | undefined): void {
    const before = this.currentProblem;
    this.currentProblem = problem;
    if (before?.message === problem?.message) return;
    this.problemChanged.fire(problem);
    // Once per distinct problem: editing an unrelated setting does not repeat the same message.
    if (problem) this.report(problem);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.problemChanged.dispose();
  }
}

/**
 * Settings in the shape resolveConfig reads. Each leaf is read by its own key, so a value VS Code
 * fills in from the contributed defaults and one the user wrote are treated alike.
 */
export function readSettingsInput(): Record<string, unknown> {
  const s = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const get = (key: string): unknown => s.get<unknown>(key);
  const ownProxy = get('proxy');
  const editorProxy = vscode.workspace.getConfiguration('http').get<unknown>('proxy');
  return {
    endpoints: get('endpoints'),
    models: get('models'),
    routing: {
      model: get('routing.model'),
      quality: get('routing.quality'),
      weights: { cost: get('routing.weights.cost'), errorRate: get('routing.weights.errorRate'), latency: get('routing.weights.latency') },
      hedging: get('routing.hedging'),
    },
    breaker: { failureThreshold: get('breaker.failureThreshold'), cooldownMs: get('breaker.cooldownMs') },
    retry: { maxAttempts: get('retry.maxAttempts'), baseDelayMs: get('retry.baseDelayMs'), maxDelayMs: get('retry.maxDelayMs') },
    timeouts: {
      connectMs: get('timeouts.connectMs'),
      firstTokenMs: get('timeouts.firstTokenMs'),
      idleMs: get('timeouts.idleMs'),
      requestMs: get('timeouts.requestMs'),
    },
    health: {
      degradedErrorRate: get('health.degradedErrorRate'),
      degradedLatencyMs: get('health.degradedLatencyMs'),
      downErrorRate: get('health.downErrorRate'),
      errorWindow: get('health.errorWindow'),
    },
    proxy: typeof ownProxy === 'string' && ownProxy.trim() ? ownProxy.trim() : typeof editorProxy === 'string' ? editorProxy.trim() : ownProxy,
    monitor: {
      intervalMs: get('monitor.intervalMs'),
      reminderMs: get('monitor.reminderMs'),
      degradedChecks: get('monitor.degradedChecks'),
      downChecks: get('monitor.downChecks'),
      probe: get('monitor.probe'),
      probeInitialDelayMs: get('monitor.probeInitialDelayMs'),
      probeMaxDelayMs: get('monitor.probeMaxDelayMs'),
    },
    alerts: { timeoutMs: get('alerts.timeoutMs') },
    budget: { dailyUsd: get('budget.dailyUsd'), onExceeded: get('budget.onExceeded') },
  };
}

/** `models[gpt-4.1].tier` → `holysheepRouter.models`; `routing.weights.cost` → itself, prefixed. */
export function settingIdOf(field: string): string {
  if (field === '(root)') return SETTINGS_SECTION;
  const base = field.split('[')[0] ?? field;
  return `${SETTINGS_SECTION}.${base}`;
}

function showConfigProblem(problem: ConfigProblem): void {
  const openSettings = 'Open Settings';
  void vscode.window
    .showErrorMessage(
      `HolySheep Router: ${problem.message} Until then, ${problem.usingDefaults ? 'the built-in defaults are used' : 'the previous settings stay in effect'}.`,
      openSettings,
    )
    .then((choice) => {
      if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', problem.settingId);
    });
}
