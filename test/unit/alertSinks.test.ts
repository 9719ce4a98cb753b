import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  AlertDelivery, createAlert, slackPayload, slackSink, webhookPayload, webhookSink,
  type Alert, type AlertSink, type DeliveryFailure,
} from '../../src/core/alerts';
import { BudgetTracker } from '../../src/core/budget';
import { resolveConfig } from '../../src/core/config';
import { RouterError } from '../../src/core/errors';
import { Router } from '../../src/core/router';
import { FakeFleet } from '../fixtures/fleet';

/** The secret parts of a webhook URL: whoever has them can post to the channel. */
const SECRET_PATH = '/services/T0SECRET/B0SECRET/xoxSecretToken1234567';
const SECRET_QUERY = 'token=qs-secret-456789';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A real HTTP receiver on 127.0.0.1 that answers, fails or never answers, as told. */
class Receiver {
  readonly requests: Received[] = [];
  /** Requests whose connection closed before we answered: the client gave up. */
  abandoned = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  status = 200;
  failBody = '';
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (this.mode === 'hang') {
        res.on('close', () => {
          if (!res.writableEnded) this.abandoned++;
        });
        return;
      }
      res.writeHead(this.mode === 'ok' ? 200 : this.status, { 'content-type': 'text/plain' }).end(this.mode === 'ok' ? 'ok' : this.failBody);
    });
  });

  constructor() {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${SECRET_PATH}?${SECRET_QUERY}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.abandoned = 0;
    this.mode = 'ok';
    this.status = 200;
    this.failBody = '';
  }
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function assertNoSecret(text: string): void {
  for (const secret of ['xoxSecretToken1234567', 'T0SECRET', 'qs-secret-456789', '/services/', 'http://']) {
    assert.ok(!text.includes(secret), `"${secret}" leaked into: ${text}`);
  }
}

const AT = Date.UTC(2026, 0, 5, 9, 0, 20);

const CRITICAL: Alert = {
  id: '6d1f0c1e-0000-4000-8000-000000000001',
  severity: 'CRITICAL',
  kind: 'down',
  model: 'gpt-4.1',
  title: 'gpt-4.1 is down',
  message: 'gpt-4.1 is down (circuit breaker open, last error HTTP_503) for 2 checks in a row. <Requests> go elsewhere & wait.',
  at: AT,
  status: 'down',
  errorRate: 0.625,
  p95LatencyMs: 2345.6,
};

const RECOVERED: Alert = {
  id: '6d1f0c1e-0000-4000-8000-000000000002',
  severity: 'INFO',
  kind: 'recovered',
  model: 'deepseek-v3.2',
  title: 'deepseek-v3.2 recovered',
  message: 'deepseek-v3.2 is healthy again after 1 min 30 s down; it takes requests as usual.',
  at: AT + 90_000,
  status: 'healthy',
  errorRate: 0,
  downtime: { reason: 'circuit breaker open, last error HTTP_503', start: AT, end: AT + 90_000, durationMs: 90_000 },
};

describe('alert sinks', function () {
  this.timeout(20_000);
  const receiver = new Receiver();
  let url: string;

  before(async () => {
    url = await receiver.start();
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset());

  it('posts the exact Slack Block Kit payload', async () => {
    await slackSink(url).send(CRITICAL, new AbortController().signal);
    assert.equal(receiver.requests.length, 1);
    const got = receiver.requests[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.url, `${SECRET_PATH}?${SECRET_QUERY}`);
    assert.match(String(got.headers['content-type']), /^application\/json/);
    assert.deepEqual(got.body, {
      text: '[CRITICAL] gpt-4.1 is down: gpt-4.1 is down (circuit breaker open, last error HTTP_503) for 2 checks in a row. &lt;Requests&gt; go elsewhere &amp; wait.',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'CRITICAL: gpt-4.1 is down', emoji: true } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: ':rotating_light: gpt-4.1 is down (circuit breaker open, last error HTTP_503) for 2 checks in a row. &lt;Requests&gt; go elsewhere &amp; wait.' },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Model*\ngpt-4.1' },
            { type: 'mrkdwn', text: '*Status*\ndown' },
            { type: 'mrkdwn', text: '*Error rate*\n62.5 %' },
            { type: 'mrkdwn', text: '*p95 latency*\n2346 ms' },
            { type: 'mrkdwn', text: '*Time*\n<!date^1767603620^{date_short_pretty} {time_secs}|2026-01-05T09:00:20.000Z>' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'HolySheep Router · down · 2026-01-05T09:00:20.000Z' }] },
      ],
    });
  });

  it('marks reminders and fleet-wide alerts in the Slack payload', () => {
    const reminder = slackPayload({ ...CRITICAL, reminder: true, model: undefined, status: undefined, kind: 'disaster', errorRate: undefined, p95LatencyMs: undefined }) as {
      blocks: { text?: { text: string }; fields?: { text: string }[] }[];
    };
    assert.equal(reminder.blocks[0]!.text!.text, 'CRITICAL (reminder): gpt-4.1 is down');
    assert.deepEqual(reminder.blocks[2]!.fields!.slice(0, 4).map((f) => f.text), ['*Model*\nall models', '*Status*\ndisaster', '*Error rate*\nn/a', '*p95 latency*\nn/a']);
  });

  it('posts the versioned generic webhook payload', async () => {
    await webhookSink(url).send(RECOVERED, new AbortController().signal);
    assert.deepEqual(receiver.requests[0]!.body, {
      version: 1,
      source: 'holysheep-router',
      alert: {
        id: '6d1f0c1e-0000-4000-8000-000000000002',
        severity: 'INFO',
        kind: 'recovered',
        model: 'deepseek-v3.2',
        title: 'deepseek-v3.2 recovered',
        message: 'deepseek-v3.2 is healthy again after 1 min 30 s down; it takes requests as usual.',
        at: '2026-01-05T09:01:50.000Z',
        status: 'healthy',
        errorRate: 0,
        p95LatencyMs: null,
        reminder: false,
        downtime: { reason: 'circuit breaker open, last error HTTP_503', start: '2026-01-05T09:00:20.000Z', end: '2026-01-05T09:01:50.000Z', durationMs: 90_000 },
        budget: null,
      },
    });
  });

  it('puts fleet-wide and budget facts in the webhook payload as nulls or objects, never missing keys', () => {
    const budget = webhookPayload({
      id: 'b', severity: 'WARNING', kind: 'budget', title: '80 % of the daily budget used', message: 'm', at: AT,
      budget: { day: '2026-01-05', spentUsd: 4.1, limitUsd: 5, onExceeded: 'refuse' },
    }) as { alert: Record<string, unknown> };
    assert.deepEqual(Object.keys(budget.alert), ['id', 'severity', 'kind', 'model', 'title', 'message', 'at', 'status', 'errorRate', 'p95LatencyMs', 'reminder', 'downtime', 'budget']);
    assert.equal(budget.alert.model, null);
    assert.deepEqual(budget.alert.budget, { day: '2026-01-05', spentUsd: 4.1, limitUsd: 5, onExceeded: 'refuse' });
  });

  it('reports an HTTP failure without the URL, even when the receiver echoes it', async () => {
    receiver.mode = 'fail';
    receiver.status = 404;
    receiver.failBody = `no_service for ${SECRET_PATH}?${SECRET_QUERY}`;
    await assert.rejects(slackSink(url).send(CRITICAL, new AbortController().signal), (error: Error) => {
      assert.match(error.message, /^Slack answered HTTP 404: no_service for/);
      assertNoSecret(error.message);
      return true;
    });
  });

  it('reports a refused connection without the URL', async () => {
    const closed = new Receiver();
    const deadUrl = await closed.start();
    await closed.close();
    await assert.rejects(webhookSink(deadUrl).send(CRITICAL, new AbortController().signal), (error: Error) => {
      assert.match(error.message, /^Webhook: ECONNREFUSED/);
      assertNoSecret(error.message);
      return true;
    });
  });

  it('refuses a malformed URL without echoing it', () => {
    for (const bad of ['hooks.slack.com/services/xoxSecretToken1234567', 'ftp://x/xoxSecretToken1234567']) {
      assert.throws(() => slackSink(bad), (error: unknown) => {
        assert.ok(error instanceof RouterError);
        assert.equal(error.code, 'CONFIG_INVALID');
        assertNoSecret(error.message);
        assert.ok(!error.message.includes('xoxSecretToken1234567'));
        return true;
      });
    }
  });

  describe('AlertDelivery', () => {
    it('fans an alert out to every sink and reports each delivery', async () => {
      const delivery = new AlertDelivery({ timeoutMs: 2000 });
      delivery.setSinks([slackSink(url), webhookSink(url)]);
      const delivered: string[] = [];
      delivery.onDidDeliver((d) => delivered.push(d.sink));
      const results = await delivery.deliver(CRITICAL);
      assert.deepEqual(results.map((r) => [r.sink, r.ok]), [['Slack', true], ['Webhook', true]]);
      assert.deepEqual(delivered.sort(), ['Slack', 'Webhook']);
      assert.equal(receiver.requests.length, 2);
      assert.ok(receiver.requests.some((r) => (r.body as { version?: number }).version === 1));
      assert.ok(receiver.requests.some((r) => Array.isArray((r.body as { blocks?: unknown[] }).blocks)));
      delivery.dispose();
    });

    it('times out and aborts a hanging sink, reports it, and never rejects', async () => {
      receiver.mode = 'hang';
      const delivery = new AlertDelivery({ timeoutMs: 300 });
      delivery.setSinks([webhookSink(url)]);
      const failures: DeliveryFailure[] = [];
      delivery.onDidFail((f) => failures.push(f));
      const started = Date.now();
      const results = await delivery.deliver(CRITICAL);
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 2500, `gave up after ${took} ms`);
      assert.deepEqual(results.map((r) => [r.sink, r.ok, r.timedOut]), [['Webhook', false, true]]);
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.message, 'Webhook alert delivery failed: no answer within 300 ms.');
      assert.equal(failures[0]!.alert.id, CRITICAL.id);
      // The request was really aborted: its connection closed at our end.
      await until(() => receiver.abandoned === 1);
      delivery.dispose();
    });

    it('gives up on a sink that ignores its abort signal, and survives one that throws at once', async () => {
      const stubborn: AlertSink = { name: 'Stubborn', send: () => new Promise<void>(() => undefined) };
      const broken: AlertSink = {
        name: 'Broken',
        send: () => {
          throw new Error(`exploded posting to http://127.0.0.1:1${SECRET_PATH}`);
        },
      };
      const delivery = new AlertDelivery({ timeoutMs: 200 });
      delivery.setSinks([stubborn, broken]);
      const failures: DeliveryFailure[] = [];
      delivery.onDidFail((f) => failures.push(f));
      const results = await delivery.deliver(CRITICAL);
      assert.deepEqual(results.map((r) => [r.sink, r.ok, r.timedOut]), [['Stubborn', false, true], ['Broken', false, false]]);
      assert.equal(failures.length, 2);
      for (const f of failures) assertNoSecret(f.message);
      delivery.dispose();
    });

    it('aborts deliveries in flight when disposed', async () => {
      receiver.mode = 'hang';
      const delivery = new AlertDelivery({ timeoutMs: 10_000 });
      delivery.setSinks([slackSink(url)]);
      const pending = delivery.deliver(CRITICAL);
      await until(() => receiver.requests.length === 1);
      const started = Date.now();
      delivery.dispose();
      const results = await pending;
      assert.ok(Date.now() - started < 2000);
      assert.equal(results[0]!.ok, false);
      await until(() => receiver.abandoned === 1);
    });
  });

  describe('a stuck sink and the routing path', () => {
    const fleet = new FakeFleet();
    before(() => fleet.start());
    after(() => fleet.close());

    it('does not slow or break routed requests, and its failure is reported', async () => {
      receiver.mode = 'hang';
      const timeoutMs = 3000;
      const delivery = new AlertDelivery({ timeoutMs });
      delivery.setSinks([slackSink(url), webhookSink(url)]);
      const failures: DeliveryFailure[] = [];
      delivery.onDidFail((f) => failures.push(f));
      // The budget alert is raised inside the router's finish step, on the request path: the
      // first answer uses up this tiny budget. `cheapest` keeps later requests going.
      const budget = new BudgetTracker({ dailyUsd: 0.000001, onExceeded: 'cheapest' });
      const budgetAlerts: Alert[] = [];
      budget.onDidAlert((alert) => {
        budgetAlerts.push(alert);
        void delivery.deliver(alert);
      });
      const config = resolveConfig({ endpoints: [{ id: 'holysheep', baseUrl: fleet.baseUrl }] });
      const router = new Router(config, () => fleet.apiKey, { budget });
      // The worst case of wiring: every model change posts an alert, synchronously inside routing.
      router.onDidChangeModel((s) => void delivery.deliver(createAlert({ severity: 'INFO', kind: 'test', model: s.model, title: 'model changed', message: s.model })));
      try {
        const started = Date.now();
        const first = await router.chat({ messages: [{ role: 'user', content: 'hi' }] });
        const second = await router.chat({ messages: [{ role: 'user', content: 'hi again' }] });
        const took = Date.now() - started;
        assert.equal(first.text, 'Hello from deepseek-v3.2.');
        assert.equal(second.text, 'Hello from deepseek-v3.2.');
        assert.ok(took < timeoutMs / 2, `two routed requests took ${took} ms beside a sink that hangs for ${timeoutMs} ms`);
        assert.equal(budgetAlerts.length, 1, 'the budget alert went out during routing');
        // The sinks really were called, and are still hanging now that both answers are in.
        await until(() => receiver.requests.length >= 4);
        assert.equal(failures.length, 0);

        await delivery.drain();
        assert.ok(failures.length >= 4, `${failures.length} failures reported`);
        assert.ok(failures.every((f) => f.timedOut && f.message.endsWith(`no answer within ${timeoutMs} ms.`)));
        assert.ok(failures.some((f) => f.alert.id === budgetAlerts[0]!.id));
        for (const f of failures) assertNoSecret(f.message);
      } finally {
        delivery.dispose();
        budget.dispose();
        await router.close();
      }
    });
  });
});
