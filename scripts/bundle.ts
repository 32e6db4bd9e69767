// npm run bundle: the browser builds.
// - build/gotracesim-formats.js: bindings/formats/index.ts (readTrace, validateTrace,
//   traceSummary, the v1 and v2 readers, text format);
// - build/gotracesim-browser.js: bindings/browser.ts, the readers plus the simulator, with
//   build/gotracesim.wasm inlined as base64 (run `npm run build` first); imports of
//   core/wasm.ts resolve to core/wasm-browser.ts.
// Both are ESM for browsers: platform "browser", no Node built-ins (the build fails if any
// module imports one).
import { build, type Plugin } from 'esbuild';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = `${root}build/gotracesim-formats.js`;
export const BROWSER_BUNDLE = `${root}build/gotracesim-browser.js`;
export const WASM = `${root}build/gotracesim.wasm`;

/** core/wasm.ts (Node's loader) → core/wasm-browser.ts. */
const browserCore: Plugin = {
  name: 'browser-core',
  setup(b) {
    b.onResolve({ filter: /(^|\/)wasm\.ts$/ }, (args) => {
      if (!args.importer.includes('/bindings/')) return undefined;
      const p = fileURLToPath(new URL(args.path, `file://${args.importer}`));
      if (!p.endsWith('/bindings/core/wasm.ts')) return undefined;
      return { path: p.replace(/wasm\.ts$/, 'wasm-browser.ts') };
    });
  },
};

/** Fail on any import of a Node built-in (node:fs, fs, ...). */
const noNode: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    const names = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.path.startsWith('node:') || names.has(args.path)) {
        return { errors: [{ text: `Node built-in "${args.path}" imported from ${args.importer}: the browser bundle must not use Node` }] };
      }
      return undefined;
    });
  },
};

/** What both bundles share: an unminified ES2022 module for browsers, no Node built-ins. */
const COMMON = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: false, sourcemap: false, metafile: true, logLevel: 'silent', legalComments: 'none' } as const;

export async function bundle(outfile = BUNDLE): Promise<{ outfile: string; bytes: number }> {
  const r = await build({
    ...COMMON,
    entryPoints: [`${root}bindings/formats/index.ts`],
    outfile,
    plugins: [noNode],
    banner: { js: '// gotracesim-formats: Go execution trace readers (go 1.5-1.21, Go1.22/1.23/1.25, text). ESM, no Node built-ins.' },
  });
  const bytes = Object.values(r.metafile!.outputs).reduce((a, o) => a + o.bytes, 0);
  return { outfile, bytes };
}

/** The simulator + readers bundle, wasm inlined. */
export async function bundleBrowser(outfile = BROWSER_BUNDLE): Promise<{ outfile: string; bytes: number }> {
  if (!existsSync(WASM)) throw new Error(`${WASM} not found: run \`npm run build\` first`);
  const b64 = Buffer.from(readFileSync(WASM)).toString('base64');
  const r = await build({
    ...COMMON,
    entryPoints: [`${root}bindings/browser.ts`],
    outfile,
    plugins: [browserCore, noNode],
    define: { __GOTRACESIM_WASM_BASE64__: JSON.stringify(b64) },
    banner: { js: '// gotracesim-browser: Go execution trace readers and the simulator (wasm inlined). ESM, no Node built-ins; the simulator needs a cross-origin isolated page.' },
  });
  const bytes = Object.values(r.metafile!.outputs).reduce((a, o) => a + o.bytes, 0);
  return { outfile, bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of [await bundle(), await bundleBrowser()]) console.log(`${r.outfile}: ${(r.bytes / 1024).toFixed(1)} KiB`);
}
