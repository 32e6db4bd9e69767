// Sysmon: the runtime's monitor thread (runtime/proc.go's sysmon, retake, preemptone and the
// forced-GC check), one loop on its own M that holds no P.
//
// The loop: usleep(delay), where delay is 20µs while sysmon keeps finding work and doubles
// after 50 idle passes in a row, up to 10ms; then, if every P is idle or the world is stopping
// and no timer is overdue, a deep sleep (sysmonwait) until the earliest timer, 60s
// (forcegcperiod/2), or a wakeup from startTheWorld, entersyscall or an exitsyscall that takes
// an idle P (those reset the delay to 20µs; a timer does not); then retake and the forced-GC
// check.
// retake looks at every P and remembers what it saw (p.sysmontick):
// - a P running the same schedtick for 10ms since sysmon first saw it (forcePreemptNS) gets
//   its goroutine preempted: a G that inherits its time slice from runnext keeps the schedtick,
//   so a channel ping-pong pair is preempted like one long-running goroutine;
// - a P in a syscall is retaken only when a pass sees the same syscalltick a previous pass saw
//   (every exitsyscall bumps it, so a short syscall is never retaken), and not while nothing
//   else could use it (empty run queue, some P idle or M spinning) for 10ms from first sight.
// The number of Ps retaken decides whether the pass was idle.
//
// Owns: its loop state (delay, idle count, deep sleep) and every P's sysmontick. Invariants:
// exactly one Ev.Sysmon carries the current epoch (the usleep's end, or the deep sleep's
// timeout); a wakeup bumps the epoch and resumes the pass itself. Who may touch what:
// syscall.ts, gc.ts and timers.ts call wake/timerExpired; rtg.ts is called for the forced-GC
// and scavenger checks; nothing else reads its state.

import { Cont, Ev } from './agenda.ts';
import { Act, GStatus, PStatus, type P } from './world.ts';
import { WAKE_LATENCY_NS } from './proc.ts';
import type { Sched } from './sched.ts';

const USLEEP_MIN_NS = 20e3;
const USLEEP_MAX_NS = 10e6;
/** Passes without a retake before the sleep starts doubling. */
const IDLE_PASSES = 50;
const FORCE_PREEMPT_NS = 10e6;
/** How long a P in a syscall is left alone when nothing else could run on it. */
const RETAKE_IDLE_NS = 10e6;
/** The longest deep sleep: forcegcperiod / 2. */
const DEEP_SLEEP_NS = 60e9;

export class Sysmon {
  private delay = 0;
  private idle = 0;
  private sleeping = false;
  private epoch = 0;
  /** Passes run and Ps retaken, for tests and the curious. */
  readonly stats = { passes: 0, retakes: 0, preempts: 0, deepSleeps: 0 };

  constructor(private readonly s: Sched) {}

  /** newm(sysmon) in runtime.main: the first usleep starts now. */
  start(): void {
    this.usleep();
  }

  private usleep(): void {
    if (this.idle === 0) this.delay = USLEEP_MIN_NS;
    else if (this.idle > IDLE_PASSES) this.delay *= 2;
    if (this.delay > USLEEP_MAX_NS) this.delay = USLEEP_MAX_NS;
    this.s.q.push(this.s.now + this.delay, Ev.Sysmon, this, ++this.epoch);
  }

  /** Ev.Sysmon: the sleep is over (a stale epoch: a wakeup came first). */
  pass(epoch: number): void {
    if (epoch !== this.epoch) return;
    const s = this.s;
    if (this.sleeping) {
      // The deep sleep timed out (forcegcperiod/2).
      this.sleeping = false;
    } else if ((s.gc.stw || s.proc.idleP.length === s.ps.length) && !this.timerDue()) {
      this.sleeping = true;
      this.stats.deepSleeps++;
      s.q.push(s.now + DEEP_SLEEP_NS, Ev.Sysmon, this, ++this.epoch);
      return;
    }
    this.work();
  }

  /** timeSleepUntil() <= now: a timer expired and waits for a P (the world is stopped or
   *  every P was busy), so the deep sleep would already be over. */
  private timerDue(): boolean {
    for (const p of this.s.ps) if (p.timers.length > 0) return true;
    return false;
  }

  /** notewakeup(&sched.sysmonnote) from the scheduler: the deep sleep ends. */
  wake(): void {
    if (!this.sleeping) return;
    this.sleeping = false;
    this.idle = 0;
    this.delay = USLEEP_MIN_NS;
    this.resume();
  }

  /** The deep sleep lasts until the earliest timer: one expired. */
  timerExpired(): void {
    if (!this.sleeping) return;
    this.sleeping = false;
    this.resume();
  }

  /** The rest of the pass the deep sleep interrupted, once the thread is back on a CPU. */
  private resume(): void {
    const s = this.s;
    s.at(s.now + WAKE_LATENCY_NS, () => {
      if (this.sleeping) return;
      this.work();
    });
    ++this.epoch; // the pending timeout is moot
  }

  private work(): void {
    this.stats.passes++;
    if (this.retake(this.s.now) > 0) this.idle = 0;
    else this.idle++;
    this.s.rtg.sysmonCheck();
    this.usleep();
  }

  /** retake: preempt long time slices, take Ps back from syscalls; how many were retaken. */
  private retake(now: number): number {
    const s = this.s;
    let n = 0;
    for (const p of s.ps) {
      const pd = p.sysmontick;
      const st = p.status;
      let sysretake = false;
      if (st === PStatus.Running || st === PStatus.Syscall) {
        if (pd.schedtick !== p.schedtick) {
          pd.schedtick = p.schedtick;
          pd.schedwhen = now;
        } else if (pd.schedwhen + FORCE_PREEMPT_NS <= now) {
          this.preemptone(p);
          // preemptone cannot stop a goroutine in a syscall: its P is retaken instead.
          sysretake = true;
        }
      }
      if (st !== PStatus.Syscall) continue;
      if (!sysretake && pd.syscalltick !== p.syscalltick) {
        pd.syscalltick = p.syscalltick;
        pd.syscallwhen = now;
        continue;
      }
      if (p.runqSize() === 0 && s.proc.nspinning + s.proc.idleP.length > 0 && pd.syscallwhen + RETAKE_IDLE_NS > now) continue;
      n++;
      this.stats.retakes++;
      p.syscalltick++;
      const owner = s.ms.find((x) => x.oldp === p && x.curg?.status === GStatus.Syscall) ?? null;
      s.obs.procSteal(p, owner, now);
      s.sys.handoffp(p);
    }
    return n;
  }

  /** preemptone: ask P's goroutine to stop; async preemption stops user code at once, anything
   *  else (g0 work, mallocgc) stops at its next safe point. */
  private preemptone(p: P): void {
    const s = this.s;
    const m = p.m;
    const g = m?.curg;
    if (!m || !g || g.system || g.status !== GStatus.Running) return;
    g.preempt = true;
    this.stats.preempts++;
    if (m.act === Act.User && m.cont === Cont.Step) s.gor.gopreempt(m, g);
  }
}
