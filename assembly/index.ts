// The gotracesim core: the Go runtime's lock-free profiling and tracing pieces, compiled to
// one WebAssembly module that imports a shared memory. Nothing here allocates: every
// structure lives at an address the host hands in (see bindings/core/memory.ts), so any
// number of instances in any number of threads can work on the same memory.

export * from './profbuf';
export * from './signallock';
export * from './seqlock';
export * from './tracebuf';

/** End of the module's static data; the host allocates above it. */
export function heapBase(): u32 {
  return <u32>__heap_base;
}

// Replaces AssemblyScript's default abort (which would need the managed runtime).
function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
