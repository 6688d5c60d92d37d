/*
 * flusher.h - the periodic flush of the store when sync = false.
 */
#ifndef ILSD_SERVER_FLUSHER_H
#define ILSD_SERVER_FLUSHER_H

#include "store/store.h"

typedef struct flusher flusher;

/* Starts a thread flushing st every interval_s seconds; NULL on failure. */
flusher *flusher_start(store *st, unsigned interval_s);
/* Stops and joins the thread (NULL is fine); the caller flushes once more. */
void flusher_stop(flusher *f);

#endif
