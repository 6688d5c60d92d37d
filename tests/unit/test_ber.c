/*
 * test_ber.c - known answers, round trips and hostile input for src/ber.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ber/ber.h"
#include "test.h"

#define U BER_CLASS_UNIVERSAL

/* Encodes with the writer and compares against the expected bytes. */
#define CHECK_ENCODES(w, expect)                                                 \
	do {                                                                     \
		CHECK_EQ_INT((w)->err, 0);                                       \
		CHECK_EQ_INT((w)->len, sizeof(expect));                          \
		if ((w)->len == sizeof(expect))                                  \
			CHECK_MEM((w)->buf, (expect), sizeof(expect));           \
	} while (0)

static ber_reader
reader_of(const uint8_t *p, size_t n)
{
	ber_reader r;

	ber_reader_init(&r, p, n, BER_DEFAULT_MAX_DEPTH);
	return r;
}

/* Walks every element recursively; returns the first error or 0. */
static int
walk(ber_reader *r)
{
	ber_tlv t;
	ber_reader child;
	int rc;

	while (!ber_reader_done(r)) {
		if ((rc = ber_read_tlv(r, &t)) < 0)
			return rc;
		if (!t.constructed)
			continue;
		if ((rc = ber_enter(r, &t, &child)) < 0)
			return rc;
		if ((rc = walk(&child)) < 0)
			return rc;
	}
	return 0;
}

static const struct {
	int64_t v;
	uint8_t enc[10];
	size_t n;
} int_kat[] = {
	{ 0, { 0x02, 0x01, 0x00 }, 3 },
	{ 1, { 0x02, 0x01, 0x01 }, 3 },
	{ 127, { 0x02, 0x01, 0x7f }, 3 },
	{ 128, { 0x02, 0x02, 0x00, 0x80 }, 4 },
	{ 256, { 0x02, 0x02, 0x01, 0x00 }, 4 },
	{ -1, { 0x02, 0x01, 0xff }, 3 },
	{ -128, { 0x02, 0x01, 0x80 }, 3 },
	{ -129, { 0x02, 0x02, 0xff, 0x7f }, 4 },
	{ 65535, { 0x02, 0x03, 0x00, 0xff, 0xff }, 5 },
	{ INT64_MAX, { 0x02, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 10 },
	{ INT64_MIN, { 0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10 },
};

TEST(test_integer_kat)
{
	size_t i;

	for (i = 0; i < sizeof(int_kat) / sizeof(int_kat[0]); i++) {
		ber_reader r = reader_of(int_kat[i].enc, int_kat[i].n);
		ber_writer w;
		int64_t v = 42;

		CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), 0);
		CHECK(v == int_kat[i].v);
		CHECK(ber_reader_done(&r));

		ber_writer_init(&w, 0, 0);
		ber_write_int(&w, int_kat[i].v);
		CHECK_EQ_INT(w.len, int_kat[i].n);
		if (w.len == int_kat[i].n)
			CHECK_MEM(w.buf, int_kat[i].enc, w.len);
		ber_writer_free(&w);
	}
}

TEST(test_integer_round_trip)
{
	static const int64_t edges[] = { 0, 1, -1, 127, 128, -128, -129, 255, 256,
		32767, 32768, -32768, -32769, 8388607, 8388608, INT32_MAX,
		(int64_t)INT32_MAX + 1, INT32_MIN, (int64_t)INT32_MIN - 1,
		((int64_t)1 << 55) - 1, (int64_t)1 << 55, -((int64_t)1 << 55),
		-((int64_t)1 << 55) - 1, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	ber_writer w;
	size_t i;

	ber_writer_init(&w, 16, 0);
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		ber_write_enum(&w, edges[i]);
	CHECK_EQ_INT(w.err, 0);
	ber_reader r = reader_of(w.buf, w.len);
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		int64_t v = 0;

		CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_ENUMERATED, &v), 0);
		CHECK(v == edges[i]);
	}
	CHECK(ber_reader_done(&r));
	ber_writer_free(&w);
}

TEST(test_integer_errors)
{
	static const uint8_t empty[] = { 0x02, 0x00 };
	static const uint8_t nine[] = { 0x02, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t pad_pos[] = { 0x02, 0x02, 0x00, 0x05 };
	static const uint8_t pad_neg[] = { 0x02, 0x02, 0xff, 0x80 };
	static const uint8_t pad_8[] = { 0x02, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x2a };
	static const uint8_t constructed[] = { 0x22, 0x03, 0x02, 0x01, 0x05 };
	ber_reader r;
	int64_t v = 0;

	r = reader_of(empty, sizeof(empty));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), BER_ERR_INTEGER);
	CHECK(r.p == empty);	/* not advanced on error */
	r = reader_of(nine, sizeof(nine));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), BER_ERR_INTEGER);
	/* Redundant leading octets are accepted (documented in ber.c). */
	r = reader_of(pad_pos, sizeof(pad_pos));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), 0);
	CHECK_EQ_INT(v, 5);
	r = reader_of(pad_neg, sizeof(pad_neg));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), 0);
	CHECK_EQ_INT(v, -128);
	r = reader_of(pad_8, sizeof(pad_8));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), 0);
	CHECK_EQ_INT(v, 42);
	r = reader_of(constructed, sizeof(constructed));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), BER_ERR_PRIMITIVE);
}

TEST(test_boolean_null)
{
	static const uint8_t f[] = { 0x01, 0x01, 0x00 };
	static const uint8_t t[] = { 0x01, 0x01, 0xff };
	static const uint8_t t1[] = { 0x01, 0x01, 0x01 };
	static const uint8_t b0[] = { 0x01, 0x00 };
	static const uint8_t b2[] = { 0x01, 0x02, 0xff, 0xff };
	static const uint8_t nul[] = { 0x05, 0x00 };
	static const uint8_t nul1[] = { 0x05, 0x01, 0x00 };
	static const uint8_t ctx_nul[] = { 0x87, 0x00 };	/* [7] NULL */
	ber_reader r;
	ber_writer w;
	bool b = true;

	r = reader_of(f, sizeof(f));
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_BOOLEAN, &b), 0);
	CHECK(!b);
	r = reader_of(t, sizeof(t));
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_BOOLEAN, &b), 0);
	CHECK(b);
	b = false;
	r = reader_of(t1, sizeof(t1));
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_BOOLEAN, &b), 0);
	CHECK(b);
	r = reader_of(b0, sizeof(b0));
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_BOOLEAN, &b), BER_ERR_BOOLEAN);
	r = reader_of(b2, sizeof(b2));
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_BOOLEAN, &b), BER_ERR_BOOLEAN);
	r = reader_of(nul, sizeof(nul));
	CHECK_EQ_INT(ber_read_null(&r, U, BER_TAG_NULL), 0);
	CHECK(ber_reader_done(&r));
	r = reader_of(nul1, sizeof(nul1));
	CHECK_EQ_INT(ber_read_null(&r, U, BER_TAG_NULL), BER_ERR_NULL);
	r = reader_of(ctx_nul, sizeof(ctx_nul));
	CHECK_EQ_INT(ber_read_null(&r, BER_CLASS_CONTEXT, 7), 0);

	ber_writer_init(&w, 0, 0);
	ber_write_bool(&w, false);
	ber_write_bool(&w, true);
	ber_write_null(&w, U, BER_TAG_NULL);
	ber_write_null(&w, BER_CLASS_CONTEXT, 7);
	{
		static const uint8_t expect[] = { 0x01, 0x01, 0x00, 0x01, 0x01, 0xff,
			0x05, 0x00, 0x87, 0x00 };
		CHECK_ENCODES(&w, expect);
	}
	ber_writer_free(&w);
}

TEST(test_octets_kat)
{
	static const uint8_t s[] = { 0x04, 0x03, 'a', 'b', 'c' };
	static const uint8_t s_long[] = { 0x04, 0x81, 0x03, 'a', 'b', 'c' };
	static const uint8_t s_ms[] = { 0x04, 0x84, 0, 0, 0, 0x03, 'a', 'b', 'c' };
	static const uint8_t s_empty[] = { 0x04, 0x00 };
	static const uint8_t ctx[] = { 0x80, 0x02, 'h', 'i' };	/* [0] IMPLICIT */
	const uint8_t *const in[] = { s, s_long, s_ms };
	const size_t n[] = { sizeof(s), sizeof(s_long), sizeof(s_ms) };
	ber_slice v;
	ber_reader r;
	ber_writer w;
	size_t i;

	for (i = 0; i < 3; i++) {
		r = reader_of(in[i], n[i]);
		CHECK_EQ_INT(ber_read_octets(&r, U, BER_TAG_OCTET_STRING, &v), 0);
		CHECK_EQ_INT(v.len, 3);
		CHECK(v.p == in[i] + n[i] - 3);	/* zero copy */
		CHECK(ber_reader_done(&r));
	}
	r = reader_of(s_empty, sizeof(s_empty));
	CHECK_EQ_INT(ber_read_octets(&r, U, BER_TAG_OCTET_STRING, &v), 0);
	CHECK_EQ_INT(v.len, 0);
	r = reader_of(ctx, sizeof(ctx));
	CHECK_EQ_INT(ber_read_octets(&r, BER_CLASS_CONTEXT, 0, &v), 0);
	CHECK(v.len == 2 && memcmp(v.p, "hi", 2) == 0);

	ber_writer_init(&w, 0, 0);
	ber_write_str(&w, "abc", 3);
	CHECK_ENCODES(&w, s);
	ber_writer_reset(&w);
	ber_write_str(&w, NULL, 0);
	CHECK_ENCODES(&w, s_empty);
	ber_writer_reset(&w);
	ber_write_octets(&w, BER_CLASS_CONTEXT, 0, "hi", 2);
	CHECK_ENCODES(&w, ctx);
	ber_writer_free(&w);
}

/*
 * An anonymous LDAPv3 bind request, messageID 1:
 * SEQUENCE { INTEGER 1, [APPLICATION 0] { INTEGER 3, OCTET STRING "",
 * [0] "" } }
 */
static const uint8_t bind_req[] = {
	0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03,
	0x04, 0x00, 0x80, 0x00,
};

TEST(test_sequence_kat)
{
	ber_reader r = reader_of(bind_req, sizeof(bind_req)), msg, op;
	ber_writer w;
	ber_slice name, pw;
	int64_t id = 0, version = 0;

	CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_SEQUENCE, &msg), 0);
	CHECK(ber_reader_done(&r));
	CHECK_EQ_INT(msg.depth, 1);
	CHECK_EQ_INT(ber_read_integer(&msg, U, BER_TAG_INTEGER, &id), 0);
	CHECK_EQ_INT(id, 1);
	CHECK_EQ_INT(ber_read_sequence(&msg, BER_CLASS_APPLICATION, 0, &op), 0);
	CHECK(ber_reader_done(&msg));
	CHECK_EQ_INT(ber_read_integer(&op, U, BER_TAG_INTEGER, &version), 0);
	CHECK_EQ_INT(version, 3);
	CHECK_EQ_INT(ber_read_octets(&op, U, BER_TAG_OCTET_STRING, &name), 0);
	CHECK_EQ_INT(name.len, 0);
	CHECK_EQ_INT(ber_read_octets(&op, BER_CLASS_CONTEXT, 0, &pw), 0);
	CHECK_EQ_INT(pw.len, 0);
	CHECK(ber_reader_done(&op));
	CHECK_EQ_INT(ber_read_octets(&op, U, BER_TAG_OCTET_STRING, &name), BER_ERR_END);

	ber_writer_init(&w, 0, 0);
	ber_begin_seq(&w);
	ber_write_int(&w, 1);
	ber_begin(&w, BER_CLASS_APPLICATION, 0);
	ber_write_int(&w, 3);
	ber_write_str(&w, "", 0);
	ber_write_octets(&w, BER_CLASS_CONTEXT, 0, "", 0);
	ber_end(&w);
	ber_end(&w);
	CHECK_ENCODES(&w, bind_req);
	ber_writer_free(&w);
}

TEST(test_high_tags)
{
	static const uint8_t app31[] = { 0x5f, 0x1f, 0x01, 0x2a };
	static const uint8_t ctx128[] = { 0xbf, 0x81, 0x00, 0x00 };
	static const uint8_t priv_max[] = { 0xdf, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x00 };
	static const uint8_t univ30[] = { 0x1e, 0x00 };
	ber_reader r, child;
	ber_writer w;
	int64_t v = 0;

	r = reader_of(app31, sizeof(app31));
	CHECK_EQ_INT(ber_read_integer(&r, BER_CLASS_APPLICATION, 31, &v), 0);
	CHECK_EQ_INT(v, 42);
	r = reader_of(ctx128, sizeof(ctx128));
	CHECK_EQ_INT(ber_read_sequence(&r, BER_CLASS_CONTEXT, 128, &child), 0);
	CHECK(ber_reader_done(&child));
	r = reader_of(priv_max, sizeof(priv_max));
	CHECK_EQ_INT(ber_read_null(&r, BER_CLASS_PRIVATE, UINT32_MAX), 0);
	r = reader_of(univ30, sizeof(univ30));
	CHECK_EQ_INT(ber_read_null(&r, U, 30), 0);

	ber_writer_init(&w, 0, 0);
	ber_write_integer(&w, BER_CLASS_APPLICATION, 31, 42);
	CHECK_ENCODES(&w, app31);
	ber_writer_reset(&w);
	ber_begin(&w, BER_CLASS_CONTEXT, 128);
	ber_end(&w);
	CHECK_ENCODES(&w, ctx128);
	ber_writer_reset(&w);
	ber_write_null(&w, BER_CLASS_PRIVATE, UINT32_MAX);
	CHECK_ENCODES(&w, priv_max);
	ber_writer_reset(&w);
	ber_write_null(&w, U, 30);
	CHECK_ENCODES(&w, univ30);
	ber_writer_free(&w);
}

TEST(test_bad_tags)
{
	static const struct {
		uint8_t b[10];
		size_t n;
		int err;
	} bad[] = {
		{ { 0x5f, 0x90, 0x80, 0x80, 0x80, 0x00, 0x00 }, 7, BER_ERR_TAG },	/* 2^32 */
		{ { 0x5f, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00 }, 8, BER_ERR_TAG },	/* 6 octets */
		{ { 0x5f, 0x80, 0x1f, 0x00 }, 4, BER_ERR_TAG },	/* leading zero */
		{ { 0x5f, 0x05, 0x00 }, 3, BER_ERR_TAG },	/* should be low form */
		{ { 0x5f, 0x81 }, 2, BER_ERR_TRUNCATED },
		{ { 0x5f }, 1, BER_ERR_TRUNCATED },
	};
	size_t i, plen = 99;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ber_reader r = reader_of(bad[i].b, bad[i].n);
		ber_tlv t;

		CHECK_EQ_INT(ber_read_tlv(&r, &t), bad[i].err);
		CHECK(r.p == bad[i].b);
		CHECK_EQ_INT(ber_frame(bad[i].b, bad[i].n, 0, &plen),
		    bad[i].err == BER_ERR_TRUNCATED ? 0 : bad[i].err);
	}
}

TEST(test_bad_lengths)
{
	static const uint8_t five[] = { 0x04, 0x85, 0, 0, 0, 0, 1, 'x' };
	static const uint8_t reserved[] = { 0x04, 0xff, 0 };
	static const uint8_t indef[] = { 0x30, 0x80, 0x04, 0x00, 0x00, 0x00 };
	static const uint8_t past[] = { 0x04, 0x05, 'a', 'b' };
	static const uint8_t past_parent[] = { 0x30, 0x03, 0x04, 0x05, 'a', 0x05, 0x00 };
	static const uint8_t huge[] = { 0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 'x' };
	ber_reader r, child;
	ber_tlv t;
	size_t plen;

	r = reader_of(five, sizeof(five));
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_LENGTH);
	CHECK_EQ_INT(ber_frame(five, sizeof(five), 0, &plen), BER_ERR_LENGTH);
	r = reader_of(reserved, sizeof(reserved));
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_LENGTH);
	r = reader_of(indef, sizeof(indef));
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_INDEFINITE);
	CHECK_EQ_INT(ber_frame(indef, sizeof(indef), 0, &plen), BER_ERR_INDEFINITE);
	CHECK_EQ_INT(ber_frame(indef, 2, 0, &plen), BER_ERR_INDEFINITE);
	r = reader_of(past, sizeof(past));
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_TRUNCATED);
	r = reader_of(huge, sizeof(huge));
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_TRUNCATED);
	CHECK_EQ_INT(ber_frame(huge, sizeof(huge), 0, &plen), 0);

	/* The child may not run past its parent even if the buffer goes on. */
	r = reader_of(past_parent, sizeof(past_parent));
	CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_SEQUENCE, &child), 0);
	CHECK_EQ_INT(ber_read_tlv(&child, &t), BER_ERR_TRUNCATED);
	CHECK_EQ_INT(ber_read_null(&r, U, BER_TAG_NULL), 0);
}

TEST(test_wrong_tags)
{
	static const uint8_t str[] = { 0x04, 0x01, 0x05 };
	static const uint8_t set[] = { 0x31, 0x00 };
	static const uint8_t prim_seq[] = { 0x10, 0x00 };
	static const uint8_t cons_str[] = { 0x24, 0x05, 0x04, 0x03, 'a', 'b', 'c' };
	ber_reader r, child;
	ber_slice s;
	ber_tlv t;
	int64_t v;
	bool b;

	r = reader_of(str, sizeof(str));
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), BER_ERR_UNEXPECTED);
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_BOOLEAN, &b), BER_ERR_UNEXPECTED);
	CHECK_EQ_INT(ber_read_null(&r, U, BER_TAG_NULL), BER_ERR_UNEXPECTED);
	CHECK_EQ_INT(ber_read_octets(&r, BER_CLASS_CONTEXT, 4, &s), BER_ERR_UNEXPECTED);
	CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_OCTET_STRING, &child),
	    BER_ERR_PRIMITIVE);
	CHECK(r.p == str);
	CHECK_EQ_INT(ber_read_octets(&r, U, BER_TAG_OCTET_STRING, &s), 0);
	CHECK(ber_reader_done(&r));

	r = reader_of(set, sizeof(set));
	CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_SEQUENCE, &child), BER_ERR_UNEXPECTED);
	CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_SET, &child), 0);

	r = reader_of(prim_seq, sizeof(prim_seq));
	CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_SEQUENCE, &child), BER_ERR_PRIMITIVE);
	CHECK_EQ_INT(ber_read_tlv(&r, &t), 0);
	CHECK_EQ_INT(ber_enter(&r, &t, &child), BER_ERR_PRIMITIVE);

	r = reader_of(cons_str, sizeof(cons_str));
	CHECK_EQ_INT(ber_read_octets(&r, U, BER_TAG_OCTET_STRING, &s), BER_ERR_PRIMITIVE);
	CHECK_EQ_INT(ber_read_null(&r, U, BER_TAG_OCTET_STRING), BER_ERR_PRIMITIVE);
	CHECK_EQ_INT(ber_read_boolean(&r, U, BER_TAG_OCTET_STRING, &b), BER_ERR_PRIMITIVE);
}

TEST(test_end_of_reader)
{
	ber_reader r = reader_of(bind_req, 0);
	ber_tlv t;
	int64_t v;

	CHECK(ber_reader_done(&r));
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_END);
	CHECK_EQ_INT(ber_peek_tlv(&r, &t), BER_ERR_END);
	CHECK_EQ_INT(ber_read_integer(&r, U, BER_TAG_INTEGER, &v), BER_ERR_END);

	r = reader_of(bind_req, sizeof(bind_req));
	CHECK_EQ_INT(ber_peek_tlv(&r, &t), 0);
	CHECK(r.p == bind_req);
	CHECK_EQ_INT(t.total_len, sizeof(bind_req));
	CHECK_EQ_INT(t.tag, BER_TAG_SEQUENCE);
	CHECK(t.constructed && t.cls == U);
	CHECK_EQ_INT(ber_read_tlv(&r, &t), 0);
	CHECK_EQ_INT(ber_read_tlv(&r, &t), BER_ERR_END);
}

/* n levels of empty-ended SEQUENCE nesting: 30 2(n-1) 30 2(n-2) ... 30 00. */
static void
make_nest(uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf[2 * i] = 0x30;
		buf[2 * i + 1] = (uint8_t)(2 * (n - 1 - i));
	}
}

TEST(test_depth)
{
	uint8_t buf[2 * 40];
	ber_reader r;

	make_nest(buf, BER_DEFAULT_MAX_DEPTH);
	r = reader_of(buf, 2 * BER_DEFAULT_MAX_DEPTH);
	CHECK_EQ_INT(walk(&r), 0);
	make_nest(buf, BER_DEFAULT_MAX_DEPTH + 1);
	r = reader_of(buf, 2 * (BER_DEFAULT_MAX_DEPTH + 1));
	CHECK_EQ_INT(walk(&r), BER_ERR_DEPTH);
	make_nest(buf, 40);
	r = reader_of(buf, 80);
	CHECK_EQ_INT(walk(&r), BER_ERR_DEPTH);

	make_nest(buf, 3);
	ber_reader_init(&r, buf, 6, 3);
	CHECK_EQ_INT(walk(&r), 0);
	make_nest(buf, 4);
	ber_reader_init(&r, buf, 8, 3);
	CHECK_EQ_INT(walk(&r), BER_ERR_DEPTH);
}

/* Builds the element id || minimal length || content the slow, obvious way. */
static uint8_t *
ref_wrap(uint8_t id, const uint8_t *content, size_t n, size_t *out_len)
{
	uint8_t *out = malloc(n + 6), *p = out;
	int shift;

	*p++ = id;
	if (n < 128) {
		*p++ = (uint8_t)n;
	} else {
		int octets = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;

		*p++ = (uint8_t)(0x80 | octets);
		for (shift = 8 * (octets - 1); shift >= 0; shift -= 8)
			*p++ = (uint8_t)(n >> shift);
	}
	if (n > 0)
		memcpy(p, content, n);
	*out_len = (size_t)(p - out) + n;
	return out;
}

/*
 * Nested constructed elements whose sizes cross the one/two/three-octet
 * length boundaries at different levels, so ber_end must move contents at
 * several levels; the result must equal an independently built encoding.
 */
TEST(test_nested_moves)
{
	static const size_t inner_sizes[] = { 0, 100, 118, 119, 120, 121, 122, 123,
		124, 125, 126, 127, 128, 200, 245, 250, 253, 255, 256, 65500, 65520,
		65530, 65531, 65532, 65535, 65536, 70000 };
	enum { LEVELS = 6 };
	size_t k;

	for (k = 0; k < sizeof(inner_sizes) / sizeof(inner_sizes[0]); k++) {
		size_t n = inner_sizes[k], cur_len, i;
		uint8_t *data = malloc(n + 1), *cur, *content;
		ber_writer w;
		ber_reader r, lvl[LEVELS + 1];
		ber_slice s;
		int64_t v;

		for (i = 0; i < n; i++)
			data[i] = (uint8_t)(i * 7);
		/* Reference, inside out: level i holds its child then INTEGER i. */
		cur = ref_wrap(0x04, data, n, &cur_len);
		for (i = LEVELS; i-- > 0;) {
			content = malloc(cur_len + 3);
			memcpy(content, cur, cur_len);
			content[cur_len] = 0x02;
			content[cur_len + 1] = 0x01;
			content[cur_len + 2] = (uint8_t)i;
			free(cur);
			cur = ref_wrap(i % 2 ? 0xa0 | (uint8_t)i : 0x30, content,
			    cur_len + 3, &cur_len);
			free(content);
		}

		ber_writer_init(&w, 8, 0);
		for (i = 0; i < LEVELS; i++) {
			if (i % 2)
				ber_begin(&w, BER_CLASS_CONTEXT, (uint32_t)i);
			else
				ber_begin_seq(&w);
		}
		ber_write_str(&w, data, n);
		for (i = LEVELS; i-- > 0;) {
			ber_write_int(&w, (int64_t)i);
			ber_end(&w);
		}
		CHECK_EQ_INT(w.err, 0);
		CHECK_EQ_INT(w.len, cur_len);
		if (w.len == cur_len)
			CHECK_MEM(w.buf, cur, cur_len);

		/* And it decodes back. */
		r = reader_of(w.buf, w.len);
		lvl[0] = r;
		for (i = 0; i < LEVELS; i++)
			CHECK_EQ_INT(ber_read_sequence(&lvl[i],
			    i % 2 ? BER_CLASS_CONTEXT : U,
			    i % 2 ? (uint32_t)i : BER_TAG_SEQUENCE, &lvl[i + 1]), 0);
		CHECK_EQ_INT(ber_read_octets(&lvl[LEVELS], U, BER_TAG_OCTET_STRING, &s), 0);
		CHECK(s.len == n && (n == 0 || memcmp(s.p, data, n) == 0));
		for (i = LEVELS; i-- > 0;) {
			CHECK_EQ_INT(ber_read_integer(&lvl[i + 1], U, BER_TAG_INTEGER, &v), 0);
			CHECK_EQ_INT(v, (int64_t)i);
			CHECK(ber_reader_done(&lvl[i + 1]));
		}
		CHECK(ber_reader_done(&lvl[0]));
		ber_writer_free(&w);
		free(cur);
		free(data);
	}
}

TEST(test_length_forms)
{
	static const struct {
		size_t n;
		uint8_t hdr[5];
		size_t hlen;
	} forms[] = {
		{ 0, { 0x04, 0x00 }, 2 },
		{ 127, { 0x04, 0x7f }, 2 },
		{ 128, { 0x04, 0x81, 0x80 }, 3 },
		{ 255, { 0x04, 0x81, 0xff }, 3 },
		{ 256, { 0x04, 0x82, 0x01, 0x00 }, 4 },
		{ 65535, { 0x04, 0x82, 0xff, 0xff }, 4 },
		{ 65536, { 0x04, 0x83, 0x01, 0x00, 0x00 }, 5 },
	};
	size_t i, j;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = forms[i].n, plen = 0;
		uint8_t *data = malloc(n + 1);
		ber_writer w;
		ber_reader r, child;
		ber_slice s;

		for (j = 0; j < n; j++)
			data[j] = (uint8_t)j;
		ber_writer_init(&w, 0, 0);
		ber_write_str(&w, data, n);
		CHECK_EQ_INT(w.len, forms[i].hlen + n);
		CHECK_MEM(w.buf, forms[i].hdr, forms[i].hlen);
		CHECK_EQ_INT(ber_frame(w.buf, w.len, 0, &plen), 1);
		CHECK_EQ_INT(plen, w.len);
		r = reader_of(w.buf, w.len);
		CHECK_EQ_INT(ber_read_octets(&r, U, BER_TAG_OCTET_STRING, &s), 0);
		CHECK(s.len == n && (n == 0 || memcmp(s.p, data, n) == 0));

		/* The same content as a SEQUENCE made by ber_begin/ber_end. */
		ber_writer_reset(&w);
		ber_begin_seq(&w);
		ber_write_raw(&w, data, n);
		ber_end(&w);
		CHECK_EQ_INT(w.len, forms[i].hlen + n);
		CHECK_EQ_INT(w.buf[0], 0x30);
		CHECK_MEM(w.buf + 1, forms[i].hdr + 1, forms[i].hlen - 1);
		CHECK(n == 0 || memcmp(w.buf + forms[i].hlen, data, n) == 0);
		r = reader_of(w.buf, w.len);
		CHECK_EQ_INT(ber_read_sequence(&r, U, BER_TAG_SEQUENCE, &child), 0);
		CHECK_EQ_INT((size_t)(child.end - child.p), n);
		ber_writer_free(&w);
		free(data);
	}
}

/* A PDU with long forms, high tags and every type, for truncation tests. */
static uint8_t *
make_pdu(size_t *len)
{
	char big[300];
	ber_writer w;

	memset(big, 'x', sizeof(big));
	ber_writer_init(&w, 0, 0);
	ber_begin_seq(&w);
	ber_write_int(&w, 7);
	ber_begin(&w, BER_CLASS_APPLICATION, 3);
	ber_write_str(&w, "dc=example", 10);
	ber_write_enum(&w, 2);
	ber_write_bool(&w, true);
	ber_write_octets(&w, BER_CLASS_CONTEXT, 7, "objectClass", 11);
	ber_begin_seq(&w);
	ber_write_str(&w, big, sizeof(big));
	ber_end(&w);
	ber_write_null(&w, U, BER_TAG_NULL);
	ber_write_integer(&w, BER_CLASS_PRIVATE, 200, -5);
	ber_end(&w);
	ber_end(&w);
	return ber_writer_take(&w, len);
}

TEST(test_truncation)
{
	size_t n, k, plen;
	uint8_t *pdu = make_pdu(&n);
	ber_reader r;
	ber_tlv t;

	CHECK(pdu != NULL);
	if (pdu == NULL)
		return;
	r = reader_of(pdu, n);
	CHECK_EQ_INT(walk(&r), 0);
	for (k = 0; k < n; k++) {
		/* An exact-size copy, so ASan sees any read past the prefix. */
		uint8_t *pre = malloc(k ? k : 1);

		memcpy(pre, pdu, k);
		r = reader_of(pre, k);
		CHECK_EQ_INT(ber_read_tlv(&r, &t), k == 0 ? BER_ERR_END : BER_ERR_TRUNCATED);
		r = reader_of(pre, k);
		CHECK(k == 0 ? walk(&r) == 0 : walk(&r) == BER_ERR_TRUNCATED);
		plen = 12345;
		CHECK_EQ_INT(ber_frame(pre, k, 0, &plen), 0);
		CHECK_EQ_INT(ber_frame(pre, k, n, &plen), 0);
		CHECK_EQ_INT(plen, 12345);
		free(pre);
	}
	CHECK_EQ_INT(ber_frame(pdu, n, 0, &plen), 1);
	CHECK_EQ_INT(plen, n);
	CHECK_EQ_INT(ber_frame(pdu, n, n, &plen), 1);
	CHECK_EQ_INT(ber_frame(pdu, n, n - 1, &plen), BER_ERR_TOO_BIG);
	free(pdu);

	/* The hand-written bind request too, and with a second PDU behind it. */
	for (k = 0; k < sizeof(bind_req); k++)
		CHECK_EQ_INT(ber_frame(bind_req, k, 0, &plen), 0);
	{
		uint8_t two[2 * sizeof(bind_req)];

		memcpy(two, bind_req, sizeof(bind_req));
		memcpy(two + sizeof(bind_req), bind_req, sizeof(bind_req));
		CHECK_EQ_INT(ber_frame(two, sizeof(two), 0, &plen), 1);
		CHECK_EQ_INT(plen, sizeof(bind_req));
	}
}

TEST(test_frame_too_big)
{
	/* Only the header of a 1 MiB element has arrived. */
	static const uint8_t hdr[] = { 0x30, 0x84, 0x00, 0x10, 0x00, 0x00 };
	size_t plen = 0;

	CHECK_EQ_INT(ber_frame(hdr, sizeof(hdr), 65536, &plen), BER_ERR_TOO_BIG);
	CHECK_EQ_INT(ber_frame(hdr, sizeof(hdr), 0, &plen), 0);
	CHECK_EQ_INT(ber_frame(hdr, sizeof(hdr), 0x100006, &plen), 0);
	CHECK_EQ_INT(ber_frame(hdr, sizeof(hdr), 0x100005, &plen), BER_ERR_TOO_BIG);
	CHECK_EQ_INT(ber_frame(hdr, 5, 65536, &plen), 0);	/* header incomplete */
	CHECK_EQ_INT(ber_frame(bind_req, sizeof(bind_req), sizeof(bind_req), &plen), 1);
	CHECK_EQ_INT(ber_frame(bind_req, sizeof(bind_req), sizeof(bind_req) - 1, &plen),
	    BER_ERR_TOO_BIG);
	CHECK_EQ_INT(ber_frame(bind_req, 2, sizeof(bind_req) - 1, &plen), BER_ERR_TOO_BIG);
}

TEST(test_writer_limits)
{
	ber_writer w;
	uint8_t *buf;
	size_t len, i;

	/* The cap is exact: 5 bytes fit, the 6th does not. */
	ber_writer_init(&w, 64, 5);
	ber_write_str(&w, "abc", 3);
	CHECK_EQ_INT(w.err, 0);
	ber_write_null(&w, U, BER_TAG_NULL);
	CHECK_EQ_INT(w.err, BER_ERR_NOMEM);
	CHECK_EQ_INT(w.len, 5);
	ber_write_raw(&w, "", 0);
	ber_begin_seq(&w);
	CHECK_EQ_INT(w.len, 5);
	buf = ber_writer_take(&w, &len);
	CHECK(buf == NULL);
	CHECK_EQ_INT(len, 0);
	CHECK_EQ_INT(w.err, 0);	/* reset by take */
	ber_writer_free(&w);

	ber_writer_init(&w, 0, 16);
	ber_write_str(&w, "0123456789abcdefghij", 20);
	CHECK_EQ_INT(w.err, BER_ERR_NOMEM);
	ber_writer_reset(&w);
	CHECK_EQ_INT(w.err, 0);
	ber_write_str(&w, "0123456789", 10);
	CHECK_EQ_INT(w.err, 0);
	ber_writer_free(&w);

	/* A long-form length that no longer fits under the cap. */
	ber_writer_init(&w, 0, 130);
	ber_begin_seq(&w);
	for (i = 0; i < 9; i++)
		ber_write_raw(&w, bind_req, sizeof(bind_req));
	ber_write_raw(&w, "ab", 2);
	CHECK_EQ_INT(w.err, 0);
	CHECK_EQ_INT(w.len, 130);	/* contents 128 need one more octet */
	ber_end(&w);
	CHECK_EQ_INT(w.err, BER_ERR_NOMEM);
	ber_writer_free(&w);

	/* Nesting: BER_MAX_NEST open elements are fine, one more is not. */
	ber_writer_init(&w, 0, 0);
	for (i = 0; i < BER_MAX_NEST; i++)
		ber_begin_seq(&w);
	for (i = 0; i < BER_MAX_NEST; i++)
		ber_end(&w);
	CHECK_EQ_INT(w.err, 0);
	{
		ber_reader r = reader_of(w.buf, w.len);

		CHECK_EQ_INT(walk(&r), 0);
	}
	ber_writer_reset(&w);
	for (i = 0; i <= BER_MAX_NEST; i++)
		ber_begin_seq(&w);
	CHECK(w.err != 0);
	ber_writer_reset(&w);
	ber_end(&w);
	CHECK(w.err != 0);
	ber_writer_reset(&w);

	/* take with an element still open is refused. */
	ber_begin_seq(&w);
	CHECK(ber_writer_take(&w, &len) == NULL);
	ber_writer_free(&w);
}

TEST(test_writer_take)
{
	ber_writer w;
	uint8_t *buf;
	size_t len;

	ber_writer_init(&w, 0, 0);
	buf = ber_writer_take(&w, &len);	/* empty but valid */
	CHECK(buf != NULL);
	CHECK_EQ_INT(len, 0);
	free(buf);

	ber_write_raw(&w, bind_req, sizeof(bind_req));
	buf = ber_writer_take(&w, &len);
	CHECK(buf != NULL);
	CHECK_EQ_INT(len, sizeof(bind_req));
	if (buf != NULL)
		CHECK_MEM(buf, bind_req, sizeof(bind_req));
	CHECK_EQ_INT(w.len, 0);
	CHECK(w.buf == NULL);
	/* The writer is usable again. */
	ber_write_int(&w, 1);
	CHECK_EQ_INT(w.len, 3);
	CHECK_EQ_INT(w.err, 0);
	ber_writer_free(&w);
	free(buf);
}

TEST(test_strerror)
{
	int e, f;

	for (e = BER_ERR_END; e <= 0; e++) {
		CHECK(ber_strerror(e) != NULL && ber_strerror(e)[0] != '\0');
		for (f = BER_ERR_END; f < e; f++)
			CHECK(strcmp(ber_strerror(e), ber_strerror(f)) != 0);
	}
	CHECK(ber_strerror(-1000) != NULL);
}

int
main(void)
{
	RUN(test_integer_kat);
	RUN(test_integer_round_trip);
	RUN(test_integer_errors);
	RUN(test_boolean_null);
	RUN(test_octets_kat);
	RUN(test_sequence_kat);
	RUN(test_high_tags);
	RUN(test_bad_tags);
	RUN(test_bad_lengths);
	RUN(test_wrong_tags);
	RUN(test_end_of_reader);
	RUN(test_depth);
	RUN(test_nested_moves);
	RUN(test_length_forms);
	RUN(test_truncation);
	RUN(test_frame_too_big);
	RUN(test_writer_limits);
	RUN(test_writer_take);
	RUN(test_strerror);
	return test_summary();
}
