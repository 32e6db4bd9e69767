// Ordering layer of the v1 reader: per-P batches -> one stream, as Go 1.19's parser orders them.
//
// Owns: orderV1, the ordering's steps in Go's order, and V1Order, its result:
//  1. each batch group (a P, or PROFILE_P for CPU samples, re-sorted by the tick the signal
//     handler took) as a linked list of its events, in file order;
//  2. the merge (merge.ts: Merger, with its frontier and the syscall-exit pass), which places
//     every event whose goroutine is in the state it expects; an event that can never be
//     placed is "no consistent ordering"; ticks must be non-decreasing; GoSysExit takes the
//     real exit tick it carries (sysexit.ts) and the stream is stably re-sorted;
//  3. ticks become ns since the first event;
//  4. futile wakeups are dropped (futile.ts).
// go 1.5 traces are ordered by the runtime's global sequence number instead (order-seq.ts).
// Errors come in Go's precedence: ordering, then ticks, then syscall exits.
// Cost: 8 bytes per event (the lists and the result); linear apart from the sorts.
// Invariants: the wire columns are updated in place (the *Local types become their plain type,
// GoSysExit ticks become the real exit tick, then `ts` becomes ns): call orderV1 once per
// wire; the result is deterministic. Throws only TraceError. Who may touch: the v1 format
// owner.

import { TraceError } from '../event.ts';
import * as spec from './spec.ts';
import type { V1Wire } from './columns.ts';
import { Merger } from './merge.ts';
import { resortMoved } from './sysexit.ts';
import { sortByTick } from './sort.ts';
import { orderBySeq } from './order-seq.ts';
import { removeFutile } from './futile.ts';

const { PROFILE_P } = spec;

/** The merged stream: event indices (into the wire columns) and each event's time in ns. */
export interface V1Order {
  /** Event indices in final order (futile wakeups removed). */
  order: Int32Array;
  /** ns since the first event, by event index (the wire's `ts` column, rewritten in place). */
  ns: Float64Array;
}

/** Merge the batches, fix syscall-exit times, convert to ns, drop futile wakeups. */
export function orderV1(w: V1Wire): V1Order {
  if (w.seq !== null) return finish(w, orderBySeq(w, w.seq));
  const n = w.n;
  const groups = w.groupP.length;
  const ts = w.ts;
  const off = w.off;
  const type = w.type;

  // Events of each group, in file order, as linked lists.
  const group = w.group;
  const head = new Int32Array(groups).fill(-1);
  const tail = new Int32Array(groups).fill(-1);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = group[i];
    const t = tail[b];
    if (t < 0) head[b] = i;
    else next[t] = i;
    tail[b] = i;
  }
  for (let b = 0; b < groups; b++) if (tail[b] >= 0) next[tail[b]] = -1;

  // CPU samples were written when the tracer drained the profBuf; order them by handler tick
  // (stable: equal ticks keep file order).
  const prof = w.groupP.indexOf(PROFILE_P);
  if (prof >= 0) {
    let m = 0;
    for (let i = head[prof]; i >= 0; i = next[i]) m++;
    const list = new Int32Array(m);
    m = 0;
    for (let i = head[prof]; i >= 0; i = next[i]) list[m++] = i;
    sortByTick(list, ts);
    head[prof] = list[0];
    for (let j = 0; j + 1 < m; j++) next[list[j]] = list[j + 1];
    next[list[m - 1]] = -1;
  }

  const merger = new Merger(w, head, next);
  const out = new Int32Array(n);
  const k = merger.run(out);
  if (k < n) {
    // Report the earliest event that could not be placed.
    let bad = -1;
    for (let b = 0; b < groups; b++) {
      const e = merger.cur[b];
      if (e >= 0 && (bad < 0 || off[e] < off[bad])) bad = e;
    }
    throw new TraceError('no consistent ordering of events possible', bad >= 0 ? off[bad] : -1);
  }

  // A consistent order whose ticks go backwards means the clock is broken (checked by run()).
  if (merger.badTs >= 0) {
    const i = merger.badTs;
    throw new TraceError(`time stamps out of order (offset ${off[i]})`, off[i]);
  }
  // Syscall exits (moved to their real exit tick by run()).
  const exits = merger.exits;
  if (exits.sysErr !== null) throw exits.sysErr;
  if (exits.moved > 0) resortMoved(out, ts, type, w.args, w.argAt);
  return finish(w, out);
}

/** Ticks -> ns since the first event of `out` (in place), then drop futile wakeups. */
function finish(w: V1Wire, out: Int32Array): V1Order {
  const n = w.n;
  const ts = w.ts;
  const minTs = ts[out[0]];
  const nsPerTick = 1e9 / w.ticksPerSec;
  for (let i = 0; i < n; i++) ts[i] = Math.trunc((ts[i] - minTs) * nsPerTick);

  let order: Int32Array = out;
  if (w.hasFutile) order = removeFutile(w, order);
  return { order, ns: ts };
}
