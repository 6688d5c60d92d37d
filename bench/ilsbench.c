/*
 * ilsbench.c - ILS / LDAP load generator: options, the order of the
 * phases (pre-load, timed workload, clean-up), and the trivial acceptor
 * that gives the loopback connect-accept-close baseline.
 *
 * Exit status: 0 every run VALID, 1 usage error, 2 could not run,
 * 3 a run was INVALID (more than 1% errors).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "net.h"
#include "proto.h"

enum {
	OPT_HOST = 1000, OPT_PORT, OPT_DIALECT, OPT_WORKLOAD, OPT_CONNS, OPT_THREADS,
	OPT_DURATION, OPT_WARMUP, OPT_TIMEOUT, OPT_USERS, OPT_SEED, OPT_RUN_ID, OPT_PAGE,
	OPT_MIX, OPT_PRELOAD, OPT_PRELOAD_CONNS, OPT_PRELOAD_WINDOW, OPT_TTL, OPT_PREFIX,
	OPT_CLEANUP, OPT_UNLOAD, OPT_LABEL, OPT_JSON, OPT_QUIET, OPT_VERIFY, OPT_ACCEPTOR,
	OPT_HELP,
};

static const struct option options[] = {
	{ "host", required_argument, NULL, OPT_HOST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "dialect", required_argument, NULL, OPT_DIALECT },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "conns", required_argument, NULL, OPT_CONNS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "users", required_argument, NULL, OPT_USERS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	{ "page", required_argument, NULL, OPT_PAGE },
	{ "mix", required_argument, NULL, OPT_MIX },
	{ "preload", no_argument, NULL, OPT_PRELOAD },
	{ "preload-conns", required_argument, NULL, OPT_PRELOAD_CONNS },
	{ "preload-window", required_argument, NULL, OPT_PRELOAD_WINDOW },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "cleanup", no_argument, NULL, OPT_CLEANUP },
	{ "unload", no_argument, NULL, OPT_UNLOAD },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "acceptor", no_argument, NULL, OPT_ACCEPTOR },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fputs("usage: ilsbench --port PORT [options]\n"
	    "  --host ADDR           server address, loopback only (127.0.0.1)\n"
	    "  --dialect ils|std     NetMeeting 3.01 requests or standard LDAPv3 (ils)\n"
	    "  --workload W          register, refresh, list, listall, resolve, mixed,\n"
	    "                        connect or none (none)\n"
	    "  --conns N             concurrent clients (10)\n"
	    "  --threads N           event-loop threads; 0: one per usable CPU (1)\n"
	    "  --duration S          seconds measured (5)\n"
	    "  --warmup S            seconds run first, not measured (0.5)\n"
	    "  --timeout S           an operation without answer by then is lost (30)\n"
	    "  --users N             pre-loaded users u0000000.. (10000)\n"
	    "  --preload             add the N users first (pipelined adds)\n"
	    "  --preload-conns N     connections used to pre-load (4)\n"
	    "  --preload-window N    requests in flight per connection (32)\n"
	    "  --ttl S               time to live of pre-loaded users (server default)\n"
	    "  --prefix P            name prefix of pre-loaded users (u)\n"
	    "  --cleanup             delete the entries register created\n"
	    "  --unload              delete the N pre-loaded users at the end\n"
	    "  --page N              sizelimit of a listing page (100)\n"
	    "  --mix R,F,G,L         mixed: % resolve, refresh, register, list (70,20,5,5)\n"
	    "  --seed N              random seed (1)\n"
	    "  --run-id N            makes register names unique (time and pid)\n"
	    "  --label NAME          server name in the report (server)\n"
	    "  --json FILE           append the JSON line of each run to FILE\n"
	    "  --quiet               print only the JSON lines\n"
	    "  --verify              decode every entry received\n"
	    "  --acceptor            no load: accept and close connections on --port\n", f);
}

static int
parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_mix(const char *s, mix *m)
{
	unsigned a, b, c, d;
	char tail;

	if (sscanf(s, "%u,%u,%u,%u%c", &a, &b, &c, &d, &tail) != 4 || a + b + c + d != 100)
		return -1;
	m->resolve = a;
	m->refresh = b;
	m->reg = c;
	m->list = d;
	return 0;
}

static void
defaults(bench_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->host = "127.0.0.1";
	c->port = 389;
	c->dialect = DIALECT_ILS;
	c->workload = WL_NONE;
	c->conns = 10;
	c->threads = 1;
	c->duration = 5;
	c->warmup = 0.5;
	c->timeout = 30;
	c->users = 10000;
	c->seed = 1;
	c->run_id = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	c->page = 100;
	c->mix = (mix){ 70, 20, 5, 5 };
	c->preload_conns = 4;
	c->preload_window = 32;
	c->preload_prefix = "u";
	c->label = "server";
}

/* One option; returns 0, or -1 with a message printed. */
static int
apply_option(bench_cfg *c, int opt, const char *arg)
{
	double v = 0;
	int bad = 0;

	switch (opt) {
	case OPT_HOST: c->host = arg; break;
	case OPT_PORT: bad = parse_num(arg, 1, 65535, &v); c->port = (uint16_t)v; break;
	case OPT_DIALECT:
		if (strcmp(arg, "ils") == 0)
			c->dialect = DIALECT_ILS;
		else if (strcmp(arg, "std") == 0)
			c->dialect = DIALECT_STD;
		else
			bad = -1;
		break;
	case OPT_WORKLOAD: bad = (c->workload = workload_parse(arg)) < 0 ? -1 : 0; break;
	case OPT_CONNS: bad = parse_num(arg, 1, 100000, &v); c->conns = (unsigned)v; break;
	case OPT_THREADS: bad = parse_num(arg, 0, 256, &v); c->threads = (unsigned)v; break;
	case OPT_DURATION: bad = parse_num(arg, 0.1, 86400, &c->duration); break;
	case OPT_WARMUP: bad = parse_num(arg, 0, 3600, &c->warmup); break;
	case OPT_TIMEOUT: bad = parse_num(arg, 0.01, 3600, &c->timeout); break;
	case OPT_USERS: bad = parse_num(arg, 1, 9999999, &v); c->users = (uint32_t)v; break;
	case OPT_SEED: bad = parse_num(arg, 0, 1e15, &v); c->seed = (uint64_t)v; break;
	case OPT_RUN_ID: bad = parse_num(arg, 0, 4294967295.0, &v); c->run_id = (uint32_t)v; break;
	case OPT_PAGE: bad = parse_num(arg, 1, 1000000, &v); c->page = (unsigned)v; break;
	case OPT_MIX: bad = parse_mix(arg, &c->mix); break;
	case OPT_PRELOAD: c->preload = true; break;
	case OPT_PRELOAD_CONNS: bad = parse_num(arg, 1, 1000, &v); c->preload_conns = (unsigned)v;
		break;
	case OPT_PRELOAD_WINDOW: bad = parse_num(arg, 1, 10000, &v);
		c->preload_window = (unsigned)v;
		break;
	case OPT_TTL: bad = parse_num(arg, 1, 31557600, &v); c->preload_ttl = (int64_t)v; break;
	case OPT_PREFIX: bad = strlen(arg) > 20 ? -1 : 0; c->preload_prefix = arg; break;
	case OPT_CLEANUP: c->cleanup = true; break;
	case OPT_UNLOAD: c->unload = true; break;
	case OPT_LABEL: c->label = arg; break;
	case OPT_JSON: c->json_path = arg; break;
	case OPT_QUIET: c->quiet = true; break;
	case OPT_VERIFY: c->verify = true; break;
	default: return -1;
	}
	if (bad != 0) {
		const char *name = "?";

		for (const struct option *o = options; o->name != NULL; o++)
			if (o->val == opt)
				name = o->name;
		fprintf(stderr, "ilsbench: bad value for --%s: %s\n", name, arg);
		return -1;
	}
	return 0;
}

/* The benchmark only ever talks to this machine. */
static int
check_loopback(const char *host)
{
	struct in_addr a;

	if (inet_pton(AF_INET, host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127) {
		fprintf(stderr, "ilsbench: --host must be a loopback IPv4 address (127.x.x.x)\n");
		return -1;
	}
	return 0;
}

/* CPUs this process may run on (taskset narrows them). */
static unsigned
usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return (unsigned)CPU_COUNT(&set) > 0 ? (unsigned)CPU_COUNT(&set) : 1;
}

static void
raise_fd_limit(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < need + 64) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The baseline server: accept a connection and close it at once, as fast
 * as one thread can.  What a server achieves for one-connection flows is
 * compared with this rate.
 */
static int
run_acceptor(const bench_cfg *cfg)
{
	struct sockaddr_in sa;
	int one = 1, fd;

	if (net_addr(cfg->host, cfg->port, &sa) != 0 ||
	    (fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("ilsbench: acceptor");
		return 2;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4096) != 0) {
		perror("ilsbench: acceptor bind/listen");
		close(fd);
		return 2;
	}
	fprintf(stderr, "ilsbench: acceptor ready on %s:%u\n", cfg->host, cfg->port);
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED && errno != EMFILE &&
		    errno != ENFILE)
			break;
	}
	perror("ilsbench: accept");
	close(fd);
	return 2;
}

static int
run_phases(const bench_cfg *cfg)
{
	run_result *res = malloc(sizeof(*res));
	bench_cfg bulk_cfg = *cfg;	/* bulk phases report their own connections */
	int status = 0, rc;

	if (res == NULL)
		return 2;
	bulk_cfg.conns = cfg->preload_conns;
	bulk_cfg.threads = 1;
	bulk_cfg.warmup = 0;
	if (cfg->preload) {
		rc = bulk_run(cfg, BULK_PRELOAD, cfg->users, res);
		if (!report_run(&bulk_cfg, "preload", res))
			status = 3;
		if (rc != 0) {
			free(res);
			return 2;
		}
	}
	if (cfg->workload != WL_NONE) {
		if (driver_run(cfg, res) != 0) {
			free(res);
			return 2;
		}
		if (!report_run(cfg, workload_name(cfg->workload), res))
			status = 3;
		uint32_t registered = res->registered;
		if (cfg->cleanup && registered > 0) {
			(void)bulk_run(cfg, BULK_CLEANUP, registered, res);
			(void)report_run(&bulk_cfg, "cleanup", res);
		}
	}
	if (cfg->unload) {
		(void)bulk_run(cfg, BULK_UNLOAD, cfg->users, res);
		(void)report_run(&bulk_cfg, "unload", res);
	}
	free(res);
	return status;
}

int
main(int argc, char **argv)
{
	bench_cfg cfg;
	bool acceptor = false;
	int opt;

	defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			usage(stdout);
			return 0;
		}
		if (opt == OPT_ACCEPTOR) {
			acceptor = true;
			continue;
		}
		if (opt == '?' || apply_option(&cfg, opt, optarg) != 0) {
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ilsbench: unexpected argument %s\n", argv[optind]);
		return 1;
	}
	if (check_loopback(cfg.host) != 0)
		return 1;
	if (acceptor)
		return run_acceptor(&cfg);
	if (cfg.workload == WL_NONE && !cfg.preload && !cfg.unload) {
		fprintf(stderr, "ilsbench: nothing to do: give --workload, --preload or --unload\n");
		usage(stderr);
		return 1;
	}
	if (cfg.threads == 0)
		cfg.threads = usable_cpus();
	if (cfg.threads > cfg.conns)
		cfg.threads = cfg.conns;
	raise_fd_limit(cfg.conns * 2 + cfg.preload_conns);
	return run_phases(&cfg);
}
