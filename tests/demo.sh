#!/bin/sh
# `make demo`: the main job end to end on the local stack. It arrives with
# the ACME client; until then it says so instead of pretending.
echo "make demo: not built yet — the ACME client and the local-stack demo arrive with it (see README.md, Status)" >&2
exit 1
