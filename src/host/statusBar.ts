/**
 * The status-bar item: the model that answers (the last that did, or the one Auto would pick now)
 * with a health glyph and background, a count of the warnings that stand (a model not healthy,
 * the budget nearly used up), a tooltip with every model, the warnings and what was spent and
 * saved, and a click that opens the status menu.
 */
import * as vscode from 'vscode';
import type { RouterConfig } from '../core/config';
import type { Event } from '../core/events';
import type { ModelSnapshot } from '../core/metrics';
import type { RoutingDecision } from '../core/routeEvents';
import { DISPLAY_STATE_LABEL, describeBreaker, displayStateOf, formatMs, formatPercent } from './format';
import { formatUsd } from '../shared/format';
import type { CostOverview } from './healthService';
import { Throttle } from './throttle';

export const STATUS_MENU_COMMAND = 'holysheepRouter.statusMenu';

/** What the status bar reads from the router. */
export interface StatusSource {
  readonly config: RouterConfig;
  snapshot(): ModelSnapshot[];
  preview(): Promise<RoutingDecision>;
  readonly onDidChangeModel: Event<ModelSnapshot>;
}

export interface StatusBarDeps {
  router: StatusSource;
  keys: { readonly isDemo: boolean; hasUsableKey(): Promise<boolean>; readonly onDidChange: vscode.Event<void> };
  settings: { readonly onDidChange: vscode.Event<RouterConfig> };
  /** The last model that answered a chat. */
  onDidAnswer: vscode.Event<{ model: string; ok: boolean }>;
  /** Warnings that stand, and cost (the window's HealthService). */
  health?: { warnings(): string[]; cost(): CostOverview; readonly onDidChange: vscode.Event<void> };
}

const GLYPH = { healthy: '$(pulse)', degraded: '$(warning)', down: '$(error)' } as const;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly throttle: Throttle;
  private readonly subscriptions: vscode.Disposable[] = [];
  private lastAnswered: string | undefined;
  /** Increments per refresh, so a slow preview cannot overwrite a newer one. */
  private generation = 0;
  private readonly refreshed = new vscode.EventEmitter<void>();
  /** Fires after the item's text and tooltip were updated (tests wait on it). */
  readonly onDidRefresh = this.refreshed.event;

  constructor(private readonly deps: StatusBarDeps) {
    this.item = vscode.window.createStatusBarItem('holysheepRouter.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'HolySheep Router';
    this.item.command = STATUS_MENU_COMMAND;
    this.item.text = '$(pulse) HolySheep';
    this.item.show();
    // At most about four updates a second, however fast attempts and breakers change.
    this.throttle = new Throttle(250, () => void this.refresh());
    this.subscriptions.push(
      deps.router.onDidChangeModel(() => this.throttle.schedule()),
      deps.keys.onDidChange(() => this.throttle.schedule()),
      deps.settings.onDidChange(() => {
        // A model removed from settings is no longer "the last that answered".
        if (this.lastAnswered && !deps.router.config.models.some((m) => m.id === this.lastAnswered)) this.lastAnswered = undefined;
        this.throttle.schedule();
      }),
      deps.onDidAnswer(({ model, ok }) => {
        if (ok) this.lastAnswered = model;
        this.throttle.schedule();
      }),
    );
    if (deps.health) this.subscriptions.push(deps.health.onDidChange(() => this.throttle.schedule()));
    this.throttle.schedule();
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : tooltip?.value ?? '';
  }

  get backgroundColor(): vscode.ThemeColor | undefined {
    return this.item.backgroundColor;
  }

  /** Asks for an update soon (throttled). */
  update(): void {
    this.throttle.schedule();
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const snapshots = this.deps.router.snapshot();
    const hasKey = await this.deps.keys.hasUsableKey();
    let shown = this.lastAnswered;
    let previewNote: string | undefined;
    if (!shown && hasKey) {
      try {
        shown = (await this.deps.router.preview()).candidates[0]?.model;
        if (!shown) previewNote = 'No model can take a request now.';
      } catch {
        previewNote = 'Could not work out which model Auto would pick.';
      }
    }
    if (generation !== this.generation) return;

    const enabled = snapshots.filter((s) => s.enabled);
    const noneHealthy = enabled.length === 0 || enabled.every((s) => s.health === 'down');
    const shownSnapshot = snapshots.find((s) => s.model === shown);
    const health = noneHealthy ? 'down' : shownSnapshot?.health ?? 'healthy';
    const demo = this.deps.keys.isDemo ? 'Demo · ' : '';
    const warnings = this.deps.health?.warnings() ?? [];
    const cost = this.deps.health?.cost();

    if (!hasKey) {
      this.item.text = '$(key) HolySheep: set API key';
      this.item.backgroundColor = undefined;
    } else {
      // A standing warning shows even while the model shown is fine: another one, or the budget, is not.
      this.item.text = `${GLYPH[health]} ${demo}${shown ?? 'no model'}${warnings.length ? ` · $(bell-dot) ${warnings.length}` : ''}`;
      this.item.backgroundColor = health === 'down'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : health === 'degraded' || warnings.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    const warned = warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : '';
    this.item.accessibilityInformation = { label: `HolySheep Router: ${hasKey ? `${shown ?? 'no model'}, ${health}${warned}` : 'no API key set'}${demo ? ', demo mode' : ''}` };
    this.item.tooltip = buildTooltip({ snapshots, shown, fromLastAnswer: shown === this.lastAnswered, hasKey, isDemo: this.deps.keys.isDemo, note: previewNote, warnings, cost });
    this.refreshed.fire();
  }

  dispose(): void {
    this.throttle.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.refreshed.dispose();
    this.item.dispose();
  }
}

interface TooltipInput {
  snapshots: readonly ModelSnapshot[];
  shown: string | undefined;
  fromLastAnswer: boolean;
  hasKey: boolean;
  isDemo: boolean;
  note: string | undefined;
  warnings: readonly string[];
  cost: CostOverview | undefined;
}

function buildTooltip(input: TooltipInput): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.isTrusted = { enabledCommands: ['holysheepRouter.setApiKey', 'holysheepRouter.openModels', 'holysheepRouter.selectModel'] };
  md.appendMarkdown(`**HolySheep Router**${input.isDemo ? ' — Demo (built-in fake fleet)' : ''}\n\n`);
  if (!input.hasKey) {
    md.appendMarkdown('No API key is set. [Set API Key](command:holysheepRouter.setApiKey)\n\n');
  } else if (input.shown) {
    md.appendMarkdown(input.fromLastAnswer ? `Last answer from \`${input.shown}\`.\n\n` : `Auto would pick \`${input.shown}\` now.\n\n`);
  }
  if (input.note) md.appendMarkdown(`${input.note}\n\n`);
  if (input.warnings.length > 0) {
    md.appendMarkdown(`$(warning) **Warnings**\n\n${input.warnings.map((w) => `- ${w}`).join('\n')}\n\n`);
  }
  md.appendMarkdown('| Model | State | p50 | Errors | Breaker | Cost |\n|:--|:--|--:|--:|:--|--:|\n');
  for (const s of input.snapshots) {
    const state = DISPLAY_STATE_LABEL[displayStateOf(s)];
    const name = s.model === input.shown ? `**${s.model}**` : s.model;
    md.appendMarkdown(`| ${name} | ${state} | ${formatMs(s.latencyP50Ms)} | ${formatPercent(s.errorRate)} | ${describeBreaker(s)} | ${formatUsd(s.costUsd)} |\n`);
  }
  if (input.cost) {
    md.appendMarkdown(`\n${costLines(input.cost)}\n`);
  } else {
    const saved = input.snapshots.reduce((sum, s) => sum + Math.max(0, s.officialCostUsd - s.costUsd), 0);
    if (saved > 0) md.appendMarkdown(`\nSaved ${formatUsd(saved)} against official prices this session.\n`);
  }
  md.appendMarkdown('\n[Models](command:holysheepRouter.openModels) · [Select Model](command:holysheepRouter.selectModel)');
  return md;
}

/** "Cost: $0.02 this session, $0.40 today (saved $2.30, 85 % below official prices) · budget 8 % of $5.00". */
function costLines(cost: CostOverview): string {
  const pct = (c: { savedUsd: number; officialCostUsd: number }) => (c.officialCostUsd > 0 ? `, ${formatPercent(c.savedUsd / c.officialCostUsd)} below official prices` : '');
  const session = `Cost: ${formatUsd(cost.session.costUsd)} this session (saved ${formatUsd(cost.session.savedUsd)}${pct(cost.session)})`;
  const today = `${formatUsd(cost.today.costUsd)} today in every window (saved ${formatUsd(cost.today.savedUsd)}${pct(cost.today)})`;
  const budget = cost.budget.dailyUsd > 0
    ? `Budget: ${formatPercent(cost.budget.usedFraction ?? 0)} of ${formatUsd(cost.budget.dailyUsd)} used today${cost.budget.status === 'exceeded' ? (cost.budget.onExceeded === 'refuse' ? ': requests refused until midnight' : ': cheapest model only until midnight') : ''}.`
    : 'No daily budget set.';
  return `${session}, ${today}.\n\n${budget}`;
}
