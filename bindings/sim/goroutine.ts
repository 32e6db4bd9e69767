// Goroutines: running a goroutine's program (the scenario's steps, or a runtime goroutine's,
// rtg.ts) on an M — what Go code does between scheduler calls: user code, g0 work, syscalls,
// sleeps and blocking, unbuffered channels, Gosched, newproc, runtime/trace annotations,
// gopreempt at a safe point, and goexit.
//
// Owns: the channels' wait queues (sendq/recvq per channel); of each G, its program counter
// (g.pc: a stack of frames over step lists, loops and task/region bodies), its work left in
// the current step (remaining, drawn around the step's duration by jitter.ts when the step
// starts and kept across preemption), its label tag and the annotation ends it still owes
// (pendingEnds). Sleeps are armed on the P that runs the goroutine (timers.ts).
// Invariants:
// - g.pc's top frame points at the step g is at; a frame whose steps are done is popped at
//   once (unwind), so the top frame always has a step unless the program is over;
// - a G parked on a channel is on exactly one sendq/recvq and Waiting; a hand-off takes the
//   peer off and readies it into the sender's runnext;
// - region.End/task.End run on their own goroutine: when g is not running at the instant its
//   body finishes (its blocking step was completed by a peer or a timer), they wait in
//   pendingEnds for execute.
// - a goroutine sysmon asked to stop (g.preempt) stops at the next step boundary runG reaches;
// Who may touch what: the other parts move a program only through curStep/nextStep and start
// one through runG; runG runs zero-time steps inline until one takes time, blocks or ends.

import { Act, GStatus, type G, type M } from './world.ts';
import type { RStep } from '../scenario/resolved.ts';
import type { BlockKind } from './observer.ts';
import { Cont } from './agenda.ts';
import type { Sched } from './sched.ts';
import { objects } from '../core/packed.ts';

type AnnotationEnd = { k: 'task' | 'region'; id: number; name: string };

export class Goroutines {
  private readonly sendq: G[][] = objects();
  private readonly recvq: G[][] = objects();

  constructor(private readonly s: Sched) {
    for (let c = 0; c < s.sc.channels.length; c++) {
      this.sendq.push([]);
      this.recvq.push([]);
    }
  }

  // ---- the program counter ------------------------------------------------------------------

  curStep(g: G): RStep {
    const f = g.pc[g.pc.length - 1];
    return f.steps[f.i];
  }

  /** Move past the current step, unwinding finished loops, tasks and regions. */
  nextStep(g: G): void {
    const f = g.pc[g.pc.length - 1];
    f.i++;
    this.unwind(g);
  }

  private unwind(g: G): void {
    for (;;) {
      const f = g.pc[g.pc.length - 1];
      if (!f || f.i < f.steps.length) return;
      if (f.left > 1) {
        f.left--;
        f.i = 0;
        if (f.steps.length === 0) f.left = 0;
        continue;
      }
      g.pc.pop();
      if (f.end) {
        // region.End/task.End are code the goroutine runs: a G whose blocking step was
        // completed by someone else (a channel peer, a timer) ends them when it runs again.
        if (g.status === GStatus.Running && g.m?.p) this.endAnnotation(g, f.end, g.m);
        else (g.pendingEnds ??= []).push(f.end);
      }
      const parent = g.pc[g.pc.length - 1];
      if (!parent) return;
      parent.i++;
    }
  }

  private endAnnotation(g: G, end: AnnotationEnd, m: M): void {
    if (end.k === 'task') this.s.obs.userTaskEnd(g, end.id, m, this.s.now);
    else this.s.obs.userRegion(g, end.name, false, m, this.s.now);
  }

  /** execute: the annotation ends g owes run first, on its own M. */
  runPendingEnds(m: M, g: G): void {
    const ends = g.pendingEnds!;
    g.pendingEnds = null;
    for (const e of ends) this.endAnnotation(g, e, m);
  }

  // ---- running --------------------------------------------------------------------------------

  /** Run g on m from its current step until it takes time, blocks or ends. */
  runG(m: M, g: G): void {
    const s = this.s;
    const obs = s.obs;
    for (;;) {
      s.guard.zeroTimeStep(g, ++s.zeroTimeGuard, s.now);
      if (s.gc.stw && !g.system && !s.sys.syscallFirst(g)) {
        // A safe point while the world is being stopped: preempt here.
        s.gc.preemptForSTW(m, g);
        s.gc.stopForSTW(m);
        return;
      }
      if (g.preempt) {
        // sysmon's request reaches a safe point (the prologue of the next call).
        this.gopreempt(m, g);
        return;
      }
      const step = g.pc.length ? this.curStep(g) : undefined;
      if (!step) {
        this.goexit(m, g);
        return;
      }
      switch (step.k) {
        case 'compute':
          if (g.remaining === 0) g.remaining = s.jitter.draw(step.ns);
          g.userStack = step.stack;
          s.busy(m, Act.User, step.stack, false, g.remaining, Cont.Step);
          return;
        case 'g0':
          s.busy(m, Act.G0, step.via === 'systemstack' ? s.onBehalf(step.stack, g) : step.stack, true, s.jitter.draw(step.ns), Cont.Step);
          return;
        case 'syscall':
          s.sys.entersyscall(m, g, step);
          return;
        case 'gosched':
          s.busy(m, Act.G0, s.stacks.gosched, true, s.sc.costs.goschedNs, Cont.Gosched);
          return;
        case 'sleep':
          this.park(m, g, 'sleep', step.ns, true);
          return;
        case 'nap':
          this.park(m, g, step.why, step.ns, true);
          return;
        case 'block':
          this.park(m, g, step.reason, step.ns, false);
          return;
        case 'park':
          this.park(m, g, step.why, Infinity, false);
          return;
        case 'rt':
          s.rtg.run(m, g, step.op);
          return;
        case 'send':
        case 'recv': {
          const mine = step.k === 'send' ? this.sendq[step.chan] : this.recvq[step.chan];
          const other = step.k === 'send' ? this.recvq[step.chan] : this.sendq[step.chan];
          const peer = other.shift();
          if (peer) {
            // Hand-off: the peer completes its op and becomes runnable in our runnext.
            this.nextStep(peer);
            s.proc.ready(peer, m.p, m);
            this.nextStep(g);
            continue;
          }
          mine.push(g);
          this.park(m, g, step.k === 'send' ? 'chansend' : 'chanrecv', Infinity, false);
          return;
        }
        case 'spawn':
          s.busy(m, Act.G0, s.onBehalf(s.stacks.newproc, g), true, s.sc.costs.newprocNs * step.count, Cont.Newproc);
          return;
        case 'loop':
          if (step.times === 0 || step.body.length === 0) {
            this.nextStep(g);
            continue;
          }
          g.pc.push({ steps: step.body, i: 0, left: step.times, end: null });
          continue;
        case 'labels':
          g.tag = step.tag;
          this.nextStep(g);
          continue;
        case 'task': {
          const id = obs.userTaskCreate(g, step.name, m, s.now);
          g.pc.push({ steps: step.body, i: 0, left: -1, end: { k: 'task', id, name: step.name } });
          this.unwind(g);
          continue;
        }
        case 'region':
          obs.userRegion(g, step.name, true, m, s.now);
          g.pc.push({ steps: step.body, i: 0, left: -1, end: { k: 'region', id: 0, name: step.name } });
          this.unwind(g);
          continue;
        case 'log':
          obs.userLog(g, step.category, step.message, m, s.now);
          this.nextStep(g);
          continue;
        case 'stw':
          this.nextStep(g);
          s.gc.stopTheWorld(m, step.reason, g, step.ns);
          return;
        case 'alloc':
          s.gc.mallocgc(m, g, step);
          return;
      }
    }
  }

  /** Cont.Step: the compute or g0 step is done. */
  stepDone(m: M, g: G): void {
    g.remaining = 0;
    this.nextStep(g);
    this.runG(m, g);
  }

  /** Cont.Gosched: goschedImpl puts g on the global queue and M schedules. */
  goschedM(m: M, g: G): void {
    this.nextStep(g);
    this.yieldM(m, g);
  }

  /** gosched_m without moving on (Cont.Yield, goschedIfBusy): g resumes at the same step. */
  yieldM(m: M, g: G): void {
    const s = this.s;
    g.status = GStatus.Runnable;
    s.obs.goSched(g, m, s.now);
    g.m = null;
    s.proc.globrunqput(g);
    s.proc.schedule(m);
  }

  /** gopreempt_m: sysmon's preemption stops g (keeping the work left in its step); it goes to
   *  the global queue and M schedules. */
  gopreempt(m: M, g: G): void {
    const s = this.s;
    if (m.cont === Cont.Step && m.act === Act.User) g.remaining = Math.max(0, m.until - s.now);
    g.preempt = false;
    g.status = GStatus.Runnable;
    g.m = null;
    s.obs.goPreempt(g, m, s.now);
    s.proc.globrunqput(g);
    s.proc.schedule(m);
  }

  /** Cont.Newproc: the new goroutines go to runnext (each pushing the previous one to the
   *  local queue), a P wakes, and the parent carries on. */
  newproc(m: M, g: G): void {
    const s = this.s;
    const step = this.curStep(g) as Extract<RStep, { k: 'spawn' }>;
    const t = s.sc.templates[step.tmpl];
    for (let i = 0; i < step.count; i++) {
      const ng = s.newG(g, step.tmpl, t.name, s.stacks.mainRoot, t.tag, t.program, t.lockOSThread);
      ng.tag = g.tag || t.tag; // labels are inherited by goroutines a goroutine starts
      if (t.tag) ng.tag = t.tag;
      s.obs.goCreate(g, ng, m, s.now);
      s.proc.runqput(m.p!, ng, true);
    }
    s.proc.wakep();
    this.nextStep(g);
    this.runG(m, g);
  }

  /** gopark (also a runtime goroutine's wait, rtg.ts): g waits (for ns on a timer of its P when `timer`, or until someone readies it,
   *  with a deadline outside the program otherwise); M schedules. */
  park(m: M, g: G, why: BlockKind, ns: number, timer: boolean): void {
    const s = this.s;
    const p = m.p;
    g.status = GStatus.Waiting;
    g.m = null;
    g.epoch++;
    s.obs.goBlock(g, why, m, s.now);
    if (ns < Infinity) s.timers.arm(g, timer ? p : null, ns);
    s.proc.schedule(m);
  }

  private goexit(m: M, g: G): void {
    const s = this.s;
    s.guard.exited();
    g.status = GStatus.Dead;
    g.m = null;
    s.obs.goEnd(g, m, s.now);
    s.gfput();
    if (g.lockedM === m) {
      // A goroutine that exits while locked to its thread takes the thread with it.
      s.mexit(m);
      const p = m.p!;
      s.proc.releasep(m);
      m.curg = null;
      s.rest(m, Act.Idle);
      s.obs.threadExit?.(m, s.now);
      s.sys.handoffp(p);
      return;
    }
    s.proc.schedule(m);
  }
}
