import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import type { TestAlertOutcome } from '../../src/host/healthService';
import { LEADER_KEY, LEASE_MS } from '../../src/host/windowSync';
import { Receiver } from './alertReceiver';
import { eventually, extensionApi, recordNotifications, setSetting, useFleet, type FleetSetup, type RecordedNotifications } from './harness';

/** Secret parts of the URLs: they must never appear in a result, a message or an alert. */
const SLACK_PATH = '/services/T0TEST/B0TEST/SecretSlackToken123';
const HOOK_PATH = '/hook?token=SecretHookToken456';

describe('alert sinks: Slack and webhook, through the real extension', () => {
  let api: TestApi;
  let setup: FleetSetup;
  let receiver: Receiver;
  let shown: RecordedNotifications;
  let base: string;

  before(async () => {
    api = await extensionApi();
  });

  beforeEach(async () => {
    setup = await useFleet(api);
    shown = recordNotifications(api);
    receiver = new Receiver();
    base = await receiver.start();
    await api.webhooks.store('slack', base + SLACK_PATH);
    await api.webhooks.store('webhook', base + HOOK_PATH);
  });

  afterEach(async () => {
    shown.restore();
    await api.webhooks.clear('slack');
    await api.webhooks.clear('webhook');
    await setup.teardown();
    await receiver.close();
  });

  it('Send Test Alert posts Block Kit to Slack and schema v1 to the webhook, and reports each sink', async () => {
    assert.deepEqual([...api.webhooks.configured], ['slack', 'webhook']);
    const outcome = await vscode.commands.executeCommand<TestAlertOutcome>('holysheepRouter.sendTestAlert');
    assert.deepEqual(outcome.results.map((r) => [r.sink, r.ok]), [['Slack', true], ['Webhook', true]]);

    const [slack] = receiver.slackPosts();
    assert.ok(slack, 'Slack received a post');
    assert.equal(slack.path, SLACK_PATH);
    assert.equal(slack.headers['content-type'], 'application/json');
    const blocks = slack.body.blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    assert.equal(blocks[0]?.type, 'header');
    assert.match(blocks[0]?.text?.text ?? '', /^INFO: Test alert/);
    assert.match(blocks[1]?.text?.text ?? '', /test alert from HolySheep Router/);
    const fields = blocks.find((b) => b.fields)?.fields?.map((f) => f.text.split('\n')[0]);
    assert.deepEqual(fields, ['*Model*', '*Status*', '*Error rate*', '*p95 latency*', '*Time*']);
    assert.match(String(slack.body.text), /\[INFO\] Test alert/);

    const [hook] = receiver.webhookPosts();
    assert.ok(hook, 'the webhook received a post');
    assert.equal(hook.body.version, 1);
    assert.equal(hook.body.source, 'holysheep-router');
    const alert = hook.body.alert as Record<string, unknown>;
    assert.equal(alert.id, outcome.alert.id);
    assert.equal(alert.severity, 'INFO');
    assert.equal(alert.kind, 'test');
    assert.equal(alert.model, null);
    assert.equal(alert.at, new Date(outcome.alert.at).toISOString());
    assert.deepEqual(Object.keys(alert).sort(), ['at', 'budget', 'downtime', 'errorRate', 'id', 'kind', 'message', 'model', 'p95LatencyMs', 'reminder', 'severity', 'status', 'title']);

    // The test alert shows in the Alerts list too; the editor reported per sink, without URLs.
    assert.ok(api.alerts.alerts.some((a) => a.id === outcome.alert.id));
    assert.ok(!JSON.stringify(outcome.results).includes('Secret'));
  });

  it('Set Slack Webhook URL keeps the URL in secret storage only; an empty answer removes it', async () => {
    const real = api.webhooks.prompts;
    const secretUrl = `${base}/services/T1/B1/AnotherSecret789`;
    const answers: (string | undefined)[] = [`  ${secretUrl}  `, undefined, ''];
    const asked: boolean[] = [];
    api.webhooks.prompts = { inputUrl: async (_kind, hasUrl) => { asked.push(hasUrl); return answers.shift(); } };
    try {
      await api.webhooks.clear('slack');
      await vscode.commands.executeCommand('holysheepRouter.setSlackWebhook');
      assert.deepEqual([...api.webhooks.configured], ['slack', 'webhook'], 'stored (trimmed) and in use');
      assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('holysheepRouter')).includes('AnotherSecret789'), 'never in settings');
      // Escape changes nothing; an empty answer removes the stored URL.
      await vscode.commands.executeCommand('holysheepRouter.setSlackWebhook');
      assert.deepEqual([...api.webhooks.configured], ['slack', 'webhook']);
      await vscode.commands.executeCommand('holysheepRouter.setSlackWebhook');
      assert.deepEqual([...api.webhooks.configured], ['webhook']);
      assert.deepEqual(asked, [false, true, true], 'the prompt says when a URL is stored (and can be removed)');
      assert.deepEqual(api.delivery.sinkNames, ['Webhook']);
    } finally {
      api.webhooks.prompts = real;
    }
  });

  it('a hanging receiver is timed out in the background and does not slow a chat round trip', async () => {
    await setSetting(api, 'alerts.timeoutMs', 3000);
    receiver.hang = true;
    let settled = false;
    const delivery = vscode.commands.executeCommand<TestAlertOutcome>('holysheepRouter.sendTestAlert').then((outcome) => {
      settled = true;
      return outcome;
    });
    await eventually(() => receiver.received.length === 2, 'both sinks to be posting');
    const turn = await api.chatView.ask('Are you there while Slack hangs?');
    assert.equal(turn.status, 'done');
    assert.equal(settled, false, 'the chat answered while both posts were still hanging');
    const outcome = await delivery;
    assert.ok(outcome.results.every((r) => !r.ok && r.timedOut), 'both posts timed out');
    for (const r of outcome.results) {
      assert.match(r.message ?? '', /no answer within 3000 ms/);
      assert.ok(!(r.message ?? '').includes('Secret') && !(r.message ?? '').includes('127.0.0.1'), 'no URL in the failure');
    }
  });

  it('only the alert leader posts health alerts: once each, including those it missed while another window led', async () => {
    await setSetting(api, 'breaker.failureThreshold', 1);
    await setSetting(api, 'monitor.probe', 'off');
    // Another window holds the lease: this one must not post.
    await api.globalState.update(LEADER_KEY, { instance: 'other-window', windowId: 'other', until: Date.now() + LEASE_MS });
    api.sync.tick();
    assert.equal(api.sync.isLeader, false);

    await setSetting(api, 'routing.model', 'gpt-4.1');
    setup.fleet.setDefault('gpt-4.1', { status: 503 });
    await api.router.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    api.monitor.checkNow();
    api.monitor.checkNow();
    const critical = api.alerts.alerts.find((a) => a.severity === 'critical' && a.model === 'gpt-4.1');
    assert.ok(critical, 'a CRITICAL for gpt-4.1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.received.length, 0, 'a window that does not lead posts nothing');

    // The other window goes away (its lease is released): this one claims it, confirms, and posts
    // what was raised meanwhile.
    await api.globalState.update(LEADER_KEY, undefined);
    api.sync.tick();
    assert.equal(api.sync.confirmLease(), true);
    await eventually(() => receiver.slackPosts().length === 1 && receiver.webhookPosts().length === 1, 'the leader to post the CRITICAL');
    const blocks = receiver.slackPosts()[0]!.body.blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    assert.match(blocks[0]?.text?.text ?? '', /^CRITICAL: gpt-4\.1 is down/);
    const fields = blocks.find((b) => b.fields)!.fields!.map((f) => f.text);
    assert.deepEqual(fields.slice(0, 4), ['*Model*\ngpt-4.1', '*Status*\ndown', '*Error rate*\n100.0 %', '*p95 latency*\nn/a']);
    const hook = receiver.webhookPosts()[0]!.body.alert as Record<string, unknown>;
    assert.equal(hook.id, critical.id);
    assert.equal(hook.severity, 'CRITICAL');
    assert.equal(hook.status, 'down');

    // Posted once: another heartbeat, or the lease changing hands, does not post it again.
    api.sync.tick();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.received.length, 2);
  });
});
