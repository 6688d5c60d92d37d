"""
test_conformance_tools.py - what OpenLDAP's command-line tools and
python-ldap's helpers make of ilsd's answers.

Covers: ldapsearch of the root DSE with '*' '+' (one entry, every
advertised attribute once, operational ones only with '+'); ldapsearch
-LLL -o ldif-wrap=no of an entry with binary and ISO-8859-1 values (they
come back base64-encoded, byte for byte); ldapmodify -c carrying on past
failing changes with the right exit code; ldapcompare on a DN-syntax
attribute (distinguishedNameMatch: case and spaces do not matter), an
integer attribute (integerMatch) and an attribute without equality rule;
approximate matching (words that sound alike); python-ldap's ldap.schema
parse of cn=Subschema with check_uniqueness=2 and urlfetch; ldap.dn.str2dn
on every DN the server returns, including escaped ones, and DNs in
matchedDN.
"""

import base64
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Ilsd, run  # noqa: E402

import ldap  # noqa: E402
import ldap.dn  # noqa: E402
import ldap.schema  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
ALICE = 'cn=Alice Smith,' + PEOPLE


def populate(srv):
    l = srv.python_ldap()
    l.add_s(PEOPLE, [('objectClass', [b'organizationalUnit']), ('ou', [b'People'])])
    l.add_s(ALICE, [('objectClass', [b'inetOrgPerson']), ('cn', [b'Alice Smith']),
                    ('sn', [b'Smith']), ('seeAlso', [b'cn=Bob Jones,ou=People,o=Intranet']),
                    ('jpegPhoto', [bytes(range(256))]),
                    ('description', ['Caf\xe9 cr\xe8me'.encode('latin-1')]),
                    ('title', [b' leading space'])])
    l.add_s('cn=Bob Jones,' + PEOPLE, [('objectClass', [b'person']), ('cn', [b'Bob Jones']),
                                       ('sn', [b'Jones'])])
    return l


def ldif_values(text, attr):
    """Values of attr in unwrapped LDIF (decoding base64 ones)."""
    out = []
    for line in text.splitlines():
        m = re.match(r'^%s(::?) ?(.*)$' % re.escape(attr), line, re.I)
        if m:
            out.append(base64.b64decode(m.group(2)) if m.group(1) == '::' else
                       m.group(2).encode())
    return out


def test_root_dse_star_plus():
    with Ilsd() as srv:
        res = srv.ldap('ldapsearch', '-b', '', '-s', 'base', '(objectClass=*)', '*', '+')
        out = res.stdout
        assert '# numEntries: 1' in out and 'result: 0 Success' in out, out
        attrs = [line.split(':')[0] for line in out.splitlines()
                 if line and not line.startswith('#') and ':' in line]
        for a in ('namingContexts', 'subschemaSubentry', 'supportedLDAPVersion',
                  'supportedControl', 'supportedExtension', 'supportedFeatures', 'objectClass',
                  'vendorName'):
            assert a in attrs, (a, out)
        seen = set()
        for line in out.splitlines():
            if ':' in line and not line.startswith('#'):
                assert line not in seen, 'duplicate line %r' % line
                seen.add(line)
        assert 'supportedLDAPVersion: 3' in out
        # Without '+': only user attributes (objectClass).
        out = srv.ldap('ldapsearch', '-LLL', '-b', '', '-s', 'base', '(objectClass=*)').stdout
        assert 'namingContexts' not in out and 'objectClass: top' in out, out


def test_ldif_binary_and_latin1():
    with Ilsd() as srv:
        populate(srv)
        out = srv.ldap('ldapsearch', '-LLL', '-o', 'ldif-wrap=no', '-b', ALICE, '-s', 'base',
                       '(objectClass=*)').stdout
        assert re.search(r'^jpegPhoto:: ', out, re.M), out
        assert ldif_values(out, 'jpegPhoto') == [bytes(range(256))]
        assert re.search(r'^description:: ', out, re.M), out
        assert ldif_values(out, 'description') == ['Caf\xe9 cr\xe8me'.encode('latin-1')]
        # A value with a leading space is base64 in LDIF too.
        assert ldif_values(out, 'title') == [b' leading space'], out
        assert all(len(line) < 2000 for line in out.splitlines())
        assert '\n ' not in out, 'ldif-wrap=no must not fold lines'


def test_ldapmodify_continue_on_errors():
    with Ilsd() as srv:
        populate(srv)
        changes = """\
dn: %(alice)s
changetype: modify
add: sn
sn: Smith

dn: %(alice)s
changetype: modify
add: title
title: Boss

dn: cn=Nobody,%(people)s
changetype: delete

dn: cn=Carol,%(people)s
changetype: add
objectClass: person
cn: Carol
sn: C

dn: cn=Carol,%(people)s
changetype: add
objectClass: person
cn: Carol
sn: C
""" % {'alice': ALICE, 'people': PEOPLE}
        res = srv.ldap('ldapmodify', *srv.admin_args(), '-c', input=changes, check=False)
        # The last failure decides the exit code: entryAlreadyExists (68).
        assert res.returncode == 68, (res.returncode, res.stderr)
        assert 'Type or value exists (20)' in res.stderr, res.stderr
        assert 'No such object (32)' in res.stderr, res.stderr
        out = srv.ldap('ldapsearch', '-LLL', '-b', PEOPLE, '(|(cn=Carol)(title=Boss))',
                       '1.1').stdout
        assert sorted(re.findall(r'^dn: (.*)$', out, re.M)) == sorted(
            [ALICE, 'cn=Carol,' + PEOPLE]), out
        # Without -c the first error stops it.
        res = srv.ldap('ldapmodify', *srv.admin_args(), input=changes, check=False)
        assert res.returncode == 20, (res.returncode, res.stderr)


def compare(srv, dn, ava):
    return srv.ldap('ldapcompare', dn, ava, check=False)


def test_ldapcompare():
    with Ilsd() as srv:
        populate(srv)
        # DN syntax: distinguishedNameMatch.
        r = compare(srv, ALICE, 'seeAlso:CN=bob jones, OU=People,o=INTRANET')
        assert r.returncode == 6 and 'TRUE' in r.stdout, (r.returncode, r.stdout, r.stderr)
        r = compare(srv, ALICE, 'seeAlso:cn=Carol,ou=People,o=Intranet')
        assert r.returncode == 5 and 'FALSE' in r.stdout, (r.returncode, r.stdout)
        # Base64 assertion of a Latin-1 value.
        r = compare(srv, ALICE, 'description::' +
                    base64.b64encode('Caf\xe9 cr\xe8me'.encode('latin-1')).decode())
        assert r.returncode == 6, (r.returncode, r.stdout, r.stderr)
        # Integer (integerMatch): entryTtl of a dynamic entry.
        srv.ldap('ldapadd', *srv.admin_args(), input='dn: cn=dyn,ou=Dynamic,o=Intranet\n'
                 'objectClass: person\nobjectClass: dynamicObject\ncn: dyn\nsn: d\n'
                 'entryTtl: 5000\n')
        r = compare(srv, 'cn=dyn,ou=Dynamic,o=Intranet', 'entryTtl:1')
        assert r.returncode == 5, (r.returncode, r.stdout, r.stderr)
        r = compare(srv, 'cn=dyn,ou=Dynamic,o=Intranet', 'entryTtl:ten')
        assert r.returncode == 21, (r.returncode, r.stdout, r.stderr)
        # No equality rule.
        r = compare(srv, '', 'supportedLDAPVersion:3')
        assert r.returncode == 18, (r.returncode, r.stdout, r.stderr)
        # Missing attribute and missing entry.
        r = compare(srv, ALICE, 'mail:x@example.com')
        assert r.returncode == 16, (r.returncode, r.stderr)
        r = compare(srv, 'cn=Nobody,' + PEOPLE, 'cn:Nobody')
        assert r.returncode == 32 and 'Matched DN: ' + PEOPLE in r.stdout + r.stderr, (
            r.returncode, r.stdout, r.stderr)


def test_approximate_match():
    with Ilsd() as srv:
        populate(srv)
        l = srv.python_ldap(admin=False)

        def found(f):
            return sorted(dn for dn, _ in l.search_s(PEOPLE, ldap.SCOPE_ONELEVEL, f, ['1.1']))
        assert found('(sn~=Smyth)') == [ALICE]
        assert found('(cn~=alise smith)') == [ALICE]
        assert found('(cn~=smith)') == [ALICE]
        assert found('(cn~=Jons)') == ['cn=Bob Jones,' + PEOPLE]
        assert found('(cn~=Carol)') == []
        l.unbind_s()


def test_python_ldap_schema_and_dns():
    with Ilsd() as srv:
        l = populate(srv)
        dn, sub = ldap.schema.urlfetch(srv.uri)
        assert dn == 'cn=Subschema', dn
        e = l.search_s(dn, ldap.SCOPE_BASE, '(objectClass=subschema)',
                       ['attributeTypes', 'objectClasses', 'ldapSyntaxes', 'matchingRules',
                        'matchingRuleUse'])[0][1]
        ss = ldap.schema.SubSchema(e, check_uniqueness=2)
        for name in ('cn', 'seeAlso', 'entryTtl', 'createTimestamp'):
            assert ss.get_obj(ldap.schema.AttributeType, name) is not None, name
        must, may = ss.attribute_types(['inetOrgPerson'])
        assert '2.5.4.3' in must and '2.5.4.4' in must, must.keys()
        # Every DN the server returns parses, escaped ones included.
        l.add_s('cn=a\\,b\\+c,' + PEOPLE, [('objectClass', [b'person']), ('sn', [b's'])])
        l.add_s('cn=X+sn=Y,' + PEOPLE, [('objectClass', [b'person'])])
        for dn, _ in l.search_s(SUFFIX, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['1.1']):
            parsed = ldap.dn.str2dn(dn)
            assert parsed and ldap.dn.dn2str(parsed), dn
        got = l.search_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=a,b+c)', ['1.1'])
        assert [ldap.dn.str2dn(dn)[0][0][1] for dn, _ in got] == ['a,b+c'], got
        try:
            l.search_s('cn=Missing,cn=Deeper,' + PEOPLE, ldap.SCOPE_BASE)
            raise AssertionError('search of a missing base succeeded')
        except ldap.NO_SUCH_OBJECT as exc:
            matched = exc.args[0]['matched']
            assert ldap.dn.str2dn(matched) == ldap.dn.str2dn(PEOPLE), matched
        l.unbind_s()


run(globals())
