/*
 * hist.h - latency histogram with logarithmic buckets (HDR style).
 *
 * Values (nanoseconds) fall into 64 linear sub-buckets per power of two,
 * so every recorded value is known to within 1/64 (about 1.6%) whatever
 * its magnitude, and the histogram is a fixed array: recording is O(1)
 * and a run of any length uses the same memory.  Values up to 2^40 ns
 * (about 18 minutes) are kept exactly in range; larger ones are clamped.
 */
#ifndef ILSBENCH_HIST_H
#define ILSBENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)		/* first linear range; HIST_SUB/2 per power of two above */
#define HIST_MAX_BITS 40			/* largest value kept: 2^40 - 1 ns */
#define HIST_NBUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * (HIST_SUB / 2) + HIST_SUB)

typedef struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	double sum;
	uint64_t bucket[HIST_NBUCKETS];
} hist;

void hist_init(hist *h);
void hist_record(hist *h, uint64_t ns);
void hist_merge(hist *dst, const hist *src);
/*
 * The smallest value v such that at least pct percent of the samples are
 * <= v, reported as the upper edge of v's bucket (never above the exact
 * maximum).  0 when the histogram is empty.
 */
uint64_t hist_percentile(const hist *h, double pct);
double hist_mean(const hist *h);

/* Exposed for the self-test: bucket of a value and the bucket's bounds. */
unsigned hist_index(uint64_t ns);
uint64_t hist_bucket_low(unsigned idx);
uint64_t hist_bucket_high(unsigned idx);

#endif
