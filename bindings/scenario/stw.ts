// Why the world stops, in the runtime's own words (stwReason in runtime/proc.go, Go 1.21+): the
// scheduler stops it for these, the tracers name the stops by them.

export type StwReason = 'GC mark termination' | 'GC sweep termination' | 'write heap dump' | 'goroutine profile' | 'all goroutines stack trace' | 'read mem stats';

/** The stop-the-worlds a goroutine's own call can cause (the stopTheWorld step). */
export const USER_STW_REASONS = ['read mem stats', 'goroutine profile', 'all goroutines stack trace', 'write heap dump'] as const satisfies readonly StwReason[];
