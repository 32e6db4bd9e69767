// hog: hogs goroutines spin without yielding under pprof labels worker=hog. With more of them
// than Ps, sysmon preempts each after 10ms of running, so the Ps rotate through them. Beside
// them main.sleeper (worker=sleep) sleeps 1ms at a time: its timer is on a P that runs a hog, and
// a P runs its timers only when it schedules, so each sleep lasts until that hog is preempted.
// Mimicked by examples/realism/hog.json.
package main

import (
	"context"
	"runtime/pprof"
	"sync"
)

const hogs = 4

func hogProgram(stop <-chan struct{}, wg *sync.WaitGroup) {
	for i := 0; i < hogs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.Do(context.Background(), pprof.Labels("worker", "hog"), func(context.Context) { spinner(stop) })
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		pprof.Do(context.Background(), pprof.Labels("worker", "sleep"), func(context.Context) { sleeper(stop) })
	}()
}
