/*
 * server.c - event loops, accepting, signals and the periodic timers.
 *
 * Loop 0 is the main thread: it owns the listeners, the signal events,
 * the TTL sweeper, and it serves connections like every
 * other loop.  Accepted sockets are dealt round-robin; a socket for
 * another loop is queued under that loop's mutex and the loop is woken
 * with event_active (libevent's pthread support makes that safe).
 */
#include "server/server.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/commit.h"
#include "server/conn.h"
#include "server/flusher.h"
#include "server/listener.h"
#include "server/ratelimit.h"
#include "server/tls.h"
#include "util/log.h"

uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval
ms_to_tv(uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
	return tv;
}

/* ---- handing sockets to loops ---- */

/* Drains the loop's queue of accepted sockets (the loop's own thread). */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	loop *lp = arg;
	handoff *batch;
	size_t n;

	pthread_mutex_lock(&lp->lock);
	batch = lp->queue;
	n = lp->qlen;
	lp->queue = NULL;
	lp->qlen = lp->qcap = 0;
	pthread_mutex_unlock(&lp->lock);
	for (size_t i = 0; i < n; i++)
		conn_new(lp, batch[i].fd, (struct sockaddr *)&batch[i].peer, batch[i].peerlen,
		    batch[i].tls);
	free(batch);
}

static void
release_counted(server *s, const struct sockaddr *peer)
{
	if (s->cfg->max_connections_per_ip != 0)
		iplimit_release(s->ipl, peer);
	atomic_fetch_sub(&s->nconns, 1);
}

void
loop_adopt(loop *lp, int fd, const struct sockaddr *peer, socklen_t peerlen, bool tls)
{
	handoff h;

	if (lp->index == 0) {
		conn_new(lp, fd, peer, peerlen, tls);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.fd = fd;
	h.tls = tls;
	h.peerlen = peerlen > sizeof(h.peer) ? sizeof(h.peer) : peerlen;
	memcpy(&h.peer, peer, h.peerlen);
	pthread_mutex_lock(&lp->lock);
	if (lp->qlen == lp->qcap) {
		size_t cap = lp->qcap ? lp->qcap * 2 : 16;
		handoff *q = realloc(lp->queue, cap * sizeof(*q));
		if (q == NULL) {
			pthread_mutex_unlock(&lp->lock);
			log_error("out of memory handing a connection to loop %u", lp->index);
			close(fd);
			release_counted(lp->srv, peer);
			return;
		}
		lp->queue = q;
		lp->qcap = cap;
	}
	lp->queue[lp->qlen++] = h;
	pthread_mutex_unlock(&lp->lock);
	event_active(lp->wake, EV_READ, 0);
}

/* ---- accepting ---- */

/*
 * Refuses a connection over a limit: a Notice of Disconnection (busy),
 * then close.  An LDAPS client expects a TLS handshake, not LDAP: it is
 * only closed.
 */
static void
reject(server *s, int fd, bool tls, const char *why)
{
	ber_writer w;
	uint64_t now = mono_ms();

	ber_writer_init(&w, 128, 4096);
	ldap_encode_notice_of_disconnection(&w, LDAP_BUSY, why);
	if (w.err == 0 && !tls)
		(void)send(fd, w.buf, w.len, MSG_DONTWAIT | MSG_NOSIGNAL);
	ber_writer_free(&w);
	close(fd);
	if (now - s->last_reject_log_ms >= 1000) {
		s->last_reject_log_ms = now;
		log_warn("connection refused: %s", why);
	}
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *peer, int peerlen,
    void *arg)
{
	const struct listener_arg *la = arg;
	server *s = la->srv;
	const ilsd_config *cfg = s->cfg;
	uint8_t key[16];

	if (s->stopping) {
		close(fd);
		return;
	}
	if (s->rl != NULL && !ratelimit_exempt(s->rl, peer) && ratelimit_key(s->rl, peer, key) &&
	    !ratelimit_take(s->rl, key, RL_CONN, mono_ms())) {
		reject(s, fd, la->tls,
		    "too many new connections from this address (connection-rate-per-ip)");
		return;
	}
	if (atomic_fetch_add(&s->nconns, 1) >= cfg->max_connections) {
		atomic_fetch_sub(&s->nconns, 1);
		reject(s, fd, la->tls, "too many connections (max-connections)");
		return;
	}
	if (cfg->max_connections_per_ip != 0 &&
	    iplimit_acquire(s->ipl, peer, cfg->max_connections_per_ip) < 0) {
		atomic_fetch_sub(&s->nconns, 1);
		reject(s, fd, la->tls,
		    "too many connections from this address (max-connections-per-ip)");
		return;
	}
	loop_adopt(&s->loops[s->next_loop], fd, peer, (socklen_t)peerlen, la->tls);
	s->next_loop = (s->next_loop + 1) % s->nloops;
}

static void
set_listeners_enabled(server *s, bool on)
{
	for (size_t i = 0; i < s->nlisteners; i++) {
		if (on)
			evconnlistener_enable(s->listeners[i]);
		else
			evconnlistener_disable(s->listeners[i]);
	}
}

static void
on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	server *s = arg;

	if (!s->stopping)
		set_listeners_enabled(s, true);
}

/*
 * accept() failed.  Out of descriptors (EMFILE/ENFILE) would make the
 * listener spin, so accepting pauses for 100 ms.
 */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	server *s = arg;
	int err = errno;
	uint64_t now = mono_ms();

	if (now - s->last_reject_log_ms >= 1000) {
		s->last_reject_log_ms = now;
		log_warn("accept failed: %s", strerror(err));
	}
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		struct timeval tv = ms_to_tv(100);
		set_listeners_enabled(s, false);
		evtimer_add(s->accept_retry, &tv);
	}
}

/* Binds one address; tls: an LDAPS listener.  A port we may not use is skipped. */
static int
open_listener(server *s, const listen_addr *la, bool tls)
{
	int err = 0, fd = listener_bind(la, &err);
	struct evconnlistener *l;

	if (fd < 0 && err == EACCES) {
		log_warn("cannot listen on %s%s: permission denied (ports below 1024 need root "
		    "or CAP_NET_BIND_SERVICE); continuing without it", la->text,
		    tls ? " (LDAPS)" : "");
		return 0;
	}
	if (fd < 0) {
		log_error("cannot listen on %s%s: %s", la->text, tls ? " (LDAPS)" : "",
		    strerror(err));
		return -1;
	}
	l = evconnlistener_new(s->loops[0].base, on_accept, &s->listener_args[tls ? 1 : 0],
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l == NULL) {
		log_error("cannot listen on %s: libevent listener failed", la->text);
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(l, on_accept_error);
	s->listeners[s->nlisteners++] = l;
	log_info("listening on %s%s", la->text, tls ? " (LDAPS)" : "");
	return 0;
}

static int
open_listeners(server *s)
{
	const ilsd_config *cfg = s->cfg;

	s->listener_args[0] = (struct listener_arg){ s, false };
	s->listener_args[1] = (struct listener_arg){ s, true };
	for (size_t i = 0; i < cfg->nlisten; i++)
		if (open_listener(s, &cfg->listen[i], false) < 0)
			return -1;
	for (size_t i = 0; s->tls != NULL && i < cfg->nldaps_listen; i++)
		if (open_listener(s, &cfg->ldaps_listen[i], true) < 0)
			return -1;
	if (s->nlisteners == 0) {
		log_error("no address to listen on");
		return -1;
	}
	return 0;
}

static void
close_listeners(server *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		evconnlistener_free(s->listeners[i]);
	s->nlisteners = 0;
}

/* ---- timers ---- */

/*
 * Deletes expired entries in batches.  A full batch means more may be
 * waiting, so the next batch runs at once (0 ms), after whatever requests
 * queued up meanwhile: a mass expiry drains without stalling the loop.
 */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	server *s = arg;
	bool more = false;
	long n = dir_sweep(s->d, wall_ms(), s->cfg->sweep_batch,
	    (uint64_t)s->cfg->sweep_slice_us, &more);
	struct timeval tv;

	/* The deletions are in loop 0's batch: commit them with its round. */
	commit_check(&s->loops[0]);
	if (n < 0)
		log_error("TTL sweep failed: %s", store_strerror((int)n));
	else if (n > 0)
		log_debug("TTL sweep: %ld expired entries deleted", n);
	tv = ms_to_tv(more && n >= 0 ? 0 : s->cfg->sweep_interval);
	evtimer_add(s->sweeper, &tv);
}


/* ---- signals and stopping ---- */

/* Closes a loop's connections and leaves its event loop (runs on that loop). */
static void
on_loop_stop(evutil_socket_t fd, short what, void *arg)
{
	loop *lp = arg;

	lp->stopping = true;
	commit_now(lp);
	while (lp->conns != NULL)
		conn_shutdown(lp->conns);
	event_base_loopbreak(lp->base);
}

static void
on_terminate(evutil_socket_t sig, short what, void *arg)
{
	server *s = arg;

	if (s->stopping)
		return;
	s->stopping = true;
	log_info("%s received: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	close_listeners(s);
	evtimer_del(s->sweeper);
	for (unsigned i = 1; i < s->nloops; i++)
		event_active(s->loops[i].stop, EV_READ, 0);
	on_loop_stop(-1, 0, &s->loops[0]);
}

static void
on_hangup(evutil_socket_t sig, short what, void *arg)
{
	server *s = arg;
	char err[512] = "";
	unsigned nonconforming = 0;
	int rc;

	log_info("SIGHUP received: reloading the schema from %s", s->cfg->schema_dir);
	rc = dir_schema_reload(s->d, &nonconforming, err, sizeof(err));
	if (rc == LDAP_SUCCESS)
		log_info("schema reloaded; %u entries do not conform", nonconforming);
	else
		log_error("schema reload failed, the old schema stays in force: %s", err);
	if (s->tls != NULL) {
		if (tls_server_reload(s->tls, s->tls_settings, err, sizeof(err)) == 0)
			log_info("TLS certificate and key reloaded from %s", s->cfg->tls_cert_file);
		else
			log_error("TLS reload failed, the old certificate stays in use: %s", err);
	}
}

/* ---- set-up and tear-down ---- */

static void *
loop_thread(void *arg)
{
	loop *lp = arg;

	commit_thread_start(lp);
	event_base_loop(lp->base, EVLOOP_NO_EXIT_ON_EMPTY);
	commit_thread_end(lp);
	return NULL;
}

static int
init_loop(server *s, loop *lp, unsigned index)
{
	lp->srv = s;
	lp->index = index;
	pthread_mutex_init(&lp->lock, NULL);
	lp->base = event_base_new();
	if (lp->base == NULL)
		return -1;
	lp->wake = event_new(lp->base, -1, 0, on_wake, lp);
	lp->stop = event_new(lp->base, -1, 0, on_loop_stop, lp);
	return lp->wake != NULL && lp->stop != NULL && commit_init(lp) == 0 ? 0 : -1;
}

static int
add_signal(server *s, struct event **ev, int sig, event_callback_fn fn)
{
	*ev = evsignal_new(s->loops[0].base, sig, fn, s);
	return *ev != NULL && evsignal_add(*ev, NULL) == 0 ? 0 : -1;
}

int
server_start(server *s, const ilsd_config *cfg, store *st, dir *d)
{
	struct timeval tv;
	sigset_t block, old;

	s->cfg = cfg;
	s->st = st;
	s->d = d;
	ldap_limits_default(&s->limits);
	atomic_init(&s->nconns, 0);
	atomic_init(&s->next_conn_id, 0);
	if (evthread_use_pthreads() != 0) {
		log_error("libevent has no pthread support");
		return 2;
	}
	s->ipl = iplimit_new();
	s->nloops = cfg->threads;
	s->loops = calloc(s->nloops, sizeof(*s->loops));
	if (s->ipl == NULL || s->loops == NULL) {
		log_error("out of memory");
		return 2;
	}
	for (unsigned i = 0; i < s->nloops; i++) {
		if (init_loop(s, &s->loops[i], i) < 0) {
			log_error("cannot create event loop %u", i);
			return 2;
		}
	}
	s->accept_retry = evtimer_new(s->loops[0].base, on_accept_retry, s);
	s->sweeper = evtimer_new(s->loops[0].base, on_sweep, s);
	if (s->accept_retry == NULL || s->sweeper == NULL ||
	    add_signal(s, &s->sig_term, SIGTERM, on_terminate) < 0 ||
	    add_signal(s, &s->sig_int, SIGINT, on_terminate) < 0 ||
	    add_signal(s, &s->sig_hup, SIGHUP, on_hangup) < 0) {
		log_error("cannot set up timers and signal events");
		return 2;
	}
	if (!cfg->sync && (s->flusher = flusher_start(st, cfg->sync_interval)) == NULL) {
		log_error("cannot start the flush thread");
		return 2;
	}
	if (open_listeners(s) < 0)
		return 2;
	tv = ms_to_tv(cfg->sweep_interval);
	evtimer_add(s->sweeper, &tv);

	/* Signals are taken by loop 0 only: the other threads block them. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 1; i < s->nloops; i++) {
		if (pthread_create(&s->loops[i].thread, NULL, loop_thread, &s->loops[i]) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			log_error("cannot start thread for loop %u", i);
			return 2;
		}
		s->loops[i].thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("serving with %u event loop%s; max %u connections (%u per address), "
	    "max PDU %llu bytes, write high-water %llu bytes", s->nloops, s->nloops == 1 ? "" : "s",
	    cfg->max_connections, cfg->max_connections_per_ip,
	    (unsigned long long)cfg->max_pdu_size, (unsigned long long)cfg->write_buffer_high_water);
	return 0;
}

int
server_run(server *s)
{
	commit_thread_start(&s->loops[0]);
	event_base_loop(s->loops[0].base, EVLOOP_NO_EXIT_ON_EMPTY);
	commit_thread_end(&s->loops[0]);
	for (unsigned i = 1; i < s->nloops; i++) {
		if (s->loops[i].thread_started) {
			pthread_join(s->loops[i].thread, NULL);
			s->loops[i].thread_started = false;
		}
	}
	return s->exit_code;
}

/* Stops threads still running (a start-up that failed half-way). */
static void
stop_threads(server *s)
{
	for (unsigned i = 1; i < s->nloops; i++) {
		if (s->loops[i].thread_started) {
			event_active(s->loops[i].stop, EV_READ, 0);
			pthread_join(s->loops[i].thread, NULL);
			s->loops[i].thread_started = false;
		}
	}
}

void
server_free(server *s)
{
	if (s->loops != NULL)
		stop_threads(s);
	close_listeners(s);
	if (s->sig_term)
		event_free(s->sig_term);
	if (s->sig_int)
		event_free(s->sig_int);
	if (s->sig_hup)
		event_free(s->sig_hup);
	if (s->sweeper)
		event_free(s->sweeper);
	flusher_stop(s->flusher);
	if (s->accept_retry)
		event_free(s->accept_retry);
	for (unsigned i = 0; s->loops != NULL && i < s->nloops; i++) {
		loop *lp = &s->loops[i];
		while (lp->conns != NULL)
			conn_free(lp->conns);
		for (size_t j = 0; j < lp->qlen; j++) {
			close(lp->queue[j].fd);
			release_counted(s, (struct sockaddr *)&lp->queue[j].peer);
		}
		free(lp->queue);
		if (lp->wake)
			event_free(lp->wake);
		if (lp->stop)
			event_free(lp->stop);
		commit_free(lp);
		if (lp->base)
			event_base_free(lp->base);
		pthread_mutex_destroy(&lp->lock);
	}
	free(s->loops);
	s->loops = NULL;
	s->nloops = 0;
	iplimit_free(s->ipl);
	s->ipl = NULL;
	s->sig_term = s->sig_int = s->sig_hup = NULL;
	s->sweeper = s->accept_retry = NULL;
	s->flusher = NULL;
}
