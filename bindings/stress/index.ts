// Stress tooling for the core: tasks that hammer a profBuf, the signalLock and the seqlocks
// from worker threads on one shared memory (tests and benchmarks; not part of the library).
export { startTask, runTaskInWorker, workerPath, type RunningTask } from './workers.ts';
export { recordChecksum, runTask, type StressTask, type WriterResult, type ReaderResult, type LockResult } from './stress.ts';
