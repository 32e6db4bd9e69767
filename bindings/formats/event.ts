// The typed event every trace reader in this package yields, whatever the wire format.
//
// Readers fill it from the format's spec table: `name` is the event's name as Go spells
// it (for go 1.19 traces, the name `go tool trace -d` prints; for Go1.22+, the name in
// golang.org/x/exp/trace's spec), `args` are keyed by the spec table's argument names.
// Times are nanoseconds since the first event of the trace, after applying the trace's
// frequency. Absent G/P/M are -1; an absent stack is 0.

/** The format names live with the versions (version.ts). */
export type { TraceFormat } from './version.ts';

export interface TraceEvent {
  /** Event name from the format's spec table. */
  name: string;
  /** Wire type id. */
  type: number;
  /** Nanoseconds since the trace's first event. */
  ts: number;
  /** Goroutine the event happened on (-1: none or unknown). */
  g: number;
  /** P the event happened on (-1: none or unknown). */
  p: number;
  /** M (thread) the event happened on (-1: not recorded by this format). */
  m: number;
  /** Stack id of the event's own stack (0: none). */
  stack: number;
  /** Remaining arguments by spec-table name; string-table args are resolved into `strings`. */
  args: Record<string, number>;
  /** String arguments resolved through the string table, by spec-table name. */
  strings?: Record<string, string>;
  /** Generation (Go1.22+ only; 0 for v1). */
  gen: number;
  /** Byte offset of the event in the input (-1 for events synthesized by the reader). */
  offset: number;
}

/** A stack frame, as the stack tables of both formats describe it. */
export interface StackFrame {
  pc: number;
  func: string;
  file: string;
  line: number;
}

/** A reader or validator error with its location in the input. */
export class TraceError extends Error {
  constructor(
    message: string,
    /** Byte offset in the input where the problem was found (-1 when not tied to bytes). */
    readonly offset: number,
    /** Generation (Go1.22+), 0 otherwise. */
    readonly gen: number = 0,
    /** Index of the batch in the input (-1 when not tied to a batch). */
    readonly batch: number = -1,
  ) {
    super(message);
    this.name = 'TraceError';
  }
}
