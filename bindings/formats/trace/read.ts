// The trace model's entry points: any trace, whatever its format, as TraceEventView calls.
//
//   runModel(input, sink)        whole input (wire bytes of any release, or Go's text format),
//                                synchronous; the first error, or null
//   runModelStream(input, sink)  any TraceInput; Go1.22+ wire streams are read generation by
//                                generation (memory: one generation), the rest whole
//
// The sink gets generation(tables) before each generation's events, then event(view) for every
// event in Go's order, through one reused view (copy what you keep). Go1.22+ traces: the events
// Go's reader hands out (trace.Reader.ReadEvent: its ordering's inferred events included, a Sync
// after each generation), with Go's times (Event.Time()). go 1.5–1.21 traces: the base events
// Go's oldtrace conversion makes of them (formats/v1/, runModelV1), in one generation.
// These are the reader alone, as `go tool trace` is: no validation layer (validateTrace adds it).
// Invariants: never throws for bad input (a TraceError is returned; the events before it were
// delivered); an exception thrown by the sink propagates unchanged.
// Browser-safe: no Node built-ins. Who may touch: the trace model owner (the v2 owner writes it).

import { TraceError } from '../event.ts';
import { resolve, resolveWhole, type TraceInput } from '../resolve.ts';
import { runModelV1 } from '../v1/index.ts';
import { nullSink, parseTextTrace, runV2, runV2Raw, runV2Stream } from '../v2/index.ts';
import type { TraceModelSink } from './event.ts';

/** A text trace through the v2 reader into the model sink. */
function runText(text: string, sink: TraceModelSink): TraceError | null {
  const raw = parseTextTrace(text);
  if (raw instanceof TraceError) return raw;
  return runV2Raw(raw, nullSink, false, sink).error;
}

/** Read a whole trace (wire bytes of go 1.5–1.21 or Go1.22+, or Go's text format) into `sink`. */
export function runModel(input: Uint8Array | string, sink: TraceModelSink): TraceError | null {
  let r;
  try {
    r = resolveWhole(input);
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  switch (r.kind) {
    case 'text':
      return runText(r.text, sink);
    case 'v1':
      // go 1.5–1.21: the v1 owner's conversion into base events (formats/v1/index.ts).
      return runModelV1(r.bytes, sink);
    case 'v2':
      return runV2(r.source as Uint8Array, nullSink, false, sink).error;
  }
}

/** Read any trace input into `sink`; a Go1.22+ wire stream generation by generation. */
export async function runModelStream(input: TraceInput, sink: TraceModelSink): Promise<TraceError | null> {
  let r;
  try {
    r = await resolve(input);
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  switch (r.kind) {
    case 'text':
      return runText(r.text, sink);
    case 'v1':
      return runModelV1(r.bytes, sink);
    case 'v2':
      return runV2Stream(r.source, nullSink, false, sink);
  }
}
