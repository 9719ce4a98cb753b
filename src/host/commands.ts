/**
 * The commands of the extension that are not a feature of their own: keys, model choice,
 * breakers, probing, the status menu and the log. Each gets only what it uses.
 */
import * as vscode from 'vscode';
import type { ProbeResult } from '../core/chat';
import type { RouterConfig } from '../core/config';
import type { ModelSnapshot } from '../core/metrics';
import type { RoutingDecision } from '../core/routeEvents';
import { DISPLAY_STATE_LABEL, displayStateOf, formatMs, formatPricePerMTok } from './format';
import { MODELS_VIEW_ID } from './modelsTree';
import { SETTINGS_SECTION } from './settings';

export const COMMANDS = {
  setApiKey: 'holysheepRouter.setApiKey',
  clearApiKey: 'holysheepRouter.clearApiKey',
  explainSelection: 'holysheepRouter.explainSelection',
  newChat: 'holysheepRouter.newChat',
  stop: 'holysheepRouter.stop',
  selectModel: 'holysheepRouter.selectModel',
  resetBreakers: 'holysheepRouter.resetBreakers',
  showLog: 'holysheepRouter.showLog',
  statusMenu: 'holysheepRouter.statusMenu',
  openModels: 'holysheepRouter.openModels',
  refreshModels: 'holysheepRouter.refreshModels',
  resetBreaker: 'holysheepRouter.resetBreaker',
  toggleModel: 'holysheepRouter.toggleModel',
  probeModel: 'holysheepRouter.probeModel',
} as const;

/** What the commands need from the router. */
export interface CommandRouter {
  readonly config: RouterConfig;
  snapshot(): ModelSnapshot[];
  preview(): Promise<RoutingDecision>;
  resetBreakers(model?: string): void;
  probe(endpointId?: string): Promise<ProbeResult[]>;
}

export interface CommandDeps {
  router: CommandRouter;
  keys: { promptForKey(endpointId?: string): Promise<void>; promptToClear(endpointId?: string): Promise<void> };
  chatView: { newChat(): void; stop(): void };
  settings: { readonly selectedModel: string; setSelectedModel(id: string): Thenable<void> };
  modelsTree: { refresh(): void };
  log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  const { router, keys, chatView, settings, modelsTree, log } = deps;
  const register = (id: string, run: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, run);
  return vscode.Disposable.from(
    register(COMMANDS.setApiKey, (endpointId) => keys.promptForKey(configuredEndpoint(router.config, endpointId))),
    register(COMMANDS.clearApiKey, (endpointId) => keys.promptToClear(configuredEndpoint(router.config, endpointId))),
    register(COMMANDS.newChat, () => chatView.newChat()),
    register(COMMANDS.stop, () => chatView.stop()),
    register(COMMANDS.selectModel, () => selectModel(router, settings)),
    register(COMMANDS.resetBreakers, () => {
      router.resetBreakers();
      log.info('Reset every circuit breaker.');
      vscode.window.setStatusBarMessage('$(debug-restart) HolySheep Router: every circuit breaker is closed again.', 4000);
    }),
    register(COMMANDS.showLog, () => log.show(true)),
    register(COMMANDS.openModels, () => vscode.commands.executeCommand(`${MODELS_VIEW_ID}.focus`)),
    register(COMMANDS.refreshModels, () => modelsTree.refresh()),
    register(COMMANDS.statusMenu, () => showStatusMenu()),
    register(COMMANDS.resetBreaker, async (node) => {
      const model = await modelFrom(node, router, 'Reset the circuit breaker of which model?');
      if (!model) return;
      router.resetBreakers(model);
      log.info(`Reset the circuit breaker of ${model}.`);
      vscode.window.setStatusBarMessage(`$(debug-restart) HolySheep Router: the circuit breaker of ${model} is closed again.`, 4000);
    }),
    register(COMMANDS.toggleModel, async (node) => {
      const model = await modelFrom(node, router, 'Enable or disable which model?');
      if (model) await toggleModel(router.config, model);
    }),
    register(COMMANDS.probeModel, async (node) => {
      const model = await modelFrom(node, router, 'Probe which model?');
      if (model) await probeModel(router, model);
    }),
  );
}

/** An endpoint id passed by a caller (the chat view's "replace key" button), if it is one we know. */
function configuredEndpoint(config: RouterConfig, value: unknown): string | undefined {
  return typeof value === 'string' && config.endpoints.some((e) => e.id === value) ? value : undefined;
}

/** The model a tree item, a model id or (from the palette) a quick pick names. */
async function modelFrom(arg: unknown, router: CommandRouter, title: string): Promise<string | undefined> {
  const named = typeof arg === 'string' ? arg
    : typeof arg === 'object' && arg !== null && 'model' in arg && typeof arg.model === 'string' ? arg.model : undefined;
  if (named !== undefined) return router.config.models.some((m) => m.id === named) ? named : undefined;
  const picked = await vscode.window.showQuickPick(
    router.snapshot().map((s) => ({ label: s.model, description: DISPLAY_STATE_LABEL[displayStateOf(s)] })),
    { title },
  );
  return picked?.label;
}

async function selectModel(router: CommandRouter, settings: CommandDeps['settings']): Promise<void> {
  const current = settings.selectedModel;
  const snapshots = new Map(router.snapshot().map((s) => [s.model, s]));
  let autoPick: string | undefined;
  try {
    autoPick = (await router.preview()).candidates[0]?.model;
  } catch {
    autoPick = undefined;
  }
  type ModelPick = vscode.QuickPickItem & { modelId: string };
  const check = (id: string) => (id === current ? '$(check) ' : '');
  const items: ModelPick[] = [
    {
      modelId: 'auto',
      label: `${check('auto')}Auto`,
      description: autoPick ? `now: ${autoPick}` : undefined,
      detail: 'The best healthy model by cost, error rate and latency; fails over automatically.',
    },
    { modelId: '', label: 'Models', kind: vscode.QuickPickItemKind.Separator },
    ...router.config.models.filter((m) => m.enabled).map((m): ModelPick => {
      const snapshot = snapshots.get(m.id);
      return {
        modelId: m.id,
        label: `${check(m.id)}${m.id}`,
        description: `${formatPricePerMTok(m)} · ${snapshot ? DISPLAY_STATE_LABEL[displayStateOf(snapshot)] : 'healthy'}`,
        detail: `${m.provider} · ${m.tier} tier · tried first, others take over if it fails`,
      };
    }),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'HolySheep Router: answer with…', placeHolder: `Now: ${current === 'auto' ? 'Auto' : current}` });
  if (!picked || picked.modelId === current) return;
  await settings.setSelectedModel(picked.modelId);
}

/** Enable/disable writes `{ id, enabled }` into the user's `holysheepRouter.models`, merged by id. */
async function toggleModel(config: RouterConfig, modelId: string): Promise<void> {
  const model = config.models.find((m) => m.id === modelId);
  if (!model) return;
  const enabled = !model.enabled;
  const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const existing = settings.inspect<unknown[]>('models')?.globalValue;
  const entries = Array.isArray(existing) ? [...existing] : [];
  const index = entries.findIndex((e) => typeof e === 'object' && e !== null && 'id' in e && e.id === modelId);
  if (index >= 0) entries[index] = { ...(entries[index] as object), enabled };
  else entries.push({ id: modelId, enabled });
  await settings.update('models', entries, vscode.ConfigurationTarget.Global);
  const stillEnabled = config.models.filter((m) => m.enabled && m.id !== modelId).length + (enabled ? 1 : 0);
  if (stillEnabled === 0) {
    void vscode.window.showWarningMessage(`Disabled ${modelId}. Every model is disabled now: requests fail until you enable one.`);
  } else {
    vscode.window.setStatusBarMessage(`HolySheep Router: ${enabled ? 'enabled' : 'disabled'} ${modelId}.`, 4000);
  }
}

async function probeModel(router: CommandRouter, modelId: string): Promise<void> {
  const model = router.config.models.find((m) => m.id === modelId);
  if (!model) return;
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Probing ${model.endpoint} for ${modelId}…` },
    () => router.probe(model.endpoint),
  );
  const result = results.find((r) => r.endpoint === model.endpoint);
  if (!result) return;
  if (!result.ok) {
    const setKey = 'Set API Key';
    const actions = result.code === 'AUTH_FAILED' ? [setKey] : [];
    const choice = await vscode.window.showErrorMessage(`Probe of ${model.endpoint} failed (${result.code ?? 'error'}): ${result.message ?? 'no answer'}`, ...actions);
    if (choice === setKey) await vscode.commands.executeCommand(COMMANDS.setApiKey, model.endpoint);
    return;
  }
  if (result.models.length > 0 && !result.models.includes(modelId)) {
    void vscode.window.showWarningMessage(`${model.endpoint} answered in ${formatMs(result.latencyMs)} but does not list ${modelId}: check the model id in settings.`);
    return;
  }
  void vscode.window.showInformationMessage(`${model.endpoint} answered in ${formatMs(result.latencyMs)}${result.models.length ? ` and lists ${modelId}` : ''}. No tokens were billed.`);
}

async function showStatusMenu(): Promise<void> {
  type MenuItem = vscode.QuickPickItem & { command: string };
  const items: MenuItem[] = [
    { label: '$(layers) Select Model…', description: 'Auto or a fixed model', command: COMMANDS.selectModel },
    { label: '$(list-tree) Open Models View', description: 'health, latency, cost and alerts', command: COMMANDS.openModels },
    { label: '$(debug-restart) Reset Circuit Breakers', description: 'let every model take requests again', command: COMMANDS.resetBreakers },
    { label: '$(json) Export Health Report', description: 'health, downtime, cost and budget as JSON', command: 'holysheepRouter.exportHealthReport' },
    { label: '$(bell) Send Test Alert', description: 'to Slack, the webhook and the editor', command: 'holysheepRouter.sendTestAlert' },
    { label: '$(key) Set API Key…', command: COMMANDS.setApiKey },
    { label: '$(output) Show Log', command: COMMANDS.showLog },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'HolySheep Router' });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
