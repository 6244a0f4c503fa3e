/*
 * aaa doctor: the checks of agent/doctor.c, printed as text or JSON on
 * stdout; exit 1 when any check failed.
 */
#include <stdio.h>

#include "agent/doctor.h"
#include "aws/client.h"
#include "aws/sts.h"
#include "cli/commands.h"
#include "http/http.h"

int cmd_doctor(const struct cli_opts *opts)
{
	struct doctor_opts o = {0};
	int rc;

	if (http_init() != 0) {
		fprintf(stderr, "aaa doctor: cannot start the HTTP client\n");
		return EXIT_FAIL;
	}
	/* role_arn profiles need STS, before the first AWS call */
	sts_install();
	o.s3_bucket = opts->s3_bucket;
	o.s3_kms_key = opts->s3_kms_key;
	o.store = opts->store;
	o.domains = opts->domains.items;
	o.ndomains = opts->domains.n;
	o.zone_roles = opts->zone_roles.items;
	o.nzone_roles = opts->zone_roles.n;
	rc = doctor_run(&o, stdout, opts->json) == 0 ? EXIT_OK : EXIT_FAIL;
	aws_client_cleanup();
	http_cleanup();
	return rc;
}
