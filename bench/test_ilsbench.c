/*
 * test_ilsbench.c - self-test of the load generator's pieces that need no
 * server: the histogram's buckets and percentiles, the requests of both
 * dialects (decoded back with the ilsd codec and compared with
 * ils-compat.md 4), and the response peeking.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "hist.h"
#include "ldap/filter_text.h"
#include "ldap/ldap.h"
#include "net.h"
#include "proto.h"
#include "test.h"

static bool
slice_is(ber_slice s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* Encodes with fn into a writer and decodes the message back. */
static int
roundtrip(ber_writer *w, arena *a, ldap_msg *m)
{
	ldap_limits lim;
	const char *why = NULL;

	ldap_limits_default(&lim);
	arena_reset(a);
	if (w->err != 0)
		return -1;
	return ldap_decode(w->buf, w->len, a, &lim, m, &why);
}

static void
filter_text(const ldap_filter *f, char *out, size_t cap)
{
	if (filter_format(f, out, cap) < 0)
		strcpy(out, "?");
}

TEST(hist_buckets_cover_values)
{
	uint64_t v;

	for (v = 0; v < 100000; v++) {
		unsigned i = hist_index(v);

		CHECK(hist_bucket_low(i) <= v && v <= hist_bucket_high(i));
		if (!(hist_bucket_low(i) <= v && v <= hist_bucket_high(i)))
			break;
	}
	for (v = 100000; v < (1ULL << 40); v = v * 3 / 2 + 7) {
		unsigned i = hist_index(v);
		uint64_t lo = hist_bucket_low(i), hi = hist_bucket_high(i);

		CHECK(lo <= v && v <= hi);
		CHECK(i < HIST_NBUCKETS);
		/* the bucket is at most 1/64 of its values wide */
		CHECK((hi - lo + 1) * 64 <= lo);
	}
	CHECK(hist_index(UINT64_MAX) < HIST_NBUCKETS);
	/* adjacent buckets touch */
	for (unsigned i = 1; i < 1000; i++)
		CHECK_EQ_INT(hist_bucket_low(i), hist_bucket_high(i - 1) + 1);
}

TEST(hist_percentiles)
{
	hist *h = malloc(sizeof(*h)), *g = malloc(sizeof(*g));

	hist_init(h);
	hist_init(g);
	CHECK_EQ_INT(hist_percentile(h, 50), 0);
	/* 1 .. 1000 microseconds, once each */
	for (uint64_t us = 1; us <= 1000; us++)
		hist_record(h, us * 1000);
	CHECK_EQ_INT(h->count, 1000);
	CHECK_EQ_INT(h->max, 1000000);
	CHECK_EQ_INT(h->min, 1000);
	uint64_t p50 = hist_percentile(h, 50), p99 = hist_percentile(h, 99);
	CHECK(p50 >= 500000 && p50 <= 500000 + 500000 / 64 + 1);
	CHECK(p99 >= 990000 && p99 <= 990000 + 990000 / 64 + 1);
	CHECK_EQ_INT(hist_percentile(h, 100), 1000000);
	/* a single slow outlier shows in max, not in p99 */
	hist_record(g, 5000000000ULL);
	hist_merge(h, g);
	CHECK_EQ_INT(h->count, 1001);
	CHECK_EQ_INT(h->max, 5000000000ULL);
	CHECK(hist_percentile(h, 99) < 1100000);
	free(h);
	free(g);
}

TEST(names)
{
	char n[PROTO_NAME_MAX];

	proto_user_name(n, sizeof(n), "u", 42);
	CHECK_STR(n, "u0000042@ils.bench");
	register_name(n, sizeof(n), 7, 3);
	CHECK_STR(n, "r7x0000003@ils.bench");
	CHECK_EQ_INT(workload_parse("listall"), WL_LISTALL);
	CHECK_EQ_INT(workload_parse("nope"), -1);
}

TEST(ils_logon_is_netmeeting)
{
	static const char *const order[] = { "cn", "givenname", "surname", "rfc822mailbox",
		"location", "comment", "c", "sipaddress", "sflags", "ssecurity",
		"ilsA26214430", "ilsA26279966", "ilsA32833566", "ilsA32964638", "ilsA39321630" };
	static const char *const mods[] = { "smodop", "sappid", "smimetype", "sappguid",
		"sprotid", "sprotmimetype", "sport" };
	ber_writer w;
	arena a;
	ldap_msg m;

	ber_writer_init(&w, 256, 0);
	arena_init(&a, 4096, 0);

	proto_bind(&w, 1, DIALECT_ILS);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_BIND_REQUEST);
	CHECK_EQ_INT(m.u.bind.version, 2);
	CHECK_EQ_INT(m.u.bind.name.len, 0);
	CHECK_EQ_INT(m.u.bind.password.len, 0);

	ber_writer_reset(&w);
	proto_register_add(&w, 2, DIALECT_ILS, "x@y", 5);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_ADD_REQUEST);
	CHECK(slice_is(m.u.add.dn, "c=-,o=Microsoft,cn=x@y,objectClass=RTPerson"));
	CHECK_EQ_INT(m.u.add.nattrs, 15);
	for (size_t i = 0; i < 15 && i < m.u.add.nattrs; i++)
		CHECK(slice_is(m.u.add.attrs[i].type, order[i]));
	if (m.u.add.nattrs == 15) {
		CHECK(slice_is(m.u.add.attrs[6].vals[0], "-"));
		/* 10.0.0.5 read little-endian */
		CHECK(slice_is(m.u.add.attrs[7].vals[0], "83886090"));
	}

	ber_writer_reset(&w);
	proto_register_modify(&w, 3, DIALECT_ILS, "x@y");
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_MODIFY_REQUEST);
	CHECK_EQ_INT(m.u.modify.nmods, 7);
	for (size_t i = 0; i < 7 && i < m.u.modify.nmods; i++) {
		CHECK_EQ_INT(m.u.modify.mods[i].op, LDAP_MOD_ADD);
		CHECK(slice_is(m.u.modify.mods[i].attr.type, mods[i]));
	}
	if (m.u.modify.nmods == 7) {
		CHECK(slice_is(m.u.modify.mods[0].attr.vals[0], "0"));
		CHECK_EQ_INT(m.u.modify.mods[4].attr.nvals, 2);
		CHECK(slice_is(m.u.modify.mods[4].attr.vals[1], "h323"));
		CHECK(slice_is(m.u.modify.mods[5].attr.vals[1], "text/h323"));
		CHECK(slice_is(m.u.modify.mods[6].attr.vals[0], "1503"));
	}
	ber_writer_free(&w);
	arena_free(&a);
}

TEST(ils_searches_are_netmeeting)
{
	ber_writer w;
	arena a;
	ldap_msg m;
	char f[256];

	ber_writer_init(&w, 256, 0);
	arena_init(&a, 4096, 0);

	proto_refresh(&w, 2, DIALECT_ILS, "x@y");
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_REQUEST);
	CHECK(slice_is(m.u.search.base, "objectClass=RTPerson"));
	CHECK_EQ_INT(m.u.search.scope, LDAP_SCOPE_BASE);
	filter_text(m.u.search.filter, f, sizeof(f));
	CHECK_STR(f, "(&(objectClass=RTPerson)(cn=x@y)(sttl=10))");
	CHECK_EQ_INT(m.u.search.nattrs, 1);
	CHECK(m.u.search.nattrs == 1 && slice_is(m.u.search.attrs[0], "sttl"));

	ber_writer_reset(&w);
	proto_list(&w, 3, DIALECT_ILS, 100);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	filter_text(m.u.search.filter, f, sizeof(f));
	CHECK_STR(f, "(&(objectClass=RTPerson)(cn=%)(sappid=ms-netmeeting)(sprotid=h323))");
	CHECK_EQ_INT(m.u.search.sizelimit, 100);
	CHECK_EQ_INT(m.u.search.nattrs, 9);
	CHECK(m.u.search.nattrs == 9 && slice_is(m.u.search.attrs[0], "sFlags") &&
	    slice_is(m.u.search.attrs[8], "comment"));

	ber_writer_reset(&w);
	proto_resolve(&w, 4, DIALECT_ILS, "x@y");
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	filter_text(m.u.search.filter, f, sizeof(f));
	CHECK_STR(f, "(&(objectClass=RTPerson)(cn=x@y))");
	CHECK(m.u.search.nattrs == 1 && slice_is(m.u.search.attrs[0], "sipaddress"));
	ber_writer_free(&w);
	arena_free(&a);
}

TEST(std_requests)
{
	ber_writer w;
	arena a;
	ldap_msg m;
	char f[256];

	ber_writer_init(&w, 256, 0);
	arena_init(&a, 4096, 0);

	proto_bind(&w, 1, DIALECT_STD);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.bind.version, 3);

	ber_writer_reset(&w);
	proto_preload_add(&w, 2, DIALECT_STD, "x@y", 1, 0);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK(slice_is(m.u.add.dn, "cn=x@y,ou=Dynamic,o=Intranet"));
	CHECK_EQ_INT(m.u.add.nattrs, 1 + 15 + 7);
	CHECK(slice_is(m.u.add.attrs[0].type, "objectClass"));
	CHECK(m.u.add.attrs[0].nvals == 2 && slice_is(m.u.add.attrs[0].vals[1], "dynamicObject"));

	/* RFC 2589 Refresh: OID and SEQUENCE { [0] DN, [1] TTL } */
	ber_writer_reset(&w);
	proto_refresh(&w, 3, DIALECT_STD, "x@y");
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_EXTENDED_REQUEST);
	CHECK(slice_is(m.u.extended.oid, LDAP_OID_REFRESH));
	CHECK(m.u.extended.has_value);
	{
		static const char dn[] = "cn=x@y,ou=Dynamic,o=Intranet";
		uint8_t want[64];
		size_t n = 0;

		want[n++] = 0x30;
		want[n++] = (uint8_t)(2 + sizeof(dn) - 1 + 4);
		want[n++] = 0x80;
		want[n++] = (uint8_t)(sizeof(dn) - 1);
		memcpy(want + n, dn, sizeof(dn) - 1);
		n += sizeof(dn) - 1;
		want[n++] = 0x81;
		want[n++] = 0x02;
		want[n++] = 0x02;	/* 600 = 0x0258 */
		want[n++] = 0x58;
		CHECK_EQ_INT(m.u.extended.value.len, n);
		if (m.u.extended.value.len == n)
			CHECK_MEM(m.u.extended.value.p, want, n);
	}

	ber_writer_reset(&w);
	proto_list(&w, 4, DIALECT_STD, 0);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK(slice_is(m.u.search.base, "ou=Dynamic,o=Intranet"));
	CHECK_EQ_INT(m.u.search.scope, LDAP_SCOPE_ONELEVEL);
	CHECK_EQ_INT(m.u.search.sizelimit, 0);
	filter_text(m.u.search.filter, f, sizeof(f));
	CHECK_STR(f, "(&(objectClass=rtPerson)(applicationID=ms-netmeeting)(protocolID=h323))");

	ber_writer_reset(&w);
	proto_delete(&w, 5, DIALECT_ILS, "x@y");
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_DEL_REQUEST);
	CHECK(slice_is(m.u.del_dn, "c=-,o=Microsoft,cn=x@y,objectClass=RTPerson"));
	ber_writer_free(&w);
	arena_free(&a);
}

TEST(ils_preload_ttl_in_minutes)
{
	ber_writer w;
	arena a;
	ldap_msg m;

	ber_writer_init(&w, 256, 0);
	arena_init(&a, 4096, 0);
	proto_preload_add(&w, 2, DIALECT_ILS, "x@y", 1, 61);
	CHECK_EQ_INT(roundtrip(&w, &a, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.add.nattrs, 15 + 7 + 1);
	if (m.u.add.nattrs == 23) {
		CHECK(slice_is(m.u.add.attrs[22].type, "sttl"));
		CHECK(slice_is(m.u.add.attrs[22].vals[0], "2"));
	}
	ber_writer_free(&w);
	arena_free(&a);
}

TEST(response_peek)
{
	/* BindResponse, message 1, success */
	static const uint8_t ok[] = { 0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01,
		0x00, 0x04, 0x00, 0x04, 0x00 };
	/* SearchResultDone, message 300, noSuchObject (32) */
	static const uint8_t nso[] = { 0x30, 0x0d, 0x02, 0x02, 0x01, 0x2c, 0x65, 0x07, 0x0a,
		0x01, 0x20, 0x04, 0x00, 0x04, 0x00 };
	static const uint8_t bad[] = { 0x30, 0x03, 0x02, 0x01 };
	ldap_limits lim;
	arena a;
	int64_t id;
	uint8_t op;

	ldap_limits_default(&lim);
	arena_init(&a, 4096, 0);
	CHECK_EQ_INT(pdu_peek(ok, sizeof(ok), &id, &op), 0);
	CHECK_EQ_INT(id, 1);
	CHECK_EQ_INT(op, LDAP_OP_BIND_RESPONSE);
	CHECK_EQ_INT(pdu_result(ok, sizeof(ok), &a, &lim), 0);
	CHECK_EQ_INT(pdu_peek(nso, sizeof(nso), &id, &op), 0);
	CHECK_EQ_INT(id, 300);
	CHECK_EQ_INT(op, LDAP_OP_SEARCH_DONE);
	CHECK_EQ_INT(pdu_result(nso, sizeof(nso), &a, &lim), 32);
	CHECK_EQ_INT(pdu_peek(bad, sizeof(bad), &id, &op), -1);
	CHECK_EQ_INT(pdu_result(bad, sizeof(bad), &a, &lim), -1);
	arena_free(&a);
}

int
main(void)
{
	RUN(hist_buckets_cover_values);
	RUN(hist_percentiles);
	RUN(names);
	RUN(ils_logon_is_netmeeting);
	RUN(ils_searches_are_netmeeting);
	RUN(std_requests);
	RUN(ils_preload_ttl_in_minutes);
	RUN(response_peek);
	return test_summary();
}
