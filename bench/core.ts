// Core benchmarks: profBuf (WASM vs the TS twin), overflowing writes, varint encoding and
// signalLock, on the same shared memory the simulator uses.
//
// The profBuf record is the one the issue fixes: a 3-word header and a 32-frame stack, with
// a read every 64 writes (a reader goroutine draining in batches). Each call below writes
// 64 records then reads, so ns/op is per record, read included.

import { loadCore, WasmProfBuf, TsProfBuf, SignalLock, TraceBuf, Rand, stageBatch, type ProfBuf } from '../bindings/core/index.ts';
import { runTaskInWorker, type LockResult } from '../bindings/stress/index.ts';
import { encodeUvarint } from '../bindings/formats/uvarint.ts';
import { runCases, row, type Case, type Row } from './report.ts';

const HDR = 3;
const DEPTH = 32;
const BLOCK = 64;

export async function coreBench(): Promise<Row[]> {
  const core = loadCore();
  const mem = core.mem;
  const r = new Rand(1);
  const hdr = [1, 2, 3];
  const stk = Array.from({ length: DEPTH }, () => 0x400000 + r.int(0, 1 << 20));
  // The header and stack words staged once in shared memory, as the simulator stages them.
  const staged = mem.alloc(8 * (HDR + DEPTH), 8);
  [...hdr, ...stk].forEach((v, i) => mem.setWord(staged + 8 * i, v));
  const batch = stageBatch(mem, HDR, Array.from({ length: BLOCK }, (_, i) => ({ tag: 0, time: i, hdr, stk })));

  const drain = (pb: ProfBuf) => {
    pb.read();
  };
  let now = 0;
  const writeRead = (pb: ProfBuf, how: 'array' | 'staged' | 'batch') => () => {
    if (how === 'batch') pb.writeBatch(batch, BLOCK);
    else if (how === 'staged') for (let i = 0; i < BLOCK; i++) pb.writeAt(0, now++, staged, HDR, staged + 8 * HDR, DEPTH);
    else for (let i = 0; i < BLOCK; i++) pb.write(0, now++, hdr, stk);
    drain(pb);
  };
  const fresh = (impl: 'wasm' | 'ts') => (impl === 'wasm' ? WasmProfBuf.create(core, HDR, 1 << 17, 1 << 14) : TsProfBuf.create(mem, HDR, 1 << 17, 1 << 14));
  const full = (impl: 'wasm' | 'ts') => {
    const pb = impl === 'wasm' ? WasmProfBuf.create(core, HDR, 64, 4) : TsProfBuf.create(mem, HDR, 64, 4);
    while (pb.write(0, 0, hdr, stk)) {
      // fill it
    }
    return pb;
  };

  const wasmFull = full('wasm');
  const tsFull = full('ts');
  const values = Array.from({ length: 4096 }, () => r.int(0, 2 ** 40) >>> r.int(0, 32));
  const valuesAddr = mem.alloc(8 * values.length, 8);
  values.forEach((v, i) => mem.setWord(valuesAddr + 8 * i, v));
  const tb = TraceBuf.create(core, 11 * values.length);
  let varintBytes = 0;
  for (const v of values) {
    const b = new Uint8Array(10);
    varintBytes += encodeUvarint(b, 0, v);
  }
  const tsOut = new Uint8Array(11 * values.length);
  const lock = SignalLock.create(core);
  const nop = WasmProfBuf.create(core, 1, 16, 1);

  const cases: Case[] = [
    { name: 'profBuf write+read wasm', ops: BLOCK, fn: writeRead(fresh('wasm'), 'staged'), note: 'words staged in shared memory, one call per record' },
    { name: 'profBuf write+read wasm (JS arrays)', ops: BLOCK, fn: writeRead(fresh('wasm'), 'array'), note: 'copies the JS header/stack arrays into memory first' },
    { name: 'profBuf write+read wasm batch', ops: BLOCK, fn: writeRead(fresh('wasm'), 'batch'), note: 'writeBatch: one call per 64 records' },
    { name: 'profBuf write+read ts', ops: BLOCK, fn: writeRead(fresh('ts'), 'array') },
    { name: 'profBuf overflow write wasm', ops: BLOCK, fn: () => { for (let i = 0; i < BLOCK; i++) wasmFull.writeAt(0, i, staged, HDR, staged + 8 * HDR, DEPTH); } },
    { name: 'profBuf overflow write ts', ops: BLOCK, fn: () => { for (let i = 0; i < BLOCK; i++) tsFull.write(0, i, hdr, stk); } },
    { name: 'wasm call overhead (JS→WASM, trivial export)', ops: BLOCK, fn: () => { for (let i = 0; i < BLOCK; i++) nop.pendingOverflow(); } },
    {
      name: 'varint encode wasm',
      ops: values.length,
      bytes: varintBytes,
      fn: () => {
        tb.reset();
        core.exports.traceBufUvarints(tb.addr, valuesAddr, values.length);
      },
    },
    {
      name: 'varint encode ts',
      ops: values.length,
      bytes: varintBytes,
      fn: () => {
        let p = 0;
        for (let i = 0; i < values.length; i++) p = encodeUvarint(tsOut, p, values[i]);
      },
    },
    { name: 'signalLock acquire+release wasm (uncontended)', ops: BLOCK, fn: () => { for (let i = 0; i < BLOCK; i++) { lock.acquire(); lock.release(); } } },
  ];
  const rows = await runCases(cases);

  // Contended: two workers hammer one lock; per-op time is wall time over all ops.
  const n = 500_000;
  const samples: number[] = [];
  for (let k = 0; k < 3; k++) {
    const l = SignalLock.create(core);
    const go = mem.alloc(64);
    const tasks = [0, 1].map(() => runTaskInWorker<LockResult>(core, { kind: 'lock', lock: l.addr, n, yieldNs: 1000, go, counter: 0 }));
    await new Promise((res) => setTimeout(res, 100));
    Atomics.store(mem.i32, go >> 2, 1);
    const res = await Promise.all(tasks);
    samples.push(Math.max(res[0].ns, res[1].ns) / (2 * n));
  }
  samples.sort((a, b) => a - b);
  rows.push(row('signalLock acquire+release wasm (2 workers)', samples[1], { note: 'wall time / total acquisitions, median of 3' }));
  return rows;
}
