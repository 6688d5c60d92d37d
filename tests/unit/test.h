/*
 * test.h - a minimal unit-test harness.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ_INT(a, b); CHECK_MEM(p, q, n); }
 *   int main(void) { RUN(name); ...; return test_summary(); }
 *
 * Prints one line per failed check and a closing "N passed, N failed".
 */
#ifndef ILSD_TEST_H
#define ILSD_TEST_H

#include <stdio.h>
#include <string.h>

static int test_checks_failed_now;
static int test_passed, test_failed;
static const char *test_current;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, \
			    __LINE__, test_current, #cond);                      \
			test_checks_failed_now++;                                \
		}                                                                \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                       \
	do {                                                                     \
		long long va_ = (long long)(a), vb_ = (long long)(b);            \
		if (va_ != vb_) {                                                \
			fprintf(stderr, "%s:%d: %s: %s == %s failed: %lld != %lld\n", \
			    __FILE__, __LINE__, test_current, #a, #b, va_, vb_); \
			test_checks_failed_now++;                                \
		}                                                                \
	} while (0)

#define CHECK_MEM(a, b, n)                                                       \
	do {                                                                     \
		if (memcmp((a), (b), (n)) != 0) {                                \
			fprintf(stderr, "%s:%d: %s: memory %s != %s\n", __FILE__, \
			    __LINE__, test_current, #a, #b);                     \
			test_checks_failed_now++;                                \
		}                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                          \
	do {                                                                     \
		const char *sa_ = (a), *sb_ = (b);                               \
		if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {       \
			fprintf(stderr, "%s:%d: %s: \"%s\" != \"%s\"\n", __FILE__, \
			    __LINE__, test_current, sa_ ? sa_ : "(null)",        \
			    sb_ ? sb_ : "(null)");                               \
			test_checks_failed_now++;                                \
		}                                                                \
	} while (0)

#define RUN(name)                                                                \
	do {                                                                     \
		test_current = #name;                                            \
		test_checks_failed_now = 0;                                      \
		name();                                                          \
		if (test_checks_failed_now) {                                    \
			test_failed++;                                           \
			fprintf(stderr, "FAIL %s\n", #name);                     \
		} else {                                                         \
			test_passed++;                                           \
		}                                                                \
	} while (0)

static inline int
test_summary(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
