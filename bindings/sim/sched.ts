// Sched: the Go scheduler, as a discrete-event model on a virtual nanosecond clock. This file
// is its core: the state all of it shares, the event loop, and the runtime's objects.
//
// Ms run goroutines on Ps. Every timed activity of an M (user code, g0 work, a syscall, a
// scheduling round) is one event on the agenda whose handler is the M's continuation
// (m.cont); an activity that is cut short (sysmon preemption, stop-the-world) bumps m.epoch
// so its pending event is ignored. Zero-time steps (labels, spawn bookkeeping, loop control,
// trace annotations) run inline in runG.
//
// The rest of the scheduler is split as the runtime splits it, one part per file, each owning
// its own state and reaching the others through this core (`s`):
//   proc.ts       run queues and the scheduling loop: runnext, local and global queues
//                 (checked every 61st schedtick), work stealing, wakep/startm/stopm with
//                 spinning Ms, schedule/execute, LockOSThread hand-offs;
//   timers.ts     timers: sleeps on the P that set them, run by checkTimers in schedule, by a
//                 netpolling M when a P is idle, or stolen by a P out of work;
//   syscall.ts    syscalls: entersyscall(_gcwait)/exitsyscall, handoffp;
//   sysmon.ts     sysmon's loop: retake of Ps in syscalls (same syscalltick on two passes),
//                 preemption of a time slice after 10ms, the forced-GC check;
//   gc.ts         GC and stop-the-world: two pauses around a concurrent mark, other stops
//                 (ReadMemStats...); mark assists against a balance and the workers' scan
//                 credit, parked when the mark work runs out (assist.ts); the sweep between
//                 cycles (sweep.ts); the background mark workers, dedicated, fractional and
//                 idle, as mgcpacer.go splits them (gcworkers.ts);
//   rtg.ts        the runtime's own goroutines (forcegc, bgsweep, bgscavenge, runfinq, the
//                 profile writer, the trace reader...);
//   goroutine.ts  goroutine programs: runG and the program counter, annotations, unbuffered
//                 channel hand-off into runnext, Gosched onto the global queue, newproc,
//                 gopreempt, goexit;
//   jitter.ts     the spread of step durations (the scenario's `jitter`).
//
// Owned here: the clock (now), the agenda (q; event kinds in agenda.ts), the kernel, every P,
// M and G and the threads outside Go (created only by newG/newM/start), the observer, the one
// Rand, an M's activity (busy/rest are the only writers of m.act, m.cont, m.until, m.epoch),
// and P ownership on the way in (acquireP). Invariants (world.ts): p.m === m iff m.p === p
// except while a P is in a syscall or being handed off; a Running G is g.m.curg.
// Who may touch what: every part reads the shared fields; it pushes onto the agenda only the
// kinds agenda.ts gives it. Everything random comes from `rand`, in program order: moving a
// call that draws from it changes every output (test/output-hashes.test.ts says so).
//
// The observer sees every state change (the tracers of runtime/ implement it); the kernel
// (kernel.ts) sees every activity change and sends SIGPROF.

import type { Rand } from '../core/rand.ts';
import { EventQueue } from './eventq.ts';
import { EV_THREAD_TIMER, EV_TICK, Kernel, type SignalSource } from './kernel.ts';
import type { ResolvedScenario, RStep } from '../scenario/resolved.ts';
import { RT, type Symtab } from '../scenario/symtab.ts';
import { Act, ForeignThread, G, GStatus, M, P, PStatus, type Thread } from './world.ts';
import type { SchedObserver } from './observer.ts';
import { ProgressGuard } from './progress.ts';
import { Cont, Ev } from './agenda.ts';
import { Proc } from './proc.ts';
import { Syscalls } from './syscall.ts';
import { GC } from './gc.ts';
import { Goroutines } from './goroutine.ts';
import { Timers } from './timers.ts';
import { Sysmon } from './sysmon.ts';
import { RuntimeGoroutines } from './rtg.ts';
import { Jitter } from './jitter.ts';
import { objects } from '../core/packed.ts';

/** debug.SetMaxThreads' default: a program with more live threads dies. */
const MAX_THREADS = 10_000;

export class Sched {
  now = 0;
  readonly q = new EventQueue();
  readonly kernel: Kernel;
  readonly ps: P[] = objects();
  readonly ms: M[] = objects();
  readonly gs: G[] = objects();
  readonly foreign: ForeignThread[] = objects();
  /** The main goroutine (goid 1): it starts the program and, at the end, stops the tracer. */
  mainG!: G;
  readonly proc: Proc;
  readonly sys: Syscalls;
  readonly gc: GC;
  readonly gor: Goroutines;
  readonly timers: Timers;
  readonly sysmon: Sysmon;
  readonly rtg: RuntimeGoroutines;
  readonly jitter: Jitter;
  /** Stacks of the runtime's own code (g0 work, the mark worker, syscall6...). */
  readonly stacks: Record<string, number>;
  readonly symtab: Symtab;
  /** Zero-time steps in a row within one event (runG counts, run resets). */
  zeroTimeGuard = 0;
  readonly guard: ProgressGuard;
  private nextGid = 1;
  private nextMid = 0;
  private exitedMs = 0;

  constructor(
    readonly sc: ResolvedScenario,
    readonly rand: Rand,
    readonly obs: SchedObserver,
    onSignal: (t: Thread, src: SignalSource, now: number) => void,
    /** Whether the execution tracer runs (its goroutines exist only then). */
    traced = false,
  ) {
    this.symtab = sc.symtab;
    this.guard = new ProgressGuard(sc.limits.goroutines);
    this.kernel = new Kernel(this.q, rand, sc.profile.periodNs, sc.profile.tickNs, onSignal);
    const st = (frames: (keyof typeof RT)[]) => this.symtab.stack(frames.map((f) => RT[f]));
    this.stacks = {
      schedule: st(['schedule', 'mstart1', 'mstart0', 'mstart']),
      findRunnable: st(['stealWork', 'findRunnable', 'schedule', 'mstart1', 'mstart0', 'mstart']),
      gosched: st(['goschedImpl', 'goschedM', 'mcall']),
      park: st(['parkM', 'mcall']),
      newproc: st(['newproc1', 'newprocFunc1', 'systemstack']),
      mallocgc: st(['memclr', 'mallocgc', 'makeslice']),
      assist: st(['scanobject', 'gcDrainN', 'gcAssistAlloc1', 'systemstack']),
      markWorker: st(['scanobject', 'gcDrain', 'gcBgMarkWorkerFunc2', 'systemstack']),
      markWorkerUser: st(['gcBgMarkWorker', 'goexit']),
      stw: st(['stopTheWorld', 'gcStart', 'systemstack']),
      markTerm: st(['stopTheWorld', 'gcMarkTermination', 'systemstack']),
      stwUser: st(['stopTheWorld', 'systemstack']),
      bgsweep: st(['sweepLockedSweep', 'sweepone', 'bgsweep', 'goexit']),
      allocSweep: st(['sweepLockedSweep', 'cacheSpan', 'refill']),
      syscall: st(['syscall6']),
      switch: st(['systemstackSwitch']),
      externalCode: st(['externalCode']),
      mainRoot: this.symtab.stack([{ func: 'main.main', file: '/app/main.go', line: 12 }, { func: 'runtime.main', file: '/usr/lib/go/src/runtime/proc.go', line: 250 }, RT.goexit]),
    };
    this.proc = new Proc(this);
    this.sys = new Syscalls(this);
    this.gc = new GC(this);
    this.gor = new Goroutines(this);
    this.timers = new Timers(this);
    this.sysmon = new Sysmon(this);
    this.rtg = new RuntimeGoroutines(this, traced);
    this.jitter = new Jitter(sc.jitter, rand);
  }

  /** The stack a systemstack traceback shows: g0 frames, the switch, then the user frames. */
  onBehalf(g0Stack: number, g: G): number {
    return this.symtab.concat(this.symtab.concat(g0Stack, this.stacks.switch), g.userStack);
  }

  // ---- setup and the main loop ------------------------------------------------------------

  /** Start the program: GOMAXPROCS Ps, sysmon, the runtime's goroutines that exist before the
   *  tracer starts (rtg.ts beforeTrace), then M0 running main, which starts the tracer's
   *  goroutines (trace.Start) and then spawns the initial goroutines. */
  start(): void {
    const sc = this.sc;
    for (let i = 0; i < sc.gomaxprocs; i++) this.ps.push(new P(i));
    for (let i = sc.gomaxprocs - 1; i >= 1; i--) this.proc.idleP.push(this.ps[i]);
    const spawns: RStep[] = [{ k: 'rt', op: 'init' }];
    sc.templates.forEach((t, i) => {
      if (t.count > 0) spawns.push({ k: 'spawn', tmpl: i, count: t.count });
    });
    spawns.push({ k: 'block', ns: Infinity, reason: 'select' });
    const main = this.newG(null, -1, 'main', this.stacks.mainRoot, 0, spawns, false);
    this.mainG = main;
    const p0 = this.ps[0];
    this.rtg.beforeTrace(p0);
    const m0 = this.newM();
    this.obs.init(this, this.now);
    this.acquireP(m0, p0);
    this.proc.execute(m0, main);
    for (const t of sc.threads) {
      for (let i = 0; i < t.count; i++) {
        const ft = new ForeignThread(-1 - this.foreign.length, t.name, t.busy, t.startNs + t.lifeNs);
        ft.stack = this.symtab.concat(this.symtab.stack([{ func: `${t.name}`, file: '??', line: 0 }]), this.stacks.externalCode);
        this.foreign.push(ft);
        this.q.push(t.startNs + Math.floor(this.rand.float() * 1e6), Ev.Foreign, ft, 0);
      }
    }
    this.sysmon.start();
  }

  /** Run a callback at time t (profile reader, trace generations...). */
  at(t: number, fn: (now: number) => void): void {
    this.q.push(t, Ev.Call, fn);
  }

  /** Advance the clock to `until`, handling every event before it. */
  run(until: number): void {
    const q = this.q;
    const guard = this.guard;
    while (q.peekTime() <= until) {
      q.pop();
      const t = q.topT;
      const obj = q.topObj;
      const epoch = q.topEpoch;
      this.now = t;
      this.zeroTimeGuard = 0;
      guard.event(t);
      switch (q.topKind) {
        case Ev.M: {
          const m = obj as M;
          if (m.epoch === epoch) this.continueM(m);
          break;
        }
        case EV_THREAD_TIMER:
          this.kernel.threadTimer(obj as Thread, epoch, t);
          break;
        case EV_TICK:
          this.kernel.tick(t);
          break;
        case Ev.Sysmon:
          this.sysmon.pass(epoch);
          break;
        case Ev.Wake: {
          const g = obj as G;
          if (g.epoch === epoch && g.status === GStatus.Waiting) this.timers.expire(g);
          break;
        }
        case Ev.Call:
          (obj as (now: number) => void)(t);
          break;
        case Ev.Foreign:
          this.foreignToggle(obj as ForeignThread);
          break;
        case Ev.StwStop:
          this.gc.stwPreempt(obj as M, epoch);
          break;
        case Ev.GcMarkDone:
          this.gc.gcMarkDone();
          break;
        case Ev.GcIdlePoll:
          this.gc.workers.idlePoll(obj as G, epoch);
          break;
      }
    }
    this.now = until;
  }

  /** An M's timed activity ended: its continuation, handled by the part that started it. */
  private continueM(m: M): void {
    switch (m.cont) {
      case Cont.Step:
        this.gor.stepDone(m, m.curg!);
        return;
      case Cont.Sched:
        this.proc.scheduled(m);
        return;
      case Cont.Spin:
        this.proc.spun(m);
        return;
      case Cont.Wake:
        this.proc.schedule(m);
        return;
      case Cont.SyscallCPU:
        this.sys.syscallCPUDone(m, m.curg!);
        return;
      case Cont.SyscallBlock:
        this.sys.exitsyscall(m, m.curg!);
        return;
      case Cont.Gosched:
        this.gor.goschedM(m, m.curg!);
        return;
      case Cont.Newproc:
        this.gor.newproc(m, m.curg!);
        return;
      case Cont.Alloc:
        this.gc.mallocgcDone(m, m.curg!);
        return;
      case Cont.Assist:
        this.gc.assists.done(m, m.curg!);
        return;
      case Cont.AssistPark:
        this.gc.assists.park(m, m.curg!);
        return;
      case Cont.MarkWorker:
        this.gc.workers.fractionalDone(m, m.curg!);
        return;
      case Cont.StwWork:
        this.gc.startTheWorld(m);
        return;
      case Cont.GcWait:
        this.sys.gcwaitDone(m, m.curg!);
        return;
      case Cont.Yield:
        this.gor.yieldM(m, m.curg!);
        return;
      case Cont.Rt:
        this.rtg.stepDone(m, m.curg!);
        return;
      case Cont.Sweep:
        this.gc.sweep.afterAllocSweep(m, m.curg!);
        return;
    }
  }

  // ---- objects --------------------------------------------------------------------------

  /** Goroutines that exited and were dropped from `gs`: the first ones kept whole for the
   *  summary, the rest folded into per-template totals, so memory stays flat under churn. */
  readonly finished: { id: number; template: string; cpuNs: number; samples: number }[] = objects();
  readonly finishedByTemplate = new Map<string, { goroutines: number; cpuNs: number; samples: number }>();
  private deaths = 0;
  static readonly KEEP_FINISHED = 10_000;

  /** A goroutine died (goexit0's gfput): every 4096th death drops the dead ones from `gs`. */
  gfput(): void {
    if (++this.deaths % 4096 === 0) this.compactGs();
  }

  private compactGs(): void {
    const live: G[] = [];
    for (const g of this.gs) {
      if (g.status !== GStatus.Dead || g.m) {
        live.push(g);
        continue;
      }
      // Charge any stretch still open on it first: its M has moved on, so none is.
      if (this.finished.length < Sched.KEEP_FINISHED) this.finished.push({ id: g.id, template: g.name, cpuNs: g.cpuNs, samples: g.samples });
      else {
        const t = this.finishedByTemplate.get(g.name) ?? { goroutines: 0, cpuNs: 0, samples: 0 };
        t.goroutines++;
        t.cpuNs += g.cpuNs;
        t.samples += g.samples;
        this.finishedByTemplate.set(g.name, t);
      }
    }
    this.gs.length = 0;
    for (const g of live) this.gs.push(g);
  }

  newG(parent: G | null, tmpl: number, name: string, root: number, tag: number, program: RStep[], locked: boolean): G {
    this.guard.created(parent, this.now);
    const g = new G(this.nextGid++, tmpl, name, root, tag, program, locked);
    this.gs.push(g);
    return g;
  }

  /** A goroutine of the runtime's own (rtg.ts): not the program's, so outside its goroutine limit. */
  newRuntimeG(name: string, root: number, program: RStep[]): G {
    const g = new G(this.nextGid++, -1, name, root, 0, program, false);
    this.gs.push(g);
    return g;
  }

  newM(): M {
    if (this.ms.length - this.exitedMs >= MAX_THREADS) {
      throw new Error(`runtime: program exceeds ${MAX_THREADS}-thread limit (at ${this.now} ns; as Go, the simulated program dies: locked goroutines or blocked syscalls keep a thread each)`);
    }
    const m = new M(this.nextMid++);
    this.ms.push(m);
    this.obs.threadCreate?.(m, this.now);
    return m;
  }

  /** mexit's bookkeeping: the thread no longer counts against the limit. */
  mexit(m: M): void {
    m.lockedG = null;
    m.exited = true;
    this.exitedMs++;
  }

  /** Start a timed activity on M: what it does, the stack a signal would see, and what follows. */
  busy(m: M, act: Act, stack: number, onG0: boolean, dur: number, cont: Cont): void {
    this.kernel.setAct(m, act, this.now);
    m.stack = stack;
    m.onG0 = onG0;
    m.cont = cont;
    m.until = this.now + dur;
    m.epoch++;
    if (dur < Infinity) this.q.push(m.until, Ev.M, m, m.epoch);
  }

  /** Put M off CPU with no pending activity. */
  rest(m: M, act: Act): void {
    this.kernel.setAct(m, act, this.now);
    m.cont = Cont.None;
    m.epoch++;
  }

  /** acquirep: M takes P, which runs from now on. */
  acquireP(m: M, p: P): void {
    m.p = p;
    p.m = m;
    p.status = PStatus.Running;
    this.obs.procStart(p, m, this.now);
  }

  // ---- threads outside Go ----------------------------------------------------------------

  private foreignToggle(t: ForeignThread): void {
    if (t.exited) return;
    if (this.now >= t.endNs) {
      t.exited = true;
      this.kernel.setAct(t, Act.Idle, this.now);
      return;
    }
    // Busy a fraction `busy` of the time, in on/off stretches of random length (mean 1ms per
    // cycle): a strictly periodic thread would phase-lock with the kernel tick.
    const slice = 1e6;
    const r = 2 * this.rand.float();
    if (t.act === Act.Foreign) {
      this.kernel.setAct(t, Act.Idle, this.now);
      this.q.push(this.now + Math.round(slice * (1 - t.busy) * r), Ev.Foreign, t, 0);
    } else {
      this.kernel.setAct(t, Act.Foreign, this.now);
      this.q.push(Math.min(t.endNs, this.now + Math.max(1, Math.round(slice * t.busy * r))), Ev.Foreign, t, 0);
    }
  }

  /** Everything still on CPU is charged up to `now` (the end of the run). */
  finish(): void {
    for (const m of this.ms) this.kernel.setAct(m, m.act, this.now);
    for (const t of this.foreign) this.kernel.setAct(t, t.act, this.now);
  }
}
