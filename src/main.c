/* aaa — ACME Agent for AWS. The CLI and the Lambda runtime share this entry. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
