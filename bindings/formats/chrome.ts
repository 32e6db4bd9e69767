// Chrome Trace Event Format export of Go execution traces (go 1.5 – 1.21 wire, Go1.22+ wire,
// Go's text format), loadable by Perfetto UI and chrome://tracing.
//
//   toChromeTrace(bytes, opts)            → ChromeTrace (the JSON object form, in memory)
//   writeChromeTrace(bytes, write, opts)  → ChromeExportStats; the same JSON, emitted
//                                           progressively in chunks of about 64 KiB
//
// Layout of the output (pid 1 = the Go process):
//   tid 1 "GC"   GC cycles (X), tid 2 "STW" stop-the-world pauses (X);
//   tid 10+n "P<n>"  one per P: goroutine execution slices (X, "G12 main.worker", cat
//                 "goroutine", args {g, end: the event that ended it, label}), syscall entries
//                 (v1 GoSysCall: X of dur 0, cat "syscall"), sweeps (X, cat "gc"), CPU samples
//                 (i, s "t", cat "cpu", sf into stackFrames + args.stack as text);
//   tid 3 "No P" what happened without a P (CPU samples, v2 goroutines running without one);
//   tid 1e9+k "G<n> <func>"  per-goroutine tracks, created on first use: user regions
//                 (X, cat "region"), syscalls that block (v1: GoSysCall → GoSysExit) or all
//                 syscalls (v2: GoSyscallBegin → GoSyscallEnd/EndBlocked), mark assists (X),
//                 user logs (i, cat "log");
//   user tasks: async b/e, cat "task", id = task id; counters (C): HeapAlloc, HeapGoal,
//   Gomaxprocs, Goroutines {running, runnable, waiting, syscall} (one sample per timestamp
//   at which a count changed).
// Execution slices: from GoStart (v1 also GoStartLocal/GoStartLabel; v2 also GoSwitch, and a
// GoStatus "running" for a goroutine not yet running) to the event that takes the goroutine
// off its P: v1 GoSched/GoPreempt/GoBlock*/GoSleep/GoStop/GoEnd/GoSysBlock; v2 GoStop/
// GoBlock/GoDestroy/GoSwitch*, a ProcSteal of the P of a goroutine in a syscall, or
// GoSyscallEndBlocked/GoDestroySyscall when no steal was seen.
// Times: ts and dur in µs (floats) from the trace's first event; displayTimeUnit "ns".
// Slices are emitted when they end (the format does not require sorted events); anything
// still open at the end of the trace is closed at the last event's time, and a region or
// task whose start precedes the trace starts at 0.
//
// Invariants: every slice on a track nests (validateChromeTrace checks it); one goroutine
// slice per execution interval (v1: per GoStart/GoStartLocal/GoStartLabel event). Bad input
// throws the readers' TraceError (with its byte offset). Browser-safe: no Node built-ins.
// Who may touch: the export owner.

import { TraceError, type StackFrame, type TraceEvent } from './event.ts';
import { detectTrace, traceText } from './detect.ts';
import { requireBytesOrText } from './input.ts';
import { forEachEventV1, parseV1 } from './v1/index.ts';
import { EventBuilder, parseTextTrace, runV2, runV2Raw, type Generation, type V2Sink } from './v2/index.ts';

/** One event of the Trace Event Format. */
export interface ChromeEvent {
  name: string;
  ph: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: string | number;
  s?: 'g' | 'p' | 't';
  sf?: string;
  args?: Record<string, unknown>;
}

/** A node of the stackFrames dictionary. */
export interface ChromeStackFrame {
  name: string;
  category: string;
  parent?: string;
}

/** The JSON object form. */
export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns' | 'ms';
  stackFrames: Record<string, ChromeStackFrame>;
  otherData: Record<string, string | number>;
}

export interface ChromeOptions {
  /** Emit counter events (heap, goroutines by state, GOMAXPROCS). Default true. */
  counters?: boolean;
  /** Emit CPU samples. Default true. */
  cpuSamples?: boolean;
  /** pid of the Go process. Default 1. */
  pid?: number;
}

/** What an export saw. */
export interface ChromeExportStats {
  /** 'v1' | 'v2' | 'text' */
  kind: string;
  /** 'go1.19', 'go1.23', ... */
  format: string;
  /** Trace events read. */
  inputEvents: number;
  /** Chrome events written (stackFrames entries not counted). */
  outputEvents: number;
  /** Goroutine execution slices. */
  goroutineSlices: number;
  stackFrames: number;
  /** Characters of JSON written (writeChromeTrace only; 0 for toChromeTrace). */
  chars: number;
}

/** Track ids. */
export const TID_GC = 1;
export const TID_STW = 2;
export const TID_NO_P = 3;
export const TID_P0 = 10;
export const TID_G0 = 1_000_000_000;

const NS_PER_US = 1000;

/** Frames of a stack id, innermost first; undefined when unknown. */
type FrameLookup = (stack: number) => StackFrame[] | undefined;

type GState = 'running' | 'runnable' | 'waiting' | 'syscall';

interface GInfo {
  id: number;
  /** Top frame of the start stack ("main.worker"), or ''. */
  fn: string;
  /** "G12 main.worker" (cached; '' until first needed). */
  name: string;
  state: GState | null;
  /** Open execution slice: P, start (ns), label; p = -1 when none open. */
  runP: number;
  runStart: number;
  label: string;
  /** Open blocking syscall: start ns, -1 when none. */
  sysStart: number;
  /** Last syscall entry (v1 GoSysCall) while running: ns and stack. */
  lastSysCall: number;
  lastSysStack: string | undefined;
  /** Open mark assist start ns, -1 when none. */
  assistStart: number;
  /** Open user regions (innermost last). */
  regions: { name: string; task: number; start: number }[];
  /** Track tid, 0 until created. */
  tid: number;
}

function pValid(p: number): boolean {
  return p >= 0 && p < PSEUDO_P_MAX;
}

/** Go 1.19's presentation pseudo-Ps (FakeP ... ProfileP), should a reader report them. */
const PSEUDO_P = 1_000_000;
const PSEUDO_P_MAX = 1_000_006;
const PSEUDO_NAMES = ['Runtime', 'Timers', 'Network', 'Syscalls', 'GC workers', 'Profile'];

function gValid(g: number): boolean {
  return g > 0 && g < 2 ** 53;
}

/**
 * The format-independent part: goroutine/P/GC state and the Chrome events it produces.
 * Each reader front end feeds it TraceEvents in order, plus a frame lookup for stacks.
 */
class Converter {
  private readonly pid: number;
  private readonly counters: boolean;
  private readonly samples: boolean;
  private readonly gs = new Map<number, GInfo>();
  /** P → goroutine with an open execution slice on it. */
  private readonly pRun = new Map<number, number>();
  private readonly pTracks = new Set<number>();
  private gTracks = 0;
  private readonly sweep = new Map<number, number>();
  private gcStart = -1;
  private gcSeq = 0;
  private stwStart = -1;
  private stwKind = '';
  /** Open tasks: id → name. */
  private readonly tasks = new Map<number, string>();
  private readonly gCount: Record<GState, number> = { running: 0, runnable: 0, waiting: 0, syscall: 0 };
  private gDirtyTs = -1;
  /** stackFrames: key "parent|func|file|line" → id. */
  private readonly frameIds = new Map<string, string>();
  readonly stackFrames: Record<string, ChromeStackFrame> = {};
  private nFrames = 0;
  /** Latest event time (ns). */
  lastTs = 0;
  inputEvents = 0;
  outputEvents = 0;
  goroutineSlices = 0;
  frames: FrameLookup = () => undefined;
  /** Per-stack-id cache of [sf, text], cleared when stack ids change meaning (v2 generations). */
  stackCache = new Map<number, [string, string] | null>();

  constructor(
    private readonly out: (ev: ChromeEvent) => void,
    opts: ChromeOptions,
  ) {
    this.pid = opts.pid ?? 1;
    this.counters = opts.counters ?? true;
    this.samples = opts.cpuSamples ?? true;
    this.emit({ name: 'process_name', ph: 'M', pid: this.pid, args: { name: 'Go process' } });
    this.thread(TID_GC, 'GC', 0);
    this.thread(TID_STW, 'STW', 1);
  }

  private emit(ev: ChromeEvent): void {
    this.outputEvents++;
    this.out(ev);
  }

  private thread(tid: number, name: string, sort: number): void {
    this.emit({ name: 'thread_name', ph: 'M', pid: this.pid, tid, args: { name } });
    this.emit({ name: 'thread_sort_index', ph: 'M', pid: this.pid, tid, args: { sort_index: sort } });
  }

  private pTid(p: number): number {
    if (!pValid(p)) {
      if (!this.pTracks.has(-1)) {
        this.pTracks.add(-1);
        this.thread(TID_NO_P, 'No P', 2);
      }
      return TID_NO_P;
    }
    if (!this.pTracks.has(p)) {
      this.pTracks.add(p);
      this.thread(TID_P0 + p, p >= PSEUDO_P ? PSEUDO_NAMES[p - PSEUDO_P] : `P${p}`, 10 + p);
    }
    return TID_P0 + p;
  }

  private g(id: number): GInfo {
    let g = this.gs.get(id);
    if (g === undefined) {
      g = {
        id,
        fn: '',
        name: '',
        state: null,
        runP: -1,
        runStart: 0,
        label: '',
        sysStart: -1,
        lastSysCall: -1,
        lastSysStack: undefined,
        assistStart: -1,
        regions: [],
        tid: 0,
      };
      this.gs.set(id, g);
    }
    return g;
  }

  private gName(g: GInfo): string {
    if (g.name === '') g.name = g.fn ? `G${g.id} ${g.fn}` : `G${g.id}`;
    return g.name;
  }

  private gTid(g: GInfo): number {
    if (g.tid === 0) {
      g.tid = TID_G0 + this.gTracks++;
      this.thread(g.tid, this.gName(g), 2_000_000 + this.gTracks);
    }
    return g.tid;
  }

  /** The stackFrames id and text of a stack id (undefined: none). */
  stackOf(stack: number): [string, string] | undefined {
    if (stack === 0) return undefined;
    let c = this.stackCache.get(stack);
    if (c === undefined) {
      c = null;
      const frames = this.frames(stack);
      if (frames && frames.length > 0) {
        let parent = '';
        for (let i = frames.length - 1; i >= 0; i--) {
          const f = frames[i];
          const key = `${parent}|${f.func}|${f.file}|${f.line}`;
          let id = this.frameIds.get(key);
          if (id === undefined) {
            id = String(++this.nFrames);
            this.frameIds.set(key, id);
            const node: ChromeStackFrame = { name: f.func || `0x${f.pc.toString(16)}`, category: `${f.file}:${f.line}` };
            if (parent) node.parent = parent;
            this.stackFrames[id] = node;
          }
          parent = id;
        }
        let text = '';
        for (let i = 0; i < frames.length; i++) text += `${i ? '\n' : ''}${frames[i].func} ${frames[i].file}:${frames[i].line}`;
        c = [parent, text];
      }
      this.stackCache.set(stack, c);
    }
    return c ?? undefined;
  }

  private topFunc(stack: number): string {
    const f = stack ? this.frames(stack) : undefined;
    return f && f.length > 0 ? f[0].func : '';
  }

  // --- goroutine states -------------------------------------------------------------

  private setState(g: GInfo, s: GState | null, ts: number): void {
    if (g.state === s) return;
    if (g.state !== null) this.gCount[g.state]--;
    if (s !== null) this.gCount[s]++;
    g.state = s;
    if (this.counters) this.gDirtyTs = ts;
  }

  private flushGCounter(): void {
    if (this.gDirtyTs < 0) return;
    const c = this.gCount;
    this.emit({
      name: 'Goroutines',
      ph: 'C',
      pid: this.pid,
      tid: 0,
      ts: this.gDirtyTs / NS_PER_US,
      args: { running: c.running, runnable: c.runnable, waiting: c.waiting, syscall: c.syscall },
    });
    this.gDirtyTs = -1;
  }

  private counter(name: string, ts: number, args: Record<string, number>): void {
    if (!this.counters) return;
    this.emit({ name, ph: 'C', pid: this.pid, tid: 0, ts: ts / NS_PER_US, args });
  }

  /** Call before handling an event at time ts. */
  begin(ts: number): void {
    this.inputEvents++;
    if (this.gDirtyTs >= 0 && ts !== this.gDirtyTs) this.flushGCounter();
    if (ts > this.lastTs) this.lastTs = ts;
  }

  // --- slices -----------------------------------------------------------------------

  private slice(tid: number, name: string, cat: string, start: number, end: number, args?: Record<string, unknown>, sf?: string): void {
    const ev: ChromeEvent = { name, ph: 'X', pid: this.pid, tid, ts: start / NS_PER_US, dur: Math.max(0, end - start) / NS_PER_US, cat };
    if (sf !== undefined) ev.sf = sf;
    if (args) ev.args = args;
    this.emit(ev);
  }

  /** Goroutine `gid` starts running on P `p`. */
  goRun(gid: number, p: number, ts: number, label = ''): void {
    const g = this.g(gid);
    if (g.runP >= 0 || g.runP === -2) this.goOff(gid, ts, 'restarted');
    const prev = this.pRun.get(p);
    if (prev !== undefined) this.goOff(prev, ts, 'replaced');
    g.runP = pValid(p) ? p : -2;
    g.runStart = ts;
    g.label = label;
    g.lastSysCall = -1;
    if (pValid(p)) this.pRun.set(p, gid);
    this.setState(g, 'running', ts);
  }

  /** Goroutine `gid` leaves its P (if it had an open execution slice); `end` names why. */
  goOff(gid: number, ts: number, end: string): void {
    const g = this.gs.get(gid);
    if (g === undefined || g.runP === -1) return;
    const p = g.runP === -2 ? -1 : g.runP;
    const args: Record<string, unknown> = { g: gid, end };
    if (g.label) args.label = g.label;
    this.slice(this.pTid(p), this.gName(g), 'goroutine', g.runStart, ts, args);
    this.goroutineSlices++;
    if (p >= 0 && this.pRun.get(p) === gid) this.pRun.delete(p);
    g.runP = -1;
  }

  /** True if the goroutine has an open execution slice. */
  isRunning(gid: number): boolean {
    const g = this.gs.get(gid);
    return g !== undefined && g.runP !== -1;
  }

  /** The goroutine running on P p, or -1. */
  runningOn(p: number): number {
    return this.pRun.get(p) ?? -1;
  }

  goState(gid: number, s: GState | null, ts: number): void {
    if (!gValid(gid)) return;
    this.setState(this.g(gid), s, ts);
  }

  goCreated(gid: number, startStack: number, ts: number, s: GState): void {
    if (!gValid(gid)) return;
    const g = this.g(gid);
    const fn = this.topFunc(startStack);
    if (fn) {
      g.fn = fn;
      g.name = '';
    }
    this.setState(g, s, ts);
  }

  /** v1 GoSysCall: a syscall entry (dur 0 on the P track, inside the goroutine's slice). */
  sysCallEntry(gid: number, p: number, ts: number, stack: number): void {
    const st = this.stackOf(stack);
    if (gValid(gid)) {
      const g = this.g(gid);
      g.lastSysCall = ts;
      g.lastSysStack = st?.[0];
    }
    this.slice(this.pTid(p), 'syscall', 'syscall', ts, ts, { g: gid }, st?.[0]);
  }

  /** A syscall that blocks (or is entered, v2) starts on the goroutine track. */
  sysBegin(gid: number, ts: number, stack?: number): void {
    if (!gValid(gid)) return;
    const g = this.g(gid);
    if (g.sysStart >= 0) this.sysEnd(gid, ts);
    if (stack !== undefined) {
      g.lastSysCall = ts;
      g.lastSysStack = this.stackOf(stack)?.[0];
    }
    g.sysStart = g.lastSysCall >= 0 ? g.lastSysCall : ts;
    this.setState(g, 'syscall', ts);
  }

  sysEnd(gid: number, ts: number): void {
    const g = this.gs.get(gid);
    if (g === undefined || g.sysStart < 0) return;
    this.slice(this.gTid(g), 'syscall', 'syscall', g.sysStart, Math.max(ts, g.sysStart), { g: gid }, g.lastSysStack);
    g.sysStart = -1;
    g.lastSysCall = -1;
  }

  inSyscall(gid: number): boolean {
    const g = this.gs.get(gid);
    return g !== undefined && g.sysStart >= 0;
  }

  gcBegin(ts: number, seq: number): void {
    if (this.gcStart >= 0) this.gcEnd(ts);
    this.gcStart = ts;
    this.gcSeq = seq;
  }

  gcEnd(ts: number): void {
    if (this.gcStart < 0) return;
    this.slice(TID_GC, 'GC', 'gc', this.gcStart, ts, { seq: this.gcSeq });
    this.gcStart = -1;
  }

  gcActive(): boolean {
    return this.gcStart >= 0;
  }

  stwBegin(ts: number, kind: string): void {
    if (this.stwStart >= 0) this.stwEnd(ts);
    this.stwStart = ts;
    this.stwKind = kind;
  }

  stwEnd(ts: number): void {
    if (this.stwStart < 0) return;
    this.slice(TID_STW, this.stwKind ? `STW (${this.stwKind})` : 'STW', 'gc', this.stwStart, ts, { kind: this.stwKind });
    this.stwStart = -1;
  }

  sweepBegin(p: number, ts: number): void {
    if (this.sweep.has(p)) return;
    this.sweep.set(p, ts);
  }

  sweepEnd(p: number, ts: number, args?: Record<string, number>): void {
    const start = this.sweep.get(p);
    if (start === undefined) return;
    this.sweep.delete(p);
    this.slice(this.pTid(p), 'GC sweep', 'gc', start, ts, args);
  }

  assistBegin(gid: number, ts: number): void {
    if (!gValid(gid)) return;
    const g = this.g(gid);
    if (g.assistStart < 0) g.assistStart = ts;
  }

  assistEnd(gid: number, ts: number): void {
    const g = this.gs.get(gid);
    if (g === undefined || g.assistStart < 0) return;
    this.slice(this.gTid(g), 'GC mark assist', 'gc', g.assistStart, ts);
    g.assistStart = -1;
  }

  heap(name: string, ts: number, bytes: number): void {
    this.counter(name, ts, { bytes });
  }

  procs(ts: number, n: number): void {
    this.counter('Gomaxprocs', ts, { procs: n });
  }

  taskBegin(id: number, parent: number, name: string, ts: number): void {
    if (this.tasks.has(id)) this.taskEnd(id, ts);
    this.tasks.set(id, name);
    this.emit({ name, ph: 'b', pid: this.pid, tid: 0, ts: ts / NS_PER_US, cat: 'task', id: String(id), args: { task: id, parent } });
  }

  taskEnd(id: number, ts: number): void {
    let name = this.tasks.get(id);
    if (name === undefined) {
      // Created before the trace started.
      name = `task ${id}`;
      this.emit({ name, ph: 'b', pid: this.pid, tid: 0, ts: 0, cat: 'task', id: String(id), args: { task: id } });
    }
    this.tasks.delete(id);
    this.emit({ name, ph: 'e', pid: this.pid, tid: 0, ts: ts / NS_PER_US, cat: 'task', id: String(id) });
  }

  regionBegin(gid: number, task: number, name: string, ts: number): void {
    if (!gValid(gid)) return;
    this.g(gid).regions.push({ name, task, start: ts });
  }

  regionEnd(gid: number, task: number, name: string, ts: number): void {
    if (!gValid(gid)) return;
    const g = this.g(gid);
    const r = g.regions;
    let i = r.length - 1;
    while (i >= 0 && r[i].name !== name) i--;
    if (i < 0) {
      // Began before the trace started: from 0, around everything still open.
      this.slice(this.gTid(g), name, 'region', 0, ts, { task });
      return;
    }
    // Regions nest; an end for an outer one closes the inner ones too.
    while (r.length > i) {
      const x = r.pop()!;
      this.slice(this.gTid(g), x.name, 'region', x.start, ts, { task: x.task });
    }
  }

  log(gid: number, task: number, category: string, message: string, ts: number, stack: number): void {
    const tid = gValid(gid) ? this.gTid(this.g(gid)) : TID_NO_P;
    if (tid === TID_NO_P) this.pTid(-1);
    const ev: ChromeEvent = {
      name: category ? `${category}: ${message}` : message,
      ph: 'i',
      s: 't',
      pid: this.pid,
      tid,
      ts: ts / NS_PER_US,
      cat: 'log',
      args: { category, message, task },
    };
    const st = this.stackOf(stack);
    if (st) ev.sf = st[0];
    this.emit(ev);
  }

  cpuSample(p: number, gid: number, ts: number, stack: number): void {
    if (!this.samples) return;
    const st = this.stackOf(stack);
    const args: Record<string, unknown> = { g: gValid(gid) ? gid : 0, p: pValid(p) ? p : -1 };
    if (st) args.stack = st[1];
    const ev: ChromeEvent = { name: 'CPU sample', ph: 'i', s: 't', pid: this.pid, tid: this.pTid(p), ts: ts / NS_PER_US, cat: 'cpu', args };
    if (st) ev.sf = st[0];
    this.emit(ev);
  }

  /** Close everything still open at the end of the trace. */
  finish(): void {
    const t = this.lastTs;
    if (this.gDirtyTs >= 0) this.flushGCounter();
    for (const g of this.gs.values()) {
      if (g.runP !== -1) this.goOff(g.id, t, 'end of trace');
      this.sysEnd(g.id, t);
      this.assistEnd(g.id, t);
      while (g.regions.length > 0) {
        const x = g.regions.pop()!;
        this.slice(this.gTid(g), x.name, 'region', x.start, t, { task: x.task });
      }
    }
    for (const p of [...this.sweep.keys()]) this.sweepEnd(p, t);
    this.gcEnd(t);
    this.stwEnd(t);
    for (const id of [...this.tasks.keys()]) this.taskEnd(id, t);
  }
}

// --- v1 ---------------------------------------------------------------------------------

function v1Event(c: Converter, ev: TraceEvent): void {
  const ts = ev.ts;
  c.begin(ts);
  const a = ev.args;
  switch (ev.name) {
    case 'GoCreate':
      c.goCreated(a.g, a.stack, ts, 'runnable');
      break;
    case 'GoStart':
    case 'GoStartLocal':
      c.goRun(a.g, ev.p, ts);
      break;
    case 'GoStartLabel':
      c.goRun(a.g, ev.p, ts, ev.strings?.label ?? '');
      break;
    case 'GoEnd':
      c.goOff(ev.g, ts, ev.name);
      c.goState(ev.g, null, ts);
      break;
    case 'GoSched':
    case 'GoPreempt':
      c.goOff(ev.g, ts, ev.name);
      c.goState(ev.g, 'runnable', ts);
      break;
    case 'GoStop':
    case 'GoSleep':
    case 'GoBlock':
    case 'GoBlockSend':
    case 'GoBlockRecv':
    case 'GoBlockSelect':
    case 'GoBlockSync':
    case 'GoBlockCond':
    case 'GoBlockNet':
    case 'GoBlockGC':
      c.goOff(ev.g, ts, ev.name);
      c.goState(ev.g, 'waiting', ts);
      break;
    case 'GoSysCall':
      c.sysCallEntry(ev.g, ev.p, ts, ev.stack);
      break;
    case 'GoSysBlock':
      c.goOff(ev.g, ts, ev.name);
      c.sysBegin(ev.g, ts);
      break;
    case 'GoSysExit':
    case 'GoSysExitLocal':
      c.sysEnd(a.g, ts);
      c.goState(a.g, 'runnable', ts);
      break;
    case 'GoInSyscall':
      c.sysBegin(a.g, ts);
      break;
    case 'GoUnblock':
    case 'GoUnblockLocal':
      c.goState(a.g, 'runnable', ts);
      break;
    case 'GoWaiting':
      c.goState(a.g, 'waiting', ts);
      break;
    case 'GCStart':
      c.gcBegin(ts, a.seq ?? 0);
      break;
    case 'GCDone':
      c.gcEnd(ts);
      break;
    case 'GCSTWStart':
    case 'STWStart': // Go 1.21's name
      c.stwBegin(ts, ev.strings?.kind ?? '');
      break;
    case 'GCSTWDone':
    case 'STWDone':
      c.stwEnd(ts);
      break;
    case 'GCSweepStart':
      c.sweepBegin(ev.p, ts);
      break;
    case 'GCSweepDone':
      c.sweepEnd(ev.p, ts, a.swept !== undefined ? { swept: a.swept, reclaimed: a.reclaimed } : undefined);
      break;
    case 'GCMarkAssistStart':
      c.assistBegin(ev.g, ts);
      break;
    case 'GCMarkAssistDone':
      c.assistEnd(ev.g, ts);
      break;
    case 'HeapAlloc':
      c.heap('HeapAlloc', ts, a.mem);
      break;
    case 'HeapGoal':
      c.heap('HeapGoal', ts, a.mem);
      break;
    case 'Gomaxprocs':
      c.procs(ts, a.procs);
      break;
    case 'UserTaskCreate':
      c.taskBegin(a.taskid, a.pid, ev.strings?.name ?? '', ts);
      break;
    case 'UserTaskEnd':
      c.taskEnd(a.taskid, ts);
      break;
    case 'UserRegion':
      if (a.mode === 0) c.regionBegin(ev.g, a.taskid, ev.strings?.name ?? '', ts);
      else c.regionEnd(ev.g, a.taskid, ev.strings?.name ?? '', ts);
      break;
    case 'UserLog':
      c.log(ev.g, a.id, ev.strings?.category ?? '', ev.strings?.message ?? '', ts, ev.stack);
      break;
    case 'CPUSample':
      c.cpuSample(ev.p, a.g, ts, ev.stack);
      break;
  }
}

// --- v2 ---------------------------------------------------------------------------------

const V2_RUNNING = 2;
const V2_SYSCALL = 3;
const V2_STATES: Array<GState | null> = [null, 'runnable', 'running', 'syscall', 'waiting'];

function v2Event(c: Converter, ev: TraceEvent): void {
  const ts = ev.ts;
  c.begin(ts);
  const a = ev.args;
  const s = ev.strings;
  switch (ev.name) {
    case 'GoStatus':
    case 'GoStatusStack': {
      const st = a.gstatus;
      if (st === V2_RUNNING) {
        // Repeated at every generation: only a goroutine not yet running starts a slice.
        if (!c.isRunning(a.g)) c.goRun(a.g, ev.p, ts);
        else c.goState(a.g, 'running', ts);
      } else if (st === V2_SYSCALL) {
        if (!c.inSyscall(a.g)) c.sysBegin(a.g, ts);
      } else {
        c.goState(a.g, V2_STATES[st] ?? null, ts);
      }
      break;
    }
    case 'GoCreate':
      c.goCreated(a.new_g, a.new_stack, ts, 'runnable');
      break;
    case 'GoCreateBlocked':
      c.goCreated(a.new_g, a.new_stack, ts, 'waiting');
      break;
    case 'GoCreateSyscall':
      c.goCreated(a.new_g, 0, ts, 'syscall');
      c.sysBegin(a.new_g, ts);
      break;
    case 'GoStart':
      c.goRun(a.g, ev.p, ts);
      break;
    case 'GoStop':
      c.goOff(ev.g, ts, s?.reason_string ? `GoStop: ${s.reason_string}` : 'GoStop');
      c.goState(ev.g, 'runnable', ts);
      break;
    case 'GoBlock':
      c.goOff(ev.g, ts, s?.reason_string ? `GoBlock: ${s.reason_string}` : 'GoBlock');
      c.goState(ev.g, 'waiting', ts);
      break;
    case 'GoDestroy':
      c.goOff(ev.g, ts, 'GoDestroy');
      c.goState(ev.g, null, ts);
      break;
    case 'GoUnblock':
      c.goState(a.g, 'runnable', ts);
      break;
    case 'GoSwitch':
    case 'GoSwitchDestroy': {
      const from = ev.g;
      c.goOff(from, ts, ev.name);
      c.goState(from, ev.name === 'GoSwitch' ? 'waiting' : null, ts);
      c.goRun(a.g, ev.p, ts);
      break;
    }
    case 'GoSyscallBegin':
      c.sysBegin(ev.g, ts, ev.stack);
      break;
    case 'GoSyscallEnd':
      c.sysEnd(ev.g, ts);
      c.goState(ev.g, 'running', ts);
      break;
    case 'GoSyscallEndBlocked':
      c.sysEnd(ev.g, ts);
      c.goOff(ev.g, ts, 'GoSyscallEndBlocked');
      c.goState(ev.g, 'runnable', ts);
      break;
    case 'GoDestroySyscall':
      c.sysEnd(ev.g, ts);
      c.goOff(ev.g, ts, 'GoDestroySyscall');
      c.goState(ev.g, null, ts);
      break;
    case 'ProcSteal': {
      // The P of a goroutine in a syscall is taken: its execution slice on that P ends.
      const g = c.runningOn(a.p);
      if (g >= 0) c.goOff(g, ts, 'ProcSteal');
      break;
    }
    case 'ProcStop': {
      const g = c.runningOn(ev.p);
      if (g >= 0) c.goOff(g, ts, 'ProcStop');
      break;
    }
    case 'STWBegin':
      c.stwBegin(ts, s?.kind_string ?? '');
      break;
    case 'STWEnd':
      c.stwEnd(ts);
      break;
    case 'GCBegin':
      c.gcBegin(ts, a.gc_seq);
      break;
    case 'GCActive':
      if (!c.gcActive()) c.gcBegin(ts, a.gc_seq);
      break;
    case 'GCEnd':
      c.gcEnd(ts);
      break;
    case 'GCSweepBegin':
      c.sweepBegin(ev.p, ts);
      break;
    case 'GCSweepActive':
      c.sweepBegin(a.p, ts);
      break;
    case 'GCSweepEnd':
      c.sweepEnd(ev.p, ts, { swept: a.swept_value, reclaimed: a.reclaimed_value });
      break;
    case 'GCMarkAssistBegin':
      c.assistBegin(ev.g, ts);
      break;
    case 'GCMarkAssistActive':
      c.assistBegin(a.g, ts);
      break;
    case 'GCMarkAssistEnd':
      c.assistEnd(ev.g, ts);
      break;
    case 'HeapAlloc':
      c.heap('HeapAlloc', ts, a.heapalloc_value);
      break;
    case 'HeapGoal':
      c.heap('HeapGoal', ts, a.heapgoal_value);
      break;
    case 'ProcsChange':
      c.procs(ts, a.procs_value);
      break;
    case 'UserTaskBegin':
      c.taskBegin(a.task, a.parent_task, s?.name_string ?? '', ts);
      break;
    case 'UserTaskEnd':
      c.taskEnd(a.task, ts);
      break;
    case 'UserRegionBegin':
      c.regionBegin(ev.g, a.task, s?.name_string ?? '', ts);
      break;
    case 'UserRegionEnd':
      c.regionEnd(ev.g, a.task, s?.name_string ?? '', ts);
      break;
    case 'UserLog':
      c.log(ev.g, a.task, s?.key_string ?? '', s?.value_string ?? '', ts, ev.stack);
      break;
    case 'CPUSample':
      c.cpuSample(ev.p, ev.g, ts, ev.stack);
      break;
  }
}

/** A V2Sink that turns each event into Chrome events as it comes (keeps no events). */
class ChromeV2Sink implements V2Sink {
  private readonly b = new EventBuilder();
  private gen: Generation | null = null;
  constructor(private readonly c: Converter) {
    c.frames = (id) => this.frames(id);
  }
  private frames(id: number): StackFrame[] | undefined {
    const g = this.gen;
    if (!g) return undefined;
    const pcs = g.stacks.get(id);
    if (!pcs) return undefined;
    const out: StackFrame[] = [];
    for (const pc of pcs) {
      const f = g.frames.get(pc);
      out.push(f ? { pc, func: g.string(f.funcID) ?? '', file: g.string(f.fileID) ?? '', line: f.line } : { pc, func: '', file: '', line: 0 });
    }
    return out;
  }
  generation(g: Generation): void {
    this.gen = g;
    this.c.stackCache.clear(); // stack ids are per generation
    this.b.generation(g);
  }
  event(type: number, time: number, g: number, p: number, m: number, args: number[], offset: number): void {
    this.b.event(type, time, g, p, m, args, offset);
    v2Event(this.c, this.b.events.pop()!);
  }
}

// --- entry points -----------------------------------------------------------------------

function wrap(e: unknown): TraceError {
  if (e instanceof TraceError) return e;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new TraceError(`internal error: ${msg}`, -1);
}

/** Run the right reader over `bytes`, feeding `c`. Returns [kind, format]. Throws TraceError. */
function convert(input: Uint8Array | string, c: Converter): [string, string] {
  input = requireBytesOrText(input); // a TraceError, not a TypeError, for anything else
  const det = detectTrace(input);
  if (det.kind === 'v1') {
    let tr;
    try {
      tr = parseV1(input as Uint8Array);
    } catch (e) {
      throw wrap(e);
    }
    c.frames = (id) => tr.stacks.get(id);
    forEachEventV1(tr, (ev) => v1Event(c, ev));
  } else {
    const sink = new ChromeV2Sink(c);
    let res;
    if (det.kind === 'text') {
      const text = traceText(typeof input === 'string' ? input : new TextDecoder().decode(input));
      const raw = parseTextTrace(text);
      if (raw instanceof TraceError) throw raw;
      res = runV2Raw(raw, sink);
    } else {
      res = runV2(input as Uint8Array, sink);
    }
    if (res.error) throw res.error;
  }
  c.finish();
  return [det.kind, det.format];
}

/** Convert a trace (v1/v2 wire bytes or Go's text format) to the Chrome JSON object. Throws TraceError. */
export function toChromeTrace(input: Uint8Array | string, opts: ChromeOptions = {}): ChromeTrace {
  const events: ChromeEvent[] = [];
  const c = new Converter((ev) => events.push(ev), opts);
  const [kind, format] = convert(input, c);
  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    stackFrames: c.stackFrames,
    otherData: { generator: 'gotracesim', kind, format, inputEvents: c.inputEvents },
  };
}

/**
 * JSON text of ChromeEvents, as JSON.parse(JSON.stringify(ev)) would read back, without
 * JSON.stringify's generic walk: the event's fields are known, and the strings of a trace
 * (goroutine names, stack texts, categories) repeat, so their quoted forms are cached.
 */
class Serializer {
  private readonly quoted = new Map<string, string>();

  q(s: string): string {
    let r = this.quoted.get(s);
    if (r === undefined) {
      r = JSON.stringify(s);
      if (this.quoted.size < 50_000) this.quoted.set(s, r);
    }
    return r;
  }

  value(v: unknown): string {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'string') return this.q(v);
    return JSON.stringify(v) ?? 'null';
  }

  /**
   * A time in µs that is a whole number of ns, written as integer µs and three decimals
   * (integer formatting is much cheaper than the shortest round-trip form of a double; the
   * decimal text parses back to the same double). Anything else: String(v).
   */
  us(v: number): string {
    const ns = Math.round(v * 1000);
    if (ns / 1000 !== v || ns < 0 || ns > Number.MAX_SAFE_INTEGER) return this.value(v);
    const i = Math.floor(ns / 1000);
    const f = ns - i * 1000;
    if (f === 0) return String(i);
    return i + (f < 10 ? '.00' : f < 100 ? '.0' : '.') + f;
  }

  /** '"key":' by key. */
  private readonly keys = new Map<string, string>();

  args(a: Record<string, unknown>): string {
    let s = '{';
    let sep = false;
    for (const k in a) {
      const v = a[k];
      if (v === undefined) continue;
      let kq = this.keys.get(k);
      if (kq === undefined) {
        kq = JSON.stringify(k) + ':';
        this.keys.set(k, kq);
      }
      if (sep) s += ',';
      sep = true;
      s += kq;
      s += typeof v === 'number' && (v | 0) === v ? String(v) : this.value(v);
    }
    return s + '}';
  }

  event(ev: ChromeEvent): string {
    if (ev.ph === 'C' && ev.tid !== undefined && ev.ts !== undefined && ev.args !== undefined) {
      // Counters are about half of all events: the shortest path.
      return '{"name":' + this.q(ev.name) + ',"ph":"C","pid":' + ev.pid + ',"tid":' + ev.tid + ',"ts":' + this.us(ev.ts!) + ',"args":' + this.args(ev.args!) + '}';
    }
    let s = '{"name":' + this.q(ev.name) + ',"ph":"' + ev.ph + '","pid":' + ev.pid;
    if (ev.tid !== undefined) s += ',"tid":' + ev.tid;
    if (ev.ts !== undefined) s += ',"ts":' + this.us(ev.ts);
    if (ev.dur !== undefined) s += ',"dur":' + this.us(ev.dur);
    if (ev.cat !== undefined) s += ',"cat":' + this.q(ev.cat);
    if (ev.id !== undefined) s += ',"id":' + this.value(ev.id);
    if (ev.s !== undefined) s += ',"s":"' + ev.s + '"';
    if (ev.sf !== undefined) s += ',"sf":' + this.q(ev.sf);
    if (ev.args !== undefined) s += ',"args":' + this.args(ev.args);
    return s + '}';
  }
}

/** Chunk size (characters) of writeChromeTrace's output. */
const CHUNK = 1 << 16;

/**
 * Convert a trace to Chrome JSON text, handing it to `write` in pieces of about 64 KiB as the
 * events are produced (the whole JSON never exists as one string). The pieces concatenated
 * parse to the same object as toChromeTrace returns. Throws TraceError on bad input, possibly
 * after some pieces were written (write to a temporary file and discard it on error).
 */
export function writeChromeTrace(input: Uint8Array | string, write: (s: string) => void, opts: ChromeOptions = {}): ChromeExportStats {
  // Pieces are collected in an array and joined per chunk: appending to one string would
  // build a deep rope that V8 flattens at every write.
  let parts: string[] = ['{"displayTimeUnit":"ns","traceEvents":['];
  let size = 0;
  let chars = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const s = parts.join('');
    parts = [];
    size = 0;
    chars += s.length;
    write(s);
  };
  const ser = new Serializer();
  let sep = '\n';
  const c = new Converter((ev) => {
    const s = ser.event(ev);
    parts.push(sep, s);
    sep = ',\n';
    size += s.length + 2;
    if (size >= CHUNK) flush();
  }, opts);
  const [kind, format] = convert(input, c);
  parts.push('\n],"stackFrames":{');
  sep = '\n';
  for (const id in c.stackFrames) {
    const s = `${JSON.stringify(id)}:${JSON.stringify(c.stackFrames[id])}`;
    parts.push(sep, s);
    sep = ',\n';
    size += s.length + 2;
    if (size >= CHUNK) flush();
  }
  parts.push(`\n},"otherData":${JSON.stringify({ generator: 'gotracesim', kind, format, inputEvents: c.inputEvents })}}\n`);
  flush();
  return {
    kind,
    format,
    inputEvents: c.inputEvents,
    outputEvents: c.outputEvents,
    goroutineSlices: c.goroutineSlices,
    stackFrames: Object.keys(c.stackFrames).length,
    chars,
  };
}
