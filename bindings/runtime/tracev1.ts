// TraceV1: the Go 1.19–1.21 execution tracer, writing the go 1.19 wire format from the
// simulation's events, as runtime/trace.go does.
//
// Layout of what reaches the sink: the 16-byte header; batches (EvBatch [pid, ticks] then
// events) each flushed when its 64 KiB buffer fills — one buffer per P, one for events
// without a P (pid -1, traceGlobProc) and one for CPU samples; then, at stop, the Frequency
// event and a batch holding the string and stack tables (pid 0). The buffers, the clock and
// the tables are tracev1/buf.ts; this file is what each runtime event writes, and StopTrace.
// Events are encoded from the one v1 spec table (formats/v1/spec.ts): type | nargs<<6, a
// length byte when there are 3 or more arguments, the tick delta (at least 1 within a batch),
// the arguments, and the stack id when the table says the event has one.
// CPU samples go through the trace's own profBuf and signalLock (tracecpu.ts) and are drained
// into CPUSample events whenever the reader runs (a full buffer is handed over) and at stop,
// as traceReadCPU does; overflow records are skipped. Goroutine sequence numbers (g.tseq)
// follow traceGoStart/traceGoUnpark/traceGoSysExit, in their non-Local forms.
// Beside the scheduler's events, what runtime/trace.go writes: at StartTrace a GoCreate for
// every goroutine alive, then GoWaiting or GoInSyscall for those blocked or in a syscall
// (each implies sequence number 1); Gomaxprocs at every start of the world (procresize, also
// after the untraced stops), HeapGoal at each gcControllerCommit (the heapGoal hook),
// GCSweepStart/GCSweepDone around the model's sweeps, GoBlockGC for a parked assist.
// ProcStart names its thread by switches.traceThreadIds (m.id up to 1.21).
// Owned here: whether tracing is on, the GC sequence, the task counter, StopTrace's wait
// (GC running, a stop of the world in progress), whether GOMAXPROCS was announced, the P
// in a sweep.

import type { Core } from '../core/wasm.ts';
import * as V1 from '../formats/v1/spec.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { Sched } from '../sim/sched.ts';
import type { BlockKind, StwReason } from '../sim/observer.ts';
import { GStatus, PStatus, type G, type M, type P } from '../sim/world.ts';
import { TraceCPULog } from './tracecpu.ts';
import { U64_MAX, V1Writer, type Buf } from './tracev1/buf.ts';
import { goStartFrame, type Tracer, type TraceSink, type TraceStats } from './tracer.ts';
import { ProcessIdentity } from './process.ts';
import { V1_VERSION_OF } from '../formats/version.ts';

// Local bindings of the spec's constants (module namespace reads are slow on the hot path).
const { EvGCMarkAssistDone, EvGCMarkAssistStart, EvGoEnd, EvGoPreempt, EvGoSched, EvGoStart, EvGoStartLabel } = V1;
const { EvGoSysBlock, EvGoSysCall, EvGoSysExit, EvGoUnblock, EvHeapAlloc, EvHeapGoal, EvProcStart, EvProcStop } = V1;

const MARK_WORKER_LABELS = ['Not worker', 'GC (dedicated)', 'GC (fractional)', 'GC (idle)'];

/** gopark's trace event by wait ('gcassist': gcParkAssist). */
const BLOCK_EVENTS: Record<BlockKind, number> = {
  sleep: V1.EvGoSleep,
  chan: V1.EvGoBlockRecv,
  chansend: V1.EvGoBlockSend,
  chanrecv: V1.EvGoBlockRecv,
  select: V1.EvGoBlockSelect,
  sync: V1.EvGoBlockSync,
  cond: V1.EvGoBlockCond,
  net: V1.EvGoBlockNet,
  gcworker: V1.EvGoBlock,
  gcsweep: V1.EvGoBlock,
  gcassist: V1.EvGoBlockGC,
};

export class TraceV1 implements Tracer {
  readonly stats: TraceStats;
  private sched!: Sched;
  private readonly w: V1Writer;
  private readonly cpuLog: TraceCPULog;
  private labelIds: number[] = [];
  private tasks = 0;
  private gcSeq = 0;
  /** Between GCStart and GCDone, and between STW start and done: StopTrace waits these out. */
  private gcRunning = false;
  private inSTW = false;
  private stwTracedNow = false;
  private pendingGomaxprocs = true;
  private enabled = false;
  private readonly version: number;
  private readonly proc: ProcessIdentity;
  /** Ps between GCSweepStart and GCSweepDone. */
  private readonly sweeping = new Set<number>();

  constructor(
    core: Core,
    private readonly sc: ResolvedScenario,
    sink: TraceSink,
  ) {
    this.version = V1_VERSION_OF[sc.switches.traceFormat]!;
    this.proc = new ProcessIdentity(sc.seed);
    this.stats = {
      format: sc.switches.traceFormat,
      events: {},
      bytes: 0,
      batches: 0,
      cpuSamples: { taken: 0, buffered: 0, overflowed: 0, inTrace: 0, lostAtStop: 0, misplaced: 0 },
    };
    this.cpuLog = new TraceCPULog(core, sc.symtab, 1, sc.profile.words, sc.profile.tags);
    this.w = new V1Writer(core, sc, sink, this.stats);
    this.w.onHandover = (now) => {
      if (this.enabled) this.readCPU(now);
    };
  }

  // Writer shorthands.
  private bufOf(p: P | null): Buf {
    return this.w.bufOf(p);
  }

  private ev(b: Buf, ev: number, now: number, args: (number | bigint)[], stack?: number, inline?: string): void {
    this.w.ev(b, ev, now, args, stack, inline);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  start(): void {
    this.w.out(V1.v1Header(this.version));
    this.enabled = true;
  }

  init(sched: unknown, now: number): void {
    this.sched = sched as Sched;
    this.w.reader.attach(this.sched);
    // StartTrace: every existing goroutine gets a GoCreate (on P0's buffer), then GoWaiting or
    // GoInSyscall if it is blocked or in a syscall (forEachGRace in runtime/trace.go).
    const p0 = this.sched.ps[0];
    const b = this.bufOf(p0);
    const symtab = this.sc.symtab;
    for (const g of this.sched.gs) {
      g.tseq = 0;
      const start = g === this.sched.mainG ? { func: 'main.main', file: '/app/main.go', line: 12 } : goStartFrame(g);
      this.ev(b, V1.EvGoCreate, now, [g.id, this.w.stk(symtab.stack([start]))], undefined);
      if (g.status === GStatus.Waiting) {
        g.tseq++;
        this.ev(b, V1.EvGoWaiting, now, [g.id]);
      } else if (g.status === GStatus.Syscall) {
        g.tseq++;
        this.ev(b, V1.EvGoInSyscall, now, [g.id]);
      }
    }
    this.labelIds = MARK_WORKER_LABELS.map((l) => this.w.str(b, l, now));
  }

  profiling(): boolean {
    return true;
  }

  /** StopTrace takes gcsema and worldsema (stopTheWorldGC): it waits out a GC cycle or a stop. */
  stopWaits(): boolean {
    return this.gcRunning || this.inSTW;
  }

  stop(now: number): void {
    now = this.stopTheWorld(now);
    // StopTrace: no more samples; drain them; flush every buffer; then the footer.
    this.cpuLog.close();
    this.readCPU(now);
    this.enabled = false;
    this.w.finish(now);
    const cs = this.stats.cpuSamples;
    cs.overflowed = this.cpuLog.overflowed;
    cs.buffered = this.cpuLog.written;
    this.w.countEvents(this.version);
  }

  /**
   * The events StopTrace leaves behind, as Go 1.19 runs it from the main goroutine: main's sleep
   * ends and it gets a P, stops the world (an untraced STW: only GC stops are traced), which
   * preempts every running goroutine and takes every P out of its syscall, then traceGoSched
   * ends main's own slice. No goroutine is left running: Go's viewers pair every GoStart with
   * the event that ends it and panic on one without. Returns the instant after the last event.
   */
  private stopTheWorld(now: number): number {
    const sched = this.sched;
    const main = sched.mainG;
    let t = now;
    let mainP = main.status === GStatus.Running && main.m?.p ? main.m.p : null;
    if (!mainP) {
      const idle = sched.ps.find((p) => p.status === PStatus.Idle);
      const busy = sched.ps.find((p) => p.status === PStatus.Running && p.m);
      mainP = idle ?? busy ?? sched.ps[0];
      // The timer that ends main's sleep runs on the P that then runs main.
      const b = this.bufOf(mainP);
      if (mainP === busy) {
        const cur = mainP.m!.curg;
        t = this.sweepDoneForStop(mainP, t);
        if (cur && cur.status === GStatus.Running) this.ev(b, V1.EvGoPreempt, t++, [], cur.userStack);
      } else {
        if (mainP.status === PStatus.Syscall) this.sysBlock(mainP, t++);
        this.ev(b, V1.EvProcStart, t++, [this.threadId(sched.ms.length)]);
      }
      main.tseq++;
      this.ev(b, V1.EvGoUnblock, t++, [main.id, main.tseq], undefined);
      main.tseq++;
      this.ev(b, V1.EvGoStart, t++, [main.id, main.tseq]);
    }
    for (const p of sched.ps) {
      if (p === mainP) continue;
      if (p.status === PStatus.Syscall) {
        this.sysBlock(p, t++);
      } else if (p.status === PStatus.Running && p.m) {
        const g = p.m.curg;
        t = this.sweepDoneForStop(p, t);
        if (g && g.status === GStatus.Running) this.ev(this.bufOf(p), V1.EvGoPreempt, t++, [], g.userStack);
        this.ev(this.bufOf(p), V1.EvProcStop, t++, []);
      }
    }
    this.ev(this.bufOf(mainP), V1.EvGoSched, t++, [], main.userStack);
    return t;
  }

  /** A sweep is not preemptible: the stop waits for one in progress on P to end (GCSweepDone;
   *  the bytes are the model's, not known here). */
  private sweepDoneForStop(p: P, t: number): number {
    if (!this.sweeping.delete(p.id)) return t;
    this.ev(this.bufOf(p), V1.EvGCSweepDone, t, [0, 0]);
    return t + 1;
  }

  // ---- CPU samples ------------------------------------------------------------------------

  cpuSample(m: M, gp: G | null, stack: number, now: number): void {
    if (!this.enabled) return;
    this.stats.cpuSamples.taken++;
    this.cpuLog.lock.acquire(0n);
    this.cpuLog.write(0, m.p ? m.p.id : -1, gp ? gp.id : 0, stack, now);
    this.cpuLog.lock.release();
  }

  private readCPU(now: number): void {
    this.cpuLog.read(0, (r) => {
      this.ev(this.w.cpu(), V1.EvCPUSample, now, [this.w.ticks(r.time), r.p >= 0 ? r.p : U64_MAX, r.goid], r.stack);
      this.stats.cpuSamples.inTrace++;
    });
  }

  // ---- scheduler events ------------------------------------------------------------------------

  /** What ProcStart calls thread mid (switches.traceThreadIds). */
  private threadId(mid: number): number {
    return this.sc.switches.traceThreadIds === 'm.id' ? mid : this.proc.tidOfM(mid);
  }

  procStart(p: P, m: M, now: number): void {
    this.w.evN(this.bufOf(p), EvProcStart, now, 1, this.threadId(m.id), 0, 0);
  }

  procStop(p: P, _m: M, now: number): void {
    this.w.evN(this.bufOf(p), EvProcStop, now, 0, 0, 0, 0);
  }

  /** retake / stopTheWorld / entersyscall_gcwait take a P from a syscall: GoSysBlock, ProcStop. */
  private sysBlock(p: P, now: number): void {
    const b = this.bufOf(p);
    this.w.evN(b, EvGoSysBlock, now, 0, 0, 0, 0);
    this.w.evN(b, EvProcStop, now, 0, 0, 0, 0);
  }

  procSteal(p: P, _owner: M | null, now: number): void {
    this.sysBlock(p, now);
  }

  procStopForSTW(p: P, _owner: M | null, now: number): void {
    this.sysBlock(p, now);
  }

  gcwait(p: P, _m: M, now: number): void {
    this.sysBlock(p, now);
  }

  goCreate(parent: G | null, g: G, m: M | null, now: number): void {
    g.tseq = 0;
    const start = this.sc.symtab.stack([goStartFrame(g)]);
    this.ev(this.bufOf(m?.p ?? null), V1.EvGoCreate, now, [g.id, this.w.stk(start)], parent ? parent.userStack : undefined);
  }

  goStart(g: G, m: M, now: number): void {
    const b = this.bufOf(m.p);
    if (g.sysexitAt >= 0) {
      // The syscall exit the G could not trace without a P, with its real time.
      g.tseq++;
      this.w.evN(b, EvGoSysExit, now, 3, g.id, g.tseq, g.sysexitAt);
      g.sysexitAt = -1;
    }
    g.tseq++;
    if (g.system) this.w.evN(b, EvGoStartLabel, now, 3, g.id, g.tseq, this.labelIds[g.markMode || 1]);
    else this.w.evN(b, EvGoStart, now, 2, g.id, g.tseq, 0);
    if (this.pendingGomaxprocs) {
      this.pendingGomaxprocs = false;
      this.ev(b, V1.EvGomaxprocs, now, [this.sc.gomaxprocs], g.userStack);
    }
  }

  goEnd(_g: G, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), EvGoEnd, now, 0, 0, 0, 0);
  }

  goSched(g: G, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), EvGoSched, now, 0, 0, 0, 0, g.userStack);
  }

  goPreempt(g: G, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), EvGoPreempt, now, 0, 0, 0, 0, g.userStack);
  }

  goBlock(g: G, why: BlockKind, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), BLOCK_EVENTS[why], now, 0, 0, 0, 0, g.system ? undefined : g.userStack);
  }

  goUnblock(g: G, by: M | null, p: P | null, now: number): void {
    g.tseq++;
    const on = p && p.status === PStatus.Running ? p : by?.p ?? this.anyRunningP();
    this.w.evN(this.bufOf(on), EvGoUnblock, now, 2, g.id, g.tseq, 0, by?.curg ? by.curg.userStack : undefined);
  }

  private anyRunningP(): P | null {
    for (const p of this.sched.ps) if (p.status === PStatus.Running) return p;
    return null;
  }

  goSysCall(g: G, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), EvGoSysCall, now, 0, 0, 0, 0, g.userStack);
  }

  goSysExit(g: G, m: M, lostP: boolean, now: number): void {
    if (!lostP) return; // exitsyscallfast on its own P: nothing is traced
    if (m.p) {
      // exitsyscallfast_pidle: GoSysExit on the new P, then the goroutine starts there.
      const b = this.bufOf(m.p);
      g.tseq++;
      this.w.evN(b, EvGoSysExit, now, 3, g.id, g.tseq, this.w.exitTicks(now));
      g.tseq++;
      this.w.evN(b, EvGoStart, now, 2, g.id, g.tseq, 0);
    } else {
      g.sysexitAt = this.w.exitTicks(now); // exitsyscall0: traced by execute() when it next runs
    }
  }

  heapAlloc(bytes: number, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), EvHeapAlloc, now, 1, bytes, 0, 0);
  }

  gcAssist(g: G, start: boolean, m: M, now: number): void {
    if (start) this.w.evN(this.bufOf(m.p), EvGCMarkAssistStart, now, 0, 0, 0, 0, g.userStack);
    else this.w.evN(this.bufOf(m.p), EvGCMarkAssistDone, now, 0, 0, 0, 0);
  }

  /** traceHeapGoal from gcControllerCommit. */
  heapGoal(bytes: number, m: M, now: number): void {
    this.w.evN(this.bufOf(m.p), EvHeapGoal, now, 1, bytes, 0, 0);
  }

  /** traceGCSweepStart/Done on m's P: GCSweepStart (with the sweeper's stack), GCSweepDone
   *  with the bytes swept and reclaimed. */
  gcSweep(g: G, start: boolean, swept: number, reclaimed: number, m: M, now: number): void {
    const p = m.p;
    if (!p) return;
    if (start && !this.sweeping.has(p.id)) {
      this.sweeping.add(p.id);
      this.ev(this.bufOf(p), V1.EvGCSweepStart, now, [], g.system ? undefined : g.userStack);
    } else if (!start && this.sweeping.delete(p.id)) {
      this.ev(this.bufOf(p), V1.EvGCSweepDone, now, [swept, reclaimed]);
    }
  }

  gcStart(_cycle: number, m: M, now: number): void {
    this.gcRunning = true;
    this.ev(this.bufOf(m.p), V1.EvGCStart, now, [this.gcSeq++], m.curg?.userStack);
  }

  gcDone(m: M, now: number): void {
    this.gcRunning = false;
    this.ev(this.bufOf(m.p), V1.EvGCDone, now, []);
  }

  stwStart(reason: StwReason, m: M, now: number): void {
    this.inSTW = true;
    // Up to 1.20 only GC's stops are traced (kind 0 mark, 1 sweep termination); 1.21 traces
    // every stop with its stwReason.
    this.stwTracedNow = this.sc.switches.stwTraced === 'all' || reason === 'GC mark termination' || reason === 'GC sweep termination';
    if (!this.stwTracedNow) return;
    // Before 1.21 the kinds are named without the "GC " the runtime's reasons later got.
    const kind = V1.stwKindId(this.version, this.version >= 1021 ? reason : reason.slice(3));
    this.ev(this.bufOf(m.p), V1.EvGCSTWStart, now, [kind]);
  }

  stwDone(m: M, now: number): void {
    this.inSTW = false;
    // startTheWorldWithSema's procresize announces GOMAXPROCS after every stop, traced or not.
    const g = m.curg;
    this.ev(this.bufOf(m.p), V1.EvGomaxprocs, now, [this.sc.gomaxprocs], g && !g.system ? g.userStack : undefined);
    if (this.stwTracedNow) this.ev(this.bufOf(m.p), V1.EvGCSTWDone, now, []);
  }

  userTaskCreate(g: G, name: string, m: M, now: number): number {
    const id = ++this.tasks;
    const b = this.bufOf(m.p);
    const parent = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    this.ev(b, V1.EvUserTaskCreate, now, [id, parent, this.w.str(b, name, now)], g.userStack);
    g.tasks.push(id);
    return id;
  }

  userTaskEnd(g: G, id: number, m: M, now: number): void {
    this.ev(this.bufOf(m.p), V1.EvUserTaskEnd, now, [id], g.userStack);
    const i = g.tasks.lastIndexOf(id);
    if (i >= 0) g.tasks.splice(i, 1);
  }

  userRegion(g: G, name: string, start: boolean, m: M, now: number): void {
    const b = this.bufOf(m.p);
    const task = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    this.ev(b, V1.EvUserRegion, now, [task, start ? 0 : 1, this.w.str(b, name, now)], g.userStack);
  }

  userLog(g: G, category: string, message: string, m: M, now: number): void {
    const b = this.bufOf(m.p);
    const task = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    this.ev(b, V1.EvUserLog, now, [task, this.w.str(b, category, now)], g.userStack, message);
  }
}
