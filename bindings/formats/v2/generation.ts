// One generation of a Go1.22+ trace: its per-M batches and its tables.
//
// Layout: every batch of a generation carries the same `gen`. Structural batches fill
// the generation's tables: Strings [String id len bytes]..., Stacks [Stack id nframes
// (pc func file line)*nframes]..., CPUSamples [CPUSample time m p g stack]..., and the
// sync batch: before Go1.25 a lone Frequency [freq]; from Go1.25 Sync followed by
// Frequency [freq] and ClockSnapshot [dt mono sec nsec]. Every other batch is a per-M
// batch of timed events, kept unparsed for the ordering.
//
// Invariants: tables are per generation (ids restart each generation); id 0 always
// resolves (to nothing). A table or sample batch that ends exactly where one of its values
// should start is Go's io.EOF, which Go's reader takes for the end of the trace: `eof` is
// set, no error (the reader then drops this generation and stops). Sizes read from the
// input are checked against the bytes left and the runtime's limits before anything is
// allocated. Errors carry Go's wording.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

import { decodeUvarint, type UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import {
  BATCH_CPU,
  BATCH_EXPERIMENTAL,
  BATCH_STACKS,
  BATCH_STRINGS,
  BATCH_SYNC,
  batchKind,
  type Batch,
} from './batch.ts';
import {
  EvClockSnapshot,
  EvCPUSample,
  EvFrequency,
  EvStack,
  EvString,
  GO125,
  MaxEventTrailerDataSize,
  MaxFramesPerStack,
  NoThreadWire,
  eventName,
  type VersionTable,
} from './spec.ts';
import { IdTable } from './idtable.ts';
import { goTicksToNs } from './gotime.ts';
import { goSortFunc } from './gosort.ts';

export interface Frame {
  pc: number;
  funcID: number;
  fileID: number;
  line: number;
}

export interface CPUSample {
  /** Nanoseconds (after the frequency is applied). */
  time: number;
  m: number;
  p: number;
  g: number;
  stack: number;
  offset: number;
}

export interface ClockSnapshot {
  /** Trace clock (ticks). */
  trace: number;
  mono: number;
  sec: number;
  nsec: number;
}

export class Generation {
  gen = 0;
  /** Ms in order of their first batch. */
  readonly batchMs: number[] = [];
  readonly batches = new Map<number, Batch[]>();
  readonly strings = new IdTable<string>();
  /** Stack id → PCs. */
  readonly stacks = new IdTable<number[]>();
  /** PC → frame, first description wins (as in Go). */
  readonly frames = new Map<number, Frame>();
  readonly cpuSamples: CPUSample[] = [];
  readonly experimental: Batch[] = [];
  /** Nanoseconds per tick; 0 until the sync batch is seen (+Inf for a frequency of 0, as in Go). */
  freq = 0;
  /** Go1.22 traces: (stack, funcID, fileID) of frames whose PC was first seen with other ids. */
  private readonly extraFrames: number[] = [];
  /**
   * Go1.22 traces: the frames of each stack that describes some PC otherwise than the first
   * description of that PC (Go 1.22 keeps every stack's own frames; Go 1.23 one frame per PC).
   */
  readonly ownFrames = new Map<number, Frame[]>();
  clock: ClockSnapshot | null = null;
  /** Smallest batch time (ticks), -Infinity before the first batch (a double from the start:
   *  batch times outgrow small integers, and a field that changes representation costs the
   *  optimized code reading this object). */
  minTs = -Infinity;
  /** A batch ended where a value should start: the trace ends here, as in Go (see above). */
  eof = false;
  /** Index and offset of the generation's first batch (for error locations; set by the first
   *  add). The offset is a double from the start, as minTs: later generations' offsets arrive
   *  as doubles. */
  firstBatch = -1;
  firstOffset = -Infinity;

  constructor(readonly table: VersionTable) {}

  /** Resolve a string id; undefined when absent (0 resolves to ""). */
  string(id: number): string | undefined {
    return id === 0 ? '' : this.strings.get(id);
  }
  /** Presence bitmaps of small string/stack ids, built by finish() for the hot path. */
  stringBits: Uint8Array = new Uint8Array(0);
  stackBits: Uint8Array = new Uint8Array(0);

  hasString(id: number): boolean {
    const i = id | 0;
    if (i === id && i >= 0 && i < this.stringBits.length) return this.stringBits[i] === 1 || i === 0;
    return id === 0 || this.strings.has(id);
  }
  hasStack(id: number): boolean {
    const i = id | 0;
    if (i === id && i >= 0 && i < this.stackBits.length) return this.stackBits[i] === 1 || i === 0;
    return id === 0 || this.stacks.has(id);
  }

  /** A byte per id below the largest small id present (ids are dense in real traces). */
  private static bits(t: { entries(): IterableIterator<[number, unknown]>; size: number }): Uint8Array {
    let max = -1;
    for (const [id] of t.entries()) if (id < 1 << 20 && id > max) max = id;
    const b = new Uint8Array(max + 1);
    for (const [id] of t.entries()) if (id <= max) b[id] = 1;
    return b;
  }

  /** Add one batch of this generation. */
  add(b: Batch): TraceError | null {
    if (this.firstBatch < 0) {
      this.firstBatch = b.index;
      this.firstOffset = b.offset;
    }
    if (this.minTs < 0 || b.time < this.minTs) this.minTs = b.time;
    switch (batchKind(b, this.table.version)) {
      case BATCH_STRINGS:
        return this.addStrings(b);
      case BATCH_STACKS:
        return this.addStacks(b);
      case BATCH_CPU:
        return this.addCPUSamples(b);
      case BATCH_SYNC:
        return this.addSync(b);
      case BATCH_EXPERIMENTAL:
        this.experimental.push(b);
        return null;
    }
    let list = this.batches.get(b.m);
    if (!list) {
      list = [];
      this.batches.set(b.m, list);
      this.batchMs.push(b.m);
    }
    list.push(b);
    return null;
  }

  /** Check the generation once all its batches are in; fix up CPU sample times. */
  finish(): TraceError | null {
    if (this.freq === 0) return this.err('no frequency event found', this.firstOffset, this.firstBatch);
    for (const [id, pcs] of this.stacks.entries()) {
      for (const pc of pcs) {
        const f = this.frames.get(pc);
        if (!f) return this.err(`found unknown pc ${pc.toString(16)} for stack ${id}`, -1, -1);
        if (!this.hasString(f.funcID)) return this.err(`found invalid func string ID ${f.funcID} for stack ${id}`, -1, -1);
        if (!this.hasString(f.fileID)) return this.err(`found invalid file string ID ${f.fileID} for stack ${id}`, -1, -1);
      }
    }
    this.stringBits = Generation.bits(this.strings);
    this.stackBits = Generation.bits(this.stacks);
    // Go 1.22 checks the strings of every frame; Go 1.23 only those of the first frame seen
    // for a PC (the one it keeps). Frames that differ from the kept one, Go1.22 traces only.
    const extra = this.extraFrames;
    for (let i = 0; i < extra.length; i += 3) {
      if (!this.hasString(extra[i + 1])) return this.err(`found invalid func string ID ${extra[i + 1]} for stack ${extra[i]}`, -1, -1);
      if (!this.hasString(extra[i + 2])) return this.err(`found invalid file string ID ${extra[i + 2]} for stack ${extra[i]}`, -1, -1);
    }
    const freq = this.freq;
    for (const s of this.cpuSamples) s.time = goTicksToNs(s.time, freq);
    // As Go sorts them (its unstable sort decides the order of samples taken at the same time).
    goSortFunc(this.cpuSamples, (a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return null;
  }

  private err(msg: string, offset: number, batch: number): TraceError {
    return new TraceError(msg, offset, this.gen, batch);
  }

  private readonly u: UvarintResult = { value: 0, len: 0 };

  /**
   * Read a uvarint at *pos of b; on failure return the error built from `what` (Go's wording:
   * EOF when no byte is left, unexpected EOF inside the varint). With `what` empty and
   * `bare`, no byte left is Go's bare io.EOF: `eof` is set and null returned.
   */
  private uv(b: Batch, pos: number, what: string, bare = true): number | TraceError | null {
    if (pos >= b.data.length && what === '' && bare) {
      this.eof = true;
      return null;
    }
    decodeUvarint(b.data, pos, b.data.length, this.u);
    if (this.u.len <= 0) {
      const why = this.u.len === 0 ? (pos >= b.data.length ? 'EOF' : 'unexpected EOF') : 'varint overflows a 64-bit integer';
      return this.err(what ? `${what}: ${why}` : why, b.offset + pos, b.index);
    }
    return this.u.value;
  }

  private addStrings(b: Batch): TraceError | null {
    const d = b.data;
    let pos = 1;
    while (pos < d.length) {
      const at = pos;
      if (d[pos] !== EvString) return this.err(`expected string event, got ${d[pos]}`, b.offset + pos, b.index);
      pos++;
      const id = this.uv(b, pos, '');
      if (id === null || id instanceof TraceError) return id;
      pos += this.u.len;
      const len = this.uv(b, pos, '');
      if (len === null || len instanceof TraceError) return len;
      pos += this.u.len;
      if (len > MaxEventTrailerDataSize) {
        return this.err(`invalid string size ${len}, maximum is ${MaxEventTrailerDataSize}`, b.offset + at, b.index);
      }
      if (len > d.length - pos) {
        return this.err(`failed to read full string: read ${d.length - pos} but wanted ${len}`, b.offset + at, b.index);
      }
      const s = decoder.decode(d.subarray(pos, pos + len));
      pos += len;
      if (this.strings.has(id) || id === 0) {
        // Go's table also refuses id 0, which always resolves to the empty string.
        return this.err(`multiple strings with the same ID: id=${id}`, b.offset + at, b.index);
      }
      this.strings.set(id, s);
    }
    return null;
  }

  private addStacks(b: Batch): TraceError | null {
    const d = b.data;
    let pos = 1;
    const fieldNames = ['PC', 'funcID', 'fileID', 'line'];
    const f = [0, 0, 0, 0];
    while (pos < d.length) {
      const at = pos;
      if (d[pos] !== EvStack) return this.err(`expected stack event, got ${d[pos]}`, b.offset + pos, b.index);
      pos++;
      const id = this.uv(b, pos, '');
      if (id === null || id instanceof TraceError) return id;
      pos += this.u.len;
      const n = this.uv(b, pos, '');
      if (n === null || n instanceof TraceError) return n;
      pos += this.u.len;
      if (n > MaxFramesPerStack) {
        return this.err(`invalid stack size ${n}, maximum is ${MaxFramesPerStack}`, b.offset + at, b.index);
      }
      const pcs: number[] = [];
      let own: Frame[] | null = null;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 4; k++) {
          const v = this.uv(b, pos, `reading frame ${i + 1}'s ${fieldNames[k]} for stack ${id}`);
          if (v === null || v instanceof TraceError) return v;
          pos += this.u.len;
          f[k] = v;
        }
        pcs.push(f[0]);
        const seen = this.frames.get(f[0]);
        if (seen === undefined) this.frames.set(f[0], { pc: f[0], funcID: f[1], fileID: f[2], line: f[3] });
        else if (this.table.version === 22 && (seen.funcID !== f[1] || seen.fileID !== f[2] || seen.line !== f[3])) {
          if (seen.funcID !== f[1] || seen.fileID !== f[2]) this.extraFrames.push(id, f[1], f[2]);
          if (own === null) own = pcs.slice(0, -1).map((pc) => this.frames.get(pc)!);
        }
        if (own !== null) own.push({ pc: f[0], funcID: f[1], fileID: f[2], line: f[3] });
      }
      if (this.stacks.has(id) || id === 0) {
        return this.err(`multiple stacks with the same ID: id=${id}`, b.offset + at, b.index);
      }
      this.stacks.set(id, pcs);
      if (own !== null) this.ownFrames.set(id, own);
    }
    return null;
  }

  private addCPUSamples(b: Batch): TraceError | null {
    const d = b.data;
    let pos = 1;
    const f = [0, 0, 0, 0, 0];
    while (pos < d.length) {
      const at = pos;
      if (d[pos] !== EvCPUSample) return this.err(`expected CPU sample event, got ${d[pos]}`, b.offset + pos, b.index);
      pos++;
      for (let k = 0; k < 5; k++) {
        const v = this.uv(b, pos, '');
        if (v === null || v instanceof TraceError) return v;
        pos += this.u.len;
        f[k] = v;
      }
      this.cpuSamples.push({
        time: f[0], // ticks until finish() applies the frequency
        m: f[1] === NoThreadWire ? -1 : f[1],
        p: f[2] === NoThreadWire ? -1 : f[2],
        g: f[3] === 0 ? -1 : f[3],
        stack: f[4],
        offset: b.offset + at,
      });
    }
    return null;
  }

  private setFreq(b: Batch, pos: number): number | TraceError | null {
    // Go1.25's sync batch: no oracle for its truncations here; kept an error.
    const f = this.uv(b, pos, '', this.table.version < GO125);
    if (f === null || f instanceof TraceError) return f;
    if (this.freq !== 0) return this.err('found multiple frequency events', b.offset + pos - 1, b.index);
    // Go accepts a frequency of 0: ns per tick is then +Inf, and every time converts to
    // -2^63 (gotime.ts); its reader then spaces the events 1 ns apart.
    this.freq = 1 / (f / 1e9);
    return pos + this.u.len;
  }

  private addSync(b: Batch): TraceError | null {
    const d = b.data;
    if (this.table.version < GO125) {
      // A lone Frequency; Go ignores whatever follows it in the batch.
      const r = this.setFreq(b, 1);
      return r instanceof TraceError ? r : null;
    }
    let pos = 1;
    let lastTs = b.time;
    while (pos < d.length) {
      const at = pos;
      const t = d[pos++];
      if (t === EvFrequency) {
        const r = this.setFreq(b, pos);
        if (r === null || r instanceof TraceError) return r;
        pos = r;
      } else if (t === EvClockSnapshot) {
        const f = [0, 0, 0, 0];
        for (let k = 0; k < 4; k++) {
          const v = this.uv(b, pos, '', false);
          if (v === null || v instanceof TraceError) return v;
          pos += this.u.len;
          f[k] = v;
        }
        if (this.clock) return this.err('found multiple clock snapshot events', b.offset + at, b.index);
        lastTs += f[0];
        this.clock = { trace: lastTs, mono: f[1], sec: f[2], nsec: f[3] };
      } else {
        return this.err(`unexpected event ${eventName(this.table, t)} in sync batch`, b.offset + at, b.index);
      }
    }
    return null;
  }
}

const decoder = new TextDecoder('utf-8');
