/*
 * config/settings: the table is the one list of AAA_* variables. The
 * README's "Configuration" table must name every one of them with the same
 * default, and name no other; the CLI's environment twins must be rows of it.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/table.h"
#include "config/settings.h"

#define README_MAX_NAMES 64

struct readme_row {
	char name[64];
	char def[128]; /* "" for "—" */
	int seen;
};

/* The default cell: "—" or one `value`. 0, or -1 when it is neither. */
static int s_default_cell(const char *cell, size_t len, char *out, size_t outlen)
{
	while (len && *cell == ' ')
		cell++, len--;
	while (len && cell[len - 1] == ' ')
		len--;
	if (len == strlen("—") && strncmp(cell, "—", len) == 0) {
		out[0] = '\0';
		return 0;
	}
	if (len < 3 || cell[0] != '`' || cell[len - 1] != '`' || len - 2 >= outlen ||
	    memchr(cell + 1, '`', len - 2))
		return -1;
	memcpy(out, cell + 1, len - 2);
	out[len - 2] = '\0';
	return 0;
}

/* The AAA_ rows of README.md's "## Configuration" table. */
static size_t s_readme_rows(struct readme_row *rows, size_t max)
{
	char *readme = read_file_all(fixture_path("../../README.md"), NULL);
	const char *p, *end;
	size_t n = 0;

	CHECK(readme != NULL);
	if (!readme)
		return 0;
	p = strstr(readme, "\n## Configuration\n");
	CHECK(p != NULL);
	end = p ? strstr(p + 1, "\n## ") : NULL;
	for (; p && p < end; p = strchr(p + 1, '\n')) {
		const char *line = p + 1, *c1, *c2, *q;
		char def[128];

		if (strncmp(line, "| `", 3) != 0 || !(c1 = strchr(line + 1, '|')) ||
		    !(c2 = strchr(c1 + 1, '|')))
			continue;
		if (s_default_cell(c1 + 1, (size_t)(c2 - c1 - 1), def, sizeof(def)) != 0) {
			harness_fail(__FILE__, __LINE__, "README: bad default cell in %.60s", line);
			continue;
		}
		for (q = strstr(line, "`AAA_"); q && q < c1; q = strstr(q + 1, "`AAA_")) {
			size_t len = strcspn(q + 1, "`");

			if (n == max || len >= sizeof(rows[n].name)) {
				harness_fail(__FILE__, __LINE__,
					     "README: too many or too long names");
				break;
			}
			memcpy(rows[n].name, q + 1, len);
			rows[n].name[len] = '\0';
			snprintf(rows[n].def, sizeof(rows[n].def), "%s", def);
			rows[n].seen = 0;
			n++;
		}
	}
	free(readme);
	return n;
}

TEST(config_readme_table_matches_settings)
{
	static struct readme_row rows[README_MAX_NAMES];
	size_t n = s_readme_rows(rows, README_MAX_NAMES), i, j;

	CHECK(n >= settings_count);
	for (i = 0; i < n; i++) {
		const struct setting *s = settings_find(rows[i].name);

		if (!s) {
			harness_fail(__FILE__, __LINE__, "README names %s, which aaa does not read",
				     rows[i].name);
			continue;
		}
		if (strcmp(rows[i].def, s->def ? s->def : "") != 0)
			harness_fail(__FILE__, __LINE__,
				     "%s: README says default '%s', the table '%s'", rows[i].name,
				     rows[i].def, s->def ? s->def : "");
	}
	for (j = 0; j < settings_count; j++) {
		int found = 0;

		for (i = 0; i < n; i++)
			found |= strcmp(rows[i].name, settings_table[j].name) == 0;
		if (!found)
			harness_fail(__FILE__, __LINE__, "%s is not in the README's table",
				     settings_table[j].name);
	}
}

TEST(config_table_is_sound)
{
	size_t i, j;

	for (i = 0; i < settings_count; i++) {
		CHECK(strncmp(settings_table[i].name, "AAA_", 4) == 0);
		CHECK(settings_table[i].doc && *settings_table[i].doc);
		for (j = i + 1; j < settings_count; j++) {
			CHECK(strcmp(settings_table[i].name, settings_table[j].name) != 0);
			CHECK(settings_table[i].off != settings_table[j].off);
		}
	}
	/* Every member of the struct has a row. */
	CHECK_INT(settings_count, sizeof(struct settings) / sizeof(const char *));
	/* The CLI's environment twins are variables of the table. */
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].env && !settings_find(cli_options[i].env))
			harness_fail(__FILE__, __LINE__, "--%s's twin %s is not in the table",
				     cli_options[i].name, cli_options[i].env);
}

TEST(config_read_once_defaults_and_empty)
{
	setenv("AAA_RENEW_BUDGET", "7", 1);
	setenv("AAA_EMAIL", "", 1);
	settings_reload();
	CHECK_STR(settings()->renew_budget, "7");
	CHECK(settings()->email == NULL); /* empty is unset */
	CHECK_STR(settings_get("AAA_RENEW_BUDGET"), "7");
	/* Read once: a later change of the environment is not seen until reload. */
	unsetenv("AAA_RENEW_BUDGET");
	CHECK_STR(settings()->renew_budget, "7");
	settings_reload();
	CHECK_STR(settings()->renew_budget, "500");
	CHECK_INT(SETTING_DEFAULT_LONG(renew_budget), 500);
	CHECK_INT(SETTING_DEFAULT_LONG(max_resumes), 8);
	CHECK_INT(SETTING_DEFAULT_LONG(email), 0);
	CHECK(settings_get("AAA_NOT_A_SETTING") == NULL);
	unsetenv("AAA_EMAIL");
	settings_reload();
}
