/*
 * libFuzzer target: what the deploy targets read from AWS. The first byte
 * picks a parser; the rest is the answer. Pure page parsers (IAM
 * ListServerCertificates, ELB DescribeLoadBalancers, ELBv2
 * DescribeListenerCertificates, ACM DescribeCertificate, a CloudFront
 * DistributionConfig rewritten for an ACM certificate), and the paginated
 * listings through the real clients and a local server (fuzz_server.h),
 * which sends the same page for every request: a marker that does not
 * advance must end the listing, not loop.
 */
#include "fuzz_server.h"

#include "aws/acm.h"
#include "aws/cloudfront.h"
#include "aws/elb.h"
#include "aws/elbv2.h"
#include "aws/iam.h"
#include "xml/xml.h"

#include "fuzz_util.h"

#define S_ARN "arn:aws:acm:us-east-1:123456789012:certificate/fuzz"
#define S_LISTENER                                                                                 \
	"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/50dc6c495c0c9188/"    \
	"f2f7dc8efc522ab2"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	struct iam_cert_list il;
	struct elb_listener_list el;
	struct elbv2_cert_list vl;
	struct acm_cert ac;
	struct aws_reply reply;
	char *marker = NULL;
	unsigned pages = 0;
	xmlDoc *doc;
	int rc = 0, net = 0;

	fuzz_quiet();
	if (size < 1)
		return 0;
	memset(&il, 0, sizeof(il));
	memset(&el, 0, sizeof(el));
	memset(&vl, 0, sizeof(vl));
	memset(&ac, 0, sizeof(ac));
	memset(&reply, 0, sizeof(reply));
	switch (data[0] % 9) {
	case 0:
		(void)iam_parse_list_page(body, n, "/aaa/", &il, &marker);
		break;
	case 1:
		(void)elb_parse_describe_page(body, n, &el, &marker);
		break;
	case 2:
		(void)elbv2_parse_certs_page(body, n, &vl, &marker);
		break;
	case 3:
		(void)acm_parse_describe(body, n, &ac);
		break;
	case 4: {
		/* A DistributionConfig rewritten for the ACM certificate must serve it. */
		size_t out_len = 0;
		char *out = cloudfront_config_with_acm(body, n, S_ARN, &out_len);

		if (out != NULL) {
			xmlNode *root;
			char *got;

			doc = xml_parse(out, out_len, NULL);
			root = doc ? xml_root(doc) : NULL;
			got = root ? xml_path_text(root, "ViewerCertificate/ACMCertificateArn")
				   : NULL;
			if (got == NULL || strcmp(got, S_ARN) != 0)
				abort();
			free(got);
			xmlFreeDoc(doc);
			free(out);
		}
		break;
	}
	default:
		if (fuzz_server_start() != 0 || fuzz_server_answer(200, NULL, body, n) != 0)
			return 0;
		net = 1;
		switch (data[0] % 9) {
		case 5:
			rc = iam_list("/aaa/", &il, &pages, &reply);
			break;
		case 6:
			rc = elb_describe_listeners(NULL, &el, &reply);
			break;
		case 7:
			rc = elbv2_list_certs("us-east-1", S_LISTENER, &vl, &reply);
			break;
		default:
			rc = elbv2_certs_in_use("us-east-1", &vl, &reply);
			break;
		}
		break;
	}
	if (net && rc != 0 && (reply.message == NULL || strchr(reply.message, '\n')))
		abort();
	aws_reply_free(&reply);
	iam_cert_list_clear(&il);
	elb_listener_list_clear(&el);
	elbv2_cert_list_clear(&vl);
	acm_cert_clear(&ac);
	free(marker);
	return 0;
}
