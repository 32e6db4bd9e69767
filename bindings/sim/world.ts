// The simulated runtime's objects: G (goroutine), M (OS thread), P (processor), and a
// non-Go thread. Plain records; all behaviour lives in the scheduler (sched.ts and the parts
// it names, each the owner of some of these fields) and kernel.ts (the OS: CPU time and
// profiling timers).
//
// Invariants the scheduler keeps:
// - an M holds at most one P and a P at most one M (p.m === m iff m.p === p);
// - a G in status Running has g.m set and is m.curg of that M;
// - an M is on a CPU iff its activity is one of the on-CPU kinds (see Act), and only then
//   does its CPU time advance (kernel.ts accounts it on every activity change).

import type { RStep } from '../scenario/resolved.ts';
import { objects } from '../core/packed.ts';

export const enum GStatus { Runnable, Running, Waiting, Syscall, Dead }

/** The runtime's own goroutines (sim/rtg.ts), by the function each runs. */
export type RuntimeG = 'forcegc' | 'bgsweep' | 'bgscavenge' | 'runfinq' | 'profileWriter' | 'traceReader' | 'traceCPUReader' | 'traceAdvancer';
export const enum PStatus { Idle, Running, Syscall, GCStop }

/** What an M is doing: decides CPU use and what a SIGPROF sees. */
export const enum Act {
  /** Off CPU: parked, blocked in a syscall, or stopped for the world. */
  Idle,
  SyscallBlock,
  Stopped,
  /** On CPU: user code of curg. */
  User,
  /** On CPU, kernel mode, inside a system call of curg. */
  SyscallCPU,
  /** On CPU on the g0 stack on behalf of curg (systemstack, mcall, gosched_m, newproc). */
  G0,
  /** On CPU on g0 with no curg: schedule(), findRunnable, spinning. */
  Sched,
  /** A thread outside Go (cgo) running its own code; no M. */
  Foreign,
}

export interface Frame0 {
  steps: RStep[];
  i: number;
  /** Iterations left for a loop frame (Infinity: forever); -1 for a plain body. */
  left: number;
  /** For task/region frames, what to end when the frame finishes; null (never absent: one shape). */
  end: { k: 'task' | 'region'; id: number; name: string } | null;
}

export class G {
  status = GStatus.Runnable;
  m: M | null = null;
  /** Program counter: a stack of step lists being executed. */
  pc: Frame0[] = objects();
  /** Work left in the current timed step (ns), kept across preemption. */
  remaining = 0;
  /** Stack id of the user code it was last running (what systemstack tracebacks reach). */
  userStack: number;
  /** pprof label tag (0: none). */
  tag: number;
  /** Per-G statistics. */
  cpuNs = 0;
  samples = 0;
  tasks: number[] = [];
  /** Channel it is blocked on, or -1. */
  waitChan = -1;
  epoch = 0;
  lockedM: M | null = null;
  /** Trace sequence number (g.traceseq): bumped by every event that makes it runnable/running. */
  tseq = 0;
  /** When it left a syscall without a P: the exit's trace tick (sysexitticks), traced when it
   *  next starts (v1); -1: none. */
  sysexitAt = -1;
  /** Background mark worker (a runtime G). */
  system = false;
  /** The mode a mark worker runs in now (gcMarkWorkerMode: 1 dedicated, 2 fractional, 3 idle;
   *  gcworkers.ts sets it before the worker starts). */
  markMode = 0;
  /** A mark assist parked for want of work (gcParkAssist): when it runs again its assist ends
   *  and its allocation completes (gc.ts). */
  assistParked = false;
  /** The G's assist balance (gcAssistBytes, as ns of assist work; negative: in debt), valid in
   *  GC cycle gcAssistCycle only (gcResetMarkState zeroes it each cycle). */
  gcAssistNs = 0;
  gcAssistCycle = 0;
  /** Which of the runtime's own goroutines this is (sim/rtg.ts), or null for the program's. */
  rt: RuntimeG | null = null;
  /** sysmon asked it to stop (preemptone): it yields at its next safe point; execute clears it. */
  preempt = false;
  /** P whose timers own this G's sleep, for the wakeup. */
  timerP: P | null = null;
  /** When g's timer was armed (the netpoller re-blocks for an earlier timer then: timers.ts). */
  timerArmedAt = 0;
  /** Task and region ends reached while the G was not running (its blocking step completed
   *  on another G's behalf): region.End and task.End run when the G runs again. */
  pendingEnds: { k: 'task' | 'region'; id: number; name: string }[] | null = null;
  constructor(
    readonly id: number,
    readonly tmpl: number,
    readonly name: string,
    rootStack: number,
    tag: number,
    program: RStep[],
    readonly lockOSThread: boolean,
  ) {
    this.userStack = rootStack;
    this.tag = tag;
    this.pc.push({ steps: program, i: 0, left: -1, end: null });
  }
}

export class P {
  status = PStatus.Idle;
  m: M | null = null;
  runq: G[] = objects();
  runqHead = 0;
  runnext: G | null = null;
  schedtick = 0;
  syscalltick = 0;
  /** Expired timers not yet run: their goroutines wait for the P's next checkTimers (timers.ts). */
  timers: G[] = objects();
  /** What sysmon saw at its last look (the runtime's p.sysmontick; owned by sysmon.ts). */
  readonly sysmontick = { schedtick: 0, schedwhen: 0, syscalltick: 0, syscallwhen: 0 };
  /** The mark worker running on this P during a GC mark phase (any mode). */
  gcWorker: G | null = null;
  /** Fractional mark workers on this P: their running time this cycle, and when the current
   *  one started (p.gcFractionalMarkTime, p.gcMarkWorkerStartTime; gcworkers.ts). */
  gcFractionalMarkTime = 0;
  gcMarkWorkerStartTime = 0;
  /** The M that stopped at a safe point for the stopped world, to resume with this P. */
  stoppedM: M | null = null;
  constructor(readonly id: number) {}

  runqSize(): number {
    return this.runq.length - this.runqHead + (this.runnext ? 1 : 0);
  }
}

export class M {
  p: P | null = null;
  curg: G | null = null;
  act = Act.Idle;
  /** Stack id a SIGPROF would record now (meaningful on CPU). */
  stack = 0;
  /** The g the signal interrupts: curg for user code and syscalls, null (g0) otherwise. */
  onG0 = true;
  /** CPU time accounting (kernel.ts); cpuG is the goroutine the current stretch is for. */
  cpuUser = 0;
  cpuSys = 0;
  since = 0;
  cpuG: G | null = null;
  /** Bumped when a timed activity is started or abandoned; stale events carry an old value. */
  epoch = 0;
  /** Bumped by the kernel on every on/off-CPU transition (per-thread timer expiries). */
  cpuEpoch = 0;
  /** What to do when the current timed activity ends (a Cont of agenda.ts). */
  cont = 0;
  /** End time of the current timed activity. */
  until = 0;
  /** Per-thread profiling timer: valid, and the thread CPU time of its next expiry. */
  timerValid = false;
  timerNext = 0;
  /** Index in the kernel's list of threads on CPU (-1: off CPU; kernel.ts). */
  runIdx = -1;
  /** pprof tag of curg when the current on-CPU stretch began (runtime/truth.ts). */
  truthTag = 0;
  /** The M's old P while in a syscall (m.oldp). */
  oldp: P | null = null;
  syscalltick = 0;
  spinning = false;
  /** The G picked came from runnext: it inherits the time slice (no new schedtick). Set by
   *  whoever picks the G for this M, read and cleared by execute. */
  inheritTime = false;
  /** G to run after schedule()'s cost has been paid. */
  nextG: G | null = null;
  lockedG: G | null = null;
  exited = false;
  /** Statistics. */
  samples = 0;
  signals = 0;
  dropped = 0;
  constructor(readonly id: number) {}
}

/** A thread with no M (created by C code): busy a fraction of the time, sampled via setitimer.
 *  It has the fields the kernel reads on any thread (no goroutine, no per-thread timer), so
 *  the kernel's code sees one set of fields on both kinds. */
export class ForeignThread {
  act = Act.Idle;
  curg: G | null = null;
  cpuG: G | null = null;
  timerValid = false;
  timerNext = 0;
  runIdx = -1;
  truthTag = 0;
  cpuUser = 0;
  cpuSys = 0;
  since = 0;
  epoch = 0;
  cpuEpoch = 0;
  stack = 0;
  samples = 0;
  signals = 0;
  dropped = 0;
  exited = false;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly busy: number,
    readonly endNs: number,
  ) {}
}

export type Thread = M | ForeignThread;
