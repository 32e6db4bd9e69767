// `gotracesim serve`: a static server on 127.0.0.1 for the examples page, with the headers that
// make it cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
// Cross-Origin-Embedder-Policy: require-corp), which the simulator's shared memory needs.
//
// Routes (GET and HEAD only; anything else is 405):
//   /                  → redirect to /examples/index.html
//   /examples/…, /build/…   the package's examples/ and build/ (the browser bundle)
//   /vendor/libs.js    Chart.js, d3 and d3-flame-graph (report-libs.ts), as the report inlines them
//   /vendor/views.js   the report's timeline and flame views (GtsTimeline, GtsFlame)
//   /data/…            DIR, when given (a run directory: summary.json, cpu.pprof, truth.pprof,
//                      trace.out; or a report directory: report.html); /data/ lists its files
//                      as {"files": [...]} (none without DIR)
// A path is served only if its real path (symlinks resolved) stays inside its root; dotfiles
// are not served. Node only.
// Who may touch: the report owner.

import { createReadStream, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartLibrary, flameLibrary } from './report-libs.ts';
import { VIEW_SCRIPTS } from './report.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** The package's root: the folder above this file whose package.json is gotracesim's. */
export function packageRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'gotracesim') return dir.replace(/[\\/]$/, '');
    } catch {
      // no package.json here: one level up
    }
    dir = join(dir, '..');
  }
  throw new Error('serve: cannot find the gotracesim package root');
}

export interface ServeOptions {
  /** Port on 127.0.0.1 (0: any free one). */
  port: number;
  /** A run or report directory served under /data/. */
  dataDir?: string;
}

export interface Serving {
  server: Server;
  url: string;
  /** Where to point a browser: the examples page, or DIR's report.html when it has one. */
  open: string;
  close(): Promise<void>;
}

/** The file for `rel` inside `root`, or null (outside it, a dotfile, not a file). */
function inside(root: string, rel: string): string | null {
  if (rel.split('/').some((p) => p.startsWith('.'))) return null;
  const file = join(root, ...rel.split('/').filter(Boolean));
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return null;
  }
  const base = realpathSync(root);
  if (real !== base && !real.startsWith(base + sep)) return null;
  return statSync(real).isFile() ? real : null;
}

export function startServer(opts: ServeOptions): Promise<Serving> {
  const root = packageRoot();
  const roots: Record<string, string> = { examples: join(root, 'examples'), build: join(root, 'build') };
  if (opts.dataDir !== undefined) roots.data = opts.dataDir;
  let libs: string | undefined;
  const send = (res: ServerResponse, code: number, type: string, body: string | null, head: boolean) => {
    res.writeHead(code, { 'Content-Type': type, ...ISOLATION });
    res.end(head ? undefined : (body ?? undefined));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return send(res, 405, 'text/plain', 'method not allowed\n', false);
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      return send(res, 400, 'text/plain', 'bad path\n', head);
    }
    if (path === '/') {
      res.writeHead(302, { Location: '/examples/index.html', ...ISOLATION });
      return res.end();
    }
    if (path === '/vendor/libs.js') return send(res, 200, TYPES['.js'], (libs ??= chartLibrary() + ';\n' + flameLibrary()), head);
    if (path === '/vendor/views.js') return send(res, 200, TYPES['.js'], VIEW_SCRIPTS, head);
    // The examples page asks what /data/ holds: nothing, when no DIR was given.
    if (path === '/data/' && roots.data === undefined) return send(res, 200, TYPES['.json'], '{"files":[]}', head);
    const m = /^\/([a-z]+)(\/.*)?$/.exec(path);
    const base = m ? roots[m[1]] : undefined;
    if (!m || base === undefined) return send(res, 404, 'text/plain', 'not found\n', head);
    if (m[1] === 'data' && (m[2] === undefined || m[2] === '/')) {
      const files = readdirSync(base).filter((f) => !f.startsWith('.') && statSync(join(base, f)).isFile()).sort();
      return send(res, 200, TYPES['.json'], JSON.stringify({ files }), head);
    }
    const file = inside(base, m[2] ?? '');
    if (file === null) return send(res, 404, 'text/plain', 'not found\n', head);
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(statSync(file).size), ...ISOLATION });
    if (head) return res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };
  const server = createServer(handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const open = opts.dataDir !== undefined && existsSync(join(opts.dataDir, 'report.html')) ? `${url}/data/report.html` : `${url}/examples/index.html`;
      resolve({
        server,
        url,
        open,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
