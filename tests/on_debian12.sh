#!/bin/sh
# The steps a fresh Debian 12 (bookworm) machine runs, from a clean clone, as
# root or with sudo. `make fresh-root-check` (tests/fresh_root.sh) runs them
# in a debootstrap root; docs/deploy-aws.md runs the same script in a
# debian:12 container to build the Lambda zip on a machine that is not
# Debian 12.
#
#   sh tests/on_debian12.sh STEP...
#     setup    apt-get update; apt-get install make (the one thing the
#              README's commands need before they can install the rest)
#     demo     make demo (make deps installs every Debian package and moto,
#              then the build, then the demo)
#     unit     make test's first steps: make deps, the build of aaa, the
#              test tools and the unit tests, then the unit tests
#     stack    the local stack's own tests (tests/integration/test_stack.py)
#     package  make package: build/aaa-lambda.zip (make deps first)
#     test     make test: everything
set -eu
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
[ $# -gt 0 ] || { sed -n '9,19p' "$0" >&2; exit 2; }

for step in "$@"; do
	case "$step" in
	setup)
		$SUDO apt-get update -qq
		$SUDO apt-get install -y -qq --no-install-recommends make >/dev/null
		make --version | head -n 1
		;;
	demo) make demo ;;
	unit)
		make deps
		make -s -j"$(nproc)" all tools build/unit
		build/unit >build/unit.out 2>&1 || { cat build/unit.out; exit 1; }
		tail -n 1 build/unit.out
		;;
	stack) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/test_stack.py ;;
	package)
		make deps
		make package
		;;
	test) make test ;;
	*)
		echo "on_debian12: unknown step '$step' (setup, demo, unit, stack, package, test)" >&2
		exit 2
		;;
	esac
done
