/*
 * hist.c - logarithmic-bucket latency histogram (see hist.h).
 *
 * Layout: values below HIST_SUB are their own bucket.  Above, a value
 * whose highest set bit is b (b >= HIST_SUB_BITS) is shifted right by
 * s = b - HIST_SUB_BITS + 1 so that it lands in [HIST_SUB/2, HIST_SUB);
 * each shift level owns HIST_SUB/2 buckets after the first HIST_SUB.
 */
#include <string.h>

#include "hist.h"

#define HALF (HIST_SUB / 2)

void
hist_init(hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned
hist_index(uint64_t ns)
{
	unsigned msb, shift;

	if (ns >= (1ULL << HIST_MAX_BITS))
		ns = (1ULL << HIST_MAX_BITS) - 1;
	if (ns < HIST_SUB)
		return (unsigned)ns;
	msb = 63u - (unsigned)__builtin_clzll(ns);
	shift = msb - HIST_SUB_BITS + 1;
	return HIST_SUB + (shift - 1) * HALF + (unsigned)((ns >> shift) - HALF);
}

uint64_t
hist_bucket_low(unsigned idx)
{
	unsigned shift;

	if (idx < HIST_SUB)
		return idx;
	shift = (idx - HIST_SUB) / HALF + 1;
	return (uint64_t)((idx - HIST_SUB) % HALF + HALF) << shift;
}

uint64_t
hist_bucket_high(unsigned idx)
{
	unsigned shift;

	if (idx < HIST_SUB)
		return idx;
	shift = (idx - HIST_SUB) / HALF + 1;
	return hist_bucket_low(idx) + (1ULL << shift) - 1;
}

void
hist_record(hist *h, uint64_t ns)
{
	h->bucket[hist_index(ns)]++;
	h->count++;
	h->sum += (double)ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void
hist_merge(hist *dst, const hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < HIST_NBUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hist_percentile(const hist *h, double pct)
{
	uint64_t want, seen = 0, v;

	if (h->count == 0)
		return 0;
	want = (uint64_t)((double)h->count * pct / 100.0 + 0.999999);
	if (want == 0)
		want = 1;
	if (want > h->count)
		want = h->count;
	for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want) {
			v = hist_bucket_high(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

double
hist_mean(const hist *h)
{
	return h->count != 0 ? h->sum / (double)h->count : 0.0;
}
