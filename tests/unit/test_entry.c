/*
 * test_entry.c - the stored entry format: known bytes, round trips, and
 * decoding of corrupt records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/entry.h"
#include "test.h"

#define S(x) ((ber_slice){ (const uint8_t *)(x), sizeof(x) - 1 })

static bool
slice_eq(ber_slice a, ber_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static bool
entry_eq(const entry *a, const entry *b)
{
	if (!slice_eq(a->dn, b->dn) || !slice_eq(a->ndn, b->ndn) || a->expires != b->expires ||
	    a->parent_id != b->parent_id || a->nattrs != b->nattrs)
		return false;
	for (uint32_t i = 0; i < a->nattrs; i++) {
		const entry_attr *x = &a->attrs[i], *y = &b->attrs[i];
		if (!slice_eq(x->key, y->key) || !slice_eq(x->name, y->name) || x->nvals != y->nvals)
			return false;
		for (uint32_t j = 0; j < x->nvals; j++)
			if (!slice_eq(x->vals[j], y->vals[j]))
				return false;
	}
	return true;
}

static uint8_t *
encode(const entry *e, size_t *len)
{
	*len = entry_encoded_size(e);
	uint8_t *buf = malloc(*len);
	entry_encode(e, buf);
	return buf;
}

/* A small entry with binary, empty and 8-bit values. */
static ber_slice known_cn[] = { S("A") };
static ber_slice known_sn[] = { S(""), S("\0x") };
static entry_attr known_attrs[] = {
	{ S("cn"), S("CN"), known_cn, 1 },
	{ S("sn"), S("sn"), known_sn, 2 },
};
static const entry known = {
	.dn = S("cn=A"), .ndn = S("cn=a"), .expires = 0x0102, .parent_id = 5,
	.attrs = known_attrs, .nattrs = 2,
};
static const uint8_t known_bytes[] = {
	0x01,
	0x02, 0x01, 0, 0, 0, 0, 0, 0,
	0x05, 0, 0, 0, 0, 0, 0, 0,
	0x04, 'c', 'n', '=', 'A',
	0x04, 'c', 'n', '=', 'a',
	0x02,
	0x02, 'c', 'n', 0x03, 'C', 'N', 0x01, 0x01, 'A',
	0x02, 's', 'n', 0x00, 0x02, 0x00, 0x02, 0x00, 'x',
};

TEST(known_answer)
{
	size_t len;
	uint8_t *buf = encode(&known, &len);
	arena a;
	entry e;

	CHECK_EQ_INT(len, sizeof(known_bytes));
	if (len == sizeof(known_bytes))
		CHECK_MEM(buf, known_bytes, len);
	arena_init(&a, 0, 0);
	CHECK_EQ_INT(entry_decode(known_bytes, sizeof(known_bytes), &a, &e), 0);
	CHECK(entry_eq(&e, &known));
	CHECK_EQ_INT(e.id, 0);
	/* The name tag 0 makes the name the key's own bytes. */
	CHECK(e.attrs[1].name.p == e.attrs[1].key.p);
	/* Slices point into the record. */
	CHECK(e.dn.p == known_bytes + 18);
	free(buf);
	arena_free(&a);
}

TEST(round_trip_values)
{
	static uint8_t big[20000];
	uint8_t high[256];
	for (int i = 0; i < 256; i++)
		high[i] = (uint8_t)(255 - i);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	ber_slice many[300];
	char txt[300][8];
	for (int i = 0; i < 300; i++) {
		int n = snprintf(txt[i], sizeof(txt[i]), "v%d", 299 - i);
		many[i] = (ber_slice){ (const uint8_t *)txt[i], (size_t)n };
	}
	ber_slice bin[] = { { high, sizeof(high) }, S("\0\0\0"), S(""), { big, sizeof(big) },
		{ big, 300 } };
	entry_attr attrs[] = {
		{ S("objectclass"), S("objectClass"), many, 300 },
		{ S("userpassword"), S("userPassword"), bin, 5 },
		{ S("empty"), S(""), NULL, 0 },
		{ S(""), S("x"), bin + 2, 1 },
	};
	entry in = { .dn = S("cn=\xc3\xa9t\xc3\xa9,o=X"), .ndn = S("cn=\xc3\xa9t\xc3\xa9,o=x"),
		.expires = UINT64_MAX, .parent_id = (uint64_t)1 << 40, .attrs = attrs,
		.nattrs = 4 };
	size_t len;
	uint8_t *buf = encode(&in, &len);
	arena a;
	entry out;

	arena_init(&a, 0, 0);
	CHECK_EQ_INT(entry_decode(buf, len, &a, &out), 0);
	CHECK(entry_eq(&in, &out));
	/* Order of values is kept. */
	CHECK(out.attrs[0].nvals == 300 && slice_eq(out.attrs[0].vals[0], S("v299")) &&
	    slice_eq(out.attrs[0].vals[299], S("v0")));
	CHECK(entry_find(&out, "userpassword", 12) == &out.attrs[1]);
	CHECK(entry_find(&out, "userPassword", 12) == NULL);
	CHECK(entry_find(&out, "", 0) == &out.attrs[3]);
	CHECK(entry_find(&out, "user", 4) == NULL);
	free(buf);
	arena_free(&a);
}

TEST(round_trip_empty)
{
	entry in = { 0 }, out;
	size_t len;
	uint8_t *buf = encode(&in, &len);
	arena a;

	CHECK_EQ_INT(len, 17 + 3);
	arena_init(&a, 0, 0);
	CHECK_EQ_INT(entry_decode(buf, len, &a, &out), 0);
	CHECK(entry_eq(&in, &out));
	CHECK(out.attrs == NULL);
	free(buf);
	arena_free(&a);
}

/* Every strict prefix, and any trailing byte, is a corrupt record. */
TEST(truncated_every_offset)
{
	ber_slice vals[] = { S("hello"), S(""), S("\xff\x00\x01") };
	entry_attr attrs[] = { { S("cn"), S("Cn"), vals, 3 }, { S("mail"), S("mail"), vals, 1 } };
	entry in = { .dn = S("cn=x"), .ndn = S("cn=x"), .attrs = attrs, .nattrs = 2 };
	size_t len;
	uint8_t *buf = encode(&in, &len);
	arena a;
	entry out;
	int bad = 0;

	arena_init(&a, 0, 0);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		if (entry_decode(copy, n, &a, &out) != -1)
			bad++;
		free(copy);
		arena_reset(&a);
	}
	CHECK_EQ_INT(bad, 0);
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	CHECK_EQ_INT(entry_decode(longer, len + 1, &a, &out), -1);
	CHECK_EQ_INT(entry_decode(buf, len, &a, &out), 0);
	buf[0] = 2;
	CHECK_EQ_INT(entry_decode(buf, len, &a, &out), -1);
	free(longer);
	free(buf);
	arena_free(&a);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Random damage never crashes (run under ASan) and every success is sane. */
TEST(random_corruption)
{
	ber_slice vals[] = { S("alpha"), S("b"), S(""), S("delta delta") };
	entry_attr attrs[] = { { S("cn"), S("cn"), vals, 4 }, { S("o"), S("O"), vals + 1, 2 },
		{ S("sn"), S("SN"), vals, 1 } };
	entry in = { .dn = S("cn=y,o=z"), .ndn = S("cn=y,o=z"), .expires = 77, .attrs = attrs,
		.nattrs = 3 };
	size_t len;
	uint8_t *buf = encode(&in, &len);
	arena a;
	entry out;
	int ok = 0, insane = 0;

	arena_init(&a, 4096, 1 << 20);
	for (int round = 0; round < 20000; round++) {
		uint8_t *copy = malloc(len);
		memcpy(copy, buf, len);
		int flips = 1 + (int)(rng() % 4);
		for (int f = 0; f < flips; f++)
			copy[rng() % len] = (uint8_t)rng();
		size_t n = len - (rng() % 4 == 0 ? rng() % len : 0);
		if (entry_decode(copy, n, &a, &out) == 0) {
			ok++;
			/* Every slice lies inside the record. */
			const uint8_t *lo = copy, *hi = copy + n;
			if (out.dn.p < lo || out.dn.p + out.dn.len > hi)
				insane++;
			for (uint32_t i = 0; i < out.nattrs; i++)
				for (uint32_t j = 0; j < out.attrs[i].nvals; j++) {
					ber_slice v = out.attrs[i].vals[j];
					if (v.len && (v.p < lo || v.p + v.len > hi))
						insane++;
				}
		}
		free(copy);
		arena_reset(&a);
	}
	for (int round = 0; round < 20000; round++) {
		uint8_t junk[64];
		size_t n = rng() % sizeof(junk);
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rng();
		if (n)
			junk[0] = 1;
		(void)entry_decode(junk, n, &a, &out);
		arena_reset(&a);
	}
	CHECK_EQ_INT(insane, 0);
	printf("random corruption: %d of 20000 damaged records still decoded\n", ok);
	free(buf);
	arena_free(&a);
}

TEST(limits)
{
	uint8_t rec[64] = { 1 };
	size_t n = 17;
	arena a;
	entry out;

	arena_init(&a, 0, 0);
	rec[n++] = 0;		/* dn */
	rec[n++] = 0;		/* ndn */
	/* 4097 attributes: over ENTRY_MAX_ATTRS. */
	rec[n++] = 0x81;
	rec[n++] = 0x20;
	CHECK_EQ_INT(entry_decode(rec, n, &a, &out), -1);

	/* One attribute with 65537 values. */
	n = 19;
	rec[n++] = 1;
	rec[n++] = 0;		/* key "" */
	rec[n++] = 0;		/* name = key */
	rec[n++] = 0x81;
	rec[n++] = 0x80;
	rec[n++] = 0x04;
	CHECK_EQ_INT(entry_decode(rec, n, &a, &out), -1);

	/* A length varint of 11 bytes. */
	n = 17;
	for (int i = 0; i < 10; i++)
		rec[n++] = 0xff;
	rec[n++] = 0x01;
	CHECK_EQ_INT(entry_decode(rec, n, &a, &out), -1);

	/* Length 2^64-1. */
	n = 17;
	for (int i = 0; i < 9; i++)
		rec[n++] = 0xff;
	rec[n++] = 0x01;
	CHECK_EQ_INT(entry_decode(rec, n, &a, &out), -1);

	/* Name tag that runs past the end. */
	n = 19;
	rec[n++] = 1;
	rec[n++] = 0;
	rec[n++] = 5;
	rec[n++] = 'a';
	CHECK_EQ_INT(entry_decode(rec, n, &a, &out), -1);
	arena_free(&a);
}

TEST(arena_exhausted)
{
	ber_slice vals[100];
	for (int i = 0; i < 100; i++)
		vals[i] = S("v");
	entry_attr attrs[] = { { S("cn"), S("cn"), vals, 100 } };
	entry in = { .dn = S("cn=y"), .ndn = S("cn=y"), .attrs = attrs, .nattrs = 1 };
	size_t len;
	uint8_t *buf = encode(&in, &len);
	arena a;
	entry out;

	arena_init(&a, 256, 512);
	CHECK_EQ_INT(entry_decode(buf, len, &a, &out), -2);
	arena_free(&a);
	free(buf);
}

int
main(void)
{
	RUN(known_answer);
	RUN(round_trip_values);
	RUN(round_trip_empty);
	RUN(truncated_every_offset);
	RUN(random_corruption);
	RUN(limits);
	RUN(arena_exhausted);
	return test_summary();
}
