// RuntimeGoroutines: the goroutines the runtime itself runs beside the program's (runtime.main's
// init, runtime/pprof and runtime/trace), parked most of the time and woken when the runtime
// wakes them. As in a real program, where main.main starts the CPU profile and then the trace
// after the runtime's init: forcegc, bgsweep, bgscavenge and runfinq exist before the tracer
// starts, each parked at its first wait, and the profile writer is runnable in main's P
// (beforeTrace, which Sched.start calls before the tracer sees the program, so StartTrace
// finds them: v1 GoCreate + GoWaiting, v2 their status in the first generation); the
// tracer's own goroutines are created by main's first step, trace.Start (GoCreate each):
//   forcegc        runtime.forcegchelper: readied by sysmon when no cycle ended for gc.period
//                  (forcegcperiod, 2 min in Go); calls gcStart, parks again;
//   bgsweep        runtime.bgsweep: readied at each mark termination (into that P's runnext),
//                  sweeps the cycle's spans, yielding as switches.bgsweepYield says, parks;
//   bgscavenge     runtime.bgscavenge: woken by sysmon once a sweep is done, returns memory
//                  to the OS in two bursts with a sleep between, parks;
//   runfinq        runtime.runfinq (started by os's init through SetFinalizer): parked, as no
//                  finalizer is ever queued;
//   profileWriter  runtime/pprof.profileWriter (when profiling): newProfileBuilder reads the
//                  process's mappings first (READ_MAPPING: ~45 syscalls and 18 allocations in
//                  a real trace), then sleeps profile.readEvery, reads, again (its tables grow
//                  at the first read: a few allocations);
//   traceReader    runtime/trace.Start.func1 (when tracing): writes the header, then parks in
//                  ReadTrace until the tracer hands over buffers (wakeTraceReader, from
//                  runtime/trace-reader.ts), and writes each out with its own write(2);
//   traceCPUReader runtime.traceStartReadCPU.func1 (when tracing, per switches.traceGoroutines):
//                  wakes every trace.cpuReaderEvery;
//   traceAdvancer  runtime.(*traceAdvancerState).start.func1 (the same): sleeps trace.period,
//                  gathers the goroutines the generation did not mention, then calls
//                  traceAdvance (the observer's traceAdvance hook: the tracer switches
//                  generations on this goroutine's thread), flushes (allocating: 14–18
//                  HeapAlloc events per switch in a real Go 1.23 trace), sleeps again.
// Their ids follow main's in that order, as in a real program (goid 2 is forcegc).
// The tracer's own work (CPU sample reading, generation switches, buffer flushing) stays with
// the tracer (runtime/tracev2/gen.ts); these goroutines are what the program shows of it.
//
// Owns: these goroutines (by kind) and their programs, the scavenger's pending wakeup, and the
// buffers handed to the trace reader it has not written yet.
// Invariants: each kind exists at most once and never exits; a parked one's program counter is
// at its `park` step (whoever wakes it moves it on). Who may touch what: gc.ts calls sweepStart/sweepDone/forcegc's op, sysmon.ts
// calls sysmonCheck, a tracer may call wakeTraceReader; runG hands the 'rt' steps to `run`.

import { Act, GStatus, type G, type M, type P, type RuntimeG } from './world.ts';
import type { RStep, RuntimeOp } from '../scenario/resolved.ts';
import { RT } from '../scenario/symtab.ts';
import type { Frame } from '../scenario/scenario.ts';
import { Cont } from './agenda.ts';
import type { Sched } from './sched.ts';

/** Each runtime goroutine: its name (the summary's template) and the function it starts in. */
export const RUNTIME_GOROUTINES: Record<RuntimeG, { name: string; entry: Frame }> = {
  forcegc: { name: 'runtime.forcegchelper', entry: RT.forcegchelper },
  bgsweep: { name: 'runtime.bgsweep', entry: RT.bgsweep },
  bgscavenge: { name: 'runtime.bgscavenge', entry: RT.bgscavenge },
  runfinq: { name: 'runtime.runfinq', entry: RT.runfinq },
  profileWriter: { name: 'runtime/pprof.profileWriter', entry: RT.profileWriter },
  traceReader: { name: 'runtime/trace.Start.func1', entry: RT.traceStartFunc1 },
  traceCPUReader: { name: 'runtime.traceStartReadCPU.func1', entry: RT.traceReadCPUFunc1 },
  traceAdvancer: { name: 'runtime.(*traceAdvancerState).start.func1', entry: RT.traceAdvancerFunc1 },
};

// CPU each wakeup costs (measured on a real Go 1.23 trace of a program with a ping-pong pair, an
// allocator and a sleeper on 2 Ps: median running time per wakeup of each goroutine).
const SCAVENGE_NS = 2_000;
const SCAVENGE_SLEEP_NS = 1e6;
const PROFILE_READ_NS = 500;
const TRACE_READ_NS = 2_000;
const TRACE_WRITE_NS = 8_000;
const TRACE_CPU_READ_NS = 8_000;
/** traceAdvance before its generation switch (forEachGRace over the goroutines: real Go 1.23,
 *  25µs from the advancer's start to its first block), and after it (flushing). */
const TRACE_ADVANCE_COLLECT_NS = 25_000;
const TRACE_ADVANCE_NS = 125_000;
/** The runtime's goroutines that exist before main.main runs (runtime init, os's init). */
const BEFORE_MAIN: RuntimeG[] = ['forcegc', 'bgsweep', 'bgscavenge', 'runfinq'];
/** bgsweep's batch under goschedIfBusy (sweepBatchSize). */
const SWEEP_BATCH = 10;
/** What the runtime's goroutines allocate at a time (one span's worth: each a HeapAlloc event). */
const RT_ALLOC_BYTES = 8192;
/** Allocations of the profile writer's first read, and of each traceAdvance's flush. */
const PROFILE_FIRST_READ_ALLOCS = 4;
const TRACE_ADVANCE_ALLOCS = 16;

/** newProfileBuilder's readMapping (runtime/pprof/proto_other.go) as the profile writer starts:
 *  os.ReadFile of /proc/self/maps, elfBuildID of the binary, two more opens of mapped files,
 *  with the builder's allocations (itself, its gzip writer, the file buffer) between: each row
 *  a syscall (leaf-first frames below readMapping), how many times, its CPU; or allocations.
 *  Counts and order from a real Go 1.23 trace of the hog program (45 syscalls, 18 HeapAlloc). */
const READ_MAPPING: ({ sys: Frame[]; times: number; cpuNs: number } | { allocs: number })[] = [
  { allocs: 4 },
  { sys: [RT.sysOpenat, RT.osOpen, RT.osReadFile], times: 1, cpuNs: 4_000 },
  { sys: [RT.sysFcntl, RT.osOpen, RT.osReadFile], times: 4, cpuNs: 600 },
  { sys: [RT.sysFstat, RT.osFileStat, RT.osReadFile], times: 1, cpuNs: 600 },
  { sys: [RT.sysRead, RT.osFileRead, RT.osReadFile], times: 5, cpuNs: 5_000 },
  { sys: [RT.sysClose, RT.osFileClose, RT.osReadFile], times: 1, cpuNs: 1_000 },
  { allocs: 6 },
  { sys: [RT.sysOpenat, RT.osOpen, RT.elfBuildID, RT.parseProcSelfMaps], times: 1, cpuNs: 4_000 },
  { sys: [RT.sysFcntl, RT.osOpen, RT.elfBuildID, RT.parseProcSelfMaps], times: 4, cpuNs: 600 },
  { sys: [RT.sysPread, RT.osFileReadAt, RT.elfBuildID, RT.parseProcSelfMaps], times: 25, cpuNs: 700 },
  { sys: [RT.sysClose, RT.osFileClose, RT.elfBuildID, RT.parseProcSelfMaps], times: 1, cpuNs: 1_000 },
  { sys: [RT.sysOpenat, RT.osOpen, RT.elfBuildID, RT.parseProcSelfMaps], times: 2, cpuNs: 3_000 },
  { allocs: 8 },
];

export class RuntimeGoroutines {
  readonly gs: Partial<Record<RuntimeG, G>> = {};
  private scavengeWake = false;
  /** Buffers the trace reader has yet to write; the header is the first. */
  private traceBufs = 1;

  constructor(
    private readonly s: Sched,
    private readonly traced: boolean,
  ) {}

  /** The programs, by kind; the profile writer only when profiling, the tracer's only when
   *  tracing. */
  private programs(): [RuntimeG, RStep[]][] {
    const s = this.s;
    const sc = s.sc;
    const st = (...f: Frame[]) => s.symtab.stack([...f, RT.goexit]);
    const loop = (...body: RStep[]): RStep[] => [{ k: 'loop', body, times: Infinity }];
    const out: [RuntimeG, RStep[]][] = [
      ['forcegc', loop({ k: 'park', why: 'gcworker' }, { k: 'rt', op: 'forcegc' })],
      ['bgsweep', loop({ k: 'park', why: 'gcsweep' }, { k: 'rt', op: 'sweep' })],
      [
        'bgscavenge',
        loop(
          { k: 'park', why: 'gcworker' },
          { k: 'compute', stack: st(RT.pageAllocScavenge, RT.scavengerRun, RT.bgscavenge), ns: SCAVENGE_NS },
          { k: 'nap', why: 'sleep', ns: SCAVENGE_SLEEP_NS },
          { k: 'compute', stack: st(RT.pageAllocScavenge, RT.scavengerRun, RT.bgscavenge), ns: SCAVENGE_NS },
        ),
      ],
      ['runfinq', loop({ k: 'park', why: 'gcworker' })],
    ];
    const allocs = (n: number): RStep[] => Array.from({ length: n }, () => ({ k: 'alloc', bytes: RT_ALLOC_BYTES }) as RStep);
    if (s.obs.profiling()) {
      const builder = [RT.readMapping, RT.newProfileBuilder, RT.profileWriter];
      const readMapping = READ_MAPPING.flatMap((r): RStep[] =>
        'allocs' in r ? allocs(r.allocs) : Array.from({ length: r.times }, () => ({ k: 'syscall', stack: st(...r.sys, ...builder), cpuNs: r.cpuNs, blockNs: 0 }) as RStep),
      );
      const read: RStep = { k: 'compute', stack: st(RT.addCPUData, RT.profileWriter), ns: PROFILE_READ_NS };
      const nap: RStep = { k: 'sleep', ns: sc.profile.readEveryNs };
      out.push(['profileWriter', [...readMapping, nap, read, ...allocs(PROFILE_FIRST_READ_ALLOCS), ...loop(nap, read)]]);
    }
    if (!this.traced) return out;
    if (sc.switches.traceGoroutines === 'reader+cpu+advancer') {
      out.push(['traceCPUReader', loop({ k: 'nap', why: 'chanrecv', ns: sc.trace.cpuReaderEveryNs }, { k: 'compute', stack: st(RT.traceReadCPUFunc1), ns: TRACE_CPU_READ_NS })]);
      const adv = st(RT.traceAdvance, RT.traceAdvancerFunc1);
      out.push([
        'traceAdvancer',
        loop(
          { k: 'nap', why: 'chanrecv', ns: sc.trace.periodNs },
          { k: 'compute', stack: adv, ns: TRACE_ADVANCE_COLLECT_NS },
          { k: 'rt', op: 'traceAdvance' },
          { k: 'compute', stack: adv, ns: TRACE_ADVANCE_NS },
          ...allocs(TRACE_ADVANCE_ALLOCS),
        ),
      ]);
    }
    out.push([
      'traceReader',
      loop(
        { k: 'rt', op: 'traceRead' },
        { k: 'compute', stack: st(RT.readTrace, RT.traceStartFunc1), ns: TRACE_READ_NS },
        { k: 'syscall', stack: st(RT.sysWrite, RT.osFileWrite, RT.traceStartFunc1), cpuNs: TRACE_WRITE_NS, blockNs: 0 },
      ),
    ]);
    return out;
  }

  /** A runtime goroutine's 'rt' step on M. */
  run(m: M, g: G, op: RuntimeOp): void {
    const s = this.s;
    switch (op) {
      case 'init':
        this.init(m, g);
        s.gor.nextStep(g);
        s.gor.runG(m, g);
        return;
      case 'forcegc':
        s.gor.nextStep(g);
        s.gc.forcedGC(m, g);
        return;
      case 'sweep':
        this.sweep(m, g);
        return;
      case 'traceRead':
        // ReadTrace: a buffer handed over (or the header, first) is written out; none: park
        // here until wakeTraceReader.
        if (this.traceBufs > 0) {
          this.traceBufs--;
          s.gor.nextStep(g);
          s.gor.runG(m, g);
        } else s.gor.park(m, g, 'gcworker', Infinity, false);
        return;
      case 'traceAdvance':
        s.obs.traceAdvance?.(m, s.now);
        s.gor.nextStep(g);
        s.gor.runG(m, g);
        return;
    }
  }

  private create(kind: RuntimeG, program: RStep[]): G {
    const s = this.s;
    const spec = RUNTIME_GOROUTINES[kind];
    const g = s.newRuntimeG(spec.name, s.symtab.stack([spec.entry, RT.goexit]), program);
    g.rt = kind;
    this.gs[kind] = g;
    return g;
  }

  /** Before the tracer starts (Sched.start): the runtime's init goroutines, each parked at its
   *  first wait (the `park` step heading its loop), and the profile writer StartCPUProfile
   *  started, runnable in main's P's runnext. No events: nothing traces yet. */
  beforeTrace(p: P): void {
    for (const [kind, program] of this.programs()) {
      if (BEFORE_MAIN.includes(kind)) {
        const g = this.create(kind, program);
        const loop = program[0] as Extract<RStep, { k: 'loop' }>;
        g.pc.push({ steps: loop.body, i: 0, left: loop.times, end: null });
        g.status = GStatus.Waiting;
      } else if (kind === 'profileWriter') {
        this.s.proc.runqput(p, this.create(kind, program), true);
      }
    }
  }

  /** trace.Start, main's first step: the tracer's goroutines, created by main into its P's
   *  runnext as `go` does. */
  private init(m: M, main: G): void {
    const s = this.s;
    let any = false;
    for (const [kind, program] of this.programs()) {
      if (BEFORE_MAIN.includes(kind) || kind === 'profileWriter') continue;
      const g = this.create(kind, program);
      s.obs.goCreate(main, g, m, s.now);
      s.proc.runqput(m.p!, g, true);
      any = true;
    }
    if (any) s.proc.wakep();
  }

  // ---- bgsweep -----------------------------------------------------------------------------

  /** Mark termination readies bgsweep into the P that ran it (gcSweep's ready). */
  sweepStart(m: M): void {
    const g = this.gs.bgsweep;
    if (g && g.status === GStatus.Waiting) {
      this.s.gor.nextStep(g);
      this.s.proc.ready(g, m.p, m);
    }
  }

  /** bgsweep's loop: sweep a span (or a batch), yield, until nothing is left; then park. */
  private sweep(m: M, g: G): void {
    const s = this.s;
    const perYield = s.sc.switches.bgsweepYield === 'every-span' ? 1 : SWEEP_BATCH;
    const bytes = s.gc.sweep.take(perYield);
    if (bytes === 0) {
      s.gor.nextStep(g);
      s.gor.runG(m, g);
      return;
    }
    s.busy(m, Act.User, s.stacks.bgsweep, false, s.gc.sweep.ns(bytes), Cont.Rt);
  }

  /** Cont.Rt: a batch is swept; yield as the release does, or sweep on. */
  stepDone(m: M, g: G): void {
    const s = this.s;
    // 1.19: Gosched after every span; later: goschedIfBusy after a full batch.
    const everySpan = s.sc.switches.bgsweepYield === 'every-span';
    if (everySpan || ((g.preempt || s.proc.idleP.length === 0) && s.gc.sweep.left())) {
      s.busy(m, Act.G0, s.stacks.gosched, true, s.sc.costs.goschedNs, Cont.Yield);
      return;
    }
    s.gor.runG(m, g);
  }

  /** The last span is swept: sysmon wakes the scavenger at its next pass. */
  sweepDone(): void {
    this.scavengeWake = true;
  }

  // ---- sysmon's duties ---------------------------------------------------------------------

  /** sysmon, every pass: a forced GC when none ended for gc.period; the scavenger's wakeup. */
  sysmonCheck(): void {
    const s = this.s;
    const gc = s.sc.gc;
    const fg = this.gs.forcegc;
    if (gc && fg && fg.status === GStatus.Waiting && s.now - s.gc.lastGC > gc.periodNs && s.gc.phase === 'off') this.inject(fg);
    const sc = this.gs.bgscavenge;
    if (this.scavengeWake && sc && sc.status === GStatus.Waiting) {
      this.scavengeWake = false;
      this.inject(sc);
    }
  }

  /** A tracer handed over n buffers for runtime/trace's reader: a parked reader wakes and
   *  writes the first (its traceRead step is behind it); the rest it finds in its loop. */
  wakeTraceReader(n: number): void {
    this.traceBufs += n;
    const g = this.gs.traceReader;
    if (g && g.status === GStatus.Waiting && g.rt === 'traceReader') {
      this.traceBufs--;
      this.inject(g);
    }
  }

  /** injectglist from a thread with no P: the global queue, and an M for an idle P. */
  private inject(g: G): void {
    this.s.gor.nextStep(g);
    this.s.proc.ready(g, null, null);
  }
}
