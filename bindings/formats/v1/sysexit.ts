// Syscall exits in the v1 ordering: a GoSysExit is written when its goroutine gets a P back,
// but carries the tick at which the syscall really returned; Go 1.19's parser moves it there
// and re-sorts the stream stably by tick.
//
// Owns: SyscallExits, fed by the batch merge (merge.ts) with every GoSysBlock / GoInSyscall /
// GoSysExit in merged order: per goroutine slot, the tick of its last block; the first error
// ("stray syscall exit", an exit before its block); how many exits moved. And resortMoved, the
// stable re-sort once some moved: everything else is still sorted, so only the moved exits are
// sorted, then merged back.
// Invariants: the wire's `ts` column is rewritten in place (a moved exit takes its real tick);
// errors are kept, not thrown, so that ordering and tick errors, found in the same pass, are
// reported first (as Go reports them). Who may touch: the v1 format owner.

import { TraceError } from '../event.ts';
import * as spec from './spec.ts';
import type { V1Wire } from './columns.ts';
import { sortByTick } from './sort.ts';

const { EvGoSysExit } = spec;

/** The syscall-exit pass over the merged order (see the header). */
export class SyscallExits {
  private readonly ts: Float64Array;
  private readonly gs: Int32Array;
  private readonly args: Float64Array;
  private readonly argAt: Uint32Array | Float64Array;
  private readonly off: Uint32Array | Float64Array;
  /** Tick of each goroutine's last GoSysBlock / GoInSyscall (0: none), by slot. */
  private readonly lastSysBlock: Float64Array;
  /** Number of GoSysExit events whose tick became their real exit tick. */
  moved = 0;
  /** First syscall-exit error in merged order. */
  sysErr: TraceError | null = null;

  constructor(w: V1Wire) {
    this.ts = w.ts;
    this.gs = w.gs;
    this.args = w.args;
    this.argAt = w.argAt;
    this.off = w.off;
    this.lastSysBlock = new Float64Array(w.gSlots.n);
  }

  /** Event i of (reported) type t was merged: a block is noted, an exit moved to its real tick. */
  syscall(i: number, t: number): void {
    const ts = this.ts;
    if (t !== EvGoSysExit) {
      this.lastSysBlock[this.gs[i]] = ts[i];
      return;
    }
    const real = this.args[this.argAt[i] + 2];
    if (real === 0 || this.sysErr !== null) return;
    const block = this.lastSysBlock[this.gs[i]];
    const off = this.off[i];
    if (block === 0) this.sysErr = new TraceError(`stray syscall exit (offset ${off})`, off);
    else if (real < block) this.sysErr = new TraceError(`time stamps out of order (offset ${off})`, off);
    else {
      if (real !== ts[i]) this.moved++;
      ts[i] = real;
    }
  }
}

/**
 * Stable re-sort by tick after some GoSysExit ticks changed, in place: everything else is
 * still sorted, so pull the (few) moved exits out, sort them alone and merge them back from
 * the end; equal ticks keep the previous order.
 */
export function resortMoved(
  out: Int32Array,
  ts: Float64Array,
  type: Uint8Array,
  args: Float64Array,
  argAt: Uint32Array | Float64Array,
): void {
  const n = out.length;
  // Exits with a real tick, each with its old position and how many others preceded it.
  let exits: Int32Array = new Int32Array(16);
  let before: Int32Array = new Int32Array(16);
  let ne = 0;
  let nr = 0;
  for (let j = 0; j < n; j++) {
    const i = out[j];
    if (type[i] === EvGoSysExit && args[argAt[i] + 2] !== 0) {
      if (ne === exits.length) {
        exits = growI32(exits);
        before = growI32(before);
      }
      exits[ne] = i;
      before[ne++] = j; // old position; turned into "others before" below
    } else {
      out[nr++] = i;
    }
  }
  // Sort exits by (tick, old position): indices into exits[], sorted with their positions.
  const pos = before.subarray(0, ne);
  const ord = new Int32Array(ne);
  for (let e = 0; e < ne; e++) ord[e] = e;
  // Old positions are increasing in e, so a stable sort by tick is a sort by (tick, position).
  const tk = new Float64Array(ne);
  for (let e = 0; e < ne; e++) tk[e] = ts[exits[e]];
  sortByTick(ord, tk);
  const ex = new Int32Array(ne);
  const others = new Int32Array(ne); // others (non-exits) before each exit in the old order
  for (let e = 0; e < ne; e++) {
    ex[e] = exits[ord[e]];
    others[e] = pos[ord[e]] - ord[e];
  }
  // Merge from the back: out[0..nr) holds the others, in order.
  let a = nr - 1;
  let b = ne - 1;
  for (let r = n - 1; r >= 0 && b >= 0; r--) {
    // The other at a goes after exit b if its tick is larger, or equal and it came later.
    if (a >= 0) {
      const x = out[a];
      const y = ex[b];
      if (ts[x] > ts[y] || (ts[x] === ts[y] && a >= others[b])) {
        out[r] = x;
        a--;
        continue;
      }
    }
    out[r] = ex[b--];
  }
}

function growI32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
