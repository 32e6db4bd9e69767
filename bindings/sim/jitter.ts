// Jitter: how long a step of user code really takes. A real program never repeats a piece of
// work in exactly the same time (caches, interrupts, frequency scaling, other processes), so a
// step's nominal duration is the mean of a draw, not the duration itself.
//
// Owns nothing but the spread (the scenario's `jitter`: dist and cv). Every draw comes from the
// run's one Rand, in the order the scheduler asks, so a seed fixes every duration. The lognormal
// has the nominal duration as its mean (mu = ln(d) - sigma²/2, sigma² = ln(1 + cv²)), so a
// scenario's CPU totals do not drift with cv; draws are whole nanoseconds, at least 1 for a
// positive duration, and 0 stays 0. With dist "none" (or cv 0) no random number is drawn.
// Who may touch: the scheduler's parts ask `draw` where a step starts (goroutine.ts, syscall.ts).

import type { Rand } from '../core/rand.ts';
import type { RJitter } from '../scenario/resolved.ts';

export class Jitter {
  private readonly sigma: number;
  private readonly halfVar: number;
  private readonly on: boolean;
  /** Box-Muller yields two normals; the second waits here for the next draw (hasSpare). */
  private spare = 0;
  private hasSpare = false;

  constructor(
    spec: RJitter,
    private readonly rand: Rand,
  ) {
    this.on = spec.dist === 'lognormal' && spec.cv > 0;
    const v = Math.log(1 + spec.cv * spec.cv);
    this.sigma = Math.sqrt(v);
    this.halfVar = v / 2;
  }

  /** A duration drawn around `ns` (its mean). */
  draw(ns: number): number {
    if (!this.on || ns <= 0 || ns === Infinity) return ns;
    const x = Math.exp(this.sigma * this.normal() - this.halfVar) * ns;
    return Math.max(1, Math.round(x));
  }

  private normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    // 1 - float() is in (0, 1]: the logarithm stays finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.rand.float()));
    const a = 2 * Math.PI * this.rand.float();
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }
}
