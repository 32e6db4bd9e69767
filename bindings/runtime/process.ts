// ProcessIdentity: what the simulated process looks like to the outside, derived from the
// scenario's seed: its pid and the Linux thread ids (TIDs) of its threads, the wall-clock
// instant at which simulated time 0 falls, and where the kernel mapped the vDSO.
//
// Layout: the main thread (M0) has tid = pid; sysmon, the first thread runtime.main creates,
// pid+1; the trace reader's thread (the tracer's pseudo thread for its own events) pid+2; then
// every other M in the order the scheduler created it (sim ids 1, 2, ...), each tid above the
// last, usually by one and now and then by more (other processes took pids meanwhile).
// Invariants: a pure function of the seed (and the sim id asked for): the draws come from a
// stream of their own, so the simulation's Rand, and everything it decides, stays as it was;
// tids are distinct and increasing in creation order.
// Who may touch: the writers (tracev1/v2, cpuprof) ask; nothing here changes the simulation.

import { Rand } from '../core/rand.ts';

/** Wall-clock base of every run: 2024-11-14T22:13:20Z; a seed adds up to a year to it. */
const EPOCH_NS = 1_731_622_400n * 1_000_000_000n;
const YEAR_NS = 365 * 86_400 * 1e9;
/** Linux's pid_max on 64-bit hosts (4194304); keep room above the pid for many threads. */
const PID_MIN = 1_000;
const PID_MAX = 4_000_000;
/** Added to the scenario's seed: the identity's stream is not the simulation's. */
const STREAM = 0x7e1d_5eed;

export class ProcessIdentity {
  readonly pid: number;
  /** Unix ns at simulated time 0 (the CPU profile's time_nanos: StartCPUProfile runs at 0). */
  readonly wallStartNs: bigint;
  /** Start of the [vdso] mapping (two pages, below the 47-bit user address limit). */
  readonly vdsoStart: number;
  private readonly tids: number[] = [];
  private readonly rand: Rand;

  constructor(seed: number) {
    this.rand = new Rand(seed + STREAM);
    this.pid = this.rand.int(PID_MIN, PID_MAX);
    this.wallStartNs = EPOCH_NS + BigInt(Math.floor(this.rand.float() * YEAR_NS));
    this.vdsoStart = 0x7ff0_0000_0000 + this.rand.int(0, 0xf_ffff) * 0x1000;
    // M0, sysmon, the reader's thread.
    this.tids.push(this.pid, this.pid + 1, this.pid + 2);
  }

  /** TID of the M with sim id `mid` (0: the main thread). */
  tidOfM(mid: number): number {
    if (mid === 0) return this.pid;
    // Sim ids 1, 2, ... come after the three fixed threads.
    const i = mid + 2;
    while (this.tids.length <= i) {
      const last = this.tids[this.tids.length - 1];
      // Mostly consecutive; one in eight skips a few pids another process took.
      // `| 0`: a remainder of a u32 above 2^30 is a heap double in V8; tids stay small integers.
      const gap = this.rand.u32() % 8 === 0 ? (1 + (this.rand.u32() % 24)) | 0 : 0;
      this.tids.push(last + 1 + gap);
    }
    return this.tids[i];
  }

  /** sysmon's TID. */
  get sysmonTid(): number {
    return this.tids[1];
  }

  /** The TID of the thread the tracer's reader and advancer run on. */
  get readerTid(): number {
    return this.tids[2];
  }
}
