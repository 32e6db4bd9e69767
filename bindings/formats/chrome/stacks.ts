// The stackFrames dictionary of a Chrome export: stacks (leaf-first frames) → the id of their
// leaf node ("sf") and a text form, one node per distinct (parent, func, file, line), so that
// stacks sharing callers share nodes. Who may touch: the export owner.

import type { StackFrame } from '../event.ts';
import type { ChromeStackFrame } from './types.ts';

export class StackDictionary {
  readonly frames: Record<string, ChromeStackFrame> = {};
  private readonly ids = new Map<string, string>();
  private n = 0;
  /** [sf, text] per frames array: the model hands out one array per stack id and generation. */
  private cache = new Map<readonly StackFrame[], [string, string]>();

  get size(): number {
    return this.n;
  }

  /** The arrays of a past generation are not handed out again: let them go. */
  newGeneration(): void {
    if (this.cache.size > 0) this.cache = new Map();
  }

  /** The sf id and text of a stack; undefined for none or an empty one. */
  of(frames: readonly StackFrame[] | undefined): [string, string] | undefined {
    if (frames === undefined || frames.length === 0) return undefined;
    let c = this.cache.get(frames);
    if (c !== undefined) return c;
    let parent = '';
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i];
      const key = `${parent}|${f.func}|${f.file}|${f.line}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = String(++this.n);
        this.ids.set(key, id);
        const node: ChromeStackFrame = { name: f.func || `0x${f.pc.toString(16)}`, category: `${f.file}:${f.line}` };
        if (parent) node.parent = parent;
        this.frames[id] = node;
      }
      parent = id;
    }
    let text = '';
    for (let i = 0; i < frames.length; i++) text += `${i ? '\n' : ''}${frames[i].func} ${frames[i].file}:${frames[i].line}`;
    c = [parent, text];
    this.cache.set(frames, c);
    return c;
  }
}
