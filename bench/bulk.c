/*
 * bulk.c - pre-loading and deleting many entries as fast as the server
 * takes them: a few connections, each with a window of pipelined
 * requests (as the ILS API pipelines its Add and Modify).
 *
 * Servers may answer pipelined requests out of order, so each request in
 * flight is found again by its message ID.  In the std dialect a pre-load
 * with a TTL is an Add followed, once the Add has succeeded, by a Refresh
 * of that entry (a stock RFC 2589 server sets no TTL on Add).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench.h"
#include "ldap/ldap.h"
#include "net.h"
#include "proto.h"

typedef struct inflight {
	bool used;
	uint8_t stage;		/* 0: the Add or Delete, 1: the Refresh after an Add */
	int64_t id;
	uint32_t index;
	uint64_t t0;
} inflight;

typedef struct bconn {
	sock s;
	inflight *fl;
	unsigned busy;
	bool dead;
} bconn;

typedef struct bulk {
	const bench_cfg *cfg;
	int kind;
	uint32_t count, next, done;
	bconn *conns;
	unsigned nconns, window;
	int epfd;
	ber_writer w;
	arena ar;
	ldap_limits lim;
	op_stats *st;
} bulk;

static void
entry_name(const bulk *b, uint32_t i, char *out, size_t cap)
{
	if (b->kind == BULK_CLEANUP)
		register_name(out, cap, b->cfg->run_id, i);
	else
		proto_user_name(out, cap, b->cfg->preload_prefix, i);
}

static bool
wants_refresh(const bulk *b)
{
	return b->kind == BULK_PRELOAD && b->cfg->dialect == DIALECT_STD &&
	    b->cfg->preload_ttl > 0;
}

static int
send_request(bulk *b, bconn *c, inflight *f)
{
	char name[PROTO_NAME_MAX];

	entry_name(b, f->index, name, sizeof(name));
	f->id = c->s.next_id++;
	ber_writer_reset(&b->w);
	if (b->kind != BULK_PRELOAD)
		proto_delete(&b->w, f->id, b->cfg->dialect, name);
	else if (f->stage == 0)
		proto_preload_add(&b->w, f->id, b->cfg->dialect, name, f->index,
		    b->cfg->preload_ttl);
	else
		proto_refresh_ttl(&b->w, f->id, name, b->cfg->preload_ttl);
	if (b->w.err != 0 || sock_send(&c->s, b->w.buf, b->w.len) != 0)
		return -1;
	return 0;
}

static void
arm(bulk *b, bconn *c)
{
	struct epoll_event ev;
	bool out = sock_pending_out(&c->s);

	if (out == c->s.want_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	c->s.want_out = out;
	(void)epoll_ctl(b->epfd, EPOLL_CTL_MOD, c->s.fd, &ev);
}

/* Fills the connection's window with new requests. */
static void
top_up(bulk *b, bconn *c)
{
	for (unsigned i = 0; i < b->window && b->next < b->count && !c->dead; i++) {
		inflight *f = &c->fl[i];

		if (f->used)
			continue;
		f->used = true;
		f->stage = 0;
		f->index = b->next++;
		f->t0 = now_ns();
		c->busy++;
		if (send_request(b, c, f) != 0) {
			c->dead = true;
			break;
		}
	}
	arm(b, c);
}

static void
finish(bulk *b, bconn *c, inflight *f, int code, int client_err)
{
	if (client_err >= 0)
		b->st->client[client_err]++;
	else if (code == LDAP_SUCCESS) {
		b->st->ok++;
	} else if ((b->kind == BULK_PRELOAD && code == LDAP_ENTRY_ALREADY_EXISTS && f->stage == 0) ||
	    (b->kind != BULK_PRELOAD && code == LDAP_NO_SUCH_OBJECT)) {
		b->st->ok++;
		b->st->tolerated++;
	} else {
		b->st->code[code & (RESULT_CODES - 1)]++;
	}
	hist_record(&b->st->lat, now_ns() - f->t0);
	f->used = false;
	c->busy--;
	b->done++;
}

/* The connection broke: everything in flight on it is lost. */
static void
kill_conn(bulk *b, bconn *c)
{
	for (unsigned i = 0; i < b->window; i++)
		if (c->fl[i].used)
			finish(b, c, &c->fl[i], 0, CERR_CLOSED);
	c->dead = true;
	sock_close(&c->s);
}

static void
on_pdu(bulk *b, bconn *c, const uint8_t *pdu, size_t len)
{
	inflight *f = NULL;
	int64_t id;
	uint8_t op;
	int code;

	if (pdu_peek(pdu, len, &id, &op) != 0 || id == 0) {
		kill_conn(b, c);
		return;
	}
	for (unsigned i = 0; i < b->window && f == NULL; i++)
		if (c->fl[i].used && c->fl[i].id == id)
			f = &c->fl[i];
	if (f == NULL || (code = pdu_result(pdu, len, &b->ar, &b->lim)) < 0) {
		kill_conn(b, c);
		return;
	}
	if (code == LDAP_SUCCESS && f->stage == 0 && wants_refresh(b)) {
		f->stage = 1;
		if (send_request(b, c, f) != 0)
			kill_conn(b, c);
		return;
	}
	finish(b, c, f, code, -1);
}

static void
on_event(bulk *b, bconn *c, uint32_t events)
{
	size_t off = 0, plen;
	bool filled;
	long n;
	int r;

	if ((events & EPOLLOUT) && sock_flush(&c->s) != 0) {
		kill_conn(b, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		n = sock_fill(&c->s, &filled);
		if (n == 0 || n == -1) {
			kill_conn(b, c);
			return;
		}
		while ((r = ber_frame(c->s.rbuf + off, c->s.rlen - off, NET_MAX_PDU, &plen)) == 1) {
			on_pdu(b, c, c->s.rbuf + off, plen);
			if (c->dead)
				return;
			off += plen;
		}
		if (r < 0) {
			kill_conn(b, c);
			return;
		}
		sock_consume(&c->s, off);
	}
	top_up(b, c);
}

/* Blocking connect and bind, then the socket goes non-blocking into epoll. */
static int
open_conn(bulk *b, bconn *c, const struct sockaddr_in *sa)
{
	struct epoll_event ev;
	uint8_t buf[512];
	size_t have = 0, plen = 0;
	int fd, r;

	if ((fd = net_connect_blocking(sa)) < 0)
		return -1;
	ber_writer_reset(&b->w);
	proto_bind(&b->w, 1, b->cfg->dialect);
	if (write(fd, b->w.buf, b->w.len) != (ssize_t)b->w.len)
		goto fail;
	while ((r = ber_frame(buf, have, sizeof(buf), &plen)) == 0) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - have);

		if (k <= 0)
			goto fail;
		have += (size_t)k;
	}
	if (r < 0 || pdu_result(buf, plen, &b->ar, &b->lim) != LDAP_SUCCESS)
		goto fail;
	if (net_set_nonblocking(fd) != 0)
		goto fail;
	c->s.fd = fd;
	c->s.next_id = 2;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	return epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev);
fail:
	close(fd);
	return -1;
}

static void
bulk_free(bulk *b)
{
	for (unsigned i = 0; b->conns != NULL && i < b->nconns; i++) {
		sock_free(&b->conns[i].s);
		free(b->conns[i].fl);
	}
	free(b->conns);
	if (b->epfd >= 0)
		close(b->epfd);
	ber_writer_free(&b->w);
	arena_free(&b->ar);
}

static void
bulk_loop(bulk *b)
{
	struct epoll_event evs[64];
	uint64_t last_progress = now_ns();
	uint32_t last_done = 0;

	while (b->done < b->count) {
		unsigned alive = 0;
		int n;

		for (unsigned i = 0; i < b->nconns; i++)
			alive += !b->conns[i].dead;
		if (alive == 0)
			break;
		n = epoll_wait(b->epfd, evs, 64, 100);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			bconn *c = evs[i].data.ptr;

			if (!c->dead)
				on_event(b, c, evs[i].events);
		}
		if (b->done != last_done) {
			last_done = b->done;
			last_progress = now_ns();
		} else if (now_ns() - last_progress > (uint64_t)(b->cfg->timeout * 1e9)) {
			break;
		}
	}
	/* Whatever was never answered or never sent counts as lost. */
	b->st->client[CERR_TIMEOUT] += b->count - b->done;
}

int
bulk_run(const bench_cfg *cfg, int kind, uint32_t count, run_result *res)
{
	struct sockaddr_in sa;
	bulk b;
	uint64_t t0;
	int rc = 0;

	run_result_init(res);
	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.kind = kind;
	b.count = count;
	b.window = cfg->preload_window ? cfg->preload_window : 32;
	b.nconns = cfg->preload_conns ? cfg->preload_conns : 4;
	b.st = &res->ops[kind == BULK_PRELOAD ? OPK_PRELOAD : OPK_DELETE];
	b.epfd = epoll_create1(EPOLL_CLOEXEC);
	ber_writer_init(&b.w, 1024, 0);
	arena_init(&b.ar, 16 * 1024, 0);
	ldap_limits_default(&b.lim);
	if (net_addr(cfg->host, cfg->port, &sa) != 0 || b.epfd < 0 ||
	    (b.conns = calloc(b.nconns, sizeof(*b.conns))) == NULL) {
		bulk_free(&b);
		return -1;
	}
	t0 = now_ns();
	for (unsigned i = 0; i < b.nconns; i++) {
		bconn *c = &b.conns[i];

		sock_init(&c->s);
		c->fl = calloc(b.window, sizeof(*c->fl));
		if (c->fl == NULL || open_conn(&b, c, &sa) != 0) {
			fprintf(stderr, "ilsbench: cannot connect and bind to %s:%u: %s\n",
			    cfg->host, cfg->port, strerror(errno));
			c->dead = true;
			rc = -1;
		}
	}
	if (rc == 0) {
		for (unsigned i = 0; i < b.nconns; i++)
			top_up(&b, &b.conns[i]);
		bulk_loop(&b);
	} else {
		b.st->client[CERR_CONNECT] += count;
	}
	res->seconds = (double)(now_ns() - t0) / 1e9;
	bulk_free(&b);
	return rc;
}
