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

import { resolveScenario, ScenarioError } from './resolve.ts';

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

/** Axes the scenario format knows at top level and under these objects (see scenario.ts). */
const KNOWN_ROOTS = new Set(['name', 'go', 'seed', 'duration', 'gomaxprocs', 'stacks', 'goroutines', 'threads', 'gc', 'profile', 'switches', 'costs', 'trace']);

export function parseGrid(input: unknown, file?: string): Grid {
  const fail = (path: string, problem: string): never => {
    throw new GridError(path, problem, file);
  };
  if (!isObj(input)) fail('grid', 'must be a JSON object with "base", "axes" and "seeds"');
  const g = input as Record<string, unknown>;
  for (const k of Object.keys(g)) if (!['base', 'axes', 'seeds', 'trace'].includes(k)) fail(k, 'unknown field (allowed: base, axes, seeds, trace)');
  if (!isObj(g.base)) fail('base', 'must be a scenario object');
  const axes = g.axes ?? {};
  if (!isObj(axes)) fail('axes', 'must be an object of axis path → array of values');
  for (const [path, values] of Object.entries(axes)) {
    if (!Array.isArray(values) || values.length === 0) fail(`axes.${path}`, 'must be a non-empty array of values');
    const root = path.split('.')[0];
    if (!KNOWN_ROOTS.has(root)) fail(`axes.${path}`, `unknown axis: the scenario has no field "${root}"`);
    if (path === 'seed') fail(`axes.${path}`, 'use "seeds" for the seed axis');
  }
  const seeds = g.seeds ?? [1];
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && (s as number) >= 0)) fail('seeds', 'must be a non-empty array of non-negative integers');
  if (g.trace !== undefined && typeof g.trace !== 'boolean') fail('trace', 'must be true or false');
  return { base: g.base as Record<string, unknown>, axes: axes as Record<string, unknown[]>, seeds: seeds as number[], trace: g.trace === true };
}

/** Set a dotted path in a deep copy of obj (array indexes as numbers). */
function setPath(obj: Record<string, unknown>, path: string, value: unknown, fail: (p: string, m: string) => never): void {
  const parts = path.split('.');
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    if (Array.isArray(cur)) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) fail(`axes.${path}`, `index ${k} is out of range`);
      cur = cur[idx];
      continue;
    }
    const o = cur as Record<string, unknown>;
    if (o[k] === undefined) o[k] = {};
    if (typeof o[k] !== 'object' || o[k] === null) fail(`axes.${path}`, `"${parts.slice(0, i + 1).join('.')}" is not an object`);
    cur = o[k];
  }
  const last = parts[parts.length - 1];
  if (Array.isArray(cur)) {
    const idx = Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) fail(`axes.${path}`, `index ${last} is out of range`);
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
    const params: Record<string, unknown> = {};
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
