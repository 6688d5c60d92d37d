/*
 * paged.c - Simple Paged Results (RFC 2696).
 *
 * The cookie is an opaque 8-byte number, unique on the connection, that
 * names a search kept between two pages.  A request for the next page
 * must be the same search: its request is hashed (everything but the
 * message ID and controls) and compared with the hash kept with the
 * cookie.  A cookie that is unknown, expired or used with another search
 * is refused with unwillingToPerform; a control value that does not parse
 * is a protocolError.
 */
#include "server/paged.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ops.h"
#include "util/log.h"

int
paged_parse(ber_slice value, int64_t *size, ber_slice *cookie)
{
	ber_reader r, seq;

	ber_reader_init(&r, value.p, value.len, 4);
	if (ber_read_sequence(&r, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &seq) != BER_OK ||
	    !ber_reader_done(&r) ||
	    ber_read_integer(&seq, BER_CLASS_UNIVERSAL, BER_TAG_INTEGER, size) != BER_OK ||
	    ber_read_octets(&seq, BER_CLASS_UNIVERSAL, BER_TAG_OCTET_STRING, cookie) != BER_OK ||
	    !ber_reader_done(&seq))
		return -1;
	return *size < 0 || *size > INT32_MAX ? -1 : 0;
}

void
paged_encode_value(ber_writer *w, int64_t size, const void *cookie, size_t len)
{
	ber_begin_seq(w);
	ber_write_int(w, size);
	ber_write_str(w, cookie, len);
	ber_end(w);
}

const ldap_control *
paged_control(const ldap_msg *m)
{
	for (size_t i = 0; i < m->ncontrols; i++)
		if (ldap_slice_eq_ci(m->controls[i].oid, LDAP_OID_PAGED_RESULTS))
			return &m->controls[i];
	return NULL;
}

/* FNV-1a of the request as re-encoded without message ID and controls. */
static uint64_t
request_hash(const ldap_search_req *q)
{
	uint64_t h = 1469598103934665603ULL;
	ber_writer w;

	ber_writer_init(&w, 256, 0);
	ldap_encode_search(&w, 0, q, NULL, 0);
	for (size_t i = 0; i < w.len; i++)
		h = (h ^ w.buf[i]) * 1099511628211ULL;
	if (w.err)
		h = 0;	/* matches nothing but another failure; the search itself will fail */
	ber_writer_free(&w);
	return h;
}

static void
cookie_bytes(uint64_t cookie, uint8_t out[PAGED_COOKIE_LEN])
{
	for (int i = PAGED_COOKIE_LEN - 1; i >= 0; i--, cookie >>= 8)
		out[i] = (uint8_t)cookie;
}

static bool
cookie_number(ber_slice cookie, uint64_t *out)
{
	uint64_t n = 0;

	if (cookie.len != PAGED_COOKIE_LEN)
		return false;
	for (size_t i = 0; i < cookie.len; i++)
		n = (n << 8) | cookie.p[i];
	*out = n;
	return true;
}

/* SearchResultDone with the response control (size 0: the total is not known). */
static void
reply_done(conn *c, int64_t msgid, int code, const char *matched, const char *diag,
    const uint8_t *cookie, size_t cookie_len)
{
	ber_writer vw;
	ldap_control ctl;

	ber_writer_init(&vw, 32, 64);
	paged_encode_value(&vw, 0, cookie, cookie_len);
	memset(&ctl, 0, sizeof(ctl));
	ctl.oid = ldap_slice(LDAP_OID_PAGED_RESULTS);
	ctl.has_value = true;
	ctl.value = (ber_slice){ vw.buf, vw.len };
	ldap_encode_result_ctl(&c->w, msgid, LDAP_OP_SEARCH_DONE, code, matched ? matched : "",
	    diag ? diag : "", &ctl, vw.err ? 0 : 1);
	ber_writer_free(&vw);
	conn_flush_writer(c);
}

static void
saved_free(paged_saved *ps)
{
	dir_search_free(ps->ds);
	free(ps);
}

/* Unlinks and returns the saved search with this cookie, or NULL. */
static paged_saved *
saved_take(conn *c, uint64_t cookie)
{
	for (paged_saved **pp = &c->paged; *pp != NULL; pp = &(*pp)->next) {
		paged_saved *ps = *pp;
		if (ps->cookie == cookie) {
			*pp = ps->next;
			c->npaged--;
			return ps;
		}
	}
	return NULL;
}

/* Drops searches kept too long, and the oldest while there are more than keep. */
static void
saved_trim(conn *c, unsigned keep)
{
	uint64_t now = mono_ms();
	paged_saved **pp = &c->paged;

	while (*pp != NULL) {
		paged_saved *ps = *pp;
		if (now - ps->saved_ms > PAGED_IDLE_MS) {
			*pp = ps->next;
			c->npaged--;
			saved_free(ps);
		} else {
			pp = &ps->next;
		}
	}
	/* The list is newest first: the oldest are at the tail. */
	while (c->npaged > keep) {
		pp = &c->paged;
		while ((*pp)->next != NULL)
			pp = &(*pp)->next;
		log_debug("conn %llu: paged search dropped to make room", (unsigned long long)c->id);
		saved_free(*pp);
		*pp = NULL;
		c->npaged--;
	}
}

void
paged_free_all(conn *c)
{
	while (c->paged != NULL) {
		paged_saved *ps = c->paged;
		c->paged = ps->next;
		saved_free(ps);
	}
	c->npaged = 0;
}

void
paged_job_end(conn *c, search_job *j, int r, const dir_result *res)
{
	uint8_t cookie[PAGED_COOKIE_LEN];
	paged_saved *ps;

	if (r != DIR_SEARCH_PAGE) {
		reply_done(c, j->msgid, res->code, res->matched, res->diag, NULL, 0);
		log_debug("conn %llu: paged search %lld done: %s, %llu entries",
		    (unsigned long long)c->id, (long long)j->msgid, ldap_result_name(res->code),
		    (unsigned long long)dir_search_count(j->ds));
		return;
	}
	saved_trim(c, PAGED_MAX_SAVED - 1);
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		reply_done(c, j->msgid, LDAP_OTHER, "", "out of memory", NULL, 0);
		return;
	}
	ps->cookie = ++c->paged_seq;
	ps->req_hash = j->req_hash;
	ps->saved_ms = mono_ms();
	ps->ds = j->ds;
	j->ds = NULL;
	ps->next = c->paged;
	c->paged = ps;
	c->npaged++;
	cookie_bytes(ps->cookie, cookie);
	reply_done(c, j->msgid, LDAP_SUCCESS, "", "", cookie, sizeof(cookie));
}

static void
start_job(conn *c, const ldap_msg *m, dir_search *ds, uint64_t hash)
{
	if (conn_add_paged_job(c, m->msgid, ds, hash) < 0) {
		dir_search_free(ds);
		ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE, LDAP_OTHER, "", "out of memory");
	}
}

void
paged_search(conn *c, const ldap_msg *m, const ldap_control *ctl, const dir_search_params *p,
    const dir_ctx *ctx)
{
	uint64_t hash = request_hash(&m->u.search), number;
	ber_slice cookie = { NULL, 0 };
	int64_t size = 0;
	paged_saved *ps;
	dir_search *ds = NULL;
	dir_result res;
	int rc;

	if (!ctl->has_value || paged_parse(ctl->value, &size, &cookie) < 0) {
		ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE, LDAP_PROTOCOL_ERROR, "",
		    "paged results: control value must be SEQUENCE { size, cookie }");
		return;
	}
	saved_trim(c, PAGED_MAX_SAVED);
	if (cookie.len == 0) {
		if (size == 0) {	/* nothing asked for: an empty last page */
			reply_done(c, m->msgid, LDAP_SUCCESS, "", "", NULL, 0);
			return;
		}
		memset(&res, 0, sizeof(res));
		rc = dir_search_begin(c->srv->d, ctx, p, &ds, &res);
		if (rc != LDAP_SUCCESS || ds == NULL) {
			dir_search_free(ds);
			ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE,
			    res.code != LDAP_SUCCESS ? res.code : (rc ? rc : LDAP_OTHER),
			    res.matched, res.diag);
			return;
		}
		dir_search_set_page(ds, (uint64_t)size, ctx->now_ms);
		start_job(c, m, ds, hash);
		return;
	}
	ps = cookie_number(cookie, &number) ? saved_take(c, number) : NULL;
	if (ps == NULL || ps->req_hash != hash) {
		if (ps != NULL) {	/* not this search's cookie: keep it for its own search */
			ps->next = c->paged;
			c->paged = ps;
			c->npaged++;
		}
		ops_reply(c, m->msgid, LDAP_OP_SEARCH_DONE, LDAP_UNWILLING_TO_PERFORM, "",
		    ps == NULL ? "paged results cookie is unknown or expired" :
		    "paged results cookie belongs to a different search request");
		return;
	}
	if (size == 0) {	/* RFC 2696 3: the client abandons the paged search */
		saved_free(ps);
		reply_done(c, m->msgid, LDAP_SUCCESS, "", "", NULL, 0);
		return;
	}
	ds = ps->ds;
	free(ps);
	dir_search_set_page(ds, (uint64_t)size, ctx->now_ms);
	start_job(c, m, ds, hash);
}
