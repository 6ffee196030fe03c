#!/usr/bin/env bash
# Fails when git tracks build output: an executable binary (ELF, Mach-O, PE)
# or any file over 1 MiB. Run by `make test`, so CI catches a committed binary.
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --git-dir >/dev/null 2>&1 || { echo "check-tree: not a git checkout, skipped"; exit 0; }
limit=$((1024 * 1024))
bad=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	size=$(wc -c <"$f")
	if [ "$size" -gt "$limit" ]; then
		echo "check-tree: $f is $size bytes (limit $limit): build output or data that belongs in the cache, not in git"
		bad=1
	fi
	magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	7f454c46 | cffaedfe | cefaedfe | feedface | feedfacf | 4d5a*)
		echo "check-tree: $f is an executable binary: remove it with 'git rm --cached' and ignore it"
		bad=1
		;;
	esac
done < <(git ls-files -z)
exit "$bad"
