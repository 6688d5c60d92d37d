/*
 * entry.c - the compact stored form of an entry.
 *
 * Byte layout of a record (format version 1):
 *
 *   u8       version (1)
 *   u64 LE   expires (Unix ms, 0 = static)
 *   u64 LE   parent id (0 = none)
 *   varint   dn length,  dn bytes
 *   varint   ndn length, ndn bytes
 *   varint   number of attributes
 *   per attribute:
 *     varint   key length, key bytes
 *     varint   name tag: 0 = name is spelled like the key,
 *              otherwise name length + 1, then the name bytes
 *     varint   number of values
 *     per value: varint length, value bytes
 *
 * Varints are unsigned LEB128 (7 bits per byte, low bits first).  The two
 * fixed-width fields sit at fixed offsets so the store can patch them
 * (TTL refresh, re-parenting) without re-encoding.  Decoding is strict: a
 * record with a length past its end, too many attributes or values, or
 * trailing bytes is rejected.
 */
#include "store/entry.h"
#include "store/entry_format.h"

#include <string.h>

static size_t
varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *
varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static bool
name_is_key(const entry_attr *at)
{
	return at->name.len == at->key.len &&
	    (at->name.len == 0 || memcmp(at->name.p, at->key.p, at->key.len) == 0);
}

void
entry_put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t
entry_get_u64le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

size_t
entry_encoded_size(const entry *e)
{
	size_t n = ENTRY_FIXED_SIZE;

	n += varint_size(e->dn.len) + e->dn.len;
	n += varint_size(e->ndn.len) + e->ndn.len;
	n += varint_size(e->nattrs);
	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *at = &e->attrs[i];

		n += varint_size(at->key.len) + at->key.len;
		if (name_is_key(at))
			n += 1;
		else
			n += varint_size(at->name.len + 1) + at->name.len;
		n += varint_size(at->nvals);
		for (uint32_t j = 0; j < at->nvals; j++)
			n += varint_size(at->vals[j].len) + at->vals[j].len;
	}
	return n;
}

static uint8_t *
bytes_put(uint8_t *p, ber_slice s)
{
	p = varint_put(p, s.len);
	if (s.len != 0)
		memcpy(p, s.p, s.len);
	return p + s.len;
}

void
entry_encode(const entry *e, uint8_t *buf)
{
	uint8_t *p = buf;

	*p++ = ENTRY_FORMAT_VERSION;
	entry_put_u64le(p, e->expires);
	p += 8;
	entry_put_u64le(p, e->parent_id);
	p += 8;
	p = bytes_put(p, e->dn);
	p = bytes_put(p, e->ndn);
	p = varint_put(p, e->nattrs);
	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *at = &e->attrs[i];

		p = bytes_put(p, at->key);
		if (name_is_key(at)) {
			*p++ = 0;
		} else {
			p = varint_put(p, at->name.len + 1);
			if (at->name.len != 0)
				memcpy(p, at->name.p, at->name.len);
			p += at->name.len;
		}
		p = varint_put(p, at->nvals);
		for (uint32_t j = 0; j < at->nvals; j++)
			p = bytes_put(p, at->vals[j]);
	}
}

/* A bounded reader over one record. */
typedef struct rec_reader {
	const uint8_t *p;
	const uint8_t *end;
} rec_reader;

static int varint_get_long(rec_reader *r, uint64_t *out);

/*
 * Every entry a search looks at is decoded, and nearly every length and
 * count in a record is below 128: one byte, taken inline.
 */
static inline int
varint_get(rec_reader *r, uint64_t *out)
{
	if (r->p < r->end && *r->p < 0x80) {
		*out = *r->p++;
		return 0;
	}
	return varint_get_long(r, out);
}

static int
varint_get_long(rec_reader *r, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p == r->end)
			return -1;
		uint8_t b = *r->p++;
		if (shift == 63 && b > 1)
			return -1;	/* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static int
bytes_get(rec_reader *r, ber_slice *out)
{
	uint64_t len;

	if (varint_get(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
		return -1;
	out->p = r->p;
	out->len = (size_t)len;
	r->p += len;
	return 0;
}

static int
count_get(rec_reader *r, uint64_t max, uint32_t *out)
{
	uint64_t n;

	if (varint_get(r, &n) < 0 || n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* Reads the name tag: the name is either the key or its own bytes. */
static int
name_get(rec_reader *r, ber_slice key, ber_slice *out)
{
	uint64_t tag;

	if (varint_get(r, &tag) < 0)
		return -1;
	if (tag == 0) {
		*out = key;
		return 0;
	}
	tag--;
	if (tag > (uint64_t)(r->end - r->p))
		return -1;
	out->p = r->p;
	out->len = (size_t)tag;
	r->p += tag;
	return 0;
}

/*
 * First pass: checks the whole attribute section and counts the values, so
 * the second pass can fill arrays allocated once, and a corrupt record
 * allocates nothing.
 */
static int
attrs_check(rec_reader r, uint32_t nattrs, size_t *total_vals)
{
	size_t total = 0;

	for (uint32_t i = 0; i < nattrs; i++) {
		ber_slice key, name, v;
		uint32_t nvals;

		if (bytes_get(&r, &key) < 0 || name_get(&r, key, &name) < 0 ||
		    count_get(&r, ENTRY_MAX_VALUES, &nvals) < 0)
			return -1;
		for (uint32_t j = 0; j < nvals; j++)
			if (bytes_get(&r, &v) < 0)
				return -1;
		total += nvals;
	}
	if (r.p != r.end)
		return -1;
	*total_vals = total;
	return 0;
}

int
entry_decode(const uint8_t *buf, size_t len, arena *a, entry *out)
{
	rec_reader r = { buf, buf + len };
	size_t total_vals;
	uint32_t nattrs;

	if (len < ENTRY_FIXED_SIZE || buf[0] != ENTRY_FORMAT_VERSION)
		return -1;
	memset(out, 0, sizeof(*out));
	out->expires = entry_get_u64le(buf + ENTRY_OFF_EXPIRES);
	out->parent_id = entry_get_u64le(buf + ENTRY_OFF_PARENT);
	r.p += ENTRY_FIXED_SIZE;
	if (bytes_get(&r, &out->dn) < 0 || bytes_get(&r, &out->ndn) < 0 ||
	    count_get(&r, ENTRY_MAX_ATTRS, &nattrs) < 0 ||
	    attrs_check(r, nattrs, &total_vals) < 0)
		return -1;
	if (nattrs == 0)
		return 0;

	entry_attr *attrs = arena_alloc(a, nattrs * sizeof(*attrs));
	ber_slice *vals = NULL;
	if (total_vals != 0)
		vals = arena_alloc(a, total_vals * sizeof(*vals));
	if (attrs == NULL || (total_vals != 0 && vals == NULL))
		return -2;

	/* Second pass: the structure is known to be sound. */
	for (uint32_t i = 0; i < nattrs; i++) {
		entry_attr *at = &attrs[i];

		(void)bytes_get(&r, &at->key);
		(void)name_get(&r, at->key, &at->name);
		(void)count_get(&r, ENTRY_MAX_VALUES, &at->nvals);
		at->vals = vals;
		for (uint32_t j = 0; j < at->nvals; j++)
			(void)bytes_get(&r, &vals[j]);
		vals += at->nvals;
	}
	out->attrs = attrs;
	out->nattrs = nattrs;
	return 0;
}

entry_attr *
entry_find(const entry *e, const char *key, size_t keylen)
{
	for (uint32_t i = 0; i < e->nattrs; i++) {
		entry_attr *at = &e->attrs[i];

		if (at->key.len == keylen && memcmp(at->key.p, key, keylen) == 0)
			return at;
	}
	return NULL;
}
