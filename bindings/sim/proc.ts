// Proc: the run queues and the scheduling loop (runtime/proc.go's runqput/runqget/runqsteal,
// globrunqput/globrunqget, pidleput, wakep/startm/stopm, schedule/findRunnable/execute).
//
// Owns: the idle P list and the idle M list, the global run queue, the count of spinning Ms;
// of each P, its local run queue and runnext (runq, runqHead, runnext), its schedtick; of each
// M, spinning, nextG and inheritTime.
// Invariants:
// - a P is on idleP iff its status is Idle (pidleput is the only way in; pidleget, pidleremove
//   and the steal by exitsyscall the only ways out);
// - an M is on idleM iff it parked in stopm with no P and no locked goroutine;
// - nspinning counts the Ms with m.spinning set;
// - the global queue is globrunq[globHead:]; a local one p.runq[p.runqHead:], at most
//   LOCAL_RUNQ_MAX long (runqputslow moves half of it to the global queue);
// - a G taken from runnext inherits the time slice (m.inheritTime, set where the G is picked
//   for that M): execute does not bump the schedtick, so sysmon (sysmon.ts) sees one slice and
//   preempts it after 10ms, which bounds a pair of goroutines handing off through runnext.
// Who may touch what: the other parts put goroutines on queues only through runqput,
// globrunqput and ready, Ps on the idle list only through pidleput, and take Ms through
// startm/stopm; they read idleP.length and nspinning (handoffp's decisions).
// What a round costs: schedule() runs the P's expired timers (timers.ts) before it looks at the
// queues, then pays costs.scheduleNs on g0 when it finds a goroutine, else it spins one
// findRunnable round (costs.findRunnableNs), stealing goroutines and expired timers, and parks
// the M if that finds nothing.

import { Act, GStatus, PStatus, type G, type M, type P } from './world.ts';
import { Cont } from './agenda.ts';
import type { Sched } from './sched.ts';
import { objects } from '../core/packed.ts';

const LOCAL_RUNQ_MAX = 256;
/** futex wake and context switch before a started M runs. */
export const WAKE_LATENCY_NS = 5e3;

export class Proc {
  idleP: P[] = objects();
  private idleM: M[] = objects();
  private globrunq: G[] = objects();
  private globHead = 0;
  nspinning = 0;

  constructor(private readonly s: Sched) {}

  // ---- run queues ---------------------------------------------------------------------------

  runqput(p: P, g: G, next: boolean): void {
    if (next) {
      const old = p.runnext;
      p.runnext = g;
      if (!old) return;
      g = old;
    }
    p.runq.push(g);
    if (p.runq.length - p.runqHead > LOCAL_RUNQ_MAX) {
      // runqputslow: half of the local queue moves to the global queue.
      const n = (p.runq.length - p.runqHead) >> 1;
      for (let i = 0; i < n; i++) this.globrunq.push(p.runq[p.runqHead++]);
    }
    if (p.runqHead > 1024 && p.runqHead * 2 > p.runq.length) {
      p.runq = p.runq.slice(p.runqHead);
      p.runqHead = 0;
    }
  }

  /** runqget for M's P: a G from runnext inherits the time slice (m.inheritTime). */
  private runqget(p: P, m: M): G | null {
    if (p.runnext) {
      const g = p.runnext;
      p.runnext = null;
      m.inheritTime = true;
      return g;
    }
    if (p.runqHead < p.runq.length) return p.runq[p.runqHead++];
    return null;
  }

  globrunqput(g: G): void {
    this.globrunq.push(g);
    this.s.gc.workers.pollWork(null);
  }

  private globrunqget(): G | null {
    if (this.globHead < this.globrunq.length) {
      const g = this.globrunq[this.globHead++];
      if (this.globHead > 1024 && this.globHead * 2 > this.globrunq.length) {
        this.globrunq = this.globrunq.slice(this.globHead);
        this.globHead = 0;
      }
      return g;
    }
    return null;
  }

  globSize(): number {
    return this.globrunq.length - this.globHead;
  }

  /** runqsteal: take half of a random victim's queue (runnext included when alone). */
  private runqsteal(p: P): G | null {
    const ps = this.s.ps;
    const n = ps.length;
    const start = Math.floor(this.s.rand.float() * n);
    for (let k = 0; k < n; k++) {
      const v = ps[(start + k) % n];
      if (v === p) continue;
      const avail = v.runq.length - v.runqHead;
      if (avail > 0) {
        const take = (avail + 1) >> 1;
        const got = v.runq.slice(v.runqHead, v.runqHead + take);
        v.runqHead += take;
        const g = got.pop()!;
        for (const x of got) p.runq.push(x);
        return g;
      }
      if (v.runnext && v.status !== PStatus.Running) {
        const g = v.runnext;
        v.runnext = null;
        return g;
      }
    }
    return null;
  }

  anyLocalWork(): boolean {
    for (const p of this.s.ps) if (p.runqSize() > 0) return true;
    return false;
  }

  /** goready: g becomes runnable, into P's runnext (or the global queue), and a P wakes. */
  ready(g: G, p: P | null, by: M | null): void {
    const s = this.s;
    g.status = GStatus.Runnable;
    g.epoch++;
    s.obs.goUnblock(g, by, p ?? by?.p ?? null, s.now);
    if (p && p.status !== PStatus.Idle && p.status !== PStatus.GCStop) {
      this.runqput(p, g, true);
      this.s.gc.workers.pollWork(p);
    } else {
      this.globrunqput(g);
    }
    this.wakep();
  }

  // ---- idle Ps, Ms ---------------------------------------------------------------------------

  pidleput(p: P): void {
    p.status = PStatus.Idle;
    this.idleP.push(p);
  }

  /** Take P off the idle list (stopTheWorld takes every idle P). */
  pidleremove(p: P): void {
    this.idleP.splice(this.idleP.indexOf(p), 1);
  }

  /** exitsyscallfast_pidle: the old P if it is idle, else any idle P (there is one). */
  pidlegetPreferring(oldp: P | null): P {
    const i = oldp ? this.idleP.indexOf(oldp) : -1;
    return i >= 0 ? this.idleP.splice(i, 1)[0] : this.idleP.pop()!;
  }

  /** wakep: one more spinning M on an idle P, if there is work nobody is looking for. */
  wakep(): void {
    if (this.nspinning > 0 || this.idleP.length === 0 || this.s.gc.stw) return;
    this.startm(this.idleP.pop()!, true);
  }

  /** startm for each of n Ps taken from the idle list while there are some (mark workers). */
  startIdle(n: number): void {
    for (let i = 0; i < n && this.idleP.length > 0; i++) this.startm(this.idleP.pop()!, false);
  }

  startm(p: P, spinning: boolean): void {
    const s = this.s;
    const m = this.idleM.pop() ?? s.newM();
    s.acquireP(m, p);
    m.spinning = spinning;
    if (spinning) this.nspinning++;
    // futex wake and context switch before the thread runs.
    s.busy(m, Act.Idle, 0, true, WAKE_LATENCY_NS, Cont.Wake);
  }

  /** stopm: park M (with no P) until startm picks it. */
  stopm(m: M): void {
    this.stopSpinning(m);
    m.curg = null;
    this.s.rest(m, Act.Idle);
    if (m.lockedG) return; // a locked M waits for its own goroutine only
    this.idleM.push(m);
  }

  /** M stops spinning (without looking for more work, unlike resetspinning). */
  stopSpinning(m: M): void {
    if (m.spinning) {
      m.spinning = false;
      this.nspinning--;
    }
  }

  /** releasep: M lets go of its P, for someone else to take it. */
  releasep(m: M): void {
    const p = m.p!;
    this.s.obs.procStop(p, m, this.s.now);
    m.p = null;
    p.m = null;
  }

  /** releasep + pidleput (or, during a stop, the P joins the stopped world). */
  private releasePIdle(m: M): void {
    const p = m.p!;
    this.releasep(m);
    const gc = this.s.gc;
    if (gc.stw) gc.stopP(p);
    else this.pidleput(p);
  }

  // ---- scheduling -----------------------------------------------------------------------------

  /** schedule(): find a G for M's P, paying the g0 cost; park M if there is none. */
  schedule(m: M): void {
    const s = this.s;
    const p = m.p!;
    m.curg = null;
    if (s.gc.stw) {
      s.gc.stopForSTW(m);
      return;
    }
    if (m.lockedG) {
      // stoplockedm: a locked M runs only its own goroutine; until that goroutine is picked
      // up again (and handed to it by startlockedm), the M sleeps and its P moves on.
      this.releasep(m);
      s.rest(m, Act.Idle);
      s.sys.handoffp(p);
      return;
    }
    s.timers.checkTimers(p, m);
    m.inheritTime = false;
    let g = s.gc.workers.forSchedule(p);
    if (!g && p.schedtick % 61 === 0 && this.globSize() > 0) g = this.globrunqget();
    if (!g) g = this.findRunnable(p, m);
    if (g) {
      m.nextG = g;
      s.busy(m, Act.Sched, s.stacks.schedule, true, s.sc.costs.scheduleNs, Cont.Sched);
      return;
    }
    if (!m.spinning) {
      m.spinning = true;
      this.nspinning++;
    }
    s.busy(m, Act.Sched, s.stacks.findRunnable, true, s.sc.costs.findRunnableNs, Cont.Spin);
  }

  /** findRunnable's queues: local, global, then stealing (goroutines, then expired timers,
   *  which ready their goroutines into this P's runnext); with nothing found during mark, an
   *  idle mark worker. */
  private findRunnable(p: P, m: M): G | null {
    const g = this.runqget(p, m) ?? this.globrunqget() ?? this.runqsteal(p);
    if (g) return g;
    if (this.s.timers.stealTimers(p, m)) return this.runqget(p, m);
    return this.s.gc.workers.forIdle(p);
  }

  /** Cont.Sched: schedule() paid its cost; run what it found (unless the world is stopping). */
  scheduled(m: M): void {
    const next = m.nextG!;
    m.nextG = null;
    const gc = this.s.gc;
    if (gc.stw) {
      this.runqput(m.p!, next, true);
      m.inheritTime = false;
      gc.stopForSTW(m);
      return;
    }
    this.execute(m, next);
  }

  /** Cont.Spin: one more findRunnable round; with nothing found, the P idles and the M parks. */
  spun(m: M): void {
    const s = this.s;
    const p = m.p!;
    m.inheritTime = false;
    let got: G | null = null;
    if (!s.gc.stw) {
      s.timers.checkTimers(p, m);
      got = this.findRunnable(p, m);
    }
    if (got) {
      m.nextG = got;
      s.busy(m, Act.Sched, s.stacks.schedule, true, s.sc.costs.scheduleNs, Cont.Sched);
      return;
    }
    this.releasePIdle(m);
    s.timers.netpollBlock();
    this.stopm(m);
  }

  execute(m: M, g: G): void {
    if (m.spinning) {
      m.spinning = false;
      this.nspinning--;
      if (this.globSize() > 0 || this.anyLocalWork()) this.wakep(); // resetspinning
    }
    if (g.lockOSThread && g.lockedM === null) {
      // The goroutine locks itself to a fresh thread (LockOSThread at its start).
      const lm = this.s.newM();
      lm.lockedG = g;
      g.lockedM = lm;
    }
    if (g.lockedM && g.lockedM !== m) {
      // startlockedm: the P goes to the goroutine's own thread; this M sleeps.
      const lm = g.lockedM;
      const p = m.p!;
      lm.inheritTime = m.inheritTime;
      m.inheritTime = false;
      this.releasep(m);
      this.stopm(m);
      this.s.acquireP(lm, p);
      this.runOn(lm, g);
      return;
    }
    this.runOn(m, g);
  }

  /** execute on the M that will run g: a time slice unless inherited, the G runs. */
  private runOn(m: M, g: G): void {
    const s = this.s;
    const p = m.p!;
    if (!m.inheritTime) p.schedtick++;
    m.inheritTime = false;
    g.preempt = false;
    g.status = GStatus.Running;
    g.m = m;
    m.curg = g;
    s.obs.goStart(g, m, s.now);
    if (s.sc.switches.timer === 'per-thread' && !m.timerValid && s.obs.profiling()) {
      // setThreadCPUProfiler runs in execute() the first time the M runs a goroutine.
      const period = s.sc.profile.periodNs;
      const first = s.sc.switches.firstExpiry === 'uniform' ? 1 + Math.floor(s.rand.float() * period) : period;
      s.kernel.armThreadTimer(m, first, s.now);
    }
    if (g.system) {
      s.gc.workers.run(m, g);
      return;
    }
    if (g.pendingEnds) s.gor.runPendingEnds(m, g);
    if (s.gc.atExecute(m, g)) return;
    s.gor.runG(m, g);
  }
}
