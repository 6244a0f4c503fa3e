# Route53 client (owner: dns). DNS-01 over it lives in src/dns/module.mk.
SRCS += src/aws/route53.c
UNIT_SRCS += tests/unit/test_route53.c
