/*
 * ext.c - extended operations.
 *
 * Refresh (RFC 2589) is encoded the way deployed clients do it (OpenLDAP's
 * ldapexop and libldap): requestValue is SEQUENCE { [0] entryName,
 * [1] requestTtl } and responseValue is SEQUENCE { [1] responseTtl }, the
 * TTL actually granted.
 */
#include "server/ext.h"

#include <stdio.h>
#include <string.h>

#include "dir/dir.h"
#include "server/cancel.h"
#include "server/ops.h"
#include "util/log.h"

#define TAG_REFRESH_DN 0
#define TAG_REFRESH_TTL 1

int
ext_parse_refresh(ber_slice value, ber_slice *dn, int64_t *ttl)
{
	ber_reader r, seq;

	ber_reader_init(&r, value.p, value.len, 4);
	if (ber_read_sequence(&r, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &seq) != BER_OK ||
	    !ber_reader_done(&r) ||
	    ber_read_octets(&seq, BER_CLASS_CONTEXT, TAG_REFRESH_DN, dn) != BER_OK ||
	    ber_read_integer(&seq, BER_CLASS_CONTEXT, TAG_REFRESH_TTL, ttl) != BER_OK ||
	    !ber_reader_done(&seq))
		return -1;
	/* requestTtl INTEGER (0 .. maxInt) */
	if (*ttl < 0 || *ttl > INT32_MAX)
		return -1;
	return 0;
}

void
ext_encode_refresh_value(ber_writer *w, int64_t ttl)
{
	ber_begin_seq(w);
	ber_write_integer(w, BER_CLASS_CONTEXT, TAG_REFRESH_TTL, ttl);
	ber_end(w);
}

static void
reply_ext(conn *c, int64_t msgid, int code, const char *matched, const char *diag,
    const char *oid, const ber_slice *value)
{
	ldap_encode_extended_response(&c->w, msgid, code, matched ? matched : "",
	    diag ? diag : "", oid, value);
	conn_flush_writer(c);
	log_debug("conn %llu: extended %lld %s: %s", (unsigned long long)c->id, (long long)msgid,
	    oid ? oid : "-", ldap_result_name(code));
}

/* RFC 4532: "dn:<DN>" for a bound identity, empty for anonymous. */
static void
ext_whoami(conn *c, const ldap_msg *m)
{
	char buf[1024];
	ber_slice value = { (const uint8_t *)"", 0 };

	if (c->who.dn != NULL) {
		int n = snprintf(buf, sizeof(buf), "dn:%s", c->who.dn);
		if (n < 0 || (size_t)n >= sizeof(buf)) {
			reply_ext(c, m->msgid, LDAP_OTHER, "", "bind DN too long", NULL, NULL);
			return;
		}
		value.p = (const uint8_t *)buf;
		value.len = (size_t)n;
	}
	reply_ext(c, m->msgid, LDAP_SUCCESS, "", "", NULL, &value);
}

static void
ext_refresh(conn *c, const ldap_msg *m)
{
	const ldap_extended_req *x = &m->u.extended;
	ber_slice dn;
	int64_t ttl, applied = 0;
	dir_result res;
	dir_ctx ctx;
	int rc;

	if (!x->has_value || ext_parse_refresh(x->value, &dn, &ttl) < 0) {
		reply_ext(c, m->msgid, LDAP_PROTOCOL_ERROR, "",
		    "refresh: requestValue must be SEQUENCE { [0] entryName, [1] requestTtl }",
		    LDAP_OID_REFRESH, NULL);
		return;
	}
	ops_ctx(c, &ctx);
	memset(&res, 0, sizeof(res));
	rc = dir_refresh(c->srv->d, &ctx, dn, ttl, &applied, &res);
	if (res.code != LDAP_SUCCESS)
		rc = res.code;
	if (rc != LDAP_SUCCESS) {
		reply_ext(c, m->msgid, rc, res.matched, res.diag, LDAP_OID_REFRESH, NULL);
		return;
	}
	ber_writer w;
	ber_writer_init(&w, 16, 64);
	ext_encode_refresh_value(&w, applied);
	ber_slice value = { w.buf, w.len };
	reply_ext(c, m->msgid, w.err ? LDAP_OTHER : LDAP_SUCCESS, "", "", LDAP_OID_REFRESH,
	    w.err ? NULL : &value);
	ber_writer_free(&w);
}

/* ilsd's own operation: reload the schema directory (administrator only). */
static void
ext_schema_reload(conn *c, const ldap_msg *m)
{
	char err[512], diag[600];
	unsigned nonconforming = 0;
	int rc;

	if (!c->who.is_admin) {
		reply_ext(c, m->msgid, LDAP_INSUFFICIENT_ACCESS_RIGHTS, "",
		    "schema reload is for the administrator", LDAP_OID_ILSD_SCHEMA_RELOAD, NULL);
		return;
	}
	err[0] = '\0';
	rc = dir_schema_reload(c->srv->d, &nonconforming, err, sizeof(err));
	if (rc == LDAP_SUCCESS) {
		snprintf(diag, sizeof(diag), "reloaded; %u entries do not conform", nonconforming);
		log_info("schema reloaded by conn %llu: %u entries do not conform",
		    (unsigned long long)c->id, nonconforming);
	} else {
		snprintf(diag, sizeof(diag), "%s", err[0] ? err : "schema reload failed");
		log_warn("schema reload by conn %llu failed: %s", (unsigned long long)c->id, diag);
	}
	reply_ext(c, m->msgid, rc, "", diag, LDAP_OID_ILSD_SCHEMA_RELOAD, NULL);
}

/*
 * StartTLS (RFC 4511 4.14, RFC 4513 3).  Without a certificate the answer
 * is unavailable (4.14.2).  The success response goes out in clear text
 * and the TLS handshake follows it at once (conn.c switches the stream
 * after this request is consumed); the identity is kept.
 */
static void
ext_starttls(conn *c, const ldap_msg *m)
{
	if (c->srv->tls == NULL) {
		reply_ext(c, m->msgid, LDAP_UNAVAILABLE, "",
		    "StartTLS is not available on this server (no tls-cert-file)", LDAP_OID_STARTTLS,
		    NULL);
		return;
	}
	if (c->tls) {
		reply_ext(c, m->msgid, LDAP_OPERATIONS_ERROR, "", "TLS is already established",
		    LDAP_OID_STARTTLS, NULL);
		return;
	}
	if (c->njobs > 0) {
		reply_ext(c, m->msgid, LDAP_OPERATIONS_ERROR, "",
		    "operations are outstanding on this connection", LDAP_OID_STARTTLS, NULL);
		return;
	}
	reply_ext(c, m->msgid, LDAP_SUCCESS, "", "", LDAP_OID_STARTTLS, NULL);
	conn_start_tls_after_request(c);
}

void
ext_handle(conn *c, const ldap_msg *m)
{
	ber_slice oid = m->u.extended.oid;
	char diag[128];

	if (ldap_slice_eq_ci(oid, LDAP_OID_WHOAMI)) {
		ext_whoami(c, m);
	} else if (ldap_slice_eq_ci(oid, LDAP_OID_REFRESH)) {
		ext_refresh(c, m);
	} else if (ldap_slice_eq_ci(oid, LDAP_OID_ILSD_SCHEMA_RELOAD)) {
		ext_schema_reload(c, m);
	} else if (ldap_slice_eq_ci(oid, LDAP_OID_STARTTLS)) {
		ext_starttls(c, m);
	} else if (ldap_slice_eq_ci(oid, LDAP_OID_CANCEL)) {
		cancel_handle(c, m);
	} else {
		snprintf(diag, sizeof(diag), "unsupported extended operation %.*s",
		    (int)(oid.len > 64 ? 64 : oid.len), (const char *)oid.p);
		reply_ext(c, m->msgid, LDAP_PROTOCOL_ERROR, "", diag, NULL, NULL);
	}
}
