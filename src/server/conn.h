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
	bool paged;			/* RFC 2696: answered page by page (paged.c) */
	uint64_t req_hash;
} search_job;

struct paged_saved;

/* Requests answered lately, for Cancel (RFC 3909) to tell tooLate from noSuchOperation. */
#define CONN_RECENT_OPS 16
typedef struct recent_op {
	int64_t msgid;			/* 0 = empty slot */
	bool cancelable;		/* not Bind, Unbind, Abandon, StartTLS or Cancel */
} recent_op;

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
	struct paged_saved *paged;	/* searches between two pages (paged.c) */
	unsigned npaged;
	uint64_t paged_seq;		/* last cookie handed out */
	recent_op recent[CONN_RECENT_OPS];
	unsigned recent_next;

	struct event *resume;		/* continue work after yielding to other connections */
	struct event *timer;		/* idle timeout, and the flush deadline when closing */
	uint64_t last_active_ms;	/* monotonic */
	bool closing;			/* no more requests; free once output is flushed */
	bool flush_armed;		/* the flush deadline is running */
	bool peer_eof;			/* the client shut down its sending side */

	/* Security (docs/security.md) */
	bool tls;			/* TLS (LDAPS, or since StartTLS) */
	bool tls_ready;			/* the handshake is done and SASL knows of it */
	bool starttls_pending;		/* switch to TLS once the StartTLS request is consumed */
	char peer_addr[48];		/* the address alone: owner of anonymous entries */
	bool limit_exempt;		/* spared the per-address limits (limit-exempt) */
	uint8_t rl_key[16];		/* the address as the rate limiter keys it */
	struct saslsrv_session *sasl;	/* made at the first SASL or Sicily bind */
	struct event *hold;		/* ends the hold of a failed bind's response */
	uint8_t *held;			/* that response, sent when the hold ends */
	size_t held_len;

	/* Group commit (commit.c): answers after a batched write wait for the commit. */
	struct evbuffer *unsynced;	/* output held until the loop's batch commits */
	bool commit_wait;		/* on the loop's waiting list */
	conn *wait_next, *wait_prev;
	uint64_t batch_mark;		/* store_batch_seq() when the current work began */
	bool sent_direct;		/* wrote to the socket itself (see send_output) */
};

/* Creates a connection on lp for an accepted socket (lp's thread); tls: LDAPS. */
conn *conn_new(loop *lp, int fd, const struct sockaddr *peer, socklen_t peerlen, bool tls);
/* Closes at once, discarding pending output. */
void conn_free(conn *c);
/* Server shutdown: Notice of Disconnection (unavailable), best-effort flush, free. */
void conn_shutdown(conn *c);

/*
 * Queues what the writer holds: to the socket, or (after a write still in
 * the loop's open batch) to c->unsynced until the batch commits.
 * Returns -1 (and starts closing) if encoding failed.
 */
int conn_flush_writer(conn *c);
/* Sends a Notice of Disconnection and closes once it is flushed. */
void conn_disconnect(conn *c, int code, const char *diag);
/* Stops taking requests and closes once pending output is flushed (Unbind). */
void conn_close_after_flush(conn *c);
/*
 * Holds what the writer holds (a failed bind's response) for ms
 * milliseconds; the connection takes no request meanwhile.
 */
void conn_hold_response(conn *c, uint64_t ms);
/* StartTLS: TLS begins right after the request (whose response is queued). */
void conn_start_tls_after_request(conn *c);
/* The batch committed (ok) or failed: send or drop what waited, and settle. */
void conn_commit_done(conn *c, bool ok);
/* Brings tls_ready (and the SASL session's view of TLS) up to date. */
void conn_tls_check(conn *c);

/* Search jobs (ops.c starts them, conn.c runs them; the first slice runs at once). */
int conn_add_job(conn *c, int64_t msgid, dir_search *ds);
/* The same for a paged search (RFC 2696): its end is handled by paged.c. */
int conn_add_paged_job(conn *c, int64_t msgid, dir_search *ds, uint64_t req_hash);
/* Frees the job with msgid; returns true if there was one. */
bool conn_abandon_job(conn *c, int64_t msgid);
/* Ends the search with msgid with result canceled (RFC 3909); true if there was one. */
bool conn_cancel_job(conn *c, int64_t msgid);

#endif
