import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { Receiver } from './alertReceiver';
import { eventually, extensionApi, recordNotifications, setSetting, useFleet, type FleetSetup, type RecordedNotifications } from './harness';

/** Usage the fleet reports, so an answer costs real money: a million completion tokens. */
const MILLION_OUT = { usage: { promptTokens: 0, completionTokens: 1_000_000 } };

describe('daily budget through the chat view', () => {
  let api: TestApi;
  let setup: FleetSetup;
  let shown: RecordedNotifications;
  let receiver: Receiver;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
    shown = recordNotifications(api);
    receiver = new Receiver();
    await api.webhooks.store('webhook', `${await receiver.start()}/hook`);
    // This window posts to the sinks (it is the only one).
    api.sync.tick();
    api.sync.confirmLease();
    assert.equal(api.sync.isLeader, true);
  });

  afterEach(async () => {
    shown.restore();
    await api.webhooks.clear('webhook');
    await setup.teardown();
    await receiver.close();
  });

  it('warns at 80 % through every sink, then refuses with BUDGET_EXCEEDED and an Open Settings action', async () => {
    await setSetting(api, 'budget.dailyUsd', 1);
    await setSetting(api, 'budget.onExceeded', 'refuse');
    // DeepSeek V3.2 answers (Auto picks the cheapest): $0.42 per answer at a million output tokens.
    setup.fleet.setDefault('deepseek-v3.2', MILLION_OUT);

    assert.equal((await api.chatView.ask('One')).status, 'done');
    assert.equal(api.alerts.alerts.length, 0, '42 %: no alert');
    assert.equal((await api.chatView.ask('Two')).status, 'done');
    const warning = api.alerts.alerts.find((a) => a.kind === 'budget');
    assert.equal(warning?.severity, 'warning', '84 %: the WARNING');
    assert.match(warning.title ?? '', /84 % of the daily budget used/);
    // Through every sink: the webhook (posted by the leader), the list, the status bar; no pop-up.
    await eventually(() => receiver.webhookPosts().length === 1, 'the webhook to receive the budget WARNING');
    const posted = receiver.webhookPosts()[0]!.body.alert as { kind: string; severity: string; budget: { limitUsd: number; spentUsd: number; onExceeded: string } };
    assert.deepEqual([posted.kind, posted.severity, posted.budget.limitUsd, posted.budget.onExceeded], ['budget', 'WARNING', 1, 'refuse']);
    assert.ok(Math.abs(posted.budget.spentUsd - 0.84) < 0.001);
    api.editorAlerts.flush();
    assert.equal(shown.errors.length, 0);
    api.statusBar.update();
    await eventually(() => /84 % of today's budget \(\$1\.00\) used/.test(api.statusBar.tooltip), 'the status bar warning line');
    assert.match(api.statusBar.tooltip, /Budget: 84 % of \$1\.00 used today/);
    assert.match(String(api.modelsTree.getTreeItem({ kind: 'cost' }).description), /^\$0\.84 of \$1\.00 \(84 %\) · saved \$4\.96$/);

    assert.equal((await api.chatView.ask('Three')).status, 'done');
    const exceeded = api.alerts.alerts.find((a) => a.kind === 'budget' && a.severity === 'critical');
    assert.ok(exceeded, '126 %: the CRITICAL');
    api.editorAlerts.flush();
    assert.equal(shown.errors.length, 1);
    assert.deepEqual(shown.errors[0]!.actions, ['Open Settings', 'Show Log']);

    const sent = setup.fleet.requests.length;
    const refused = await api.chatView.ask('Four');
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.code, 'BUDGET_EXCEEDED');
    assert.match(refused.error?.message ?? '', /budget of \$1\.00 is used up/);
    assert.deepEqual(refused.error?.actions.find((a) => a.action === 'openSettings'), { action: 'openSettings', label: 'Open Settings', settingId: 'holysheepRouter.budget.dailyUsd' });
    assert.equal(setup.fleet.requests.length, sent, 'nothing was sent');
  });

  it('in "cheapest" mode keeps answering with the cheapest model only, and says so in the footer', async () => {
    await setSetting(api, 'budget.dailyUsd', 1);
    await setSetting(api, 'budget.onExceeded', 'cheapest');
    await setSetting(api, 'routing.model', 'gpt-4.1');
    // GPT-4.1 at $8 per million output tokens: the first answer uses the whole budget.
    setup.fleet.setDefault('gpt-4.1', MILLION_OUT);

    const first = await api.chatView.ask('Expensive');
    assert.equal(first.answer?.model, 'gpt-4.1');
    assert.equal(first.answer?.budgetNote, undefined);
    const alert = api.alerts.alerts.find((a) => a.kind === 'budget');
    assert.equal(alert?.severity, 'warning', 'used up in cheapest mode: a WARNING, requests go on');
    assert.match(alert.message, /Only the cheapest model answers/);

    const second = await api.chatView.ask('Still there?');
    assert.equal(second.status, 'done');
    assert.equal(second.answer?.model, 'deepseek-v3.2', 'the cheapest model answers, whatever model was chosen');
    assert.match(second.answer?.budgetNote ?? '', /Only the cheapest model answered: today's budget of \$1\.00 is used up/);
    assert.equal(setup.fleet.requestCount('gpt-4.1'), 1, 'GPT-4.1 was not asked again');
    api.statusBar.update();
    await eventually(() => /cheapest model only until midnight/.test(api.statusBar.tooltip), 'the status tooltip to say so');
    const budgetLine = api.modelsTree.getChildren({ kind: 'cost' }).map((n) => api.modelsTree.getTreeItem(n)).find((i) => i.label === 'Daily budget');
    assert.match(String(budgetLine?.description), /used up: cheapest model only/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
