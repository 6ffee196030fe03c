#!/usr/bin/env bash
# load.sh BIN SPEC — a wrk load run against `mockd serve` on loopback.
#
# Starts BIN serve --spec SPEC on 127.0.0.1 with a free port (--port 0), waits
# until it listens, runs wrk against an example endpoint and a generated one,
# prints requests/s and p99 latency for each, and always stops mockd.
# The bookstore fixture's paths are the defaults; override them (and wrk's
# settings) for another spec:
#   EXAMPLE_PATH=/books/featured DYNAMIC_PATH='/categories?__dynamic=true'
#   THREADS=2 CONNECTIONS=64 DURATION=10s START_TIMEOUT=30
# Needs wrk (Debian: apt-get install wrk) and curl.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 BIN SPEC   (e.g. $0 bin/mockd fixtures/bookstore.yaml)" >&2
	exit 2
fi
BIN=$1
SPEC=$2
EXAMPLE_PATH=${EXAMPLE_PATH:-/books/featured}
DYNAMIC_PATH=${DYNAMIC_PATH:-/categories?__dynamic=true}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
START_TIMEOUT=${START_TIMEOUT:-30}

for tool in wrk curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "load.sh: $tool is not installed (Debian: apt-get install -y $tool)" >&2
		exit 1
	fi
done
if [[ ! -x $BIN ]]; then
	echo "load.sh: $BIN is not an executable (build it with 'make build')" >&2
	exit 1
fi
if [[ ! -r $SPEC ]]; then
	echo "load.sh: cannot read the spec $SPEC" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mockd-load.XXXXXX")
pid=
wrk_pid=
cleanup() {
	if [[ -n $wrk_pid ]]; then
		kill -TERM "$wrk_pid" 2>/dev/null || true
		wait "$wrk_pid" 2>/dev/null || true
	fi
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Warnings go to the log; only the load itself should be measured. The
# files exist before mockd starts so that the wait loop can read them.
: >"$work/stdout"
: >"$work/stderr"
# MOCKD_ARGS adds serve flags, e.g. MOCKD_ARGS="--faults fixtures/faults/nomatch.yaml".
# shellcheck disable=SC2086
"$BIN" serve --spec "$SPEC" --host 127.0.0.1 --port 0 --seed 1 --log-level error ${MOCKD_ARGS:-} \
	>"$work/stdout" 2>"$work/stderr" &
pid=$!

base=
deadline=$((SECONDS + START_TIMEOUT))
while [[ -z $base ]]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "load.sh: mockd exited before listening:" >&2
		cat "$work/stdout" "$work/stderr" >&2
		exit 1
	fi
	if ((SECONDS >= deadline)); then
		echo "load.sh: mockd did not listen within ${START_TIMEOUT}s" >&2
		cat "$work/stdout" "$work/stderr" >&2
		exit 1
	fi
	base=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/stdout" | head -n1 | sed 's/^listening on //' || true)
	[[ -n $base ]] || sleep 0.05
done
curl -fsS -o /dev/null --max-time 5 "$base$EXAMPLE_PATH" || {
	echo "load.sh: GET $base$EXAMPLE_PATH failed before the load run" >&2
	exit 1
}
echo "mockd $(sed -n 1p "$work/stdout" | sed 's/^mockd //')"
echo "pid $pid at $base; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"

# run NAME PATH: one wrk run, then its requests/s, p99 and error counts.
run() {
	local name=$1 path=$2 out=$work/wrk-$1.txt
	# In the background, so that a signal runs the trap at once.
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base$path" >"$out" &
	wrk_pid=$!
	wait "$wrk_pid" || {
		echo "load.sh: wrk failed against $base$path" >&2
		wrk_pid=
		return 1
	}
	wrk_pid=
	local rps p99 non2xx errors
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	p99=$(awk '$1 == "99%" {print $2}' "$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
	errors=$(awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}' "$out")
	printf '%-8s %-32s %12s req/s   p99 %8s' "$name" "GET $path" "${rps:-?}" "${p99:-?}"
	[[ -z $non2xx ]] || printf '   non-2xx %s' "$non2xx"
	[[ -z $errors ]] || printf '   socket errors: %s' "$errors"
	printf '\n'
	if [[ -z $rps || -n $non2xx ]]; then
		echo "load.sh: the $name run failed or got error responses; wrk said:" >&2
		cat "$out" >&2
		return 1
	fi
}

status=0
run example "$EXAMPLE_PATH" || status=1
run dynamic "$DYNAMIC_PATH" || status=1
exit $status
