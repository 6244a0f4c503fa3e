/*
 * The arithmetic of a shared TXT record set, apart from any request:
 * which wire values to write when our values are added to what is there,
 * or taken out of it. Values already there are kept byte for byte in
 * Route53's wire form (another agent's quoting is not ours to redo);
 * ours are raw and compared with the unquoted form of each wire value.
 */
#ifndef AAA_DNS_TXTSET_H
#define AAA_DNS_TXTSET_H

#include <stddef.h>

/*
 * cur's values, then each of ours that no value of cur already holds,
 * quoted (route53_txt_quote). *nout == ncur means there is nothing to add.
 * Caller frees *out (dns_txt_free(*out, *nout)). 0/-1 (OOM).
 */
int dns_txt_add(const char *const *cur, size_t ncur, const char *const *ours, size_t nours,
		char ***out, size_t *nout);
/*
 * cur's values except those that hold one of ours. *nout == ncur means
 * none of ours is there; 0 means the set would be empty (delete it).
 * Caller frees *out. 0/-1 (OOM).
 */
int dns_txt_remove(const char *const *cur, size_t ncur, const char *const *ours, size_t nours,
		   char ***out, size_t *nout);
void dns_txt_free(char **v, size_t n);

#endif
