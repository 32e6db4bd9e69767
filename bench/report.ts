// Benchmark rows, their table, and their JSON file. Every suite reports rows of
// {name, ns_per_op, ops_per_s} (plus optional figures such as mb_per_s), where the name
// starts with the piece measured and names the implementation.

import { Bench } from 'tinybench';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Row {
  name: string;
  ns_per_op: number;
  ops_per_s: number;
  mb_per_s?: number;
  note?: string;
}

/** A task doing `ops` operations per call; `bytes` per call gives MB/s. */
export interface Case {
  name: string;
  ops: number;
  bytes?: number;
  fn: () => void;
  note?: string;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function row(name: string, nsPerOp: number, extra: Partial<Row> = {}): Row {
  return { name, ns_per_op: round(nsPerOp), ops_per_s: Math.round(1e9 / nsPerOp), ...extra };
}

/** Run cases with tinybench; the per-op time is the median call latency divided by ops. */
export async function runCases(cases: Case[], time = 500): Promise<Row[]> {
  const bench = new Bench({ time, warmupTime: 100 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  return cases.map((c) => {
    const task = bench.getTask(c.name)!;
    const res = task.result as unknown as { latency?: { p50: number }; error?: unknown };
    if (!res.latency) throw new Error(`benchmark ${c.name} failed: ${String(res.error)}`);
    const ns = (res.latency.p50 * 1e6) / c.ops;
    const extra: Partial<Row> = {};
    if (c.bytes) extra.mb_per_s = round(c.bytes / c.ops / ns * 1e3, 1);
    if (c.note) extra.note = c.note;
    return row(c.name, ns, extra);
  });
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(markdownTable(rows));
}

export function markdownTable(rows: Row[]): string {
  const mb = rows.some((r) => r.mb_per_s !== undefined);
  const head = `| benchmark | ns/op | ops/s |${mb ? ' MB/s |' : ''}`;
  const sep = `|---|---:|---:|${mb ? '---:|' : ''}`;
  const lines = rows.map((r) => `| ${r.name} | ${r.ns_per_op} | ${r.ops_per_s.toLocaleString('en-US')} |${mb ? ` ${r.mb_per_s ?? ''} |` : ''}`);
  return [head, sep, ...lines].join('\n');
}

export function writeResults(file: string, rows: Row[]): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const path = dir + file;
  writeFileSync(path, JSON.stringify(rows, null, 2) + '\n');
  return path;
}
