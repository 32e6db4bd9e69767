// The Trace Event Format's rules as checks, for Chrome/Perfetto JSON (object or array form).
//
//   validateChromeTrace(obj) → string[]   (empty when valid; at most `limit` messages)
//
// Checked: the container shape; per event: a known phase, integer pid/tid, a numeric finite
// ts ≥ 0 (µs), a string name; X: dur finite ≥ 0; i/I: scope in g/p/t; C: args of finite
// numbers; M: a known metadata name with the right args; b/n/e: cat and id, b/e matched by
// (pid, cat, id) in time order; B/E matched and properly nested per (pid, tid), and the X
// slices of a (pid, tid) nest with each other and with the B/E slices (a slice that starts
// inside another ends inside it); sf/esf name an entry of stackFrames; every stackFrames entry
// has a name and a parent that exists, with no cycles.
// Messages start with the event's index ("traceEvents[12]: ...") or "stackFrames[id]".
// The export's tests run it on every export. Browser-safe: no Node built-ins.
// Who may touch: the export owner.

/** Phases of the Trace Event Format. */
export const KNOWN_PHASES: ReadonlySet<string> = new Set([
  'B', 'E', 'X', 'i', 'I', 'C', 'b', 'n', 'e', 'S', 'T', 'p', 'F', 's', 't', 'f', 'P', 'N', 'O', 'D', 'M', 'V', 'v', 'R', 'c', '(', ')',
]);

const METADATA = new Set(['process_name', 'process_labels', 'process_sort_index', 'thread_name', 'thread_sort_index', 'process_uptime_seconds', 'num_cpus', 'trace_buffer_overflowed']);

/** Slack for comparing float µs boundaries (well below the 1 ns resolution of Go traces). */
const EPS = 1e-6;

interface Interval {
  start: number;
  end: number;
  name: string;
  index: number;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isFiniteNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function fmt(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 40 ? s.slice(0, 40) + '...' : s;
  } catch {
    return String(x);
  }
}

/** Check a Chrome trace; returns the problems found (at most `limit`), [] when valid. */
export function validateChromeTrace(obj: unknown, limit = 100): string[] {
  const errs: string[] = [];
  const err = (m: string): boolean => {
    if (errs.length < limit) errs.push(m);
    return errs.length < limit;
  };
  let events: unknown[];
  let frames: Record<string, unknown> | undefined;
  if (Array.isArray(obj)) {
    events = obj;
  } else if (isObj(obj)) {
    if (!Array.isArray(obj.traceEvents)) return ['traceEvents: missing or not an array'];
    events = obj.traceEvents;
    if (obj.displayTimeUnit !== undefined && obj.displayTimeUnit !== 'ms' && obj.displayTimeUnit !== 'ns') {
      err(`displayTimeUnit: ${fmt(obj.displayTimeUnit)} is not "ms" or "ns"`);
    }
    if (obj.stackFrames !== undefined) {
      if (!isObj(obj.stackFrames)) err('stackFrames: not an object');
      else frames = obj.stackFrames;
    }
  } else {
    return ['trace: not an object or an array'];
  }

  // stackFrames: names, parents, no cycles.
  if (frames) {
    const ok = new Map<string, boolean>(); // id → verified acyclic chain
    const fr: Record<string, unknown> = frames;
    for (const id of Object.keys(fr)) {
      const f: unknown = fr[id];
      if (!isObj(f)) {
        err(`stackFrames[${id}]: not an object`);
        continue;
      }
      if (typeof f.name !== 'string') err(`stackFrames[${id}]: name is not a string`);
      if (f.category !== undefined && typeof f.category !== 'string') err(`stackFrames[${id}]: category is not a string`);
      if (f.parent !== undefined) {
        const pk: string = String(f.parent);
        if (!(pk in fr)) err(`stackFrames[${id}]: parent ${fmt(f.parent)} does not exist`);
      }
    }
    for (const id of Object.keys(frames)) {
      if (ok.has(id)) continue;
      const seen = new Set<string>();
      let cur: string | undefined = id;
      let cyclic = false;
      while (cur !== undefined && !ok.has(cur)) {
        if (seen.has(cur)) {
          cyclic = true;
          break;
        }
        seen.add(cur);
        const f: unknown = frames[cur];
        cur = isObj(f) && f.parent !== undefined && String(f.parent) in frames ? String(f.parent) : undefined;
      }
      if (cyclic) err(`stackFrames[${id}]: parent chain has a cycle`);
      for (const s of seen) ok.set(s, !cyclic);
    }
  }

  // Per-event checks; collect what pairing/nesting needs.
  const threads = new Map<string, { be: { ph: string; ts: number; name: string; index: number }[]; x: Interval[] }>();
  const asyncs = new Map<string, { ph: string; ts: number; index: number; name: string }[]>();
  const thread = (pid: number, tid: number) => {
    const k = `${pid}/${tid}`;
    let t = threads.get(k);
    if (!t) {
      t = { be: [], x: [] };
      threads.set(k, t);
    }
    return t;
  };
  for (let i = 0; i < events.length; i++) {
    const at = `traceEvents[${i}]`;
    const e = events[i];
    if (!isObj(e)) {
      if (!err(`${at}: not an object`)) return errs;
      continue;
    }
    const ph = e.ph;
    if (typeof ph !== 'string' || !KNOWN_PHASES.has(ph)) {
      if (!err(`${at}: unknown phase ${fmt(ph)}`)) return errs;
      continue;
    }
    if (!Number.isInteger(e.pid)) err(`${at}: pid ${fmt(e.pid)} is not an integer`);
    const processLevel = ph === 'C' || (ph === 'M' && typeof e.name === 'string' && e.name.startsWith('process_')) || ph === 'b' || ph === 'e' || ph === 'n';
    if (e.tid !== undefined || !processLevel) {
      if (!Number.isInteger(e.tid)) err(`${at}: tid ${fmt(e.tid)} is not an integer`);
    }
    if (ph !== 'E' && typeof e.name !== 'string') err(`${at}: name ${fmt(e.name)} is not a string`);
    if (e.args !== undefined && !isObj(e.args)) err(`${at}: args is not an object`);
    if (ph !== 'M') {
      if (!isFiniteNum(e.ts)) err(`${at}: ts ${fmt(e.ts)} is not a finite number`);
      else if (e.ts < 0) err(`${at}: ts ${e.ts} is negative`);
    } else if (e.ts !== undefined && (!isFiniteNum(e.ts) || e.ts < 0)) {
      err(`${at}: ts ${fmt(e.ts)} is not a finite number ≥ 0`);
    }
    if (frames !== undefined || e.sf !== undefined || e.esf !== undefined) {
      for (const key of ['sf', 'esf'] as const) {
        if (e[key] === undefined) continue;
        if (frames === undefined || !(String(e[key]) in frames)) err(`${at}: ${key} ${fmt(e[key])} is not in stackFrames`);
      }
    }
    const ts = isFiniteNum(e.ts) ? e.ts : 0;
    const name = typeof e.name === 'string' ? e.name : '';
    const pid = Number(e.pid);
    const tid = Number(e.tid);
    switch (ph) {
      case 'X': {
        if (!isFiniteNum(e.dur)) err(`${at}: X event dur ${fmt(e.dur)} is not a finite number`);
        else if (e.dur < 0) err(`${at}: X event dur ${e.dur} is negative`);
        else thread(pid, tid).x.push({ start: ts, end: ts + e.dur, name, index: i });
        if (e.tdur !== undefined && (!isFiniteNum(e.tdur) || e.tdur < 0)) err(`${at}: tdur ${fmt(e.tdur)} is not a finite number ≥ 0`);
        break;
      }
      case 'B':
      case 'E':
        thread(pid, tid).be.push({ ph, ts, name, index: i });
        break;
      case 'i':
      case 'I':
        if (e.s !== undefined && e.s !== 'g' && e.s !== 'p' && e.s !== 't') err(`${at}: instant event scope ${fmt(e.s)} is not one of g, p, t`);
        break;
      case 'C': {
        if (!isObj(e.args) || Object.keys(e.args).length === 0) {
          err(`${at}: counter event needs args with at least one series`);
          break;
        }
        for (const [k, v] of Object.entries(e.args)) {
          if (!isFiniteNum(v)) err(`${at}: counter series ${fmt(k)} value ${fmt(v)} is not a finite number`);
        }
        break;
      }
      case 'b':
      case 'n':
      case 'e': {
        if (typeof e.cat !== 'string') err(`${at}: async event cat ${fmt(e.cat)} is not a string`);
        const id = e.id ?? (isObj(e.id2) ? (e.id2.global ?? e.id2.local) : undefined);
        if (typeof id !== 'string' && typeof id !== 'number') {
          err(`${at}: async event id ${fmt(e.id)} is not a string or number`);
          break;
        }
        if (ph === 'n') break;
        const k = `${pid}\u0000${String(e.cat)}\u0000${String(id)}`;
        let l = asyncs.get(k);
        if (!l) asyncs.set(k, (l = []));
        l.push({ ph, ts, index: i, name });
        break;
      }
      case 's':
      case 't':
      case 'f':
        if (e.id === undefined && e.id2 === undefined) err(`${at}: flow event has no id`);
        break;
      case 'M': {
        if (!METADATA.has(name)) {
          err(`${at}: unknown metadata name ${fmt(e.name)}`);
          break;
        }
        if (!isObj(e.args)) {
          err(`${at}: metadata event ${name} needs args`);
          break;
        }
        if (name.endsWith('_name') && typeof e.args.name !== 'string') err(`${at}: ${name} args.name ${fmt(e.args.name)} is not a string`);
        if (name.endsWith('_sort_index') && !Number.isInteger(e.args.sort_index)) {
          err(`${at}: ${name} args.sort_index ${fmt(e.args.sort_index)} is not an integer`);
        }
        if (name === 'process_labels' && typeof e.args.labels !== 'string') err(`${at}: process_labels args.labels is not a string`);
        break;
      }
    }
    if (errs.length >= limit) return errs;
  }

  // B/E pairing, then nesting of all slices, per thread (in time order, stable).
  for (const [key, t] of threads) {
    const be = t.be.slice().sort((a, b) => a.ts - b.ts || a.index - b.index);
    const open: { ts: number; name: string; index: number }[] = [];
    const iv: Interval[] = t.x.slice();
    for (const ev of be) {
      if (ev.ph === 'B') {
        open.push(ev);
        continue;
      }
      const b = open.pop();
      if (!b) {
        err(`traceEvents[${ev.index}]: E event on ${key} has no matching B`);
        continue;
      }
      if (ev.name && b.name && ev.name !== b.name) {
        err(`traceEvents[${ev.index}]: E event "${ev.name}" on ${key} closes B "${b.name}" (traceEvents[${b.index}]): not properly nested`);
      }
      iv.push({ start: b.ts, end: ev.ts, name: b.name, index: b.index });
    }
    for (const b of open) err(`traceEvents[${b.index}]: B event "${b.name}" on ${key} has no matching E`);
    // Nesting: sorted by start, longer first; each slice must end inside the enclosing one.
    iv.sort((a, b) => a.start - b.start || b.end - a.end || a.index - b.index);
    const stack: Interval[] = [];
    for (const s of iv) {
      while (stack.length > 0 && stack[stack.length - 1].end <= s.start + EPS) stack.pop();
      const top = stack[stack.length - 1];
      if (top && s.end > top.end + EPS) {
        if (!err(`traceEvents[${s.index}]: slice "${s.name}" [${s.start}, ${s.end}] on ${key} overlaps "${top.name}" [${top.start}, ${top.end}] (traceEvents[${top.index}]) without nesting`)) return errs;
        continue;
      }
      stack.push(s);
    }
  }

  // Async b/e pairing by (pid, cat, id), in time order.
  for (const [, l] of asyncs) {
    l.sort((a, b) => a.ts - b.ts || a.index - b.index);
    const open: typeof l = [];
    for (const ev of l) {
      if (ev.ph === 'b') open.push(ev);
      else if (!open.pop()) err(`traceEvents[${ev.index}]: async e event "${ev.name}" has no matching b (same cat and id)`);
    }
    for (const b of open) err(`traceEvents[${b.index}]: async b event "${b.name}" has no matching e (same cat and id)`);
  }
  return errs;
}
