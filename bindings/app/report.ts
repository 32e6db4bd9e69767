// `gotracesim report`: one self-contained report.html from a run directory (summary.json,
// cpu.pprof, truth.pprof, trace.out: report-run.ts) or a sweep directory (results.jsonl:
// report-sweep.ts). Everything the page shows is computed here, in Node, and embedded as JSON;
// the page only draws, with its libraries inlined (report-libs.ts: Chart.js, d3 and
// d3-flame-graph) and its own scripts (report-view-*.ts), so it works offline. The trace is
// streamed once into bounded per-track arrays (report-timeline.ts).
//
// Bad input throws ReportError (the CLI turns it into exit 1).
// Who may touch: the report owner.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ReportError } from './report-error.ts';
import { flameLibrary, chartLibrary } from './report-libs.ts';
import { runData, type RunReportData } from './report-run.ts';
import { readRows, sweepData, type SweepReportData } from './report-sweep.ts';
import { FLAME_VIEW_JS } from './report-view-flame.ts';
import { REPORT_PAGE_JS } from './report-view-page.ts';
import { TIMELINE_VIEW_JS } from './report-view-timeline.ts';

export { ReportError } from './report-error.ts';
export { type RunReportData, type GoroutineRow } from './report-run.ts';
export { type SweepReportData, type SweepChart } from './report-sweep.ts';
export { type ProfileView, type FlameNode, type TopFunction, profileView } from './report-profile.ts';
export { SEGMENT_BUDGET, SAMPLE_CAP, TimelineBuilder, timelineOf, timelineOfStream, type TimelineData, type TimelineTrack } from './report-timeline.ts';

export interface ReportInput {
  runDir?: string;
  sweepDir?: string;
}

export type ReportData = RunReportData | SweepReportData;

/** Which kind of directory this is: 'run' (summary.json) or 'sweep' (results.jsonl). */
export function detectReportDir(dir: string): 'run' | 'sweep' {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new ReportError(`${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new ReportError(`${dir}: not a directory`);
  if (existsSync(join(dir, 'summary.json'))) return 'run';
  if (existsSync(join(dir, 'results.jsonl'))) return 'sweep';
  throw new ReportError(`${dir}: neither a run directory (summary.json) nor a sweep directory (results.jsonl)`);
}

/** The data a report embeds (exported for tests and tools). */
export async function reportData(input: ReportInput): Promise<ReportData> {
  if (input.runDir !== undefined && input.sweepDir !== undefined) throw new ReportError('give either runDir or sweepDir, not both');
  if (input.runDir !== undefined) {
    if (detectReportDir(input.runDir) !== 'run') throw new ReportError(`${input.runDir}: no summary.json`);
    return runData(input.runDir);
  }
  if (input.sweepDir !== undefined) {
    if (!existsSync(join(input.sweepDir, 'results.jsonl'))) {
      detectReportDir(input.sweepDir);
      throw new ReportError(`${input.sweepDir}: no results.jsonl`);
    }
    return sweepData(readRows(join(input.sweepDir, 'results.jsonl')));
  }
  throw new ReportError('nothing to report: give runDir or sweepDir');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Embed data as JSON in a script element (no "</script" can end it early). */
export function embedJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The data embedded in a report.html, back as an object. */
export function extractReportData(html: string): ReportData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new ReportError('no report data in this HTML');
  return JSON.parse(m[1]) as ReportData;
}

/** The page scripts the examples page shares with the report (globals GtsTimeline, GtsFlame). */
export const VIEW_SCRIPTS = TIMELINE_VIEW_JS + FLAME_VIEW_JS;

/** report.html for a run or a sweep directory: self-contained, works offline. */
export async function buildReport(input: ReportInput): Promise<string> {
  const data = await reportData(input);
  const run = data.kind === 'run';
  return [
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    '<meta name="generator" content="gotracesim report">\n<link rel="icon" href="data:,">\n',
    `<title>${esc(data.title)}</title>\n<style>${REPORT_CSS}</style>\n</head>\n<body data-kind="${data.kind}">\n<h1>${esc(data.title)}</h1>\n<div id="report"></div>\n`,
    '<script type="application/json" id="report-data">',
    embedJson(data),
    '</script>\n<script>',
    chartLibrary(),
    '</script>\n',
    run ? `<script>${flameLibrary()}</script>\n<script>${VIEW_SCRIPTS}</script>\n` : '',
    `<script>${REPORT_PAGE_JS}</script>\n</body>\n</html>\n`,
  ].join('');
}

/** The report's stylesheet (the examples page has a copy of the timeline and flame rules). */
export const REPORT_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; } h3 { font-size: 14px; margin: 16px 0 4px; }
.chart { position: relative; width: 100%; max-width: 1200px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.note { color: #666; font-size: 12px; max-width: 1200px; }
.scroll { max-height: 420px; overflow: auto; }
.view { position: relative; max-width: 1400px; }
.flame-details { font-size: 12px; color: #333; min-height: 1.4em; }
.tl-bar { margin: 4px 0; font-size: 12px; } .tl-bar button { margin-right: 4px; min-width: 28px; }
.tl-range { margin-left: 8px; color: #555; }
.tl-canvas { display: block; border: 1px solid #ddd; cursor: grab; }
.tl-tip { position: absolute; background: #222; color: #fff; font-size: 11px; padding: 2px 6px; border-radius: 3px; pointer-events: none; white-space: nowrap; }
`;
