/**
 * Extension activation in the real VS Code extension host (code-server's server, ../shared/TEST-HOST.md),
 * through scripts/runIntegration.js with the bench's own entry (bench/activation/index.ts) in place of
 * the integration suite. The extension loaded is the production build the packaging step made (what a
 * user runs). Each run starts a fresh server, so every activation is a cold one.
 *
 * activation_ms is from the first evaluated line of the bundle to the end of activate(): the
 * extension's own share of a user's wait. Reading the file and V8's parse/compile of the bundle come
 * before that line; activation_compile_ms estimates them in a fresh Node process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { productionBuild, ROOT } from './artifacts';
import type { Figure, Measurement } from './measurement';
import { round, spread } from './stats';

const MARKER = 'HOLYSHEEP_BENCH_ACTIVATION ';

interface Sample { activationMs: number; evaluationMs: number; loadMs: number; vscode: string }

// eslint-disable-next-line @typescript-eslint/no-require-imports
const testHost = require(path.join(ROOT, 'scripts', 'testHost.js')) as {
  hostPaths(): { nodePrefix: string; codeServerPrefix: string; codeServerDir: string; nodeBinary: string };
  CHROMIUM: string;
};

/** Why the test host cannot run here (without installing it: the bench never downloads ~600 MB), or undefined. */
function hostMissing(): string | undefined {
  const paths = testHost.hostPaths();
  for (const prefix of [paths.nodePrefix, paths.codeServerPrefix]) {
    if (!existsSync(path.join(prefix, '.holysheep-install-complete'))) return `test host not installed (${prefix}); run \`node scripts/testHost.js\` once`;
  }
  if (!existsSync(testHost.CHROMIUM)) return `no Chromium at ${testHost.CHROMIUM}`;
  return undefined;
}

function runOnce(extensionPath: string, testsPath: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'runIntegration.js'), '--extension-path', extensionPath, '--tests-path', testsPath, '--timeout-ms', '180000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.includes(MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`runIntegration exited ${code}${line ? '' : ' without an activation line'}: ${(err || out).slice(-1500)}`));
        return;
      }
      resolve(JSON.parse(line.slice(line.indexOf(MARKER) + MARKER.length)) as Sample);
    });
  });
}

/** Reading and compiling the bundle (what happens before its first line runs), in a fresh Node with the host's version. */
function compileEstimateMs(bundle: string, node: string): number[] {
  const script = `const fs=require('fs'),vm=require('vm');const t0=performance.now();const s=fs.readFileSync(${JSON.stringify(bundle)},'utf8');new vm.Script(s,{filename:'x.js'});console.log(performance.now()-t0)`;
  return Array.from({ length: 5 }, () => Number(spawnSync(node, ['-e', script], { encoding: 'utf8' }).stdout.trim()));
}

function nullFigure(why: string): Figure[] {
  return [{ key: 'activation_ms', value: null, unit: 'ms', target: { kind: 'max', value: 50 }, samples: 0, detail: why }];
}

export const activationBench: Measurement = {
  name: 'activation',
  async run(ctx) {
    const missing = hostMissing();
    if (missing) return nullFigure(missing);
    const testsPath = path.join(ROOT, 'out', 'bench', 'activation', 'index.js');
    if (!existsSync(testsPath)) return nullFigure('out/bench/activation/index.js not built (node esbuild.js)');
    const build = await productionBuild();
    const runs = ctx.quick ? 3 : 5;
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const sample = await runOnce(build.dir, testsPath);
      samples.push(sample);
      ctx.progress(`activation run ${i + 1}/${runs}: evaluate ${sample.evaluationMs.toFixed(2)} ms + activate() ${sample.activationMs.toFixed(2)} ms; first line → activate() returned ${sample.loadMs.toFixed(2)} ms wall (VS Code ${sample.vscode}; fresh server, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    const own = spread(samples.map((s) => s.evaluationMs + s.activationMs));
    const evaluation = spread(samples.map((s) => s.evaluationMs));
    const load = spread(samples.map((s) => s.loadMs));
    const activate = spread(samples.map((s) => s.activationMs));
    const compile = spread(compileEstimateMs(path.join(build.dir, 'dist', 'extension.js'), testHost.hostPaths().nodeBinary));
    const host = `VS Code ${samples[0]?.vscode} extension host (code-server server-main), production bundle, ${runs} cold starts`;
    return [
      {
        key: 'activation_ms', value: round(own.median, 1), unit: 'ms', target: { kind: 'max', value: 50 }, samples: runs, min: round(own.min, 1), max: round(own.max, 1), rounds: runs,
        detail: `evaluating the bundle + activate(): the extension's own work; ${host}`,
      },
      {
        key: 'activation_evaluate_ms', value: round(evaluation.median, 1), unit: 'ms', samples: runs, min: round(evaluation.min, 1), max: round(evaluation.max, 1), rounds: runs,
        detail: 'the bundle\'s first line → all its modules evaluated',
      },
      {
        key: 'activate_call_ms', value: round(activate.median, 2), unit: 'ms', samples: runs, min: round(activate.min, 2), max: round(activate.max, 2), rounds: runs,
        detail: 'activate() alone',
      },
      {
        key: 'activation_wall_ms', value: round(load.median, 1), unit: 'ms', samples: runs, min: round(load.min, 1), max: round(load.max, 1), rounds: runs,
        detail: 'first line → activate() returned, wall: includes VS Code loading the ExtensionContext (storage) between evaluation and the activate() call, on a host busy starting the workbench',
      },
      {
        key: 'activation_compile_ms', value: round(compile.median, 1), unit: 'ms', samples: compile.count, min: round(compile.min, 1), max: round(compile.max, 1), rounds: compile.count,
        detail: `estimate: read + V8 compile of the bundle (vm.Script) in a fresh Node 24 (the host's); before the first line, not in activation_ms`,
      },
    ];
  },
};
