/*
 * Event classification for the Lambda runtime: pure functions over the
 * raw payload and the parsed event, no environment, no I/O.
 *
 *   EventBridge rule      {"source":"aws.events","detail-type":"Scheduled Event",...}
 *   EventBridge Scheduler {"source":"aws.scheduler","detail-type":"Scheduled Event",...}
 *                         or the documented input {"aaa":"schedule"}          -> scheduler
 *   API Gateway REST v1   {"httpMethod":"POST","requestContext":{...},...}
 *   API Gateway HTTP v2   {"version":"2.0","routeKey":"...","rawPath":"/...",...} -> dispatcher
 *   {"action": ...}       manual or self invocation                          -> executor
 */
#ifndef AAA_RUNTIME_ROUTE_H
#define AAA_RUNTIME_ROUTE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "runtime/handler.h"

/* Lambda's synchronous payload limit. */
#define ROUTE_MAX_EVENT (6u * 1024u * 1024u)

/*
 * Parses a raw event. Returns the tree (caller frees with cJSON_Delete), or
 * NULL with err: "InvalidEvent" when larger than ROUTE_MAX_EVENT or empty,
 * "MalformedJSON" when it does not parse.
 */
cJSON *route_parse(const char *body, size_t len, struct aaa_err *err);

/*
 * Which handler an event is for. pinned is RT_HANDLER_MAX when the function
 * serves every kind, else the one _HANDLER pins. 0 and *out, or -1 and err:
 * "UnknownEvent" for an event of no known kind, "WrongHandler" when the
 * event's kind is not the pinned one.
 */
int route_classify(const cJSON *event, enum rt_handler pinned, enum rt_handler *out,
		   struct aaa_err *err);

/*
 * Parses a _HANDLER value: "scheduler", "dispatcher", "executor" pin one;
 * NULL, "", "any" and "bootstrap" (a common Handler placeholder for custom
 * runtimes) serve all (RT_HANDLER_MAX). -1 for anything else.
 */
int route_parse_pin(const char *value, enum rt_handler *out);

#endif
