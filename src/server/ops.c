/*
 * ops.c - LDAP operation dispatch.
 *
 * Each write (Add, Modify, Delete, Compare) asks the ILS dialect first;
 * ILS_PASS means the request is plain LDAP and goes to the directory
 * unchanged.  A Search becomes a job on the connection (conn.c runs it).
 * Every response carries its request's message ID and is queued before
 * the next request is looked at, so pipelined requests are answered in
 * order.
 */
#include "server/ops.h"

#include <stdio.h>
#include <string.h>

#include "ils/ils.h"
#include "server/bind.h"
#include "server/cancel.h"
#include "server/ext.h"
#include "server/guard.h"
#include "server/paged.h"
#include "util/log.h"

int
ops_response_op(int request_op)
{
	switch (request_op) {
	case LDAP_OP_BIND_REQUEST:
		return LDAP_OP_BIND_RESPONSE;
	case LDAP_OP_SEARCH_REQUEST:
		return LDAP_OP_SEARCH_DONE;
	case LDAP_OP_MODIFY_REQUEST:
		return LDAP_OP_MODIFY_RESPONSE;
	case LDAP_OP_ADD_REQUEST:
		return LDAP_OP_ADD_RESPONSE;
	case LDAP_OP_DEL_REQUEST:
		return LDAP_OP_DEL_RESPONSE;
	case LDAP_OP_MODDN_REQUEST:
		return LDAP_OP_MODDN_RESPONSE;
	case LDAP_OP_COMPARE_REQUEST:
		return LDAP_OP_COMPARE_RESPONSE;
	case LDAP_OP_EXTENDED_REQUEST:
		return LDAP_OP_EXTENDED_RESPONSE;
	default:
		return -1;
	}
}

void
ops_reply(conn *c, int64_t msgid, int op, int code, const char *matched, const char *diag)
{
	ldap_encode_result(&c->w, msgid, (uint8_t)op, code, matched ? matched : "",
	    diag ? diag : "");
	conn_flush_writer(c);
	log_debug("conn %llu: %s %lld: %s%s%s", (unsigned long long)c->id, ldap_op_name(op),
	    (long long)msgid, ldap_result_name(code), diag && *diag ? ": " : "", diag ? diag : "");
}

void
ops_ctx(conn *c, dir_ctx *ctx)
{
	ctx->bind_dn = c->who.ndn != NULL ? c->who.ndn : "";
	ctx->is_admin = c->who.is_admin;
	ctx->now_ms = wall_ms();
	ctx->a = &c->a;
	ctx->peer = c->peer_addr;
	ctx->unlimited = c->limit_exempt;
}

/* The directory reports its verdict both as return value and in res; trust either error. */
static int
final_code(int rc, const dir_result *res)
{
	return res->code != LDAP_SUCCESS ? res->code : rc;
}

static void
reply_dir(conn *c, int64_t msgid, int op, int rc, const dir_result *res)
{
	ops_reply(c, msgid, op, final_code(rc, res), res->matched, res->diag);
}

/* ---- Bind, Unbind, Abandon ---- */

/* Simple, SASL and Sicily binds with their security rules: bind.c. */
static void
op_bind(conn *c, const ldap_msg *m)
{
	paged_free_all(c);	/* searches kept between pages ran as the old identity */
	bind_handle(c, m);
}

/* ---- Search ---- */

/* Standard LDAP: the request's own attribute list, no aliases, no scaling. */
static int
plain_search_params(conn *c, const ldap_search_req *q, dir_search_params *p)
{
	dir_attr_sel *sel = NULL;

	if (q->nattrs > 0) {
		sel = arena_calloc(&c->a, q->nattrs, sizeof(*sel));
		if (sel == NULL)
			return -1;
		for (size_t i = 0; i < q->nattrs; i++)
			sel[i].name = q->attrs[i];
	}
	p->base = q->base;
	p->scope = q->scope;
	p->filter = q->filter;
	p->attrs = sel;
	p->nattrs = q->nattrs;
	p->typesonly = q->typesonly;
	p->sizelimit = q->sizelimit;
	p->timelimit = q->timelimit;
	p->refresh_ttl = 0;
	p->deref = q->deref;
	return 0;
}

static void
op_search(conn *c, const ldap_msg *m)
{
	const ldap_search_req *q = &m->u.search;
	unsigned max_ops = c->srv->cfg->max_ops_per_connection;
	dir_search_params p;
	dir_search *ds = NULL;
	dir_result res;
	dir_ctx ctx;
	int rc;

	if (c->njobs >= max_ops) {
		char diag[96];
		snprintf(diag, sizeof(diag), "%u searches already running on this connection "
		    "(max-ops-per-connection)", c->njobs);
		ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE, LDAP_BUSY, "", diag);
		return;
	}
	ops_ctx(c, &ctx);
	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	rc = ils_search(c->srv->d, &ctx, q, &p, &res);
	if (rc == ILS_DONE) {
		reply_dir(c, m->msgid, LDAP_OP_SEARCH_DONE, res.code, &res);
		return;
	}
	if (rc == ILS_PASS && plain_search_params(c, q, &p) < 0) {
		ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE, LDAP_ADMIN_LIMIT_EXCEEDED, "",
		    "too many attributes requested");
		return;
	}
	if (paged_control(m) != NULL) {
		paged_search(c, m, paged_control(m), &p, &ctx);
		return;
	}
	rc = dir_search_begin(c->srv->d, &ctx, &p, &ds, &res);
	if (rc != LDAP_SUCCESS || ds == NULL) {
		if (ds != NULL)
			dir_search_free(ds);
		reply_dir(c, m->msgid, LDAP_OP_SEARCH_DONE, rc == LDAP_SUCCESS ? LDAP_OTHER : rc, &res);
		return;
	}
	if (conn_add_job(c, m->msgid, ds) < 0) {
		dir_search_free(ds);
		ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE, LDAP_OTHER, "", "out of memory");
		return;
	}
	log_debug("conn %llu: search %lld base \"%.*s\" scope %u started", (unsigned long long)c->id,
	    (long long)m->msgid, (int)(q->base.len > 200 ? 200 : q->base.len),
	    (const char *)q->base.p, q->scope);
}

/* ---- updates and Compare ---- */

static void
op_add(conn *c, const ldap_msg *m)
{
	dir_result res;
	dir_ctx ctx;
	int rc;

	if (!guard_add(c, m))
		return;
	ops_ctx(c, &ctx);
	memset(&res, 0, sizeof(res));
	rc = ils_add(c->srv->d, &ctx, &m->u.add, &res);
	if (rc == ILS_PASS)
		rc = dir_add(c->srv->d, &ctx, m->u.add.dn, m->u.add.attrs, m->u.add.nattrs, 0, &res);
	else
		rc = res.code;
	reply_dir(c, m->msgid, LDAP_OP_ADD_RESPONSE, rc, &res);
}

static void
op_modify(conn *c, const ldap_msg *m)
{
	dir_result res;
	dir_ctx ctx;
	int rc;

	if (!guard_modify(c, m))
		return;
	ops_ctx(c, &ctx);
	memset(&res, 0, sizeof(res));
	rc = ils_modify(c->srv->d, &ctx, &m->u.modify, &res);
	if (rc == ILS_PASS)
		rc = dir_modify(c->srv->d, &ctx, m->u.modify.dn, m->u.modify.mods, m->u.modify.nmods,
		    0, &res);
	else
		rc = res.code;
	reply_dir(c, m->msgid, LDAP_OP_MODIFY_RESPONSE, rc, &res);
}

static void
op_delete(conn *c, const ldap_msg *m)
{
	dir_result res;
	dir_ctx ctx;
	int rc;

	ops_ctx(c, &ctx);
	memset(&res, 0, sizeof(res));
	rc = ils_delete(c->srv->d, &ctx, m->u.del_dn, &res);
	if (rc == ILS_PASS)
		rc = dir_delete(c->srv->d, &ctx, m->u.del_dn, 0, &res);
	else
		rc = res.code;
	reply_dir(c, m->msgid, LDAP_OP_DEL_RESPONSE, rc, &res);
}

static void
op_compare(conn *c, const ldap_msg *m)
{
	const ldap_compare_req *q = &m->u.compare;
	dir_result res;
	dir_ctx ctx;
	int rc;

	ops_ctx(c, &ctx);
	memset(&res, 0, sizeof(res));
	rc = ils_compare(c->srv->d, &ctx, q, &res);
	if (rc == ILS_PASS)
		rc = dir_compare(c->srv->d, &ctx, q->dn, q->attr, q->value, &res);
	else
		rc = res.code;
	reply_dir(c, m->msgid, LDAP_OP_COMPARE_RESPONSE, rc, &res);
}

/* ---- controls ---- */

/*
 * Controls the server knows.  ManageDsaIT is honoured trivially: ilsd
 * holds no referral objects.  Paged results (RFC 2696) applies to Search
 * only.  Anything else critical, or critical on an operation it does not
 * apply to, is refused (RFC 4511 4.1.11); anything else non-critical is
 * ignored.
 */
static bool
control_known(ber_slice oid, int op)
{
	if (ldap_slice_eq_ci(oid, LDAP_OID_PAGED_RESULTS))
		return op == LDAP_OP_SEARCH_REQUEST;
	return ldap_slice_eq_ci(oid, LDAP_OID_MANAGE_DSAIT);
}

static bool
controls_acceptable(const ldap_msg *m, char *diag, size_t cap)
{
	for (size_t i = 0; i < m->ncontrols; i++) {
		const ldap_control *ctl = &m->controls[i];
		if (ctl->critical && !control_known(ctl->oid, m->op)) {
			snprintf(diag, cap, "critical control %.*s is not supported",
			    (int)(ctl->oid.len > 64 ? 64 : ctl->oid.len), (const char *)ctl->oid.p);
			return false;
		}
	}
	return true;
}

/* ---- dispatch ---- */

void
ops_handle(conn *c, ldap_msg *m, int decode_rc, const char *why)
{
	int resp = ops_response_op(m->op);
	char diag[192];

	if (decode_rc != LDAP_SUCCESS) {
		/* RFC 4511 4.1.1: an unparsable PDU ends the session. */
		if (decode_rc == LDAP_PROTOCOL_ERROR || resp < 0 || m->msgid <= 0) {
			snprintf(diag, sizeof(diag), "malformed request: %s", why ? why : "cannot decode");
			conn_disconnect(c, LDAP_PROTOCOL_ERROR, diag);
			return;
		}
		/* Well-formed but over a decoding limit: refuse this request only. */
		snprintf(diag, sizeof(diag), "request exceeds a server limit: %s",
		    why ? why : "too large");
		ops_reply(c, m->msgid, resp, LDAP_ADMIN_LIMIT_EXCEEDED, "", diag);
		return;
	}
	if (m->msgid <= 0) {
		conn_disconnect(c, LDAP_PROTOCOL_ERROR, "message ID 0 is reserved for notifications");
		return;
	}
	if (resp < 0 && m->op != LDAP_OP_UNBIND_REQUEST && m->op != LDAP_OP_ABANDON_REQUEST) {
		snprintf(diag, sizeof(diag), "%s is not a request", ldap_op_name(m->op));
		conn_disconnect(c, LDAP_PROTOCOL_ERROR, diag);
		return;
	}
	cancel_note_request(c, m);
	if (resp >= 0 && !controls_acceptable(m, diag, sizeof(diag))) {
		ops_reply(c, m->msgid, resp, LDAP_UNAVAILABLE_CRITICAL_EXTENSION, "", diag);
		return;
	}
	switch (m->op) {
	case LDAP_OP_BIND_REQUEST:
		op_bind(c, m);
		break;
	case LDAP_OP_UNBIND_REQUEST:
		log_debug("conn %llu: unbind", (unsigned long long)c->id);
		conn_close_after_flush(c);
		break;
	case LDAP_OP_SEARCH_REQUEST:
		op_search(c, m);
		break;
	case LDAP_OP_MODIFY_REQUEST:
		op_modify(c, m);
		break;
	case LDAP_OP_ADD_REQUEST:
		op_add(c, m);
		break;
	case LDAP_OP_DEL_REQUEST:
		op_delete(c, m);
		break;
	case LDAP_OP_MODDN_REQUEST:
		ops_reply(c, m->msgid, LDAP_OP_MODDN_RESPONSE, LDAP_UNWILLING_TO_PERFORM, "",
		    "ModifyDN is not supported (MS-TAIL 2.2.6)");
		break;
	case LDAP_OP_COMPARE_REQUEST:
		op_compare(c, m);
		break;
	case LDAP_OP_ABANDON_REQUEST:
		/* No response, whether or not the operation was still running. */
		conn_abandon_job(c, m->u.abandon_id);
		break;
	case LDAP_OP_EXTENDED_REQUEST:
		ext_handle(c, m);
		break;
	}
}
