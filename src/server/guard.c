/*
 * guard.c - see guard.h.
 *
 * Result codes: an address over its add rate gets busy (51); a name or
 * text with a filtered word gets namingViolation (64), which NetMeeting
 * reports with a message of its own (ils-compat 5).
 */
#include "server/guard.h"

#include "server/ops.h"
#include "server/ratelimit.h"
#include "server/wordfilter.h"
#include "util/log.h"

bool
guard_add(conn *c, const ldap_msg *m)
{
	ratelimit *rl = c->srv->rl;

	if (c->who.is_admin)
		return true;
	if (rl != NULL && !c->limit_exempt && !ratelimit_take(rl, c->rl_key, RL_ADD, mono_ms())) {
		log_info("conn %llu from %s: add refused: add-rate-per-ip exceeded",
		    (unsigned long long)c->id, c->peer_text);
		ops_reply(c, m->msgid, LDAP_OP_ADD_RESPONSE, LDAP_BUSY, "",
		    "too many adds from this address (add-rate-per-ip)");
		return false;
	}
	if (c->srv->wf != NULL && wordfilter_add(c->srv->wf, &m->u.add)) {
		log_info("conn %llu from %s: add refused by the word filter",
		    (unsigned long long)c->id, c->peer_text);
		ops_reply(c, m->msgid, LDAP_OP_ADD_RESPONSE, LDAP_NAMING_VIOLATION, "",
		    "the name or text contains a word that is not allowed");
		return false;
	}
	return true;
}

bool
guard_modify(conn *c, const ldap_msg *m)
{
	if (c->who.is_admin || c->srv->wf == NULL || !wordfilter_modify(c->srv->wf, &m->u.modify))
		return true;
	log_info("conn %llu from %s: modify refused by the word filter", (unsigned long long)c->id,
	    c->peer_text);
	ops_reply(c, m->msgid, LDAP_OP_MODIFY_RESPONSE, LDAP_NAMING_VIOLATION, "",
	    "the text contains a word that is not allowed");
	return false;
}
