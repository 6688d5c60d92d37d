/*
 * fuzz_filter.c - libFuzzer target for the RFC 4515 filter text parser
 * and formatter.
 *
 * For every input that parses: format it, parse the formatted text (it
 * must parse, within the same limits), format again and require the very
 * same text.  Failures must come with a reason.  Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldap/filter_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX_INPUT 65536
#define MAX_NODES 256
#define MAX_DEPTH 32
/* Formatting writes at most 3 bytes per input byte, plus the parentheses of "cn=X". */
#define OUT_CAP (3 * FUZZ_MAX_INPUT + 16)

static arena A;
static char first[OUT_CAP], second[OUT_CAP];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ldap_filter *f = NULL;
	const char *why = NULL;

	if (!ready) {
		arena_init(&A, 1 << 16, 1 << 26);
		ready = 1;
	}
	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (filter_parse((const char *)data, size, &A, MAX_NODES, MAX_DEPTH, &f, &why) != 0) {
		ASSERT(why != NULL && f == NULL);
		arena_reset(&A);
		return 0;
	}
	ASSERT(f != NULL);
	long n = filter_format(f, first, sizeof(first));
	ASSERT(n > 0 && (size_t)n == strlen(first));
	ASSERT(filter_format(f, second, (size_t)n) == -1);

	ldap_filter *g = NULL;
	ASSERT(filter_parse(first, (size_t)n, &A, MAX_NODES, MAX_DEPTH, &g, &why) == 0);
	long m = filter_format(g, second, sizeof(second));
	ASSERT(m == n && memcmp(first, second, (size_t)n) == 0);
	arena_reset(&A);
	return 0;
}
