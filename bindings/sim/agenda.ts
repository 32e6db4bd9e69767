// The scheduler's vocabulary for its agenda (eventq.ts): the kinds of timed events it puts
// there, and the continuations an M resumes with when its timed activity ends.
//
// Owns nothing at run time. Every event kind is handled by exactly one owner, named here;
// Sched.run (sched.ts) dispatches them, and Sched.continueM dispatches continuations. Kinds
// 100 and up belong to the kernel (kernel.ts).

export const enum Ev {
  /** An M's timed activity ends (obj: the M; epoch: m.epoch). Sched → continueM. */
  M = 1,
  /** sysmon's next pass, after its usleep or its deep sleep (epoch: its own). sysmon.ts. */
  Sysmon = 2,
  /** A sleeping or timed-blocked goroutine's timer expires (obj: the G; epoch: g.epoch). timers.ts. */
  Wake = 3,
  /** A callback of the profiler or the tracer (obj: the function). Sched.at. */
  Call = 5,
  /** A thread outside Go switches between busy and idle. sched.ts. */
  Foreign = 6,
  /** Async preemption for a stop-the-world reaches a running M (epoch: m.epoch). gc.ts. */
  StwStop = 7,
  /** The concurrent mark phase ends. gc.ts. */
  GcMarkDone = 8,
  /** An idle mark worker's next pollWork, after a goroutine was queued (obj: the worker G;
   *  epoch: its M's epoch). gcworkers.ts. */
  GcIdlePoll = 9,
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
  /** gc.ts: mallocgc, a mark assist, the work done while the world is stopped; an assist that
   *  ran out of mark work (gcParkAssist follows). */
  Alloc,
  StwWork,
  Assist,
  AssistPark,
  /** gcworkers.ts: a fractional mark worker reached its share of the P (pollFractionalWorkerExit). */
  MarkWorker,
  /** syscall.ts: entersyscall_gcwait after its wait for sched.lock. */
  GcWait,
  /** goroutine.ts: gosched_m that leaves the goroutine at its step (goschedIfBusy). */
  Yield,
  /** rtg.ts: a timed part of a runtime goroutine's operation is done. */
  Rt,
  /** gc.ts: the proportional sweep a mallocgc does before it allocates. */
  Sweep,
}
