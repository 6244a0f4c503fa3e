/*
 * libFuzzer target: Route53's answers (hosted zone lists, record set
 * lists, ChangeInfo) through the client's parsers, and TXT values and
 * names through the wire-form helpers. The first byte picks the parser.
 */
#include "aws/route53.h"

#include "fuzz_util.h"

/* Parsed ids are checked where they are used (route53_id_valid before
 * they go into a request path), not by the parser: exercise the check. */
static void s_check_id(const char *id)
{
	if (id)
		(void)route53_id_valid(route53_id_bare(id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	size_t n = size ? size - 1 : 0, i, j;
	struct route53_zones z;
	struct route53_rrsets r;
	struct route53_change_info ci;
	char *s = NULL, *q = NULL, *u = NULL;

	fuzz_quiet();
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		memset(&z, 0, sizeof(z));
		if (route53_parse_zones(body, n, &z) == 0) {
			for (i = 0; i < z.n; i++) {
				if (z.v[i].id == NULL || z.v[i].name == NULL)
					abort();
				s_check_id(z.v[i].id);
				free(route53_name_normal(z.v[i].name));
			}
		} else if (z.v || z.n) {
			abort(); /* freed on failure, as documented */
		}
		route53_zones_free(&z);
		break;
	case 1:
		memset(&r, 0, sizeof(r));
		if (route53_parse_rrsets(body, n, &r) == 0) {
			for (i = 0; i < r.n; i++) {
				if (r.v[i].name == NULL || r.v[i].type == NULL)
					abort();
				for (j = 0; j < r.v[i].nvalues; j++)
					free(route53_txt_unquote(r.v[i].values[j]));
			}
		} else if (r.v || r.n) {
			abort();
		}
		route53_rrsets_free(&r);
		break;
	case 2:
		memset(&ci, 0, sizeof(ci));
		if (route53_parse_change_info(body, n, &ci) == 0)
			s_check_id(ci.id);
		route53_change_info_free(&ci);
		break;
	default:
		/* A TXT value: quoting then unquoting gives it back. */
		s = fuzz_cstr((const uint8_t *)body, n);
		if (s == NULL)
			return 0;
		q = route53_txt_quote(s);
		if (q) {
			u = route53_txt_unquote(q);
			if (u == NULL || strcmp(u, s) != 0)
				abort();
		}
		free(route53_txt_unquote(s));
		free(route53_name_normal(s));
		(void)route53_id_valid(s);
		(void)route53_id_bare(s);
		break;
	}
	free(s);
	free(q);
	free(u);
	return 0;
}
