/**
 * Builds the parts and wires them; nothing else. No network and no waiting on secrets here:
 * activation returns at once and the parts catch up through their events.
 */
import * as vscode from 'vscode';
import { Router } from './core/router';
import { AlertsList, watchRouter } from './host/alerts';
import { persistBreakers, restoreBreakers } from './host/breakerPersistence';
import { ChatViewProvider } from './host/chatViewProvider';
import { registerCommands } from './host/commands';
import { registerExplainSelection } from './host/explainSelection';
import { KeyStore, readDemoEnvironment } from './host/keyStore';
import { createLog, pipeRouterLog } from './host/log';
import { ModelsTreeProvider, registerModelsTree } from './host/modelsTree';
import { SettingsReader } from './host/settings';
import { StatusBar } from './host/statusBar';

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
}

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const log = createLog();
  const settings = new SettingsReader();
  const keys = new KeyStore({
    secrets: context.secrets,
    globalState: context.globalState,
    endpoints: settings,
    log,
    demo: readDemoEnvironment(process.env),
  });
  const router = new Router(settings.config, keys.lookup, {
    breakerState: restoreBreakers(context.globalState),
    describeKeySource: () => 'a key with the "HolySheep Router: Set API Key" command',
  });
  const alerts = new AlertsList();
  const chatView = new ChatViewProvider({
    extensionUri: context.extensionUri,
    router,
    state: context.workspaceState,
    log,
    keys,
    settings,
  });
  const statusBar = new StatusBar({ router, keys, settings, onDidAnswer: chatView.onDidAnswer });
  const modelsTree = new ModelsTreeProvider(router, alerts);

  // Disposed in this order (first to last): what uses the router goes before the router, and the
  // breaker state is saved while the router can still report it.
  context.subscriptions.push(
    registerCommands({ router, keys, chatView, settings, modelsTree, log }),
    registerExplainSelection({ chatView, settings }),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, chatView),
    registerModelsTree(modelsTree),
    statusBar,
    modelsTree,
    chatView,
    watchRouter(router, alerts),
    alerts,
    persistBreakers(router, context.globalState),
    pipeRouterLog(router.onDidLog, log),
    settings.onDidChange((config) => router.updateConfig(config)),
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

  return context.extensionMode === vscode.ExtensionMode.Test
    ? { router, keys, settings, chatView, statusBar, modelsTree, alerts, log }
    : undefined;
}

export function deactivate(): void {
  // Everything lives in context.subscriptions, which VS Code disposes after this returns.
}
