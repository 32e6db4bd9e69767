// Interruption: long commands yield to the event loop between slices of work so that SIGINT
// and SIGTERM reach their listeners, and say in one line what they cleaned up.

/**
 * Let the event loop run, so that a signal that came during synchronous work reaches its
 * listener. Two turns: after a long synchronous stretch one turn is not always enough for
 * Node to deliver a pending signal (seen on Node 20), two are.
 */
export async function yieldToLoop(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

/** "interrupted (SIGINT); removed a, b" */
export function interruptedLine(signal: AbortSignal, removed: string[]): string {
  return `interrupted (${String(signal.reason)}); ${removed.length ? `removed ${removed.join(', ')}` : 'nothing was written'}`;
}
