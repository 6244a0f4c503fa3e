/*
 * IAM server certificates (for classic ELB and CloudFront users who keep
 * certificates in IAM): upload, list under a path, read back, delete.
 * Query protocol, version 2010-05-08, over aws/query.h. IAM is global.
 *
 * Functions return 0 on a 2xx answer, 1 on an AWS error answer
 * (reply->err.code: NoSuchEntity, EntityAlreadyExists, LimitExceeded,
 * DeleteConflict...), -1 when no answer arrived or it was malformed;
 * reply->message is the one line for the user. Free the reply always.
 */
#ifndef AAA_AWS_IAM_H
#define AAA_AWS_IAM_H

#include <stddef.h>

#include "aws/client.h"

#define IAM_NAME_MAX 128
#define IAM_PATH_MAX 512

/*
 * Our name for a certificate: the certificate name with "*" spelled
 * "_wildcard_" and any character IAM refuses ([\w+=,.@-] only) as "_",
 * then "-" and the first 16 hex digits of the serial; the name part is cut
 * so the whole stays within IAM's 128 characters. Caller frees.
 */
char *iam_cert_name(const char *cert_name, const char *serial);
/* The prefix every name iam_cert_name gives for cert_name ("<name>-"). Caller frees. */
char *iam_cert_name_prefix(const char *cert_name);
/* 1 when path is a valid IAM path: "/" or "/.../" of printable ASCII, at most 512. */
int iam_path_valid(const char *path);

struct iam_cert_meta {
	char *name;
	char *path;
	char *arn;
	char *upload_date; /* ISO 8601 as IAM sends it; "" when absent */
};

struct iam_cert_list {
	struct iam_cert_meta *items;
	size_t n;
};

void iam_cert_list_clear(struct iam_cert_list *l);

/* *arn_out: the new certificate's ARN (caller frees). */
int iam_upload(const char *name, const char *path, const char *cert_pem, const char *key_pem,
	       const char *chain_pem, char **arn_out, struct aws_reply *reply);
/*
 * ListServerCertificates with PathPrefix, following Marker to the end;
 * entries are appended to out. Entries whose path does not start with
 * path_prefix are dropped here too (some emulators ignore PathPrefix).
 */
int iam_list(const char *path_prefix, struct iam_cert_list *out, unsigned *pages,
	     struct aws_reply *reply);
/* One ListServerCertificates page: appends to out; *marker (caller frees)
 * is the next page's marker or NULL at the end. 0/-1 (not that answer). */
int iam_parse_list_page(const char *xml, size_t len, const char *path_prefix,
			struct iam_cert_list *out, char **marker);
/* GetServerCertificate: the certificate body (PEM, caller frees). */
int iam_get_body(const char *name, char **pem, struct aws_reply *reply);
int iam_delete(const char *name, struct aws_reply *reply);

#endif
