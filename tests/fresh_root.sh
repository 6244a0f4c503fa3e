#!/bin/sh
# `make fresh-root-check`: proves that a user's first `make demo` works on a
# machine that has nothing but Debian 12. It
#   1. builds a minimal Debian 12 (bookworm) root with debootstrap
#      (--variant=minbase, from the Debian mirror; apt-get installs debootstrap
#      on this machine first when it is missing);
#   2. puts a clean clone of this repository's HEAD in it (/src/aaa; committed
#      work only: uncommitted changes are not in it);
#   3. inside it (chroot, with /proc, /dev, /dev/pts bound and a fresh /dev/shm),
#      as root, runs tests/on_debian12.sh, one step at a time: `setup`
#      (apt-get install make, the one thing a user installs by hand before
#      the README's commands), `demo` (`make demo`, which installs every
#      Debian package with `make deps`, builds aaa and runs the demo: this is
#      the from-zero run), `unit` (make test's first steps: deps, the build,
#      the unit tests), `stack` (the local stack's own tests) and `package`
#      (`make package`: the Lambda zip from Debian's sources, the step the
#      debian:12 container recipe of docs/deploy-aws.md runs);
#   4. unmounts, stops anything still running in the root, removes it (unless
#      AAA_FRESH_KEEP=1), and prints the time of each step.
#
# What is bound in from this machine, because it cannot come from Debian:
# moto (not packaged in Debian). The python that has it (find_moto_python() in
# tests/integration/stack/util.py: the image's pyenv python3 here) has its
# installation prefix bound read-only at the same path in the root, and
# AAA_MOTO_PYTHON names it. Nothing else from this machine is used except
# /etc/resolv.conf (copied, for the mirror's name). With AAA_FRESH_MOTO=pip the
# bind is left out and `make deps` must install moto from PyPI itself (which
# needs PyPI to be reachable).
#
# Environment (optional): AAA_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# AAA_FRESH_DIR (parent folder of the root, default /var/tmp), AAA_FRESH_KEEP=1,
# AAA_FRESH_MOTO=bind|pip (default bind), AAA_FRESH_STEPS (default "demo unit
# stack package"; "demo" alone is quicker).
set -eu
cd "$(dirname "$0")/.."

MIRROR=${AAA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PARENT=${AAA_FRESH_DIR:-/var/tmp}
KEEP=${AAA_FRESH_KEEP:-0}
MOTO_MODE=${AAA_FRESH_MOTO:-bind}
STEPS=${AAA_FRESH_STEPS:-demo unit stack package}

die() {
	echo "fresh-root: $*" >&2
	exit 1
}
now() { date +%s; }
say() { printf '\n=== fresh-root: %s\n' "$*"; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mount do)"
if ! command -v debootstrap >/dev/null 2>&1; then
	say "installing debootstrap on this machine"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends debootstrap >/dev/null; } ||
		die "cannot install debootstrap (apt-get install debootstrap)"
fi
commit=$(git rev-parse HEAD) || die "not a git checkout"

moto_prefix=""
moto_py=""
if [ "$MOTO_MODE" = bind ]; then
	moto_py=$(/usr/bin/python3 tests/integration/stack/util.py find-moto) ||
		die "no python with moto on this machine to bind in (set AAA_MOTO_PYTHON, or AAA_FRESH_MOTO=pip)"
	moto_prefix=$("$moto_py" -c 'import sys; print(sys.prefix)')
	moto_py=$("$moto_py" -c 'import sys; print(sys.executable)')
	case "$moto_prefix" in
	/usr | /usr/local | /) die "moto's python lives in $moto_prefix: binding that would bring the whole system python in" ;;
	esac
fi

ROOT=$(mktemp -d "$PARENT/aaa-fresh-root.XXXXXX")
chmod 0755 "$ROOT" # apt in the root downloads as _apt, which must reach it
mounts=""
cleanup() {
	rc=$?
	set +e
	# Anything still running with its root in ROOT was started by this check.
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	for m in $mounts; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	if [ "$KEEP" = 1 ]; then
		echo "fresh-root: kept $ROOT"
	elif [ -n "$(awk -v r="$ROOT" 'index($2, r) == 1' /proc/mounts)" ]; then
		echo "fresh-root: something is still mounted under $ROOT; not removing it" >&2
	else
		rm -rf "$ROOT"
	fi
	[ "$rc" = 0 ] && echo "fresh-root: OK" || echo "fresh-root: FAILED (exit $rc)" >&2
	exit "$rc"
}
trap cleanup EXIT INT TERM

mnt() { # mnt TARGET mount-args...: mount, remembered for cleanup (last first)
	target=$1
	shift
	mkdir -p "$target"
	mount "$@" "$target"
	mounts="$target $mounts"
}

t0=$(now)
say "debootstrap --variant=minbase bookworm $ROOT ($MIRROR)"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
	{ tail -n 30 "$ROOT.debootstrap.log" >&2; rm -f "$ROOT.debootstrap.log"; die "debootstrap failed"; }
rm -f "$ROOT.debootstrap.log"
t1=$(now)
echo "debootstrap: $((t1 - t0)) s, $(du -sm "$ROOT" | cut -f1) MB"

say "clean clone of $commit into /src/aaa"
mkdir -p "$ROOT/src"
git clone -q --no-checkout "$(git rev-parse --git-common-dir)" "$ROOT/src/aaa"
git -C "$ROOT/src/aaa" checkout -q --detach "$commit"

cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mnt "$ROOT/proc" -t proc proc
mnt "$ROOT/dev" --bind /dev
mnt "$ROOT/dev/pts" --bind /dev/pts
mnt "$ROOT/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev shm
env_moto=""
if [ -n "$moto_prefix" ]; then
	mnt "$ROOT$moto_prefix" --bind "$moto_prefix"
	mount -o remount,bind,ro "$ROOT$moto_prefix"
	env_moto="AAA_MOTO_PYTHON=$moto_py"
	echo "bound in read-only: $moto_prefix (moto for the local AWS; AAA_MOTO_PYTHON=$moto_py)"
else
	echo "moto: not bound in; make deps must install it from PyPI"
fi

# in_root CMD: runs CMD (sh -c) in the root as root, with a clean environment.
in_root() {
	# shellcheck disable=SC2086
	chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive $env_moto /bin/sh -c "$1"
}

say "tests/on_debian12.sh setup: apt-get update, apt-get install make (the one prerequisite)"
in_root 'cd /src/aaa && sh tests/on_debian12.sh setup'
t2=$(now)

report="debootstrap $((t1 - t0)) s, setup $((t2 - t1)) s"
for step in $STEPS; do
	ts=$(now)
	say "tests/on_debian12.sh $step"
	in_root "cd /src/aaa && sh tests/on_debian12.sh $step"
	report="$report, $step $(($(now) - ts)) s"
done
say "$report; total $(($(now) - t0)) s"
