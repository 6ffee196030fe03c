#!/usr/bin/env bash
# soak.sh BIN [SPEC] — a long wrk run against `mockd serve` with faults, the
# journal and recording on, to show memory and goroutines stay flat.
#
# Starts an upstream (BIN serve --spec SPEC) and, in front of it, BIN serve
# with --faults (a rate-based latency and status rule), the journal (on by
# default), and --cassette FILE --on-miss record --upstream; so the first
# request of each path is recorded to the cassette and replayed afterwards.
# Then wrk runs for DURATION (default 60s) over a few paths. It prints the
# RSS of mockd (from /proc) and its goroutine count (GET /__mockd/health)
# before and after, requests/s and p99, and always stops both servers.
# Not part of `make test`. Settings: THREADS=2 CONNECTIONS=64 DURATION=60s
# Needs wrk (Debian: apt-get install wrk), curl, and Linux /proc.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
	echo "usage: $0 BIN [SPEC]   (e.g. $0 bin/mockd fixtures/bookstore.yaml)" >&2
	exit 2
fi
BIN=$1
SPEC=${2:-fixtures/bookstore.yaml}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-60s}
for tool in wrk curl; do
	command -v "$tool" >/dev/null || { echo "soak.sh: $tool is not installed (apt-get install -y $tool)" >&2; exit 1; }
done
[[ -x $BIN ]] || { echo "soak.sh: $BIN is not an executable (make build)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mockd-soak.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME ARGS...: runs BIN serve ARGS in the background and sets $base.
start() {
	local name=$1
	shift
	: >"$work/$name.out"
	"$BIN" serve --host 127.0.0.1 --port 0 --seed 1 --log-level error "$@" >"$work/$name.out" 2>"$work/$name.err" &
	pids+=($!)
	base=
	for _ in $(seq 600); do
		base=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/$name.out" | head -n1 | sed 's/^listening on //' || true)
		[[ -n $base ]] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "soak.sh: $name did not start:" >&2
	cat "$work/$name.out" "$work/$name.err" >&2
	exit 1
}

start upstream --spec "$SPEC"
upstream=$base
cat >"$work/faults.yaml" <<'YAML'
seed: 7
rules:
  - {name: slow, match: {path: /books/featured}, rate: 0.2, fault: {latency: 2ms}}
  - {name: flaky, match: {path: /categories}, rate: 0.05, fault: 503}
YAML
printf -- '---\nversion: 2\ninteractions:\n' >"$work/cassette.yaml"
start mockd --spec "$SPEC" --faults "$work/faults.yaml" --cassette "$work/cassette.yaml" --on-miss record --upstream "$upstream"
pid=${pids[-1]}

cat >"$work/paths.lua" <<'LUA'
local paths = {"/books/featured", "/categories", "/books?limit=5", "/books/featured?x=1"}
local i = 0
request = function()
	i = i + 1
	return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA

rss() { awk '/^VmRSS:/ {print $2 " " $3}' "/proc/$pid/status"; }
goroutines() { curl -fsS --max-time 5 "$base/__mockd/health" | grep -oE '"goroutines": *[0-9]+' | grep -oE '[0-9]+$'; }

curl -fsS -o /dev/null --max-time 5 "$base/books/featured"
echo "mockd pid $pid at $base (upstream $upstream); wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo "start: RSS $(rss), goroutines $(goroutines)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/paths.lua" "$base" >"$work/wrk.txt"
sleep 1 # let keep-alive connections close
echo "end:   RSS $(rss), goroutines $(goroutines)"
rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.txt")
total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
echo "wrk:   ${rps:-?} req/s, p99 ${p99:-?}, ${total:-?} requests, non-2xx ${non2xx:-0} (injected 503s)"
recorded=$(grep -c '^    - id:' "$work/cassette.yaml" || true)
echo "cassette: $recorded interactions recorded (4 paths: recorded once each, plus the first requests that raced in concurrently)"
grep -E 'Socket errors' "$work/wrk.txt" || true
