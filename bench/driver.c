/*
 * driver.c - the timed workloads: many client "slots", each running one
 * flow at a time (closed loop), on epoll, one event loop per thread.
 *
 * A flow is a short list of steps (connect, bind, add, ..., unbind).  A
 * slot owns two sockets: a persistent one for the directory window's
 * searches (listing, resolve) and a transient one for the flows that
 * NetMeeting runs on a new connection each time (logon, keep-alive).
 * Steps that send a request wait for its answer; everything else runs
 * straight on.  A finished or failed flow puts its slot on the ready
 * queue and the loop starts the next flow from there, so a server that
 * refuses connections cannot trap the loop and every slot keeps exactly
 * one operation in flight.
 *
 * Only operations that finish inside the measured window are counted;
 * whatever is in flight when the window closes is dropped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ldap/ldap.h"
#include "net.h"
#include "proto.h"

enum step {
	ST_END,
	ST_CONNECT,
	ST_BIND,
	ST_ADD,
	ST_MODIFY,
	ST_REFRESH,
	ST_LIST_PAGE,
	ST_LIST_FULL,
	ST_RESOLVE,
	ST_UNBIND,
	ST_WAIT_EOF,
};

static const uint8_t flow_register[] = { ST_CONNECT, ST_BIND, ST_ADD, ST_MODIFY, ST_UNBIND, ST_END };
static const uint8_t flow_refresh[] = { ST_CONNECT, ST_BIND, ST_REFRESH, ST_UNBIND, ST_END };
static const uint8_t flow_setup[] = { ST_CONNECT, ST_BIND, ST_END };
static const uint8_t flow_list_page[] = { ST_LIST_PAGE, ST_END };
static const uint8_t flow_list_full[] = { ST_LIST_FULL, ST_END };
static const uint8_t flow_resolve[] = { ST_RESOLVE, ST_END };
static const uint8_t flow_connect[] = { ST_CONNECT, ST_WAIT_EOF, ST_END };

#define MAX_EVENTS 256
#define TIMEOUT_SCAN_NS 100000000ULL	/* look for lost operations every 100 ms */

typedef struct worker worker;
typedef struct slot slot;

struct slot {
	worker *wk;
	unsigned index;
	sock pers;		/* persistent connection (bound once) */
	sock trans;		/* a new connection per flow */
	sock *cur;		/* the socket the running flow uses */
	const uint8_t *flow;	/* NULL: idle, waiting on the ready queue */
	unsigned step;
	uint8_t op;		/* enum op_kind being measured */
	bool setup;		/* running flow_setup before the real flow */
	bool queued;
	uint64_t t0;		/* start of the measured operation */
	uint64_t deadline;
	int64_t wait_id;	/* message ID of the outstanding request */
	uint32_t entries;	/* entries received for the outstanding search */
	char name[PROTO_NAME_MAX];
};

struct worker {
	const bench_cfg *cfg;
	unsigned index;
	pthread_t thread;
	int epfd;
	slot *slots;
	unsigned nslots;
	slot **ready;		/* slots waiting to start their next flow */
	unsigned nready;
	run_result res;
	uint64_t rng;
	uint32_t reg_next;
	ber_writer w;
	arena ar;
	ldap_limits lim;
	struct sockaddr_in sa;
	uint64_t t_measure, t_end;
	uint64_t now;
};

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool
in_window(const worker *wk)
{
	return wk->now >= wk->t_measure && wk->now < wk->t_end;
}

/* epoll data: which slot, which of its sockets, and the socket's generation. */
static uint64_t
ev_key(const slot *sl, const sock *s)
{
	uint64_t which = s == &sl->trans ? 1 : 0;

	return (uint64_t)s->gen << 32 | (uint64_t)sl->index << 1 | which;
}

/*
 * Sockets are registered once, edge-triggered, for input and output: no
 * epoll_ctl per request.  Reads stop when a read does not fill the free
 * buffer (the socket is drained), so no extra read is spent on EAGAIN.
 */
static int
ev_add(worker *wk, slot *sl, sock *s)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.u64 = ev_key(sl, s);
	return epoll_ctl(wk->epfd, EPOLL_CTL_ADD, s->fd, &ev);
}

static void
make_ready(slot *sl)
{
	worker *wk = sl->wk;

	sl->flow = NULL;
	if (!sl->queued) {
		sl->queued = true;
		wk->ready[wk->nready++] = sl;
	}
}

static void
count_client_error(slot *sl, int err)
{
	if (in_window(sl->wk))
		sl->wk->res.ops[sl->op].client[err]++;
}

/* A failed flow: count it, drop the connection it broke, start over. */
static void
flow_fail(slot *sl, int code, int client_err)
{
	if (client_err >= 0)
		count_client_error(sl, client_err);
	else if (in_window(sl->wk))
		sl->wk->res.ops[sl->op].code[code & (RESULT_CODES - 1)]++;
	/*
	 * A result code leaves a bound persistent connection usable; a failed
	 * bind or anything the client saw does not.
	 */
	if (sl->cur == &sl->trans || client_err >= 0 || sl->setup)
		sock_close(sl->cur);
	sl->setup = false;
	make_ready(sl);
}

static void
flow_done(slot *sl)
{
	worker *wk = sl->wk;

	if (sl->setup) {
		/* The persistent connection is bound: now the real operation. */
		sl->setup = false;
		sl->flow = sl->op == OPK_RESOLVE ? flow_resolve :
		    sl->op == OPK_LIST_FULL ? flow_list_full : flow_list_page;
		sl->step = 0;
		return;
	}
	if (in_window(wk)) {
		op_stats *st = &wk->res.ops[sl->op];

		st->ok++;
		hist_record(&st->lat, wk->now - sl->t0);
	}
	make_ready(sl);
}

static void
pick_user(slot *sl)
{
	worker *wk = sl->wk;
	uint32_t n = wk->cfg->users ? wk->cfg->users : 1;

	proto_user_name(sl->name, sizeof(sl->name), wk->cfg->preload_prefix,
	    (uint32_t)(rng_next(&wk->rng) % n));
}

/* Chooses the slot's next operation from the workload (or the mix). */
static int
choose_op(slot *sl)
{
	worker *wk = sl->wk;
	const mix *m = &wk->cfg->mix;
	unsigned r;

	switch (wk->cfg->workload) {
	case WL_REGISTER: return OPK_REGISTER;
	case WL_REFRESH: return OPK_REFRESH;
	case WL_LIST: return OPK_LIST_PAGE;
	case WL_LISTALL: return OPK_LIST_FULL;
	case WL_RESOLVE: return OPK_RESOLVE;
	case WL_CONNECT: return OPK_CONNECT;
	default:
		break;
	}
	r = (unsigned)(rng_next(&wk->rng) % 100);
	if (r < m->resolve)
		return OPK_RESOLVE;
	if (r < m->resolve + m->refresh)
		return OPK_REFRESH;
	if (r < m->resolve + m->refresh + m->reg)
		return OPK_REGISTER;
	return OPK_LIST_PAGE;
}

static void
flow_start(slot *sl)
{
	worker *wk = sl->wk;

	sl->op = (uint8_t)choose_op(sl);
	sl->step = 0;
	sl->setup = false;
	sl->t0 = wk->now;
	sl->deadline = wk->now + (uint64_t)(wk->cfg->timeout * 1e9);
	switch (sl->op) {
	case OPK_REGISTER:
		register_name(sl->name, sizeof(sl->name), wk->cfg->run_id,
		    wk->reg_next++ * wk->cfg->threads + wk->index);
		sl->flow = flow_register;
		sl->cur = &sl->trans;
		return;
	case OPK_REFRESH:
		pick_user(sl);
		sl->flow = flow_refresh;
		sl->cur = &sl->trans;
		return;
	case OPK_CONNECT:
		sl->flow = flow_connect;
		sl->cur = &sl->trans;
		return;
	default:
		break;
	}
	if (sl->op == OPK_RESOLVE)
		pick_user(sl);
	sl->cur = &sl->pers;
	if (sl->pers.fd < 0) {
		sl->setup = true;
		sl->flow = flow_setup;
	} else {
		sl->flow = sl->op == OPK_RESOLVE ? flow_resolve :
		    sl->op == OPK_LIST_FULL ? flow_list_full : flow_list_page;
	}
}

/* Encodes the request of a step into the worker's writer. */
static void
encode_step(slot *sl, int step, int64_t id)
{
	worker *wk = sl->wk;
	ber_writer *w = &wk->w;
	int d = wk->cfg->dialect;
	uint32_t seq = (uint32_t)(rng_next(&wk->rng) & 0xffffff);

	switch (step) {
	case ST_BIND: proto_bind(w, id, d); break;
	case ST_ADD: proto_register_add(w, id, d, sl->name, seq); break;
	case ST_MODIFY: proto_register_modify(w, id, d, sl->name); break;
	case ST_REFRESH: proto_refresh(w, id, d, sl->name); break;
	case ST_LIST_PAGE: proto_list(w, id, d, wk->cfg->page); break;
	case ST_LIST_FULL: proto_list(w, id, d, 0); break;
	case ST_RESOLVE: proto_resolve(w, id, d, sl->name); break;
	case ST_UNBIND: proto_unbind(w, id); break;
	default: break;
	}
}

/* Sends the step's request; 0, or -1 if the connection is broken. */
static int
send_step(slot *sl, int step)
{
	worker *wk = sl->wk;
	sock *s = sl->cur;
	int64_t id = s->next_id++;

	ber_writer_reset(&wk->w);
	encode_step(sl, step, id);
	if (wk->w.err != 0)
		return -1;
	if (sock_send(s, wk->w.buf, wk->w.len) != 0)
		return -1;
	sl->wait_id = id;
	sl->entries = 0;
	if (!sl->setup && (step == ST_LIST_PAGE || step == ST_LIST_FULL || step == ST_RESOLVE))
		sl->t0 = wk->now;	/* persistent searches: time the search alone */
	return 0;
}

static int
start_connect(slot *sl)
{
	worker *wk = sl->wk;
	sock *s = sl->cur;
	int r;

	if (s->fd >= 0)
		sock_close(s);
	r = sock_connect(s, &wk->sa);
	if (r < 0)
		return -1;
	if (ev_add(wk, sl, s) != 0) {
		sock_close(s);
		return -1;
	}
	return r;
}

/* Runs the flow's steps until one has to wait for the network. */
static void
advance(slot *sl)
{
	while (sl->flow != NULL) {
		int step = sl->flow[sl->step];

		switch (step) {
		case ST_CONNECT: {
			int r = start_connect(sl);

			if (r < 0) {
				flow_fail(sl, 0, CERR_CONNECT);
				return;
			}
			if (r == 1)
				return;
			sl->step++;
			break;
		}
		case ST_UNBIND:
			if (send_step(sl, ST_UNBIND) == 0)
				(void)sock_flush(sl->cur);
			sock_close(sl->cur);
			sl->step++;
			break;
		case ST_WAIT_EOF:
			return;
		case ST_END:
			flow_done(sl);
			break;
		default:
			if (send_step(sl, step) != 0)
				flow_fail(sl, 0, CERR_CLOSED);
			return;
		}
	}
}

static uint8_t
expected_response(const worker *wk, int step)
{
	switch (step) {
	case ST_BIND: return LDAP_OP_BIND_RESPONSE;
	case ST_ADD: return LDAP_OP_ADD_RESPONSE;
	case ST_MODIFY: return LDAP_OP_MODIFY_RESPONSE;
	case ST_REFRESH:
		return wk->cfg->dialect == DIALECT_STD ? LDAP_OP_EXTENDED_RESPONSE :
		    LDAP_OP_SEARCH_DONE;
	default: return LDAP_OP_SEARCH_DONE;
	}
}

static bool
step_needs_entry(const worker *wk, int step)
{
	return step == ST_LIST_PAGE || step == ST_LIST_FULL || step == ST_RESOLVE ||
	    (step == ST_REFRESH && wk->cfg->dialect == DIALECT_ILS);
}

/* One response PDU for the slot's outstanding request. */
static void
handle_pdu(slot *sl, sock *s, const uint8_t *pdu, size_t len)
{
	worker *wk = sl->wk;
	int64_t id;
	uint8_t op;
	int step, code;

	if (sl->flow == NULL || s != sl->cur) {
		sock_close(s);	/* unsolicited, e.g. a notice of disconnection */
		return;
	}
	step = sl->flow[sl->step];
	if (pdu_peek(pdu, len, &id, &op) != 0 || (id != sl->wait_id && id != 0)) {
		flow_fail(sl, 0, CERR_PROTOCOL);
		return;
	}
	if (id == 0) {
		flow_fail(sl, 0, CERR_CLOSED);	/* notice of disconnection */
		return;
	}
	if (op == LDAP_OP_SEARCH_ENTRY) {
		if (wk->cfg->verify && pdu_check_entry(pdu, len, &wk->ar, &wk->lim) != 0) {
			flow_fail(sl, 0, CERR_PROTOCOL);
			return;
		}
		sl->entries++;
		return;
	}
	if (op == LDAP_OP_SEARCH_REFERENCE)
		return;
	if (op != expected_response(wk, step) || (code = pdu_result(pdu, len, &wk->ar,
	    &wk->lim)) < 0) {
		flow_fail(sl, 0, CERR_PROTOCOL);
		return;
	}
	if (code != LDAP_SUCCESS &&
	    !(step == ST_LIST_PAGE && code == LDAP_SIZE_LIMIT_EXCEEDED)) {
		flow_fail(sl, code, -1);
		return;
	}
	if (step_needs_entry(wk, step) && sl->entries == 0) {
		flow_fail(sl, 0, CERR_NOENTRY);
		return;
	}
	sl->step++;
	advance(sl);
}

static void
on_readable(slot *sl, sock *s, uint32_t events)
{
	uint32_t gen = s->gen;
	bool hup = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;

	for (;;) {
		bool filled = false;
		long n = sock_fill(s, &filled);
		size_t off = 0, plen;
		int r;

		if (n == -2)
			return;
		if (n <= 0) {
			bool eof_wanted = n == 0 && sl->flow != NULL && s == sl->cur &&
			    sl->flow[sl->step] == ST_WAIT_EOF;

			if (eof_wanted) {
				sock_close(s);
				sl->step++;
				advance(sl);
			} else if (sl->flow != NULL && s == sl->cur) {
				flow_fail(sl, 0, CERR_CLOSED);
			} else {
				sock_close(s);
			}
			return;
		}
		while ((r = ber_frame(s->rbuf + off, s->rlen - off, NET_MAX_PDU, &plen)) == 1) {
			handle_pdu(sl, s, s->rbuf + off, plen);
			if (s->gen != gen)
				return;	/* closed (and maybe reopened) while handling */
			off += plen;
		}
		if (r < 0) {
			if (sl->flow != NULL && s == sl->cur)
				flow_fail(sl, 0, CERR_PROTOCOL);
			else
				sock_close(s);
			return;
		}
		sock_consume(s, off);
		/* A read short of the free space drained the socket (unless an EOF waits). */
		if (!filled && !hup)
			return;
	}
}

static void
on_writable(slot *sl, sock *s, uint32_t events)
{
	if (s->connecting) {
		/* Writable without error: the handshake is done, no SO_ERROR call needed. */
		if (events & (EPOLLERR | EPOLLHUP)) {
			if (s == sl->cur && sl->flow != NULL)
				flow_fail(sl, 0, CERR_CONNECT);
			else
				sock_close(s);
			return;
		}
		s->connecting = false;
		if (sock_flush(s) != 0) {
			flow_fail(sl, 0, CERR_CLOSED);
			return;
		}
		if (s == sl->cur && sl->flow != NULL && sl->flow[sl->step] == ST_CONNECT) {
			sl->step++;
			advance(sl);
		}
		return;
	}
	if (sock_pending_out(s) && sock_flush(s) != 0) {
		if (s == sl->cur && sl->flow != NULL)
			flow_fail(sl, 0, CERR_CLOSED);
		else
			sock_close(s);
	}
}

static void
dispatch(worker *wk, const struct epoll_event *ev)
{
	uint64_t key = ev->data.u64;
	unsigned idx = (unsigned)(key & 0xffffffffu) >> 1;
	slot *sl;
	sock *s;

	if (idx >= wk->nslots)
		return;
	sl = &wk->slots[idx];
	s = (key & 1) ? &sl->trans : &sl->pers;
	if (s->fd < 0 || s->gen != (uint32_t)(key >> 32))
		return;	/* event of a socket closed earlier in this batch */
	if (ev->events & EPOLLOUT || s->connecting) {
		on_writable(sl, s, ev->events);
		if (s->fd < 0 || s->gen != (uint32_t)(key >> 32))
			return;
	}
	if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		on_readable(sl, s, ev->events);
}

static void
scan_timeouts(worker *wk)
{
	for (unsigned i = 0; i < wk->nslots; i++) {
		slot *sl = &wk->slots[i];

		if (sl->flow != NULL && wk->now > sl->deadline)
			flow_fail(sl, 0, CERR_TIMEOUT);
	}
}

static void
start_ready(worker *wk)
{
	unsigned n = wk->nready;

	/* Only the slots queued before this pass: one that fails at once waits a round. */
	for (unsigned i = 0; i < n; i++) {
		slot *sl = wk->ready[i];

		sl->queued = false;
		flow_start(sl);
		advance(sl);
	}
	memmove(wk->ready, wk->ready + n, (wk->nready - n) * sizeof(*wk->ready));
	wk->nready -= n;
}

static void *
worker_main(void *arg)
{
	worker *wk = arg;
	struct epoll_event evs[MAX_EVENTS];
	uint64_t next_scan;

	wk->now = now_ns();
	next_scan = wk->now + TIMEOUT_SCAN_NS;
	for (unsigned i = 0; i < wk->nslots; i++)
		make_ready(&wk->slots[i]);
	while ((wk->now = now_ns()) < wk->t_end) {
		int timeout_ms, n;

		if (wk->nready > 0)
			start_ready(wk);
		timeout_ms = wk->nready > 0 ? 0 : 5;
		n = epoll_wait(wk->epfd, evs, MAX_EVENTS, timeout_ms);
		if (n < 0 && errno != EINTR) {
			perror("ilsbench: epoll_wait");
			break;
		}
		wk->now = now_ns();
		for (int i = 0; i < n; i++)
			dispatch(wk, &evs[i]);
		if (wk->now >= next_scan) {
			scan_timeouts(wk);
			next_scan = wk->now + TIMEOUT_SCAN_NS;
		}
	}
	return NULL;
}

static void
worker_close(worker *wk)
{
	for (unsigned i = 0; i < wk->nslots; i++) {
		slot *sl = &wk->slots[i];

		if (sl->pers.fd >= 0 && !sl->pers.connecting) {
			ber_writer_reset(&wk->w);
			proto_unbind(&wk->w, sl->pers.next_id++);
			(void)sock_send(&sl->pers, wk->w.buf, wk->w.len);
		}
		sock_free(&sl->pers);
		sock_free(&sl->trans);
	}
	if (wk->epfd >= 0)
		close(wk->epfd);
	ber_writer_free(&wk->w);
	arena_free(&wk->ar);
	free(wk->slots);
	free(wk->ready);
}

static int
worker_init(worker *wk, const bench_cfg *cfg, unsigned index, unsigned nslots,
    const struct sockaddr_in *sa)
{
	memset(wk, 0, sizeof(*wk));
	wk->cfg = cfg;
	wk->index = index;
	wk->sa = *sa;
	wk->epfd = epoll_create1(EPOLL_CLOEXEC);
	wk->nslots = nslots;
	wk->slots = calloc(nslots ? nslots : 1, sizeof(*wk->slots));
	wk->ready = calloc(nslots ? nslots : 1, sizeof(*wk->ready));
	wk->rng = (cfg->seed + 1) * 0x9E3779B97F4A7C15ULL ^ (index + 1) * 0xBF58476D1CE4E5B9ULL;
	if (wk->rng == 0)
		wk->rng = 1;
	ber_writer_init(&wk->w, 1024, 0);
	arena_init(&wk->ar, 16 * 1024, 0);
	ldap_limits_default(&wk->lim);
	run_result_init(&wk->res);
	for (unsigned i = 0; i < nslots; i++) {
		slot *sl = &wk->slots[i];

		sl->wk = wk;
		sl->index = i;
		sock_init(&sl->pers);
		sock_init(&sl->trans);
		sl->cur = &sl->pers;
	}
	return wk->epfd >= 0 && wk->slots != NULL && wk->ready != NULL ? 0 : -1;
}

int
driver_run(const bench_cfg *cfg, run_result *res)
{
	unsigned nthreads = cfg->threads ? cfg->threads : 1;
	struct sockaddr_in sa;
	worker *wks;
	uint64_t t0;
	int rc = 0;

	if (nthreads > cfg->conns)
		nthreads = cfg->conns;
	if (net_addr(cfg->host, cfg->port, &sa) != 0) {
		fprintf(stderr, "ilsbench: --host must be a numeric IPv4 address\n");
		return -1;
	}
	if ((wks = calloc(nthreads, sizeof(*wks))) == NULL)
		return -1;
	t0 = now_ns();
	for (unsigned t = 0; t < nthreads; t++) {
		unsigned n = cfg->conns / nthreads + (t < cfg->conns % nthreads ? 1 : 0);

		if (worker_init(&wks[t], cfg, t, n, &sa) != 0) {
			perror("ilsbench: worker");
			rc = -1;
		}
		wks[t].t_measure = t0 + (uint64_t)(cfg->warmup * 1e9);
		wks[t].t_end = wks[t].t_measure + (uint64_t)(cfg->duration * 1e9);
	}
	for (unsigned t = 0; rc == 0 && t < nthreads; t++) {
		if (nthreads == 1)
			worker_main(&wks[t]);
		else if (pthread_create(&wks[t].thread, NULL, worker_main, &wks[t]) != 0)
			rc = -1;
	}
	run_result_init(res);
	res->seconds = cfg->duration;
	for (unsigned t = 0; t < nthreads; t++) {
		if (rc == 0 && nthreads > 1)
			pthread_join(wks[t].thread, NULL);
		run_result_merge(res, &wks[t].res);
		if (wks[t].reg_next * nthreads > res->registered)
			res->registered = wks[t].reg_next * nthreads;
		worker_close(&wks[t]);
	}
	free(wks);
	return rc;
}
