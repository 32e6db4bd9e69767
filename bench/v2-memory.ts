// Streaming memory of the Go1.22+ (v2) reader.
//
//   npx tsx bench/v2-memory.ts [sizeMB] [--gen-mb N] [--mode synth|validate|read|both] [--chunk-kb K] [--gc-every C]
//
// Synthesizes a valid Go1.22 trace generation by generation with the v2 writer helpers
// (headerFor, writeBatchHeader, writeEvent), never holding the whole file: the bytes are
// an async iterable of chunks (one per batch, regrouped into --chunk-kb chunks). The
// stream goes through validateV2Stream (no events kept) and/or readV2 (events consumed
// and dropped); `synth` runs the synthesizer alone, as the baseline. Reported next to the largest generation's byte size, as growth over the
// start: the peak of heapUsed+external right after a full GC (every C chunks, default 8:
// the memory really held), the peak heapUsed+external sampled every 4 chunks (garbage
// included) and the peak RSS.
//
// The synthetic program: nm Ms each own P m; a pool of goroutines moves between a run
// queue, the Ms and a wait set (GoStart / GoStop / GoBlock / GoUnblock), with syscalls,
// GoCreate / GoDestroy, HeapAlloc and GoLabel. Every event depends on the others through
// goroutine and proc sequence numbers, so the ordering state machine does real work.
// `synthV2` is also used by bench/v2-parse.ts.

import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  EvFrequency,
  EvGoBlock,
  EvGoCreate,
  EvGoDestroy,
  EvGoLabel,
  EvGoStart,
  EvGoStatus,
  EvGoStop,
  EvGoSyscallBegin,
  EvGoSyscallEnd,
  EvGoUnblock,
  EvHeapAlloc,
  EvProcStatus,
  EvStack,
  EvStacks,
  EvString,
  EvStrings,
  MaxBatchSize,
  NoThread,
  batchHeaderSize,
  headerFor,
  readV2,
  validateV2Stream,
  writeBatchHeader,
  writeEvent,
} from '../bindings/formats/v2/index.ts';

export interface SynthOptions {
  /** Stop after this many bytes (approximately; whole generations). */
  totalBytes: number;
  /** Bytes per generation (approximately). */
  genBytes: number;
  /** Threads (each owns one P). */
  nm?: number;
  /** Goroutines alive (about). */
  ng?: number;
  seed?: number;
  /** Events a thread writes in a row before another may: uniform in [1, burst]. Default 16. */
  burst?: number;
}

export interface SynthStats {
  bytes: number;
  events: number;
  gens: number;
  maxGenBytes: number;
}

const NSTACKS = 32;
const NSTRINGS = 16;

/**
 * Yields the trace as chunks: the header, then every batch (header + payload) as soon as it
 * is complete. `stats` is filled in as it goes.
 */
export function* synthV2(o: SynthOptions, stats: SynthStats): Generator<Uint8Array> {
  const nm = o.nm ?? 8;
  const ng = o.ng ?? 2000;
  const burstMax = o.burst ?? 16;
  let rng = (o.seed ?? 1) >>> 0 || 1;
  const rand = (): number => {
    rng ^= rng << 13;
    rng >>>= 0;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    rng >>>= 0;
    return rng;
  };
  const hdr = headerFor(22);
  stats.bytes = hdr.length;
  stats.events = 0;
  stats.gens = 0;
  stats.maxGenBytes = 0;
  yield hdr;

  // Goroutine state: 0 = dead, 1 = runnable, 2 = running, 4 = waiting (Go's GoStatus values).
  const maxG = ng * 4 + 16;
  const gStatus = new Uint8Array(maxG);
  const gSeq = new Float64Array(maxG);
  const gM = new Int32Array(maxG).fill(-1);
  const runQ = new Int32Array(maxG);
  let qHead = 0;
  let qLen = 0;
  const waiting: number[] = [];
  const free: number[] = [];
  let live = 0;
  for (let g = ng; g >= 1; g--) free.push(g);
  for (let g = maxG - 1; g > ng; g--) free.unshift(g);
  const push = (g: number): void => {
    runQ[(qHead + qLen) % maxG] = g;
    qLen++;
  };
  const pop = (): number => {
    const g = runQ[qHead];
    qHead = (qHead + 1) % maxG;
    qLen--;
    return g;
  };
  // Initial goroutines: all runnable.
  for (let i = 0; i < ng / 2; i++) {
    const g = free.pop()!;
    gStatus[g] = 1;
    live++;
    push(g);
  }
  const mG = new Int32Array(nm).fill(0);
  const pSeq = new Float64Array(nm);

  // Per-M batch buffers.
  const bufs: Uint8Array[] = [];
  const pos = new Int32Array(nm);
  const base = new Float64Array(nm);
  const last = new Float64Array(nm);
  for (let m = 0; m < nm; m++) bufs.push(new Uint8Array(MaxBatchSize));
  let gen = 0;
  let genBytes = 0;
  let t = 1000;
  const a1 = [0];
  const a2 = [0, 0];
  const a3 = [0, 0, 0];
  const a4: Array<number | bigint> = [0, 0, 0, 0];

  const frame = (m: number | bigint, time: number, payload: Uint8Array, n: number): Uint8Array => {
    const h = batchHeaderSize(gen, m, time, n);
    const out = new Uint8Array(h + n);
    writeBatchHeader(out, 0, gen, m, time, n);
    out.set(payload.subarray(0, n), h);
    genBytes += out.length;
    stats.bytes += out.length;
    return out;
  };
  const flush = (m: number): Uint8Array | null => {
    if (pos[m] === 0) return null;
    const out = frame(100 + m, base[m], bufs[m], pos[m]);
    pos[m] = 0;
    return out;
  };
  /** Start an event on M m: returns dt (and opens a batch if needed). */
  const dtFor = (m: number): number => {
    t += 1 + (rand() & 3);
    if (pos[m] === 0) {
      base[m] = t;
      last[m] = t;
    }
    const dt = t - last[m];
    last[m] = t;
    stats.events++;
    return dt;
  };
  const ev = (m: number, type: number, args: ArrayLike<number | bigint>): void => {
    pos[m] = writeEvent(bufs[m], pos[m], type, args);
  };
  const stack = (): number => 1 + (rand() % NSTACKS);

  while (stats.bytes < o.totalBytes) {
    gen++;
    genBytes = 0;
    // Sync batch, strings, stacks.
    const tb = new Uint8Array(MaxBatchSize);
    let n = 0;
    tb[n++] = EvFrequency;
    n = writeEvent(tb, 0, EvFrequency, [15625000]); // 64 ns per tick, as on Linux
    yield frame(NoThread, t, tb, n);
    n = 0;
    tb[n++] = EvStrings;
    const enc = new TextEncoder();
    for (let id = 1; id <= NSTRINGS; id++) n = writeEvent(tb, n, EvString, [id], enc.encode(`runtime.func${id}`));
    yield frame(NoThread, t, tb, n);
    n = 0;
    tb[n++] = EvStacks;
    for (let id = 1; id <= NSTACKS; id++) {
      const nf = 1 + (id % 5);
      tb[n++] = EvStack;
      n = writeEvent(tb, n - 1, EvStack, [id, nf]);
      for (let f = 0; f < nf; f++) {
        const pc = 0x401000 + id * 64 + f;
        a4[0] = pc;
        a4[1] = 1 + ((id + f) % NSTRINGS);
        a4[2] = 1 + (f % NSTRINGS);
        a4[3] = 10 + f;
        for (let k = 0; k < 4; k++) n = writeVarint(tb, n, a4[k] as number);
      }
    }
    yield frame(NoThread, t, tb, n);
    // Statuses: each M's P and running G, then every other live goroutine on M 0.
    for (let m = 0; m < nm; m++) {
      pSeq[m] = 0;
      a3[0] = dtFor(m);
      a3[1] = m;
      a3[2] = 1;
      ev(m, EvProcStatus, a3);
      const g = mG[m];
      if (g !== 0) {
        gSeq[g] = 0;
        a4[0] = dtFor(m);
        a4[1] = g;
        a4[2] = 100 + m;
        a4[3] = 2;
        ev(m, EvGoStatus, a4);
      }
    }
    for (let g = 1; g < maxG; g++) {
      const s = gStatus[g];
      if (s === 0 || s === 2) continue;
      gSeq[g] = 0;
      a4[0] = dtFor(0);
      a4[1] = g;
      a4[2] = NoThread;
      a4[3] = s;
      ev(0, EvGoStatus, a4);
      if (pos[0] > MaxBatchSize - 64) yield flush(0)!;
    }
    let m = 0;
    let burst = 0;
    while (genBytes < o.genBytes && stats.bytes < o.totalBytes) {
      // Threads run in bursts (a scheduling quantum's worth of events), as in real traces.
      if (burst-- <= 0) {
        m = rand() % nm;
        burst = rand() % burstMax;
      }
      const g = mG[m];
      if (g === 0) {
        if (qLen > 0) {
          const ng2 = pop();
          a3[0] = dtFor(m);
          a3[1] = ng2;
          a3[2] = ++gSeq[ng2];
          ev(m, EvGoStart, a3);
          gStatus[ng2] = 2;
          mG[m] = ng2;
        } else {
          a2[0] = dtFor(m);
          a2[1] = rand() & 0xffffff;
          ev(m, EvHeapAlloc, a2);
        }
      } else {
        const r = rand() % 100;
        if (r < 30) {
          a3[0] = dtFor(m);
          a3[1] = 1 + (r % NSTRINGS);
          a3[2] = stack();
          ev(m, EvGoStop, a3);
          gStatus[g] = 1;
          push(g);
          mG[m] = 0;
        } else if (r < 48) {
          a3[0] = dtFor(m);
          a3[1] = 1 + (r % NSTRINGS);
          a3[2] = stack();
          ev(m, EvGoBlock, a3);
          gStatus[g] = 4;
          waiting.push(g);
          mG[m] = 0;
        } else if (r < 66) {
          if (waiting.length > 0) {
            const i = rand() % waiting.length;
            const w = waiting[i];
            waiting[i] = waiting[waiting.length - 1];
            waiting.pop();
            a4[0] = dtFor(m);
            a4[1] = w;
            a4[2] = ++gSeq[w];
            a4[3] = stack();
            ev(m, EvGoUnblock, a4);
            gStatus[w] = 1;
            push(w);
          }
        } else if (r < 76) {
          a3[0] = dtFor(m);
          a3[1] = ++pSeq[m];
          a3[2] = stack();
          ev(m, EvGoSyscallBegin, a3);
          a1[0] = dtFor(m);
          ev(m, EvGoSyscallEnd, a1);
        } else if (r < 80) {
          if (live < ng && free.length > 0) {
            const c = free.pop()!;
            a4[0] = dtFor(m);
            a4[1] = c;
            a4[2] = stack();
            a4[3] = stack();
            ev(m, EvGoCreate, a4);
            gStatus[c] = 1;
            gSeq[c] = 0;
            live++;
            push(c);
          }
        } else if (r < 82) {
          if (live > ng / 4) {
            a1[0] = dtFor(m);
            ev(m, EvGoDestroy, a1);
            gStatus[g] = 0;
            free.unshift(g);
            live--;
            mG[m] = 0;
          }
        } else if (r < 92) {
          a2[0] = dtFor(m);
          a2[1] = rand() & 0xffffff;
          ev(m, EvHeapAlloc, a2);
        } else {
          a2[0] = dtFor(m);
          a2[1] = 1 + (r % NSTRINGS);
          ev(m, EvGoLabel, a2);
        }
      }
      if (pos[m] > MaxBatchSize - 64) yield flush(m)!;
    }
    for (let m = 0; m < nm; m++) {
      const b = flush(m);
      if (b) yield b;
    }
    stats.gens = gen;
    if (genBytes > stats.maxGenBytes) stats.maxGenBytes = genBytes;
    void gM;
  }
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Regroup synthV2's batches into chunks of about chunkBytes (a new array each time). */
export function* rechunk(src: Iterable<Uint8Array>, chunkBytes: number): Generator<Uint8Array> {
  let acc: Uint8Array[] = [];
  let n = 0;
  for (const b of src) {
    acc.push(b);
    n += b.length;
    if (n >= chunkBytes) {
      const out = new Uint8Array(n);
      let p = 0;
      for (const a of acc) {
        out.set(a, p);
        p += a.length;
      }
      yield out;
      acc = [];
      n = 0;
    }
  }
  if (n > 0) {
    const out = new Uint8Array(n);
    let p = 0;
    for (const a of acc) {
      out.set(a, p);
      p += a.length;
    }
    yield out;
  }
}

interface Peak {
  rss: number;
  /** heapUsed + external (ArrayBuffers), garbage included. */
  heap: number;
  /** heapUsed + external right after a full GC: what is really held. */
  live: number;
}

function sample(p: Peak): void {
  const u = process.memoryUsage();
  if (u.rss > p.rss) p.rss = u.rss;
  const h = u.heapUsed + u.external;
  if (h > p.heap) p.heap = h;
}

// A full GC on demand without --expose-gc on the command line.
v8.setFlagsFromString('--expose-gc');
const fullGC = vm.runInNewContext('gc') as () => void;

function sampleLive(p: Peak): void {
  sample(p);
  fullGC();
  const u = process.memoryUsage();
  const h = u.heapUsed + u.external;
  if (h > p.live) p.live = h;
}

async function* source(
  o: SynthOptions,
  stats: SynthStats,
  chunkBytes: number,
  peak: Peak,
  gcEvery: number,
): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (const c of rechunk(synthV2(o, stats), chunkBytes)) {
    if (i % gcEvery === 0) sampleLive(peak);
    else if ((i & 3) === 0) sample(peak);
    i++;
    yield c;
  }
  sampleLive(peak);
}

const MB = 1 << 20;
const fmt = (b: number): string => `${(b / MB).toFixed(1)} MB`;

async function run(mode: 'synth' | 'validate' | 'read', o: SynthOptions, chunkBytes: number, gcEvery: number): Promise<void> {
  const stats: SynthStats = { bytes: 0, events: 0, gens: 0, maxGenBytes: 0 };
  fullGC();
  const before = process.memoryUsage();
  const base0 = before.heapUsed + before.external;
  const peak: Peak = { rss: before.rss, heap: base0, live: base0 };
  const t0 = performance.now();
  let events = 0;
  if (mode === 'synth') {
    // Baseline: the synthesizer and the chunking alone, no reader.
    for await (const c of source(o, stats, chunkBytes, peak, gcEvery)) void c;
  } else if (mode === 'validate') {
    const err = await validateV2Stream(source(o, stats, chunkBytes, peak, gcEvery));
    if (err) throw err;
  } else {
    for await (const ev of readV2(source(o, stats, chunkBytes, peak, gcEvery))) {
      events++;
      if ((events & 0xffff) === 0) sample(peak);
      void ev;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const gen = stats.maxGenBytes;
  console.log(
    `${mode.padEnd(8)} ${fmt(stats.bytes)} in ${stats.gens} generations, ${(stats.events / 1e6).toFixed(1)} M events` +
      (mode === 'read' ? ` (${(events / 1e6).toFixed(1)} M read)` : '') +
      `, ${secs.toFixed(1)} s (synthesis included)`,
  );
  console.log(
    `         largest generation ${gen} B (${fmt(gen)})\n` +
      `         peak live heap+external after full GCs: +${fmt(peak.live - base0)} over start = ${((peak.live - base0) / gen).toFixed(2)}x largest gen\n` +
      `         peak heapUsed+external (garbage included): +${fmt(peak.heap - base0)} = ${((peak.heap - base0) / gen).toFixed(2)}x\n` +
      `         peak RSS ${fmt(peak.rss)} (+${fmt(peak.rss - before.rss)} = ${((peak.rss - before.rss) / gen).toFixed(2)}x over start)`,
  );
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const pos = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--')));
  const sizeMB = Number(pos[0] ?? 100);
  const genMB = Number(arg('--gen-mb') ?? 8);
  const chunkKB = Number(arg('--chunk-kb') ?? 256);
  const mode = arg('--mode') ?? 'both';
  // A full GC (to sample what is live) every this many chunks.
  const gcEvery = Number(arg('--gc-every') ?? 8);
  const o: SynthOptions = { totalBytes: sizeMB * MB, genBytes: genMB * MB };
  console.log(`v2 streaming memory: ${sizeMB} MB trace, ~${genMB} MB generations, ${chunkKB} KB chunks, node ${process.version}`);
  if (mode === 'synth' || mode === 'both') await run('synth', o, chunkKB * 1024, gcEvery);
  if (mode === 'validate' || mode === 'both') await run('validate', o, chunkKB * 1024, gcEvery);
  if (mode === 'read' || mode === 'both') await run('read', o, chunkKB * 1024, gcEvery);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
