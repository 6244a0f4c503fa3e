#!/bin/sh
# The include direction (docs/architecture.md "Layers"): a file under src/
# or runtime/ may include its own folder and the folders of lower layers,
# never a higher or equal one; libcurl is included only in src/http/,
# OpenSSL only in src/crypto/ and libxml2 only in src/xml/ and src/aws/.
# Prints one line per violation, naming the file, the line and the include,
# and exits 1; exits 0 when all is well. Usage: tests/check_includes.sh [ROOT] (default: the current
# directory). Run by `make lint`.
root=${1:-.}
cd "$root" || exit 2

# folder layer: a folder may include folders of a lower layer only.
layers='util 0
config 0
log 1
json 2
xml 2
http 2
crypto 2
aws 3
acme 3
runtime 3
dns 4
store 4
deploy 4
agent 5
slack 6
handlers 7
cli 8
main 9'

files=$(find src runtime -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "check_includes: no sources under $root/src or $root/runtime" >&2; exit 2; }

# shellcheck disable=SC2086
printf '%s\n' "$layers" | awk -v files="$files" '
	NR == FNR { rank[$1] = $2; next }
	FNR == 1 {
		f = FILENAME
		n = split(f, p, "/")
		if (p[1] == "runtime") dir = "runtime"
		else if (n == 2) dir = "main"
		else dir = p[2]
		if (!(dir in rank)) {
			printf "%s: folder %s has no layer in tests/check_includes.sh\n", f, dir
			bad = 1
		}
	}
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		inc = $0
		sub(/^[^"]*"/, "", inc)
		sub(/".*$/, "", inc)
		if (inc !~ /\//) next
		to = inc
		sub(/\/.*$/, "", to)
		if (to == dir || !(to in rank) || !(dir in rank)) next
		if (rank[to] >= rank[dir]) {
			printf "%s:%d: includes \"%s\": %s (layer %d) may not include %s (layer %d)\n", \
			    f, FNR, inc, dir, rank[dir], to, rank[to]
			bad = 1
		}
	}
	/^[ \t]*#[ \t]*include[ \t]*<curl\// && dir != "http" {
		printf "%s:%d: %s: only src/http/ uses libcurl\n", FILENAME, FNR, $0
		bad = 1
	}
	/^[ \t]*#[ \t]*include[ \t]*<openssl\// && dir != "crypto" {
		printf "%s:%d: %s: only src/crypto/ uses OpenSSL\n", FILENAME, FNR, $0
		bad = 1
	}
	/^[ \t]*#[ \t]*include[ \t]*<libxml\// && dir != "xml" && dir != "aws" {
		printf "%s:%d: %s: only src/xml/ and src/aws/ use libxml2\n", FILENAME, FNR, $0
		bad = 1
	}
	END { exit bad }
' - $files
