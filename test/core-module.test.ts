// The compiled module and the package around it: what the issue fixes about their shape.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wasmPath } from '../bindings/core/index.ts';
import { decodeUvarint } from '../bindings/formats/uvarint.ts';

/** The memory import's limits, read from the module's import section. */
function memoryImport(bytes: Uint8Array): { module: string; name: string; flags: number; min: number; max: number } {
  const out = { value: 0, len: 0 };
  const uv = (p: { i: number }) => {
    decodeUvarint(bytes, p.i, bytes.length, out);
    p.i += out.len;
    return out.value;
  };
  const str = (p: { i: number }) => {
    const n = uv(p);
    const s = new TextDecoder().decode(bytes.subarray(p.i, p.i + n));
    p.i += n;
    return s;
  };
  const p = { i: 8 };
  while (p.i < bytes.length) {
    const id = bytes[p.i++];
    const size = uv(p);
    const end = p.i + size;
    if (id === 2) {
      const count = uv(p);
      for (let k = 0; k < count; k++) {
        const module = str(p);
        const name = str(p);
        const kind = bytes[p.i++];
        if (kind === 2) {
          const flags = bytes[p.i++];
          const min = uv(p);
          const max = flags & 1 ? uv(p) : -1;
          return { module, name, flags, min, max };
        }
        if (kind === 0) uv(p);
        else throw new Error(`unexpected import kind ${kind}`);
      }
    }
    p.i = end;
  }
  throw new Error('no memory import');
}

describe('the wasm module', () => {
  it('imports one shared memory with a declared maximum, and nothing it does not need', () => {
    const bytes = readFileSync(wasmPath());
    expect(memoryImport(bytes)).toEqual({ module: 'env', name: 'memory', flags: 3, min: 64, max: 16384 });
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    expect(imports.map((i) => `${i.module}.${i.name}:${i.kind}`).sort()).toEqual(['env.futexWait:function', 'env.memory:memory']);
  });
});

describe('the gotracesim command', () => {
  const cli = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
  it('prints usage and exits 0 for help', () => {
    expect(execFileSync(process.execPath, [cli, 'help'], { encoding: 'utf8' })).toMatch(/^gotracesim: a simulator/);
  });
  it('exits 2 on an unknown command, naming it', () => {
    const r = spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
