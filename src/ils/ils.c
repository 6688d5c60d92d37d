/*
 * ils.c - placeholder until the ILS dialect lands (issue 5): every request
 * is treated as standard LDAP.
 */
#include "ils/ils.h"

int
ils_init(dir *d, char *err, size_t errlen)
{
	return 0;
}

int
ils_add(dir *d, const dir_ctx *c, const ldap_add_req *req, dir_result *res)
{
	return ILS_PASS;
}

int
ils_modify(dir *d, const dir_ctx *c, const ldap_modify_req *req, dir_result *res)
{
	return ILS_PASS;
}

int
ils_delete(dir *d, const dir_ctx *c, ber_slice dn, dir_result *res)
{
	return ILS_PASS;
}

int
ils_compare(dir *d, const dir_ctx *c, const ldap_compare_req *req, dir_result *res)
{
	return ILS_PASS;
}

int
ils_search(dir *d, const dir_ctx *c, const ldap_search_req *req, dir_search_params *out,
    dir_result *res)
{
	return ILS_PASS;
}
