/*
 * `aaa doctor`: checks, one by one, what a user most often gets wrong
 * before the first certificate, and says for each failure what to fix
 * (the permission and resource, or the setting):
 *
 *   identity   STS GetCallerIdentity (credentials present and valid)
 *   region     configured and a known AWS region
 *   bucket     the store's bucket answers ListObjectsV2 (exists, reachable,
 *              in this region, s3:ListBucket)
 *   s3-put     a test object under aaa-data/ written with SSE-KMS
 *   s3-sse     HeadObject says it is aws:kms encrypted (with the key asked for)
 *   s3-get     read back, same bytes
 *   s3-delete  deleted
 *   kms        Encrypt then Decrypt of a test value with --s3-kms-key
 *   zone:<D>   the Route53 hosted zone that would hold each --domain's
 *              challenge (dns01_find_zone: CNAMEs followed, --zone-role used)
 *
 * A file:// store gets one "store" check (write, read back, delete). A
 * check that cannot run because an earlier one failed is "skip". Nothing
 * secret is printed: error lines come from aws_reply messages.
 */
#ifndef AAA_AGENT_DOCTOR_H
#define AAA_AGENT_DOCTOR_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

struct aws_reply;

struct doctor_opts {
	const char *s3_bucket;	    /* --s3-bucket / AAA_S3_BUCKET */
	const char *s3_kms_key;	    /* --s3-kms-key / AAA_S3_KMS_KEY */
	const char *store;	    /* --store / AAA_STORE: s3://B[/P] or file://DIR; wins */
	const char *const *domains; /* --domain (borrowed) */
	size_t ndomains;
	const char *const *zone_roles; /* --zone-role DOMAIN=ROLE_ARN (borrowed) */
	size_t nzone_roles;
	/* The executor's doctor: its role uses the key only through S3 (the
	 * s3-put and s3-get checks prove it), so the direct Encrypt/Decrypt
	 * check would only name permissions it must not have. */
	int kms_through_s3_only;
};

enum doctor_status { DOCTOR_OK, DOCTOR_FAIL, DOCTOR_SKIP, DOCTOR_STATUS_MAX };

/* "ok", "fail", "skip". */
extern const char *const doctor_status_names[DOCTOR_STATUS_MAX];

struct doctor_check {
	char *name; /* "identity", "s3-put", "zone:example.com" */
	enum doctor_status status;
	char *detail; /* one line: what was found, or the error line */
	char *fix;    /* one line: what to change; NULL when nothing */
};

struct doctor_report {
	struct doctor_check *checks; /* owned */
	size_t n, cap;
};

/* Appends a check (strings copied; detail and fix may be NULL). 0/-1. */
int doctor_report_add(struct doctor_report *r, const char *name, enum doctor_status status,
		      const char *detail, const char *fix);
/* 1 when any check failed. */
int doctor_report_failed(const struct doctor_report *r);
/*
 * Text: one line per check ("ok    identity   account 1 as arn:..."), a
 * "      fix: ..." line under each failure, and a summary line. JSON:
 * {"ok":bool,"checks":[{"name","status","detail","fix"}]}. 0/-1.
 */
int doctor_report_print(const struct doctor_report *r, FILE *out, int json);
void doctor_report_free(struct doctor_report *r);

/*
 * s3://BUCKET[/PREFIX] -> 0 with *bucket and *prefix (NULL when none;
 * caller frees); file://DIR -> 1 with *bucket = DIR; -1 otherwise.
 */
int doctor_store_parse(const char *url, char **bucket, char **prefix);

/* 1 when region is one of the AWS regions this version knows. */
int doctor_region_known(const char *region);

/*
 * What to fix after a failed call of check ("identity", "bucket",
 * "s3-put", "s3-get", "s3-delete", "kms"), from reply's error code and
 * message. bucket and key_id (may be NULL) name the resources in the
 * permission (s3:PutObject on the bucket's aaa-data/ objects). Caller frees.
 */
char *doctor_fix(const char *check, int rc, const struct aws_reply *reply, const char *bucket,
		 const char *key_id);

/* The fix for a failed zone lookup, from dns01_find_zone's answer (why)
 * and error (its source and AWS's code); domain is the --domain value.
 * Caller frees. */
char *doctor_zone_fix(const char *domain, int why, const struct aaa_err *err);

/* Runs every check into r (caller frees with doctor_report_free). 0/-1
 * (-1 only when the report itself could not be built). */
int doctor_collect(const struct doctor_opts *o, struct doctor_report *r);

/* doctor_collect and doctor_report_print; the exit code: 0 when every
 * check passed or was skipped, 1 otherwise. */
int doctor_run(const struct doctor_opts *o, FILE *out, int json);

#endif
