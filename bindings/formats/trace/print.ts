// The trace model printed as Go prints it: `go tool trace -d=1` of Go 1.22 and 1.23, which
// prints every event of its reader with fmt.Println(ev.String()).
//
// Owns: formatModelEvent (Go's Event.String() of one view) and ModelPrinter (a TraceModelSink
// handing each event's text to a writer, as -d=1 prints it).
// Format (internal/trace event.go String, resources.go, value.go of Go 1.22/1.23):
//   "M=<thread> P=<proc> G=<goroutine> <Kind> Time=<ns>" and by kind:
//   Metric       ` Name=%q Value=Uint64(<n>)`
//   Label        ` Label=%q Resource=Goroutine(<g>)`
//   Range*       ` Name=%q Scope=<None | Goroutine(<id>) | Proc(<id>)>`, RangeEnd adds
//                ` Attributes=[` `"bytes swept"=Uint64(<n>) "bytes reclaimed"=Uint64(<n>)` `]`
//   Task*        ` ID=<id> Parent=<id> Type=%q` (a parent of 0 or unknown is Go's NoTask, 2^64-1)
//   Region*      ` Task=<id> Type=%q`;  Log ` Task=<id> Category=%q Message=%q`
//   StateTransition ` Resource=<Goroutine(<id>) | Proc(<id>)> Reason=%q GoID=<id> <From>-><To>`
//                (or ProcID=), then, when Go has a transition stack, "\nTransitionStack=\n" and
//                its frames; Experimental ` Name=<name> ArgNames=[a b] Args=[1 2]` (Go 1.23);
//   then, when the event has a stack, "\nStack=\n" and its frames; a frame is
//   "\t<func> @ 0x<pc hex>\n\t\t<file>:<line>\n". Println adds the final "\n".
// Go's transition stacks (1.22/1.23): GoCreate/GoCreateBlocked always (their new goroutine's
// start stack, printed even when it is 0 and so empty); GoStop, GoBlock, GoDestroy,
// GoSyscallBegin/End/EndBlocked their own stack when they have one; GoStatusStack none (its
// stack is the event's own). A CPU sample always has a Stack block (even for stack 0).
// %q is strconv.Quote of the string's UTF-8 bytes (goquote.ts); uint64 values that decoded to
// 2^64 (the runtime's ^0) print as 18446744073709551615, int64 ids from them as -1.
// Who may touch: the trace model owner (the v2 owner writes it).

import type { StackFrame } from '../event.ts';
import { quoteBytes } from '../v2/goquote.ts';
import * as W from '../v2/spec.ts';
import type { TraceEventView, TraceModelSink, TraceTables } from './event.ts';
import {
  GO_STATE_NAMES,
  KIND_NAMES,
  KindExperimental,
  KindLabel,
  KindLog,
  KindMetric,
  KindRangeActive,
  KindRangeBegin,
  KindRangeEnd,
  KindRegionBegin,
  KindRegionEnd,
  KindStackSample,
  KindStateTransition,
  KindTaskBegin,
  KindTaskEnd,
  PROC_STATE_NAMES,
  RESOURCE_NAMES,
  ResourceGoroutine,
  ResourceNone,
} from './model.ts';

/** Go's EventKind.String(): KIND_NAMES but "Bad" for EventBad. */
const KIND_STRINGS = KIND_NAMES.map((n) => (n === 'EventBad' ? 'Bad' : n));

const TWO64 = 2 ** 64;
const TWO63 = 2 ** 63;

/** A uint64 as Go's %d prints it. */
function u64(n: number): string {
  return n >= TWO64 ? '18446744073709551615' : String(n);
}

/** An int64 id taken from a uint64 argument (GoID(x), ProcID(x)) as Go's %d prints it. */
function i64(n: number): string {
  if (n >= TWO64) return '-1';
  if (n >= TWO63) return String(BigInt(n) - (1n << 64n));
  return String(n);
}

const encoder = new TextEncoder();
function q(s: string): string {
  return quoteBytes(encoder.encode(s));
}

function resource(kind: number, id: number): string {
  return kind === ResourceNone ? 'None' : `${RESOURCE_NAMES[kind] ?? 'Bad'}(${id})`;
}

function frames(out: string[], fs: readonly StackFrame[]): void {
  for (const f of fs) out.push(`\t${f.func} @ 0x${f.pc.toString(16)}\n\t\t${f.file}:${f.line}\n`);
}

/** Go's Event.String() of the event in the view (no final newline: Println adds it). */
export function formatModelEvent(v: TraceEventView): string {
  const kind = v.kind();
  const out: string[] = [`M=${v.m} P=${v.p} G=${v.g} ${KIND_STRINGS[kind] ?? 'Bad'} Time=${v.time}`];
  switch (kind) {
    case KindMetric: {
      const m = v.metric();
      out.push(` Name=${q(m.name)} Value=Uint64(${u64(m.value)})`);
      break;
    }
    case KindLabel:
      out.push(` Label=${q(v.label())} Resource=Goroutine(${v.g})`);
      break;
    case KindRangeBegin:
    case KindRangeActive:
    case KindRangeEnd: {
      const r = v.range();
      out.push(` Name=${q(r.name)} Scope=${resource(r.scope, r.scopeId)}`);
      if (kind === KindRangeEnd) {
        out.push(' Attributes=[');
        if (v.type === W.EvGCSweepEnd) {
          const [swept, reclaimed] = v.sweepBytes();
          out.push(`"bytes swept"=Uint64(${u64(swept)}) "bytes reclaimed"=Uint64(${u64(reclaimed)})`);
        }
        out.push(']');
      }
      break;
    }
    case KindTaskBegin:
    case KindTaskEnd: {
      const t = v.task();
      out.push(` ID=${u64(t.id)} Parent=${u64(t.parent)} Type=${q(t.type)}`);
      break;
    }
    case KindRegionBegin:
    case KindRegionEnd: {
      const r = v.region();
      out.push(` Task=${u64(r.task)} Type=${q(r.type)}`);
      break;
    }
    case KindLog: {
      const l = v.log();
      out.push(` Task=${u64(l.task)} Category=${q(l.category)} Message=${q(l.message)}`);
      break;
    }
    case KindStateTransition: {
      const t = v.transition();
      const id = i64(t.id);
      out.push(` Resource=${RESOURCE_NAMES[t.resource]}(${id}) Reason=${q(t.reason)}`);
      if (t.resource === ResourceGoroutine) out.push(` GoID=${id} ${GO_STATE_NAMES[t.from] ?? 'Bad'}->${GO_STATE_NAMES[t.to] ?? 'Bad'}`);
      else out.push(` ProcID=${id} ${PROC_STATE_NAMES[t.from] ?? 'Bad'}->${PROC_STATE_NAMES[t.to] ?? 'Bad'}`);
      const type = v.type;
      const create = type === W.EvGoCreate || type === W.EvGoCreateBlocked;
      if (create || (t.stack !== 0 && type !== W.EvGoStatusStack)) {
        out.push('\nTransitionStack=\n');
        frames(out, v.frames(t.stack));
      }
      break;
    }
    case KindExperimental: {
      const spec = W.allSpecs[v.type];
      const names = spec ? spec.args.slice(1) : [];
      const vals: string[] = [];
      for (let i = 0; i < names.length; i++) vals.push(u64(v.args[i]));
      out.push(` Name=${spec?.name ?? ''} ArgNames=[${names.join(' ')}] Args=[${vals.join(' ')}]`);
      break;
    }
  }
  const stk = v.stack();
  if (stk !== 0 || kind === KindStackSample) {
    out.push('\nStack=\n');
    frames(out, v.frames(stk));
  }
  return out.join('');
}

/** Prints every event as `go tool trace -d=1` does: `write` gets Event.String() plus "\n". */
export class ModelPrinter implements TraceModelSink {
  /** Events printed so far. */
  events = 0;
  constructor(private readonly write: (s: string) => void) {}
  generation(_t: TraceTables): void {}
  event(v: TraceEventView): void {
    this.events++;
    this.write(formatModelEvent(v) + '\n');
  }
}
