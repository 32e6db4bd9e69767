// Trace summary: counts by event name, per-goroutine and per-P time in states, CPU samples
// per goroutine and per stack (top frame). One accumulator serves both wire formats: it takes
// TraceEvents in the reader's order plus a function resolving a stack id to its top frame.
//
// Time accounting: the span is [0, last event's ts] (readers' times are ns since the first
// event). Every goroutine and P seen in the trace is in exactly one state at every instant of
// the span, so its state times add up to the span:
//  - G: running, runnable, waiting, syscall, or absent (before it is created or first seen,
//    and after it ends). A G first seen through a status event (v2 GoStatus at a generation
//    start) was already in that state, so the time before is given to that state.
//  - P: running or idle (v1: ProcStart/ProcStop; v2: ProcStatus/ProcStart/ProcStop/ProcSteal,
//    a P in a syscall counts as running). Time before a P's first event goes to the state it
//    leaves at that event.
// Browser-safe: no Node built-ins. Who may touch: the formats API owner.

import type { TraceEvent, TraceFormat } from './event.ts';

export const G_STATES = ['running', 'runnable', 'waiting', 'syscall', 'absent'] as const;
export type GState = (typeof G_STATES)[number];

/** Time (ns) a goroutine spent in each state, and the CPU samples taken while it ran. */
export interface GoroutineSummary {
  g: number;
  running: number;
  runnable: number;
  waiting: number;
  syscall: number;
  /** Before creation / first sighting (when its earlier state is unknown) and after it ended. */
  absent: number;
  cpuSamples: number;
}

/** Time (ns) a P spent running or idle. */
export interface ProcSummary {
  p: number;
  running: number;
  idle: number;
}

export interface TraceSummary {
  format: TraceFormat;
  /** Event counts by name as Go spells it (v1: as `go tool trace -d` prints; v2: x/exp/trace spec). */
  events: Record<string, number>;
  totalEvents: number;
  /** Trace span in ns: the last event's time (the first event is at 0). */
  durationNs: number;
  /** Number of generations (v2), 0 for v1. */
  generations: number;
  /** Per goroutine, by goroutine id (ascending). */
  goroutines: GoroutineSummary[];
  /** Per P, by P id (ascending). */
  procs: ProcSummary[];
  cpuSamples: {
    total: number;
    /** Goroutine id (as a string; "-1"/"0" = no goroutine) → samples. */
    byGoroutine: Record<string, number>;
    /** Top frame's function ("(no stack)" when the sample has none) → samples, most first. */
    byStack: Record<string, number>;
  };
}

const S_RUNNING = 0;
const S_RUNNABLE = 1;
const S_WAITING = 2;
const S_SYSCALL = 3;
const S_ABSENT = 4;

const P_RUNNING = 0;
const P_IDLE = 1;

interface Track {
  state: number;
  since: number;
  times: Float64Array;
}

/** Per-event dispatch codes (what an event does to G/P state). */
const enum Op {
  None,
  // v1 and v2
  CreateArg, // args g/new_g → runnable
  StartArg, // args g → running
  EndSelf, // e.g → absent
  StopSelfWaiting, // e.g → waiting
  SelfRunnable, // e.g → runnable
  SelfWaiting,
  SelfSyscall,
  SelfRunning,
  UnblockArg, // args g → runnable
  ArgWaiting,
  ArgSyscall,
  ProcStartSelf, // v1: e.p → running
  ProcStartArg, // v2: args.p → running
  ProcStopSelf, // e.p → idle
  ProcStealArg, // v2: args.p → idle
  GoStatus, // v2
  ProcStatus, // v2
  CreateBlockedArg,
  CreateSyscallArg,
  Switch,
  SwitchDestroy,
  CPUSample,
}

const V1_OPS: Record<string, Op> = {
  GoCreate: Op.CreateArg,
  GoStart: Op.StartArg,
  GoStartLocal: Op.StartArg,
  GoStartLabel: Op.StartArg,
  GoEnd: Op.EndSelf,
  GoStop: Op.StopSelfWaiting,
  GoSched: Op.SelfRunnable,
  GoPreempt: Op.SelfRunnable,
  GoSleep: Op.SelfWaiting,
  GoBlock: Op.SelfWaiting,
  GoBlockSend: Op.SelfWaiting,
  GoBlockRecv: Op.SelfWaiting,
  GoBlockSelect: Op.SelfWaiting,
  GoBlockSync: Op.SelfWaiting,
  GoBlockCond: Op.SelfWaiting,
  GoBlockNet: Op.SelfWaiting,
  GoBlockGC: Op.SelfWaiting,
  GoUnblock: Op.UnblockArg,
  GoUnblockLocal: Op.UnblockArg,
  GoSysBlock: Op.SelfSyscall,
  GoSysExit: Op.UnblockArg,
  GoSysExitLocal: Op.UnblockArg,
  GoWaiting: Op.ArgWaiting,
  GoInSyscall: Op.ArgSyscall,
  ProcStart: Op.ProcStartSelf,
  ProcStop: Op.ProcStopSelf,
  CPUSample: Op.CPUSample,
};

const V2_OPS: Record<string, Op> = {
  GoCreate: Op.CreateArg,
  GoCreateBlocked: Op.CreateBlockedArg,
  GoCreateSyscall: Op.CreateSyscallArg,
  GoStart: Op.StartArg,
  GoDestroy: Op.EndSelf,
  GoDestroySyscall: Op.EndSelf,
  GoStop: Op.SelfRunnable,
  GoBlock: Op.SelfWaiting,
  GoUnblock: Op.UnblockArg,
  GoSyscallBegin: Op.SelfSyscall,
  GoSyscallEnd: Op.SelfRunning,
  GoSyscallEndBlocked: Op.SelfRunnable,
  GoStatus: Op.GoStatus,
  GoStatusStack: Op.GoStatus,
  GoSwitch: Op.Switch,
  GoSwitchDestroy: Op.SwitchDestroy,
  ProcStatus: Op.ProcStatus,
  ProcStart: Op.ProcStartArg,
  ProcStop: Op.ProcStopSelf,
  ProcSteal: Op.ProcStealArg,
  CPUSample: Op.CPUSample,
};

/** Largest real P id (v1 uses 1000000+ for Go's pseudo-Ps). */
const MAX_P = 1000000;

/** Accumulates a TraceSummary from events in order. */
export class SummaryBuilder {
  private readonly ops: Record<string, Op>;
  private readonly gs = new Map<number, Track>();
  private readonly ps = new Map<number, Track>();
  private readonly counts = new Map<string, number>();
  private readonly cpuByG = new Map<number, number>();
  private readonly cpuByStack = new Map<string, number>();
  private total = 0;
  private cpuTotal = 0;
  private last = 0;
  private gens = new Set<number>();

  constructor(
    readonly format: TraceFormat,
    /** Function name of a stack's top frame in the event's generation; undefined when unknown. */
    private readonly topFrame: (ev: TraceEvent) => string | undefined,
  ) {
    this.ops = format === 'go1.22' || format === 'go1.23' || format === 'go1.25' ? V2_OPS : V1_OPS;
  }

  private track(map: Map<number, Track>, id: number, nstates: number, init: number): Track {
    let t = map.get(id);
    if (t === undefined) {
      t = { state: init, since: 0, times: new Float64Array(nstates) };
      map.set(id, t);
    }
    return t;
  }

  private setG(g: number, state: number, ts: number, backfill = false): void {
    if (g < 0 || (g === 0 && !this.v2)) return;
    const known = this.gs.has(g);
    const t = this.track(this.gs, g, 5, backfill ? state : S_ABSENT);
    if (!known && backfill) t.state = state;
    t.times[t.state] += ts - t.since;
    t.state = state;
    t.since = ts;
  }

  private setP(p: number, state: number, ts: number, backfill = false): void {
    if (p < 0 || p >= MAX_P) return;
    const known = this.ps.has(p);
    // Before its first event a P was in the state that event leaves (or, for a status, in it).
    const before = backfill ? state : state === P_RUNNING ? P_IDLE : P_RUNNING;
    const t = this.track(this.ps, p, 2, before);
    if (!known) t.state = before;
    t.times[t.state] += ts - t.since;
    t.state = state;
    t.since = ts;
  }

  private get v2(): boolean {
    return this.ops === V2_OPS;
  }

  add(ev: TraceEvent): void {
    // v2 counts are of wire events, as `go tool trace -d=2` lists them: an event the reader
    // infers (offset -1: a GoSwitch's block and start, a self-steal) moves states, not counts.
    if (!(ev.offset < 0 && this.v2)) {
      this.total++;
      this.counts.set(ev.name, (this.counts.get(ev.name) ?? 0) + 1);
    }
    const ts = ev.ts;
    if (ts > this.last) this.last = ts;
    if (ev.gen > 0) this.gens.add(ev.gen);
    const op = this.ops[ev.name];
    if (op === undefined) return;
    const a = ev.args;
    switch (op) {
      case Op.CreateArg:
        this.setG(a.g ?? a.new_g, S_RUNNABLE, ts);
        break;
      case Op.CreateBlockedArg:
        this.setG(a.new_g, S_WAITING, ts);
        break;
      case Op.CreateSyscallArg:
        this.setG(a.new_g, S_SYSCALL, ts);
        break;
      case Op.StartArg:
        this.setG(a.g ?? ev.g, S_RUNNING, ts);
        break;
      case Op.EndSelf:
        this.setG(ev.g, S_ABSENT, ts);
        break;
      case Op.StopSelfWaiting:
      case Op.SelfWaiting:
        this.setG(ev.g, S_WAITING, ts);
        break;
      case Op.SelfRunnable:
        this.setG(ev.g, S_RUNNABLE, ts);
        break;
      case Op.SelfSyscall:
        this.setG(ev.g, S_SYSCALL, ts);
        break;
      case Op.SelfRunning:
        this.setG(ev.g, S_RUNNING, ts);
        break;
      case Op.UnblockArg:
        this.setG(a.g ?? ev.g, S_RUNNABLE, ts);
        break;
      case Op.ArgWaiting:
        this.setG(a.g, S_WAITING, ts);
        break;
      case Op.ArgSyscall:
        this.setG(a.g, S_SYSCALL, ts);
        break;
      case Op.GoStatus: {
        const st = a.gstatus;
        const s = st === 1 ? S_RUNNABLE : st === 2 ? S_RUNNING : st === 3 ? S_SYSCALL : st === 4 ? S_WAITING : -1;
        if (s >= 0) this.setG(a.g, s, ts, true);
        break;
      }
      case Op.Switch:
        this.setG(ev.g, S_WAITING, ts);
        this.setG(a.g, S_RUNNING, ts);
        break;
      case Op.SwitchDestroy:
        this.setG(ev.g, S_ABSENT, ts);
        this.setG(a.g, S_RUNNING, ts);
        break;
      case Op.ProcStartSelf:
        this.setP(ev.p, P_RUNNING, ts);
        break;
      case Op.ProcStartArg:
        this.setP(a.p, P_RUNNING, ts);
        break;
      case Op.ProcStopSelf:
        this.setP(ev.p, P_IDLE, ts);
        break;
      case Op.ProcStealArg:
        this.setP(a.p, P_IDLE, ts);
        break;
      case Op.ProcStatus:
        this.setP(a.p, a.pstatus === 2 ? P_IDLE : P_RUNNING, ts, true);
        break;
      case Op.CPUSample: {
        this.cpuTotal++;
        this.cpuByG.set(ev.g, (this.cpuByG.get(ev.g) ?? 0) + 1);
        const f = ev.stack !== 0 ? (this.topFrame(ev) ?? `(unknown stack ${ev.stack})`) : '(no stack)';
        this.cpuByStack.set(f, (this.cpuByStack.get(f) ?? 0) + 1);
        break;
      }
    }
  }

  finish(): TraceSummary {
    const end = this.last;
    const goroutines: GoroutineSummary[] = [];
    for (const [g, t] of [...this.gs].sort((x, y) => x[0] - y[0])) {
      t.times[t.state] += end - t.since;
      t.since = end;
      const x = t.times;
      goroutines.push({
        g,
        running: x[S_RUNNING],
        runnable: x[S_RUNNABLE],
        waiting: x[S_WAITING],
        syscall: x[S_SYSCALL],
        absent: x[S_ABSENT],
        cpuSamples: this.cpuByG.get(g) ?? 0,
      });
    }
    const procs: ProcSummary[] = [];
    for (const [p, t] of [...this.ps].sort((x, y) => x[0] - y[0])) {
      t.times[t.state] += end - t.since;
      t.since = end;
      procs.push({ p, running: t.times[P_RUNNING], idle: t.times[P_IDLE] });
    }
    const events: Record<string, number> = {};
    for (const [k, v] of [...this.counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))) events[k] = v;
    const byGoroutine: Record<string, number> = {};
    for (const [g, n] of [...this.cpuByG].sort((x, y) => x[0] - y[0])) byGoroutine[String(g)] = n;
    const byStack: Record<string, number> = {};
    for (const [f, n] of [...this.cpuByStack].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))) byStack[f] = n;
    return {
      format: this.format,
      events,
      totalEvents: this.total,
      durationNs: end,
      generations: this.gens.size,
      goroutines,
      procs,
      cpuSamples: { total: this.cpuTotal, byGoroutine, byStack },
    };
  }
}
