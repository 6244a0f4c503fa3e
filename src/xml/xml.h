/*
 * Thin helpers over libxml2 for AWS's XML APIs (S3, Route53, IAM, ELB,
 * CloudFront). Parsing never loads DTDs or external entities and never
 * touches the network. Lookups match element local names and ignore
 * namespaces, because AWS responses carry a default namespace that callers
 * should not need to spell.
 */
#ifndef AAA_XML_XML_H
#define AAA_XML_XML_H

#include <stddef.h>

#include <libxml/tree.h>

#define XML_MAX_INPUT (8u * 1024u * 1024u)

/* Parses len bytes; what names the input in errors; what NULL parses quietly
 * (debug log only). Caller frees with xmlFreeDoc. */
xmlDoc *xml_parse(const char *text, size_t len, const char *what);
/* The root element, or NULL. Borrowed. */
xmlNode *xml_root(xmlDoc *doc);
/* First child element of parent with this local name; borrowed; NULL if none. */
xmlNode *xml_child(const xmlNode *parent, const char *name);
/* Next sibling element with the same local name as node; borrowed. */
xmlNode *xml_next(const xmlNode *node);
/* Follows a path of local names separated by '/' from parent ("Error/Code").
 * Borrowed; NULL if any step is missing. */
xmlNode *xml_path(const xmlNode *parent, const char *path);
/* Text content of the element at path (caller frees); NULL if absent. */
char *xml_path_text(const xmlNode *parent, const char *path);
/* Same, returning def (copied) when absent. */
char *xml_path_text_def(const xmlNode *parent, const char *path, const char *def);

/* Text content at the first of paths (NULL-terminated) that is present under
 * parent, for answers that spell one element several ways (caller frees);
 * NULL if none. */
char *xml_path_text_first(const xmlNode *parent, const char *const *paths);

/* Builders for request bodies: a document with a root element in ns (may be NULL). */
xmlDoc *xml_new_doc(const char *root, const char *ns, xmlNode **root_out);
/* Adds <name>text</name> under parent (text escaped by libxml2); NULL on failure. */
xmlNode *xml_add(xmlNode *parent, const char *name, const char *text);
/* Serialises doc with the XML declaration; caller frees; NULL on failure. */
char *xml_to_string(xmlDoc *doc, size_t *len);
/* A request body's end: xml_to_string(doc) when built is set, then doc
 * freed (NULL is fine). NULL when not built or on failure. */
char *xml_finish(xmlDoc *doc, int built, size_t *len);
/* The version of the libxml2 loaded now ("2.9.14"); static storage. */
const char *xml_library_version(void);

#endif
