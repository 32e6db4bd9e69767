// MarkWorkers: the GC's background mark workers (runtime/mgc.go's gcBgMarkWorker and
// pollFractionalWorkerExit, mgcpacer.go's startCycle and findRunnableGCWorker, proc.go's
// idle-time marking at the end of findRunnable).
//
// How many: as mark begins, startCycle splits the background utilization goal, gc.workers ×
// GOMAXPROCS (Go's gcBackgroundUtilization is 0.25), as mgcpacer.go does: dedicated =
// int(goal + 0.5); when that is more than 30% off the goal, one fewer if it is over, and
// fractional workers make up the rest, each P running one for fractionalGoal of the time since
// mark began. At 0.25: 1–3 Ps none dedicated and a fractional worker at 25% of each P; 4 Ps one
// dedicated; 6 one and 1/12 of each P; 8 two; 16 four (markWorkerSplit).
// Modes (g.markMode, gcMarkWorkerMode's numbering; the tracers label the worker's start with it):
// - dedicated: schedule() gives one to each P that asks while some are still needed; it marks
//   until mark ends;
// - fractional: schedule() gives one to a P whose share so far is under the goal; it marks until
//   the share reaches 1.2 × the goal, checked after every FRACTIONAL_CHECK_NS of work, then parks;
// - idle: findRunnable found nothing else: it marks until pollWork sees a goroutine queued (the
//   global queue, or its P's own) IDLE_POLL_NS later, at most procs − dedicated of them at once
//   (a cycle sysmon forced: none when a dedicated worker runs, else one).
// Worker goroutines form a pool: created when first needed (GoCreate; Go creates GOMAXPROCS of
// them at the first cycle, the model only those it uses), parked between runs (GoBlock "system
// goroutine wait"), readied by the P that runs one (GoUnblock).
//
// Their mark work is background scan credit: an allocation's assist first steals from it and
// assists only for what it does not cover (gcAssistAlloc), so assists are rare while workers
// keep up with the allocation rate.
// Owns: the pool and the cycle's split, counters and scan credit; of each P, gcWorker, gcFractionalMarkTime
// and gcMarkWorkerStartTime; of each worker G, markMode. Invariants: p.gcWorker is the worker
// running on P in mark (readied, or running), cleared when it parks; idleRunning counts the idle
// ones. Who may touch what: gc.ts starts a cycle (startCycle) and ends mark (stopAll); proc.ts
// asks for a worker in schedule (forSchedule) and findRunnable (forIdle) and calls pollWork
// when it queues a goroutine; syscall.ts's handoffp asks wanted(); sched.ts dispatches
// Ev.GcIdlePoll and Cont.MarkWorker here.

import { Act, GStatus, type G, type M, type P } from './world.ts';
import { Cont, Ev } from './agenda.ts';
import type { Sched } from './sched.ts';
import { objects } from '../core/packed.ts';

/** mgcpacer.go's maxUtilError: rounding further off the goal than this adds fractional workers. */
const MAX_UTIL_ERROR = 0.3;
/** Mark work between a fractional worker's checks of its share (gcDrain's drainCheckThreshold;
 *  real Go 1.23 on 2–3 Ps: a median fractional run of 46–67µs). */
const FRACTIONAL_CHECK_NS = 20_000;
/** How soon an idle worker notices a queued goroutine (pollWork between units of mark work). */
const IDLE_POLL_NS = 1_000;

const DEDICATED = 1;
const FRACTIONAL = 2;
const IDLE = 3;

/** startCycle's split of `procs × utilization` into dedicated workers and the fraction of each
 *  P a fractional worker takes. */
export function markWorkerSplit(procs: number, utilization: number): { dedicated: number; fractionalGoal: number } {
  if (utilization <= 0) return { dedicated: 0, fractionalGoal: 0 };
  const goal = procs * utilization;
  let dedicated = Math.floor(goal + 0.5);
  const err = dedicated / goal - 1;
  if (err < -MAX_UTIL_ERROR || err > MAX_UTIL_ERROR) {
    if (dedicated > goal) dedicated--;
    return { dedicated, fractionalGoal: (goal - dedicated) / procs };
  }
  return { dedicated, fractionalGoal: 0 };
}

export class MarkWorkers {
  private readonly pool: G[] = objects();
  private dedicatedLeft = 0;
  private fractionalGoal = 0;
  private maxIdle = 0;
  private idleRunning = 0;
  private markStart = 0;
  /** Mark work the workers did this cycle (ns), flushed as background scan credit, and the part
   *  assists have stolen (gcController.bgScanCredit, in ns of scanning). */
  private scanNs = 0;
  private stolen = 0;
  /** When the global mark work runs out (gc.ts sets it as mark begins): after it, workers only
   *  drain their own buffers, and no new credit comes from them. */
  workOut = Infinity;
  /** Idle workers with a pollWork pending (one at a time each). */
  private readonly polling = new Set<G>();

  constructor(private readonly s: Sched) {}

  /** gcStart's startCycle (the world is restarting into mark): the split, the idle limit, and
   *  Ms for idle Ps to run workers on. `forced`: a time-triggered cycle (forcegc). */
  startCycle(forced: boolean): void {
    const s = this.s;
    const procs = s.sc.gomaxprocs;
    const split = markWorkerSplit(procs, s.sc.gc!.workers);
    this.dedicatedLeft = split.dedicated;
    this.fractionalGoal = split.fractionalGoal;
    if (s.sc.gc!.workers <= 0) this.maxIdle = 0;
    else if (forced) this.maxIdle = split.dedicated > 0 ? 0 : 1;
    else this.maxIdle = procs - split.dedicated;
    this.idleRunning = 0;
    this.markStart = s.now;
    this.scanNs = 0;
    this.stolen = 0;
    for (const p of s.ps) p.gcFractionalMarkTime = 0;
    s.proc.startIdle(split.dedicated + this.maxIdle);
  }

  /** handoffp's gcMarkWorkAvailable: a P given up during mark could run a worker. */
  wanted(): boolean {
    return this.s.gc.phase === 'mark' && (this.dedicatedLeft > 0 || this.fractionalGoal > 0 || this.idleRunning < this.maxIdle);
  }

  /** findRunnableGCWorker, at the top of schedule(): a dedicated worker while some are needed,
   *  else a fractional one if P is behind its share. */
  forSchedule(p: P): G | null {
    const s = this.s;
    if (s.gc.phase !== 'mark' || p.gcWorker) return null;
    if (this.dedicatedLeft > 0) {
      this.dedicatedLeft--;
      return this.ready(p, DEDICATED);
    }
    if (this.fractionalGoal === 0) return null;
    const delta = s.now - this.markStart;
    if (delta > 0 && p.gcFractionalMarkTime / delta > this.fractionalGoal) return null;
    return this.ready(p, FRACTIONAL);
  }

  /** findRunnable found nothing: idle-time marking, while the idle limit allows. */
  forIdle(p: P): G | null {
    if (this.s.gc.phase !== 'mark' || p.gcWorker || this.idleRunning >= this.maxIdle) return null;
    this.idleRunning++;
    return this.ready(p, IDLE);
  }

  /** A parked worker from the pool (GoUnblock), or a new one (GoCreate), to run on P next. */
  private ready(p: P, mode: number): G {
    const s = this.s;
    let w = this.pool.find((x) => x.status === GStatus.Waiting);
    if (w) {
      w.status = GStatus.Runnable;
      s.obs.goUnblock(w, p.m, p, s.now);
    } else {
      w = s.newG(null, -1, 'gcBgMarkWorker', s.stacks.markWorkerUser, 0, [], false);
      w.system = true;
      this.pool.push(w);
      s.obs.goCreate(null, w, p.m, s.now);
    }
    w.markMode = mode;
    p.gcWorker = w;
    return w;
  }

  /** execute: worker w runs gcDrain on g0, for as long as its mode says; a worker readied for a
   *  mark that ended before it ran parks at once. */
  run(m: M, w: G): void {
    const s = this.s;
    const p = m.p!;
    if (p.gcWorker !== w) {
      this.park(w);
      s.proc.schedule(m);
      return;
    }
    p.gcMarkWorkerStartTime = s.now;
    const stack = s.onBehalf(s.stacks.markWorker, w);
    if (w.markMode !== FRACTIONAL) {
      s.busy(m, Act.G0, stack, true, Infinity, Cont.None);
      return;
    }
    // Work until the P's share since mark began reaches 1.2 × the goal: (f + t) / (d + t) = 1.2g.
    const g = 1.2 * this.fractionalGoal;
    const d = s.now - this.markStart;
    const t = Math.ceil((g * d - p.gcFractionalMarkTime) / (1 - g));
    s.busy(m, Act.G0, stack, true, Math.max(FRACTIONAL_CHECK_NS, t), Cont.MarkWorker);
  }

  /** Cont.MarkWorker: the fractional worker is past its share; it parks, its M schedules. */
  fractionalDone(m: M, w: G): void {
    this.park(w);
    this.s.proc.schedule(m);
  }

  /** A goroutine was queued (on the global queue, or on P's): idle workers that could see it
   *  poll soon. */
  pollWork(p: P | null): void {
    if (this.idleRunning === 0) return;
    const s = this.s;
    for (const q of s.ps) {
      const w = q.gcWorker;
      if (!w || w.markMode !== IDLE || w.status !== GStatus.Running || this.polling.has(w)) continue;
      if (p && p !== q) continue;
      this.polling.add(w);
      s.q.push(s.now + IDLE_POLL_NS, Ev.GcIdlePoll, w, w.m!.epoch);
    }
  }

  /** Ev.GcIdlePoll: pollWork on an idle worker; it stops if there is work for its P. */
  idlePoll(w: G, epoch: number): void {
    this.polling.delete(w);
    const m = w.m;
    if (!m || m.epoch !== epoch || w.markMode !== IDLE || w.status !== GStatus.Running) return;
    const s = this.s;
    if (s.gc.stw || (s.proc.globSize() === 0 && m.p!.runqSize() === 0)) return;
    this.park(w);
    s.proc.schedule(m);
  }

  /** gcMarkDone (mark is over: no P asks for a worker any more): every worker leaves its P; the
   *  first one running (in P order) is returned still running, to stop the world for mark
   *  termination; the others park. */
  stopAll(): G | null {
    this.dedicatedLeft = 0;
    this.fractionalGoal = 0;
    this.maxIdle = 0;
    let initiator: G | null = null;
    for (const p of this.s.ps) {
      const w = p.gcWorker;
      if (!w) continue;
      if (!initiator && w.status === GStatus.Running) {
        this.leave(p, w);
        initiator = w;
        continue;
      }
      if (w.status === GStatus.Running) {
        const m = w.m!;
        this.park(w);
        this.s.proc.schedule(m);
      } else {
        // Readied but not started yet: it finds mark over as it starts, and parks (run).
        this.leave(p, w);
      }
    }
    return initiator;
  }

  /** The worker that ran mark termination goes back to the pool; its M schedules. */
  parkAfterMarkTermination(w: G): void {
    const m = w.m!;
    this.park(w);
    this.s.proc.schedule(m);
  }

  /** gcAssistAlloc's steal from the background scan credit: of `need` ns of assist work, what
   *  the workers' scanning so far (gcFlushBgCredit, as they drain) does not cover. */
  stealCredit(need: number): number {
    const s = this.s;
    let credit = this.scanNs - this.stolen;
    for (const p of s.ps) if (p.gcWorker?.status === GStatus.Running) credit += this.scanned(p);
    const take = Math.max(0, Math.min(credit, need));
    this.stolen += take;
    return need - take;
  }

  /** Scan work (ns) of the worker running on P since it started, up to workOut. */
  private scanned(p: P): number {
    return Math.max(0, Math.min(this.s.now, this.workOut) - p.gcMarkWorkerStartTime);
  }

  /** w leaves its P's worker slot: its time (up to workOut) is scan credit, and a fractional one's counts to
   *  its P's share. */
  private leave(p: P, w: G): void {
    const s = this.s;
    if (w.status === GStatus.Running) {
      this.scanNs += this.scanned(p);
      if (w.markMode === FRACTIONAL) p.gcFractionalMarkTime += s.now - p.gcMarkWorkerStartTime;
    }
    if (w.markMode === IDLE) this.idleRunning--;
    p.gcWorker = null;
  }

  /** A running worker parks (GoBlock "system goroutine wait"). */
  private park(w: G): void {
    const s = this.s;
    const m = w.m!;
    const p = m.p;
    if (p && p.gcWorker === w) this.leave(p, w);
    w.status = GStatus.Waiting;
    w.m = null;
    s.obs.goBlock(w, 'gcworker', m, s.now);
  }
}
