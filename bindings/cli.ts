#!/usr/bin/env node
// gotracesim command line. Exit codes: 0 success, 1 invalid input (a bad scenario), 2 usage.

import { parseArgs } from 'node:util';
import { runToDir, humanSummary } from './runtime/run.ts';
import { ScenarioError } from './runtime/resolve.ts';

const USAGE = `gotracesim: a simulator of the Go runtime's CPU profiler and execution tracer

usage:
  gotracesim run [scenario.json] [-o DIR] [--go RELEASE] [--seed N] [--duration D]
      simulate a scenario (the built-in default when none is given) and write
      DIR/cpu.pprof and DIR/summary.json (DIR defaults to ./gotracesim-out)
  gotracesim help          print this message
`;

function fail(code: number, msg: string): never {
  process.stderr.write(`gotracesim: ${msg}\n`);
  process.exit(code);
}

function run(args: string[]): void {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string', short: 'o' }, go: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' } },
    });
  } catch (e) {
    fail(2, `${(e as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) fail(2, `run takes at most one scenario file, got ${positionals.length}`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed)) fail(2, `--seed: must be a non-negative integer, got "${values.seed}"`);
    seed = Number(values.seed);
  }
  const outDir = values.out ?? 'gotracesim-out';
  try {
    const r = runToDir({ scenarioFile: positionals[0], outDir, overrides: { go: values.go, seed, duration: values.duration } });
    process.stdout.write(humanSummary(r, outDir) + '\n');
  } catch (e) {
    if (e instanceof ScenarioError) fail(1, e.message);
    throw e;
  }
}

const [cmd, ...rest] = process.argv.slice(2);
switch (cmd) {
  case undefined:
  case 'help':
  case '-h':
  case '--help':
    process.stdout.write(USAGE);
    break;
  case 'run':
    run(rest);
    break;
  default:
    fail(2, `unknown command "${cmd}"\n\n${USAGE}`);
}
