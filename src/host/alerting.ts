/**
 * Where alerts go. Every alert this window raises (its health monitor's, its budget's) goes to the
 * Alerts list and the editor at once. Slack and the webhook hear from one window only, the alert
 * leader (see windowSync.ts): it posts its own alerts as they come and the other windows' as it
 * reads them, each alert once, remembering what was posted in globalState so a new leader does
 * not post it again. Nothing here waits for a delivery: a slow or broken sink is timed out by
 * AlertDelivery and ends up in the log, without its URL.
 */
import * as vscode from 'vscode';
import type { Alert, DeliveryFailure } from '../core/alerts';
import type { Event } from '../core/events';

export const POSTED_KEY = 'holysheepRouter.alertsPosted';
/** Alerts older than this when the leader first sees them are history, not news: not posted. */
export const POST_RECENT_MS = 15 * 60_000;
const MAX_POSTED_IDS = 500;

export interface AlertingDeps {
  monitor: { readonly onDidAlert: Event<Alert> };
  budget: { readonly onDidAlert: Event<Alert> };
  alerts: {
    add(alert: Alert): void;
    readonly all: readonly Alert[];
    readonly onDidChange: vscode.Event<void>;
  };
  editor: { show(alert: Alert): void };
  delivery: {
    deliver(alert: Alert): Promise<unknown>;
    readonly onDidFail: Event<DeliveryFailure>;
    readonly onDidDeliver: Event<{ sink: string; alert: Alert; durationMs: number }>;
  };
  leader: { readonly isLeader: boolean; onDidChangeLeadership(listener: (leader: boolean) => void): vscode.Disposable };
  globalState: vscode.Memento;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
  now?: () => number;
}

export function registerAlerting(deps: AlertingDeps): vscode.Disposable {
  const { alerts, editor, delivery, log } = deps;
  const now = deps.now ?? (() => Date.now());

  const raised = (alert: Alert) => {
    const line = `Alert ${alert.severity}${alert.reminder ? ' (reminder)' : ''}: ${alert.title}: ${alert.message}`;
    if (alert.severity === 'CRITICAL') log.error(line);
    else if (alert.severity === 'WARNING') log.warn(line);
    else log.info(line);
    alerts.add(alert);
    editor.show(alert);
  };

  /** The leader posts every alert not posted yet, oldest first. */
  const postPending = () => {
    if (!deps.leader.isLeader) return;
    const stored = deps.globalState.get<unknown>(POSTED_KEY);
    const posted = new Set(Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : []);
    // Test alerts are sent by their command, to every sink, from the window that ran it.
    const pending = alerts.all.filter((a) => a.kind !== 'test' && a.at > now() - POST_RECENT_MS && !posted.has(a.id)).reverse();
    if (pending.length === 0) return;
    for (const alert of pending) {
      posted.add(alert.id);
      void delivery.deliver(alert);
    }
    void Promise.resolve(deps.globalState.update(POSTED_KEY, [...posted].slice(-MAX_POSTED_IDS))).catch((error: unknown) => {
      log.warn(`Could not remember which alerts were posted: ${error instanceof Error ? error.message : String(error)}`);
    });
  };

  return vscode.Disposable.from(
    deps.monitor.onDidAlert(raised),
    deps.budget.onDidAlert(raised),
    // Our own alerts arrive here at once; other windows' when the heartbeat reads them.
    alerts.onDidChange(postPending),
    deps.leader.onDidChangeLeadership((leader) => {
      if (leader) postPending();
    }),
    delivery.onDidFail((failure) => log.warn(failure.message)),
    delivery.onDidDeliver(({ sink, alert, durationMs }) => log.info(`${sink}: delivered the ${alert.severity} alert "${alert.title}" in ${durationMs} ms.`)),
  );
}
