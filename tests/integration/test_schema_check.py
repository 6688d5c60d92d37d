"""
test_schema_check.py - every schema checking rule, through ldapadd and
ldapmodify: objectClassViolation (65) for a missing MUST, an attribute no
class allows, no structural class, two unrelated structural classes, an
unknown class, no objectClass at all and a modify that breaks the entry;
undefinedAttributeType (17); invalidAttributeSyntax (21) for bad
INTEGER, Boolean, DN and GeneralizedTime values; constraintViolation (19)
for a second value of a SINGLE-VALUE type and for NO-USER-MODIFICATION
types.  Each diagnostic must name the attribute (or class) at fault, and
a rejected request changes nothing.

The standard schema has no user attribute of INTEGER, Boolean or
Generalized Time syntax, so the server runs on a copy of the schema
directory with one file of test types added.
"""

import base64
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import run, ldif_read, schema_server  # noqa: E402


SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
ALICE = 'cn=Alice,' + PEOPLE
THING = 'cn=thing,' + PEOPLE

TEST_SCHEMA = """\
# ldaptests: attribute types with strict syntaxes.
attributetype ( 1.3.6.1.4.1.99999.900.1.1 NAME 'ldtCount'
	EQUALITY integerMatch ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.2 NAME 'ldtFlag'
	EQUALITY booleanMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.3 NAME 'ldtWhen'
	EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.4 NAME 'ldtRef'
	EQUALITY distinguishedNameMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.3.6.1.4.1.99999.900.1.5 NAME 'ldtScore'
	EQUALITY integerMatch ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )
objectclass ( 1.3.6.1.4.1.99999.900.2.1 NAME 'ldtThing'
	SUP top STRUCTURAL
	MUST cn
	MAY ( ldtCount $ ldtWhen $ ldtRef $ ldtScore $ description ) )
objectclass ( 1.3.6.1.4.1.99999.900.2.2 NAME 'ldtAux'
	SUP top AUXILIARY
	MAY ldtFlag )
"""

DATA = """\
dn: ou=People,o=Intranet
objectClass: organizationalUnit
ou: People

dn: cn=Alice,ou=People,o=Intranet
objectClass: inetOrgPerson
cn: Alice
sn: Smith
mail: alice@example.com
displayName: Alice S.

dn: cn=thing,ou=People,o=Intranet
objectClass: ldtThing
cn: thing
ldtCount: 1
"""


def read(srv, dn):
    return ldif_read(srv, dn, '*', '+')


def server():
    return schema_server('zz-ldaptests.schema', TEST_SCHEMA, data=DATA)


def ldif_line(attr, value):
    """attr: value as LDIF, base64 when the value has blanks at its ends; empty as 'attr:'."""
    if value == '':
        return '%s:\n' % attr
    return '%s:: %s\n' % (attr, base64.b64encode(value.encode()).decode())


def diagnostic(res):
    """The server's diagnosticMessage as ldapadd/ldapmodify print it."""
    m = re.search(r'additional info:\s*(.*)', res.stderr, re.I)
    return m.group(1).strip() if m else ''


def names(text, word):
    return re.search(r'(?<![\w-])%s(?![\w-])' % re.escape(word), text, re.I) is not None


def expect(res, code, what, *words):
    codes = code if isinstance(code, tuple) else (code,)
    assert res.returncode in codes, '%s: expected result %s, got %d\nstderr: %s' % (
        what, '/'.join(map(str, codes)), res.returncode, res.stderr.strip())
    diag = diagnostic(res)
    for w in words:
        assert names(diag, w), '%s: the diagnostic does not name %r: %r' % (what, w, diag)


def add_fails(srv, dn, body, code, what, *words):
    res = srv.ldap('ldapadd', *srv.admin_args(), input='dn: %s\n%s' % (dn, body), check=False)
    expect(res, code, what, *words)
    assert read(srv, dn) is None, '%s: the entry was stored anyway' % what


def modify_fails(srv, dn, changes, code, what, *words):
    before = read(srv, dn)
    res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                   input='dn: %s\nchangetype: modify\n%s' % (dn, changes))
    expect(res, code, what, *words)
    assert read(srv, dn) == before, '%s: the entry changed anyway' % what


def modify_ok(srv, dn, changes, what):
    res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                   input='dn: %s\nchangetype: modify\n%s' % (dn, changes))
    expect(res, 0, what)


# ---- objectClassViolation (65) on Add ----

def test_add_missing_must():
    with server() as srv:
        add_fails(srv, 'cn=NoSn,' + PEOPLE, 'objectClass: person\ncn: NoSn\n', 65,
                  'person without sn', 'sn')
        add_fails(srv, 'cn=NoSn2,' + PEOPLE, 'objectClass: inetOrgPerson\ncn: NoSn2\n', 65,
                  'inetOrgPerson without the inherited MUST sn', 'sn')
        # (RFC 4511 4.7: the RDN's values are part of the entry, so the missing
        # attribute is never the naming one here.)
        add_fails(srv, 'description=NoOu,' + SUFFIX, 'objectClass: organizationalUnit\n'
                  'description: NoOu\n', 65, 'organizationalUnit without ou', 'ou')
        add_fails(srv, 'cn=conf,' + PEOPLE, 'objectClass: rtConference\ncn: conf\n', 65,
                  'rtConference without uid', 'uid')


def test_add_attribute_not_allowed():
    with server() as srv:
        add_fails(srv, 'ou=Mail,' + SUFFIX, 'objectClass: organizationalUnit\nou: Mail\n'
                  'mail: x@example.com\n', 65, 'mail on an organizationalUnit', 'mail')
        add_fails(srv, 'cn=Bob,' + PEOPLE, 'objectClass: person\ncn: Bob\nsn: B\n'
                  'givenName: Bob\n', 65, 'givenName on a plain person', 'givenName')
        add_fails(srv, 'cn=Flag,' + PEOPLE, 'objectClass: ldtThing\ncn: Flag\nldtFlag: TRUE\n',
                  65, 'ldtFlag without its auxiliary class', 'ldtFlag')
        # With the auxiliary class, or extensibleObject, it is allowed.
        res = srv.ldap('ldapadd', *srv.admin_args(), check=False, input=(
            'dn: cn=Flag,%s\nobjectClass: ldtThing\nobjectClass: ldtAux\ncn: Flag\n'
            'ldtFlag: TRUE\n' % PEOPLE))
        expect(res, 0, 'ldtFlag with ldtAux')
        res = srv.ldap('ldapadd', *srv.admin_args(), check=False, input=(
            'dn: ou=Ext,%s\nobjectClass: organizationalUnit\nobjectClass: extensibleObject\n'
            'ou: Ext\nmail: ext@example.com\nldtCount: 5\n' % SUFFIX))
        expect(res, 0, 'any user attribute with extensibleObject')


def test_add_structural_class_rules():
    with server() as srv:
        add_fails(srv, 'cn=Top,' + PEOPLE, 'objectClass: top\ncn: Top\n', 65,
                  'only top: no structural class')
        add_fails(srv, 'cn=Aux,' + PEOPLE, 'objectClass: top\nobjectClass: dynamicObject\n'
                  'cn: Aux\n', 65, 'only an auxiliary class')
        add_fails(srv, 'cn=Two,' + PEOPLE, 'objectClass: person\nobjectClass: organizationalUnit\n'
                  'cn: Two\nsn: T\nou: Two\n', 65, 'two unrelated structural classes')
        add_fails(srv, 'cn=Two2,' + PEOPLE, 'objectClass: person\nobjectClass: ldtThing\n'
                  'cn: Two2\nsn: T\n', 65, 'person and ldtThing')
        add_fails(srv, 'cn=Unknown,' + PEOPLE, 'objectClass: person\nobjectClass: noSuchClass\n'
                  'cn: Unknown\nsn: U\n', 65, 'an unknown object class', 'noSuchClass')
        add_fails(srv, 'cn=NoClass,' + PEOPLE, 'cn: NoClass\nsn: N\n', 65, 'no objectClass',
                  'objectClass')
        # A chain of structural classes is one structural class.
        res = srv.ldap('ldapadd', *srv.admin_args(), check=False, input=(
            'dn: cn=Chain,%s\nobjectClass: person\nobjectClass: organizationalPerson\n'
            'objectClass: inetOrgPerson\ncn: Chain\nsn: C\n' % PEOPLE))
        expect(res, 0, 'person, organizationalPerson, inetOrgPerson')
        e = read(srv, 'cn=Chain,' + PEOPLE)
        assert e['structuralobjectclass'][0].lower() == 'inetorgperson', e


# ---- undefinedAttributeType (17) ----

def test_undefined_attribute_type():
    with server() as srv:
        add_fails(srv, 'cn=Undef,' + PEOPLE, 'objectClass: person\ncn: Undef\nsn: U\n'
                  'fooBarBaz: 1\n', 17, 'add with an undefined type', 'fooBarBaz')
        add_fails(srv, 'cn=Undef,' + PEOPLE, 'objectClass: person\nobjectClass: extensibleObject\n'
                  'cn: Undef\nsn: U\nfooBarBaz: 1\n', 17,
                  'extensibleObject does not make unknown types known', 'fooBarBaz')
        modify_fails(srv, ALICE, 'add: fooBarBaz\nfooBarBaz: 1\n', 17,
                     'modify add of an undefined type', 'fooBarBaz')
        modify_fails(srv, ALICE, 'replace: fooBarBaz\nfooBarBaz: 1\n', 17,
                     'modify replace of an undefined type', 'fooBarBaz')


# ---- invalidAttributeSyntax (21) ----

def test_invalid_syntax_on_add():
    with server() as srv:
        cases = [
            ('ldtCount', ['abc', '1.5', '', '+3', '012', '-0', '1e3', ' 7']),
            ('ldtWhen', ['yesterday', '2024-01-01', '20241301120000Z', '20240230120000Z',
                         '20240101120000', '2024010112Z0']),
            ('ldtRef', ['not a dn', '=x', 'cn=a,,o=b']),
        ]
        n = 0
        for attr, values in cases:
            for value in values:
                n += 1
                body = 'objectClass: ldtThing\ncn: bad%d\n%s' % (n, ldif_line(attr, value))
                add_fails(srv, 'cn=bad%d,%s' % (n, PEOPLE), body, 21,
                          '%s value %r' % (attr, value), attr)
        for value in ('yes', 'true', '1', 'TRUE ', ''):
            n += 1
            body = ('objectClass: ldtThing\nobjectClass: ldtAux\ncn: bad%d\n%s' % (
                n, ldif_line('ldtFlag', value)))
            add_fails(srv, 'cn=bad%d,%s' % (n, PEOPLE), body, 21, 'ldtFlag value %r' % value,
                      'ldtFlag')
        add_fails(srv, 'cn=bad,' + PEOPLE, 'objectClass: person\ncn: bad\nsn: b\n'
                  'seeAlso: definitely not a DN\n', 21, 'seeAlso (DN syntax)', 'seeAlso')
        # Valid forms pass.
        good = ('dn: cn=good,%s\nobjectClass: ldtThing\nobjectClass: ldtAux\ncn: good\n'
                'ldtCount: -42\nldtWhen: 20240229235960Z\nldtRef: cn=Alice,ou=People,o=Intranet\n'
                'ldtFlag: FALSE\nldtScore: 0\nldtScore: 12345678901234567890\n' % PEOPLE)
        res = srv.ldap('ldapadd', *srv.admin_args(), input=good, check=False)
        expect(res, 0, 'valid INTEGER, GeneralizedTime, DN and Boolean values')
        res = srv.ldap('ldapadd', *srv.admin_args(), check=False, input=(
            'dn: cn=good2,%s\nobjectClass: ldtThing\ncn: good2\nldtWhen: 202402291200+0130\n'
            'ldtCount: 0\n' % PEOPLE))
        expect(res, 0, 'GeneralizedTime with an offset, INTEGER zero')


def test_invalid_syntax_on_modify():
    with server() as srv:
        modify_fails(srv, THING, 'replace: ldtCount\nldtCount: twelve\n', 21,
                     'modify replace with a bad INTEGER', 'ldtCount')
        modify_fails(srv, THING, 'add: ldtWhen\nldtWhen: noon\n', 21,
                     'modify add with a bad GeneralizedTime', 'ldtWhen')
        modify_fails(srv, THING, 'add: ldtRef\nldtRef: cn=ok,o=Intranet\nldtRef: garbage\n', 21,
                     'modify add with one bad DN among good ones', 'ldtRef')
        modify_fails(srv, ALICE, 'add: seeAlso\nseeAlso: nope\n', 21,
                     'seeAlso not a DN', 'seeAlso')
        modify_ok(srv, THING, 'replace: ldtCount\nldtCount: 99\n', 'a valid INTEGER')


# ---- constraintViolation (19) ----

def test_single_value():
    with server() as srv:
        add_fails(srv, 'cn=Two,' + PEOPLE, 'objectClass: ldtThing\ncn: Two\nldtCount: 1\n'
                  'ldtCount: 2\n', 19, 'two values of SINGLE-VALUE ldtCount', 'ldtCount')
        add_fails(srv, 'cn=Two,' + PEOPLE, 'objectClass: inetOrgPerson\ncn: Two\nsn: T\n'
                  'displayName: a\ndisplayName: b\n', 19, 'two displayName values', 'displayName')
        add_fails(srv, 'cn=Two,' + PEOPLE, 'objectClass: rtPerson\ncn: Two\nc: US\nc: DE\n', 19,
                  'two values of countryName', 'c')
        modify_fails(srv, ALICE, 'add: displayName\ndisplayName: Another\n', 19,
                     'modify add of a second displayName', 'displayName')
        modify_fails(srv, THING, 'add: ldtCount\nldtCount: 2\n', 19,
                     'modify add of a second ldtCount', 'ldtCount')
        modify_fails(srv, THING, 'replace: ldtCount\nldtCount: 2\nldtCount: 3\n', 19,
                     'modify replace with two values', 'ldtCount')
        modify_ok(srv, ALICE, 'replace: displayName\ndisplayName: Only One\n',
                  'replace of a single value')
        # Multi-valued types take many values.
        modify_ok(srv, THING, 'add: ldtScore\nldtScore: 1\nldtScore: 2\nldtScore: 3\n',
                  'three values of a multi-valued type')


def test_no_user_modification():
    with server() as srv:
        add_fails(srv, 'cn=Op,' + PEOPLE, 'objectClass: person\ncn: Op\nsn: O\n'
                  'createTimestamp: 20200101000000Z\n', 19, 'add with createTimestamp',
                  'createTimestamp')
        add_fails(srv, 'cn=Op,' + PEOPLE, 'objectClass: person\ncn: Op\nsn: O\n'
                  'creatorsName: cn=someone\n', 19, 'add with creatorsName', 'creatorsName')
        modify_fails(srv, ALICE, 'replace: modifiersName\nmodifiersName: cn=x\n', 19,
                     'modify of modifiersName', 'modifiersName')
        modify_fails(srv, ALICE, 'delete: structuralObjectClass\n', 19,
                     'delete of structuralObjectClass', 'structuralObjectClass')


# ---- Modify re-checks the whole entry ----

def test_modify_rechecks_entry():
    with server() as srv:
        modify_fails(srv, ALICE, 'delete: sn\n', 65, 'deleting MUST sn', 'sn')
        modify_fails(srv, ALICE, 'replace: sn\n', 65, 'replacing MUST sn with nothing', 'sn')
        modify_fails(srv, ALICE, 'add: ou\nou: x\n-\nadd: ldtCount\nldtCount: 1\n', 65,
                     'adding an attribute no class allows', 'ldtCount')
        # Removing the class that allows attributes still present.
        modify_fails(srv, ALICE, 'delete: objectClass\nobjectClass: inetOrgPerson\n', (65, 69),
                     'dropping inetOrgPerson while mail is present')
        # Adding a class whose MUST is absent.
        modify_fails(srv, THING, 'add: objectClass\nobjectClass: uidObject\n', 65,
                     'adding uidObject without uid', 'uid')
        # The check applies to the final entry: class and attribute in one modify pass.
        modify_ok(srv, THING, 'add: objectClass\nobjectClass: ldtAux\n-\nadd: ldtFlag\n'
                  'ldtFlag: TRUE\n', 'auxiliary class and its attribute together')
        modify_ok(srv, THING, 'add: objectClass\nobjectClass: uidObject\n-\nadd: uid\nuid: t\n',
                  'uidObject with uid together')
        e = read(srv, THING)
        assert {v.lower() for v in e['objectclass']} >= {'ldtthing', 'ldtaux', 'uidobject'}, e
        # And the other way round: dropping the class and its attribute together.
        modify_ok(srv, THING, 'delete: ldtFlag\n-\ndelete: objectClass\nobjectClass: ldtAux\n',
                  'auxiliary class and its attribute removed together')
        modify_fails(srv, THING, 'add: ldtFlag\nldtFlag: TRUE\n', 65,
                     'ldtFlag after its class was removed', 'ldtFlag')
        # Changing the structural class is refused (RFC 4512 2.4.2).
        before = read(srv, ALICE)
        res = srv.ldap('ldapmodify', *srv.admin_args(), check=False, input=(
            'dn: %s\nchangetype: modify\nreplace: objectClass\nobjectClass: ldtThing\n-\n'
            'delete: sn\n-\ndelete: mail\n-\ndelete: displayName\n' % ALICE))
        assert res.returncode in (65, 69), \
            'changing the structural class: expected 65 or 69, got %d' % res.returncode
        assert read(srv, ALICE) == before


run(globals())
