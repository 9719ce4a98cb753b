import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeFleet, RELAY_MODELS } from '../fixtures/fleet';

/** The CLI as a subprocess, end to end through real HTTP to the fleet. */
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  events: { type: string; [key: string]: unknown }[];
}

function runCli(args: string[], env: Record<string, string | undefined>, options: { onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const events = args.includes('--json') ? stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
      resolve({ code, stdout, stderr, events });
    });
  });
}

describe('CLI', function () {
  this.timeout(30_000);
  const fleet = new FakeFleet();
  let env: Record<string, string>;
  let dir: string;

  before(async () => {
    const baseUrl = await fleet.start();
    env = { HOLYSHEEP_BASE_URL: baseUrl, HOLYSHEEP_API_KEY: fleet.apiKey };
    dir = mkdtempSync(join(tmpdir(), 'hs-cli-'));
  });
  after(async () => {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => fleet.reset());

  it('chat --json prints attempt, deltas and exactly one done, last', async () => {
    const run = await runCli(['chat', '--json', 'Say hello'], env);
    assert.equal(run.code, 0, run.stderr);
    const types = run.events.map((e) => e.type);
    assert.equal(types[0], 'attempt');
    assert.equal(types.filter((t) => t === 'done').length, 1);
    assert.equal(types.at(-1), 'done');
    const text = run.events.filter((e) => e.type === 'delta').map((e) => e.text).join('');
    assert.equal(text, 'Hello from deepseek-v3.2.');
    const done = run.events.at(-1)!;
    assert.equal(done.model, 'deepseek-v3.2');
    assert.equal(done.endpoint, 'holysheep');
    assert.deepEqual(Object.keys(done.usage as object).sort(), ['completionTokens', 'estimated', 'promptTokens']);
    for (const field of ['costUsd', 'latencyMs', 'ttftMs']) assert.equal(typeof done[field], 'number', field);
  });

  it('reports a failover and answers from the next model', async () => {
    fleet.script('deepseek-v3.2', { status: 429, retryAfter: '30' });
    const run = await runCli(['chat', '--json', 'hi'], env);
    assert.equal(run.code, 0, run.stderr);
    const failover = run.events.find((e) => e.type === 'failover');
    assert.deepEqual(failover, { type: 'failover', from: 'deepseek-v3.2', to: 'gemini-2.5-flash', reason: 'RATE_LIMITED' });
    assert.equal(run.events.at(-1)!.model, 'gemini-2.5-flash');
  });

  it('streams plain text to stdout and routing notes to stderr', async () => {
    fleet.script('deepseek-v3.2', { status: 503 });
    const run = await runCli(['chat', 'hi'], env);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, 'Hello from gemini-2.5-flash.\n');
    assert.match(run.stderr, /failover\] deepseek-v3\.2 → gemini-2\.5-flash \(HTTP_503\)/);
  });

  it('exits 1 with the error as the last line when every model fails', async () => {
    for (const model of RELAY_MODELS) fleet.setDefault(model, { status: 503 });
    const config = join(dir, 'fast-retry.json');
    writeFileSync(config, JSON.stringify({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }));
    const run = await runCli(['chat', '--json', '--config', config, 'hi'], env);
    assert.equal(run.code, 1);
    const last = run.events.at(-1)!;
    assert.equal(last.type, 'error');
    assert.equal(last.code, 'MAX_RETRIES');
    assert.equal(run.events.filter((e) => e.type === 'done').length, 0);
  });

  it('names the endpoint and its variable on AUTH_FAILED, and never prints the key', async () => {
    const badKey = 'hs_live_this_is_the_users_secret_key_42';
    const run = await runCli(['chat', '--json', 'hi'], { ...env, HOLYSHEEP_API_KEY: badKey });
    assert.equal(run.code, 1);
    const last = run.events.at(-1)!;
    assert.equal(last.code, 'AUTH_FAILED');
    assert.match(String(last.message), /holysheep/);
    assert.match(String(last.message), /HOLYSHEEP_API_KEY/);
    assert.ok(fleet.requests.length > 0, 'the fleet saw the request (and echoed the key in its 401 body)');
    assert.ok(!run.stdout.includes(badKey) && !run.stderr.includes(badKey), 'the key leaked into the output');
  });

  it('exits 2 with CONFIG_INVALID naming the field', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ routing: { weights: { latency: 'fast' } } }));
    const run = await runCli(['chat', '--json', '--config', config, 'hi'], env);
    assert.equal(run.code, 2);
    assert.equal(run.events.length, 1);
    assert.equal(run.events[0]!.code, 'CONFIG_INVALID');
    assert.match(String(run.events[0]!.message), /routing\.weights\.latency/);
  });

  it('merges a partial model entry from the config file', async () => {
    const config = join(dir, 'partial.json');
    writeFileSync(config, JSON.stringify({ models: [{ id: 'deepseek-v3.2', enabled: false }] }));
    const run = await runCli(['chat', '--json', '--config', config, 'hi'], env);
    assert.equal(run.code, 0);
    assert.equal(run.events.at(-1)!.model, 'gemini-2.5-flash');
  });

  it('exits 2 and names the variable when no key is set', async () => {
    const run = await runCli(['chat', '--json', 'hi'], { HOLYSHEEP_BASE_URL: env.HOLYSHEEP_BASE_URL });
    assert.equal(run.code, 2);
    assert.match(String(run.events[0]!.message), /HOLYSHEEP_API_KEY/);
    assert.equal(fleet.requests.length, 0);
  });

  it('exits 2 on a usage error', async () => {
    const run = await runCli(['chat', '--json'], env);
    assert.equal(run.code, 2);
    const unknown = await runCli(['frobnicate'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Usage:/);
  });

  it('cancels cleanly on Ctrl-C: a CANCELLED event and exit 130', async () => {
    fleet.script('deepseek-v3.2', { tokens: Array.from({ length: 200 }, (_, i) => ` t${i}`), tokenIntervalMs: 50 });
    let sent = false;
    const run = await runCli(['chat', '--json', 'long answer please'], env, {
      onStdout: (text, child) => {
        if (!sent && text.includes('"delta"')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(run.code, 130, run.stderr);
    const last = run.events.at(-1)!;
    assert.deepEqual([last.type, last.code], ['error', 'CANCELLED']);
    await fleet.waitForConnections(0, 5_000);
  });

  it('models lists ids, endpoints, tiers, prices and enabled', async () => {
    const run = await runCli(['models', '--json'], env);
    assert.equal(run.code, 0);
    const listed = (run.events[0] as unknown as { models: { id: string; tier: string; outputPricePerMTok: number; enabled: boolean }[] }).models;
    assert.deepEqual(listed.map((m) => m.id), [...RELAY_MODELS]);
    const table = await runCli(['models'], env);
    assert.match(table.stdout, /gpt-4\.1\s+holysheep\s+high\s+\$2\.00\s+\$8\.00\s+\$60\.00\s+yes/);
  });

  it('health probes GET /models only and prints the report shape', async () => {
    const run = await runCli(['health', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const report = run.events[0] as unknown as { generated_at: string; models: Record<string, Record<string, unknown>>; summary: Record<string, number> };
    assert.ok(report.generated_at);
    assert.deepEqual(Object.keys(report.models), [...RELAY_MODELS]);
    for (const key of ['status', 'request_count', 'error_count', 'error_rate', 'avg_latency_ms', 'last_success', 'enabled']) {
      assert.ok(key in report.models['gpt-4.1']!, key);
    }
    for (const key of ['total_requests', 'total_errors', 'overall_error_rate', 'healthy_models', 'degraded_models', 'down_models']) {
      assert.ok(key in report.summary, key);
    }
    assert.equal(report.summary.healthy_models, 4);
    assert.equal(fleet.requests.length, 0, 'no completion requests: nothing billed');
  });

  it('health marks the models of an unreachable endpoint down and exits 1', async () => {
    const run = await runCli(['health', '--json'], { ...env, HOLYSHEEP_BASE_URL: 'http://127.0.0.1:1/v1' });
    assert.equal(run.code, 1);
    const report = run.events[0] as unknown as { models: Record<string, { status: string; probe_ok: boolean }>; summary: Record<string, number> };
    assert.equal(report.summary.down_models, 4);
    assert.equal(report.models['gpt-4.1']!.probe_ok, false);
  });
});
