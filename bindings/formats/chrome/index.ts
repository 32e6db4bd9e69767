// Chrome Trace Event Format export of Go execution traces (go 1.5 – 1.21 wire, Go1.22+ wire,
// Go's text format), loadable by Perfetto UI and chrome://tracing.
//
//   toChromeTrace(input, opts)            → ChromeTrace (the JSON object form, in memory)
//   writeChromeTrace(input, write, opts)  → ChromeExportStats; the same JSON in ~64 KiB pieces
//   writeChromeTraceStream(chunks, write, opts) → the same from a stream (a generation at a time)
//   validateChromeTrace(obj)              → the Trace Event Format's rules, checked
//   runTracks(input, sink)                → the model's tracks into any TrackSink (the report)
//   runTracksStream(chunks, sink)         → the same from a stream (a generation at a time)
//
// Options (types.ts): counters only when they change, at most once per counterResolution ns
// (default 1 ms); a window [from, to) in ns (filter.ts); pid; counters or samples left out.
// Layers, each a file: model.ts (the trace model → intervals and instants: goroutine, P,
// syscall and GC state from state transitions and ranges, never from event names) →
// filter.ts (TrackFilter: the window and the counter rule, a TrackSink in front of another) →
// tracks.ts (TrackSink: what the export shows, format-independent; ChromeTracks: its Chrome
// layout, with stacks.ts's stackFrames dictionary) → writer.ts (JSON, whole or in pieces).
// run.ts drives reader → model → any TrackSink in one pass; types.ts has the format's types
// and track ids; validate.ts the format's rules. Browser-safe: no Node built-ins.
// Who may touch: the export owner.

export * from './types.ts';
export { toChromeTrace, writeChromeTrace, writeChromeTraceStream } from './writer.ts';
export { TrackFilter, type TrackFilterOptions } from './filter.ts';
export { validateChromeTrace, KNOWN_PHASES } from './validate.ts';
export { ExecutionModel } from './model.ts';
export { runTracks, runTracksStream, type TracksRun } from './run.ts';
export { ChromeTracks, type TrackSink, type Frames, type MetricName } from './tracks.ts';
