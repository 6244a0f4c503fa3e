/*
 * Thin helpers over cJSON: parsing with a size cap and a named input (so
 * errors say *what* was malformed), typed getters that log a clear error,
 * and small builders. Getters return borrowed pointers into the tree.
 */
#ifndef AAA_JSON_JSON_H
#define AAA_JSON_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

#define JSON_MAX_INPUT (8u * 1024u * 1024u)

/* Parses len bytes (need not be NUL-terminated); what names the input in
 * errors ("ACME order", "Lambda event"). what NULL parses quietly (debug log
 * only), for bodies that may legitimately not be JSON, such as an error
 * page. Caller frees with cJSON_Delete. */
cJSON *json_parse(const char *text, size_t len, const char *what);

/* Optional getters: NULL / def when absent or of another type; no error. */
const char *json_str(const cJSON *obj, const char *key);
const cJSON *json_obj(const cJSON *obj, const char *key);
const cJSON *json_arr(const cJSON *obj, const char *key);
long long json_int(const cJSON *obj, const char *key, long long def);
int json_bool(const cJSON *obj, const char *key, int def);
/* The string member of the first of keys (NULL-terminated) that obj has as
 * a string, for answers that spell one member several ways; NULL if none. */
const char *json_str_first(const cJSON *obj, const char *const *keys);

/* Required getters: 0 on success, -1 (and a logged error naming what and
 * key) when the member is missing or of the wrong type. */
int json_get_str(const cJSON *obj, const char *key, const char *what, const char **out);
int json_get_int(const cJSON *obj, const char *key, const char *what, long long *out);
int json_get_bool(const cJSON *obj, const char *key, const char *what, int *out);
int json_get_obj(const cJSON *obj, const char *key, const char *what, const cJSON **out);
int json_get_arr(const cJSON *obj, const char *key, const char *what, const cJSON **out);

/* Compact text; caller frees; NULL on failure. */
char *json_print(const cJSON *item);

/* Wipes every string in the tree (secrets: credentials, tokens), then
 * deletes it; NULL is fine. */
void json_delete_wiped(cJSON *doc);
/* Indented by two spaces, one member per line (for people and jq users);
 * caller frees; NULL on failure. */
char *json_print_pretty(const cJSON *item);
/*
 * The strings of the array arr as borrowed views: *out (caller frees the
 * array, not the strings) and *n; NULL and 0 for an absent or empty array.
 * -1 when an item is not a string (nothing to free then).
 */
int json_str_array_view(const cJSON *arr, const char ***out, size_t *n);
/* Adds a string array member built from items[0..n). 0/-1. */
int json_add_str_array(cJSON *obj, const char *key, const char *const *items, size_t n);
/* Adds a string member only when value is non-NULL. 0/-1. */
int json_add_str_opt(cJSON *obj, const char *key, const char *value);
/*
 * Replaces parent's "error" member with {"source","code","message"} from err
 * (the job document, the executor's answer); AWS's request id and the HTTP
 * status are added as "requestId" and "httpStatus" when known. 0/-1.
 */
int json_add_error(cJSON *parent, const struct aaa_err *err);
/* The version of the cJSON loaded now ("1.7.15"); static storage. */
const char *json_library_version(void);

#endif
