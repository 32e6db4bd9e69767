// Execution-trace versions: the one table of them, as Go keeps internal/trace/version. Every
// header version a Go release wrote, its family (which reader and tracer handle it), the
// TraceFormat name readers report for it, and the releases that wrote it. Detection, the
// readers, the tracers and the release table (scenario/releases.ts) all derive from it.
//
// The wire header is "go 1.N trace" padded with NULs to 16 bytes; N is the version below.
// Browser-safe, and imports nothing: every layer may depend on it.

export type TraceFamily = 'v1' | 'v2';

/** Bytes of the wire header. */
export const HEADER_SIZE = 16;

/**
 * Header versions, oldest first. `format`: the event table the package reads them with (before
 * 1.19 the go 1.11 one: go 1.5–1.10 differ only in layout, see formats/v1/spec.ts V1Layout);
 * `writtenBy`: the first and last Go release writing the header; `stwReason`: stop-the-world
 * events carry the runtime's reason (otherwise only GC's two kinds). Sources: go1.19
 * runtime/trace.go:451; go1.21 runtime/trace.go:606; go1.22 internal/trace/v2/version/version.go:20;
 * go1.23 internal/trace/version/version.go:24 (Go 1.24 still writes go 1.23).
 */
export const TRACE_VERSIONS = [
  { version: 5, family: 'v1', format: 'go1.11', writtenBy: ['1.5', '1.6'], stwReason: false },
  { version: 7, family: 'v1', format: 'go1.11', writtenBy: ['1.7', '1.7'], stwReason: false },
  { version: 8, family: 'v1', format: 'go1.11', writtenBy: ['1.8', '1.8'], stwReason: false },
  { version: 9, family: 'v1', format: 'go1.11', writtenBy: ['1.9', '1.9'], stwReason: false },
  { version: 10, family: 'v1', format: 'go1.11', writtenBy: ['1.10', '1.10'], stwReason: false },
  { version: 11, family: 'v1', format: 'go1.11', writtenBy: ['1.11', '1.18'], stwReason: false },
  { version: 19, family: 'v1', format: 'go1.19', writtenBy: ['1.19', '1.20'], stwReason: false },
  { version: 21, family: 'v1', format: 'go1.21', writtenBy: ['1.21', '1.21'], stwReason: true },
  { version: 22, family: 'v2', format: 'go1.22', writtenBy: ['1.22', '1.22'], stwReason: true },
  { version: 23, family: 'v2', format: 'go1.23', writtenBy: ['1.23', '1.24'], stwReason: true },
  { version: 25, family: 'v2', format: 'go1.25', writtenBy: ['1.25', '1.25'], stwReason: true },
] as const satisfies readonly {
  version: number;
  family: TraceFamily;
  format: `go1.${number}`;
  writtenBy: readonly [string, string];
  stwReason: boolean;
}[];

type Row = (typeof TRACE_VERSIONS)[number];

/** The formats this package reads and writes, by the Go version in their name. */
export type TraceFormat = Row['format'];
/** Header versions of the generational (v2) format. */
export type V2TraceVersion = Extract<Row, { family: 'v2' }>['version'];

/** Every format, oldest first. */
export const TRACE_FORMATS: readonly TraceFormat[] = [...new Set(TRACE_VERSIONS.map((r) => r.format))];
export const TRACE_FAMILIES: readonly TraceFamily[] = ['v1', 'v2'];

/** A format is written with its newest header version (go1.11: "go 1.11 trace"). */
const NEWEST = Object.fromEntries(TRACE_VERSIONS.map((r) => [r.format, r])) as Record<TraceFormat, Row>;
const newest = (f: TraceFormat): Row => NEWEST[f];

/** The family of a format: which tracer writes it and which reader reads it. */
export function familyOf(format: TraceFormat): TraceFamily {
  return newest(format).family;
}

/** The header version a writer of the format puts in its header (go1.19 → 19). */
export function versionOf(format: TraceFormat): number {
  return newest(format).version;
}

/** Whether the format's stop-the-world events name every reason, not only GC's. */
export function namesEverySTW(format: TraceFormat): boolean {
  return newest(format).stwReason;
}

/** The oldest format naming every stop-the-world reason. */
export const FIRST_STW_REASON_FORMAT: TraceFormat = TRACE_VERSIONS.find((r) => r.stwReason)!.format;

function byFormat<V>(family: TraceFamily, value: (r: Row) => V): Readonly<Partial<Record<TraceFormat, V>>> {
  const out: Partial<Record<TraceFormat, V>> = {};
  for (const f of TRACE_FORMATS) if (familyOf(f) === family) out[f] = value(newest(f));
  return out;
}

/** The version a v1 tracer writes, as Go's v1 parser encodes it (1000*major + minor: 1019). */
export const V1_VERSION_OF = byFormat('v1', (r) => 1000 + r.version);
/** The version a v2 tracer writes (22, 23, 25). */
export const V2_VERSION_OF = byFormat('v2', (r) => r.version as V2TraceVersion);

/** The 16-byte wire header "go 1.N trace\0..." of header version N. */
export function traceHeader(version: number): Uint8Array {
  const text = `go 1.${version} trace`;
  const out = new Uint8Array(HEADER_SIZE);
  for (let i = 0; i < text.length && i < HEADER_SIZE; i++) out[i] = text.charCodeAt(i);
  return out;
}

const V1_ROWS = TRACE_VERSIONS.filter((r) => r.family === 'v1');
const V2_ROWS = TRACE_VERSIONS.filter((r) => r.family === 'v2');
const V1_FIRST = V1_ROWS[0].version;
const V1_LAST = V1_ROWS[V1_ROWS.length - 1].version;

/**
 * What a wire header of version N is: any N from the first to the last v1 version belongs to
 * the v1 reader (which refuses the ones no release wrote, as Go's parser does), named after the
 * newest version at or below N; v2 versions must match exactly. Undefined: unsupported.
 */
export function headerVersion(version: number): { family: TraceFamily; format: TraceFormat } | undefined {
  if (version >= V1_FIRST && version <= V1_LAST) {
    const r = V1_ROWS.filter((x) => x.version <= version).pop()!;
    return { family: 'v1', format: r.format };
  }
  const r = V2_ROWS.find((x) => x.version === version);
  return r && { family: 'v2', format: r.format };
}

/** The versions of Go's text trace format (the v2 ones). */
export function textVersion(version: number): TraceFormat | undefined {
  return V2_ROWS.find((x) => x.version === version)?.format;
}

/** For error messages: "go 1.5 – 1.21, 1.22, 1.23, 1.25". */
export const SUPPORTED_HEADERS = `go 1.${V1_FIRST} – 1.${V1_LAST}, ${V2_ROWS.map((r) => `1.${r.version}`).join(', ')}`;
/** For error messages: "Go1.22, Go1.23, Go1.25". */
export const SUPPORTED_TEXT = V2_ROWS.map((r) => `Go1.${r.version}`).join(', ');

/** The format a Go release writes ("1.20" → go1.19), or undefined for releases before go 1.5. */
export function formatWrittenBy(release: string): TraceFormat | undefined {
  const minor = (v: string) => Number(/^1\.(\d+)/.exec(v)?.[1] ?? NaN);
  const m = minor(release);
  return TRACE_VERSIONS.find((r) => m >= minor(r.writtenBy[0]) && m <= minor(r.writtenBy[1]))?.format;
}
