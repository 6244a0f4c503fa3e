#!/bin/sh
# Installs every build and test dependency of aaa from Debian (12, bookworm).
# Idempotent and quiet when everything is already there. moto 5.2.1 is not
# in Debian: it comes with the machine image's python3 (see README).
set -eu

PKGS="gcc make pkg-config libc6-dev
libcurl4-openssl-dev libssl-dev libcjson-dev libxml2-dev openssl ca-certificates
python3 python3-pytest python3-botocore python3-dnslib python3-jwcrypto python3-cryptography
pebble awscli zip unzip curl busybox-static binutils dpkg-dev
uacme lego certbot time
clang clang-tidy clang-format cppcheck valgrind"

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO="sudo"
fi

# `make package` builds libcurl and libxml2 from Debian's own source packages
# (apt-get source), which needs deb-src lines next to the deb ones. Added
# once, from the machine's own deb lines; the Sources lists are then fetched.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
	! grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
			$SUDO tee /etc/apt/sources.list.d/aaa-deb-src.sources >/dev/null
	elif [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
			$SUDO tee /etc/apt/sources.list.d/aaa-deb-src.list >/dev/null
	fi
	echo "deps: added deb-src lines for make package"
fi
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Sources*' 2>/dev/null | head -n 1)" ]; then
	$SUDO apt-get update -qq
fi

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
if [ -n "$SUDO" ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	$SUDO apt-get update -qq
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
