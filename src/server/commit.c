/*
 * commit.c - group commit: the writes of one event-loop round share one
 * LMDB commit.
 *
 * Each loop thread runs the store in batch mode (store.h): a write
 * request folds its changes into the thread's open batch, and its answer,
 * with everything its connection sends after it, waits in the
 * connection's unsynced buffer.  The commit event is activated from a
 * callback, so libevent runs it after every callback already ready in this
 * round: one commit (one fsync with sync = true) then makes all of the
 * round's writes durable and the waiting answers go out.  No client hears
 * of a write before LMDB committed it, and fifty clients registering at
 * once cost one commit instead of fifty.
 *
 * While a batch is open this thread holds LMDB's writer lock, so writes
 * of the other loops wait for it: a batch also commits as soon as it holds
 * group-commit-max writes or has been open BATCH_MAX_MS.
 */
#include "server/commit.h"

#include <event2/event.h>

#include "server/conn.h"
#include "util/log.h"

#define BATCH_MAX_MS 2

static void
on_commit(evutil_socket_t fd, short what, void *arg)
{
	loop *lp = arg;

	(void)fd;
	(void)what;
	lp->commit_armed = false;
	commit_now(lp);
}

int
commit_init(loop *lp)
{
	lp->commit_ev = event_new(lp->base, -1, 0, on_commit, lp);
	return lp->commit_ev != NULL ? 0 : -1;
}

void
commit_free(loop *lp)
{
	if (lp->commit_ev != NULL)
		event_free(lp->commit_ev);
	lp->commit_ev = NULL;
}

void
commit_thread_start(loop *lp)
{
	if (lp->srv->cfg->group_commit)
		store_batch_mode(lp->srv->st, true);
}

void
commit_thread_end(loop *lp)
{
	commit_now(lp);
	store_batch_mode(lp->srv->st, false);
}

static void
arm(loop *lp)
{
	if (!lp->commit_armed) {
		lp->commit_armed = true;
		event_active(lp->commit_ev, EV_READ, 0);
	}
}

void
commit_check(loop *lp)
{
	unsigned pending = store_batch_pending(lp->srv->st);
	uint64_t now;

	if (!store_batch_open(lp->srv->st))
		return;
	now = mono_ms();
	if (lp->batch_since_ms == 0)
		lp->batch_since_ms = now;
	if (pending >= lp->srv->cfg->group_commit_max || now - lp->batch_since_ms >= BATCH_MAX_MS)
		commit_now(lp);
	else
		arm(lp);
}

void
commit_wait(conn *c)
{
	loop *lp = c->lp;

	if (c->commit_wait)
		return;
	c->commit_wait = true;
	c->wait_prev = NULL;
	c->wait_next = lp->waiting;
	if (lp->waiting != NULL)
		lp->waiting->wait_prev = c;
	lp->waiting = c;
	arm(lp);
}

void
commit_forget(conn *c)
{
	loop *lp = c->lp;

	if (!c->commit_wait)
		return;
	if (c->wait_prev != NULL)
		c->wait_prev->wait_next = c->wait_next;
	else
		lp->waiting = c->wait_next;
	if (c->wait_next != NULL)
		c->wait_next->wait_prev = c->wait_prev;
	c->commit_wait = false;
	c->wait_next = c->wait_prev = NULL;
}

void
commit_now(loop *lp)
{
	int rc = store_batch_commit(lp->srv->st);
	conn *c, *next;

	lp->batch_since_ms = 0;
	if (rc != STORE_OK)
		log_error("group commit failed, its clients are disconnected unanswered: %s",
		    store_strerror(rc));
	/* Detach the list first: releasing may free a connection. */
	c = lp->waiting;
	lp->waiting = NULL;
	for (; c != NULL; c = next) {
		next = c->wait_next;
		c->commit_wait = false;
		c->wait_next = c->wait_prev = NULL;
		conn_commit_done(c, rc == STORE_OK);
	}
}
