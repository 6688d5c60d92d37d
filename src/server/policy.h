/*
 * policy.h - the access policy of the configuration turned into the
 * directory's terms (dir_access): anonymous-read, anonymous-register and
 * the "access" rules.
 *
 * A rule reads "SUBTREE by WHO RIGHTS":
 *   SUBTREE  a DN, or * for the whole directory
 *   WHO      anyone | anonymous | users | dn:<DN> | under:<DN>
 *   RIGHTS   none, or a comma list of read, register, write (all = the three)
 * e.g. "ou=Dynamic,o=Intranet by under:cn=EXAMPLE.ORG,cn=auth read,register".
 * The first rule whose subtree holds the entry and whose WHO matches the
 * client decides; without one, anonymous clients get read (anonymous-read)
 * and register (anonymous-register), bound identities read and register.
 * The administrator always has every right.  docs/security.md explains.
 */
#ifndef ILSD_SERVER_POLICY_H
#define ILSD_SERVER_POLICY_H

#include <stddef.h>

#include "dir/dir.h"
#include "server/config.h"

typedef struct policy {
	dir_access acc;
	dir_access_rule rules[CONFIG_MAX_ACCESS];
	char *text[CONFIG_MAX_ACCESS];	/* the rules' strings, cut in place */
} policy;

/* Checks one rule's syntax; NULL if fine, else what is wrong. */
const char *policy_check_rule(const char *text);

/* Builds the policy from cfg.  Returns 0, or -1 with a message. */
int policy_build(policy *p, const ilsd_config *cfg, char *err, size_t errlen);
void policy_free(policy *p);

#endif
