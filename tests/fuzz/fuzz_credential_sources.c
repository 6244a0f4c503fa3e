/*
 * libFuzzer target: what the credential sources read from others. The
 * three unsigned calls' 200 answers (STS AssumeRoleWithWebIdentity XML, the
 * SSO portal's GetRoleCredentials JSON, SSO OIDC CreateToken JSON) through
 * the real clients and a local server (fuzz_server.h), and the shell-like
 * splitting of a credential_process line. The first byte picks which; the
 * rest is the answer's body, or the line.
 */
#include "fuzz_server.h"

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/sso.h"
#include "aws/sts.h"
#include "util/mem.h"

#include "fuzz_util.h"

static void s_split(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), **argv;
	struct aaa_err err = {0};
	size_t i;

	if (line == NULL)
		return;
	memcpy(line, data, size);
	line[size] = '\0';
	argv = aws_split_command(line, &err);
	/* words are never empty of a terminator, and never more than the line */
	for (i = 0; argv && argv[i]; i++)
		if (i > size || strlen(argv[i]) > size)
			abort();
	if (argv && argv[0] == NULL)
		abort();
	aws_argv_free(argv);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_reply reply;
	struct aws_credentials *cr = NULL;
	struct aws_sso_token tok = {NULL, NULL, 0};
	unsigned long before;
	int rc = 0;

	fuzz_quiet();
	if (size < 1)
		return 0;
	if (data[0] % 4 == 3) {
		s_split(data + 1, size - 1);
		return 0;
	}
	if (fuzz_server_start() != 0 || fuzz_server_answer(200, NULL, data + 1, size - 1) != 0)
		return 0;
	memset(&reply, 0, sizeof(reply));
	before = fuzz_server_requests();
	switch (data[0] % 4) {
	case 0:
		rc = sts_assume_role_with_web_identity("arn:aws:iam::1:role/fuzz", "fuzz", "jwt", 0,
						       "us-east-1", &cr, &reply);
		if (rc == 0 && (cr == NULL || cr->session_token == NULL))
			abort();
		break;
	case 1:
		rc = sso_get_role_credentials("us-east-1", "token", "111122223333", "Role", &cr,
					      &reply);
		if (rc == 0 && (cr == NULL || cr->expiration <= 0))
			abort();
		break;
	default:
		rc = sso_oidc_refresh_token("us-east-1", "cid", "csecret", "rt", &tok, &reply);
		if (rc == 0 && (tok.access_token == NULL || tok.expires_in <= 0))
			abort();
		break;
	}
	/* Every failure has its one line for the user. */
	if (rc != 0 && (reply.message == NULL || strchr(reply.message, '\n')))
		abort();
	/* A 200 is never retried. */
	if (fuzz_server_requests() - before != 1)
		abort();
	aws_reply_free(&reply);
	aws_credentials_free(cr);
	aws_sso_token_free(&tok);
	return 0;
}
