// Checking scenario input against the schema (schema.ts): one function per field kind, each
// failing with a ScenarioError that names the field path (e.g. `goroutines[2].program[0].for`)
// and what is wrong with it. Unknown keys are errors (a typo must not silently fall back to a
// default); every value lands in a prototype-free object, so nothing a user writes (or plants
// on Object.prototype) is ever read back as a field.
//
// check() returns values in the model's units: durations in ns, sizes in bytes, stacks, labels,
// channels and templates as the ids the Ctx interned (in the order met, which fixes the ids,
// hence the outputs), steps as RSteps. Absent optional fields get their schema default, checked
// like input, or undefined when the schema documents what leaving them out means (`unset`).

import type { Frame } from './scenario.ts';
import type { RStep } from './resolved.ts';
import type { FieldSpec, Fields, EnumSpec, StepKind, STEPS } from './schema.ts';
import { FRAME, MAX_STACK_FRAMES, STEP_KINDS, STEPS as STEP_SPECS } from './schema.ts';
import { SWITCH_VALUES, type Switches } from './releases.ts';
import { Symtab } from './symtab.ts';
import { parseGoDuration } from './duration.ts';

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

export type Obj = Record<string, unknown>;

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

/** What checking one scenario accumulates: interned stacks and labels, channels, names. */
export class Ctx {
  readonly symtab = new Symtab();
  readonly channels = new Map<string, number>();
  readonly stacks = new Map<string, Frame[]>();
  readonly templateIds = new Map<string, number>();
  constructor(readonly file?: string) {}
  fail(path: string, problem: string): never {
    throw new ScenarioError(path, problem, this.file);
  }
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as the error message shows it: quoted and escaped (one line), long strings cut. */
export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'string') return typeof v;
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}

/** Field paths: `a.b` for plain keys, `a[3]` for indexes, `a["odd key"]` for anything else. */
export const join = (path: string, k: string | number) => {
  if (typeof k === 'number') return `${path}[${k}]`;
  if (!/^[\w$-]+$/.test(k)) return `${path}[${JSON.stringify(k.length > 80 ? `${k.slice(0, 77)}...` : k)}]`;
  return path ? `${path}.${k}` : k;
};

/**
 * The object's known fields, checked against `allowed`, as a prototype-free copy: later reads
 * see only what the user wrote, never something inherited (or planted) on Object.prototype.
 */
export function keys(ctx: Ctx, path: string, v: unknown, allowed: readonly string[]): Obj {
  if (!isObj(v)) ctx.fail(path, `must be an object, got ${kind(v)}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) ctx.fail(join(path, k), `unknown field (allowed: ${allowed.join(', ')})`);
  return bareCopy(v);
}

/** A user-chosen name used as a key (stack, label, template): never one that reaches a prototype. */
export function safeName(ctx: Ctx, path: string, name: string, what: string): string {
  if (FORBIDDEN_KEYS.has(name)) ctx.fail(path, `"${name}" is not allowed as a ${what} name (reserved: ${[...FORBIDDEN_KEYS].join(', ')})`);
  return name;
}

const DURATION_HINT = 'a duration such as "250us", "1.5ms", "2s" or "1m30s"';

/** A duration for messages: the largest unit that divides it ("1h", "250us"). */
export function formatNs(ns: number): string {
  for (const [u, n] of [['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3]] as const) if (ns !== 0 && ns % n === 0) return `${ns / n}${u}`;
  return `${ns}ns`;
}

/**
 * A duration in ns (Go's time.ParseDuration grammar). Never negative, and at most 2^53-1 ns:
 * the simulated clock is a float64 count of ns, exact only up to there.
 */
function dur(ctx: Ctx, path: string, v: unknown, opts: { min?: number; positive?: boolean; max?: number }): number {
  if (typeof v !== 'string') ctx.fail(path, `must be ${DURATION_HINT}, got ${kind(v)}`);
  const r = parseGoDuration(v);
  if (!r.ok) ctx.fail(path, `must be ${DURATION_HINT}, got ${kind(v)} (${r.error})`);
  // Range errors keep the "must be a duration" wording of the syntax error they replace.
  if (opts.min !== undefined && r.ns < BigInt(opts.min)) ctx.fail(path, `must be a duration of at least ${opts.min}ns, got ${kind(v)}`);
  if (opts.positive && r.ns <= 0n) ctx.fail(path, `must be a duration greater than 0, got ${kind(v)}`);
  if (r.ns < 0n) ctx.fail(path, `must be a duration of 0 or more, got ${kind(v)}`);
  if (r.ns > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail(path, `must be a duration of at most 2^53-1 ns (about 104 days), got ${kind(v)}`);
  if (opts.max !== undefined && r.ns > BigInt(opts.max)) ctx.fail(path, `must be at most ${formatNs(opts.max)} of simulated time`);
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

function oneOf(ctx: Ctx, path: string, v: unknown, spec: Pick<EnumSpec, 'values' | 'noun'>): unknown {
  if (spec.values.includes(v as string)) return v;
  if (spec.noun) ctx.fail(path, `unknown ${spec.noun} ${kind(v)} (known: ${spec.values.join(', ')})`);
  ctx.fail(path, `must be one of ${spec.values.map((a) => JSON.stringify(a)).join(', ')}, got ${kind(v)}`);
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
  if (v.length > MAX_STACK_FRAMES) ctx.fail(path, `has ${v.length} frames; the runtime records at most ${MAX_STACK_FRAMES} (maxCPUProfStack)`);
  return v.map((f, i) => checkFields(ctx, join(path, i), f, FRAME));
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

/** How deep loops, tasks and regions may nest. */
const MAX_NESTING = 16;

function steps(ctx: Ctx, path: string, v: unknown, depth: number): RStep[] {
  if (!Array.isArray(v)) ctx.fail(path, `must be an array of steps, got ${kind(v)}`);
  if (depth > MAX_NESTING) ctx.fail(path, `nests loops, tasks and regions more than ${MAX_NESTING} deep`);
  return v.map((s, i) => step(ctx, join(path, i), s, depth));
}

type StepFields<K extends StepKind> = CheckedFields<(typeof STEPS)[K]['fields']>;

/** The model's form of each step, from its checked fields. */
const BUILD: { [K in StepKind]: (f: StepFields<K>) => RStep } = {
  compute: (f) => ({ k: 'compute', stack: f.compute, ns: f.for }),
  syscall: (f) => ({ k: 'syscall', stack: f.syscall, cpuNs: f.cpu, blockNs: f.block }),
  sleep: (f) => ({ k: 'sleep', ns: f.sleep }),
  block: (f) => ({ k: 'block', ns: f.block, reason: f.reason }),
  send: (f) => ({ k: 'send', chan: f.send }),
  recv: (f) => ({ k: 'recv', chan: f.recv }),
  gosched: () => ({ k: 'gosched' }),
  systemstack: (f) => ({ k: 'g0', via: 'systemstack', stack: f.systemstack, ns: f.for }),
  mcall: (f) => ({ k: 'g0', via: 'mcall', stack: f.mcall, ns: f.for }),
  spawn: (f) => ({ k: 'spawn', tmpl: f.spawn, count: f.count }),
  loop: (f) => ({ k: 'loop', body: f.loop, times: f.times ?? Infinity }),
  labels: (f) => ({ k: 'labels', tag: f.labels }),
  task: (f) => ({ k: 'task', name: f.task, body: f.do }),
  region: (f) => ({ k: 'region', name: f.region, body: f.do }),
  log: (f) => ({ k: 'log', message: f.log, category: f.category }),
  alloc: (f) => ({ k: 'alloc', bytes: f.alloc }),
  stopTheWorld: (f) => ({ k: 'stw', reason: f.stopTheWorld, ns: f.for }),
};

function step(ctx: Ctx, path: string, v: unknown, depth: number): RStep {
  if (!isObj(v)) ctx.fail(path, `must be a step object, got ${kind(v)}`);
  const k = STEP_KINDS.find((x) => Object.hasOwn(v, x));
  if (!k) ctx.fail(path, `names no step kind (one of: ${STEP_KINDS.join(', ')})`);
  const f = checkFields(ctx, path, v, STEP_SPECS[k].fields, depth + 1);
  return (BUILD[k] as (f: unknown) => RStep)(f);
}

/** Switch overrides: each a value its switch allows (resolve.ts applies them). */
function switchOverrides(ctx: Ctx, path: string, v: unknown): Partial<Switches> {
  const x = keys(ctx, path, v, Object.keys(SWITCH_VALUES));
  for (const [k, s] of Object.entries(x)) oneOf(ctx, join(path, k), s, { values: SWITCH_VALUES[k as keyof Switches] as readonly (string | number | boolean)[] });
  return x as Partial<Switches>;
}

/** What check() returns for a present value of a field. */
type Value<F> = F extends { kind: 'duration' | 'size' | 'int' | 'number' | 'stack' | 'labels' | 'channel' | 'template' }
  ? number
  : F extends { kind: 'enum'; values: readonly (infer V)[] }
    ? V
    : F extends { kind: 'bool' }
      ? boolean
      : F extends { kind: 'true' }
        ? true
        : F extends { kind: 'string' }
          ? string
          : F extends { kind: 'object'; fields: infer O }
            ? CheckedFields<O>
            : F extends { kind: 'list'; of: infer E }
              ? Value<E>[]
              : F extends { kind: 'frames' }
                ? Frame[]
                : F extends { kind: 'steps' }
                  ? RStep[]
                  : F extends { kind: 'switches' }
                    ? Partial<Switches>
                    : undefined;
/** What check() returns for a field, present or not: undefined only when the schema allows it. */
export type Checked<F> = F extends { required: true } | { default: unknown } ? Value<F> : F extends { kind: 'object'; unset?: undefined } ? Value<F> : Value<F> | undefined;
export type CheckedFields<O> = { [K in keyof O]: Checked<O[K]> };

/** Check one field's value (undefined: absent) against its schema entry. */
export function check<F extends FieldSpec>(ctx: Ctx, path: string, v: unknown, spec: F, depth = 0): Checked<F> {
  return checkValue(ctx, path, v, spec, depth) as Checked<F>;
}

function checkValue(ctx: Ctx, path: string, v: unknown, spec: FieldSpec, depth: number): unknown {
  if (v === undefined && !spec.required) {
    if ('default' in spec && spec.default !== undefined) v = spec.default;
    else if (spec.kind === 'object' && spec.unset === undefined) v = {};
    else return undefined;
  }
  switch (spec.kind) {
    case 'duration':
      return dur(ctx, path, v, spec);
    case 'size': {
      const bytes = parseSize(v);
      if (bytes === undefined || bytes <= 0) ctx.fail(path, `must be a positive size such as 65536 or "64KiB", got ${kind(v)}`);
      return bytes;
    }
    case 'int':
      return int(ctx, path, v, spec.min, spec.max);
    case 'number':
      return num(ctx, path, v, spec.min, spec.max, spec.openMin);
    case 'enum':
      return oneOf(ctx, path, v, spec);
    case 'bool':
      if (typeof v !== 'boolean') ctx.fail(path, `must be true or false, got ${kind(v)}`);
      return v;
    case 'true':
      if (v !== true) ctx.fail(path, `must be true, got ${kind(v)}`);
      return v;
    case 'string':
      if (spec.empty && typeof v !== 'string') ctx.fail(path, `must be a string, got ${kind(v)}`);
      return spec.empty ? v : str(ctx, path, v);
    case 'object':
      return checkFields(ctx, path, v, spec.fields, depth);
    case 'list': {
      const out: unknown[] = [];
      checkList(ctx, path, v, spec).forEach((x, i) => out.push(checkFields(ctx, join(path, i), x, spec.of.fields, depth)));
      return out;
    }
    case 'stacks':
      if (!isObj(v)) ctx.fail(path, `must be an object of named stacks, got ${kind(v)}`);
      for (const [name, f] of Object.entries(v)) ctx.stacks.set(safeName(ctx, join(path, name), name, 'stack'), frames(ctx, join(path, name), f));
      return undefined;
    case 'stack':
      return stackRef(ctx, path, v);
    case 'frames':
      return frames(ctx, path, v);
    case 'labels':
      return ctx.symtab.labels(labels(ctx, path, v));
    case 'steps':
      return steps(ctx, path, v, depth);
    case 'channel':
      return chan(ctx, path, v);
    case 'template': {
      const name = str(ctx, path, v);
      const tmpl = ctx.templateIds.get(name);
      if (tmpl === undefined) ctx.fail(path, `names no goroutine template (known: ${[...ctx.templateIds.keys()].join(', ')})`);
      return tmpl;
    }
    case 'switches':
      return switchOverrides(ctx, path, v);
  }
}

/** An object of schema fields: unknown keys refused, each field checked in schema order. */
export function checkFields<O extends Fields>(ctx: Ctx, path: string, v: unknown, fields: O, depth = 0): CheckedFields<O> {
  const x = keys(ctx, path, v, Object.keys(fields));
  const out = Object.create(null) as Obj;
  for (const [name, spec] of Object.entries(fields)) out[name] = checkValue(ctx, join(path, name), x[name], spec, depth);
  return out as CheckedFields<O>;
}

/** The array a list field holds (its elements still to be checked). */
export function checkList(ctx: Ctx, path: string, v: unknown, spec: { nonEmpty?: true; noun?: string }): unknown[] {
  if (!Array.isArray(v) || (spec.nonEmpty && v.length === 0)) ctx.fail(path, `must be ${spec.nonEmpty ? 'a non-empty array' : 'an array'}${spec.noun ? ` of ${spec.noun}` : ''}, got ${kind(v)}`);
  return v;
}
