/*
 * conn.h - one client connection: framing, the request queue, running
 * searches and back-pressure.
 *
 * A connection belongs to one loop for life.  Requests are taken from the
 * input in arrival order.  Everything but a search completes at once and
 * its response is queued right away; a search becomes a job that produces
 * entries a slice at a time, only while the pending output is below
 * write-buffer-high-water, and resumes when the socket has drained.  So a
 * client that stops reading costs the server about high-water bytes, no
 * matter how large the result.
 */
#ifndef ILSD_SERVER_CONN_H
#define ILSD_SERVER_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ber/ber.h"
#include "dir/dir.h"
#include "server/auth.h"
#include "server/server.h"
#include "util/arena.h"

struct bufferevent;

/* A search in progress. */
typedef struct search_job {
	struct search_job *next, *prev;
	int64_t msgid;
	dir_search *ds;
} search_job;

struct conn {
	conn *next, *prev;		/* in the loop's list */
	loop *lp;
	server *srv;
	uint64_t id;
	struct bufferevent *bev;
	struct sockaddr_storage peer;
	char peer_text[64];
	bool ip_counted;		/* holds a slot in the per-address table */

	arena a;			/* per-request memory, reset for each request */
	ber_writer w;			/* responses are encoded here, then queued */
	identity who;

	search_job *jobs, *jobs_tail;	/* running searches, round-robin order */
	unsigned njobs;

	struct event *resume;		/* continue work after yielding to other connections */
	struct event *timer;		/* idle timeout, and the flush deadline when closing */
	uint64_t last_active_ms;	/* monotonic */
	bool closing;			/* no more requests; free once output is flushed */
	bool flush_armed;		/* the flush deadline is running */
};

/* Creates a connection on lp for an accepted socket (lp's thread). */
conn *conn_new(loop *lp, int fd, const struct sockaddr *peer, socklen_t peerlen);
/* Closes at once, discarding pending output. */
void conn_free(conn *c);
/* Server shutdown: Notice of Disconnection (unavailable), best-effort flush, free. */
void conn_shutdown(conn *c);

/* Queues what the writer holds. Returns -1 (and starts closing) if encoding failed. */
int conn_flush_writer(conn *c);
/* Sends a Notice of Disconnection and closes once it is flushed. */
void conn_disconnect(conn *c, int code, const char *diag);
/* Stops taking requests and closes once pending output is flushed (Unbind). */
void conn_close_after_flush(conn *c);

/* Search jobs (ops.c starts them, conn.c runs them; the first slice runs at once). */
int conn_add_job(conn *c, int64_t msgid, dir_search *ds);
/* Frees the job with msgid; returns true if there was one. */
bool conn_abandon_job(conn *c, int64_t msgid);

#endif
