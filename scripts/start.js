#!/usr/bin/env node
// `npm start`: builds and packages the extension, installs the .vsix into a local VS Code
// (code-server on 127.0.0.1, from the offline test host of scripts/testHost.js) and prints its URL.
// Without HOLYSHEEP_API_KEY it also starts the fake provider fleet and hands it to the extension's
// demo mode (HOLYSHEEP_ROUTER_DEMO_URL / _KEY), so routing and failover work without any account.
//
//   node scripts/start.js              build, package, install, serve until Ctrl-C
//   options: --port N (default 8080, or a free one if taken), --no-build (reuse dist/holysheep-router.vsix),
//            --fresh (forget the previous session's settings, keys and chat history),
//            --check (open the URL in headless Chromium, save screenshots to test-results/start/, stop)
// The session's user data, extensions and sample workspace live in .scratch/start/ (git-ignored).
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { CODE_SERVER_VERSION, TestHostError, chromiumLaunchOptions, ensureTestHost, installExtension, seedUserSettings, startServer, writeSampleWorkspace } = require('./testHost');

const ROOT = path.resolve(__dirname, '..');
const STATE = path.join(ROOT, '.scratch', 'start');
const VSIX = path.join(ROOT, 'dist', 'holysheep-router.vsix');
const FLEET = path.join(ROOT, 'out', 'test', 'fixtures', 'fleet.js');
const SCREENSHOTS = path.join(ROOT, 'test-results', 'start');
const DEFAULT_PORT = 8080;

function say(message) {
  console.log(`[start] ${message}`);
}

function parseArgs(argv) {
  const options = { port: Number(process.env.PORT) || DEFAULT_PORT, build: true, fresh: false, check: false };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--port': options.port = Number(argv[++i]); break;
      case '--no-build': options.build = false; break;
      case '--fresh': options.fresh = true; break;
      case '--check': options.check = true; break;
      default: throw new TestHostError(`Unknown option ${argv[i]}. See the comment at the top of ${__filename}.`);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new TestHostError('--port needs a port number');
  return options;
}

function step(name, command, args) {
  const started = Date.now();
  say(`${name}…`);
  const result = childProcess.spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new TestHostError(`${name} failed (${result.error?.message ?? `exit ${result.status}`}); see above.`);
  say(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function buildAndPackage(withFleet) {
  // The development build compiles the fleet (out/test/fixtures/fleet.js); the production build
  // then replaces dist/ with the minified bundles the .vsix ships.
  if (withFleet) step('build (development, for the demo fleet)', process.execPath, ['esbuild.js']);
  step('build (production)', process.execPath, ['esbuild.js', '--production']);
  fs.rmSync(VSIX, { force: true });
  // --allow-missing-repository: vsce would otherwise stop to ask while package.json has no `repository`;
  // --no-rewrite-relative-links: without a repository it cannot make the README's screenshot links absolute.
  step('package', process.execPath, [require.resolve('@vscode/vsce/vsce', { paths: [ROOT] }), 'package',
    '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', VSIX]);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts the fake provider fleet in its own process group and reads the one JSON line it prints.
 * @returns {Promise<{ baseUrl: string, apiKey: string, stop(): Promise<void> }>}
 */
function startFleet() {
  if (!fs.existsSync(FLEET)) throw new TestHostError(`No ${path.relative(ROOT, FLEET)}: the development build (node esbuild.js) makes it.`);
  const child = childProcess.spawn(process.execPath, [FLEET], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // Already gone.
    }
    const gone = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(resolve, 3000, false))]);
    if (!gone) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone in between.
      }
    }
  };
  process.on('exit', () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Stopped already.
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new TestHostError('The fake provider fleet printed nothing within 10 s.'));
    }, 10_000);
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const { baseUrl, apiKey } = JSON.parse(line);
        resolve({ baseUrl, apiKey, stop });
      } catch {
        void stop();
        reject(new TestHostError(`The fake provider fleet printed ${JSON.stringify(line)}, not {"baseUrl","apiKey"}.`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new TestHostError(`The fake provider fleet exited (${code}) before it was ready.`));
    });
  });
}

/** Opens the workbench in headless Chromium and saves what a person would see first. */
async function screenshotWorkbench(url) {
  const { chromium } = require('playwright-core');
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-start-chromium-'));
  const browser = await chromium.launch(chromiumLaunchOptions(scratch));
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const entry = page.locator('.activitybar [aria-label^="HolySheep"]').first();
    await entry.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workbench.png') });
    await entry.click();
    // The chat view is a webview: its content lives two frames down.
    const chat = page.frameLocator('iframe.webview[src*="extensionId=holysheep.holysheep-router"]').frameLocator('#active-frame');
    await chat.locator('body *:visible').first().waitFor({ timeout: 30_000 });
    await page.mouse.move(700, 450); // Away from the activity bar, so no tooltip covers the view.
    await page.waitForTimeout(500); // The first paint settling.
    await page.screenshot({ path: path.join(SCREENSHOTS, 'holysheep-view.png') });
    say(`screenshots in ${path.relative(process.cwd(), SCREENSHOTS) || '.'}: workbench.png, holysheep-view.png`);
  } finally {
    await browser.close();
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const demo = !process.env.HOLYSHEEP_API_KEY;
  const host = ensureTestHost();

  if (options.build) buildAndPackage(demo);
  else if (!fs.existsSync(VSIX)) throw new TestHostError(`--no-build, but there is no ${path.relative(ROOT, VSIX)} yet.`);

  if (options.fresh) fs.rmSync(STATE, { recursive: true, force: true });
  const userDataDir = path.join(STATE, 'user-data');
  const extensionsDir = path.join(STATE, 'extensions');
  const workspace = path.join(STATE, 'workspace');
  if (!fs.existsSync(workspace)) writeSampleWorkspace(workspace);
  seedUserSettings(userDataDir);
  installExtension({ host, vsix: VSIX, extensionsDir, userDataDir });
  say(`installed ${path.relative(ROOT, VSIX)} into code-server`);

  // Everything started below is stopped here, once, whichever way the session ends.
  let fleet;
  let server;
  let stopping;
  const stopAll = () => {
    stopping ??= (async () => {
      await server?.stop();
      await fleet?.stop();
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      say('stopping…');
      void stopAll().finally(() => process.exit(0));
    });
  }

  try {
    const env = {};
    if (demo) {
      fleet = await startFleet();
      env.HOLYSHEEP_ROUTER_DEMO_URL = fleet.baseUrl;
      env.HOLYSHEEP_ROUTER_DEMO_KEY = fleet.apiKey;
    }
    let port = options.port;
    if (!(await portIsFree(port))) {
      port = 0;
      say(`port ${options.port} is taken: using a free one`);
    }
    server = await startServer({ host, mode: 'code-server', port, userDataDir, extensionsDir, workspace, env, logFile: path.join(STATE, 'code-server.log') });
  } catch (error) {
    await stopAll();
    throw error;
  }

  const bar = '─'.repeat(72);
  console.log(`\n${bar}\n  HolySheep Router is running in VS Code (code-server ${CODE_SERVER_VERSION}):\n`);
  console.log(`      ${server.url}/\n`);
  console.log(demo
    ? `  DEMO MODE: no HOLYSHEEP_API_KEY, so answers come from the built-in fake provider fleet\n  at ${fleet.baseUrl}. Open the HolySheep (sheep) icon in the activity bar and ask anything.`
    : '  Using your HolySheep account: run "HolySheep Router: Set API Key" from the command palette\n  (Ctrl+Shift+P) once to store the key in VS Code\'s secret storage.');
  console.log(`\n  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Press Ctrl-C to stop.\n${bar}\n`);

  if (options.check) {
    try {
      await screenshotWorkbench(`${server.url}/`);
    } finally {
      await stopAll();
    }
    return 0;
  }
  // Serves until Ctrl-C (handled above); a server that dies on its own ends the session.
  const ended = await server.exited;
  if (stopping) {
    // Ctrl-C: the signal handler is stopping everything; let it finish before exiting.
    await stopping;
    return 0;
  }
  console.error(`[start] code-server exited on its own (${ended}). Its last output:\n${server.output()}`);
  await stopAll();
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[start] ${error instanceof TestHostError ? error.message : error.stack}`);
    process.exit(1);
  },
);
