/*
 * test_ldap.c - known-answer tests: hand-written and client-captured
 * requests decoded and checked field by field.
 */
#include "ldap_testutil.h"

/* NetMeeting 3.01: LDAPv2 anonymous simple bind. */
TEST(bind_v2_anonymous)
{
	pdu p = hexpdu("30 0c 02 01 01 60 07 02 01 02 04 00 80 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK(test_why == NULL);
	CHECK_EQ_INT(m.msgid, 1);
	CHECK_EQ_INT(m.op, LDAP_OP_BIND_REQUEST);
	CHECK_EQ_INT(m.u.bind.version, 2);
	CHECK_SLICE(m.u.bind.name, "");
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SIMPLE);
	CHECK_SLICE(m.u.bind.password, "");
	CHECK_EQ_INT(m.ncontrols, 0);
	CHECK(m.controls == NULL);
}

TEST(bind_v3_simple_with_password)
{
	pdu p = hexpdu("30 1a 02 01 07 60 15 02 01 03"
	    " 04 08 'cn=u,o=x'"
	    " 80 06 's3cr\x01t'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 7);
	CHECK_EQ_INT(m.u.bind.version, 3);
	CHECK_SLICE(m.u.bind.name, "cn=u,o=x");
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SIMPLE);
	CHECK_SLICE(m.u.bind.password, "s3cr\x01t");
	/* Zero copies: the slice points into the PDU. */
	CHECK(m.u.bind.password.p == p.b + 22);
}

/* MS-ADTS 5.1.1.1.3: sicilyPackageDiscovery [9], empty. */
TEST(bind_sicily_discovery)
{
	pdu p = hexpdu("30 0c 02 01 01 60 07 02 01 03 04 00 89 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SICILY_DISCOVERY);
	CHECK_EQ_INT(m.u.bind.password.len, 0);
}

TEST(bind_sicily_negotiate_and_response)
{
	pdu neg = hexpdu("30 18 02 01 02 60 13 02 01 03 04 00"
	    " 8a 0c 'NTLMSSP' 00 01 00 00 00");
	pdu rsp = hexpdu("30 0e 02 01 03 60 09 02 01 03 04 00 8b 02 ab cd");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&neg, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SICILY_NEGOTIATE);
	CHECK_EQ_INT(m.u.bind.password.len, 12);
	CHECK_MEM(m.u.bind.password.p, "NTLMSSP\0\1\0\0\0", 12);
	CHECK_EQ_INT(decode_pdu(&rsp, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SICILY_RESPONSE);
	CHECK_MEM(m.u.bind.password.p, "\xab\xcd", 2);
}

TEST(bind_sasl)
{
	pdu nocreds = hexpdu("30 14 02 01 01 60 0f 02 01 03 04 00 a3 08 04 06 'GSSAPI'");
	pdu creds = hexpdu("30 19 02 01 01 60 14 02 01 03 04 00"
	    " a3 0d 04 05 'PLAIN' 04 04 00 'u' 00 'p'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&nocreds, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.bind.method, LDAP_AUTH_SASL);
	CHECK_SLICE(m.u.bind.mech, "GSSAPI");
	CHECK(!m.u.bind.has_creds);
	CHECK_EQ_INT(decode_pdu(&creds, &m), LDAP_SUCCESS);
	CHECK_SLICE(m.u.bind.mech, "PLAIN");
	CHECK(m.u.bind.has_creds);
	CHECK_EQ_INT(m.u.bind.creds.len, 4);
	CHECK_MEM(m.u.bind.creds.p, "\0u\0p", 4);
}

TEST(unbind)
{
	pdu p = hexpdu("30 05 02 01 04 42 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 4);
	CHECK_EQ_INT(m.op, LDAP_OP_UNBIND_REQUEST);
}

/* NetMeeting refresh: (&(objectClass=RTPerson)(cn=alice@example.com)(sttl=10)). */
TEST(search_netmeeting_refresh)
{
	pdu p = hexpdu("30 72 02 01 03 63 6d"
	    " 04 14 'objectClass=RTPerson'"			/* baseObject */
	    " 0a 01 00 0a 01 00"				/* base, neverDerefAliases */
	    " 02 01 00 02 01 1e 01 01 00"			/* sizeLimit 0, timeLimit 30 */
	    " a0 3e"						/* and */
	    " a3 17 04 0b 'objectClass' 04 08 'RTPerson'"
	    " a3 17 04 02 'cn' 04 11 'alice@example.com'"
	    " a3 0a 04 04 'sttl' 04 02 '10'"
	    " 30 06 04 04 'sttl'");				/* attributes */
	ldap_msg m;
	ldap_search_req *s = &m.u.search;
	ldap_filter *f;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 3);
	CHECK_EQ_INT(m.op, LDAP_OP_SEARCH_REQUEST);
	CHECK_SLICE(s->base, "objectClass=RTPerson");
	CHECK_EQ_INT(s->scope, LDAP_SCOPE_BASE);
	CHECK_EQ_INT(s->deref, LDAP_DEREF_NEVER);
	CHECK_EQ_INT(s->sizelimit, 0);
	CHECK_EQ_INT(s->timelimit, 30);
	CHECK(!s->typesonly);
	CHECK_EQ_INT(s->nattrs, 1);
	CHECK_SLICE(s->attrs[0], "sttl");
	f = s->filter;
	CHECK_EQ_INT(f->type, LDAP_FILTER_AND);
	CHECK_EQ_INT(f->u.set.count, 3);
	CHECK(f->next == NULL);
	f = f->u.set.children;
	CHECK_EQ_INT(f->type, LDAP_FILTER_EQUALITY);
	CHECK_SLICE(f->u.ava.attr, "objectClass");
	CHECK_SLICE(f->u.ava.value, "RTPerson");
	f = f->next;
	CHECK_SLICE(f->u.ava.attr, "cn");
	CHECK_SLICE(f->u.ava.value, "alice@example.com");
	f = f->next;
	CHECK_SLICE(f->u.ava.attr, "sttl");
	CHECK_SLICE(f->u.ava.value, "10");
	CHECK(f->next == NULL);
}

/*
 * Captured from ldapsearch -A -a always -z 5 -l 30:
 * (|(!(cn=a*b*c))(cn~=x)(sn>=a)(sn<=z)(cn:dn:2.5.13.2:=x)(:1.2.3:=y)(&)).
 */
TEST(search_every_filter_choice)
{
	pdu p = hexpdu("30 6c 02 01 02 63 67 04 00 0a 01 00 0a 01 03"
	    " 02 01 05 02 01 1e 01 01 ff"
	    " a1 52"						/* or */
	    " a2 11 a4 0f 04 02 'cn' 30 09 80 01 'a' 81 01 'b' 82 01 'c'"
	    " a8 07 04 02 'cn' 04 01 'x'"			/* approxMatch */
	    " a5 07 04 02 'sn' 04 01 'a'"			/* greaterOrEqual */
	    " a6 07 04 02 'sn' 04 01 'z'"			/* lessOrEqual */
	    " a9 14 81 08 '2.5.13.2' 82 02 'cn' 83 01 'x' 84 01 ff"
	    " a9 0a 81 05 '1.2.3' 83 01 'y'"
	    " a0 00"						/* and {} */
	    " 30 00");
	ldap_msg m;
	ldap_filter *f, *n;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_SLICE(m.u.search.base, "");
	CHECK_EQ_INT(m.u.search.deref, LDAP_DEREF_ALWAYS);
	CHECK_EQ_INT(m.u.search.sizelimit, 5);
	CHECK(m.u.search.typesonly);
	CHECK_EQ_INT(m.u.search.nattrs, 0);
	f = m.u.search.filter;
	CHECK_EQ_INT(f->type, LDAP_FILTER_OR);
	CHECK_EQ_INT(f->u.set.count, 7);
	f = f->u.set.children;
	CHECK_EQ_INT(f->type, LDAP_FILTER_NOT);
	n = f->u.not;
	CHECK_EQ_INT(n->type, LDAP_FILTER_SUBSTRINGS);
	CHECK_SLICE(n->u.sub.attr, "cn");
	CHECK_EQ_INT(n->u.sub.nparts, 3);
	CHECK_EQ_INT(n->u.sub.parts[0].kind, LDAP_SUBSTR_INITIAL);
	CHECK_SLICE(n->u.sub.parts[0].value, "a");
	CHECK_EQ_INT(n->u.sub.parts[1].kind, LDAP_SUBSTR_ANY);
	CHECK_SLICE(n->u.sub.parts[1].value, "b");
	CHECK_EQ_INT(n->u.sub.parts[2].kind, LDAP_SUBSTR_FINAL);
	CHECK_SLICE(n->u.sub.parts[2].value, "c");
	f = f->next;
	CHECK_EQ_INT(f->type, LDAP_FILTER_APPROX);
	CHECK_SLICE(f->u.ava.attr, "cn");
	f = f->next;
	CHECK_EQ_INT(f->type, LDAP_FILTER_GE);
	CHECK_SLICE(f->u.ava.value, "a");
	f = f->next;
	CHECK_EQ_INT(f->type, LDAP_FILTER_LE);
	CHECK_SLICE(f->u.ava.value, "z");
	f = f->next;
	CHECK_EQ_INT(f->type, LDAP_FILTER_EXTENSIBLE);
	CHECK(f->u.ext.has_rule && f->u.ext.has_attr && f->u.ext.dn_attrs);
	CHECK_SLICE(f->u.ext.rule, "2.5.13.2");
	CHECK_SLICE(f->u.ext.attr, "cn");
	CHECK_SLICE(f->u.ext.value, "x");
	f = f->next;
	CHECK(f->u.ext.has_rule && !f->u.ext.has_attr && !f->u.ext.dn_attrs);
	CHECK_SLICE(f->u.ext.rule, "1.2.3");
	CHECK_SLICE(f->u.ext.value, "y");
	f = f->next;
	CHECK_EQ_INT(f->type, LDAP_FILTER_AND);
	CHECK_EQ_INT(f->u.set.count, 0);
	CHECK(f->u.set.children == NULL);
	CHECK(f->next == NULL);
}

/*
 * Captured from ldapsearch -E pr=10/noprompt -E '!mv=(cn=x)':
 * a critical control with a value and a non-critical one with a value.
 */
TEST(search_with_controls)
{
	pdu p = hexpdu("30 81 a1 02 01 02 63 4c 04 0a 'o=Intranet' 0a 01 01 0a 01 00"
	    " 02 01 00 02 01 00 01 01 00"
	    " a0 25 a3 17 04 0b 'objectClass' 04 08 'RTPerson'"
	    " a4 0a 04 02 'cn' 30 04 80 02 'eg'"
	    " 30 08 04 02 'cn' 04 02 'sn'"
	    " a0 4e"						/* controls */
	    " 30 29 04 17 '1.2.826.0.1.3344810.2.3' 01 01 ff"
	    " 04 0b 30 09 a3 07 04 02 'cn' 04 01 'x'"
	    " 30 21 04 16 '1.2.840.113556.1.4.319'"
	    " 04 07 30 05 02 01 0a 04 00");
	ldap_msg m;
	ldap_filter *f;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.search.scope, LDAP_SCOPE_ONELEVEL);
	CHECK_EQ_INT(m.u.search.nattrs, 2);
	CHECK_SLICE(m.u.search.attrs[1], "sn");
	f = m.u.search.filter->u.set.children->next;
	CHECK_EQ_INT(f->type, LDAP_FILTER_SUBSTRINGS);
	CHECK_EQ_INT(f->u.sub.nparts, 1);
	CHECK_EQ_INT(f->u.sub.parts[0].kind, LDAP_SUBSTR_INITIAL);
	CHECK_SLICE(f->u.sub.parts[0].value, "eg");
	CHECK_EQ_INT(m.ncontrols, 2);
	CHECK_SLICE(m.controls[0].oid, "1.2.826.0.1.3344810.2.3");
	CHECK(m.controls[0].critical);
	CHECK(m.controls[0].has_value);
	CHECK_EQ_INT(m.controls[0].value.len, 11);
	CHECK_SLICE(m.controls[1].oid, LDAP_OID_PAGED_RESULTS);
	CHECK(!m.controls[1].critical);
	CHECK(m.controls[1].has_value);
	CHECK_MEM(m.controls[1].value.p, "\x30\x05\x02\x01\x0a\x04\x00", 7);
}

/* Controls without a value, one with criticality and one with none. */
TEST(controls_without_value)
{
	pdu p = hexpdu("30 44 02 01 05 63 18 04 00 0a 01 02 0a 01 00"
	    " 02 01 00 02 01 00 01 01 00 87 03 'uid' 30 00"
	    " a0 25 30 1c 04 17 '2.16.840.1.113730.3.4.2' 01 01 ff"
	    " 30 05 04 03 '1.2'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.search.filter->type, LDAP_FILTER_PRESENT);
	CHECK_SLICE(m.u.search.filter->u.present, "uid");
	CHECK_EQ_INT(m.ncontrols, 2);
	CHECK_SLICE(m.controls[0].oid, LDAP_OID_MANAGE_DSAIT);
	CHECK(m.controls[0].critical);
	CHECK(!m.controls[0].has_value);
	CHECK_SLICE(m.controls[1].oid, "1.2");
	CHECK(!m.controls[1].critical);
	CHECK(!m.controls[1].has_value);
}

/* LDAPv2 clients may leave out the attribute list; an empty list is "all". */
TEST(search_without_attribute_list)
{
	pdu p = hexpdu("30 23 02 01 02 63 1e 04 00 0a 01 00 0a 01 00"
	    " 02 01 00 02 01 00 01 01 00 87 0b 'objectClass'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.search.nattrs, 0);
	CHECK(m.u.search.attrs == NULL);
	CHECK_SLICE(m.u.search.filter->u.present, "objectClass");
}

/* NetMeeting logon: Add of a person, one value empty. */
TEST(add_netmeeting)
{
	pdu p = hexpdu("30 81 83 02 01 02 68 7e"
	    " 04 2d 'c=-,o=Microsoft,cn=alice,objectClass=RTPerson'"
	    " 30 4d"
	    " 30 0d 04 02 'cn' 31 07 04 05 'alice'"
	    " 30 14 04 09 'givenname' 31 07 04 05 'Alice'"
	    " 30 0d 04 07 'surname' 31 02 04 00"
	    " 30 08 04 01 'c' 31 03 04 01 '-'"
	    " 30 0d 04 06 'sflags' 31 03 04 01 '1'");
	ldap_msg m;
	ldap_add_req *a = &m.u.add;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_ADD_REQUEST);
	CHECK_SLICE(a->dn, "c=-,o=Microsoft,cn=alice,objectClass=RTPerson");
	CHECK_EQ_INT(a->nattrs, 5);
	CHECK_SLICE(a->attrs[0].type, "cn");
	CHECK_EQ_INT(a->attrs[0].nvals, 1);
	CHECK_SLICE(a->attrs[0].vals[0], "alice");
	CHECK_SLICE(a->attrs[1].type, "givenname");
	CHECK_SLICE(a->attrs[1].vals[0], "Alice");
	CHECK_SLICE(a->attrs[2].type, "surname");
	CHECK_EQ_INT(a->attrs[2].nvals, 1);
	CHECK_SLICE(a->attrs[2].vals[0], "");
	CHECK_SLICE(a->attrs[3].vals[0], "-");
	CHECK_SLICE(a->attrs[4].type, "sflags");
	CHECK_SLICE(a->attrs[4].vals[0], "1");
}

/* Captured from ldapadd: two values for objectClass. */
TEST(add_ldapadd)
{
	pdu p = hexpdu("30 49 02 01 02 68 44 04 08 'cn=u,o=x' 30 38"
	    " 30 1c 04 0b 'objectClass' 31 0d 04 03 'top' 04 06 'person'"
	    " 30 09 04 02 'cn' 31 03 04 01 'u'"
	    " 30 0d 04 02 'sn' 31 07 04 05 'Smith'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.add.nattrs, 3);
	CHECK_EQ_INT(m.u.add.attrs[0].nvals, 2);
	CHECK_SLICE(m.u.add.attrs[0].vals[0], "top");
	CHECK_SLICE(m.u.add.attrs[0].vals[1], "person");
	CHECK_SLICE(m.u.add.attrs[2].vals[0], "Smith");
}

/* NetMeeting logon: Modify whose changes are all adds, multi-valued. */
TEST(modify_netmeeting)
{
	pdu p = hexpdu("30 81 84 02 01 03 66 7f"
	    " 04 2d 'c=-,o=Microsoft,cn=alice,objectClass=RTPerson'"
	    " 30 4e"
	    " 30 12 0a 01 00 30 0d 04 06 'smodop' 31 03 04 01 '0'"
	    " 30 1c 0a 01 00 30 17 04 07 'sprotid' 31 0c 04 04 't120' 04 04 'h323'"
	    " 30 1a 0a 01 00 30 15 04 05 'sport' 31 0c 04 04 '1503' 04 04 '1720'");
	ldap_msg m;
	ldap_modify_req *r = &m.u.modify;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_MODIFY_REQUEST);
	CHECK_SLICE(r->dn, "c=-,o=Microsoft,cn=alice,objectClass=RTPerson");
	CHECK_EQ_INT(r->nmods, 3);
	CHECK_EQ_INT(r->mods[0].op, LDAP_MOD_ADD);
	CHECK_SLICE(r->mods[0].attr.type, "smodop");
	CHECK_SLICE(r->mods[0].attr.vals[0], "0");
	CHECK_SLICE(r->mods[1].attr.type, "sprotid");
	CHECK_EQ_INT(r->mods[1].attr.nvals, 2);
	CHECK_SLICE(r->mods[1].attr.vals[0], "t120");
	CHECK_SLICE(r->mods[1].attr.vals[1], "h323");
	CHECK_SLICE(r->mods[2].attr.vals[1], "1720");
}

/* Captured from ldapmodify: add, delete (no values), replace, increment. */
TEST(modify_every_operation)
{
	pdu p = hexpdu("30 5e 02 01 02 66 59 04 08 'cn=u,o=x' 30 4d"
	    " 30 17 0a 01 00 30 12 04 04 'mail' 31 0a 04 03 'a@b' 04 03 'c@d'"
	    " 30 0b 0a 01 01 30 06 04 02 'sn' 31 00"
	    " 30 0e 0a 01 02 30 09 04 02 'cn' 31 03 04 01 'u'"
	    " 30 15 0a 01 03 30 10 04 09 'uidNumber' 31 03 04 01 '1'");
	ldap_msg m;
	ldap_modify_req *r = &m.u.modify;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(r->nmods, 4);
	CHECK_EQ_INT(r->mods[0].op, LDAP_MOD_ADD);
	CHECK_EQ_INT(r->mods[0].attr.nvals, 2);
	CHECK_SLICE(r->mods[0].attr.vals[1], "c@d");
	CHECK_EQ_INT(r->mods[1].op, LDAP_MOD_DELETE);
	CHECK_SLICE(r->mods[1].attr.type, "sn");
	CHECK_EQ_INT(r->mods[1].attr.nvals, 0);
	CHECK(r->mods[1].attr.vals == NULL);
	CHECK_EQ_INT(r->mods[2].op, LDAP_MOD_REPLACE);
	CHECK_EQ_INT(r->mods[3].op, LDAP_MOD_INCREMENT);
	CHECK_SLICE(r->mods[3].attr.type, "uidNumber");
	CHECK_SLICE(r->mods[3].attr.vals[0], "1");
}

TEST(delete)
{
	pdu p = hexpdu("30 0d 02 01 02 4a 08 'cn=u,o=x'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_DEL_REQUEST);
	CHECK_SLICE(m.u.del_dn, "cn=u,o=x");
}

TEST(moddn)
{
	pdu sup = hexpdu("30 1d 02 01 02 6c 18 04 08 'cn=u,o=x' 04 04 'cn=v'"
	    " 01 01 ff 80 03 'o=y'");
	pdu v2 = hexpdu("30 18 02 01 09 6c 13 04 08 'cn=u,o=x' 04 04 'cn=v' 01 01 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&sup, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_MODDN_REQUEST);
	CHECK_SLICE(m.u.moddn.dn, "cn=u,o=x");
	CHECK_SLICE(m.u.moddn.newrdn, "cn=v");
	CHECK(m.u.moddn.deleteoldrdn);
	CHECK(m.u.moddn.has_newsuperior);
	CHECK_SLICE(m.u.moddn.newsuperior, "o=y");
	CHECK_EQ_INT(decode_pdu(&v2, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 9);
	CHECK(!m.u.moddn.deleteoldrdn);
	CHECK(!m.u.moddn.has_newsuperior);
}

TEST(compare)
{
	pdu p = hexpdu("30 1c 02 01 02 6e 17 04 08 'cn=u,o=x' 30 0b 04 02 'sn' 04 05 'Smith'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_COMPARE_REQUEST);
	CHECK_SLICE(m.u.compare.dn, "cn=u,o=x");
	CHECK_SLICE(m.u.compare.attr, "sn");
	CHECK_SLICE(m.u.compare.value, "Smith");
}

TEST(abandon)
{
	pdu p = hexpdu("30 06 02 01 05 50 01 03");
	pdu big = hexpdu("30 09 02 01 05 50 04 7f ff ff ff");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&p, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_ABANDON_REQUEST);
	CHECK_EQ_INT(m.u.abandon_id, 3);
	CHECK_EQ_INT(decode_pdu(&big, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.u.abandon_id, 2147483647);
}

/* Captured from ldapwhoami (no value) and ldappasswd (with a value). */
TEST(extended)
{
	pdu who = hexpdu("30 1e 02 01 02 77 19 80 17 '1.3.6.1.4.1.4203.1.11.3'");
	pdu pw = hexpdu("30 33 02 01 02 77 2e 80 17 '1.3.6.1.4.1.4203.1.11.1'"
	    " 81 13 30 11 80 08 'cn=u,o=x' 82 05 'newpw'");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&who, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.op, LDAP_OP_EXTENDED_REQUEST);
	CHECK_SLICE(m.u.extended.oid, LDAP_OID_WHOAMI);
	CHECK(!m.u.extended.has_value);
	CHECK_EQ_INT(decode_pdu(&pw, &m), LDAP_SUCCESS);
	CHECK_SLICE(m.u.extended.oid, LDAP_OID_PASSWD_MODIFY);
	CHECK(m.u.extended.has_value);
	CHECK_EQ_INT(m.u.extended.value.len, 19);
	CHECK_EQ_INT(m.u.extended.value.p[0], 0x30);
}

TEST(message_id_range)
{
	pdu max = hexpdu("30 08 02 04 7f ff ff ff 42 00");
	pdu zero = hexpdu("30 05 02 01 00 42 00");
	ldap_msg m;

	CHECK_EQ_INT(decode_pdu(&max, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 2147483647);
	CHECK_EQ_INT(decode_pdu(&zero, &m), LDAP_SUCCESS);
	CHECK_EQ_INT(m.msgid, 0);
}

TEST(names_and_helpers)
{
	ldap_limits l;

	CHECK_STR(ldap_result_name(LDAP_SUCCESS), "success");
	CHECK_STR(ldap_result_name(LDAP_NO_SUCH_OBJECT), "noSuchObject");
	CHECK_STR(ldap_result_name(LDAP_ENTRY_ALREADY_EXISTS), "entryAlreadyExists");
	CHECK_STR(ldap_result_name(LDAP_CANNOT_CANCEL), "cannotCancel");
	CHECK_STR(ldap_result_name(9999), "unknown");
	CHECK_STR(ldap_result_name(-1), "unknown");
	CHECK_STR(ldap_op_name(LDAP_OP_BIND_REQUEST), "bindRequest");
	CHECK_STR(ldap_op_name(LDAP_OP_SEARCH_ENTRY), "searchResEntry");
	CHECK_STR(ldap_op_name(LDAP_OP_INTERMEDIATE_RESPONSE), "intermediateResponse");
	CHECK_STR(ldap_op_name(0xff), "unknown");
	CHECK(ldap_slice_eq_ci(ldap_slice("ObjectClass"), "objectclass"));
	CHECK(ldap_slice_eq_ci(ldap_slice(""), ""));
	CHECK(!ldap_slice_eq_ci(ldap_slice("cn"), "cnx"));
	CHECK(!ldap_slice_eq_ci(ldap_slice("cnx"), "cn"));
	CHECK(!ldap_slice_eq_ci(ldap_slice("c["), "c{"));
	CHECK(!ldap_slice_eq_ci(BER_SLICE_STR("c\0n"), "c"));
	ldap_limits_default(&l);
	CHECK_EQ_INT(l.max_depth, 64);
	CHECK_EQ_INT(l.max_filter_nodes, 1024);
	CHECK_EQ_INT(l.max_attrs, 1000);
	CHECK_EQ_INT(l.max_values, 10000);
	CHECK_EQ_INT(l.max_controls, 32);
}

int
main(void)
{
	test_setup();
	RUN(bind_v2_anonymous);
	RUN(bind_v3_simple_with_password);
	RUN(bind_sicily_discovery);
	RUN(bind_sicily_negotiate_and_response);
	RUN(bind_sasl);
	RUN(unbind);
	RUN(search_netmeeting_refresh);
	RUN(search_every_filter_choice);
	RUN(search_with_controls);
	RUN(controls_without_value);
	RUN(search_without_attribute_list);
	RUN(add_netmeeting);
	RUN(add_ldapadd);
	RUN(modify_netmeeting);
	RUN(modify_every_operation);
	RUN(delete);
	RUN(moddn);
	RUN(compare);
	RUN(abandon);
	RUN(extended);
	RUN(message_id_range);
	RUN(names_and_helpers);
	arena_free(&test_arena);
	return test_summary();
}
