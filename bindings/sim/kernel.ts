// Kernel: what Linux does for the simulated process: per-thread CPU time (user and system),
// the process CPU clock, and the two profiling timers that send SIGPROF.
//
// - CPU time advances only while a thread's activity is on CPU; every activity change goes
//   through setAct, which charges the elapsed time to user or system time.
// - Per-thread timers (timer_create on CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID): each armed
//   thread's timer expires when its own CPU time crosses the next multiple of the period, but
//   Linux checks CPU-time timers only in the tick (run_posix_cpu_timers, for the thread on
//   that CPU): the signal goes to the thread at the first tick (a multiple of tickNs) at or
//   after the crossing that finds it on CPU, and the expiry moves past the thread's CPU time by
//   whole periods, the ones skipped being overruns with no signal. A busy thread loses nothing
//   when the period is longer than the tick (a signal up to a tick late); a thread running in
//   short bursts waits for a tick to land inside one, and loses periods that pass meanwhile;
//   a period shorter than the tick gives one signal per tick at most (measured here: 1000 Hz
//   on one busy thread gives 249 samples a second, HZ=250). A check event is scheduled
//   whenever the thread goes on CPU and dropped (epoch mismatch) when it goes off CPU first.
// - setitimer(ITIMER_PROF): the process CPU clock is checked only on the kernel tick; when it
//   has passed the expiry, one SIGPROF goes to a thread running at that tick and the expiry
//   moves by one period. A backlog never yields more than one signal per tick, which is the
//   attenuation of Go issue #45983 (≈ tick_rate/hz busy threads at most).
// The signal is handed to `onSignal` at the instant it is delivered; the thread's activity
// at that instant is what the handler sees.

import type { Rand } from '../core/rand.ts';
import { objects } from '../core/packed.ts';
import type { EventQueue } from './eventq.ts';
import { Act, type Thread } from './world.ts';

export type SignalSource = 'timer_create' | 'setitimer';

export const EV_THREAD_TIMER = 100;
export const EV_TICK = 101;

const onCpu = (a: Act) => a >= Act.User;

export class Kernel {
  /** Process CPU clock = base + running * (now - since). */
  private procBase = 0;
  private procSince = 0;
  /** Threads on CPU; each knows its index here (t.runIdx, -1 when off CPU). */
  private running: Thread[] = objects();
  /** The itimer's next expiry on the process CPU clock (Infinity: disarmed). */
  private itimerNext = Infinity;
  readonly stats = { ticks: 0, itimerExpiries: 0, itimerSignals: 0, timerSignals: 0, timerOverruns: 0, itimerNoTarget: 0 };
  /** Told of every activity change before it is applied, with the on-CPU ns it ends (0 when
   *  the thread was off CPU): the ground-truth profile (runtime/truth.ts) listens here. An
   *  object with a method, not a closure: each run's closure would be a new call target and
   *  deoptimize setAct's callers once more per worker (issue 13). */
  actObserver: { onAct(t: Thread, ns: number): void } | null = null;

  constructor(
    private readonly q: EventQueue,
    private readonly rand: Rand,
    private readonly periodNs: number,
    /** The kernel tick (CONFIG_HZ): where CPU-time timers are checked. */
    private tickNs: number,
    private readonly onSignal: (t: Thread, src: SignalSource, now: number) => void,
  ) {}

  /** CPU time of a thread at `now`. */
  cpu(t: Thread, now: number): number {
    return t.cpuUser + t.cpuSys + (onCpu(t.act) ? now - t.since : 0);
  }

  procCpu(now: number): number {
    return this.procBase + this.running.length * (now - this.procSince);
  }

  /** Change a thread's activity at `now`, charging CPU time and keeping its timer in step. */
  setAct(t: Thread, act: Act, now: number): void {
    const was = t.act;
    const wasOn = was >= Act.User;
    const d = wasOn ? now - t.since : 0;
    const obs = this.actObserver;
    if (obs !== null) obs.onAct(t, d);
    if (wasOn) {
      if (was === Act.SyscallCPU) t.cpuSys += d;
      else t.cpuUser += d;
      // The stretch belongs to the goroutine the M was running for when it began.
      const cg = t.cpuG;
      if (cg !== null) cg.cpuNs += d;
    }
    t.cpuG = t.curg;
    t.since = now;
    t.act = act;
    const on = act >= Act.User;
    if (wasOn === on) return;
    const running = this.running;
    this.procBase += running.length * (now - this.procSince);
    this.procSince = now;
    t.cpuEpoch++; // any pending expiry for the previous on-CPU stretch is now stale
    if (on) {
      t.runIdx = running.length;
      running.push(t);
      this.armExpiry(t, now);
    } else {
      const i = t.runIdx;
      const last = running.pop()!;
      if (last !== t) {
        running[i] = last;
        last.runIdx = i;
      }
      t.runIdx = -1;
    }
  }

  /** Arm a per-thread timer (setThreadCPUProfiler): first expiry `first` ns of its CPU from now. */
  armThreadTimer(t: Thread, first: number, now: number): void {
    t.timerValid = true;
    t.timerNext = this.cpu(t, now) + first;
    if (onCpu(t.act)) {
      t.cpuEpoch++;
      this.armExpiry(t, now);
    }
  }

  /** The check of t's timer: the first tick at or after its expiry, if t stays on CPU. */
  private armExpiry(t: Thread, now: number): void {
    if (!t.timerValid) return;
    const at = now + Math.max(0, t.timerNext - this.cpu(t, now));
    this.q.push(Math.ceil(at / this.tickNs) * this.tickNs, EV_THREAD_TIMER, t, t.cpuEpoch);
  }

  /** A tick finds t on CPU past its expiry: one signal; the expiry moves past t's CPU time
   *  (bump_cpu_timer), the periods skipped being overruns. Re-arm. */
  threadTimer(t: Thread, epoch: number, now: number): void {
    if (t.cpuEpoch !== epoch || !t.timerValid || !onCpu(t.act)) return;
    const cpu = this.cpu(t, now);
    t.timerNext += this.periodNs;
    while (t.timerNext <= cpu) {
      t.timerNext += this.periodNs;
      this.stats.timerOverruns++;
    }
    this.stats.timerSignals++;
    this.onSignal(t, 'timer_create', now);
    // The handler may have changed the activity (it does not here), so re-read the epoch.
    if (t.cpuEpoch === epoch && onCpu(t.act)) this.armExpiry(t, now);
  }

  /** Arm setitimer(ITIMER_PROF) and start the kernel tick. */
  startItimer(tickNs: number, now: number): void {
    this.tickNs = tickNs;
    this.itimerNext = this.procCpu(now) + this.periodNs;
    this.q.push(now + Math.floor(this.rand.float() * tickNs) + 1, EV_TICK, null);
  }

  stopItimer(): void {
    this.itimerNext = Infinity;
  }

  tick(now: number): void {
    if (this.itimerNext === Infinity) return;
    this.stats.ticks++;
    this.q.push(now + this.tickNs, EV_TICK, null);
    if (this.procCpu(now) < this.itimerNext) return;
    this.itimerNext += this.periodNs;
    this.stats.itimerExpiries++;
    if (this.running.length === 0) {
      this.stats.itimerNoTarget++;
      return;
    }
    // The tick that sees the expiry lands on some CPU; its current thread gets the signal.
    const t = this.running[Math.floor(this.rand.float() * this.running.length)];
    this.stats.itimerSignals++;
    this.onSignal(t, 'setitimer', now);
  }
}
