/*
 * flusher.c - with sync = false, a thread of its own flushes the store
 * every sync-interval seconds.
 *
 * The flush is an fdatasync of the whole LMDB file; after a busy second it
 * can take tens of milliseconds.  Run from an event loop it would hold
 * every request of that loop for as long (it showed as a 120 ms p99 in the
 * mixed benchmark), so it runs here and the loops never wait for the disk.
 * Writers are not blocked either: LMDB lets a flush run beside a commit.
 */
#include "server/flusher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

struct flusher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stop;
	store *st;
	unsigned interval_s;
};

static void *
flusher_main(void *arg)
{
	flusher *f = arg;
	struct timespec until;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += f->interval_s;
		while (!f->stop && pthread_cond_timedwait(&f->wake, &f->mu, &until) == 0)
			;
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->mu);
		int rc = store_sync(f->st);
		if (rc != STORE_OK)
			log_error("flushing the store failed: %s", store_strerror(rc));
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

flusher *
flusher_start(store *st, unsigned interval_s)
{
	flusher *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;

	if (f == NULL)
		return NULL;
	f->st = st;
	f->interval_s = interval_s ? interval_s : 1;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&f->thread, NULL, flusher_main, f) != 0) {
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	return f;
}

void
flusher_stop(flusher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->mu);
	free(f);
}
