// Sweeper: the GC's concurrent sweep (runtime/mgcsweep.go, mcentral.go's cacheSpan, mheap.go's
// reclaim): between one mark termination and the next cycle, the spans the program allocated
// into are swept by bgsweep in the background (rtg.ts) and by allocating goroutines when they
// need memory before bgsweep got there, each such sweep a GCSweepBegin/End range on the
// allocating goroutine's P (Go writes the range only when a span is actually swept).
//
// Model: each cycle's allocations fill spans (a large allocation, ≥ 32 KiB, its own span;
// smaller ones share 8 KiB spans); mark termination hands those spans to the sweeper. While
// some are left:
// - a large allocation calls the page reclaimer (mheap.reclaim) for its pages: it first takes
//   reclaim credit (pages an earlier reclaim freed beyond its need, no range), else it sweeps a
//   whole chunk of the heap (pagesPerReclaimerChunk, 512 pages = 4 MiB) in one range and keeps
//   the spare pages as credit; once the chunks are used up the reclaimer is done until the next
//   cycle;
// - a small allocation that needs a fresh span (cacheSpan: its size class's current span is
//   full) sweeps one unswept span;
// so allocating goroutines sweep about once a cycle at most while bgsweep keeps up, as in real
// traces (Go 1.23, mixed realism program, four 1 s runs of ~25 cycles, two beside other jobs: 0, 8, 19 and 30 sweep
// ranges). Bytes reclaimed are reported as 0, as those real ranges all report. Sweeping costs
// SWEEP_NS_PER_KIB (measured: a Go 1.23 program allocating 64 KiB objects sweeps 64–128 KiB in a
// median 640ns range, and bgsweep ~14µs per 4–8 MiB cycle). Spans still unswept when the next
// cycle starts are finished inside its first pause (finishsweep_m). The proportional sweep
// (deductSweepCredit, a few of those real ranges) is not modelled.
//
// Owns: the spans allocated in the current cycle and those left to sweep; the reclaimer's
// credit and whether it is done; the small-object bytes filling the current span. Who may touch
// what: gc.ts starts and finishes sweeps and routes mallocgc here; rtg.ts's bgsweep takes spans.

import { Act, type G, type M } from './world.ts';
import { Cont } from './agenda.ts';
import type { RStep } from '../scenario/resolved.ts';
import type { Sched } from './sched.ts';

const SPAN_BYTES = 8192;
const PAGE_BYTES = 8192;
const LARGE_OBJECT = 32768;
const SWEEP_NS_PER_KIB = 7;
/** mheap.go's pagesPerReclaimerChunk: the reclaimer claims the heap in chunks of this many pages. */
const RECLAIM_CHUNK_PAGES = 512;

export class Sweeper {
  /** Allocated since the last mark termination: spans (fractional for small objects), bytes. */
  private allocSpans = 0;
  private allocBytes = 0;
  /** Left to sweep from the last cycle. */
  private spans = 0;
  private bytes = 0;
  /** Pages reclaimed beyond what their reclaimer needed (mheap.reclaimCredit). */
  private reclaimCredit = 0;
  /** The reclaimer went through every chunk this cycle (reclaimIndex ≥ 1<<63). */
  private reclaimDone = true;
  /** Small-object bytes in the current span (it starts full: the first small allocation takes
   *  a span); a small allocation past SPAN_BYTES needs a new one. */
  private smallFill = SPAN_BYTES;
  /** Bytes an allocating M is sweeping (between Cont.Sweep's start and end). */
  private readonly inAlloc = new Map<M, number>();

  constructor(private readonly s: Sched) {}

  /** mallocgc grew the heap by `bytes`; whether it took a span from the heap (a large object,
   *  or a small one that did not fit its span: mcache refill), which is when heapLive moves and
   *  the tracer writes HeapAlloc. */
  allocated(bytes: number): boolean {
    this.allocSpans += bytes >= LARGE_OBJECT ? 1 : bytes / SPAN_BYTES;
    this.allocBytes += bytes;
    if (bytes >= LARGE_OBJECT) return true;
    const refill = this.smallFill + bytes > SPAN_BYTES;
    this.smallFill = refill ? bytes : this.smallFill + bytes;
    return refill;
  }

  /** gcSweep at mark termination: the cycle's spans are now to sweep. */
  start(): void {
    this.spans += Math.ceil(this.allocSpans);
    this.bytes += this.allocBytes;
    this.allocSpans = 0;
    this.allocBytes = 0;
    this.reclaimCredit = 0;
    this.reclaimDone = this.spans === 0;
  }

  left(): boolean {
    return this.spans > 0;
  }

  /** Take up to n spans; their bytes (0: nothing left). The last one wakes the scavenger. */
  take(n: number): number {
    if (this.spans === 0) return 0;
    const k = Math.min(n, this.spans);
    const b = Math.round((this.bytes * k) / this.spans);
    this.spans -= k;
    this.bytes -= b;
    if (this.spans === 0) {
      this.bytes = 0;
      this.s.rtg.sweepDone();
    }
    return Math.max(b, 1);
  }

  ns(bytes: number): number {
    return Math.max(1, Math.round((bytes / 1024) * SWEEP_NS_PER_KIB));
  }

  /** finishsweep_m: what is left is swept inside the next cycle's first pause; its cost. */
  finish(): number {
    if (this.spans === 0) return 0;
    const ns = this.ns(this.bytes);
    this.take(this.spans);
    return ns;
  }

  /** mallocgc during the sweep phase: the sweeping this allocation does first, if any (true:
   *  it sweeps, Cont.Sweep follows), as the page reclaimer or cacheSpan would. */
  beforeAlloc(m: M, g: G, bytes: number): boolean {
    if (this.spans === 0) return false;
    const swept = bytes >= LARGE_OBJECT ? this.reclaim(Math.ceil(bytes / PAGE_BYTES)) : this.refill(bytes);
    if (swept === 0) return false;
    const s = this.s;
    this.inAlloc.set(m, swept);
    s.obs.gcSweep?.(g, true, 0, 0, m, s.now);
    s.busy(m, Act.User, s.symtab.concat(s.stacks.allocSweep, s.symtab.concat(s.stacks.mallocgc, g.userStack)), false, this.ns(swept), Cont.Sweep);
    return true;
  }

  /** mheap.reclaim(npages): credit first; else sweep chunks until npages are found. The bytes
   *  swept (0: none). */
  private reclaim(npages: number): number {
    if (this.reclaimDone) return 0;
    const take = Math.min(this.reclaimCredit, npages);
    this.reclaimCredit -= take;
    npages -= take;
    let swept = 0;
    while (npages > 0 && this.spans > 0) {
      // A chunk's worth of the unswept spans, at their mean size.
      const n = Math.max(1, Math.min(this.spans, Math.floor((RECLAIM_CHUNK_PAGES * PAGE_BYTES * this.spans) / Math.max(1, this.bytes))));
      const b = this.take(n);
      swept += b;
      const found = Math.floor(b / PAGE_BYTES);
      if (found <= npages) npages -= found;
      else {
        this.reclaimCredit += found - npages;
        npages = 0;
      }
    }
    if (this.spans === 0) this.reclaimDone = true;
    return swept;
  }

  /** cacheSpan: a small allocation that does not fit its span sweeps one unswept span for the
   *  next (allocated() then moves to it). */
  private refill(bytes: number): number {
    return this.smallFill + bytes <= SPAN_BYTES ? 0 : this.take(1);
  }

  /** Cont.Sweep: the allocation's sweep is done; the allocation itself follows. */
  afterAllocSweep(m: M, g: G): void {
    const s = this.s;
    const swept = this.inAlloc.get(m) ?? 0;
    this.inAlloc.delete(m);
    s.obs.gcSweep?.(g, false, swept, 0, m, s.now);
    s.gc.mallocgcBody(m, g, s.gor.curStep(g) as Extract<RStep, { k: 'alloc' }>);
  }
}
