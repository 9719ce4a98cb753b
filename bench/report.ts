/** The human table and the machine line: the last line of stdout is one JSON object. */
import * as os from 'node:os';
import { describeTarget, verdict, type Figure } from './measurement';

export interface RunInfo {
  fleet: string;
  rounds: number;
  quick: boolean;
  durationS: number;
}

function cell(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${value}${unit === '×' || unit === '' ? '' : ` ${unit}`}`;
}

export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.key,
    cell(f.value, f.unit),
    describeTarget(f.target, f.unit),
    f.target ? verdict(f) : '',
    String(f.samples),
    f.min === undefined ? '' : `${cell(f.min, '')}–${cell(f.max, '')}${f.rounds ? ` (${f.rounds})` : ''}`,
    f.detail ?? '',
  ]);
  const header = ['figure', 'value', 'target', 'ok', 'samples', 'min–max (rounds)', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpu_mhz: cpus[0]?.speed || null,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    /** Other work on the machine when the run started: the context for the noise figures. */
    load_avg_1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function jsonLine(figures: readonly Figure[], info: RunInfo, host: Record<string, unknown>): string {
  const loadAtEnd = Math.round(os.loadavg()[0]! * 100) / 100;
  const out: Record<string, unknown> = {};
  const samples: Record<string, number> = {};
  const noise: Record<string, { min: number; max: number; rounds?: number }> = {};
  for (const f of figures) {
    out[f.key] = f.value;
    samples[f.key] = f.samples;
    if (f.min !== undefined && f.max !== undefined) noise[f.key] = { min: f.min, max: f.max, ...(f.rounds ? { rounds: f.rounds } : {}) };
  }
  out.targets_missed = figures.filter((f) => verdict(f) === 'MISS').map((f) => f.key);
  out.samples = samples;
  out.noise = noise;
  out.machine = { ...host, load_avg_1m_at_end: loadAtEnd };
  out.run = { fleet: info.fleet, rounds: info.rounds, quick: info.quick, duration_s: info.durationS, date: new Date().toISOString() };
  return JSON.stringify(out);
}
