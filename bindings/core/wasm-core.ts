// The environment-neutral half of the core loader: the exports' types, and instantiating a
// compiled module with @assemblyscript/loader on a shared memory. No Node built-ins: the
// browser bundle uses this file through wasm-browser.ts; Node's wasm.ts adds finding and
// reading build/gotracesim.wasm.
//
// The module has no data segments and no managed runtime, so instantiating it again on a
// memory that is already in use changes nothing in that memory.

import { instantiateSync } from '@assemblyscript/loader';
import { SharedMemory, DEFAULT_INITIAL_PAGES, DEFAULT_MAXIMUM_PAGES } from './memory.ts';

/** The raw exports of build/gotracesim.wasm (addresses are byte offsets in the memory). */
export interface CoreExports {
  heapBase(): number;
  profBufSize(hdrsize: number, words: number, tags: number): number;
  profBufInit(pb: number, hdrsize: number, words: number, tags: number): void;
  profBufHdrSize(pb: number): number;
  profBufDataWords(pb: number): number;
  profBufTagSlots(pb: number): number;
  profBufWriteAt(pb: number, tag: number, now: bigint, hdr: number, nhdr: number, stk: number, nstk: number): number;
  profBufWrite(pb: number, tag: number, now: number, hdr: number, nhdr: number, stk: number, nstk: number): number;
  profBufWriteBatch(pb: number, batch: number, n: number): number;
  profBufClose(pb: number): number;
  profBufRead(pb: number, mode: number): number;
  profBufPendingOverflow(pb: number): number;
  signalLockAcquire(lock: number, yieldNs: bigint): number;
  signalLockTryAcquire(lock: number): number;
  signalLockRelease(lock: number): void;
  signalLockHeld(lock: number): number;
  signalLockSpins(lock: number): number;
  signalLockAcquires(lock: number): number;
  seqlockBegin(seq: number, m: number): number;
  seqlockEnd(seq: number, m: number): number;
  seqlockHeld(seq: number, m: number): number;
  seqlockLoad(seq: number, m: number): number;
  seqlockSnapshot(seq: number, n: number, snap: number): void;
  seqlockAdvanceReady(seq: number, n: number, snap: number): number;
  seqlockAdvanceWait(seq: number, n: number, snap: number, yieldNs: bigint): number;
  traceBufBytes(cap: number): number;
  traceBufInit(buf: number, cap: number): void;
  traceBufReset(buf: number): void;
  traceBufLen(buf: number): number;
  traceBufAvail(buf: number): number;
  traceBufData(buf: number): number;
  traceBufLastTs(buf: number): number;
  traceBufSetLastTs(buf: number, ts: number): void;
  traceBufEnsure(buf: number, n: number): number;
  traceBufByte(buf: number, b: number): number;
  traceBufUvarint(buf: number, v: bigint): number;
  traceBufUvarintF(buf: number, v: number): number;
  traceBufRaw(buf: number, src: number, n: number): number;
  traceBufString(buf: number, src: number, n: number): number;
  traceBufEvent(buf: number, head: number, args: number, nargs: number): number;
  traceBufUvarints(buf: number, src: number, n: number): number;
  traceBufTimedEvent(buf: number, head: number, lenPrefix: number, ts: number, minDelta: number, args: number, nargs: number): number;
  uvarintLen(v: bigint): number;
  uvarintDecode(src: number, end: number): bigint;
  uvarintDecodeF(src: number, end: number): number;
  uvarintDecodedLen(): number;
}

/** One instance of the core on a shared memory. */
export interface Core {
  readonly module: WebAssembly.Module;
  readonly mem: SharedMemory;
  readonly exports: CoreExports;
}

export interface LoadOptions {
  /** A shared memory to work in (another thread's, or one made with SharedMemory.createMemory). */
  memory?: WebAssembly.Memory;
  /** An already compiled module (e.g. posted from the main thread to a worker). */
  module?: WebAssembly.Module;
  initialPages?: number;
  maximumPages?: number;
}

/** Instantiate a compiled core module on a shared memory (a new one by default). */
export function instantiateCore(module: WebAssembly.Module, opts: LoadOptions = {}): Core {
  const memory = opts.memory ?? SharedMemory.createMemory(opts.initialPages ?? DEFAULT_INITIAL_PAGES, opts.maximumPages ?? DEFAULT_MAXIMUM_PAGES);
  if (!(memory.buffer instanceof SharedArrayBuffer)) throw new TypeError('loadCore: the memory must be shared');
  let i32 = new Int32Array(memory.buffer);
  const futexWait = (ptr: number, expected: number, timeoutNs: number): number => {
    if (i32.byteLength !== memory.buffer.byteLength) i32 = new Int32Array(memory.buffer);
    try {
      const r = Atomics.wait(i32, ptr >>> 2, expected | 0, timeoutNs < 0 ? Infinity : timeoutNs / 1e6);
      return r === 'ok' ? 0 : r === 'not-equal' ? 1 : 2;
    } catch {
      return 2; // a thread that may not block (a browser's main thread): the caller spins
    }
  };
  const imports = { env: { memory, futexWait } } as unknown as Parameters<typeof instantiateSync>[1];
  const { exports } = instantiateSync<Record<string, unknown>>(module, imports);
  const core = exports as unknown as CoreExports;
  return { module, mem: new SharedMemory(memory, core.heapBase()), exports: core };
}
