// Output files for the command line: directories made one level at a time, temporary files
// with unpredictable names opened exclusively, renamed into place only when complete, and
// every failure turned into one line that names the path (OutputError; the CLI exits 2).
//
// Why not mkdirSync({recursive: true}): on procfs, mkdir of a missing child returns ENOENT
// although the parent exists, and Node's recursive mkdir then retries the parent forever
// (`-o /proc/nope` hung at 100% CPU). Why random, exclusive temporaries: a predictable name
// such as `.trace.out.PID.tmp` opened with "w" lets anyone who can write the directory plant
// a symlink there and have us overwrite its target.

import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';

/** An output path that cannot be written; the message is one line naming it. */
export class OutputError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: cannot write: ${reason}`);
    this.name = 'OutputError';
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EEXIST: 'already exists',
  EXDEV: 'the temporary file and the output are on different file systems',
};

/** A short reason for a file-system error, without Node's stack or syscall details. */
export function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && REASONS[err.code]) return `${err.code}: ${REASONS[err.code]}`;
  return err?.code ?? String(err?.message ?? e);
}

/** The error as an OutputError for `path` (kept as is when it already is one). */
export function outputError(path: string, e: unknown): OutputError {
  return e instanceof OutputError ? e : new OutputError(path, reason(e));
}

function statOrNull(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/**
 * mkdir -p that fails fast: returns the topmost directory it created (to remove on failure),
 * or null when `dir` already was a directory. Symlinks to directories along the way are
 * followed, as the user named them.
 */
export function makeDirs(dir: string): string | null {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    const st = statOrNull(p);
    if (st) {
      if (!st.isDirectory()) throw new OutputError(dir, p === abs ? 'exists and is not a directory' : `${p} is not a directory`);
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  let top: string | null = null;
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]); // one level: an ENOENT here is final
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statOrNull(missing[i])?.isDirectory()) continue; // made concurrently
      if (top) rmSync(top, { recursive: true, force: true });
      throw outputError(dir, e);
    }
    top ??= missing[i];
  }
  return top;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Create a new temporary file `.NAME.RANDOM.tmp` in `dir`, opened write-only with O_EXCL
 * (and O_NOFOLLOW where the platform has it): never an existing file, never through a
 * symlink. `rand` is for tests that need to know the name in advance.
 */
export function createTemp(dir: string, name: string, rand: (n: number) => Buffer = randomBytes): { path: string; fd: number } {
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `.${name}.${rand(8).toString('hex')}.tmp`);
    try {
      return { path, fd: openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o666) };
    } catch (e) {
      // Somebody else's file (or a planted link) has this name: draw another one.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 8) continue;
      throw outputError(join(dir, name), e);
    }
  }
}

/** Whether a and b name the same existing file (same device and inode, links followed). */
export function sameFile(a: string, b: string): boolean {
  const sa = statOrNull(a);
  const sb = statOrNull(b);
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Refuse an output path that is a directory; other checks happen when it is written. */
export function checkOutputFile(path: string): void {
  const st = statOrNull(path);
  if (st?.isDirectory()) throw new OutputError(path, 'is a directory');
}

interface Temp {
  name: string;
  path: string;
  fd: number;
}

/**
 * Files written into one directory all or none: each goes to a temporary file, and
 * `commit()` renames them all into place once every one is complete. `discard()` removes
 * the temporaries and, when this set created the directory, the directory too.
 */
export class AtomicFiles {
  private readonly temps: Temp[] = [];
  private done = false;

  private constructor(
    readonly dir: string,
    /** The topmost directory this set created, or null. */
    readonly created: string | null,
  ) {}

  /** Make `dir` (and its missing parents) and start a set of files in it. */
  static inDir(dir: string): AtomicFiles {
    return new AtomicFiles(dir, makeDirs(dir));
  }

  /** Start a set of files in an existing directory. */
  static inExistingDir(dir: string): AtomicFiles {
    return new AtomicFiles(dir, null);
  }

  /** Open `name`'s temporary file for streaming writes. */
  open(name: string): { path: string; write: (data: Uint8Array | string) => void; close: () => void } {
    const t: Temp = { name, ...createTemp(this.dir, name) };
    this.temps.push(t);
    return {
      path: t.path,
      write: (data) => {
        try {
          if (typeof data === 'string') writeSync(t.fd, data);
          else for (let off = 0; off < data.length; ) off += writeSync(t.fd, data, off);
        } catch (e) {
          throw outputError(join(this.dir, name), e);
        }
      },
      close: () => this.close(t),
    };
  }

  /** Write `name` whole to its temporary file. */
  write(name: string, data: Uint8Array | string): void {
    const f = this.open(name);
    f.write(data);
    f.close();
  }

  private close(t: Temp): void {
    if (t.fd < 0) return;
    const fd = t.fd;
    t.fd = -1;
    try {
      try {
        fsyncSync(fd); // the data is on disk before the rename makes it the output
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw outputError(join(this.dir, t.name), e);
    }
  }

  /** Rename every temporary into place (replacing a file or a symlink there, never writing
   *  through it). */
  commit(): void {
    for (const t of this.temps) this.close(t);
    // rename(2) would replace an empty directory: refuse that before renaming anything.
    for (const t of this.temps) {
      const dest = join(this.dir, t.name);
      let isDir = false;
      try {
        isDir = lstatSync(dest).isDirectory();
      } catch {
        // nothing there yet
      }
      if (isDir) throw new OutputError(dest, 'is a directory');
    }
    for (const t of this.temps) {
      const dest = join(this.dir, t.name);
      try {
        renameSync(t.path, dest);
      } catch (e) {
        throw outputError(dest, e);
      }
    }
    this.done = true;
  }

  /** Remove what this set left: its temporaries, and the directory it created. Returns the
   *  paths removed (for the interrupt message). Safe to call more than once. */
  discard(): string[] {
    if (this.done) return [];
    this.done = true;
    const removed: string[] = [];
    for (const t of this.temps) {
      if (t.fd >= 0) {
        try {
          closeSync(t.fd);
        } catch {
          // already closed
        }
        t.fd = -1;
      }
      try {
        unlinkSync(t.path);
        removed.push(t.path);
      } catch {
        // already gone (renamed, or never created)
      }
    }
    if (this.created) {
      rmSync(this.created, { recursive: true, force: true });
      removed.push(this.created);
    }
    return removed;
  }
}
