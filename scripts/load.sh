#!/usr/bin/env bash
# load.sh BIN SPEC — wrk load against `mockd serve` on loopback, side by side
# with a bare net/http server returning the same bytes (the goals:
# mockd's requests/s >= 0.7x the bare server's, its p99 <= 1.5x the bare one's).
#
# Starts BIN serve --spec SPEC on 127.0.0.1 (--port 0), captures its answer to
# EXAMPLE_PATH (status, headers, body) and starts the bare server
# (internal/bareserver) answering every request with exactly those bytes.
# Then ROUNDS rounds of wrk alternate between the two (the order flips each
# round, so neither always runs on a warmer machine), and it prints each
# round, the medians, and the two ratios next to their goals. A last run
# against DYNAMIC_PATH (bodies generated per request) is printed for
# information. Both servers are always stopped.
# Settings (the defaults are the issue's): THREADS=1 CONNECTIONS=32
# DURATION=5s ROUNDS=3 EXAMPLE_PATH=/books/featured
# DYNAMIC_PATH='/categories?__dynamic=true' START_TIMEOUT=30
# BARE=path/to/bareserver (default: built with go from internal/bareserver)
# MOCKD_ARGS adds serve flags, e.g. MOCKD_ARGS="--faults fixtures/faults/nomatch.yaml".
# The machine's load moves every figure; the ratio of alternating rounds is
# the meaningful one. Needs wrk (Debian: apt-get install wrk) and curl.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 BIN SPEC   (e.g. $0 bin/mockd fixtures/bookstore.yaml)" >&2
	exit 2
fi
BIN=$1
SPEC=$2
EXAMPLE_PATH=${EXAMPLE_PATH:-/books/featured}
DYNAMIC_PATH=${DYNAMIC_PATH:-/categories?__dynamic=true}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
START_TIMEOUT=${START_TIMEOUT:-30}
BARE=${BARE:-}

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
if ! [[ $ROUNDS =~ ^[1-9][0-9]*$ ]]; then
	echo "load.sh: ROUNDS=$ROUNDS must be a positive whole number" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mockd-load.XXXXXX")
pids=()
wrk_pid=
cleanup() {
	if [[ -n $wrk_pid ]]; then
		kill -TERM "$wrk_pid" 2>/dev/null || true
		wait "$wrk_pid" 2>/dev/null || true
	fi
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z $BARE ]]; then
	command -v go >/dev/null || {
		echo "load.sh: set BARE to a built internal/bareserver, or install Go to build it" >&2
		exit 1
	}
	BARE=$work/bareserver
	(cd "$(dirname "$0")/.." && go build -o "$BARE" ./internal/bareserver)
fi

# start NAME CMD...: starts a server whose stdout says "listening on URL",
# waits for that line and sets URL. Warnings go to the log files; only the
# load itself is measured. The files exist before the server starts so
# that the wait loop can read them.
start() {
	local name=$1
	shift
	: >"$work/$name.out"
	: >"$work/$name.err"
	"$@" >"$work/$name.out" 2>"$work/$name.err" &
	local pid=$!
	pids+=("$pid")
	URL=
	local deadline=$((SECONDS + START_TIMEOUT))
	while [[ -z $URL ]]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "load.sh: $name exited before listening:" >&2
			cat "$work/$name.out" "$work/$name.err" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			echo "load.sh: $name did not listen within ${START_TIMEOUT}s" >&2
			cat "$work/$name.out" "$work/$name.err" >&2
			exit 1
		fi
		URL=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/$name.out" | head -n1 | sed 's/^listening on //' || true)
		[[ -n $URL ]] || sleep 0.05
	done
	echo "$name: pid $pid at $URL"
}

# shellcheck disable=SC2086
start mockd "$BIN" serve --spec "$SPEC" --host 127.0.0.1 --port 0 --seed 1 --log-level error ${MOCKD_ARGS:-}
mockd=$URL mockd_pid=${pids[-1]}
status=$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' --max-time 5 "$mockd$EXAMPLE_PATH") || {
	echo "load.sh: GET $mockd$EXAMPLE_PATH failed before the load run" >&2
	exit 1
}
if [[ $status != 2* ]]; then
	echo "load.sh: GET $EXAMPLE_PATH answered $status before the load run:" >&2
	cat "$work/body" >&2
	exit 1
fi
start bare "$BARE" -body "$work/body" -headers "$work/headers" -status "$status"
bare=$URL bare_pid=${pids[-1]}
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS alternating rounds, GET $EXAMPLE_PATH ($(wc -c <"$work/body") body bytes)"

# usec VALUE: wrk's latency (850.00us, 9.60ms, 1.20s, 2.00m) in microseconds.
usec() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000; else if (u == "m") f = 60000000; else { print "?"; exit }
		printf "%.0f", n * f }'
}

# ticks PID: CPU time the process has used so far (user + system), in clock ticks.
ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

# run LABEL BASE PATH [PID]: one wrk run; prints a line and sets RPS, P99
# (microseconds) and, given the server's PID, CPU (the server's CPU time per
# request, microseconds: unlike requests/s it hardly depends on what else
# the machine runs).
run() {
	local label=$1 path=$3 url=$2$3 pid=${4:-} out=$work/wrk.txt t0=0
	[[ -z $pid ]] || t0=$(ticks "$pid")
	# In the background, so that a signal runs the trap at once.
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out" &
	wrk_pid=$!
	if ! wait "$wrk_pid"; then
		wrk_pid=
		echo "load.sh: wrk failed against $url" >&2
		return 1
	fi
	wrk_pid=
	local p99 non2xx errors n
	CPU=
	n=$(awk '/ requests in / {print $1}' "$out")
	if [[ -n $pid && ${n:-0} -gt 0 ]]; then
		CPU=$(awk -v t="$(($(ticks "$pid") - t0))" -v hz="$hz" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
	fi
	RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	p99=$(awk '$1 == "99%" {print $2}' "$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
	errors=$(awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}' "$out")
	P99=$(usec "${p99:-?}")
	printf '%-16s %-34s %12s req/s   p99 %9s' "$label" "GET $path" "${RPS:-?}" "${p99:-?}"
	[[ -z $CPU ]] || printf '   cpu %7s us/req' "$CPU"
	[[ -z $non2xx ]] || printf '   non-2xx %s' "$non2xx"
	[[ -z $errors ]] || printf '   socket errors: %s' "$errors"
	printf '\n'
	if [[ -z $RPS || -n $non2xx || $P99 == "?" ]]; then
		echo "load.sh: the $label run failed or got error responses; wrk said:" >&2
		cat "$out" >&2
		return 1
	fi
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# A short unmeasured run each: connection set-up, first compiles, CPU caches.
DURATION=1s run "warm-up mockd" "$mockd" "$EXAMPLE_PATH" >/dev/null
DURATION=1s run "warm-up bare" "$bare" "$EXAMPLE_PATH" >/dev/null
m_rps=() m_p99=() m_cpu=() b_rps=() b_p99=() b_cpu=()
for round in $(seq "$ROUNDS"); do
	order=(mockd bare)
	((round % 2)) || order=(bare mockd)
	for who in "${order[@]}"; do
		if [[ $who == mockd ]]; then
			run "round $round mockd" "$mockd" "$EXAMPLE_PATH" "$mockd_pid"
			m_rps+=("$RPS") m_p99+=("$P99") m_cpu+=("${CPU:-0}")
		else
			run "round $round bare" "$bare" "$EXAMPLE_PATH" "$bare_pid"
			b_rps+=("$RPS") b_p99+=("$P99") b_cpu+=("${CPU:-0}")
		fi
	done
done

mr=$(median "${m_rps[@]}") mp=$(median "${m_p99[@]}")
br=$(median "${b_rps[@]}") bp=$(median "${b_p99[@]}")
# goal NAME VALUE OP LIMIT: prints a ratio next to its goal.
goal() {
	awk -v name="$1" -v v="$2" -v op="$3" -v lim="$4" 'BEGIN {
		met = (op == ">=") ? (v >= lim) : (v <= lim)
		printf "%-34s %6.2fx   goal %s %.1fx   %s\n", name, v, op, lim, met ? "met" : "NOT met" }'
}
printf 'median of %d rounds: mockd %.0f req/s, p99 %.2f ms; bare %.0f req/s, p99 %.2f ms\n' \
	"$ROUNDS" "$mr" "$(awk -v p="$mp" 'BEGIN {print p / 1000}')" "$br" "$(awk -v p="$bp" 'BEGIN {print p / 1000}')"
goal "throughput mockd / bare" "$(awk -v a="$mr" -v b="$br" 'BEGIN {print a / b}')" ">=" 0.7
goal "p99 latency mockd / bare" "$(awk -v a="$mp" -v b="$bp" 'BEGIN {print a / b}')" "<=" 1.5
mc=$(median "${m_cpu[@]}") bc=$(median "${b_cpu[@]}")
if awk -v a="$mc" -v b="$bc" 'BEGIN {exit !(a > 0 && b > 0)}'; then
	printf 'server CPU per request (median): mockd %.1f us, bare %.1f us; bare / mockd = %.2f\n' "$mc" "$bc" \
		"$(awk -v a="$mc" -v b="$bc" 'BEGIN {print b / a}')"
	echo "  (what the throughput ratio tends to on a quiet machine, where the server's CPU is the limit)"
fi
run "dynamic mockd" "$mockd" "$DYNAMIC_PATH" "$mockd_pid"
