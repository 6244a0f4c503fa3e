#include "xml/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "log/log.h"
#include "util/mem.h"

/* libxml2 prints parse errors to stderr by default; we report our own. */
static void s_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

xmlDoc *xml_parse(const char *text, size_t len, const char *what)
{
	enum log_level lvl = what ? LOG_ERROR : LOG_DEBUG;
	xmlDoc *doc;

	if (what == NULL)
		what = "XML";
	if (text == NULL || len == 0) {
		log_msg(lvl, __func__, "%s: empty XML document", what);
		return NULL;
	}
	if (len > XML_MAX_INPUT) {
		log_msg(lvl, __func__, "%s: XML document of %zu bytes is over the %u-byte limit",
			what, len, XML_MAX_INPUT);
		return NULL;
	}
	xmlSetGenericErrorFunc(NULL, s_quiet);
	/* No DTD loading, no entity substitution, no network, no huge trees. */
	doc = xmlReadMemory(text, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_NOBLANKS);
	if (doc == NULL) {
		const xmlError *err = xmlGetLastError();

		log_msg(lvl, __func__, "%s: malformed XML%s%s", what,
			err && err->message ? ": " : "", err && err->message ? err->message : "");
		xmlResetLastError();
		return NULL;
	}
	if (xmlDocGetRootElement(doc) == NULL) {
		log_msg(lvl, __func__, "%s: XML document has no root element", what);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

xmlNode *xml_root(xmlDoc *doc)
{
	return doc ? xmlDocGetRootElement(doc) : NULL;
}

static int s_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

xmlNode *xml_child(const xmlNode *parent, const char *name)
{
	xmlNode *n;

	if (parent == NULL)
		return NULL;
	for (n = parent->children; n; n = n->next)
		if (s_is(n, name))
			return n;
	return NULL;
}

xmlNode *xml_next(const xmlNode *node)
{
	xmlNode *n;

	if (node == NULL)
		return NULL;
	for (n = node->next; n; n = n->next)
		if (s_is(n, (const char *)node->name))
			return n;
	return NULL;
}

xmlNode *xml_path(const xmlNode *parent, const char *path)
{
	const xmlNode *cur = parent;
	char step[128];

	while (cur && *path) {
		size_t n = strcspn(path, "/");

		if (n == 0 || n >= sizeof(step))
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		cur = xml_child(cur, step);
		path += n;
		if (*path == '/')
			path++;
	}
	return (xmlNode *)cur;
}

char *xml_path_text(const xmlNode *parent, const char *path)
{
	xmlNode *n = xml_path(parent, path);
	xmlChar *t;
	char *out;

	if (n == NULL)
		return NULL;
	t = xmlNodeGetContent(n);
	out = str_dup(t ? (const char *)t : "");
	xmlFree(t);
	return out;
}

char *xml_path_text_def(const xmlNode *parent, const char *path, const char *def)
{
	char *t = xml_path_text(parent, path);

	return t ? t : str_dup(def);
}

char *xml_path_text_first(const xmlNode *parent, const char *const *paths)
{
	char *t = NULL;

	for (; t == NULL && *paths; paths++)
		t = xml_path_text(parent, *paths);
	return t;
}

xmlDoc *xml_new_doc(const char *root, const char *ns, xmlNode **root_out)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *r;

	if (doc == NULL)
		return NULL;
	r = xmlNewNode(NULL, BAD_CAST root);
	if (r == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, r);
	if (ns && xmlNewNs(r, BAD_CAST ns, NULL) == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	if (ns)
		xmlSetNs(r, r->nsDef);
	*root_out = r;
	return doc;
}

xmlNode *xml_add(xmlNode *parent, const char *name, const char *text)
{
	/* xmlNewTextChild escapes text; xmlNewChild would not. */
	return xmlNewTextChild(parent, parent->ns, BAD_CAST name, BAD_CAST text);
}

char *xml_to_string(xmlDoc *doc, size_t *len)
{
	xmlChar *mem = NULL;
	int n = 0;
	char *out;

	xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
	if (mem == NULL)
		return NULL;
	out = str_ndup((const char *)mem, (size_t)n);
	xmlFree(mem);
	if (out && len)
		*len = (size_t)n;
	return out;
}

char *xml_finish(xmlDoc *doc, int built, size_t *len)
{
	char *out = built && doc ? xml_to_string(doc, len) : NULL;

	if (doc)
		xmlFreeDoc(doc);
	return out;
}

/* libxml2 gives its version as digits, "20914" for 2.9.14. */
const char *xml_library_version(void)
{
	static char v[32];
	long n = strtol(xmlParserVersion, NULL, 10);

	snprintf(v, sizeof(v), "%ld.%ld.%ld", n / 10000, n / 100 % 100, n % 100);
	return v;
}
