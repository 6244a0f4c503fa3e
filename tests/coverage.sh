#!/bin/sh
# Prints line coverage per source file for a --coverage build in $1.
set -eu
dir=${1:-build/cov}
command -v gcov >/dev/null || { echo "coverage: gcov not found" >&2; exit 1; }
find "$dir/obj/src" -name '*.gcda' | sort | while read -r f; do
	gcov -n -o "$(dirname "$f")" "$f" 2>/dev/null | awk -v f="$f" '
		/^File .src\// { name=$2; gsub("\x27", "", name) }
		/^Lines executed/ && name != "" { sub("Lines executed:", ""); printf "%-40s %s\n", name, $0; name="" }'
done
