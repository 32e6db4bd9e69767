// The libraries a report inlines (and `gotracesim serve` hands the examples page), read once
// from the installed packages: Chart.js (its UMD build) for the charts, d3-flame-graph (its UMD
// build, on the d3 modules it needs, each a UMD build that adds itself to the global d3) and
// its stylesheet for the flame graphs. Each module is resolved from the package that depends
// on it, so nested installs work. Node only.
// Who may touch: the report owner.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

/** d3 modules under d3-flame-graph, dependencies first. */
const D3_MODULES = ['d3-array', 'd3-dispatch', 'd3-ease', 'd3-format', 'd3-hierarchy', 'd3-color', 'd3-interpolate', 'd3-time', 'd3-time-format', 'd3-scale', 'd3-selection', 'd3-timer', 'd3-transition'];

const here = createRequire(import.meta.url);

/** The folder of an installed package, from any file it resolves to. */
function packageDir(req: NodeJS.Require, name: string): string {
  const file = req.resolve(name);
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  const i = file.lastIndexOf(marker);
  if (i < 0) throw new Error(`report: cannot locate the package ${name} (resolved to ${file})`);
  return file.slice(0, i + marker.length - 1);
}

/** Text safe inside a <script> element. */
const scriptSafe = (s: string) => s.replace(/<\/script/gi, '<\\/script');

let chartJs: string | undefined;
export function chartLibrary(): string {
  if (chartJs === undefined) chartJs = scriptSafe(readFileSync(join(dirname(here.resolve('chart.js')), 'chart.umd.min.js'), 'utf8'));
  return chartJs;
}

let flameJs: string | undefined;
let flameCss: string | undefined;
/** d3 (the modules d3-flame-graph needs) and d3-flame-graph: globals d3 and flamegraph. */
export function flameLibrary(): string {
  if (flameJs === undefined) {
    const fgDir = packageDir(here, 'd3-flame-graph');
    const fgReq = createRequire(join(fgDir, 'package.json'));
    const parts = D3_MODULES.map((m) => readFileSync(join(packageDir(fgReq, m), 'dist', `${m}.min.js`), 'utf8'));
    parts.push(readFileSync(join(fgDir, 'dist', 'd3-flamegraph.umd.min.js'), 'utf8'));
    flameJs = scriptSafe(parts.join(';\n'));
  }
  return flameJs;
}

export function flameStyles(): string {
  if (flameCss === undefined) flameCss = readFileSync(join(packageDir(here, 'd3-flame-graph'), 'dist', 'd3-flamegraph.css'), 'utf8');
  return flameCss;
}
