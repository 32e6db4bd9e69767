// TraceV2: the generational execution tracer of Go 1.22+ (runtime/trace2*.go), writing the
// Go1.22 / Go1.23 / Go1.25 wire format from the simulation's events.
//
// What reaches the sink: the 16-byte header, then generation after generation (never
// interleaved): per-M batches (EventBatch gen m time size) of timed events, the CPUSamples,
// Stacks and Strings batches and the sync batch (Frequency; Sync + Frequency + ClockSnapshot
// from Go1.25), all with m = NoThread. Event ids and argument order come from the one v2 spec
// table (formats/v2/spec.ts).
//
// This file is the tracer's core and the scheduler's view of it: what each runtime event
// writes (trace2runtime.go's traceLocker methods). The state lives in parts, each owning its
// own and reaching the others through this core (`t`), as the runtime's trace2 files split it:
//   tracev2/buf.ts       the clock, per-M batches, the order of generations on the sink
//   tracev2/sections.ts  traceAcquire/traceRelease on each M's seqlock (WASM core)
//   tracev2/status.ts    the G/P/M shadow and the lazy GoStatus/ProcStatus
//   tracev2/tables.ts    per-generation string and stack tables, structural batches
//   tracev2/cpu.ts       CPU samples (the profBufs themselves: tracecpu.ts)
//   tracev2/gen.ts       StartTrace, traceAdvance, StopTrace
//   tracev2/procs.ts     what P and syscall events do (ProcStart/Stop/Steal, GoSyscall*)
//   tracev2/gc.ts        the runtime's own events: GC, STW, heap goal, sweeps, StartTrace's
//                        events and each generation's opening (ProcsChange, GCActive)
//   tracev2/annot.ts     tasks, regions, logs
// Owned here: the shared fields the parts read (the scenario, the version and its spec table,
// the stats, the scheduler, the process's identity, and the generation and enabled flag that
// gen.ts alone writes). Threads are named on the wire by switches.traceThreadIds (wireM):
// Linux TIDs (process.ts) or sim ids.
// Every event on a real M starts with status.begin (its critical section, then the statuses
// the reader binds to the thread). Pseudo threads of the tracer: sysmon (retake's ProcSteal,
// wakeups by timers) and the trace reader/advancer. GC phases always run on a goroutine (the
// allocating or runtime.GC caller, or the mark worker that finishes marking), as in the runtime.

import type { Core } from '../core/wasm.ts';
import * as V2 from '../formats/v2/index.ts';
import type { V2Version, VersionTable } from '../formats/v2/index.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { Sched } from '../sim/sched.ts';
import { MARK_WORKER_LABELS, type BlockKind, type StwReason } from '../sim/observer.ts';
import type { G, M, P } from '../sim/world.ts';
import { GStatus } from '../sim/world.ts';
import { goStartFrame, type Tracer, type TraceSink, type TraceStats } from './tracer.ts';
import { ProcessIdentity } from './process.ts';
import { V2_VERSION_OF } from '../formats/version.ts';
import { BatchWriter } from './tracev2/buf.ts';
import { READER_M, Sections, SYSMON_M } from './tracev2/sections.ts';
import { StatusShadow } from './tracev2/status.ts';
import { GenTables } from './tracev2/tables.ts';
import { CPUTrace } from './tracev2/cpu.ts';
import { Generations } from './tracev2/gen.ts';
import { Annotations } from './tracev2/annot.ts';
import { ProcEvents } from './tracev2/procs.ts';
import { RuntimeEvents } from './tracev2/gc.ts';

export { NS_PER_TICK } from './tracer.ts';
export { SYSMON_M, READER_M } from './tracev2/sections.ts';

// Local bindings of the spec table's constants (read once: module namespace reads are slow on the hot path).
const { specTables } = V2;
const { EvGoBlock, EvGoCreate, EvGoDestroy, EvGoLabel, EvGoStart, EvGoStop, EvGoUnblock, EvHeapAlloc } = V2;
const { GoRunnable, GoRunning, GoSyscall, GoWaiting, NoThread } = V2;

/** The v2 status of a goroutine the simulation holds (StartTrace seeds the shadow with it). */
const GO_STATUS: Record<GStatus, number> = {
  [GStatus.Runnable]: GoRunnable,
  [GStatus.Running]: GoRunning,
  [GStatus.Waiting]: GoWaiting,
  [GStatus.Syscall]: GoSyscall,
  [GStatus.Dead]: GoRunnable,
};


/** The block reasons of traceBlockReason (runtime/trace2runtime.go); 'gcassist' is
 *  gcParkAssist's. */
const BLOCK_REASON: Record<BlockKind, string> = {
  sleep: 'sleep',
  chan: 'chan receive',
  chansend: 'chan send',
  chanrecv: 'chan receive',
  select: 'select',
  sync: 'sync',
  cond: 'sync.(*Cond).Wait',
  net: 'network',
  gcworker: 'system goroutine wait',
  gcsweep: 'GC background sweeper wait',
  gcassist: 'GC mark assist wait for work',
};

export type TraceV2Stats = TraceStats & {
  /** Simulated instants (ns) at which generations 2, 3, ... began. */
  genStarts: number[];
  /** Times an advance found an M still inside a critical section and retried. */
  advanceWaits: number;
  /** entersyscall_gcwaits that found the P in another M's syscall (stolen and handed back meanwhile). */
  gcwaitStolenBetween: number;
};

export class TraceV2 implements Tracer {
  readonly stats: TraceV2Stats;
  readonly version: V2Version;
  readonly table: VersionTable;
  sched!: Sched;
  /** The current generation (0 before StartTrace) and whether tracing is on: gen.ts writes them. */
  gen = 0;
  enabled = false;
  readonly w: BatchWriter;
  readonly cs: Sections;
  readonly status: StatusShadow;
  readonly tables: GenTables;
  readonly cpu: CPUTrace;
  readonly annot: Annotations;
  private readonly gens: Generations;
  private readonly procs: ProcEvents;
  readonly proc: ProcessIdentity;
  private readonly rt: RuntimeEvents;

  constructor(
    core: Core,
    readonly sc: ResolvedScenario,
    sink: TraceSink,
  ) {
    this.version = V2_VERSION_OF[sc.switches.traceFormat]!;
    this.table = specTables[this.version];
    if (sc.switches.untracedGoStatus === 'GoStatusStack' && !this.table.specs[V2.EvGoStatusStack]) {
      throw new Error(`switches.untracedGoStatus: GoStatusStack is not an event of ${sc.switches.traceFormat} (it is new in go1.23)`);
    }
    this.proc = new ProcessIdentity(sc.seed);
    this.stats = {
      format: `go1.${this.version}`,
      events: {},
      bytes: 0,
      batches: 0,
      cpuSamples: { taken: 0, buffered: 0, overflowed: 0, inTrace: 0, lostAtStop: 0, misplaced: 0 },
      generations: 0,
      signalsInsideTracer: 0,
      procSteals: 0,
      selfSteals: 0,
      genStarts: [],
      advanceWaits: 0,
      gcwaitStolenBetween: 0,
    };
    // The seqlocks take their WASM memory before the CPU log, as they always did.
    this.cs = new Sections(core);
    this.cpu = new CPUTrace(this, core, sc.switches.cpuBuffersPerGen);
    this.w = new BatchWriter(this, core, sink);
    this.status = new StatusShadow(this);
    this.tables = new GenTables(this);
    this.gens = new Generations(this);
    this.annot = new Annotations(this);
    this.procs = new ProcEvents(this);
    this.rt = new RuntimeEvents(this);
  }

  /** String and stack ids in the current generation's tables. */
  str(s: string): number {
    return this.tables.str(this.gen, s);
  }

  stk(stack: number | undefined): number {
    return this.tables.stk(this.gen, stack);
  }

  /** A thread as the trace names it (switches.traceThreadIds): -1 is no thread. */
  wireM(mid: number): number | bigint {
    if (mid === -1) return NoThread;
    if (this.sc.switches.traceThreadIds === 'm.id') return mid;
    if (mid === SYSMON_M) return this.proc.sysmonTid;
    if (mid === READER_M) return this.proc.readerTid;
    return this.proc.tidOfM(mid);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(_now: number): void {
    this.gens.start();
  }

  init(sched: unknown, now: number): void {
    this.sched = sched as Sched;
    this.w.reader.attach(this.sched);
    // Goroutines alive at StartTrace: the reader learns their status lazily, from this.
    for (const g of this.sched.gs) this.status.seed(g.id, GO_STATUS[g.status], g.m ? g.m.id : -1);
    this.gens.init(this.sched, now);
  }

  profiling(): boolean {
    return true;
  }

  stopWaits(): boolean {
    return this.gens.stopWaits();
  }

  stop(now: number): void {
    this.gens.stop(now);
    this.w.countEvents();
  }

  cpuSample(m: M, gp: G | null, stack: number, now: number): void {
    if (this.enabled) this.cpu.sample(m, gp, stack, now);
  }

  // ---- threads, Ps and syscalls (procs.ts) ------------------------------------------------------

  threadCreate(): void {}

  threadExit(m: M): void {
    this.cs.threadExit(m.id);
  }

  procStart(p: P, m: M, now: number): void {
    this.procs.start(p, m, now);
  }

  procStop(p: P, m: M, now: number): void {
    this.procs.stop(p, m, now);
  }

  procSteal(p: P, _owner: M | null, now: number): void {
    this.procs.retake(p, now);
  }

  procStopForSTW(p: P, _owner: M | null, now: number): void {
    this.procs.stopForSTW(p, this.rt.stwInitiator, now);
  }

  gcwait(p: P, m: M, now: number): void {
    this.procs.gcwait(p, m, now);
  }

  goSysCall(g: G, m: M, now: number): void {
    this.procs.syscallBegin(g, m, now);
  }

  goSysExit(g: G, m: M, lostP: boolean, now: number): void {
    this.procs.syscallEnd(g, m, lostP, now);
  }

  // ---- goroutines ----------------------------------------------------------------------------

  goCreate(parent: G | null, g: G, m: M | null, now: number): void {
    const mid = m ? m.id : SYSMON_M;
    this.status.begin(mid, now);
    const start = this.sc.symtab.stack([goStartFrame(g)]);
    this.w.ev(mid, EvGoCreate, now, [g.id, this.stk(start), this.stk(parent && !parent.system ? parent.userStack : undefined)]);
    const s = this.status.gst(g.id);
    s.status = GoRunnable;
    s.gen = this.gen;
    s.seq = 0;
    s.m = -1;
  }

  goStart(g: G, m: M, now: number): void {
    const st = this.status;
    const ms = st.begin(m.id, now);
    let s = st.goStatus(m.id, g.id, now);
    if (s.status === GoWaiting) {
      // Made runnable without a traced wakeup: trace one.
      this.w.evN(m.id, EvGoUnblock, now, 3, g.id, ++s.seq, 0, 0);
      s.status = GoRunnable;
    } else if (s.status === GoRunning && s.m !== m.id && s.m >= 0) {
      const other = s.m;
      st.begin(other, now);
      this.w.ev(other, EvGoStop, now, [this.str('preempted'), 0]);
      st.mst(other).g = -1;
      s.status = GoRunnable;
      s.m = -1;
      st.begin(m.id, now);
      s = st.gst(g.id);
    }
    this.w.evN(m.id, EvGoStart, now, 2, g.id, ++s.seq, 0, 0);
    s.status = GoRunning;
    s.m = m.id;
    ms.g = g.id;
    // A mark worker is labelled as it starts; StartTrace's events and a generation's opening
    // wait for a goroutine to run.
    if (g.system && !g.rt) this.w.ev(m.id, EvGoLabel, now, [this.str(MARK_WORKER_LABELS[g.markMode || 1])]);
    this.rt.started(g, m, now);
    this.annot.runPending(s);
  }

  /** g stops running on m: event `type` with n (0 or 2) arguments, then g's new status. */
  private stopG(g: G, m: M, now: number, type: number, n: number, a0: number, a1: number, status: number): void {
    const ms = this.status.begin(m.id, now);
    this.w.evN(m.id, type, now, n, a0, a1, 0, 0);
    const s = this.status.gst(g.id);
    s.status = status;
    s.m = -1;
    ms.g = -1;
    if (type === EvGoDestroy) this.status.forget(g.id);
  }

  goEnd(g: G, m: M, now: number): void {
    this.stopG(g, m, now, EvGoDestroy, 0, 0, 0, GoRunnable);
  }

  goSched(g: G, m: M, now: number): void {
    this.stopG(g, m, now, EvGoStop, 2, this.str('runtime.Gosched'), this.stk(g.userStack), GoRunnable);
  }

  goPreempt(g: G, m: M, now: number): void {
    this.stopG(g, m, now, EvGoStop, 2, this.str('preempted'), this.stk(g.userStack), GoRunnable);
  }

  goBlock(g: G, why: BlockKind, m: M, now: number): void {
    this.stopG(g, m, now, EvGoBlock, 2, this.str(BLOCK_REASON[why]), this.stk(g.system ? undefined : g.userStack), GoWaiting);
  }

  goUnblock(g: G, by: M | null, p: P | null, now: number): void {
    // Timers and the netpoller run on whichever thread checks them; here, the P's or sysmon.
    const m = by ?? p?.m ?? null;
    const mid = m ? m.id : SYSMON_M;
    this.status.begin(mid, now);
    const s = this.status.goStatus(mid, g.id, now);
    this.w.evN(mid, EvGoUnblock, now, 3, g.id, ++s.seq, this.stk(by?.curg && !by.curg.system ? by.curg.userStack : undefined), 0);
    s.status = GoRunnable;
  }

  // ---- GC and stops of the world -------------------------------------------------------------

  heapAlloc(bytes: number, m: M, now: number): void {
    this.status.begin(m.id, now);
    this.w.evN(m.id, EvHeapAlloc, now, 1, bytes, 0, 0, 0);
  }

  gcAssist(g: G, start: boolean, m: M, now: number): void {
    this.rt.gcAssist(g, start, m, now);
  }

  heapGoal(bytes: number, m: M, now: number): void {
    this.rt.heapGoal(bytes, m, now);
  }

  gcSweep(g: G, start: boolean, swept: number, reclaimed: number, m: M, now: number): void {
    this.rt.gcSweep(g, start, swept, reclaimed, m, now);
  }

  gcStart(_cycle: number, m: M, now: number): void {
    this.rt.gcStart(m, now);
  }

  gcDone(m: M, now: number): void {
    this.rt.gcDone(m, now);
  }

  /** The initiator holds worldsema from STWBegin to STWEnd (gen.ts waits on it). */
  stwStart(reason: StwReason, m: M, now: number): void {
    this.gens.stwBegin();
    this.rt.stwStart(reason, m, now);
  }

  stwDone(m: M, now: number): void {
    this.rt.stwDone(m, now);
    this.gens.stwEnd(now);
  }

  /** The trace advancer goroutine calls traceAdvance on m (gen.ts switches generations). */
  traceAdvance(m: M, now: number): void {
    this.gens.advanceOn(m.id, now);
  }

  /** traceAdvance switched generations (gen.ts), to open on thread mid (-1: any). */
  genOpened(now: number, mid: number): void {
    this.rt.genOpened(now, mid);
  }

  // ---- user annotations (annot.ts) -------------------------------------------------------------

  userTaskCreate(g: G, name: string, m: M, now: number): number {
    return this.annot.taskCreate(g, name, m, now);
  }

  userTaskEnd(g: G, id: number, m: M, now: number): void {
    this.annot.taskEnd(g, id, m, now);
  }

  userRegion(g: G, name: string, start: boolean, m: M, now: number): void {
    this.annot.region(g, name, start, m, now);
  }

  userLog(g: G, category: string, message: string, m: M, now: number): void {
    this.annot.log(g, category, message, m, now);
  }
}
