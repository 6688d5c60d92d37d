/*
 * ber.h - the subset of X.690 BER that LDAP uses (RFC 4511 section 5.1).
 *
 * Decoding never copies: every value is a slice into the caller's buffer,
 * valid as long as that buffer is.  Decoding is strict: definite lengths
 * only, no length past the enclosing element, bounded nesting, integers
 * that fit in 64 bits.  Errors are returned as values, never by crashing.
 *
 * Encoding writes into a growable buffer.  Constructed elements are opened
 * with ber_begin() and closed with ber_end(), which back-patches a minimal
 * definite length; content is moved only when the length needs more than
 * one octet, so the cost is bounded by the nesting depth, never quadratic.
 */
#ifndef ILSD_BER_H
#define ILSD_BER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view of bytes inside someone else's buffer. */
typedef struct ber_slice {
	const uint8_t *p;
	size_t len;
} ber_slice;

#define BER_SLICE_STR(s) ((ber_slice){ (const uint8_t *)(s), sizeof(s) - 1 })

enum ber_class {
	BER_CLASS_UNIVERSAL = 0,
	BER_CLASS_APPLICATION = 1,
	BER_CLASS_CONTEXT = 2,
	BER_CLASS_PRIVATE = 3,
};

/* Universal tag numbers used by LDAP. */
enum ber_universal {
	BER_TAG_BOOLEAN = 1,
	BER_TAG_INTEGER = 2,
	BER_TAG_OCTET_STRING = 4,
	BER_TAG_NULL = 5,
	BER_TAG_ENUMERATED = 10,
	BER_TAG_SEQUENCE = 16,
	BER_TAG_SET = 17,
};

/* Errors, all negative; 0 is success. */
enum ber_err {
	BER_OK = 0,
	BER_ERR_TRUNCATED = -1,	/* element runs past the buffer */
	BER_ERR_INDEFINITE = -2,	/* indefinite length (0x80) */
	BER_ERR_LENGTH = -3,	/* malformed or too large length */
	BER_ERR_TAG = -4,	/* malformed or too large tag number */
	BER_ERR_INTEGER = -5,	/* empty, over-long or out-of-range integer */
	BER_ERR_DEPTH = -6,	/* nesting deeper than the reader's limit */
	BER_ERR_UNEXPECTED = -7,	/* element is not the one asked for */
	BER_ERR_TRAILING = -8,	/* bytes left where none may be */
	BER_ERR_BOOLEAN = -9,	/* boolean content not exactly one octet */
	BER_ERR_NULL = -10,	/* null with content */
	BER_ERR_TOO_BIG = -11,	/* PDU larger than the configured maximum */
	BER_ERR_NOMEM = -12,	/* encoder could not grow its buffer */
	BER_ERR_PRIMITIVE = -13,	/* constructed where primitive required or vice versa */
	BER_ERR_END = -14,	/* no more elements in this reader */
};

const char *ber_strerror(int err);

/* One decoded tag-length-value header. */
typedef struct ber_tlv {
	uint8_t cls;		/* enum ber_class */
	bool constructed;
	uint32_t tag;		/* tag number (low or high form) */
	ber_slice value;	/* the contents octets */
	size_t total_len;	/* header + contents */
} ber_tlv;

/*
 * Framing for a stream.  Looks at the bytes received so far and says
 * whether they begin with one complete element:
 *   returns 1 and sets *pdu_len  - a whole element of *pdu_len bytes is there
 *   returns 0                    - need more bytes (header or content incomplete)
 *   returns < 0                  - the stream is bad (indefinite length,
 *                                  malformed header, or the element would be
 *                                  larger than max_pdu: BER_ERR_TOO_BIG)
 * It decodes only the outer header, so it is cheap to call on each read.
 */
int ber_frame(const uint8_t *buf, size_t len, size_t max_pdu, size_t *pdu_len);

/* A cursor over a sequence of elements in a buffer. */
typedef struct ber_reader {
	const uint8_t *p;
	const uint8_t *end;
	unsigned depth;		/* nesting level of this reader */
	unsigned max_depth;	/* entering deeper than this fails */
} ber_reader;

#define BER_DEFAULT_MAX_DEPTH 32

void ber_reader_init(ber_reader *r, const uint8_t *buf, size_t len, unsigned max_depth);
bool ber_reader_done(const ber_reader *r);

/* Reads the next element header; advances past the whole element. */
int ber_read_tlv(ber_reader *r, ber_tlv *t);
/* Like ber_read_tlv but does not advance. */
int ber_peek_tlv(const ber_reader *r, ber_tlv *t);
/* A reader over a constructed element's contents (depth + 1). */
int ber_enter(const ber_reader *parent, const ber_tlv *t, ber_reader *child);

/*
 * Typed reads: read the next element, check its class and tag, decode it.
 * cls/tag name the expected (possibly implicit) tag; for the universal
 * types pass BER_CLASS_UNIVERSAL and the BER_TAG_* number.
 */
int ber_read_sequence(ber_reader *r, uint8_t cls, uint32_t tag, ber_reader *child);
int ber_read_integer(ber_reader *r, uint8_t cls, uint32_t tag, int64_t *out);
int ber_read_boolean(ber_reader *r, uint8_t cls, uint32_t tag, bool *out);
int ber_read_octets(ber_reader *r, uint8_t cls, uint32_t tag, ber_slice *out);
int ber_read_null(ber_reader *r, uint8_t cls, uint32_t tag);

/* Decoders of contents octets already isolated in a TLV. */
int ber_decode_integer(ber_slice v, int64_t *out);
int ber_decode_boolean(ber_slice v, bool *out);

/* ---- encoding ---- */

#define BER_MAX_NEST 32

typedef struct ber_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t max;		/* refuse to grow beyond this (0 = no limit) */
	int err;		/* first error; once set, writes are ignored */
	unsigned sp;
	size_t open[BER_MAX_NEST];	/* offset of each open element's length octet */
} ber_writer;

void ber_writer_init(ber_writer *w, size_t initial_cap, size_t max);
void ber_writer_free(ber_writer *w);
/* Forget the content but keep the buffer. */
void ber_writer_reset(ber_writer *w);
/* Hands the buffer to the caller (who frees it) and resets the writer. */
uint8_t *ber_writer_take(ber_writer *w, size_t *len);

/* Open a constructed element; every ber_begin needs a ber_end. */
void ber_begin(ber_writer *w, uint8_t cls, uint32_t tag);
void ber_end(ber_writer *w);
void ber_write_integer(ber_writer *w, uint8_t cls, uint32_t tag, int64_t v);
void ber_write_boolean(ber_writer *w, uint8_t cls, uint32_t tag, bool v);
void ber_write_octets(ber_writer *w, uint8_t cls, uint32_t tag, const void *p, size_t n);
void ber_write_null(ber_writer *w, uint8_t cls, uint32_t tag);
/* Appends bytes that are already an encoded element. */
void ber_write_raw(ber_writer *w, const void *p, size_t n);

/* Shorthands for the universal types. */
#define ber_write_int(w, v) ber_write_integer((w), BER_CLASS_UNIVERSAL, BER_TAG_INTEGER, (v))
#define ber_write_enum(w, v) ber_write_integer((w), BER_CLASS_UNIVERSAL, BER_TAG_ENUMERATED, (v))
#define ber_write_bool(w, v) ber_write_boolean((w), BER_CLASS_UNIVERSAL, BER_TAG_BOOLEAN, (v))
#define ber_write_str(w, p, n) ber_write_octets((w), BER_CLASS_UNIVERSAL, BER_TAG_OCTET_STRING, (p), (n))
#define ber_begin_seq(w) ber_begin((w), BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE)
#define ber_begin_set(w) ber_begin((w), BER_CLASS_UNIVERSAL, BER_TAG_SET)

#endif
