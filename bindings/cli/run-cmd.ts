// `gotracesim run`: parse the flags, run the scenario into its directory, and turn every
// failure into one line and its exit code. SIGINT/SIGTERM abort the run between slices.

import { parseArgs } from 'node:util';
import { RunFailed, RunInterrupted, UnreadableScenario, humanSummary, runToDir } from '../app/run.ts';
import { ScenarioError } from '../scenario/resolve.ts';
import { EXIT, commandHelp, fail, interruptedLine, usageFail, wantsHelp, withSignals } from './common.ts';
import { OutputError } from '../app/files.ts';

export async function runCmd(args: string[]): Promise<void> {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp('run'));
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        go: { type: 'string' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        'no-progress': { type: 'boolean' },
      },
    });
  } catch (e) {
    usageFail('run', (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) usageFail('run', `takes at most one scenario file, got ${positionals.length}`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed)) usageFail('run', `--seed: must be a non-negative integer, got "${values.seed}"`);
    seed = Number(values.seed);
  }
  if (values.out === '') usageFail('run', '-o: empty directory name');
  const outDir = values.out ?? 'gotracesim-out';

  await withSignals(async (signal) => {
    try {
      const r = await runToDir({
        scenarioFile: positionals[0],
        outDir,
        overrides: { go: values.go, seed, duration: values.duration },
        progress: !values['no-progress'],
        signal,
      });
      process.stdout.write(humanSummary(r, outDir) + '\n');
    } catch (e) {
      if (e instanceof RunInterrupted) fail(EXIT.interrupted, interruptedLine(signal, e.removed));
      if (e instanceof UnreadableScenario) fail(EXIT.usage, e.message);
      if (e instanceof ScenarioError || e instanceof RunFailed) fail(EXIT.invalid, e.message);
      if (e instanceof OutputError) fail(EXIT.usage, e.message);
      throw e;
    }
  });
}
