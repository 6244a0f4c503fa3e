#!/bin/sh
# `make fuzz`: builds every tests/fuzz/fuzz_*.c target with clang's libFuzzer
# under ASan+UBSan and runs each for FUZZ_SECONDS (default 60) on a copy of
# its seed corpus in tests/fuzz/corpus/<name>/. A crash leaves the input in
# build/fuzz/crash-* and fails the run; turn it into a regression test in
# tests/unit/test_fuzz_regressions.c.
#
# The library sources are compiled once (with coverage instrumentation, no
# libFuzzer main) into build/fuzz/libaaa-fuzz.a and each target links
# against it, so a new target costs one small compile, not a full rebuild.
# Targets run FUZZ_JOBS at a time (default: the number of CPUs). At the end
# one line per target gives its executions per second (libFuzzer's final
# stats line).
#
#   FUZZ_SECONDS=N   seconds per target
#   FUZZ_JOBS=N      targets run in parallel
#   FUZZ_TARGETS="x y"  only these targets (names without fuzz_)
#   FUZZ_OUT=DIR     build and work directory (default build/fuzz)
#
# A single input that runs longer than FUZZ_TIMEOUT seconds (default 25) is
# a failure too: a parser that loops on a hostile answer is a bug.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
srcs=$(make -s print-srcs)
pkg=$(pkg-config --cflags libcurl openssl libcjson libxml-2.0)
libs="$(pkg-config --libs libcurl openssl libcjson libxml-2.0) -lm"
out=${FUZZ_OUT:-build/fuzz}
timeout=${FUZZ_TIMEOUT:-25}
obj=$out/obj
mkdir -p "$obj"
# The literal quotes in AAA_VERSION are wanted: the macro is a C string.
# shellcheck disable=SC2089
common="-std=c11 -g -O1 -fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc -I. -DAAA_VERSION=\"fuzz\""
libflags="$common -fsanitize=fuzzer-no-link,address,undefined"
tflags="$common -fsanitize=fuzzer,address,undefined"

# 1. The library, once, in parallel. Objects are rebuilt every run (a header
# change must never leave a stale object behind); it takes seconds.
rm -f "$obj"/*.o "$out/libaaa-fuzz.a"
# shellcheck disable=SC2090
export libflags pkg obj
# shellcheck disable=SC2086,SC2016
printf '%s\n' $srcs | xargs -P "$jobs" -I{} sh -c \
	'o="$obj/$(printf %s "{}" | tr / _ | sed "s/\.c$/.o/")"; clang $libflags $pkg -c -o "$o" "{}"' ||
	{
		echo "fuzz: compiling the library failed"
		exit 1
	}
ar rcs "$out/libaaa-fuzz.a" "$obj"/*.o

# 2. The targets.
if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=""
	for n in $FUZZ_TARGETS; do targets="$targets tests/fuzz/fuzz_$n.c"; done
else
	targets=$(ls tests/fuzz/fuzz_*.c)
fi
for t in $targets; do
	name=$(basename "$t" .c)
	# shellcheck disable=SC2086,SC2090
	clang $tflags $pkg -o "$out/$name" "$t" "$out/libaaa-fuzz.a" $libs
done

# 3. Run them. run_one writes <name>.rc next to its log.
run_one() {
	name=$1
	short=${name#fuzz_}
	rm -rf "$out/corpus-$short"
	mkdir -p "$out/corpus-$short"
	cp -r tests/fuzz/corpus/"$short"/. "$out/corpus-$short/" 2>/dev/null || true
	rc=0
	"$out/$name" -max_total_time="$secs" -timeout="$timeout" -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$short-" "$out/corpus-$short" >"$out/$name.log" 2>&1 || rc=$?
	echo "$rc" >"$out/$name.rc"
}
export out secs timeout
running=0
for t in $targets; do
	name=$(basename "$t" .c)
	echo "fuzz: $name for ${secs}s"
	run_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

# 4. Results, in target order.
status=0
summary=""
brief=""
failed_names=""
for t in $targets; do
	name=$(basename "$t" .c)
	rc=$(cat "$out/$name.rc" 2>/dev/null || echo 1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz: $name FAILED (exit $rc), log $out/$name.log:"
		tail -n 40 "$out/$name.log"
		status=1
		failed_names="$failed_names ${name#fuzz_}"
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log" | tail -n 1)
	grep -E '^(Done|#[0-9]+.*DONE)' "$out/$name.log" | tail -n 1 || tail -n 1 "$out/$name.log"
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$name.log" | tail -n 1)
	summary="$summary$(printf '%-24s %8s exec/s %10s runs' "$name" "${eps:-?}" "${runs:-?}")
"
	brief="$brief ${name#fuzz_}=${eps:-?}"
done
echo "fuzz: executions per second ($jobs in parallel, ${secs}s each):"
printf '%s' "$summary"
n=$(echo "$targets" | wc -w)
# The last lines are what `make test` shows: the verdict, then exec/s.
if [ "$status" -eq 0 ]; then
	echo "fuzz: $n targets, no crash or leak"
else
	echo "fuzz: $n targets, FAILED:$failed_names (logs and inputs: $out/fuzz_<name>.log, $out/crash-<name>-*)"
fi
echo "fuzz: exec/s:$brief"
exit $status
