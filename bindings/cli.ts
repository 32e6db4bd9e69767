#!/usr/bin/env node
// gotracesim command line: dispatch to the commands (bindings/cli/*). Exit codes (EXIT in
// cli/common.ts): 0 success, 1 invalid input, 2 usage or an unreadable/unwritable file,
// 130 interrupted.

import { EXIT, USAGE, USAGES, commandHelp, fail, version, withSignals } from './cli/common.ts';
import { runCmd } from './cli/run-cmd.ts';
import { sweepCmd } from './cli/sweep-cmd.ts';
import { workerCmd } from './cli/worker-cmd.ts';
import { dumpCmd, statsCmd, validateCmd } from './cli/trace-cmds.ts';
import { exportChromeCommand } from './app/chrome-cli.ts';
import { reportCommand } from './app/report-cli.ts';
import { serveCmd } from './cli/serve-cmd.ts';

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
    await runCmd(rest);
    break;
  case 'validate':
    await validateCmd(rest);
    break;
  case 'dump':
    await dumpCmd(rest);
    break;
  case 'stats':
    await statsCmd(rest);
    break;
  case 'sweep':
    await sweepCmd(rest);
    break;
  case 'worker':
    await workerCmd(rest);
    break;
  case 'export':
    process.exitCode = await withSignals((signal) => exportChromeCommand(rest, undefined, signal));
    break;
  case 'report':
    process.exitCode = await withSignals((signal) => reportCommand(rest, undefined, signal));
    break;
  case 'serve':
    await serveCmd(rest);
    break;
  default:
    fail(EXIT.usage, `unknown command "${cmd}"\n\n${USAGE}`);
}
