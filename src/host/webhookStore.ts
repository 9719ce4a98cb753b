/**
 * Slack and generic webhook URLs. Whoever holds such a URL can post to the channel, so they are
 * secrets: kept in SecretStorage, entered in a password box, and never logged, shown or put in a
 * message (messages name the sink, "Slack", never its URL). Reading them happens after activation;
 * the sinks of the alert delivery are set once they are read, and again when they change (in this
 * window or another).
 */
import * as vscode from 'vscode';
import { slackSink, webhookSink, type AlertSink } from '../core/alerts';
import { ConnectionPool } from '../core/transport';

export type WebhookKind = 'slack' | 'webhook';

const SECRET_NAMES: Record<WebhookKind, string> = {
  slack: 'holysheepRouter.webhook.slack',
  webhook: 'holysheepRouter.webhook.generic',
};

export const WEBHOOK_LABEL: Record<WebhookKind, string> = { slack: 'Slack webhook URL', webhook: 'alert webhook URL' };

export type WebhookCheck = { ok: true; url: string; warning?: string } | { ok: false; message: string };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Trims a pasted URL and says what is wrong with it, if anything (without repeating it). */
export function checkWebhookUrl(kind: WebhookKind, raw: string): WebhookCheck {
  const url = raw.trim();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: 'Paste the whole URL, starting with https://' };
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
    return { ok: false, message: 'The URL must start with https:// (plain http only for a receiver on this machine).' };
  }
  if (kind === 'slack' && parsed.hostname !== 'hooks.slack.com') {
    return { ok: true, url, warning: 'Slack incoming webhook URLs start with https://hooks.slack.com/services/. Press Enter to save it anyway.' };
  }
  return { ok: true, url };
}

/** The questions the store asks; tests answer them without the UI. */
export interface WebhookPrompts {
  inputUrl(kind: WebhookKind, hasUrl: boolean): Thenable<string | undefined>;
}

export function createWebhookPrompts(): WebhookPrompts {
  return {
    inputUrl(kind, hasUrl) {
      return vscode.window.showInputBox({
        title: kind === 'slack' ? 'Slack incoming webhook URL' : 'Alert webhook URL',
        prompt: `${kind === 'slack' ? 'Alerts are posted to this Slack channel (Block Kit).' : 'Alerts are POSTed here as JSON (schema v1, see the README).'} Stored in VS Code's secret storage.${hasUrl ? ' Leave empty and press Enter to remove the stored URL.' : ''}`,
        placeHolder: kind === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://…',
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => {
          if (!value.trim()) return undefined;
          const check = checkWebhookUrl(kind, value);
          if (!check.ok) return { message: check.message, severity: vscode.InputBoxValidationSeverity.Error };
          return check.warning ? { message: check.warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
        },
      });
    },
  };
}

export interface WebhookStoreDeps {
  secrets: vscode.SecretStorage;
  /** Where the sinks go. */
  delivery: { setSinks(sinks: readonly AlertSink[]): void };
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
  /** The proxy requests to Slack and webhooks go through (the router's `proxy` setting). */
  proxy: string;
  timeoutMs: number;
}

export class WebhookStore implements vscode.Disposable {
  prompts: WebhookPrompts = createWebhookPrompts();
  private readonly secrets: vscode.SecretStorage;
  private readonly deps: WebhookStoreDeps;
  private readonly pool: ConnectionPool;
  private configuredKinds: WebhookKind[] = [];
  private readonly subscription: vscode.Disposable;
  /** The latest load; `ready` settles once the stored URLs were read the first time. */
  private loading: Promise<void>;
  /** Bumped per load: a slow read that finishes after a newer one must not set stale sinks. */
  private generation = 0;
  private disposed = false;

  constructor(deps: WebhookStoreDeps) {
    this.deps = deps;
    this.secrets = deps.secrets;
    this.pool = new ConnectionPool({ proxy: deps.proxy, connectTimeoutMs: deps.timeoutMs });
    this.subscription = this.secrets.onDidChange((e) => {
      if (Object.values(SECRET_NAMES).includes(e.key)) void this.reload();
    });
    this.loading = this.load();
  }

  get ready(): Promise<void> {
    return this.loading;
  }

  /** Which URLs are stored (as of the last read). */
  get configured(): readonly WebhookKind[] {
    return this.configuredKinds;
  }

  /** The proxy or the time limit changed: new connections for the sinks. */
  updateConfig(config: { proxy: string; timeoutMs: number }): void {
    this.pool.reconfigure({ proxy: config.proxy, connectTimeoutMs: config.timeoutMs });
  }

  /** Set … Webhook URL: asks for the URL; an empty answer removes the stored one. */
  async prompt(kind: WebhookKind): Promise<void> {
    const has = (await this.secrets.get(SECRET_NAMES[kind])) !== undefined;
    const raw = await this.prompts.inputUrl(kind, has);
    if (raw === undefined) return;
    if (!raw.trim()) {
      if (has) {
        await this.clear(kind);
        void vscode.window.showInformationMessage(`Removed the ${WEBHOOK_LABEL[kind]}.`);
      }
      return;
    }
    const check = checkWebhookUrl(kind, raw);
    if (!check.ok) {
      void vscode.window.showErrorMessage(`The ${WEBHOOK_LABEL[kind]} was not saved: ${check.message}`);
      return;
    }
    await this.store(kind, check.url);
    const test = 'Send Test Alert';
    void vscode.window.showInformationMessage(`Saved the ${WEBHOOK_LABEL[kind]} in VS Code's secret storage.`, test).then((choice) => {
      if (choice === test) void vscode.commands.executeCommand('holysheepRouter.sendTestAlert');
    });
  }

  async store(kind: WebhookKind, rawUrl: string): Promise<void> {
    const check = checkWebhookUrl(kind, rawUrl);
    if (!check.ok) throw new Error(check.message);
    await this.secrets.store(SECRET_NAMES[kind], check.url);
    this.deps.log.info(`Stored the ${WEBHOOK_LABEL[kind]}.`);
    await this.reload();
  }

  async clear(kind: WebhookKind): Promise<void> {
    await this.secrets.delete(SECRET_NAMES[kind]);
    this.deps.log.info(`Removed the ${WEBHOOK_LABEL[kind]}.`);
    await this.reload();
  }

  /** Reads the stored URLs again and rebuilds the sinks. */
  reload(): Promise<void> {
    this.loading = this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    const sinks: AlertSink[] = [];
    const kinds: WebhookKind[] = [];
    for (const kind of ['slack', 'webhook'] as const) {
      let url: string | undefined;
      try {
        url = (await this.secrets.get(SECRET_NAMES[kind])) || undefined;
      } catch (error) {
        this.deps.log.warn(`Could not read the ${WEBHOOK_LABEL[kind]} from secret storage: ${error instanceof Error ? error.name : 'error'}.`);
      }
      if (!url) continue;
      try {
        sinks.push(kind === 'slack' ? slackSink(url, this.pool) : webhookSink(url, this.pool));
        kinds.push(kind);
      } catch {
        // The sink's own message names the sink, never the URL; ours says what to do.
        this.deps.log.warn(`The stored ${WEBHOOK_LABEL[kind]} is not a valid http(s) URL: set it again.`);
      }
    }
    if (this.disposed || generation !== this.generation) return;
    this.configuredKinds = kinds;
    this.deps.delivery.setSinks(sinks);
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
    this.pool.close();
  }
}
