// Futile-wakeup removal, the last step of the v1 ordering (order.ts), as Go 1.19's parser does
// it: a goroutine woken for nothing (EvFutileWakeup, written by runtimes before Go 1.11) shows
// its unblock, starts and preemptions up to the block that follows; all of them are dropped
// together with that block.
//
// Owns: removeFutile and its per-goroutine bookkeeping (the wakeup sequence open for each
// goroutine slot). Invariants: reads the merged order and returns a new, shorter one; never
// reorders; only called when the wire saw a futile wakeup (V1Wire.hasFutile).
// Who may touch: the v1 format owner.

import * as spec from './spec.ts';
import type { V1Wire } from './columns.ts';

const {
  EvFutileWakeup,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoPreempt,
  EvGoStart,
  EvGoUnblock,
} = spec;

/** Drop wakeups marked futile: the unblock, starts and preemptions up to the next block. */
export function removeFutile(w: V1Wire, order: Int32Array): Int32Array {
  const wake = new Map<number, { futile: boolean; seq: number[] }>();
  const drop = new Uint8Array(w.n);
  const gs = w.gs;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const t = w.type[i];
    switch (t) {
      case EvGoUnblock:
        wake.set(w.gSlots.get(w.args[w.argAt[i]]), { futile: false, seq: [i] });
        break;
      case EvGoStart:
      case EvGoPreempt:
      case EvFutileWakeup: {
        let s = wake.get(gs[i]);
        if (s === undefined) {
          s = { futile: false, seq: [] };
          wake.set(gs[i], s);
        }
        s.seq.push(i);
        if (t === EvFutileWakeup) s.futile = true;
        break;
      }
      case EvGoBlock:
      case EvGoBlockSend:
      case EvGoBlockRecv:
      case EvGoBlockSelect:
      case EvGoBlockSync:
      case EvGoBlockCond: {
        const s = wake.get(gs[i]);
        if (s !== undefined && s.futile) {
          drop[i] = 1;
          for (const e of s.seq) drop[e] = 1;
        }
        wake.delete(gs[i]);
        break;
      }
    }
  }
  let m = 0;
  const out = new Int32Array(order.length);
  for (let j = 0; j < order.length; j++) if (!drop[order[j]]) out[m++] = order[j];
  return out.slice(0, m);
}
