/*
 * The ACME directory (RFC 8555 7.1.1) and its meta object.
 */
#ifndef AAA_ACME_DIRECTORY_H
#define AAA_ACME_DIRECTORY_H

#include <cjson/cJSON.h>

struct acme_directory {
	char *new_nonce, *new_account, *new_order, *revoke_cert, *key_change; /* owned */
	char *renewal_info;	/* NULL when the CA has no ARI */
	char *terms_of_service; /* meta.termsOfService or NULL */
	char *website;		/* meta.website or NULL */
	int eab_required;	/* meta.externalAccountRequired */
	char **profiles;	/* names of meta.profiles, or NULL */
	size_t nprofiles;
};

/* Fills d from a parsed directory; refuses one without the required URLs. 0/-1. */
int acme_directory_parse(const cJSON *json, struct acme_directory *d);
/* GETs url and parses it. 0/-1 (logged). */
int acme_directory_fetch(const char *url, struct acme_directory *d);
void acme_directory_clear(struct acme_directory *d);

#endif
