// Chrome Trace Event JSON out of a trace: the whole object (toChromeTrace) or the same JSON
// text in pieces of about 64 KiB as the events are made (writeChromeTrace, and
// writeChromeTraceStream over a chunked input; the whole JSON never exists as one string).
// Each runs the model (runTracks) once into TrackFilter (window, counters on change) →
// ChromeTracks.
// Bad input throws the readers' TraceError (writeChromeTrace possibly after some pieces were
// written: write to a temporary file and discard it on error). Browser-safe.
// Who may touch: the export owner.

import { TrackFilter } from './filter.ts';
import { runTracks, runTracksStream, type TracksRun } from './run.ts';
import { ChromeTracks, type ChromeOut } from './tracks.ts';
import { DEFAULT_COUNTER_RESOLUTION, type ChromeEvent, type ChromeExportStats, type ChromeOptions, type ChromeTrace } from './types.ts';

/** What the model feeds: the options' window and counter resolution in front of the tracks. */
function filtered(tracks: ChromeTracks, opts: ChromeOptions): TrackFilter {
  return new TrackFilter(tracks, { from: opts.from, to: opts.to, counterResolution: opts.counterResolution ?? DEFAULT_COUNTER_RESOLUTION });
}

/** Convert a trace (v1/v2 wire bytes or Go's text format) to the Chrome JSON object. Throws TraceError. */
export function toChromeTrace(input: Uint8Array | string, opts: ChromeOptions = {}): ChromeTrace {
  const events: ChromeEvent[] = [];
  const tracks = new ChromeTracks((ev) => events.push(ev), opts);
  const r = runTracks(input, filtered(tracks, opts));
  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    stackFrames: tracks.stackFrames,
    otherData: { generator: 'gotracesim', kind: r.kind, format: r.format, inputEvents: r.events },
  };
}

/**
 * JSON text of ChromeEvents, as JSON.parse(JSON.stringify(ev)) would read back, without
 * JSON.stringify's generic walk: the event's fields are known, and the strings of a trace
 * (goroutine names, stack texts, categories) repeat, so their quoted forms are cached.
 */
class Serializer {
  private readonly quoted = new Map<string, string>();
  /** '"key":' by key. */
  private readonly keys = new Map<string, string>();

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
      return '{"name":' + this.q(ev.name) + ',"ph":"C","pid":' + ev.pid + ',"tid":' + ev.tid + ',"ts":' + this.us(ev.ts) + ',"args":' + this.args(ev.args) + '}';
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

/** JSON text of each event, into `put`: the hot kinds (see ChromeOut) by code of their own. */
class JsonOut implements ChromeOut {
  private readonly ser = new Serializer();
  /** '{"name":"Goroutines","ph":"C","pid":1,"tid":0,"ts":' by pid. */
  private countsHead = '';
  private countsPid = NaN;

  constructor(private readonly put: (json: string) => void) {}

  event(ev: ChromeEvent): void {
    this.put(this.ser.event(ev));
  }

  execution(pid: number, tid: number, name: string, ts: number, dur: number, end: string, label: string): void {
    const ser = this.ser;
    let s = '{"name":' + ser.q(name) + ',"ph":"X","pid":' + pid + ',"tid":' + tid + ',"ts":' + ser.us(ts) + ',"dur":' + ser.us(dur) + ',"args":{"end":' + ser.q(end);
    if (label) s += ',"label":' + ser.q(label);
    this.put(s + '}}');
  }

  goroutines(pid: number, ts: number, running: number, runnable: number, waiting: number, syscall: number): void {
    if (pid !== this.countsPid) {
      this.countsPid = pid;
      this.countsHead = '{"name":"Goroutines","ph":"C","pid":' + pid + ',"tid":0,"ts":';
    }
    this.put(this.countsHead + this.ser.us(ts) + ',"args":{"running":' + running + ',"runnable":' + runnable + ',"waiting":' + waiting + ',"syscall":' + syscall + '}}');
  }
}

/** Chunk size (characters) of writeChromeTrace's output. */
const CHUNK = 1 << 16;

/** The JSON text of one export, in pieces: `sink` is what the model runs into; `finish`
 *  writes the tail (stackFrames, otherData) once the model is done. */
function jsonExport(write: (s: string) => void, opts: ChromeOptions): { sink: TrackFilter; finish: (r: TracksRun) => ChromeExportStats } {
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
  let sep = '\n';
  const out = new JsonOut((s) => {
    parts.push(sep, s);
    sep = ',\n';
    size += s.length + 2;
    if (size >= CHUNK) flush();
  });
  const tracks = new ChromeTracks(out, opts);
  const finish = (r: TracksRun): ChromeExportStats => {
    parts.push('\n],"stackFrames":{');
    sep = '\n';
    const frames = tracks.stackFrames;
    for (const id in frames) {
      const s = `${JSON.stringify(id)}:${JSON.stringify(frames[id])}`;
      parts.push(sep, s);
      sep = ',\n';
      size += s.length + 2;
      if (size >= CHUNK) flush();
    }
    parts.push(`\n},"otherData":${JSON.stringify({ generator: 'gotracesim', kind: r.kind, format: r.format, inputEvents: r.events })}}\n`);
    flush();
    return {
      kind: r.kind,
      format: r.format,
      inputEvents: r.events,
      outputEvents: tracks.outputEvents,
      goroutineSlices: tracks.goroutineSlices,
      stackFrames: tracks.stacks.size,
      chars,
    };
  };
  return { sink: filtered(tracks, opts), finish };
}

/**
 * Convert a trace to Chrome JSON text, handing it to `write` in pieces of about 64 KiB. The
 * pieces concatenated parse to the same object as toChromeTrace returns. Throws TraceError on
 * bad input, possibly after some pieces were written.
 */
export function writeChromeTrace(input: Uint8Array | string, write: (s: string) => void, opts: ChromeOptions = {}): ChromeExportStats {
  const x = jsonExport(write, opts);
  return x.finish(runTracks(input, x.sink));
}

/**
 * writeChromeTrace over a chunked input (a file stream): a Go1.22+ trace is read a generation
 * at a time, so memory follows the largest generation, not the file. The same JSON. Rejects
 * with TraceError, possibly after some pieces were written.
 */
export async function writeChromeTraceStream(chunks: AsyncIterable<Uint8Array>, write: (s: string) => void, opts: ChromeOptions = {}): Promise<ChromeExportStats> {
  const x = jsonExport(write, opts);
  return x.finish(await runTracksStream(chunks, x.sink));
}
