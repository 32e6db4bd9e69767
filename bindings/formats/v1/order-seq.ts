// The go 1.5 ordering (order.ts calls it for traces whose wire has a `seq` column): every
// timed event carries the runtime's global sequence number, so the stream is all events by that
// number, as Go's parser orders them; a syscall exit, written once the goroutine had a P again,
// carries the number and tick of the exit itself. Then ticks must not go backwards.
//
// Owns: orderBySeq. Invariants: the wire's `ts` column (exit ticks) and the `seq` column (exit
// numbers) are rewritten in place; Go sorts with an unstable sort over batches in map order,
// real traces never repeat a number, and here equal numbers keep file order (deterministic).
// Throws only TraceError. Who may touch: the v1 format owner.

import { TraceError } from '../event.ts';
import * as spec from './spec.ts';
import type { V1Wire } from './columns.ts';
import { sortByTick } from './sort.ts';

const { EvGoSysExit } = spec;

/** Event indices of a go 1.5 trace in the order of their global sequence numbers. */
export function orderBySeq(w: V1Wire, seq: Float64Array): Int32Array {
  const n = w.n;
  const ts = w.ts;
  for (let i = 0; i < n; i++) {
    if (w.type[i] !== EvGoSysExit) continue;
    const a = w.argAt[i];
    seq[i] = w.args[a + 1];
    if (w.args[a + 2] !== 0) ts[i] = w.args[a + 2];
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  sortByTick(out, seq);
  for (let j = 1; j < n; j++) {
    if (ts[out[j]] < ts[out[j - 1]]) {
      const off = w.off[out[j]];
      throw new TraceError(`time stamps out of order (offset ${off})`, off);
    }
  }
  return out;
}
