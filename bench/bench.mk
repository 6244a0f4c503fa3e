# `make bench` (included by the Makefile): aaa side by side with uacme, lego
# and certbot on one local pebble, plus the Lambda figures, written to
# bench/results.md (raw numbers in bench/results.json). See docs/bench.md.
#
#   make bench                   5 runs per figure (BENCH_RUNS=N to change)
#   make bench BENCH_RUNS=1      a quick look
#
# It installs what it needs from Debian first (tests/deps.sh, bench/deps.sh),
# builds $(BUILD)/aaa and the Lambda zip, and bounds the whole run with
# BENCH_TIMEOUT seconds; the driver stops everything it started on any exit.

BENCH_RUNS    ?= 5
BENCH_TIMEOUT ?= 3600
BENCH_ARGS    ?=

bench:
	@sh tests/deps.sh
	@sh bench/deps.sh
	$(MAKE) --no-print-directory BUILD=$(BUILD) $(BUILD)/aaa
	@BUILD=$(BUILD) OUT=$(BUILD)/aaa-lambda.zip sh deploy/package.sh >$(BUILD)/bench-package.log 2>&1 || \
		echo "bench: make package failed (see $(BUILD)/bench-package.log); the zip figures stay pending"
	timeout --kill-after=30 $(BENCH_TIMEOUT) /usr/bin/python3 -m bench --aaa $(BUILD)/aaa \
		--zip $(BUILD)/aaa-lambda.zip --runs $(BENCH_RUNS) $(BENCH_ARGS) \
		--command "make bench BENCH_RUNS=$(BENCH_RUNS)"
