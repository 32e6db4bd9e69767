// Loading the core in a browser: the same API as wasm.ts (loadCore, coreModule, wasmPath) with
// no Node built-ins. The module is compiled from bytes: those inlined into the browser bundle
// (scripts/bundle.ts defines __GOTRACESIM_WASM_BASE64__), or bytes/a module handed to
// setCoreModule() / initCore() (e.g. fetched from build/gotracesim.wasm).
// The bundle swaps this file in for wasm.ts; nothing in Node imports it.

import { instantiateCore, type Core, type LoadOptions } from './wasm-core.ts';

export { instantiateCore, type Core, type CoreExports, type LoadOptions } from './wasm-core.ts';

declare const __GOTRACESIM_WASM_BASE64__: string | undefined;

let cachedModule: WebAssembly.Module | undefined;

function inlinedBytes(): Uint8Array | undefined {
  const b64 = typeof __GOTRACESIM_WASM_BASE64__ === 'string' ? __GOTRACESIM_WASM_BASE64__ : undefined;
  if (!b64) return undefined;
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** There is no file system here: the module comes inlined or from setCoreModule/initCore. */
export function wasmPath(): string {
  throw new Error('wasmPath: not available in a browser (the module is inlined, or set with initCore)');
}

/** Use this compiled module (or compile these bytes) for every later loadCore(). */
export function setCoreModule(src: WebAssembly.Module | BufferSource): WebAssembly.Module {
  cachedModule = src instanceof WebAssembly.Module ? src : new WebAssembly.Module(src);
  return cachedModule;
}

/** Compile the core module: from `bytes`, else the one set or inlined (once). */
export function coreModule(bytes?: BufferSource): WebAssembly.Module {
  if (bytes) return new WebAssembly.Module(bytes);
  if (!cachedModule) {
    const b = inlinedBytes();
    if (!b) throw new Error('gotracesim: no core module: call initCore(bytes or URL) first (this bundle has no inlined wasm)');
    cachedModule = new WebAssembly.Module(b as BufferSource);
  }
  return cachedModule;
}

/** Instantiate the core on a shared memory (a new one by default). Shared memory in a
 *  browser needs a cross-origin isolated page (COOP: same-origin, COEP: require-corp). */
export function loadCore(opts: LoadOptions = {}): Core {
  return instantiateCore(opts.module ?? coreModule(), opts);
}
