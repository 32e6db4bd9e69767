// Measures of one program run, real or simulated, read from its trace and CPU profile with this
// package's own readers (the trace model, runModel, and pprof-format). Both runs go through the
// same code, so a difference in a measure is a difference in the programs' behaviour.
//
//   measureTrace(bytes, funcs)    wire event counts by type, the span, the goroutines seen, the
//                                 GC cycles, the bytes allocated (the HeapAlloc metric's rises:
//                                 the heap grows by each allocation and drops only when a cycle
//                                 ends), and per function of `funcs` (a goroutine belongs to
//                                 it once one of its block stacks holds it): its time.Sleep calls,
//                                 each sleep's length (block → timer wake) and each wake's
//                                 latency (timer wake → running)
//   measureProfile(bytes)         the profile's duration and its samples per pprof label value
//
// Invariants: a bad trace or profile throws one Error naming what is wrong; times are in ns.
// Who may touch: the realism test owner.

import { runModel, type TraceEventView, type TraceModelSink } from '../../bindings/formats/index.ts';
import * as model from '../../bindings/formats/trace/model.ts';
import { decodeProfile } from '../../bindings/formats/pprof.ts';

export interface TraceMeasures {
  /** Time from the first to the last event (ns). */
  spanNs: number;
  /** Events that come from the input (not inferred by the reader), by wire type name. */
  counts: Record<string, number>;
  /** Distinct goroutines the trace names (as an event's own goroutine or as a transition's). */
  goroutines: number;
  /** GC cycles that began inside the trace. */
  gcs: number;
  /** Sum of the HeapAlloc metric's rises (bytes). */
  allocatedBytes: number;
  /** Per watched function: what its goroutines' sleeps did. */
  sleeps: Record<string, SleepMeasures>;
}

export interface SleepMeasures {
  goroutines: number;
  /** "sleep" blocks. */
  count: number;
  /** Block → wake (Waiting→Runnable), per sleep that woke. */
  sleptNs: number[];
  /** Wake → start (Runnable→Running), per wake that ran. */
  wakeToRunNs: number[];
}

export interface ProfileMeasures {
  durationNs: number;
  /** Samples (the first sample value) per "key=value" pprof label; unlabelled ones under "". */
  samplesByLabel: Record<string, number>;
  samples: number;
}

/** A goroutine's sleep in progress: when it blocked, then when the timer woke it. */
interface Sleeping {
  blocked: number;
  woke: number;
}

/** The model sink behind measureTrace: one pass, no events kept. */
class TraceMeter implements TraceModelSink {
  first = -1;
  last = 0;
  readonly counts: Record<string, number> = {};
  readonly gs = new Set<number>();
  gcs = 0;
  allocated = 0;
  private heap = -1;
  readonly sleeps: Record<string, SleepMeasures> = {};
  /** The watched function each goroutine was found in, and its sleep in progress. */
  private readonly role = new Map<number, SleepMeasures>();
  private readonly asleep = new Map<number, Sleeping>();

  private readonly byFunc = new Map<string, SleepMeasures>();

  constructor(funcs: readonly string[]) {
    for (const f of funcs) {
      const m: SleepMeasures = { goroutines: 0, count: 0, sleptNs: [], wakeToRunNs: [] };
      this.sleeps[f] = m;
      this.byFunc.set(f, m);
    }
  }

  generation(): void {}

  event(e: TraceEventView): void {
    if (this.first < 0) this.first = e.time;
    this.last = e.time;
    if (e.offset >= 0) {
      const name = e.name();
      this.counts[name] = (this.counts[name] ?? 0) + 1;
    }
    if (e.g >= 0) this.gs.add(e.g);
    const kind = e.kind();
    if (kind === model.KindRangeBegin && e.range().name === model.RANGE_GC) this.gcs++;
    if (kind === model.KindMetric) {
      const m = e.metric();
      if (m.name === model.METRIC_HEAP_ALLOC) {
        if (this.heap >= 0 && m.value > this.heap) this.allocated += m.value - this.heap;
        this.heap = m.value;
      }
      return;
    }
    if (kind !== model.KindStateTransition) return;
    const tr = e.transition();
    if (tr.resource !== model.ResourceGoroutine) return;
    const g = tr.id;
    this.gs.add(g);
    if (tr.to === model.GoWaiting) {
      let role = this.role.get(g);
      if (!role) {
        role = this.roleOf(e, tr.stack);
        if (role) {
          this.role.set(g, role);
          role.goroutines++;
        }
      }
      if (role && tr.reason === 'sleep') {
        role.count++;
        this.asleep.set(g, { blocked: e.time, woke: -1 });
      } else this.asleep.delete(g);
      return;
    }
    const sl = this.asleep.get(g);
    if (!sl) return;
    if (tr.from === model.GoWaiting && tr.to === model.GoRunnable) {
      sl.woke = e.time;
      this.role.get(g)!.sleptNs.push(e.time - sl.blocked);
    } else if (tr.to === model.GoRunning && sl.woke >= 0) {
      this.role.get(g)!.wakeToRunNs.push(e.time - sl.woke);
      this.asleep.delete(g);
    }
  }

  /** The watched function a stack holds, if any. */
  private roleOf(e: TraceEventView, stack: number): SleepMeasures | undefined {
    if (stack === 0) return undefined;
    for (const f of e.frames(stack)) {
      const m = this.byFunc.get(f.func);
      if (m) return m;
    }
    return undefined;
  }
}

/** Measures of a trace of any release; throws one Error when the trace does not read. */
export function measureTrace(bytes: Uint8Array, funcs: readonly string[] = []): TraceMeasures {
  const m = new TraceMeter(funcs);
  const err = runModel(bytes, m);
  if (err) throw new Error(`realism: trace does not read: ${err.message}`);
  return { spanNs: m.last - Math.max(0, m.first), counts: m.counts, goroutines: m.gs.size, gcs: m.gcs, allocatedBytes: m.allocated, sleeps: m.sleeps };
}

/** Measures of a CPU profile (gzipped or bare protobuf); throws one Error when it does not decode. */
export function measureProfile(bytes: Uint8Array): ProfileMeasures {
  const p = decodeProfile(bytes);
  const str = (i: unknown): string => p.stringTable.strings[Number(i)] ?? '';
  const samplesByLabel: Record<string, number> = {};
  let samples = 0;
  for (const s of p.sample) {
    const n = Number(s.value[0] ?? 0);
    samples += n;
    const labels = s.label.filter((l) => Number(l.str) !== 0).map((l) => `${str(l.key)}=${str(l.str)}`);
    for (const key of labels.length ? labels : ['']) samplesByLabel[key] = (samplesByLabel[key] ?? 0) + n;
  }
  return { durationNs: Number(p.durationNanos), samplesByLabel, samples };
}

/** The median of a list (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
