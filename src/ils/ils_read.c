/*
 * ils_read.c - reading entries back through the directory's own search.
 *
 * The ILS layer sometimes needs to look at stored entries (the application
 * users of a person, the naming context).  The directory offers exactly
 * one way to read, the search that encodes SearchResultEntry messages;
 * decoding those again costs a little CPU but keeps every read on the
 * same path as a client's (expiry, access, attribute selection), and the
 * ILS layer needs no private door into the directory.
 */
#include <string.h>

#include "ils/ils_internal.h"

#define ILS_READ_STEP 65536		/* bytes encoded per dir_search_step */
#define ILS_READ_ARENA (4u << 20)	/* decoded entries of one step */

/* Decodes the PDUs in w and hands each entry to fn.  Returns 1 if fn asked to stop. */
static int
deliver(ber_writer *w, arena *a, ils_entry_fn fn, void *ctx)
{
	ldap_limits lim;
	size_t pos = 0;

	ldap_limits_default(&lim);
	while (pos < w->len) {
		size_t len;
		ldap_msg msg;
		const char *why;
		if (ber_frame(w->buf + pos, w->len - pos, w->len, &len) != 1)
			break;
		if (ldap_decode(w->buf + pos, len, a, &lim, &msg, &why) == LDAP_SUCCESS &&
		    msg.op == LDAP_OP_SEARCH_ENTRY && fn != NULL && fn(ctx, &msg.u.entry) != 0)
			return 1;
		pos += len;
	}
	return 0;
}

int
ils_read(dir *d, const dir_ctx *c, const dir_search_params *p, ils_entry_fn fn,
    void *ctx, dir_result *res)
{
	dir_search *s = NULL;
	ber_writer w;
	arena a;
	int rc, code;

	memset(res, 0, sizeof(*res));
	if ((code = dir_search_begin(d, c, p, &s, res)) != LDAP_SUCCESS)
		return code;
	ber_writer_init(&w, 4096, 0);
	arena_init(&a, 16384, ILS_READ_ARENA);
	do {
		ber_writer_reset(&w);
		arena_reset(&a);
		rc = dir_search_step(s, &w, 1, ILS_READ_STEP, c->now_ms, res);
		if (w.err != 0) {
			ils_res(res, LDAP_OTHER, "out of memory reading entries");
			break;
		}
		if (deliver(&w, &a, fn, ctx)) {
			res->code = LDAP_SUCCESS;
			break;
		}
	} while (rc == DIR_SEARCH_MORE);
	dir_search_free(s);
	ber_writer_free(&w);
	arena_free(&a);
	return res->code;
}
