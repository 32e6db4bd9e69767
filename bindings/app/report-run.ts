// The run report's data, from a run directory: summary.json (required), cpu.pprof and
// truth.pprof (the flame graphs and the top-functions table, report-profile.ts), trace.out
// (the timeline, report-timeline.ts, streamed once: memory is the timeline's, not the
// trace's). A missing or unreadable optional file leaves its view out with a note saying why.
// Who may touch: the report owner.

import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceError } from '../formats/event.ts';
import { decodeProfile, type Profile } from '../formats/pprof.ts';
import type { Summary } from '../runtime/simulate.ts';
import { ReportError } from './report-error.ts';
import { profileView, type ProfileView } from './report-profile.ts';
import { timelineOfStream, type TimelineData } from './report-timeline.ts';

export interface GoroutineRow {
  g: number;
  template: string;
  /** CPU while m.curg (the truth), samples while m.curg (the profile), CPU sample events in
   *  the trace (null: the trace has none). */
  trueNs: number;
  profile: number;
  trace: number | null;
}

export interface RunReportData {
  kind: 'run';
  title: string;
  summary: Summary;
  profile: ProfileView | null;
  profileNote?: string;
  timeline: TimelineData | null;
  /** Why there is no timeline (no trace.out, or it could not be read). */
  timelineNote?: string;
  /** The goroutines that ran or were sampled, by true CPU (at most GOROUTINE_ROWS). */
  goroutines: GoroutineRow[];
  profBuf: { capacityWords: number; reads: [number, number, number][] };
}

export const GOROUTINE_ROWS = 500;

export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

function checkSummary(s: unknown, file: string): Summary {
  const o = s as Summary;
  const need = (cond: boolean, what: string) => {
    if (!cond) throw new ReportError(`${file}: not a gotracesim summary: ${what}`);
  };
  need(typeof o === 'object' && o !== null && !Array.isArray(o), 'must be a JSON object');
  need(typeof o.profile === 'object' && o.profile !== null, 'missing "profile"');
  need(typeof o.profile.delivered === 'number' && typeof o.profile.inProfile === 'number', 'missing profile.delivered / profile.inProfile');
  need(Array.isArray(o.goroutines), 'missing "goroutines"');
  need(Array.isArray(o.threads), 'missing "threads"');
  return o;
}

function readProfile(file: string): Profile | string {
  if (!existsSync(file)) return `no ${file}`;
  try {
    return decodeProfile(new Uint8Array(readFileSync(file)));
  } catch (e) {
    return `${file}: not a pprof profile: ${(e as Error).message}`;
  }
}

/** The rows of the goroutine table: trace sample counts joined to the summary's goroutines. */
export function goroutineRows(summary: Summary, traceByG: Map<number, number> | null): GoroutineRow[] {
  const byId = new Map<number, GoroutineRow>();
  for (const g of summary.goroutines) byId.set(g.id, { g: g.id, template: g.template, trueNs: g.cpuNs, profile: g.samples, trace: traceByG ? (traceByG.get(g.id) ?? 0) : null });
  if (traceByG) for (const [g, n] of traceByG) if (!byId.has(g)) byId.set(g, { g, template: g > 0 ? '?' : '(no goroutine)', trueNs: 0, profile: 0, trace: n });
  return [...byId.values()]
    .filter((x) => x.trueNs > 0 || x.profile > 0 || (x.trace ?? 0) > 0)
    .sort((a, b) => b.trueNs - a.trueNs || b.profile - a.profile || a.g - b.g)
    .slice(0, GOROUTINE_ROWS);
}

export async function runData(dir: string): Promise<RunReportData> {
  const file = join(dir, 'summary.json');
  const summary = checkSummary(readJson(file), file);

  let profile: ProfileView | null = null;
  let profileNote: string | undefined;
  const cpu = readProfile(join(dir, 'cpu.pprof'));
  const truth = readProfile(join(dir, 'truth.pprof'));
  if (typeof cpu === 'string') profileNote = cpu;
  else {
    profile = profileView(cpu, typeof truth === 'string' ? null : truth);
    if (typeof truth === 'string') profileNote = `${truth}: the profile alone, no truth to compare with`;
  }

  let timeline: TimelineData | null = null;
  let timelineNote: string | undefined;
  let traceByG: Map<number, number> | null = null;
  const tracePath = join(dir, 'trace.out');
  if (existsSync(tracePath)) {
    try {
      const r = await timelineOfStream(createReadStream(tracePath, { highWaterMark: 1 << 20 }));
      timeline = r.timeline;
      traceByG = r.traceSamplesByG;
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      timelineNote = `${tracePath}: ${e.message} (at byte ${e.offset})`;
    }
  } else timelineNote = `no trace.out in ${dir}`;
  // A release whose trace has no CPU samples (before Go 1.19): nothing to compare with.
  if (summary.switches?.traceCPUSamples === false) traceByG = null;

  return {
    kind: 'run',
    title: `gotracesim report: ${summary.scenario ?? 'run'} (Go ${summary.go}, seed ${summary.seed})`,
    summary,
    profile,
    profileNote,
    timeline,
    timelineNote,
    goroutines: goroutineRows(summary, traceByG),
    profBuf: { capacityWords: summary.profile.profBufWords ?? 0, reads: Array.isArray(summary.profile.reads) ? summary.profile.reads : [] },
  };
}
