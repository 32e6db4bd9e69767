#!/usr/bin/env bash
# Regenerates the real Go 1.19 fixtures in test/fixtures/go1.19 (see its README.md):
#
#   scripts/fixtures.sh            # all three: hog annot mixed
#   scripts/fixtures.sh hog        # only some
#
# For each fixture, test/go/tracegen (this repository's own Go program, built with Go 1.19 in
# GOPATH mode) runs one workload with GOMAXPROCS=2, writing the execution trace (NAME.trace) and
# the CPU profile (NAME.pprof, 100 Hz). Then Go 1.19's own tools are the oracle:
#   NAME.counts   event counts by type of `go tool trace -d NAME.trace` (every line it prints)
#   NAME.head     the first 100 lines `go tool trace -d NAME.trace` prints
#   NAME.cpu      every CPUSample line `go tool trace -d NAME.trace` prints
#   NAME.pprof-raw  `go tool pprof -raw NAME.pprof`
# A run is kept only when the trace shows what the tests rely on (CPU samples, GC, syscalls that
# lose their P, preemptions, ...; see check() below); otherwise the workload is run again (a
# busy machine gives the program less CPU and fewer samples). Needs Go 1.19 (Debian's
# golang-1.19-go in /usr/lib/go-1.19, or GTS_GO_1_19=GOROOT). Traces and profiles differ on
# every run: after regenerating, tests that read facts off the fixtures follow the oracle files
# above; the few literal facts in tests (see test/fixtures/go1.19/README.md) must be re-read.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/test/fixtures/go1.19
GOROOT_119=${GTS_GO_1_19:-/usr/lib/go-1.19}
GO=$GOROOT_119/bin/go
if [ ! -x "$GO" ]; then
  echo "scripts/fixtures.sh: needs Go 1.19 at $GOROOT_119 (apt-get install -y golang-1.19-go, or set GTS_GO_1_19)" >&2
  exit 2
fi
# A fixed place: the binary's path is recorded in each profile's mapping, and the source path
# in every stack frame of the traces.
WORK=/tmp/gotracesim-fixtures
rm -rf "$WORK"
mkdir -p "$WORK/gopath/src/tracegen" "$WORK/home"
cp "$ROOT"/test/go/tracegen/*.go "$WORK/gopath/src/tracegen/"
export GOROOT=$GOROOT_119 GOPATH=$WORK/gopath GOCACHE=$WORK/gocache HOME=$WORK/home
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOTELEMETRY=off CGO_ENABLED=0 TZ=UTC
"$GO" version | grep -q ' go1\.19' || { echo "scripts/fixtures.sh: $GO is not Go 1.19" >&2; exit 2; }
(cd "$WORK/gopath/src/tracegen" && "$GO" build -o "$WORK/tracegen" .)

# count NAME FILE: the count of event type NAME in a .counts file (0 when absent).
count() { awk -v n="$1" '$2 == n { c = $1 } END { print c + 0 }' "$2"; }

# check FIXTURE: what the tests need of each fixture; prints what is missing.
check() {
  local f=$1 c=$WORK/$1.counts bad=''
  need() { # need TYPE OP N
    local v
    v=$(count "$1" "$c")
    if ! [ "$v" "$2" "$3" ]; then bad="$bad $1=$v (want $2 $3)"; fi
  }
  local size distinct=11
  size=$(stat -c %s "$WORK/$f.trace")
  [ "$size" -le 500000 ] || bad="$bad size=$size"
  case $f in
  hog)
    need CPUSample -ge 24; need GoSched -ge 20000; need UserRegion -eq 4; need GCStart -eq 0 ;;
  annot)
    need CPUSample -ge 12; need UserTaskCreate -eq 1; need UserTaskEnd -eq 1; need UserRegion -eq 6; need UserLog -eq 6
    distinct=4 ;; # its goroutines spin in one loop: few distinct stacks
  mixed)
    need CPUSample -ge 20; need GCStart -ge 3; need GCSTWStart -eq $((2 * $(count GCStart "$c")))
    need GoSysBlock -ge 1; need GoSysExit -ge 1; need GoPreempt -ge 1
    need GoSleep -ge 1; need GoSched -ge 1; need GoBlockSend -ge 1; need GoBlockRecv -ge 1; need GoStartLabel -ge 1
    # CPU samples of at least three goroutines (not only of the one that spins).
    local gs
    gs=$(awk '$2 == "CPUSample" { print $4 }' "$WORK/$f.d" | sort -u | wc -l)
    [ "$gs" -ge 3 ] || bad="$bad sampled-goroutines=$gs" ;;
  esac
  # Distinct samples (stack + labels) in the profile, as go tool pprof -raw lists them.
  local samples
  samples=$(sed -n '/^Samples:/,/^Locations/p' "$WORK/$f.pprof-raw" | grep -c ': ' || true)
  [ "$samples" -ge "$distinct" ] || bad="$bad pprof-samples=$samples (want -ge $distinct)"
  echo "$bad"
}

run() {
  local f=$1 dur=$2
  local attempt
  for attempt in $(seq 1 "${GTS_FIXTURE_ATTEMPTS:-30}"); do
    rm -f "$WORK/$f".*
    GOMAXPROCS=2 "$WORK/tracegen" -workload "$f" -dur "$dur" -o "$WORK/$f.trace" -cpuprofile "$WORK/$f.pprof"
    "$GO" tool trace -d "$WORK/$f.trace" >"$WORK/$f.d" 2>"$WORK/$f.err" || { cat "$WORK/$f.err" >&2; exit 1; }
    if grep -v 'Parsing trace\.\.\.$' "$WORK/$f.err" | grep -q .; then cat "$WORK/$f.err" >&2; exit 1; fi
    awk '{ print $2 }' "$WORK/$f.d" | sort | uniq -c | sort -k1,1nr -k2,2 >"$WORK/$f.counts"
    "$GO" tool pprof -raw "$WORK/$f.pprof" >"$WORK/$f.pprof-raw" 2>"$WORK/$f.err" || { cat "$WORK/$f.err" >&2; exit 1; }
    local bad
    bad=$(check "$f")
    if [ -z "$bad" ]; then
      head -n 100 "$WORK/$f.d" >"$WORK/$f.head"
      grep ' CPUSample ' "$WORK/$f.d" >"$WORK/$f.cpu" || true
      for ext in trace pprof counts head cpu pprof-raw; do cp "$WORK/$f.$ext" "$OUT/$f.$ext"; done
      echo "$f: $(stat -c %s "$OUT/$f.trace") bytes of trace, $(wc -l <"$WORK/$f.d") events, $(count CPUSample "$OUT/$f.counts") CPU samples (attempt $attempt)"
      return
    fi
    echo "$f: attempt $attempt rejected:$bad" >&2
    sleep 2
  done
  echo "$f: no acceptable run in ${GTS_FIXTURE_ATTEMPTS:-30} attempts (is the machine busy?)" >&2
  exit 1
}

mkdir -p "$OUT"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(hog annot mixed)
for f in "${names[@]}"; do
  case $f in
  hog) run hog 150ms ;;
  annot) run annot 100ms ;;
  mixed) run mixed 200ms ;;
  *) echo "scripts/fixtures.sh: unknown fixture $f (hog, annot, mixed)" >&2; exit 2 ;;
  esac
done
