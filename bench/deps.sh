#!/bin/sh
# Installs what `make bench` needs beyond tests/deps.sh: the peer ACME clients
# from Debian (uacme, lego, certbot) and GNU time. Idempotent, quiet when all
# of them are there; only missing packages are installed.
set -eu

PKGS="uacme lego certbot time curl"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "bench deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "bench deps: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	timeout 300 $SUDO apt-get update -qq
fi
# shellcheck disable=SC2086
timeout 600 $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "bench deps: done"
