/**
 * Sizes of what ships, from a production build: the minified extension bundle and the .vsix that
 * `vsce package` makes of it. Built in a temporary copy of the project (as scripts/runE2E.js does),
 * so the development build in dist/ that the rest of the bench and other people use is untouched.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Figure, Measurement } from './measurement';
import { round } from './stats';

/** The repository root, from out/bench/bench.js. */
export const ROOT = path.resolve(__dirname, '..', '..');

const PACKAGE_FILES = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'esbuild.js'];

export interface ProductionBuild {
  /** The staging folder: package.json, media/ and the production dist/ (an extension folder VS Code can load). */
  dir: string;
  vsix: string;
  buildMs: number;
  packageMs: number;
}

let built: Promise<ProductionBuild> | undefined;

function run(what: string, args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr || result.stdout).slice(-2000)}`);
}

/** The production build and .vsix, made once per bench run in a temporary folder (removed at exit). */
export function productionBuild(): Promise<ProductionBuild> {
  built ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'holysheep-bench-pkg-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const file of PACKAGE_FILES) if (existsSync(path.join(ROOT, file))) copyFileSync(path.join(ROOT, file), path.join(dir, file));
    cpSync(path.join(ROOT, 'media'), path.join(dir, 'media'), { recursive: true });
    // src/ and node_modules/ are linked in for the build only: vsce must not walk linked trees.
    const links = ['src', 'node_modules'].map((name) => path.join(dir, name));
    for (const link of links) symlinkSync(path.join(ROOT, path.basename(link)), link, 'dir');
    const started = performance.now();
    try {
      run('node esbuild.js --production', ['esbuild.js', '--production'], dir);
    } finally {
      for (const link of links) rmSync(link, { force: true });
    }
    const buildMs = performance.now() - started;
    const vsix = path.join(dir, 'out-vsix', 'x.vsix');
    mkdirSync(path.dirname(vsix), { recursive: true });
    const vsce = require.resolve('@vscode/vsce/vsce', { paths: [ROOT] });
    run('vsce package', [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', vsix], dir);
    return { dir, vsix, buildMs, packageMs: performance.now() - started - buildMs };
  })();
  return built;
}

const kb = (file: string) => round(statSync(file).size / 1024, 1);

export const packaging: Measurement = {
  name: 'package',
  async run(ctx) {
    ctx.progress('package: production build and vsce package in a temporary copy…');
    let build: ProductionBuild;
    try {
      build = await productionBuild();
    } catch (error) {
      const why = `production build or vsce failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      return [
        { key: 'extension_bundle_kb', value: null, unit: 'KB', samples: 0, detail: why },
        { key: 'vsix_kb', value: null, unit: 'KB', samples: 0, detail: why },
      ];
    }
    const figures: Figure[] = [
      {
        key: 'extension_bundle_kb', value: kb(path.join(build.dir, 'dist', 'extension.js')), unit: 'KB', samples: 1,
        detail: `dist/extension.js of the production build (minified, what the .vsix ships); dev build ${existsSync(path.join(ROOT, 'dist', 'extension.js')) ? `${kb(path.join(ROOT, 'dist', 'extension.js'))} KB` : 'absent'}`,
      },
      { key: 'webview_bundle_kb', value: kb(path.join(build.dir, 'dist', 'webview.js')), unit: 'KB', samples: 1, detail: 'dist/webview.js of the production build' },
      {
        key: 'vsix_kb', value: kb(build.vsix), unit: 'KB', samples: 1,
        detail: `vsce package --no-dependencies (build ${Math.round(build.buildMs)} ms, package ${Math.round(build.packageMs)} ms)`,
      },
    ];
    return figures;
  },
};
