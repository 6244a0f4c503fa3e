#!/bin/sh
# Builds libcurl and libxml2 for the Lambda zip from Debian's own source
# packages (upstream plus Debian's security patches), with only what aaa
# uses, as static libraries that build/lambda/aaa links in:
#   libcurl: HTTP and HTTPS over OpenSSL, threaded resolver, proxies; no
#            FTP/LDAP/RTMP/SSH/SMB/mail/telnet/..., no GnuTLS (librtmp),
#            Kerberos, SASL, libssh2, IDN, PSL, brotli, zstd, nghttp2, zlib
#   libxml2: the parser, the tree and serialization (xmlReadMemory, the
#            xmlNode API, xmlDocDumpMemoryEnc) and thread-safe globals, and
#            nothing else (--with-minimum): no XPath/XPointer, schemas,
#            Schematron, HTML, C14N, XInclude, reader/writer, patterns,
#            regexps, DTD validation, catalogs, push/SAX1, HTTP/FTP, iconv
#            (UTF-8, UTF-16 and Latin-1 are built in), ICU (31 MB of
#            libicudata), lzma, zlib. Without XPath and schemas nothing calls
#            libm, so the zip ships no libm.so.6.
# Debian's shared builds pull all of that in and make the zip 23 MB; these
# make it under 4 MB. OpenSSL, cJSON and glibc stay Debian's shared ones.
#
# Usage: sh deploy/lambda-libs.sh DIR
#   installs DIR/prefix/{include,lib} and writes DIR/prefix/.done; a second
#   run with the same source versions does nothing.
# Environment: SRC_DIR  a folder that already holds the .dsc/.orig/.debian
#                       files of curl and libxml2 (offline builds); default
#                       DIR/src, filled by `apt-get source --download-only`,
#                       which needs deb-src lines in the apt sources.
set -eu

[ $# -eq 1 ] || {
	echo "usage: $0 DIR" >&2
	exit 2
}
dir=$1
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
prefix=$dir/prefix
src=${SRC_DIR:-$dir/src}
jobs=${JOBS:-2}

die() {
	echo "lambda-libs: $*" >&2
	exit 1
}

for tool in dpkg-source cc make pkg-config; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "missing tool '$tool' (Debian: apt-get install dpkg-dev build-essential pkg-config)"
done
# Headers the two libraries are configured against: OpenSSL's for libcurl.
pkg-config --exists openssl ||
	die "OpenSSL's development files are missing (Debian: apt-get install libssl-dev)"
pkg-config --exists libcjson ||
	die "cJSON's development files are missing (Debian: apt-get install libcjson-dev)"

mkdir -p "$src"
have_dsc() {
	ls "$src"/"$1"_*.dsc >/dev/null 2>&1
}
if ! have_dsc curl || ! have_dsc libxml2; then
	command -v apt-get >/dev/null 2>&1 || die "no apt-get: put curl's and libxml2's Debian source files in SRC_DIR"
	(cd "$src" && apt-get source --download-only curl libxml2 >"$dir/apt-source.log" 2>&1) ||
		die "apt-get source curl libxml2 failed (see $dir/apt-source.log). It needs deb-src lines: copy the 'Types: deb' stanzas of /etc/apt/sources.list.d/debian.sources with 'Types: deb-src', run apt-get update; or set SRC_DIR"
fi
curl_dsc=$(ls "$src"/curl_*.dsc | sort | tail -1)
xml_dsc=$(ls "$src"/libxml2_*.dsc | sort | tail -1)
# The options below are part of what was built: this script's checksum too.
stamp="$(basename "$curl_dsc") $(basename "$xml_dsc") $(cksum <"$0" | cut -d' ' -f1)"
if [ -f "$prefix/.done" ] && [ "$(cat "$prefix/.done")" = "$stamp" ]; then
	echo "lambda-libs: $stamp already built in $prefix"
	exit 0
fi

rm -rf "$dir/curl" "$dir/libxml2" "$prefix"
dpkg-source -x "$curl_dsc" "$dir/curl" >"$dir/curl-unpack.log" 2>&1 ||
	die "dpkg-source -x $curl_dsc failed (see $dir/curl-unpack.log)"
dpkg-source -x "$xml_dsc" "$dir/libxml2" >"$dir/libxml2-unpack.log" 2>&1 ||
	die "dpkg-source -x $xml_dsc failed (see $dir/libxml2-unpack.log)"

# Debian's patches touch Makefile.am (tests, docs): make the generated
# files newer again so make does not ask for automake.
s_fresh() {
	touch "$1/aclocal.m4"
	find "$1" -name configure -exec touch {} +
	find "$1" -name Makefile.in -exec touch {} +
	find "$1" -name config.h.in -exec touch {} +
}

echo "lambda-libs: building $(basename "$curl_dsc" .dsc) (HTTP/HTTPS, OpenSSL, static)"
s_fresh "$dir/curl"
(cd "$dir/curl" && ./configure --prefix="$prefix" --disable-shared --enable-static \
	--with-openssl --without-zlib --without-brotli --without-zstd --without-libpsl \
	--without-nghttp2 --without-libidn2 --without-librtmp --without-libssh2 --without-libssh \
	--without-gssapi --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
	--disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
	--disable-gopher --disable-mqtt --disable-ftp --disable-file --disable-manual \
	--disable-ntlm --disable-ntlm-wb --disable-unix-sockets \
	--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs \
	>"$dir/curl-build.log" 2>&1 &&
	make -j"$jobs" -C lib >>"$dir/curl-build.log" 2>&1 &&
	make -C lib install >>"$dir/curl-build.log" 2>&1 &&
	make -C include install >>"$dir/curl-build.log" 2>&1) ||
	die "libcurl build failed (see $dir/curl-build.log)"

echo "lambda-libs: building $(basename "$xml_dsc" .dsc) (no ICU, lzma, zlib; static)"
s_fresh "$dir/libxml2"
(cd "$dir/libxml2" && ./configure --prefix="$prefix" --disable-shared --enable-static \
	--with-minimum --with-tree --with-output --with-threads \
	--without-icu --without-lzma --without-zlib --without-python --without-modules \
	>"$dir/libxml2-build.log" 2>&1 &&
	make -j"$jobs" libxml2.la >>"$dir/libxml2-build.log" 2>&1 &&
	make install-libLTLIBRARIES >>"$dir/libxml2-build.log" 2>&1 &&
	make -C include install >>"$dir/libxml2-build.log" 2>&1) ||
	die "libxml2 build failed (see $dir/libxml2-build.log)"

for f in lib/libcurl.a lib/libxml2.a include/curl/curl.h include/libxml2/libxml/tree.h; do
	[ -f "$prefix/$f" ] || die "$prefix/$f was not installed"
done
printf '%s\n' "$stamp" >"$prefix/.done"
echo "lambda-libs: $stamp in $prefix"
