/*
 * test_ldap_resp.c - responses: hand-written PDUs decoded field by field,
 * and encoders checked against hand-written bytes.
 */
#include "ldap_testutil.h"

static ber_writer w;

/* Checks that the writer holds exactly the expected annotated hex. */
static int
wrote(const char *hex)
{
	pdu want = hexpdu(hex);
	int ok = w.err == 0 && w.sp == 0 && w.len == want.len &&
	    memcmp(w.buf, want.b, want.len) == 0;

	ber_writer_reset(&w);
	return ok;
}

/* ---- decoding ---- */

TEST(decode_bind_response_with_sasl_creds)
{
	pdu p = hexpdu("30 14 02 01 01 61 0f 0a 01 0e 04 00 04 04 'more' 87 02 01 02");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_BIND_RESPONSE);
	CHECK_EQ_INT(m.u.result.code, LDAP_SASL_BIND_IN_PROGRESS);
	CHECK_SLICE(m.u.result.matched, "");
	CHECK_SLICE(m.u.result.diag, "more");
	CHECK(m.u.result.has_sasl_creds);
	CHECK_MEM(m.u.result.sasl_creds.p, "\x01\x02", 2);
	CHECK_EQ_INT(m.u.result.nreferrals, 0);
}

TEST(decode_search_entry)
{
	pdu p = hexpdu("30 58 02 01 03 64 53 04 1e 'cn=alice,ou=dynamic,o=Intranet'"
	    " 30 31"
	    " 30 0d 04 02 'cn' 31 07 04 05 'alice'"
	    " 30 15 04 05 'sport' 31 0c 04 04 '1503' 04 04 '1720'"
	    " 30 09 04 05 'empty' 31 00");
	ldap_msg m;
	ldap_entry_msg *e = &m.u.entry;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_ENTRY);
	CHECK_SLICE(e->dn, "cn=alice,ou=dynamic,o=Intranet");
	CHECK_EQ_INT(e->nattrs, 3);
	CHECK_SLICE(e->attrs[0].type, "cn");
	CHECK_SLICE(e->attrs[0].vals[0], "alice");
	CHECK_EQ_INT(e->attrs[1].nvals, 2);
	CHECK_SLICE(e->attrs[1].vals[1], "1720");
	CHECK_SLICE(e->attrs[2].type, "empty");
	CHECK_EQ_INT(e->attrs[2].nvals, 0);
}

TEST(decode_search_reference)
{
	pdu p = hexpdu("30 21 02 01 03 73 1c 04 0c 'ldap://a/o=x' 04 0c 'ldap://b/o=x'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_REFERENCE);
	CHECK_EQ_INT(m.u.ref.nuris, 2);
	CHECK_SLICE(m.u.ref.uris[0], "ldap://a/o=x");
	CHECK_SLICE(m.u.ref.uris[1], "ldap://b/o=x");
}

TEST(decode_search_done_with_referral)
{
	pdu p = hexpdu("30 2a 02 01 03 65 25 0a 01 0a 04 03 'o=x' 04 03 'see'"
	    " a3 16 04 09 'ldap://a/' 04 09 'ldap://b/'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_DONE);
	CHECK_EQ_INT(m.u.result.code, LDAP_REFERRAL);
	CHECK_SLICE(m.u.result.matched, "o=x");
	CHECK_SLICE(m.u.result.diag, "see");
	CHECK_EQ_INT(m.u.result.nreferrals, 2);
	CHECK_SLICE(m.u.result.referrals[1], "ldap://b/");
}

TEST(decode_other_results)
{
	pdu mod = hexpdu("30 24 02 01 04 67 1f 0a 01 20 04 0a 'o=Intranet'"
	    " 04 0e 'no such object'");
	pdu cmp = hexpdu("30 0c 02 01 04 6f 07 0a 01 06 04 00 04 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&mod, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_MODIFY_RESPONSE);
	CHECK_EQ_INT(m.u.result.code, LDAP_NO_SUCH_OBJECT);
	CHECK_SLICE(m.u.result.matched, "o=Intranet");
	CHECK_SLICE(m.u.result.diag, "no such object");
	CHECK(!m.u.result.has_sasl_creds && !m.u.result.has_oid);
	CHECK_EQ_INT(decode_pdu(&cmp, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_COMPARE_RESPONSE);
	CHECK_EQ_INT(m.u.result.code, LDAP_COMPARE_TRUE);
}

TEST(decode_extended_responses)
{
	pdu notice = hexpdu("30 2b 02 01 00 78 26 0a 01 02 04 00 04 07 'bad PDU'"
	    " 8a 16 '1.3.6.1.4.1.1466.20036'");
	pdu val = hexpdu("30 17 02 01 07 78 12 0a 01 00 04 00 04 00 8a 05 '1.2.3' 8b 02 30 00");
	pdu bare = hexpdu("30 0c 02 01 07 78 07 0a 01 35 04 00 04 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&notice, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 0);
	CHECK_EQ_INT(m.op, LDAP_OP_EXTENDED_RESPONSE);
	CHECK_EQ_INT(m.u.result.code, LDAP_PROTOCOL_ERROR);
	CHECK_SLICE(m.u.result.diag, "bad PDU");
	CHECK(m.u.result.has_oid);
	CHECK_SLICE(m.u.result.oid, LDAP_OID_NOTICE_OF_DISCONNECTION);
	CHECK(!m.u.result.has_value);
	CHECK_EQ_INT(decode_pdu(&val, &m), LDAP_SUCCESS);
	CHECK_SLICE(m.u.result.oid, "1.2.3");
	CHECK(m.u.result.has_value);
	CHECK_MEM(m.u.result.value.p, "\x30\x00", 2);
	CHECK_EQ_INT(decode_pdu(&bare, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.result.code, LDAP_UNWILLING_TO_PERFORM);
	CHECK(!m.u.result.has_oid && !m.u.result.has_value);
}

TEST(decode_intermediate)
{
	pdu p = hexpdu("30 11 02 01 09 79 0c 80 05 '1.2.3' 81 03 'val'");
	pdu empty = hexpdu("30 05 02 01 09 79 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_INTERMEDIATE_RESPONSE);
	CHECK(m.u.result.has_oid && m.u.result.has_value);
	CHECK_SLICE(m.u.result.oid, "1.2.3");
	CHECK_SLICE(m.u.result.value, "val");
	CHECK_EQ_INT(decode_pdu(&empty, &m), LDAP_SUCCESS);
	CHECK(!m.u.result.has_oid && !m.u.result.has_value);
}

/* ---- encoding responses ---- */

TEST(encode_results)
{
	ber_slice creds = BER_SLICE_STR("\x01\x02");

	ldap_encode_result(&w, 1, LDAP_OP_BIND_RESPONSE, LDAP_SUCCESS, NULL, NULL);
	CHECK(wrote("30 0c 02 01 01 61 07 0a 01 00 04 00 04 00"));
	ldap_encode_result(&w, 300, LDAP_OP_ADD_RESPONSE, LDAP_ENTRY_ALREADY_EXISTS,
	    "o=x", "exists");
	CHECK(wrote("30 16 02 02 01 2c 69 10 0a 01 44 04 03 'o=x' 04 06 'exists'"));
	ldap_encode_bind_response(&w, 2, LDAP_SASL_BIND_IN_PROGRESS, "", "", &creds);
	CHECK(wrote("30 10 02 01 02 61 0b 0a 01 0e 04 00 04 00 87 02 01 02"));
	ldap_encode_bind_response(&w, 2, LDAP_INVALID_CREDENTIALS, NULL, "no", NULL);
	CHECK(wrote("30 0e 02 01 02 61 09 0a 01 31 04 00 04 02 'no'"));
	ldap_encode_result_s(&w, 6, LDAP_OP_DEL_RESPONSE, LDAP_NO_SUCH_OBJECT,
	    BER_SLICE_STR("o=\xe9"), BER_SLICE_STR("a\0b"));
	CHECK(wrote("30 12 02 01 06 6b 0d 0a 01 20 04 03 'o=' e9 04 03 'a' 00 'b'"));
}

/* A diagnostic of 130 bytes needs long-form lengths all the way out. */
TEST(encode_long_lengths)
{
	char diag[131];
	pdu want = hexpdu("30 81 90 02 01 05 65 81 8a 0a 01 00 04 00 04 81 82");

	memset(diag, 'x', 130);
	diag[130] = '\0';
	memset(want.b + want.len, 'x', 130);
	want.len += 130;
	ldap_encode_result(&w, 5, LDAP_OP_SEARCH_DONE, 0, "", diag);
	CHECK_EQ_INT(w.len, want.len);
	CHECK(w.len == want.len && memcmp(w.buf, want.b, want.len) == 0);
	ber_writer_reset(&w);
}

TEST(encode_notice_of_disconnection)
{
	ldap_encode_notice_of_disconnection(&w, LDAP_PROTOCOL_ERROR, "bad PDU");
	CHECK(wrote("30 2b 02 01 00 78 26 0a 01 02 04 00 04 07 'bad PDU'"
	    " 8a 16 '1.3.6.1.4.1.1466.20036'"));
}

TEST(encode_extended_response_and_intermediate)
{
	ber_slice v = BER_SLICE_STR("\x30\x00"), val = BER_SLICE_STR("val");

	ldap_encode_extended_response(&w, 7, 0, NULL, NULL, "1.2.3", &v);
	CHECK(wrote("30 17 02 01 07 78 12 0a 01 00 04 00 04 00 8a 05 '1.2.3' 8b 02 30 00"));
	ldap_encode_extended_response(&w, 7, LDAP_UNWILLING_TO_PERFORM, NULL, NULL, NULL, NULL);
	CHECK(wrote("30 0c 02 01 07 78 07 0a 01 35 04 00 04 00"));
	ldap_encode_intermediate(&w, 9, "1.2.3", &val);
	CHECK(wrote("30 11 02 01 09 79 0c 80 05 '1.2.3' 81 03 'val'"));
	ldap_encode_intermediate(&w, 9, NULL, NULL);
	CHECK(wrote("30 05 02 01 09 79 00"));
}

TEST(encode_entry_incrementally)
{
	ldap_encode_entry_begin(&w, 3, "cn=a", 4);
	ldap_encode_entry_attr_begin(&w, "cn", 2);
	ldap_encode_entry_value(&w, "a", 1);
	ldap_encode_entry_attr_end(&w);
	ldap_encode_entry_attr_begin(&w, "sport", 5);
	ldap_encode_entry_value(&w, "1503", 4);
	ldap_encode_entry_value(&w, "1720", 4);
	ldap_encode_entry_attr_end(&w);
	ldap_encode_entry_attr_begin(&w, "x", 1);	/* typesOnly: no values */
	ldap_encode_entry_attr_end(&w);
	ldap_encode_entry_end(&w);
	CHECK(wrote("30 36 02 01 03 64 31 04 04 'cn=a' 30 29"
	    " 30 09 04 02 'cn' 31 03 04 01 'a'"
	    " 30 15 04 05 'sport' 31 0c 04 04 '1503' 04 04 '1720'"
	    " 30 05 04 01 'x' 31 00"));
	ldap_encode_entry_begin(&w, 3, "", 0);
	ldap_encode_entry_end(&w);
	CHECK(wrote("30 09 02 01 03 64 04 04 00 30 00"));
}

TEST(encode_reference)
{
	ber_slice uris[2] = { BER_SLICE_STR("ldap://a/o=x"), BER_SLICE_STR("ldap://b/o=x") };

	ldap_encode_reference(&w, 3, uris, 2);
	CHECK(wrote("30 21 02 01 03 73 1c 04 0c 'ldap://a/o=x' 04 0c 'ldap://b/o=x'"));
}

TEST(encode_result_with_controls)
{
	ldap_control ctls[2] = {
		{ BER_SLICE_STR(LDAP_OID_PAGED_RESULTS), false, true,
		    BER_SLICE_STR("\x30\x05\x02\x01\x00\x04\x00") },
		{ BER_SLICE_STR("1.2"), true, false, { NULL, 0 } },
	};

	ldap_encode_result_ctl(&w, 4, LDAP_OP_SEARCH_DONE, 0, NULL, NULL, ctls, 2);
	CHECK(wrote("30 3b 02 01 04 65 07 0a 01 00 04 00 04 00"
	    " a0 2d 30 21 04 16 '1.2.840.113556.1.4.319' 04 07 30 05 02 01 00 04 00"
	    " 30 08 04 03 '1.2' 01 01 ff"));
	ldap_encode_result_ctl(&w, 4, LDAP_OP_SEARCH_DONE, 0, NULL, NULL, ctls, 0);
	CHECK(wrote("30 0c 02 01 04 65 07 0a 01 00 04 00 04 00"));
}

/* ---- encoding requests: the fixed-shape ones byte for byte ---- */

TEST(encode_simple_requests)
{
	ldap_encode_bind_simple(&w, 1, 2, "", "", 0);
	CHECK(wrote("30 0c 02 01 01 60 07 02 01 02 04 00 80 00"));
	ldap_encode_bind_sicily(&w, 1, LDAP_AUTH_SICILY_DISCOVERY, NULL, NULL, 0);
	CHECK(wrote("30 0c 02 01 01 60 07 02 01 03 04 00 89 00"));
	ldap_encode_bind_sasl(&w, 1, "", "GSSAPI", NULL);
	CHECK(wrote("30 14 02 01 01 60 0f 02 01 03 04 00 a3 08 04 06 'GSSAPI'"));
	ldap_encode_unbind(&w, 4);
	CHECK(wrote("30 05 02 01 04 42 00"));
	ldap_encode_delete(&w, 2, "cn=u,o=x", 8);
	CHECK(wrote("30 0d 02 01 02 4a 08 'cn=u,o=x'"));
	ldap_encode_abandon(&w, 5, 3);
	CHECK(wrote("30 06 02 01 05 50 01 03"));
	ldap_encode_extended(&w, 2, LDAP_OID_WHOAMI, NULL);
	CHECK(wrote("30 1e 02 01 02 77 19 80 17 '1.3.6.1.4.1.4203.1.11.3'"));
}

/* Writer failures stick: a capped writer yields an error, never a partial PDU. */
TEST(encode_into_capped_writer)
{
	ber_writer small;
	size_t len;

	ber_writer_init(&small, 16, 16);
	ldap_encode_notice_of_disconnection(&small, LDAP_PROTOCOL_ERROR, "bad PDU");
	CHECK(small.err != 0);
	CHECK(ber_writer_take(&small, &len) == NULL);
	ber_writer_free(&small);
}

int
main(void)
{
	test_setup();
	ber_writer_init(&w, 64, 0);
	RUN(decode_bind_response_with_sasl_creds);
	RUN(decode_search_entry);
	RUN(decode_search_reference);
	RUN(decode_search_done_with_referral);
	RUN(decode_other_results);
	RUN(decode_extended_responses);
	RUN(decode_intermediate);
	RUN(encode_results);
	RUN(encode_long_lengths);
	RUN(encode_notice_of_disconnection);
	RUN(encode_extended_response_and_intermediate);
	RUN(encode_entry_incrementally);
	RUN(encode_reference);
	RUN(encode_result_with_controls);
	RUN(encode_simple_requests);
	RUN(encode_into_capped_writer);
	ber_writer_free(&w);
	arena_free(&test_arena);
	return test_summary();
}
