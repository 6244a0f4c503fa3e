#!/bin/sh
# `make test`: builds aaa plain and with ASan+UBSan, runs the C unit tests in
# both builds and under valgrind, the Python integration tests on both builds
# (the fault matrix, the secret scan and the soak test among them), lint and a
# short fuzz pass, and ends with one summary
# line "total: N passed, N failed". Exit status is non-zero on any failure.
set -u
cd "$(dirname "$0")/.."

sh tests/deps.sh || exit 1
J=$(nproc 2>/dev/null || echo 2)

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
passed=0
failed=0
status=0
failed_steps=""

# count FILE: adds "N passed, N failed" numbers found in FILE's last summary.
count() {
	line=$(grep -E '[0-9]+ (passed|failed)' "$1" | tail -n 1)
	p=$(printf '%s' "$line" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || echo 0)
	f=$(printf '%s' "$line" | grep -Eo '[0-9]+ (failed|error|errors)' | awk '{s+=$1} END {print s+0}')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

step() {
	name=$1
	shift
	echo "== $name"
	if "$@" >"$log/$name.out" 2>&1; then
		tail -n 3 "$log/$name.out"
	else
		cat "$log/$name.out"
		echo "== $name FAILED"
		status=1
		failed_steps="$failed_steps $name"
	fi
}

step build make -j"$J" all tools build/unit || true
step build-asan make -j"$J" asan || true
# The Lambda zip as shipped (libcurl and libxml2 built from Debian's sources,
# trimmed): test_package.py runs it in an empty root, test_bench.py measures it.
step package make -j"$J" package || true
step unit build/unit
count "$log/unit.out"
step unit-asan env ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 build/asan/unit
count "$log/unit-asan.out"
step integration /usr/bin/python3 -m pytest -q -p no:cacheprovider --basetemp="$log/pytest" \
	tests/integration
count "$log/integration.out"
# The fault matrix (tests/integration/test_fault_matrix.py) as it came out.
if [ -f "$log/pytest/fault_matrix.txt" ]; then
	echo "== fault matrix"
	cat "$log/pytest/fault_matrix.txt"
fi

# The unit tests under valgrind (memcheck, definite and indirect leaks are
# errors): zero reports, or the step fails. tests/valgrind.supp says why each
# suppression is there.
step unit-valgrind valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--suppressions=tests/valgrind.supp build/unit
count "$log/unit-valgrind.out"

# The integration suite again on the ASan+UBSan build of aaa and the tools
# (conftest passes these options to every child). Reports go to files under
# $log/san (log_path), so a report from any process fails the step even when
# the test around it only looked at an exit code or a Lambda answer. The
# benchmarks and the zip tests measure and pack the shipped binary, which is
# never the ASan one: they run once, above.
mkdir -p "$log/san"
san="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$log/san/report"
step integration-asan env AAA_BUILD=build/asan AAA_BIN="$PWD/build/asan/aaa" \
	ASAN_OPTIONS="detect_leaks=1:$san" LSAN_OPTIONS="$san" UBSAN_OPTIONS="$san" \
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration \
	--deselect tests/integration/test_bench.py --deselect tests/integration/test_package.py
count "$log/integration-asan.out"
if ls "$log"/san/report* >/dev/null 2>&1; then
	echo "== sanitizer reports:"
	cat "$log"/san/report*
	echo "== integration-asan FAILED (sanitizer reports above)"
	status=1
	failed=$((failed + 1))
fi

# clang-format, cppcheck and clang-tidy must stay quiet: one check.
before=$status
step lint make -s lint
if [ "$status" -eq "$before" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# Every fuzz target for a short time (make fuzz runs them longer); each
# target that finds nothing counts as one passed check.
before=$status
step fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" sh tests/fuzz/run.sh
nf=$(ls tests/fuzz/fuzz_*.c | wc -l)
if [ "$status" -eq "$before" ]; then passed=$((passed + nf)); else failed=$((failed + 1)); fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
# What failed, again at the very end: a CI log shown by its tail still names
# the failing tests (pytest's FAILED/ERROR lines), fuzz targets or steps.
for name in $failed_steps; do
	echo "== failed: $name"
	case $name in
	build* | package) grep -E 'error:' "$log/$name.out" | head -n 10 ;;
	*) grep -E '^(FAILED|ERROR) |^fuzz: fuzz_[a-z0-9_]+ FAILED' "$log/$name.out" | head -n 20 ;;
	esac
done
echo "total: $passed passed, $failed failed${failed_steps:+ (failed steps:$failed_steps)}"
exit "$status"
