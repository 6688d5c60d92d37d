/*
 * ils.h - the ILS dialect (MS-TAIL, ../shared/spec/ils-compat.md).
 *
 * Sits between the LDAP layer and the directory: it recognises requests
 * shaped the ILS way (reversed pseudo-DNs ending in objectClass=RTPerson,
 * pseudo search bases, '%' wildcards, (sttl=N) refreshes, short attribute
 * names such as sappid, smodop modifies) and turns them into calls of the
 * directory API (dir.h) on the canonical entries, or rewrites a search
 * into canonical dir_search_params whose attribute selection shapes the
 * response the way ILS clients need it.
 *
 * Every entry point returns ILS_PASS when the request is not ILS-shaped:
 * the server then performs the standard LDAP operation unchanged.
 */
#ifndef ILSD_ILS_H
#define ILSD_ILS_H

#include "dir/dir.h"
#include "ldap/ldap.h"

enum ils_outcome {
	ILS_PASS = 0,		/* not an ILS request: do the standard operation */
	ILS_DONE = 1,		/* handled; res holds the result to send */
	ILS_SEARCH = 2,		/* search rewritten into *out; run it with dir_search_begin */
};

/*
 * Called once at start-up after dir_open: creates the static entries ILS
 * clients expect (e.g. the schema entries TAPI probes).  Returns an LDAP
 * result code; err gets a message on failure.
 */
int ils_init(dir *d, char *err, size_t errlen);

int ils_add(dir *d, const dir_ctx *c, const ldap_add_req *req, dir_result *res);
int ils_modify(dir *d, const dir_ctx *c, const ldap_modify_req *req, dir_result *res);
int ils_delete(dir *d, const dir_ctx *c, ber_slice dn, dir_result *res);
int ils_compare(dir *d, const dir_ctx *c, const ldap_compare_req *req, dir_result *res);
/* Rewrites an ILS search; memory for *out comes from c->a. */
int ils_search(dir *d, const dir_ctx *c, const ldap_search_req *req, dir_search_params *out,
    dir_result *res);

#endif
