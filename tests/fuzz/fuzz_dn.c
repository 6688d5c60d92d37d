/*
 * fuzz_dn.c - libFuzzer target for the DN parser and its string forms.
 *
 * Parses the input in both modes; for every DN that parses, checks that
 * the normalised form re-parses to the same normalised form (idempotence),
 * that dn_format re-parses to the same DN, that the normalised parent and
 * suffix helpers agree with the RDN structure, and that dn_escape_value
 * round-trips every value.  Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldap/dn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) do { if (!(c)) abort(); } while (0)
#define OUT_CAP DN_STR_MAX

static arena A;
static char norm1[OUT_CAP], norm2[OUT_CAP], text[OUT_CAP];

static long
normalize(const dn *d, char *out)
{
	long n = dn_normalize(d, NULL, NULL, out, OUT_CAP);
	ASSERT(n >= 0 && (size_t)n == strlen(out));	/* NUL is always escaped */
	return n;
}

/* Re-parses text (when it is within the length limit) and compares keys. */
static void
check_reparse(const char *s, long len, int flags, const char *want, long wantlen)
{
	dn d;

	if (len > DN_MAX_LEN)
		return;
	ASSERT(dn_parse(s, (size_t)len, flags, &A, &d) == 0);
	long n = normalize(&d, norm2);
	ASSERT(n == wantlen && memcmp(norm2, want, (size_t)n) == 0);
}

static void
check_parent(const dn *d, const char *ndn, long n)
{
	long off = dn_parent_offset(ndn, (size_t)n);

	ASSERT(dn_is_suffix(ndn, (size_t)n, ndn, (size_t)n));
	ASSERT(dn_is_suffix(ndn, (size_t)n, "", 0));
	if (d->nrdns <= 1) {
		ASSERT(off == -1);
		return;
	}
	ASSERT(off > 0 && off < n);
	dn parent = { d->rdns + 1, d->nrdns - 1 };
	long pn = normalize(&parent, norm2);
	ASSERT(pn == n - off && memcmp(norm2, ndn + off, (size_t)pn) == 0);
	ASSERT(dn_is_suffix(ndn, (size_t)n, ndn + off, (size_t)(n - off)));
	ASSERT(!dn_is_suffix(ndn + off, (size_t)(n - off), ndn, (size_t)n));
}

/* dn_escape_value output parses back to exactly the same bytes. */
static void
check_escape(const dn_ava *ava)
{
	static char buf[3 * DN_MAX_LEN + 8];
	dn d;

	memcpy(buf, "cn=", 3);
	long n = dn_escape_value(ava->value, ava->valuelen, buf + 3, sizeof(buf) - 3);
	ASSERT(n >= 0);
	if (n + 3 > DN_MAX_LEN)
		return;
	ASSERT(dn_parse(buf, (size_t)n + 3, DN_STRICT, &A, &d) == 0);
	ASSERT(d.nrdns == 1 && d.rdns[0].navas == 1);
	ASSERT(d.rdns[0].avas[0].valuelen == ava->valuelen);
	ASSERT(memcmp(d.rdns[0].avas[0].value, ava->value, ava->valuelen) == 0);
}

static void
check_mode(const char *s, size_t len, int flags)
{
	dn d;

	if (dn_parse(s, len, flags, &A, &d) != 0)
		return;
	if (flags == DN_STRICT) {
		/* Lenient accepts everything strict accepts. */
		dn l;
		ASSERT(dn_parse(s, len, DN_LENIENT, &A, &l) == 0);
	}
	long n = normalize(&d, norm1);
	ASSERT((size_t)n <= 2 * len);	/* the bound behind DN_STR_MAX */
	check_reparse(norm1, n, flags, norm1, n);
	long f = dn_format(&d, text, sizeof(text));
	ASSERT(f >= 0 && (size_t)f <= 2 * len);
	check_reparse(text, f, flags, norm1, n);
	check_parent(&d, norm1, n);
	for (size_t r = 0; r < d.nrdns; r++)
		for (size_t i = 0; i < d.rdns[r].navas; i++)
			check_escape(&d.rdns[r].avas[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		arena_init(&A, 1 << 16, 1 << 24);
		ready = 1;
	}
	check_mode((const char *)data, size, DN_STRICT);
	arena_reset(&A);
	check_mode((const char *)data, size, DN_LENIENT);
	arena_reset(&A);
	return 0;
}
