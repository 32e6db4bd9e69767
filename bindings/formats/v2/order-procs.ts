// Ordering handlers of proc events: ProcStatus, ProcStart, ProcStop, ProcSteal.
//
// Owns no state of its own: each handler reads and moves the procs of the Ordering (order.ts:
// `P`, and the threads that hold them, `mStates`).
// Invariants:
//  - a P's status is Running or Syscall only while one thread holds it (that thread's MState.p);
//    ProcStart binds an Idle P to a thread without one, ProcStop unbinds it from its own thread,
//    ProcSteal takes a P in a syscall from any thread (itself included: entersyscall_gcwait) or
//    an abandoned one from nobody;
//  - ProcStart and ProcSteal carry the P's next sequence number (they wait until it is next);
//    ProcStatus resets it to 0 in its generation and is the only way a P enters the ordering;
//  - a status of SyscallAbandoned for a P known in Syscall is promoted to Syscall (args[1] is
//    rewritten, as Go does) and reported in the context of the thread that holds it;
//  - `before` (the model state the event found) is set for ProcStatus and ProcSteal: a P new in
//    the first generation with events was Undetermined, new later NotExist; a known one was in
//    its status's state; a stolen P was Running, Idle when it had been abandoned.
// Who may touch: the Go1.22+ format owner.

import { ProcIdle as ModelIdle, ProcNotExist, ProcRunning as ModelRunning, ProcUndetermined } from '../trace/model.ts';
import type { Ordering } from './order.ts';
import { MAY, MUST, MUST_NOT, PROC_STATE_OF_STATUS, type MState } from './order-state.ts';
import { EvProcStart, EvProcStatus, EvProcSteal, NoThreadWire, ProcIdle, ProcRunning, ProcSyscall, ProcSyscallAbandoned, procStatusString } from './spec.ts';

export function procStatus(o: Ordering): boolean {
  const args = o.args;
  const pid = args[0];
  // Go reads the status as a byte: only its low 8 bits are checked here (a larger raw value
  // that passes is refused later, by the validation layer).
  const status = args[1] % 256;
  if (status >= 5) throw o.fail(`invalid status for proc ${pid}: ${status}`);
  const P = o.P;
  const s = P.get(pid);
  let before = PROC_STATE_OF_STATUS[status];
  let promoted = false;
  if (s >= 0) {
    const old = P.status[s];
    if (status === ProcSyscallAbandoned && old === ProcSyscall) {
      // Nothing was lost: the P is still known to be in its syscall. Treat as ProcSyscall,
      // and say so in the event (as Go's reader does).
      promoted = true;
      before = ModelRunning;
      args[1] = ProcSyscall;
    } else if (status === ProcSyscallAbandoned && old === ProcSyscallAbandoned) {
      // Still abandoned: passes through, idle to the model.
      before = ModelIdle;
      args[1] = ProcSyscallAbandoned;
    } else if (old !== status) {
      throw o.fail(`inconsistent status for proc ${pid}: old ${procStatusString(old)} vs. new ${procStatusString(status)}`);
    }
    P.seqGen[s] = o.gen;
    P.seq[s] = 0;
  } else {
    P.add(pid, status, o.gen);
    before = o.gen === o.initialGen ? ProcUndetermined : ProcNotExist;
  }
  o.facts.before = before;
  if (status === ProcRunning || status === ProcSyscall) o.newP = pid;
  if (promoted) {
    // The P is about to be stolen from the M it is bound to: report it in that M's context.
    let owner: MState | undefined;
    let ownerID = -1;
    for (const [mid, st] of o.mStates) {
      if (st.p === pid) {
        owner = st;
        ownerID = mid;
      }
    }
    if (owner === undefined) throw o.fail(`failed to find sched context for proc ${pid} that's about to be stolen`);
    return o.emitCtx(EvProcStatus, owner.g, pid, ownerID);
  }
  return o.emit(EvProcStatus);
}

export function procStart(o: Ordering): boolean {
  const pid = o.args[0];
  const seq = o.args[1];
  const P = o.P;
  const s = P.get(pid);
  // Not yet: the P's status may come later on another M, or we still hold a P.
  if (s < 0 || P.status[s] !== ProcIdle || P.seqGen[s] !== o.gen || P.seq[s] + 1 !== seq || o.curP !== -1) {
    return false;
  }
  o.validate(MUST, MUST_NOT, MAY);
  P.status[s] = ProcRunning;
  P.seq[s] = seq;
  o.newP = pid;
  return o.emit(EvProcStart);
}

export function procStop(o: Ordering, type: number): boolean {
  // A P is stopped by the M that runs it, so this can always advance.
  const P = o.P;
  const s = P.get(o.curP);
  if (s < 0) throw o.fail(`event ${o.name(type)} for proc (${o.curP}) that doesn't exist`);
  const st = P.status[s];
  if (st !== ProcRunning && st !== ProcSyscall) {
    throw o.fail(`${o.name(type)} event for proc that's not Running or Syscall`);
  }
  o.validate(MUST, MUST, MAY);
  P.status[s] = ProcIdle;
  o.newP = -1;
  return o.emit(type);
}

export function procSteal(o: Ordering): boolean {
  const pid = o.args[0];
  const seq = o.args[1];
  const P = o.P;
  const s = P.get(pid);
  if (s < 0 || (P.status[s] !== ProcSyscall && P.status[s] !== ProcSyscallAbandoned) || !o.succeeds(P.seqGen[s], P.seq[s], seq)) {
    return false;
  }
  o.validate(MUST, MAY, MAY);
  const old = P.status[s];
  o.facts.before = old === ProcSyscallAbandoned ? ModelIdle : ModelRunning;
  P.status[s] = ProcIdle;
  P.seqGen[s] = o.gen;
  P.seq[s] = seq;
  // The M that held an abandoned P may have moved on: leave Ms alone.
  if (old === ProcSyscallAbandoned) return o.emit(EvProcSteal);
  const raw = o.args[2];
  const mid = raw === NoThreadWire ? -1 : raw;
  if (mid === o.curM) {
    // Stealing from ourselves (entersyscall_gcwait): behaves like a ProcStop.
    if (o.curP !== pid) {
      throw o.fail(`tried to self-steal proc ${pid} (thread ${mid}), but got proc ${o.curP} instead`);
    }
    o.newP = -1;
    return o.emit(EvProcSteal);
  }
  const victim = o.mStates.get(mid);
  if (victim === undefined) throw o.fail(`stole proc from non-existent thread ${mid}`);
  if (victim.p !== pid) {
    throw o.fail(`tried to steal proc ${pid} from thread ${mid}, but got proc ${victim.p} instead`);
  }
  // The victim is in its syscall and will notice on GoSyscallEndBlocked.
  victim.p = -1;
  return o.emit(EvProcSteal);
}
