import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { HealthReport } from '../../src/core/healthReport';
import { extensionApi, useFleet, type FleetSetup } from './harness';

const MODEL_FIELDS = [
  'status', 'request_count', 'error_count', 'error_rate', 'avg_latency_ms', 'last_success', 'enabled', 'endpoint', 'breaker_state',
  'breaker_probe_at', 'p50_latency_ms', 'p95_latency_ms', 'p50_ttft_ms', 'p95_ttft_ms', 'tokens_in', 'tokens_out', 'cost_usd',
  'official_cost_usd', 'saved_usd', 'failovers', 'hedges', 'last_failure', 'last_error', 'probe_ok', 'probe_latency_ms', 'probe_at',
  'down_since', 'downtime_count', 'downtime_total_ms',
].sort();

/** The documented shape (README "Health report"), checked key by key. */
function assertReportShape(report: HealthReport): void {
  assert.deepEqual(Object.keys(report).sort(), ['cost', 'disaster_recovery_active', 'downtime_events', 'generated_at', 'models', 'outages', 'probes', 'summary']);
  assert.ok(!Number.isNaN(Date.parse(report.generated_at)));
  assert.deepEqual(Object.keys(report.models), ['gpt-4.1', 'claude-sonnet-4.5', 'gemini-2.5-flash', 'deepseek-v3.2']);
  for (const model of Object.values(report.models)) assert.deepEqual(Object.keys(model).sort(), MODEL_FIELDS);
  assert.deepEqual(Object.keys(report.summary).sort(), [
    'degraded_models', 'down_models', 'healthy_models', 'overall_error_rate', 'total_cost_usd', 'total_errors', 'total_requests', 'total_saved_usd',
  ]);
  assert.deepEqual(Object.keys(report.cost).sort(), ['budget', 'currency', 'session', 'today']);
  assert.equal(report.cost.currency, 'USD');
  assert.deepEqual(Object.keys(report.cost.session).sort(), ['answers', 'completion_tokens', 'cost_usd', 'estimated_answers', 'official_cost_usd', 'prompt_tokens', 'saved_usd', 'savings_pct']);
  assert.ok(report.cost.today, 'the extension has a budget tracker: today is known');
  assert.ok(report.cost.budget, 'and the budget');
  assert.deepEqual(Object.keys(report.cost.budget).sort(), ['daily_usd', 'day', 'on_exceeded', 'remaining_usd', 'spent_today_usd', 'status', 'used_pct']);
}

describe('health report', () => {
  let api: TestApi;
  let setup: FleetSetup;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setup.teardown();
  });

  it('Export Health Report opens the JSON report in an untitled JSON editor', async () => {
    setup.fleet.script('deepseek-v3.2', { status: 503 });
    const turn = await api.chatView.ask('Hello?');
    assert.equal(turn.status, 'done');
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('holysheepRouter.exportHealthReport');
    assert.equal(document.isUntitled, true);
    assert.equal(document.languageId, 'json');
    assert.equal(vscode.window.activeTextEditor?.document, document, 'the report is shown');
    const report = JSON.parse(document.getText()) as HealthReport;
    assertReportShape(report);
    const answered = report.models[turn.answer!.model!]!;
    assert.equal(answered.request_count, 1);
    assert.ok(answered.p95_latency_ms !== null && answered.p95_ttft_ms !== null, 'latency and time to first token');
    assert.equal(report.models['deepseek-v3.2']!.error_count, 1);
    assert.equal(report.models['deepseek-v3.2']!.last_error, 'HTTP_503');
    assert.equal(report.summary.total_requests, 2);
    assert.equal(report.cost.session.answers, 1);
    assert.ok(report.cost.session.saved_usd > 0 && report.cost.session.savings_pct > 80, 'the relay saves over 80 % against official prices');
    assert.equal(report.disaster_recovery_active, false);
  });

  it('Copy Health Report puts the same JSON on the clipboard', async () => {
    await api.chatView.ask('Hello?');
    await vscode.commands.executeCommand('holysheepRouter.copyHealthReport');
    const report = JSON.parse(await vscode.env.clipboard.readText()) as HealthReport;
    assertReportShape(report);
    assert.equal(report.summary.total_requests, 1);
    assert.equal(report.cost.today?.answers, 1);
  });
});
