// Trace summary: counts by event name, per-goroutine and per-P time in states, CPU samples
// per goroutine and per stack (top frame). A consumer of the trace model (a TraceModelSink):
// states come from each event's state transition, samples from its stack sample, never from
// event names; one builder serves every format.
//
// Counts are of the format's own events, by the names Go's tools print for it: Go1.22+ traces
// the wire events (the model's events that come from the input, offset >= 0, by their spec
// names, as `go tool trace -d=2` lists them; events Go's reader infers move states, not
// counts); go 1.5–1.21 traces their v1 events by the names `go tool trace -d` of Go 1.19/1.21
// prints (the v1 reader hands them over with setCounts: one v1 event may be several base
// events or none).
//
// Time accounting: the span is [0, the last event's time], times counted from the trace's
// start (v1: the model's times already are, from its first v1 event; Go1.22+: from the first
// event handed out). Every goroutine and P seen is in exactly one state at every instant of the
// span, so its state times add up to the span:
//  - G: running, runnable, waiting, syscall, or absent (before it is created or first seen,
//    and after it ends). A G first seen through a transition from Undetermined (a status: it
//    existed before) was already in the new state, so the time before is given to that state.
//  - P: running or idle (the model's Running / Idle; a P in a syscall runs, an abandoned one is
//    idle). Before its first event a P was in the state that event leaves. When that is
//    Undetermined (a status), it depends on where the status comes from: a Go1.22+ status
//    describes the state the P was already in (the time before goes to it), while Go's
//    conversion of a v1 trace turns a P's first ProcStart or ProcStop into a status, and that
//    start or stop left the other state.
// Goroutines and Ps with negative ids (none), and Go's pseudo-Ps (1000000 and up), have no
// track. CPU samples without a goroutine count under "-1" (Go1.22+) or "0" (v1, as Go 1.19's
// -d prints them).
// Browser-safe: no Node built-ins. Who may touch: the formats API owner.

import type { TraceFormat } from './event.ts';
import { familyOf } from './version.ts';
import type { TraceEventView, TraceModelSink, TraceTables } from './trace/event.ts';
import * as model from './trace/model.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event path.
const {
  GoNotExist,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoUndetermined,
  GoWaiting,
  KindStackSample,
  KindStateTransition,
  KindSync,
  ProcIdle,
  ProcRunning,
  ResourceGoroutine,
  ResourceProc,
} = model;

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
  /** Number of generations with events (v2), 0 for v1. */
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

/** Model goroutine state → summary state (-1: none: Undetermined). */
const G_OF = new Int8Array(8).fill(-1);
G_OF[GoNotExist] = S_ABSENT;
G_OF[GoRunnable] = S_RUNNABLE;
G_OF[GoRunning] = S_RUNNING;
G_OF[GoWaiting] = S_WAITING;
G_OF[GoSyscall] = S_SYSCALL;
/** Model proc state → summary state (-1: none). */
const P_OF = new Int8Array(8).fill(-1);
P_OF[ProcRunning] = P_RUNNING;
P_OF[ProcIdle] = P_IDLE;

interface Track {
  state: number;
  since: number;
  times: Float64Array;
}

/** Largest real P id (Go's presentation pseudo-Ps start at 1000000). */
const MAX_P = 1000000;

/** Accumulates a TraceSummary from the model's events, in order (a TraceModelSink). */
export class SummaryBuilder implements TraceModelSink {
  private readonly v1: boolean;
  private readonly gs = new Map<number, Track>();
  private readonly ps = new Map<number, Track>();
  private counts = new Map<string, number>();
  private readonly cpuByG = new Map<number, number>();
  private readonly cpuByStack = new Map<string, number>();
  private total = 0;
  private cpuTotal = 0;
  private last = 0;
  /** Time the span starts at, in the model's times (null: at the first event). */
  private origin: number | null;
  private gens = 0;
  private genPending = false;

  constructor(readonly format: TraceFormat) {
    // The family (which reader, and so which conversion) from the one version table.
    this.v1 = familyOf(format) === 'v1';
    this.origin = this.v1 ? 0 : null;
  }

  /** The source events by name, for formats whose counts are not the model's (v1). */
  setCounts(counts: Record<string, number>): void {
    this.counts = new Map(Object.entries(counts));
    this.total = 0;
    for (const n of this.counts.values()) this.total += n;
  }

  generation(_t: TraceTables): void {
    // Counted when an event of it comes (Go1.22+ only: a v1 trace has generation 0).
    if (!this.v1) this.genPending = true;
  }

  event(e: TraceEventView): void {
    const kind = e.kind();
    if (!this.v1 && e.offset >= 0) {
      const name = e.name();
      this.total++;
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    }
    // Go's reader makes a Sync after each generation: a boundary, not a moment of the trace.
    if (kind === KindSync && e.offset < 0) return;
    if (this.genPending) {
      this.gens++;
      this.genPending = false;
    }
    if (this.origin === null) this.origin = e.time;
    const ts = e.time - this.origin;
    if (ts > this.last) this.last = ts;
    if (kind === KindStateTransition) {
      const t = e.transition();
      if (t.resource === ResourceGoroutine) {
        const s = G_OF[t.to];
        if (s >= 0) this.setG(t.id, s, ts, t.from === GoUndetermined);
      } else if (t.resource === ResourceProc) {
        const s = P_OF[t.to];
        if (s >= 0) {
          // From Undetermined (a status): Go1.22+ writes the state the P was already in; Go's
          // conversion of a v1 trace makes the P's first start or stop one, which left the other.
          const before = P_OF[t.from];
          this.setP(t.id, s, ts, before >= 0 ? before : this.v1 ? 1 - s : s);
        }
      }
    } else if (kind === KindStackSample) {
      this.cpuTotal++;
      const g = e.g < 0 && this.v1 ? 0 : e.g;
      this.cpuByG.set(g, (this.cpuByG.get(g) ?? 0) + 1);
      const stack = e.stack();
      const f = stack !== 0 ? (e.frames(stack)[0]?.func ?? `(unknown stack ${stack})`) : '(no stack)';
      this.cpuByStack.set(f, (this.cpuByStack.get(f) ?? 0) + 1);
    }
  }

  private track(map: Map<number, Track>, id: number, nstates: number, init: number): Track {
    let t = map.get(id);
    if (t === undefined) {
      t = { state: init, since: 0, times: new Float64Array(nstates) };
      map.set(id, t);
    }
    return t;
  }

  /** G enters `state` at ts; a G first seen from Undetermined was in that state before. */
  private setG(g: number, state: number, ts: number, backfill: boolean): void {
    if (g < 0) return;
    const t = this.track(this.gs, g, 5, backfill ? state : S_ABSENT);
    t.times[t.state] += ts - t.since;
    t.state = state;
    t.since = ts;
  }

  /** P enters `state` at ts; before its first event it was in `before`. */
  private setP(p: number, state: number, ts: number, before: number): void {
    if (p < 0 || p >= MAX_P) return;
    const t = this.track(this.ps, p, 2, before);
    t.times[t.state] += ts - t.since;
    t.state = state;
    t.since = ts;
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
      generations: this.gens,
      goroutines,
      procs,
      cpuSamples: { total: this.cpuTotal, byGoroutine, byStack },
    };
  }
}
