#!/usr/bin/env node
// gotracesim command line: dispatch to the commands (bindings/cli/*). Exit codes (EXIT in
// cli/common.ts): 0 success, 1 invalid input, 2 usage or an unreadable/unwritable file,
// 130 interrupted. Each command's modules are imported when it runs: loading all of them
// cost a short `run` a fifth of its start-up.

import { EXIT, USAGE, USAGES, commandHelp, fail, version, withSignals } from './cli/common.ts';
const trace = () => import('./cli/trace-cmds.ts');

const [cmd, ...rest] = process.argv.slice(2);
switch (cmd) {
  case undefined:
  case '-h':
  case '--help':
    process.stdout.write(USAGE);
    break;
  case 'help':
    if (rest.length === 0) process.stdout.write(USAGE);
    else if (rest.length === 1 && rest[0] in USAGES) process.stdout.write(commandHelp(rest[0]));
    else fail(EXIT.usage, `help: unknown command "${rest.join(' ')}" (commands: ${Object.keys(USAGES).join(', ')})`);
    break;
  case '--version':
  case 'version':
    process.stdout.write(`gotracesim ${version()}\n`);
    break;
  case 'run':
    await (await import('./cli/run-cmd.ts')).runCmd(rest);
    break;
  case 'validate':
    await (await trace()).validateCmd(rest);
    break;
  case 'dump':
    await (await trace()).dumpCmd(rest);
    break;
  case 'stats':
    await (await trace()).statsCmd(rest);
    break;
  case 'sweep':
    await (await import('./cli/sweep-cmd.ts')).sweepCmd(rest);
    break;
  case 'worker':
    await (await import('./cli/worker-cmd.ts')).workerCmd(rest);
    break;
  case 'export': {
    const { exportChromeCommand } = await import('./app/chrome-cli.ts');
    process.exitCode = await withSignals((signal) => exportChromeCommand(rest, undefined, signal));
    break;
  }
  case 'report': {
    const { reportCommand } = await import('./app/report-cli.ts');
    process.exitCode = await withSignals((signal) => reportCommand(rest, undefined, signal));
    break;
  }
  case 'serve':
    await (await import('./cli/serve-cmd.ts')).serveCmd(rest);
    break;
  default:
    fail(EXIT.usage, `unknown command "${cmd}"\n\n${USAGE}`);
}
