/**
 * The Alerts list of the models tree: the alerts this window raised (its health monitor, its
 * budget, test alerts), and those other windows raised, as they read them from globalState. One
 * list for every window, newest first, bounded; the engine's severities map to the tree's.
 */
import * as vscode from 'vscode';
import type { Alert as CoreAlert, Severity } from '../core/alerts';

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** An alert as the tree shows it. */
export interface Alert {
  severity: AlertSeverity;
  message: string;
  model?: string;
  /** Epoch ms. */
  at: number;
  id?: string;
  title?: string;
  kind?: CoreAlert['kind'];
  reminder?: boolean;
}

const SEVERITY: Record<Severity, AlertSeverity> = { CRITICAL: 'critical', WARNING: 'warning', INFO: 'info' };

export function severityOf(alert: Pick<CoreAlert, 'severity'>): AlertSeverity {
  return SEVERITY[alert.severity] ?? 'info';
}

/** The tree's view of an engine alert. */
export function viewOf(alert: CoreAlert): Alert {
  return {
    severity: severityOf(alert),
    message: alert.message,
    at: alert.at,
    id: alert.id,
    title: alert.title,
    kind: alert.kind,
    ...(alert.model ? { model: alert.model } : {}),
    ...(alert.reminder ? { reminder: true } : {}),
  };
}

export const MAX_ALERTS = 200;

/** Newest first, one entry per id, at most `limit`. */
export function mergeAlerts(lists: readonly (readonly CoreAlert[])[], limit = MAX_ALERTS): CoreAlert[] {
  const byId = new Map<string, CoreAlert>();
  for (const list of lists) for (const alert of list) if (!byId.has(alert.id)) byId.set(alert.id, alert);
  return [...byId.values()].sort((a, b) => b.at - a.at).slice(0, limit);
}

export class AlertsList implements vscode.Disposable {
  /** Raised in this window, newest first. */
  private ownAlerts: CoreAlert[] = [];
  /** Raised in other windows (or before a reset elsewhere), newest first. */
  private peerAlerts: CoreAlert[] = [];
  private mergedCore: CoreAlert[] = [];
  private merged: Alert[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  /** Newest first, every window's. */
  get alerts(): readonly Alert[] {
    return this.merged;
  }

  /** Every window's, newest first, as the engine raised them. */
  get all(): readonly CoreAlert[] {
    return this.mergedCore;
  }

  /** This window's, newest first: what it persists. */
  get own(): readonly CoreAlert[] {
    return this.ownAlerts;
  }

  /** Adds an alert raised in this window (again with the same id: ignored). */
  add(alert: CoreAlert): void {
    if (this.ownAlerts.some((a) => a.id === alert.id)) return;
    this.ownAlerts = mergeAlerts([[alert], this.ownAlerts]);
    this.update();
  }

  /** This window's alerts restored after a reload. */
  restore(alerts: readonly CoreAlert[]): void {
    this.ownAlerts = mergeAlerts([alerts, this.ownAlerts]);
    this.update();
  }

  /** The other windows' alerts, as last read; fires only when they changed. */
  setPeers(alerts: readonly CoreAlert[]): void {
    const next = mergeAlerts([alerts]);
    if (next.length === this.peerAlerts.length && next.every((a, i) => a.id === this.peerAlerts[i]?.id)) return;
    this.peerAlerts = next;
    this.update();
  }

  clear(): void {
    if (this.ownAlerts.length === 0 && this.peerAlerts.length === 0) return;
    this.ownAlerts = [];
    this.peerAlerts = [];
    this.update();
  }

  private update(): void {
    this.mergedCore = mergeAlerts([this.ownAlerts, this.peerAlerts]);
    this.merged = this.mergedCore.map(viewOf);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
