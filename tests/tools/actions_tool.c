/*
 * Prints the AWS action table (src/aws/actions.c) as JSON on stdout, for
 * tests/integration/test_iam.py, which compares it with the IAM policies in
 * template.yaml and deploy/policies/ and with the operations the clients in
 * src/aws/ name. Exit 0, or 1 when the JSON cannot be built.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "aws/actions.h"

int main(void)
{
	cJSON *table = NULL;
	char *text = NULL;
	int rc = 1;

	table = aws_actions_json();
	if (table == NULL)
		goto out;
	text = cJSON_Print(table);
	if (text == NULL)
		goto out;
	if (puts(text) < 0 || fflush(stdout) != 0)
		goto out;
	rc = 0;
out:
	free(text);
	cJSON_Delete(table);
	return rc;
}
