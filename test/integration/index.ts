/**
 * The entry VS Code calls inside the extension host (`extensionTestsPath` points at the compiled
 * out/test/integration/index.js): runs every `*.test.js` beside it with mocha and settles with the
 * result. Used by scripts/runIntegration.js (code-server) and test/runDesktop.ts (desktop VS Code).
 *
 * Environment, read in the extension host:
 *   HOLYSHEEP_TEST_GREP         only tests whose full title matches (runIntegration.js --grep)
 *   HOLYSHEEP_TEST_CONSOLE_TAG  set by runIntegration.js: prefixed to mocha's reporter lines, so the
 *                               runner can tell them from the workbench's own log chatter
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    forbidOnly: true,
    timeout: 20_000,
    ...(process.env.HOLYSHEEP_TEST_GREP ? { grep: process.env.HOLYSHEEP_TEST_GREP } : {}),
  });
  for (const file of testFiles(__dirname)) mocha.addFile(file);

  const untag = tagReporter(process.env.HOLYSHEEP_TEST_CONSOLE_TAG);
  try {
    const failures = await new Promise<number>((resolve) => {
      mocha.run(resolve);
    });
    if (failures > 0) throw new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed`);
  } finally {
    untag();
  }
}

/** Every compiled test below `dir`, in a stable order. */
function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.js'))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Prefixes `tag` to every line of mocha's reporter until the returned function is called. Only the
 * reporter: the extension host's `console` methods are read-only forwarders (VS Code ignores
 * assignments to them), so other console output arrives untagged.
 */
function tagReporter(tag: string | undefined): () => void {
  const Base = Mocha.reporters.Base;
  const original = Base.consoleLog;
  if (!tag) return () => undefined;
  Base.consoleLog = (...args: unknown[]) => {
    // Keeps a printf-style first argument working: the tag joins it instead of shifting it.
    const [first, ...rest] = args;
    if (typeof first === 'string') original(tag + first, ...rest);
    else original(tag, ...args);
  };
  return () => {
    Base.consoleLog = original;
  };
}
