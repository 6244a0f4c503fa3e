/*
 * The file://DIR store backend: the bucket layout under DIR on this host.
 *
 * - Objects are files DIR/<physical key> (DIR/aaa-data/v1/...), mode 0600;
 *   directories it creates (DIR too, when missing) are 0700, whatever the
 *   umask. Existing directories keep their mode.
 * - Every write is atomic: a temporary file ".aaa-tmp-<random>" is created in
 *   the object's directory with O_EXCL|O_NOFOLLOW, written, fsync'ed, then
 *   renamed (put, replace) or hard-linked (create) into place, and the
 *   directory is fsync'ed. A temporary file is removed on every failure path.
 * - Conditional writes are atomic across processes: every write and delete
 *   holds flock() on the directory's lock file ".aaa-lock" (created 0600,
 *   never removed, one per directory rather than per key so deleting objects
 *   leaves no lock files behind). Under it, create links the temporary file
 *   to the key (link() fails if anything is there) and replace compares the
 *   current content's ETag before renaming. Readers take no lock: rename
 *   gives them the old or the new file. (flock works across processes on
 *   local file systems; on NFS Linux emulates it with byte-range locks.)
 * - ETag: the lower-case hex SHA-256 of the content, so a replace compares
 *   content (an A->B->A change is not seen; the job records always change).
 * - No symbolic link below DIR is ever followed: every path is walked one
 *   segment at a time with openat(O_NOFOLLOW) from DIR, so a link planted
 *   inside the tree cannot redirect a read or a write outside it (a link is
 *   reported as an error; listings skip links). This is stronger than a
 *   realpath() check, which races with the link being swapped. DIR itself
 *   may be a link: it is the user's choice of location. Writes never modify
 *   a file in place, so a hard link to an outside file is never written.
 * - Names starting with '.' are the backend's own (keys cannot have them)
 *   and are never listed.
 * - A key and a "directory" key prefix cannot coexist as on S3 ("a" and
 *   "a/b"); the layout never needs it, and such a write fails clearly.
 * - Objects are at most 64 MiB.
 */
#ifndef AAA_STORE_STORE_FILE_H
#define AAA_STORE_STORE_FILE_H

#include "store/store_backend.h"

#define STORE_FILE_OBJECT_MAX (64u * 1024u * 1024u)

extern const struct store_backend_ops store_file_ops;

#endif
