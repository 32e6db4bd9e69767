// Trace versions: formats/version.ts is the one table; detection, headers, the release table,
// the readers' version lists and the tracers' headers must all say what it says.
import { describe, expect, it } from 'vitest';
import {
  TRACE_VERSIONS,
  TRACE_FORMATS,
  familyOf,
  versionOf,
  traceHeader,
  headerVersion,
  formatWrittenBy,
  namesEverySTW,
  V1_VERSION_OF,
  V2_VERSION_OF,
  SUPPORTED_HEADERS,
  SUPPORTED_TEXT,
} from '../bindings/formats/version.ts';
import { detectTrace } from '../bindings/formats/detect.ts';
import { TraceError } from '../bindings/formats/event.ts';
import { RELEASES, GO_RELEASES } from '../bindings/scenario/releases.ts';
import { V1_VERSIONS, v1Header } from '../bindings/formats/v1/spec.ts';
import { specTables, headerFor } from '../bindings/formats/v2/spec.ts';
import { simulate } from '../bindings/runtime/simulate.ts';

const text = (b: Uint8Array) => String.fromCharCode(...b);

describe('trace versions (formats/version.ts)', () => {
  it('headers are "go 1.N trace" padded with NULs to 16 bytes', () => {
    for (const { version } of TRACE_VERSIONS) {
      const h = traceHeader(version);
      expect(h.length).toBe(16);
      expect(text(h)).toBe(`go 1.${version} trace`.padEnd(16, '\0'));
    }
    // The readers' writers build theirs here too.
    expect(text(v1Header(1019))).toBe('go 1.19 trace\0\0\0');
    expect(text(headerFor(23))).toBe('go 1.23 trace\0\0\0');
  });

  it('every version is detected as its family and format', () => {
    for (const r of TRACE_VERSIONS) {
      expect(detectTrace(traceHeader(r.version))).toEqual({ kind: r.family, format: r.format, minor: r.version });
    }
  });

  it('headers no release wrote: v1 ones go to the v1 reader (which refuses them), others are unsupported', () => {
    expect(headerVersion(6)).toEqual({ family: 'v1', format: 'go1.11' });
    expect(headerVersion(16)).toEqual({ family: 'v1', format: 'go1.11' });
    expect(headerVersion(20)).toEqual({ family: 'v1', format: 'go1.19' });
    for (const v of [4, 24, 26]) {
      expect(headerVersion(v)).toBeUndefined();
      expect(() => detectTrace(traceHeader(v))).toThrow(new TraceError(`unsupported trace version go 1.${v} (supported: ${SUPPORTED_HEADERS})`, 0));
    }
    expect(SUPPORTED_HEADERS).toBe('go 1.5 – 1.21, 1.22, 1.23, 1.25');
    expect(SUPPORTED_TEXT).toBe('Go1.22, Go1.23, Go1.25');
  });

  it('each format has one family and one header version; v1 and v2 version maps derive from them', () => {
    expect(TRACE_FORMATS).toEqual(['go1.11', 'go1.19', 'go1.21', 'go1.22', 'go1.23', 'go1.25']);
    expect(V1_VERSION_OF).toEqual({ 'go1.11': 1011, 'go1.19': 1019, 'go1.21': 1021 });
    expect(V2_VERSION_OF).toEqual({ 'go1.22': 22, 'go1.23': 23, 'go1.25': 25 });
    for (const f of TRACE_FORMATS) expect(`go1.${versionOf(f)}`).toBe(f);
    expect(TRACE_FORMATS.filter(namesEverySTW)).toEqual(['go1.21', 'go1.22', 'go1.23', 'go1.25']);
  });

  it('the release table names the format each release wrote, and the tracer is its family', () => {
    for (const go of GO_RELEASES) {
      const s = RELEASES[go];
      expect(s.traceFormat, go).toBe(formatWrittenBy(go.replace(/-dev$/, '')));
      expect(s.tracer, go).toBe(familyOf(s.traceFormat));
    }
  });

  it("the readers' own version lists agree with the table", () => {
    expect([...V1_VERSIONS]).toEqual(TRACE_VERSIONS.filter((r) => r.family === 'v1').map((r) => 1000 + r.version));
    expect(Object.keys(specTables).map(Number)).toEqual(TRACE_VERSIONS.filter((r) => r.family === 'v2').map((r) => r.version));
  });

  it('the tracers write the header of their release\'s format', () => {
    const sc = { duration: '2ms', goroutines: [{ name: 'a', program: [{ loop: [{ compute: [{ func: 'main.a', file: 'a.go', line: 1 }], for: '100us' }] }] }] };
    const seen = new Set<string>();
    for (const go of GO_RELEASES) {
      const f = RELEASES[go].traceFormat;
      const r = simulate({ ...sc, go }, { trace: true });
      expect(text(r.trace!.subarray(0, 16)), go).toBe(text(traceHeader(versionOf(f))));
      seen.add(f);
    }
    expect([...seen].sort()).toEqual([...TRACE_FORMATS].sort());
  });
});
