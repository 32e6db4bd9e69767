// SharedMemory: the one shared WebAssembly.Memory every core structure lives in, and the
// bump arena that hands out addresses in it.
//
//   arena + 0   u32  magic    ARENA_MAGIC once initialized
//   arena + 4   u32  next     next free byte; advanced by CAS, so any thread may allocate
//   arena + 8   u32  pages    the memory's size in pages, raised by whoever grows it
//   arena + 64  ...  allocations, each aligned (64 by default: one cache line, so two
//                    structures never share a line)
//
// The arena starts at the wasm module's __heap_base rounded up to 64. Memory is never
// freed: structures live as long as the memory (a simulation run). Fresh pages are zero,
// and allocations are never reused, so every allocation starts zeroed. Growing the memory
// replaces memory.buffer; views are rebuilt when the `pages` word says the memory grew
// (reading memory.buffer on every access would cost more than the accesses themselves).

export const PAGE = 65536;
export const DEFAULT_INITIAL_PAGES = 64;
export const DEFAULT_MAXIMUM_PAGES = 16384;
const ARENA_MAGIC = 0x67747373; // "gtss"

export class SharedMemory {
  readonly memory: WebAssembly.Memory;
  readonly arena: number;
  private len = -1;
  private pagesSeen = -1;
  private _u8!: Uint8Array;
  private _u32!: Uint32Array;
  private _i32!: Int32Array;
  private _b64!: BigUint64Array;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.arena = (heapBase + 63) & ~63;
    this.rebuild();
    const i32 = this._i32;
    if (this.arena + 128 > memory.buffer.byteLength) throw new RangeError('shared memory too small for the arena header');
    // Whoever gets here first lays out the header; later attachers find it.
    if (Atomics.compareExchange(i32, this.arena >> 2, 0, ARENA_MAGIC) === 0) {
      Atomics.store(i32, (this.arena >> 2) + 2, memory.buffer.byteLength / PAGE);
      Atomics.store(i32, (this.arena >> 2) + 1, this.arena + 64);
    } else {
      while (Atomics.load(i32, (this.arena >> 2) + 1) === 0) {
        // another thread is between the two stores above
      }
    }
  }

  /** A new shared memory with the module's declared limits. */
  static createMemory(initial = DEFAULT_INITIAL_PAGES, maximum = DEFAULT_MAXIMUM_PAGES): WebAssembly.Memory {
    return new WebAssembly.Memory({ initial, maximum, shared: true });
  }

  private rebuild(): void {
    const buf = this.memory.buffer;
    this.len = buf.byteLength;
    this.pagesSeen = this.len / PAGE;
    this._u8 = new Uint8Array(buf);
    this._u32 = new Uint32Array(buf);
    this._i32 = new Int32Array(buf);
    this._b64 = new BigUint64Array(buf);
  }

  private refresh(): void {
    // One typed-array load; the header sits in the first pages, inside any view.
    if (this._i32[(this.arena >> 2) + 2] !== this.pagesSeen) this.rebuild();
  }

  get u8(): Uint8Array { this.refresh(); return this._u8; }
  get u32(): Uint32Array { this.refresh(); return this._u32; }
  get i32(): Int32Array { this.refresh(); return this._i32; }
  get b64(): BigUint64Array { this.refresh(); return this._b64; }
  get byteLength(): number { this.refresh(); return this.len; }

  /** Allocate `bytes` zeroed bytes aligned to `align` (a power of two); returns the address. */
  alloc(bytes: number, align = 64): number {
    if (!(bytes > 0) || !Number.isInteger(bytes)) throw new RangeError(`alloc: bad size ${bytes}`);
    const i32 = this.i32;
    const slot = (this.arena >> 2) + 1;
    for (;;) {
      const next = Atomics.load(i32, slot) >>> 0;
      const addr = (next + align - 1) & ~(align - 1);
      const end = addr + bytes;
      if (end > 0xffff_0000) throw new RangeError(`alloc: ${bytes} bytes exceed the 32-bit address space`);
      if (end > this.memory.buffer.byteLength) {
        const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
        try {
          this.memory.grow(pages);
        } catch {
          throw new RangeError(`alloc: cannot grow shared memory by ${pages} pages (maximum reached)`);
        }
        // Publish the new size (monotonic: a racing grower may have published a larger one).
        const now = this.memory.buffer.byteLength / PAGE;
        const slotP = (this.arena >> 2) + 2;
        for (let seen = Atomics.load(this._i32, slotP); seen < now; seen = Atomics.load(this._i32, slotP)) {
          if (Atomics.compareExchange(this._i32, slotP, seen, now) === seen) break;
        }
        this.rebuild();
      }
      if (Atomics.compareExchange(this.i32, slot, next | 0, end | 0) === (next | 0)) return addr;
    }
  }

  /** Bytes handed out so far. */
  used(): number {
    return (Atomics.load(this.i32, (this.arena >> 2) + 1) >>> 0) - this.arena;
  }

  /** Store a 64-bit word given as a number (exact below 2^53) at a byte address. */
  setWord(addr: number, v: number): void {
    const u32 = this.u32;
    const i = addr >>> 2;
    u32[i] = v >>> 0;
    u32[i + 1] = Math.floor(v / 4294967296) >>> 0;
  }

  /** Load a 64-bit word at a byte address as a number (exact below 2^53). */
  word(addr: number): number {
    const u32 = this.u32;
    const i = addr >>> 2;
    return u32[i] + u32[i + 1] * 4294967296;
  }
}
