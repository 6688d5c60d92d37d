/*
 * fuzz_ber.c - libFuzzer target for src/ber.
 *
 * Frames the input, walks it recursively with both the generic and the
 * typed decoders (which must agree), re-encodes what it decoded, and checks
 * that the re-encoding is canonical: decoding and re-encoding it again gives
 * the very same bytes.  Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ber/ber.h"

#define FUZZ_MAX_PDU ((size_t)1 << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

static bool
is_universal(const ber_tlv *t, uint32_t tag)
{
	return t->cls == BER_CLASS_UNIVERSAL && t->tag == tag;
}

/* Decodes one primitive element both ways and writes it out again. */
static int
copy_primitive(ber_reader *at, const ber_tlv *t, ber_writer *w)
{
	ber_reader typed = *at;
	ber_slice s;
	int64_t v, v2;
	bool b, b2;
	int rc;

	if (is_universal(t, BER_TAG_INTEGER) || is_universal(t, BER_TAG_ENUMERATED)) {
		rc = ber_decode_integer(t->value, &v);
		ASSERT(ber_read_integer(&typed, t->cls, t->tag, &v2) == rc);
		if (rc < 0)
			return rc;
		ASSERT(v == v2);
		ber_write_integer(w, t->cls, t->tag, v);
	} else if (is_universal(t, BER_TAG_BOOLEAN)) {
		rc = ber_decode_boolean(t->value, &b);
		ASSERT(ber_read_boolean(&typed, t->cls, t->tag, &b2) == rc);
		if (rc < 0)
			return rc;
		ASSERT(b == b2);
		ber_write_boolean(w, t->cls, t->tag, b);
	} else if (is_universal(t, BER_TAG_NULL)) {
		rc = ber_read_null(&typed, t->cls, t->tag);
		ASSERT(rc == (t->value.len ? BER_ERR_NULL : BER_OK));
		if (rc < 0)
			return rc;
		ber_write_null(w, t->cls, t->tag);
	} else {
		ASSERT(ber_read_octets(&typed, t->cls, t->tag, &s) == 0);
		ASSERT(s.p == t->value.p && s.len == t->value.len);
		ber_write_octets(w, t->cls, t->tag, s.p, s.len);
	}
	ASSERT(typed.p == at->p + t->total_len);
	return 0;
}

/* Re-encodes every element of r into w; returns the first decoding error. */
static int
copy_elements(ber_reader *r, ber_writer *w)
{
	ber_reader at, child, typed;
	ber_tlv t, peeked;
	int rc;

	while (!ber_reader_done(r)) {
		at = *r;
		rc = ber_peek_tlv(r, &peeked);
		ASSERT(ber_read_tlv(r, &t) == rc);
		if (rc < 0) {
			ASSERT(r->p == at.p);
			return rc;
		}
		ASSERT(peeked.total_len == t.total_len && peeked.value.p == t.value.p);
		ASSERT(t.value.p + t.value.len <= at.end);
		if (!t.constructed) {
			if ((rc = copy_primitive(&at, &t, w)) < 0)
				return rc;
			continue;
		}
		typed = at;
		rc = ber_enter(&at, &t, &child);
		ASSERT(ber_read_sequence(&typed, t.cls, t.tag, &child) == rc);
		if (rc < 0)
			return rc;
		ASSERT(child.depth == r->depth + 1 && child.depth <= child.max_depth);
		ber_begin(w, t.cls, t.tag);
		rc = copy_elements(&child, w);
		ber_end(w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ber_frame must agree with a full header decode of the same bytes. */
static void
check_frame(const uint8_t *data, size_t size)
{
	ber_reader r;
	ber_tlv t;
	size_t len = 0, len_capped = 0;
	int fr, fr_capped, rc;

	fr = ber_frame(data, size, 0, &len);
	fr_capped = ber_frame(data, size, FUZZ_MAX_PDU, &len_capped);
	ber_reader_init(&r, data, size, BER_DEFAULT_MAX_DEPTH);
	rc = ber_peek_tlv(&r, &t);
	if (size == 0)
		ASSERT(fr == 0 && rc == BER_ERR_END);
	else if (fr == 1)
		ASSERT(rc == 0 && t.total_len == len && len <= size);
	else if (fr == 0)
		ASSERT(rc == BER_ERR_TRUNCATED);
	else
		ASSERT(rc == fr);
	if (fr_capped == 1)
		ASSERT(fr == 1 && len_capped == len && len <= FUZZ_MAX_PDU);
	else if (fr_capped == BER_ERR_TOO_BIG)
		ASSERT(fr >= 0);
	else
		ASSERT(fr_capped == fr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ber_reader r;
	ber_writer w1, w2;
	int rc;

	check_frame(data, size);

	/* The canonical form is never longer than the input, so cap it there. */
	ber_writer_init(&w1, 0, size + 1);
	ber_reader_init(&r, data, size, BER_DEFAULT_MAX_DEPTH);
	rc = copy_elements(&r, &w1);
	ASSERT(w1.sp == 0);
	if (rc == 0) {
		ASSERT(w1.err == 0 && w1.len <= size);
		ber_writer_init(&w2, 16, 0);
		ber_reader_init(&r, w1.buf, w1.len, BER_DEFAULT_MAX_DEPTH);
		ASSERT(copy_elements(&r, &w2) == 0);
		ASSERT(w2.err == 0 && w2.len == w1.len);
		ASSERT(w1.len == 0 || memcmp(w1.buf, w2.buf, w1.len) == 0);
		ber_writer_free(&w2);
	}
	ber_writer_free(&w1);
	return 0;
}
