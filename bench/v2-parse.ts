// Standalone timing of the Go1.22+ (v2) reader on synthetic traces (bench/v2-memory.ts's
// synthV2: 8 Ms, ~2000 goroutines, ~4.4 bytes per event, ~8 MB generations).
//
//   npx tsx bench/v2-parse.ts                     # sizes 4, 16, 64 MB; 7 rounds
//   npx tsx bench/v2-parse.ts --sizes 16,67 --rounds 9 --read-max 16
//
// Prints MB/s and M events/s, the median of `rounds` timed runs after one warm-up run, by
// wall clock and by this process's CPU time (user+system; steadier on a shared machine),
// for validateV2 (parse + ordering validation, no events kept), countsV2, and readV2Sync
// (TraceEvent objects; only for sizes up to --read-max MB, it needs ~250 bytes per event).

import { countsV2, readV2Sync, validateV2 } from '../bindings/formats/v2/index.ts';
import { synthV2, type SynthStats } from './v2-memory.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const MB = 1 << 20;

function build(sizeMB: number): { bytes: Uint8Array; stats: SynthStats } {
  const stats: SynthStats = { bytes: 0, events: 0, gens: 0, maxGenBytes: 0 };
  const parts: Uint8Array[] = [];
  for (const c of synthV2({ totalBytes: sizeMB * MB, genBytes: 8 * MB }, stats)) parts.push(c);
  const bytes = new Uint8Array(stats.bytes);
  let p = 0;
  for (const c of parts) {
    bytes.set(c, p);
    p += c.length;
  }
  return { bytes, stats };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median wall and CPU (user+system of this process) seconds. */
function time(rounds: number, f: () => void): { wall: number; cpu: number } {
  f(); // warm-up
  const ws: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    ws.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { wall: median(ws) / 1000, cpu: median(cs) / 1000 };
}

const sizes = (arg('--sizes') ?? '4,16,64').split(',').map(Number);
const rounds = Number(arg('--rounds') ?? 7);
const readMax = Number(arg('--read-max') ?? 16);
console.log(`v2 parse: node ${process.version}, median of ${rounds} rounds (after 1 warm-up)`);
console.log('size      events     what        wall ms    MB/s  M ev/s |  cpu ms    MB/s  M ev/s');
for (const size of sizes) {
  const { bytes, stats } = build(size);
  const err = validateV2(bytes);
  if (err) throw err;
  const row = (what: string, f: () => void): void => {
    const { wall, cpu } = time(rounds, f);
    const cols = (s: number): string =>
      `${(s * 1000).toFixed(0).padStart(7)} ${(bytes.length / MB / s).toFixed(1).padStart(7)} ${(stats.events / 1e6 / s).toFixed(2).padStart(7)}`;
    console.log(
      `${(bytes.length / MB).toFixed(1).padStart(6)} MB ${(stats.events / 1e6).toFixed(2).padStart(7)} M  ${what.padEnd(11)}${cols(wall)} | ${cols(cpu)}`,
    );
  };
  row('validateV2', () => {
    if (validateV2(bytes) !== null) throw new Error('invalid');
  });
  row('countsV2', () => {
    if (countsV2(bytes).error !== null) throw new Error('invalid');
  });
  if (size <= readMax) {
    row('readV2Sync', () => {
      const r = readV2Sync(bytes);
      if (r.error !== null || r.events.length !== stats.events) throw new Error('readV2Sync');
    });
  }
}
