/*
 * RFC 3339 date-times, as ACME servers and AWS services write them, and the
 * field checks other time formats (aws/awstime.c's HTTP dates) share. Pure
 * functions over time_t in UTC; nothing here reads the clock.
 */
#ifndef AAA_UTIL_TIME_H
#define AAA_UTIL_TIME_H

#include <time.h>

/* "2015-08-30T12:36:00Z", with an optional fraction and a Z or +hh:mm /
 * -hh:mm (or +hhmm) offset; a lower-case 't'/'z' too. 0/-1 (-1 for
 * anything else, including out-of-range fields such as February 31). */
int time_parse_rfc3339(const char *s, time_t *out);

/* Reads exactly n digits at *p and advances *p. -1 if any is not a digit. */
int time_digits(const char **p, int n, int *out);

/* The UTC time of the broken-down fields (month 1-12), checked (timegm
 * would normalise "2015-02-31" to March); a leap second (60) lands on the
 * next second. Years 1970 to 9999. 0/-1. */
int time_from_fields(int y, int mon, int d, int h, int mi, int s, time_t *out);

#endif
