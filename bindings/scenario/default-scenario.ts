// The built-in default scenario: what `gotracesim run` simulates with no scenario file.
// A realistic small service on 4 Ps: two CPU-bound workers (one yielding with Gosched
// often), a channel ping-pong pair, a goroutine doing short read syscalls, and an allocating
// goroutine that drives the GC. Labels mark who is who in the profile.

import type { Scenario } from './scenario.ts';

const f = (func: string, line: number, file = '/app/main.go') => ({ func, file, line });

export const DEFAULT_SCENARIO: Scenario = {
  name: 'default',
  go: '1.23',
  seed: 1,
  duration: '1s',
  gomaxprocs: 4,
  stacks: {
    hash: [f('crypto/sha256.block', 120, '/usr/lib/go/src/crypto/sha256/sha256block_amd64.s'), f('crypto/sha256.(*digest).Write', 232, '/usr/lib/go/src/crypto/sha256/sha256.go'), f('main.hashWorker', 41), f('main.main.func1', 88)],
    spin: [f('main.spinWithYield', 55), f('main.main.func2', 92)],
    ping: [f('main.encodeMessage', 63), f('main.pinger', 70), f('main.main.func3', 96)],
    pong: [f('main.decodeMessage', 77), f('main.ponger', 82), f('main.main.func4', 100)],
    read: [f('os.(*File).Read', 118, '/usr/lib/go/src/os/file.go'), f('main.reader', 108), f('main.main.func5', 104)],
    build: [f('main.buildIndex', 130), f('main.allocator', 138), f('main.main.func6', 112)],
  },
  goroutines: [
    { name: 'hasher', count: 1, labels: { worker: 'hash' }, program: [{ loop: [{ compute: 'hash', for: '2ms' }] }] },
    { name: 'yielder', count: 1, labels: { worker: 'yield' }, program: [{ loop: [{ compute: 'spin', for: '40us' }, { gosched: true }] }] },
    { name: 'pinger', count: 1, labels: { worker: 'pingpong' }, program: [{ loop: [{ compute: 'ping', for: '15us' }, { send: 'ball' }, { recv: 'back' }] }] },
    { name: 'ponger', count: 1, labels: { worker: 'pingpong' }, program: [{ loop: [{ recv: 'ball' }, { compute: 'pong', for: '10us' }, { send: 'back' }] }] },
    { name: 'reader', count: 1, labels: { worker: 'io' }, program: [{ loop: [{ syscall: 'read', cpu: '8us', block: '120us' }, { compute: 'read', for: '5us' }] }] },
    { name: 'allocator', count: 1, labels: { worker: 'alloc' }, program: [{ loop: [{ compute: 'build', for: '50us' }, { alloc: '64KiB' }] }] },
  ],
  gc: { trigger: '4MiB', stw: '30us', mark: '2ms', workers: 0.25, assistNsPerKiB: 200 },
  profile: { hz: 100 },
};
