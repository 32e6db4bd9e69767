// Running the export's model over a trace: the reader (formats/trace/read.ts) → ExecutionModel
// → any TrackSink (ChromeTracks for the export, the report's timeline), in one pass. Says what
// was read (kind, format, events). Bad input throws (rejects with) the reader's TraceError.
// Browser-safe. Who may touch: the export owner.

import { concatBytes } from '../bytes.ts';
import { DETECT_BYTES, detectTrace, type DetectedTrace } from '../detect.ts';
import { requireBytesOrText } from '../input.ts';
import { runModel, runModelStream } from '../trace/read.ts';
import { ExecutionModel } from './model.ts';
import type { TrackSink } from './tracks.ts';

/** What runTracks read. */
export interface TracksRun {
  /** 'v1' | 'v2' | 'text' */
  kind: string;
  /** 'go1.19', 'go1.23', ... */
  format: string;
  /** Events the model handed out. */
  events: number;
}

/** go 1.5–1.21: the reader's times already count from the trace's first event, as Go 1.19's
 *  parser (and `go tool trace -d`) give them, and the conversion drops some early events (the
 *  creations before tracing began): the trace begins at 0, not at the first event the model
 *  sees. Go1.22+: at the first event. */
const originOf = (det: DetectedTrace): number => (det.kind === 'v1' ? 0 : -1);

/** Run the model over a whole trace into `sink` (finished at the end). Throws TraceError. */
export function runTracks(input: Uint8Array | string, sink: TrackSink): TracksRun {
  input = requireBytesOrText(input); // a TraceError, not a TypeError, for anything else
  const det = detectTrace(input);
  const model = new ExecutionModel(sink, originOf(det));
  const err = runModel(input, model);
  if (err) throw err;
  model.finish();
  return { kind: det.kind, format: det.format, events: model.events };
}

/** runTracks over chunks (a file stream): a Go1.22+ trace is read a generation at a time.
 *  Rejects with TraceError. */
export async function runTracksStream(chunks: AsyncIterable<Uint8Array>, sink: TrackSink): Promise<TracksRun> {
  // The first bytes say which format (and so the time origin); then every chunk goes on.
  const it = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let n = 0;
  while (n < DETECT_BYTES) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    n += r.value.length;
  }
  const first = concatBytes(head);
  const det = detectTrace(first);
  async function* all(): AsyncIterable<Uint8Array> {
    yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const model = new ExecutionModel(sink, originOf(det));
  const err = await runModelStream(all(), model);
  if (err) throw err;
  model.finish();
  return { kind: det.kind, format: det.format, events: model.events };
}
