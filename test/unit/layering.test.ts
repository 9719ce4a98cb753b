import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The engine must load in plain Node: nothing under src/core (or the CLI) may import the editor. */
describe('layering', () => {
  const root = join(__dirname, '..', '..', '..');
  const importsVscode = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

  function sources(dir: string): string[] {
    return readdirSync(join(root, dir), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f));
  }

  it('src/core never imports vscode', () => {
    const files = sources('src/core');
    assert.ok(files.length >= 10, `expected the engine's files, found ${files.length}`);
    const offenders = files.filter((f) => importsVscode.test(readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(offenders, [], `these files import vscode: ${offenders.join(', ')}`);
  });

  it('src/core imports nothing from the host, the webview or the CLI', () => {
    const upward = /from\s+['"]\.\.\/(host|webview|extension|cli)/;
    const offenders = sources('src/core').filter((f) => upward.test(readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('the CLI bundle loads in plain Node without vscode', () => {
    const bundle = readFileSync(join(root, 'dist', 'cli.js'), 'utf8');
    assert.ok(!/require\(["']vscode["']\)/.test(bundle), 'dist/cli.js requires vscode');
  });
});
