// Scenario validation and resolution: unknown input → ResolvedScenario, or a ScenarioError
// naming the field path (e.g. `goroutines[2].program[0].for`) and what is wrong with it.
//
// Every field is checked: unknown keys are errors (a typo must not silently fall back to a
// default), durations and sizes must parse, counts must be integers in range, stack and
// template references must exist. Defaults come from the Go release's preset.

import type { Frame, GoRelease, Scenario } from './scenario.ts';
import { USER_STW_REASONS, type StwReason } from './stw.ts';
import type { RStep, RTemplate, RThread, ResolvedScenario, RGC, RProfile, RCosts, RTrace } from './resolved.ts';
import { Symtab } from './symtab.ts';
import { RELEASES, SWITCH_VALUES, DEFAULT_RELEASE, GO_RELEASES, FORMAT_TRACER, DEFAULT_FORMAT, type Switches } from './releases.ts';
import { parseGoDuration } from './duration.ts';
import { DEFAULT_MAXIMUM_PAGES, PAGE } from '../core/memory.ts';
import { profBufSizes } from '../core/profbuf-layout.ts';

export { parseDuration } from './duration.ts';

export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${path || 'scenario'}: ${problem}`);
    this.name = 'ScenarioError';
  }
}

type Obj = Record<string, unknown>;

/**
 * Names that must never become keys of an ordinary object: assigning them reaches (or
 * replaces) Object.prototype. Refused as stack, label and template names and as sweep axis
 * path segments, so that a hostile scenario or grid cannot pollute the caller's process.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A prototype-free copy of obj's own enumerable properties (user keys land here safely). */
export function bareCopy<T>(obj: Record<string, T>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const k of Object.keys(obj)) out[k] = obj[k];
  return out;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1 << 20, GiB: 1 << 30 };

export function parseSize(s: unknown): number | undefined {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 0 ? s : undefined;
  if (typeof s !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/.exec(s.trim());
  if (!m) return undefined;
  return Math.round(parseFloat(m[1]) * SIZE_UNITS[m[2] ?? 'B']);
}

class Ctx {
  readonly symtab = new Symtab();
  readonly channels = new Map<string, number>();
  readonly stacks = new Map<string, Frame[]>();
  templateIds = new Map<string, number>();
  constructor(readonly file?: string) {}
  fail(path: string, problem: string): never {
    throw new ScenarioError(path, problem, this.file);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The object's known fields, checked against `allowed`, as a prototype-free copy: later reads
 * see only what the user wrote, never something inherited (or planted) on Object.prototype.
 */
function keys(ctx: Ctx, path: string, v: unknown, allowed: string[]): Obj {
  if (!isObj(v)) ctx.fail(path, `must be an object, got ${kind(v)}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) ctx.fail(join(path, k), `unknown field (allowed: ${allowed.join(', ')})`);
  return bareCopy(v);
}

/** A user-chosen name used as a key (stack, label, template): never one that reaches a prototype. */
function safeName(ctx: Ctx, path: string, name: string, what: string): string {
  if (FORBIDDEN_KEYS.has(name)) ctx.fail(path, `"${name}" is not allowed as a ${what} name (reserved: ${[...FORBIDDEN_KEYS].join(', ')})`);
  return name;
}

/** A value as the error message shows it: quoted and escaped (one line), long strings cut. */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'string') return typeof v;
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}

/** Field paths: `a.b` for plain keys, `a[3]` for indexes, `a["odd key"]` for anything else. */
const join = (path: string, k: string | number) => {
  if (typeof k === 'number') return `${path}[${k}]`;
  if (!/^[\w$-]+$/.test(k)) return `${path}[${JSON.stringify(k.length > 80 ? `${k.slice(0, 77)}...` : k)}]`;
  return path ? `${path}.${k}` : k;
};

const DURATION_HINT = 'a duration such as "250us", "1.5ms", "2s" or "1m30s"';

/**
 * A duration field in ns (Go's time.ParseDuration grammar). Never negative, and at most
 * 2^53-1 ns: the simulated clock is a float64 count of ns, exact only up to there.
 */
function dur(ctx: Ctx, path: string, v: unknown, opts: { min?: number; positive?: boolean } = {}): number {
  if (typeof v !== 'string') ctx.fail(path, `must be ${DURATION_HINT}, got ${kind(v)}`);
  const r = parseGoDuration(v);
  if (!r.ok) ctx.fail(path, `must be ${DURATION_HINT}, got ${kind(v)} (${r.error})`);
  // Range errors keep the "must be a duration" wording of the syntax error they replace.
  if (opts.min !== undefined && r.ns < BigInt(opts.min)) ctx.fail(path, `must be a duration of at least ${opts.min}ns, got ${kind(v)}`);
  if (opts.positive && r.ns <= 0n) ctx.fail(path, `must be a duration greater than 0, got ${kind(v)}`);
  if (r.ns < 0n) ctx.fail(path, `must be a duration of 0 or more, got ${kind(v)}`);
  if (r.ns > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail(path, `must be a duration of at most 2^53-1 ns (about 104 days), got ${kind(v)}`);
  return Number(r.ns);
}

function int(ctx: Ctx, path: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) ctx.fail(path, `must be an integer, got ${kind(v)}`);
  if (v < lo || v > hi) ctx.fail(path, `must be between ${lo} and ${hi}, got ${v}`);
  return v;
}

function num(ctx: Ctx, path: string, v: unknown, lo: number, hi: number, openLo = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) ctx.fail(path, `must be a number, got ${kind(v)}`);
  if (v < lo || v > hi || (openLo && v === lo)) ctx.fail(path, `must be in ${openLo ? '(' : '['}${lo}, ${hi}], got ${v}`);
  return v;
}

function str(ctx: Ctx, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) ctx.fail(path, `must be a non-empty string, got ${kind(v)}`);
  return v;
}

function labels(ctx: Ctx, path: string, v: unknown): Record<string, string> {
  if (!isObj(v)) ctx.fail(path, `must be an object of string labels, got ${kind(v)}`);
  const out = Object.create(null) as Record<string, string>;
  for (const [k, x] of Object.entries(v)) {
    safeName(ctx, join(path, k), k, 'label');
    if (typeof x !== 'string') ctx.fail(join(path, k), `label values must be strings, got ${kind(x)}`);
    out[k] = x;
  }
  return out;
}

function frames(ctx: Ctx, path: string, v: unknown): Frame[] {
  if (!Array.isArray(v) || v.length === 0) ctx.fail(path, `must be a non-empty array of frames {func, file, line}, got ${kind(v)}`);
  if (v.length > 64) ctx.fail(path, `has ${v.length} frames; the runtime records at most 64 (maxCPUProfStack)`);
  return v.map((f, i) => {
    const o = keys(ctx, join(path, i), f, ['func', 'file', 'line']);
    return { func: str(ctx, join(join(path, i), 'func'), o.func), file: str(ctx, join(join(path, i), 'file'), o.file), line: int(ctx, join(join(path, i), 'line'), o.line, 0, 1e9) };
  });
}

function stackRef(ctx: Ctx, path: string, v: unknown): number {
  if (typeof v === 'string') {
    const f = ctx.stacks.get(v);
    if (!f) ctx.fail(path, `names no stack in "stacks" (known: ${[...ctx.stacks.keys()].join(', ') || 'none'})`);
    return ctx.symtab.stack(f);
  }
  return ctx.symtab.stack(frames(ctx, path, v));
}

function chan(ctx: Ctx, path: string, v: unknown): number {
  const name = str(ctx, path, v);
  let id = ctx.channels.get(name);
  if (id === undefined) ctx.channels.set(name, (id = ctx.channels.size));
  return id;
}

/** Live goroutines a scenario may have unless `limits.goroutines` says otherwise. */
export const DEFAULT_GOROUTINE_LIMIT = 100_000;

const STEP_KINDS = ['compute', 'syscall', 'sleep', 'block', 'send', 'recv', 'gosched', 'systemstack', 'mcall', 'spawn', 'loop', 'labels', 'task', 'region', 'log', 'alloc', 'stopTheWorld'];

function steps(ctx: Ctx, path: string, v: unknown, depth: number): RStep[] {
  if (!Array.isArray(v)) ctx.fail(path, `must be an array of steps, got ${kind(v)}`);
  if (depth > 16) ctx.fail(path, 'nests loops, tasks and regions more than 16 deep');
  return v.map((s, i) => step(ctx, join(path, i), s, depth));
}

function step(ctx: Ctx, path: string, v: unknown, depth: number): RStep {
  if (!isObj(v)) ctx.fail(path, `must be a step object, got ${kind(v)}`);
  const k = STEP_KINDS.find((x) => Object.hasOwn(v, x));
  if (!k) ctx.fail(path, `names no step kind (one of: ${STEP_KINDS.join(', ')})`);
  const P = (f: string) => join(path, f);
  switch (k) {
    case 'compute': {
      const o = keys(ctx, path, v, ['compute', 'for']);
      return { k, stack: stackRef(ctx, P('compute'), o.compute), ns: dur(ctx, P('for'), o.for, { positive: true }) };
    }
    case 'syscall': {
      const o = keys(ctx, path, v, ['syscall', 'cpu', 'block']);
      const cpuNs = o.cpu === undefined ? 1000 : dur(ctx, P('cpu'), o.cpu);
      const blockNs = o.block === undefined ? 0 : dur(ctx, P('block'), o.block);
      return { k, stack: stackRef(ctx, P('syscall'), o.syscall), cpuNs, blockNs };
    }
    case 'sleep': {
      const o = keys(ctx, path, v, ['sleep']);
      return { k, ns: dur(ctx, P('sleep'), o.sleep, { positive: true }) };
    }
    case 'block': {
      const o = keys(ctx, path, v, ['block', 'reason']);
      const reason = o.reason ?? 'chan';
      if (!['chan', 'select', 'sync', 'cond', 'net'].includes(reason as string)) ctx.fail(P('reason'), `must be one of chan, select, sync, cond, net, got ${kind(reason)}`);
      return { k, ns: dur(ctx, P('block'), o.block, { positive: true }), reason: reason as 'chan' };
    }
    case 'send':
    case 'recv': {
      const o = keys(ctx, path, v, [k]);
      return { k, chan: chan(ctx, P(k), o[k]) };
    }
    case 'gosched': {
      const o = keys(ctx, path, v, ['gosched']);
      if (o.gosched !== true) ctx.fail(P('gosched'), `must be true, got ${kind(o.gosched)}`);
      return { k };
    }
    case 'systemstack':
    case 'mcall': {
      const o = keys(ctx, path, v, [k, 'for']);
      return { k: 'g0', via: k, stack: stackRef(ctx, P(k), o[k]), ns: dur(ctx, P('for'), o.for, { positive: true }) };
    }
    case 'spawn': {
      const o = keys(ctx, path, v, ['spawn', 'count']);
      const name = str(ctx, P('spawn'), o.spawn);
      const tmpl = ctx.templateIds.get(name);
      if (tmpl === undefined) ctx.fail(P('spawn'), `names no goroutine template (known: ${[...ctx.templateIds.keys()].join(', ')})`);
      return { k, tmpl, count: o.count === undefined ? 1 : int(ctx, P('count'), o.count, 1, 100000) };
    }
    case 'loop': {
      const o = keys(ctx, path, v, ['loop', 'times']);
      return { k, body: steps(ctx, P('loop'), o.loop, depth + 1), times: o.times === undefined ? Infinity : int(ctx, P('times'), o.times, 0, 1e12) };
    }
    case 'labels': {
      const o = keys(ctx, path, v, ['labels']);
      return { k, tag: ctx.symtab.labels(labels(ctx, P('labels'), o.labels)) };
    }
    case 'task':
    case 'region': {
      const o = keys(ctx, path, v, [k, 'do']);
      return { k, name: str(ctx, P(k), o[k]), body: steps(ctx, P('do'), o.do ?? [], depth + 1) };
    }
    case 'log': {
      const o = keys(ctx, path, v, ['log', 'category']);
      if (typeof o.log !== 'string') ctx.fail(P('log'), `must be a string, got ${kind(o.log)}`);
      if (o.category !== undefined && typeof o.category !== 'string') ctx.fail(P('category'), `must be a string, got ${kind(o.category)}`);
      return { k, message: o.log, category: (o.category as string | undefined) ?? '' };
    }
    case 'alloc': {
      const o = keys(ctx, path, v, ['alloc']);
      const bytes = parseSize(o.alloc);
      if (bytes === undefined || bytes <= 0) ctx.fail(P('alloc'), `must be a positive size such as 65536 or "64KiB", got ${kind(o.alloc)}`);
      return { k, bytes };
    }
    case 'stopTheWorld': {
      const o = keys(ctx, path, v, ['stopTheWorld', 'for']);
      if (!USER_STW_REASONS.includes(o.stopTheWorld as StwReason)) ctx.fail(P('stopTheWorld'), `must be one of ${USER_STW_REASONS.map((r) => JSON.stringify(r)).join(', ')}, got ${kind(o.stopTheWorld)}`);
      return { k: 'stw', reason: o.stopTheWorld as StwReason, ns: o.for === undefined ? 20_000 : dur(ctx, P('for'), o.for, { positive: true }) };
    }
  }
  ctx.fail(path, 'unreachable');
}

/** The WASM core's memory: 16384 pages of 64 KiB (1 GiB), the module's declared maximum. */
const CORE_MEMORY_BYTES = DEFAULT_MAXIMUM_PAGES * PAGE;
/** Left for everything but the profBufs: module data, trace buffers, staged stacks, locks. */
const CORE_RESERVE_BYTES = 64 << 20;

const mib = (b: number) => (b >= 1 << 30 ? `${+(b / 2 ** 30).toFixed(1)} GiB` : `${+(b / 2 ** 20).toFixed(1)} MiB`);

/**
 * The profBufs a run allocates must fit in the core's memory; otherwise the simulation would
 * fail later with a raw RangeError from the allocator. Sizes are the runtime's (rings rounded
 * up to powers of two, see profBufSizes), and a traced run holds the CPU profile's buffer
 * (1 header word) plus the trace's own: one (v1 tracer, 2 header words) or
 * switches.cpuBuffersPerGen (v2, 3 header words). The field that takes most of the room is named.
 */
function checkProfBufFits(ctx: Ctx, words: number, tags: number, sw: Switches): void {
  const trace = sw.tracer === 'v1' ? { n: 1, hdr: 2 } : { n: sw.cpuBuffersPerGen, hdr: 3 };
  const pow2 = (n: number) => {
    let p = 1;
    while (p < n) p *= 2;
    return p;
  };
  // One buffer's bytes; beyond 32-bit sizes profBufSizes refuses, and the rings alone say enough.
  const one = (hdr: number, w: number, t: number) => {
    try {
      return profBufSizes(hdr, w, t).bytes + 63; // allocations are 64-aligned
    } catch {
      return pow2(w) * 8 + pow2(t) * 4;
    }
  };
  const need = (w: number, t: number) => one(1, w, t) + trace.n * one(trace.hdr, w, t);
  const budget = CORE_MEMORY_BYTES - CORE_RESERVE_BYTES;
  const total = need(words, tags);
  if (total <= budget) return;
  const sizes = { words: pow2(words), tags: pow2(tags) };
  const buffers = `the CPU profile's buffer and the trace's ${trace.n === 1 ? 'CPU-sample buffer' : `${trace.n} CPU-sample buffers`}`;
  const room = `more than the ${mib(budget)} the core's ${mib(CORE_MEMORY_BYTES)} memory has for them`;
  // The largest power of two that fits for the field at fault, the other one unchanged.
  const largest = (fits: (x: number) => boolean, lo: number) => {
    let x = 1 << 27;
    while (x > lo && !fits(x)) x >>= 1;
    return x;
  };
  if (sizes.words * 8 >= sizes.tags * 4) {
    const max = largest((w) => need(w, tags) <= budget, 8);
    ctx.fail('profile.profBuf.words', `${words} words round up to ${sizes.words} (${mib(sizes.words * 8)} a buffer); ${buffers} need ${mib(total)}, ${room} (at most ${max} words with ${tags} tags)`);
  }
  const max = largest((t) => need(words, t) <= budget, 1);
  ctx.fail('profile.profBuf.tags', `${tags} tags round up to ${sizes.tags} (${mib(sizes.tags * 4)} a buffer); ${buffers} need ${mib(total)}, ${room} (at most ${max} tags with ${words} words)`);
}

/** Command-line style overrides applied on top of the scenario. */
export interface Overrides {
  go?: string;
  seed?: number;
  duration?: string;
}

export function resolveScenario(input: unknown, overrides: Overrides = {}, file?: string): ResolvedScenario {
  const ctx: Ctx = new Ctx(file);
  const o = keys(ctx, '', input, ['name', 'go', 'seed', 'duration', 'gomaxprocs', 'stacks', 'goroutines', 'threads', 'gc', 'profile', 'switches', 'costs', 'trace', 'limits']) as Scenario & Obj;

  const goIn = overrides.go ?? o.go ?? DEFAULT_RELEASE;
  if (!GO_RELEASES.includes(goIn as GoRelease)) ctx.fail(overrides.go ? '--go' : 'go', `unknown Go release ${kind(goIn)} (known: ${GO_RELEASES.join(', ')})`);
  const go = goIn as GoRelease;
  const seed = overrides.seed ?? (o.seed === undefined ? 1 : int(ctx, 'seed', o.seed, 0, Number.MAX_SAFE_INTEGER));
  if (!Number.isInteger(seed) || seed < 0) ctx.fail('--seed', `must be a non-negative integer, got ${seed}`);
  // Above 2^53 a number no longer holds every integer: two different seeds typed on the
  // command line would silently become the same run.
  if (seed > Number.MAX_SAFE_INTEGER) ctx.fail('--seed', `must be at most 2^53-1 (${Number.MAX_SAFE_INTEGER}), got ${seed}`);
  const durationNs = overrides.duration !== undefined ? dur(ctx, '--duration', overrides.duration, { positive: true }) : o.duration === undefined ? 1e9 : dur(ctx, 'duration', o.duration, { positive: true });
  if (durationNs > 3600e9) ctx.fail(overrides.duration !== undefined ? '--duration' : 'duration', 'must be at most 1h of simulated time');
  const gomaxprocs = o.gomaxprocs === undefined ? 4 : int(ctx, 'gomaxprocs', o.gomaxprocs, 1, 1024);

  if (o.stacks !== undefined) {
    if (!isObj(o.stacks)) ctx.fail('stacks', `must be an object of named stacks, got ${kind(o.stacks)}`);
    for (const [name, f] of Object.entries(o.stacks)) ctx.stacks.set(safeName(ctx, join('stacks', name), name, 'stack'), frames(ctx, join('stacks', name), f));
  }

  if (!Array.isArray(o.goroutines) || o.goroutines.length === 0) ctx.fail('goroutines', `must be a non-empty array of goroutine templates, got ${kind(o.goroutines)}`);
  o.goroutines.forEach((t, i) => {
    const name = isObj(t) ? t.name : undefined;
    const n = safeName(ctx, join(join('goroutines', i), 'name'), str(ctx, join(join('goroutines', i), 'name'), name), 'template');
    if (ctx.templateIds.has(n)) ctx.fail(join(join('goroutines', i), 'name'), `duplicate template name "${n}"`);
    ctx.templateIds.set(n, i);
  });
  let initial = 0;
  const templates: RTemplate[] = o.goroutines.map((t, i) => {
    const p = join('goroutines', i);
    const x = keys(ctx, p, t, ['name', 'count', 'labels', 'lockOSThread', 'program']);
    const count = x.count === undefined ? 1 : int(ctx, join(p, 'count'), x.count, 0, 100000);
    initial += count;
    if (x.lockOSThread !== undefined && typeof x.lockOSThread !== 'boolean') ctx.fail(join(p, 'lockOSThread'), `must be true or false, got ${kind(x.lockOSThread)}`);
    return {
      name: x.name as string,
      count,
      tag: x.labels === undefined ? 0 : ctx.symtab.labels(labels(ctx, join(p, 'labels'), x.labels)),
      lockOSThread: x.lockOSThread === true,
      program: steps(ctx, join(p, 'program'), x.program, 0),
    };
  });
  if (initial === 0) ctx.fail('goroutines', 'start no goroutine: give at least one template a count > 0');
  if (initial > 100000) ctx.fail('goroutines', `start ${initial} goroutines; at most 100000`);

  const threads: RThread[] = [];
  if (o.threads !== undefined) {
    if (!Array.isArray(o.threads)) ctx.fail('threads', `must be an array, got ${kind(o.threads)}`);
    o.threads.forEach((t, i) => {
      const p = join('threads', i);
      const x = keys(ctx, p, t, ['name', 'count', 'busy', 'start', 'life']);
      threads.push({
        name: str(ctx, join(p, 'name'), x.name),
        count: x.count === undefined ? 1 : int(ctx, join(p, 'count'), x.count, 0, 10000),
        busy: num(ctx, join(p, 'busy'), x.busy, 0, 1, true),
        startNs: x.start === undefined ? 0 : dur(ctx, join(p, 'start'), x.start),
        lifeNs: x.life === undefined ? Infinity : dur(ctx, join(p, 'life'), x.life, { positive: true }),
      });
    });
  }

  let gc: RGC | null = null;
  if (o.gc !== undefined) {
    const x = keys(ctx, 'gc', o.gc, ['trigger', 'period', 'stw', 'mark', 'workers', 'assistNsPerKiB']);
    const trig = x.trigger === undefined ? 4 << 20 : parseSize(x.trigger);
    if (trig === undefined || trig <= 0) ctx.fail('gc.trigger', `must be a positive size, got ${kind(x.trigger)}`);
    gc = {
      triggerBytes: trig,
      periodNs: x.period === undefined ? Infinity : dur(ctx, 'gc.period', x.period, { min: 1e6 }),
      stwNs: x.stw === undefined ? 30_000 : dur(ctx, 'gc.stw', x.stw, { positive: true }),
      markNs: x.mark === undefined ? 2e6 : dur(ctx, 'gc.mark', x.mark, { positive: true }),
      workers: x.workers === undefined ? 0.25 : num(ctx, 'gc.workers', x.workers, 0, 1),
      assistNsPerKiB: x.assistNsPerKiB === undefined ? 200 : num(ctx, 'gc.assistNsPerKiB', x.assistNsPerKiB, 0, 1e6),
    };
  }

  const switches: Switches = { ...RELEASES[go] };
  if (o.switches !== undefined) {
    const x = keys(ctx, 'switches', o.switches, Object.keys(SWITCH_VALUES));
    for (const [k, v] of Object.entries(x)) {
      const allowed = SWITCH_VALUES[k as keyof Switches] as readonly unknown[];
      if (!allowed.includes(v)) ctx.fail(join('switches', k), `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${kind(v)}`);
      (switches as unknown as Obj)[k] = v;
    }
    // The tracer and its wire format go together: one given alone brings the other along.
    const pickedTracer = x.tracer !== undefined;
    const pickedFormat = x.traceFormat !== undefined;
    if (pickedTracer && !pickedFormat && FORMAT_TRACER[switches.traceFormat] !== switches.tracer) switches.traceFormat = DEFAULT_FORMAT[switches.tracer];
    if (pickedFormat && !pickedTracer) switches.tracer = FORMAT_TRACER[switches.traceFormat];
    if (FORMAT_TRACER[switches.traceFormat] !== switches.tracer) {
      ctx.fail('switches.traceFormat', `${switches.traceFormat} is written by the ${FORMAT_TRACER[switches.traceFormat]} tracer, not by switches.tracer ${switches.tracer}`);
    }
    if (switches.stwTraced === 'all' && (switches.traceFormat === 'go1.11' || switches.traceFormat === 'go1.19')) {
      ctx.fail('switches.stwTraced', `"all" needs a format that names every stop (go1.21 or later); ${switches.traceFormat} only has GC's two kinds`);
    }
  }

  const pr = o.profile === undefined ? {} : keys(ctx, 'profile', o.profile, ['hz', 'timer', 'tick', 'profBuf', 'firstExpiry', 'readEvery']);
  if (pr.timer !== undefined) {
    if (!SWITCH_VALUES.timer.includes(pr.timer as 'setitimer')) ctx.fail('profile.timer', `must be "setitimer" or "per-thread", got ${kind(pr.timer)}`);
    switches.timer = pr.timer as 'setitimer';
  }
  if (pr.firstExpiry !== undefined) {
    if (!SWITCH_VALUES.firstExpiry.includes(pr.firstExpiry as 'uniform')) ctx.fail('profile.firstExpiry', `must be "uniform" or "period", got ${kind(pr.firstExpiry)}`);
    switches.firstExpiry = pr.firstExpiry as 'uniform';
  }
  const hz = pr.hz === undefined ? 100 : int(ctx, 'profile.hz', pr.hz, 1, 100000);
  const pb = pr.profBuf === undefined ? {} : keys(ctx, 'profile.profBuf', pr.profBuf, ['words', 'tags']);
  const profile: RProfile = {
    hz,
    periodNs: Math.floor(1e9 / hz),
    tickNs: pr.tick === undefined ? 4e6 : dur(ctx, 'profile.tick', pr.tick, { min: 1000 }),
    words: pb.words === undefined ? 1 << 17 : int(ctx, 'profile.profBuf.words', pb.words, 8, (1 << 28) - 1),
    tags: pb.tags === undefined ? 1 << 14 : int(ctx, 'profile.profBuf.tags', pb.tags, 1, (1 << 28) - 1),
    readEveryNs: pr.readEvery === undefined ? 100e6 : dur(ctx, 'profile.readEvery', pr.readEvery, { min: 1000 }),
  };
  checkProfBufFits(ctx, profile.words, profile.tags, switches);

  const c = o.costs === undefined ? {} : keys(ctx, 'costs', o.costs, ['schedule', 'gosched', 'newproc', 'findRunnable']);
  const costs: RCosts = {
    scheduleNs: c.schedule === undefined ? 250 : dur(ctx, 'costs.schedule', c.schedule),
    goschedNs: c.gosched === undefined ? 150 : dur(ctx, 'costs.gosched', c.gosched),
    newprocNs: c.newproc === undefined ? 800 : dur(ctx, 'costs.newproc', c.newproc),
    findRunnableNs: c.findRunnable === undefined ? 2000 : dur(ctx, 'costs.findRunnable', c.findRunnable),
  };

  const name = o.name === undefined ? 'scenario' : str(ctx, 'name', o.name);
  const tr = o.trace === undefined ? {} : keys(ctx, 'trace', o.trace, ['period', 'cpuReaderEvery']);
  const trace: RTrace = {
    periodNs: tr.period === undefined ? 1e9 : dur(ctx, 'trace.period', tr.period, { min: 1000 }),
    cpuReaderEveryNs: tr.cpuReaderEvery === undefined ? 100e6 : dur(ctx, 'trace.cpuReaderEvery', tr.cpuReaderEvery, { min: 1000 }),
  };
  const li = o.limits === undefined ? {} : keys(ctx, 'limits', o.limits, ['goroutines']);
  const limits = { goroutines: li.goroutines === undefined ? DEFAULT_GOROUTINE_LIMIT : int(ctx, 'limits.goroutines', li.goroutines, 1, 10_000_000) };
  return { name, go, seed, durationNs, gomaxprocs, templates, threads, gc, profile, switches, costs, channels: [...ctx.channels.keys()], symtab: ctx.symtab, trace, limits };
}

/** Parse JSON text and resolve it, reporting a JSON syntax error with its position. */
export function resolveScenarioText(text: string, overrides: Overrides = {}, file?: string): ResolvedScenario {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError('', `malformed JSON: ${(e as Error).message}`, file);
  }
  return resolveScenario(input, overrides, file);
}
