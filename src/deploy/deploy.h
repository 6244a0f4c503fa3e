/*
 * Deploy targets: put an issued certificate where TLS ends, in place, and
 * confirm it by reading the serial back.
 *
 *   acm[:REGION]             ImportCertificate; the first import's ARN is
 *                            kept in the state and every renewal re-imports
 *                            to it, so whatever uses it is renewed at once
 *   iam[:PATH]               UploadServerCertificate as <name>-<serial16>
 *                            under PATH (default /aaa/), then prune our older
 *                            ones there, keeping DEPLOY_IAM_KEEP
 *   elb:NAME[:PORT]          classic ELB listener (default port 443)
 *   elbv2:LISTENER_ARN[:sni] ALB/NLB listener: default certificate, or an
 *                            SNI certificate (our previous one removed)
 *   cloudfront:DIST_ID       viewer certificate, If-Match, retried on a
 *                            stale ETag
 *
 * elb, elbv2 and cloudfront serve an ACM certificate that the target
 * imports itself (and re-imports in place on renewal), in the load
 * balancer's region (elb: the configured one; elbv2: the listener ARN's)
 * or in us-east-1 (cloudfront); its ARN is kept in the target's own state
 * ("acm": {"arn","region"}), so no "acm" target needs to be listed first.
 *
 * State (the target's object in meta.json "deployed"[target]) is read and
 * updated in place; the caller persists it even after a failure (an ARN
 * created before a later step failed must not be lost).
 */
#ifndef AAA_DEPLOY_DEPLOY_H
#define AAA_DEPLOY_DEPLOY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

#define DEPLOY_IAM_KEEP		2
#define DEPLOY_IAM_DEFAULT_PATH "/aaa/"
#define DEPLOY_ELB_DEFAULT_PORT 443

struct deploy_cert {
	const char *name;      /* certificate name (first name) */
	const char *cert_pem;  /* leaf */
	const char *chain_pem; /* issuers */
	const char *key_pem;   /* private key (never logged) */
	const char *serial;    /* lower-case hex, as crypto/x509.h gives it */
	const char *key_type;  /* "ec256", "rsa2048", ... */
};

/* Parses and checks a target string ("acm", "acm:eu-west-1", "iam", "iam:/aaa/", "elb:NAME[:PORT]",
 * "elbv2:LISTENER_ARN", "elbv2:LISTENER_ARN:sni", "cloudfront:DIST_ID"): 0, or -1 and err set
 * (source "input"; err may be NULL). Used by the CLI and the executor to refuse a bad --deploy
 * before any order. */
int deploy_target_validate(const char *target, struct aaa_err *err);

/* Deploys one target. state is that target's object in meta.json ("deployed"[target]), read
 * and updated in place (e.g. the ACM ARN from the first import, the IAM names we created, the
 * serial in place); the caller persists it. Reads back and confirms the serial. 0 ok; -1 with
 * err set (err may be NULL): the message is one line starting with the target, with AWS's
 * code and what to do; source "aws" with AWS's code, HTTP status and request id when AWS
 * refused a step, "input" for a bad target or certificate. *detail (caller frees) is a short
 * human result ("arn:aws:acm:...:certificate/..", "listener ...: default certificate"). */
int deploy_run(const char *target, const struct deploy_cert *c, cJSON *state, char **detail,
	       struct aaa_err *err);

/* ---- below: the pieces, exposed for tests and the target files ---- */

enum deploy_kind {
	DEPLOY_ACM,
	DEPLOY_IAM,
	DEPLOY_ELB,
	DEPLOY_ELBV2,
	DEPLOY_CLOUDFRONT,
	DEPLOY_KIND_MAX
};

/* A parsed target. Strings owned; clear with deploy_target_clear. */
struct deploy_target {
	enum deploy_kind kind;
	char *region;	/* acm: NULL = the configured one; elbv2: from the ARN */
	char *path;	/* iam */
	char *name;	/* elb: load balancer name */
	unsigned port;	/* elb */
	char *listener; /* elbv2: listener ARN */
	int sni;	/* elbv2: add as an SNI certificate */
	char *dist_id;	/* cloudfront */
};

int deploy_target_parse(const char *target, struct deploy_target *t, struct aaa_err *err);
void deploy_target_clear(struct deploy_target *t);

/*
 * One deploy target kind: one file (deploy/acm.c, iam.c, elb.c, elbv2.c,
 * cloudfront.c) and one line in the table (deploy.c). deploy_run calls
 * run, then read_back, then (when set) tidy; each returns 0, or -1 with
 * err set (one line: "<target>: <what>; <what to do>"). err is never NULL
 * and empty on entry, so a step that fails without a message (out of
 * memory) can be told apart.
 */
struct deploy_ops {
	enum deploy_kind kind;
	const char *name;   /* "acm": the target string's first word */
	const char *syntax; /* "acm[:REGION]", for the error that lists them */
	/* arg is what follows "<name>:" ("" for the bare name); fills t. */
	int (*parse)(const char *arg, struct deploy_target *t, struct aaa_err *err);
	/* Puts c in place and records in state what is where (ARNs, names),
	 * as soon as AWS created it; *detail: a short human result. */
	int (*run)(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		   cJSON *state, char **detail, struct aaa_err *err);
	/* Reads the target back: 0 when it serves what run recorded in state. */
	int (*read_back)(const char *target, const struct deploy_target *t,
			 const struct deploy_cert *c, cJSON *state, struct aaa_err *err);
	/* Optional, after a confirmed deployment: clean-up that never fails the
	 * deployment (IAM prunes older uploads); notes go to *detail. */
	void (*tidy)(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		     cJSON *state, char **detail);
	/* The IAM actions the executor needs for this kind (NULL-terminated);
	 * the access-denied hints name them, and tests check them against
	 * aws/actions.c and the template. */
	const char *const *permissions;
};

/* The table, in kind order (deploy_targets[k]->kind == k). */
extern const struct deploy_ops *const deploy_targets[DEPLOY_KIND_MAX];

/* One IAM server certificate seen under our path, for the prune decision. */
struct deploy_prune_item {
	const char *name;
	const char *upload_date; /* ISO 8601; "" unknown */
	long order;		 /* position in the state's list of names we made, -1 if absent */
	int in_use;		 /* a listener still refers to it */
	int del;		 /* out: 1 = delete it */
};

/*
 * The prune decision, pure. Ours are the items whose name starts with
 * prefix (the caller passes only items under our path). Of ours, the
 * newest keep (by upload date, then by the order we made them) stay,
 * current always among them; older ones are marked del unless in_use.
 * Items not ours are never marked. Returns the number marked.
 */
size_t deploy_prune_plan(struct deploy_prune_item *items, size_t n, const char *prefix,
			 const char *current, unsigned keep);

/*
 * The user's line for a failed AWS step: "<target>: <message>; <what to
 * do>", the hint chosen from the AWS error code (access denied: the
 * permission to grant; not found: check the target; quota: clean up or
 * raise it). code may be NULL. Caller frees.
 */
char *deploy_error_line(const char *target, const char *message, const char *code,
			const char *permission);

/* 1 when two hex serials (any case, colons and leading zeros ignored) are
 * the same. ACM's Serial goes through acm_serial_normalize first. */
int deploy_serial_equal(const char *a, const char *b);

#endif
