// npm run bench: every suite, printed as tables and written to bench/results/*.json.
import { coreBench } from './core.ts';
import { printTable, writeResults } from './report.ts';

const only = process.argv[2];

if (!only || only === 'core') {
  const rows = await coreBench();
  printTable('core (bench/results/core.json)', rows);
  writeResults('core.json', rows);
}
