// The core under real parallelism: worker_threads sharing one WebAssembly.Memory.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCore, WasmProfBuf, TsProfBuf, SignalLock, Seqlocks, PB } from '../bindings/core/index.ts';
import { startTask, runTaskInWorker, type ReaderResult, type WriterResult, type LockResult } from '../bindings/stress/index.ts';

const core = loadCore();

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (pred()) return;
    await sleep(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each([
  ['wasm', 1_000_000],
  ['ts', 1_000_000],
] as const)('profBuf under 2 writers + 1 reader (%s, %d records)', (impl, total) => {
  it('conserves records: written = read + Σ overflow counts, with no torn record', async () => {
    const pb = impl === 'wasm' ? WasmProfBuf.create(core, 3, 4096, 256) : TsProfBuf.create(core.mem, 3, 4096, 256);
    const lock = SignalLock.create(core);
    const reader = startTask<ReaderResult>(core, { kind: 'reader', impl, pb: pb.addr, writers: 2 });
    const writers = [0, 1].map((id) =>
      runTaskInWorker<WriterResult>(core, { kind: 'writer', impl, pb: pb.addr, lock: lock.addr, id, n: total / 2, seed: 1234 + id, minDepth: 1, maxDepth: 48, yieldNs: 1000 }),
    );
    const w = await Promise.all(writers);
    pb.close(); // writers are done: the close is the last write
    const r = await reader.result;
    const attempted = w[0].attempted + w[1].attempted;
    expect(attempted).toBe(total);
    expect(r.torn).toBe(0);
    expect(r.outOfOrder).toBe(0);
    expect(r.records).toBe(w[0].written + w[1].written);
    expect(r.records + r.lost).toBe(attempted);
    // The buffer is small enough that it really overflowed, and the reader kept up partly.
    expect(r.lost).toBeGreaterThan(0);
    expect(r.overflowRecords).toBeGreaterThan(0);
    expect(r.records).toBeGreaterThan(1000);
  }, 120_000);
});

describe('profBuf blocking read across workers', () => {
  it('sleeps in one worker and is woken by a writer in another', async () => {
    const pb = WasmProfBuf.create(core, 3, 1 << 16, 1 << 12);
    const lock = SignalLock.create(core);
    const reader = startTask<ReaderResult>(core, { kind: 'reader', impl: 'wasm', pb: pb.addr, writers: 1 });
    // The reader found the ring empty and announced it sleeps (bit 32 of w).
    await until(() => (core.mem.b64[(pb.addr + PB.W) >> 3] & (1n << 32n)) !== 0n, 'the reader to sleep');
    const w = await runTaskInWorker<WriterResult>(core, { kind: 'writer', impl: 'wasm', pb: pb.addr, lock: lock.addr, id: 0, n: 1000, seed: 7, minDepth: 1, maxDepth: 8, yieldNs: 0 });
    expect(w.written).toBe(1000);
    await until(() => (core.mem.b64[(pb.addr + PB.W) >> 3] & (1n << 32n)) !== 0n, 'the reader to drain and sleep again');
    pb.close(); // wakes it once more: EOF
    const r = await reader.result;
    expect(r).toMatchObject({ records: 1000, lost: 0, torn: 0, outOfOrder: 0 });
  }, 60_000);
});

describe('signalLock across workers', () => {
  it('excludes: a non-atomic counter incremented under the lock adds up exactly', async () => {
    const lock = SignalLock.create(core);
    const go = core.mem.alloc(64);
    const counter = core.mem.alloc(64);
    const n = 200_000;
    const tasks = [0, 1].map(() => runTaskInWorker<LockResult>(core, { kind: 'lock', lock: lock.addr, n, yieldNs: 1000, go, counter }));
    await sleep(50);
    Atomics.store(core.mem.i32, go >> 2, 1);
    const res = await Promise.all(tasks);
    expect(core.mem.i32[counter >> 2]).toBe(2 * n);
    expect(lock.acquires()).toBe(2 * n);
    expect(lock.spins()).toBe(res[0].spins + res[1].spins);
    expect(lock.held()).toBe(false);
  }, 60_000);
});

describe('seqlock advance-wait across workers', () => {
  it('does not return while another worker holds an M, and returns once it releases', async () => {
    const seq = Seqlocks.create(core, 4);
    const control = core.mem.alloc(64);
    const flag = core.mem.alloc(64);
    seq.begin(0);
    seq.end(0); // M0 went in and out: even
    const holder = startTask<{ held: number }>(core, { kind: 'seqhold', seq: seq.addr, nM: 4, snap: seq.snap, m: 2, control });
    await until(() => Atomics.load(core.mem.i32, control >> 2) === 1, 'M2 to enter its critical section');
    expect(seq.held(2)).toBe(true);
    const advancer = startTask<{ waits: number }>(core, { kind: 'advance', seq: seq.addr, nM: 4, snap: seq.snap, flag });
    await until(() => Atomics.load(core.mem.i32, flag >> 2) === 1, 'the advancer to take its snapshot');
    // M2 cannot leave until we say so, so the advancer cannot be done, however long we look.
    for (let i = 0; i < 20; i++) {
      await sleep(5);
      expect(Atomics.load(core.mem.i32, flag >> 2)).toBe(1);
    }
    expect(seq.advanceReady()).toBe(2);
    Atomics.store(core.mem.i32, control >> 2, 2);
    Atomics.notify(core.mem.i32, control >> 2);
    const a = await advancer.result;
    expect(Atomics.load(core.mem.i32, flag >> 2)).toBe(2);
    expect(a.waits).toBeGreaterThan(0);
    expect((await holder.result).held % 2).toBe(1);
    expect(seq.held(2)).toBe(false);
    expect(seq.advanceReady()).toBe(-1);
  }, 60_000);
});
