// The scheduler's vocabulary for its agenda (eventq.ts): the kinds of timed events it puts
// there, and the continuations an M resumes with when its timed activity ends.
//
// Owns nothing at run time. Every event kind is handled by exactly one owner, named here;
// Sched.run (sched.ts) dispatches them, and Sched.continueM dispatches continuations. Kinds
// 100 and up belong to the kernel (kernel.ts).

export const enum Ev {
  /** An M's timed activity ends (obj: the M; epoch: m.epoch). Sched → continueM. */
  M = 1,
  /** sysmon looks at a P's time slice (obj: the P; epoch: its schedtick). syscall.ts. */
  Preempt = 2,
  /** A sleeping or timed-blocked goroutine's timer fires (obj: the G; epoch: g.epoch). goroutine.ts. */
  Wake = 3,
  /** sysmon looks at a P in a syscall (obj: the P; epoch: its syscalltick). syscall.ts. */
  Retake = 4,
  /** A callback of the profiler or the tracer (obj: the function). Sched.at. */
  Call = 5,
  /** A thread outside Go switches between busy and idle. sched.ts. */
  Foreign = 6,
  /** Async preemption for a stop-the-world reaches a running M (epoch: m.epoch). gc.ts. */
  StwStop = 7,
  /** The concurrent mark phase ends. gc.ts. */
  GcMarkDone = 8,
  /** A forced GC is due (gc.period). gc.ts. */
  GcPeriod = 9,
}

/** Continuations: what an M does when its timed activity ends (m.cont), and who handles it. */
export const enum Cont {
  None,
  /** goroutine.ts: a compute/g0 step is done. */
  Step,
  /** proc.ts: schedule() paid its cost; execute m.nextG. */
  Sched,
  /** proc.ts: a spinning findRunnable round. */
  Spin,
  /** proc.ts: a woken M starts scheduling. */
  Wake,
  /** syscall.ts: the CPU part of a syscall, then its blocking part. */
  SyscallCPU,
  SyscallBlock,
  /** goroutine.ts: gosched_m, newproc. */
  Gosched,
  Newproc,
  /** gc.ts: mallocgc, a mark assist, the work done while the world is stopped. */
  Alloc,
  StwWork,
  Assist,
  /** syscall.ts: entersyscall_gcwait after its wait for sched.lock. */
  GcWait,
}
