#include "acme/nonce.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void acme_nonce_put(struct acme_nonce_pool *p, const char *nonce)
{
	char *copy;

	if (!nonce || !*nonce || !(copy = str_dup(nonce)))
		return;
	if (p->count == ACME_NONCE_POOL) {
		free(p->n[0]);
		memmove(p->n, p->n + 1, sizeof(p->n[0]) * (ACME_NONCE_POOL - 1));
		p->count--;
	}
	p->n[p->count++] = copy;
}

/* Newest first: older nonces are likelier to have expired at the CA. */
char *acme_nonce_take(struct acme_nonce_pool *p)
{
	char *r = NULL;

	if (p->count > 0) {
		r = p->n[--p->count];
		p->n[p->count] = NULL;
	}
	return r;
}

void acme_nonce_clear(struct acme_nonce_pool *p)
{
	while (p->count > 0)
		free(acme_nonce_take(p));
}
