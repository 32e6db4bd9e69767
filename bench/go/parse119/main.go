// Anchor for bench/goals.ts: Go 1.19's own trace parser (internal/trace.Parse) on one file.
// internal/ packages import only from inside GOROOT, so the bench builds this file as
// cmd/gtsparse119 through `go build -overlay` (nothing is written into GOROOT).
// Usage: gtsparse119 FILE; prints the number of events, exit 1 with the parser's error.
package main

import (
	"bufio"
	"fmt"
	"internal/trace"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gtsparse119 FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res, err := trace.Parse(bufio.NewReaderSize(f, 1<<20), "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(len(res.Events))
}
