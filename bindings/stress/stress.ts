// Stress tasks: what a worker thread does to the core during concurrency tests and
// benchmarks. Each task attaches to structures another thread created (by address) in the
// shared memory, runs, and returns plain numbers.
//
// Records written by `writer` are [hdr: writer id + 1, sequence, checksum | stack...]; the
// checksum covers the sequence and every stack word, so `reader` detects a torn record, and
// the per-writer sequence detects reordering. Overflow records (header all zeros) carry
// the number of lost writes, which `reader` sums for the conservation law:
//   records attempted = records read + Σ overflow counts.

import type { Core } from '../core/wasm.ts';
import { WasmProfBuf, type ProfBuf } from '../core/profbuf.ts';
import { TsProfBuf } from '../core/profbuf-ts.ts';
import { SignalLock } from '../core/signallock.ts';
import { Seqlocks } from '../core/seqlock.ts';
import { Rand } from '../core/rand.ts';

export type StressTask =
  | { kind: 'writer'; impl: 'wasm' | 'ts'; pb: number; lock: number; id: number; n: number; seed: number; minDepth: number; maxDepth: number; yieldNs: number }
  | { kind: 'reader'; impl: 'wasm' | 'ts'; pb: number; writers: number }
  | { kind: 'lock'; lock: number; n: number; yieldNs: number; go: number; counter: number }
  | { kind: 'seqhold'; seq: number; nM: number; snap: number; m: number; control: number }
  | { kind: 'advance'; seq: number; nM: number; snap: number; flag: number };

export interface WriterResult { attempted: number; written: number; spins: number }
export interface ReaderResult { records: number; lost: number; overflowRecords: number; torn: number; outOfOrder: number; reads: number }
export interface LockResult { n: number; spins: number; ns: number }

/** Checksum of a record's sequence and stack words (32-bit FNV-1a over the u32 halves). */
export function recordChecksum(seq: number, stk: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v >>> 0), 0x01000193);
    h = Math.imul(h ^ ((v / 4294967296) >>> 0), 0x01000193);
  };
  mix(seq);
  for (let i = 0; i < stk.length; i++) mix(stk[i]);
  return h >>> 0;
}

function profBuf(core: Core, impl: 'wasm' | 'ts', addr: number): ProfBuf {
  return impl === 'wasm' ? WasmProfBuf.attach(core, addr) : TsProfBuf.attach(core.mem, addr);
}

export function runWriter(core: Core, t: Extract<StressTask, { kind: 'writer' }>): WriterResult {
  const pb = profBuf(core, t.impl, t.pb);
  const lock = SignalLock.attach(core, t.lock);
  const rand = new Rand(t.seed);
  const stk = new Float64Array(t.maxDepth);
  const hdr = [t.id + 1, 0, 0];
  let written = 0;
  let spins = 0;
  const yieldNs = BigInt(t.yieldNs);
  for (let i = 0; i < t.n; i++) {
    const depth = rand.int(t.minDepth, t.maxDepth);
    for (let k = 0; k < depth; k++) stk[k] = rand.u32() * 65536 + (k & 0xffff);
    const s = stk.subarray(0, depth);
    hdr[1] = i;
    hdr[2] = recordChecksum(i, s);
    spins += lock.acquire(yieldNs);
    if (pb.write(0, i, hdr, s)) written++;
    lock.release();
  }
  return { attempted: t.n, written, spins };
}

export function runReader(core: Core, t: Extract<StressTask, { kind: 'reader' }>): ReaderResult {
  const pb = profBuf(core, t.impl, t.pb);
  const next = new Array<number>(t.writers + 1).fill(0);
  const res: ReaderResult = { records: 0, lost: 0, overflowRecords: 0, torn: 0, outOfOrder: 0, reads: 0 };
  const stk: number[] = [];
  for (;;) {
    const v = pb.read('blocking');
    if (v.eof) return res;
    res.reads++;
    let i = 0;
    while (i < v.words) {
      const len = v.word(i);
      const id = v.word(i + 2);
      if (id === 0) {
        res.overflowRecords++;
        res.lost += v.word(i + 5);
      } else {
        const seq = v.word(i + 3);
        stk.length = 0;
        for (let k = 5; k < len; k++) stk.push(v.word(i + k));
        if (id > t.writers || recordChecksum(seq, stk) !== v.word(i + 4)) res.torn++;
        else if (seq < next[id]) res.outOfOrder++;
        else next[id] = seq + 1;
        res.records++;
      }
      i += len;
    }
  }
}

export function runLock(core: Core, t: Extract<StressTask, { kind: 'lock' }>): LockResult {
  const lock = SignalLock.attach(core, t.lock);
  const i32 = core.mem.i32;
  // Start together: wait until the go word is set.
  while (Atomics.load(i32, t.go >> 2) === 0) Atomics.wait(i32, t.go >> 2, 0, 10);
  const yieldNs = BigInt(t.yieldNs);
  let spins = 0;
  const c = t.counter >> 2;
  const t0 = performance.now();
  for (let i = 0; i < t.n; i++) {
    spins += lock.acquire(yieldNs);
    // A deliberately non-atomic read-modify-write: it only adds up if the lock excludes.
    if (c) i32[c] = i32[c] + 1;
    lock.release();
  }
  return { n: t.n, spins, ns: (performance.now() - t0) * 1e6 };
}

/** Enter M m's seqlock, set control to 1, wait until control becomes 2, leave, set 3. */
export function runSeqHold(core: Core, t: Extract<StressTask, { kind: 'seqhold' }>): { held: number } {
  const seq = Seqlocks.attach(core, t.seq, t.nM, t.snap);
  const i32 = core.mem.i32;
  const c = t.control >> 2;
  const v = seq.begin(t.m);
  Atomics.store(i32, c, 1);
  Atomics.notify(i32, c);
  while (Atomics.load(i32, c) !== 2) Atomics.wait(i32, c, 1);
  seq.end(t.m);
  Atomics.store(i32, c, 3);
  Atomics.notify(i32, c);
  return { held: v };
}

/** traceAdvance's wait: snapshot, set flag 1, wait for every M, set flag 2. */
export function runAdvance(core: Core, t: Extract<StressTask, { kind: 'advance' }>): { waits: number } {
  const seq = Seqlocks.attach(core, t.seq, t.nM, t.snap);
  const i32 = core.mem.i32;
  seq.snapshot();
  Atomics.store(i32, t.flag >> 2, 1);
  const waits = seq.advanceWait(100_000n);
  Atomics.store(i32, t.flag >> 2, 2);
  return { waits };
}

export function runTask(core: Core, t: StressTask): unknown {
  switch (t.kind) {
    case 'writer':
      return runWriter(core, t);
    case 'reader':
      return runReader(core, t);
    case 'lock':
      return runLock(core, t);
    case 'seqhold':
      return runSeqHold(core, t);
    case 'advance':
      return runAdvance(core, t);
  }
}
