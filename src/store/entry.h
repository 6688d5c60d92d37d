/*
 * entry.h - a directory entry in memory and in its compact stored form.
 *
 * In memory an entry is a DN plus attributes in order; values are slices
 * (into a request PDU, into LMDB's mapped memory, or into an arena), so
 * reading an entry out of the store copies nothing but the small arrays.
 *
 * Every attribute keeps two names: `key`, the canonical lowercase name the
 * schema gives it (used for matching and indexing), and `name`, the
 * spelling the client used when it was written (used for output).
 * Multi-value order and the bytes of every value are kept exactly.
 */
#ifndef ILSD_ENTRY_H
#define ILSD_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber/ber.h"
#include "util/arena.h"

typedef struct entry_attr {
	ber_slice key;		/* canonical lowercase name, e.g. "sn" */
	ber_slice name;		/* spelling as written, e.g. "surName" */
	ber_slice *vals;
	uint32_t nvals;
} entry_attr;

typedef struct entry {
	uint64_t id;		/* assigned by the store; 0 before the first put */
	uint64_t parent_id;	/* set by the store on get; 0 for none */
	ber_slice dn;		/* as written */
	ber_slice ndn;		/* normalised (dn_normalize), the primary key */
	uint64_t expires;	/* absolute expiry, Unix ms; 0 = static entry */
	entry_attr *attrs;
	uint32_t nattrs;
} entry;

/* Stored form: see entry.c for the byte layout.  Limits guard decode. */
#define ENTRY_MAX_ATTRS 4096
#define ENTRY_MAX_VALUES 65536

/* Encoded size of an entry, then encode into buf (which has that many bytes). */
size_t entry_encoded_size(const entry *e);
void entry_encode(const entry *e, uint8_t *buf);
/*
 * Decodes a stored entry.  Slices point into buf; arrays come from the arena.
 * Returns 0, or -1 for a corrupt record, or -2 if the arena ran out.
 * Sets parent_id and expires from the record; id is left 0 (the store sets it).
 */
int entry_decode(const uint8_t *buf, size_t len, arena *a, entry *out);

/* Finds an attribute by canonical key (case-sensitive on the lowercase key). */
entry_attr *entry_find(const entry *e, const char *key, size_t keylen);

#endif
