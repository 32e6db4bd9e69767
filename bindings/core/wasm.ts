// Loading the core in Node: compile build/gotracesim.wasm once, instantiate it with
// @assemblyscript/loader on a shared memory, in this thread or in any worker that is handed
// the same WebAssembly.Module and WebAssembly.Memory. The environment-neutral part (types,
// instantiation) is wasm-core.ts; browsers get wasm-browser.ts instead of this file (the
// bundle swaps it in), which compiles the module from bytes.

import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateCore, type Core, type LoadOptions } from './wasm-core.ts';

export { instantiateCore, type Core, type CoreExports, type LoadOptions } from './wasm-core.ts';

let cachedModule: WebAssembly.Module | undefined;

/** Where build/gotracesim.wasm is, whether we run from bindings/ (source) or build/lib/. */
export function wasmPath(): string {
  for (const rel of ['../../gotracesim.wasm', '../../build/gotracesim.wasm']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('gotracesim.wasm not found: run `npm run build` first');
}

/** Compile the core module (once per thread). */
export function coreModule(bytes?: BufferSource): WebAssembly.Module {
  if (bytes) return new WebAssembly.Module(bytes);
  cachedModule ??= new WebAssembly.Module(readFileSync(wasmPath()));
  return cachedModule;
}

/** Instantiate the core on a shared memory (a new one by default). */
export function loadCore(opts: LoadOptions = {}): Core {
  return instantiateCore(opts.module ?? coreModule(), opts);
}
