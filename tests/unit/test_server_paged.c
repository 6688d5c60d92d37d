/*
 * test_server_paged.c - the control and request values of RFC 2696
 * (paged results) and RFC 3909 (Cancel): known-answer bytes, round trips
 * and malformed values.
 */
#include "test.h"

#include "server/cancel.h"
#include "server/paged.h"

static ber_slice
S(const void *p, size_t n)
{
	return (ber_slice){ (const uint8_t *)p, n };
}

TEST(paged_known_answer)
{
	/* SEQUENCE { INTEGER 10, OCTET STRING "ab" } */
	static const uint8_t v[] = { 0x30, 0x07, 0x02, 0x01, 0x0a, 0x04, 0x02, 'a', 'b' };
	int64_t size = -1;
	ber_slice cookie;
	ber_writer w;

	CHECK_EQ_INT(paged_parse(S(v, sizeof(v)), &size, &cookie), 0);
	CHECK_EQ_INT(size, 10);
	CHECK_EQ_INT(cookie.len, 2);
	CHECK_MEM(cookie.p, "ab", 2);
	ber_writer_init(&w, 16, 0);
	paged_encode_value(&w, 10, "ab", 2);
	CHECK_EQ_INT(w.len, sizeof(v));
	CHECK_MEM(w.buf, v, sizeof(v));
	ber_writer_free(&w);
}

TEST(paged_malformed)
{
	static const uint8_t no_cookie[] = { 0x30, 0x03, 0x02, 0x01, 0x0a };
	static const uint8_t negative[] = { 0x30, 0x05, 0x02, 0x01, 0xff, 0x04, 0x00 };
	static const uint8_t trailing[] = { 0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00, 0x00 };
	static const uint8_t extra[] = { 0x30, 0x08, 0x02, 0x01, 0x01, 0x04, 0x00, 0x01, 0x01, 0xff };
	static const uint8_t wrong_tag[] = { 0x31, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00 };
	static const uint8_t truncated[] = { 0x30, 0x09, 0x02, 0x01, 0x01, 0x04, 0x04, 'a' };
	int64_t size;
	ber_slice cookie;

	CHECK_EQ_INT(paged_parse(S(no_cookie, sizeof(no_cookie)), &size, &cookie), -1);
	CHECK_EQ_INT(paged_parse(S(negative, sizeof(negative)), &size, &cookie), -1);
	CHECK_EQ_INT(paged_parse(S(trailing, sizeof(trailing)), &size, &cookie), -1);
	CHECK_EQ_INT(paged_parse(S(extra, sizeof(extra)), &size, &cookie), -1);
	CHECK_EQ_INT(paged_parse(S(wrong_tag, sizeof(wrong_tag)), &size, &cookie), -1);
	CHECK_EQ_INT(paged_parse(S(truncated, sizeof(truncated)), &size, &cookie), -1);
	CHECK_EQ_INT(paged_parse(S("", 0), &size, &cookie), -1);
}

TEST(cancel_values)
{
	static const uint8_t ok[] = { 0x30, 0x03, 0x02, 0x01, 0x2a };
	static const uint8_t big[] = { 0x30, 0x06, 0x02, 0x04, 0x7f, 0xff, 0xff, 0xff };
	static const uint8_t too_big[] = { 0x30, 0x07, 0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00 };
	static const uint8_t negative[] = { 0x30, 0x03, 0x02, 0x01, 0xff };
	static const uint8_t empty[] = { 0x30, 0x00 };
	static const uint8_t octets[] = { 0x30, 0x03, 0x04, 0x01, 0x2a };
	static const uint8_t two[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02 };
	int64_t id = 0;

	CHECK_EQ_INT(cancel_parse(S(ok, sizeof(ok)), &id), 0);
	CHECK_EQ_INT(id, 42);
	CHECK_EQ_INT(cancel_parse(S(big, sizeof(big)), &id), 0);
	CHECK_EQ_INT(id, 2147483647);
	CHECK_EQ_INT(cancel_parse(S(too_big, sizeof(too_big)), &id), -1);
	CHECK_EQ_INT(cancel_parse(S(negative, sizeof(negative)), &id), -1);
	CHECK_EQ_INT(cancel_parse(S(empty, sizeof(empty)), &id), -1);
	CHECK_EQ_INT(cancel_parse(S(octets, sizeof(octets)), &id), -1);
	CHECK_EQ_INT(cancel_parse(S(two, sizeof(two)), &id), -1);
}

int
main(void)
{
	RUN(paged_known_answer);
	RUN(paged_malformed);
	RUN(cancel_values);
	return test_summary();
}
