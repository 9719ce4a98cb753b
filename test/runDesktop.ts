/**
 * `npm run test:desktop`: the integration suite (out/test/integration) in desktop VS Code through
 * @vscode/test-electron, for machines that can download it. Offline machines use
 * scripts/runIntegration.js (code-server) instead; here the download fails, and this says so.
 *
 *   node out/test/runDesktop.js                      latest stable VS Code, downloaded to .vscode-test/
 *   VSCODE_VERSION=1.104.0 node out/test/runDesktop.js
 *   VSCODE_EXECUTABLE_PATH=/path/to/code node out/test/runDesktop.js   an installed VS Code, no download
 * On Linux without a display, run it under `xvfb-run -a`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

/** The helpers of scripts/testHost.js used here (plain JavaScript, loaded at run time). */
interface TestHostScript {
  seedUserSettings(userDataDir: string): string;
  writeSampleWorkspace(dir: string): string;
}

const ROOT = path.resolve(__dirname, '..', '..');

async function desktopVsCode(): Promise<string | undefined> {
  const installed = process.env.VSCODE_EXECUTABLE_PATH;
  if (installed) return installed;
  const version = process.env.VSCODE_VERSION ?? 'stable';
  try {
    return await downloadAndUnzipVSCode({ version, cachePath: path.join(ROOT, '.vscode-test'), timeout: 30_000 });
  } catch (error) {
    console.error(
      `[desktop] Could not download desktop VS Code (${version}): ${error instanceof Error ? error.message : String(error)}\n` +
        '[desktop] This machine cannot reach the VS Code download servers. Run the same suite in code-server instead\n' +
        '[desktop] (`npm run test:integration`, fully offline), or point VSCODE_EXECUTABLE_PATH at an installed VS Code.',
    );
    return undefined;
  }
}

async function main(): Promise<number> {
  const extensionTestsPath = path.join(ROOT, 'out', 'test', 'integration', 'index.js');
  if (!fs.existsSync(extensionTestsPath)) {
    console.error(`[desktop] No compiled suite at ${extensionTestsPath}: run \`node esbuild.js\` first.`);
    return 1;
  }
  const vscodeExecutablePath = await desktopVsCode();
  if (!vscodeExecutablePath) return 1;

  const host = require(path.join(ROOT, 'scripts', 'testHost.js')) as TestHostScript;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'holysheep-desktop-'));
  const userDataDir = path.join(scratch, 'user-data');
  host.seedUserSettings(userDataDir);
  const workspace = host.writeSampleWorkspace(path.join(scratch, 'workspace'));
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      extensionTestsEnv: { HOLYSHEEP_TEST: '1', ...(process.env.HOLYSHEEP_TEST_GREP ? { HOLYSHEEP_TEST_GREP: process.env.HOLYSHEEP_TEST_GREP } : {}) },
      launchArgs: [
        workspace,
        '--user-data-dir', userDataDir,
        '--extensions-dir', path.join(scratch, 'extensions'),
        '--disable-extensions', // Every other extension; the one under development still loads.
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
      ],
    });
    return 0;
  } catch (error) {
    console.error(`[desktop] The integration suite failed in desktop VS Code: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
