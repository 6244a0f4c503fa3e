/*
 * iam[:PATH]: UploadServerCertificate as <name>-<serial16> under PATH
 * (default /aaa/), then prune our older ones there, keeping
 * DEPLOY_IAM_KEEP, never one a load balancer listener still serves.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/elb.h"
#include "aws/elbv2.h"
#include "aws/iam.h"
#include "crypto/x509.h"
#include "deploy/ops.h"
#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

enum { P_UPLOAD = 1u << 0, P_GET = 1u << 1 };
static const char *const s_perms[] = {"iam:UploadServerCertificate",
				      "iam:GetServerCertificate",
				      "iam:ListServerCertificates",
				      "iam:DeleteServerCertificate",
				      "elasticloadbalancing:DescribeLoadBalancers",
				      "elasticloadbalancing:DescribeListeners",
				      "elasticloadbalancing:DescribeListenerCertificates",
				      NULL};

static int s_parse(const char *a, struct deploy_target *t, struct aaa_err *err)
{
	if (*a == '\0')
		a = DEPLOY_IAM_DEFAULT_PATH;
	if (!iam_path_valid(a) || strcmp(a, "/") == 0) {
		err_set(err, "input", "",
			"\"%s\" is not an IAM path of our own (iam:/PATH/, starting and "
			"ending with '/', not \"/\" alone; default %s)",
			a, DEPLOY_IAM_DEFAULT_PATH);
		return -1;
	}
	t->path = str_dup(a);
	return t->path ? 0 : -1;
}

/* 1 when arn serves a listener of either kind (lists from the configured region). */
static int s_in_use(const struct elb_listener_list *l, const struct elbv2_cert_list *v2,
		    const char *arn)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->items[i].cert_id && strcmp(l->items[i].cert_id, arn) == 0)
			return 1;
	for (i = 0; i < v2->n; i++)
		if (strcmp(v2->items[i].arn, arn) == 0)
			return 1;
	return 0;
}

/* The position of name in the state's "names" list, -1 if absent. */
static long s_order(const cJSON *names, const char *name)
{
	const cJSON *it;
	long i = 0;

	cJSON_ArrayForEach(it, names)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, name) == 0)
			return i;
		i++;
	}
	return -1;
}

static void s_forget(cJSON *names, const char *name)
{
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, names)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, name) == 0) {
			cJSON_DeleteItemFromArray(names, i);
			return;
		}
		i++;
	}
}

/*
 * Prunes our older certificates under t->path. Only certificates at that
 * exact path whose name has our prefix are candidates. When the plan
 * deletes anything, the configured region's classic and v2 load balancer
 * listeners are read first, and one still served stays; when they cannot
 * be read, nothing is deleted. IAM's own refusal (DeleteConflict) keeps a
 * certificate too. Failures here do not fail the deployment: the new
 * certificate is in place; they are reported in *note.
 */
static void s_iam_prune(const char *target, const struct deploy_target *t,
			const struct deploy_cert *c, const char *current, cJSON *names,
			struct buf *note)
{
	struct iam_cert_list l = {NULL, 0};
	struct elb_listener_list lis = {NULL, 0};
	struct elbv2_cert_list v2 = {NULL, 0};
	struct deploy_prune_item *items = NULL;
	struct aws_reply r;
	char *prefix = iam_cert_name_prefix(c->name);
	size_t i, n = 0, deleted = 0, kept = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	if (prefix == NULL)
		goto out;
	rc = iam_list(t->path, &l, NULL, &r);
	if (rc != 0) {
		buf_printf(note, "; not pruned: %s", r.message ? r.message : "listing failed");
		goto out;
	}
	aws_reply_free(&r);
	items = calloc(l.n ? l.n : 1, sizeof(*items));
	if (items == NULL)
		goto out;
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.items[i].path, t->path) != 0)
			continue;
		items[n].name = l.items[i].name;
		items[n].upload_date = l.items[i].upload_date;
		items[n].order = s_order(names, l.items[i].name);
		n++;
	}
	if (deploy_prune_plan(items, n, prefix, current, DEPLOY_IAM_KEEP) == 0) {
		buf_printf(note, "; pruned 0");
		goto out;
	}
	rc = elb_describe_listeners(NULL, &lis, &r);
	if (rc == 0) {
		aws_reply_free(&r);
		rc = elbv2_certs_in_use(NULL, &v2, &r);
	}
	if (rc != 0) {
		buf_printf(note, "; not pruned (cannot tell which are in use): %s",
			   r.message ? r.message : "listener listing failed");
		goto out;
	}
	aws_reply_free(&r);
	for (i = 0, n = 0; i < l.n; i++)
		if (strcmp(l.items[i].path, t->path) == 0)
			items[n++].in_use = s_in_use(&lis, &v2, l.items[i].arn);
	deploy_prune_plan(items, n, prefix, current, DEPLOY_IAM_KEEP);
	for (i = 0; i < n; i++) {
		if (!items[i].del)
			continue;
		aws_reply_free(&r);
		rc = iam_delete(items[i].name, &r);
		if (rc == 0 || (rc == 1 && aws_error_is(&r.err, "NoSuchEntity"))) {
			log_info("%s: pruned IAM server certificate %s", target, items[i].name);
			s_forget(names, items[i].name);
			deleted++;
		} else {
			log_warn("%s: kept %s: %s", target, items[i].name,
				 r.message ? r.message : "delete failed");
			kept++;
		}
	}
	buf_printf(note, "; pruned %zu", deleted);
	if (kept)
		buf_printf(note, ", %zu could not be deleted (see the log)", kept);
out:
	aws_reply_free(&r);
	free(items);
	free(prefix);
	iam_cert_list_clear(&l);
	elb_listener_list_clear(&lis);
	elbv2_cert_list_clear(&v2);
}

/* 1 when state says name (this serial, this path) was uploaded already. */
static int s_iam_have(const cJSON *state, const char *name, const char *path, const char *serial)
{
	const char *n = json_str(state, "name"), *p = json_str(state, "path");

	return n && p && json_str(state, "arn") && strcmp(n, name) == 0 && strcmp(p, path) == 0 &&
	       deploy_serial_equal(json_str(state, "serial"), serial);
}

/* The ARN IAM gives name, from a listing (after EntityAlreadyExists). */
static char *s_iam_arn(const char *path, const char *name, struct aws_reply *r)
{
	struct iam_cert_list l = {NULL, 0};
	char *arn = NULL;
	size_t i;

	if (iam_list(path, &l, NULL, r) == 0)
		for (i = 0; i < l.n && arn == NULL; i++)
			if (strcmp(l.items[i].name, name) == 0)
				arn = str_dup(l.items[i].arn);
	iam_cert_list_clear(&l);
	return arn;
}

/*
 * Uploads under a name made of the certificate name and serial, so a
 * renewal never collides with the certificate it replaces; a retried
 * deployment finds its own upload (EntityAlreadyExists), which read_back
 * then checks by the body's serial.
 */
static int s_run(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		 cJSON *state, char **detail, struct aaa_err *err)
{
	struct aws_reply r;
	cJSON *names;
	char *name = iam_cert_name(c->name, c->serial), *arn = NULL, *body = NULL;
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	if (name == NULL)
		goto out;
	/* Deployed already (a retried run): confirm it is still there. */
	arc = s_iam_have(state, name, t->path, c->serial) ? iam_get_body(name, &body, &r) : -2;
	if (arc == 0) {
		arn = str_dup(json_str(state, "arn"));
		if (arn == NULL)
			goto out;
	} else if (arc == -2 || (arc == 1 && aws_error_is(&r.err, "NoSuchEntity"))) {
		aws_reply_free(&r);
		arc = iam_upload(name, t->path, c->cert_pem, c->key_pem, c->chain_pem, &arn, &r);
	} else {
		deploy_fail(err, target, arc, &r, s_perms, P_GET);
		goto out;
	}
	if (arc == 1 && aws_error_is(&r.err, "EntityAlreadyExists")) {
		aws_reply_free(&r);
		arn = s_iam_arn(t->path, name, &r);
		arc = arn ? 0 : 1;
		if (arn == NULL && r.message == NULL)
			r.message = str_printf("IAM %s exists but not under %s", name, t->path);
	}
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_UPLOAD);
		goto out;
	}
	names = cJSON_GetObjectItemCaseSensitive(state, "names");
	if (!cJSON_IsArray(names)) {
		cJSON_DeleteItemFromObjectCaseSensitive(state, "names");
		names = cJSON_AddArrayToObject(state, "names");
	}
	if (names == NULL)
		goto out;
	if (s_order(names, name) < 0)
		cJSON_AddItemToArray(names, cJSON_CreateString(name));
	if (deploy_set(state, "name", name) != 0 || deploy_set(state, "arn", arn) != 0 ||
	    deploy_set(state, "path", t->path) != 0)
		goto out;
	*detail = str_dup(arn);
	rc = *detail ? 0 : -1;
out:
	free(name);
	free(arn);
	free(body);
	return deploy_done(rc, target, &r, err);
}

/* GetServerCertificate: the body under state's name has c's serial. */
static int s_read_back(const char *target, const struct deploy_target *t,
		       const struct deploy_cert *c, cJSON *state, struct aaa_err *err)
{
	struct aws_reply r;
	struct cert_info ci;
	const char *name = json_str(state, "name");
	char *body = NULL;
	int rc = -1, arc;

	(void)t;
	memset(&r, 0, sizeof(r));
	memset(&ci, 0, sizeof(ci));
	arc = iam_get_body(name, &body, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_GET);
		goto out;
	}
	if (cert_info_get(body, strlen(body), &ci, "IAM certificate body") != 0 ||
	    !deploy_serial_equal(ci.serial, c->serial)) {
		err_set(err, "aws", "", "%s: IAM %s holds serial %s, not %s", target, name,
			ci.serial ? ci.serial : "(unreadable)", c->serial);
		goto out;
	}
	log_info("%s: IAM %s holds serial %s", target, json_str(state, "arn"), c->serial);
	rc = 0;
out:
	cert_info_clear(&ci);
	aws_reply_free(&r);
	free(body);
	return rc;
}

static void s_tidy(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		   cJSON *state, char **detail)
{
	struct buf note = BUF_INIT;
	char *d;

	s_iam_prune(target, t, c, json_str(state, "name"),
		    cJSON_GetObjectItemCaseSensitive(state, "names"), &note);
	if (note.data && (d = str_printf("%s%s", *detail, note.data)) != NULL) {
		free(*detail);
		*detail = d;
	}
	buf_free(&note);
}

const struct deploy_ops deploy_iam_ops = {
    DEPLOY_IAM, "iam", "iam[:PATH]", s_parse, s_run, s_read_back, s_tidy, s_perms,
};
