// Syscalls: system calls and sysmon (runtime/proc.go's entersyscall, entersyscall_gcwait,
// exitsyscall, exitsyscallfast(_pidle), exitsyscall0, handoffp, and sysmon's retake and
// preemptone).
//
// Owns: of each P, its syscalltick and syscallWhen (when it entered _Psyscall); of each M,
// oldp and syscalltick (the P it left and that P's tick at entersyscall). sysmon keeps no
// state of its own here: each look it would take is an event on the agenda (Ev.Retake keyed
// by the P's syscalltick, Ev.Preempt by its schedtick), dropped when the P has moved on.
// Invariants:
// - a P in status Syscall has no M (p.m === null) and is the oldp of the M in the syscall,
//   until retake, a stop of the world or entersyscall_gcwait takes it (each bumps its
//   syscalltick, so the M's exitsyscallfast sees the P is no longer its own);
// - a goroutine in status Syscall is curg of its M, which has no P;
// - entersyscall during a stop of the world waits for sched.lock (Cont.GcWait) before
//   entersyscall_gcwait looks at its old P, in every release: meanwhile sysmon may retake
//   the P and another M may run on it and enter a syscall there, so gcwait takes the P only
//   if it is in a syscall at that moment, possibly another M's.
// Who may touch what: proc.ts calls handoffp and newSlice; goroutine.ts calls entersyscall;
// gc.ts takes Ps in syscalls when it stops the world (bumping their syscalltick).
//
// Timing: sysmon looks at a P in a syscall after 20–40µs, and leaves it alone for up to 10ms
// when nothing else could run on it; it preempts a time slice at its first look after 10ms,
// and in a busy program it sleeps up to 10ms between looks.

import { Act, GStatus, PStatus, type G, type M, type P } from './world.ts';
import type { RStep } from '../scenario/resolved.ts';
import { Cont, Ev } from './agenda.ts';
import type { Sched } from './sched.ts';

type SyscallStep = Extract<RStep, { k: 'syscall' }>;

const FORCE_PREEMPT_NS = 10e6;
const SYSMON_MIN_NS = 20e3;
const SYSMON_MAX_NS = 10e6;
/** Longest a P in a syscall is left alone when nothing else could run on it. */
const RETAKE_IDLE_NS = 10e6;
/** entersyscall_gcwait's wait for sched.lock: the P sits in _Psyscall meanwhile, so sysmon
 *  may retake it and another M may run on it. The runtime does this in every release; only
 *  what the tracer writes when gcwait takes the P differs (switches.gcwaitEvent, tracev1/2). */
const GCWAIT_MIN_NS = 200;
const GCWAIT_MAX_NS = 50_000;

export class Syscalls {
  constructor(private readonly s: Sched) {}

  /** A goroutine about to make a syscall enters it (entersyscall is nosplit) before it
   *  notices a pending stop-the-world, and so reaches entersyscall_gcwait. */
  syscallFirst(g: G): boolean {
    return g.pc.length > 0 && this.s.gor.curStep(g).k === 'syscall';
  }

  /** sysmon's next look at P's syscall (keyed by its syscalltick). */
  private watchSyscall(p: P): void {
    const s = this.s;
    s.q.push(s.now + SYSMON_MIN_NS + Math.floor(s.rand.float() * SYSMON_MIN_NS), Ev.Retake, p, p.syscalltick);
  }

  entersyscall(m: M, g: G, step: SyscallStep): void {
    const s = this.s;
    const p = m.p!;
    g.status = GStatus.Syscall;
    s.obs.goSysCall(g, m, s.now);
    m.oldp = p;
    m.syscalltick = p.syscalltick;
    m.p = null;
    p.m = null;
    p.status = PStatus.Syscall;
    p.syscallWhen = s.now;
    this.watchSyscall(p);
    if (s.gc.stw) {
      // entersyscall_gcwait after a wait for sched.lock: it takes the P only if the P is
      // (still, or again) in a syscall then; it may belong to another M by that time.
      const wait = GCWAIT_MIN_NS + Math.floor(s.rand.float() * (GCWAIT_MAX_NS - GCWAIT_MIN_NS));
      s.busy(m, Act.G0, s.symtab.concat(s.stacks.syscall, step.stack), true, wait, Cont.GcWait);
      return;
    }
    s.busy(m, Act.SyscallCPU, s.symtab.concat(s.stacks.syscall, step.stack), false, step.cpuNs, Cont.SyscallCPU);
  }

  /** entersyscall_gcwait takes P (in a syscall) for the stopping world. */
  private gcwait(m: M, p: P): void {
    this.s.gc.stopP(p);
    this.s.obs.gcwait(p, m, this.s.now);
    p.syscalltick++;
  }

  /** Cont.GcWait: sched.lock is ours; the P goes to the world if it is in a syscall now. */
  gcwaitDone(m: M, g: G): void {
    const s = this.s;
    const p = m.oldp!;
    if (s.gc.stw && p.status === PStatus.Syscall) this.gcwait(m, p);
    const step = s.gor.curStep(g) as SyscallStep;
    s.busy(m, Act.SyscallCPU, s.symtab.concat(s.stacks.syscall, step.stack), false, step.cpuNs, Cont.SyscallCPU);
  }

  /** Cont.SyscallCPU: the kernel's CPU part is done; block, or return. */
  syscallCPUDone(m: M, g: G): void {
    const step = this.s.gor.curStep(g) as SyscallStep;
    if (step.blockNs > 0) {
      this.s.busy(m, Act.SyscallBlock, m.stack, false, step.blockNs, Cont.SyscallBlock);
      return;
    }
    this.exitsyscall(m, g);
  }

  /** sysmon's retake: a P stuck in a syscall goes to another M. */
  retake(p: P, tick: number): void {
    if (p.status !== PStatus.Syscall || p.syscalltick !== tick) return;
    const s = this.s;
    const when = p.syscallWhen;
    if (p.runqSize() === 0 && s.proc.nspinning + s.proc.idleP.length > 0 && when + RETAKE_IDLE_NS > s.now) {
      s.q.push(when + RETAKE_IDLE_NS, Ev.Retake, p, tick);
      return;
    }
    p.syscalltick++;
    const owner = s.ms.find((x) => x.oldp === p && x.curg?.status === GStatus.Syscall) ?? null;
    s.obs.procSteal(p, owner, s.now);
    this.handoffp(p);
  }

  exitsyscall(m: M, g: G): void {
    const s = this.s;
    const oldp = m.oldp;
    m.oldp = null;
    if (oldp && oldp.status === PStatus.Syscall && oldp.syscalltick === m.syscalltick && !s.gc.stw) {
      // exitsyscallfast: our P is still ours.
      oldp.status = PStatus.Running;
      oldp.m = m;
      m.p = oldp;
      g.status = GStatus.Running;
      s.obs.goSysExit(g, m, false, s.now);
      s.gor.nextStep(g);
      s.gor.runG(m, g);
      return;
    }
    if (!s.gc.stw && s.proc.idleP.length > 0) {
      // exitsyscallfast_pidle: the old P if it is idle, else any idle P.
      s.acquireP(m, s.proc.pidlegetPreferring(oldp));
      g.status = GStatus.Running;
      s.obs.goSysExit(g, m, true, s.now);
      s.gor.nextStep(g);
      s.gor.runG(m, g);
      return;
    }
    // exitsyscall0: no P; the goroutine queues globally and the M parks.
    s.obs.goSysExit(g, m, true, s.now);
    s.gor.nextStep(g);
    g.status = GStatus.Runnable;
    g.m = null;
    m.curg = null;
    s.proc.globrunqput(g);
    s.proc.stopm(m);
    s.proc.wakep();
  }

  /** handoffp: a P whose M leaves; give it to a new M if there is work, else idle it. */
  handoffp(p: P): void {
    const s = this.s;
    const proc = s.proc;
    p.m = null;
    if (s.gc.stw) {
      s.gc.stopP(p);
      return;
    }
    if (p.runqSize() > 0 || proc.globSize() > 0 || s.gc.needsWorker()) {
      proc.startm(p, false);
      return;
    }
    if (proc.nspinning === 0 && proc.idleP.length === 0 && proc.anyLocalWork()) {
      proc.startm(p, true);
      return;
    }
    proc.pidleput(p);
  }

  // ---- sysmon's preemption ----------------------------------------------------------------

  /** A new time slice on P (execute): sysmon preempts whoever runs on it once it has lasted
   *  10ms, at sysmon's next look; in a busy program sysmon sleeps up to 10ms between looks. */
  newSlice(p: P): void {
    const s = this.s;
    s.q.push(s.now + FORCE_PREEMPT_NS + Math.floor(s.rand.float() * SYSMON_MAX_NS), Ev.Preempt, p, p.schedtick);
  }

  /** sysmon: the P has been running one time slice (same schedtick) for 10ms. */
  sysmonPreempt(p: P, tick: number): void {
    if (p.schedtick !== tick || p.status !== PStatus.Running || !p.m) return;
    const s = this.s;
    const m = p.m;
    const g = m.curg;
    if (!g || g.system || g.status !== GStatus.Running) return;
    if (m.act !== Act.User || m.cont !== Cont.Step) {
      // Not at an async safe point (g0, mallocgc): sysmon tries again next round.
      s.q.push(s.now + SYSMON_MIN_NS, Ev.Preempt, p, tick);
      return;
    }
    g.remaining = m.until - s.now;
    g.status = GStatus.Runnable;
    g.m = null;
    s.obs.goPreempt(g, m, s.now);
    s.proc.globrunqput(g);
    s.proc.schedule(m);
  }
}
