// GC: garbage collection and stopping the world (runtime/mgc.go's gcStart, gcMarkDone,
// gcMarkTermination; mgcmark.go's gcAssistAlloc and gcParkAssist; runtime/proc.go's
// stopTheWorldWithSema/startTheWorldWithSema).
//
// Owns: the stop of the world in progress (stw), the GC cycle's phase and when its mark work
// runs out (markEnd), the heap allocated since the last cycle, when the last cycle ended
// (lastGC: the forced-GC clock sysmon reads), a cycle deferred behind another stop; of each P,
// stoppedM. The background mark workers are gcworkers.ts, the mark assists assist.ts, the
// sweep between cycles sweep.ts; the forced GC is the forcegc goroutine's (rtg.ts), readied by
// sysmon.
// Invariants:
// - stw is set from stopTheWorld until the initiator's work is done (startTheWorld); the model
//   does not tell "stopping" from "stopped": meanwhile every P that comes free joins
//   stw.stoppedP (stopP), in the order the Ps stopped, which is the order startTheWorld
//   gives them back in;
// - a cycle runs off → stw1 (sweep termination) → mark → stw2 (mark termination) → off; mark
//   ends on the agenda (Ev.GcMarkDone) after gc.mark, waiting for someone else's stop (worldsema);
//   a running mark worker then stops the world for mark termination, or, with none running,
//   the next goroutine to allocate (its assist finds no work left) or to be scheduled;
// - one stop at a time: a cycle due during a stop starts after it (pending);
// - an allocation during mark may assist (assist.ts); the global mark work runs out a quarter
//   of gc.mark before mark ends (workOut; the workers drain their own buffers meanwhile), when
//   an assist still working parks; mark termination wakes the parked ones right after it stops
//   the world (gcWakeAllAssists), and a goroutine back from one ends its assist as it runs
//   (atExecute);
// - startTheWorld gives every stopped P back (to its M, to a new M when it has work or expired
//   timers, else idle), wakes sysmon, and calls wakep: goroutines the stop left on the global
//   queue find an M (startTheWorldWithSema's wakep);
// - mark termination, with the world stopped, in gcMarkTermination's order: gcSweep hands the
//   cycle's spans to the sweeper and readies bgsweep into the terminating P's runnext, GCDone,
//   gcControllerCommit's heap goal (observer.heapGoal); then startTheWorldWithSema:
//   procresize's GOMAXPROCS and STW done (observer.stwDone).
// Who may touch what: the other parts read stw and phase (every safe point checks stw), ask
// through atExecute and reach the workers through `workers`; a P joins a stopping world only through stopP, and a
// running M stops only through stopForSTW.

import { Act, GStatus, PStatus, type G, type M, type P } from './world.ts';
import type { RStep } from '../scenario/resolved.ts';
import type { StwReason } from './observer.ts';
import { Cont, Ev } from './agenda.ts';
import { Sweeper } from './sweep.ts';
import { MarkWorkers } from './gcworkers.ts';
import { Assists } from './assist.ts';
import { WAKE_LATENCY_NS } from './proc.ts';
import type { Sched } from './sched.ts';

/** How long stopTheWorld takes to get every P (besides the work done while stopped). */
const STOP_WAIT_NS = 10_000;
/** Go 1.23 on 2–8 Ps: assists park 0.15–1ms (median 0.4ms) before mark termination, in mark
 *  phases of a median 1.5ms: the global mark work runs out this share of gc.mark before the end. */
const MARK_TAIL = 0.25;

export class GC {
  /** The stop of the world in progress: who stops it, why, and the Ps stopped so far. */
  stw: { initiator: M; reason: StwReason; stoppedP: Set<P> } | null = null;
  phase: 'off' | 'stw1' | 'mark' | 'stw2' = 'off';
  private heapSince = 0;
  private cycles = 0;
  private pending = false;
  private pendingForced = false;
  /** The cycle under way was started by forcegc (a time trigger: fewer idle workers). */
  private forced = false;
  private markDoneWaiting = false;
  /** When the mark work runs out (Ev.GcMarkDone is due). */
  private markEnd = 0;
  /** When the last cycle ended (mark termination), or the program started. */
  lastGC = 0;
  readonly sweep: Sweeper;
  readonly workers: MarkWorkers;
  readonly assists: Assists;

  constructor(private readonly s: Sched) {
    this.sweep = new Sweeper(s);
    this.workers = new MarkWorkers(s);
    this.assists = new Assists(s);
  }

  /** The heap goal of the next cycle: the model triggers a cycle after gc.trigger bytes. */
  heapGoal(): number {
    return this.s.sc.gc?.triggerBytes ?? 0;
  }

  /** forcegchelper's gcStart (a time trigger): nothing if a cycle runs; after a stop in progress. */
  forcedGC(m: M, g: G): void {
    if (this.s.sc.gc && this.phase === 'off') {
      if (!this.stw) {
        this.gcStart(m, g, true);
        return;
      }
      this.pending = true;
      this.pendingForced = true;
    }
    this.s.gor.runG(m, g);
  }

  /** gcStart from M by goroutine g: unswept spans are finished inside the first pause. */
  private gcStart(m: M, g: G | null, forced: boolean): void {
    this.phase = 'stw1';
    this.forced = forced;
    this.cycles++;
    this.s.obs.gcStart(this.cycles, m, this.s.now);
    this.stopTheWorld(m, 'GC sweep termination', g, this.s.sc.gc!.stwNs + this.sweep.finish());
  }

  /** execute's GC duties before g runs; whether they took g over. Mark is over but no
   *  dedicated worker was running to finish it: g finishes it (as an assist reaching
   *  gcMarkDone would). A cycle deferred behind another stop: g starts it. */
  atExecute(m: M, g: G): boolean {
    if (this.stw) return false;
    if (g.assistParked) {
      // Back from gcParkAssist: the assist ends, the allocation it paid for completes.
      g.assistParked = false;
      this.s.obs.gcAssist(g, false, m, this.s.now);
      this.s.gor.nextStep(g);
    }
    if (this.phase === 'stw2') {
      this.stopTheWorld(m, 'GC mark termination', g, this.s.sc.gc!.stwNs);
      return true;
    }
    if (this.pending && this.phase === 'off') {
      this.pending = false;
      this.gcStart(m, g, this.pendingForced);
      this.pendingForced = false;
      return true;
    }
    return false;
  }

  // ---- allocation and assists ------------------------------------------------------------

  /** An alloc step: during the sweep phase a span is swept first (sweep.ts), then mallocgc. */
  mallocgc(m: M, g: G, step: Extract<RStep, { k: 'alloc' }>): void {
    if (this.sweep.beforeAlloc(m, g, step.bytes)) return;
    this.mallocgcBody(m, g, step);
  }

  /** mallocgc plus zeroing at ~20 GB/s, in user code. */
  mallocgcBody(m: M, g: G, step: Extract<RStep, { k: 'alloc' }>): void {
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
    if (this.sweep.allocated(step.bytes)) s.obs.heapAlloc(this.heapSince, m, s.now);
    if (this.phase === 'stw2' && !this.stw && gc) {
      // The mark work is done and no worker runs to finish it: this allocation's assist finds
      // nothing left and calls gcMarkDone itself (mark termination on this goroutine).
      s.gor.nextStep(g);
      this.stopTheWorld(m, 'GC mark termination', g, gc.stwNs);
      return;
    }
    if (this.phase === 'mark' && gc && gc.assistNsPerKiB > 0 && this.assists.begin(m, g, this.cycles, this.markEnd - Math.floor(gc.markNs * MARK_TAIL))) return;
    s.gor.nextStep(g);
    if (gc && this.phase === 'off' && this.heapSince >= gc.triggerBytes) {
      if (this.stw) {
        // Another goroutine is stopping the world: GC starts after (gcStart waits on worldsema).
        this.pending = true;
        s.gor.runG(m, g);
        return;
      }
      this.gcStart(m, g, false);
      return;
    }
    s.gor.runG(m, g);
  }

  // ---- stopping the world ------------------------------------------------------------------

  /** stopTheWorld(reason) on m for goroutine g (null: a runtime thread), then workNs of work. */
  stopTheWorld(m: M, reason: StwReason, g: G | null, workNs: number): void {
    const s = this.s;
    this.stw = { initiator: m, reason, stoppedP: new Set<P>() };
    s.obs.stwStart(reason, m, s.now);
    m.curg = g;
    if (reason === 'GC mark termination') this.assists.wakeAll(m);
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
    if (stw.reason === 'GC mark termination') this.markTermination(m);
    this.stw = null;
    s.obs.stwDone(m, s.now);
    // Every stopped P comes back; Ps whose M waited resume with it.
    for (const p of stw.stoppedP) {
      const sm = p.stoppedM;
      p.stoppedM = null;
      if (sm) {
        s.acquireP(sm, p);
        s.busy(sm, Act.Idle, 0, true, WAKE_LATENCY_NS, Cont.Wake);
      } else if (p.runqSize() > 0 || s.timers.hasExpired(p)) {
        s.proc.startm(p, false);
      } else {
        s.proc.pidleput(p);
      }
    }
    const g = m.curg;
    s.sysmon.wake();
    if (stw.reason === 'GC sweep termination') {
      this.phase = 'mark';
      const gc = s.sc.gc!;
      this.markEnd = s.now + gc.markNs;
      this.workers.workOut = this.markEnd - Math.floor(gc.markNs * MARK_TAIL);
      s.q.push(this.markEnd, Ev.GcMarkDone, null);
      this.workers.startCycle(this.forced);
    }
    s.proc.wakep();
    if (this.markDoneWaiting) {
      this.markDoneWaiting = false;
      this.gcMarkDone();
    }
    if (g?.system) {
      this.workers.parkAfterMarkTermination(g); // the mark worker that ran mark termination
    } else if (g) {
      s.gor.runG(m, g); // the goroutine that started (or finished) the cycle carries on
    } else {
      s.proc.schedule(m);
    }
  }

  /** gcMarkTermination with the world stopped, before startTheWorldWithSema: gcSweep (the
   *  sweeper gets the cycle's spans, bgsweep is readied), GCDone, gcControllerCommit. */
  private markTermination(m: M): void {
    const s = this.s;
    this.phase = 'off';
    this.heapSince = 0;
    this.lastGC = s.now;
    this.sweep.start();
    s.rtg.sweepStart(m);
    s.obs.gcDone(m, s.now);
    s.obs.heapGoal?.(this.heapGoal(), m, s.now);
  }

  /** Ev.GcMarkDone: mark is over; mark termination stops the world. */
  gcMarkDone(): void {
    if (this.stw) {
      // Someone else holds the world stopped (worldsema): mark termination waits for it.
      this.markDoneWaiting = true;
      return;
    }
    // The workers stop; the first one runs mark termination (gcMarkDone) on its M before it
    // parks, the others park at once.
    this.phase = 'stw2';
    const initiator = this.workers.stopAll();
    if (initiator) {
      this.stopTheWorld(initiator.m!, 'GC mark termination', initiator, this.s.sc.gc!.stwNs);
      return;
    }
    // No worker ran (all Ps busy with locked or syscall work): the next M to schedule, or the
    // next goroutine to allocate, finishes the cycle (phase stays stw2 until then); a parked
    // assist retries at once, finds no work left and finishes it.
    this.assists.wakeAll(null);
  }
}
