/*
 * Test program for the S3 client and the s3:// store backend, so pytest
 * can drive them against the local stack (moto behind the verifying
 * proxy). The KMS key comes from AAA_S3_KMS_KEY, as for aaa itself.
 *
 *   aws_tool store-put     URL KEY FILE        {"result","etag"}
 *   aws_tool store-create  URL KEY FILE        {"result","etag"}
 *   aws_tool store-replace URL KEY ETAG FILE   {"result","etag"}
 *   aws_tool store-get     URL KEY [OUTFILE]   {"result","etag","len","data"(text only)}
 *   aws_tool store-list    URL PREFIX          {"result","keys":[...]}
 *   aws_tool store-delete  URL KEY             {"result"}
 *   aws_tool index-put URL NAME FILE|-         {"result"} one index change, as a
 *                                              completing executor records it
 *                                              (FILE: the entry; -: a removal)
 *   aws_tool index-fold URL                    {"result","certs","changes","applied",
 *                                              "fold"} a scheduler pass's read + fold
 *   aws_tool s3-list BUCKET PREFIX MAXKEYS     {"keys","pages","connections"}
 *   aws_tool s3-get BUCKET KEY                 {"status","code","message","attempts"}
 * Exit 0 ok, 3 not found, 4 conflict, 1 error (the log line on stderr),
 * 2 usage.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "store/index.h"
#include "store/store.h"
#include "util/mem.h"

static char *s_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n + 1);
		if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		} else if (d) {
			*len = (size_t)n;
		}
	}
	fclose(f);
	return d;
}

static int s_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	return s ? 0 : -1;
}

static int s_exit(int src)
{
	return src == STORE_OK ? 0 : src == STORE_NOT_FOUND ? 3 : src == STORE_CONFLICT ? 4 : 1;
}

static int s_add_key(void *ctx, const char *key)
{
	cJSON_AddItemToArray(ctx, cJSON_CreateString(key));
	return 0;
}

static int s_store(int argc, char **argv)
{
	struct store_options opts = {getenv("AAA_S3_KMS_KEY")};
	struct store *st = NULL;
	struct store_object obj = {NULL, 0, NULL};
	struct store_keys keys = {NULL, 0, 0};
	char *data = NULL, *etag = NULL;
	const char *cmd = argv[1];
	size_t len = 0, i;
	cJSON *o = cJSON_CreateObject(), *arr;
	int src = STORE_ERROR, rc = 2;

	if (argc < 4)
		goto out;
	if ((strcmp(cmd, "store-put") == 0 || strcmp(cmd, "store-create") == 0) && argc == 5)
		data = s_read(argv[4], &len);
	else if (strcmp(cmd, "store-replace") == 0 && argc == 6)
		data = s_read(argv[5], &len);
	else if (strcmp(cmd, "store-get") != 0 && strcmp(cmd, "store-list") != 0 &&
		 strcmp(cmd, "store-delete") != 0)
		goto out;
	rc = 1;
	st = store_open(argv[2], &opts);
	if (st == NULL)
		goto out;
	if (strcmp(cmd, "store-put") == 0 && data)
		src = store_put(st, argv[3], data, len, 0, &etag);
	else if (strcmp(cmd, "store-create") == 0 && data)
		src = store_create(st, argv[3], data, len, 0, &etag);
	else if (strcmp(cmd, "store-replace") == 0 && data)
		src = store_replace(st, argv[3], argv[4], data, len, 0, &etag);
	else if (strcmp(cmd, "store-delete") == 0)
		src = store_delete(st, argv[3]);
	else if (strcmp(cmd, "store-get") == 0) {
		src = store_get(st, argv[3], &obj);
		if (src == STORE_OK) {
			cJSON_AddStringToObject(o, "etag", obj.etag);
			cJSON_AddNumberToObject(o, "len", (double)obj.len);
			if (strlen(obj.data) == obj.len)
				cJSON_AddStringToObject(o, "data", obj.data);
			if (argc > 4) {
				FILE *f = fopen(argv[4], "wb");

				if (f == NULL || fwrite(obj.data, 1, obj.len, f) != obj.len)
					src = STORE_ERROR;
				if (f)
					fclose(f);
			}
		}
	} else if (strcmp(cmd, "store-list") == 0) {
		src = store_list(st, argv[3], &keys);
		arr = cJSON_AddArrayToObject(o, "keys");
		for (i = 0; i < keys.n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(keys.keys[i]));
	} else {
		fprintf(stderr, "aws_tool: cannot read the input file\n");
	}
	if (etag)
		cJSON_AddStringToObject(o, "etag", etag);
	cJSON_AddStringToObject(o, "result", store_result_name(src));
	rc = s_exit(src);
out:
	if (rc == 2) {
		cJSON_Delete(o);
		o = NULL;
	}
	if (o)
		s_print(o);
	store_object_free(&obj);
	store_keys_free(&keys);
	store_close(st);
	free(data);
	free(etag);
	return rc;
}

static int s_s3(int argc, char **argv)
{
	struct aws_reply r;
	cJSON *o = cJSON_CreateObject(), *arr;
	unsigned pages = 0;
	int arc;

	memset(&r, 0, sizeof(r));
	if (strcmp(argv[1], "s3-list") == 0 && argc == 5) {
		arr = cJSON_AddArrayToObject(o, "keys");
		arc = s3_list_objects(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10),
				      s_add_key, arr, &pages, &r);
		cJSON_AddNumberToObject(o, "pages", pages);
		cJSON_AddNumberToObject(o, "connections", (double)http_connections_opened());
	} else if (strcmp(argv[1], "s3-get") == 0 && argc == 4) {
		arc = s3_get_object(argv[2], argv[3], &r);
	} else {
		cJSON_Delete(o);
		return 2;
	}
	cJSON_AddNumberToObject(o, "status", (double)r.resp.status);
	cJSON_AddNumberToObject(o, "attempts", r.attempts);
	if (r.err.code)
		cJSON_AddStringToObject(o, "code", r.err.code);
	if (r.message) {
		cJSON_AddStringToObject(o, "message", r.message);
		log_error("%s", r.message);
	}
	s_print(o);
	aws_reply_free(&r);
	return arc == 0 ? 0 : 1;
}

/* The index as its writers and the scheduler use it (store/index.h). */
static int s_index(int argc, char **argv)
{
	struct store_options opts = {getenv("AAA_S3_KMS_KEY")};
	struct index_view v = {0};
	struct store *st = NULL;
	cJSON *entry = NULL, *o = cJSON_CreateObject();
	char *data = NULL;
	size_t len = 0;
	int src = STORE_ERROR, fold = STORE_ERROR, rc = 2;

	if (strcmp(argv[1], "index-put") == 0 && argc == 5) {
		if (strcmp(argv[4], "-") != 0 && (!(data = s_read(argv[4], &len)) ||
						  !(entry = json_parse(data, len, argv[4])))) {
			fprintf(stderr, "aws_tool: %s is not a JSON entry\n", argv[4]);
			rc = 1;
			goto out;
		}
	} else if (strcmp(argv[1], "index-fold") != 0 || argc != 3) {
		goto out;
	}
	rc = 1;
	if (!(st = store_open(argv[2], &opts)))
		goto out;
	if (strcmp(argv[1], "index-put") == 0) {
		src = index_put(st, argv[3], entry, NULL);
	} else {
		src = index_read(st, &v, NULL);
		if (src == STORE_OK)
			fold = index_fold(st, &v, time(NULL), NULL);
		cJSON_AddNumberToObject(o, "certs",
					(double)cJSON_GetArraySize(json_obj(v.doc, "certs")));
		cJSON_AddNumberToObject(o, "changes", (double)v.deltas.n);
		cJSON_AddNumberToObject(o, "applied", (double)v.applied);
		cJSON_AddStringToObject(o, "fold", store_result_name(fold));
	}
	cJSON_AddStringToObject(o, "result", store_result_name(src));
	rc = s_exit(src);
out:
	if (rc != 2)
		s_print(o);
	else
		cJSON_Delete(o);
	index_view_free(&v);
	cJSON_Delete(entry);
	free(data);
	store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 2;

	log_init_from_env();
	if (http_init() != 0)
		return 1;
	if (argc >= 2 && strncmp(argv[1], "store-", 6) == 0)
		rc = s_store(argc, argv);
	else if (argc >= 2 && strncmp(argv[1], "s3-", 3) == 0)
		rc = s_s3(argc, argv);
	else if (argc >= 2 && strncmp(argv[1], "index-", 6) == 0)
		rc = s_index(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: aws_tool store-put|store-create URL KEY FILE | "
				"store-replace URL KEY ETAG FILE | store-get URL KEY [OUT] | "
				"store-list URL PREFIX | store-delete URL KEY | "
				"s3-list BUCKET PREFIX MAXKEYS | s3-get BUCKET KEY | "
				"index-put URL NAME FILE|- | index-fold URL\n");
	aws_client_cleanup();
	http_cleanup();
	return rc;
}
