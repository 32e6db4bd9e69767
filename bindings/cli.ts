#!/usr/bin/env node
// gotracesim command line. Subcommands arrive with the simulator and the trace reader.

const USAGE = `gotracesim: a simulator of the Go runtime's CPU profiler and execution tracer

usage:
  gotracesim help          print this message

The simulator (gotracesim run) and the trace tools (validate, dump, stats) are not built yet.
`;

const [cmd] = process.argv.slice(2);
if (cmd === undefined || cmd === 'help' || cmd === '-h' || cmd === '--help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
process.stderr.write(`gotracesim: unknown command "${cmd}"\n\n${USAGE}`);
process.exit(2);
