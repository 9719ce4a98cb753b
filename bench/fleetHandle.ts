/**
 * Starts the fake provider fleet for the benchmark and scripts it: in a child process by default
 * (like a real provider, it then runs on its own core and its work is not counted in the
 * client's timings), or in this process with `--fleet=inline`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { FakeFleet, type Behaviour } from '../test/fixtures/fleet';

export interface FleetHandle {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly where: 'child process' | 'this process';
  /** Every request to `model` behaves like this from now on. */
  setDefault(model: string, behaviour: Behaviour): Promise<void>;
  close(): Promise<void>;
}

export async function startFleet(where: 'child' | 'inline'): Promise<FleetHandle> {
  return where === 'inline' ? startInline() : startChild();
}

async function startInline(): Promise<FleetHandle> {
  const fleet = new FakeFleet();
  const baseUrl = await fleet.start();
  return {
    baseUrl,
    apiKey: fleet.apiKey,
    where: 'this process',
    setDefault: async (model, behaviour) => fleet.setDefault(model, behaviour),
    close: () => fleet.close(),
  };
}

async function startChild(): Promise<FleetHandle> {
  // bench.js and fleetServer.js sit side by side in out/bench.
  const child = spawn(process.execPath, [path.join(__dirname, 'fleetServer.js')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const { baseUrl, apiKey } = await firstLine(child);
  // Control traffic has its own pool: it must not warm or occupy the connections being timed.
  const control = new Agent({ keepAliveTimeout: 10_000 });
  return {
    baseUrl,
    apiKey,
    where: 'child process',
    async setDefault(model, behaviour) {
      const response = await request(`${baseUrl}/__fleet/default`, {
        method: 'POST',
        dispatcher: control,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, behaviour }),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`fleet refused the behaviour of ${model}: HTTP ${response.statusCode} ${text}`);
    },
    async close() {
      await control.close();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function firstLine(child: ChildProcess): Promise<{ baseUrl: string; apiKey: string }> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const fail = (why: string) => {
      lines.close();
      reject(new Error(`the fleet process ${why}`));
    };
    child.once('exit', (code) => fail(`exited early (code ${code})`));
    child.once('error', (error) => fail(`failed to start: ${error.message}`));
    lines.once('line', (line) => {
      lines.close();
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(line) as { baseUrl: string; apiKey: string });
      } catch {
        reject(new Error(`the fleet process printed ${JSON.stringify(line)} instead of its address`));
      }
    });
  });
}
