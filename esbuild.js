// Builds every bundle of the project. esbuild only strips types: `npm run typecheck` (tsc --noEmit)
// is what checks them.
//   node esbuild.js               development build of the extension, CLI, webview and tests
//   node esbuild.js --production  minified extension, CLI and webview (what the .vsix ships)
//   node esbuild.js --watch       rebuild on change
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Every `*.ts` file below `dir` whose name passes `keep`. */
function filesUnder(dir, keep) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((name) => path.join(dir, String(name)))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && keep(file));
}

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  target: 'es2022',
};

const builds = [
  // The extension host bundle: everything but the editor itself.
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  // The headless CLI over src/core.
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  // The chat view's script: a browser bundle that imports only src/shared types.
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
];

if (!production) {
  // Tests and tools: one file each, npm packages left to `require` (mocha, playwright-core, …).
  const tests = [
    ...filesUnder('test', (f) => !f.includes(`${path.sep}fixtures${path.sep}data`)),
    ...filesUnder('bench', () => true),
  ];
  if (tests.length) {
    builds.push({ ...common, entryPoints: tests, outdir: 'out', outbase: '.', platform: 'node', format: 'cjs', packages: 'external', external: ['vscode'] });
  }
}

async function main() {
  const present = builds.map((b) => ({ ...b, entryPoints: b.entryPoints.filter((e) => fs.existsSync(e)) }))
    .filter((b) => b.entryPoints.length);
  if (watch) {
    for (const options of present) await (await esbuild.context(options)).watch();
    console.log('[watch] watching for changes');
    return;
  }
  await Promise.all(present.map((options) => esbuild.build(options)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
