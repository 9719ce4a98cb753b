#!/usr/bin/env node
// End to end, as a person would: the packaged .vsix installed into a real VS Code (code-server on
// 127.0.0.1, from the offline test host of scripts/testHost.js), driven in headless Chromium
// against the fake provider fleet, which runs in this process so the suite can script it.
//
//   node scripts/runE2E.js                 build, package, install, run test/e2e (mocha, spec reporter)
//   options: --no-build (reuse out/ and the .vsix of the last run in .scratch/e2e/),
//            --timeout-ms N (the whole run, build included; default 600000)
// Artefacts in test-results/e2e/: NN-step.png per step (and failed-*.png), code-server.log.
//
// This script owns every process (fleet, code-server, Chromium) and stops them however the run
// ends: pass, failure, the time limit or Ctrl-C. The steps live in test/e2e/e2e.test.ts and get
// what they drive through test/e2e/context.ts.
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TestHostError, chromiumLaunchOptions, ensureTestHost, installExtension, seedUserSettings, startServer, writeSampleWorkspace } = require('./testHost');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'test-results', 'e2e');
/** Kept between runs (git-ignored) so --no-build has a .vsix to install. */
const STATE = path.join(ROOT, '.scratch', 'e2e');
const VSIX = path.join(STATE, 'holysheep-router.vsix');
const SUITE = path.join(ROOT, 'out', 'test', 'e2e', 'e2e.test.js');
const FLEET = path.join(ROOT, 'out', 'test', 'fixtures', 'fleet.js');
/** Where test/e2e/context.ts finds what this script started (the suite is a separate bundle). */
const CONTEXT_KEY = Symbol.for('holysheep-router.e2e.context');
/** A step that takes longer than this has hung (a run of all of them takes about a minute). */
const STEP_TIMEOUT_MS = 120_000;
/** What the packaged extension needs from the project; copied into the staging folder. */
const PACKAGE_FILES = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'esbuild.js'];

function say(message) {
  console.log(`[e2e] ${message}`);
}

function parseArgs(argv) {
  const options = { build: true, timeoutMs: Number(process.env.HOLYSHEEP_E2E_TIMEOUT_MS) || 600_000 };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--no-build': options.build = false; break;
      case '--timeout-ms': options.timeoutMs = Number(argv[++i]); break;
      default: throw new TestHostError(`Unknown option ${argv[i]}. See the comment at the top of ${__filename}.`);
    }
  }
  if (!(options.timeoutMs > 0)) throw new TestHostError('--timeout-ms needs a positive number');
  return options;
}

const timings = [];
/** Why the run was given up (Ctrl-C, the time limit); from then on only the clean-up decides the exit. */
let abandoned;
function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
async function timed(name, body) {
  const started = Date.now();
  const result = await body();
  timings.push([name, Date.now() - started]);
  return result;
}

function run(name, command, args, cwd) {
  const result = childProcess.spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new TestHostError(`${name} failed (${result.error?.message ?? `exit ${result.status}`}); see above.`);
}

/**
 * Builds the production bundles and packages them, in a staging folder rather than in dist/: the
 * development build that others (and this script) run writes dist/ too, and must not end up in,
 * or be replaced by, the .vsix half-way. The project's own esbuild.js and .vscodeignore decide
 * what is built and shipped; src/ and node_modules/ are linked in for the build only.
 */
function buildAndPackage(staging) {
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const file of PACKAGE_FILES) {
    if (fs.existsSync(path.join(ROOT, file))) fs.copyFileSync(path.join(ROOT, file), path.join(staging, file));
  }
  fs.cpSync(path.join(ROOT, 'media'), path.join(staging, 'media'), { recursive: true });
  const links = ['src', 'node_modules'].map((name) => path.join(staging, name));
  for (const link of links) fs.symlinkSync(path.join(ROOT, path.basename(link)), link, 'dir');
  try {
    run('production build (node esbuild.js --production)', process.execPath, ['esbuild.js', '--production'], staging);
  } finally {
    // vsce walks the folder: no linked trees in it.
    for (const link of links) fs.rmSync(link, { force: true });
  }
  fs.mkdirSync(path.dirname(VSIX), { recursive: true });
  fs.rmSync(VSIX, { force: true });
  // --allow-missing-repository: vsce would otherwise stop to ask while package.json has no `repository`;
  // --no-rewrite-relative-links: without a repository it cannot make the README's screenshot links absolute.
  run('vsce package', process.execPath, [require.resolve('@vscode/vsce/vsce', { paths: [ROOT] }), 'package',
    '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', VSIX], staging);
}

function runMocha() {
  const Mocha = require('mocha');
  // Steps build on each other: after a failure the rest would only fail for the same reason.
  const mocha = new Mocha({ reporter: 'spec', timeout: STEP_TIMEOUT_MS, forbidOnly: true, bail: true });
  mocha.addFile(SUITE);
  return new Promise((resolve) => mocha.run((failures) => resolve(failures)));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-e2e-'));
  let fleet;
  let server;
  let browser;
  let consoleLog;
  let cleaning;
  // Everything started below is stopped here, once, whichever way the run ends.
  const cleanUp = () => {
    cleaning ??= (async () => {
      await browser?.close().catch(() => undefined);
      await new Promise((resolve) => (consoleLog ? consoleLog.end(resolve) : resolve()));
      await server?.stop().catch(() => undefined);
      await fleet?.close().catch(() => undefined);
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
    })();
    return cleaning;
  };
  const abandon = (code, reason) => {
    if (abandoned) return;
    abandoned = reason;
    console.error(`[e2e] ${reason}; stopping everything`);
    void cleanUp().finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => abandon(130, `interrupted (${signal})`));
  setTimeout(() => abandon(1, `no result within ${options.timeoutMs} ms (--timeout-ms)`), options.timeoutMs).unref();

  try {
    const host = ensureTestHost();
    if (options.build) {
      // Development build first (the suite and the fleet, in out/), then the production bundles.
      await timed('build (development: suite and fleet)', () => run('node esbuild.js', process.execPath, ['esbuild.js'], ROOT));
      await timed('build (production) and vsce package', () => buildAndPackage(path.join(scratch, 'package')));
      say(`packaged ${path.relative(ROOT, VSIX)} (${Math.round(fs.statSync(VSIX).size / 1024)} KiB)`);
    }
    for (const [file, hint] of [[SUITE, 'node esbuild.js'], [FLEET, 'node esbuild.js'], [VSIX, 'a run without --no-build']]) {
      if (!fs.existsSync(file)) throw new TestHostError(`No ${path.relative(ROOT, file)}: ${hint} makes it.`);
    }

    const userDataDir = path.join(scratch, 'user-data');
    const extensionsDir = path.join(scratch, 'extensions');
    const workspace = writeSampleWorkspace(path.join(scratch, 'workspace'));
    await timed('install the .vsix into code-server', () => installExtension({ host, vsix: VSIX, extensionsDir, userDataDir }));

    const { FakeFleet } = require(FLEET);
    fleet = new FakeFleet();
    await fleet.start();
    // The user's settings, as a person would write them: the relay pointed at the fleet, short
    // backoff so a failover test does not wait. Auto scores on price and errors only, so which
    // model it picks does not depend on how fast a loaded machine streamed the previous answer.
    // The health monitor checks every second (its minimum), breakers open after two failures and
    // cool down in three seconds, so an outage and its recovery show within seconds, not minutes.
    // The key itself is typed into the UI by the suite.
    const userSettings = {
      'holysheepRouter.endpoints': [{ id: 'holysheep', baseUrl: fleet.baseUrl }],
      'holysheepRouter.retry.baseDelayMs': 20,
      'holysheepRouter.retry.maxDelayMs': 200,
      'holysheepRouter.routing.weights.latency': 0,
      'holysheepRouter.monitor.intervalMs': 1000,
      'holysheepRouter.monitor.probeInitialDelayMs': 1000,
      'holysheepRouter.breaker.failureThreshold': 2,
      'holysheepRouter.breaker.cooldownMs': 3000,
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
    };
    seedUserSettings(userDataDir, userSettings);

    server = await timed('start code-server', () => startServer({
      host, mode: 'code-server', userDataDir, extensionsDir, workspace, logFile: path.join(RESULTS, 'code-server.log'),
    }));
    say(`code-server on ${server.url}, fleet on ${fleet.baseUrl}`);

    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ ...chromiumLaunchOptions(path.join(scratch, 'chromium')), handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // What the workbench and the webviews logged as errors and warnings: kept for diagnosis.
    consoleLog = fs.createWriteStream(path.join(RESULTS, 'browser-console.log'));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleLog.write(`[${message.type()}] ${message.location().url ?? ''}\n  ${message.text()}\n`);
    });
    page.on('pageerror', (error) => consoleLog.write(`[uncaught] ${error.stack ?? error.message}\n`));

    globalThis[CONTEXT_KEY] = { page, fleet, serverUrl: `${server.url}/`, workspace, userDataDir, userSettings, resultsDir: RESULTS };
    const failures = await timed('mocha suite (the steps)', () => runMocha());
    // Interrupted or out of time: the steps failed because everything was being stopped under them.
    if (abandoned) return new Promise(() => undefined); // abandon() exits once the clean-up is done

    say('timings:');
    for (const [name, ms] of timings) say(`  ${name.padEnd(40)} ${seconds(ms).padStart(8)}`);
    say(`${failures === 0 ? 'passed' : `failed (${failures})`} in ${seconds(Date.now() - started)}; screenshots in ${path.relative(process.cwd(), RESULTS) || '.'}`);
    return failures === 0 ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (abandoned) return; // Whatever failed, failed because it was being stopped.
    console.error(`[e2e] ${error instanceof TestHostError ? error.message : error.stack}`);
    process.exit(1);
  },
);
