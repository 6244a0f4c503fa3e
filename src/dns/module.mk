# DNS-01 over Route53: zone choice, the batched TXT changes,
# the INSYNC wait, cleanup and resumable state.
SRCS += src/dns/zone.c src/dns/dns01.c src/dns/dns01_batch.c src/dns/dns01_change.c src/dns/dns01_wait.c src/dns/dns01_state.c src/dns/query.c src/dns/txtset.c
UNIT_SRCS += tests/unit/test_dns_zone.c tests/unit/test_dns01.c tests/unit/test_dns_query.c tests/unit/test_dns_txtset.c
TOOL_SRCS += tests/tools/dns_tool.c
