#!/bin/sh
# Installs every build and test dependency of aaa from Debian (12, bookworm).
# Idempotent and quiet when everything is already there. moto 5.2.1 is not
# in Debian: it comes with the machine image's python3 (see README).
set -eu

PKGS="gcc make pkg-config libc6-dev
libcurl4-openssl-dev libssl-dev libcjson-dev libxml2-dev openssl ca-certificates
python3 python3-pytest python3-botocore python3-dnslib python3-jwcrypto python3-cryptography
pebble awscli zip unzip curl busybox-static binutils dpkg-dev
clang clang-tidy clang-format cppcheck valgrind"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	$SUDO apt-get update -qq
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
