/*
 * commit.h - group commit: the writes of one event-loop round share one
 * LMDB commit, and their answers go out only after it.
 */
#ifndef ILSD_SERVER_COMMIT_H
#define ILSD_SERVER_COMMIT_H

#include "server/server.h"

/* Sets up lp's commit event (any thread, before the loop runs). */
int commit_init(loop *lp);
void commit_free(loop *lp);
/* Turns batching on for the calling thread, which runs lp (per group-commit). */
void commit_thread_start(loop *lp);
/* The loop's thread leaves: commits what is open and turns batching off. */
void commit_thread_end(loop *lp);
/*
 * After a unit of work on lp: if a batch is open, makes sure it commits at
 * the end of the round, or commits now if it is full or old.
 */
void commit_check(loop *lp);
/* c has answers waiting for the open batch: keep it on the waiting list. */
void commit_wait(conn *c);
/* Commits lp's batch now and releases every waiting connection. */
void commit_now(loop *lp);
/* c is going away: off the waiting list (its held answers are dropped). */
void commit_forget(conn *c);

#endif
