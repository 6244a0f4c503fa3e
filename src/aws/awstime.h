/*
 * Time formats the AWS layer reads and writes: ISO 8601 (credential
 * expirations from IMDS, containers and STS), HTTP dates (the Date and
 * Retry-After headers) and SigV4's basic format. Pure functions over
 * time_t in UTC; nothing here reads the clock.
 */
#ifndef AAA_AWS_AWSTIME_H
#define AAA_AWS_AWSTIME_H

#include <time.h>

#define AWS_AMZ_DATE_LEN 16 /* "20150830T123600Z" */

/* "2015-08-30T12:36:00Z", with optional fraction and a Z or +hh:mm / -hh:mm
 * offset. 0/-1 (-1 for anything else, including out-of-range fields). */
int aws_time_parse_iso8601(const char *s, time_t *out);
/* RFC 9110 HTTP-date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the
 * two obsolete forms (RFC 850, asctime). 0/-1. */
int aws_time_parse_http_date(const char *s, time_t *out);
/* Writes "YYYYMMDDTHHMMSSZ" and a NUL. 0/-1 (year outside 0..9999). */
int aws_time_format_amz(time_t t, char out[AWS_AMZ_DATE_LEN + 1]);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" and a NUL (21 bytes). 0/-1. */
int aws_time_format_iso8601(time_t t, char out[21]);

#endif
