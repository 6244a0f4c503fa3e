/*
 * X.509 certificates as aaa needs them: what a renewal decision, meta.json,
 * ARI (RFC 9773) and deployment need to know about an issued certificate,
 * and splitting the CA's PEM chain into leaf and intermediates.
 *
 * struct cert is opaque (no OpenSSL outside crypto/). Conventions:
 * - times are time_t seconds since the epoch, UTC;
 * - the serial is lower-case hex, two digits per byte, no separators and no
 *   leading zero byte (the positive integer's value), e.g. "87654321"; it is
 *   `openssl x509 -serial` ignoring case, and the history/<serial>.pem name;
 * - the issuer is one line in RFC 2253 order and escaping (most specific
 *   first, UTF-8 kept), e.g. "CN=R11,O=Let's Encrypt,C=US", as
 *   `openssl x509 -issuer -nameopt RFC2253,-esc_msb` prints it.
 */
#ifndef AAA_CRYPTO_X509_H
#define AAA_CRYPTO_X509_H

#include <stddef.h>
#include <time.h>

#include "crypto/key.h"
#include "util/err.h"

struct cert;

/*
 * The first certificate of a PEM text (a single certificate or a chain);
 * *count (optional) receives the number of certificates in the text. Other
 * PEM blocks (a key in a combined file) are skipped. Refuses text with no
 * certificate and any truncated or corrupt certificate block; what names
 * the source in the message. Caller frees with cert_free.
 */
struct cert *cert_load_pem(const char *pem, size_t len, size_t *count, const char *what);

/* One DER certificate (exactly, no trailing bytes). Caller frees. */
struct cert *cert_load_der(const unsigned char *der, size_t len, const char *what);

void cert_free(struct cert *c);

/*
 * The DNS names: the subject CN first when it is a DNS name (see
 * name_validate; a CA's "R11" is not), then each SAN
 * dNSName not equal to an earlier name (case-insensitively), in certificate
 * order. *names is a malloc'd array of malloc'd strings: free with
 * cert_names_free. 0 or -1.
 */
int cert_dns_names(const struct cert *c, char ***names, size_t *n);
void cert_names_free(char **names, size_t n);

/* The subject CN, or NULL if it has none. Caller frees. */
char *cert_subject_cn(const struct cert *c);

int cert_validity(const struct cert *c, time_t *not_before, time_t *not_after);

/* See the conventions above. Caller frees. */
char *cert_serial_hex(const struct cert *c);
char *cert_issuer(const struct cert *c);

/*
 * The keyIdentifier of the authority key identifier extension, raw bytes in
 * *aki (caller frees). -1 if the certificate has none.
 */
int cert_aki(const struct cert *c, unsigned char **aki, size_t *len);

/*
 * The RFC 9773 ARI certificate identifier:
 * base64url(AKI keyIdentifier) "." base64url(serial number DER content
 * octets, i.e. with a leading 0x00 when the high bit is set). Caller frees;
 * NULL if the certificate has no AKI.
 */
char *ari_cert_id(const struct cert *c);

/* base64url of the DER certificate (ACME revokeCert's "certificate"). Caller frees. */
char *cert_der_b64url(const struct cert *c);

/* The certificate as one PEM block. Caller frees. */
char *cert_pem(const struct cert *c);

/*
 * 1 if k's public key is the certificate's (k may be public-only), 0 if
 * not, -1 on error.
 */
int cert_matches_key(const struct cert *c, const struct key *k);

/*
 * Splits a PEM bundle (leaf first, as ACME's certificate download and
 * fullchain.pem have it) into the leaf and the rest, each re-encoded as PEM
 * blocks; *chain is "" when the bundle holds only the leaf. Both caller
 * frees. Refuses what cert_load_pem refuses. 0 or -1.
 */
int cert_split_pem(const char *pem, size_t len, char **leaf, char **chain, const char *what);

/*
 * What a CA sent back, checked against what was asked before anything is
 * stored (a CA is not trusted to get it right):
 * - the leaf's public key is k's (the CSR's key);
 * - the leaf's subjectAltName dNSNames are exactly names (no more, no fewer,
 *   compared ignoring ASCII case), it has no other kind of SAN, and a
 *   subject CN, when present, is one of them;
 * - it is valid at now: notBefore <= now + skew_s and now < notAfter;
 * - each certificate of the bundle is issued and signed by the next one.
 * 0, or -1 with err set (source "acme": the CA's answer is wrong; the
 * message names the difference).
 */
int cert_check_issued(const char *pem, size_t len, const struct key *k, const char *const *names,
		      size_t n, time_t now, long skew_s, struct aaa_err *err);

/* Everything at once, for meta.json, `aaa ls` and tests. */
struct cert_info {
	char **names; /* as cert_dns_names */
	size_t nnames;
	time_t not_before;
	time_t not_after;
	char *serial;  /* as cert_serial_hex */
	char *issuer;  /* as cert_issuer */
	char *ari_id;  /* NULL when the certificate has no AKI */
	size_t ncerts; /* certificates in the PEM text */
};

/* Fills info from the first certificate of pem. 0 or -1; clear with cert_info_clear. */
int cert_info_get(const char *pem, size_t len, struct cert_info *info, const char *what);
void cert_info_clear(struct cert_info *info);

#endif
