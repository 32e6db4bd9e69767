// The environment-neutral half of the core loader: the exports' types, and instantiating a
// compiled module with @assemblyscript/loader on a shared memory. No Node built-ins: the
// browser bundle uses this file through wasm-browser.ts; Node's wasm.ts adds finding and
// reading build/gotracesim.wasm.
//
// The module has no data segments and no managed runtime, so instantiating it again on a
// memory that is already in use changes nothing in that memory.

import { instantiateSync } from '@assemblyscript/loader';
import { SharedMemory, DEFAULT_INITIAL_PAGES, DEFAULT_MAXIMUM_PAGES } from './memory.ts';
import type { CoreExports } from './wasm-exports.ts';

// The exports' types are generated from the module's own declarations (scripts/core-gen.ts).
export type { CoreExports } from './wasm-exports.ts';

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
