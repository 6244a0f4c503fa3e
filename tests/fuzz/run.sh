#!/bin/sh
# `make fuzz`: builds every tests/fuzz/fuzz_*.c target with clang's libFuzzer
# under ASan+UBSan and runs each for FUZZ_SECONDS (default 60) on a copy of
# its seed corpus in tests/fuzz/corpus/<name>/. A crash leaves the input in
# build/fuzz/crash-* and fails the run; turn it into a regression test.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
srcs=$(make -s print-srcs)
pkg=$(pkg-config --cflags --libs libcurl openssl libcjson libxml-2.0)
out=build/fuzz
mkdir -p "$out"
flags="-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc -I. -DAAA_VERSION=\"fuzz\""
status=0
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	short=${name#fuzz_}
	# shellcheck disable=SC2086
	clang $flags -o "$out/$name" "$t" $srcs $pkg
	mkdir -p "$out/corpus-$short"
	cp -r tests/fuzz/corpus/"$short"/. "$out/corpus-$short/" 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	if ! "$out/$name" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$out/crash-$short-" \
		"$out/corpus-$short" >"$out/$name.log" 2>&1; then
		tail -n 40 "$out/$name.log"
		status=1
	fi
	grep -E '^(Done|#[0-9]+.*DONE)' "$out/$name.log" | tail -n 1 || tail -n 1 "$out/$name.log"
done
exit $status
