/*
 * The ACME account in the store: accounts/<ca-host>/default/account.json
 * (URL, contact, where the key is) and key.pem (0600, SSE-KMS), or a key
 * held in KMS that never leaves it ("kms:KEY" in account.json).
 */
#ifndef AAA_AGENT_ACCOUNT_H
#define AAA_AGENT_ACCOUNT_H

#include <cjson/cJSON.h>

#include "agent/agent.h"

/*
 * aaa reg: registers (or finds) the account for a->cfg.email with the
 * account key of a->cfg.account_key (NULL: a new local ec256 key; a key
 * type; or "kms:KEY"). Without agree, a CA with terms is refused before
 * anything is sent or stored (the message names the terms URL). EAB from
 * a->cfg. *created: 1 new account, 0 it existed. 0/-1 (a->err).
 */
int agent_account_register(struct agent *a, int agree, int *created);

/*
 * Makes a->acme ready to sign for the stored account (nothing sent when
 * the account URL is known). -1 with a->err when there is no account
 * ("run aaa reg first") or the CA is unreachable.
 */
int agent_account_load(struct agent *a);

/*
 * Records authorization expiries (name -> RFC 3339) in the account's
 * authz.json, merged with what is there, for `aaa ls`.
 */
int agent_authz_record(struct agent *a, const cJSON *expiries);

#endif
