// The layers of bindings/ and the direction of their imports, checked: `npx tsx scripts/check-layers.ts`.
//
// Every relative import (static, re-export or dynamic) of every bindings/**/*.ts file is read
// with TypeScript's parser and held against the layer tables below (the README's Architecture
// section draws them). An import may only go to the same layer or one below; siblings of one
// layer (core/ and formats/; the v1 and v2 readers) do not import each other. An import that
// goes up is an error when it is a runtime import, and is listed apart when it is type-only
// (erased at run time, but still a dependency to remove). Runtime import cycles are errors too.
// Exit status 1 on any error. Who may touch: anyone changing the layers (with the README).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bindings');

/** A place in the layering: rank (higher imports lower) and group (equal ranks, different groups: apart). */
interface Layer {
  rank: number;
  group: string;
}

/** bindings/<dir>/: the program's layers, bottom up. */
const TOP: Record<string, Layer> = {
  core: { rank: 0, group: 'core' },
  formats: { rank: 0, group: 'formats' },
  scenario: { rank: 1, group: 'scenario' },
  sim: { rank: 2, group: 'sim' },
  stress: { rank: 2, group: 'stress' },
  runtime: { rank: 3, group: 'runtime' },
  app: { rank: 4, group: 'app' },
  cli: { rank: 5, group: 'cli' },
  // bindings/*.ts: the package's faces (index.ts, browser.ts, cli.ts).
  '': { rank: 6, group: 'faces' },
};

/** bindings/formats/: shared leaves → the event model → the readers → the model runner → consumers → API. */
function formatsLayer(f: string): Layer {
  const leaves = ['version.ts', 'bytes.ts', 'uvarint.ts', 'pprof.ts', 'event.ts', 'input.ts', 'detect.ts', 'resolve.ts'];
  const tables = ['v1/spec.ts', 'v2/spec.ts', 'v2/goquote.ts', 'v2/gotime.ts', 'v2/gosort.ts', 'trace/model.ts'];
  if (leaves.includes(f) || tables.includes(f)) return { rank: 0, group: 'leaves' };
  if (f === 'trace/event.ts') return { rank: 1, group: 'model' };
  if (f.startsWith('v1/')) return { rank: 2, group: 'v1' };
  if (f.startsWith('v2/')) return { rank: 2, group: 'v2' };
  if (f === 'trace/read.ts') return { rank: 3, group: 'runner' };
  if (f === 'index.ts') return { rank: 5, group: 'api' };
  return { rank: 4, group: 'consumers' }; // summary.ts, trace/print.ts, chrome/
}

/** The trace readers, layered as Go's internal/trace: wire → batches → generations → ordering → events. */
const READER: Record<string, Record<string, number>> = {
  v1: {
    // wire (bytes → columns; batch groups are a column)
    'spec.ts': 0, 'slots.ts': 0, 'readval.ts': 0, 'header.ts': 0, 'entries.ts': 0, 'attribution.ts': 0, 'columns.ts': 0, 'wire.ts': 0,
    // ordering (batch groups merged)
    'sort.ts': 1, 'frontier.ts': 1, 'merge-table.ts': 1, 'merge.ts': 1, 'sysexit.ts': 1, 'futile.ts': 1, 'order-seq.ts': 1, 'order.ts': 1,
    // state and the model conversion (what each event does)
    'tables.ts': 2, 'model.ts': 2, 'state-table.ts': 2, 'state-slots.ts': 2, 'state-errors.ts': 2, 'state.ts': 2,
    // the API
    'events.ts': 3, 'index.ts': 3,
  },
  v2: {
    // wire
    'spec.ts': 0, 'goquote.ts': 0, 'gotime.ts': 0, 'gosort.ts': 0, 'idtable.ts': 0, 'raw.ts': 0, 'text.ts': 0,
    // batches, generations
    'batch.ts': 1, 'generation.ts': 2,
    // ordering
    'cursor.ts': 3, 'frontier.ts': 3, 'order.ts': 3, 'order-fast.ts': 3, 'order-state.ts': 3, 'order-goroutines.ts': 3,
    'order-procs.ts': 3, 'order-ranges.ts': 3, 'order-syscalls.ts': 3, 'order-user.ts': 3,
    // events: sinks, the model adapter, the validation layer
    'sinks.ts': 4, 'model.ts': 4, 'check.ts': 4,
    // the reader (core, the one read loop, streams) and the API
    'core.ts': 5, 'reader.ts': 5, 'stream.ts': 5, 'index.ts': 6,
  },
};

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Import {
  to: string;
  typeOnly: boolean;
}

/** Relative imports of a file, resolved to paths under bindings/. */
function importsOf(file: string): Import[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (spec.startsWith('.')) out.push({ to: relative(ROOT, resolve(dirname(file), spec)), typeOnly });
  };
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const named = c?.namedBindings;
      const allTypes = c !== undefined && (c.isTypeOnly || (c.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      add(n.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const named = n.exportClause;
      const allTypes = n.isTypeOnly || (named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
      add(n.moduleSpecifier.text, allTypes);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments.length > 0 && ts.isStringLiteral(n.arguments[0])) {
      add(n.arguments[0].text, false);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

/** Layer of a file for an import between `a` and `b`, at the finest level both share. */
function compare(a: string, b: string): { from: Layer; to: Layer; where: string } {
  const [da, db] = [a.includes('/') ? a.split('/')[0] : '', b.includes('/') ? b.split('/')[0] : ''];
  if (da !== db) return { from: TOP[da], to: TOP[db], where: 'bindings/' };
  if (da !== 'formats') return { from: { rank: 0, group: '' }, to: { rank: 0, group: '' }, where: '' };
  const fa = a.slice('formats/'.length);
  const fb = b.slice('formats/'.length);
  const ra = fa.split('/')[0];
  if (ra === fb.split('/')[0] && READER[ra] !== undefined) {
    const la = READER[ra][fa.slice(ra.length + 1)];
    const lb = READER[ra][fb.slice(ra.length + 1)];
    if (la === undefined || lb === undefined) throw new Error(`check-layers: no layer for ${la === undefined ? a : b} in the ${ra} reader table`);
    return { from: { rank: la, group: ra }, to: { rank: lb, group: ra }, where: `formats/${ra}/` };
  }
  return { from: formatsLayer(fa), to: formatsLayer(fb), where: 'formats/' };
}

const errors: string[] = [];
const typeOnlyUp: string[] = [];
const graph = new Map<string, string[]>();
let edges = 0;
for (const file of files(ROOT)) {
  const a = relative(ROOT, file);
  const runtime: string[] = [];
  for (const { to: b, typeOnly } of importsOf(file)) {
    edges++;
    if (!typeOnly) runtime.push(b);
    const c = compare(a, b);
    if (c.from === undefined || c.to === undefined) throw new Error(`check-layers: no layer for ${c.from === undefined ? a : b}`);
    const up = c.to.rank > c.from.rank || (c.to.rank === c.from.rank && c.to.group !== c.from.group);
    if (!up) continue;
    const line = `${a} -> ${b} (${c.where}: ${c.from.group} ${c.from.rank} -> ${c.to.group} ${c.to.rank})`;
    (typeOnly ? typeOnlyUp : errors).push(line);
  }
  graph.set(a, runtime);
}

// Runtime import cycles (Tarjan's strongly connected components).
let index = 0;
const idx = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const on = new Set<string>();
const strong = (v: string): void => {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
  }
  if (low.get(v) === idx.get(v)) {
    const comp: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) errors.push(`runtime import cycle: ${comp.sort().join(', ')}`);
  }
};
for (const v of graph.keys()) if (!idx.has(v)) strong(v);

console.log(`${graph.size} files, ${edges} relative imports checked against the layers.`);
if (typeOnlyUp.length > 0) console.log(`type-only imports that go up (erased at run time):\n  ${typeOnlyUp.join('\n  ')}`);
if (errors.length > 0) {
  console.log(`imports that go up or across, and runtime cycles:\n  ${errors.join('\n  ')}`);
  process.exit(1);
}
console.log('no runtime import goes up a layer or across to a sibling; no runtime import cycle.');
