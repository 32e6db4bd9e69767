// npm run bundle: the browser build of the trace readers.
// esbuild bundles bindings/formats/index.ts (readTrace, validateTrace, traceSummary, the v1 and
// v2 readers, text format) into one ESM file, build/gotracesim-formats.js, for browsers: platform
// "browser", no Node built-ins (the build fails if any module imports one).
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = `${root}build/gotracesim-formats.js`;

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

export async function bundle(outfile = BUNDLE): Promise<{ outfile: string; bytes: number }> {
  const r = await build({
    entryPoints: [`${root}bindings/formats/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile,
    minify: false,
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [noNode],
    legalComments: 'none',
    banner: { js: '// gotracesim-formats: Go execution trace readers (go 1.5-1.21, Go1.22/1.23/1.25, text). ESM, no Node built-ins.' },
  });
  const bytes = Object.values(r.metafile!.outputs).reduce((a, o) => a + o.bytes, 0);
  return { outfile, bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outfile, bytes } = await bundle();
  console.log(`${outfile}: ${(bytes / 1024).toFixed(1)} KiB`);
}
