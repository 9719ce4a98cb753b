/**
 * Alerts and where they go. Sinks post to Slack (Block Kit) and to a generic JSON webhook; the
 * editor is a sink too, living in the host. Delivery never blocks routing: every post is timed
 * out and aborted, failures are reported through `onDidFail` and never thrown, and nothing on the
 * request path awaits a delivery.
 *
 * A webhook URL is a secret (whoever holds it can post to the channel): it is never put in an
 * error message, an event or a log line. Messages name the sink ("Slack"), not its URL.
 */
import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { RouterError, redact } from './errors';
import { Emitter, type Disposable, type Event } from './events';
import type { Health } from './metrics';
import { undici, type ConnectionPool } from './transport';

export type Severity = 'INFO' | 'WARNING' | 'CRITICAL';
export type AlertKind = 'degraded' | 'down' | 'disaster' | 'recovered' | 'budget' | 'test';

export interface Alert {
  /** Unique per alert (a reminder has its own id): receivers can de-duplicate on it. */
  id: string;
  severity: Severity;
  kind: AlertKind;
  /** Absent for fleet-wide alerts (disaster recovery, budget, test). */
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
  /** On a recovery that ends an outage: the outage. */
  downtime?: { reason: string; start: number; end: number; durationMs: number };
  /** On budget alerts. */
  budget?: { day: string; spentUsd: number; limitUsd: number; onExceeded: 'refuse' | 'cheapest' };
}

/** Builds an alert with a fresh id. */
export function createAlert(fields: Omit<Alert, 'id' | 'at'> & { at?: number }): Alert {
  return { ...fields, id: randomUUID(), at: fields.at ?? Date.now() };
}

export interface AlertSink {
  /** Shown in failure reports and logs: never the URL. */
  readonly name: string;
  /** Rejects on failure; must give up when `signal` aborts. */
  send(alert: Alert, signal: AbortSignal): Promise<void>;
}

/** The version of the generic webhook body below. Bumped only for a breaking change. */
export const WEBHOOK_SCHEMA_VERSION = 1;

/**
 * The generic webhook body, version 1 (documented in the README). `POST`, `content-type:
 * application/json`; any 2xx answer is a delivery, anything else (or no answer within
 * `alerts.timeoutMs`) a failure, which is reported and not retried. New optional fields may be
 * added within a version; a field is never removed or retyped without bumping `version`.
 *
 * ```
 * {
 *   "version": 1,
 *   "source": "holysheep-router",
 *   "alert": {
 *     "id": string,                 // UUID, unique per alert; reminders get their own
 *     "severity": "INFO" | "WARNING" | "CRITICAL",
 *     "kind": "degraded" | "down" | "disaster" | "recovered" | "budget" | "test",
 *     "model": string | null,       // null for fleet-wide alerts (disaster, budget, test)
 *     "title": string,
 *     "message": string,
 *     "at": string,                 // ISO 8601, UTC
 *     "status": "healthy" | "degraded" | "down" | null,
 *     "errorRate": number | null,   // 0..1, over the model's recent requests
 *     "p95LatencyMs": number | null,
 *     "reminder": boolean,          // true: a condition already reported still holds
 *     "downtime": { "reason": string, "start": string, "end": string, "durationMs": number } | null,
 *     "budget": { "day": "YYYY-MM-DD", "spentUsd": number, "limitUsd": number,
 *                 "onExceeded": "refuse" | "cheapest" } | null
 *   }
 * }
 * ```
 */
export function webhookPayload(alert: Alert): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    version: WEBHOOK_SCHEMA_VERSION,
    source: 'holysheep-router',
    alert: {
      id: alert.id,
      severity: alert.severity,
      kind: alert.kind,
      model: alert.model ?? null,
      title: alert.title,
      message: alert.message,
      at: iso(alert.at),
      status: alert.status ?? null,
      errorRate: alert.errorRate ?? null,
      p95LatencyMs: alert.p95LatencyMs === undefined ? null : Math.round(alert.p95LatencyMs),
      reminder: alert.reminder ?? false,
      downtime: alert.downtime
        ? { reason: alert.downtime.reason, start: iso(alert.downtime.start), end: iso(alert.downtime.end), durationMs: alert.downtime.durationMs }
        : null,
      budget: alert.budget ? { ...alert.budget } : null,
    },
  };
}

const SEVERITY_EMOJI: Record<Severity, string> = { INFO: ':large_green_circle:', WARNING: ':warning:', CRITICAL: ':rotating_light:' };

/** Slack's mrkdwn treats these three as control characters. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack incoming-webhook body in Block Kit: a header with the severity and title, the message, a
 * fields section (model, status, error rate, p95 latency, time), and `text` as the notification
 * fallback.
 */
export function slackPayload(alert: Alert): Record<string, unknown> {
  const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${(n * 100).toFixed(1)} %`);
  const ms = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n)} ms`);
  const iso = new Date(alert.at).toISOString();
  const severity = alert.reminder ? `${alert.severity} (reminder)` : alert.severity;
  return {
    text: slackEscape(`[${severity}] ${alert.title}: ${alert.message}`).slice(0, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${severity}: ${alert.title}`.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: `${SEVERITY_EMOJI[alert.severity]} ${slackEscape(alert.message)}`.slice(0, 3000) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Model*\n${slackEscape(alert.model ?? 'all models')}` },
          { type: 'mrkdwn', text: `*Status*\n${alert.status ?? alert.kind}` },
          { type: 'mrkdwn', text: `*Error rate*\n${pct(alert.errorRate)}` },
          { type: 'mrkdwn', text: `*p95 latency*\n${ms(alert.p95LatencyMs)}` },
          // Slack renders the date token in the reader's time zone; the ISO text is the fallback.
          { type: 'mrkdwn', text: `*Time*\n<!date^${Math.floor(alert.at / 1000)}^{date_short_pretty} {time_secs}|${iso}>` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `HolySheep Router · ${alert.kind} · ${iso}` }] },
    ],
  };
}

const MAX_ERROR_TEXT = 200;

/** Posts JSON to a URL. The URL is a secret (it authorises posting), so it never appears in errors. */
export class JsonPostSink implements AlertSink {
  private readonly secrets: string[];

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly format: (alert: Alert) => Record<string, unknown>,
    private readonly pool?: ConnectionPool,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RouterError('CONFIG_INVALID', `The ${name} webhook URL is not a valid URL. Set it again.`, { field: name });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new RouterError('CONFIG_INVALID', `The ${name} webhook URL must use https. Set it again.`, { field: name });
    }
    // Slack's secret is the path (/services/T…/B…/…); a generic webhook may carry a token in the query.
    this.secrets = [url, parsed.pathname + parsed.search, parsed.search.slice(1)].filter((s) => s.length >= 4 && s !== '/');
  }

  async send(alert: Alert, signal: AbortSignal): Promise<void> {
    let response: Dispatcher.ResponseData;
    try {
      response = await undici().request(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'holysheep-router' },
        body: JSON.stringify(this.format(alert)),
        signal,
        ...(this.pool ? { dispatcher: this.pool.dispatcher } : {}),
      });
    } catch (error) {
      const code = (error as { code?: string } | undefined)?.code;
      throw new Error(this.clean(`${this.name}: ${code ?? (error instanceof Error ? error.message : String(error))}`));
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      await response.body.dump();
      return;
    }
    let said = '';
    try {
      said = (await response.body.text()).trim().slice(0, MAX_ERROR_TEXT);
    } catch {
      // The status says enough.
    }
    throw new Error(this.clean(`${this.name} answered HTTP ${response.statusCode}${said ? `: ${said}` : ''}`));
  }

  private clean(text: string): string {
    return redact(text, this.secrets).replace(/https?:\/\/\S+/g, '[url]');
  }
}

export const slackSink = (url: string, pool?: ConnectionPool): AlertSink => new JsonPostSink('Slack', url, slackPayload, pool);
export const webhookSink = (url: string, pool?: ConnectionPool): AlertSink => new JsonPostSink('Webhook', url, webhookPayload, pool);

export interface DeliveryFailure {
  sink: string;
  alert: Alert;
  /** Names the sink and what went wrong; never a URL. */
  message: string;
  timedOut: boolean;
}

export interface DeliveryResult {
  sink: string;
  ok: boolean;
  durationMs: number;
  message?: string;
  timedOut?: boolean;
}

export const DEFAULT_ALERT_TIMEOUT_MS = 5000;

/**
 * Fans an alert out to every sink in the background, each with its own time limit. `deliver`
 * never rejects: a failure (an error, a non-2xx answer, no answer in time) is reported through
 * `onDidFail` and in the returned results. Callers on the routing path use `void deliver(...)`.
 */
export class AlertDelivery implements Disposable {
  private readonly failed = new Emitter<DeliveryFailure>();
  private readonly delivered = new Emitter<{ sink: string; alert: Alert; durationMs: number }>();
  readonly onDidFail: Event<DeliveryFailure> = this.failed.event;
  readonly onDidDeliver: Event<{ sink: string; alert: Alert; durationMs: number }> = this.delivered.event;
  private sinks: AlertSink[] = [];
  private timeoutMs: number;
  private readonly inFlight = new Set<Promise<DeliveryResult>>();
  private readonly controllers = new Set<AbortController>();
  private disposed = false;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ALERT_TIMEOUT_MS;
  }

  setSinks(sinks: readonly AlertSink[]): void {
    this.sinks = [...sinks];
  }

  get sinkNames(): string[] {
    return this.sinks.map((s) => s.name);
  }

  updateConfig(config: { timeoutMs: number }): void {
    this.timeoutMs = config.timeoutMs;
  }

  /** Starts delivery to every sink and returns at once; the promise settles when all are done, and never rejects. */
  deliver(alert: Alert): Promise<DeliveryResult[]> {
    if (this.disposed) return Promise.resolve([]);
    return Promise.all(this.sinks.map((sink) => this.track(this.sendOne(sink, alert))));
  }

  private track(done: Promise<DeliveryResult>): Promise<DeliveryResult> {
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    return done;
  }

  private async sendOne(sink: AlertSink, alert: Alert): Promise<DeliveryResult> {
    const started = Date.now();
    const timeoutMs = this.timeoutMs;
    const controller = new AbortController();
    this.controllers.add(controller);
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced as well as signalled: a sink that ignores its signal still cannot hold delivery up.
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`${sink.name}: no answer within ${timeoutMs} ms`));
        resolve('timeout');
      }, timeoutMs);
      timer.unref?.();
    });
    try {
      const sent = (async () => sink.send(alert, controller.signal))();
      sent.catch(() => undefined);
      const outcome = await Promise.race([sent.then(() => 'sent' as const), timeout]);
      if (outcome === 'timeout') return this.fail(sink, alert, started, `${sink.name} alert delivery failed: no answer within ${timeoutMs} ms.`, true);
      this.delivered.fire({ sink: sink.name, alert, durationMs: Date.now() - started });
      return { sink: sink.name, ok: true, durationMs: Date.now() - started };
    } catch (error) {
      const timedOut = controller.signal.aborted && !this.disposed;
      const reason = timedOut ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
      // Sinks clean their own messages; a URL that slipped through is cut here all the same.
      return this.fail(sink, alert, started, `${sink.name} alert delivery failed: ${reason.replace(/https?:\/\/\S+/g, '[url]')}`, timedOut);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private fail(sink: AlertSink, alert: Alert, started: number, message: string, timedOut: boolean): DeliveryResult {
    this.failed.fire({ sink: sink.name, alert, message, timedOut });
    return { sink: sink.name, ok: false, durationMs: Date.now() - started, message, timedOut };
  }

  /** Waits for deliveries under way (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Aborts deliveries under way. */
  dispose(): void {
    this.disposed = true;
    for (const controller of this.controllers) controller.abort(new Error('Alert delivery stopped.'));
    this.failed.dispose();
    this.delivered.dispose();
  }
}
