// Syscalls: system calls (runtime/proc.go's entersyscall, entersyscall_gcwait, exitsyscall,
// exitsyscallfast(_pidle), exitsyscall0 and handoffp). sysmon, which retakes Ps from syscalls,
// is sysmon.ts.
//
// Owns: of each P, its syscalltick; of each M, oldp and syscalltick (the P it left and that
// P's tick at entersyscall).
// Invariants:
// - a P in status Syscall has no M (p.m === null) and is the oldp of the M in the syscall,
//   until retake, a stop of the world or entersyscall_gcwait takes it (each bumps its
//   syscalltick, so the M's exitsyscallfast sees the P is no longer its own);
// - every exitsyscall that keeps or takes a P bumps that P's syscalltick (as exitsyscall does
//   on its fast path): sysmon retakes only a P whose tick it saw unchanged on two passes, so a
//   syscall shorter than sysmon's sleep is never retaken;
// - a goroutine in status Syscall is curg of its M, which has no P;
// - entersyscall during a stop of the world waits for sched.lock (Cont.GcWait) before
//   entersyscall_gcwait looks at its old P, in every release: meanwhile sysmon may retake
//   the P and another M may run on it and enter a syscall there, so gcwait takes the P only
//   if it is in a syscall at that moment, possibly another M's.
// Who may touch what: proc.ts and sysmon.ts call handoffp; goroutine.ts calls entersyscall;
// gc.ts takes Ps in syscalls when it stops the world (bumping their syscalltick).
// A syscall's CPU part and its blocking part are each drawn around their nominal duration
// (jitter.ts) as they begin.

import { Act, GStatus, PStatus, type G, type M, type P } from './world.ts';
import type { RStep } from '../scenario/resolved.ts';
import { Cont } from './agenda.ts';
import type { Sched } from './sched.ts';

type SyscallStep = Extract<RStep, { k: 'syscall' }>;

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

  entersyscall(m: M, g: G, step: SyscallStep): void {
    const s = this.s;
    const p = m.p!;
    g.status = GStatus.Syscall;
    s.obs.goSysCall(g, m, s.now);
    s.sysmon.wake(); // entersyscall_sysmon
    m.oldp = p;
    m.syscalltick = p.syscalltick;
    m.p = null;
    p.m = null;
    p.status = PStatus.Syscall;
    if (s.gc.stw) {
      // entersyscall_gcwait after a wait for sched.lock: it takes the P only if the P is
      // (still, or again) in a syscall then; it may belong to another M by that time.
      const wait = GCWAIT_MIN_NS + Math.floor(s.rand.float() * (GCWAIT_MAX_NS - GCWAIT_MIN_NS));
      s.busy(m, Act.G0, s.symtab.concat(s.stacks.syscall, step.stack), true, wait, Cont.GcWait);
      return;
    }
    this.kernelCPU(m, step);
  }

  /** The syscall's CPU part in the kernel. */
  private kernelCPU(m: M, step: SyscallStep): void {
    const s = this.s;
    s.busy(m, Act.SyscallCPU, s.symtab.concat(s.stacks.syscall, step.stack), false, s.jitter.draw(step.cpuNs), Cont.SyscallCPU);
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
    this.kernelCPU(m, s.gor.curStep(g) as SyscallStep);
  }

  /** Cont.SyscallCPU: the kernel's CPU part is done; block, or return. */
  syscallCPUDone(m: M, g: G): void {
    const s = this.s;
    const step = s.gor.curStep(g) as SyscallStep;
    if (step.blockNs > 0) {
      s.busy(m, Act.SyscallBlock, m.stack, false, s.jitter.draw(step.blockNs), Cont.SyscallBlock);
      return;
    }
    this.exitsyscall(m, g);
  }

  exitsyscall(m: M, g: G): void {
    const s = this.s;
    const oldp = m.oldp;
    m.oldp = null;
    if (oldp && oldp.status === PStatus.Syscall && oldp.syscalltick === m.syscalltick && !s.gc.stw) {
      // exitsyscallfast: our P is still ours; exitsyscall bumps its syscalltick.
      oldp.status = PStatus.Running;
      oldp.m = m;
      m.p = oldp;
      oldp.syscalltick++;
      g.status = GStatus.Running;
      s.obs.goSysExit(g, m, false, s.now);
      s.gor.nextStep(g);
      s.gor.runG(m, g);
      return;
    }
    if (!s.gc.stw && s.proc.idleP.length > 0) {
      // exitsyscallfast_pidle: the old P if it is idle, else any idle P.
      const p = s.proc.pidlegetPreferring(oldp);
      s.sysmon.wake();
      s.acquireP(m, p);
      p.syscalltick++;
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
    if (p.runqSize() > 0 || proc.globSize() > 0 || s.gc.workers.wanted() || s.timers.hasExpired(p)) {
      proc.startm(p, false);
      return;
    }
    // No work of its own: a spinning M if nobody else is looking (no spinning M, no idle P);
    // it steals goroutines and expired timers from the other Ps.
    if (proc.nspinning === 0 && proc.idleP.length === 0) {
      proc.startm(p, true);
      return;
    }
    proc.pidleput(p);
  }
}
