/**
 * The line under each answer: who answered, how the request got there (failovers), how long it
 * took, how many tokens, what it cost and what it saved against the official price.
 */
import type { AnswerEntry, FailoverStepView } from '../shared/protocol';
import { formatCount, formatUsd } from '../shared/format';
import { icon } from './icons';

/** The engine's error codes as a person reads them in a failover path. */
export function reasonLabel(code: string): string {
  const http = /^HTTP_(\d{3})$/.exec(code);
  if (http) return `HTTP\u00a0${http[1]}`;
  switch (code) {
    case 'RATE_LIMITED': return 'HTTP\u00a0429';
    case 'AUTH_FAILED': return 'key refused';
    case 'TIMEOUT': return 'timeout';
    case 'NETWORK': return 'network error';
    case 'STREAM_ERROR': return 'stream error';
    case 'BAD_REQUEST': return 'bad request';
    case 'ALL_MODELS_UNAVAILABLE': return 'unavailable';
    case 'MAX_RETRIES': return 'retries exhausted';
    case 'CANCELLED': return 'cancelled';
    default: return code.toLowerCase().replace(/_/g, ' ');
  }
}

/** "gpt-4.1 → deepseek-v3.2 · HTTP 429"; longer chains list each hop's reason in order. */
export function failoverPath(steps: readonly FailoverStepView[]): string {
  if (steps.length === 0) return '';
  const models: string[] = [];
  for (const step of steps) {
    if (models[models.length - 1] !== step.from) models.push(step.from);
    models.push(step.to);
  }
  return `${models.join(' → ')} · ${steps.map((s) => reasonLabel(s.reason)).join(', ')}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

interface FooterPart {
  className: string;
  text: string;
  title?: string;
}

function footerParts(entry: AnswerEntry): FooterPart[] {
  const parts: FooterPart[] = [];
  if (entry.status === 'stopped') parts.push({ className: 'footer-status', text: 'Stopped' });
  if (entry.status === 'failed') parts.push({ className: 'footer-status footer-failed', text: 'Failed' });
  if (entry.model) {
    parts.push({ className: 'footer-model', text: entry.model, title: entry.stats ? `Answered by ${entry.model} via ${entry.stats.endpoint}` : `Last tried: ${entry.model}` });
  }
  if (entry.failovers.length > 0) {
    parts.push({ className: 'footer-failover', text: failoverPath(entry.failovers), title: 'Failover path: the models tried before this one, and why each was left' });
  }
  if (entry.hedged) parts.push({ className: 'footer-hedged', text: 'hedged', title: 'A slow first token started a second model beside the first; the faster one answered' });
  const stats = entry.stats;
  if (stats) {
    parts.push({ className: 'footer-latency', text: formatDuration(stats.latencyMs), title: `First token after ${formatDuration(stats.ttftMs)}; whole answer in ${formatDuration(stats.latencyMs)}` });
    const tokens = stats.promptTokens + stats.completionTokens;
    parts.push({
      className: stats.tokensEstimated ? 'footer-tokens footer-estimated' : 'footer-tokens',
      text: stats.tokensEstimated ? `~${formatCount(tokens)} tokens (est.)` : `${formatCount(tokens)} tokens`,
      title: `${formatCount(stats.promptTokens)} in, ${formatCount(stats.completionTokens)} out${stats.tokensEstimated ? ' — estimated from the text: the provider sent no usage' : ''}`,
    });
    const official = stats.officialCostUsd > stats.costUsd ? ` (official price ${formatUsd(stats.officialCostUsd)})` : '';
    const estimated = stats.tokensEstimated ? ', estimated' : '';
    parts.push({ className: 'footer-cost', text: formatUsd(stats.costUsd), title: `Cost of this answer${official}${estimated}` });
    const saving = savingOf(stats.costUsd, stats.officialCostUsd);
    if (saving) {
      parts.push({
        className: 'footer-saved',
        text: `saved ${formatUsd(saving.usd)} (${saving.percent} %)`,
        title: `The same tokens at ${entry.model ?? 'the model'}'s official price would have cost ${formatUsd(stats.officialCostUsd)}${estimated}`,
      });
    }
  } else if (entry.elapsedMs !== undefined) {
    parts.push({ className: 'footer-latency', text: formatDuration(entry.elapsedMs) });
  }
  if (entry.budgetNote) parts.push({ className: 'footer-budget', text: 'budget: cheapest model only', title: entry.budgetNote });
  return parts;
}

/** What the answer saved against the official price; undefined when it saved nothing. */
export function savingOf(costUsd: number, officialCostUsd: number): { usd: number; percent: number } | undefined {
  const usd = officialCostUsd - costUsd;
  if (!(usd > 0) || !(officialCostUsd > 0)) return undefined;
  return { usd, percent: Math.round((usd / officialCostUsd) * 100) };
}

/**
 * Fills `footer` for a finished answer (stopped and failed ones included): a line of figures, and
 * the failover path on a line of its own, so a long path never splits the figures.
 */
export function renderFooter(footer: HTMLElement, entry: AnswerEntry): void {
  const parts = footerParts(entry);
  const line = (className: string, items: FooterPart[]): HTMLElement => {
    const row = document.createElement('div');
    row.className = className;
    row.append(...items.map((part) => {
      const span = document.createElement('span');
      span.className = `footer-part ${part.className}`;
      span.textContent = part.text;
      if (part.title) span.title = part.title;
      return span;
    }));
    return row;
  };
  const route = parts.filter((p) => p.className === 'footer-failover');
  const figures = parts.filter((p) => p.className !== 'footer-failover');
  const rows = [line('footer-figures', figures)];
  if (route.length > 0) {
    const row = line('footer-route', route);
    row.prepend(icon('route'));
    rows.push(row);
  }
  footer.replaceChildren(...rows);
  footer.hidden = parts.length === 0;
}
