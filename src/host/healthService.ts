/**
 * The window's view of health and cost, for the commands, the tree and the status bar: the health
 * report, the downtime log of every window, the warnings that stand, what was spent and saved,
 * the test alert, and "Reset Metrics and Breakers".
 */
import * as vscode from 'vscode';
import { createAlert, type Alert, type DeliveryResult } from '../core/alerts';
import type { BudgetSummary } from '../core/budget';
import type { ProbeResult } from '../core/chat';
import type { Event } from '../core/events';
import { buildHealthReport, type HealthReport } from '../core/healthReport';
import type { ModelSnapshot } from '../core/metrics';
import type { DowntimeEvent, MonitorCheck, MonitorState, Outage, ProbeReport } from '../core/monitor';
import { formatPercent } from './format';
import { formatUsd } from '../shared/format';
import { mergeDowntime, type PeerToday } from './windowSync';

export interface HealthServiceDeps {
  router: { resetBreakers(): void; resetMetrics(): void };
  metrics: { snapshot(): ModelSnapshot[]; reset(): void };
  monitor: {
    readonly downtime: readonly DowntimeEvent[];
    readonly outages: Outage[];
    readonly disasterActive: boolean;
    toJSON(): MonitorState;
    reset(): void;
    readonly onDidProbe: Event<ProbeReport>;
    readonly onDidRecordDowntime: Event<DowntimeEvent>;
    readonly onDidCheck: Event<MonitorCheck>;
  };
  budget: { summary(): BudgetSummary; readonly onDidChange: Event<BudgetSummary> };
  delivery: { deliver(alert: Alert): Promise<DeliveryResult[]>; readonly sinkNames: string[] };
  webhooks: { readonly ready: Promise<void> };
  alerts: { add(alert: Alert): void; clear(): void; readonly onDidChange: vscode.Event<void> };
  editor: { clear(): void };
  sync: {
    readonly peerDowntime: readonly DowntimeEvent[];
    readonly peerToday: readonly PeerToday[];
    markReset(breakersKey: string): void;
  };
  breakersKey: string;
  log: Pick<vscode.LogOutputChannel, 'info'>;
}

/** What was spent and saved, for every window together where the figure is per day. */
export interface CostOverview {
  day: string;
  /** This window since it started. */
  session: { costUsd: number; officialCostUsd: number; savedUsd: number; answers: number };
  /** Today, every window. */
  today: { costUsd: number; officialCostUsd: number; savedUsd: number; answers: number };
  budget: Pick<BudgetSummary, 'dailyUsd' | 'usedFraction' | 'status' | 'onExceeded' | 'remainingUsd'>;
}

export interface TestAlertOutcome {
  alert: Alert;
  /** One per configured sink (none when no URL is set); the editor always shows it. */
  results: DeliveryResult[];
}

export class HealthService implements vscode.Disposable {
  /** The latest probe results, per target (`endpoint:<id>` or `model:<id>`). */
  private readonly probes = new Map<string, ProbeResult[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: { dispose(): void }[] = [];
  /** Fires when downtime, warnings, probes or cost may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: HealthServiceDeps) {
    const fire = () => this.changed.fire();
    this.subscriptions.push(
      deps.monitor.onDidProbe((report) => {
        this.probes.set(report.target, report.results);
        fire();
      }),
      deps.monitor.onDidRecordDowntime(fire),
      deps.monitor.onDidCheck(fire),
      deps.budget.onDidChange(fire),
      deps.alerts.onDidChange(fire),
      this.changed,
    );
  }

  /** Every window's downtime events, newest first. */
  downtime(): DowntimeEvent[] {
    return mergeDowntime([this.deps.monitor.downtime, this.deps.sync.peerDowntime]);
  }

  /** The report of Export/Copy Health Report (the same shape as the CLI's `health --json`). */
  report(now = Date.now()): HealthReport {
    const { monitor } = this.deps;
    return buildHealthReport(this.deps.metrics.snapshot(), now, {
      downtime: this.downtime(),
      outages: monitor.outages,
      disaster: monitor.disasterActive,
      budget: this.deps.budget.summary(),
      probes: [...this.probes.values()].flat(),
    });
  }

  /** Conditions that stand now, one line each (the status bar's warning). */
  warnings(): string[] {
    const lines: string[] = [];
    const state = this.deps.monitor.toJSON();
    if (state.fleet.raised) lines.push('Disaster recovery active: no model is healthy.');
    for (const [model, watch] of Object.entries(state.models)) {
      if (watch.raised === 'critical') lines.push(`${model} is down${watch.outage ? ` (${watch.outage.reason})` : ''}.`);
      else if (watch.raised === 'warning') lines.push(`${model} is not healthy.`);
    }
    const budget = this.deps.budget.summary();
    if (budget.status === 'warning' && budget.usedFraction !== null) {
      lines.push(`${formatPercent(budget.usedFraction)} of today's budget (${formatUsd(budget.dailyUsd)}) used.`);
    } else if (budget.status === 'exceeded') {
      lines.push(`Today's budget (${formatUsd(budget.dailyUsd)}) is used up: ${budget.onExceeded === 'refuse' ? 'new requests are refused' : 'only the cheapest model answers'} until midnight.`);
    }
    return lines;
  }

  cost(): CostOverview {
    const s = this.deps.budget.summary();
    const peers = this.deps.sync.peerToday.filter((p) => p.day === s.day);
    const official = s.today.officialCostUsd + peers.reduce((n, p) => n + p.officialCostUsd, 0);
    const cost = s.spentTodayUsd;
    return {
      day: s.day,
      session: { costUsd: s.session.costUsd, officialCostUsd: s.session.officialCostUsd, savedUsd: s.session.savedUsd, answers: s.session.answers },
      today: { costUsd: cost, officialCostUsd: official, savedUsd: Math.max(0, official - cost), answers: s.today.answers + peers.reduce((n, p) => n + p.answers, 0) },
      budget: { dailyUsd: s.dailyUsd, usedFraction: s.usedFraction, status: s.status, onExceeded: s.onExceeded, remainingUsd: s.remainingUsd },
    };
  }

  /** Sends a test alert to every configured sink (whichever window leads) and the Alerts list. */
  async sendTestAlert(): Promise<TestAlertOutcome> {
    await this.deps.webhooks.ready;
    const alert = createAlert({
      severity: 'INFO',
      kind: 'test',
      title: 'Test alert',
      message: 'A test alert from HolySheep Router: alerts reach you here. Nothing is wrong.',
    });
    this.deps.alerts.add(alert);
    const results = await this.deps.delivery.deliver(alert);
    return { alert, results };
  }

  /** This window forgets breakers, metrics, monitor state, alerts and probes (not the budget). */
  resetLocal(): void {
    this.deps.router.resetBreakers();
    this.deps.router.resetMetrics();
    this.deps.metrics.reset();
    this.deps.monitor.reset();
    this.deps.alerts.clear();
    this.deps.editor.clear();
    this.probes.clear();
    this.changed.fire();
  }

  /** "Reset Metrics and Breakers": here, in what every window shares, and (by the reset mark) in the other windows. */
  resetAll(): void {
    this.resetLocal();
    this.deps.sync.markReset(this.deps.breakersKey);
    this.deps.log.info('Reset circuit breakers, metrics, health monitor, alerts and the downtime log in every window (the budget\'s spend is kept).');
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
