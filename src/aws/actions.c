/*
 * The table of AWS actions aaa calls. See actions.h. Keep rows grouped by
 * service; an operation appears once (its callers are a bit set).
 */
#include "aws/actions.h"

#include <string.h>

#define SCHED AWS_CALLER_SCHEDULER
#define DISP  AWS_CALLER_DISPATCHER
#define EXEC  AWS_CALLER_EXECUTOR
#define CLI   AWS_CALLER_CLI

static const struct aws_action s_actions[] = {
    /* S3: the store. Everything lives under aaa-data/; the executor and the
     * CLI read, list and write. The scheduler touches the index and fleet/
     * alone (its policy names those keys): it lists the prefix "index"
     * (index.json and the change objects under index.d/, store/index.h;
     * S3 answers a GET of a missing object 403 to a caller that cannot
     * list, so a new, empty store would otherwise look like a refusal) and
     * fleet/ (the CA's pause, the cleanup markers), reads them and
     * fleet/ca-pause.json, writes the folded index.json and deletes the
     * changes it folded. HeadObject needs s3:GetObject, ListObjectsV2
     * s3:ListBucket, DeleteObjects s3:DeleteObject for each key. */
    {AWS_S3, "GetObject", "s3:GetObject", SCHED | EXEC | CLI, AWS_SCOPE_DATA_OBJECTS, NULL,
     "read the index, the CA's pause, certificates, accounts and jobs"},
    {AWS_S3, "HeadObject", "s3:GetObject", EXEC | CLI, AWS_SCOPE_DATA_OBJECTS, NULL,
     "check an object and its ETag before a conditional write"},
    {AWS_S3, "PutObject", "s3:PutObject", SCHED | EXEC | CLI, AWS_SCOPE_DATA_OBJECTS, NULL,
     "store keys, certificates, jobs and index changes (SSE-KMS, conditional writes); the "
     "scheduler: the folded index.json (If-Match), with what the CA's renewalInfo said in "
     "its entries"},
    {AWS_S3, "DeleteObject", "s3:DeleteObject", EXEC | CLI, AWS_SCOPE_DATA_OBJECTS, NULL,
     "remove finished jobs and released leases"},
    {AWS_S3, "DeleteObjects", "s3:DeleteObject", SCHED | CLI, AWS_SCOPE_DATA_OBJECTS, NULL,
     "the scheduler and aaa renew: remove the index changes they folded into index.json "
     "(1,000 a request); the scheduler: an old store's fleet/ari.json once folded"},
    {AWS_S3, "ListObjectsV2", "s3:ListBucket", SCHED | EXEC | CLI, AWS_SCOPE_BUCKET, NULL,
     "list certificates and accounts under aaa-data/ (the scheduler: index.json and the "
     "index changes, prefix \"index\", and fleet/: the CA's pause and the cleanup markers)"},

    /* KMS on behalf of S3: SSE-KMS encrypts with a data key S3 asks for in
     * the caller's name, and decrypts it again on every read (also with an
     * S3 Bucket Key). */
    {AWS_KMS, NULL, "kms:GenerateDataKey", SCHED | EXEC | CLI, AWS_SCOPE_DATA_KEY,
     "S3 PutObject (SSE-KMS)", "S3 writes every object encrypted under the stack's key"},
    {AWS_KMS, NULL, "kms:Decrypt", SCHED | EXEC | CLI, AWS_SCOPE_DATA_KEY, "S3 GetObject (SSE-KMS)",
     "S3 decrypts the object's data key on every read"},

    /* KMS called directly. */
    {AWS_KMS, "Decrypt", "kms:Decrypt", DISP | EXEC, AWS_SCOPE_DATA_KEY, NULL,
     "decrypt the Slack signing secret (AAA_SLACK_SIGNING_SECRET is KMS ciphertext); the "
     "executor's reg: the EAB HMAC key (KMS ciphertext with the context aaa=eab-hmac, the "
     "only one its policy allows)"},
    {AWS_KMS, "Encrypt", "kms:Encrypt", CLI, AWS_SCOPE_DATA_KEY, NULL,
     "encrypt a secret (the Slack signing secret) for the functions' environment"},
    {AWS_KMS, "Sign", "kms:Sign", EXEC | CLI, AWS_SCOPE_ACCOUNT_KEY, NULL,
     "sign ACME requests with an account key kept in KMS (--account-key kms:KEY)"},
    {AWS_KMS, "GetPublicKey", "kms:GetPublicKey", EXEC | CLI, AWS_SCOPE_ACCOUNT_KEY, NULL,
     "build the account's JWK from a KMS account key"},

    /* STS: hosted zones in other accounts, and role_arn profiles. */
    {AWS_STS, "AssumeRole", "sts:AssumeRole", EXEC | CLI, AWS_SCOPE_ZONE_ROLES, NULL,
     "act in a hosted zone that lives in another account"},

    /* The credentials chain itself (CLI only; the Lambda functions get their
     * role's keys in the environment). Both calls are unsigned: what allows
     * them is the role's trust policy or the SSO token, never a policy of
     * the caller, so no policy grants them. */
    {AWS_STS, "AssumeRoleWithWebIdentity", "sts:AssumeRoleWithWebIdentity", CLI, AWS_SCOPE_ANY,
     NULL,
     "web identity credentials (GitHub Actions OIDC, EKS IRSA); the role's trust policy "
     "allows it"},
    {AWS_SSO, "GetRoleCredentials", "sso:GetRoleCredentials", CLI, AWS_SCOPE_ANY, NULL,
     "an IAM Identity Center (SSO) profile's role credentials, for the token of aws sso login"},
    {AWS_SSO_OIDC, "CreateToken", "sso-oauth:CreateToken", CLI, AWS_SCOPE_ANY, NULL,
     "refresh an sso_session profile's token near its end, as the AWS CLI does"},

    {AWS_STS, "GetCallerIdentity", "sts:GetCallerIdentity", EXEC | CLI, AWS_SCOPE_ANY, NULL,
     "aaa doctor (and the executor's doctor) names the identity in use (IAM never denies "
     "this call)"},

    /* Lambda: hand work to the executor; the executor resumes itself. */
    {AWS_LAMBDA, "Invoke", "lambda:InvokeFunction", SCHED | DISP | EXEC, AWS_SCOPE_EXECUTOR, NULL,
     "scheduler and dispatcher start the executor; the executor resumes a long job"},

    /* Route53: DNS-01. */
    {AWS_ROUTE53, "ListHostedZones", "route53:ListHostedZones", EXEC | CLI, AWS_SCOPE_ANY, NULL,
     "find the zone that holds a name (public before private, longest match)"},
    {AWS_ROUTE53, "ChangeResourceRecordSets", "route53:ChangeResourceRecordSets", EXEC | CLI,
     AWS_SCOPE_HOSTED_ZONES, NULL, "publish and remove the _acme-challenge TXT records"},
    {AWS_ROUTE53, "GetChange", "route53:GetChange", EXEC | CLI, AWS_SCOPE_DNS_CHANGES, NULL,
     "wait until the change is INSYNC before answering the challenge"},
    {AWS_ROUTE53, "ListResourceRecordSets", "route53:ListResourceRecordSets", EXEC | CLI,
     AWS_SCOPE_HOSTED_ZONES, NULL, "read existing TXT values so a change keeps them"},

    /* Deploy target: ACM. */
    {AWS_ACM, "ImportCertificate", "acm:ImportCertificate", EXEC | CLI, AWS_SCOPE_ACM_CERTS, NULL,
     "import a new certificate or reimport a renewed one under the same ARN"},
    {AWS_ACM, "DescribeCertificate", "acm:DescribeCertificate", EXEC | CLI, AWS_SCOPE_ACM_CERTS,
     NULL, "check the certificate ACM holds before reimporting"},
    {AWS_ACM, NULL, "acm:AddTagsToCertificate", EXEC | CLI, AWS_SCOPE_ACM_CERTS,
     "ACM ImportCertificate (Tags)",
     "an import that carries tags needs the tagging permission too"},

    /* Deploy target: IAM server certificates (classic ELB, CloudFront). */
    {AWS_IAM, "UploadServerCertificate", "iam:UploadServerCertificate", EXEC | CLI,
     AWS_SCOPE_SERVER_CERTS, NULL, "upload a renewed certificate under a new name"},
    {AWS_IAM, "ListServerCertificates", "iam:ListServerCertificates", EXEC | CLI, AWS_SCOPE_ANY,
     NULL, "find the certificates aaa uploaded before"},
    {AWS_IAM, "GetServerCertificate", "iam:GetServerCertificate", EXEC | CLI,
     AWS_SCOPE_SERVER_CERTS, NULL, "read one certificate's ARN and id"},
    {AWS_IAM, "DeleteServerCertificate", "iam:DeleteServerCertificate", EXEC | CLI,
     AWS_SCOPE_SERVER_CERTS, NULL, "remove replaced certificates so they do not pile up"},

    /* Deploy target: classic ELB (v1 API). */
    {AWS_ELB, "DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers", EXEC | CLI,
     AWS_SCOPE_ANY, NULL, "find a classic load balancer's HTTPS listeners"},
    {AWS_ELB, "SetLoadBalancerListenerSSLCertificate",
     "elasticloadbalancing:SetLoadBalancerListenerSSLCertificate", EXEC | CLI,
     AWS_SCOPE_LOAD_BALANCERS, NULL, "point a classic listener at the new certificate"},

    /* Deploy target: ALB/NLB (v2 API). */
    {AWS_ELBV2, "DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers", EXEC | CLI,
     AWS_SCOPE_ANY, NULL, "resolve a load balancer name to its ARN"},
    {AWS_ELBV2, "DescribeListeners", "elasticloadbalancing:DescribeListeners", EXEC | CLI,
     AWS_SCOPE_ANY, NULL, "find the HTTPS/TLS listeners"},
    {AWS_ELBV2, "DescribeListenerCertificates", "elasticloadbalancing:DescribeListenerCertificates",
     EXEC | CLI, AWS_SCOPE_ANY, NULL, "see which certificates a listener serves"},
    {AWS_ELBV2, "ModifyListener", "elasticloadbalancing:ModifyListener", EXEC | CLI,
     AWS_SCOPE_LOAD_BALANCERS, NULL, "replace a listener's default certificate"},
    {AWS_ELBV2, "AddListenerCertificates", "elasticloadbalancing:AddListenerCertificates",
     EXEC | CLI, AWS_SCOPE_LOAD_BALANCERS, NULL, "add the certificate for SNI"},
    {AWS_ELBV2, "RemoveListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
     EXEC | CLI, AWS_SCOPE_LOAD_BALANCERS, NULL, "drop the replaced SNI certificate"},

    /* Deploy target: CloudFront. */
    {AWS_CLOUDFRONT, "GetDistributionConfig", "cloudfront:GetDistributionConfig", EXEC | CLI,
     AWS_SCOPE_DISTRIBUTIONS, NULL, "read the config and its ETag"},
    {AWS_CLOUDFRONT, "UpdateDistribution", "cloudfront:UpdateDistribution", EXEC | CLI,
     AWS_SCOPE_DISTRIBUTIONS, NULL, "switch the viewer certificate (If-Match the ETag)"},
};

static const char *const s_caller_names[AWS_CALLER_MAX] = {"scheduler", "dispatcher", "executor",
							   "cli"};

static const char *const s_scope_names[AWS_SCOPE_MAX] = {
    [AWS_SCOPE_DATA_OBJECTS] = "data-objects",
    [AWS_SCOPE_BUCKET] = "bucket",
    [AWS_SCOPE_DATA_KEY] = "data-key",
    [AWS_SCOPE_ACCOUNT_KEY] = "account-key",
    [AWS_SCOPE_EXECUTOR] = "executor",
    [AWS_SCOPE_ZONE_ROLES] = "zone-roles",
    [AWS_SCOPE_HOSTED_ZONES] = "hosted-zones",
    [AWS_SCOPE_DNS_CHANGES] = "dns-changes",
    [AWS_SCOPE_ACM_CERTS] = "acm-certificates",
    [AWS_SCOPE_SERVER_CERTS] = "server-certificates",
    [AWS_SCOPE_LOAD_BALANCERS] = "load-balancers",
    [AWS_SCOPE_DISTRIBUTIONS] = "distributions",
    [AWS_SCOPE_ANY] = "*",
};

const struct aws_action *aws_actions(size_t *count)
{
	*count = sizeof(s_actions) / sizeof(s_actions[0]);
	return s_actions;
}

const char *aws_caller_name(unsigned bit)
{
	unsigned i;

	for (i = 0; i < AWS_CALLER_MAX; i++)
		if (bit == 1u << i)
			return s_caller_names[i];
	return NULL;
}

const char *aws_scope_name(enum aws_scope scope)
{
	if ((unsigned)scope >= AWS_SCOPE_MAX)
		return NULL;
	return s_scope_names[scope];
}

const struct aws_action *aws_action_find(enum aws_service service, const char *operation)
{
	size_t i;

	if (operation == NULL)
		return NULL;
	for (i = 0; i < sizeof(s_actions) / sizeof(s_actions[0]); i++)
		if (s_actions[i].service == service && s_actions[i].operation &&
		    strcmp(s_actions[i].operation, operation) == 0)
			return &s_actions[i];
	return NULL;
}

/* One row as a JSON object; NULL on allocation failure. */
static cJSON *s_row_json(const struct aws_action *a)
{
	cJSON *o = NULL, *callers, *ret = NULL;
	unsigned i;

	o = cJSON_CreateObject();
	if (o == NULL || !cJSON_AddStringToObject(o, "service", aws_service_name(a->service)))
		goto out;
	if (!(a->operation ? cJSON_AddStringToObject(o, "operation", a->operation)
			   : cJSON_AddNullToObject(o, "operation")))
		goto out;
	if (!cJSON_AddStringToObject(o, "iam", a->iam))
		goto out;
	callers = cJSON_AddArrayToObject(o, "callers");
	if (callers == NULL)
		goto out;
	for (i = 0; i < AWS_CALLER_MAX; i++) {
		if ((a->callers & (1u << i)) == 0)
			continue;
		if (!cJSON_AddItemToArray(callers, cJSON_CreateString(s_caller_names[i])))
			goto out;
	}
	if (!cJSON_AddStringToObject(o, "scope", aws_scope_name(a->scope)))
		goto out;
	if (!(a->via ? cJSON_AddStringToObject(o, "via", a->via) : cJSON_AddNullToObject(o, "via")))
		goto out;
	if (!cJSON_AddStringToObject(o, "why", a->why))
		goto out;
	ret = o;
	o = NULL;
out:
	cJSON_Delete(o);
	return ret;
}

/*
 * The table for tools and tests (tests/tools/actions_tool.c prints it;
 * test_iam.py compares it with the policies). Caller frees.
 */
cJSON *aws_actions_json(void)
{
	cJSON *arr = NULL, *row, *ret = NULL;
	size_t i;

	arr = cJSON_CreateArray();
	if (arr == NULL)
		goto out;
	for (i = 0; i < sizeof(s_actions) / sizeof(s_actions[0]); i++) {
		row = s_row_json(&s_actions[i]);
		if (row == NULL || !cJSON_AddItemToArray(arr, row)) {
			cJSON_Delete(row);
			goto out;
		}
	}
	ret = arr;
	arr = NULL;
out:
	cJSON_Delete(arr);
	return ret;
}
