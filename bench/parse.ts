// Trace reader benchmark: parse + validate throughput (MB/s, events/s) and peak memory over file
// size, through the public API (bindings/formats/index.ts), for both wire formats; and Go 1.19's
// own `go tool trace -d` on the same v1 files when /usr/lib/go-1.19/bin/go exists.
//
//   npx tsx bench/parse.ts                  # markdown table (default sizes)
//   npx tsx bench/parse.ts --quick          # small sizes only
//   npx tsx bench/parse.ts --v2-stream-mb 1000   # stream a 1 GB v2 trace (default 70 MB)
//   parseBench() returns the rows (bench/run.ts wires it in).
//
// Inputs (built once, cached in $TMPDIR/gotracesim-bench/):
//  - v1: the real fixture mixed.trace (Go 1.19.8) tiled to ~1.4 / 14 / 70 MB: each copy keeps
//    its events with goroutine ids, task ids, GC sequence numbers and tick-based times shifted
//    past the previous copy (the string and stack tables and the frequency written once), and a
//    ProcStop closes every P still running at the end of a copy. Each tiled file is checked to
//    validate before it is timed (a v1 trace cannot be concatenated: one header, global order).
//  - v2: Go1.22 traces written from the spec table with the v2 writer helpers: G generations,
//    each a Frequency batch, a Strings batch and 8 Ms with one ~40 KB batch each (a P, two
//    goroutines swapping by GoStop/GoStart); G chosen for ~14 / 70 MB (~330 KB per generation).
// Measurement: each case runs in a fresh child process (node --import tsx) so that peak RSS
// (getrusage maxrss) belongs to that case alone; the RSS before the timed call (input already
// in memory) is subtracted. Times are the median of several calls for small inputs. The
// streaming v2 case (readTrace over an async source that writes generation by generation, so the
// file never exists in memory) reports the peak heap sampled between generations against the
// largest generation's size.
// Go: wall time of `go tool trace -d FILE > /dev/null` (parse AND print every event, plus the go
// command's startup) via /usr/bin/time for its peak RSS; the ratio compares it to our readTrace
// (parse + validate + build every event object, nothing printed).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeUvarint, encodeUvarint } from '../bindings/formats/uvarint.ts';
import { readTrace, readTraceBatches, validateTrace, v1, v2 } from '../bindings/formats/index.ts';
import { concatBytes } from '../bindings/formats/bytes.ts';
import { GO119_DIR } from '../test/data.ts';

const FIXTURES = GO119_DIR; // the real Go 1.19 fixtures (test/fixtures/go1.19)
const SELF = fileURLToPath(import.meta.url);
const CACHE = join(tmpdir(), 'gotracesim-bench');
const GO = '/usr/lib/go-1.19/bin/go';

export interface ParseRow {
  name: string;
  ns_per_op: number;
  ops_per_s: number;
  mb_per_s: number;
  events_per_s: number;
  size_mb: number;
  events: number;
  /** Peak RSS above the RSS with the input loaded (MB). */
  peak_rss_mb: number;
  /** Largest generation (MB, v2) for the memory bound. */
  max_gen_mb?: number;
  /** Peak heap above the baseline, sampled between generations (MB, v2 streaming). */
  peak_heap_mb?: number;
  note?: string;
}

// ---------------------------------------------------------------------------------------------
// v1: tile a real trace.

export function tileV1(src: Uint8Array, copies: number): Uint8Array {
  const { readV1Wire, parseV1, V1_EVENTS, argsFor, argCountCode, EvBatch, EvFrequency, EvStack, EvString, EvUserLog, EvProcStop, EvGCStart, EvGoSysExit, EvCPUSample } = v1;
  const ver = v1.readV1Header(src);
  const w = readV1Wire(src);
  let minTs = Infinity;
  let maxTs = 0;
  for (let i = 0; i < w.n; i++) {
    minTs = Math.min(minTs, w.ts[i]);
    maxTs = Math.max(maxTs, w.ts[i]);
  }
  const running = new Map<number, boolean>();
  let gcs = 0;
  for (const e of parseV1(src).events) {
    if (e.name === 'ProcStart') running.set(e.p, true);
    if (e.name === 'ProcStop') running.set(e.p, false);
    if (e.name === 'GCStart') gcs++;
  }
  const openPs = [...running].filter(([, r]) => r).map(([p]) => p);
  const span = maxTs - minTs + 1000;
  const SHIFT = 1 << 20;
  const parts: Uint8Array[] = [src.subarray(0, 16)];
  const r = { value: 0, len: 0 };
  const names = V1_EVENTS.map((s) => argsFor(s, ver));
  const buf = new Uint8Array(1 << 16);
  for (let k = 0; k < copies; k++) {
    // Shifted ids and times take more bytes than the originals: up to 3 per small argument.
    const out = new Uint8Array(src.length * 3 + 4096);
    let o = 0;
    const put = (v: number) => (o = encodeUvarint(out, o, v));
    const dt = k * span;
    let pos = 16;
    while (pos < src.length) {
      const start = pos;
      const b = src[pos++];
      const typ = b & 0x3f;
      const code = b >> 6;
      if (typ === EvString) {
        decodeUvarint(src, pos, src.length, r);
        pos += r.len;
        decodeUvarint(src, pos, src.length, r);
        pos += r.len + r.value;
        if (k === 0) {
          out.set(src.subarray(start, pos), o);
          o += pos - start;
        }
        continue;
      }
      // Values, and their raw bytes (kept as written unless shifted: 2^64-1 does not survive a number).
      const vals: number[] = [];
      const raw: Uint8Array[] = [];
      const arg = () => {
        decodeUvarint(src, pos, src.length, r);
        vals.push(r.value);
        raw.push(src.subarray(pos, pos + r.len));
        pos += r.len;
      };
      if (code < 3) {
        for (let a = 0; a <= code; a++) arg();
      } else {
        decodeUvarint(src, pos, src.length, r);
        pos += r.len;
        const end = pos + r.value;
        while (pos < end) arg();
      }
      const orig = vals.slice();
      let tail: Uint8Array | null = null;
      if (typ === EvUserLog) {
        const s = pos;
        decodeUvarint(src, pos, src.length, r);
        pos += r.len + r.value;
        tail = src.subarray(s, pos);
      }
      if (typ === EvStack || typ === EvFrequency) {
        if (k === 0) {
          out.set(src.subarray(start, pos), o);
          o += pos - start;
        }
        continue;
      }
      // Argument names: [ts delta, ...spec args, stack]; Batch is [p, ticks].
      const an = typ === EvBatch ? ['p', 'ticks'] : ['', ...names[typ]];
      for (let a = 0; a < vals.length && a < an.length; a++) {
        const name = an[a];
        const v = vals[a];
        if (name === 'ticks') vals[a] = v + dt;
        else if (name === 'g' && v !== 0 && v < 2 ** 40) vals[a] = v + k * SHIFT;
        else if ((name === 'taskid' || name === 'pid') && v !== 0) vals[a] = v + k * SHIFT;
        else if (name === 'seq' && typ === EvGCStart) vals[a] = v + k * gcs;
        else if (name === 'ts' && (typ === EvGoSysExit || typ === EvCPUSample) && v !== 0) vals[a] = v + dt;
      }
      let bl = 0;
      for (let a = 0; a < vals.length; a++) {
        if (vals[a] === orig[a]) {
          buf.set(raw[a], bl);
          bl += raw[a].length;
        } else bl = encodeUvarint(buf, bl, vals[a]);
      }
      out[o++] = typ | (code << 6);
      if (code === 3) put(bl);
      out.set(buf.subarray(0, bl), o);
      o += bl;
      if (tail) {
        out.set(tail, o);
        o += tail.length;
      }
    }
    for (const p of openPs) {
      out[o++] = EvBatch | (argCountCode(2) << 6);
      put(p);
      put(maxTs + dt + 10);
      out[o++] = EvProcStop | (argCountCode(1) << 6);
      put(0);
    }
    parts.push(out.slice(0, o));
  }
  return concatBytes(parts);
}


// ---------------------------------------------------------------------------------------------
// v2: write generations from the spec table.

const V2_MS = 8;
const V2_SWAPS = 4000;

/** The wire bytes of generation `gen` (1-based) of the synthetic Go1.22 trace. */
function v2Generation(gen: number): Uint8Array {
  const { batchHeaderSize, writeBatchHeader, writeEvent, NoThread, EvFrequency, EvStrings, EvString, EvProcStatus, EvGoStatus, EvGoStop, EvGoStart } = v2;
  const chunks: Uint8Array[] = [];
  const batch = new Uint8Array(64 << 10);
  const time = 1000 + (gen - 1) * 10_000_000;
  const put = (m: number | bigint, t: number, n: number) => {
    const h = new Uint8Array(batchHeaderSize(gen, m, t, n));
    writeBatchHeader(h, 0, gen, m, t, n);
    chunks.push(h, batch.slice(0, n));
  };
  let n = 0;
  batch[n++] = EvFrequency;
  n = encodeUvarint(batch, n, 15625000);
  put(NoThread, time, n);
  n = 0;
  batch[n++] = EvStrings;
  batch[n++] = EvString;
  n = encodeUvarint(batch, n, 1);
  n = encodeUvarint(batch, n, 7);
  batch.set(new TextEncoder().encode('yielded'), n);
  n += 7;
  put(NoThread, time, n);
  for (let m = 0; m < V2_MS; m++) {
    const g1 = 2 * m + 1;
    const g2 = 2 * m + 2;
    n = 0;
    const ev = (type: number, ...args: Array<number | bigint>) => {
      n = writeEvent(batch, n, type, args);
    };
    // V2_SWAPS is even: every generation starts with g1 running.
    ev(EvProcStatus, 1, m, 1);
    ev(EvGoStatus, 1, g1, 100 + m, 2);
    ev(EvGoStatus, 1, g2, NoThread, 1);
    let other = g2;
    let cur = g1;
    const seq: Record<number, number> = { [g1]: 0, [g2]: 0 };
    for (let k = 0; k < V2_SWAPS; k++) {
      ev(EvGoStop, 2 + (k % 3), 1, 0);
      ev(EvGoStart, 1 + (k % 4), other, ++seq[other]);
      [cur, other] = [other, cur];
    }
    void cur;
    put(100 + m, time + m, n);
  }
  return concatBytes(chunks);
}

function v2Trace(gens: number): Uint8Array {
  const parts: Uint8Array[] = [v2.headerFor(22)];
  for (let g = 1; g <= gens; g++) parts.push(v2Generation(g));
  return concatBytes(parts);
}

async function* v2Stream(gens: number): AsyncGenerator<Uint8Array> {
  yield v2.headerFor(22);
  for (let g = 1; g <= gens; g++) yield v2Generation(g);
}

// ---------------------------------------------------------------------------------------------
// Inputs on disk.

interface Input {
  name: string;
  file: string;
  kind: 'v1' | 'v2';
}

function v1Input(mb: number): Input {
  const file = join(CACHE, `v1-mixed-${mb}MB.trace`);
  if (!existsSync(file)) {
    const src = new Uint8Array(readFileSync(join(FIXTURES, 'mixed.trace')));
    const one = tileV1(src, 1).length;
    const more = tileV1(src, 2).length - one; // later copies: no tables, wider ids
    const copies = Math.max(1, 1 + Math.round((mb * 1e6 - one) / more));
    const t = tileV1(src, copies);
    const err = v1.validateV1(t);
    if (err) throw new Error(`tiled v1 trace (${copies} copies) does not validate: ${err.message} at ${err.offset}`);
    writeFileSync(file, t);
  }
  return { name: `v1 go1.19 mixed.trace tiled to ${(statSync(file).size / 1e6).toFixed(1)} MB`, file, kind: 'v1' };
}

function v2Gens(mb: number): number {
  return Math.max(1, Math.round((mb * 1e6) / v2Generation(1).length));
}

function v2Input(mb: number): Input {
  const file = join(CACHE, `v2-synth-${mb}MB.trace`);
  if (!existsSync(file)) {
    const t = v2Trace(v2Gens(mb));
    const err = v2.validateV2(t);
    if (err) throw new Error(`synthetic v2 trace does not validate: ${err.message}`);
    writeFileSync(file, t);
  }
  return { name: `v2 go1.22 synthetic ${mb} MB`, file, kind: 'v2' };
}

// ---------------------------------------------------------------------------------------------
// Child side: one case per process.

interface ChildResult {
  ms: number;
  events: number;
  bytes: number;
  peakRssMB: number;
  peakHeapMB?: number;
  maxGenMB?: number;
}

/** Every event through readTraceBatches (arrays per reader step; readTrace adds one await per event). */
async function drain(input: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const evs of readTraceBatches(input)) n += evs.length;
  return n;
}

async function child(spec: { op: string; file?: string; gens?: number; reps: number }): Promise<ChildResult> {
  if (spec.op === 'v2-stream') {
    // Generation-by-generation source: the trace never exists in memory as a whole.
    const gens = spec.gens!;
    const genBytes = v2Generation(1).length;
    (globalThis as { gc?: () => void }).gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    let peakHeap = 0;
    let n = 0;
    let lastGen = 0;
    const t0 = performance.now();
    const gc = (globalThis as { gc?: () => void }).gc;
    let gcMs = 0;
    for await (const ev of readTrace(v2Stream(gens))) {
      n++;
      if (ev.gen !== lastGen) {
        lastGen = ev.gen;
        // Live heap (after a full GC) every 8th generation; the GC time is not counted.
        if (gc && lastGen % 8 === 0) {
          const g0 = performance.now();
          gc();
          gcMs += performance.now() - g0;
        }
        const h = process.memoryUsage().heapUsed - heap0;
        if ((gc ? lastGen % 8 === 0 : true) && h > peakHeap) peakHeap = h;
      }
    }
    const ms = performance.now() - t0 - gcMs;
    const peakRss = process.resourceUsage().maxRSS * 1024 - rss0;
    return { ms, events: n, bytes: 16 + gens * genBytes, peakRssMB: peakRss / 1e6, peakHeapMB: peakHeap / 1e6, maxGenMB: genBytes / 1e6 };
  }
  const bytes = new Uint8Array(readFileSync(spec.file!));
  const rss0 = process.memoryUsage().rss;
  const times: number[] = [];
  let events = 0;
  for (let i = 0; i < spec.reps; i++) {
    const t0 = performance.now();
    if (spec.op === 'validate') {
      const err = await validateTrace(bytes);
      if (err) throw err;
    } else {
      events = await drain(bytes);
    }
    times.push(performance.now() - t0);
  }
  const peakRssMB = (process.resourceUsage().maxRSS * 1024 - rss0) / 1e6;
  if (spec.op === 'validate') events = await drain(bytes); // after the peak was taken
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  return { ms, events, bytes: bytes.length, peakRssMB };
}

function runChild(spec: object): ChildResult {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', SELF, '--child', JSON.stringify(spec)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`bench child failed (${JSON.stringify(spec)}): ${r.stderr}`);
  return JSON.parse(line.slice(7));
}

function goDump(file: string): { ms: number; peakRssMB: number } | null {
  if (!existsSync(GO)) return null;
  const env = { ...process.env, GOCACHE: join(CACHE, 'gocache'), HOME: CACHE, GOTOOLCHAIN: 'local' };
  const t0 = performance.now();
  const r = spawnSync('/bin/sh', ['-c', `/usr/bin/time -f '%M' ${GO} tool trace -d '${file}' > /dev/null`], { encoding: 'utf8', env });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`go tool trace -d ${file}: ${r.stderr.slice(0, 500)}`);
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  return { ms, peakRssMB: (kb * 1024) / 1e6 };
}

// ---------------------------------------------------------------------------------------------

const r1 = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function mkRow(name: string, c: ChildResult, note?: string): ParseRow {
  const s = c.ms / 1000;
  const row: ParseRow = {
    name,
    ns_per_op: Math.round(c.ms * 1e6),
    ops_per_s: r1(1 / s, 3),
    mb_per_s: r1(c.bytes / 1e6 / s),
    events_per_s: Math.round(c.events / s),
    size_mb: r1(c.bytes / 1e6, 2),
    events: c.events,
    peak_rss_mb: r1(c.peakRssMB),
  };
  if (c.maxGenMB !== undefined) row.max_gen_mb = r1(c.maxGenMB, 2);
  if (c.peakHeapMB !== undefined) row.peak_heap_mb = r1(c.peakHeapMB);
  if (note) row.note = note;
  return row;
}

export interface ParseBenchOptions {
  v1Sizes?: number[];
  v2Sizes?: number[];
  /** Also stream a v2 trace of this many MB through readTrace (0: no). */
  v2StreamMB?: number;
  /** Largest v1 file Go 1.19 is timed on (its parser holds every event: GBs for large files). */
  goMaxMB?: number;
  /** Largest v1 file whose events are all built (parseV1 holds every event object: ~250 B each). */
  v1ParseMaxMB?: number;
  log?: (s: string) => void;
}

export async function parseBench(opts: ParseBenchOptions = {}): Promise<ParseRow[]> {
  mkdirSync(CACHE, { recursive: true });
  const log = opts.log ?? (() => {});
  const rows: ParseRow[] = [];
  const reps = (mb: number) => (mb <= 2 ? 7 : mb <= 20 ? 3 : 1);
  for (const mb of opts.v1Sizes ?? [1.4, 14, 70]) {
    const inp = v1Input(mb);
    log(`${inp.name} ...`);
    const val = runChild({ op: 'validate', file: inp.file, reps: reps(mb) });
    rows.push(mkRow(`${inp.name}: validateTrace`, val));
    if (mb > (opts.v1ParseMaxMB ?? 14)) continue;
    const parse = runChild({ op: 'read', file: inp.file, reps: reps(mb) });
    rows.push(mkRow(`${inp.name}: readTraceBatches (parse + validate + event objects)`, parse));
    if (mb <= (opts.goMaxMB ?? 14)) {
      const go = goDump(inp.file);
      if (go) {
        const ratio = go.ms / parse.ms;
        rows.push({
          name: `${inp.name}: go 1.19 \`go tool trace -d\` (parse + print)`,
          ns_per_op: Math.round(go.ms * 1e6),
          ops_per_s: r1(1000 / go.ms, 3),
          mb_per_s: r1(parse.bytes / 1e6 / (go.ms / 1000)),
          events_per_s: Math.round(parse.events / (go.ms / 1000)),
          size_mb: r1(parse.bytes / 1e6, 2),
          events: parse.events,
          peak_rss_mb: r1(go.peakRssMB),
          note: `Go time / our readTraceBatches time = ${r1(ratio, 2)} (Go parses and prints; we parse, validate and build event objects)`,
        });
      }
    }
  }
  for (const mb of opts.v2Sizes ?? [14, 70]) {
    const inp = v2Input(mb);
    log(`${inp.name} ...`);
    rows.push(mkRow(`${inp.name}: validateTrace`, runChild({ op: 'validate', file: inp.file, reps: reps(mb) })));
    rows.push(mkRow(`${inp.name}: readTraceBatches (parse + validate + event objects)`, runChild({ op: 'read', file: inp.file, reps: reps(mb) })));
  }
  const smb = opts.v2StreamMB ?? 70;
  if (smb > 0) {
    const gens = v2Gens(smb);
    log(`v2 stream ${smb} MB ...`);
    const c = runChild({ op: 'v2-stream', gens, reps: 1 });
    rows.push(
      mkRow(`v2 go1.22 synthetic ${smb} MB streamed (async source, generation by generation): readTrace per event`, c, `peak live heap ${r1(c.peakHeapMB! / c.maxGenMB!)}x the largest generation`),
    );
  }
  return rows;
}

export function markdown(rows: ParseRow[]): string {
  const out = [
    '| case | size MB | events | ms | MB/s | M events/s | peak RSS MB (above input) | note |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    let note = r.note ?? '';
    if (r.max_gen_mb !== undefined) note = `largest generation ${r.max_gen_mb} MB, peak heap ${r.peak_heap_mb} MB; ${note}`;
    out.push(
      `| ${r.name} | ${r.size_mb} | ${r.events.toLocaleString('en-US')} | ${(r.ns_per_op / 1e6).toFixed(1)} | ${r.mb_per_s} | ${(r.events_per_s / 1e6).toFixed(2)} | ${r.peak_rss_mb} | ${note} |`,
    );
  }
  return out.join('\n');
}

const argv = process.argv;
if (argv[1] && fileURLToPath(import.meta.url) === argv[1]) {
  const ci = argv.indexOf('--child');
  if (ci >= 0) {
    const res = await child(JSON.parse(argv[ci + 1]));
    console.log('RESULT ' + JSON.stringify(res));
  } else {
    const quick = argv.includes('--quick');
    const si = argv.indexOf('--v2-stream-mb');
    const rows = await parseBench({
      v1Sizes: quick ? [1.4] : undefined,
      v2Sizes: quick ? [14] : undefined,
      v2StreamMB: si >= 0 ? Number(argv[si + 1]) : quick ? 14 : undefined,
      log: (s) => process.stderr.write(s + '\n'),
    });
    console.log(markdown(rows));
  }
}
