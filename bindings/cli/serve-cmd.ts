// `gotracesim serve [DIR] [--port N]`: serve the examples page (and DIR under /data/) on
// 127.0.0.1 with the cross-origin isolation headers the in-page simulator needs (app/serve.ts),
// print the URL, and run until SIGINT or SIGTERM, which close the server: exit 0.
// Exit 2 for bad usage, a DIR that is not a directory, or a port that cannot be had.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot, startServer } from '../app/serve.ts';
import { EXIT, commandHelp, fail, usageFail, wantsHelp } from './common.ts';

export async function serveCmd(args: string[]): Promise<void> {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp('serve'));
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string', short: 'p' } } });
  } catch (e) {
    usageFail('serve', (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) usageFail('serve', `takes at most one directory, got ${positionals.length}`);
  const port = values.port === undefined ? 8370 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) usageFail('serve', `--port: must be 0-65535, got "${values.port}"`);
  const dir = positionals[0];
  if (dir !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) fail(EXIT.usage, `serve: ${dir}: not a directory`);
  }
  let s;
  try {
    s = await startServer({ port, dataDir: dir });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(EXIT.usage, `serve: cannot listen on 127.0.0.1:${port}: ${code === 'EADDRINUSE' ? 'in use (--port 0 picks a free one)' : (e as Error).message}`);
  }
  process.stdout.write(`gotracesim serve: ${s.open}\n${dir !== undefined ? `  ${dir} is under ${s.url}/data/\n` : ''}  Ctrl-C stops it\n`);
  const bundle = join(packageRoot(), 'build', 'gotracesim-browser.js');
  if (!existsSync(bundle)) process.stderr.write(`gotracesim serve: ${bundle} is missing: the examples page needs it (npm run build && npm run bundle)\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void s.close().then(() => {
        process.stdout.write(`gotracesim serve: stopped (${sig})\n`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
