// futexWait: the one place the core sleeps on a shared-memory word, provided by the host
// (bindings/core/wasm.ts: Atomics.wait, or a plain return where the thread may not block).
//
// It is an import rather than an inline memory.atomic.wait32 on purpose: Node 20's baseline
// wasm compiler (Liftoff) loses locals that are live across an inline wait32, so a loop
// around it exits after its first timeout (TurboFan compiles the same code correctly), and
// binaryen inlines any wasm helper we wrap it in. A host call spills locals like any call.

/** Sleep while the u32 at ptr equals expected, at most timeoutNs (negative: no limit).
 *  Returns 0 woken, 1 not equal, 2 timed out. */
@external("env", "futexWait")
export declare function futexWait(ptr: u32, expected: u32, timeoutNs: f64): i32;
