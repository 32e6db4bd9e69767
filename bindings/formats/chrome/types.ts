// The Chrome Trace Event Format as the export writes it: the event and container types, the
// options, what an export reports, and the track ids of the layout (tracks.ts places events
// on them). Browser-safe. Who may touch: the export owner.

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

/**
 * Default counter resolution (ns): a counter series makes at most one event per 1 ms. Why
 * 1 ms: the goroutine counts and the heap change every few µs in a busy trace; at 100 µs they
 * were still a tenth of the JSON, and the JSON must stay within 8× the trace.
 */
export const DEFAULT_COUNTER_RESOLUTION = 1_000_000;

export interface ChromeOptions {
  /** Emit counter events (heap, goroutines by state, GOMAXPROCS). Default true. */
  counters?: boolean;
  /**
   * Counters are written only when they change, and at most once per this many ns per series
   * (the last change of each bucket, at its time: exact at every bucket boundary; see
   * filter.ts). 0: every change. Default DEFAULT_COUNTER_RESOLUTION.
   */
  counterResolution?: number;
  /** Keep only [from, to): ns since the trace began; intervals clipped to it (filter.ts). */
  from?: number;
  to?: number;
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
  /** Trace events read (as the model hands them out). */
  inputEvents: number;
  /** Chrome events written (stackFrames entries not counted). */
  outputEvents: number;
  /** Goroutine execution slices. */
  goroutineSlices: number;
  stackFrames: number;
  /** Characters of JSON written (writeChromeTrace only; 0 for toChromeTrace). */
  chars: number;
}

/** Track ids (tid) of the layout. */
export const TID_GC = 1;
export const TID_STW = 2;
export const TID_NO_P = 3;
/** P n is TID_P0 + n. */
export const TID_P0 = 10;
/** Goroutine tracks, in order of first use, from TID_G0. */
export const TID_G0 = 1_000_000_000;
