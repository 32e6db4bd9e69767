// Ordering handlers of ranges: stop-the-world and mark assists (on a goroutine), sweeps (on a
// proc), GC cycles (global, ordered by their own sequence numbers).
//
// Owns no state of its own: the active ranges live with their resource (Ordering.G.ranges,
// Ordering.P.ranges: keys startEv + desc*256, desc the STW kind's string id), the GC cycle in
// Ordering.gcSeq / gcState.
// Invariants:
//  - a range may not begin while the same range (same begin type and desc) is active on its
//    resource; an end closes the one active range of its begin type, whatever its desc, and
//    hands the desc on: an STWEnd's args[0] becomes its begin's kind string id (Go smuggles it
//    there the same way), which names it in the generation of the end;
//  - "Active" events re-announce ranges in progress: in the first generation with events they
//    open the range (once), later the range must already be active; they name their resource
//    and need no context;
//  - GCBegin, GCActive and GCEnd advance only with the next GC sequence number; the first GC
//    event seen fixes it (a GCEnd first, with the GC undetermined, is broken).
// Who may touch: the Go1.22+ format owner.

import type { Ordering } from './order.ts';
import { GC_NOT_RUNNING, GC_RUNNING, GC_UNDETERMINED, MAY, MUST } from './order-state.ts';
import { EvSTWBegin, EvSTWEnd } from './spec.ts';

function rangeKey(o: Ordering, type: number, desc: number): number {
  const st = o.table.specs[type]!.startEv;
  return (st !== 0 ? st : type) + desc * 256;
}

function beginRange(o: Ordering, list: number[] | null, key: number): number[] {
  if (list === null) list = [];
  if (list.includes(key)) throw o.fail(`discovered event already in-flight for when starting event ${o.name(key % 256)}`);
  list.push(key);
  return list;
}

function activeRange(o: Ordering, list: number[] | null, key: number): number[] {
  if (list === null) list = [];
  if (o.gen === o.initialGen) {
    if (list.includes(key)) throw o.fail(`found named active range already in first gen: ${o.name(key % 256)}`);
    list.push(key);
  } else if (!list.includes(key)) {
    throw o.fail(`resource is missing active range: ${o.name(key % 256)}`);
  }
  return list;
}

/** Remove the range that `type` ends; returns its desc. */
function endRange(o: Ordering, list: number[] | null, type: number): number {
  const st = o.table.specs[type]!.startEv;
  const i = list === null ? -1 : list.findIndex((k) => k % 256 === st);
  if (i < 0) throw o.fail(`tried to end event ${o.name(st)}, but not in-flight`);
  const l = list!;
  const key = l[i];
  l[i] = l[l.length - 1];
  l.pop();
  return Math.floor(key / 256);
}

/** The running goroutine's slot for a range event (its state is always known then). */
function rangeG(o: Ordering, type: number): number {
  const s = o.G.get(o.curG);
  if (s < 0) throw o.fail(`encountered event of type ${type} without known state for current goroutine ${o.curG}`);
  return s;
}

// ---- on goroutines: STW, mark assists ----

export function goRangeBegin(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const desc = type === EvSTWBegin ? o.args[0] : 0;
  const s = rangeG(o, type);
  o.G.ranges[s] = beginRange(o, o.G.ranges[s], rangeKey(o, type, desc));
  return o.emit(type);
}

export function goRangeActive(o: Ordering, type: number): boolean {
  // Like GoStatus, may name a goroutine that is not running: no context to check.
  const gid = o.args[0];
  const s = o.G.get(gid);
  if (s < 0) throw o.fail(`uninitialized goroutine ${gid} found during ${o.name(type)}`);
  o.G.ranges[s] = activeRange(o, o.G.ranges[s], rangeKey(o, type, 0));
  return o.emit(type);
}

export function goRangeEnd(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const s = rangeG(o, type);
  const desc = endRange(o, o.G.ranges[s], type);
  // STWEnd reports the kind its STWBegin had.
  if (type === EvSTWEnd) o.args[0] = desc;
  return o.emit(type);
}

// ---- on procs: sweeps ----

export function sweepBegin(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MAY);
  const p = o.boundP(type);
  o.P.ranges[p] = beginRange(o, o.P.ranges[p], rangeKey(o, type, 0));
  return o.emit(type);
}

export function sweepActive(o: Ordering, type: number): boolean {
  const pid = o.args[0];
  const p = o.P.get(pid);
  if (p < 0) throw o.fail(`encountered GCSweepActive for unknown proc ${pid}`);
  o.P.ranges[p] = activeRange(o, o.P.ranges[p], rangeKey(o, type, 0));
  return o.emit(type);
}

export function sweepEnd(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MAY);
  const p = o.boundP(type);
  endRange(o, o.P.ranges[p], type);
  return o.emit(type);
}

// ---- global: GC cycles ----

export function gcActive(o: Ordering, type: number): boolean {
  const seq = o.args[0];
  if (o.gen === o.initialGen) {
    if (o.gcState !== GC_UNDETERMINED) throw o.fail("GCActive in the first generation isn't first GC event");
    o.gcSeq = seq;
    o.gcState = GC_RUNNING;
    return o.emit(type);
  }
  if (seq !== o.gcSeq + 1) return false;
  if (o.gcState !== GC_RUNNING) throw o.fail('encountered GCActive while GC was not in progress');
  o.gcSeq = seq;
  o.validate(MUST, MUST, MUST);
  return o.emit(type);
}

export function gcBegin(o: Ordering, type: number): boolean {
  const seq = o.args[0];
  if (o.gcState === GC_UNDETERMINED) {
    o.gcSeq = seq;
    o.gcState = GC_RUNNING;
    return o.emit(type);
  }
  if (seq !== o.gcSeq + 1) return false;
  if (o.gcState === GC_RUNNING) throw o.fail('encountered GCBegin while GC was already in progress');
  o.gcSeq = seq;
  o.gcState = GC_RUNNING;
  o.validate(MUST, MUST, MUST);
  return o.emit(type);
}

export function gcEnd(o: Ordering, type: number): boolean {
  const seq = o.args[0];
  if (seq !== o.gcSeq + 1) return false;
  if (o.gcState === GC_NOT_RUNNING) throw o.fail('encountered GCEnd when GC was not in progress');
  if (o.gcState === GC_UNDETERMINED) throw o.fail('encountered GCEnd when GC was in an undetermined state');
  o.gcSeq = seq;
  o.gcState = GC_NOT_RUNNING;
  o.validate(MUST, MUST, MUST);
  return o.emit(type);
}
