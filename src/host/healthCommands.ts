/**
 * The commands of health, alerts and cost: Export/Copy Health Report, Send Test Alert, the webhook
 * URLs, and Reset Metrics and Breakers.
 */
import * as vscode from 'vscode';
import type { DeliveryResult } from '../core/alerts';
import type { HealthReport } from '../core/healthReport';
import type { TestAlertOutcome } from './healthService';
import type { WebhookKind } from './webhookStore';

export const HEALTH_COMMANDS = {
  exportHealthReport: 'holysheepRouter.exportHealthReport',
  copyHealthReport: 'holysheepRouter.copyHealthReport',
  sendTestAlert: 'holysheepRouter.sendTestAlert',
  setSlackWebhook: 'holysheepRouter.setSlackWebhook',
  setAlertWebhook: 'holysheepRouter.setAlertWebhook',
  resetAll: 'holysheepRouter.resetAll',
} as const;

export interface HealthCommandDeps {
  health: {
    report(): HealthReport;
    sendTestAlert(): Promise<TestAlertOutcome>;
    resetAll(): void;
  };
  webhooks: { prompt(kind: WebhookKind): Promise<void> };
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
}

export function registerHealthCommands(deps: HealthCommandDeps): vscode.Disposable {
  const { health, webhooks, log } = deps;
  return vscode.Disposable.from(
    vscode.commands.registerCommand(HEALTH_COMMANDS.exportHealthReport, () => exportReport(health.report())),
    vscode.commands.registerCommand(HEALTH_COMMANDS.copyHealthReport, async () => {
      const report = health.report();
      await vscode.env.clipboard.writeText(reportText(report));
      vscode.window.setStatusBarMessage('$(check) HolySheep Router: copied the health report (JSON).', 4000);
      return report;
    }),
    vscode.commands.registerCommand(HEALTH_COMMANDS.sendTestAlert, () => sendTestAlert(health)),
    vscode.commands.registerCommand(HEALTH_COMMANDS.setSlackWebhook, () => webhooks.prompt('slack')),
    vscode.commands.registerCommand(HEALTH_COMMANDS.setAlertWebhook, () => webhooks.prompt('webhook')),
    vscode.commands.registerCommand(HEALTH_COMMANDS.resetAll, () => {
      health.resetAll();
      log.info('Reset metrics and breakers.');
      vscode.window.setStatusBarMessage('$(clear-all) HolySheep Router: breakers, metrics, alerts and downtime cleared.', 4000);
    }),
  );
}

export function reportText(report: HealthReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Opens the report in an untitled JSON editor and offers to save it; resolves with the document. */
async function exportReport(report: HealthReport): Promise<vscode.TextDocument> {
  const content = reportText(report);
  const document = await vscode.workspace.openTextDocument({ language: 'json', content });
  await vscode.window.showTextDocument(document, { preview: false });
  const saveAs = 'Save As…';
  // Not awaited: the command is done once the report shows; saving is up to the user.
  void vscode.window.showInformationMessage('HolySheep Router: the health report is open as JSON.', saveAs).then(async (choice) => {
    if (choice !== saveAs) return;
    const stamp = report.generated_at.replace(/[:.]/g, '-');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Save the health report',
      filters: { JSON: ['json'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `holysheep-health-${stamp}.json`) } : {}),
    });
    if (target) await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
  });
  return document;
}

function describeResult(r: DeliveryResult): string {
  return r.ok ? `${r.sink}: delivered in ${Math.round(r.durationMs)} ms` : `${r.sink}: ${r.message ?? 'failed'}`;
}

async function sendTestAlert(health: HealthCommandDeps['health']): Promise<TestAlertOutcome> {
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'HolySheep Router: sending a test alert…' },
    () => health.sendTestAlert(),
  );
  const { results } = outcome;
  const parts = ['Alerts list: shown', ...results.map(describeResult)];
  if (results.length === 0) {
    const slack = 'Set Slack Webhook URL';
    const hook = 'Set Alert Webhook URL';
    void vscode.window.showInformationMessage(`HolySheep Router test alert — ${parts[0]}. No Slack or webhook URL is set, so only the editor received it.`, slack, hook).then((choice) => {
      if (choice === slack) void vscode.commands.executeCommand(HEALTH_COMMANDS.setSlackWebhook);
      if (choice === hook) void vscode.commands.executeCommand(HEALTH_COMMANDS.setAlertWebhook);
    });
  } else if (results.every((r) => r.ok)) {
    void vscode.window.showInformationMessage(`HolySheep Router test alert — ${parts.join('; ')}.`);
  } else {
    const showLog = 'Show Log';
    void vscode.window.showWarningMessage(`HolySheep Router test alert — ${parts.join('; ')}.`, showLog).then((choice) => {
      if (choice === showLog) void vscode.commands.executeCommand('holysheepRouter.showLog');
    });
  }
  return outcome;
}
