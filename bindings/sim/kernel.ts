// Kernel: what Linux does for the simulated process: per-thread CPU time (user and system),
// the process CPU clock, and the two profiling timers that send SIGPROF.
//
// - CPU time advances only while a thread's activity is on CPU; every activity change goes
//   through setAct, which charges the elapsed time to user or system time.
// - Per-thread timers (timer_create on CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID): each armed
//   thread expires whenever its own CPU time crosses the next multiple of the period; the
//   signal goes to that thread. An expiry event is scheduled whenever the thread goes on CPU
//   and dropped (epoch mismatch) when it goes off CPU before reaching it.
// - setitimer(ITIMER_PROF): the process CPU clock is checked only on the kernel tick; when it
//   has passed the expiry, one SIGPROF goes to a thread running at that tick and the expiry
//   moves by one period. A backlog never yields more than one signal per tick, which is the
//   attenuation of Go issue #45983 (≈ tick_rate/hz busy threads at most).
// The signal is handed to `onSignal` at the instant it is delivered; the thread's activity
// at that instant is what the handler sees.

import type { Rand } from '../core/rand.ts';
import type { EventQueue } from './eventq.ts';
import { Act, type Thread } from './world.ts';

export type SignalSource = 'timer_create' | 'setitimer';

export const EV_THREAD_TIMER = 100;
export const EV_TICK = 101;

const onCpu = (a: Act) => a >= Act.User;
const isSys = (a: Act) => a === Act.SyscallCPU;

export class Kernel {
  /** Process CPU clock = base + running * (now - since). */
  private procBase = 0;
  private procSince = 0;
  private running: Thread[] = [];
  private runIdx = new Map<Thread, number>();
  /** The itimer's next expiry on the process CPU clock (Infinity: disarmed). */
  private itimerNext = Infinity;
  private tickNs = 4e6;
  readonly stats = { ticks: 0, itimerExpiries: 0, itimerSignals: 0, timerSignals: 0, itimerNoTarget: 0 };
  /** Told of every activity change before it is applied, with the on-CPU ns it ends (0 when
   *  the thread was off CPU): the ground-truth profile (runtime/truth.ts) listens here. */
  onAct: ((t: Thread, ns: number) => void) | null = null;

  constructor(
    private readonly q: EventQueue,
    private readonly rand: Rand,
    private readonly periodNs: number,
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
    this.onAct?.(t, onCpu(was) ? now - t.since : 0);
    if (onCpu(was)) {
      const d = now - t.since;
      if (isSys(was)) t.cpuSys += d;
      else t.cpuUser += d;
      // The stretch belongs to the goroutine the M was running for when it began.
      if ('cpuG' in t && t.cpuG) t.cpuG.cpuNs += d;
    }
    if ('curg' in t) t.cpuG = t.curg;
    t.since = now;
    t.act = act;
    const on = onCpu(act);
    if (onCpu(was) === on) return;
    this.procBase += this.running.length * (now - this.procSince);
    this.procSince = now;
    t.cpuEpoch++; // any pending expiry for the previous on-CPU stretch is now stale
    if (on) {
      this.runIdx.set(t, this.running.length);
      this.running.push(t);
      this.armExpiry(t, now);
    } else {
      const i = this.runIdx.get(t)!;
      const last = this.running.pop()!;
      if (last !== t) {
        this.running[i] = last;
        this.runIdx.set(last, i);
      }
      this.runIdx.delete(t);
    }
  }

  /** Arm a per-thread timer (setThreadCPUProfiler): first expiry `first` ns of its CPU from now. */
  armThreadTimer(t: Thread & { timerValid: boolean; timerNext: number }, first: number, now: number): void {
    t.timerValid = true;
    t.timerNext = this.cpu(t, now) + first;
    if (onCpu(t.act)) {
      t.cpuEpoch++;
      this.armExpiry(t, now);
    }
  }

  private armExpiry(t: Thread, now: number): void {
    if (!('timerValid' in t) || !t.timerValid) return;
    const left = t.timerNext - this.cpu(t, now);
    this.q.push(now + Math.max(0, left), EV_THREAD_TIMER, t, t.cpuEpoch);
  }

  /** A per-thread expiry event: deliver and re-arm one period of CPU later. */
  threadTimer(t: Thread, epoch: number, now: number): void {
    if (t.cpuEpoch !== epoch || !('timerValid' in t) || !t.timerValid || !onCpu(t.act)) return;
    t.timerNext += this.periodNs;
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
