// What the export shows, as tracks: the TrackSink interface (format-independent: finished
// intervals and instants, in ns since the trace began; the report's timeline is another
// TrackSink) and ChromeTracks, which lays them out as Chrome Trace Events and hands them to a
// ChromeOut (objects, or the writer's JSON text).
//
// Layout (pid 1 = the Go process):
//   tid 1 "GC"   GC cycles (X), tid 2 "STW" stop-the-world pauses (X, "STW (reason)");
//   tid 10+n "P<n>"  one per P, created on first use: goroutine execution slices (X,
//                 "G12 main.worker", no cat, args {end: what ended it, label}: the one
//                 kind of slice on these tracks without a cat, and most of an export, so
//                 kept short: the goroutine is in the name),
//                 sweeps (X, cat "gc"), CPU samples (i, s "t", cat "cpu", sf + args.stack);
//   tid 3 "No P" what happened without a P (CPU samples, goroutines executing without one);
//   tid 1e9+k "G<n> <func>"  per-goroutine tracks, created on first use: syscalls (X, cat
//                 "syscall", begin to end), user regions (X, cat "region"), mark assists (X),
//                 user logs (i, cat "log");
//   user tasks: async b/e, cat "task", id = task id; counters (C): HeapAlloc, HeapGoal,
//   Gomaxprocs, Goroutines {running, runnable, waiting, syscall}.
// Times: ts and dur in µs (floats: whole ns divided by 1000); displayTimeUnit "ns".
// Who may touch: the export owner.

import type { StackFrame } from '../event.ts';
import { IdMap } from './idmap.ts';
import { StackDictionary } from './stacks.ts';
import { TID_G0, TID_GC, TID_NO_P, TID_P0, TID_STW, type ChromeEvent, type ChromeOptions, type ChromeStackFrame } from './types.ts';

/** A stack, leaf first; undefined when the event has none (or the sink wants no detail). */
export type Frames = readonly StackFrame[] | undefined;

/** Counters the model reports (Go's metrics, by the name the export gives them). */
export type MetricName = 'HeapAlloc' | 'HeapGoal' | 'Gomaxprocs';

/**
 * What the export shows, format-independent. Each interval is handed over once, when it ends
 * (every open one is closed at the trace's last event time); instants at their time. `fn` is
 * the goroutine's start function ('' when unknown, or when the sink wants no detail).
 */
export interface TrackSink {
  /** Whether to resolve stacks and goroutine names (the report does without). */
  readonly detail: boolean;
  /** Generation `gen` (1-based) starts at `t` (its first event). */
  generation(gen: number, t: number): void;
  /** Goroutine g executed on P p (-1: no P) from start to end; `why` names what ended it. */
  execution(g: number, fn: string, p: number, start: number, end: number, why: string, label: string): void;
  syscall(g: number, fn: string, start: number, end: number, stack: Frames): void;
  assist(g: number, fn: string, start: number, end: number): void;
  region(g: number, fn: string, name: string, task: number, start: number, end: number): void;
  /** A task from start (0: begun before the trace) to end. */
  task(id: number, parent: number, name: string, start: number, end: number): void;
  /** g < 0: no goroutine. */
  log(g: number, fn: string, task: number, category: string, message: string, t: number, stack: Frames): void;
  /** g 0: no goroutine; p -1: no P. */
  cpuSample(g: number, p: number, t: number, stack: Frames): void;
  gc(start: number, end: number): void;
  stw(start: number, end: number, reason: string): void;
  sweep(p: number, start: number, end: number, swept: number, reclaimed: number): void;
  metric(name: MetricName, t: number, value: number): void;
  /** Goroutines by state, at each time where a count changed. */
  goroutines(t: number, running: number, runnable: number, waiting: number, syscall: number): void;
  /** The trace ends at t (after every interval was handed over). */
  end(t: number): void;
}

/** ns → µs: a division (not * 0.001), so that whole ns print as exact decimals. */
const NS_PER_US = 1000;
const METRIC_KEY: Record<MetricName, string> = { HeapAlloc: 'bytes', HeapGoal: 'bytes', Gomaxprocs: 'procs' };

/**
 * Where ChromeTracks puts its events, as they are made: objects (toChromeTrace) or JSON text
 * (writeChromeTrace, with code of its own for the two kinds that are most of an export).
 */
export interface ChromeOut {
  event(ev: ChromeEvent): void;
  /** {name, ph: 'X', pid, tid, ts, dur, args: {end, label (when set)}} */
  execution(pid: number, tid: number, name: string, ts: number, dur: number, end: string, label: string): void;
  /** {name: 'Goroutines', ph: 'C', pid, tid: 0, ts, args: {running, runnable, waiting, syscall}} */
  goroutines(pid: number, ts: number, running: number, runnable: number, waiting: number, syscall: number): void;
}

/** A ChromeOut that makes the objects and hands each to `push`. */
export function objectOut(push: (ev: ChromeEvent) => void): ChromeOut {
  return {
    event: push,
    execution(pid, tid, name, ts, dur, end, label) {
      const args: Record<string, unknown> = { end };
      if (label) args.label = label;
      push({ name, ph: 'X', pid, tid, ts, dur, args });
    },
    goroutines(pid, ts, running, runnable, waiting, syscall) {
      push({ name: 'Goroutines', ph: 'C', pid, tid: 0, ts, args: { running, runnable, waiting, syscall } });
    },
  };
}

/** TrackSink → Chrome events (handed to `out` as they are made) and the stackFrames dictionary. */
export class ChromeTracks implements TrackSink {
  readonly detail = true;
  private readonly pid: number;
  private readonly counters: boolean;
  private readonly samples: boolean;
  private readonly pTracks = new Set<number>();
  /** Goroutine id → its name and track (tid 0 until the track is made). */
  private readonly gs = new IdMap<{ fn: string; name: string; tid: number }>();
  private gTracks = 0;
  readonly stacks = new StackDictionary();
  outputEvents = 0;
  goroutineSlices = 0;

  private readonly out: ChromeOut;

  /** `out`: a ChromeOut, or a function that gets each event as an object. */
  constructor(out: ChromeOut | ((ev: ChromeEvent) => void), opts: ChromeOptions) {
    this.out = typeof out === 'function' ? objectOut(out) : out;
    this.pid = opts.pid ?? 1;
    this.counters = opts.counters ?? true;
    this.samples = opts.cpuSamples ?? true;
    this.emit({ name: 'process_name', ph: 'M', pid: this.pid, args: { name: 'Go process' } });
    this.thread(TID_GC, 'GC', 0);
    this.thread(TID_STW, 'STW', 1);
  }

  get stackFrames(): Record<string, ChromeStackFrame> {
    return this.stacks.frames;
  }

  private emit(ev: ChromeEvent): void {
    this.outputEvents++;
    this.out.event(ev);
  }

  private thread(tid: number, name: string, sort: number): void {
    this.emit({ name: 'thread_name', ph: 'M', pid: this.pid, tid, args: { name } });
    this.emit({ name: 'thread_sort_index', ph: 'M', pid: this.pid, tid, args: { sort_index: sort } });
  }

  private pTid(p: number): number {
    const key = p < 0 ? -1 : p;
    if (!this.pTracks.has(key)) {
      this.pTracks.add(key);
      if (key < 0) this.thread(TID_NO_P, 'No P', 2);
      else this.thread(TID_P0 + p, `P${p}`, 10 + p);
    }
    return key < 0 ? TID_NO_P : TID_P0 + p;
  }

  private gInfo(g: number, fn: string): { fn: string; name: string; tid: number } {
    let x = this.gs.get(g);
    if (x === undefined) {
      x = { fn, name: fn ? `G${g} ${fn}` : `G${g}`, tid: 0 };
      this.gs.set(g, x);
    } else if (x.fn !== fn && fn !== '') {
      x.fn = fn;
      x.name = `G${g} ${fn}`;
    }
    return x;
  }

  private gTid(g: number, fn: string): number {
    const x = this.gInfo(g, fn);
    if (x.tid === 0) {
      x.tid = TID_G0 + this.gTracks++;
      this.thread(x.tid, x.name, 2_000_000 + this.gTracks);
    }
    return x.tid;
  }

  private slice(tid: number, name: string, cat: string, start: number, end: number, args?: Record<string, unknown>, sf?: string): void {
    const ev: ChromeEvent = { name, ph: 'X', pid: this.pid, tid, ts: start / NS_PER_US, dur: Math.max(0, end - start) / NS_PER_US, cat };
    if (sf !== undefined) ev.sf = sf;
    if (args) ev.args = args;
    this.emit(ev);
  }

  generation(): void {
    // Stacks are resolved to frames by the model; the cache is keyed by those arrays.
    this.stacks.newGeneration();
  }

  execution(g: number, fn: string, p: number, start: number, end: number, why: string, label: string): void {
    const tid = this.pTid(p);
    this.outputEvents++;
    this.goroutineSlices++;
    this.out.execution(this.pid, tid, this.gInfo(g, fn).name, start / NS_PER_US, Math.max(0, end - start) / NS_PER_US, why, label);
  }

  syscall(g: number, fn: string, start: number, end: number, stack: Frames): void {
    this.slice(this.gTid(g, fn), 'syscall', 'syscall', start, end, { g }, this.stacks.of(stack)?.[0]);
  }

  assist(g: number, fn: string, start: number, end: number): void {
    this.slice(this.gTid(g, fn), 'GC mark assist', 'gc', start, end);
  }

  region(g: number, fn: string, name: string, task: number, start: number, end: number): void {
    this.slice(this.gTid(g, fn), name, 'region', start, end, { task });
  }

  task(id: number, parent: number, name: string, start: number, end: number): void {
    const common = { name, pid: this.pid, tid: 0, cat: 'task', id: String(id) };
    this.emit({ ...common, ph: 'b', ts: start / NS_PER_US, args: { task: id, parent } });
    this.emit({ ...common, ph: 'e', ts: end / NS_PER_US });
  }

  log(g: number, fn: string, task: number, category: string, message: string, t: number, stack: Frames): void {
    const ev: ChromeEvent = {
      name: category ? `${category}: ${message}` : message,
      ph: 'i',
      s: 't',
      pid: this.pid,
      tid: g > 0 ? this.gTid(g, fn) : this.pTid(-1),
      ts: t / NS_PER_US,
      cat: 'log',
      args: { category, message, task },
    };
    const st = this.stacks.of(stack);
    if (st) ev.sf = st[0];
    this.emit(ev);
  }

  cpuSample(g: number, p: number, t: number, stack: Frames): void {
    if (!this.samples) return;
    const st = this.stacks.of(stack);
    const args: Record<string, unknown> = { g, p };
    if (st) args.stack = st[1];
    const ev: ChromeEvent = { name: 'CPU sample', ph: 'i', s: 't', pid: this.pid, tid: this.pTid(p), ts: t / NS_PER_US, cat: 'cpu', args };
    if (st) ev.sf = st[0];
    this.emit(ev);
  }

  gc(start: number, end: number): void {
    this.slice(TID_GC, 'GC', 'gc', start, end);
  }

  stw(start: number, end: number, reason: string): void {
    this.slice(TID_STW, reason ? `STW (${reason})` : 'STW', 'gc', start, end, { kind: reason });
  }

  sweep(p: number, start: number, end: number, swept: number, reclaimed: number): void {
    this.slice(this.pTid(p), 'GC sweep', 'gc', start, end, { swept, reclaimed });
  }

  metric(name: MetricName, t: number, value: number): void {
    if (!this.counters) return;
    this.emit({ name, ph: 'C', pid: this.pid, tid: 0, ts: t / NS_PER_US, args: { [METRIC_KEY[name]]: value } });
  }

  goroutines(t: number, running: number, runnable: number, waiting: number, syscall: number): void {
    if (!this.counters) return;
    this.outputEvents++;
    this.out.goroutines(this.pid, t / NS_PER_US, running, runnable, waiting, syscall);
  }

  end(): void {}
}
