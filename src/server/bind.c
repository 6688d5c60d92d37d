/*
 * bind.c - see bind.h.
 *
 * Order of a Bind:
 *   1. A new bind ends the current identity (RFC 4513 5: a failed bind
 *      leaves the connection anonymous) and, unless it continues it, any
 *      SASL or Sicily exchange in progress.
 *   2. The bind rate of the client's address (busy when exceeded).
 *   3. The method: simple (auth.c; a password needs TLS unless
 *      allow-plaintext-password), SASL (sasl.c), Sicily (sicily.c).
 *   4. The answer: a failed bind is held for the address's current delay,
 *      and any non-anonymous answer waits out a delay still running from
 *      earlier failures, so a guesser gets at most one answer per delay
 *      per connection (the bind rate and max-connections-per-ip bound
 *      the connections).
 */
#include "server/bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"
#include "server/sasl.h"
#include "server/sicily.h"
#include "util/log.h"

/* What happened, for the hold and the log line. */
typedef struct bind_done {
	int code;
	bool anonymous;			/* an anonymous simple bind: never held */
	const char *mech;		/* SASL mechanism or Sicily package, for logs */
} bind_done;

static const char *
method_name(uint8_t method)
{
	switch (method) {
	case LDAP_AUTH_SIMPLE:
		return "simple";
	case LDAP_AUTH_SASL:
		return "SASL";
	case LDAP_AUTH_SICILY_DISCOVERY:
		return "Sicily package discovery";
	case LDAP_AUTH_SICILY_NEGOTIATE:
		return "Sicily negotiate";
	case LDAP_AUTH_SICILY_RESPONSE:
		return "Sicily response";
	default:
		return "unknown";
	}
}

/* The connection's SASL session, made on first use; NULL when out of memory. */
static saslsrv_session *
session(conn *c)
{
	char remote[80];

	if (c->sasl == NULL) {
		snprintf(remote, sizeof(remote), "%s;0", c->peer_addr);
		c->sasl = saslsrv_session_new(NULL, remote);
		if (c->sasl == NULL)
			return NULL;
		c->tls_ready = false;	/* let conn_tls_check tell the new session */
	}
	conn_tls_check(c);
	return c->sasl;
}

/* Sets the connection's identity from an authenticated DN; 0, or -1 if unusable. */
static int
become(conn *c, const char *dnstr)
{
	size_t len = strlen(dnstr), cap = len * 3 + 16;
	char *ndn = malloc(cap);
	long n;

	if (ndn == NULL)
		return -1;
	n = dir_normalize_dn(c->srv->d, ldap_slice(dnstr), ndn, cap);
	if (n <= 0 || (size_t)n >= cap) {
		free(ndn);
		return -1;
	}
	ndn[n] = '\0';
	c->who.dn = strdup(dnstr);
	c->who.ndn = ndn;
	if (c->who.dn == NULL) {
		identity_clear(&c->who);
		return -1;
	}
	c->who.is_admin = c->srv->au.admin_ndn != NULL && strcmp(ndn, c->srv->au.admin_ndn) == 0;
	return 0;
}

static void
bind_simple(conn *c, const ldap_msg *m, bind_done *d)
{
	const ldap_bind_req *b = &m->u.bind;
	bind_outcome out;

	if (c->sasl != NULL)
		saslsrv_abort(c->sasl);
	d->anonymous = b->password.len == 0;
	if (!d->anonymous && !c->tls && !c->srv->cfg->allow_plaintext_password) {
		/* RFC 4513 5.1.3: refuse a password sent in the clear, whoever it is for. */
		out.code = LDAP_CONFIDENTIALITY_REQUIRED;
		out.matched = "";
		out.diag = "a simple bind with a password needs TLS (StartTLS or LDAPS)";
	} else {
		auth_bind(&c->srv->au, c->srv->d, b, &c->a, &c->who, &out);
	}
	ldap_encode_bind_response(&c->w, m->msgid, out.code, out.matched, out.diag, NULL);
	d->code = out.code;
}

static void
bind_sasl(conn *c, const ldap_msg *m, bind_done *d)
{
	const ldap_bind_req *b = &m->u.bind;
	saslsrv_session *s = session(c);
	saslsrv_result r;
	ber_slice creds;

	if (s == NULL) {
		ldap_encode_bind_response(&c->w, m->msgid, LDAP_OTHER, "", "out of memory", NULL);
		d->code = LDAP_OTHER;
		return;
	}
	saslsrv_bind(s, (const char *)b->mech.p, b->mech.len, b->creds.p, b->creds.len,
	    b->has_creds, &r);
	d->mech = saslsrv_in_progress(s) != NULL ? saslsrv_in_progress(s) : r.mech;
	if (r.code == LDAP_SUCCESS && become(c, r.dn) != 0) {
		r.code = LDAP_OTHER;
		r.diag = "the SASL identity does not map to a valid DN";
		r.has_creds = false;
	}
	if (r.code == LDAP_SUCCESS)
		log_info("conn %llu from %s: bound as \"%s\" (SASL %s)", (unsigned long long)c->id,
		    c->peer_text, c->who.dn, r.mech);
	creds = (ber_slice){ r.creds, r.credslen };
	ldap_encode_bind_response(&c->w, m->msgid, r.code, "", r.diag,
	    r.has_creds ? &creds : NULL);
	d->code = r.code;
}

static void
bind_sicily(conn *c, const ldap_msg *m, bind_done *d)
{
	const ldap_bind_req *b = &m->u.bind;
	saslsrv_session *s = session(c);
	sicily_result r;

	d->mech = "NTLM";
	if (s == NULL) {
		ldap_encode_bind_response(&c->w, m->msgid, LDAP_OTHER, "", "out of memory", NULL);
		d->code = LDAP_OTHER;
		return;
	}
	sicily_bind(s, b->method, b->password.p, b->password.len, &r);
	if (r.code == LDAP_SUCCESS && r.dn != NULL) {
		if (become(c, r.dn) != 0) {
			r.code = LDAP_OTHER;
			r.diag = "the NTLM identity does not map to a valid DN";
		} else {
			log_info("conn %llu from %s: bound as \"%s\" (Sicily NTLM)",
			    (unsigned long long)c->id, c->peer_text, c->who.dn);
		}
	}
	sicily_encode_response(&c->w, m->msgid, &r);
	d->code = r.code;
}

/* The bind rate; false (answered busy) when the address is over it. */
static bool
rate_ok(conn *c, const ldap_msg *m)
{
	ratelimit *rl = c->srv->rl;

	if (rl == NULL || c->limit_exempt || ratelimit_take(rl, c->rl_key, RL_BIND, mono_ms()))
		return true;
	if (c->sasl != NULL)
		saslsrv_abort(c->sasl);
	ldap_encode_bind_response(&c->w, m->msgid, LDAP_BUSY, "",
	    "too many binds from this address (bind-rate-per-ip)", NULL);
	conn_flush_writer(c);
	log_info("conn %llu from %s: bind refused: bind-rate-per-ip exceeded",
	    (unsigned long long)c->id, c->peer_text);
	return false;
}

static void
log_failure(conn *c, const ldap_msg *m, const bind_done *d, uint64_t hold)
{
	const ldap_bind_req *b = &m->u.bind;

	/* The name and the method, never the credentials. */
	log_info("conn %llu from %s: %s bind%s%s as \"%.*s\" failed: invalid credentials; "
	    "answer held %llu ms", (unsigned long long)c->id, c->peer_text,
	    method_name(b->method), d->mech ? " " : "", d->mech ? d->mech : "",
	    (int)(b->name.len > 200 ? 200 : b->name.len), (const char *)b->name.p,
	    (unsigned long long)hold);
}

void
bind_handle(conn *c, const ldap_msg *m)
{
	const ldap_bind_req *b = &m->u.bind;
	ratelimit *rl = c->srv->rl;
	bind_done d = { LDAP_OTHER, false, NULL };
	uint64_t hold = 0, now;

	/* Binding starts from anonymous: a failed bind leaves the connection anonymous. */
	identity_clear(&c->who);
	if (!rate_ok(c, m))
		return;
	if (b->version != 2 && b->version != 3) {
		bind_outcome out;
		auth_bind(&c->srv->au, c->srv->d, b, &c->a, &c->who, &out);
		ldap_encode_bind_response(&c->w, m->msgid, out.code, out.matched, out.diag, NULL);
		conn_flush_writer(c);
		return;
	}
	switch (b->method) {
	case LDAP_AUTH_SASL:
		bind_sasl(c, m, &d);
		break;
	case LDAP_AUTH_SICILY_DISCOVERY:
	case LDAP_AUTH_SICILY_NEGOTIATE:
	case LDAP_AUTH_SICILY_RESPONSE:
		bind_sicily(c, m, &d);
		break;
	default:
		bind_simple(c, m, &d);
		break;
	}
	now = mono_ms();
	if (rl != NULL && !c->limit_exempt && !d.anonymous) {
		hold = ratelimit_bind_wait(rl, c->rl_key, now);
		if (d.code == LDAP_INVALID_CREDENTIALS) {
			uint64_t fail = ratelimit_bind_failed(rl, c->rl_key, now);
			hold = fail > hold ? fail : hold;
		}
	}
	if (d.code == LDAP_INVALID_CREDENTIALS)
		log_failure(c, m, &d, hold);
	else if (c->who.is_admin)
		log_info("conn %llu from %s: bound as administrator", (unsigned long long)c->id,
		    c->peer_text);
	log_debug("conn %llu: bind %lld v%lld %s: %s", (unsigned long long)c->id,
	    (long long)m->msgid, (long long)b->version, method_name(b->method),
	    ldap_result_name(d.code));
	conn_hold_response(c, hold);
}
