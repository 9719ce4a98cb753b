/**
 * The bench's entry inside the VS Code extension host (scripts/runIntegration.js --tests-path
 * out/bench/activation/index.js): activates the extension under test and prints the activation
 * figures it recorded (TestApi.activationMs and loadMs) as one tagged JSON line, which the runner
 * forwards to its stdout. Not a test suite: it fails only if the extension cannot be activated.
 */
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';

const EXTENSION_ID = 'holysheep.holysheep-router';
export const ACTIVATION_MARKER = 'HOLYSHEEP_BENCH_ACTIVATION ';

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  const api = await extension.activate();
  if (!api || typeof api.activationMs !== 'number') throw new Error('the extension returned no activation figures (not in ExtensionMode.Test?)');
  const line = JSON.stringify({
    activationMs: api.activationMs,
    evaluationMs: api.evaluationMs,
    loadMs: api.loadMs,
    extensionPath: extension.extensionPath,
    vscode: vscode.version,
    uiKind: vscode.env.uiKind,
  });
  // runIntegration.js prints only lines that start with its tag (the rest is workbench chatter).
  console.log(`${process.env.HOLYSHEEP_TEST_CONSOLE_TAG ?? ''}${ACTIVATION_MARKER}${line}`);
}
