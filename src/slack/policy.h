/*
 * Who may ask for what through Slack (docs/slack.md "Who may ask for what"):
 * allowlists of team, channel and user ids (AAA_SLACK_TEAMS,
 * AAA_SLACK_CHANNELS, AAA_SLACK_USERS: comma-separated; unset or empty
 * means no restriction) and of domain patterns (AAA_ALLOWED_DOMAINS:
 * unset or empty allows no name at all).
 *
 * A pattern "*.example.com" allows every name below example.com at any
 * depth ("www.example.com", "a.b.example.com", "*.example.com") but not
 * example.com itself; any other pattern allows exactly that name. Names
 * and patterns compare without regard to ASCII case; blanks around items
 * are ignored. Pure: the lists come in as strings.
 */
#ifndef AAA_SLACK_POLICY_H
#define AAA_SLACK_POLICY_H

#include <stddef.h>

/* 1 when list (comma-separated; NULL or "" = no restriction) holds value. */
int slack_list_allows(const char *list, const char *value);

/* 1 when name matches one of patterns (NULL or "" = nothing allowed). */
int slack_domain_allowed(const char *patterns, const char *name);

#endif
