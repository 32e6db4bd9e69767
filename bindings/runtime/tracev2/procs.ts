// The generational tracer's events about Ps and syscalls (trace2runtime.go's ProcStart,
// ProcStop, ProcSteal, GoSysCall, GoSysExit): how a P moves between threads in the trace.
//
// Owns nothing of its own: it moves the P side of the status shadow (status.ts) — which
// thread a P is bound to, and the thread of the syscall it is in (mSyscall).
// Invariants:
// - in the trace a thread holds at most one P and a P one thread: when the model hands a P
//   to a thread that still holds another, or takes a P from a thread without stopping it
//   there, the thread lets go first (a ProcStop written for it);
// - a P in a syscall is taken by a ProcSteal naming the thread of the syscall: sysmon's
//   retake (on the sysmon pseudo thread), a stop of the world (on its initiator), a thread
//   that acquires it, or entersyscall_gcwait on its own thread, possibly a self-steal
//   (switches.gcwaitEvent; Go 1.22.0 wrote a ProcStop there instead);
// - a syscall that returns without its P ends blocked; a goroutine that got another idle P
//   starts again at once (exitsyscallfast_pidle).
// Who may touch what: tracev2.ts forwards the observer's P and syscall events here.

import * as V2 from '../../formats/v2/index.ts';
import { RT } from '../../scenario/symtab.ts';
import type { G, M, P } from '../../sim/world.ts';
import type { TraceV2 } from '../tracev2.ts';
import { SYSMON_M } from './sections.ts';

const { EvGoStart, EvGoSyscallBegin, EvGoSyscallEnd, EvGoSyscallEndBlocked, EvProcStart, EvProcSteal, EvProcStop } = V2;
const { GoRunnable, GoRunning, GoSyscall, ProcIdle, ProcRunning, ProcSyscall } = V2;

export class ProcEvents {
  constructor(private readonly t: TraceV2) {}

  start(p: P, m: M, now: number): void {
    const t = this.t;
    const st = t.status;
    const ms = st.begin(m.id, now);
    if (ms.p >= 0 && ms.p !== p.id) {
      // The model hands a P to a thread that still holds another (a locked M that ran other
      // goroutines): in the trace, the thread lets go of the old P first.
      t.w.ev(m.id, EvProcStop, now, []);
      const old = st.pst(ms.p);
      old.status = ProcIdle;
      old.m = -1;
      ms.p = -1;
    }
    const cur = st.pst(p.id);
    if (cur.status === ProcRunning && cur.m !== m.id && cur.m >= 0) {
      // Likewise a P the model takes from a thread without stopping it there.
      const other = cur.m;
      st.begin(other, now);
      t.w.ev(other, EvProcStop, now, []);
      st.mst(other).p = -1;
      cur.status = ProcIdle;
      cur.m = -1;
      st.begin(m.id, now);
    } else if (cur.status === ProcSyscall) {
      this.steal(m.id, p, now);
    }
    const ps = st.procStatus(m.id, p.id, now);
    t.w.ev(m.id, EvProcStart, now, [p.id, ++ps.seq]);
    ps.status = ProcRunning;
    ps.m = m.id;
    ms.p = p.id;
  }

  stop(_p: P, m: M, now: number): void {
    const t = this.t;
    const ms = t.status.begin(m.id, now);
    // The thread stops the P it holds in the trace (none: nothing to stop).
    if (ms.p < 0) return;
    t.w.ev(m.id, EvProcStop, now, []);
    const ps = t.status.pst(ms.p);
    ps.status = ProcIdle;
    ps.m = -1;
    ms.p = -1;
  }

  /** ProcSteal of P (in a syscall) by thread mid; returns the victim thread. */
  private steal(mid: number, p: P, now: number): number {
    const t = this.t;
    const st = t.status;
    const ps = st.procStatus(mid, p.id, now);
    const victim = ps.mSyscall;
    t.w.ev(mid, EvProcSteal, now, [p.id, ++ps.seq, t.wireM(victim >= 0 ? victim : -1)]);
    t.stats.procSteals!++;
    ps.status = ProcIdle;
    ps.m = -1;
    ps.mSyscall = -1;
    if (victim >= 0) st.mst(victim).p = -1;
    return victim;
  }

  /** sysmon's retake: a thread with no P steals from the thread in the syscall. */
  retake(p: P, now: number): void {
    this.t.status.begin(SYSMON_M, now);
    this.steal(SYSMON_M, p, now);
  }

  /** stopTheWorldWithSema on the initiating thread (if known), which holds its own P. */
  stopForSTW(p: P, initiator: number, now: number): void {
    const mid = initiator >= 0 ? initiator : SYSMON_M;
    this.t.status.begin(mid, now);
    this.steal(mid, p, now);
  }

  gcwait(p: P, m: M, now: number): void {
    const t = this.t;
    const st = t.status;
    const ms = st.begin(m.id, now);
    const ps = st.pst(p.id);
    const stolenBetween = ps.mSyscall !== m.id;
    if (stolenBetween) t.stats.gcwaitStolenBetween++;
    if (t.sc.switches.gcwaitEvent === 'ProcSteal') {
      const victim = this.steal(m.id, p, now);
      if (victim === m.id) t.stats.selfSteals!++;
      return;
    }
    // Go 1.22.0: a ProcStop, as if this thread still held the P.
    t.w.ev(m.id, EvProcStop, now, []);
    if (ps.mSyscall >= 0) st.mst(ps.mSyscall).p = -1;
    ps.status = ProcIdle;
    ps.m = -1;
    ps.mSyscall = -1;
    ms.p = -1;
  }

  syscallBegin(g: G, m: M, now: number): void {
    const t = this.t;
    const ms = t.status.begin(m.id, now);
    const ps = t.status.pst(ms.p);
    t.w.ev(m.id, EvGoSyscallBegin, now, [++ps.seq, t.stk(this.syscallStack(g))]);
    ps.status = ProcSyscall;
    ps.mSyscall = m.id;
    t.status.gst(g.id).status = GoSyscall;
  }

  /** The stack at entersyscall: the raw syscall on top of the step's frames. */
  /** The stack of RT.syscall6 alone (interned at the first syscall, as it always was). */
  private syscall6 = -1;

  private syscallStack(g: G): number {
    const fr = g.pc[g.pc.length - 1];
    const step = fr?.steps[fr.i];
    if (!step || step.k !== 'syscall') return g.userStack;
    const symtab = this.t.sc.symtab;
    if (this.syscall6 < 0) this.syscall6 = symtab.stack([RT.syscall6]);
    return symtab.concat(this.syscall6, step.stack);
  }

  syscallEnd(g: G, m: M, lostP: boolean, now: number): void {
    const t = this.t;
    const st = t.status;
    const ms = st.begin(m.id, now);
    const s = st.gst(g.id);
    if (!lostP) {
      t.w.ev(m.id, EvGoSyscallEnd, now, []);
      s.status = GoRunning;
      const ps = st.pst(ms.p);
      ps.status = ProcRunning;
      ps.mSyscall = -1;
      return;
    }
    t.w.ev(m.id, EvGoSyscallEndBlocked, now, []);
    s.status = GoRunnable;
    s.m = -1;
    ms.g = -1;
    if (m.p) {
      // exitsyscallfast_pidle: another P, and the goroutine starts again at once.
      t.w.ev(m.id, EvGoStart, now, [g.id, ++s.seq]);
      s.status = GoRunning;
      s.m = m.id;
      ms.g = g.id;
      t.annot.runPending(s);
    }
  }
}
