/*
 * stats.c - names of workloads and operations, and the arithmetic of
 * per-operation statistics (merging the threads' tallies).
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char *const workload_names[WL_COUNT] = {
	[WL_NONE] = "none", [WL_REGISTER] = "register", [WL_REFRESH] = "refresh",
	[WL_LIST] = "list", [WL_LISTALL] = "listall", [WL_RESOLVE] = "resolve",
	[WL_MIXED] = "mixed", [WL_CONNECT] = "connect",
};

static const char *const op_names[OPK_COUNT] = {
	[OPK_REGISTER] = "register", [OPK_REFRESH] = "refresh", [OPK_LIST_PAGE] = "list_page",
	[OPK_LIST_FULL] = "list_full", [OPK_RESOLVE] = "resolve", [OPK_CONNECT] = "connect",
	[OPK_PRELOAD] = "preload", [OPK_DELETE] = "delete",
};

static const char *const client_err_names[CERR_COUNT] = {
	[CERR_CONNECT] = "connect", [CERR_CLOSED] = "closed", [CERR_PROTOCOL] = "protocol",
	[CERR_TIMEOUT] = "timeout", [CERR_NOENTRY] = "noentry",
};

const char *
workload_name(int wl)
{
	return wl >= 0 && wl < WL_COUNT ? workload_names[wl] : "?";
}

int
workload_parse(const char *s)
{
	for (int i = 0; i < WL_COUNT; i++)
		if (strcmp(s, workload_names[i]) == 0)
			return i;
	return -1;
}

const char *
op_kind_name(int k)
{
	return k >= 0 && k < OPK_COUNT ? op_names[k] : "?";
}

const char *
client_err_name(int e)
{
	return e >= 0 && e < CERR_COUNT ? client_err_names[e] : "?";
}

void
op_stats_init(op_stats *s)
{
	memset(s, 0, sizeof(*s));
	hist_init(&s->lat);
}

void
op_stats_merge(op_stats *dst, const op_stats *src)
{
	hist_merge(&dst->lat, &src->lat);
	dst->ok += src->ok;
	dst->tolerated += src->tolerated;
	for (int i = 0; i < RESULT_CODES; i++)
		dst->code[i] += src->code[i];
	for (int i = 0; i < CERR_COUNT; i++)
		dst->client[i] += src->client[i];
}

uint64_t
op_stats_errors(const op_stats *s)
{
	uint64_t n = 0;

	for (int i = 0; i < RESULT_CODES; i++)
		n += s->code[i];
	for (int i = 0; i < CERR_COUNT; i++)
		n += s->client[i];
	return n;
}

void
run_result_init(run_result *r)
{
	for (int k = 0; k < OPK_COUNT; k++)
		op_stats_init(&r->ops[k]);
	r->seconds = 0;
	r->registered = 0;
}

void
run_result_merge(run_result *dst, const run_result *src)
{
	for (int k = 0; k < OPK_COUNT; k++)
		op_stats_merge(&dst->ops[k], &src->ops[k]);
}

void
register_name(char *out, size_t cap, uint32_t run_id, uint32_t index)
{
	snprintf(out, cap, "r%ux%07u@ils.bench", run_id, index);
}
