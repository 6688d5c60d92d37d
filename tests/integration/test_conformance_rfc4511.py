"""
test_conformance_rfc4511.py - protocol conformance points of RFC 4511,
RFC 4512 and RFC 4522 that a standard LDAP conformance suite checks,
through python-ldap, ldap-utils and a raw client.

Covers: attribute description options (RFC 4512 2.5): a tagged
"cn;lang-en" is its own attribute and a subtype of cn for requested
attributes, filters and Compare; modify of a tagged attribute; an
unrecognised option is an undefined type; attribute type hierarchies
(RFC 4512 2.5.1: name selects cn, sn ...); the ";binary" transfer option
(RFC 4522); attribute names given as OIDs come back as requested;
the extensible search scope (RFC 4511 4.5.1.2): subordinate subtree
("children") and protocolError for unknown values without dropping the
connection; the root DSE and cn=Subschema are read-only
(unwillingToPerform); cn=Subschema's createTimestamp/modifyTimestamp
(RFC 4512 4.2), matchingRuleUse, and the definition of its structural
class; alias dereferencing in its four modes with aliasProblem and
aliasDereferencingProblem; control criticality (RFC 4511 4.1.11);
Abandon of a running search.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Ilsd, run, read_response, search_req, abandon_req, admin_sock,  # noqa: E402
                     load_people, control, controls, ber_seq, ber_str, ber_parse)

import ldap  # noqa: E402
import ldap.schema  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
ALICE = 'cn=Alice,' + PEOPLE


def setup(srv):
    l = srv.python_ldap()
    l.add_s(PEOPLE, [('objectClass', [b'organizationalUnit']), ('ou', [b'People'])])
    l.add_s(ALICE, [('objectClass', [b'inetOrgPerson']), ('cn', [b'Alice']),
                    ('sn', [b'Smith']), ('cn;lang-en', [b'Alicia']),
                    ('cn;lang-de', [b'Alicja']),
                    ('description;lang-en;x-test', [b'tagged twice']),
                    ('userCertificate;binary', [b'\x30\x03\x01\x01\xff'])])
    return l


def lower(attrs):
    return {k.lower(): sorted(v) for k, v in attrs.items()}


def get(l, attrs, base=ALICE, filt='(objectClass=*)'):
    r = l.search_s(base, ldap.SCOPE_BASE, filt, attrs)
    return lower(r[0][1]) if r else None


def test_tagged_attributes_are_subtypes():
    with Ilsd() as srv:
        l = setup(srv)
        every = get(l, None)
        assert every['cn'] == [b'Alice'], every
        assert every['cn;lang-en'] == [b'Alicia'] and every['cn;lang-de'] == [b'Alicja'], every
        assert every['description;lang-en;x-test'] == [b'tagged twice'], every
        # Naming the type returns its subtypes too; naming a tag only that subtype.
        assert get(l, ['cn']) == {'cn': [b'Alice'], 'cn;lang-en': [b'Alicia'],
                                  'cn;lang-de': [b'Alicja']}
        assert get(l, ['cn;lang-en']) == {'cn;lang-en': [b'Alicia']}
        assert get(l, ['CN;LANG-EN']) == {'cn;lang-en': [b'Alicia']}
        assert get(l, ['cn;lang-fr']) == {}
        assert get(l, ['description;x-test']) == {'description;lang-en;x-test': [b'tagged twice']}
        # Both named: each value once.
        got = l.search_s(ALICE, ldap.SCOPE_BASE, '(objectClass=*)', ['cn', 'cn;lang-en'])[0][1]
        assert sorted(got) == ['cn', 'cn;lang-de', 'cn;lang-en'], got
        # Filters: the type matches its subtypes' values, a tag only its own.
        assert get(l, ['1.1'], filt='(cn=Alicia)') == {}
        assert get(l, ['1.1'], filt='(cn;lang-en=Alicia)') == {}
        assert get(l, ['1.1'], filt='(cn;lang-en=Alice)') is None
        assert get(l, ['1.1'], filt='(cn;lang-de=Alicia)') is None
        assert get(l, ['1.1'], filt='(cn;lang-en=Ali*)') == {}
        assert get(l, ['1.1'], filt='(cn;lang-fr=*)') is None
        assert get(l, ['1.1'], filt='(description=tagged*)') == {}
        sub = l.search_s(PEOPLE, ldap.SCOPE_SUBTREE, '(cn=Alicja)', ['1.1'])
        assert [dn for dn, _ in sub] == [ALICE], sub
        # Compare.
        assert l.compare_s(ALICE, 'cn;lang-en', b'alicia')
        assert not l.compare_s(ALICE, 'cn;lang-en', b'Alicja')
        assert l.compare_s(ALICE, 'cn', b'Alicja')
        try:
            l.compare_s(ALICE, 'cn;lang-fr', b'x')
            raise AssertionError('compare of an absent subtype')
        except ldap.NO_SUCH_ATTRIBUTE:
            pass
        l.unbind_s()


def test_modify_tagged_attributes():
    with Ilsd() as srv:
        l = setup(srv)
        l.modify_s(ALICE, [(ldap.MOD_DELETE, 'cn;lang-de', None)])
        assert get(l, ['cn']) == {'cn': [b'Alice'], 'cn;lang-en': [b'Alicia']}
        l.modify_s(ALICE, [(ldap.MOD_REPLACE, 'cn;lang-en', [b'Ally'])])
        l.modify_s(ALICE, [(ldap.MOD_ADD, 'sn;lang-en', [b'Smithy'])])
        assert get(l, ['cn', 'sn']) == {'cn': [b'Alice'], 'cn;lang-en': [b'Ally'],
                                        'sn': [b'Smith'], 'sn;lang-en': [b'Smithy']}
        try:
            l.modify_s(ALICE, [(ldap.MOD_DELETE, 'sn;lang-fr', None)])
            raise AssertionError('delete of an absent subtype succeeded')
        except ldap.NO_SUCH_ATTRIBUTE:
            pass
        # An option that is neither a language tag, x-..., nor binary is not recognised.
        for bad in ('cn;foo', 'cn;', 'cn;lang-en;;x'):
            try:
                l.modify_s(ALICE, [(ldap.MOD_ADD, bad, [b'v'])])
                raise AssertionError('%s accepted' % bad)
            except (ldap.UNDEFINED_TYPE, ldap.PROTOCOL_ERROR):
                pass
        # Deleting the type leaves the subtypes (they are other attributes).
        l.modify_s(ALICE, [(ldap.MOD_DELETE, 'sn', None), (ldap.MOD_ADD, 'sn', [b'New'])])
        assert get(l, ['sn']) == {'sn': [b'New'], 'sn;lang-en': [b'Smithy']}
        l.unbind_s()


def test_attribute_type_hierarchy():
    """RFC 4512 2.5.1: a type names its subtypes by SUP too (name: cn, sn ...)."""
    with Ilsd() as srv:
        l = setup(srv)
        l.modify_s(ALICE, [(ldap.MOD_ADD, 'seeAlso', [PEOPLE.encode()])])
        got = get(l, ['name'])
        assert got == {'cn': [b'Alice'], 'cn;lang-de': [b'Alicja'], 'cn;lang-en': [b'Alicia'],
                       'sn': [b'Smith']}, got
        assert get(l, ['name;lang-en']) == {'cn;lang-en': [b'Alicia']}
        assert get(l, ['1.1'], filt='(name=smith)') == {}
        assert get(l, ['1.1'], filt='(name=Alicja)') == {}
        assert get(l, ['1.1'], filt='(name=Nobody)') is None
        assert get(l, ['1.1'], filt='(distinguishedName=ou=people,o=intranet)') == {}
        assert get(l, ['distinguishedName']) == {'seealso': [PEOPLE.encode()]}
        found = l.search_s(SUFFIX, ldap.SCOPE_SUBTREE, '(name=Alice)', ['1.1'])
        assert [dn for dn, _ in found] == [ALICE], found
        assert l.compare_s(ALICE, 'name', b'SMITH')
        l.unbind_s()


def test_binary_transfer_option():
    with Ilsd() as srv:
        l = setup(srv)
        assert get(l, ['userCertificate;binary']) == {
            'usercertificate;binary': [b'\x30\x03\x01\x01\xff']}
        assert get(l, ['userCertificate']) == {'usercertificate': [b'\x30\x03\x01\x01\xff']}
        assert get(l, ['1.1'], filt='(userCertificate=*)') == {}
        out = srv.ldap('ldapsearch', '-LLL', '-b', ALICE, '-s', 'base', '(objectClass=*)',
                       'userCertificate;binary').stdout
        assert 'userCertificate;binary:: MAMBAf8=' in out, out
        l.unbind_s()


def test_oid_and_alias_names_as_requested():
    with Ilsd() as srv:
        l = setup(srv)
        got = l.search_s(ALICE, ldap.SCOPE_BASE, '(2.5.4.3=alice)', ['2.5.4.4', 'surname'])[0][1]
        assert got == {'2.5.4.4': [b'Smith']}, got
        got = l.search_s(ALICE, ldap.SCOPE_BASE, '(objectClass=*)', ['commonName'])[0][1]
        assert got.get('commonName') == [b'Alice'], got
        l.unbind_s()


def test_subordinate_scope():
    with Ilsd() as srv:
        l = setup(srv)
        l.add_s('cn=Kid,' + ALICE, [('objectClass', [b'person']), ('cn', [b'Kid']),
                                    ('sn', [b'K'])])
        out = srv.ldap('ldapsearch', '-LLL', '-b', PEOPLE, '-s', 'children', '(objectClass=*)',
                       '1.1').stdout
        dns = sorted(re.findall(r'^dn: (.*)$', out, re.M))
        assert dns == sorted([ALICE, 'cn=Kid,' + ALICE]), dns
        # Also with a filter answered from an index.
        out = srv.ldap('ldapsearch', '-LLL', '-b', ALICE, '-s', 'children', '(cn=*)',
                       '1.1').stdout
        assert re.findall(r'^dn: (.*)$', out, re.M) == ['cn=Kid,' + ALICE], out
        l.unbind_s()
        # An unknown scope value: protocolError for that search, the session goes on.
        s = srv.raw()
        req = search_req(2, SUFFIX, 0, attrs=['1.1'])
        req = req.replace(b'\x0a\x01\x00\x0a\x01\x00', b'\x0a\x01\x09\x0a\x01\x00', 1)
        s.sendall(req)
        r = read_response(s)
        assert r.msgid == 2 and r.op == 0x65 and r.code == 2, r
        s.sendall(search_req(3, SUFFIX, 0, attrs=['1.1']))
        assert read_response(s).op == 0x64
        s.close()


def test_root_dse_and_subschema_read_only():
    with Ilsd() as srv:
        l = srv.python_ldap()
        for dn in ('', 'cn=Subschema', 'CN=SUBSCHEMA'):
            try:
                l.modify_s(dn, [(ldap.MOD_ADD, 'description', [b'x'])])
                raise AssertionError('modify of %r succeeded' % dn)
            except ldap.UNWILLING_TO_PERFORM:
                pass
            try:
                l.delete_s(dn)
                raise AssertionError('delete of %r succeeded' % dn)
            except ldap.UNWILLING_TO_PERFORM:
                pass
        try:
            l.add_s('cn=Subschema', [('objectClass', [b'subentry']), ('cn', [b'Subschema'])])
            raise AssertionError('add of cn=Subschema succeeded')
        except ldap.UNWILLING_TO_PERFORM:
            pass
        # Outside the naming context: still noSuchObject.
        try:
            l.delete_s('o=Elsewhere')
            raise AssertionError('delete outside the suffix succeeded')
        except ldap.NO_SUCH_OBJECT:
            pass
        l.unbind_s()


def test_subschema_timestamps_and_rule_use():
    with Ilsd() as srv:
        l = srv.python_ldap(admin=False)
        e = l.search_s('cn=Subschema', ldap.SCOPE_BASE, '(objectClass=subschema)',
                       ['createTimestamp', 'modifyTimestamp', 'structuralObjectClass',
                        'objectClasses', 'attributeTypes', 'matchingRules',
                        'matchingRuleUse', 'ldapSyntaxes'])[0][1]
        for a in ('createTimestamp', 'modifyTimestamp'):
            assert re.match(rb'^\d{14}Z$', e[a][0]), e.get(a)
        assert e['createTimestamp'][0] <= e['modifyTimestamp'][0]
        ss = ldap.schema.SubSchema(e, check_uniqueness=2)
        soc = e['structuralObjectClass'][0].decode()
        oc = ss.get_obj(ldap.schema.ObjectClass, soc)
        assert oc is not None and oc.kind == 0, 'structural class %s not published' % soc
        mru = ss.get_obj(ldap.schema.MatchingRuleUse, 'caseIgnoreMatch')
        assert mru is not None and 'cn' in [a.lower() for a in mru.applies], mru
        # The timestamps are filterable like any other.
        r = l.search_s('cn=Subschema', ldap.SCOPE_BASE, '(modifyTimestamp>=20000101000000Z)',
                       ['1.1'])
        assert len(r) == 1, r
        # '*' does not return them (operational); '+' does.
        e = l.search_s('cn=Subschema', ldap.SCOPE_BASE, '(objectClass=*)', ['*'])[0][1]
        assert 'createTimestamp' not in e, sorted(e)
        e = l.search_s('cn=Subschema', ldap.SCOPE_BASE, '(objectClass=*)', ['+'])[0][1]
        assert 'createTimestamp' in e and 'matchingRuleUse' in e, sorted(e)
        l.unbind_s()


def test_control_criticality():
    with Ilsd() as srv:
        s = srv.raw()
        unknown = controls(control('1.2.3.4.5.6.7.8.9', False, b'x'))
        s.sendall(search_req(2, '', 0, attrs=['1.1'], ctls=unknown))
        assert read_response(s).op == 0x64
        assert read_response(s).code == 0
        unknown = controls(control('1.2.3.4.5.6.7.8.9', True))
        s.sendall(search_req(3, '', 0, attrs=['1.1'], ctls=unknown))
        r = read_response(s)
        assert r.msgid == 3 and r.op == 0x65 and r.code == 12, r
        # A critical control on Abandon cannot be answered: it is ignored.
        s.sendall(abandon_req(4, 99) +
                  ber_seq(ber_parse(abandon_req(5, 98))[1] + unknown))
        s.sendall(search_req(6, '', 0, attrs=['1.1']))
        r = read_response(s)
        assert r.msgid == 6, r
        s.close()


ALIASES = """\
dn: ou=Links,o=Intranet
objectClass: organizationalUnit
ou: Links

dn: cn=toAlice,ou=Links,o=Intranet
objectClass: alias
objectClass: extensibleObject
cn: toAlice
aliasedObjectName: cn=Alice,ou=People,o=Intranet

dn: ou=toPeople,ou=Links,o=Intranet
objectClass: alias
objectClass: extensibleObject
ou: toPeople
aliasedObjectName: ou=People,o=Intranet

dn: cn=dangling,ou=Links,o=Intranet
objectClass: alias
objectClass: extensibleObject
cn: dangling
aliasedObjectName: cn=Gone,ou=People,o=Intranet

dn: cn=loop1,ou=Links,o=Intranet
objectClass: alias
objectClass: extensibleObject
cn: loop1
aliasedObjectName: cn=loop2,ou=Links,o=Intranet

dn: cn=loop2,ou=Links,o=Intranet
objectClass: alias
objectClass: extensibleObject
cn: loop2
aliasedObjectName: cn=loop1,ou=Links,o=Intranet
"""


def test_alias_dereferencing():
    """RFC 4511 4.5.1.3: derefAliases never / in searching / finding the base / always."""
    with Ilsd() as srv:
        setup(srv).unbind_s()
        srv.ldap('ldapadd', *srv.admin_args(), input=ALIASES)

        def dns(deref, base, scope, filt='(objectClass=*)', check=True):
            res = srv.ldap('ldapsearch', '-LLL', '-a', deref, '-b', base, '-s', scope, filt,
                           '1.1', check=check)
            if not check:
                return res.returncode
            return sorted(re.findall(r'^dn: (.*)$', res.stdout, re.M))
        links = 'ou=Links,' + SUFFIX
        to_alice = 'cn=toAlice,' + links
        assert dns('never', to_alice, 'base') == [to_alice]
        assert dns('search', to_alice, 'base') == [to_alice]
        assert dns('find', to_alice, 'base') == [ALICE]
        assert dns('always', to_alice, 'base') == [ALICE]
        every_link = sorted('%s,%s' % (r, links) for r in (
            'cn=toAlice', 'ou=toPeople', 'cn=dangling', 'cn=loop1', 'cn=loop2'))
        assert dns('never', links, 'one') == every_link
        assert dns('find', links, 'one') == every_link
        # In searching, aliases stand for their targets; broken ones are left out.
        assert dns('search', links, 'one') == sorted([ALICE, PEOPLE])
        assert dns('always', links, 'one', '(sn=Smith)') == [ALICE]
        # Finding the base through an alias to a container.
        assert dns('find', 'ou=toPeople,' + links, 'one') == [ALICE]
        # Problems.
        assert dns('always', 'cn=dangling,' + links, 'base', check=False) == 33
        assert dns('always', 'cn=loop1,' + links, 'base', check=False) == 36
        l = srv.python_ldap()
        l.set_option(ldap.OPT_DEREF, ldap.DEREF_ALWAYS)
        assert [dn for dn, _ in l.search_s(to_alice, ldap.SCOPE_BASE)] == [ALICE]
        l.unbind_s()


def test_abandon_running_search():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 3000)
        s = admin_sock(srv, timeout=10.0, rcvbuf=4096)
        s.sendall(search_req(2, 'ou=Dynamic,' + SUFFIX, 1) + abandon_req(3, 2) +
                  search_req(4, '', 0, attrs=['1.1']))
        time.sleep(0.3)
        seen = []
        while True:
            r = read_response(s)
            seen.append((r.msgid, r.op))
            if r.msgid == 4 and r.op == 0x65:
                break
        assert (2, 0x65) not in seen, 'an abandoned search must not answer'
        assert len([1 for m, op in seen if m == 2]) < 3000
        s.close()


run(globals())
