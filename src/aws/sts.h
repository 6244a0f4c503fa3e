/*
 * STS client (query protocol: POST / with a form-encoded body
 * Action=...&Version=2011-06-15, XML answers). Two operations:
 * AssumeRole, for role_arn profiles and for hosted zones in another
 * account, and GetCallerIdentity, for `aaa doctor`'s "who am I".
 *
 * Return values as in s3.h: 0 on a 2xx answer that parsed, 1 on an AWS
 * error answer (reply->err: AccessDenied, InvalidClientTokenId,
 * ExpiredToken...), -1 when no answer arrived or it was not the XML STS
 * sends (reply->message says which). reply->message is the one line for
 * the user whenever rc != 0. Free the reply with aws_reply_free in every
 * case; AssumeRole's answer (it holds a secret key) is wiped first.
 */
#ifndef AAA_AWS_STS_H
#define AAA_AWS_STS_H

#include "aws/client.h"
#include "aws/credentials.h"

#define STS_API_VERSION "2011-06-15"

/*
 * AssumeRole. external_id may be NULL; duration_s 0 is STS's default (1 h).
 * source: the credentials that sign the call, or NULL for the process's
 * default chain. *out (caller frees with aws_credentials_free) has the
 * temporary keys, token and expiration, source "sts:AssumeRole <role_arn>".
 */
int sts_assume_role(const char *role_arn, const char *session_name, const char *external_id,
		    int duration_s, const struct aws_credentials *source /* NULL: default chain */,
		    struct aws_credentials **out, struct aws_reply *reply);

/*
 * GetCallerIdentity signed with creds (NULL: the default chain). *account
 * and *arn (caller frees; either pointer may be NULL when not wanted).
 */
int sts_get_caller_identity(const struct aws_credentials *creds, char **account, char **arn,
			    struct aws_reply *reply);

/*
 * AssumeRoleWithWebIdentity, unsigned (the OIDC token is the credential),
 * in region (NULL: the configured one). duration_s 0: the role's default.
 * *out has source "sts:AssumeRoleWithWebIdentity <role_arn>". The form that
 * carries the token and the answer are wiped.
 */
int sts_assume_role_with_web_identity(const char *role_arn, const char *session_name,
				      const char *token, int duration_s, const char *region,
				      struct aws_credentials **out, struct aws_reply *reply);

/* Installs the network halves of the credentials chain: STS AssumeRole for
 * role_arn profiles, AssumeRoleWithWebIdentity for web identity, and the
 * SSO portal (sso_install). Call once at startup, before the first AWS call. */
void sts_install(void);

/* The adapter itself (aws_assume_role_fn), for code that builds its own
 * credentials chain. Logs the STS error line at error level. */
int sts_assume_role_adapter(void *ctx, const struct aws_credentials *source,
			    const struct aws_assume_role_request *req, struct aws_credentials **out,
			    struct aaa_err *err);

/* The web identity adapter (aws_web_identity_fn); logs the STS error line. */
int sts_web_identity_adapter(void *ctx, const struct aws_web_identity_request *req,
			     struct aws_credentials **out, struct aaa_err *err);

#endif
