/*
 * PKCS#10 certificate signing requests for ACME finalize (RFC 8555 7.4).
 *
 * Every name goes into the subjectAltName extension as a dNSName, in the
 * order given (wildcards allowed); the subject is CN=cn when cn is at most
 * 64 characters (the X.520 upper bound) and empty otherwise, as CAs take the
 * names from the SAN. Signed with SHA-256 by the certificate key. Names are
 * checked with names_validate_list first, so an empty list, a duplicate or
 * a malformed name is refused with a message naming it.
 */
#ifndef AAA_CRYPTO_CSR_H
#define AAA_CRYPTO_CSR_H

#include <stddef.h>

#include "crypto/key.h"

#define CSR_CN_MAX 64

/*
 * The DER CSR in *der (caller frees), length in *derlen. cn: NULL for the
 * first name, else one of names (compared case-insensitively). 0 or -1.
 */
int csr_create_der(const struct key *k, const char *cn, const char *const *names, size_t n,
		   unsigned char **der, size_t *derlen);

/* The same CSR as PEM ("CERTIFICATE REQUEST"). Caller frees; NULL on failure. */
char *csr_create_pem(const struct key *k, const char *cn, const char *const *names, size_t n);

/* The same CSR as base64url DER, the "csr" member of a finalize payload. Caller frees. */
char *csr_create_b64url(const struct key *k, const char *cn, const char *const *names, size_t n);

#endif
