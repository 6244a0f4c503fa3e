#!/bin/sh
# Builds the self-contained Lambda zip: bootstrap at the root, bin/aaa
# (stripped), lib/ with every shared library the binary loads INCLUDING the
# dynamic loader and libc, and certs/ca-bundle.crt. bootstrap runs
#   lib/ld-linux-*.so.* --library-path lib bin/aaa lambda
# so nothing of the host image (Amazon Linux's older glibc) is used; this is
# the approach of aws-lambda-cpp's packager. See deploy/README.md.
#
# Environment (all optional):
#   BUILD      build folder (default build); the binary is $BUILD/aaa
#   AAA_BIN    the binary to package (default $BUILD/aaa)
#   OUT        the zip to write (default $BUILD/aaa-lambda.zip)
#   CA_BUNDLE  PEM bundle shipped as certs/ca-bundle.crt
#              (default /etc/ssl/certs/ca-certificates.crt, Debian's)
#   MAX_BYTES  fail when the zip is larger (default 0: only a warning over 5 MB)
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
AAA_BIN=${AAA_BIN:-$BUILD/aaa}
OUT=${OUT:-$BUILD/aaa-lambda.zip}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
MAX_BYTES=${MAX_BYTES:-0}
TARGET_BYTES=$((5 * 1024 * 1024))

die() {
	echo "package: $*" >&2
	exit 1
}

for tool in zip readelf strip sort touch; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "missing tool '$tool' (Debian: apt-get install zip binutils coreutils, or make deps)"
done
[ -x "$AAA_BIN" ] || die "$AAA_BIN is not built (run make first, or set AAA_BIN)"
[ -r "$CA_BUNDLE" ] || die "CA bundle $CA_BUNDLE not found (Debian: apt-get install ca-certificates, or set CA_BUNDLE)"
[ -r "$here/bootstrap" ] || die "$here/bootstrap is missing"

# The loader the binary names (PT_INTERP): it lists the libraries exactly as it
# would load them (DT_NEEDED, transitively), the same thing ldd prints.
interp=$(readelf -l "$AAA_BIN" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
[ -n "$interp" ] || die "$AAA_BIN has no program interpreter (static binary?): nothing to bundle"
[ -x "$interp" ] || die "dynamic loader $interp not found"
ldname=$(basename "$interp")
case "$ldname" in
ld-linux-x86-64.so.2 | ld-linux-aarch64.so.1) ;;
*) die "unexpected loader name $ldname (bootstrap knows ld-linux-x86-64.so.2 and ld-linux-aarch64.so.1)" ;;
esac

list=$("$interp" --list "$AAA_BIN") || die "$interp --list $AAA_BIN failed"
missing=$(printf '%s\n' "$list" | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p')
[ -z "$missing" ] || die "library not found on this machine: $(printf '%s\n' "$missing" | tr '\n' ' ')(install the package that ships it)"

stage=$(mktemp -d "${TMPDIR:-/tmp}/aaa-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/bin" "$stage/lib" "$stage/certs"

# name => path lines: copy each under its soname (dereferenced), so the loader
# finds it by the DT_NEEDED name in lib/.
printf '%s\n' "$list" | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => \(\/[^[:space:]]*\) (0x.*/\1 \2/p' |
	while read -r name path; do
		[ -r "$path" ] || die "library $name: $path is not readable"
		cp -L "$path" "$stage/lib/$name"
	done
cp -L "$interp" "$stage/lib/$ldname"

# glibc >= 2.34 has the files and dns NSS modules built into libc.so.6, so
# getaddrinfo needs no libnss_*.so with or without /etc/nsswitch.conf; an
# older glibc dlopens them, so they are shipped then.
[ -e "$stage/lib/libc.so.6" ] || die "libc.so.6 is not among the binary's libraries"
glibc=$("$interp" --version | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)\.$/\1/p')
[ -n "$glibc" ] || die "cannot read the glibc version from $interp --version"
gmaj=${glibc%%.*}
gmin=${glibc#*.}
if [ "$gmaj" -lt 2 ] || { [ "$gmaj" -eq 2 ] && [ "$gmin" -lt 34 ]; }; then
	libc_src=$(printf '%s\n' "$list" | sed -n 's/^[[:space:]]*libc\.so\.6 => \(\/[^[:space:]]*\) .*/\1/p')
	for m in libnss_dns.so.2 libnss_files.so.2; do
		p=$(dirname "$libc_src")/$m
		[ -r "$p" ] || die "glibc $glibc loads $m at run time and $p is not found"
		cp -L "$p" "$stage/lib/$m"
	done
fi

strip --strip-unneeded -o "$stage/bin/aaa" "$AAA_BIN" || die "strip $AAA_BIN failed"
cp "$here/bootstrap" "$stage/bootstrap"
cp -L "$CA_BUNDLE" "$stage/certs/ca-bundle.crt"

chmod 0755 "$stage" "$stage/bin" "$stage/lib" "$stage/certs" "$stage/bootstrap" "$stage/bin/aaa"
chmod 0755 "$stage"/lib/*
chmod 0644 "$stage/certs/ca-bundle.crt"

# Deterministic: fixed mtimes, sorted entries, no extra attributes (-X), no
# directory entries (-D); the same inputs give the same bytes.
find "$stage" -exec touch -h -d '2000-01-01 00:00:00 UTC' {} +
mkdir -p "$(dirname "$OUT")"
out_abs=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
rm -f "$out_abs"
(cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | TZ=UTC zip -q -X -D -9 "$out_abs" -@) ||
	die "zip failed"

size=$(wc -c <"$out_abs" | tr -d ' ')
unpacked=$(du -sb "$stage" | cut -f1)
nlibs=$(find "$stage/lib" -type f | wc -l | tr -d ' ')
echo "package: $OUT (glibc $glibc): $size bytes zipped ($((size / 1024)) KiB), $unpacked bytes unpacked, $nlibs files in lib/"
if [ "$size" -gt "$TARGET_BYTES" ]; then
	echo "package: warning: over the 5 MB target (Lambda's limits are 50 MB zipped, 250 MB unpacked); the largest libraries:" >&2
	(cd "$stage/lib" && find . -type f -printf '  %f %s bytes\n' | sort -k2,2nr | head -5) >&2
fi
if [ "$MAX_BYTES" -gt 0 ] && [ "$size" -gt "$MAX_BYTES" ]; then
	die "$OUT is $size bytes, over MAX_BYTES=$MAX_BYTES"
fi
