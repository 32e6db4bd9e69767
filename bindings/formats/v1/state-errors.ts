// Errors of the v1 state pass (state.ts), in Go 1.19's words: where an event is ("(offset O,
// time T)"), the event quoted as Go's Event.String prints it (for task and region misuse), and
// the error of an event whose goroutine should be running on its P.
//
// Owns: fail, at, goQuote, notRunning. Invariants: every error is a TraceError located at the
// event's byte offset; nothing here reads or changes the pass's state beyond the arguments.
// Who may touch: the v1 format owner.

import { TraceError } from '../event.ts';
import { quoteBytes } from '../v2/goquote.ts';
import * as spec from './spec.ts';
import type { V1Wire } from './columns.ts';
import { RUNNING } from './state-slots.ts';

const utf8 = new TextEncoder();

/**
 * Event i as Go's parser prints it at this point (Event.String: time in ns, name, batch P, G,
 * offset, then every argument of the latest layout and the string arguments), quoted as %q.
 */
export function goQuote(w: V1Wire, ns: Float64Array, i: number): string {
  const t = w.type[i];
  const row = spec.V1_EVENTS[t];
  const a = w.argAt[i];
  let s = `${ns[i]} ${w.names[t]} p=${w.groupP[w.group[i]]} g=${w.gSlots.ids[w.gs[i]]} off=${w.off[i]}`;
  const names = spec.argsFor(row, LATEST);
  for (let k = 0; k < names.length; k++) s += ` ${names[k]}=${w.args[a + k]}`;
  for (const [arg, name] of Object.entries(row.stringArgs)) {
    s += ` ${name}=${w.strings.get(w.args[a + names.indexOf(arg)]) ?? ''}`;
  }
  return quoteBytes(utf8.encode(s));
}

/** The layout whose argument lists Go's parser prints for every version. */
const LATEST = 1021;

/** Where event i is, for error messages. */
export function at(w: V1Wire, ns: Float64Array, i: number): string {
  return `(offset ${w.off[i]}, time ${ns[i]})`;
}

export function fail(w: V1Wire, _ns: Float64Array, i: number, msg: string): TraceError {
  return new TraceError(msg, w.off[i]);
}

/** The error for event i, which needs its G running on its P (and not G 0 unless allowed). */
export function notRunning(w: V1Wire, ns: Float64Array, i: number, gState: number, pG: number, allowG0: boolean): TraceError {
  const G = w.gSlots.ids[w.gs[i]];
  const name = w.names[w.type[i]];
  if (gState !== RUNNING) return fail(w, ns, i, `g ${G} is not running while ${name} ${at(w, ns, i)}`);
  if (pG !== G) return fail(w, ns, i, `p ${w.groupP[w.group[i]]} is not running g ${G} while ${name} ${at(w, ns, i)}`);
  if (!allowG0 && G === 0) return fail(w, ns, i, `g 0 did ${name} ${at(w, ns, i)}`);
  return new TraceError('internal error: notRunning called for a running goroutine', w.off[i]);
}
