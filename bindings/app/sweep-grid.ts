// Sweep grids: a base scenario, parameter axes and seeds → the ordered list of runs.
//
//   { "base": <scenario>, "axes": { "go": ["1.17", "1.18"], "gomaxprocs": [1, 2, 4],
//     "profile.timer": ["setitimer", "per-thread"] }, "seeds": [1, 2, 3], "trace": false }
//
// An axis is a dotted path into the scenario (any field: "profile.hz",
// "profile.profBuf.words", "switches.cpuBuffersPerGen", "goroutines.0.count"...). Runs are
// the cartesian product in a fixed order (axes in the order written, last axis fastest,
// seeds innermost), and each run's id is derived from its parameters, so a resumed sweep
// recognizes the runs it already has. Every run's scenario is validated before anything
// runs: a malformed grid or an axis the scenario does not have is an error naming it.
// Axis paths may not name "__proto__", "constructor" or "prototype" (they would write to
// Object.prototype of the process running the sweep), and axes and params are kept in
// prototype-free objects, so no user-written key ever reaches a prototype.

import { bareCopy, FORBIDDEN_KEYS, resolveScenario, ScenarioError } from '../scenario/resolve.ts';
import { SCENARIO_FIELDS } from '../scenario/schema.ts';

export interface Grid {
  base: Record<string, unknown>;
  axes: Record<string, unknown[]>;
  seeds: number[];
  trace: boolean;
}

export interface Run {
  index: number;
  id: string;
  params: Record<string, unknown>;
  seed: number;
  scenario: Record<string, unknown>;
}

export class GridError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${path}: ${problem}`);
    this.name = 'GridError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An axis's field path in messages: escaped, so that the message stays on one line. */
const axisPath = (path: string): string => `axes.${JSON.stringify(path).slice(1, -1)}`;

/** Refuse a path segment that would reach a prototype when the path is applied. */
function checkSegments(path: string, fail: (p: string, m: string) => never): string[] {
  const parts = path.split('.');
  const bad = parts.find((p) => FORBIDDEN_KEYS.has(p));
  if (bad !== undefined) fail(axisPath(path), `"${bad}" is not allowed in an axis path (reserved: ${[...FORBIDDEN_KEYS].join(', ')})`);
  if (parts.some((p) => p === '')) fail(axisPath(path), 'has an empty path segment');
  return parts;
}

/** Axes may start with any top-level field of the scenario schema. */
const KNOWN_ROOTS: ReadonlySet<string> = new Set(SCENARIO_FIELDS);

export function parseGrid(input: unknown, file?: string): Grid {
  const fail = (path: string, problem: string): never => {
    throw new GridError(path, problem, file);
  };
  if (!isObj(input)) fail('grid', 'must be a JSON object with "base", "axes" and "seeds"');
  const g = bareCopy(input as Record<string, unknown>); // own fields only
  for (const k of Object.keys(g)) if (!['base', 'axes', 'seeds', 'trace'].includes(k)) fail(k, 'unknown field (allowed: base, axes, seeds, trace)');
  if (!isObj(g.base)) fail('base', 'must be a scenario object');
  const axes = g.axes ?? {};
  if (!isObj(axes)) fail('axes', 'must be an object of axis path → array of values');
  for (const [path, values] of Object.entries(axes)) {
    const at = axisPath(path);
    const parts = checkSegments(path, fail);
    if (!Array.isArray(values) || values.length === 0) fail(at, 'must be a non-empty array of values');
    if (!KNOWN_ROOTS.has(parts[0])) fail(at, `unknown axis: the scenario has no field "${parts[0]}"`);
    if (path === 'seed') fail(at, 'use "seeds" for the seed axis');
  }
  const seeds = g.seeds ?? [1];
  if (!Array.isArray(seeds) || seeds.length === 0) fail('seeds', 'must be a non-empty array of non-negative integers');
  // At most 2^53-1: above it distinct seeds collapse into the same number, hence the same run.
  const badSeed = (seeds as unknown[]).findIndex((s) => !Number.isSafeInteger(s) || (s as number) < 0);
  if (badSeed >= 0) {
    const s = (seeds as unknown[])[badSeed];
    fail('seeds', `must be a non-empty array of integers from 0 to 2^53-1 (${Number.MAX_SAFE_INTEGER}); seeds[${badSeed}] is ${typeof s === 'number' ? s : (JSON.stringify(s) ?? typeof s)}`);
  }
  if (g.trace !== undefined && typeof g.trace !== 'boolean') fail('trace', 'must be true or false');
  return { base: g.base as Record<string, unknown>, axes: bareCopy(axes as Record<string, unknown[]>), seeds: seeds as number[], trace: g.trace === true };
}

/**
 * Set a dotted path in a deep copy of obj (array indexes as numbers). Only own properties are
 * followed: a segment the object does not have becomes a new object, never an inherited one
 * (parseGrid has already refused the segments that would reach a prototype).
 */
function setPath(obj: Record<string, unknown>, path: string, value: unknown, fail: (p: string, m: string) => never): void {
  const parts = checkSegments(path, fail); // again: expandGrid may get a Grid parseGrid never saw
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    if (Array.isArray(cur)) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) fail(axisPath(path), `index ${k} is out of range`);
      cur = cur[idx];
      continue;
    }
    const o = cur as Record<string, unknown>;
    if (!Object.hasOwn(o, k) || o[k] === undefined) o[k] = {};
    if (typeof o[k] !== 'object' || o[k] === null) fail(axisPath(path), `"${parts.slice(0, i + 1).join('.')}" is not an object`);
    cur = o[k];
  }
  const last = parts[parts.length - 1];
  if (Array.isArray(cur)) {
    const idx = Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) fail(axisPath(path), `index ${last} is out of range`);
    cur[idx] = value;
  } else (cur as Record<string, unknown>)[last] = value;
}

/** Every run of the grid, validated. */
export function expandGrid(grid: Grid, file?: string): Run[] {
  const fail = (path: string, problem: string): never => {
    throw new GridError(path, problem, file);
  };
  const names = Object.keys(grid.axes);
  const runs: Run[] = [];
  const idx = new Array<number>(names.length).fill(0);
  for (;;) {
    const params = Object.create(null) as Record<string, unknown>;
    names.forEach((n, i) => (params[n] = grid.axes[n][idx[i]]));
    for (const seed of grid.seeds) {
      const scenario = structuredClone(grid.base);
      for (const n of names) setPath(scenario, n, params[n], fail);
      scenario.seed = seed;
      try {
        resolveScenario(scenario);
      } catch (e) {
        if (e instanceof ScenarioError) fail(`run ${runs.length} (${describe(params, seed)})`, e.message);
        throw e;
      }
      runs.push({ index: runs.length, id: runId(params, seed), params, seed, scenario });
    }
    let k = names.length - 1;
    while (k >= 0 && ++idx[k] === grid.axes[names[k]].length) idx[k--] = 0;
    if (k < 0) break;
  }
  return runs;
}

export function describe(params: Record<string, unknown>, seed: number): string {
  return [...Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`), `seed=${seed}`].join(' ');
}

/** A stable id from the parameters (FNV-1a of their canonical text). */
export function runId(params: Record<string, unknown>, seed: number): string {
  const text = describe(params, seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
