// The frontier of one Go1.22+ generation: which event goes next.
//
// Owns: one BatchCursor per M with events in the generation (cursor.ts), kept in a min-heap on
// the time of each M's next event, and the generation's CPU samples (sorted by time by
// Generation.finish) with the index of the next one.
// Algorithm (Go's reader): a CPU sample earlier than every M's next event goes first, straight
// to the sink (samples are not ordered: Go's reader does not even look their stacks up). Else
// the M with the earliest event is offered to the ordering (fast path first); when it cannot
// advance, the heap is sorted (a sorted array is still a heap) and the others are tried in time
// order; when none can, the trace is broken ("failed to advance", with the frontier listed).
// The Ms enter the heap in the order of their first batch (Go 1.22/1.23 use map order, random
// when first events tie; Go 1.24+ use this order).
// Invariants: run(budget) hands out at most about `budget` events and can be called again; once
// it returns true the generation is done and its batches are dropped (its tables stay with the
// Generation). Go 1.22/1.23 need something to hand out in every generation they read ("frontier
// is empty"); from Go1.25 an empty generation is fine.
// Who may touch: the Go1.22+ format owner.

import { TraceError } from '../event.ts';
import type { UvarintResult } from '../uvarint.ts';
import { BatchCursor, heapRemove, siftDown, siftUp } from './cursor.ts';
import type { Generation } from './generation.ts';
import { newEventArgs, type EventArgs, type Ordering } from './order.ts';
import type { V2Sink } from './sinks.ts';
import { goSortFunc } from './gosort.ts';
import { fastAdvance } from './order-fast.ts';
import { EvCPUSample, GO125, type VersionTable } from './spec.ts';

export class Frontier {
  private gen!: Generation;
  private heap: BatchCursor[] = [];
  /** Index of the next CPU sample of the generation. */
  private ci = 0;
  private readonly cpuArgs: EventArgs = newEventArgs();

  constructor(
    private readonly table: VersionTable,
    private readonly order: Ordering,
    private readonly sink: V2Sink,
    private readonly u: UvarintResult,
  ) {}

  /** Set up generation g (finished: its tables checked, its samples in time order). Throws TraceError. */
  start(g: Generation): void {
    this.gen = g;
    const heap: BatchCursor[] = [];
    this.heap = heap;
    this.ci = 0;
    for (const m of g.batchMs) {
      const c = new BatchCursor(m, g.batches.get(m)!, this.table, g.freq, g.gen, this.u);
      if (c.next()) {
        heap.push(c);
        siftUp(heap, heap.length - 1);
      }
    }
    if (heap.length === 0 && g.cpuSamples.length === 0 && this.table.version < GO125) {
      throw new TraceError(`broken trace: frontier is empty: [gen=${g.gen}]`, g.firstOffset, g.gen, g.firstBatch);
    }
  }

  /** Hand out up to about `budget` (an int) more events; true when the generation is done. Throws TraceError. */
  run(budget: number): boolean {
    budget |= 0;
    const g = this.gen;
    const frontier = this.heap;
    const cpu = g.cpuSamples;
    let ci = this.ci;
    const cpuArgs = this.cpuArgs;
    const order = this.order;
    // Earliest time among the head's children: while the head's next event is not later,
    // the heap needs no work. Only the head moves in the common case, so this changes
    // only when the heap is rearranged.
    let childMin = childMinOf(frontier);
    // Time of the next CPU sample (Infinity: none left), so the common case reads no sample.
    let cpuNext = ci < cpu.length ? cpu[ci].time : Infinity;
    for (;;) {
      if (--budget < 0) {
        this.ci = ci;
        return false;
      }
      if (cpuNext !== Infinity && (frontier.length === 0 || cpuNext < frontier[0].time)) {
        const s = cpu[ci++];
        cpuNext = ci < cpu.length ? cpu[ci].time : Infinity;
        cpuArgs[0] = s.stack;
        this.sink.event(EvCPUSample, s.time, s.g, s.p, s.m, cpuArgs, s.offset);
        continue;
      }
      if (frontier.length === 0) break;
      // The common case: the M with the earliest event can go.
      let c = frontier[0];
      if (fastAdvance(order, c) || order.advance(c)) {
        if (c.next()) {
          // Still the earliest? Then the heap is unchanged (the usual case for a busy M).
          if (childMin < c.time) {
            siftDown(frontier, 0);
            childMin = childMinOf(frontier);
          }
        } else {
          heapRemove(frontier, 0);
          childMin = childMinOf(frontier);
        }
        continue;
      }
      // Rare: try the others in timestamp order (a sorted array is still a heap). Sorted as Go
      // sorts it (gosort.ts): with equal times another cursor may land at index 0, and Go then
      // skips that one instead of the head that failed.
      goSortFunc(frontier, byTime);
      let advanced = false;
      for (let i = 1; i < frontier.length; i++) {
        c = frontier[i];
        if (fastAdvance(order, c) || order.advance(c)) {
          if (c.next()) {
            if (siftUp(frontier, i) === i) siftDown(frontier, i);
          } else {
            heapRemove(frontier, i);
          }
          advanced = true;
          break;
        }
      }
      if (!advanced) throw this.stuck();
      childMin = childMinOf(frontier);
    }
    // Done: drop the generation's bytes (its tables stay for whoever kept the Generation).
    this.ci = ci;
    this.heap = [];
    // (Cursors the ordering still points at keep these lists: empty them too.)
    for (const list of g.batches.values()) list.length = 0;
    g.batches.clear();
    return true;
  }

  private stuck(): TraceError {
    const g = this.gen;
    const frontier = this.heap;
    const parts: string[] = [];
    for (const c of frontier.slice(0, 8)) {
      const spec = this.table.specs[c.type]!;
      let s = `M ${c.m} [${spec.name} time=${c.time}`;
      for (let i = 1; i < spec.args.length; i++) s += ` ${spec.args[i]}=${c.args[i - 1]}`;
      parts.push(s + ']');
    }
    if (frontier.length > 8) parts.push(`... ${frontier.length - 8} more`);
    const c = frontier[0];
    return new TraceError(`broken trace: failed to advance: frontier: [gen=${g.gen}] ${parts.join(' ')}`, c.offset, g.gen, c.batch);
  }
}

/** Go's batchCursor.compare: by time. */
function byTime(a: BatchCursor, b: BatchCursor): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
}

/** Smallest time among the root's children of a heap of cursors (Infinity: none). */
function childMinOf(h: BatchCursor[]): number {
  const n = h.length;
  if (n < 2) return Infinity;
  const a = h[1].time;
  if (n < 3) return a;
  const b = h[2].time;
  return b < a ? b : a;
}
