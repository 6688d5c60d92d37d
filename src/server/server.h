/*
 * server.h - the daemon's moving parts: event loops, listeners, the
 * connections each loop owns, and the timers (sweeper, flusher).
 *
 * Threading (docs/architecture-server.md): N event loops, one per thread;
 * loop 0 runs in the main thread and also owns the listeners, the signal
 * events and the timers.  Loop 0 accepts every connection and hands it
 * round-robin to a loop, which owns it until it closes.  Nothing about a
 * connection is ever touched by two threads; the only shared state is the
 * directory (thread-safe), the connection counters (atomics) and the
 * per-address table (a mutex).
 */
#ifndef ILSD_SERVER_SERVER_H
#define ILSD_SERVER_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dir/dir.h"
#include "ldap/ldap.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/iplimit.h"
#include "store/store.h"

struct event_base;
struct event;
struct evconnlistener;

typedef struct server server;
typedef struct loop loop;
typedef struct conn conn;

/* An accepted socket on its way to the loop that will own it. */
typedef struct handoff {
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	bool tls;			/* accepted on an LDAPS listener */
} handoff;

struct loop {
	server *srv;
	unsigned index;
	struct event_base *base;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;		/* guards queue */
	handoff *queue;
	size_t qlen, qcap;
	struct event *wake;		/* activated when queue gains sockets */
	struct event *stop;		/* activated to close everything and leave */
	conn *conns;			/* connections owned by this loop */
	unsigned nconns;
	bool stopping;
	/* Group commit (commit.c) */
	struct event *commit_ev;	/* commits the round's writes, after its callbacks */
	bool commit_armed;
	uint64_t batch_since_ms;	/* when the open batch was first seen (0: none) */
	conn *waiting;			/* connections whose answers wait for the commit */
};

struct server {
	const ilsd_config *cfg;
	store *st;
	dir *d;
	auth au;
	ldap_limits limits;

	loop *loops;
	unsigned nloops;
	unsigned next_loop;		/* round-robin cursor (loop 0 thread only) */

	struct evconnlistener *listeners[2 * CONFIG_MAX_LISTEN];
	size_t nlisteners;
	struct listener_arg {
		struct server *srv;
		bool tls;
	} listener_args[2];		/* [0] plain, [1] LDAPS: the accept callback's argument */
	struct event *accept_retry;	/* re-enables accepting after EMFILE */
	struct event *sig_term, *sig_int, *sig_hup;
	struct event *sweeper;
	struct flusher *flusher;	/* store_sync thread when sync = false (flusher.c) */

	atomic_uint nconns;		/* open connections, all loops */
	atomic_uint_fast64_t next_conn_id;
	iplimit *ipl;
	uint64_t last_reject_log_ms;	/* rate limit of "too many connections" logs */
	/* Security (docs/security.md); set up by main before server_start. */
	struct tls_server *tls;		/* NULL: no TLS */
	const struct tls_settings *tls_settings;	/* for reloads on SIGHUP */
	struct ratelimit *rl;
	struct wordfilter *wf;		/* NULL: no word filter */
	bool stopping;
	int exit_code;
};

/*
 * Creates the loops and binds the listeners (st and d already open).
 * Returns 0, or 2 after logging why (bind failure ...).
 */
int server_start(server *s, const ilsd_config *cfg, store *st, dir *d);
/* Runs loop 0 until SIGTERM/SIGINT; joins the other loops. Returns the exit code. */
int server_run(server *s);
/* Frees what server_start made (call after server_run, before dir_close). */
void server_free(server *s);

/* Hands an accepted socket to lp (any thread). */
void loop_adopt(loop *lp, int fd, const struct sockaddr *peer, socklen_t peerlen, bool tls);

/* Monotonic milliseconds (idle timers) and wall-clock Unix milliseconds (directory). */
uint64_t mono_ms(void);
uint64_t wall_ms(void);

#endif
