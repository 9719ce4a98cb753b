/**
 * API keys: one per endpoint, in SecretStorage only. The router asks for them through `lookup`;
 * a key goes out only to the URL the user configured (or one they confirmed once), and never
 * reaches a log line, a setting or a message.
 */
import * as vscode from 'vscode';
import type { KeyLookup } from '../core/chat';
import { DEFAULT_ENDPOINT_ID } from '../core/registry';
import type { EndpointDirectory } from './settings';

const SECRET_PREFIX = 'holysheepRouter.key.';
const ALLOWED_ORIGINS_STATE = 'holysheepRouter.allowedKeyOrigins';

export function secretNameFor(endpointId: string): string {
  return `${SECRET_PREFIX}${endpointId}`;
}

/** The fake fleet `npm start` runs, used while the user has no key of their own for the relay. */
export interface DemoEnvironment {
  baseUrl: string;
  key: string;
}

export function readDemoEnvironment(env: NodeJS.ProcessEnv): DemoEnvironment | undefined {
  const baseUrl = env.HOLYSHEEP_ROUTER_DEMO_URL?.trim();
  const key = env.HOLYSHEEP_ROUTER_DEMO_KEY?.trim();
  return baseUrl && key ? { baseUrl, key } : undefined;
}

export type KeyCheck =
  | { ok: true; key: string; warning?: string }
  | { ok: false; message: string };

/** Trims a pasted key and says what is wrong with it, if anything. */
export function checkKey(endpointId: string, raw: string): KeyCheck {
  const key = raw.trim();
  if (!key) return { ok: false, message: 'Paste the API key (it is not shown as you type).' };
  if (/\s/.test(key)) return { ok: false, message: 'An API key has no spaces or line breaks: paste just the key.' };
  if (endpointId === DEFAULT_ENDPOINT_ID && !key.startsWith('hs_')) {
    return { ok: true, key, warning: 'HolySheep keys usually start with "hs_". Press Enter to save it anyway.' };
  }
  return { ok: true, key };
}

export interface EndpointChoice {
  id: string;
  baseUrl: string;
  hasKey: boolean;
}

/** Every question the key store asks the user; tests answer them without the UI. */
export interface KeyPrompts {
  pickEndpoint(choices: readonly EndpointChoice[], purpose: 'set' | 'clear'): Thenable<string | undefined>;
  inputKey(endpoint: EndpointChoice): Thenable<string | undefined>;
  confirmClear(endpointId: string): Thenable<boolean>;
  confirmOrigin(endpointId: string, origin: string): Thenable<boolean>;
}

export function createKeyPrompts(): KeyPrompts {
  return {
    async pickEndpoint(choices, purpose) {
      const picked = await vscode.window.showQuickPick(
        choices.map((c) => ({ label: c.id, description: c.baseUrl, detail: c.hasKey ? '$(key) key stored' : 'no key yet', id: c.id })),
        { title: purpose === 'set' ? 'Set API Key: which endpoint?' : 'Clear API Key: which endpoint?', placeHolder: 'Each endpoint has its own key' },
      );
      return picked?.id;
    },
    inputKey(endpoint) {
      return vscode.window.showInputBox({
        title: `API key for ${endpoint.id}`,
        prompt: `Used only for requests to ${endpoint.baseUrl}. Stored in VS Code's secret storage, never in settings.`,
        placeHolder: endpoint.id === DEFAULT_ENDPOINT_ID ? 'hs_…' : 'Paste the key',
        password: true,
        // A pasted key must survive a click elsewhere (to copy it from a browser, say).
        ignoreFocusOut: true,
        validateInput: (value) => {
          const check = checkKey(endpoint.id, value);
          if (!check.ok) return { message: check.message, severity: vscode.InputBoxValidationSeverity.Error };
          return check.warning ? { message: check.warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
        },
      });
    },
    async confirmClear(endpointId) {
      const remove = 'Remove Key';
      const choice = await vscode.window.showWarningMessage(
        `Remove the stored API key of endpoint "${endpointId}"?`,
        { modal: true, detail: 'Requests to that endpoint stop until you set a key again.' },
        remove,
      );
      return choice === remove;
    },
    async confirmOrigin(endpointId, origin) {
      const allow = 'Allow';
      const choice = await vscode.window.showWarningMessage(
        `Send your "${endpointId}" API key to ${origin}?`,
        {
          modal: true,
          detail: `This workspace's settings point endpoint "${endpointId}" at ${origin}, which is not the address in your user settings. Allow only if you trust that server: it will receive your key with every request. Your answer is remembered for this address.`,
        },
        allow,
        'Deny',
      );
      return choice === allow;
    },
  };
}

export interface KeyStoreDeps {
  secrets: vscode.SecretStorage;
  /** Remembers the origins the user allowed a key to go to. */
  globalState: vscode.Memento;
  endpoints: EndpointDirectory;
  log: vscode.LogOutputChannel;
  demo?: DemoEnvironment;
  prompts?: KeyPrompts;
}

export class KeyStore implements vscode.Disposable {
  private readonly secrets: vscode.SecretStorage;
  private readonly globalState: vscode.Memento;
  private readonly endpoints: EndpointDirectory;
  private readonly log: vscode.LogOutputChannel;
  private readonly demo: DemoEnvironment | undefined;
  /** Replaceable so integration tests can answer the prompts; the real ones use the editor's UI. */
  prompts: KeyPrompts;
  /** Keys read from SecretStorage; a missing entry means "not read yet", `undefined` means "none stored". */
  private readonly cache = new Map<string, string | undefined>();
  /** Origins denied in this session: asked once, not on every request. */
  private readonly deniedOrigins = new Set<string>();
  private readonly pendingConsent = new Map<string, Promise<boolean>>();
  private demoActive = false;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;

  /** Fires when a key was stored or removed (in this window or another), or demo mode changed. */
  readonly onDidChange = this.changed.event;
  /** Settles once stored keys have been looked at and demo mode is known. */
  readonly ready: Promise<void>;

  constructor(deps: KeyStoreDeps) {
    this.secrets = deps.secrets;
    this.globalState = deps.globalState;
    this.endpoints = deps.endpoints;
    this.log = deps.log;
    this.demo = deps.demo;
    this.prompts = deps.prompts ?? createKeyPrompts();
    this.subscription = this.secrets.onDidChange((e) => {
      if (!e.key.startsWith(SECRET_PREFIX)) return;
      this.cache.delete(e.key.slice(SECRET_PREFIX.length));
      void this.refreshDemo().then(() => this.changed.fire());
    });
    this.ready = this.refreshDemo().then((changed) => {
      if (changed) this.changed.fire();
    });
  }

  /** True while the relay runs against the demo fleet because the user has no key of their own. */
  get isDemo(): boolean {
    return this.demoActive;
  }

  get demoBaseUrl(): string | undefined {
    return this.demoActive ? this.demo?.baseUrl : undefined;
  }

  /** For the Router: the key to send to an endpoint now, or undefined to skip that endpoint. */
  readonly lookup: KeyLookup = (endpointId) => this.keyFor(endpointId);

  async hasKey(endpointId: string): Promise<boolean> {
    return (await this.storedKey(endpointId)) !== undefined;
  }

  /** Whether a chat could be sent: demo mode, or a key for at least one configured endpoint. */
  async hasUsableKey(): Promise<boolean> {
    await this.ready;
    if (this.demoActive) return true;
    for (const id of this.endpoints.endpointIds) if (await this.hasKey(id)) return true;
    return false;
  }

  /** Set API Key: asks which endpoint (when there are several) and the key, then stores it. */
  async promptForKey(endpointId?: string): Promise<void> {
    const id = endpointId ?? (await this.pickEndpoint('set'));
    if (!id) return;
    const choice = await this.choiceFor(id);
    const raw = await this.prompts.inputKey(choice);
    if (raw === undefined) return;
    const check = checkKey(id, raw);
    if (!check.ok) {
      void vscode.window.showErrorMessage(`The key was not saved: ${check.message}`);
      return;
    }
    await this.store(id, check.key);
    if (check.warning) {
      void vscode.window.showWarningMessage(`Saved the key for "${id}", but it does not start with "hs_". If requests are refused, run "HolySheep Router: Set API Key" again.`);
    } else {
      void vscode.window.showInformationMessage(`Saved the API key for "${id}" in VS Code's secret storage.`);
    }
  }

  /** Clear API Key: asks which endpoint's key (when several are stored), confirms, removes it. */
  async promptToClear(endpointId?: string): Promise<void> {
    let id = endpointId;
    if (!id) {
      const stored = await this.endpointsWithKeys();
      if (stored.length === 0) {
        void vscode.window.showInformationMessage('No API key is stored, so there is nothing to clear.');
        return;
      }
      id = stored.length === 1 ? stored[0] : await this.pickEndpoint('clear');
    }
    if (!id || !(await this.prompts.confirmClear(id))) return;
    await this.delete(id);
    void vscode.window.showInformationMessage(`Removed the API key of "${id}".`);
  }

  async store(endpointId: string, rawKey: string): Promise<void> {
    const check = checkKey(endpointId, rawKey);
    if (!check.ok) throw new Error(check.message);
    await this.secrets.store(secretNameFor(endpointId), check.key);
    this.cache.set(endpointId, check.key);
    this.log.info(`Stored the API key of endpoint "${endpointId}".`);
    await this.refreshDemo();
    this.changed.fire();
  }

  async delete(endpointId: string): Promise<void> {
    await this.secrets.delete(secretNameFor(endpointId));
    this.cache.set(endpointId, undefined);
    this.log.info(`Removed the API key of endpoint "${endpointId}".`);
    await this.refreshDemo();
    this.changed.fire();
  }

  private async keyFor(endpointId: string): Promise<string | undefined> {
    await this.ready;
    if (this.demoActive && this.demo && endpointId === DEFAULT_ENDPOINT_ID) return this.demo.key;
    const key = await this.storedKey(endpointId);
    if (!key) return undefined;
    const effective = this.endpoints.effectiveBaseUrl(endpointId);
    if (!effective) return undefined;
    const trusted = this.endpoints.trustedBaseUrl(endpointId);
    if (trusted && originOf(trusted) === originOf(effective)) return key;
    return (await this.originAllowed(endpointId, originOf(effective))) ? key : undefined;
  }

  /** Asks once per endpoint and origin; concurrent requests share the one question. */
  private originAllowed(endpointId: string, origin: string): Promise<boolean> {
    const id = `${endpointId} ${origin}`;
    if (this.globalState.get<string[]>(ALLOWED_ORIGINS_STATE, []).includes(id)) return Promise.resolve(true);
    if (this.deniedOrigins.has(id)) return Promise.resolve(false);
    let pending = this.pendingConsent.get(id);
    if (!pending) {
      pending = Promise.resolve(this.prompts.confirmOrigin(endpointId, origin)).then(async (allowed) => {
        this.pendingConsent.delete(id);
        if (allowed) {
          await this.globalState.update(ALLOWED_ORIGINS_STATE, [...this.globalState.get<string[]>(ALLOWED_ORIGINS_STATE, []), id]);
          this.log.info(`Allowed the key of endpoint "${endpointId}" to go to ${origin}.`);
        } else {
          this.deniedOrigins.add(id);
          this.log.warn(`Did not send the key of endpoint "${endpointId}" to ${origin} (not allowed); that endpoint is skipped until the window reloads.`);
        }
        return allowed;
      });
      this.pendingConsent.set(id, pending);
    }
    return pending;
  }

  private async storedKey(endpointId: string): Promise<string | undefined> {
    if (this.cache.has(endpointId)) return this.cache.get(endpointId);
    const key = (await this.secrets.get(secretNameFor(endpointId))) || undefined;
    this.cache.set(endpointId, key);
    return key;
  }

  private async endpointsWithKeys(): Promise<string[]> {
    const ids: string[] = [];
    for (const id of this.endpoints.endpointIds) if (await this.hasKey(id)) ids.push(id);
    return ids;
  }

  private async choiceFor(endpointId: string): Promise<EndpointChoice> {
    return {
      id: endpointId,
      baseUrl: this.endpoints.trustedBaseUrl(endpointId) ?? this.endpoints.effectiveBaseUrl(endpointId) ?? '(not configured)',
      hasKey: await this.hasKey(endpointId),
    };
  }

  private async pickEndpoint(purpose: 'set' | 'clear'): Promise<string | undefined> {
    const ids = purpose === 'clear' ? await this.endpointsWithKeys() : [...this.endpoints.endpointIds];
    if (ids.length <= 1) return ids[0];
    const choices = await Promise.all(ids.map((id) => this.choiceFor(id)));
    return this.prompts.pickEndpoint(choices, purpose);
  }

  /** Re-evaluates demo mode; true when it changed. */
  private async refreshDemo(): Promise<boolean> {
    const active = this.demo !== undefined && !(await this.hasKey(DEFAULT_ENDPOINT_ID));
    if (active === this.demoActive) return false;
    this.demoActive = active;
    this.log.info(active
      ? `Demo mode: the "${DEFAULT_ENDPOINT_ID}" endpoint uses the demo fleet at ${this.demo?.baseUrl} until you set your own key.`
      : 'Demo mode ended: your own key is used.');
    return true;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
