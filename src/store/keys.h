/*
 * Store keys: what a valid key is, and the builders for the layout of
 * README.md ("Storage layout"), relative to the layout root (see store.h):
 *
 *   accounts/<ca-host>/<account>/{account.json,key.pem}
 *   certs/<cert-name>/{meta.json,privkey.pem,cert.pem,chain.pem,fullchain.pem}
 *   certs/<cert-name>/history/<serial>.pem
 *   jobs/<job-id>.json
 *   index.json
 *   fleet/ca-pause.json          the CA asked the fleet to wait (agent/fleet.h)
 *   fleet/cleanup/<job-id>       a job's TXT records may still be published
 *
 * A valid key is a relative path of '/'-separated segments: not empty, at
 * most STORE_KEY_MAX bytes, printable ASCII only (no control characters, no
 * bytes >= 0x80), no backslash, no leading '/', no empty segment ("a//b",
 * trailing '/'), no "." or ".." segment, no segment starting with '.' (those
 * names are reserved for the file backend's temporary and lock files), no
 * segment over STORE_SEGMENT_MAX bytes. So a key can never name anything
 * outside the store root, on disk or in the bucket.
 *
 * Cert names are DNS names (LDH labels of 1..63, at most 253 characters, no
 * trailing dot, as crypto/names.h), stored lower-cased; a wildcard "*.x.com"
 * is stored as "_wildcard_.x.com". '_' never occurs in an accepted DNS name,
 * so the mapping cannot collide with another name and is reversed by
 * store_cert_name_decode.
 *
 * Builders return a new string (caller frees) or NULL after logging an error
 * that names the bad input.
 */
#ifndef AAA_STORE_KEYS_H
#define AAA_STORE_KEYS_H

#include <stddef.h>

#include "util/err.h"

#define STORE_KEY_MAX	  1024
#define STORE_SEGMENT_MAX 255

#define STORE_WILDCARD_LABEL "_wildcard_"

#define STORE_KEY_INDEX	       "index.json"
#define STORE_FILE_ACCOUNT     "account.json"
#define STORE_FILE_ACCOUNT_KEY "key.pem"
#define STORE_FILE_META	       "meta.json"
#define STORE_FILE_PRIVKEY     "privkey.pem"
#define STORE_FILE_CERT	       "cert.pem"
#define STORE_FILE_CHAIN       "chain.pem"
#define STORE_FILE_FULLCHAIN   "fullchain.pem"
#define STORE_DIR_ACCOUNTS     "accounts"
#define STORE_DIR_CERTS	       "certs"
#define STORE_DIR_JOBS	       "jobs"
#define STORE_DIR_HISTORY      "history"
/* What the scheduler lists in one request: the CA's pause and the cleanup
 * markers (its only s3:ListBucket prefix besides index.json). */
#define STORE_DIR_FLEET	   "fleet"
#define STORE_KEY_ARI	   "fleet/ari.json"
#define STORE_KEY_CA_PAUSE "fleet/ca-pause.json"
#define STORE_DIR_CLEANUP  "fleet/cleanup"

/*
 * 0 if key is valid; otherwise -1 and err set (source "input"; err may be
 * NULL), its message naming the key: "store key 'certs/../x' escapes the
 * store root".
 */
int store_key_validate(const char *key, struct aaa_err *err);

/* Like store_key_validate for a list prefix: "" is valid, and so is a valid
 * key followed by one '/'. */
int store_prefix_validate(const char *prefix, struct aaa_err *err);

/* "accounts/<ca-host>/<account>". ca_host is the host[:port] of the ACME
 * directory URL: LDH host name or IPv4 address, lower-cased, with ":port"
 * stored as "_port" ("127.0.0.1:14000" -> "127.0.0.1_14000"). account is
 * 1..64 of A-Z a-z 0-9 . _ - not starting with '.'. */
char *store_key_account_dir(const char *ca_host, const char *account);

/* "certs/<segment>" for a DNS name, see above. */
char *store_key_cert_dir(const char *cert_name);

/* "certs/<segment>/history/<serial>.pem"; serial is 1..64 hex digits
 * (stored lower-cased), as crypto's certificate parser prints it. */
char *store_key_cert_history(const char *cert_name, const char *serial_hex);

/* "jobs/<job-id>.json"; job_id is 1..128 of A-Z a-z 0-9 _ - (a UUID fits). */
char *store_key_job(const char *job_id);

/* "<dir>/<name>", checked as a whole. For the STORE_FILE_* names. */
char *store_key_join(const char *dir, const char *name);

/* The key segment for a cert name ("*.Example.com" -> "_wildcard_.example.com");
 * NULL after logging if the name is not an acceptable DNS name. */
char *store_cert_name_encode(const char *cert_name);

/* The cert name for a key segment (the reverse of the above), e.g. for names
 * found by store_list("certs/"); NULL (logged at debug level only) for a
 * segment that no encode could have produced. */
char *store_cert_name_decode(const char *segment);

#endif
