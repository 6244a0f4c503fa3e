/*
 * Runs a certificate's deploy targets (meta.json "deploy") through
 * deploy/deploy.h and records each result in meta.json "deployed".
 */
#ifndef AAA_AGENT_TARGETS_H
#define AAA_AGENT_TARGETS_H

#include <cjson/cJSON.h>

#include "agent/agent.h"

/*
 * Deploys the stored certificate of name to every target in its meta.json.
 * report (optional) receives "deployed": [{"target","ok","detail"|"error"}].
 * 0 when every target worked (or there are none); -1 when one failed
 * (a->err names them; the certificate stays stored).
 */
int agent_deploy_all(struct agent *a, const char *name, cJSON *report);

#endif
