// The generational tracer's status tracking: the state the trace reader holds for every
// goroutine, P and thread, and the lazy GoStatus/ProcStatus events that state it again in each
// generation (runtime/trace2status.go's traceSchedResourceState and its statusWasTraced).
//
// Owns: a shadow of each G (status, sequence number, bound thread, the annotation ends it
// owes, whether it is in a mark assist), each P (status, sequence number, bound thread, the
// thread of the syscall it is in: the runtime's mSyscallID, whether it is sweeping) and each
// thread (the P and G the reader binds to it), each with the generation its status was last
// written in; and, during an advance, the goroutines the old generation never mentioned.
// Invariants:
// - the shadow is what a reader of the trace so far believes, not what the simulation holds:
//   events change it as they are written, and only then;
// - before the first event in a generation about a G or P, its status is written once with
//   sequence number reset to 0 (as the runtime's eventWriter does), followed by the range it
//   is inside (GCMarkAssistActive, GCSweepActive); only the thread bound to a P in a syscall
//   may call it ProcSyscall, anyone else sees ProcSyscallAbandoned;
// - at an advance, the goroutines (runnable, waiting or in a syscall) that wrote nothing in
//   the generation being ended are written into it when it is finished, with the status they
//   had at the switch, on a batch of no thread (GoStatusStack with their stack from Go 1.23:
//   switches.untracedGoStatus); this touches nothing of the new generation. Every idle P is
//   stated at the start of the new one (announce); running goroutines and Ps are stated by
//   their own thread's first event of the generation.
// Who may touch what: the events (tracev2.ts) and the annotations (annot.ts) update the
// shadow as they write; begin() is the one way in to a thread's critical section for an
// event, and states what the reader binds to that thread first.

import * as V2 from '../../formats/v2/index.ts';
import type { TraceV2 } from '../tracev2.ts';
import { READER_M, SYSMON_M } from './sections.ts';
import { holeyObjects } from '../../core/packed.ts';

/** Thread ids below this have their shadows in an array too (real Ms; pseudo threads are above). */
const SMALL_M = 65536;

const { EvGCMarkAssistActive, EvGCSweepActive, EvGoStatus, EvGoStatusStack, EvProcStatus } = V2;
const { GoRunnable, GoRunning, GoSyscall, NoThread, ProcIdle, ProcSyscall, ProcSyscallAbandoned } = V2;

export interface GShadow {
  status: number;
  /** Generation whose status was written (0: never). */
  gen: number;
  seq: number;
  /** Thread it is bound to (Running, Syscall), else -1. */
  m: number;
  /** User-annotation ends waiting for the goroutine to run again. */
  pending: (() => void)[] | null;
  /** Between GCMarkAssistBegin and GCMarkAssistEnd. */
  assist: boolean;
}

/** A goroutine the generation being ended never mentioned, as it was at the switch. */
interface Untraced {
  gid: number;
  status: number;
  m: number;
  stack: number;
  assist: boolean;
}

export interface PShadow {
  status: number;
  gen: number;
  seq: number;
  m: number;
  /** The thread that began the syscall the P is in (the runtime's mSyscallID). */
  mSyscall: number;
  /** Between GCSweepBegin and GCSweepEnd. */
  sweep: boolean;
}

export interface MShadow {
  p: number;
  g: number;
}

export class StatusShadow {
  private readonly gs = new Map<number, GShadow>();
  private readonly ps: PShadow[] = holeyObjects();
  /** Threads in the order they first wrote (runningThread walks them in it). */
  private readonly ms = new Map<number, MShadow>();
  /** The same shadows by id for real Ms (an array load per event). */
  private readonly msById: (MShadow | undefined)[] = holeyObjects();
  private untraced: Untraced[] = [];

  constructor(private readonly t: TraceV2) {}

  mst(mid: number): MShadow {
    const small = mid >= 0 && mid < SMALL_M;
    if (small) {
      const s = this.msById[mid];
      if (s !== undefined) return s;
    }
    let s = this.ms.get(mid);
    if (!s) this.ms.set(mid, (s = { p: -1, g: -1 }));
    if (small) this.msById[mid] = s;
    return s;
  }

  gst(gid: number): GShadow {
    let s = this.gs.get(gid);
    if (!s) this.gs.set(gid, (s = { status: GoRunnable, gen: 0, seq: 0, m: -1, pending: null, assist: false }));
    return s;
  }

  pst(pid: number): PShadow {
    let s = this.ps[pid];
    if (!s) this.ps[pid] = s = { status: ProcIdle, gen: 0, seq: 0, m: -1, mSyscall: -1, sweep: false };
    return s;
  }

  /** A real thread the reader sees running a goroutine on a P (-1: none), in the order threads
   *  first wrote: where an advance opens the new generation. */
  runningThread(): number {
    for (const [mid, ms] of this.ms) if (ms.p >= 0 && ms.g >= 0 && mid !== SYSMON_M && mid !== READER_M) return mid;
    return -1;
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
      this.t.w.evN(mid, EvProcStatus, now, 2, pid, st, 0, 0);
      if (s.sweep) this.t.w.evN(mid, EvGCSweepActive, now, 1, pid, 0, 0, 0);
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
      const wm = bound ? this.t.wireM(s.m) : NoThread;
      if (typeof wm === 'number') this.t.w.evN(mid, EvGoStatus, now, 3, gid, wm, s.status, 0);
      else this.t.w.ev(mid, EvGoStatus, now, [gid, wm, s.status]);
      if (s.assist) this.t.w.evN(mid, EvGCMarkAssistActive, now, 1, gid, 0, 0, 0);
      s.gen = gen;
      s.seq = 0;
    }
    return s;
  }

  /**
   * StartTrace finds goroutines alive (the runtime's own, main): the reader learns each one's
   * status lazily, so the shadow starts from what the simulation says they are doing.
   */
  seed(gid: number, status: number, mid: number): void {
    const s = this.gst(gid);
    s.status = status;
    s.m = status === GoRunning || status === GoSyscall ? mid : -1;
  }

  /**
   * traceAdvance is about to end generation `old`: note every goroutine it never mentioned
   * (forEachGRace + statusWasTraced), with its status and stack now. Running ones are left to
   * their thread's first event of the next generation.
   */
  snapshotUntraced(old: number, live: Iterable<{ id: number; userStack: number }>): void {
    this.untraced = [];
    for (const g of live) {
      const s = this.gs.get(g.id);
      if (!s || s.gen === old || s.status === GoRunning) continue;
      this.untraced.push({ gid: g.id, status: s.status, m: s.m, stack: g.userStack, assist: s.assist });
    }
  }

  /** The old generation `gen` is flushed: its silent goroutines' statuses go into it, on no
   *  thread (unsafeTraceWriter(gen, nil)), before its tables are dumped. */
  writeUntraced(gen: number, now: number): void {
    const t = this.t;
    const withStack = t.sc.switches.untracedGoStatus === 'GoStatusStack';
    for (const u of this.untraced) {
      const mid = u.status === GoSyscall ? t.wireM(u.m) : NoThread;
      if (withStack) t.w.ev(-1, EvGoStatusStack, now, [u.gid, mid, u.status, t.tables.stk(gen, u.stack)], gen);
      else t.w.ev(-1, EvGoStatus, now, [u.gid, mid, u.status], gen);
      if (u.assist) t.w.ev(-1, EvGCMarkAssistActive, now, [u.gid], gen);
    }
    this.untraced = [];
  }

  /**
   * Once every M has left the old generation, the new one gets the state of every idle P, as
   * traceAdvance's forEachP does, written by the advancing thread.
   */
  announce(now: number): void {
    this.t.cs.acquire(READER_M, now);
    this.ps.forEach((p, pid) => {
      if (p && p.status === ProcIdle) this.procStatus(READER_M, pid, now);
    });
  }
}
