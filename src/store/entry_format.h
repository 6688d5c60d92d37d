/*
 * entry_format.h - private to the store: fixed offsets of the stored entry
 * record (see entry.c), so the store can patch expires and parent id in a
 * copy of a record without decoding it.
 */
#ifndef ILSD_ENTRY_FORMAT_H
#define ILSD_ENTRY_FORMAT_H

#include <stdint.h>

#define ENTRY_FORMAT_VERSION 1
#define ENTRY_OFF_EXPIRES 1
#define ENTRY_OFF_PARENT 9
#define ENTRY_FIXED_SIZE 17

void entry_put_u64le(uint8_t *p, uint64_t v);
uint64_t entry_get_u64le(const uint8_t *p);

#endif
