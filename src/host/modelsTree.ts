/**
 * The Models view: a node per model (state icon, a one-line summary, metrics as children), what
 * was spent today against the budget, an Alerts section and a Downtime section. Refreshes are
 * throttled: while answers stream, the router reports every attempt.
 */
import * as vscode from 'vscode';
import type { BreakerChange } from '../core/breakers';
import type { RouterConfig } from '../core/config';
import type { Event } from '../core/events';
import type { ModelSnapshot } from '../core/metrics';
import { formatDuration, type DowntimeEvent } from '../core/monitor';
import type { Alert, AlertSeverity, AlertsList } from './alerts';
import { DISPLAY_STATE_LABEL, describeBreaker, describeTraffic, displayStateOf, formatMs, formatPercent, type DisplayState } from './format';
import { formatCount, formatUsd } from '../shared/format';
import type { CostOverview } from './healthService';
import { Throttle } from './throttle';

export const MODELS_VIEW_ID = 'holysheepRouter.models';

export type ModelsTreeNode =
  | { kind: 'model'; model: string }
  | { kind: 'metric'; model: string; key: string; label: string; value: string; icon: string; tooltip?: string }
  | { kind: 'cost' }
  | { kind: 'costLine'; key: string; label: string; value: string; icon: string; tooltip?: string }
  | { kind: 'alerts' }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'downtime' }
  | { kind: 'downtimeEvent'; event: DowntimeEvent }
  | { kind: 'note'; label: string };

/** What the tree reads about downtime and cost (the window's HealthService). */
export interface HealthSource {
  downtime(): DowntimeEvent[];
  cost(): CostOverview;
  readonly onDidChange: vscode.Event<void>;
}

/** What the tree reads from the router. */
export interface ModelsSource {
  readonly config: RouterConfig;
  snapshot(): ModelSnapshot[];
  readonly onDidChangeModel: Event<ModelSnapshot>;
  readonly onDidChangeBreaker: Event<BreakerChange>;
}

const STATE_ICON: Record<DisplayState, vscode.ThemeIcon> = {
  healthy: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  degraded: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  down: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  disabled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  'breaker-open': new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.errorForeground')),
  'breaker-half-open': new vscode.ThemeIcon('sync', new vscode.ThemeColor('list.warningForeground')),
};

const ALERT_ICON: Record<AlertSeverity, vscode.ThemeIcon> = {
  critical: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  info: new vscode.ThemeIcon('info'),
};

const SEVERITY_LABEL: Record<AlertSeverity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };

export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly throttle = new Throttle(500, () => this.changed.fire(undefined));
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Ticks once a second while a breaker counts down to its probe, so "probe in 12 s" stays true. */
  private countdown: ReturnType<typeof setInterval> | undefined;
  private visible = true;

  constructor(private readonly router: ModelsSource, private readonly alerts: AlertsList, private readonly health?: HealthSource) {
    this.subscriptions.push(
      router.onDidChangeModel(() => this.refresh()),
      router.onDidChangeBreaker(() => this.refresh()),
      alerts.onDidChange(() => this.refresh()),
    );
    if (health) this.subscriptions.push(health.onDidChange(() => this.refresh()));
  }

  /** Asks for a redraw soon (at most one per 500 ms). */
  refresh(): void {
    this.throttle.schedule();
    this.updateCountdown();
  }

  /** The view tells us when it is hidden: no point ticking a countdown nobody sees. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.updateCountdown();
    if (visible) this.refresh();
  }

  getTreeItem(node: ModelsTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'model': return this.modelItem(node.model);
      case 'metric': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `model:${node.model}:${node.key}`;
        item.description = node.value;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip ?? `${node.label}: ${node.value}`;
        item.contextValue = 'metric';
        return item;
      }
      case 'alerts': {
        const count = this.alerts.alerts.length;
        const item = new vscode.TreeItem('Alerts', count > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'alerts';
        item.description = count === 0 ? 'none' : String(count);
        item.iconPath = new vscode.ThemeIcon(this.alerts.alerts.some((a) => a.severity === 'critical') ? 'bell-dot' : 'bell');
        item.contextValue = 'alerts';
        return item;
      }
      case 'alert': {
        const { alert } = node;
        const item = new vscode.TreeItem(alert.title ?? alert.message, vscode.TreeItemCollapsibleState.None);
        item.description = `${SEVERITY_LABEL[alert.severity]}${alert.reminder ? ' (reminder)' : ''} · ${new Date(alert.at).toLocaleTimeString()}`;
        item.iconPath = ALERT_ICON[alert.severity];
        item.tooltip = `${SEVERITY_LABEL[alert.severity]} at ${new Date(alert.at).toLocaleString()}${alert.model ? ` (${alert.model})` : ''}\n${alert.message}`;
        item.accessibilityInformation = { label: `${SEVERITY_LABEL[alert.severity]}: ${alert.title ?? ''} ${alert.message}` };
        item.contextValue = `alert ${alert.severity}`;
        return item;
      }
      case 'cost': return this.costItem();
      case 'costLine': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `cost:${node.key}`;
        item.description = node.value;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip ?? `${node.label}: ${node.value}`;
        item.contextValue = 'costLine';
        return item;
      }
      case 'downtime': {
        const events = this.health?.downtime() ?? [];
        const item = new vscode.TreeItem('Downtime', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'downtime';
        item.description = events.length === 0 ? 'none recorded' : `${events.length} · ${formatDuration(events.reduce((n, e) => n + e.durationMs, 0))} in all`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.tooltip = 'Outages that ended: which model, why, when it went down and for how long (every window).';
        item.contextValue = 'downtime';
        return item;
      }
      case 'downtimeEvent': {
        const { event } = node;
        const item = new vscode.TreeItem(`${event.model} · ${formatDuration(event.durationMs)}`, vscode.TreeItemCollapsibleState.None);
        item.description = `${event.reason} · from ${new Date(event.start).toLocaleString()}`;
        item.iconPath = new vscode.ThemeIcon('debug-disconnect');
        item.tooltip = `${event.model} was down for ${formatDuration(event.durationMs)}\nReason: ${event.reason}\nFrom ${new Date(event.start).toLocaleString()} to ${new Date(event.end).toLocaleString()}${event.endedBy === 'disabled' ? '\nEnded because the model was disabled.' : ''}`;
        item.contextValue = 'downtimeEvent';
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'note';
        return item;
      }
    }
  }

  getChildren(node?: ModelsTreeNode): ModelsTreeNode[] {
    if (!node) {
      const models: ModelsTreeNode[] = this.router.snapshot().map((s) => ({ kind: 'model', model: s.model }));
      return this.health ? [...models, { kind: 'cost' }, { kind: 'alerts' }, { kind: 'downtime' }] : [...models, { kind: 'alerts' }];
    }
    if (node.kind === 'alerts') {
      const alerts = this.alerts.alerts;
      return alerts.length === 0 ? [{ kind: 'note', label: 'No alerts: every model has stayed healthy.' }] : alerts.map((alert) => ({ kind: 'alert', alert }));
    }
    if (node.kind === 'downtime') {
      const events = this.health?.downtime() ?? [];
      return events.length === 0 ? [{ kind: 'note', label: 'No outage recorded.' }] : events.map((event) => ({ kind: 'downtimeEvent', event }));
    }
    if (node.kind === 'cost') return this.health ? costNodesOf(this.health.cost()) : [];
    if (node.kind === 'model') {
      const snapshot = this.snapshotOf(node.model);
      return snapshot ? metricNodesOf(snapshot) : [];
    }
    return [];
  }

  private costItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Cost today', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = 'cost';
    item.iconPath = new vscode.ThemeIcon('credit-card');
    item.contextValue = 'cost';
    if (!this.health) return item;
    const cost = this.health.cost();
    item.description = describeCostToday(cost);
    const budget = cost.budget;
    if (budget.status === 'exceeded') item.iconPath = new vscode.ThemeIcon('credit-card', new vscode.ThemeColor('list.errorForeground'));
    else if (budget.status === 'warning') item.iconPath = new vscode.ThemeIcon('credit-card', new vscode.ThemeColor('list.warningForeground'));
    item.tooltip = `Spent today in every window: ${formatUsd(cost.today.costUsd)}${budget.dailyUsd > 0 ? ` of the ${formatUsd(budget.dailyUsd)} daily budget` : ' (no daily budget set)'}.\nSaved against official prices: ${formatUsd(cost.today.savedUsd)}.`;
    item.accessibilityInformation = { label: `Cost today: ${item.description}` };
    return item;
  }

  private snapshotOf(model: string): ModelSnapshot | undefined {
    return this.router.snapshot().find((s) => s.model === model);
  }

  private modelItem(modelId: string): vscode.TreeItem {
    const item = new vscode.TreeItem(modelId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `model:${modelId}`;
    const snapshot = this.snapshotOf(modelId);
    if (!snapshot) return item;
    const model = this.router.config.models.find((m) => m.id === modelId);
    const state = displayStateOf(snapshot);
    item.iconPath = STATE_ICON[state];
    item.description = snapshot.enabled ? describeTraffic(snapshot, model) : 'disabled';
    // Space-separated flags the menus match with regexes (`viewItem =~ /\bbreakerTripped\b/`).
    const flags = ['model', snapshot.enabled ? 'enabled' : 'disabled'];
    if (snapshot.breaker !== 'closed') flags.push('breakerTripped');
    item.contextValue = flags.join(' ');
    const tooltip = new vscode.MarkdownString('', true);
    tooltip.appendMarkdown(`**${modelId}** — ${DISPLAY_STATE_LABEL[state]}\n\n`);
    if (model) {
      tooltip.appendMarkdown(`${model.provider} via \`${model.endpoint}\` · ${model.tier} tier\n\n`);
      tooltip.appendMarkdown(`$${model.inputPricePerMTok.toFixed(2)} in / $${model.outputPricePerMTok.toFixed(2)} out per million tokens (official $${model.officialOutputPricePerMTok.toFixed(2)} out)\n\n`);
    }
    tooltip.appendMarkdown(`Breaker: ${describeBreaker(snapshot)}`);
    if (snapshot.lastError) tooltip.appendMarkdown(`\n\nLast error: \`${snapshot.lastError}\``);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `${modelId}, ${DISPLAY_STATE_LABEL[state]}, ${item.description}` };
    return item;
  }

  private updateCountdown(): void {
    const needed = this.visible && this.router.snapshot().some((s) => s.breaker === 'open' && s.breakerProbeAt !== undefined);
    if (needed && !this.countdown) this.countdown = setInterval(() => this.refresh(), 1000);
    else if (!needed && this.countdown) {
      clearInterval(this.countdown);
      this.countdown = undefined;
    }
  }

  dispose(): void {
    if (this.countdown) clearInterval(this.countdown);
    this.throttle.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

function metricNodesOf(s: ModelSnapshot): ModelsTreeNode[] {
  const metric = (key: string, label: string, value: string, icon: string, tooltip?: string): ModelsTreeNode =>
    ({ kind: 'metric', model: s.model, key, label, value, icon, tooltip });
  const saved = Math.max(0, s.officialCostUsd - s.costUsd);
  const nodes: ModelsTreeNode[] = [
    metric('requests', 'Requests', formatCount(s.requests), 'arrow-swap'),
    metric('errors', 'Errors', s.lastError ? `${formatCount(s.failures)} (last: ${s.lastError})` : formatCount(s.failures), 'bug'),
    metric('errorRate', 'Error rate', formatPercent(s.errorRate), 'graph-line', 'Failures among the most recent requests (holysheepRouter.health.errorWindow).'),
    metric('latency', 'Latency p50 / p95', `${formatMs(s.latencyP50Ms)} / ${formatMs(s.latencyP95Ms)}`, 'watch'),
    metric('ttft', 'First token p50', formatMs(s.ttftP50Ms), 'clock', 'Time to first token, median of recent answers.'),
    metric('tokens', 'Tokens in / out', `${formatCount(s.tokensIn)} / ${formatCount(s.tokensOut)}`, 'symbol-string'),
    metric('cost', 'Cost', saved > 0 ? `${formatUsd(s.costUsd)} (saved ${formatUsd(saved)} vs official)` : formatUsd(s.costUsd), 'credit-card'),
    metric('failovers', 'Failovers', formatCount(s.failovers), 'arrow-right', 'Requests that moved on from this model to another.'),
    metric('hedges', 'Hedges', formatCount(s.hedges), 'split-horizontal', 'Times a backup model was started beside this one because its first token was late.'),
    metric('breaker', 'Circuit breaker', describeBreaker(s), s.breaker === 'closed' ? 'plug' : 'debug-disconnect'),
  ];
  if (s.lastProbe) {
    const p = s.lastProbe;
    const when = new Date(p.at).toLocaleTimeString();
    nodes.push(metric('probe', 'Last probe', p.ok ? `answered in ${formatMs(p.latencyMs)} · ${when}` : `failed${p.code ? ` (${p.code})` : ''} · ${when}`, p.ok ? 'pass' : 'error',
      'The latest check of the endpoint while the breaker was open (or Probe Now): GET /models, or a one-token completion with holysheepRouter.monitor.probe = completion.'));
  }
  return nodes;
}

/** "$0.42 of $5.00 (8 %) · saved $2.10", or without a budget "$0.42 · saved $2.10 (85 %)". */
export function describeCostToday(cost: CostOverview): string {
  const { today, budget } = cost;
  const savedPct = today.officialCostUsd > 0 ? ` (${formatPercent(today.savedUsd / today.officialCostUsd)})` : '';
  if (budget.dailyUsd > 0) {
    return `${formatUsd(today.costUsd)} of ${formatUsd(budget.dailyUsd)} (${formatPercent(budget.usedFraction ?? 0)}) · saved ${formatUsd(today.savedUsd)}`;
  }
  return `${formatUsd(today.costUsd)} · saved ${formatUsd(today.savedUsd)}${savedPct}`;
}

function costNodesOf(cost: CostOverview): ModelsTreeNode[] {
  const line = (key: string, label: string, value: string, icon: string, tooltip?: string): ModelsTreeNode => ({ kind: 'costLine', key, label, value, icon, tooltip });
  const saved = (c: { savedUsd: number; officialCostUsd: number }) => (c.officialCostUsd > 0 ? `saved ${formatUsd(c.savedUsd)} (${formatPercent(c.savedUsd / c.officialCostUsd)})` : 'saved $0');
  const { budget } = cost;
  const budgetText = budget.dailyUsd > 0
    ? `${formatPercent(budget.usedFraction ?? 0)} of ${formatUsd(budget.dailyUsd)} · ${budget.status === 'exceeded' ? (budget.onExceeded === 'refuse' ? 'used up: requests refused' : 'used up: cheapest model only') : `then ${budget.onExceeded === 'refuse' ? 'refuse' : 'cheapest model only'}`}`
    : 'off (holysheepRouter.budget.dailyUsd)';
  return [
    line('today', 'Today, all windows', `${formatUsd(cost.today.costUsd)} · ${formatCount(cost.today.answers)} answers · ${saved(cost.today)}`, 'calendar', `Official price of the same tokens: ${formatUsd(cost.today.officialCostUsd)}.`),
    line('session', 'This session', `${formatUsd(cost.session.costUsd)} · ${formatCount(cost.session.answers)} answers · ${saved(cost.session)}`, 'window', 'Since this window started.'),
    line('budget', 'Daily budget', budgetText, budget.status === 'exceeded' ? 'error' : budget.status === 'warning' ? 'warning' : 'dashboard'),
  ];
}

/** Registers the view; the provider's visibility follows the view's. */
export function registerModelsTree(provider: ModelsTreeProvider): vscode.Disposable {
  const view = vscode.window.createTreeView(MODELS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  provider.setVisible(view.visible);
  return vscode.Disposable.from(view, view.onDidChangeVisibility((e) => provider.setVisible(e.visible)));
}
