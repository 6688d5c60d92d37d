/*
 * test_ldap_roundtrip.c - every request and response encoded, framed,
 * decoded and compared; decoded requests re-encoded to the same bytes;
 * PDUs captured from OpenLDAP's client tools re-encoded byte for byte.
 */
#include "ldap_testutil.h"

static ber_writer w, w2;
static ldap_msg m;

static int
slice_eq(ber_slice a, ber_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Frames (as the server would) and decodes what w holds. */
static int
decode_written(void)
{
	size_t n = 0;

	if (w.err != 0 || w.sp != 0)
		return -1;
	if (ber_frame(w.buf, w.len, 1 << 20, &n) != 1 || n != w.len)
		return -1;
	return decode(w.buf, w.len, &m);
}

/* The encoders take some strings as C strings: copy them into the arena. */
static const char *
cstr(ber_slice s)
{
	return arena_strndup(&test_arena, (const char *)s.p, s.len);
}

/* Encodes a decoded request again, as the load generator would. */
static void
reencode(ber_writer *out, const ldap_msg *d)
{
	const ldap_bind_req *b = &d->u.bind;

	switch (d->op) {
	case LDAP_OP_BIND_REQUEST:
		if (b->method == LDAP_AUTH_SIMPLE)
			ldap_encode_bind_simple(out, d->msgid, (int)b->version, cstr(b->name), b->password.p,
			    b->password.len);
		else if (b->method == LDAP_AUTH_SASL)
			ldap_encode_bind_sasl(out, d->msgid, cstr(b->name), cstr(b->mech),
			    b->has_creds ? &b->creds : NULL);
		else
			ldap_encode_bind_sicily(out, d->msgid, b->method, cstr(b->name), b->password.p,
			    b->password.len);
		break;
	case LDAP_OP_UNBIND_REQUEST: ldap_encode_unbind(out, d->msgid); break;
	case LDAP_OP_SEARCH_REQUEST:
		ldap_encode_search(out, d->msgid, &d->u.search, d->controls, d->ncontrols);
		break;
	case LDAP_OP_MODIFY_REQUEST: ldap_encode_modify(out, d->msgid, &d->u.modify); break;
	case LDAP_OP_ADD_REQUEST: ldap_encode_add(out, d->msgid, &d->u.add); break;
	case LDAP_OP_DEL_REQUEST:
		ldap_encode_delete(out, d->msgid, d->u.del_dn.p, d->u.del_dn.len);
		break;
	case LDAP_OP_MODDN_REQUEST: ldap_encode_moddn(out, d->msgid, &d->u.moddn); break;
	case LDAP_OP_COMPARE_REQUEST: ldap_encode_compare(out, d->msgid, &d->u.compare); break;
	case LDAP_OP_ABANDON_REQUEST: ldap_encode_abandon(out, d->msgid, d->u.abandon_id); break;
	case LDAP_OP_EXTENDED_REQUEST:
		ldap_encode_extended(out, d->msgid, cstr(d->u.extended.oid), d->u.extended.has_value ?
		    &d->u.extended.value : NULL);
		break;
	}
}

/* The decoded request re-encoded gives w's bytes again. */
static int
reencodes_same(void)
{
	int same;

	ber_writer_reset(&w2);
	reencode(&w2, &m);
	same = w2.err == 0 && w2.len == w.len && memcmp(w2.buf, w.buf, w.len) == 0;
	return same;
}

static int
filter_eq(const ldap_filter *a, const ldap_filter *b)
{
	const ldap_filter *x, *y;
	size_t i;

	if (a == NULL || b == NULL || a->type != b->type)
		return 0;
	switch (a->type) {
	case LDAP_FILTER_AND:
	case LDAP_FILTER_OR:
		for (x = a->u.set.children, y = b->u.set.children; x && y; x = x->next, y = y->next)
			if (!filter_eq(x, y))
				return 0;
		return x == NULL && y == NULL && a->u.set.count == b->u.set.count;
	case LDAP_FILTER_NOT:
		return filter_eq(a->u.not, b->u.not);
	case LDAP_FILTER_SUBSTRINGS:
		if (!slice_eq(a->u.sub.attr, b->u.sub.attr) || a->u.sub.nparts != b->u.sub.nparts)
			return 0;
		for (i = 0; i < a->u.sub.nparts; i++)
			if (a->u.sub.parts[i].kind != b->u.sub.parts[i].kind ||
			    !slice_eq(a->u.sub.parts[i].value, b->u.sub.parts[i].value))
				return 0;
		return 1;
	case LDAP_FILTER_PRESENT:
		return slice_eq(a->u.present, b->u.present);
	case LDAP_FILTER_EXTENSIBLE:
		return a->u.ext.has_rule == b->u.ext.has_rule &&
		    a->u.ext.has_attr == b->u.ext.has_attr &&
		    slice_eq(a->u.ext.rule, b->u.ext.rule) && slice_eq(a->u.ext.attr, b->u.ext.attr) &&
		    slice_eq(a->u.ext.value, b->u.ext.value) && a->u.ext.dn_attrs == b->u.ext.dn_attrs;
	default:
		return slice_eq(a->u.ava.attr, b->u.ava.attr) &&
		    slice_eq(a->u.ava.value, b->u.ava.value);
	}
}

/* ---- requests ---- */

TEST(rt_binds)
{
	ber_slice creds = BER_SLICE_STR("\0u\0p");
	uint8_t methods[3] = { LDAP_AUTH_SICILY_DISCOVERY, LDAP_AUTH_SICILY_NEGOTIATE,
		LDAP_AUTH_SICILY_RESPONSE };
	int i;

	ber_writer_reset(&w);
	ldap_encode_bind_simple(&w, 1, 2, "", "", 0);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.bind.version, 2);
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_bind_simple(&w, 77, 3, "cn=x", "p\0w", 3);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.msgid, 77);
	CHECK_SLICE(m.u.bind.name, "cn=x");
	CHECK(slice_eq(m.u.bind.password, BER_SLICE_STR("p\0w")));
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_bind_sasl(&w, 2, "", "PLAIN", &creds);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SASL);
	CHECK_SLICE(m.u.bind.mech, "PLAIN");
	CHECK(m.u.bind.has_creds && slice_eq(m.u.bind.creds, creds));
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_bind_sasl(&w, 2, "", "EXTERNAL", NULL);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK(!m.u.bind.has_creds);
	CHECK(reencodes_same());

	for (i = 0; i < 3; i++) {
		ber_writer_reset(&w);
		ldap_encode_bind_sicily(&w, 3, methods[i], "", "NTLMSSP", 7);
		CHECK_EQ_INT(decode_written(), 0);
		CHECK_EQ_INT(m.u.bind.version, 3);
		CHECK_EQ_INT(m.u.bind.method, methods[i]);
		CHECK_SLICE(m.u.bind.password, "NTLMSSP");
		CHECK(reencodes_same());
	}
}

TEST(rt_search_every_filter)
{
	/* (&(|(cn=a)(!(sn>=b)))(cn=x*y*z)(uid=*)(cn~=q)(sn<=r)(cn:dn:1.2:=v)(:2.5.13.2:=w)(|)) */
	ldap_substr_part parts[3] = { { LDAP_SUBSTR_INITIAL, BER_SLICE_STR("x") },
		{ LDAP_SUBSTR_ANY, BER_SLICE_STR("y") }, { LDAP_SUBSTR_FINAL, BER_SLICE_STR("z") } };
	ldap_filter f[12];
	ber_slice attrs[2] = { BER_SLICE_STR("cn"), BER_SLICE_STR("sttl") };
	ldap_control ctls[2] = {
		{ BER_SLICE_STR(LDAP_OID_PAGED_RESULTS), true, true, BER_SLICE_STR("\x30\x00") },
		{ BER_SLICE_STR(LDAP_OID_MANAGE_DSAIT), false, false, { NULL, 0 } },
	};
	ldap_search_req s = { BER_SLICE_STR("o=Intranet"), LDAP_SCOPE_SUBTREE,
		LDAP_DEREF_FINDING, 100, 30, true, &f[0], attrs, 2 };

	memset(f, 0, sizeof(f));
	f[0] = (ldap_filter){ .type = LDAP_FILTER_AND, .u.set = { &f[1], 8 } };
	f[1] = (ldap_filter){ .type = LDAP_FILTER_OR, .next = &f[5], .u.set = { &f[2], 2 } };
	f[2] = (ldap_filter){ .type = LDAP_FILTER_EQUALITY, .next = &f[3],
		.u.ava = { BER_SLICE_STR("cn"), BER_SLICE_STR("a") } };
	f[3] = (ldap_filter){ .type = LDAP_FILTER_NOT, .u.not = &f[4] };
	f[4] = (ldap_filter){ .type = LDAP_FILTER_GE,
		.u.ava = { BER_SLICE_STR("sn"), BER_SLICE_STR("b") } };
	f[5] = (ldap_filter){ .type = LDAP_FILTER_SUBSTRINGS, .next = &f[6],
		.u.sub = { BER_SLICE_STR("cn"), parts, 3 } };
	f[6] = (ldap_filter){ .type = LDAP_FILTER_PRESENT, .next = &f[7],
		.u.present = BER_SLICE_STR("uid") };
	f[7] = (ldap_filter){ .type = LDAP_FILTER_APPROX, .next = &f[8],
		.u.ava = { BER_SLICE_STR("cn"), BER_SLICE_STR("q") } };
	f[8] = (ldap_filter){ .type = LDAP_FILTER_LE, .next = &f[9],
		.u.ava = { BER_SLICE_STR("sn"), BER_SLICE_STR("r") } };
	f[9] = (ldap_filter){ .type = LDAP_FILTER_EXTENSIBLE, .next = &f[10],
		.u.ext = { true, true, BER_SLICE_STR("1.2"), BER_SLICE_STR("cn"),
		    BER_SLICE_STR("v"), true } };
	f[10] = (ldap_filter){ .type = LDAP_FILTER_EXTENSIBLE, .next = &f[11],
		.u.ext = { true, false, BER_SLICE_STR("2.5.13.2"), { NULL, 0 },
		    BER_SLICE_STR("w"), false } };
	f[11] = (ldap_filter){ .type = LDAP_FILTER_OR };

	ber_writer_reset(&w);
	ldap_encode_search(&w, 12, &s, ctls, 2);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.msgid, 12);
	CHECK_SLICE(m.u.search.base, "o=Intranet");
	CHECK_EQ_INT(m.u.search.scope, LDAP_SCOPE_SUBTREE);
	CHECK_EQ_INT(m.u.search.deref, LDAP_DEREF_FINDING);
	CHECK_EQ_INT(m.u.search.sizelimit, 100);
	CHECK_EQ_INT(m.u.search.timelimit, 30);
	CHECK(m.u.search.typesonly);
	CHECK_EQ_INT(m.u.search.nattrs, 2);
	CHECK_SLICE(m.u.search.attrs[1], "sttl");
	CHECK(filter_eq(m.u.search.filter, &f[0]));
	CHECK_EQ_INT(m.ncontrols, 2);
	CHECK(m.controls[0].critical && m.controls[0].has_value);
	CHECK(slice_eq(m.controls[0].value, ctls[0].value));
	CHECK(!m.controls[1].critical && !m.controls[1].has_value);
	CHECK_SLICE(m.controls[1].oid, LDAP_OID_MANAGE_DSAIT);
	CHECK(reencodes_same());

	/* No filter given: the encoder asks for (objectClass=*). */
	s.filter = NULL;
	s.nattrs = 0;
	ber_writer_reset(&w);
	ldap_encode_search(&w, 13, &s, NULL, 0);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.search.filter->type, LDAP_FILTER_PRESENT);
	CHECK_SLICE(m.u.search.filter->u.present, "objectClass");
	CHECK_EQ_INT(m.ncontrols, 0);
}

TEST(rt_modify_add)
{
	ber_slice v2[2] = { BER_SLICE_STR("t120"), BER_SLICE_STR("h323") };
	ber_slice sd[2] = { BER_SLICE_STR("\x01\x00\x04\x80"), BER_SLICE_STR("") };
	ldap_mod mods[4] = {
		{ LDAP_MOD_ADD, { BER_SLICE_STR("sprotid"), v2, 2 } },
		{ LDAP_MOD_DELETE, { BER_SLICE_STR("comment"), NULL, 0 } },
		{ LDAP_MOD_REPLACE, { BER_SLICE_STR("ntSecurityDescriptor"), sd, 2 } },
		{ LDAP_MOD_INCREMENT, { BER_SLICE_STR("n"), v2, 1 } },
	};
	ldap_modify_req mr = { BER_SLICE_STR("cn=x,o=Intranet"), mods, 4 };
	ldap_attr attrs[2] = { { BER_SLICE_STR("cn"), v2, 1 },
		{ BER_SLICE_STR("ntSecurityDescriptor"), sd, 2 } };
	ldap_add_req ar = { BER_SLICE_STR("cn=x,o=Intranet"), attrs, 2 };
	size_t i;

	ber_writer_reset(&w);
	ldap_encode_modify(&w, 5, &mr);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_SLICE(m.u.modify.dn, "cn=x,o=Intranet");
	CHECK_EQ_INT(m.u.modify.nmods, 4);
	for (i = 0; i < 4 && m.u.modify.nmods == 4; i++) {
		CHECK_EQ_INT(m.u.modify.mods[i].op, mods[i].op);
		CHECK(slice_eq(m.u.modify.mods[i].attr.type, mods[i].attr.type));
		CHECK_EQ_INT(m.u.modify.mods[i].attr.nvals, mods[i].attr.nvals);
	}
	CHECK(slice_eq(m.u.modify.mods[2].attr.vals[0], sd[0]));
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_add(&w, 6, &ar);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.add.nattrs, 2);
	CHECK_SLICE(m.u.add.attrs[0].vals[0], "t120");
	CHECK(slice_eq(m.u.add.attrs[1].vals[0], sd[0]));
	CHECK_EQ_INT(m.u.add.attrs[1].vals[1].len, 0);
	CHECK(reencodes_same());
}

TEST(rt_small_requests)
{
	ldap_moddn_req md = { BER_SLICE_STR("cn=a,o=x"), BER_SLICE_STR("cn=b"), true, true,
		BER_SLICE_STR("o=y") };
	ldap_compare_req cr = { BER_SLICE_STR("cn=a,o=x"), BER_SLICE_STR("sn"),
		BER_SLICE_STR("S") };
	ber_slice val = BER_SLICE_STR("\x30\x03\x80\x01\x61");

	ber_writer_reset(&w);
	ldap_encode_unbind(&w, 9);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.op, LDAP_OP_UNBIND_REQUEST);
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_delete(&w, 10, "cn=a,o=x", 8);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_SLICE(m.u.del_dn, "cn=a,o=x");
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_moddn(&w, 11, &md);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK(m.u.moddn.deleteoldrdn && m.u.moddn.has_newsuperior);
	CHECK_SLICE(m.u.moddn.newsuperior, "o=y");
	CHECK(reencodes_same());
	md.has_newsuperior = false;
	md.deleteoldrdn = false;
	ber_writer_reset(&w);
	ldap_encode_moddn(&w, 11, &md);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK(!m.u.moddn.deleteoldrdn && !m.u.moddn.has_newsuperior);

	ber_writer_reset(&w);
	ldap_encode_compare(&w, 12, &cr);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_SLICE(m.u.compare.attr, "sn");
	CHECK_SLICE(m.u.compare.value, "S");
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_abandon(&w, 13, 2147483647);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.abandon_id, 2147483647);
	CHECK(reencodes_same());

	ber_writer_reset(&w);
	ldap_encode_extended(&w, 14, LDAP_OID_CANCEL, &val);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_SLICE(m.u.extended.oid, LDAP_OID_CANCEL);
	CHECK(m.u.extended.has_value && slice_eq(m.u.extended.value, val));
	CHECK(reencodes_same());
	ber_writer_reset(&w);
	ldap_encode_extended(&w, 15, LDAP_OID_STARTTLS, NULL);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_SLICE(m.u.extended.oid, LDAP_OID_STARTTLS);
	CHECK(!m.u.extended.has_value);
	CHECK(reencodes_same());
}

/* Many values: the lists are counted, allocated once, and all kept in order. */
TEST(rt_many_values)
{
	static ber_slice vals[5000];
	static char text[5000][6];
	ldap_attr at = { BER_SLICE_STR("member"), vals, 5000 };
	ldap_add_req ar = { BER_SLICE_STR("cn=g"), &at, 1 };
	size_t i;

	for (i = 0; i < 5000; i++) {
		snprintf(text[i], sizeof(text[i]), "%zu", i);
		vals[i] = ldap_slice(text[i]);
	}
	ber_writer_reset(&w);
	ldap_encode_add(&w, 1, &ar);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.add.attrs[0].nvals, 5000);
	CHECK_SLICE(m.u.add.attrs[0].vals[4999], "4999");
	CHECK(reencodes_same());
}

/* ---- responses ---- */

TEST(rt_results)
{
	static const uint8_t ops[7] = { LDAP_OP_BIND_RESPONSE, LDAP_OP_SEARCH_DONE,
		LDAP_OP_MODIFY_RESPONSE, LDAP_OP_ADD_RESPONSE, LDAP_OP_DEL_RESPONSE,
		LDAP_OP_MODDN_RESPONSE, LDAP_OP_COMPARE_RESPONSE };
	ber_slice creds = BER_SLICE_STR("c");
	int i;

	for (i = 0; i < 7; i++) {
		ber_writer_reset(&w);
		ldap_encode_result(&w, 100 + i, ops[i], LDAP_NO_SUCH_OBJECT, "o=x", "gone");
		CHECK_EQ_INT(decode_written(), 0);
		CHECK_EQ_INT(m.msgid, 100 + i);
		CHECK_EQ_INT(m.op, ops[i]);
		CHECK_EQ_INT(m.u.result.code, LDAP_NO_SUCH_OBJECT);
		CHECK_SLICE(m.u.result.matched, "o=x");
		CHECK_SLICE(m.u.result.diag, "gone");
	}
	ber_writer_reset(&w);
	ldap_encode_bind_response(&w, 1, LDAP_SASL_BIND_IN_PROGRESS, NULL, NULL, &creds);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK(m.u.result.has_sasl_creds);
	CHECK_SLICE(m.u.result.sasl_creds, "c");
	ber_writer_reset(&w);
	ldap_encode_result_s(&w, 2, LDAP_OP_ADD_RESPONSE, LDAP_ENTRY_ALREADY_EXISTS,
	    BER_SLICE_STR("\xe9\x00"), BER_SLICE_STR(""));
	CHECK_EQ_INT(decode_written(), 0);
	CHECK(slice_eq(m.u.result.matched, BER_SLICE_STR("\xe9\x00")));
}

TEST(rt_entry_reference_extended)
{
	ber_slice uris[1] = { BER_SLICE_STR("ldap://h/o=x") };
	ber_slice val = BER_SLICE_STR("v");
	ldap_control ctl = { BER_SLICE_STR(LDAP_OID_PAGED_RESULTS), false, true,
		BER_SLICE_STR("\x30\x05\x02\x01\x00\x04\x00") };

	ber_writer_reset(&w);
	ldap_encode_entry_begin(&w, 4, "cn=a", 4);
	ldap_encode_entry_attr_begin(&w, "sttl", 4);
	ldap_encode_entry_value(&w, "10", 2);
	ldap_encode_entry_attr_end(&w);
	ldap_encode_entry_end(&w);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_ENTRY);
	CHECK_SLICE(m.u.entry.dn, "cn=a");
	CHECK_EQ_INT(m.u.entry.nattrs, 1);
	CHECK_SLICE(m.u.entry.attrs[0].vals[0], "10");

	ber_writer_reset(&w);
	ldap_encode_reference(&w, 4, uris, 1);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.u.ref.nuris, 1);
	CHECK_SLICE(m.u.ref.uris[0], "ldap://h/o=x");

	ber_writer_reset(&w);
	ldap_encode_extended_response(&w, 5, 0, "", "ok", LDAP_OID_WHOAMI, &val);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_SLICE(m.u.result.diag, "ok");
	CHECK(m.u.result.has_oid && m.u.result.has_value);
	CHECK_SLICE(m.u.result.oid, LDAP_OID_WHOAMI);

	ber_writer_reset(&w);
	ldap_encode_notice_of_disconnection(&w, LDAP_UNAVAILABLE, "shutting down");
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.msgid, 0);
	CHECK_EQ_INT(m.u.result.code, LDAP_UNAVAILABLE);
	CHECK_SLICE(m.u.result.oid, LDAP_OID_NOTICE_OF_DISCONNECTION);

	ber_writer_reset(&w);
	ldap_encode_intermediate(&w, 6, NULL, &val);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK(!m.u.result.has_oid && m.u.result.has_value);

	ber_writer_reset(&w);
	ldap_encode_result_ctl(&w, 7, LDAP_OP_SEARCH_DONE, 0, NULL, NULL, &ctl, 1);
	CHECK_EQ_INT(decode_written(), 0);
	CHECK_EQ_INT(m.ncontrols, 1);
	CHECK(slice_eq(m.controls[0].value, ctl.value));
}

/* ---- captured client PDUs: decode, encode again, same bytes ---- */

static int
reencodes_capture(const char *hex)
{
	pdu p = hexpdu(hex);

	if (decode_pdu(&p, &m) != 0)
		return 0;
	ber_writer_reset(&w2);
	reencode(&w2, &m);
	return w2.err == 0 && w2.len == p.len && memcmp(w2.buf, p.b, p.len) == 0;
}

TEST(rt_captured_openldap)
{
	/* ldapsearch -E pr=10/noprompt -E '!mv=(cn=x)' */
	CHECK(reencodes_capture("30 81 a1 02 01 02 63 4c 04 0a 'o=Intranet' 0a 01 01 0a 01 00"
	    " 02 01 00 02 01 00 01 01 00"
	    " a0 25 a3 17 04 0b 'objectClass' 04 08 'RTPerson'"
	    " a4 0a 04 02 'cn' 30 04 80 02 'eg'"
	    " 30 08 04 02 'cn' 04 02 'sn'"
	    " a0 4e 30 29 04 17 '1.2.826.0.1.3344810.2.3' 01 01 ff"
	    " 04 0b 30 09 a3 07 04 02 'cn' 04 01 'x'"
	    " 30 21 04 16 '1.2.840.113556.1.4.319' 04 07 30 05 02 01 0a 04 00"));
	/* ldapsearch with every filter choice */
	CHECK(reencodes_capture("30 6c 02 01 02 63 67 04 00 0a 01 00 0a 01 03"
	    " 02 01 05 02 01 1e 01 01 ff a1 52"
	    " a2 11 a4 0f 04 02 'cn' 30 09 80 01 'a' 81 01 'b' 82 01 'c'"
	    " a8 07 04 02 'cn' 04 01 'x' a5 07 04 02 'sn' 04 01 'a'"
	    " a6 07 04 02 'sn' 04 01 'z'"
	    " a9 14 81 08 '2.5.13.2' 82 02 'cn' 83 01 'x' 84 01 ff"
	    " a9 0a 81 05 '1.2.3' 83 01 'y' a0 00 30 00"));
	/* ldapmodify, ldapadd, ldapmodrdn, ldapcompare, ldapdelete */
	CHECK(reencodes_capture("30 5e 02 01 02 66 59 04 08 'cn=u,o=x' 30 4d"
	    " 30 17 0a 01 00 30 12 04 04 'mail' 31 0a 04 03 'a@b' 04 03 'c@d'"
	    " 30 0b 0a 01 01 30 06 04 02 'sn' 31 00"
	    " 30 0e 0a 01 02 30 09 04 02 'cn' 31 03 04 01 'u'"
	    " 30 15 0a 01 03 30 10 04 09 'uidNumber' 31 03 04 01 '1'"));
	CHECK(reencodes_capture("30 49 02 01 02 68 44 04 08 'cn=u,o=x' 30 38"
	    " 30 1c 04 0b 'objectClass' 31 0d 04 03 'top' 04 06 'person'"
	    " 30 09 04 02 'cn' 31 03 04 01 'u' 30 0d 04 02 'sn' 31 07 04 05 'Smith'"));
	CHECK(reencodes_capture("30 1d 02 01 02 6c 18 04 08 'cn=u,o=x' 04 04 'cn=v'"
	    " 01 01 ff 80 03 'o=y'"));
	CHECK(reencodes_capture("30 1c 02 01 02 6e 17 04 08 'cn=u,o=x'"
	    " 30 0b 04 02 'sn' 04 05 'Smith'"));
	CHECK(reencodes_capture("30 0d 02 01 02 4a 08 'cn=u,o=x'"));
	CHECK(reencodes_capture("30 0c 02 01 01 60 07 02 01 03 04 00 80 00"));
	CHECK(reencodes_capture("30 05 02 01 03 42 00"));
}

int
main(void)
{
	test_setup();
	ber_writer_init(&w, 256, 0);
	ber_writer_init(&w2, 256, 0);
	RUN(rt_binds);
	RUN(rt_search_every_filter);
	RUN(rt_modify_add);
	RUN(rt_small_requests);
	RUN(rt_many_values);
	RUN(rt_results);
	RUN(rt_entry_reference_extended);
	RUN(rt_captured_openldap);
	ber_writer_free(&w);
	ber_writer_free(&w2);
	arena_free(&test_arena);
	return test_summary();
}
