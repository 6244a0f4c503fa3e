#include "json/json.h"

#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

cJSON *json_parse(const char *text, size_t len, const char *what)
{
	const char *end = NULL;
	cJSON *root;
	enum log_level lvl = what ? LOG_ERROR : LOG_DEBUG;

	if (what == NULL)
		what = "JSON";
	if (text == NULL || len == 0) {
		log_msg(lvl, __func__, "%s: empty JSON document", what);
		return NULL;
	}
	if (len > JSON_MAX_INPUT) {
		log_msg(lvl, __func__, "%s: JSON document of %zu bytes is over the %u-byte limit",
			what, len, JSON_MAX_INPUT);
		return NULL;
	}
	/* require_null_terminated=0 with an explicit length: trailing garbage
	 * other than whitespace is still refused below. */
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;

		log_msg(lvl, __func__, "%s: malformed JSON near byte %zu", what, off);
		return NULL;
	}
	while (end && end < text + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (end && end < text + len) {
		log_msg(lvl, __func__, "%s: unexpected data after the JSON document at byte %zu",
			what, (size_t)(end - text));
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

const char *json_str_first(const cJSON *obj, const char *const *keys)
{
	const char *v = NULL;

	for (; v == NULL && *keys; keys++)
		v = json_str(obj, *keys);
	return v;
}

const cJSON *json_obj(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(it) ? it : NULL;
}

const cJSON *json_arr(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(it) ? it : NULL;
}

/* A JSON number that is an exact integer representable as long long. */
static int s_as_int(const cJSON *it, long long *out)
{
	double d;

	if (!cJSON_IsNumber(it))
		return -1;
	d = it->valuedouble;
	/* NaN fails both comparisons; in range, the cast is defined (no libm floor). */
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || (double)(long long)d != d)
		return -1;
	*out = (long long)d;
	return 0;
}

long long json_int(const cJSON *obj, const char *key, long long def)
{
	long long v;

	return s_as_int(cJSON_GetObjectItemCaseSensitive(obj, key), &v) == 0 ? v : def;
}

int json_bool(const cJSON *obj, const char *key, int def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsBool(it) ? cJSON_IsTrue(it) : def;
}

static const char *s_type_name(const cJSON *it)
{
	if (it == NULL)
		return "missing";
	if (cJSON_IsString(it))
		return "a string";
	if (cJSON_IsNumber(it))
		return "a number";
	if (cJSON_IsBool(it))
		return "a boolean";
	if (cJSON_IsNull(it))
		return "null";
	if (cJSON_IsArray(it))
		return "an array";
	if (cJSON_IsObject(it))
		return "an object";
	return "invalid";
}

static int s_type_error(const cJSON *obj, const char *key, const char *what, const char *want)
{
	const cJSON *it = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!cJSON_IsObject(obj))
		log_error("%s: expected a JSON object with \"%s\"", what, key);
	else if (it == NULL)
		log_error("%s: \"%s\" is missing", what, key);
	else
		log_error("%s: \"%s\" must be %s, not %s", what, key, want, s_type_name(it));
	return -1;
}

int json_get_str(const cJSON *obj, const char *key, const char *what, const char **out)
{
	const char *s = cJSON_IsObject(obj) ? json_str(obj, key) : NULL;

	if (s == NULL)
		return s_type_error(obj, key, what, "a string");
	*out = s;
	return 0;
}

int json_get_int(const cJSON *obj, const char *key, const char *what, long long *out)
{
	if (!cJSON_IsObject(obj) || s_as_int(cJSON_GetObjectItemCaseSensitive(obj, key), out) != 0)
		return s_type_error(obj, key, what, "an integer");
	return 0;
}

int json_get_bool(const cJSON *obj, const char *key, const char *what, int *out)
{
	const cJSON *it = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!cJSON_IsBool(it))
		return s_type_error(obj, key, what, "true or false");
	*out = cJSON_IsTrue(it);
	return 0;
}

int json_get_obj(const cJSON *obj, const char *key, const char *what, const cJSON **out)
{
	const cJSON *it = cJSON_IsObject(obj) ? json_obj(obj, key) : NULL;

	if (it == NULL)
		return s_type_error(obj, key, what, "an object");
	*out = it;
	return 0;
}

int json_get_arr(const cJSON *obj, const char *key, const char *what, const cJSON **out)
{
	const cJSON *it = cJSON_IsObject(obj) ? json_arr(obj, key) : NULL;

	if (it == NULL)
		return s_type_error(obj, key, what, "an array");
	*out = it;
	return 0;
}

char *json_print(const cJSON *item)
{
	return item ? cJSON_PrintUnformatted(item) : NULL;
}

int json_str_array_view(const cJSON *arr, const char ***out, size_t *n)
{
	const cJSON *it;
	size_t i = 0;

	*out = NULL;
	*n = (size_t)cJSON_GetArraySize(arr);
	if (*n == 0)
		return 0;
	if ((*out = calloc(*n, sizeof(**out))) == NULL)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it)) {
			free((void *)*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		(*out)[i++] = it->valuestring;
	}
	return 0;
}

int json_add_str_array(cJSON *obj, const char *key, const char *const *items, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);
	size_t i;

	if (arr == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(items[i]);

		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	return 0;
}

int json_add_str_opt(cJSON *obj, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	return cJSON_AddStringToObject(obj, key, value) ? 0 : -1;
}

int json_add_error(cJSON *parent, const struct aaa_err *err)
{
	cJSON *e;

	cJSON_DeleteItemFromObjectCaseSensitive(parent, "error");
	if (!(e = cJSON_AddObjectToObject(parent, "error")) ||
	    !cJSON_AddStringToObject(e, "source", err->source) ||
	    !cJSON_AddStringToObject(e, "code", err->code) ||
	    !cJSON_AddStringToObject(e, "message", err->message))
		return -1;
	if (err->request_id[0] && !cJSON_AddStringToObject(e, "requestId", err->request_id))
		return -1;
	if (err->http_status > 0 && !cJSON_AddNumberToObject(e, "httpStatus", err->http_status))
		return -1;
	return 0;
}

const char *json_library_version(void)
{
	return cJSON_Version();
}

/* Two-space indentation, as the original aaa and jq print: cJSON_Print
 * indents with tabs. Leaves come from cJSON's own printer (escaping). */
static int s_pretty(const cJSON *it, struct buf *b, int depth)
{
	const cJSON *c;
	char *leaf;
	int i, open = cJSON_IsArray(it) ? '[' : '{', close = open == '[' ? ']' : '}';

	if (!cJSON_IsArray(it) && !cJSON_IsObject(it)) {
		if (!(leaf = cJSON_PrintUnformatted(it)))
			return -1;
		buf_append_str(b, leaf);
		free(leaf);
		return 0;
	}
	if (!it->child) {
		char e[3] = {(char)open, (char)close, '\0'};

		return buf_append_str(b, e);
	}
	buf_append(b, (char[]){(char)open, '\n'}, 2);
	for (c = it->child; c; c = c->next) {
		for (i = 0; i <= depth; i++)
			buf_append_str(b, "  ");
		if (cJSON_IsObject(it)) {
			cJSON *k = cJSON_CreateString(c->string ? c->string : "");

			if (!k || !(leaf = cJSON_PrintUnformatted(k))) {
				cJSON_Delete(k);
				return -1;
			}
			buf_append_str(b, leaf);
			buf_append_str(b, ": ");
			free(leaf);
			cJSON_Delete(k);
		}
		if (s_pretty(c, b, depth + 1) != 0)
			return -1;
		buf_append_str(b, c->next ? ",\n" : "\n");
	}
	for (i = 0; i < depth; i++)
		buf_append_str(b, "  ");
	return buf_append(b, (char[]){(char)close}, 1);
}

char *json_print_pretty(const cJSON *item)
{
	struct buf b = BUF_INIT;

	if (!item || s_pretty(item, &b, 0) != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void s_wipe(cJSON *item)
{
	cJSON *it;

	cJSON_ArrayForEach(it, item)
	{
		if (cJSON_IsString(it) && it->valuestring)
			mem_wipe(it->valuestring, strlen(it->valuestring));
		s_wipe(it);
	}
}

void json_delete_wiped(cJSON *doc)
{
	if (!doc)
		return;
	if (cJSON_IsString(doc) && doc->valuestring)
		mem_wipe(doc->valuestring, strlen(doc->valuestring));
	s_wipe(doc);
	cJSON_Delete(doc);
}
