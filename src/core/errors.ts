/** Stable error codes: the UI and the CLI switch on these, never on message text. */
export type ErrorCode =
  | 'ALL_MODELS_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'AUTH_FAILED'
  | 'BAD_REQUEST'
  | 'TIMEOUT'
  | `HTTP_${number}`
  | 'NETWORK'
  | 'STREAM_ERROR'
  | 'CANCELLED'
  | 'MAX_RETRIES'
  | 'BUDGET_EXCEEDED'
  | 'CONFIG_INVALID';

export interface RouterErrorDetails {
  status?: number;
  modelId?: string;
  endpointId?: string;
  /** How long the provider asked us to wait (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /** The settings field at fault, for CONFIG_INVALID. */
  field?: string;
  /** Answer text that had already streamed when the request failed: never thrown away. */
  partialText?: string;
  cause?: unknown;
}

export class RouterError extends Error {
  override readonly name = 'RouterError';
  readonly status?: number;
  readonly modelId?: string;
  readonly endpointId?: string;
  readonly retryAfterMs?: number;
  readonly field?: string;
  partialText?: string;

  constructor(readonly code: ErrorCode, message: string, details: RouterErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.modelId = details.modelId;
    this.endpointId = details.endpointId;
    this.retryAfterMs = details.retryAfterMs;
    this.field = details.field;
    this.partialText = details.partialText;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isRouterError(value: unknown): value is RouterError {
  return value instanceof RouterError;
}

/** The code an HTTP status maps to. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 429) return 'RATE_LIMITED';
  if (status === 401 || status === 403) return 'AUTH_FAILED';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'BAD_REQUEST';
  if (status === 408) return 'TIMEOUT';
  return `HTTP_${status}`;
}

/**
 * Whether a failed attempt should move on to the next model. The request itself being wrong
 * (BAD_REQUEST) would fail everywhere; a cancel is the user's choice; a budget stop is policy.
 * AUTH_FAILED moves on too, but skips the whole endpoint (the router handles that).
 */
export function shouldFailOver(code: ErrorCode): boolean {
  return code !== 'BAD_REQUEST' && code !== 'CANCELLED' && code !== 'BUDGET_EXCEEDED' && code !== 'CONFIG_INVALID';
}

/** Whether a failure says something about the model's health (and so feeds its breaker and error rate). */
export function countsAgainstModel(code: ErrorCode): boolean {
  return shouldFailOver(code) && code !== 'AUTH_FAILED';
}

/**
 * Replaces every occurrence of each secret in `text`. Providers sometimes echo the key back in an
 * error body ("Incorrect API key provided: sk-…"): nothing from a provider reaches a log, an event
 * or a message without passing through here.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
  }
  // Bearer tokens and well-known key shapes, even if we were not told about them.
  return out
    .replace(/(Bearer\s+)[A-Za-z0-9._\-~+/]{8,}=*/gi, '$1[redacted]')
    .replace(/\b(sk|hs)[-_][A-Za-z0-9_\-]{8,}/g, '[redacted]');
}
