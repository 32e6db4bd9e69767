// The generational tracer's per-generation tables and the structural batches that end a
// generation (runtime/trace2string.go, trace2stack.go, and the Frequency/Sync batch).
//
// Owns: for each generation not yet flushed, its string table and its stack table (ids from
// 1, in order of first use in that generation; 0 is the empty string or stack).
// Invariants:
// - ids are per generation: an event refers only to its own generation's table, so a string
//   or stack used again in a later generation gets a new entry there;
// - a generation's Stacks batch interns the frames' function and file names into its string
//   table before the Strings batch is written, so the Strings batch is last;
// - each structural batch stays under MaxBatchSize (split into several when needed).
// Who may touch what: the events and the CPU samples intern through str/stk with the
// generation they write into; only the generations (gen.ts) dump and drop a table.

import * as V2 from '../../formats/v2/index.ts';
import type { TraceV2 } from '../tracev2.ts';
import { holeyObjects } from '../../core/packed.ts';

const { EvClockSnapshot, EvFrequency, EvStack, EvStacks, EvString, EvStrings, EvSync, GO125, MaxBatchSize, MaxEventTrailerDataSize, MaxFramesPerStack, NoThread, writeEvent } = V2;

interface Tables {
  strings: Map<string, number>;
  stacks: Map<number, number>;
}

export class GenTables {
  private readonly tables: Tables[] = holeyObjects();

  constructor(private readonly t: TraceV2) {}

  private tab(gen: number): Tables {
    let t = this.tables[gen];
    if (!t) this.tables[gen] = t = { strings: new Map(), stacks: new Map() };
    return t;
  }

  /** Make sure generation gen has tables. */
  open(gen: number): void {
    this.tab(gen);
  }

  str(gen: number, s: string): number {
    const t = this.tab(gen).strings;
    let id = t.get(s);
    if (id === undefined) t.set(s, (id = t.size + 1));
    return id;
  }

  stk(gen: number, stack: number | undefined): number {
    if (stack === undefined) return 0;
    if (this.t.sc.symtab.stacks[stack].length === 0) return 0;
    const t = this.tab(gen).stacks;
    let id = t.get(stack);
    if (id === undefined) t.set(stack, (id = t.size + 1));
    return id;
  }

  /** The Stacks and Strings batches of generation gen (stack frames intern their strings first). */
  dump(gen: number, now: number): void {
    const t = this.tables[gen];
    if (!t) return;
    const symtab = this.t.sc.symtab;
    const stackBytes: Uint8Array[] = [];
    const scratch = new Uint8Array(16 + 4 * 10 * MaxFramesPerStack + 20);
    const strings = t.strings;
    const sid = (s: string) => {
      let id = strings.get(s);
      if (id === undefined) strings.set(s, (id = strings.size + 1));
      return id;
    };
    for (const [stack, id] of t.stacks) {
      const frames = symtab.stacks[stack].slice(0, MaxFramesPerStack);
      const args: number[] = [id, frames.length];
      for (const f of frames) {
        const fr = symtab.frames[f];
        args.push(symtab.pcOf(f) + 1, sid(fr.func), sid(fr.file), fr.line);
      }
      const end = writeEvent(scratch, 0, EvStack, args);
      stackBytes.push(scratch.slice(0, end));
    }
    const time = this.t.w.tick(now);
    this.chunked(gen, EvStacks, stackBytes, time);
    const enc = new TextEncoder();
    const strBytes: Uint8Array[] = [];
    for (const [s, id] of strings) {
      let data = enc.encode(s);
      if (data.length > MaxEventTrailerDataSize) data = data.subarray(0, MaxEventTrailerDataSize);
      const buf = new Uint8Array(1 + 10 + 10 + data.length);
      strBytes.push(buf.slice(0, writeEvent(buf, 0, EvString, [id], data)));
    }
    this.chunked(gen, EvStrings, strBytes, time);
    delete this.tables[gen];
  }

  /** Structural batches of one kind (first byte `head`), each under MaxBatchSize. */
  private chunked(gen: number, head: number, items: Uint8Array[], time: number): void {
    let parts: Uint8Array[] = [];
    let size = 1;
    const emit = () => {
      if (parts.length === 0) return;
      const payload = new Uint8Array(size);
      payload[0] = head;
      let o = 1;
      for (const p of parts) {
        payload.set(p, o);
        o += p.length;
      }
      this.t.w.batch(gen, NoThread, time, payload);
      parts = [];
      size = 1;
    };
    for (const it of items) {
      if (size + it.length > MaxBatchSize) emit();
      parts.push(it);
      size += it.length;
    }
    emit();
  }

  /** The batch that closes a generation: Frequency (Go1.25: Sync, Frequency, ClockSnapshot). */
  sync(gen: number, now: number): void {
    const freq = this.t.w.frequency;
    const time = this.t.w.tick(now);
    // The wall clock at `now`: the process's start (process.ts) plus the simulated time.
    const wall = this.t.proc.wallStartNs + BigInt(Math.floor(now));
    const buf = new Uint8Array(64);
    let o = 0;
    if (this.t.version >= GO125) {
      buf[o++] = EvSync;
      o = writeEvent(buf, o, EvFrequency, [freq]);
      o = writeEvent(buf, o, EvClockSnapshot, [0, now, wall / 1_000_000_000n, wall % 1_000_000_000n]);
    } else {
      o = writeEvent(buf, o, EvFrequency, [freq]);
    }
    this.t.w.batch(gen, NoThread, time, buf.slice(0, o));
  }
}
