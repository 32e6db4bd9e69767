// The import layering the README's Architecture section draws holds for every file of bindings/:
// scripts/check-layers.ts exits 0 (no import goes up a layer or across to a sibling, no runtime
// import cycle), and fails on a planted upward import.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CHECK = new URL('../scripts/check-layers.ts', import.meta.url).pathname;
const run = () => spawnSync(process.execPath, ['--import', 'tsx', CHECK], { encoding: 'utf8' });

describe('layers', () => {
  it('no upward or sibling import, no cycle', () => {
    const r = run();
    expect(r.stderr + r.stdout).not.toMatch(/error/i);
    expect(r.status).toBe(0);
  }, 60_000);

  it('a planted upward import (formats → sim) is refused', () => {
    const dir = new URL('../bindings/formats/zz-planted/', import.meta.url).pathname;
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(`${dir}up.ts`, "import { Sched } from '../../sim/sched.ts';\nexport const x = Sched;\n");
      const r = run();
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toContain('zz-planted/up.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
