/*
 * test_ldap_neg.c - hostile and malformed input: truncation at every
 * length, wrong tags, bad lengths, trailing data, out-of-range values,
 * excessive nesting and counts, arena exhaustion, single-byte mutations.
 * Every failure must be a clean error code with the message ID and
 * operation reported when they were readable.
 */
#include "ldap_testutil.h"

#define PROTO LDAP_PROTOCOL_ERROR
#define LIMIT LDAP_ADMIN_LIMIT_EXCEEDED
#define NOOP 0xff

/* Valid PDUs (taken from test_ldap.c) used for truncation and mutation. */
static const char *const valid[] = {
	"30 0c 02 01 01 60 07 02 01 02 04 00 80 00",
	"30 19 02 01 01 60 14 02 01 03 04 00 a3 0d 04 05 'PLAIN' 04 04 00 'u' 00 'p'",
	"30 6c 02 01 02 63 67 04 00 0a 01 00 0a 01 03 02 01 05 02 01 1e 01 01 ff a1 52"
	" a2 11 a4 0f 04 02 'cn' 30 09 80 01 'a' 81 01 'b' 82 01 'c'"
	" a8 07 04 02 'cn' 04 01 'x' a5 07 04 02 'sn' 04 01 'a' a6 07 04 02 'sn' 04 01 'z'"
	" a9 14 81 08 '2.5.13.2' 82 02 'cn' 83 01 'x' 84 01 ff"
	" a9 0a 81 05 '1.2.3' 83 01 'y' a0 00 30 00",
	"30 44 02 01 05 63 18 04 00 0a 01 02 0a 01 00 02 01 00 02 01 00 01 01 00"
	" 87 03 'uid' 30 00 a0 25 30 1c 04 17 '2.16.840.1.113730.3.4.2' 01 01 ff"
	" 30 05 04 03 '1.2'",
	"30 5e 02 01 02 66 59 04 08 'cn=u,o=x' 30 4d"
	" 30 17 0a 01 00 30 12 04 04 'mail' 31 0a 04 03 'a@b' 04 03 'c@d'"
	" 30 0b 0a 01 01 30 06 04 02 'sn' 31 00 30 0e 0a 01 02 30 09 04 02 'cn' 31 03 04 01 'u'"
	" 30 15 0a 01 03 30 10 04 09 'uidNumber' 31 03 04 01 '1'",
	"30 49 02 01 02 68 44 04 08 'cn=u,o=x' 30 38"
	" 30 1c 04 0b 'objectClass' 31 0d 04 03 'top' 04 06 'person'"
	" 30 09 04 02 'cn' 31 03 04 01 'u' 30 0d 04 02 'sn' 31 07 04 05 'Smith'",
	"30 1d 02 01 02 6c 18 04 08 'cn=u,o=x' 04 04 'cn=v' 01 01 ff 80 03 'o=y'",
	"30 1c 02 01 02 6e 17 04 08 'cn=u,o=x' 30 0b 04 02 'sn' 04 05 'Smith'",
	"30 33 02 01 02 77 2e 80 17 '1.3.6.1.4.1.4203.1.11.1'"
	" 81 13 30 11 80 08 'cn=u,o=x' 82 05 'newpw'",
	"30 0d 02 01 02 4a 08 'cn=u,o=x'",
	"30 06 02 01 05 50 01 03",
	"30 05 02 01 04 42 00",
	"30 14 02 01 01 61 0f 0a 01 0e 04 00 04 04 'more' 87 02 01 02",
	"30 58 02 01 03 64 53 04 1e 'cn=alice,ou=dynamic,o=Intranet' 30 31"
	" 30 0d 04 02 'cn' 31 07 04 05 'alice'"
	" 30 15 04 05 'sport' 31 0c 04 04 '1503' 04 04 '1720' 30 09 04 05 'empty' 31 00",
	"30 2a 02 01 03 65 25 0a 01 0a 04 03 'o=x' 04 03 'see'"
	" a3 16 04 09 'ldap://a/' 04 09 'ldap://b/'",
	"30 17 02 01 07 78 12 0a 01 00 04 00 04 00 8a 05 '1.2.3' 8b 02 30 00",
	"30 11 02 01 09 79 0c 80 05 '1.2.3' 81 03 'val'",
};

#define NVALID (sizeof(valid) / sizeof(valid[0]))

TEST(valid_pdus_decode)
{
	ldap_msg m;
	size_t i;

	for (i = 0; i < NVALID; i++) {
		pdu p = hexpdu(valid[i]);
		CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	}
}

/* A PDU cut anywhere is malformed, never read past its end (ASan checks). */
TEST(every_prefix_fails)
{
	ldap_msg m;
	size_t i, n;
	uint8_t *copy;

	for (i = 0; i < NVALID; i++) {
		pdu p = hexpdu(valid[i]);
		for (n = 0; n < p.len; n++) {
			/* An exact-size heap copy lets ASan catch any overread. */
			copy = malloc(n ? n : 1);
			memcpy(copy, p.b, n);
			CHECK_EQ_INT(decode(copy, n, &m), PROTO);
			CHECK(test_why != NULL);
			free(copy);
		}
	}
}

/* Any single corrupted byte gives success or a clean error, never a crash. */
TEST(single_byte_mutations)
{
	static const uint8_t xors[] = { 0x01, 0x02, 0x20, 0x40, 0x7f, 0x80, 0xff };
	ldap_msg m;
	size_t i, pos, k;
	int rc;

	for (i = 0; i < NVALID; i++) {
		pdu p = hexpdu(valid[i]);
		for (pos = 0; pos < p.len; pos++) {
			for (k = 0; k < sizeof(xors); k++) {
				p.b[pos] ^= xors[k];
				rc = decode_pdu(&p, &m);
				CHECK(rc == 0 || rc == PROTO || rc == LIMIT);
				CHECK((rc == 0) == (test_why == NULL));
				p.b[pos] ^= xors[k];
			}
		}
	}
}

struct bad_pdu {
	const char *hex;
	int code;
	int64_t msgid;	/* reported on failure */
	int op;		/* reported on failure */
};

static const struct bad_pdu bad_pdus[] = {
	/* the envelope */
	{ "31 0c 02 01 01 60 07 02 01 02 04 00 80 00", PROTO, 0, NOOP },
	{ "30 0c 0a 01 01 60 07 02 01 02 04 00 80 00", PROTO, 0, NOOP },
	{ "30 0c 02 01 ff 60 07 02 01 02 04 00 80 00", PROTO, 0, NOOP },
	{ "30 10 02 05 00 80 00 00 00 60 07 02 01 02 04 00 80 00", PROTO, 0, NOOP },
	{ "30 0d 02 09 00 00 00 00 00 00 00 00 01 42 00", PROTO, 0, NOOP },
	{ "30 04 02 00 42 00", PROTO, 0, NOOP },
	{ "30 03 02 01 01", PROTO, 1, NOOP },
	{ "30 0c 02 01 01 30 07 02 01 02 04 00 80 00", PROTO, 1, NOOP },
	{ "30 0c 02 01 01 a0 07 02 01 02 04 00 80 00", PROTO, 1, NOOP },
	{ "30 05 02 01 01 74 00", PROTO, 1, 20 },
	{ "30 05 02 01 01 54 00", PROTO, 1, 20 },
	{ "30 0d 02 01 01 60 07 02 01 02 04 00 80 00 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 80 00 00", PROTO, 1, 0 },
	/* bad lengths */
	{ "30 0d 02 01 01 60 07 02 01 02 04 00 80 00", PROTO, 0, NOOP },
	{ "30 0c 02 01 01 60 08 02 01 02 04 00 80 00", PROTO, 1, NOOP },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 80 01", PROTO, 1, 0 },
	{ "30 80 02 01 01 42 00 00 00", PROTO, 0, NOOP },
	{ "30 0c 02 01 01 60 80 02 01 02 04 00 80 00", PROTO, 1, NOOP },
	{ "30 85 00 00 00 00 05 02 01 01 42 00", PROTO, 0, NOOP },
	/* bind */
	{ "30 0c 02 01 01 40 07 02 01 02 04 00 80 00", PROTO, 1, 0 },
	{ "30 0a 02 01 01 60 05 02 01 02 04 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 85 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 81 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 a0 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 a9 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 04 00 04 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 02 24 00 80 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 0a 01 02 04 00 80 00", PROTO, 1, 0 },
	{ "30 0e 02 01 01 60 09 02 01 02 04 00 80 00 05 00", PROTO, 1, 0 },
	{ "30 0c 02 01 01 60 07 02 01 03 04 00 83 00", PROTO, 1, 0 },
	{ "30 0e 02 01 01 60 09 02 01 03 04 00 a3 02 80 00", PROTO, 1, 0 },
	{ "30 12 02 01 01 60 0d 02 01 03 04 00 a3 06 04 00 04 00 04 00", PROTO, 1, 0 },
	/* controls */
	{ "30 0e 02 01 01 60 07 02 01 02 04 00 80 00 04 00", PROTO, 1, 0 },
	{ "30 0e 02 01 01 60 07 02 01 02 04 00 80 00 a1 00", PROTO, 1, 0 },
	{ "30 0e 02 01 01 60 07 02 01 02 04 00 80 00 80 00", PROTO, 1, 0 },
	{ "30 10 02 01 01 60 07 02 01 02 04 00 80 00 a0 00 a0 00", PROTO, 1, 0 },
	{ "30 10 02 01 01 60 07 02 01 02 04 00 80 00 a0 02 04 00", PROTO, 1, 0 },
	{ "30 1a 02 01 01 60 07 02 01 02 04 00 80 00 a0 0c 30 0a 04 01 '1' 01 01 ff 04 00"
	  " 04 00", PROTO, 1, 0 },
	{ "30 19 02 01 01 60 07 02 01 02 04 00 80 00 a0 0b 30 09 04 01 '1' 01 01 ff"
	  " 01 01 00", PROTO, 1, 0 },
	{ "30 17 02 01 01 60 07 02 01 02 04 00 80 00 a0 09 30 07 04 01 '1' 01 02 ff ff",
	  PROTO, 1, 0 },
	{ "30 13 02 01 01 60 07 02 01 02 04 00 80 00 a0 05 30 03 01 01 ff", PROTO, 1, 0 },
	{ "30 15 02 01 01 60 07 02 01 02 04 00 80 00 a0 07 30 05 04 01 '1' 02 00",
	  PROTO, 1, 0 },
	/* unbind, delete, abandon */
	{ "30 06 02 01 01 42 01 00", PROTO, 1, 2 },
	{ "30 05 02 01 01 62 00", PROTO, 1, 2 },
	{ "30 07 02 01 01 6a 02 04 00", PROTO, 1, 10 },
	{ "30 06 02 01 01 50 01 ff", PROTO, 1, 16 },
	{ "30 05 02 01 01 50 00", PROTO, 1, 16 },
	{ "30 0a 02 01 01 50 05 00 80 00 00 00", PROTO, 1, 16 },
	{ "30 07 02 01 01 70 02 02 00", PROTO, 1, 16 },
	/* search: scope 256, deref 4, scope as INTEGER, negative size limit,
	 * time limit 2^31, typesOnly as INTEGER, typesOnly of two octets,
	 * missing filter, attribute list not a SEQUENCE, attribute not a string,
	 * data after the attribute list */
	{ "30 1d 02 01 07 63 18 04 00 0a 02 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
	  " 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 1c 02 01 07 63 17 04 00 0a 01 00 0a 01 04 02 01 00 02 01 00 01 01 00"
	  " 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 1c 02 01 07 63 17 04 00 02 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
	  " 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 1c 02 01 07 63 17 04 00 0a 01 00 0a 01 00 02 01 ff 02 01 00 01 01 00"
	  " 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 20 02 01 07 63 1b 04 00 0a 01 00 0a 01 00 02 01 00 02 05 00 80 00 00 00"
	  " 01 01 00 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 1c 02 01 07 63 17 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 02 01 00"
	  " 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 1d 02 01 07 63 18 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 02 00 00"
	  " 87 02 'cn' 30 00", PROTO, 7, 3 },
	{ "30 16 02 01 07 63 11 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00",
	  PROTO, 7, 3 },
	{ "30 1c 02 01 07 63 17 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
	  " 87 02 'cn' 31 00", PROTO, 7, 3 },
	{ "30 1f 02 01 07 63 1a 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
	  " 87 02 'cn' 30 03 02 01 00", PROTO, 7, 3 },
	{ "30 1e 02 01 07 63 19 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00"
	  " 87 02 'cn' 30 00 04 00", PROTO, 7, 3 },
	/* modify: op 4, op -1, op as INTEGER, data after a change, values not a SET,
	 * value not a string, changes not a SEQUENCE */
	{ "30 16 02 01 05 66 11 04 00 30 0d 30 0b 0a 01 04 30 06 04 02 'cn' 31 00",
	  PROTO, 5, 6 },
	{ "30 16 02 01 05 66 11 04 00 30 0d 30 0b 0a 01 ff 30 06 04 02 'cn' 31 00",
	  PROTO, 5, 6 },
	{ "30 16 02 01 05 66 11 04 00 30 0d 30 0b 02 01 00 30 06 04 02 'cn' 31 00",
	  PROTO, 5, 6 },
	{ "30 18 02 01 05 66 13 04 00 30 0f 30 0d 0a 01 00 30 06 04 02 'cn' 31 00 04 00",
	  PROTO, 5, 6 },
	{ "30 16 02 01 05 66 11 04 00 30 0d 30 0b 0a 01 00 30 06 04 02 'cn' 30 00",
	  PROTO, 5, 6 },
	{ "30 19 02 01 05 66 14 04 00 30 10 30 0e 0a 01 00 30 09 04 02 'cn' 31 03 02 01 00",
	  PROTO, 5, 6 },
	{ "30 16 02 01 05 66 11 04 00 31 0d 30 0b 0a 01 00 30 06 04 02 'cn' 31 00",
	  PROTO, 5, 6 },
	/* add: attribute list not a SEQUENCE, attribute without values, data after */
	{ "30 09 02 01 05 68 04 04 00 31 00", PROTO, 5, 8 },
	{ "30 0f 02 01 05 68 0a 04 00 30 06 30 04 04 02 'cn'", PROTO, 5, 8 },
	{ "30 0b 02 01 05 68 06 04 00 30 00 04 00", PROTO, 5, 8 },
	/* modDN: no deleteoldrdn, newSuperior [1], constructed newSuperior, data after */
	{ "30 0b 02 01 05 6c 06 04 00 04 00 04 00", PROTO, 5, 12 },
	{ "30 10 02 01 05 6c 0b 04 00 04 00 01 01 00 81 02 'o='", PROTO, 5, 12 },
	{ "30 10 02 01 05 6c 0b 04 00 04 00 01 01 00 a0 02 04 00", PROTO, 5, 12 },
	{ "30 12 02 01 05 6c 0d 04 00 04 00 01 01 00 80 02 'o=' 04 00", PROTO, 5, 12 },
	/* compare: assertion without value, with three elements, not a SEQUENCE */
	{ "30 0d 02 01 05 6e 08 04 00 30 04 04 02 'cn'", PROTO, 5, 14 },
	{ "30 12 02 01 05 6e 0d 04 00 30 09 04 02 'cn' 04 01 'x' 04 00", PROTO, 5, 14 },
	{ "30 10 02 01 05 6e 0b 04 00 31 07 04 02 'cn' 04 01 'x'", PROTO, 5, 14 },
	/* extended: no name, name as OCTET STRING, value [2], data after the value */
	{ "30 05 02 01 05 77 00", PROTO, 5, 23 },
	{ "30 0a 02 01 05 77 05 04 03 '1.2'", PROTO, 5, 23 },
	{ "30 0c 02 01 05 77 07 80 03 '1.2' 82 00", PROTO, 5, 23 },
	{ "30 0e 02 01 05 77 09 80 03 '1.2' 81 00 81 00", PROTO, 5, 23 },
	/* responses: code as INTEGER, creds [8], [11] before [10], referral element
	 * not a string, reference element not a string, intermediate [1] before [0] */
	{ "30 0c 02 01 01 61 07 02 01 00 04 00 04 00", PROTO, 1, 1 },
	{ "30 0e 02 01 01 61 09 0a 01 00 04 00 04 00 88 00", PROTO, 1, 1 },
	{ "30 10 02 01 01 78 0b 0a 01 00 04 00 04 00 8b 00 8a 00", PROTO, 1, 24 },
	{ "30 10 02 01 01 65 0b 0a 01 00 04 00 04 00 a3 02 02 00", PROTO, 1, 5 },
	{ "30 07 02 01 01 73 02 02 00", PROTO, 1, 19 },
	{ "30 09 02 01 01 79 04 81 00 80 00", PROTO, 1, 25 },
	{ "30 07 02 01 01 64 02 04 00", PROTO, 1, 4 },
};

TEST(bad_pdus_fail_cleanly)
{
	ldap_msg m;
	size_t i;

	for (i = 0; i < sizeof(bad_pdus) / sizeof(bad_pdus[0]); i++) {
		pdu p = hexpdu(bad_pdus[i].hex);
		int rc = decode_pdu(&p, &m);

		if (rc != bad_pdus[i].code || m.msgid != bad_pdus[i].msgid ||
		    m.op != bad_pdus[i].op || test_why == NULL)
			fprintf(stderr, "bad_pdus[%zu]: rc %d msgid %lld op %d (%s)\n", i, rc,
			    (long long)m.msgid, m.op, test_why ? test_why : "no reason");
		CHECK_EQ_INT(rc, bad_pdus[i].code);
		CHECK_EQ_INT(m.msgid, bad_pdus[i].msgid);
		CHECK_EQ_INT(m.op, bad_pdus[i].op);
		CHECK(test_why != NULL);
		CHECK(m.controls == NULL && m.ncontrols == 0);
	}
}

/* ---- filters, wrapped in a search by building backwards into a buffer ---- */

static uint8_t big[1 << 18];

static void
prepend(size_t *pos, const void *p, size_t n)
{
	*pos -= n;
	memcpy(big + *pos, p, n);
}

/* Prepends tag and a minimal length for the n bytes that follow. */
static void
prepend_header(size_t *pos, uint8_t tag, size_t n)
{
	uint8_t h[10];
	size_t k = sizeof(h);

	if (n < 0x80) {
		h[--k] = (uint8_t)n;
	} else {
		size_t octets = 0;
		for (; n != 0; n >>= 8, octets++)
			h[--k] = (uint8_t)n;
		h[--k] = (uint8_t)(0x80 | octets);
	}
	h[--k] = tag;
	prepend(pos, h + k, sizeof(h) - k);
}

/* The filter goes before this position; the attribute list is after it. */
#define FILTER_END (sizeof(big) - 2)

/* Wraps the filter at big[pos..FILTER_END) into LDAPMessage 7 searchRequest. */
static size_t
wrap_search(size_t pos)
{
	pdu fixed = hexpdu("04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00");

	memcpy(big + FILTER_END, "\x30\x00", 2);
	prepend(&pos, fixed.b, fixed.len);
	prepend_header(&pos, 0x63, sizeof(big) - pos);
	prepend(&pos, "\x02\x01\x07", 3);
	prepend_header(&pos, 0x30, sizeof(big) - pos);
	return pos;
}

static int
decode_search_with(const char *filter_hex, ldap_msg *m)
{
	pdu f = hexpdu(filter_hex);
	size_t pos = FILTER_END;

	prepend(&pos, f.b, f.len);
	pos = wrap_search(pos);
	return decode(big + pos, sizeof(big) - pos, m);
}

/* levels filters deep: NOT ... NOT (cn=*); returns the filter's start. */
static size_t
nested_nots(unsigned levels)
{
	size_t pos = FILTER_END;
	unsigned i;

	prepend(&pos, "\x87\x02" "cn", 4);
	for (i = 1; i < levels; i++)
		prepend_header(&pos, 0xa2, FILTER_END - pos);
	return pos;
}

/* (&(cn=*)...) with n children. */
static size_t
flat_and(unsigned n)
{
	size_t pos = FILTER_END;
	unsigned i;

	for (i = 0; i < n; i++)
		prepend(&pos, "\x87\x02" "cn", 4);
	prepend_header(&pos, 0xa0, FILTER_END - pos);
	return pos;
}

struct bad_filter {
	const char *hex;
	int code;
};

static const struct bad_filter bad_filters[] = {
	{ "aa 00", PROTO },				/* unknown choice [10] */
	{ "30 00", PROTO },				/* universal */
	{ "47 02 'cn'", PROTO },			/* application class */
	{ "a7 00", PROTO },				/* constructed present */
	{ "80 00", PROTO },				/* primitive and */
	{ "83 00", PROTO },				/* primitive equalityMatch */
	{ "a3 04 04 02 'cn'", PROTO },			/* no assertion value */
	{ "a3 0a 04 02 'cn' 04 01 'x' 04 01 'y'", PROTO },	/* trailing */
	{ "a3 07 04 02 'cn' 02 01 00", PROTO },		/* value not a string */
	{ "a2 00", PROTO },				/* empty not */
	{ "a2 08 87 02 'cn' 87 02 'sn'", PROTO },	/* not with two filters */
	{ "a0 03 87 02 'cn' 00", PROTO },		/* child overruns the and */
	{ "a4 06 04 02 'cn' 30 00", PROTO },		/* no substrings */
	{ "a4 0c 04 02 'cn' 30 06 81 01 'a' 80 01 'b'", PROTO },	/* initial not first */
	{ "a4 0c 04 02 'cn' 30 06 80 01 'a' 80 01 'b'", PROTO },	/* two initials */
	{ "a4 0c 04 02 'cn' 30 06 82 01 'a' 81 01 'b'", PROTO },	/* final not last */
	{ "a4 0c 04 02 'cn' 30 06 82 01 'a' 82 01 'b'", PROTO },	/* two finals */
	{ "a4 09 04 02 'cn' 30 03 83 01 'a'", PROTO },	/* choice [3] */
	{ "a4 08 04 02 'cn' 30 02 a0 00", PROTO },	/* constructed initial */
	{ "a4 08 04 02 'cn' 31 02 80 00", PROTO },	/* SET of substrings */
	{ "a4 0b 04 02 'cn' 30 03 80 01 'a' 04 00", PROTO },	/* trailing */
	{ "a9 03 83 01 'x'", PROTO },			/* neither rule nor type */
	{ "a9 04 82 02 'cn'", PROTO },			/* no matchValue */
	{ "a9 0b 82 02 'cn' 81 02 '1.' 83 01 'x'", PROTO },	/* type before rule */
	{ "a9 09 82 02 'cn' 83 01 'x' 84 00", PROTO },	/* empty boolean */
	{ "a9 0c 82 02 'cn' 83 01 'x' 84 01 ff 04 00", PROTO },	/* trailing */
	{ "a9 07 82 02 'cn' a3 01 'x'", PROTO },	/* constructed matchValue */
};

TEST(bad_filters_fail_cleanly)
{
	ldap_msg m;
	size_t i;

	for (i = 0; i < sizeof(bad_filters) / sizeof(bad_filters[0]); i++) {
		int rc = decode_search_with(bad_filters[i].hex, &m);

		if (rc != bad_filters[i].code)
			fprintf(stderr, "bad_filters[%zu]: rc %d (%s)\n", i, rc,
			    test_why ? test_why : "no reason");
		CHECK_EQ_INT(rc, bad_filters[i].code);
		CHECK_EQ_INT(m.msgid, 7);
		CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_REQUEST);
		CHECK(m.u.search.filter == NULL);
	}
}

/* What real clients send that a strict reading might refuse. */
TEST(liberal_filters_accepted)
{
	ldap_msg m;

	CHECK_EQ_INT(decode_search_with("a0 00", &m), 0);	/* (&) */
	CHECK_EQ_INT(decode_search_with("a1 00", &m), 0);	/* (|) */
	CHECK_EQ_INT(decode_search_with("87 00", &m), 0);	/* empty attribute */
	CHECK_EQ_INT(decode_search_with("a4 09 04 02 'cn' 30 03 82 01 'a'", &m), 0);
	CHECK_EQ_INT(m.u.search.filter->u.sub.parts[0].kind, LDAP_SUBSTR_FINAL);
	CHECK_EQ_INT(decode_search_with("a4 0c 04 02 'cn' 30 06 81 01 'a' 81 01 'b'", &m), 0);
	CHECK_EQ_INT(decode_search_with("a9 0a 82 02 'cn' 83 01 'x' 84 01 00", &m), 0);
	CHECK(!m.u.search.filter->u.ext.dn_attrs);
}

/* 10000 nested NOTs: refused at the depth limit, with bounded recursion. */
TEST(deep_nesting_fails)
{
	ldap_msg m;
	size_t pos;

	pos = wrap_search(nested_nots(10000));
	CHECK_EQ_INT(decode(big + pos, sizeof(big) - pos, &m), LIMIT);
	CHECK_EQ_INT(m.msgid, 7);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_REQUEST);
	CHECK(test_why != NULL);
	pos = wrap_search(nested_nots(20));
	CHECK_EQ_INT(decode(big + pos, sizeof(big) - pos, &m), 0);
}

/* The filter decoder's own depth limit, independent of the BER reader's. */
TEST(filter_depth_boundary)
{
	ldap_filter *f = NULL;
	ber_reader r;
	unsigned nodes = 0;
	size_t pos;

	pos = nested_nots(64);
	ber_reader_init(&r, big + pos, FILTER_END - pos, 100000);
	CHECK_EQ_INT(ldap_decode_filter(&r, &test_arena, &test_lim, &nodes, &f), 0);
	CHECK_EQ_INT(nodes, 64);
	CHECK(ber_reader_done(&r));
	CHECK(f != NULL && f->type == LDAP_FILTER_NOT);
	pos = nested_nots(65);
	ber_reader_init(&r, big + pos, FILTER_END - pos, 100000);
	nodes = 0;
	CHECK_EQ_INT(ldap_decode_filter(&r, &test_arena, &test_lim, &nodes, &f), LIMIT);
}

TEST(filter_node_limit)
{
	ldap_msg m;
	size_t pos;

	pos = wrap_search(flat_and(1023));	/* 1024 nodes with the and */
	CHECK_EQ_INT(decode(big + pos, sizeof(big) - pos, &m), 0);
	CHECK_EQ_INT(m.u.search.filter->u.set.count, 1023);
	pos = wrap_search(flat_and(1024));
	CHECK_EQ_INT(decode(big + pos, sizeof(big) - pos, &m), LIMIT);
	CHECK_EQ_INT(m.msgid, 7);
	pos = wrap_search(flat_and(50000));
	CHECK_EQ_INT(decode(big + pos, sizeof(big) - pos, &m), LIMIT);

	test_lim.max_filter_nodes = 3;
	CHECK_EQ_INT(decode_search_with("a2 06 a2 04 a2 02 87 00", &m), LIMIT);
	CHECK_EQ_INT(decode_search_with("a2 04 a2 02 87 00", &m), 0);
	CHECK_EQ_INT(decode_search_with("a0 06 87 00 87 00 87 00", &m), LIMIT);
	CHECK_EQ_INT(decode_search_with("a0 04 87 00 87 00", &m), 0);
	ldap_limits_default(&test_lim);
}

static int
decode_hex(const char *hex, ldap_msg *m)
{
	pdu p = hexpdu(hex);

	return decode_pdu(&p, m);
}

/* Each list is checked against its limit; the limit itself is allowed. */
TEST(count_limits)
{
	ldap_msg m;

	test_lim.max_attrs = 2;
	test_lim.max_values = 2;
	test_lim.max_controls = 1;
	/* add with 2 and 3 attributes */
	CHECK_EQ_INT(decode_hex("30 15 02 01 05 68 10 04 00 30 0c 30 04 04 00 31 00"
	    " 30 04 04 00 31 00", &m), 0);
	CHECK_EQ_INT(decode_hex("30 1b 02 01 05 68 16 04 00 30 12 30 04 04 00 31 00"
	    " 30 04 04 00 31 00 30 04 04 00 31 00", &m), LIMIT);
	CHECK_EQ_INT(m.msgid, 5);
	CHECK_EQ_INT(m.op, LDAP_OP_ADD_REQUEST);
	/* add with an attribute of 2 and of 3 values */
	CHECK_EQ_INT(decode_hex("30 13 02 01 05 68 0e 04 00 30 0a 30 08 04 00 31 04 04 00 04 00",
	    &m), 0);
	CHECK_EQ_INT(decode_hex("30 15 02 01 05 68 10 04 00 30 0c 30 0a 04 00 31 06 04 00 04 00"
	    " 04 00", &m), LIMIT);
	/* modify with 3 changes */
	CHECK_EQ_INT(decode_hex("30 2a 02 01 05 66 25 04 00 30 21"
	    " 30 09 0a 01 00 30 04 04 00 31 00 30 09 0a 01 00 30 04 04 00 31 00"
	    " 30 09 0a 01 00 30 04 04 00 31 00", &m), LIMIT);
	/* search asking for 3 attributes */
	CHECK_EQ_INT(decode_hex("30 22 02 01 07 63 1d 04 00 0a 01 00 0a 01 00 02 01 00"
	    " 02 01 00 01 01 00 87 02 'cn' 30 06 04 00 04 00 04 00", &m), LIMIT);
	/* substrings with 3 parts */
	CHECK_EQ_INT(decode_search_with("a4 0a 04 00 30 06 80 00 81 00 82 00", &m), LIMIT);
	CHECK_EQ_INT(decode_search_with("a4 08 04 00 30 04 80 00 82 00", &m), 0);
	/* 2 controls */
	CHECK_EQ_INT(decode_hex("30 16 02 01 01 60 07 02 01 02 04 00 80 00 a0 08"
	    " 30 02 04 00 30 02 04 00", &m), LIMIT);
	CHECK_EQ_INT(decode_hex("30 12 02 01 01 60 07 02 01 02 04 00 80 00 a0 04"
	    " 30 02 04 00", &m), 0);
	/* responses: 3 referral URIs, 3 reference URIs, entry with 3 attributes */
	CHECK_EQ_INT(decode_hex("30 14 02 01 03 65 0f 0a 01 0a 04 00 04 00 a3 06 04 00 04 00 04 00",
	    &m), LIMIT);
	CHECK_EQ_INT(decode_hex("30 0b 02 01 03 73 06 04 00 04 00 04 00", &m), LIMIT);
	CHECK_EQ_INT(decode_hex("30 1b 02 01 03 64 16 04 00 30 12 30 04 04 00 31 00"
	    " 30 04 04 00 31 00 30 04 04 00 31 00", &m), LIMIT);
	ldap_limits_default(&test_lim);
}

/* A tiny arena runs out: adminLimitExceeded, never a crash or a partial message. */
TEST(arena_exhaustion)
{
	arena small;
	ldap_msg m;
	pdu p = hexpdu(valid[5]);	/* the add */
	const char *why = NULL;

	arena_init(&small, 64, 64);
	CHECK_EQ_INT(ldap_decode(p.b, p.len, &small, &test_lim, &m, &why), LDAP_ADMIN_LIMIT_EXCEEDED);
	CHECK(why != NULL);
	CHECK_EQ_INT(m.msgid, 2);
	CHECK_EQ_INT(m.op, LDAP_OP_ADD_REQUEST);
	CHECK(m.u.add.attrs == NULL);
	arena_free(&small);
}

int
main(void)
{
	test_setup();
	RUN(valid_pdus_decode);
	RUN(every_prefix_fails);
	RUN(single_byte_mutations);
	RUN(bad_pdus_fail_cleanly);
	RUN(bad_filters_fail_cleanly);
	RUN(liberal_filters_accepted);
	RUN(deep_nesting_fails);
	RUN(filter_depth_boundary);
	RUN(filter_node_limit);
	RUN(count_limits);
	RUN(arena_exhaustion);
	arena_free(&test_arena);
	return test_summary();
}
