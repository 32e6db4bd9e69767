// Timers: time.Sleep and the runtime's own timed waits (runtime/time.go's per-P timer heaps,
// checkTimers in schedule/findRunnable, the timer steal in stealWork, and the netpoller's
// timed wait of an idle M).
//
// A timer belongs to the P that set it (g.timerP). When it expires (Ev.Wake), someone must run
// it, as in the runtime:
// - an idle P means an M sleeps in netpoll until the earliest timer (or spins in
//   findRunnable): it wakes, runs the timer and the goroutine becomes runnable (global queue,
//   wakep); sysmon, in its deep sleep until that timer too, wakes with it. A spinning M runs it
//   at once; an M blocked in netpoll (the first to park with no work, netpollSince) wakes when
//   epoll_wait returns: its timeout is whole milliseconds (netpoll_epoll.go: under 1ms waits
//   1ms, longer ones are truncated, so it may wake early and wait again), plus the kernel's
//   timer slack and wakeup (NETPOLL_SLACK_NS and a seeded draw around NETPOLL_WAKE_NS). It
//   re-blocks for a timer armed after it blocked (netpollBreak), so its wait starts then.
//   Real Go 1.23 (annotations realism program, 1ms sleeps on idle Ps): sleeps of 1.08 ms at
//   p10, 1.11 ms median, 1.30 ms at p90;
// - otherwise every P is busy: the timer waits in its P's expired list (p.timers) until that P
//   schedules (checkTimers at the top of schedule, which readies it into runnext, so it runs
//   next), or until another P out of work steals it; a stop of the world keeps it there too.
// A goroutine blocked with a timeout on something outside the program (a `block` step) has no
// timer P: the netpoller or another program readies it at the deadline, onto the global queue.
//
// Owns: of each P, its expired timers (p.timers); of each G, timerP and timerArmedAt; when the
// netpolling M blocked (netpollSince; null: none blocks). Invariants: a G is on at
// most one P's expired list, and only while Waiting with its timer expired; the list is run in
// expiry order. Who may touch what: goroutine.ts arms timers (arm), sched.ts dispatches
// Ev.Wake here, proc.ts runs them (checkTimers, stealTimers), gc.ts and syscall.ts ask hasExpired
// for Ps they decide to start or idle.

import { GStatus, PStatus, type G, type M, type P } from './world.ts';
import { Ev } from './agenda.ts';
import type { Sched } from './sched.ts';
import { objects } from '../core/packed.ts';

const MS = 1e6;
/** The kernel's default timer slack for a normal thread. */
const NETPOLL_SLACK_NS = 50_000;
/** Mean of the rest of an epoll wakeup (the hrtimer interrupt, the wake, the switch): not
 *  measured apart; with the slack, a 1ms sleep on idle Ps takes a median 1.08ms here against
 *  1.11ms in the real annotations program. */
const NETPOLL_WAKE_NS = 40_000;

export class Timers {
  /** When the M blocked in netpoll began its current wait (null: no M blocks there), when
   *  that wait ends for the timers due (-1: none due yet), and those timers. */
  private netpollSince: number | null = null;
  private netpollWakeAt = -1;
  private netpollDue: { g: G; epoch: number; p: P }[] = objects();

  constructor(private readonly s: Sched) {}

  /** Arm g's timer on P (null: no timer P, the deadline of a wait outside the program). */
  arm(g: G, p: P | null, ns: number): void {
    g.timerP = p;
    g.timerArmedAt = this.s.now;
    this.s.q.push(this.s.now + ns, Ev.Wake, g, g.epoch);
  }

  /** findRunnable found nothing and M parks: the first such M blocks in netpoll. */
  netpollBlock(): void {
    if (this.netpollSince === null) this.netpollSince = this.s.now;
  }

  /** When epoll_wait, entered at `since` for a timer due `when`, lets the M run it. */
  private netpollWake(since: number, when: number): number {
    let t = since;
    while (t < when) {
      const delay = when - t;
      t += (delay < MS ? MS : Math.floor(delay / MS) * MS) + NETPOLL_SLACK_NS + this.s.jitter.draw(NETPOLL_WAKE_NS);
    }
    return t;
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
    if (!s.gc.stw && proc.nspinning === 0 && proc.idleP.length > 0 && this.netpollSince !== null) {
      // The M blocked in netpoll runs it when its epoll_wait returns (with any other timer due
      // by then), unless the timer's own P is running and schedules first (checkTimers).
      if (this.netpollWakeAt < 0) {
        this.netpollWakeAt = this.netpollWake(Math.max(this.netpollSince, g.timerArmedAt), s.now);
        s.at(this.netpollWakeAt, () => this.netpollWoke());
      }
      if (p.status === PStatus.Running) p.timers.push(g);
      this.netpollDue.push({ g, epoch: g.epoch, p });
      return;
    }
    if (!s.gc.stw && (proc.idleP.length > 0 || proc.nspinning > 0)) {
      // A spinning M (or one just parking) runs the timer now.
      this.runFromNetpoll(g);
      return;
    }
    p.timers.push(g);
  }

  /** The netpolling M's epoll_wait returned: it runs the timers due that nobody ran meanwhile.
   *  The M that readying them wakes (wakep) finds nothing else and blocks in netpoll now. */
  private netpollWoke(): void {
    const due = this.netpollDue;
    this.netpollDue = objects();
    this.netpollWakeAt = -1;
    this.netpollSince = this.s.now;
    for (const { g, epoch, p } of due) {
      if (g.epoch !== epoch || g.status !== GStatus.Waiting || g.timerP !== p) continue;
      const i = p.timers.indexOf(g);
      if (i >= 0) p.timers.splice(i, 1);
      this.runFromNetpoll(g);
    }
  }

  /** The timer runs on an M with no P: g goes to the global queue, an M is woken for it. */
  private runFromNetpoll(g: G): void {
    const s = this.s;
    g.timerP = null;
    s.gor.nextStep(g);
    s.proc.ready(g, null, null);
    s.sysmon.timerExpired();
  }

  hasExpired(p: P): boolean {
    return p.timers.length > 0;
  }

  /** checkTimers: run P's expired timers on M; each goroutine goes to P's runnext. */
  checkTimers(p: P, m: M): void {
    if (p.timers.length === 0) return;
    const list = p.timers;
    p.timers = objects();
    for (const g of list) this.run(g, p, m);
  }

  /** stealWork's timer pass: run other Ps' expired timers, readying their goroutines onto P. */
  stealTimers(p: P, m: M): boolean {
    let any = false;
    for (const v of this.s.ps) {
      if (v === p || v.timers.length === 0) continue;
      const list = v.timers;
      v.timers = objects();
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
