#!/usr/bin/env node
// `npm test`: builds, type-checks, then runs every suite in order (unit in plain Node, the chat
// webview in real Chromium, integration inside a real VS Code extension host, end to end against the
// packaged .vsix) and closes with one "N passed, N failed" line over all of them.
//   npm test                 everything
//   npm test -- unit webview  only the named suites (the build and type check always run)
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Steps that must pass before any suite is worth running. */
const prepare = [
  { name: 'build', cmd: process.execPath, args: ['esbuild.js'], limitMin: 5 },
  { name: 'typecheck', cmd: npx, args: ['tsc', '--noEmit', '-p', '.'], limitMin: 5 },
];

// Each step has a hard time limit, several times what it takes on a slow machine: a suite that hangs
// (a handle left open after a failure keeps mocha waiting) fails with a clear line instead of
// holding CI until its own limit.
const suites = [
  { name: 'unit', cmd: npx, args: ['mocha'], limitMin: 10 },
  { name: 'webview', cmd: npx, args: ['mocha', '--config', 'test/webview/.mocharc.json'], limitMin: 10 },
  { name: 'integration', cmd: process.execPath, args: ['scripts/runIntegration.js'], limitMin: 15 },
  { name: 'e2e', cmd: process.execPath, args: ['scripts/runE2E.js'], limitMin: 20 },
];

/** Runs a step with its output passed through, and counts mocha's "N passing" / "N failing" lines. */
function run(step) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${step.name}: ${[path.basename(step.cmd), ...step.args].join(' ')}`);
    // Its own process group, so that a step over its limit is stopped with everything it started.
    const child = spawn(step.cmd, step.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' }, detached: process.platform !== 'win32' });
    let overLimit = false;
    const limit = setTimeout(() => {
      overLimit = true;
      console.log(`=== ${step.name}: still running after ${step.limitMin} min, stopping it`);
      try {
        if (process.platform === 'win32') child.kill('SIGKILL');
        else process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, step.limitMin * 60_000);
    const counts = { passed: 0, failed: 0, pending: 0 };
    let tail = '';
    const scan = (chunk, out) => {
      out.write(chunk);
      const lines = (tail + chunk.toString('utf8')).split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) count(line, counts);
    };
    child.stdout.on('data', (c) => scan(c, process.stdout));
    child.stderr.on('data', (c) => scan(c, process.stderr));
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      count(tail, counts);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0 && !overLimit;
      const why = overLimit ? `over its ${step.limitMin} min limit` : signal ?? `exit ${code}`;
      console.log(`=== ${step.name}: ${ok ? 'ok' : `FAILED (${why})`} in ${seconds} s`);
      resolve({ ...step, ok, counts });
    });
  });
}

function count(line, counts) {
  const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
  if (!m) return;
  const key = { passing: 'passed', failing: 'failed', pending: 'pending' }[m[2]];
  counts[key] += Number(m[1]);
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
  if (unknown.length) {
    console.error(`Unknown suite(s): ${unknown.join(', ')}. Known: ${suites.map((s) => s.name).join(', ')}.`);
    process.exit(2);
  }
  for (const step of prepare) {
    const result = await run(step);
    if (!result.ok) {
      console.log(`\n0 passed, 1 failed: ${step.name} did not pass, so no suite ran.`);
      process.exit(1);
    }
  }
  const results = [];
  for (const suite of suites.filter((s) => wanted.length === 0 || wanted.includes(s.name))) results.push(await run(suite));

  console.log('\nSummary');
  for (const r of results) {
    console.log(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(12)} ${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.pending} pending`);
  }
  // A suite that crashed before mocha could report still counts as a failure.
  const passed = results.reduce((n, r) => n + r.counts.passed, 0);
  const failed = results.reduce((n, r) => n + Math.max(r.counts.failed, r.ok ? 0 : 1), 0);
  const skipped = results.reduce((n, r) => n + r.counts.pending, 0);
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(results.every((r) => r.ok) && passed > 0 ? 0 : 1);
}

void main();
