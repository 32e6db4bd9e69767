// The generational tracer's status tracking: the state the trace reader holds for every
// goroutine, P and thread, and the lazy GoStatus/ProcStatus events that state it again in each
// generation (runtime/trace2status.go's traceSchedResourceState and its statusWasTraced).
//
// Owns: a shadow of each G (status, sequence number, bound thread, the annotation ends it
// owes), each P (status, sequence number, bound thread, the thread of the syscall it is in:
// the runtime's mSyscallID) and each thread (the P and G the reader binds to it), each with
// the generation its status was last written in.
// Invariants:
// - the shadow is what a reader of the trace so far believes, not what the simulation holds:
//   events change it as they are written, and only then;
// - before the first event in a generation about a G or P, its status is written once with
//   sequence number reset to 0 (as the runtime's eventWriter does); only the thread bound to
//   a P in a syscall may call it ProcSyscall, anyone else sees ProcSyscallAbandoned;
// - at an advance, the advancing thread states every goroutine that is runnable or waiting
//   and every idle P (announce); running ones and those in syscalls are stated by their own
//   thread's first event of the generation.
// Who may touch what: the events (tracev2.ts) and the annotations (annot.ts) update the
// shadow as they write; begin() is the one way in to a thread's critical section for an
// event, and states what the reader binds to that thread first.

import * as V2 from '../../formats/v2/index.ts';
import type { TraceV2 } from '../tracev2.ts';
import { READER_M } from './sections.ts';

const { EvGoStatus, EvProcStatus, GoRunnable, GoRunning, GoSyscall, GoWaiting, NoThread, ProcIdle, ProcSyscall, ProcSyscallAbandoned } = V2;

export interface GShadow {
  status: number;
  /** Generation whose status was written (0: never). */
  gen: number;
  seq: number;
  /** Thread it is bound to (Running, Syscall), else -1. */
  m: number;
  /** User-annotation ends waiting for the goroutine to run again. */
  pending: (() => void)[] | null;
}

export interface PShadow {
  status: number;
  gen: number;
  seq: number;
  m: number;
  /** The thread that began the syscall the P is in (the runtime's mSyscallID). */
  mSyscall: number;
}

export interface MShadow {
  p: number;
  g: number;
}

export class StatusShadow {
  private readonly gs = new Map<number, GShadow>();
  private readonly ps: PShadow[] = [];
  private readonly ms = new Map<number, MShadow>();

  constructor(private readonly t: TraceV2) {}

  mst(mid: number): MShadow {
    let s = this.ms.get(mid);
    if (!s) this.ms.set(mid, (s = { p: -1, g: -1 }));
    return s;
  }

  gst(gid: number): GShadow {
    let s = this.gs.get(gid);
    if (!s) this.gs.set(gid, (s = { status: GoRunnable, gen: 0, seq: 0, m: -1, pending: null }));
    return s;
  }

  pst(pid: number): PShadow {
    let s = this.ps[pid];
    if (!s) this.ps[pid] = s = { status: ProcIdle, gen: 0, seq: 0, m: -1, mSyscall: -1 };
    return s;
  }

  /** GoDestroy: the reader forgets the goroutine. */
  forget(gid: number): void {
    this.gs.delete(gid);
  }

  /** Enter a section on mid and write the statuses of the P and G the reader binds to it. */
  begin(mid: number, now: number): MShadow {
    this.t.cs.acquire(mid, now);
    const ms = this.mst(mid);
    if (ms.p >= 0) this.procStatus(mid, ms.p, now);
    if (ms.g >= 0) this.goStatus(mid, ms.g, now);
    return ms;
  }

  procStatus(mid: number, pid: number, now: number): PShadow {
    const s = this.pst(pid);
    const gen = this.t.gen;
    if (s.gen !== gen) {
      let st = s.status;
      // Only the bound thread may say Running/Syscall; anyone else sees an abandoned syscall.
      if (st === ProcSyscall && s.m !== mid) st = ProcSyscallAbandoned;
      this.t.w.ev(mid, EvProcStatus, now, [pid, st]);
      s.gen = gen;
      s.seq = 0;
    }
    return s;
  }

  goStatus(mid: number, gid: number, now: number): GShadow {
    const s = this.gst(gid);
    const gen = this.t.gen;
    if (s.gen !== gen) {
      const bound = s.status === GoRunning || s.status === GoSyscall;
      this.t.w.ev(mid, EvGoStatus, now, [gid, bound ? s.m : NoThread, s.status]);
      s.gen = gen;
      s.seq = 0;
    }
    return s;
  }

  /**
   * Once every M has left the old generation, the new one gets the state of everything that
   * is not running: as Go's traceAdvance does, a GoStatus for each goroutine that is runnable
   * or waiting and a ProcStatus for each idle P, written by the advancing thread.
   */
  announce(now: number): void {
    this.t.cs.acquire(READER_M, now);
    for (const [gid, g] of this.gs) if (g.status === GoRunnable || g.status === GoWaiting) this.goStatus(READER_M, gid, now);
    this.ps.forEach((p, pid) => {
      if (p && p.status === ProcIdle) this.procStatus(READER_M, pid, now);
    });
  }
}
