/**
 * The editor as an alert sink. CRITICAL: an error notification with what to do next; WARNING: the
 * status bar and the Alerts list only (no pop-up); a recovery: an information message. Alerts
 * raised together (one health check can take four models and the fleet down at once) make one
 * notification, not five.
 */
import * as vscode from 'vscode';
import type { Alert } from '../core/alerts';

export const ALERT_ACTIONS = {
  openModels: 'Open Models View',
  showLog: 'Show Log',
  resetBreakers: 'Reset Circuit Breakers',
  openSettings: 'Open Settings',
} as const;

type Action = (typeof ALERT_ACTIONS)[keyof typeof ALERT_ACTIONS];

/** How notifications are shown; tests replace it to see what would have popped up. */
export interface AlertNotifier {
  error(message: string, actions: readonly Action[]): Thenable<Action | undefined>;
  info(message: string): Thenable<unknown>;
}

export function createAlertNotifier(): AlertNotifier {
  return {
    error: (message, actions) => vscode.window.showErrorMessage(message, ...actions),
    info: (message) => vscode.window.showInformationMessage(message),
  };
}

/** What a notification button runs. */
export const ACTION_COMMANDS: Record<Action, [string, ...unknown[]]> = {
  [ALERT_ACTIONS.openModels]: ['holysheepRouter.openModels'],
  [ALERT_ACTIONS.showLog]: ['holysheepRouter.showLog'],
  [ALERT_ACTIONS.resetBreakers]: ['holysheepRouter.resetBreakers'],
  [ALERT_ACTIONS.openSettings]: ['workbench.action.openSettings', 'holysheepRouter.budget.dailyUsd'],
};

/** Alerts raised within this long of each other are shown as one notification. */
const BATCH_MS = 150;

export interface Notification {
  kind: 'error' | 'info';
  message: string;
  actions: Action[];
}

/** The notifications a batch of alerts makes: at most one error and one information message. */
export function notificationsFor(batch: readonly Alert[]): Notification[] {
  const out: Notification[] = [];
  const critical = batch.filter((a) => a.severity === 'CRITICAL');
  if (critical.length > 0) {
    const disaster = critical.find((a) => a.kind === 'disaster');
    const budget = critical.find((a) => a.kind === 'budget');
    const models = critical.filter((a) => a.kind === 'down').map((a) => a.model).filter((m): m is string => !!m);
    let message: string;
    if (disaster) message = `${disaster.title}: ${disaster.message}`;
    else if (models.length > 1) message = `${models.length} models are down: ${models.join(', ')}. Routing skips them until a probe finds them working.`;
    else message = `${critical[0]!.title}: ${critical[0]!.message}`;
    const actions: Action[] = budget && !disaster && models.length === 0
      ? [ALERT_ACTIONS.openSettings, ALERT_ACTIONS.showLog]
      : [ALERT_ACTIONS.openModels, ALERT_ACTIONS.showLog, ALERT_ACTIONS.resetBreakers];
    out.push({ kind: 'error', message: `HolySheep Router: ${message}`, actions });
  }
  // Only the end of an outage (or of disaster recovery) pops up: a warning never did, so its end
  // is for the Alerts list alone.
  const recovered = batch.filter((a) => a.severity === 'INFO' && a.kind === 'recovered' && (a.downtime || !a.model));
  if (recovered.length > 0) {
    const fleet = recovered.find((a) => !a.model);
    const models = recovered.map((a) => a.model).filter((m): m is string => !!m);
    let message: string;
    // A model's recovery message names the model and the downtime already: no title in front.
    if (recovered.length === 1) message = recovered[0]!.model ? recovered[0]!.message : `${recovered[0]!.title}: ${recovered[0]!.message}`;
    else if (fleet) message = `${fleet.title}: ${fleet.message}`;
    else message = `Recovered: ${models.join(', ')}.`;
    out.push({ kind: 'info', message: `HolySheep Router: ${message}`, actions: [] });
  }
  return out;
}

export class EditorAlerts implements vscode.Disposable {
  /** Replaceable so integration tests can see what would pop up; the real one uses the editor's UI. */
  notifier: AlertNotifier = createAlertNotifier();
  private pending: Alert[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly log: Pick<vscode.LogOutputChannel, 'error' | 'warn' | 'info'>) {}

  /** Shows an alert (batched with others raised at about the same time). */
  show(alert: Alert): void {
    if (alert.severity === 'WARNING' || alert.kind === 'test') return;
    this.pending.push(alert);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Shows what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const n of notificationsFor(batch)) {
      if (n.kind === 'info') {
        void this.notifier.info(n.message);
        continue;
      }
      void Promise.resolve(this.notifier.error(n.message, n.actions)).then(async (choice) => {
        if (!choice) return;
        const [command, ...args] = ACTION_COMMANDS[choice];
        await vscode.commands.executeCommand(command, ...args);
      }).catch((error: unknown) => this.log.warn(`Alert notification: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** Drops what has not been shown yet (a reset). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  dispose(): void {
    this.clear();
  }
}
