/*
 * aaa doctor: the checks of agent/doctor.c, printed as text or JSON.
 */
#include <stdio.h>

#include "cli/commands.h"

int cmd_doctor(const struct cli_opts *opts)
{
	(void)opts;
	fprintf(stderr, "aaa doctor: not built yet in this version (AWS layer); see the status "
			"table in README.md\n");
	return EXIT_FAIL;
}
