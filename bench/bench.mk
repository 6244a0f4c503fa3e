# `make bench` (included by the Makefile): aaa side by side with uacme, lego
# and certbot on one local pebble, the same under realistic latencies (Route53
# PENDING 30 s, a CA that validates in 1.5 s), plus the Lambda figures, written to
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
# The binary the zip ships (deploy/sam.mk's lambda-bin); benched as a CLI too.
BENCH_LAMBDA_BIN = $(or $(LAMBDA_BUILD),build/lambda)/aaa

bench:
	@sh tests/deps.sh
	@sh bench/deps.sh
	$(MAKE) --no-print-directory BUILD=$(BUILD) $(BUILD)/aaa
	@echo "bench: make package (log in $(BUILD)/bench-package.log)"
	@timeout 1800 $(MAKE) --no-print-directory BUILD=$(BUILD) package >$(BUILD)/bench-package.log 2>&1 || \
		echo "bench: make package failed (see $(BUILD)/bench-package.log); the zip figures stay pending"
	timeout --kill-after=30 $(BENCH_TIMEOUT) /usr/bin/python3 -m bench --aaa $(BUILD)/aaa \
		$$(test -x $(BENCH_LAMBDA_BIN) && echo --aaa-lambda $(BENCH_LAMBDA_BIN)) \
		--zip $(BUILD)/aaa-lambda.zip --runs $(BENCH_RUNS) $(BENCH_ARGS) \
		--command "make bench BENCH_RUNS=$(BENCH_RUNS)"

# `make bench-index`: the index's S3 cost per completed certificate and per
# scheduler pass at 100, 1,000 and 10,000 stored certificates (AWS stack only,
# about a minute), written to bench/index-results.md. See bench/index_numbers.py.
bench-index:
	@sh tests/deps.sh
	$(MAKE) --no-print-directory BUILD=$(BUILD) $(BUILD)/tools/aws_tool
	@{ echo "# The index at fleet sizes (make bench-index)"; echo; \
	   echo "Run $$(date -u '+%Y-%m-%d %H:%M UTC'): \`make bench-index\` (bench/index_numbers.py)."; echo; \
	   timeout 1200 /usr/bin/python3 -m bench.index_numbers --tool $(BUILD)/tools/aws_tool \
		--json $(BUILD)/index-results.json; } > bench/index-results.md.tmp && \
	   mv bench/index-results.md.tmp bench/index-results.md && cat bench/index-results.md
.PHONY: bench-index
