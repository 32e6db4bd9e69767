// The attribution table of the v1 reader: for every v1 event type, how the wire pass (wire.ts)
// attributes it to a goroutine, as Go 1.19's parseEvents does, and which types keep the G last
// started on their P for Go 1.23's oldtrace (LAST_G_SLOT).
//
// Layout: ATTRIBUTION maps a type to a small class (A_*), so that the wire pass's per-event
// switch is a jump table; LAST_G_SLOT gives the argument slot, after the type's own arguments
// in ARG_LAYOUT, where that G is kept (-1: none). A P's "current G" is the one last started on
// it, kept across its batches.
// Invariants: a table, no logic; read by wire.ts (attribution) and columns.ts (argument slots,
// eventGoG). Who may touch: the v1 format owner.

import * as spec from './spec.ts';

const {
  EvCount,
  EvCPUSample,
  EvFutileWakeup,
  EvGCDone,
  EvGCStart,
  EvGCSTWDone,
  EvGCSTWStart,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockGC,
  EvGoBlockNet,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoEnd,
  EvGoInSyscall,
  EvGoPreempt,
  EvGoSched,
  EvGoSleep,
  EvGoStart,
  EvGoStartLabel,
  EvGoStartLocal,
  EvGoStop,
  EvGoSysBlock,
  EvGoSysExit,
  EvGoWaiting,
  EvUserLog,
  V1_EVENTS,
  argsFor,
} = spec;

/** The layout whose argument counts the packed argument slots follow (go 1.21's). */
export const ARG_LAYOUT = 1021;

export const A_NONE = 0; // the G last started on this P
export const A_STARTS_G = 1; // starts the G in its first argument, which becomes the P's current G
export const A_STW = 2; // on no G; its kind argument is checked
export const A_GLOBAL = 3; // GC events: on no G
export const A_STOPS_G = 4; // the P's current G stops running
export const A_G_IN_ARG = 5; // about the G in its first argument
export const A_OTHER = 6; // UserLog / FutileWakeup: bookkeeping only
export const A_CPU_SAMPLE = 7; // its own tick, P and G, on the profile pseudo-P

/** Attribution class of each v1 type. */
export const ATTRIBUTION = new Uint8Array(EvCount).fill(A_NONE);
for (const t of [EvGoStart, EvGoStartLocal, EvGoStartLabel]) ATTRIBUTION[t] = A_STARTS_G;
ATTRIBUTION[EvGCSTWStart] = A_STW;
for (const t of [EvGCStart, EvGCDone, EvGCSTWDone]) ATTRIBUTION[t] = A_GLOBAL;
for (const t of [
  EvGoEnd,
  EvGoStop,
  EvGoSched,
  EvGoPreempt,
  EvGoSleep,
  EvGoBlock,
  EvGoBlockSend,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSync,
  EvGoBlockCond,
  EvGoBlockNet,
  EvGoSysBlock,
  EvGoBlockGC,
]) {
  ATTRIBUTION[t] = A_STOPS_G;
}
// Not the *Local variant of GoSysExit: Go leaves that one on the P's current G.
for (const t of [EvGoSysExit, EvGoWaiting, EvGoInSyscall]) ATTRIBUTION[t] = A_G_IN_ARG;
ATTRIBUTION[EvUserLog] = A_OTHER;
ATTRIBUTION[EvFutileWakeup] = A_OTHER;
ATTRIBUTION[EvCPUSample] = A_CPU_SAMPLE;

/**
 * GC and STW events are on no G for Go 1.19's parser, but Go 1.23's oldtrace leaves them on the
 * G last started on their P: that G is kept in one more argument slot, after the type's own
 * (eventGoG). -1: the type keeps none.
 */
export const LAST_G_SLOT = new Int8Array(EvCount).fill(-1);
for (const t of [EvGCStart, EvGCDone, EvGCSTWStart, EvGCSTWDone]) LAST_G_SLOT[t] = argsFor(V1_EVENTS[t], ARG_LAYOUT).length;
