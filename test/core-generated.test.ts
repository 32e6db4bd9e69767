// The WASM core's generated files: written once on one side, generated for the other
// (scripts/core-gen.ts, run by `npm run build:wasm`). Each test fails when a source changed and
// the generated file was not rebuilt, so the two sides cannot drift apart.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCore, coreExportsSource, EXPORTS_TS, LAYOUT_AS, profBufLayoutAssembly, ROOT } from '../scripts/core-gen.ts';
import * as L from '../bindings/core/profbuf-layout.ts';
import { loadCore } from '../bindings/core/index.ts';

const committed = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
const REBUILD = 'out of date: run `npm run build:wasm` and commit the result';

describe('profBuf layout: bindings/core/profbuf-layout.ts is the source', () => {
  it(`${LAYOUT_AS} is generated from it`, () => {
    expect(committed(LAYOUT_AS), `${LAYOUT_AS} ${REBUILD}`).toBe(profBufLayoutAssembly());
  });

  it('drift is caught: a moved field no longer matches the committed file', () => {
    const pb = L.PB as { WAKE: number };
    const wake = pb.WAKE;
    try {
      pb.WAKE = wake + 4;
      expect(profBufLayoutAssembly()).not.toBe(committed(LAYOUT_AS));
    } finally {
      pb.WAKE = wake;
    }
  });

  it('fields are aligned, do not overlap, and end before the rings; r and w have cache lines of their own', () => {
    const fields = Object.entries(L.PB_FIELDS)
      .map(([name, f]) => ({ name, off: L.PB[name as keyof typeof L.PB_FIELDS], size: f.type === 'u64' ? 8 : 4 }))
      .sort((a, b) => a.off - b.off);
    for (const [i, f] of fields.entries()) {
      expect(f.off % f.size, `${f.name} aligned`).toBe(0);
      const end = i + 1 < fields.length ? fields[i + 1].off : L.PB.HEADER_BYTES;
      expect(f.off + f.size, `${f.name} overlaps the next field`).toBeLessThanOrEqual(end);
    }
    expect(L.PB.HEADER_BYTES % 64).toBe(0);
    const line = (off: number) => Math.floor(off / 64);
    for (const f of fields) if (f.name !== 'R') expect(line(f.off), `${f.name} shares r's cache line`).not.toBe(line(L.PB.R));
    for (const f of fields) if (f.name !== 'W') expect(line(f.off), `${f.name} shares w's cache line`).not.toBe(line(L.PB.W));
  });

  it('the built module exports the same constants', () => {
    const x = loadCore().exports;
    expect({
      PROFBUF_MAX: x.PROFBUF_MAX.value,
      READ_DATA: x.READ_DATA.value,
      READ_EMPTY: x.READ_EMPTY.value,
      READ_EOF: x.READ_EOF.value,
      MODE_BLOCKING: x.MODE_BLOCKING.value,
      MODE_NONBLOCKING: x.MODE_NONBLOCKING.value,
    }).toEqual({
      PROFBUF_MAX: L.PROFBUF_MAX,
      READ_DATA: L.READ_DATA,
      READ_EMPTY: L.READ_EMPTY,
      READ_EOF: L.READ_EOF,
      MODE_BLOCKING: L.MODE_BLOCKING,
      MODE_NONBLOCKING: L.MODE_NONBLOCKING,
    });
    // Sizes (rounding, header, limits) agree on both sides, down to the byte.
    for (const [h, w, t] of [[0, 1, 1], [1, 1 << 17, 1 << 14], [3, 1000, 33], [1024, 8, 1]]) {
      expect(x.profBufSize(h, w, t)).toBe(L.profBufSizes(h, w, t).bytes);
    }
  });
});

describe('CoreExports: typed from the module', () => {
  it(`${EXPORTS_TS} is what asc declares for assembly/index.ts`, async () => {
    const dts = await compileCore({ emit: false, target: 'debug' });
    expect(committed(EXPORTS_TS), `${EXPORTS_TS} ${REBUILD}`).toBe(coreExportsSource(dts));
  }, 120_000);

  it('names every export of the built module', () => {
    const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(ROOT, 'build/gotracesim.wasm')))).map((e) => e.name);
    const declared = [...committed(EXPORTS_TS).matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]);
    expect([...declared].sort()).toEqual([...names].sort());
  });
});
