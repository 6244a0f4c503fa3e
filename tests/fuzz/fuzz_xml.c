/* libFuzzer target: AWS XML answers and errors. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "log/log.h"
#include "xml/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlDoc *d;

	log_configure(LOG_LEVEL_MAX, 0, NULL);
	d = xml_parse((const char *)data, size, "fuzz");
	if (d) {
		xmlNode *r = xml_root(d), *c;

		free(xml_path_text(r, "Error/Code"));
		free(xml_path_text_def(r, "RequestId", ""));
		for (c = xml_child(r, "Contents"); c; c = xml_next(c))
			free(xml_path_text(c, "Key"));
		xmlFreeDoc(d);
	}
	return 0;
}
