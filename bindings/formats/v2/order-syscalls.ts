// Ordering handlers of syscalls and the threads they keep: GoSyscallBegin, GoSyscallEnd,
// GoSyscallEndBlocked, GoCreateSyscall (a cgo callback's goroutine), GoDestroySyscall.
//
// Owns no state of its own: each handler moves the running goroutine (Ordering.G, curG →
// newG) together with the thread's P (Ordering.P, curP → newP).
// Invariants:
//  - a goroutine in a syscall keeps its thread; its P is in ProcSyscall until the thread takes
//    it back (GoSyscallEnd), someone steals it (ProcSteal), or the thread stops it;
//  - GoSyscallBegin carries the P's next sequence number (it only disambiguates ProcSteal; a
//    running P must match it exactly, else the trace is broken);
//  - GoSyscallEndBlocked waits while its thread's P is still in ProcSyscall (the steal must
//    come first), then leaves the goroutine Runnable without a thread;
//  - GoCreateSyscall needs a thread without a goroutine; GoDestroySyscall frees the thread and,
//    when the thread still holds its P, abandons the P with an implied self-steal
//    (ProcSteal of that P, before Running, offset -1): the thread id may be reused. Go 1.23's
//    reader hands the steal out before the destroy, Go 1.22's after it: each trace as the
//    release of its header does.
// Who may touch: the Go1.22+ format owner.

import { ProcRunning as ModelRunning } from '../trace/model.ts';
import type { Ordering } from './order.ts';
import { MAY, MUST, MUST_NOT } from './order-state.ts';
import {
  EvGoCreateSyscall,
  EvProcSteal,
  GO122,
  GoRunnable,
  GoRunning,
  GoSyscall,
  ProcRunning,
  ProcSyscall,
  ProcSyscallAbandoned,
  procStatusString,
} from './spec.ts';

export function goSyscallBegin(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const s = o.curGState(type, GoRunning);
  o.G.status[s] = GoSyscall;
  const P = o.P;
  const p = P.get(o.curP);
  if (p < 0) throw o.fail(`uninitialized proc ${o.curP} found during ${o.name(type)}`);
  P.status[p] = ProcSyscall;
  const pseq = o.args[0];
  if (!o.succeeds(P.seqGen[p], P.seq[p], pseq)) {
    throw o.fail(`failed to advance ${o.name(type)}: can't make sequence: ${P.seq[p]} (gen=${P.seqGen[p]}) -> ${pseq} (gen=${o.gen})`);
  }
  P.seq[p] = pseq;
  return o.emit(type);
}

export function goSyscallEnd(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const s = o.curGState(type, GoSyscall);
  o.G.status[s] = GoRunning;
  const P = o.P;
  const p = P.get(o.curP);
  if (p < 0) throw o.fail(`uninitialized proc ${o.curP} found during ${o.name(type)}`);
  if (P.status[p] !== ProcSyscall) {
    throw o.fail(`expected proc ${o.curP} in state Syscall, but got ${procStatusString(P.status[p])} instead`);
  }
  P.status[p] = ProcRunning;
  return o.emit(type);
}

export function goSyscallEndBlocked(o: Ordering, type: number): boolean {
  // Wait until our P has left ProcSyscall (ProcStop or ProcSteal), or we have none.
  if (o.curP !== -1) {
    const p = o.P.get(o.curP);
    if (p < 0) throw o.fail(`uninitialized proc ${o.curP} found during ${o.name(type)}`);
    if (o.P.status[p] === ProcSyscall) return false;
  }
  o.validate(MUST, MAY, MUST);
  const s = o.curGState(type, GoSyscall);
  o.G.status[s] = GoRunnable;
  o.newG = -1;
  return o.emit(type);
}

export function goCreateSyscall(o: Ordering): boolean {
  // A cgo callback: the goroutine appears already in a syscall on this M.
  o.validate(MUST, MAY, MUST_NOT);
  const newg = o.args[0];
  if (o.G.get(newg) >= 0) throw o.fail(`tried to create goroutine (${newg}) in syscall that already exists`);
  o.G.add(newg, GoSyscall, o.gen);
  o.newG = newg;
  return o.emit(EvGoCreateSyscall);
}

export function goDestroySyscall(o: Ordering, type: number): boolean {
  o.validate(MUST, MAY, MUST);
  o.curGState(type, GoSyscall);
  o.G.delete(o.curG);
  o.newG = -1;
  if (o.curP === -1) return o.emit(type);
  // The thread id may be reused: drop the P now (abandoned), with an implied self-steal.
  const P = o.P;
  const p = P.get(o.curP);
  if (p < 0) throw o.fail(`found invalid proc ${o.curP} during ${o.name(type)}`);
  if (P.status[p] !== ProcSyscall) {
    throw o.fail(`proc ${o.curP} in unexpected state ${procStatusString(P.status[p])} during ${o.name(type)}`);
  }
  P.status[p] = ProcSyscallAbandoned;
  o.newP = -1;
  const go122 = o.table.version === GO122;
  if (go122) o.emit(type);
  // The implied steal takes the P out of its syscall (not from an abandoned state).
  o.facts.before = ModelRunning;
  o.emitExtra(EvProcSteal, o.curG, o.curP, o.curM, o.curP, 0);
  if (!go122) o.emit(type);
  return true;
}
