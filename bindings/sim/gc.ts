// GC: garbage collection and stopping the world (runtime/mgc.go's gcStart, gcMarkDone,
// gcBgMarkWorker, gcAssistAlloc; runtime/proc.go's stopTheWorldWithSema/startTheWorldWithSema).
//
// Owns: the stop of the world in progress (stw), the GC cycle's phase, the heap allocated
// since the last cycle, the dedicated mark workers (their goroutines, and how many more the
// mark phase wants), a pending forced or deferred cycle; of each P, gcWorker and stoppedM.
// Invariants:
// - stw is set from stopTheWorld until the initiator's work is done (startTheWorld); the model
//   does not tell "stopping" from "stopped": meanwhile every P that comes free joins
//   stw.stoppedP (stopP), in the order the Ps stopped, which is the order startTheWorld
//   gives them back in;
// - a cycle runs off → stw1 (sweep termination) → mark → stw2 (mark termination) → off; mark
//   ends on the agenda (Ev.GcMarkDone) after gc.mark, waiting for someone else's stop (worldsema);
// - p.gcWorker is the worker running on P during mark, cleared when mark ends;
// - one stop at a time: a cycle due during a stop starts after it (pending).
// Who may touch what: the other parts read stw (every safe point checks it) and ask through
// needsWorker/gcWorkerFor/atExecute; a P joins a stopping world only through stopP, and a
// running M stops only through stopForSTW.

import { Act, GStatus, PStatus, type G, type M, type P } from './world.ts';
import type { RStep } from '../scenario/resolved.ts';
import type { StwReason } from './observer.ts';
import { Cont, Ev } from './agenda.ts';
import { WAKE_LATENCY_NS } from './proc.ts';
import type { Sched } from './sched.ts';

/** How long stopTheWorld takes to get every P (besides the work done while stopped). */
const STOP_WAIT_NS = 10_000;

export class GC {
  /** The stop of the world in progress: who stops it, why, and the Ps stopped so far. */
  stw: { initiator: M; reason: StwReason; stoppedP: Set<P> } | null = null;
  phase: 'off' | 'stw1' | 'mark' | 'stw2' = 'off';
  private heapSince = 0;
  private workersLeft = 0;
  private readonly workers: G[] = [];
  private cycles = 0;
  private pending = false;
  private markDoneWaiting = false;

  constructor(private readonly s: Sched) {}

  /** Ev.GcPeriod: a forced GC (gc.period) is due; the next goroutine to run calls runtime.GC. */
  forcegc(): void {
    const s = this.s;
    this.pending = true;
    s.q.push(s.now + s.sc.gc!.periodNs, Ev.GcPeriod, null);
  }

  /** gcStart from M (by goroutine g, or by the forcegc helper when g is null). */
  private gcStart(m: M, g: G | null): void {
    this.phase = 'stw1';
    this.cycles++;
    this.s.obs.gcStart(this.cycles, m, this.s.now);
    this.stopTheWorld(m, 'GC sweep termination', g, this.s.sc.gc!.stwNs);
  }

  /** execute's GC duties before g runs; whether they took g over. Mark is over but no
   *  dedicated worker was running to finish it: g finishes it (as an assist reaching
   *  gcMarkDone would). A forced GC: g calls runtime.GC. */
  atExecute(m: M, g: G): boolean {
    if (this.stw) return false;
    if (this.phase === 'stw2') {
      this.stopTheWorld(m, 'GC mark termination', g, this.s.sc.gc!.stwNs);
      return true;
    }
    if (this.pending && this.phase === 'off') {
      this.pending = false;
      this.gcStart(m, g);
      return true;
    }
    return false;
  }

  // ---- allocation and assists ------------------------------------------------------------

  /** An alloc step: mallocgc plus zeroing at ~20 GB/s, in user code. */
  mallocgc(m: M, g: G, step: Extract<RStep, { k: 'alloc' }>): void {
    const s = this.s;
    const ns = 50 + Math.ceil(step.bytes * 0.05);
    s.busy(m, Act.User, s.symtab.concat(s.stacks.mallocgc, g.userStack), false, ns, Cont.Alloc);
  }

  /** Cont.Alloc: the heap grew; during mark the goroutine assists, past the trigger a cycle starts. */
  mallocgcDone(m: M, g: G): void {
    const s = this.s;
    const gc = s.sc.gc;
    const step = s.gor.curStep(g) as Extract<RStep, { k: 'alloc' }>;
    this.heapSince += step.bytes;
    s.obs.heapAlloc(this.heapSince, m, s.now);
    if (this.phase === 'mark' && gc && gc.assistNsPerKiB > 0) {
      const ns = Math.ceil((step.bytes / 1024) * gc.assistNsPerKiB);
      s.obs.gcAssist(g, true, m, s.now);
      s.busy(m, Act.G0, s.onBehalf(s.stacks.assist, g), true, ns, Cont.Assist);
      return;
    }
    s.gor.nextStep(g);
    if (gc && this.phase === 'off' && this.heapSince >= gc.triggerBytes) {
      if (this.stw) {
        // Another goroutine is stopping the world: GC starts after (gcStart waits on worldsema).
        this.pending = true;
        s.gor.runG(m, g);
        return;
      }
      this.gcStart(m, g);
      return;
    }
    s.gor.runG(m, g);
  }

  /** Cont.Assist: the mark assist is paid; the goroutine carries on. */
  assistDone(m: M, g: G): void {
    const s = this.s;
    s.obs.gcAssist(g, false, m, s.now);
    s.gor.nextStep(g);
    s.gor.runG(m, g);
  }

  // ---- stopping the world ------------------------------------------------------------------

  /** stopTheWorld(reason) on m for goroutine g (null: a runtime thread), then workNs of work. */
  stopTheWorld(m: M, reason: StwReason, g: G | null, workNs: number): void {
    const s = this.s;
    this.stw = { initiator: m, reason, stoppedP: new Set<P>() };
    s.obs.stwStart(reason, m, s.now);
    m.curg = g;
    const gcStack = reason === 'GC sweep termination' ? s.stacks.stw : reason === 'GC mark termination' ? s.stacks.markTerm : s.stacks.stwUser;
    for (const p of s.ps) {
      if (p === m.p) continue;
      if (p.status === PStatus.Idle) {
        s.proc.pidleremove(p);
        this.stopP(p);
      } else if (p.status === PStatus.Syscall) {
        this.stopP(p);
        p.syscalltick++;
        const owner = s.ms.find((x) => x.oldp === p) ?? null;
        s.obs.procStopForSTW(p, owner, s.now);
      } else if (p.status === PStatus.Running && p.m) {
        // Async preemption reaches running code after a short delay.
        s.q.push(s.now + 1000 + Math.floor(s.rand.float() * 9000), Ev.StwStop, p.m, p.m.epoch);
      }
    }
    s.busy(m, Act.G0, g ? s.onBehalf(gcStack, g) : gcStack, true, STOP_WAIT_NS + workNs, Cont.StwWork);
  }

  /** P, which has no M now, joins the stopping world. */
  stopP(p: P): void {
    p.status = PStatus.GCStop;
    this.stw!.stoppedP.add(p);
  }

  /** Ev.StwStop: async preemption reaches m; user code stops here, anything else at its next
   *  safe point (runG, schedule, a scheduling continuation). */
  stwPreempt(m: M, epoch: number): void {
    if (!this.stw || m.epoch !== epoch || !m.p || m === this.stw.initiator) return;
    if (m.act === Act.User && m.cont === Cont.Step && m.curg) {
      this.preemptForSTW(m, m.curg);
      this.stopForSTW(m);
    }
  }

  /** Stop g where it is (keeping its remaining work): gopreempt_m puts it on the global queue. */
  preemptForSTW(m: M, g: G): void {
    const s = this.s;
    if (m.cont === Cont.Step && m.act === Act.User) g.remaining = Math.max(0, m.until - s.now);
    g.status = GStatus.Runnable;
    g.m = null;
    s.obs.goPreempt(g, m, s.now);
    s.proc.globrunqput(g);
  }

  /** M reached a safe point during STW: its P stops, the M waits for the world to restart. */
  stopForSTW(m: M): void {
    const s = this.s;
    const p = m.p!;
    s.proc.stopSpinning(m);
    m.curg = null;
    s.obs.procStop(p, m, s.now);
    p.m = null;
    m.p = null;
    this.stopP(p);
    if (m.lockedG) {
      // stoplockedm: a locked M gives its P to the stopping world and sleeps until its own
      // goroutine is scheduled again; startTheWorld does not hand the P back to it.
      s.rest(m, Act.Idle);
      return;
    }
    p.stoppedM = m;
    s.rest(m, Act.Stopped);
  }

  /** Cont.StwWork: the initiator's work is done; startTheWorld, then the cycle moves on. */
  startTheWorld(m: M): void {
    const s = this.s;
    const stw = this.stw!;
    this.stw = null;
    s.obs.stwDone(m, s.now);
    // Every stopped P comes back; Ps whose M waited resume with it.
    for (const p of stw.stoppedP) {
      const sm = p.stoppedM;
      p.stoppedM = null;
      if (sm) {
        s.acquireP(sm, p);
        s.busy(sm, Act.Idle, 0, true, WAKE_LATENCY_NS, Cont.Wake);
      } else if (p.runqSize() > 0) {
        s.proc.startm(p, false);
      } else {
        s.proc.pidleput(p);
      }
    }
    const g = m.curg;
    if (stw.reason === 'GC sweep termination') {
      this.phase = 'mark';
      const gc = s.sc.gc!;
      this.workersLeft = gc.workers > 0 ? Math.max(1, Math.round(gc.workers * s.sc.gomaxprocs)) : 0;
      s.q.push(s.now + gc.markNs, Ev.GcMarkDone, null);
      s.proc.startIdle(this.workersLeft);
    } else if (stw.reason === 'GC mark termination') {
      this.phase = 'off';
      this.heapSince = 0;
      s.obs.gcDone(m, s.now);
    }
    if (this.markDoneWaiting) {
      this.markDoneWaiting = false;
      this.gcMarkDone();
    }
    if (g?.system) {
      this.parkWorker(g); // the mark worker that ran mark termination
    } else if (g) {
      s.gor.runG(m, g); // the goroutine that started (or finished) the cycle carries on
    } else {
      s.proc.schedule(m);
    }
  }

  // ---- mark workers ------------------------------------------------------------------------

  /** The mark phase wants another dedicated worker. */
  needsWorker(): boolean {
    return this.phase === 'mark' && this.workersLeft > 0;
  }

  /** findRunnableGCWorker: the worker P runs next. */
  gcWorkerFor(p: P): G {
    const s = this.s;
    let w = this.workers.find((x) => x.status === GStatus.Waiting);
    if (w) {
      // findRunnableGCWorker readies a parked worker.
      w.status = GStatus.Runnable;
      s.obs.goUnblock(w, p.m, p, s.now);
    } else {
      // gcBgMarkStartWorkers: a new worker goroutine, runnable at once.
      w = s.newG(null, -1, 'gcBgMarkWorker', s.stacks.markWorkerUser, 0, [], false);
      w.system = true;
      this.workers.push(w);
      s.obs.goCreate(null, w, p.m, s.now);
    }
    this.workersLeft--;
    p.gcWorker = w;
    return w;
  }

  /** A dedicated mark worker goes back to waiting; its M schedules. */
  private parkWorker(w: G): void {
    const s = this.s;
    const m = w.m!;
    w.status = GStatus.Waiting;
    w.m = null;
    s.obs.goBlock(w, 'gcworker', m, s.now);
    s.proc.schedule(m);
  }

  /** A worker runs gcDrain on g0 until mark ends. */
  runWorker(m: M, w: G): void {
    const s = this.s;
    s.busy(m, Act.G0, s.onBehalf(s.stacks.markWorker, w), true, Infinity, Cont.None);
  }

  /** Ev.GcMarkDone: mark is over; mark termination stops the world. */
  gcMarkDone(): void {
    if (this.stw) {
      // Someone else holds the world stopped (worldsema): mark termination waits for it.
      this.markDoneWaiting = true;
      return;
    }
    // Dedicated workers stop; the first one runs mark termination (gcMarkDone) on its M
    // before it parks, the others park at once.
    let initiator: G | null = null;
    for (const p of this.s.ps) {
      const w = p.gcWorker;
      if (!w) continue;
      p.gcWorker = null;
      if (!initiator) {
        initiator = w;
        continue;
      }
      this.parkWorker(w);
    }
    this.workersLeft = 0;
    this.phase = 'stw2';
    if (initiator) {
      this.stopTheWorld(initiator.m!, 'GC mark termination', initiator, this.s.sc.gc!.stwNs);
      return;
    }
    // No worker ran (all Ps busy with locked or syscall work): the next M to schedule
    // finishes the cycle (phase stays stw2 until then).
  }
}
