// Sweeper: the GC's concurrent sweep (runtime/mgcsweep.go and mcentral.go): between one mark
// termination and the next cycle, the spans the program allocated into are swept, by bgsweep
// in the background (rtg.ts) and, proportionally, by the goroutines that allocate (mallocgc's
// cacheSpan/reclaim, each a GCSweepBegin/End range on the allocating goroutine's P).
//
// Model: each cycle's allocations fill spans (a large allocation, ≥ 32 KiB, its own span;
// smaller ones share 8 KiB spans); mark termination hands those spans to the sweeper. While
// some are left, every allocation first sweeps one span itself; bgsweep takes them in its
// batches. Sweeping costs SWEEP_NS_PER_KIB (measured: a Go 1.23 program allocating 64 KiB
// objects sweeps 64–128 KiB in a median 640ns range, and bgsweep ~14µs per 4–8 MiB cycle).
// Spans still unswept when the next cycle starts are finished inside its first pause
// (finishsweep_m). Bytes reclaimed are reported as 0, as Go's GCSweepEnd does outside
// mheap.reclaim of freed pages (the model does not track what is freed).
//
// Owns: the spans allocated in the current cycle and those left to sweep. Who may touch what:
// gc.ts starts and finishes sweeps and routes mallocgc here; rtg.ts's bgsweep takes spans.

import { Act, type G, type M } from './world.ts';
import { Cont } from './agenda.ts';
import type { RStep } from '../scenario/resolved.ts';
import type { Sched } from './sched.ts';

const SPAN_BYTES = 8192;
const LARGE_OBJECT = 32768;
const SWEEP_NS_PER_KIB = 7;

export class Sweeper {
  /** Allocated since the last mark termination: spans (fractional for small objects), bytes. */
  private allocSpans = 0;
  private allocBytes = 0;
  /** Left to sweep from the last cycle. */
  private spans = 0;
  private bytes = 0;
  /** Bytes being swept by an allocating M (between Cont.Sweep's start and end). */
  private readonly inAlloc = new Map<M, number>();

  constructor(private readonly s: Sched) {}

  /** mallocgc grew the heap by `bytes`. */
  allocated(bytes: number): void {
    this.allocSpans += bytes >= LARGE_OBJECT ? 1 : bytes / SPAN_BYTES;
    this.allocBytes += bytes;
  }

  /** gcSweep at mark termination: the cycle's spans are now to sweep. */
  start(): void {
    this.spans += Math.ceil(this.allocSpans);
    this.bytes += this.allocBytes;
    this.allocSpans = 0;
    this.allocBytes = 0;
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

  /** mallocgc during the sweep phase: sweep one span first (true), or nothing to sweep. */
  beforeAlloc(m: M, g: G): boolean {
    if (this.spans === 0) return false;
    const s = this.s;
    const bytes = this.take(1);
    this.inAlloc.set(m, bytes);
    s.obs.gcSweep?.(g, true, 0, 0, m, s.now);
    s.busy(m, Act.User, s.symtab.concat(s.stacks.allocSweep, s.symtab.concat(s.stacks.mallocgc, g.userStack)), false, this.ns(bytes), Cont.Sweep);
    return true;
  }

  /** Cont.Sweep: the allocation's sweep is done; the allocation itself follows. */
  afterAllocSweep(m: M, g: G): void {
    const s = this.s;
    const bytes = this.inAlloc.get(m) ?? 0;
    this.inAlloc.delete(m);
    s.obs.gcSweep?.(g, false, bytes, 0, m, s.now);
    s.gc.mallocgcBody(m, g, s.gor.curStep(g) as Extract<RStep, { k: 'alloc' }>);
  }
}
