/**
 * Alerts and where they go. Sinks post to Slack (Block Kit) and to a generic JSON webhook; the
 * editor is a sink too, living in the host. Delivery never blocks routing: every post is timed
 * out, failures are reported through `onDidFail`, and nothing is awaited on the request path.
 */
import { request, type Dispatcher } from 'undici';
import { Emitter, type Event } from './events';
import type { Health } from './metrics';

export type Severity = 'INFO' | 'WARNING' | 'CRITICAL';
export type AlertKind = 'degraded' | 'down' | 'disaster' | 'recovered' | 'budget' | 'test';

export interface Alert {
  id: string;
  severity: Severity;
  kind: AlertKind;
  /** Absent for fleet-wide alerts (disaster recovery, budget). */
  model?: string;
  title: string;
  message: string;
  /** Epoch ms. */
  at: number;
  status?: Health;
  errorRate?: number;
  p95LatencyMs?: number;
  /** A repeat of a condition that persists, not a new one. */
  reminder?: boolean;
}

export interface AlertSink {
  readonly name: string;
  send(alert: Alert, signal: AbortSignal): Promise<void>;
}

/**
 * The generic webhook's body (documented in the README, version 1):
 * `{ "version": 1, "source": "holysheep-router", "alert": { id, severity, kind, model, title,
 *    message, at (ISO 8601), status, errorRate, p95LatencyMs, reminder } }`
 */
export function webhookPayload(alert: Alert): Record<string, unknown> {
  return {
    version: 1,
    source: 'holysheep-router',
    alert: {
      id: alert.id,
      severity: alert.severity,
      kind: alert.kind,
      model: alert.model ?? null,
      title: alert.title,
      message: alert.message,
      at: new Date(alert.at).toISOString(),
      status: alert.status ?? null,
      errorRate: alert.errorRate ?? null,
      p95LatencyMs: alert.p95LatencyMs ?? null,
      reminder: alert.reminder ?? false,
    },
  };
}

const SEVERITY_EMOJI: Record<Severity, string> = { INFO: ':large_green_circle:', WARNING: ':warning:', CRITICAL: ':rotating_light:' };

/** Slack incoming-webhook body in Block Kit: a header with the severity, the message, the facts, the time. */
export function slackPayload(alert: Alert): Record<string, unknown> {
  const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${(n * 100).toFixed(1)} %`);
  const ms = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n)} ms`);
  return {
    text: `[${alert.severity}] ${alert.title}: ${alert.message}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${alert.severity}: ${alert.title}`.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: `${SEVERITY_EMOJI[alert.severity]} ${alert.message}` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Model*\n${alert.model ?? 'all models'}` },
          { type: 'mrkdwn', text: `*Status*\n${alert.status ?? alert.kind}` },
          { type: 'mrkdwn', text: `*Error rate*\n${pct(alert.errorRate)}` },
          { type: 'mrkdwn', text: `*p95 latency*\n${ms(alert.p95LatencyMs)}` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `HolySheep Router · <!date^${Math.floor(alert.at / 1000)}^{date_short_pretty} {time_secs}|${new Date(alert.at).toISOString()}>` }] },
    ],
  };
}

/** Posts JSON to a URL; the URL is a secret (it authorises posting), so it never appears in errors. */
export class JsonPostSink implements AlertSink {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly format: (alert: Alert) => Record<string, unknown>,
    private readonly dispatcher?: Dispatcher,
  ) {}

  async send(alert: Alert, signal: AbortSignal): Promise<void> {
    const response = await request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.format(alert)),
      signal,
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${this.name} answered HTTP ${response.statusCode}`);
    }
  }
}

export const slackSink = (url: string, dispatcher?: Dispatcher): AlertSink => new JsonPostSink('Slack', url, slackPayload, dispatcher);
export const webhookSink = (url: string, dispatcher?: Dispatcher): AlertSink => new JsonPostSink('Webhook', url, webhookPayload, dispatcher);

export interface DeliveryFailure {
  sink: string;
  alert: Alert;
  message: string;
}

/** Fans an alert out to every sink in the background, each with its own time limit. */
export class AlertDelivery {
  private readonly failed = new Emitter<DeliveryFailure>();
  readonly onDidFail: Event<DeliveryFailure> = this.failed.event;
  private sinks: AlertSink[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly timeoutMs = 5000) {}

  setSinks(sinks: AlertSink[]): void {
    this.sinks = sinks;
  }

  /** Returns at once; delivery happens in the background. */
  deliver(alert: Alert): void {
    for (const sink of this.sinks) {
      const signal = AbortSignal.timeout(this.timeoutMs);
      const done = sink.send(alert, signal).catch((error: unknown) => {
        const reason = signal.aborted ? `no answer within ${this.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
        // Messages name the sink, never its URL.
        this.failed.fire({ sink: sink.name, alert, message: `${sink.name} alert delivery failed: ${reason.replace(/https?:\/\/\S+/g, '[url]')}` });
      });
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    }
  }

  /** Waits for deliveries under way (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  dispose(): void {
    this.failed.dispose();
  }
}
