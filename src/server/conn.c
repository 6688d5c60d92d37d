/*
 * conn.c - a connection's life: reading and framing requests, running
 * search jobs under back-pressure, idle timeouts, closing.
 *
 * All work for a connection happens in conn_pump(), called from the
 * socket callbacks.  One call does a bounded amount of work and then
 * yields (re-activating itself), so a busy client cannot starve the other
 * connections of its loop.  Callbacks end with conn_settle(), the only
 * place a connection that is closing gets freed, so no function ever
 * runs on a freed connection.
 */
#include "server/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/commit.h"
#include "server/ops.h"
#include "server/paged.h"
#include "server/ratelimit.h"
#include "server/sasl.h"
#include "server/tls.h"
#include "util/log.h"

#define PUMP_BUDGET 64			/* requests or search steps per callback */
#define PUMP_TIME_MS 20			/* ... or this long, whichever comes first */
#define STEP_MAX (64 * 1024)		/* bytes of entries per search step */
#define STEP_MIN 4096
#define FLUSH_DEADLINE_MS 5000		/* how long a closing connection may take to drain */
#define ARENA_CHUNK 8192
#define WRITER_KEEP (256 * 1024)	/* a larger encode buffer is given back after use */
#define WRITER_IDLE_KEEP (16 * 1024)	/* ... and a larger one than this once no search runs */
#define CANCEL_SLACK (64 * 1024)	/* output a Cancel may add beyond high-water */

static void conn_pump(conn *c);
static void conn_settle(conn *c);
static void start_tls(conn *c);
static void on_read(struct bufferevent *bev, void *arg);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static size_t
high_water(const conn *c)
{
	return (size_t)c->srv->cfg->write_buffer_high_water;
}

/* Pending output, including answers waiting for the group commit. */
static size_t
output_len(const conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    (c->unsynced != NULL ? evbuffer_get_length(c->unsynced) : 0);
}

/*
 * Must what the writer holds wait for the loop's batch?  Yes once the
 * connection waits (order is kept), or if the work under way wrote into a
 * batch that is still open.
 */
static bool
must_wait(const conn *c)
{
	const store *st = c->srv->st;

	return c->commit_wait ||
	    (store_batch_seq(st) != c->batch_mark && store_batch_pending(st) > 0);
}

/*
 * Sends straight to the socket when nothing is queued before: most answers
 * are small and the socket takes them whole, which spares the copy into
 * the bufferevent and the epoll_ctl calls that arm and disarm its write
 * event (about an eighth of the CPU of a resolve).  What the socket does
 * not take is queued as usual.  TLS connections always go through their
 * bufferevent.  A connection that sent directly is closed one loop turn
 * later (conn_settle): closing in the same callback as the send made
 * loopback peers see a reset instead of the answer now and then.
 */
static int
send_output(conn *c, const uint8_t *p, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (!c->tls && !c->closing && evbuffer_get_length(out) == 0) {
		ssize_t n = send(bufferevent_getfd(c->bev), p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->sent_direct = true;
			p += n;
			len -= (size_t)n;
		}
		if (len == 0)
			return 0;
	}
	return evbuffer_add(out, p, len);
}

static int
queue_output(conn *c, const uint8_t *p, size_t len)
{
	if (!must_wait(c))
		return send_output(c, p, len);
	if (c->unsynced == NULL && (c->unsynced = evbuffer_new()) == NULL)
		return -1;
	if (evbuffer_add(c->unsynced, p, len) != 0)
		return -1;
	commit_wait(c);
	return 0;
}

void
conn_commit_done(conn *c, bool ok)
{
	if (c->unsynced != NULL && evbuffer_get_length(c->unsynced) > 0) {
		if (!ok) {
			evbuffer_drain(c->unsynced, evbuffer_get_length(c->unsynced));
			conn_disconnect(c, LDAP_UNAVAILABLE, "the store could not commit");
		} else {
			size_t n = evbuffer_get_length(c->unsynced);
			const uint8_t *p = evbuffer_pullup(c->unsynced, (ev_ssize_t)n);
			if (p == NULL || send_output(c, p, n) != 0)
				conn_close_after_flush(c);
			evbuffer_drain(c->unsynced, n);
		}
	}
	conn_settle(c);
}

static void
peer_to_text(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(out, cap, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(out, cap, "[%s]:%u", host, port);
	} else {
		snprintf(out, cap, "local");
	}
}

/* The address alone ("192.0.2.1", "2001:db8::1"): IPv4-mapped IPv6 as IPv4. */
static void
peer_address(const struct sockaddr *sa, char *out, size_t cap)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
	else if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], out, (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, out, (socklen_t)cap);
	else
		snprintf(out, cap, "local");
}

static void
arm_timer(conn *c, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	evtimer_add(c->timer, &tv);
}

/* ---- search jobs ---- */

static void
job_unlink(conn *c, search_job *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		c->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	else
		c->jobs_tail = j->prev;
	j->next = j->prev = NULL;
	c->njobs--;
}

static void
job_append(conn *c, search_job *j)
{
	j->next = NULL;
	j->prev = c->jobs_tail;
	if (c->jobs_tail != NULL)
		c->jobs_tail->next = j;
	else
		c->jobs = j;
	c->jobs_tail = j;
	c->njobs++;
}

static void
job_free(conn *c, search_job *j)
{
	job_unlink(c, j);
	dir_search_free(j->ds);
	free(j);
}

static void step_search(conn *c, search_job *j);

/*
 * A new search gets its first slice at once, so a small search (the
 * usual case) is answered before the next pipelined request is looked at.
 */
static int
add_job(conn *c, int64_t msgid, dir_search *ds, bool paged, uint64_t req_hash)
{
	search_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -1;
	j->msgid = msgid;
	j->ds = ds;
	j->paged = paged;
	j->req_hash = req_hash;
	job_append(c, j);
	if (output_len(c) < high_water(c))
		step_search(c, j);
	return 0;
}

int
conn_add_job(conn *c, int64_t msgid, dir_search *ds)
{
	return add_job(c, msgid, ds, false, 0);
}

int
conn_add_paged_job(conn *c, int64_t msgid, dir_search *ds, uint64_t req_hash)
{
	return add_job(c, msgid, ds, true, req_hash);
}

bool
conn_abandon_job(conn *c, int64_t msgid)
{
	for (search_job *j = c->jobs; j != NULL; j = j->next) {
		if (j->msgid == msgid) {
			log_debug("conn %llu: search %lld abandoned after %llu entries",
			    (unsigned long long)c->id, (long long)msgid,
			    (unsigned long long)dir_search_count(j->ds));
			job_free(c, j);
			return true;
		}
	}
	return false;
}

bool
conn_cancel_job(conn *c, int64_t msgid)
{
	for (search_job *j = c->jobs; j != NULL; j = j->next) {
		if (j->msgid == msgid) {
			ldap_encode_result(&c->w, msgid, LDAP_OP_SEARCH_DONE, LDAP_CANCELED, "",
			    "canceled");
			log_debug("conn %llu: search %lld canceled after %llu entries",
			    (unsigned long long)c->id, (long long)msgid,
			    (unsigned long long)dir_search_count(j->ds));
			job_free(c, j);
			conn_flush_writer(c);
			return true;
		}
	}
	return false;
}

static void
free_jobs(conn *c)
{
	while (c->jobs != NULL)
		job_free(c, c->jobs);
	paged_free_all(c);
}

/*
 * Runs the search at the head of the queue for one slice and moves it to
 * the back, so several searches on one connection share the socket.
 */
static void
step_search(conn *c, search_job *j)
{
	size_t out = output_len(c), budget = high_water(c) > out ? high_water(c) - out : 0;
	dir_result res;
	int r;

	if (budget > STEP_MAX)
		budget = STEP_MAX;
	if (budget < STEP_MIN)
		budget = STEP_MIN;
	memset(&res, 0, sizeof(res));
	r = dir_search_step(j->ds, &c->w, j->msgid, budget, wall_ms(), &res);
	if (r != DIR_SEARCH_MORE && j->paged) {
		paged_job_end(c, j, r, &res);
		job_free(c, j);
	} else if (r != DIR_SEARCH_MORE) {
		ldap_encode_result(&c->w, j->msgid, LDAP_OP_SEARCH_DONE, res.code,
		    res.matched ? res.matched : "", res.diag);
		log_debug("conn %llu: search %lld done: %s, %llu entries", (unsigned long long)c->id,
		    (long long)j->msgid, ldap_result_name(res.code),
		    (unsigned long long)dir_search_count(j->ds));
		job_free(c, j);
	} else if (j != c->jobs_tail) {
		job_unlink(c, j);
		job_append(c, j);
	}
	conn_flush_writer(c);
}

/* ---- output ---- */

int
conn_flush_writer(conn *c)
{
	int rc = 0;

	if (c->w.err != 0) {
		log_error("conn %llu: cannot encode a response: %s", (unsigned long long)c->id,
		    ber_strerror(c->w.err));
		rc = -1;
	} else if (c->w.len > 0 && queue_output(c, c->w.buf, c->w.len) != 0) {
		log_error("conn %llu: out of memory queueing a response", (unsigned long long)c->id);
		rc = -1;
	}
	/* An idle connection keeps a small buffer: thousands of them may be open. */
	if (c->w.cap > WRITER_KEEP || (c->jobs == NULL && c->w.cap > WRITER_IDLE_KEEP)) {
		ber_writer_free(&c->w);
		ber_writer_init(&c->w, 4096, 0);
	} else {
		ber_writer_reset(&c->w);
	}
	if (rc < 0)
		conn_close_after_flush(c);
	return rc;
}

void
conn_close_after_flush(conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	free_jobs(c);
	bufferevent_disable(c->bev, EV_READ);
}

void
conn_disconnect(conn *c, int code, const char *diag)
{
	if (c->closing)
		return;
	log_info("conn %llu from %s: disconnecting: %s (%s)", (unsigned long long)c->id,
	    c->peer_text, diag, ldap_result_name(code));
	ldap_encode_notice_of_disconnection(&c->w, code, diag);
	conn_flush_writer(c);
	conn_close_after_flush(c);
}

/* ---- input ---- */

/*
 * Reads the outer header of the next LDAPMessage: returns 1 with the
 * whole PDU's length, 0 if the header is incomplete, or < 0 (a BER_ERR_*)
 * if the stream cannot be an LDAPMessage.  Only the header is looked at,
 * so a large PDU arriving in pieces is not re-scanned on every read; the
 * complete PDU is checked again with ber_frame before it is decoded.
 */
static int
frame_header(const uint8_t *h, size_t n, size_t max_pdu, size_t *pdu_len)
{
	size_t len, hlen, nb;

	if (n < 1)
		return 0;
	if (h[0] != 0x30)
		return BER_ERR_UNEXPECTED;
	if (n < 2)
		return 0;
	if (h[1] < 0x80) {
		len = h[1];
		hlen = 2;
	} else if (h[1] == 0x80) {
		return BER_ERR_INDEFINITE;
	} else {
		nb = h[1] & 0x7f;
		if (nb > 4)
			return BER_ERR_TOO_BIG;
		if (n < 2 + nb)
			return 0;
		len = 0;
		for (size_t i = 0; i < nb; i++)
			len = (len << 8) | h[2 + i];
		hlen = 2 + nb;
	}
	if (len > max_pdu || hlen + len > max_pdu)
		return BER_ERR_TOO_BIG;
	*pdu_len = hlen + len;
	return 1;
}

/*
 * The protocolOp tag of a framed PDU (0xff if it cannot be read); a
 * Cancel extended request (RFC 3909) is reported as OP_CANCEL.
 */
#define OP_CANCEL 0x100
static int
peek_op(const uint8_t *pdu, size_t len)
{
	ber_reader r, msg, ext;
	ber_tlv t;
	ber_slice oid;
	int64_t id;

	ber_reader_init(&r, pdu, len, BER_DEFAULT_MAX_DEPTH);
	if (ber_read_sequence(&r, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &msg) != BER_OK ||
	    ber_read_integer(&msg, BER_CLASS_UNIVERSAL, BER_TAG_INTEGER, &id) != BER_OK ||
	    ber_peek_tlv(&msg, &t) != BER_OK || t.cls != BER_CLASS_APPLICATION)
		return 0xff;
	if (t.tag == LDAP_OP_EXTENDED_REQUEST &&
	    ber_read_sequence(&msg, BER_CLASS_APPLICATION, LDAP_OP_EXTENDED_REQUEST, &ext) == BER_OK &&
	    ber_read_octets(&ext, BER_CLASS_CONTEXT, 0, &oid) == BER_OK &&
	    ldap_slice_eq_ci(oid, LDAP_OID_CANCEL))
		return OP_CANCEL;
	return (int)t.tag;
}

/*
 * Takes the next request from the input and handles it.  Returns 1 if
 * one was handled, 0 if there is none or it must wait: the output is over
 * the high-water mark (only Abandon and Unbind still pass, so a client can
 * stop a search it no longer reads), or a Bind waits for the running
 * searches to finish (RFC 4511 4.2.1).
 */
static int
take_request(conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in), pdu_len = 0, framed = 0;
	size_t max_pdu = (size_t)c->srv->cfg->max_pdu_size;
	uint8_t hdr[8];
	const uint8_t *pdu;
	const char *why = NULL;
	ldap_msg m;
	int r, op, rc;

	if (avail == 0 || c->held != NULL)
		return 0;
	r = frame_header(hdr, (size_t)evbuffer_copyout(in, hdr, sizeof(hdr)), max_pdu, &pdu_len);
	if (r == BER_ERR_TOO_BIG) {
		char diag[96];
		snprintf(diag, sizeof(diag), "request larger than max-pdu-size (%zu bytes)", max_pdu);
		conn_disconnect(c, LDAP_ADMIN_LIMIT_EXCEEDED, diag);
		return 0;
	}
	if (r < 0) {
		conn_disconnect(c, LDAP_PROTOCOL_ERROR, "malformed LDAPMessage framing");
		return 0;
	}
	if (r == 0 || avail < pdu_len)
		return 0;
	pdu = evbuffer_pullup(in, (ev_ssize_t)pdu_len);
	if (pdu == NULL) {
		conn_disconnect(c, LDAP_OTHER, "out of memory");
		return 0;
	}
	if (ber_frame(pdu, pdu_len, max_pdu, &framed) != 1 || framed != pdu_len) {
		conn_disconnect(c, LDAP_PROTOCOL_ERROR, "malformed LDAPMessage framing");
		return 0;
	}
	op = peek_op(pdu, pdu_len);
	/* Abandon, Unbind and Cancel stop work: they pass while output is pending
	 * (a Cancel's short answer only up to a bounded overshoot). */
	if (output_len(c) >= high_water(c) && op != LDAP_OP_ABANDON_REQUEST &&
	    op != LDAP_OP_UNBIND_REQUEST &&
	    !(op == OP_CANCEL && output_len(c) < high_water(c) + CANCEL_SLACK))
		return 0;
	if (op == LDAP_OP_BIND_REQUEST && c->njobs > 0)
		return 0;

	arena_reset(&c->a);
	memset(&m, 0, sizeof(m));
	rc = ldap_decode(pdu, pdu_len, &c->a, &c->srv->limits, &m, &why);
	ops_handle(c, &m, rc, why);
	evbuffer_drain(in, pdu_len);
	if (c->starttls_pending)
		start_tls(c);
	return 1;
}

/* ---- security: StartTLS and held responses ---- */

void
conn_start_tls_after_request(conn *c)
{
	c->starttls_pending = true;
}

/*
 * Puts a TLS filter over the plain bufferevent.  The StartTLS response is
 * already in the plain output and goes out first; the request itself has
 * been drained, so the filter reads nothing but the client's handshake.
 */
static void
start_tls(conn *c)
{
	const ilsd_config *cfg = c->srv->cfg;
	struct bufferevent *tb;

	c->starttls_pending = false;
	/* Answers waiting for the commit must go out in the clear, before TLS. */
	if (c->commit_wait)
		commit_now(c->lp);
	tb = tls_wrap_filter(c->srv->tls, c->lp->base, c->bev, BEV_OPT_CLOSE_ON_FREE);
	if (tb == NULL) {
		log_error("conn %llu from %s: cannot start TLS", (unsigned long long)c->id,
		    c->peer_text);
		conn_close_after_flush(c);
		return;
	}
	c->bev = tb;
	c->tls = true;
	bufferevent_setcb(tb, on_read, on_write, on_event, c);
	bufferevent_setwatermark(tb, EV_READ, 0, (size_t)cfg->max_pdu_size + 65536);
	bufferevent_setwatermark(tb, EV_WRITE, high_water(c) / 2, 0);
	bufferevent_enable(tb, EV_READ | EV_WRITE);
	log_debug("conn %llu from %s: StartTLS", (unsigned long long)c->id, c->peer_text);
}

static void
on_hold_end(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;

	if (c->held != NULL && evbuffer_add(bufferevent_get_output(c->bev), c->held,
	    c->held_len) != 0)
		conn_close_after_flush(c);
	free(c->held);
	c->held = NULL;
	c->held_len = 0;
	conn_pump(c);
	conn_settle(c);
}

/*
 * Failed binds are answered late (ratelimit.h): the response waits in
 * c->held, and take_request() takes nothing while it does, so a client
 * cannot pipeline guesses past the delay.
 */
void
conn_hold_response(conn *c, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	if (ms == 0 || c->w.err != 0 || c->w.len == 0 || c->held != NULL) {
		conn_flush_writer(c);
		return;
	}
	if (c->hold == NULL)
		c->hold = evtimer_new(c->lp->base, on_hold_end, c);
	c->held = malloc(c->w.len);
	if (c->hold == NULL || c->held == NULL) {
		free(c->held);
		c->held = NULL;
		conn_flush_writer(c);
		return;
	}
	memcpy(c->held, c->w.buf, c->w.len);
	c->held_len = c->w.len;
	ber_writer_reset(&c->w);
	evtimer_add(c->hold, &tv);
}

/*
 * Is there a request (or a framing error) at the head of the input that
 * the next pump will act on?  False when the input is empty or ends in an
 * unfinished PDU.
 */
static bool
input_ready(conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in), pdu_len = 0;
	uint8_t hdr[8];
	int r;

	if (avail == 0)
		return false;
	r = frame_header(hdr, (size_t)evbuffer_copyout(in, hdr, sizeof(hdr)),
	    (size_t)c->srv->cfg->max_pdu_size, &pdu_len);
	return r < 0 || (r == 1 && avail >= pdu_len);
}

/* ---- the work loop ---- */

static void
conn_pump(conn *c)
{
	unsigned work = 0;
	uint64_t started = mono_ms();

	while (!c->closing) {
		if (work++ == PUMP_BUDGET || (work > 1 && mono_ms() - started >= PUMP_TIME_MS)) {
			/*
			 * Resume from a zero timer, not event_active(): libevent runs
			 * events activated by a callback before it polls again, so
			 * that would starve every other connection of the loop.
			 */
			static const struct timeval now = { 0, 0 };
			evtimer_add(c->resume, &now);
			return;
		}
		c->batch_mark = store_batch_seq(c->srv->st);
		if (take_request(c) > 0) {
			commit_check(c->lp);
			continue;
		}
		if (c->jobs != NULL && !c->closing && output_len(c) < high_water(c)) {
			step_search(c, c->jobs);
			commit_check(c->lp);
			continue;
		}
		break;
	}
}

/*
 * Frees a closing connection once its output is out (or arms the flush
 * deadline and waits for the write callback).
 */
static void
conn_settle(conn *c)
{
	/* A client that half-closed gets every answer, then the connection closes. */
	if (c->peer_eof && !c->closing && c->jobs == NULL && c->held == NULL &&
	    !input_ready(c))
		conn_close_after_flush(c);
	if (!c->closing || c->commit_wait)
		return;
	if (output_len(c) == 0 && c->sent_direct) {
		/* Close on the next turn of the loop, not right behind a direct send. */
		static const struct timeval now = { 0, 0 };
		c->sent_direct = false;
		evtimer_add(c->resume, &now);
		return;
	}
	if (output_len(c) == 0) {
		conn_free(c);
		return;
	}
	/* Be told when the output is empty, and give up after the deadline. */
	if (!c->flush_armed) {
		c->flush_armed = true;
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		arm_timer(c, FLUSH_DEADLINE_MS);
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	conn *c = arg;

	c->last_active_ms = mono_ms();
	conn_pump(c);
	conn_settle(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	conn *c = arg;

	c->last_active_ms = mono_ms();
	if (!c->closing)
		conn_pump(c);
	conn_settle(c);
}

/*
 * The TLS handshake is done: SASL learns the layer and the client
 * certificate.  libevent may deliver the first request before its
 * CONNECTED event, so binds call this too (conn_tls_check).
 */
static void
tls_connected(conn *c)
{
	SSL *ssl = tls_bev_ssl(c->bev);
	char desc[128], dn[1024];
	long n;

	if (c->tls_ready || ssl == NULL || !SSL_is_init_finished(ssl))
		return;
	n = tls_peer_dn(ssl, dn, sizeof(dn));
	c->tls_ready = true;
	if (c->sasl != NULL)
		saslsrv_session_set_tls(c->sasl, tls_ssf(ssl), n > 0 ? dn : NULL);
	if (log_enabled(LOG_LVL_DEBUG)) {
		tls_describe(ssl, desc, sizeof(desc));
		log_debug("conn %llu from %s: %s%s%s", (unsigned long long)c->id, c->peer_text,
		    desc, n > 0 ? ", client certificate " : "", n > 0 ? dn : "");
	}
}

void
conn_tls_check(conn *c)
{
	if (c->tls)
		tls_connected(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		tls_connected(c);
		return;
	}
	if ((what & BEV_EVENT_ERROR) && c->tls) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		char buf[256] = "connection error";
		if (e != 0)
			ERR_error_string_n(e, buf, sizeof(buf));
		log_debug("conn %llu from %s: TLS: %s", (unsigned long long)c->id, c->peer_text,
		    buf);
	} else if (what & BEV_EVENT_ERROR)
		log_debug("conn %llu from %s: %s", (unsigned long long)c->id, c->peer_text,
		    strerror(errno));
	else if (what & BEV_EVENT_EOF)
		log_debug("conn %llu from %s: closed by the client", (unsigned long long)c->id,
		    c->peer_text);
	if ((what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))) {
		/* Only the client's sending side is shut: finish and flush what it sent. */
		c->peer_eof = true;
		if (!c->closing)
			conn_pump(c);
		conn_settle(c);
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
		conn_free(c);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;

	conn_pump(c);
	conn_settle(c);
}

/*
 * The connection timer: the flush deadline of a closing connection, or
 * the idle timeout.  Activity only updates a timestamp; the timer re-arms
 * itself for the remaining time, so busy connections cost no timer work.
 */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;
	uint64_t idle_ms = (uint64_t)c->srv->cfg->idle_timeout * 1000, now = mono_ms();

	if (c->closing) {
		log_debug("conn %llu: output not drained in time, closed", (unsigned long long)c->id);
		conn_free(c);
		return;
	}
	if (idle_ms == 0)
		return;
	if (now - c->last_active_ms < idle_ms) {
		arm_timer(c, idle_ms - (now - c->last_active_ms));
		return;
	}
	if (output_len(c) > 0) {
		/* Output is stuck: the client stopped reading. */
		log_info("conn %llu from %s: idle timeout with %zu bytes unread, closed",
		    (unsigned long long)c->id, c->peer_text, output_len(c));
		conn_free(c);
		return;
	}
	conn_disconnect(c, LDAP_UNAVAILABLE, "idle timeout");
	conn_settle(c);
}

/* ---- life cycle ---- */

static void
release_slot(server *s, const struct sockaddr *peer, bool ip_counted)
{
	if (ip_counted)
		iplimit_release(s->ipl, peer);
	atomic_fetch_sub(&s->nconns, 1);
}

conn *
conn_new(loop *lp, int fd, const struct sockaddr *peer, socklen_t peerlen, bool tls)
{
	server *s = lp->srv;
	const ilsd_config *cfg = s->cfg;
	bool ip_counted = cfg->max_connections_per_ip != 0;
	conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL)
		goto fail;
	c->lp = lp;
	c->srv = s;
	c->ip_counted = ip_counted;
	c->id = atomic_fetch_add(&s->next_conn_id, 1) + 1;
	if (peerlen > sizeof(c->peer))
		peerlen = sizeof(c->peer);
	memcpy(&c->peer, peer, peerlen);
	peer_to_text(peer, c->peer_text, sizeof(c->peer_text));
	peer_address(peer, c->peer_addr, sizeof(c->peer_addr));
	c->limit_exempt = s->rl == NULL || ratelimit_exempt(s->rl, peer);
	if (s->rl != NULL)
		ratelimit_key(s->rl, peer, c->rl_key);
	c->tls = tls;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = tls ? tls_wrap_socket(s->tls, lp->base, fd, BEV_OPT_CLOSE_ON_FREE) :
	    bufferevent_socket_new(lp->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	fd = -1;
	c->resume = event_new(lp->base, -1, 0, on_resume, c);
	c->timer = evtimer_new(lp->base, on_timer, c);
	if (c->resume == NULL || c->timer == NULL)
		goto fail;
	/* Decoding a PDU needs at most a few times its size (slices are 16 bytes per value). */
	arena_init(&c->a, ARENA_CHUNK, (size_t)cfg->max_pdu_size * 8 + 65536);
	ber_writer_init(&c->w, 4096, 0);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, (size_t)cfg->max_pdu_size + 65536);
	bufferevent_setwatermark(c->bev, EV_WRITE, high_water(c) / 2, 0);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0)
		goto fail;
	c->last_active_ms = mono_ms();
	c->batch_mark = store_batch_seq(s->st);
	if (cfg->idle_timeout != 0)
		arm_timer(c, (uint64_t)cfg->idle_timeout * 1000);
	c->next = lp->conns;
	if (lp->conns != NULL)
		lp->conns->prev = c;
	lp->conns = c;
	lp->nconns++;
	log_debug("conn %llu from %s: accepted on loop %u", (unsigned long long)c->id,
	    c->peer_text, lp->index);
	return c;
fail:
	log_error("cannot set up a connection: out of memory");
	if (c != NULL) {
		if (c->resume != NULL)
			event_free(c->resume);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		arena_free(&c->a);
		ber_writer_free(&c->w);
		free(c);
	}
	if (fd >= 0)
		close(fd);
	release_slot(s, peer, ip_counted);
	return NULL;
}

void
conn_free(conn *c)
{
	loop *lp = c->lp;

	free_jobs(c);
	commit_forget(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		lp->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	lp->nconns--;
	/* The slot is free before the socket closes: a client seeing EOF may reconnect. */
	release_slot(c->srv, (const struct sockaddr *)&c->peer, c->ip_counted);
	event_free(c->resume);
	event_free(c->timer);
	bufferevent_free(c->bev);
	arena_free(&c->a);
	ber_writer_free(&c->w);
	identity_clear(&c->who);
	saslsrv_session_free(c->sasl);
	if (c->hold != NULL)
		event_free(c->hold);
	free(c->held);
	if (c->unsynced != NULL)
		evbuffer_free(c->unsynced);
	log_debug("conn %llu from %s: closed", (unsigned long long)c->id, c->peer_text);
	free(c);
}

void
conn_shutdown(conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	free_jobs(c);
	ldap_encode_notice_of_disconnection(&c->w, LDAP_UNAVAILABLE, "the server is shutting down");
	if (c->w.err == 0)
		evbuffer_add(out, c->w.buf, c->w.len);
	ber_writer_reset(&c->w);
	/*
	 * One non-blocking write: whatever the socket takes now.  A
	 * bufferevent keeps the start of its output frozen for its own
	 * writes, so it is thawed for this last one.
	 */
	evbuffer_unfreeze(out, 1);
	if (!c->tls)	/* TLS records can only be written through the bufferevent */
		(void)evbuffer_write(out, bufferevent_getfd(c->bev));
	conn_free(c);
}
