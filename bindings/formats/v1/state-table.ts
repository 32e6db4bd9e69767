// The handler table of the v1 state pass (state.ts): for every v1 event type, which handler of
// checkV1State's switch it gets — the check Go 1.19's parser makes of it and, with a model, the
// base events it becomes — and, for the blocking types, the reason the base GoBlock names.
//
// Layout: handlers are small literals (K_*), so that the per-event switch is a jump table;
// CHECK dispatches the types Go checks (0: none), MODEL_CHECK adds those that need no check but
// become base events (used only when a model is asked for); BLOCK_REASON gives the conversion
// string (tables.ts S_*) of each blocking type. A v1 type's handler is found as
// `case K_<type>:` in state.ts.
// Invariants: a table, no logic; every K_* has exactly one case in checkV1State.
// Who may touch: the v1 format owner.

import * as spec from './spec.ts';
import { S_CHAN_RECV, S_CHAN_SEND, S_EMPTY, S_FOREVER, S_MARK_ASSIST_WAIT, S_NETWORK, S_SELECT, S_SLEEP, S_SYNC, S_SYNC_COND } from './tables.ts';

const {
  EvCount,
  EvCPUSample,
  EvFutileWakeup,
  EvGCDone,
  EvGCMarkAssistDone,
  EvGCMarkAssistStart,
  EvGCSTWDone,
  EvGCSTWStart,
  EvGCStart,
  EvGCSweepDone,
  EvGCSweepStart,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockGC,
  EvGoBlockNet,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoCreate,
  EvGoEnd,
  EvGoInSyscall,
  EvGoPreempt,
  EvGoSched,
  EvGoSleep,
  EvGoStart,
  EvGoStartLabel,
  EvGoStop,
  EvGoSysBlock,
  EvGoSysCall,
  EvGoSysExit,
  EvGoUnblock,
  EvGoWaiting,
  EvGomaxprocs,
  EvHeapAlloc,
  EvHeapGoal,
  EvProcStart,
  EvProcStop,
  EvUserLog,
  EvUserRegion,
  EvUserTaskCreate,
  EvUserTaskEnd,
} = spec;

// Which check an event type gets, as small literals so that the per-event switch is a jump
// table (0: none).
export const K_ProcStart = 1;
export const K_ProcStop = 2;
export const K_GCStart = 3;
export const K_GCDone = 4;
export const K_GCSTWStart = 5;
export const K_GCSTWDone = 6;
export const K_GCSweepStart = 7;
export const K_GCSweepDone = 8;
export const K_GCMarkAssistStart = 9;
export const K_GCMarkAssistDone = 10;
export const K_GoWaiting = 11;
export const K_GoInSyscall = 12;
export const K_GoCreate = 13;
export const K_GoStart = 14;
export const K_GoStartLabel = 15;
export const K_GoEnd = 16;
export const K_GoStop = 17;
export const K_GoSched = 18;
export const K_GoPreempt = 19;
export const K_GoUnblock = 20;
export const K_GoSysCall = 21;
export const K_GoSysBlock = 22;
export const K_GoSysExit = 23;
export const K_GoSleep = 24;
export const K_GoBlock = 25;
export const K_GoBlockSend = 26;
export const K_GoBlockRecv = 27;
export const K_GoBlockSelect = 28;
export const K_GoBlockSync = 29;
export const K_GoBlockCond = 30;
export const K_GoBlockNet = 31;
export const K_GoBlockGC = 32;
export const K_UserTaskCreate = 33;
export const K_UserTaskEnd = 34;
export const K_UserRegion = 35;
export const CHECK = new Uint8Array(EvCount);
CHECK[EvProcStart] = K_ProcStart;
CHECK[EvProcStop] = K_ProcStop;
CHECK[EvGCStart] = K_GCStart;
CHECK[EvGCDone] = K_GCDone;
CHECK[EvGCSTWStart] = K_GCSTWStart;
CHECK[EvGCSTWDone] = K_GCSTWDone;
CHECK[EvGCSweepStart] = K_GCSweepStart;
CHECK[EvGCSweepDone] = K_GCSweepDone;
CHECK[EvGCMarkAssistStart] = K_GCMarkAssistStart;
CHECK[EvGCMarkAssistDone] = K_GCMarkAssistDone;
CHECK[EvGoWaiting] = K_GoWaiting;
CHECK[EvGoInSyscall] = K_GoInSyscall;
CHECK[EvGoCreate] = K_GoCreate;
CHECK[EvGoStart] = K_GoStart;
CHECK[EvGoStartLabel] = K_GoStartLabel;
CHECK[EvGoEnd] = K_GoEnd;
CHECK[EvGoStop] = K_GoStop;
CHECK[EvGoSched] = K_GoSched;
CHECK[EvGoPreempt] = K_GoPreempt;
CHECK[EvGoUnblock] = K_GoUnblock;
CHECK[EvGoSysCall] = K_GoSysCall;
CHECK[EvGoSysBlock] = K_GoSysBlock;
CHECK[EvGoSysExit] = K_GoSysExit;
CHECK[EvGoSleep] = K_GoSleep;
CHECK[EvGoBlock] = K_GoBlock;
CHECK[EvGoBlockSend] = K_GoBlockSend;
CHECK[EvGoBlockRecv] = K_GoBlockRecv;
CHECK[EvGoBlockSelect] = K_GoBlockSelect;
CHECK[EvGoBlockSync] = K_GoBlockSync;
CHECK[EvGoBlockCond] = K_GoBlockCond;
CHECK[EvGoBlockNet] = K_GoBlockNet;
CHECK[EvGoBlockGC] = K_GoBlockGC;
CHECK[EvUserTaskCreate] = K_UserTaskCreate;
CHECK[EvUserTaskEnd] = K_UserTaskEnd;
CHECK[EvUserRegion] = K_UserRegion;
// Events that need no check, dispatched only when a model is asked for.
export const K_Gomaxprocs = 36;
export const K_HeapAlloc = 37;
export const K_HeapGoal = 38;
export const K_UserLog = 39;
export const K_CPUSample = 40;
export const K_FutileWakeup = 41;
export const MODEL_CHECK = CHECK.slice();
MODEL_CHECK[EvGomaxprocs] = K_Gomaxprocs;
MODEL_CHECK[EvHeapAlloc] = K_HeapAlloc;
MODEL_CHECK[EvHeapGoal] = K_HeapGoal;
MODEL_CHECK[EvUserLog] = K_UserLog;
MODEL_CHECK[EvCPUSample] = K_CPUSample;
MODEL_CHECK[EvFutileWakeup] = K_FutileWakeup;
/** Why a goroutine blocks (the base GoBlock's reason), by v1 type. */
export const BLOCK_REASON = new Uint8Array(EvCount);
BLOCK_REASON[EvGoStop] = S_FOREVER;
BLOCK_REASON[EvGoSleep] = S_SLEEP;
BLOCK_REASON[EvGoBlock] = S_EMPTY;
BLOCK_REASON[EvGoBlockSend] = S_CHAN_SEND;
BLOCK_REASON[EvGoBlockRecv] = S_CHAN_RECV;
BLOCK_REASON[EvGoBlockSelect] = S_SELECT;
BLOCK_REASON[EvGoBlockSync] = S_SYNC;
BLOCK_REASON[EvGoBlockCond] = S_SYNC_COND;
BLOCK_REASON[EvGoBlockNet] = S_NETWORK;
BLOCK_REASON[EvGoBlockGC] = S_MARK_ASSIST_WAIT;
