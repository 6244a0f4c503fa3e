#include "acme/challenge.h"

#include <string.h>

#include "crypto/b64.h"
#include "crypto/hash.h"
#include "crypto/names.h"
#include "util/mem.h"

char *acme_key_authorization(const char *token, const char *thumbprint)
{
	/* A token is base64url (no '.'), so a dot would make the value ambiguous. */
	if (!token || !thumbprint || !*token || strchr(token, '.') || strchr(thumbprint, '.'))
		return NULL;
	return str_printf("%s.%s", token, thumbprint);
}

char *acme_dns01_txt_value(const char *key_authorization)
{
	unsigned char d[SHA256_LEN];

	if (!key_authorization || crypto_sha256(key_authorization, strlen(key_authorization), d))
		return NULL;
	return b64url_encode(d, sizeof(d));
}

char *acme_dns01_record_name(const char *name)
{
	char *r;

	if (!name)
		return NULL;
	/* The wildcard's challenge lives at the base name (RFC 8555 8.4). */
	if (name_is_wildcard(name))
		name += 2;
	r = str_printf("_acme-challenge.%s", name);
	if (r)
		name_lower(r);
	return r;
}
