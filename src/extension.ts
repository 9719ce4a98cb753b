/**
 * Builds the parts and wires them; nothing else. No network and no waiting on secrets here:
 * activation returns at once and the parts catch up through their events.
 */
// First import: its timestamp is when the bundle began to evaluate (before the modules below).
import { bundleEvaluationStarted } from './loadClock';
import * as vscode from 'vscode';
import { AlertDelivery } from './core/alerts';
import { BudgetTracker } from './core/budget';
import { HealthMonitor } from './core/monitor';
import { Router } from './core/router';
import { registerAlerting } from './host/alerting';
import { AlertsList } from './host/alerts';
import { BREAKERS_STATE, persistBreakers, restoreBreakers } from './host/breakerPersistence';
import { CarriedMetrics } from './host/carriedMetrics';
import { ChatViewProvider } from './host/chatViewProvider';
import { registerCommands } from './host/commands';
import { EditorAlerts } from './host/editorAlerts';
import { registerExplainSelection } from './host/explainSelection';
import { registerHealthCommands } from './host/healthCommands';
import { HealthService } from './host/healthService';
import { KeyStore, readDemoEnvironment } from './host/keyStore';
import { createLog, pipeRouterLog } from './host/log';
import { ModelsTreeProvider, registerModelsTree } from './host/modelsTree';
import { SettingsReader } from './host/settings';
import { StatusBar } from './host/statusBar';
import { WebhookStore } from './host/webhookStore';
import { WindowSync, registerWindowSync, restoreWindow } from './host/windowSync';

/** Runs after every import above has been evaluated: the end of the bundle's evaluation. */
const bundleEvaluationEnded = performance.now();

/** Handed to the integration tests (only in test mode) so they can reach the real parts. */
export interface TestApi {
  router: Router;
  keys: KeyStore;
  settings: SettingsReader;
  chatView: ChatViewProvider;
  statusBar: StatusBar;
  modelsTree: ModelsTreeProvider;
  alerts: AlertsList;
  log: vscode.LogOutputChannel;
  monitor: HealthMonitor;
  budget: BudgetTracker;
  delivery: AlertDelivery;
  webhooks: WebhookStore;
  editorAlerts: EditorAlerts;
  metrics: CarriedMetrics;
  health: HealthService;
  sync: WindowSync;
  /** The real globalState, so tests can build a second window's parts from what this one saved. */
  globalState: vscode.Memento;
  /** How long activate() took, in ms (the benchmark's activation figure). */
  activationMs: number;
  /** Evaluating the bundle's modules (its first line to the end of this module's imports), in ms. */
  evaluationMs: number;
  /** From the bundle's first evaluated line to the end of activate(), in ms: wall time, VS Code's own waits between the two included. */
  loadMs: number;
}

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const activateStarted = performance.now();
  const log = createLog();
  const settings = new SettingsReader();
  const config = settings.config;
  const keys = new KeyStore({
    secrets: context.secrets,
    globalState: context.globalState,
    endpoints: settings,
    log,
    demo: readDemoEnvironment(process.env),
  });
  // What this window saved before a reload (synchronous reads of globalState and workspaceState).
  const restored = restoreWindow(context.globalState, context.workspaceState);
  const budget = new BudgetTracker(config.budget, { state: restored.budget });
  const router = new Router(config, keys.lookup, {
    breakerState: restoreBreakers(context.globalState),
    describeKeySource: () => 'a key with the "HolySheep Router: Set API Key" command',
    budget,
  });
  const metrics = new CarriedMetrics(router, restored.metrics);
  const monitor = new HealthMonitor(router, { config, prober: router, state: restored.monitor });
  const alerts = new AlertsList();
  alerts.restore(restored.alerts);
  const delivery = new AlertDelivery({ timeoutMs: config.alerts.timeoutMs });
  // Reads the webhook URLs from SecretStorage in the background, then gives the delivery its sinks.
  const webhooks = new WebhookStore({ secrets: context.secrets, delivery, log, proxy: config.proxy, timeoutMs: config.alerts.timeoutMs });
  const editorAlerts = new EditorAlerts(log);
  const sync: WindowSync = new WindowSync({
    globalState: context.globalState,
    restored,
    parts: { budget, metrics, monitor, alerts, breakers: router },
    onRemoteReset: () => health.resetLocal(),
    log,
  });
  const health: HealthService = new HealthService({
    router, metrics, monitor, budget, delivery, webhooks, alerts, editor: editorAlerts, sync, breakersKey: BREAKERS_STATE, log,
  });
  const chatView = new ChatViewProvider({
    extensionUri: context.extensionUri,
    router,
    state: context.workspaceState,
    log,
    keys,
    settings,
    budget,
  });
  const statusBar = new StatusBar({ router: metrics, keys, settings, onDidAnswer: chatView.onDidAnswer, health });
  const modelsTree = new ModelsTreeProvider(metrics, alerts, health);

  // Disposed in this order (first to last): what uses the router goes before the router, and the
  // shared state is saved while the parts can still report it.
  context.subscriptions.push(
    registerCommands({ router, keys, chatView, settings, modelsTree, log }),
    registerHealthCommands({ health, webhooks, log }),
    registerExplainSelection({ chatView, settings }),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, chatView),
    registerModelsTree(modelsTree),
    statusBar,
    modelsTree,
    chatView,
    registerAlerting({ monitor, budget, alerts, editor: editorAlerts, delivery, leader: sync, globalState: context.globalState, log }),
    registerWindowSync(sync, { budget, metrics, monitor, alerts }),
    sync,
    health,
    persistBreakers(router, context.globalState),
    startMonitor(monitor),
    webhooks,
    delivery,
    editorAlerts,
    alerts,
    metrics,
    budget,
    pipeRouterLog(router.onDidLog, log),
    settings.onDidChange((next) => {
      router.updateConfig(next);
      monitor.updateConfig(next);
      budget.updateConfig(next.budget);
      delivery.updateConfig(next.alerts);
      webhooks.updateConfig({ proxy: next.proxy, timeoutMs: next.alerts.timeoutMs });
    }),
    keys.onDidChange(() => {
      // Demo mode ends the moment the user stores their own relay key (and comes back if they clear it).
      settings.setBaseUrlOverride(keys.demoBaseUrl);
      chatView.refreshKeyState();
    }),
    router,
    keys,
    settings,
    log,
  );

  const activated = performance.now();
  return context.extensionMode === vscode.ExtensionMode.Test
    ? {
      router, keys, settings, chatView, statusBar, modelsTree, alerts, log,
      monitor, budget, delivery, webhooks, editorAlerts, metrics, health, sync, globalState: context.globalState,
      activationMs: activated - activateStarted,
      evaluationMs: bundleEvaluationEnded - bundleEvaluationStarted,
      loadMs: activated - bundleEvaluationStarted,
    }
    : undefined;
}

/** The first check comes one interval after activation: nothing is probed or read before. */
function startMonitor(monitor: HealthMonitor): vscode.Disposable {
  monitor.start();
  return monitor;
}

export function deactivate(): void {
  // Everything lives in context.subscriptions, which VS Code disposes after this returns.
}
