// ExecutionModel: the trace model (TraceEventView) → the intervals and instants a TrackSink
// shows. It follows goroutine and proc states, ranges, tasks and regions as the view states
// them (kind(), transition(), range(), task(), region(), log(), label(), metric(), stacks),
// the same way for every wire format, and never looks at an event's name for what it does
// (only to say what ended an execution slice).
//
// Execution slices, as Go's trace viewer draws goroutines on Ps: one per interval in which a
// goroutine executes on a P. It begins when the goroutine becomes Running (GoStart; a status
// saying it runs when it was not known to; the return from a syscall it was in when the trace
// began); it ends when the goroutine stops executing (Running → Runnable/Waiting/NotExist),
// when its P stops or is stolen (a goroutine in a syscall loses its P), when a blocked syscall
// returns without its P, or when another goroutine starts on its P. A syscall is one slice
// from entering (→ Syscall) to leaving it; CPU samples, logs, metrics are instants.
// Times are ns since the trace began (the origin the caller gives, else the first event);
// whatever is open at the end closes at the last event's time; a region or task begun before
// the trace starts at 0.
// Invariants: slices of one P never overlap; each goroutine has at most one open slice.
// Who may touch: the export owner.

import type { StackFrame } from '../event.ts';
import type { TraceEventView, TraceModelSink, TraceTables } from '../trace/event.ts';
import {
  GoNotExist,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoWaiting,
  KindLabel,
  KindLog,
  KindMetric,
  KindRangeActive,
  KindRangeBegin,
  KindRangeEnd,
  KindRegionBegin,
  KindRegionEnd,
  KindStackSample,
  KindStateTransition,
  KindTaskBegin,
  KindTaskEnd,
  METRIC_GOMAXPROCS,
  METRIC_HEAP_ALLOC,
  METRIC_HEAP_GOAL,
  NoTask,
  ProcRunning,
  RANGE_ASSIST,
  RANGE_GC,
  RANGE_SWEEP,
  ResourceGoroutine,
  ResourceProc,
  goExecuting,
  stwRangeName,
  type StateTransition,
} from '../trace/model.ts';
import { IdMap } from './idmap.ts';
import type { Frames, TrackSink } from './tracks.ts';

/** No open execution slice. */
const IDLE = -2;
const STW_PREFIX = stwRangeName('').slice(0, -1);

interface G {
  id: number;
  /** Start function (top frame of the creation stack), '' when unknown. */
  fn: string;
  state: number;
  /** P of the open execution slice (-1: executing without a P), IDLE when none is open. */
  p: number;
  start: number;
  label: string;
  /** Open syscall: start, -1 when none; and its stack. */
  sysStart: number;
  sysStack: Frames;
  assistStart: number;
  /** Open user regions, innermost last. */
  regions: { name: string; task: number; start: number }[] | null;
}

/** Goroutine states counted by the Goroutines counter. */
const COUNTED = [GoRunning, GoRunnable, GoWaiting, GoSyscall];
const COUNT_OF = new Int8Array(8).fill(-1);
COUNTED.forEach((s, i) => (COUNT_OF[s] = i));

export class ExecutionModel implements TraceModelSink {
  private readonly gs = new IdMap<G>();
  /** P → goroutine with an open execution slice on it. */
  private readonly pRun = new IdMap<G>();
  private readonly sweeps = new Map<number, number>();
  private readonly tasks = new Map<number, { name: string; parent: number; start: number }>();
  private gcStart = -1;
  private stwStart = -1;
  private stwReason = '';
  private readonly counts = [0, 0, 0, 0];
  private countsTs = -1;
  private tables: TraceTables | null = null;
  /** Frames per stack id of the current generation (one array per stack: sinks cache by it). */
  private stackFrames = new Map<number, readonly StackFrame[]>();
  /** Why-strings by base event type and reason. */
  private readonly whys: (Map<string, string> | undefined)[] = [];
  private readonly detail: boolean;
  private t0 = -1;
  private genStart = 0;
  /** Time of the latest event (ns since the first). */
  last = 0;
  events = 0;

  /** `origin`: the time (view.time) the trace begins at; by default its first event's. */
  constructor(
    private readonly sink: TrackSink,
    origin = -1,
  ) {
    this.detail = sink.detail;
    this.t0 = origin;
  }

  generation(t: TraceTables): void {
    this.tables = t;
    this.genStart = t.gen;
    if (this.stackFrames.size > 0) this.stackFrames = new Map();
  }

  private frames(stack: number): Frames {
    if (!this.detail || stack === 0 || this.tables === null) return undefined;
    let f = this.stackFrames.get(stack);
    if (f === undefined) {
      f = this.tables.frames(stack) ?? [];
      this.stackFrames.set(stack, f);
    }
    return f.length > 0 ? f : undefined;
  }

  private g(id: number): G {
    let g = this.gs.get(id);
    if (g === undefined) {
      g = { id, fn: '', state: 0, p: IDLE, start: 0, label: '', sysStart: -1, sysStack: undefined, assistStart: -1, regions: null };
      this.gs.set(id, g);
    }
    return g;
  }

  /** "GoBlock: chan receive", "ProcSteal": what ended a slice, as Go's API names it. */
  private why(e: TraceEventView, reason: string): string {
    let m = this.whys[e.type & 255];
    if (m === undefined) this.whys[e.type & 255] = m = new Map();
    let s = m.get(reason);
    if (s === undefined) {
      const name = e.name();
      m.set(reason, (s = reason ? `${name}: ${reason}` : name));
    }
    return s;
  }

  event(e: TraceEventView): void {
    if (this.t0 < 0) this.t0 = e.time;
    const t = e.time - this.t0;
    this.events++;
    if (this.countsTs >= 0 && t !== this.countsTs) this.flushCounts();
    if (t > this.last) this.last = t;
    if (this.genStart > 0) {
      this.sink.generation(this.genStart, t);
      this.genStart = 0;
    }
    switch (e.kind()) {
      case KindStateTransition: {
        const tr = e.transition();
        if (tr.resource === ResourceGoroutine) this.goTransition(e, tr, t);
        else if (tr.resource === ResourceProc && tr.from === ProcRunning && tr.to !== ProcRunning) {
          // The P stops or is stolen: whoever still executes on it (a goroutine in a
          // syscall) has lost it.
          const g = this.pRun.get(tr.id);
          if (g !== undefined) this.stop(g, t, this.why(e, ''));
        }
        break;
      }
      case KindRangeBegin:
      case KindRangeActive:
        this.rangeBegin(e, t);
        break;
      case KindRangeEnd:
        this.rangeEnd(e, t);
        break;
      case KindMetric: {
        const m = e.metric();
        if (m.name === METRIC_HEAP_ALLOC) this.sink.metric('HeapAlloc', t, m.value);
        else if (m.name === METRIC_HEAP_GOAL) this.sink.metric('HeapGoal', t, m.value);
        else if (m.name === METRIC_GOMAXPROCS) this.sink.metric('Gomaxprocs', t, m.value);
        break;
      }
      case KindStackSample:
        this.sink.cpuSample(e.g > 0 ? e.g : 0, e.p >= 0 ? e.p : -1, t, this.frames(e.stack()));
        break;
      case KindLabel:
        if (e.g > 0) {
          const g = this.gs.get(e.g);
          if (g !== undefined && g.p !== IDLE) g.label = e.label();
        }
        break;
      case KindTaskBegin: {
        const k = e.task();
        if (this.tasks.has(k.id)) this.taskEnd(k.id, '', t);
        this.tasks.set(k.id, { name: k.type, parent: k.parent === NoTask ? 0 : k.parent, start: t });
        break;
      }
      case KindTaskEnd: {
        const k = e.task();
        this.taskEnd(k.id, k.type, t, k.parent);
        break;
      }
      case KindRegionBegin:
        if (e.g > 0) {
          const r = e.region();
          (this.g(e.g).regions ??= []).push({ name: r.type, task: r.task, start: t });
        }
        break;
      case KindRegionEnd:
        if (e.g > 0) {
          const r = e.region();
          this.regionEnd(this.g(e.g), r.type, r.task, t);
        }
        break;
      case KindLog: {
        const l = e.log();
        const fn = e.g > 0 ? this.g(e.g).fn : '';
        this.sink.log(e.g > 0 ? e.g : -1, fn, l.task, l.category, l.message, t, this.frames(e.stack()));
        break;
      }
    }
  }

  // ---- goroutines ----

  private goTransition(e: TraceEventView, tr: StateTransition, t: number): void {
    const id = tr.id;
    if (!(id > 0)) return;
    const g = this.g(id);
    const from = tr.from;
    const to = tr.to;
    if (from === GoNotExist && tr.stack !== 0 && this.detail) {
      // Named after the top frame of its start stack.
      const f = this.frames(tr.stack);
      if (f !== undefined && f[0].func) g.fn = f[0].func;
    }
    if (from === to) return; // a status restated at a generation boundary
    if (from === GoSyscall) this.sysEnd(g, t);
    if ((from === GoRunning && !goExecuting(to)) || (from === GoSyscall && to !== GoRunning)) this.stop(g, t, this.why(e, tr.reason));
    if (to === GoRunning && (from !== GoSyscall || g.p === IDLE)) this.run(g, e.p, t);
    if (to === GoSyscall) {
      if (g.sysStart >= 0) this.sysEnd(g, t);
      g.sysStart = t;
      g.sysStack = this.frames(tr.stack);
    }
    this.setState(g, to, t);
  }

  private run(g: G, p: number, t: number): void {
    if (g.p !== IDLE) this.stop(g, t, 'restarted');
    if (p >= 0) {
      const prev = this.pRun.get(p);
      if (prev !== undefined) this.stop(prev, t, 'replaced');
      this.pRun.set(p, g);
    }
    g.p = p >= 0 ? p : -1;
    g.start = t;
    g.label = '';
  }

  private stop(g: G, t: number, why: string): void {
    if (g.p === IDLE) return;
    this.sink.execution(g.id, g.fn, g.p, g.start, t, why, g.label);
    if (g.p >= 0 && this.pRun.get(g.p) === g) this.pRun.delete(g.p);
    g.p = IDLE;
  }

  private sysEnd(g: G, t: number): void {
    if (g.sysStart < 0) return;
    this.sink.syscall(g.id, g.fn, g.sysStart, t, g.sysStack);
    g.sysStart = -1;
    g.sysStack = undefined;
  }

  private setState(g: G, s: number, t: number): void {
    const a = COUNT_OF[g.state];
    const b = COUNT_OF[s];
    g.state = s;
    if (a === b) return;
    if (a >= 0) this.counts[a]--;
    if (b >= 0) this.counts[b]++;
    this.countsTs = t;
  }

  private flushCounts(): void {
    const c = this.counts;
    this.sink.goroutines(this.countsTs, c[0], c[1], c[2], c[3]);
    this.countsTs = -1;
  }

  // ---- ranges ----

  private rangeBegin(e: TraceEventView, t: number): void {
    const r = e.range();
    const begin = e.kind() === KindRangeBegin;
    if (r.name === RANGE_SWEEP) {
      if (!this.sweeps.has(r.scopeId)) this.sweeps.set(r.scopeId, t);
    } else if (r.name === RANGE_ASSIST) {
      if (r.scopeId > 0) {
        const g = this.g(r.scopeId);
        if (g.assistStart < 0) g.assistStart = t;
      }
    } else if (r.name === RANGE_GC) {
      if (begin && this.gcStart >= 0) this.gcEnd(t);
      if (this.gcStart < 0) this.gcStart = t;
    } else if (r.name.startsWith(STW_PREFIX)) {
      if (begin && this.stwStart >= 0) this.stwEnd(t);
      if (this.stwStart < 0) {
        this.stwStart = t;
        this.stwReason = r.name.slice(STW_PREFIX.length, -1);
      }
    }
  }

  private rangeEnd(e: TraceEventView, t: number): void {
    const r = e.range();
    if (r.name === RANGE_SWEEP) {
      const start = this.sweeps.get(r.scopeId);
      if (start === undefined) return;
      this.sweeps.delete(r.scopeId);
      const [swept, reclaimed] = e.sweepBytes();
      this.sink.sweep(r.scopeId, start, t, swept, reclaimed);
    } else if (r.name === RANGE_ASSIST) {
      const g = this.gs.get(r.scopeId);
      if (g !== undefined) this.assistEnd(g, t);
    } else if (r.name === RANGE_GC) this.gcEnd(t);
    else if (r.name.startsWith(STW_PREFIX)) this.stwEnd(t);
  }

  private assistEnd(g: G, t: number): void {
    if (g.assistStart < 0) return;
    this.sink.assist(g.id, g.fn, g.assistStart, t);
    g.assistStart = -1;
  }

  private gcEnd(t: number): void {
    if (this.gcStart < 0) return;
    this.sink.gc(this.gcStart, t);
    this.gcStart = -1;
  }

  private stwEnd(t: number): void {
    if (this.stwStart < 0) return;
    this.sink.stw(this.stwStart, t, this.stwReason);
    this.stwStart = -1;
  }

  // ---- tasks and regions ----

  /** `type`/`parent`: what the model knows of a task begun before the trace. */
  private taskEnd(id: number, type: string, t: number, parent = 0): void {
    if (parent === NoTask) parent = 0; // the viewer's "no parent"
    const k = this.tasks.get(id);
    if (k === undefined) {
      this.sink.task(id, parent, type || `task ${id}`, 0, t);
      return;
    }
    this.tasks.delete(id);
    this.sink.task(id, k.parent, k.name, k.start, t);
  }

  private regionEnd(g: G, name: string, task: number, t: number): void {
    const r = g.regions;
    let i = r === null ? -1 : r.length - 1;
    while (i >= 0 && r![i].name !== name) i--;
    if (i < 0) {
      // Began before the trace started: from 0, around everything still open.
      this.sink.region(g.id, g.fn, name, task, 0, t);
      return;
    }
    // Regions nest; an end for an outer one closes the inner ones too.
    while (r!.length > i) {
      const x = r!.pop()!;
      this.sink.region(g.id, g.fn, x.name, x.task, x.start, t);
    }
  }

  /** Close everything still open at the last event's time; then the sink's end. */
  finish(): void {
    const t = this.last;
    if (this.countsTs >= 0) this.flushCounts();
    for (const g of this.gs.values()) {
      this.stop(g, t, 'end of trace');
      this.sysEnd(g, t);
      this.assistEnd(g, t);
      while (g.regions !== null && g.regions.length > 0) {
        const x = g.regions.pop()!;
        this.sink.region(g.id, g.fn, x.name, x.task, x.start, t);
      }
    }
    for (const [p, start] of this.sweeps) this.sink.sweep(p, start, t, 0, 0);
    this.sweeps.clear();
    this.gcEnd(t);
    this.stwEnd(t);
    for (const [id, k] of this.tasks) this.sink.task(id, k.parent, k.name, k.start, t);
    this.tasks.clear();
    this.sink.end(t);
  }
}

