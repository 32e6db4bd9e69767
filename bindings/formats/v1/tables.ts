// The one generation of a go 1.5–1.21 trace in the trace model: its TraceTables (the wire's
// strings, then the strings Go 1.23's oldtrace conversion names, and stacks as Go 1.23 resolves
// them), and the vocabulary of that conversion (S_*: block reasons, stop-the-world reasons).
//
// Owns: V1Tables, the conversion's string table (BUILTIN, indexed by S_*), stwReasonOf, U64_MAX.
// Layout: string ids up to the wire's largest are the wire's; the conversion's strings follow
// (BUILTIN first, then UserLog messages, which the wire carries inline, one id per distinct
// text). Stacks keep the wire's ids; a PC means the frame first described for it.
// Invariants: ids never change once handed out; frames are resolved once per stack and cached.
// Who may touch: the v1 format owner.

import type { StackFrame } from '../event.ts';
import type { TraceTables } from '../trace/event.ts';
import * as W from '../v2/spec.ts';
import type { V1Wire } from './columns.ts';

/** ^uint64(0) as a decoded wire number (Go's NoTask, and "no thread" in GoStatus/CPUSample). */
export const U64_MAX = W.NoThreadWire;

// Strings the conversion names, by index (their ids follow the wire's strings).
export const S_FOREVER = 0;
export const S_PREEMPTED = 1;
export const S_GOSCHED = 2;
export const S_SLEEP = 3;
export const S_CHAN_SEND = 4;
export const S_CHAN_RECV = 5;
export const S_NETWORK = 6;
export const S_SYNC = 7;
export const S_SYNC_COND = 8;
export const S_SELECT = 9;
export const S_EMPTY = 10;
export const S_MARK_ASSIST_WAIT = 11;
/** First of the stop-the-world reasons, indexed as Go 1.21's stwReason (0: unknown). */
export const S_STW = 12;
const BUILTIN: readonly string[] = [
  'forever',
  'preempted',
  'runtime.Gosched',
  'sleep',
  'chan send',
  'chan receive',
  'network',
  'sync',
  'sync.(*Cond).Wait',
  'select',
  '',
  'GC mark assist wait for work',
  // Stop-the-world reasons as Go 1.23 names them for old traces (its own spelling of
  // stwAllGoroutinesStack; an unknown reason is the empty string).
  '',
  'GC mark termination',
  'GC sweep termination',
  'write heap dump',
  'goroutine profile',
  'goroutine profile cleanup',
  'all goroutine stack trace',
  'read mem stats',
  'AllThreadsSyscall',
  'GOMAXPROCS',
  'start trace',
  'stop trace',
  'CountPagesInUse (test)',
  'ReadMetricsSlow (test)',
  'ReadMemStatsSlow (test)',
  'PageCachePagesLeaked (test)',
  'ResetDebugLog (test)',
];
const STW_REASONS = BUILTIN.length - S_STW;

/**
 * The stop-the-world reason (index into the S_STW strings) of an STW start's kind argument:
 * before 1.21 the kind is GC's mark (0) or sweep (1) termination, in 1.21 the runtime's
 * stwReason; anything else is unknown (0).
 */
export function stwReasonOf(version: number, kind: number): number {
  if (version < 1021) return kind === 0 || kind === 1 ? kind + 1 : 0;
  return kind < STW_REASONS ? kind : 0;
}

const NO_FRAMES: readonly StackFrame[] = [];

/** The one generation of a v1 trace: the wire's strings, then the conversion's; stacks. */
export class V1Tables implements TraceTables {
  readonly gen = 1;
  /** Largest string id of the wire; the conversion's strings come after it. */
  private readonly base: number;
  private readonly extra: string[] = [];
  private readonly extraIds = new Map<string, number>();
  private frameOfPC: Map<number, Float64Array> | null = null;
  private readonly cache = new Map<number, readonly StackFrame[]>();

  constructor(private readonly w: V1Wire) {
    let max = 0;
    for (const id of w.strings.keys()) if (id > max) max = id;
    this.base = max;
    for (const s of BUILTIN) {
      this.extraIds.set(s, this.base + 1 + this.extra.length);
      this.extra.push(s);
    }
  }

  string(id: number): string | undefined {
    if (id <= this.base) return this.w.strings.get(id);
    return this.extra[id - this.base - 1];
  }

  /** Id of a conversion string (BUILTIN index). */
  builtin(k: number): number {
    return this.base + 1 + k;
  }

  /** Id of a string the wire carries inline (a UserLog message); equal strings share one. */
  inline(s: string): number {
    let id = this.extraIds.get(s);
    if (id === undefined) {
      id = this.base + 1 + this.extra.length;
      this.extra.push(s);
      this.extraIds.set(s, id);
    }
    return id;
  }

  /** Stack ids with frames, when they are small enough for a table (else null: the map). */
  private known: Uint8Array | null | undefined;

  /** True if `id` names a stack with frames (Go drops references to any other). */
  hasStack(id: number): boolean {
    let k = this.known;
    if (k === undefined) {
      let max = 0;
      for (const sid of this.w.stacks.keys()) if (sid > max) max = sid;
      k = null;
      if (max < 1 << 24) {
        k = new Uint8Array(max + 1);
        for (const sid of this.w.stacks.keys()) k[sid] = 1;
      }
      this.known = k;
    }
    if (k !== null) return id < k.length && k[id] === 1;
    return id !== 0 && this.w.stacks.has(id);
  }

  /**
   * Frames of stack `id`, leaf first. As Go 1.23 resolves old traces, a PC means the frame
   * first described for it, in the order the stacks were written.
   */
  frames(id: number): readonly StackFrame[] | undefined {
    if (id === 0) return NO_FRAMES;
    const have = this.cache.get(id);
    if (have !== undefined) return have;
    const f = this.w.stacks.get(id);
    if (f === undefined) return undefined;
    let byPC = this.frameOfPC;
    if (byPC === null) {
      byPC = new Map();
      for (const s of this.w.stacks.values()) {
        for (let k = 0; k < s.length; k += 4) if (!byPC.has(s[k])) byPC.set(s[k], k === 0 ? s : s.subarray(k));
      }
      this.frameOfPC = byPC;
    }
    const out: StackFrame[] = [];
    for (let k = 0; k < f.length; k += 4) {
      const d = byPC.get(f[k]) ?? f.subarray(k);
      out.push({ pc: d[0], func: this.w.strings.get(d[1]) ?? '', file: this.w.strings.get(d[2]) ?? '', line: d[3] });
    }
    this.cache.set(id, out);
    return out;
  }
}
