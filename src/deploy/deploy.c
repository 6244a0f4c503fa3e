/*
 * deploy_run: one target, in place, confirmed by reading it back. The
 * state object carries what a renewal must reuse (the ACM ARN, the IAM
 * names we made); it is updated as soon as AWS created something, so a
 * later failure never loses an ARN. See deploy.h.
 */
#define _GNU_SOURCE
#include "deploy/deploy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/acm.h"
#include "aws/client.h"
#include "aws/cloudfront.h"
#include "aws/elb.h"
#include "aws/elbv2.h"
#include "aws/iam.h"
#include "crypto/x509.h"
#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

/* Sets (or replaces) a string member. 0/-1. */
static int s_set(cJSON *o, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value ? value : "");

	if (v == NULL)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(o, key, v) ? 0 : -1;
	return cJSON_AddItemToObject(o, key, v) ? 0 : -1;
}

/* The member object key of o, created when absent (or not an object). */
static cJSON *s_sub(cJSON *o, const char *key)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsObject(s))
		return s;
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	return cJSON_AddObjectToObject(o, key);
}

/* *err from a failed call: AWS's code picks the hint only for an AWS answer. */
static void s_fail(char **err, const char *target, int rc, const struct aws_reply *r,
		   const char *permission)
{
	free(*err);
	*err = deploy_error_line(target, r->message, rc == 1 ? r->err.code : NULL, permission);
}

/* ACM tag values allow letters, digits, spaces and _.:/=+-@ only. */
static char *s_tag_value(const char *name)
{
	char *v = str_dup(name), *p;

	for (p = v; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.:/=+-@ ", *p)))
			*p = '_';
	return v;
}

/*
 * Imports c into ACM in region (NULL: the configured one), re-importing to
 * the ARN st remembers for that region, and confirms the serial with
 * DescribeCertificate. An ARN that ACM no longer knows (deleted by hand)
 * is replaced by a fresh import, with a warning. *arn borrowed from st.
 */
static int s_acm_ensure(const char *target, const char *region, const struct deploy_cert *c,
			cJSON *st, const char **arn, char **err)
{
	struct aws_reply r;
	struct acm_cert d;
	struct acm_tag tags[2];
	const char *old = json_str(st, "arn"), *old_region = json_str(st, "region");
	const char *old_kt = json_str(st, "key_type");
	const char *where = region;
	char *got = NULL, *tagname = s_tag_value(c->name);
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	*arn = NULL;
	if (where == NULL && (aws_client_region(&where) != 0 || where == NULL)) {
		*err = str_printf("%s: no AWS region configured for ACM (set AWS_REGION)", target);
		goto out;
	}
	if (old && old_region && strcmp(old_region, where) != 0)
		old = NULL; /* remembered for another region: a new import here */
	if (old && old_kt && c->key_type && strcmp(old_kt, c->key_type) != 0) {
		/* ACM: "The key type and size cannot be changed" on a re-import. */
		log_warn("%s: key type changed from %s to %s, which ACM cannot re-import: a new "
			 "certificate replaces %s (whatever else uses that ARN keeps the old one)",
			 target, old_kt, c->key_type, old);
		old = NULL;
	}
	tags[0].key = "aaa:managed-by";
	tags[0].value = "aaa";
	tags[1].key = "aaa:name";
	tags[1].value = tagname ? tagname : "";
	arc = acm_import(where, old, c->cert_pem, c->key_pem, c->chain_pem, tags, 2, &got, &r);
	if (arc == 1 && old &&
	    (aws_error_is(&r.err, "ResourceNotFoundException") ||
	     aws_error_is(&r.err, "CertificateNotFound"))) {
		log_warn("%s: ACM certificate %s is gone; importing a new one", target, old);
		aws_reply_free(&r);
		arc = acm_import(where, NULL, c->cert_pem, c->key_pem, c->chain_pem, tags, 2, &got,
				 &r);
	}
	if (arc != 0) {
		s_fail(err, target, arc, &r, "acm:ImportCertificate and acm:AddTagsToCertificate");
		goto out;
	}
	if (s_set(st, "arn", got) != 0 || s_set(st, "region", where) != 0 ||
	    (c->key_type && s_set(st, "key_type", c->key_type) != 0))
		goto out;
	aws_reply_free(&r);
	arc = acm_describe(where, got, &d, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "acm:DescribeCertificate");
		goto out;
	}
	if (!deploy_serial_equal(d.serial, c->serial)) {
		*err = str_printf("%s: ACM %s shows serial %s after the import, not %s; run the "
				  "deployment again",
				  target, got, d.serial ? d.serial : "(none)", c->serial);
		goto out;
	}
	if (s_set(st, "serial", c->serial) != 0)
		goto out;
	log_info("%s: ACM %s holds serial %s", target, got, c->serial);
	*arn = json_str(st, "arn");
	rc = 0;
out:
	if (rc != 0 && *err == NULL)
		*err = str_printf("%s: out of memory", target);
	acm_cert_clear(&d);
	aws_reply_free(&r);
	free(got);
	free(tagname);
	return rc;
}

static int s_run_acm(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		     cJSON *state, char **detail, char **err)
{
	const char *arn;

	if (s_acm_ensure(target, t->region, c, state, &arn, err) != 0)
		return -1;
	*detail = str_dup(arn);
	return *detail ? 0 : -1;
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
 * deployment finds its own upload (EntityAlreadyExists) and goes on after
 * checking the body's serial.
 */
static int s_run_iam(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		     cJSON *state, char **detail, char **err)
{
	struct aws_reply r;
	struct cert_info ci;
	struct buf note = BUF_INIT;
	cJSON *names;
	char *name = iam_cert_name(c->name, c->serial), *arn = NULL, *body = NULL;
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	memset(&ci, 0, sizeof(ci));
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
		s_fail(err, target, arc, &r, "iam:GetServerCertificate");
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
		s_fail(err, target, arc, &r, "iam:UploadServerCertificate");
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
	if (s_set(state, "name", name) != 0 || s_set(state, "arn", arn) != 0 ||
	    s_set(state, "path", t->path) != 0)
		goto out;
	aws_reply_free(&r);
	arc = body ? 0 : iam_get_body(name, &body, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "iam:GetServerCertificate");
		goto out;
	}
	if (cert_info_get(body, strlen(body), &ci, "IAM certificate body") != 0 ||
	    !deploy_serial_equal(ci.serial, c->serial)) {
		*err = str_printf("%s: IAM %s holds serial %s, not %s", target, name,
				  ci.serial ? ci.serial : "(unreadable)", c->serial);
		goto out;
	}
	if (s_set(state, "serial", c->serial) != 0)
		goto out;
	log_info("%s: IAM %s holds serial %s", target, arn, c->serial);
	s_iam_prune(target, t, c, name, names, &note);
	*detail = str_printf("%s%s", arn, note.data ? note.data : "");
	rc = *detail ? 0 : -1;
out:
	if (rc != 0 && *err == NULL)
		*err = str_printf("%s: out of memory", target);
	cert_info_clear(&ci);
	aws_reply_free(&r);
	buf_free(&note);
	free(name);
	free(arn);
	free(body);
	return rc;
}

static int s_run_elb(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		     cJSON *state, char **detail, char **err)
{
	struct aws_reply r;
	struct elb_listener_list l = {NULL, 0};
	cJSON *acm = s_sub(state, "acm");
	const char *arn = NULL;
	size_t i;
	int rc = -1, arc, found = 0;

	memset(&r, 0, sizeof(r));
	/* The listener first: a wrong name or port costs no ACM import. */
	arc = elb_describe_listeners(t->name, &l, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "elasticloadbalancing:DescribeLoadBalancers");
		goto out;
	}
	for (i = 0; i < l.n; i++)
		if (l.items[i].port == t->port && (strcasecmp(l.items[i].protocol, "HTTPS") == 0 ||
						   strcasecmp(l.items[i].protocol, "SSL") == 0))
			found = 1;
	if (!found) {
		*err = str_printf("%s: load balancer %s has no HTTPS or SSL listener on port %u; "
				  "check the target (elb:NAME[:PORT]); nothing was changed",
				  target, t->name, t->port);
		goto out;
	}
	found = 0;
	elb_listener_list_clear(&l);
	aws_reply_free(&r);
	if (acm == NULL || s_acm_ensure(target, NULL, c, acm, &arn, err) != 0)
		goto out;
	arc = elb_set_listener_cert(t->name, t->port, arn, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r,
		       "elasticloadbalancing:SetLoadBalancerListenerSSLCertificate");
		goto out;
	}
	aws_reply_free(&r);
	arc = elb_describe_listeners(t->name, &l, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "elasticloadbalancing:DescribeLoadBalancers");
		goto out;
	}
	for (i = 0; i < l.n; i++)
		if (l.items[i].port == t->port && l.items[i].cert_id &&
		    strcmp(l.items[i].cert_id, arn) == 0)
			found = 1;
	if (!found) {
		*err = str_printf("%s: load balancer %s port %u does not show %s after the switch; "
				  "check that the listener is HTTPS or SSL",
				  target, t->name, t->port, arn);
		goto out;
	}
	if (s_set(state, "cert_arn", arn) != 0 || s_set(state, "serial", c->serial) != 0)
		goto out;
	*detail = str_printf("load balancer %s port %u: %s", t->name, t->port, arn);
	rc = *detail ? 0 : -1;
out:
	if (rc != 0 && *err == NULL)
		*err = str_printf("%s: out of memory", target);
	aws_reply_free(&r);
	elb_listener_list_clear(&l);
	return rc;
}

/* 1 when the listener's certificate list holds arn (as SNI when sni). */
static int s_listed(const struct elbv2_cert_list *l, const char *arn)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].arn, arn) == 0)
			return 1;
	return 0;
}

/*
 * Default: ModifyListener replaces the default certificate. SNI: add ours,
 * then remove the one of ours this target added before (when its ARN
 * differs: an ACM re-import keeps the ARN, so usually nothing is removed);
 * never a certificate we did not add, never the default.
 */
static int s_run_elbv2(const char *target, const struct deploy_target *t,
		       const struct deploy_cert *c, cJSON *state, char **detail, char **err)
{
	struct aws_reply r;
	struct elbv2_cert_list l = {NULL, 0};
	cJSON *acm = s_sub(state, "acm");
	const char *arn = NULL, *prev;
	char *def = NULL, *prev_copy = NULL;
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	prev = json_str(state, "cert_arn");
	prev_copy = prev ? str_dup(prev) : NULL;
	/* The listener first: a wrong ARN costs no ACM import. */
	arc = elbv2_default_cert(t->region, t->listener, &def, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "elasticloadbalancing:DescribeListeners");
		goto out;
	}
	free(def);
	def = NULL;
	aws_reply_free(&r);
	if (acm == NULL || s_acm_ensure(target, t->region, c, acm, &arn, err) != 0)
		goto out;
	if (!t->sni) {
		arc = elbv2_set_default_cert(t->region, t->listener, arn, &r);
		if (arc != 0) {
			s_fail(err, target, arc, &r, "elasticloadbalancing:ModifyListener");
			goto out;
		}
		aws_reply_free(&r);
		arc = elbv2_default_cert(t->region, t->listener, &def, &r);
		if (arc != 0) {
			s_fail(err, target, arc, &r, "elasticloadbalancing:DescribeListeners");
			goto out;
		}
		if (def == NULL || strcmp(def, arn) != 0) {
			*err = str_printf("%s: the listener's default certificate is %s, not %s",
					  target, def ? def : "(none)", arn);
			goto out;
		}
		*detail = str_printf("listener %s: default certificate %s", t->listener, arn);
	} else {
		arc = elbv2_add_cert(t->region, t->listener, arn, &r);
		if (arc != 0) {
			s_fail(err, target, arc, &r,
			       "elasticloadbalancing:AddListenerCertificates");
			goto out;
		}
		if (s_set(state, "cert_arn", arn) != 0)
			goto out;
		if (prev_copy && strcmp(prev_copy, arn) != 0) {
			aws_reply_free(&r);
			arc = elbv2_remove_cert(t->region, t->listener, prev_copy, &r);
			if (arc != 0) {
				s_fail(err, target, arc, &r,
				       "elasticloadbalancing:RemoveListenerCertificates");
				goto out;
			}
			log_info("%s: removed our previous SNI certificate %s", target, prev_copy);
		}
		aws_reply_free(&r);
		arc = elbv2_list_certs(t->region, t->listener, &l, &r);
		if (arc != 0) {
			s_fail(err, target, arc, &r,
			       "elasticloadbalancing:DescribeListenerCertificates");
			goto out;
		}
		if (!s_listed(&l, arn) ||
		    (prev_copy && strcmp(prev_copy, arn) != 0 && s_listed(&l, prev_copy))) {
			*err = str_printf("%s: the listener's certificates do not show %s in place "
					  "of our previous one",
					  target, arn);
			goto out;
		}
		*detail = str_printf("listener %s: SNI certificate %s", t->listener, arn);
	}
	if (*detail == NULL || s_set(state, "cert_arn", arn) != 0 ||
	    s_set(state, "serial", c->serial) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0 && *err == NULL)
		*err = str_printf("%s: out of memory", target);
	if (rc != 0) {
		free(*detail);
		*detail = NULL;
	}
	aws_reply_free(&r);
	elbv2_cert_list_clear(&l);
	free(def);
	free(prev_copy);
	return rc;
}

static int s_run_cloudfront(const char *target, const struct deploy_target *t,
			    const struct deploy_cert *c, cJSON *state, char **detail, char **err)
{
	struct aws_reply r;
	cJSON *acm;
	xmlDoc *doc = NULL;
	const char *arn = NULL, *why = NULL;
	char *etag = NULL, *now = NULL;
	unsigned attempts = 0;
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	if (!cloudfront_key_type_ok(c->key_type, &why)) {
		*err = str_printf("%s: key type %s refused: %s", target,
				  c->key_type ? c->key_type : "(unknown)", why);
		goto out;
	}
	/* The distribution first: a wrong id costs no ACM import. */
	arc = cloudfront_get_config(t->dist_id, &doc, &etag, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "cloudfront:GetDistributionConfig");
		goto out;
	}
	xmlFreeDoc(doc);
	doc = NULL;
	free(etag);
	etag = NULL;
	aws_reply_free(&r);
	acm = s_sub(state, "acm");
	if (acm == NULL || s_acm_ensure(target, t->region, c, acm, &arn, err) != 0)
		goto out;
	arc = cloudfront_set_acm_certificate(t->dist_id, arn, &attempts, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r,
		       "cloudfront:GetDistributionConfig and cloudfront:UpdateDistribution");
		goto out;
	}
	aws_reply_free(&r);
	arc = cloudfront_get_config(t->dist_id, &doc, &etag, &r);
	if (arc != 0) {
		s_fail(err, target, arc, &r, "cloudfront:GetDistributionConfig");
		goto out;
	}
	now = cloudfront_viewer_acm(doc);
	if (now == NULL || strcmp(now, arn) != 0) {
		*err = str_printf("%s: the distribution's viewer certificate is %s, not %s", target,
				  now ? now : "(none)", arn);
		goto out;
	}
	if (s_set(state, "cert_arn", arn) != 0 || s_set(state, "serial", c->serial) != 0)
		goto out;
	*detail = str_printf("distribution %s: %s%s", t->dist_id, arn,
			     attempts > 1 ? " (retried after a concurrent change)" : "");
	rc = *detail ? 0 : -1;
out:
	if (rc != 0 && *err == NULL)
		*err = str_printf("%s: out of memory", target);
	aws_reply_free(&r);
	if (doc)
		xmlFreeDoc(doc);
	free(etag);
	free(now);
	return rc;
}

int deploy_run(const char *target, const struct deploy_cert *c, cJSON *state, char **detail,
	       char **err)
{
	struct deploy_target t;
	int rc = -1;

	*detail = NULL;
	*err = NULL;
	memset(&t, 0, sizeof(t));
	if (deploy_target_parse(target, &t, err) != 0)
		goto out;
	if (c == NULL || c->name == NULL || c->cert_pem == NULL || c->key_pem == NULL ||
	    c->serial == NULL || !cJSON_IsObject(state)) {
		*err = str_printf("%s: nothing to deploy (certificate, key, serial or state "
				  "missing)",
				  target);
		goto out;
	}
	switch (t.kind) {
	case DEPLOY_ACM:
		rc = s_run_acm(target, &t, c, state, detail, err);
		break;
	case DEPLOY_IAM:
		rc = s_run_iam(target, &t, c, state, detail, err);
		break;
	case DEPLOY_ELB:
		rc = s_run_elb(target, &t, c, state, detail, err);
		break;
	case DEPLOY_ELBV2:
		rc = s_run_elbv2(target, &t, c, state, detail, err);
		break;
	case DEPLOY_CLOUDFRONT:
		rc = s_run_cloudfront(target, &t, c, state, detail, err);
		break;
	default:
		break;
	}
	if (rc == 0)
		log_info("%s: deployed serial %s (%s)", target, c->serial, *detail);
	else /* *err goes to the caller, who reports it (once) */
		log_debug("%s", *err ? *err : "deployment failed");
out:
	if (rc != 0) {
		free(*detail);
		*detail = NULL;
		if (*err == NULL)
			*err = str_printf("%s: deployment failed", target);
	}
	deploy_target_clear(&t);
	return rc;
}
