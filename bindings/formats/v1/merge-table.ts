// The ordering table of the v1 reader: for every v1 event type, what the batch merge (merge.ts)
// needs from its goroutine and leaves behind, as Go 1.19's parser states it per event
// (transitionReady / transition); plus the statuses and sequence wildcards those rows use.
//
// Layout: TRANSITION maps a type to a small ordering class (T_*), so that the merge's per-event
// switch is on small literals; SYSCALL marks the types the syscall-exit pass (sysexit.ts) looks
// at; PRINTED maps the *Local types, which only serve the ordering, to the type they are
// reported as. A goroutine's ordering state is (seq, status); keys are goroutine slots + 1, with
// GARBAGE (0) for the GC sequence and UNORDERED for events without an ordering constraint.
// Invariants: a table, no logic but waitKey; every class here has a case in Merger.transition
// and in the fast path of Merger.run. Who may touch: the v1 format owner.

import * as spec from './spec.ts';

const {
  EvGCStart,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockGC,
  EvGoBlockNet,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoCreate,
  EvGoInSyscall,
  EvGoPreempt,
  EvGoSched,
  EvGoSleep,
  EvGoStart,
  EvGoStartLabel,
  EvGoStartLocal,
  EvGoSysBlock,
  EvGoSysExit,
  EvGoSysExitLocal,
  EvGoUnblock,
  EvGoUnblockLocal,
  EvGoWaiting,
} = spec;

// Goroutine status during ordering.
export const DEAD = 0;
export const RUNNABLE = 1;
export const RUNNING = 2;
export const WAITING = 3;
// Ordering keys are goroutine slots + 1; these are not goroutines: the event has no ordering
// constraint / orders GCs.
export const UNORDERED = -1;
export const GARBAGE = 0;
// Sequence wildcards: any current seq is fine / next seq is current+1.
export const NOSEQ = -1;
export const SEQINC = -2;

// Ordering classes of event types.
export const T_NONE = 0;
export const T_CREATE = 1;
export const T_WAITING = 2;
export const T_START = 3;
export const T_START_LOCAL = 4;
export const T_BLOCK = 5;
export const T_YIELD = 6;
export const T_UNBLOCK = 7;
export const T_UNBLOCK_LOCAL = 8;
export const T_GC = 9;

/** Ordering class of each v1 type (T_NONE: no ordering constraint). */
export const TRANSITION = new Uint8Array(spec.EvCount).fill(T_NONE);
TRANSITION[EvGoCreate] = T_CREATE;
TRANSITION[EvGoWaiting] = T_WAITING;
TRANSITION[EvGoInSyscall] = T_WAITING;
TRANSITION[EvGoStart] = T_START;
TRANSITION[EvGoStartLabel] = T_START;
TRANSITION[EvGoStartLocal] = T_START_LOCAL;
for (const t of [
  EvGoBlock,
  EvGoBlockSend,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSync,
  EvGoBlockCond,
  EvGoBlockNet,
  EvGoSleep,
  EvGoSysBlock,
  EvGoBlockGC,
]) {
  TRANSITION[t] = T_BLOCK;
}
TRANSITION[EvGoSched] = T_YIELD;
TRANSITION[EvGoPreempt] = T_YIELD;
TRANSITION[EvGoUnblock] = T_UNBLOCK;
TRANSITION[EvGoSysExit] = T_UNBLOCK;
TRANSITION[EvGoUnblockLocal] = T_UNBLOCK_LOCAL;
TRANSITION[EvGoSysExitLocal] = T_UNBLOCK_LOCAL;
TRANSITION[EvGCStart] = T_GC;

/** Types that the syscall-exit pass looks at (as reported). */
export const SYSCALL = new Uint8Array(spec.EvCount);
SYSCALL[EvGoSysBlock] = 1;
SYSCALL[EvGoInSyscall] = 1;
SYSCALL[EvGoSysExit] = 1;

/** Type each wire type is reported as (the *Local types become their plain type). */
export const PRINTED = Uint8Array.from(spec.V1_EVENTS, (e) => e.printedAs ?? e.id);

/** Key of a needed goroutine state: status and seq, or status alone when any seq will do. */
export function waitKey(seq: number, status: number): number {
  return seq === NOSEQ ? -1 - status : seq * 4 + status;
}
