// The ordering's fast path: the common events of Go1.22+ traces in their common, valid case.
//
// Owns no state: it reads and writes the Ordering's tables (order.ts, order-state.ts) exactly
// as the events' handlers would, with every check of the general path inlined and nothing else
// (no context validation calls, no dispatch, no error building).
// Invariants: fastAdvance either does precisely what advance() would do for the event (state
// change, thread binding, the same emitted event) and returns true, or changes nothing and
// returns false, leaving the decision (wait, advance, or which error) to advance(). It emits
// only events whose table ids it checked itself (the reader's table check is skipped for them),
// and never an event that needs what only the ordering knows (before-states, ended tasks):
// those go through the handlers. test/formats-v2-fastpath.test.ts checks both paths agree.
// Performance: slot lookups are inlined (slot+1 by id for small ids); a bound M implies an
// earlier advance(), so initialGen is set whenever this path runs.
// Who may touch: the Go1.22+ format owner.

import type { AdvanceSource, Ordering } from './order.ts';
import * as W from './spec.ts';

// Local copies of the spec's ids: plain constants in this module, so the switch below compares
// against values the compiler can see (an imported binding may compile to a load or a getter).
const {
  EvGoBlock,
  EvGoCreate,
  EvGoDestroy,
  EvGoLabel,
  EvGoStart,
  EvGoStop,
  EvGoSyscallBegin,
  EvGoSyscallEnd,
  EvGoUnblock,
  EvHeapAlloc,
  EvHeapGoal,
  EvProcStart,
  EvProcStop,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoWaiting,
  ProcIdle,
  ProcRunning,
  ProcSyscall,
} = W;

/** True when src's event was ordered and emitted as advance() would; false: use advance(). Needs src.ms. */
export function fastAdvance(o: Ordering, src: AdvanceSource): boolean {
  const ms = src.ms;
  const out = o.out;
  if (ms === null || out === undefined) return false;
  // The event's location, for errors raised downstream (the validation layer). Mostly the same
  // cursor as for the event before: skip the store and its write barrier then.
  if (o.src !== src) o.src = src;
  const args = src.args;
  const curG = ms.g;
  const curP = ms.p;
  const G = o.G;
  const gd = G.slots.dense;
  const pd = o.P.slots.dense;
  const gen = o.gen;
  const type = src.type;
  let s: number;
  switch (type) {
    case EvGoStart: {
      if (curP === -1 || curG !== -1) return false;
      const gid = args[0];
      const seq = args[1];
      s = gid >= 0 && gid < gd.length ? gd[gid] - 1 : G.get(gid);
      if (s < 0 || G.status[s] !== GoRunnable || G.seqGen[s] !== gen || G.seq[s] + 1 !== seq) return false;
      G.status[s] = GoRunning;
      G.seq[s] = seq;
      ms.g = gid;
      break;
    }
    case EvGoStop:
    case EvGoBlock: {
      if (curP === -1 || curG === -1) return false;
      s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
      if (s < 0 || G.status[s] !== GoRunning) return false;
      const str = args[0];
      const stk = args[1];
      const t = o.tables;
      if (str !== 0 && !(str < t.stringBits.length && t.stringBits[str] === 1)) return false;
      if (stk !== 0 && !(stk < t.stackBits.length && t.stackBits[stk] === 1)) return false;
      G.status[s] = type === EvGoStop ? GoRunnable : GoWaiting;
      ms.g = -1;
      break;
    }
    case EvGoUnblock: {
      const gid = args[0];
      const seq = args[1];
      s = gid >= 0 && gid < gd.length ? gd[gid] - 1 : G.get(gid);
      if (s < 0 || G.status[s] !== GoWaiting || G.seqGen[s] !== gen || G.seq[s] + 1 !== seq) return false;
      const stk = args[2];
      const t = o.tables;
      if (stk !== 0 && !(stk < t.stackBits.length && t.stackBits[stk] === 1)) return false;
      G.status[s] = GoRunnable;
      G.seq[s] = seq;
      break;
    }
    case EvGoSyscallBegin: {
      if (curP === -1 || curG === -1) return false;
      s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
      if (s < 0 || G.status[s] !== GoRunning) return false;
      const P = o.P;
      const p = curP >= 0 && curP < pd.length ? pd[curP] - 1 : P.get(curP);
      const pseq = args[0];
      if (p < 0 || P.seqGen[p] !== gen || P.seq[p] + 1 !== pseq) return false;
      const stk = args[1];
      const t = o.tables;
      if (stk !== 0 && !(stk < t.stackBits.length && t.stackBits[stk] === 1)) return false;
      G.status[s] = GoSyscall;
      P.status[p] = ProcSyscall;
      P.seq[p] = pseq;
      break;
    }
    case EvGoSyscallEnd: {
      if (curP === -1 || curG === -1) return false;
      s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
      if (s < 0 || G.status[s] !== GoSyscall) return false;
      const P = o.P;
      const p = curP >= 0 && curP < pd.length ? pd[curP] - 1 : P.get(curP);
      if (p < 0 || P.status[p] !== ProcSyscall) return false;
      G.status[s] = GoRunning;
      P.status[p] = ProcRunning;
      break;
    }
    case EvHeapAlloc:
    case EvHeapGoal:
      if (curP === -1) return false;
      break;
    case EvGoLabel: {
      if (curP === -1 || curG === -1) return false;
      const str = args[0];
      const t = o.tables;
      if (str !== 0 && !(str < t.stringBits.length && t.stringBits[str] === 1)) return false;
      break;
    }
    case EvProcStart: {
      if (curP !== -1) return false;
      const pid = args[0];
      const seq = args[1];
      const P = o.P;
      const p = pid >= 0 && pid < pd.length ? pd[pid] - 1 : P.get(pid);
      if (p < 0 || P.status[p] !== ProcIdle || P.seqGen[p] !== gen || P.seq[p] + 1 !== seq) return false;
      P.status[p] = ProcRunning;
      P.seq[p] = seq;
      ms.p = pid;
      break;
    }
    case EvProcStop: {
      if (curP === -1) return false;
      const P = o.P;
      const p = curP >= 0 && curP < pd.length ? pd[curP] - 1 : P.get(curP);
      if (p < 0 || (P.status[p] !== ProcRunning && P.status[p] !== ProcSyscall)) return false;
      P.status[p] = ProcIdle;
      ms.p = -1;
      break;
    }
    case EvGoCreate: {
      if (curP === -1) return false;
      const cur = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
      if (cur >= 0 && G.status[cur] !== GoRunning) return false;
      const newg = args[0];
      if ((newg >= 0 && newg < gd.length ? gd[newg] - 1 : G.get(newg)) >= 0) return false;
      const t = o.tables;
      const stk = args[2];
      if (stk !== 0 && !(stk < t.stackBits.length && t.stackBits[stk] === 1)) return false;
      const nstk = args[1];
      if (nstk !== 0 && !(nstk < t.stackBits.length && t.stackBits[nstk] === 1)) return false;
      G.add(newg, GoRunnable, gen);
      break;
    }
    case EvGoDestroy: {
      if (curP === -1 || curG === -1) return false;
      s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
      if (s < 0 || G.status[s] !== GoRunning) return false;
      G.delete(curG);
      ms.g = -1;
      break;
    }
    default:
      return false;
  }
  // One call site for every accepted event: keeps this function small enough to inline the sink.
  if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
  return true;
}
