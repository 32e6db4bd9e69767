// ProfileBuilder: runtime/pprof's profileBuilder for the CPU profile, fed by drained profBuf reads.
//
// Handles: turning the records of cpuprof's profBuf (hdrsize 1) into the Profile that Go 1.19's
// runtime/pprof would write: first record [3, time, hz] sets the period; then [3+n, time, count,
// pc_1..pc_n] records aggregate by (stack, tag); an overflow record (count 0, stack [lost]) counts
// `lost` samples against runtime/pprof.lostProfileEvent. build() lays out the Profile with Go's
// ordering: samples in order of first appearance, Location and Function ids in order of first use
// while walking those samples leaf-first, the string table in Go's insertion order
// ("", samples, count, cpu, nanoseconds, then function names/files and label strings as met,
// then the mappings' files and build ids).
// Release and platform choices are options: Function.start_line (Go 1.20+, from the frame's
// startLine), lostProfileEvent's line, the mappings after the binary's as /proc/self/maps
// lists them on Linux ([vdso], [vsyscall]), and the wall clock at time 0 (time_nanos).
// Invariants: the output is a pure function of the inputs (same reads + same options => same
// Profile => byte-identical encoding); a read that fails validation throws and leaves the builder
// unchanged (Go keeps the prefix of a bad read; we prefer all-or-nothing so callers can recover).
// Where we differ from Go, on purpose: label keys are sorted (Go walks a map, in random order); a
// symbolizer gives one frame per PC, so there is no inline expansion and each PC is one Location;
// an empty read before the hz record is a no-op (Go's blocking reader never hands one over).
// Ownership: this file belongs to the pprof work; it imports only pprof-format and the formats layer.

import { Profile, StringTable } from 'pprof-format';
import type { FunctionInput, LabelInput, LocationInput, SampleInput } from 'pprof-format';
import { objects } from '../core/packed.ts';

/** One symbolized frame: what runtime.Frame gives runtime/pprof for a PC. */
export interface SymFrame {
  func: string;
  file: string;
  line: number;
  /** The function's first line (runtime.Frame's startLine, Go 1.20+). */
  startLine?: number;
}

/** A mapping after the binary's (no functions: pprof symbolizes nothing in it). */
export interface ExtraMapping {
  start: number | bigint;
  limit: number | bigint;
  file: string;
}

/** Resolves a stack word (a return PC, as gentraceback stores it) to its frame. */
export type Symbolizer = (pc: number) => SymFrame | undefined;
/** Resolves a profBuf tag to the goroutine's pprof labels; tag 0 means none. */
export type LabelResolver = (tag: number) => Readonly<Record<string, string>> | undefined;

export interface ProfileBuilderOptions {
  symbolize: Symbolizer;
  labels: LabelResolver;
  /** Start in nanoseconds from wallClockNs (time_nanos = wallClockNs + startNs). Use a bigint for exact real dates (> 2^53). */
  startNs: number | bigint;
  /** Unix ns of time 0 for startNs and build's endNs (default 0: they are Unix ns themselves). */
  wallClockNs?: number | bigint;
  /** Write Function.start_line (Go 1.20+): the frame's startLine, else its line. */
  startLines?: boolean;
  /** Mappings after the binary's, in /proc/self/maps order (Linux: [vdso], [vsyscall]). */
  extraMappings?: ExtraMapping[];
  /** Line of `func lostProfileEvent` in the release's proto.go (default Go 1.19's 24). */
  lostProfileEventLine?: number;
  /** The main binary's executable mapping (the only one we emit). */
  mapping?: { file?: string; buildID?: string };
  /** GOROOT whose runtime/pprof/proto.go holds lostProfileEvent (default Debian's Go 1.19). */
  goroot?: string;
  /** Entry PC given to lostProfileEvent; must not collide with the symbolizer's PCs. */
  lostProfileEventPC?: number;
}

/** Counters over everything added so far, for summaries and conservation checks. */
export interface CPUProfileTotals {
  /** Sample records (not the hz record, not overflow records). */
  records: number;
  /** Sum of the counts of those records: samples the profile attributes to a real stack. */
  samples: number;
  /** Overflow records seen. */
  overflowRecords: number;
  /** Sum of their lost counts: samples attributed to lostProfileEvent. */
  lost: number;
  /** Distinct (stack, tag) entries, i.e. the number of Samples build() will emit. */
  entries: number;
}

export const LOST_PROFILE_EVENT = 'runtime/pprof.lostProfileEvent';
/** Line of `func lostProfileEvent()` in Go 1.19's runtime/pprof/proto.go (checked with addr2line). */
export const LOST_PROFILE_EVENT_LINE = 24;
export const DEFAULT_GOROOT = '/usr/lib/go-1.19';
/** Where Go 1.19.8's linker put lostProfileEvent in a small program; far from typical synthetic PCs. */
export const DEFAULT_LOST_PROFILE_EVENT_PC = 0x4a0200;
/** Go links amd64 executables at 0x400000; the text mapping starts there. */
export const TEXT_START = 0x400000;
const PAGE = 0x1000;
/** Stands for absent extraMappings: an array of objects, the same map as a given list. */
const NO_MAPPINGS: readonly ExtraMapping[] = objects();
const GOEXIT = 'runtime.goexit';

interface Entry {
  stk: number[];
  tag: number;
  count: number;
  /** The cpu value when it is not count × period (addValue: the ground truth's exact ns). */
  nanos?: number;
}

interface ParsedRecord {
  count: number;
  stk: number[];
  tag: number;
  overflow: boolean;
}

export class ProfileBuilder {
  private readonly opts: ProfileBuilderOptions;
  private readonly symbolize: Symbolizer;
  private readonly labels: LabelResolver;
  private readonly startNs: bigint;
  private readonly mappingFile: string;
  private readonly mappingBuildID: string;
  private readonly lostFile: string;
  private readonly lostPC: number;
  private readonly lostLine: number;
  private readonly wallClock: bigint;
  private periodNs = 0;
  // Insertion-ordered, as Go's profMap `all` list: the order of Samples in the output.
  private readonly entries = new Map<string, Entry>();
  private readonly tot: CPUProfileTotals = { records: 0, samples: 0, overflowRecords: 0, lost: 0, entries: 0 };

  constructor(opts: ProfileBuilderOptions) {
    this.opts = opts;
    this.symbolize = opts.symbolize;
    this.labels = opts.labels;
    this.startNs = toBig(opts.startNs, 'startNs');
    this.mappingFile = opts.mapping?.file ?? '/tmp/gotracesim/prog';
    this.mappingBuildID = opts.mapping?.buildID ?? '';
    this.lostFile = `${opts.goroot ?? DEFAULT_GOROOT}/src/runtime/pprof/proto.go`;
    this.lostPC = opts.lostProfileEventPC ?? DEFAULT_LOST_PROFILE_EVENT_PC;
    this.lostLine = opts.lostProfileEventLine ?? LOST_PROFILE_EVENT_LINE;
    this.wallClock = toBig(opts.wallClockNs ?? 0, 'wallClockNs');
    if (!Number.isSafeInteger(this.lostPC) || this.lostPC <= 0) throw new Error('ProfileBuilder: lostProfileEventPC must be a positive integer');
  }

  /** Sampling period in ns (1e9/hz, integer division); 0 until the hz record was read. */
  get period(): number {
    return this.periodNs;
  }

  get totals(): CPUProfileTotals {
    return { ...this.tot, entries: this.entries.size };
  }

  /**
   * Add one profBuf read: a whole number of records and exactly one tag per record.
   * Throws (and adds nothing) on a truncated or malformed read, or when tags and records disagree.
   */
  addCPUData(data: ArrayLike<number>, tags: ArrayLike<number>): void {
    let pos = 0;
    let tagPos = 0;
    let period = this.periodNs;
    if (period === 0) {
      if (data.length === 0 && tags.length === 0) return;
      if (data.length < 3) throw new Error(`truncated profile: first read has ${data.length} words, the hz record needs 3`);
      const hz = word(data, 2);
      if (word(data, 0) !== 3 || hz === 0) {
        throw new Error(`malformed profile: first record must be the hz record [3, time, hz>0], got [${data[0]}, ${data[1]}, ${data[2]}]`);
      }
      if (tags.length < 1) throw new Error('mismatched profile records and tags: no tag slot for the hz record');
      period = Math.trunc(1e9 / hz);
      pos = 3;
      tagPos = 1; // the hz record has a tag slot with no meaning
    }

    const parsed: ParsedRecord[] = [];
    while (pos < data.length) {
      const left = data.length - pos;
      const len = word(data, pos);
      if (left < 3 || len > left) throw new Error(`truncated profile: record at word ${pos} has length ${len}, ${left} words left`);
      if (len < 3) throw new Error(`malformed profile: record at word ${pos} has length ${len} < 3`);
      if (tagPos >= tags.length) throw new Error(`mismatched profile records and tags: record ${parsed.length + 1} at word ${pos} has no tag (${tags.length} tags)`);
      const tag = tags[tagPos++];
      if (!Number.isSafeInteger(tag) || tag < 0) throw new Error(`malformed profile: tag ${tag} is not a non-negative integer`);
      const count = word(data, pos + 2);
      const stk: number[] = [];
      for (let i = pos + 3; i < pos + len; i++) {
        const pc = word(data, i);
        if (pc === 0) throw new Error(`malformed profile: PC 0 at word ${i}`);
        stk.push(pc);
      }
      pos += len;
      if (count === 0 && stk.length === 1) {
        // Overflow record: the single stack word is how many samples were dropped. Go charges them to
        // lostProfileEvent's entry + 1 (stack PCs must survive a decrement), under the record's tag.
        parsed.push({ count: stk[0], stk: [this.lostPC + 1], tag, overflow: true });
      } else {
        parsed.push({ count, stk, tag, overflow: false });
      }
    }
    if (tagPos !== tags.length) {
      throw new Error(`mismatched profile records and tags: ${tagPos} record(s) but ${tags.length} tags`);
    }

    // Validated: commit.
    this.periodNs = period;
    for (const r of parsed) {
      if (r.overflow) {
        this.tot.overflowRecords++;
        this.tot.lost += r.count;
      } else {
        this.tot.records++;
        this.tot.samples += r.count;
      }
      const key = `${r.tag}:${r.stk.join(',')}`;
      const e = this.entries.get(key);
      if (e) e.count += r.count;
      else this.entries.set(key, { stk: r.stk, tag: r.tag, count: r.count });
    }
  }

  /** A new, empty builder with the same options: the ground-truth profile (truth.ts) is laid
   *  out with the CPU profile's symbolizer, labels, mapping and start time. */
  sibling(): ProfileBuilder {
    return new ProfileBuilder(this.opts);
  }

  /**
   * Add an entry that did not come through a profBuf: `count` samples and `nanos` of CPU on
   * stack `stk` (return PCs, leaf first) under `tag` (the ground truth's exact CPU time). The
   * hz record must have been read: the profile's period and sample types are the CPU profile's.
   */
  addValue(stk: number[], tag: number, count: number, nanos: number): void {
    if (this.periodNs === 0) throw new Error('ProfileBuilder.addValue: no hz record read yet');
    const key = `${tag}:${stk.join(',')}`;
    const e = this.entries.get(key);
    if (e) {
      e.nanos = (e.nanos ?? e.count * this.periodNs) + nanos;
      e.count += count;
    } else this.entries.set(key, { stk: [...stk], tag, count, nanos });
    this.tot.records++;
    this.tot.samples += count;
  }

  /** Lay out the profile as runtime/pprof's build() does, ending at endNs (Unix ns). Pure: may be called again. */
  build(endNs: number | bigint): Profile {
    const end = toBig(endNs, 'endNs');
    if (end < this.startNs) throw new Error(`ProfileBuilder.build: endNs ${end} is before startNs ${this.startNs}`);
    const strings = new StringTable(); // index 0 is ""
    const s = (x: string): number => strings.dedup(x);
    const havePeriod = this.periodNs > 0;

    const sampleType = havePeriod
      ? [
          { type: s('samples'), unit: s('count') },
          { type: s('cpu'), unit: s('nanoseconds') },
        ]
      : [];
    const periodType = havePeriod ? { type: s('cpu'), unit: s('nanoseconds') } : undefined;

    const locIds = new Map<number, number>(); // stack word -> Location id; 0 = skipped (goexit)
    const funcIds = new Map<string, number>();
    const location: LocationInput[] = [];
    const func: FunctionInput[] = [];
    const sample: SampleInput[] = [];
    let minAddr = Infinity;
    let maxAddr = -Infinity;
    let tried = false;
    let failed = false;

    for (const e of this.entries.values()) {
      const locationId: number[] = [];
      for (const pc of e.stk) {
        let id = locIds.get(pc);
        if (id === undefined) {
          const fr: SymFrame | undefined = pc === this.lostPC + 1 ? { func: LOST_PROFILE_EVENT, file: this.lostFile, line: this.lostLine } : this.symbolize(pc);
          if (fr && fr.func === GOEXIT) {
            id = 0; // Go drops the goroutine's root frame entirely
          } else {
            tried = true;
            const ok = fr !== undefined && fr.func !== '' && fr.file !== '' && fr.line !== 0;
            if (!ok) failed = true;
            const name = fr?.func ?? '';
            let fid = funcIds.get(name);
            if (fid === undefined) {
              fid = func.length + 1;
              funcIds.set(name, fid);
              const fn: FunctionInput = { id: fid, name: s(name), systemName: s(name), filename: s(fr?.file ?? '') };
              if (this.opts.startLines && fr) fn.startLine = fr.startLine ?? fr.line;
              func.push(fn);
            }
            // Stack words are return PCs; the Location holds the call instruction's PC, one byte back.
            const address = pc - 1;
            minAddr = Math.min(minAddr, address);
            maxAddr = Math.max(maxAddr, address);
            id = location.length + 1;
            location.push({ id, mappingId: 1, address, line: [{ functionId: fid, line: fr?.line ?? 0 }] });
          }
          locIds.set(pc, id);
        }
        if (id !== 0) locationId.push(id);
      }
      const label: LabelInput[] = objects(); // one map for empty and labelled samples
      if (e.tag !== 0) {
        const m = this.labels(e.tag);
        if (m) {
          for (const k of Object.keys(m).sort()) label.push({ key: s(k), str: s(m[k]) });
        }
      }
      sample.push({ locationId, value: [e.count, e.nanos ?? mul(e.count, this.periodNs)], label });
    }

    // One text mapping from 0x400000, page-rounded to cover every Location (Go reads it from
    // /proc/self/maps; ours is synthetic). HasFunctions iff every lookup succeeded, as in Go.
    const start = minAddr < TEXT_START ? Math.floor(minAddr / PAGE) * PAGE : TEXT_START;
    const limit = Math.max(start + PAGE, Number.isFinite(maxAddr) ? Math.ceil((maxAddr + 1) / PAGE) * PAGE : 0);
    const mapping = [
      {
        id: 1,
        memoryStart: start,
        memoryLimit: limit,
        fileOffset: 0,
        filename: s(this.mappingFile),
        buildId: s(this.mappingBuildID),
        hasFunctions: tried && !failed,
      },
      ...(this.opts.extraMappings ?? NO_MAPPINGS).map((m, i) => ({ id: i + 2, memoryStart: m.start, memoryLimit: m.limit, fileOffset: 0, filename: s(m.file), buildId: 0 })),
    ];

    return new Profile({
      sampleType,
      sample,
      mapping,
      location,
      function: func,
      stringTable: strings,
      timeNanos: this.wallClock + this.startNs,
      durationNanos: havePeriod ? end - this.startNs : 0,
      periodType,
      period: this.periodNs,
    });
  }
}

function word(data: ArrayLike<number>, i: number): number {
  const w = data[i];
  if (!Number.isSafeInteger(w) || w < 0) throw new Error(`malformed profile: word ${i} is ${w}, not a u64 below 2^53`);
  return w;
}

function toBig(x: number | bigint, what: string): bigint {
  if (typeof x === 'bigint') return x;
  if (!Number.isInteger(x)) throw new Error(`ProfileBuilder: ${what} must be an integer, got ${x}`);
  return BigInt(x);
}

function mul(count: number, period: number): number | bigint {
  const v = count * period;
  return Number.isSafeInteger(v) ? v : BigInt(count) * BigInt(period);
}
