/**
 * holysheep-router: the routing engine without the editor.
 *
 *   node dist/cli.js chat   [--config FILE] [--model auto|ID] [--quality high] [--max-tokens N] [--json] PROMPT
 *   node dist/cli.js models [--config FILE] [--json]
 *   node dist/cli.js health [--config FILE] [--json]
 *
 * Exit codes: 0 answered / healthy, 1 the routed request failed (or no model is healthy),
 * 2 usage or configuration error (a missing key included), 130 cancelled with Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveConfig, type RouterConfig } from './core/config';
import { RouterError, isRouterError, redact } from './core/errors';
import { buildHealthReport } from './core/healthReport';
import { keyVariableFor } from './core/registry';
import type { RouteEvent } from './core/routeEvents';
import { Router } from './core/router';

const USAGE = `Usage:
  holysheep-router chat   [--config FILE] [--model auto|ID] [--quality high] [--max-tokens N] [--json] PROMPT
  holysheep-router models [--config FILE] [--json]
  holysheep-router health [--config FILE] [--json]

Keys come from the environment: HOLYSHEEP_API_KEY for the default endpoint, and
<ENDPOINT_ID>_API_KEY for each other endpoint. HOLYSHEEP_BASE_URL overrides the default
endpoint's URL. PROMPT "-" (or no PROMPT with piped input) reads the prompt from stdin.`;

class UsageError extends Error {}

interface Output {
  json: boolean;
  /** Every key we know of, so nothing we print can contain one. */
  secrets: string[];
}

function line(out: Output, event: RouteEvent | Record<string, unknown>): void {
  process.stdout.write(redact(JSON.stringify(event), out.secrets) + '\n');
}

function note(out: Output, text: string): void {
  process.stderr.write(redact(text, out.secrets) + '\n');
}

function loadConfig(file: string | undefined): RouterConfig {
  let input: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new RouterError('CONFIG_INVALID', `Cannot read config file ${file}: ${(error as Error).message}`, { field: '--config' });
    }
    try {
      input = JSON.parse(text);
    } catch (error) {
      throw new RouterError('CONFIG_INVALID', `Config file ${file} is not valid JSON: ${(error as Error).message}`, { field: '--config' });
    }
  }
  return resolveConfig(input, { baseUrlOverride: process.env.HOLYSHEEP_BASE_URL || undefined });
}

/** Keys from the environment; endpoints without one are noted and skipped. No key at all is a usage error. */
function loadKeys(config: RouterConfig, out: Output): Map<string, string> {
  const keys = new Map<string, string>();
  for (const endpoint of config.endpoints) {
    const key = process.env[keyVariableFor(endpoint.id)]?.trim();
    if (key) keys.set(endpoint.id, key);
  }
  out.secrets.push(...keys.values());
  if (keys.size === 0) {
    const vars = config.endpoints.map((e) => keyVariableFor(e.id)).join(' or ');
    throw new RouterError('CONFIG_INVALID', `No API key found. Set ${vars} in the environment.`, { field: keyVariableFor(config.endpoints[0]?.id ?? 'holysheep') });
  }
  for (const endpoint of config.endpoints) {
    if (!keys.has(endpoint.id) && config.models.some((m) => m.endpoint === endpoint.id && m.enabled)) {
      note(out, `note: endpoint "${endpoint.id}" has no key (set ${keyVariableFor(endpoint.id)}); its models are skipped.`);
    }
  }
  return keys;
}

function newRouter(config: RouterConfig, keys: Map<string, string>): Router {
  return new Router(config, (id) => keys.get(id), { describeKeySource: (id) => `the ${keyVariableFor(id)} environment variable` });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function chat(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      model: { type: 'string' },
      quality: { type: 'string' },
      'max-tokens': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  out.json = values.json ?? false;
  let prompt = positionals.join(' ');
  if (prompt === '-' || (!prompt && !process.stdin.isTTY)) prompt = await readStdin();
  if (!prompt.trim()) throw new UsageError('chat needs a PROMPT.');
  const quality = values.quality;
  if (quality !== undefined && quality !== 'high' && quality !== 'standard' && quality !== 'any') {
    throw new UsageError('--quality takes high, standard or any.');
  }
  let maxTokens: number | undefined;
  if (values['max-tokens'] !== undefined) {
    maxTokens = Number(values['max-tokens']);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new UsageError('--max-tokens takes a positive whole number.');
  }
  const config = loadConfig(values.config);
  if (values.model && values.model !== 'auto' && !config.models.some((m) => m.id === values.model)) {
    throw new RouterError('CONFIG_INVALID', `Unknown model "${values.model}". Known: ${config.models.map((m) => m.id).join(', ')}.`, { field: '--model' });
  }
  const keys = loadKeys(config, out);
  const router = newRouter(config, keys);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let answeredText = false;
  try {
    await router.chat(
      { messages: [{ role: 'user', content: prompt }], maxTokens },
      {
        signal: controller.signal,
        model: values.model,
        quality: quality as 'high' | 'standard' | 'any' | undefined,
        onEvent: (event) => {
          if (out.json) {
            line(out, event);
            return;
          }
          switch (event.type) {
            case 'delta':
              answeredText = true;
              process.stdout.write(redact(event.text, out.secrets));
              break;
            case 'reasoning':
              process.stderr.write(redact(event.text, out.secrets));
              break;
            case 'failover':
              note(out, `[failover] ${event.from} → ${event.to} (${event.reason})`);
              break;
            case 'hedge':
              note(out, `[hedge] ${event.primary} is slow; racing ${event.backup}`);
              break;
            case 'done':
              if (answeredText) process.stdout.write('\n');
              note(out, `[${event.model} · ${event.latencyMs} ms · first token ${event.ttftMs} ms · ${event.usage.completionTokens}${event.usage.estimated ? '≈' : ''} tokens · $${event.costUsd.toFixed(6)}]`);
              break;
            case 'error':
              if (answeredText) process.stdout.write('\n');
              note(out, `error ${event.code}: ${event.message}`);
              break;
            case 'attempt':
              break;
          }
        },
      },
    );
    return 0;
  } catch (error) {
    // The router already reported the error as an event; only the exit code is left.
    return isRouterError(error) && error.code === 'CANCELLED' ? 130 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await router.close();
  }
}

async function models(args: string[], out: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  out.json = values.json ?? false;
  const config = loadConfig(values.config);
  if (out.json) {
    line(out, { models: config.models, endpoints: config.endpoints });
    return 0;
  }
  const rows = config.models.map((m) => [
    m.id, m.endpoint, m.tier, `$${m.inputPricePerMTok.toFixed(2)}`, `$${m.outputPricePerMTok.toFixed(2)}`,
    `$${m.officialOutputPricePerMTok.toFixed(2)}`, m.enabled ? 'yes' : 'no',
  ]);
  printTable(['model', 'endpoint', 'tier', 'in $/M', 'out $/M', 'official out $/M', 'enabled'], rows);
  return 0;
}

async function health(args: string[], out: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  out.json = values.json ?? false;
  const config = loadConfig(values.config);
  const keys = loadKeys(config, out);
  const router = newRouter(config, keys);
  try {
    const probes = await router.probe();
    // The extension's exported report has the same shape; the CLI has no monitor history or budget.
    const report = buildHealthReport(router.snapshot(), Date.now(), { probes });
    if (out.json) {
      line(out, { ...report });
    } else {
      for (const p of probes) note(out, `${p.endpoint}: ${p.ok ? `up (HTTP ${p.status}, ${p.latencyMs} ms, ${p.models.length} models listed)` : `DOWN ${p.code}: ${p.message}`}`);
      printTable(
        ['model', 'status', 'endpoint', 'latency', 'breaker', 'enabled'],
        Object.entries(report.models).map(([id, m]) => [id, m.status, m.endpoint, `${m.avg_latency_ms} ms`, m.breaker_state, m.enabled ? 'yes' : 'no']),
      );
      const s = report.summary;
      process.stdout.write(`${s.healthy_models} healthy, ${s.degraded_models} degraded, ${s.down_models} down\n`);
    }
    return report.summary.healthy_models > 0 ? 0 : 1;
  } finally {
    await router.close();
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([format(header), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format)].join('\n') + '\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out: Output = { json: rest.includes('--json'), secrets: [] };
  try {
    switch (command) {
      case 'chat':
        return await chat(rest, out);
      case 'models':
        return await models(rest, out);
      case 'health':
        return await health(rest, out);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (isRouterError(error)) {
      if (out.json) line(out, { type: 'error', code: error.code, message: error.message });
      else note(out, `error ${error.code}: ${error.message}`);
      return error.code === 'CONFIG_INVALID' ? 2 : 1;
    }
    // parseArgs and our own usage checks.
    const message = error instanceof Error ? error.message : String(error);
    if (out.json) line(out, { type: 'error', code: 'CONFIG_INVALID', message: `${message} See --help.` });
    else note(out, `${message}\n\n${USAGE}`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    // Let stdout drain instead of process.exit(), so piped --json output is never cut short.
    process.exitCode = code;
  });
}
