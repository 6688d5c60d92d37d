/*
 * ldap_testutil.h - helpers for the test_ldap*.c unit tests.
 *
 * PDUs are written by hand as annotated hex: pairs of hex digits, spaces
 * ignored, and 'quoted text' copied byte for byte, e.g.
 *   "30 0c 02 01 01 60 07 02 01 02 04 00 80 00"
 *   "04 02 'cn'"
 */
#ifndef ILSD_LDAP_TESTUTIL_H
#define ILSD_LDAP_TESTUTIL_H

#include <stdlib.h>

#include "ldap/ldap.h"
#include "test.h"

#define PDU_MAX 4096

typedef struct pdu {
	uint8_t b[PDU_MAX];
	size_t len;
} pdu;

static inline int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses annotated hex; a malformed string aborts the test program. */
static inline pdu
hexpdu(const char *s)
{
	pdu p = { .len = 0 };

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
		} else if (*s == '\'') {
			for (s++; *s != '\'' && *s != '\0'; s++)
				p.b[p.len++] = (uint8_t)*s;
			if (*s++ != '\'')
				abort();
		} else {
			if (hexval(s[0]) < 0 || hexval(s[1]) < 0 || p.len >= PDU_MAX)
				abort();
			p.b[p.len++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
			s += 2;
		}
	}
	return p;
}

static arena test_arena;
static ldap_limits test_lim;
static const char *test_why;

static inline void
test_setup(void)
{
	arena_init(&test_arena, 4096, 1 << 20);
	ldap_limits_default(&test_lim);
}

/* Decodes with the default limits into a freshly reset arena. */
static inline int
decode(const uint8_t *b, size_t n, ldap_msg *m)
{
	arena_reset(&test_arena);
	test_why = NULL;
	return ldap_decode(b, n, &test_arena, &test_lim, m, &test_why);
}

static inline int
decode_pdu(const pdu *p, ldap_msg *m)
{
	return decode(p->b, p->len, m);
}

/* Exact byte comparison of a slice with a C string. */
static inline int
slice_is(ber_slice s, const char *str)
{
	size_t n = strlen(str);

	return s.len == n && (n == 0 || memcmp(s.p, str, n) == 0);
}

#define CHECK_SLICE(s, str) CHECK(slice_is((s), (str)))

#endif
