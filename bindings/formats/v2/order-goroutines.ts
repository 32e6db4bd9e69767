// Ordering handlers of goroutine events: GoStatus(Stack), GoCreate(Blocked), GoStart,
// GoStop/GoBlock/GoDestroy, GoUnblock, GoSwitch(Destroy).
//
// Owns no state of its own: each handler reads and moves the goroutines of the Ordering
// (order.ts: `G`) and the goroutine its thread runs (curG → newG).
// Invariants:
//  - a goroutine enters the ordering through GoStatus (only in the first generation with
//    events, or again for one already known, resetting its sequence number), or a create;
//    it leaves on GoDestroy, GoSwitchDestroy or GoDestroySyscall (order-syscalls.ts);
//  - GoStart, GoUnblock and GoSwitch carry the named goroutine's next sequence number: they
//    wait until it is next (GoUnblock needs no context: anyone, sysmon included, may unblock);
//  - a Running goroutine is the one its thread runs; stopping, blocking or destroying it is
//    done by that thread, so those events can always advance or are broken;
//  - a switch is three events, as Go hands them out: the switch itself (an unblock of the
//    goroutine it names), the block or destroy of the switching goroutine, the start of the
//    named one, all at the switch's time;
//  - GoStatus sets `before`: GoUndetermined for a goroutine new to the ordering, else the
//    state its status names. A goroutine in a syscall on another thread is reported in that
//    thread's context (created, without a P, if the thread is new).
// Who may touch: the Go1.22+ format owner.

import { GoUndetermined } from '../trace/model.ts';
import type { Ordering } from './order.ts';
import { GO_STATE_OF_STATUS, MAY, MState, MUST, MUST_NOT } from './order-state.ts';
import {
  EvGoBlock,
  EvGoCreateBlocked,
  EvGoDestroy,
  EvGoStart,
  EvGoStop,
  EvGoSwitch,
  EvGoUnblock,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoWaiting,
  NoThreadWire,
  goStatusString,
} from './spec.ts';

export function goStatus(o: Ordering, type: number): boolean {
  const args = o.args;
  const gid = args[0];
  const raw = args[1];
  const mid = raw === NoThreadWire ? -1 : raw;
  // A byte, as for ProcStatus.
  const status = args[2] % 256;
  if (status >= 5) throw o.fail(`invalid status for goroutine ${gid}: ${status}`);
  const G = o.G;
  const s = G.get(gid);
  if (s >= 0) {
    if (G.status[s] !== status) {
      throw o.fail(`inconsistent status for goroutine ${gid}: old ${goStatusString(G.status[s])} vs. new ${goStatusString(status)}`);
    }
    G.seqGen[s] = o.gen;
    G.seq[s] = 0;
    o.facts.before = GO_STATE_OF_STATUS[status];
  } else if (o.gen === o.initialGen) {
    G.add(gid, status, o.gen);
    o.facts.before = GoUndetermined;
  } else {
    throw o.fail(`found goroutine status for new goroutine after the first generation: id=${gid} status=${goStatusString(status)}`);
  }
  if (status === GoRunning) {
    o.newG = gid;
  } else if (status === GoSyscall) {
    if (mid === -1) throw o.fail(`found goroutine ${gid} in syscall without a thread`);
    if (mid === o.curM) {
      // After the first generation we must already have seen this G bound to this M.
      if (o.gen !== o.initialGen && o.curG !== gid) {
        throw o.fail(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${o.curG}`);
      }
      o.newG = gid;
    } else {
      // A G sitting in a syscall on another M for the whole generation (that M has no P).
      // Reported on that M; with the G it is known to hold if the M was seen before.
      const other = o.mStates.get(mid);
      if (other !== undefined) {
        if (other.g !== gid) throw o.fail(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${other.g}`);
        return o.emitCtx(type, other.g, o.curP, mid);
      }
      o.mStates.set(mid, new MState(gid, -1));
      return o.emitCtx(type, o.curG, o.curP, mid);
    }
  }
  return o.emit(type);
}

export function goCreate(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MAY);
  const G = o.G;
  const cur = G.get(o.curG);
  if (cur >= 0 && G.status[cur] !== GoRunning) throw o.fail(`${o.name(type)} event for goroutine that's not Running`);
  const newg = o.args[0];
  if (G.get(newg) >= 0) throw o.fail(`tried to create goroutine (${newg}) that already exists`);
  G.add(newg, type === EvGoCreateBlocked ? GoWaiting : GoRunnable, o.gen);
  return o.emit(type);
}

export function goStart(o: Ordering): boolean {
  const gid = o.args[0];
  const seq = o.args[1];
  const G = o.G;
  const s = G.get(gid);
  if (s < 0 || G.status[s] !== GoRunnable || G.seqGen[s] !== o.gen || G.seq[s] + 1 !== seq) return false;
  o.validate(MUST, MUST, MUST_NOT);
  G.status[s] = GoRunning;
  G.seq[s] = seq;
  o.newG = gid;
  return o.emit(EvGoStart);
}

/** GoStop, GoBlock, GoDestroy: the running G leaves its thread. */
export function goStopExec(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const s = o.curGState(type, GoRunning);
  if (type === EvGoDestroy) o.G.delete(o.curG);
  else o.G.status[s] = type === EvGoStop ? GoRunnable : GoWaiting;
  o.newG = -1;
  return o.emit(type);
}

export function goUnblock(o: Ordering): boolean {
  const gid = o.args[0];
  const seq = o.args[1];
  const G = o.G;
  const s = G.get(gid);
  if (s < 0 || G.status[s] !== GoWaiting || G.seqGen[s] !== o.gen || G.seq[s] + 1 !== seq) return false;
  // Anything may unblock a goroutine (sysmon included): no context to check.
  G.status[s] = GoRunnable;
  G.seq[s] = seq;
  return o.emit(EvGoUnblock);
}

export function goSwitch(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const cur = o.curGState(type, GoRunning);
  const next = o.args[0];
  const seq = o.args[1];
  const G = o.G;
  const ns = G.get(next);
  if (ns < 0 || G.status[ns] !== GoWaiting || !o.succeeds(G.seqGen[ns], G.seq[ns], seq)) return false;
  o.emit(type);
  if (type === EvGoSwitch) {
    G.status[cur] = GoWaiting;
    o.emitExtra(EvGoBlock, o.curG, o.curP, o.curM, 0, 0);
  } else {
    G.delete(o.curG);
    o.emitExtra(EvGoDestroy, o.curG, o.curP, o.curM, 0, 0);
  }
  // The slot is still next's: deleting the current G frees a different slot.
  G.status[ns] = GoRunning;
  G.seqGen[ns] = o.gen;
  G.seq[ns] = seq;
  o.newG = next;
  o.emitExtra(EvGoStart, -1, o.curP, o.curM, next, seq);
  return true;
}
