/**
 * The Alerts list of the models tree. For now it is fed by breaker changes and by checking, after
 * each, whether any model is still healthy; the health monitor of issue 4 replaces `watchRouter`
 * as the source, the list itself stays.
 */
import * as vscode from 'vscode';
import type { BreakerChange } from '../core/breakers';
import type { Event } from '../core/events';
import type { ModelSnapshot } from '../core/metrics';

export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface Alert {
  severity: AlertSeverity;
  message: string;
  model?: string;
  /** Epoch ms. */
  at: number;
}

const MAX_ALERTS = 100;

export class AlertsList implements vscode.Disposable {
  private readonly entries: Alert[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  /** Newest first. */
  get alerts(): readonly Alert[] {
    return this.entries;
  }

  add(alert: Omit<Alert, 'at'> & { at?: number }): void {
    this.entries.unshift({ ...alert, at: alert.at ?? Date.now() });
    // Bounded: a flapping model must not grow this forever.
    this.entries.length = Math.min(this.entries.length, MAX_ALERTS);
    this.changed.fire();
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries.length = 0;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export interface AlertSource {
  readonly onDidChangeBreaker: Event<BreakerChange>;
  readonly onDidChangeModel: Event<ModelSnapshot>;
  snapshot(): ModelSnapshot[];
}

/**
 * Raises WARNING when a breaker opens, a note when it closes again, and CRITICAL once when no
 * enabled model is healthy any more (then a note when one recovers).
 */
export function watchRouter(source: AlertSource, alerts: AlertsList): vscode.Disposable {
  let allDown = false;
  const tripped = new Set<string>();
  const checkFleet = (): void => {
    const enabled = source.snapshot().filter((s) => s.enabled);
    const nowAllDown = enabled.length > 0 && enabled.every((s) => s.health === 'down');
    if (nowAllDown === allDown) return;
    allDown = nowAllDown;
    alerts.add(nowAllDown
      ? { severity: 'critical', message: 'No healthy model: disaster recovery active. Requests fail until a model recovers.' }
      : { severity: 'info', message: 'A model is healthy again: routing resumed.' });
  };
  const onBreaker = source.onDidChangeBreaker(({ model, state }) => {
    if (state === 'open' && !tripped.has(model)) {
      tripped.add(model);
      alerts.add({ severity: 'warning', model, message: `Circuit breaker of ${model} opened: requests go to other models until its probe succeeds.` });
    } else if (state === 'closed' && tripped.delete(model)) {
      alerts.add({ severity: 'info', model, message: `${model} recovered: its circuit breaker closed.` });
    }
    checkFleet();
  });
  const onModel = source.onDidChangeModel(() => checkFleet());
  return vscode.Disposable.from(onBreaker, onModel);
}
