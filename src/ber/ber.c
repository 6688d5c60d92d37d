/*
 * ber.c - the subset of X.690 BER that LDAP uses.
 *
 * Decoding choices (see ber.h for the contract):
 *  - Lengths: short form and long form with 1..4 length octets.  Long
 *    forms that are not minimal (0x84 00 00 00 05) are accepted: BER allows
 *    them and Microsoft clients always send four length octets.  0x80
 *    (indefinite) and 0xFF (reserved) are refused.
 *  - Tags: low form for 0..30, high form for 31..2^32-1 in at most five
 *    subsequent octets.  A high form that is not minimal (first subsequent
 *    octet 0x80) or that carries a number below 31 is refused: X.690 forbids
 *    both and no client sends them.
 *  - Integers: one to eight contents octets.  Redundant leading octets
 *    (00 05, FF 80) are ACCEPTED, as any value of at most eight octets fits
 *    in int64_t; sloppy clients exist and nothing is ambiguous about them.
 *  - On any error a typed read leaves the reader where it was, so a caller
 *    can try another alternative (optional fields of a CHOICE).
 *
 * Encoding always produces minimal (DER-like) tags, lengths and integers,
 * and 0xFF for TRUE.
 */
#include <stdlib.h>
#include <string.h>

#include "ber/ber.h"

#define BER_MAX_LEN_OCTETS	4	/* long-form lengths up to 2^32 - 1 */
#define BER_MAX_TAG_OCTETS	5	/* high-form tag subsequent octets */

const char *
ber_strerror(int err)
{
	switch (err) {
	case BER_OK: return "success";
	case BER_ERR_TRUNCATED: return "element truncated";
	case BER_ERR_INDEFINITE: return "indefinite length";
	case BER_ERR_LENGTH: return "bad length";
	case BER_ERR_TAG: return "bad tag";
	case BER_ERR_INTEGER: return "bad integer";
	case BER_ERR_DEPTH: return "nesting too deep";
	case BER_ERR_UNEXPECTED: return "unexpected element";
	case BER_ERR_TRAILING: return "trailing bytes";
	case BER_ERR_BOOLEAN: return "bad boolean";
	case BER_ERR_NULL: return "bad null";
	case BER_ERR_TOO_BIG: return "element too big";
	case BER_ERR_NOMEM: return "out of memory";
	case BER_ERR_PRIMITIVE: return "wrong primitive/constructed form";
	case BER_ERR_END: return "no more elements";
	}
	return "unknown BER error";
}

/* ---- decoding ---- */

/*
 * Decodes the identifier and length octets at p, of which avail bytes are
 * present.  Returns BER_ERR_TRUNCATED when the header itself is incomplete;
 * errors are reported as soon as the bytes seen prove them, which lets
 * ber_frame() reject a bad stream before the rest of it arrives.
 */
static int
parse_header(const uint8_t *p, size_t avail, ber_tlv *t, size_t *hdr_len,
    size_t *content_len)
{
	size_t i, len, n;

	if (avail < 1)
		return BER_ERR_TRUNCATED;
	t->cls = p[0] >> 6;
	t->constructed = (p[0] & 0x20) != 0;
	t->tag = p[0] & 0x1f;
	i = 1;
	if (t->tag == 0x1f) {
		uint32_t tag = 0;

		for (n = 0;; n++) {
			if (n == BER_MAX_TAG_OCTETS)
				return BER_ERR_TAG;
			if (i >= avail)
				return BER_ERR_TRUNCATED;
			if (n == 0 && p[i] == 0x80)
				return BER_ERR_TAG;	/* leading zero bits */
			if (tag > (UINT32_MAX >> 7))
				return BER_ERR_TAG;
			tag = (tag << 7) | (p[i] & 0x7f);
			if (!(p[i++] & 0x80))
				break;
		}
		if (tag < 0x1f)
			return BER_ERR_TAG;	/* should have used the low form */
		t->tag = tag;
	}

	if (i >= avail)
		return BER_ERR_TRUNCATED;
	len = p[i++];
	if (len == 0x80)
		return BER_ERR_INDEFINITE;
	if (len > 0x80) {
		n = len & 0x7f;
		if (n > BER_MAX_LEN_OCTETS)
			return BER_ERR_LENGTH;
		for (len = 0; n > 0; n--) {
			if (i >= avail)
				return BER_ERR_TRUNCATED;
			len = (len << 8) | p[i++];
		}
	}
	if (len > SIZE_MAX - i)
		return BER_ERR_LENGTH;
	*hdr_len = i;
	*content_len = len;
	return BER_OK;
}

int
ber_frame(const uint8_t *buf, size_t len, size_t max_pdu, size_t *pdu_len)
{
	ber_tlv t;
	size_t hdr, clen;
	int rc;

	rc = parse_header(buf, len, &t, &hdr, &clen);
	if (rc == BER_ERR_TRUNCATED)
		return 0;
	if (rc < 0)
		return rc;
	if (max_pdu != 0 && hdr + clen > max_pdu)
		return BER_ERR_TOO_BIG;
	if (hdr + clen > len)
		return 0;
	*pdu_len = hdr + clen;
	return 1;
}

void
ber_reader_init(ber_reader *r, const uint8_t *buf, size_t len, unsigned max_depth)
{
	r->p = buf;
	r->end = buf + len;
	r->depth = 0;
	r->max_depth = max_depth;
}

bool
ber_reader_done(const ber_reader *r)
{
	return r->p >= r->end;
}

int
ber_peek_tlv(const ber_reader *r, ber_tlv *t)
{
	size_t avail = (size_t)(r->end - r->p), hdr, clen;
	int rc;

	if (avail == 0)
		return BER_ERR_END;
	if ((rc = parse_header(r->p, avail, t, &hdr, &clen)) < 0)
		return rc;
	if (clen > avail - hdr)
		return BER_ERR_TRUNCATED;
	t->value.p = r->p + hdr;
	t->value.len = clen;
	t->total_len = hdr + clen;
	return BER_OK;
}

int
ber_read_tlv(ber_reader *r, ber_tlv *t)
{
	int rc;

	if ((rc = ber_peek_tlv(r, t)) == BER_OK)
		r->p += t->total_len;
	return rc;
}

int
ber_enter(const ber_reader *parent, const ber_tlv *t, ber_reader *child)
{
	if (!t->constructed)
		return BER_ERR_PRIMITIVE;
	if (parent->depth >= parent->max_depth)
		return BER_ERR_DEPTH;
	child->p = t->value.p;
	child->end = t->value.p + t->value.len;
	child->depth = parent->depth + 1;
	child->max_depth = parent->max_depth;
	return BER_OK;
}

/* Peeks the next element and checks it is [cls tag] in the wanted form. */
static int
peek_expected(const ber_reader *r, uint8_t cls, uint32_t tag, bool constructed,
    ber_tlv *t)
{
	int rc;

	if ((rc = ber_peek_tlv(r, t)) < 0)
		return rc;
	if (t->cls != cls || t->tag != tag)
		return BER_ERR_UNEXPECTED;
	if (t->constructed != constructed)
		return BER_ERR_PRIMITIVE;
	return BER_OK;
}

int
ber_read_sequence(ber_reader *r, uint8_t cls, uint32_t tag, ber_reader *child)
{
	ber_tlv t;
	int rc;

	if ((rc = peek_expected(r, cls, tag, true, &t)) < 0)
		return rc;
	if ((rc = ber_enter(r, &t, child)) < 0)
		return rc;
	r->p += t.total_len;
	return BER_OK;
}

int
ber_read_integer(ber_reader *r, uint8_t cls, uint32_t tag, int64_t *out)
{
	ber_tlv t;
	int rc;

	if ((rc = peek_expected(r, cls, tag, false, &t)) < 0)
		return rc;
	if ((rc = ber_decode_integer(t.value, out)) < 0)
		return rc;
	r->p += t.total_len;
	return BER_OK;
}

int
ber_read_boolean(ber_reader *r, uint8_t cls, uint32_t tag, bool *out)
{
	ber_tlv t;
	int rc;

	if ((rc = peek_expected(r, cls, tag, false, &t)) < 0)
		return rc;
	if ((rc = ber_decode_boolean(t.value, out)) < 0)
		return rc;
	r->p += t.total_len;
	return BER_OK;
}

int
ber_read_octets(ber_reader *r, uint8_t cls, uint32_t tag, ber_slice *out)
{
	ber_tlv t;
	int rc;

	if ((rc = peek_expected(r, cls, tag, false, &t)) < 0)
		return rc;
	*out = t.value;
	r->p += t.total_len;
	return BER_OK;
}

int
ber_read_null(ber_reader *r, uint8_t cls, uint32_t tag)
{
	ber_tlv t;
	int rc;

	if ((rc = peek_expected(r, cls, tag, false, &t)) < 0)
		return rc;
	if (t.value.len != 0)
		return BER_ERR_NULL;
	r->p += t.total_len;
	return BER_OK;
}

int
ber_decode_integer(ber_slice v, int64_t *out)
{
	uint64_t u;
	size_t i;

	if (v.len == 0 || v.len > 8)
		return BER_ERR_INTEGER;
	u = (v.p[0] & 0x80) ? UINT64_MAX : 0;	/* sign extension */
	for (i = 0; i < v.len; i++)
		u = (u << 8) | v.p[i];
	*out = (int64_t)u;
	return BER_OK;
}

int
ber_decode_boolean(ber_slice v, bool *out)
{
	if (v.len != 1)
		return BER_ERR_BOOLEAN;
	*out = v.p[0] != 0;
	return BER_OK;
}

/* ---- encoding ---- */

void
ber_writer_init(ber_writer *w, size_t initial_cap, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
	if (max != 0 && initial_cap > max)
		initial_cap = max;
	if (initial_cap > 0) {
		if ((w->buf = malloc(initial_cap)) == NULL)
			w->err = BER_ERR_NOMEM;
		else
			w->cap = initial_cap;
	}
}

void
ber_writer_free(ber_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->sp = 0;
	w->err = 0;
}

void
ber_writer_reset(ber_writer *w)
{
	w->len = 0;
	w->sp = 0;
	w->err = 0;
}

/*
 * Makes room for n more bytes, doubling so that appending is amortised
 * O(1).  Returns false (and poisons the writer) if it cannot.
 */
static bool
grow_slow(ber_writer *w, size_t n)
{
	size_t need, cap;
	uint8_t *nbuf;

	if (n > SIZE_MAX - w->len)
		goto nomem;
	need = w->len + n;
	cap = w->cap ? w->cap : 256;
	while (cap < need && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap < need)
		cap = need;
	if (w->max != 0 && cap > w->max)
		cap = w->max;
	if (cap < need)
		goto nomem;
	if ((nbuf = realloc(w->buf, cap)) == NULL)
		goto nomem;
	w->buf = nbuf;
	w->cap = cap;
	return true;
nomem:
	w->err = BER_ERR_NOMEM;
	return false;
}

static inline bool
reserve(ber_writer *w, size_t n)
{
	if (w->err)
		return false;
	if (w->cap - w->len >= n)
		return true;
	return grow_slow(w, n);
}

/* Number of identifier octets for tag (1..6). */
static size_t
tag_octets(uint32_t tag)
{
	size_t n = 1;

	if (tag < 0x1f)
		return 1;
	while (n < BER_MAX_TAG_OCTETS && (tag >> (7 * n)) != 0)
		n++;
	return 1 + n;
}

/* Writes identifier octets at p, returns how many. */
static size_t
put_tag(uint8_t *p, uint8_t cls, bool constructed, uint32_t tag)
{
	uint8_t first = (uint8_t)((cls & 3) << 6) | (constructed ? 0x20 : 0);
	size_t n = tag_octets(tag) - 1, i;

	if (n == 0) {
		p[0] = first | (uint8_t)tag;
		return 1;
	}
	p[0] = first | 0x1f;
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(((tag >> (7 * (n - 1 - i))) & 0x7f) |
		    (i + 1 < n ? 0x80 : 0));
	return 1 + n;
}

/* Number of octets needed for len in the long form (0 = short form). */
static size_t
len_octets(size_t len)
{
	size_t n = 0;

	if (len < 0x80)
		return 0;
	for (; len != 0; len >>= 8)
		n++;
	return n;
}

/* Writes minimal length octets at p, returns how many. */
static size_t
put_len(uint8_t *p, size_t len)
{
	size_t n = len_octets(len), i;

	if (n == 0) {
		p[0] = (uint8_t)len;
		return 1;
	}
	p[0] = (uint8_t)(0x80 | n);
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

/*
 * Writes a primitive element's header for clen contents octets and returns
 * where the contents go (room is reserved), or NULL if the writer failed.
 */
static uint8_t *
put_header(ber_writer *w, uint8_t cls, uint32_t tag, size_t clen)
{
	uint8_t *p;

	if ((uint64_t)clen > UINT32_MAX) {
		if (!w->err)
			w->err = BER_ERR_LENGTH;
		return NULL;
	}
	if (!reserve(w, tag_octets(tag) + 1 + len_octets(clen) + clen))
		return NULL;
	p = w->buf + w->len;
	p += put_tag(p, cls, false, tag);
	p += put_len(p, clen);
	w->len = (size_t)(p - w->buf) + clen;
	return p;
}

void
ber_begin(ber_writer *w, uint8_t cls, uint32_t tag)
{
	if (w->err)
		return;
	if (w->sp == BER_MAX_NEST) {
		w->err = BER_ERR_DEPTH;
		return;
	}
	if (!reserve(w, tag_octets(tag) + 1))
		return;
	w->len += put_tag(w->buf + w->len, cls, true, tag);
	w->open[w->sp++] = w->len;
	w->buf[w->len++] = 0;	/* one length octet; ber_end widens it */
}

/*
 * Back-patches the length of the innermost open element.  A length that
 * needs the long form makes the contents move right once; each byte moves
 * at most once per enclosing element, so the total cost is bounded by the
 * nesting depth times the output size.
 */
void
ber_end(ber_writer *w)
{
	size_t off, clen, extra;

	if (w->err)
		return;
	if (w->sp == 0) {
		w->err = BER_ERR_DEPTH;
		return;
	}
	off = w->open[--w->sp];
	clen = w->len - off - 1;
	if ((uint64_t)clen > UINT32_MAX) {
		w->err = BER_ERR_LENGTH;
		return;
	}
	extra = len_octets(clen);
	if (extra > 0) {
		if (!reserve(w, extra))
			return;
		memmove(w->buf + off + 1 + extra, w->buf + off + 1, clen);
		w->len += extra;
	}
	put_len(w->buf + off, clen);
}

void
ber_write_integer(ber_writer *w, uint8_t cls, uint32_t tag, int64_t v)
{
	uint64_t u = (uint64_t)v;
	size_t n = 1, i;
	uint8_t *p;

	/* Smallest n with -2^(8n-1) <= v < 2^(8n-1). */
	while (n < 8 && (v < -((int64_t)1 << (8 * n - 1)) ||
	    v >= ((int64_t)1 << (8 * n - 1))))
		n++;
	if ((p = put_header(w, cls, tag, n)) == NULL)
		return;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(u >> (8 * (n - 1 - i)));
}

void
ber_write_boolean(ber_writer *w, uint8_t cls, uint32_t tag, bool v)
{
	uint8_t *p;

	if ((p = put_header(w, cls, tag, 1)) != NULL)
		p[0] = v ? 0xff : 0x00;
}

void
ber_write_octets(ber_writer *w, uint8_t cls, uint32_t tag, const void *src, size_t n)
{
	uint8_t *p;

	if ((p = put_header(w, cls, tag, n)) != NULL && n > 0)
		memcpy(p, src, n);
}

void
ber_write_null(ber_writer *w, uint8_t cls, uint32_t tag)
{
	put_header(w, cls, tag, 0);
}

void
ber_write_raw(ber_writer *w, const void *src, size_t n)
{
	if (n == 0 || !reserve(w, n))
		return;
	memcpy(w->buf + w->len, src, n);
	w->len += n;
}

/*
 * Returns NULL (and frees the buffer) if the writer failed or elements are
 * still open: a half-built PDU must never reach the wire.  Check w->err
 * first if the reason matters.
 */
uint8_t *
ber_writer_take(ber_writer *w, size_t *len)
{
	uint8_t *buf;

	if (w->err || w->sp != 0 || (w->buf == NULL && !reserve(w, 1))) {
		ber_writer_free(w);
		*len = 0;
		return NULL;
	}
	buf = w->buf;
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return buf;
}
