// Timers: time.Sleep and the runtime's own timed waits (runtime/time.go's per-P timer heaps,
// checkTimers in schedule/findRunnable, the timer steal in stealWork, and the netpoller's
// timed wait of an idle M).
//
// A timer belongs to the P that set it (g.timerP). When it expires (Ev.Wake), someone must run
// it, as in the runtime:
// - an idle P means an M sleeps in netpoll until the earliest timer (or spins in
//   findRunnable): it wakes, runs the timer and the goroutine becomes runnable at once (global
//   queue, wakep); sysmon, in its deep sleep until that timer too, wakes with it;
// - otherwise every P is busy: the timer waits in its P's expired list (p.timers) until that P
//   schedules (checkTimers at the top of schedule, which readies it into runnext, so it runs
//   next), or until another P out of work steals it; a stop of the world keeps it there too.
// A goroutine blocked with a timeout on something outside the program (a `block` step) has no
// timer P: the netpoller or another program readies it at the deadline, onto the global queue.
//
// Owns: of each P, its expired timers (p.timers); of each G, timerP. Invariants: a G is on at
// most one P's expired list, and only while Waiting with its timer expired; the list is run in
// expiry order. Who may touch what: goroutine.ts arms timers (arm), sched.ts dispatches
// Ev.Wake here, proc.ts runs them (checkTimers, stealTimers), gc.ts and syscall.ts ask hasExpired
// for Ps they decide to start or idle.

import { GStatus, PStatus, type G, type M, type P } from './world.ts';
import { Ev } from './agenda.ts';
import type { Sched } from './sched.ts';

export class Timers {
  constructor(private readonly s: Sched) {}

  /** Arm g's timer on P (null: no timer P, the deadline of a wait outside the program). */
  arm(g: G, p: P | null, ns: number): void {
    g.timerP = p;
    this.s.q.push(this.s.now + ns, Ev.Wake, g, g.epoch);
  }

  /** Ev.Wake: g's timer expired. */
  expire(g: G): void {
    const s = this.s;
    const p = g.timerP;
    if (!p) {
      s.gor.nextStep(g);
      s.proc.ready(g, null, null);
      return;
    }
    const proc = s.proc;
    if (!s.gc.stw && (proc.idleP.length > 0 || proc.nspinning > 0)) {
      // An M in netpoll (or spinning) runs the timer now.
      g.timerP = null;
      s.gor.nextStep(g);
      proc.ready(g, null, null);
      s.sysmon.timerExpired();
      return;
    }
    p.timers.push(g);
  }

  hasExpired(p: P): boolean {
    return p.timers.length > 0;
  }

  /** checkTimers: run P's expired timers on M; each goroutine goes to P's runnext. */
  checkTimers(p: P, m: M): void {
    if (p.timers.length === 0) return;
    const list = p.timers;
    p.timers = [];
    for (const g of list) this.run(g, p, m);
  }

  /** stealWork's timer pass: run other Ps' expired timers, readying their goroutines onto P. */
  stealTimers(p: P, m: M): boolean {
    let any = false;
    for (const v of this.s.ps) {
      if (v === p || v.timers.length === 0) continue;
      const list = v.timers;
      v.timers = [];
      for (const g of list) this.run(g, p, m);
      any = true;
    }
    return any;
  }

  private run(g: G, p: P, m: M): void {
    if (g.status !== GStatus.Waiting) return;
    g.timerP = null;
    this.s.gor.nextStep(g);
    this.s.proc.ready(g, p.status === PStatus.Running ? p : null, m);
  }
}
