#!/usr/bin/env node
// Runs the mocha integration suite (out/test/integration) inside a real VS Code extension host:
// the VS Code server of the code-server package with the smoke-test driver, opened in headless
// Chromium with a test payload (../shared/TEST-HOST.md). Mocha's reporter, printed inside the
// extension host, comes back through `codeAutomationLog`; its result through `codeAutomationExit`.
//
//   node scripts/runIntegration.js                 build (node esbuild.js), then run the suite
//   node scripts/runIntegration.js --grep breaker  only tests whose full title matches
//   options: --no-build, --timeout-ms N (whole run; default 300000), --verbose (workbench console too),
//            --extension-path DIR and --tests-path FILE (another extension or suite, for the tooling's own checks)
// Artefacts in test-results/integration/: workbench.png, server.log, logs/ (the workbench's log files).
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');
const { TestHostError, chromiumLaunchOptions, ensureTestHost, seedUserSettings, startServer, writeSampleWorkspace } = require('./testHost');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'test-results', 'integration');
/** Marks mocha's reporter lines (see test/integration/index.ts); invisible if it ever leaks. */
const CONSOLE_TAG = '\u2063hsr\u2063';
/** Errors an offline workbench always logs: no marketplace, no GitHub sign-in, no service worker under server-main. */
const OFFLINE_NOISE = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|\[Service Worker\]|authentication provider 'github'/;

function parseArgs(argv) {
  const options = {
    build: true,
    verbose: false,
    grep: undefined,
    timeoutMs: Number(process.env.HOLYSHEEP_IT_TIMEOUT_MS) || 300_000,
    extensionPath: ROOT,
    testsPath: path.join(ROOT, 'out', 'test', 'integration', 'index.js'),
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new TestHostError(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--no-build': options.build = false; break;
      case '--verbose': options.verbose = true; break;
      case '--grep': options.grep = value(); break;
      case '--timeout-ms': options.timeoutMs = Number(value()); break;
      case '--extension-path': options.extensionPath = path.resolve(value()); options.build = false; break;
      case '--tests-path': options.testsPath = path.resolve(value()); break;
      default: throw new TestHostError(`Unknown option ${argv[i]}. See the comment at the top of ${__filename}.`);
    }
  }
  if (!(options.timeoutMs > 0)) throw new TestHostError('--timeout-ms must be a positive number');
  return options;
}

function build() {
  const started = Date.now();
  const result = childProcess.spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new TestHostError('node esbuild.js failed (see above): nothing to test.');
  console.log(`[integration] built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The workbench's own log files, handed over with the exit code: kept as artefacts. */
function saveWorkbenchLogs(logs) {
  if (!Array.isArray(logs)) return;
  const dir = path.join(RESULTS, 'logs');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { relativePath, contents } of logs) {
    const file = path.join(dir, relativePath);
    if (!file.startsWith(dir + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (options.build) build();
  if (!fs.existsSync(options.testsPath)) {
    throw new TestHostError(`No compiled suite at ${options.testsPath}: run \`node esbuild.js\` first.`);
  }
  const host = ensureTestHost();
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.rmSync(path.join(RESULTS, 'workbench.png'), { force: true }); // No stale picture if this run takes none.

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-it-'));
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  const workspace = writeSampleWorkspace(path.join(scratch, 'workspace'));
  seedUserSettings(userDataDir);

  // Everything started below is stopped here, once, whichever way the run ends.
  let server;
  let browser;
  let cleaning;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
    })();
    return cleaning;
  };
  // Ctrl-C and the overall time limit end the run in any phase (a hung start included).
  const abandon = (code, reason) => {
    console.error(`[integration] ${reason}; stopping everything`);
    void cleanUp().finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => abandon(130, `interrupted (${signal})`));
  setTimeout(() => abandon(1, `no result within ${options.timeoutMs} ms (--timeout-ms)`), options.timeoutMs).unref();

  try {
    server = await startServer({
      host,
      mode: 'server-main',
      userDataDir,
      extensionsDir,
      logFile: path.join(RESULTS, 'server.log'),
      // Reaches the extension host: the suite reads these (the fleet it starts itself).
      env: { HOLYSHEEP_TEST: '1', HOLYSHEEP_TEST_CONSOLE_TAG: CONSOLE_TAG, ...(options.grep ? { HOLYSHEEP_TEST_GREP: options.grep } : {}) },
    });
    console.log(`[integration] VS Code server on ${server.url} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const { chromium } = require('playwright-core');
    browser = await chromium.launch(chromiumLaunchOptions(path.join(scratch, 'chromium')));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

    let finished;
    const exit = new Promise((resolve) => {
      finished = resolve;
    });
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      // The workbench's log, into which the extension host's console is merged. Mocha's reporter
      // lines carry the tag (test/integration/index.ts); errors are shown too, minus offline noise.
      const [first, ...rest] = Array.isArray(args) ? args : [args];
      const tagged = typeof first === 'string' && first.startsWith(CONSOLE_TAG);
      const text = util.format(tagged ? first.slice(CONSOLE_TAG.length) : first, ...rest);
      if (tagged) process.stdout.write(`${text}\n`);
      else if (options.verbose || (level === 'error' && !OFFLINE_NOISE.test(text))) process.stderr.write(`[workbench ${level}] ${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      saveWorkbenchLogs(logs);
      finished({ code: Number(code) });
    });
    if (options.verbose) page.on('console', (message) => console.log(`[browser ${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[workbench] uncaught: ${error.message}`));
    page.on('crash', () => finished({ code: 1, reason: 'the workbench page crashed' }));

    const remote = (file) => `vscode-remote://127.0.0.1:${server.port}${file}`;
    const payload = [
      ['extensionDevelopmentPath', remote(options.extensionPath)],
      ['extensionTestsPath', remote(options.testsPath)],
      ['skipWelcome', 'true'],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);

    const outcome = await exit;

    // The extension host is gone by now, but the workbench still shows what the tests left open.
    await page.screenshot({ path: path.join(RESULTS, 'workbench.png') }).catch((error) => {
      console.error(`[integration] no screenshot: ${error.message}`);
    });
    if (outcome.reason) console.error(`[integration] ${outcome.reason}`);
    console.log(`[integration] ${outcome.code === 0 ? 'passed' : `failed (exit ${outcome.code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s; artefacts in ${path.relative(process.cwd(), RESULTS) || '.'}`);
    return outcome.code;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[integration] ${error instanceof TestHostError ? error.message : error.stack}`);
    process.exit(1);
  },
);
