# The agent core: configuration, account, jobs, issuance, stored
# certificates, the operations behind the CLI and the executor, and doctor.
SRCS += src/agent/agent.c src/agent/account.c src/agent/certs.c \
	src/agent/job.c src/agent/issue.c src/agent/issue_batch.c src/agent/targets.c \
	src/agent/ls.c src/agent/sync.c src/agent/doctor.c src/agent/renew.c \
	src/agent/fleet.c
UNIT_SRCS += tests/unit/test_agent.c tests/unit/test_doctor.c
