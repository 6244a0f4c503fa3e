/*
 * The IAM Identity Center (SSO) portal: GetRoleCredentials, the one call the
 * credentials chain makes for an SSO profile. REST-JSON, unsigned: the
 * access token `aws sso login` cached goes in the x-amz-sso_bearer_token
 * header.
 *
 *   GET https://portal.sso.<region>.amazonaws.com/federation/credentials
 *       ?account_id=ACCOUNT&role_name=ROLE
 *   -> {"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken",
 *                          "expiration": <milliseconds since the epoch>}}
 *
 * The endpoint is overridable like every AWS endpoint (AWS_ENDPOINT_URL_SSO,
 * then AWS_ENDPOINT_URL; see endpoint.h). Return values as in sts.h: 0, 1 on
 * an AWS error answer (UnauthorizedException: the token expired or was
 * revoked; ForbiddenException: no access to that role), -1 otherwise.
 */
#ifndef AAA_AWS_SSO_H
#define AAA_AWS_SSO_H

#include "aws/client.h"
#include "aws/credentials.h"

int sso_get_role_credentials(const char *region, const char *access_token, const char *account_id,
			     const char *role_name, struct aws_credentials **out,
			     struct aws_reply *reply);

/* The chain's adapter (aws_sso_role_fn): 1 when the portal refused the
 * token (HTTP 401), -1 on any other failure (the error line logged). */
int sso_role_adapter(void *ctx, const struct aws_sso_request *req, struct aws_credentials **out,
		     struct aaa_err *err);

/*
 * SSO OIDC CreateToken with grant type refresh_token (unsigned; JSON):
 *   POST https://oidc.<region>.amazonaws.com/token
 *   {"clientId","clientSecret","grantType":"refresh_token","refreshToken"}
 *   -> {"accessToken","expiresIn","refreshToken"?,"tokenType"}
 * (AWS_ENDPOINT_URL_SSO_OIDC overrides the endpoint). *out freed with
 * aws_sso_token_free. Return values as sso_get_role_credentials.
 */
int sso_oidc_refresh_token(const char *region, const char *client_id, const char *client_secret,
			   const char *refresh_token, struct aws_sso_token *out,
			   struct aws_reply *reply);
/* The chain's adapter (aws_sso_refresh_fn): 0, or -1 with the answer logged
 * at info level (the chain decides whether that is an error). */
int sso_refresh_adapter(void *ctx, const struct aws_sso_refresh_request *req,
			struct aws_sso_token *out);

/* aws_client_set_sso(both adapters); sts_install calls it. */
void sso_install(void);

#endif
