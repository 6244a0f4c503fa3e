#!/bin/sh
# Installs every build and test dependency of aaa: the Debian (12, bookworm)
# packages below with apt-get, then moto, which is not in Debian. Idempotent
# and quiet when everything is already there.
#
# moto: any python that can `import moto` is used as it is ($AAA_MOTO_PYTHON,
# a python3 on PATH, the pyenv shim, see find_moto_python() in
# tests/integration/stack/util.py). When there is none, a virtual environment
# is made with Debian's python3-venv and `pip install moto[server]==5.2.1`
# (the version the tests are written against) from PyPI, into
# ${AAA_MOTO_VENV:-${XDG_DATA_HOME:-~/.local/share}/aaa/moto-5.2.1}; no root
# needed for that part. Without access to PyPI that step fails with a message
# saying what to do; nothing half-installed is left behind.
set -eu
cd "$(dirname "$0")/.."

PKGS="gcc make pkg-config libc6-dev
libcurl4-openssl-dev libssl-dev libcjson-dev libxml2-dev openssl ca-certificates
python3 python3-venv python3-pytest python3-botocore python3-dnslib python3-jwcrypto python3-cryptography
pebble awscli zip unzip curl busybox-static binutils dpkg-dev
uacme lego certbot time jq zsh man-db
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

if [ -n "$missing" ]; then
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
	echo "deps: Debian packages done"
fi

# moto, for the local AWS of the tests and the demo (see the top of this file).
util=tests/integration/stack/util.py
if moto_py=$(/usr/bin/python3 "$util" find-moto); then
	v=$("$moto_py" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')
	want=$(/usr/bin/python3 "$util" moto-version)
	[ "$v" = "$want" ] ||
		echo "deps: note: using moto $v from $moto_py; the tests are written against moto $want"
	exit 0
fi
venv=$(/usr/bin/python3 "$util" moto-venv)
want=$(/usr/bin/python3 "$util" moto-version)
echo "deps: no python with moto found; installing moto[server]==$want from PyPI into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
if /usr/bin/python3 -m venv "$venv" &&
	"$venv/bin/python3" -m pip install --disable-pip-version-check --no-input -q \
		--retries 1 --timeout 20 "moto[server]==$want" &&
	"$venv/bin/python3" -c 'import moto.server' 2>/dev/null; then
	echo "deps: moto $want installed in $venv"
	exit 0
fi
rm -rf "$venv"
cat >&2 <<EOT
deps: could not install moto $want: pip could not fetch moto[server]==$want from
  PyPI (no network access to pypi.org, or a proxy in the way; pip's message is above).
  moto is not packaged in Debian. Any of these works:
  - give this machine access to PyPI (or set PIP_INDEX_URL to a mirror) and run
    \`make deps\` again;
  - install it yourself into any python3 and point the tests at it:
      python3 -m pip install 'moto[server]==$want'
      export AAA_MOTO_PYTHON=/path/to/that/python3
  - copy a virtual environment with it to $venv.
EOT
exit 1
