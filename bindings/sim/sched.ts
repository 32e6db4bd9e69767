// Sched: the Go scheduler, as a discrete-event model on a virtual nanosecond clock.
//
// Ms run goroutines on Ps. Every timed activity of an M (user code, g0 work, a syscall, a
// scheduling round) is one event on the agenda whose handler is the M's continuation
// (m.cont); an activity that is cut short (sysmon preemption, stop-the-world) bumps m.epoch
// so its pending event is ignored. Zero-time steps (labels, spawn bookkeeping, loop control,
// trace annotations) run inline in runG.
//
// Modelled after the runtime: per-P run queues with runnext and a global queue (checked
// every 61st schedtick), work stealing, wakep/startm/stopm, handoff of Ps on syscalls and
// sysmon's retake, sysmon preemption after 10ms, goroutine timers on the P that set them,
// unbuffered channel hand-off into runnext, Gosched onto the global queue, LockOSThread
// goroutines on their own M (which exits with them), and GC cycles: two stop-the-world
// pauses around a concurrent mark with dedicated background workers and mark assists.
// Everything random comes from the one Rand handed in.
//
// The observer sees every state change (the tracers of runtime/ implement it); the kernel
// (kernel.ts) sees every activity change and sends SIGPROF.

import type { Rand } from '../core/rand.ts';
import { EventQueue } from './eventq.ts';
import { EV_THREAD_TIMER, EV_TICK, Kernel, type SignalSource } from './kernel.ts';
import type { ResolvedScenario, RStep } from '../scenario/resolved.ts';
import { RT, type Symtab } from '../scenario/symtab.ts';
import { Act, ForeignThread, G, GStatus, M, P, PStatus, type Thread } from './world.ts';
import type { SchedObserver, BlockKind, StwReason } from './observer.ts';
import { ProgressGuard } from './progress.ts';

const EV_M = 1;
const EV_PREEMPT = 2;
const EV_WAKE = 3;
const EV_RETAKE = 4;
const EV_CALL = 5;
const EV_FOREIGN = 6;
const EV_STW_STOP = 7;
const EV_GC_MARK_DONE = 8;
const EV_GC_PERIOD = 9;

/** Continuations: what an M does when its timed activity ends. */
const enum Cont { None, Step, Sched, Spin, Wake, SyscallCPU, SyscallBlock, Gosched, Newproc, Alloc, StwWork, Assist, GcWait }

const FORCE_PREEMPT_NS = 10e6;
const SYSMON_MIN_NS = 20e3;
const SYSMON_MAX_NS = 10e6;
const WAKE_LATENCY_NS = 5e3;
const LOCAL_RUNQ_MAX = 256;
/** debug.SetMaxThreads' default: a program with more live threads dies. */
const MAX_THREADS = 10_000;
/** entersyscall_gcwait's wait for sched.lock (modelled for the v2 tracer only): the P sits in
 *  _Psyscall meanwhile, so sysmon may retake it and another M may run on it. */
const GCWAIT_MIN_NS = 200;
const GCWAIT_MAX_NS = 50_000;

export class Sched {
  now = 0;
  readonly q = new EventQueue();
  readonly kernel: Kernel;
  readonly ps: P[] = [];
  readonly ms: M[] = [];
  readonly gs: G[] = [];
  readonly foreign: ForeignThread[] = [];
  private idleP: P[] = [];
  private idleM: M[] = [];
  private globrunq: G[] = [];
  private globHead = 0;
  private nspinning = 0;
  private sendq: G[][] = [];
  private recvq: G[][] = [];
  /** Stop-the-world: stopping while Ps are being stopped, stopped once all are. */
  private stw: { stopping: boolean; initiator: M | null; reason: StwReason; stoppedP: Set<P> } | null = null;
  private gc = { phase: 'off' as 'off' | 'stw1' | 'mark' | 'stw2', heapSince: 0, workersLeft: 0, workers: [] as G[], cycles: 0, pending: false, markDoneWaiting: false };
  /** The main goroutine (goid 1): it starts the program and, at the end, stops the tracer. */
  mainG!: G;
  private nextGid = 1;
  private nextMid = 0;
  private exitedMs = 0;
  private stacks: Record<string, number> = {};
  private zeroTimeGuard = 0;
  private readonly guard: ProgressGuard;
  private readonly sc: ResolvedScenario;
  private readonly symtab: Symtab;

  constructor(
    sc: ResolvedScenario,
    private readonly rand: Rand,
    private readonly obs: SchedObserver,
    onSignal: (t: Thread, src: SignalSource, now: number) => void,
  ) {
    this.sc = sc;
    this.symtab = sc.symtab;
    this.guard = new ProgressGuard(sc.limits.goroutines);
    this.kernel = new Kernel(this.q, rand, sc.profile.periodNs, onSignal);
    for (let c = 0; c < sc.channels.length; c++) {
      this.sendq.push([]);
      this.recvq.push([]);
    }
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
      syscall: st(['syscall6']),
      switch: st(['systemstackSwitch']),
      externalCode: st(['externalCode']),
      mainRoot: this.symtab.stack([{ func: 'main.main', file: '/app/main.go', line: 12 }, { func: 'runtime.main', file: '/usr/lib/go/src/runtime/proc.go', line: 250 }, RT.goexit]),
    };
  }

  /** The stack a systemstack traceback shows: g0 frames, the switch, then the user frames. */
  private onBehalf(g0Stack: number, g: G): number {
    return this.symtab.concat(this.symtab.concat(g0Stack, this.stacks.switch), g.userStack);
  }

  // ---- setup and the main loop ------------------------------------------------------------

  /** Start the program: GOMAXPROCS Ps, M0 running main, which spawns the initial goroutines. */
  start(): void {
    const sc = this.sc;
    for (let i = 0; i < sc.gomaxprocs; i++) this.ps.push(new P(i));
    for (let i = sc.gomaxprocs - 1; i >= 1; i--) this.idleP.push(this.ps[i]);
    const spawns: RStep[] = [];
    sc.templates.forEach((t, i) => {
      if (t.count > 0) spawns.push({ k: 'spawn', tmpl: i, count: t.count });
    });
    spawns.push({ k: 'block', ns: Infinity, reason: 'select' });
    const main = this.newG(null, -1, 'main', this.stacks.mainRoot, 0, spawns, false);
    this.mainG = main;
    const m0 = this.newM();
    const p0 = this.ps[0];
    this.obs.init(this, this.now);
    this.acquireP(m0, p0);
    this.execute(m0, main);
    for (const t of sc.threads) {
      for (let i = 0; i < t.count; i++) {
        const ft = new ForeignThread(-1 - this.foreign.length, t.name, t.busy, t.startNs + t.lifeNs);
        ft.stack = this.symtab.concat(this.symtab.stack([{ func: `${t.name}`, file: '??', line: 0 }]), this.stacks.externalCode);
        this.foreign.push(ft);
        this.q.push(t.startNs + Math.floor(this.rand.float() * 1e6), EV_FOREIGN, ft, 0);
      }
    }
    if (sc.gc && sc.gc.periodNs < Infinity) this.q.push(sc.gc.periodNs, EV_GC_PERIOD, null);
  }

  /** Run a callback at time t (profile reader, trace generations...). */
  at(t: number, fn: (now: number) => void): void {
    this.q.push(t, EV_CALL, fn);
  }

  /** Advance the clock to `until`, handling every event before it. */
  run(until: number): void {
    const q = this.q;
    while (q.peekTime() <= until) {
      const e = q.pop()!;
      this.now = e.t;
      this.zeroTimeGuard = 0;
      this.guard.event(e.t);
      switch (e.kind) {
        case EV_M: {
          const m = e.obj as M;
          if (m.epoch === e.epoch) this.continueM(m);
          break;
        }
        case EV_THREAD_TIMER:
          this.kernel.threadTimer(e.obj as Thread, e.epoch, this.now);
          break;
        case EV_TICK:
          this.kernel.tick(this.now);
          break;
        case EV_PREEMPT:
          this.sysmonPreempt(e.obj as P, e.epoch);
          break;
        case EV_WAKE: {
          const g = e.obj as G;
          if (g.epoch === e.epoch && g.status === GStatus.Waiting) this.wakeTimer(g);
          break;
        }
        case EV_RETAKE:
          this.retake(e.obj as P, e.epoch);
          break;
        case EV_CALL:
          (e.obj as (now: number) => void)(this.now);
          break;
        case EV_FOREIGN:
          this.foreignToggle(e.obj as ForeignThread);
          break;
        case EV_STW_STOP:
          this.stwPreempt(e.obj as M, e.epoch);
          break;
        case EV_GC_MARK_DONE:
          this.gcMarkDone();
          break;
        case EV_GC_PERIOD:
          this.gc.pending = true;
          this.q.push(this.now + this.sc.gc!.periodNs, EV_GC_PERIOD, null);
          break;
      }
    }
    this.now = until;
  }

  // ---- objects --------------------------------------------------------------------------

  /** Goroutines that exited and were dropped from `gs`: the first ones kept whole for the
   *  summary, the rest folded into per-template totals, so memory stays flat under churn. */
  readonly finished: { id: number; template: string; cpuNs: number; samples: number }[] = [];
  readonly finishedByTemplate = new Map<string, { goroutines: number; cpuNs: number; samples: number }>();
  private deaths = 0;
  static readonly KEEP_FINISHED = 10_000;

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

  private newG(parent: G | null, tmpl: number, name: string, root: number, tag: number, program: RStep[], locked: boolean): G {
    this.guard.created(parent, this.now);
    const g = new G(this.nextGid++, tmpl, name, root, tag, program, locked);
    this.gs.push(g);
    return g;
  }

  private newM(): M {
    if (this.ms.length - this.exitedMs >= MAX_THREADS) {
      throw new Error(`runtime: program exceeds ${MAX_THREADS}-thread limit (at ${this.now} ns; as Go, the simulated program dies: locked goroutines or blocked syscalls keep a thread each)`);
    }
    const m = new M(this.nextMid++);
    this.ms.push(m);
    this.obs.threadCreate?.(m, this.now);
    return m;
  }

  /** Start a timed activity on M: what it does, the stack a signal would see, and what follows. */
  private busy(m: M, act: Act, stack: number, onG0: boolean, dur: number, cont: Cont): void {
    this.kernel.setAct(m, act, this.now);
    m.stack = stack;
    m.onG0 = onG0;
    m.cont = cont;
    m.until = this.now + dur;
    m.epoch++;
    if (dur < Infinity) this.q.push(m.until, EV_M, m, m.epoch);
  }

  /** Put M off CPU with no pending activity. */
  private rest(m: M, act: Act): void {
    this.kernel.setAct(m, act, this.now);
    m.cont = Cont.None;
    m.epoch++;
  }

  private acquireP(m: M, p: P): void {
    m.p = p;
    p.m = m;
    p.status = PStatus.Running;
    this.obs.procStart(p, m, this.now);
  }

  /** Give up M's P (releasep + pidleput). */
  private releasePIdle(m: M): void {
    const p = m.p!;
    this.obs.procStop(p, m, this.now);
    m.p = null;
    p.m = null;
    if (this.stw) {
      p.status = PStatus.GCStop;
      this.stw.stoppedP.add(p);
    } else {
      p.status = PStatus.Idle;
      this.idleP.push(p);
    }
  }

  // ---- run queues ---------------------------------------------------------------------------

  private runqput(p: P, g: G, next: boolean): void {
    if (next) {
      const old = p.runnext;
      p.runnext = g;
      if (!old) return;
      g = old;
    }
    p.runq.push(g);
    if (p.runq.length - p.runqHead > LOCAL_RUNQ_MAX) {
      // runqputslow: half of the local queue moves to the global queue.
      const n = (p.runq.length - p.runqHead) >> 1;
      for (let i = 0; i < n; i++) this.globrunq.push(p.runq[p.runqHead++]);
    }
    if (p.runqHead > 1024 && p.runqHead * 2 > p.runq.length) {
      p.runq = p.runq.slice(p.runqHead);
      p.runqHead = 0;
    }
  }

  /** Whether the last runqget came from runnext (execute's inheritTime). */
  private inheritTime = false;

  private runqget(p: P): G | null {
    this.inheritTime = false;
    if (p.runnext) {
      const g = p.runnext;
      p.runnext = null;
      this.inheritTime = true;
      return g;
    }
    if (p.runqHead < p.runq.length) return p.runq[p.runqHead++];
    return null;
  }

  private globget(): G | null {
    if (this.globHead < this.globrunq.length) {
      const g = this.globrunq[this.globHead++];
      if (this.globHead > 1024 && this.globHead * 2 > this.globrunq.length) {
        this.globrunq = this.globrunq.slice(this.globHead);
        this.globHead = 0;
      }
      return g;
    }
    return null;
  }

  private globSize(): number {
    return this.globrunq.length - this.globHead;
  }

  /** runqsteal: take half of a random victim's queue (runnext included when alone). */
  private steal(p: P): G | null {
    const n = this.ps.length;
    const start = Math.floor(this.rand.float() * n);
    for (let k = 0; k < n; k++) {
      const v = this.ps[(start + k) % n];
      if (v === p) continue;
      const avail = v.runq.length - v.runqHead;
      if (avail > 0) {
        const take = (avail + 1) >> 1;
        const got = v.runq.slice(v.runqHead, v.runqHead + take);
        v.runqHead += take;
        const g = got.pop()!;
        for (const x of got) p.runq.push(x);
        return g;
      }
      if (v.runnext && v.status !== PStatus.Running) {
        const g = v.runnext;
        v.runnext = null;
        return g;
      }
    }
    return null;
  }

  /** Make g runnable: into P's runnext (goready) or the global queue, and wake a P. */
  ready(g: G, p: P | null, by: M | null): void {
    g.status = GStatus.Runnable;
    g.epoch++;
    this.obs.goUnblock(g, by, p ?? by?.p ?? null, this.now);
    if (p && p.status !== PStatus.Idle && p.status !== PStatus.GCStop) this.runqput(p, g, true);
    else this.globrunq.push(g);
    this.wakep();
  }

  // ---- Ms and Ps ---------------------------------------------------------------------------

  /** wakep: one more spinning M on an idle P, if there is work nobody is looking for. */
  private wakep(): void {
    if (this.nspinning > 0 || this.idleP.length === 0 || this.stw) return;
    this.startm(this.idleP.pop()!, true);
  }

  private startm(p: P, spinning: boolean): void {
    const m = this.idleM.pop() ?? this.newM();
    this.acquireP(m, p);
    m.spinning = spinning;
    if (spinning) this.nspinning++;
    // futex wake and context switch before the thread runs.
    this.busy(m, Act.Idle, 0, true, WAKE_LATENCY_NS, Cont.Wake);
  }

  /** stopm: park M (with no P) until startm picks it. */
  private stopm(m: M): void {
    if (m.spinning) {
      m.spinning = false;
      this.nspinning--;
    }
    m.curg = null;
    this.rest(m, Act.Idle);
    if (m.lockedG) return; // a locked M waits for its own goroutine only
    this.idleM.push(m);
  }

  // ---- scheduling -----------------------------------------------------------------------------

  /** schedule(): find a G for M's P, paying the g0 cost; park M if there is none. */
  private schedule(m: M): void {
    const p = m.p!;
    m.curg = null;
    if (this.stw) {
      this.stopForSTW(m);
      return;
    }
    if (m.lockedG) {
      // stoplockedm: a locked M runs only its own goroutine; until that goroutine is picked
      // up again (and handed to it by startlockedm), the M sleeps and its P moves on.
      this.releasePForHandoff(m);
      this.rest(m, Act.Idle);
      this.handoffp(p);
      return;
    }
    let g: G | null = null;
    if (this.gc.phase === 'mark' && this.gc.workersLeft > 0 && !p.gcWorker) g = this.gcWorkerFor(p);
    this.inheritTime = false;
    if (!g && p.schedtick % 61 === 0 && this.globSize() > 0) g = this.globget();
    if (!g) g = this.runqget(p);
    if (!g) g = this.globget();
    if (!g) g = this.steal(p);
    if (g) {
      m.nextG = g;
      this.busy(m, Act.Sched, this.stacks.schedule, true, this.sc.costs.scheduleNs, Cont.Sched);
      return;
    }
    if (!m.spinning) {
      m.spinning = true;
      this.nspinning++;
    }
    this.busy(m, Act.Sched, this.stacks.findRunnable, true, this.sc.costs.findRunnableNs, Cont.Spin);
  }

  private execute(m: M, g: G): void {
    if (m.spinning) {
      m.spinning = false;
      this.nspinning--;
      if (this.globSize() > 0 || this.anyLocalWork()) this.wakep(); // resetspinning
    }
    m.inheritTime = this.inheritTime;
    this.inheritTime = false;
    if (g.lockOSThread && g.lockedM === null) {
      // The goroutine locks itself to a fresh thread (LockOSThread at its start).
      const lm = this.newM();
      lm.lockedG = g;
      g.lockedM = lm;
    }
    if (g.lockedM && g.lockedM !== m) {
      // startlockedm: the P goes to the goroutine's own thread; this M sleeps.
      const lm = g.lockedM;
      const p = m.p!;
      this.releasePForHandoff(m);
      this.stopm(m);
      this.acquireP(lm, p);
      this.runOn(lm, g);
      return;
    }
    this.runOn(m, g);
  }

  private releasePForHandoff(m: M): void {
    const p = m.p!;
    this.obs.procStop(p, m, this.now);
    m.p = null;
    p.m = null;
  }

  private runOn(m: M, g: G): void {
    const p = m.p!;
    if (!m.inheritTime) {
      // A new time slice: sysmon preempts whoever runs on this P once it has lasted 10ms,
      // at sysmon's next look; in a busy program sysmon sleeps up to 10ms between looks.
      p.schedtick++;
      this.q.push(this.now + FORCE_PREEMPT_NS + Math.floor(this.rand.float() * SYSMON_MAX_NS), EV_PREEMPT, p, p.schedtick);
    }
    m.inheritTime = false;
    g.status = GStatus.Running;
    g.m = m;
    m.curg = g;
    this.obs.goStart(g, m, this.now);
    if (this.sc.switches.timer === 'per-thread' && !m.timerValid && this.obs.profiling()) {
      // setThreadCPUProfiler runs in execute() the first time the M runs a goroutine.
      const period = this.sc.profile.periodNs;
      const first = this.sc.switches.firstExpiry === 'uniform' ? 1 + Math.floor(this.rand.float() * period) : period;
      this.kernel.armThreadTimer(m, first, this.now);
    }
    if (g.system) {
      this.runWorker(m, g);
      return;
    }
    if (g.pendingEnds) {
      const ends = g.pendingEnds;
      g.pendingEnds = null;
      for (const e of ends) this.endAnnotation(g, e, m);
    }
    if (!this.stw && this.gc.phase === 'stw2') {
      // Mark is over but no dedicated worker was running to finish it: the goroutine that
      // runs next finishes it (as an assist reaching gcMarkDone would).
      this.stopTheWorld(m, 'GC mark termination', g, this.sc.gc!.stwNs);
      return;
    }
    if (!this.stw && this.gc.pending && this.gc.phase === 'off') {
      // A forced GC (gc.period): the goroutine calls runtime.GC.
      this.gc.pending = false;
      this.gcStart(m, g);
      return;
    }
    this.runG(m, g);
  }

  private anyLocalWork(): boolean {
    for (const p of this.ps) if (p.runqSize() > 0) return true;
    return false;
  }

  private continueM(m: M): void {
    const g = m.curg;
    switch (m.cont) {
      case Cont.Step:
        g!.remaining = 0;
        this.nextStep(g!);
        this.runG(m, g!);
        return;
      case Cont.Sched: {
        const next = m.nextG!;
        m.nextG = null;
        if (this.stw) {
          this.runqput(m.p!, next, true);
          this.stopForSTW(m);
          return;
        }
        this.execute(m, next);
        return;
      }
      case Cont.Spin: {
        const p = m.p!;
        const got = this.stw ? null : this.runqget(p) ?? this.globget() ?? this.steal(p);
        if (got) {
          m.nextG = got;
          this.busy(m, Act.Sched, this.stacks.schedule, true, this.sc.costs.scheduleNs, Cont.Sched);
          return;
        }
        this.releasePIdle(m);
        this.stopm(m);
        return;
      }
      case Cont.Wake:
        this.schedule(m);
        return;
      case Cont.SyscallCPU: {
        const step = this.curStep(g!) as Extract<RStep, { k: 'syscall' }>;
        if (step.blockNs > 0) {
          this.busy(m, Act.SyscallBlock, m.stack, false, step.blockNs, Cont.SyscallBlock);
          return;
        }
        this.exitsyscall(m, g!);
        return;
      }
      case Cont.SyscallBlock:
        this.exitsyscall(m, g!);
        return;
      case Cont.Gosched:
        g!.status = GStatus.Runnable;
        this.obs.goSched(g!, m, this.now);
        this.nextStep(g!);
        g!.m = null;
        this.globrunq.push(g!);
        this.schedule(m);
        return;
      case Cont.Newproc: {
        const step = this.curStep(g!) as Extract<RStep, { k: 'spawn' }>;
        const t = this.sc.templates[step.tmpl];
        for (let i = 0; i < step.count; i++) {
          const ng = this.newG(g!, step.tmpl, t.name, this.stacks.mainRoot, t.tag, t.program, t.lockOSThread);
          ng.tag = g!.tag || t.tag; // labels are inherited by goroutines a goroutine starts
          if (t.tag) ng.tag = t.tag;
          this.obs.goCreate(g!, ng, m, this.now);
          this.runqput(m.p!, ng, true);
        }
        this.wakep();
        this.nextStep(g!);
        this.runG(m, g!);
        return;
      }
      case Cont.Alloc: {
        const step = this.curStep(g!) as Extract<RStep, { k: 'alloc' }>;
        this.gc.heapSince += step.bytes;
        this.obs.heapAlloc(this.gc.heapSince, m, this.now);
        if (this.gc.phase === 'mark' && this.sc.gc && this.sc.gc.assistNsPerKiB > 0) {
          const ns = Math.ceil((step.bytes / 1024) * this.sc.gc.assistNsPerKiB);
          this.obs.gcAssist(g!, true, m, this.now);
          this.busy(m, Act.G0, this.onBehalf(this.stacks.assist, g!), true, ns, Cont.Assist);
          return;
        }
        this.nextStep(g!);
        if (this.sc.gc && this.gc.phase === 'off' && this.gc.heapSince >= this.sc.gc.triggerBytes) {
          if (this.stw) {
            // Another goroutine is stopping the world: GC starts after (gcStart waits on worldsema).
            this.gc.pending = true;
            this.runG(m, g!);
            return;
          }
          this.gcStart(m, g!);
          return;
        }
        this.runG(m, g!);
        return;
      }
      case Cont.Assist:
        this.obs.gcAssist(g!, false, m, this.now);
        this.nextStep(g!);
        this.runG(m, g!);
        return;
      case Cont.StwWork:
        this.stwWorkDone(m);
        return;
      case Cont.GcWait: {
        const p = m.oldp!;
        if (this.stw && this.stw.stopping && p.status === PStatus.Syscall) {
          p.status = PStatus.GCStop;
          this.stw.stoppedP.add(p);
          this.obs.gcwait(p, m, this.now);
          p.syscalltick++;
        }
        const step = this.curStep(g!) as Extract<RStep, { k: 'syscall' }>;
        this.busy(m, Act.SyscallCPU, this.symtab.concat(this.stacks.syscall, step.stack), false, step.cpuNs, Cont.SyscallCPU);
        return;
      }
    }
  }

  // ---- goroutine programs -----------------------------------------------------------------

  private curStep(g: G): RStep {
    const f = g.pc[g.pc.length - 1];
    return f.steps[f.i];
  }

  /** Move past the current step, unwinding finished loops, tasks and regions. */
  private nextStep(g: G): void {
    const f = g.pc[g.pc.length - 1];
    f.i++;
    this.unwind(g);
  }

  private unwind(g: G): void {
    for (;;) {
      const f = g.pc[g.pc.length - 1];
      if (!f || f.i < f.steps.length) return;
      if (f.left > 1) {
        f.left--;
        f.i = 0;
        if (f.steps.length === 0) f.left = 0;
        continue;
      }
      g.pc.pop();
      if (f.end) {
        // region.End/task.End are code the goroutine runs: a G whose blocking step was
        // completed by someone else (a channel peer, a timer) ends them when it runs again.
        if (g.status === GStatus.Running && g.m?.p) this.endAnnotation(g, f.end, g.m);
        else (g.pendingEnds ??= []).push(f.end);
      }
      const parent = g.pc[g.pc.length - 1];
      if (!parent) return;
      parent.i++;
    }
  }

  private endAnnotation(g: G, end: { k: 'task' | 'region'; id: number; name: string }, m: M): void {
    if (end.k === 'task') this.obs.userTaskEnd(g, end.id, m, this.now);
    else this.obs.userRegion(g, end.name, false, m, this.now);
  }

  /** Run g on m from its current step until it takes time, blocks or ends. */
  private runG(m: M, g: G): void {
    for (;;) {
      this.guard.zeroTimeStep(g, ++this.zeroTimeGuard, this.now);
      if (this.stw && this.stw.stopping && !g.system && !this.syscallFirst(g)) {
        // A safe point while the world is being stopped: preempt here.
        this.preemptForSTW(m, g);
        this.stopForSTW(m);
        return;
      }
      const step = g.pc.length ? this.curStep(g) : undefined;
      if (!step) {
        this.goexit(m, g);
        return;
      }
      switch (step.k) {
        case 'compute':
          if (g.remaining === 0) g.remaining = step.ns;
          g.userStack = step.stack;
          this.busy(m, Act.User, step.stack, false, g.remaining, Cont.Step);
          return;
        case 'g0':
          this.busy(m, Act.G0, step.via === 'systemstack' ? this.onBehalf(step.stack, g) : step.stack, true, step.ns, Cont.Step);
          return;
        case 'syscall':
          this.entersyscall(m, g, step);
          return;
        case 'gosched':
          this.busy(m, Act.G0, this.stacks.gosched, true, this.sc.costs.goschedNs, Cont.Gosched);
          return;
        case 'sleep':
          g.timerP = m.p;
          this.park(m, g, 'sleep', step.ns);
          return;
        case 'block':
          this.park(m, g, step.reason, step.ns);
          return;
        case 'send':
        case 'recv': {
          const mine = step.k === 'send' ? this.sendq[step.chan] : this.recvq[step.chan];
          const other = step.k === 'send' ? this.recvq[step.chan] : this.sendq[step.chan];
          const peer = other.shift();
          if (peer) {
            // Hand-off: the peer completes its op and becomes runnable in our runnext.
            this.nextStep(peer);
            this.ready(peer, m.p, m);
            this.nextStep(g);
            continue;
          }
          mine.push(g);
          this.park(m, g, step.k === 'send' ? 'chansend' : 'chanrecv', Infinity);
          return;
        }
        case 'spawn':
          this.busy(m, Act.G0, this.onBehalf(this.stacks.newproc, g), true, this.sc.costs.newprocNs * step.count, Cont.Newproc);
          return;
        case 'loop':
          if (step.times === 0 || step.body.length === 0) {
            this.nextStep(g);
            continue;
          }
          g.pc.push({ steps: step.body, i: 0, left: step.times });
          continue;
        case 'labels':
          g.tag = step.tag;
          this.nextStep(g);
          continue;
        case 'task': {
          const id = this.obs.userTaskCreate(g, step.name, m, this.now);
          g.pc.push({ steps: step.body, i: 0, left: -1, end: { k: 'task', id, name: step.name } });
          this.unwind(g);
          continue;
        }
        case 'region':
          this.obs.userRegion(g, step.name, true, m, this.now);
          g.pc.push({ steps: step.body, i: 0, left: -1, end: { k: 'region', id: 0, name: step.name } });
          this.unwind(g);
          continue;
        case 'log':
          this.obs.userLog(g, step.category, step.message, m, this.now);
          this.nextStep(g);
          continue;
        case 'stw':
          this.nextStep(g);
          this.stopTheWorld(m, step.reason, g, step.ns);
          return;
        case 'alloc': {
          const ns = 50 + Math.ceil(step.bytes * 0.05); // mallocgc plus zeroing at ~20 GB/s
          this.busy(m, Act.User, this.symtab.concat(this.stacks.mallocgc, g.userStack), false, ns, Cont.Alloc);
          return;
        }
      }
    }
  }

  /** v2 model: a goroutine about to make a syscall enters it (entersyscall is nosplit) before
   *  it notices a pending stop-the-world, and so reaches entersyscall_gcwait. */
  private syscallFirst(g: G): boolean {
    return this.sc.switches.tracer === 'v2' && g.pc.length > 0 && this.curStep(g).k === 'syscall';
  }

  private goexit(m: M, g: G): void {
    this.guard.exited();
    g.status = GStatus.Dead;
    g.m = null;
    this.obs.goEnd(g, m, this.now);
    if (++this.deaths % 4096 === 0) this.compactGs();
    if (g.lockedM === m) {
      // A goroutine that exits while locked to its thread takes the thread with it.
      m.lockedG = null;
      m.exited = true;
      this.exitedMs++;
      const p = m.p!;
      this.releasePForHandoff(m);
      m.curg = null;
      this.rest(m, Act.Idle);
      this.obs.threadExit?.(m, this.now);
      this.handoffp(p);
      return;
    }
    this.schedule(m);
  }

  /** handoffp: a P whose M leaves; give it to a new M if there is work, else idle it. */
  private handoffp(p: P): void {
    p.m = null;
    if (this.stw) {
      p.status = PStatus.GCStop;
      this.stw.stoppedP.add(p);
      return;
    }
    if (p.runqSize() > 0 || this.globSize() > 0 || (this.gc.phase === 'mark' && this.gc.workersLeft > 0)) {
      this.startm(p, false);
      return;
    }
    if (this.nspinning === 0 && this.idleP.length === 0 && this.anyLocalWork()) {
      this.startm(p, true);
      return;
    }
    p.status = PStatus.Idle;
    this.idleP.push(p);
  }

  private park(m: M, g: G, why: BlockKind, ns: number): void {
    g.status = GStatus.Waiting;
    g.m = null;
    g.epoch++;
    this.obs.goBlock(g, why, m, this.now);
    if (ns < Infinity) this.q.push(this.now + ns, EV_WAKE, g, g.epoch);
    this.schedule(m);
  }

  private wakeTimer(g: G): void {
    this.nextStep(g);
    const p = g.timerP && g.timerP.status === PStatus.Running ? g.timerP : null;
    g.timerP = null;
    this.ready(g, p, null);
  }

  // ---- preemption -------------------------------------------------------------------------

  /** sysmon: the P has been running one time slice (same schedtick) for 10ms. */
  private sysmonPreempt(p: P, tick: number): void {
    if (p.schedtick !== tick || p.status !== PStatus.Running || !p.m) return;
    const m = p.m;
    const g = m.curg;
    if (!g || g.system || g.status !== GStatus.Running) return;
    if (m.act !== Act.User || m.cont !== Cont.Step) {
      // Not at an async safe point (g0, mallocgc): sysmon tries again next round.
      this.q.push(this.now + SYSMON_MIN_NS, EV_PREEMPT, p, tick);
      return;
    }
    g.remaining = m.until - this.now;
    g.status = GStatus.Runnable;
    g.m = null;
    this.obs.goPreempt(g, m, this.now);
    this.globrunq.push(g);
    this.schedule(m);
  }

  /** Stop g where it is (keeping its remaining work): gopreempt_m puts it on the global queue. */
  private preemptForSTW(m: M, g: G): void {
    if (m.cont === Cont.Step && m.act === Act.User) g.remaining = Math.max(0, m.until - this.now);
    g.status = GStatus.Runnable;
    g.m = null;
    this.obs.goPreempt(g, m, this.now);
    this.globrunq.push(g);
  }

  // ---- syscalls -------------------------------------------------------------------------------

  private entersyscall(m: M, g: G, step: Extract<RStep, { k: 'syscall' }>): void {
    const p = m.p!;
    g.status = GStatus.Syscall;
    this.obs.goSysCall(g, m, this.now);
    m.oldp = p;
    m.syscalltick = p.syscalltick;
    m.p = null;
    p.m = null;
    p.status = PStatus.Syscall;
    (p as P & { syscallWhen: number }).syscallWhen = this.now;
    if (this.stw && this.stw.stopping && this.sc.switches.tracer === 'v2') {
      // entersyscall_gcwait after a wait for sched.lock: it takes the P only if the P is
      // (still, or again) in a syscall then; it may belong to another M by that time.
      this.q.push(this.now + SYSMON_MIN_NS + Math.floor(this.rand.float() * SYSMON_MIN_NS), EV_RETAKE, p, p.syscalltick);
      const wait = GCWAIT_MIN_NS + Math.floor(this.rand.float() * (GCWAIT_MAX_NS - GCWAIT_MIN_NS));
      this.busy(m, Act.G0, this.symtab.concat(this.stacks.syscall, step.stack), true, wait, Cont.GcWait);
      return;
    }
    if (this.stw && this.stw.stopping) {
      // entersyscall_gcwait: the P goes straight to the stopping world.
      p.status = PStatus.GCStop;
      this.stw.stoppedP.add(p);
      this.obs.gcwait(p, m, this.now);
      p.syscalltick++;
    } else {
      this.q.push(this.now + SYSMON_MIN_NS + Math.floor(this.rand.float() * SYSMON_MIN_NS), EV_RETAKE, p, p.syscalltick);
    }
    this.busy(m, Act.SyscallCPU, this.symtab.concat(this.stacks.syscall, step.stack), false, step.cpuNs, Cont.SyscallCPU);
  }

  /** sysmon's retake: a P stuck in a syscall goes to another M. */
  private retake(p: P, tick: number): void {
    if (p.status !== PStatus.Syscall || p.syscalltick !== tick) return;
    const when = (p as P & { syscallWhen: number }).syscallWhen;
    if (p.runqSize() === 0 && this.nspinning + this.idleP.length > 0 && when + 10e6 > this.now) {
      this.q.push(when + 10e6, EV_RETAKE, p, tick);
      return;
    }
    p.syscalltick++;
    const owner = this.ms.find((x) => x.oldp === p && x.curg?.status === GStatus.Syscall) ?? null;
    this.obs.procSteal(p, owner, this.now);
    this.handoffp(p);
  }

  private exitsyscall(m: M, g: G): void {
    const oldp = m.oldp;
    m.oldp = null;
    if (oldp && oldp.status === PStatus.Syscall && oldp.syscalltick === m.syscalltick && !this.stw) {
      // exitsyscallfast: our P is still ours.
      oldp.status = PStatus.Running;
      oldp.m = m;
      m.p = oldp;
      g.status = GStatus.Running;
      this.obs.goSysExit(g, m, false, this.now);
      this.nextStep(g);
      this.runG(m, g);
      return;
    }
    if (!this.stw && this.idleP.length > 0) {
      // exitsyscallfast_pidle: the old P if it is idle, else any idle P.
      const i = oldp ? this.idleP.indexOf(oldp) : -1;
      const p = i >= 0 ? this.idleP.splice(i, 1)[0] : this.idleP.pop()!;
      this.acquireP(m, p);
      g.status = GStatus.Running;
      this.obs.goSysExit(g, m, true, this.now);
      this.nextStep(g);
      this.runG(m, g);
      return;
    }
    // exitsyscall0: no P; the goroutine queues globally and the M parks.
    this.obs.goSysExit(g, m, true, this.now);
    this.nextStep(g);
    g.status = GStatus.Runnable;
    g.m = null;
    m.curg = null;
    this.globrunq.push(g);
    this.stopm(m);
    this.wakep();
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
      this.q.push(this.now + Math.round(slice * (1 - t.busy) * r), EV_FOREIGN, t, 0);
    } else {
      this.kernel.setAct(t, Act.Foreign, this.now);
      this.q.push(Math.min(t.endNs, this.now + Math.max(1, Math.round(slice * t.busy * r))), EV_FOREIGN, t, 0);
    }
  }

  // ---- garbage collection --------------------------------------------------------------

  /** gcStart from M (by goroutine g, or by the forcegc helper when g is null). */
  private gcStart(m: M, g: G | null): void {
    this.gc.phase = 'stw1';
    this.gc.cycles++;
    this.obs.gcStart(this.gc.cycles, m, this.now);
    this.stopTheWorld(m, 'GC sweep termination', g, this.sc.gc!.stwNs);
  }

  /** stopTheWorld(reason) on m for goroutine g (null: a runtime thread), then workNs of work. */
  private stopTheWorld(m: M, reason: StwReason, g: G | null, workNs: number): void {
    this.stw = { stopping: true, initiator: m, reason, stoppedP: new Set() };
    this.obs.stwStart(reason, m, this.now);
    m.curg = g;
    const gcStack = reason === 'GC sweep termination' ? this.stacks.stw : reason === 'GC mark termination' ? this.stacks.markTerm : this.stacks.stwUser;
    for (const p of this.ps) {
      if (p === m.p) continue;
      if (p.status === PStatus.Idle) {
        this.idleP.splice(this.idleP.indexOf(p), 1);
        p.status = PStatus.GCStop;
        this.stw.stoppedP.add(p);
      } else if (p.status === PStatus.Syscall) {
        p.status = PStatus.GCStop;
        p.syscalltick++;
        this.stw.stoppedP.add(p);
        const owner = this.ms.find((x) => x.oldp === p) ?? null;
        this.obs.procStopForSTW(p, owner, this.now);
      } else if (p.status === PStatus.Running && p.m) {
        // Async preemption reaches running code after a short delay.
        this.q.push(this.now + 1000 + Math.floor(this.rand.float() * 9000), EV_STW_STOP, p.m, p.m.epoch);
      }
    }
    const stopWait = 10_000;
    this.busy(m, Act.G0, g ? this.onBehalf(gcStack, g) : gcStack, true, stopWait + workNs, Cont.StwWork);
  }

  private stwPreempt(m: M, epoch: number): void {
    if (!this.stw || m.epoch !== epoch || !m.p || m === this.stw.initiator) return;
    if (m.act === Act.User && m.cont === Cont.Step && m.curg) {
      this.preemptForSTW(m, m.curg);
      this.stopForSTW(m);
    }
    // Otherwise the M stops at its next safe point (runG, schedule, Sched continuation).
  }

  /** M reached a safe point during STW: its P stops, the M waits for the world to restart. */
  private stopForSTW(m: M): void {
    const p = m.p!;
    if (m.spinning) {
      m.spinning = false;
      this.nspinning--;
    }
    m.curg = null;
    this.obs.procStop(p, m, this.now);
    p.status = PStatus.GCStop;
    p.m = null;
    m.p = null;
    this.stw!.stoppedP.add(p);
    if (m.lockedG) {
      // stoplockedm: a locked M gives its P to the stopping world and sleeps until its own
      // goroutine is scheduled again; startTheWorld does not hand the P back to it.
      this.rest(m, Act.Idle);
      return;
    }
    (p as P & { stoppedM?: M }).stoppedM = m;
    this.rest(m, Act.Stopped);
  }

  private stwWorkDone(m: M): void {
    const stw = this.stw!;
    this.stw = null;
    this.obs.stwDone(m, this.now);
    // startTheWorld: every stopped P comes back; Ps whose M waited resume with it.
    for (const p of stw.stoppedP) {
      const sm = (p as P & { stoppedM?: M }).stoppedM;
      (p as P & { stoppedM?: M }).stoppedM = undefined;
      if (sm) {
        this.acquireP(sm, p);
        this.busy(sm, Act.Idle, 0, true, WAKE_LATENCY_NS, Cont.Wake);
      } else if (p.runqSize() > 0) {
        this.startm(p, false);
      } else {
        p.status = PStatus.Idle;
        this.idleP.push(p);
      }
    }
    const g = m.curg;
    if (stw.reason === 'GC sweep termination') {
      this.gc.phase = 'mark';
      const gc = this.sc.gc!;
      this.gc.workersLeft = gc.workers > 0 ? Math.max(1, Math.round(gc.workers * this.sc.gomaxprocs)) : 0;
      this.q.push(this.now + gc.markNs, EV_GC_MARK_DONE, null);
      for (let i = 0; i < this.gc.workersLeft && this.idleP.length > 0; i++) this.startm(this.idleP.pop()!, false);
    } else if (stw.reason === 'GC mark termination') {
      this.gc.phase = 'off';
      this.gc.heapSince = 0;
      this.obs.gcDone(m, this.now);
    }
    if (this.gc.markDoneWaiting) {
      this.gc.markDoneWaiting = false;
      this.gcMarkDone();
    }
    if (g?.system) {
      this.parkWorker(g); // the mark worker that ran mark termination
    } else if (g) {
      this.runG(m, g); // the goroutine that started (or finished) the cycle carries on
    } else {
      this.schedule(m);
    }
  }

  private gcWorkerFor(p: P): G {
    let w = this.gc.workers.find((x) => x.status === GStatus.Waiting);
    if (w) {
      // findRunnableGCWorker readies a parked worker.
      w.status = GStatus.Runnable;
      this.obs.goUnblock(w, p.m, p, this.now);
    } else {
      // gcBgMarkStartWorkers: a new worker goroutine, runnable at once.
      w = this.newG(null, -1, 'gcBgMarkWorker', this.stacks.markWorkerUser, 0, [], false);
      w.system = true;
      this.gc.workers.push(w);
      this.obs.goCreate(null, w, p.m, this.now);
    }
    this.gc.workersLeft--;
    p.gcWorker = w;
    return w;
  }

  /** A dedicated mark worker goes back to waiting; its M schedules. */
  private parkWorker(w: G): void {
    const m = w.m!;
    w.status = GStatus.Waiting;
    w.m = null;
    this.obs.goBlock(w, 'gcworker', m, this.now);
    this.schedule(m);
  }

  private runWorker(m: M, w: G): void {
    this.busy(m, Act.G0, this.onBehalf(this.stacks.markWorker, w), true, Infinity, Cont.None);
  }

  private gcMarkDone(): void {
    if (this.stw) {
      // Someone else holds the world stopped (worldsema): mark termination waits for it.
      this.gc.markDoneWaiting = true;
      return;
    }
    // Dedicated workers stop; the first one runs mark termination (gcMarkDone) on its M
    // before it parks, the others park at once.
    let initiator: G | null = null;
    for (const p of this.ps) {
      const w = p.gcWorker;
      if (!w) continue;
      p.gcWorker = null;
      if (!initiator) {
        initiator = w;
        continue;
      }
      this.parkWorker(w);
    }
    this.gc.workersLeft = 0;
    this.gc.phase = 'stw2';
    if (initiator) {
      this.stopTheWorld(initiator.m!, 'GC mark termination', initiator, this.sc.gc!.stwNs);
      return;
    }
    // No worker ran (all Ps busy with locked or syscall work): the next M to schedule
    // finishes the cycle (phase stays stw2 until then).
  }

  /** Everything still on CPU is charged up to `now` (the end of the run). */
  finish(): void {
    for (const m of this.ms) this.kernel.setAct(m, m.act, this.now);
    for (const t of this.foreign) this.kernel.setAct(t, t.act, this.now);
  }
}
