/*
 * bench.h - ilsbench's configuration, operation kinds and statistics,
 * shared by the driver (timed workloads), the bulk loader (pre-load and
 * clean-up) and the report.
 */
#ifndef ILSBENCH_BENCH_H
#define ILSBENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"

enum workload {
	WL_NONE,
	WL_REGISTER,	/* new connection: bind, add, modify, unbind */
	WL_REFRESH,	/* new connection: bind, sttl search / Refresh, unbind */
	WL_LIST,	/* persistent connection: listing, sizelimit = page size */
	WL_LISTALL,	/* persistent connection: the whole listing */
	WL_RESOLVE,	/* persistent connection: one user's address */
	WL_MIXED,	/* a blend of the above, see bench_cfg.mix */
	WL_CONNECT,	/* connect, wait for the server's close, close */
	WL_COUNT
};

/* What is measured: one latency histogram and error tally per kind. */
enum op_kind {
	OPK_REGISTER,
	OPK_REFRESH,
	OPK_LIST_PAGE,
	OPK_LIST_FULL,
	OPK_RESOLVE,
	OPK_CONNECT,
	OPK_PRELOAD,
	OPK_DELETE,
	OPK_COUNT
};

/* Failures seen by the client, not carried in an LDAP result code. */
enum client_err {
	CERR_CONNECT,	/* connect() failed */
	CERR_CLOSED,	/* connection closed or reset mid-operation */
	CERR_PROTOCOL,	/* undecodable response, wrong message ID or type */
	CERR_TIMEOUT,	/* no answer within --timeout */
	CERR_NOENTRY,	/* success but no entry where one must come back */
	CERR_COUNT
};

#define RESULT_CODES 256
#define INVALID_ERROR_RATE 0.01		/* more than 1% errors: the run is INVALID */

typedef struct op_stats {
	hist lat;
	uint64_t ok;			/* successes, tolerated results included */
	uint64_t tolerated;		/* e.g. alreadyExists during a pre-load */
	uint64_t code[RESULT_CODES];	/* failures by LDAP result code */
	uint64_t client[CERR_COUNT];
} op_stats;

/* Percentages of the mixed workload; they add up to 100. */
typedef struct mix {
	unsigned resolve, refresh, reg, list;
} mix;

typedef struct bench_cfg {
	const char *host;		/* numeric IPv4, normally 127.0.0.1 */
	uint16_t port;
	int dialect;			/* enum dialect */
	int workload;			/* enum workload */
	unsigned conns;
	unsigned threads;
	double duration;		/* seconds measured */
	double warmup;			/* seconds run before measuring */
	double timeout;			/* seconds before an operation counts as lost */
	uint32_t users;			/* pre-loaded users u0000000 .. users-1 */
	uint64_t seed;
	uint32_t run_id;		/* makes register names unique per run */
	unsigned page;			/* sizelimit of a listing page */
	mix mix;
	bool preload;
	unsigned preload_conns;
	unsigned preload_window;
	int64_t preload_ttl;		/* seconds; 0: the server's default */
	const char *preload_prefix;	/* "u": names u0000000@ils.bench ... */
	bool cleanup;			/* delete what register created */
	bool unload;			/* delete the pre-loaded users */
	const char *label;		/* server name for the report */
	const char *json_path;		/* append the JSON line here too */
	bool quiet;			/* JSON only */
	bool verify;			/* decode every entry, not only count it */
} bench_cfg;

typedef struct run_result {
	op_stats ops[OPK_COUNT];
	double seconds;			/* length of the measured window */
	uint32_t registered;		/* register names handed out (for clean-up) */
} run_result;

const char *workload_name(int wl);
int workload_parse(const char *s);
const char *op_kind_name(int k);
const char *client_err_name(int e);

void op_stats_init(op_stats *s);
void op_stats_merge(op_stats *dst, const op_stats *src);
uint64_t op_stats_errors(const op_stats *s);
void run_result_init(run_result *r);
void run_result_merge(run_result *dst, const run_result *src);

/* Register names: r<run_id>x<index>@ils.bench, index unique in the run. */
void register_name(char *out, size_t cap, uint32_t run_id, uint32_t index);

/* The timed workload; 0, or -1 if it could not start (message printed). */
int driver_run(const bench_cfg *cfg, run_result *res);

enum bulk_kind { BULK_PRELOAD, BULK_UNLOAD, BULK_CLEANUP };
/*
 * Pipelined adds or deletes on a few connections, as fast as the server
 * takes them: BULK_PRELOAD adds users 0..users-1, BULK_UNLOAD deletes
 * them, BULK_CLEANUP deletes register names 0..count-1.  Results go to
 * res (OPK_PRELOAD or OPK_DELETE), res->seconds is the wall time.
 */
int bulk_run(const bench_cfg *cfg, int kind, uint32_t count, run_result *res);

/* Human table on stdout (unless quiet) and one JSON line; true if VALID. */
bool report_run(const bench_cfg *cfg, const char *what, const run_result *res);

/* Time in nanoseconds from CLOCK_MONOTONIC. */
uint64_t now_ns(void);

#endif
