// Assists: the GC's mark assists (runtime/mgcmark.go's gcAssistAlloc, gcParkAssist,
// gcFlushBgCredit's wakeups, gcWakeAllAssists).
//
// An allocation during mark is charged to its goroutine's assist balance (g.gcAssistNs, as
// gcAssistBytes: ns of assist work at gc.assistNsPerKiB, zeroed each cycle). In debt, the
// goroutine owes at least OVER_ASSIST_NS (gcOverAssistWork: the excess is banked for its next
// allocations), steals what it can from the mark workers' scan credit (gcworkers.ts
// stealCredit) and assists for the rest: a GCMarkAssist range on its goroutine, CPU on g0 on
// its behalf. An assist still working when the global mark work runs out (workOut, from gc.ts)
// does what is left, then parks (gcParkAssist) while a worker runs; that worker's credit flush
// readies it ASSIST_CREDIT_NS later, or mark termination does (wakeAll); when it runs again its
// assist ends (gc.ts atExecute) and its allocation completes.
//
// Owns: the parked assists (work.assistQueue); of each G, gcAssistNs, gcAssistCycle and
// assistParked (set here, cleared by gc.ts atExecute). Who may touch what: gc.ts starts assists
// from mallocgc (begin) and wakes them at mark termination (wakeAll); sched.ts dispatches
// Cont.Assist (done) and Cont.AssistPark (park) here.

import { Act, GStatus, type G, type M } from './world.ts';
import type { RStep } from '../scenario/resolved.ts';
import { Cont } from './agenda.ts';
import type { Sched } from './sched.ts';
import { objects } from '../core/packed.ts';

/** A worker's credit flush readies a parked assist a median 19–39µs later (Go 1.23, 2–8 Ps). */
const ASSIST_CREDIT_NS = 20_000;
/** gcOverAssistWork (64 KiB of scan work) as assist CPU: real Go 1.23 assists last a median
 *  51–114µs (a 64 KiB allocator on 2 Ps) and 57–76µs (an 8 KiB one on 2 and 4 Ps). */
const OVER_ASSIST_NS = 60_000;

export class Assists {
  /** Mark assists parked for want of work (work.assistQueue). */
  private readonly queue: G[] = objects();

  constructor(private readonly s: Sched) {}

  /** mallocgc during mark, in GC cycle `cycle`, the global mark work running out at workOut:
   *  g assists (true: an assist started, its continuation follows) or owes nothing. */
  begin(m: M, g: G, cycle: number, workOut: number): boolean {
    const s = this.s;
    const ns = this.work(g, cycle);
    if (ns <= 0) return false;
    s.obs.gcAssist(g, true, m, s.now);
    // The global work runs out before this assist is paid (or has run out), the rest is in a
    // worker's hands: the assist does what is left, then parks.
    if (s.now + ns > workOut && this.runningWorker()) s.busy(m, Act.G0, s.onBehalf(s.stacks.assist, g), true, Math.max(1, workOut - s.now), Cont.AssistPark);
    else s.busy(m, Act.G0, s.onBehalf(s.stacks.assist, g), true, ns, Cont.Assist);
    return true;
  }

  /** Cont.Assist: the mark assist is paid; the goroutine carries on. */
  done(m: M, g: G): void {
    const s = this.s;
    s.obs.gcAssist(g, false, m, s.now);
    s.gor.nextStep(g);
    s.gor.runG(m, g);
  }

  /** Cont.AssistPark: the assist found no more work (gcParkAssist). Mark over meanwhile: the
   *  assist just ends; else g parks in the assist queue and M schedules. */
  park(m: M, g: G): void {
    const s = this.s;
    if (s.gc.phase !== 'mark' || !this.runningWorker()) {
      // Mark is over, or the worker that held the rest of the work is gone: nothing to wait for.
      this.done(m, g);
      return;
    }
    g.status = GStatus.Waiting;
    g.m = null;
    g.epoch++;
    g.assistParked = true;
    s.obs.goBlock(g, 'gcassist', m, s.now);
    this.queue.push(g);
    const epoch = g.epoch;
    s.at(s.now + ASSIST_CREDIT_NS, () => this.creditWake(g, epoch));
    s.proc.schedule(m);
  }

  /** gcFlushBgCredit: a running mark worker's credit readies the parked assist g (if none runs,
   *  g waits for mark termination). */
  private creditWake(g: G, epoch: number): void {
    const s = this.s;
    const i = this.queue.indexOf(g);
    if (i < 0 || g.epoch !== epoch || s.gc.phase !== 'mark') return;
    const w = this.runningWorker();
    if (!w) return;
    this.queue.splice(i, 1);
    s.proc.ready(g, null, w.m);
  }

  private runningWorker(): G | null {
    for (const p of this.s.ps) if (p.gcWorker?.status === GStatus.Running) return p.gcWorker;
    return null;
  }

  /** gcAssistAlloc's accounting: the allocation's debt goes against g's balance; in debt, g
   *  owes at least OVER_ASSIST_NS (gcOverAssistWork: the excess is banked as balance for its next
   *  allocations), steals what it can from the workers' scan credit and assists for the rest.
   *  The assist work left (0: the balance or the credit paid for it). */
  private work(g: G, cycle: number): number {
    if (g.gcAssistCycle !== cycle) {
      g.gcAssistCycle = cycle;
      g.gcAssistNs = 0;
    }
    g.gcAssistNs -= this.debt(g);
    if (g.gcAssistNs >= 0) return 0;
    const work = Math.max(-g.gcAssistNs, OVER_ASSIST_NS);
    g.gcAssistNs += work;
    return this.s.gc.workers.stealCredit(work);
  }

  /** The assist work the current alloc step owes. */
  private debt(g: G): number {
    const step = this.s.gor.curStep(g) as Extract<RStep, { k: 'alloc' }>;
    return Math.ceil((step.bytes / 1024) * this.s.sc.gc!.assistNsPerKiB);
  }

  /** gcWakeAllAssists (the world is stopped for mark termination, or mark ended with no worker
   *  to stop it): every parked assist goes to the global queue, readied by M (null: none). */
  wakeAll(m: M | null): void {
    for (const g of this.queue) this.s.proc.ready(g, null, m);
    this.queue.length = 0;
  }
}
