"""
test_ldap_search.py - ilsd answers searches the way RFC 4511 section 4.5,
RFC 4512 (root DSE, operational attributes) and RFC 4515 (filters) say,
as seen through OpenLDAP's ldapsearch and python-ldap.

Covers: the root DSE, base/one/sub scopes, every filter choice (and, or,
not, equality, substrings initial/any/final, >=, <=, present, approx,
extensible with a matching rule and with :dn:), case-insensitive matching
of caseIgnore attributes, integer ordering, Undefined filter items, size
limits (client and server), the time limit field, typesOnly, attribute
selection ('*', '+', '1.1', names) and noSuchObject with matchedDN.

An integer attribute with an ORDERING rule is needed and the standard user
schema has none, so the server runs on a copy of the schema directory with
one extra file defining the test types (any *.schema file is loaded).
"""

import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (run, ADMIN_DN, read_response, search_req, norm,  # noqa: E402
                     ldif_search as search, schema_server)

import ldap  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
THINGS = 'ou=Things,' + SUFFIX

TEST_SCHEMA = """\
# ldaptests: attribute types with strict syntaxes and ordering rules.
attributetype ( 1.3.6.1.4.1.99999.900.1.1 NAME 'ldtCount'
	DESC 'ldaptests: a single-valued integer'
	EQUALITY integerMatch
	ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27
	SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.2 NAME 'ldtFlag'
	EQUALITY booleanMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.3 NAME 'ldtWhen'
	EQUALITY generalizedTimeMatch
	ORDERING generalizedTimeOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.4 NAME 'ldtRef'
	EQUALITY distinguishedNameMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.3.6.1.4.1.99999.900.1.5 NAME 'ldtScore'
	EQUALITY integerMatch
	ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )
objectclass ( 1.3.6.1.4.1.99999.900.2.1 NAME 'ldtThing'
	DESC 'ldaptests: a structural class using the test types'
	SUP top STRUCTURAL
	MUST cn
	MAY ( ldtCount $ ldtFlag $ ldtWhen $ ldtRef $ ldtScore $ description ) )
objectclass ( 1.3.6.1.4.1.99999.900.2.2 NAME 'ldtAux'
	SUP top AUXILIARY
	MAY ( ldtFlag $ ldtScore ) )
"""

DATA = """\
dn: ou=People,o=Intranet
objectClass: top
objectClass: organizationalUnit
ou: People
description: everybody

dn: cn=Alice Smith,ou=People,o=Intranet
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
cn: Alice Smith
sn: Smith
givenName: Alice
mail: alice@example.com
telephoneNumber: +1 555 0101
description: Engineer

dn: cn=Bob Jones,ou=People,o=Intranet
objectClass: inetOrgPerson
cn: Bob Jones
sn: Jones
givenName: Bob
mail: bob@example.com
description: Manager

dn: cn=Carol Smithers,ou=People,o=Intranet
objectClass: inetOrgPerson
cn: Carol Smithers
sn: Smithers
givenName: Carol

dn: cn=Foo Upper,ou=People,o=Intranet
objectClass: person
cn: Foo Upper
cn: Foo
sn: Upper

dn: cn=foo lower,ou=People,o=Intranet
objectClass: person
cn: foo lower
cn: foo
sn: lower

dn: ou=Team,ou=People,o=Intranet
objectClass: organizationalUnit
ou: Team

dn: cn=Dave Deep,ou=Team,ou=People,o=Intranet
objectClass: person
cn: Dave Deep
sn: Deep

dn: ou=Things,o=Intranet
objectClass: organizationalUnit
ou: Things

dn: cn=t9,ou=Things,o=Intranet
objectClass: ldtThing
cn: t9
ldtCount: 9

dn: cn=t10,ou=Things,o=Intranet
objectClass: ldtThing
cn: t10
ldtCount: 10

dn: cn=t100,ou=Things,o=Intranet
objectClass: ldtThing
cn: t100
ldtCount: 100

dn: cn=tneg,ou=Things,o=Intranet
objectClass: ldtThing
cn: tneg
ldtCount: -5

dn: cn=tnone,ou=Things,o=Intranet
objectClass: ldtThing
cn: tnone
"""

PEOPLE_ALL = ['ou=People', 'cn=Alice Smith', 'cn=Bob Jones', 'cn=Carol Smithers',
              'cn=Foo Upper', 'cn=foo lower', 'ou=Team', 'cn=Dave Deep,ou=Team']


# ---- helpers ----

def pdn(short):
    """'cn=Alice Smith' -> its full DN under ou=People, normalised."""
    return norm(short + ',' + PEOPLE) if short != 'ou=People' else norm(PEOPLE)


def dns(srv, base, filt, scope='sub'):
    rc, entries, res = search(srv, base, filt, '1.1', scope=scope)
    assert rc == 0, 'search %s %s: exit %d: %s' % (base, filt, rc, res.stderr)
    return set(entries)


def expect_dns(srv, base, filt, want, scope='sub'):
    got = dns(srv, base, filt, scope)
    want = set(want)
    assert got == want, 'filter %s (base %s, scope %s):\n  missing %s\n  unexpected %s' % (
        filt, base, scope, sorted(want - got), sorted(got - want))


def server(*extra, data=True):
    return schema_server('zz-ldaptests.schema', TEST_SCHEMA, *extra, data=DATA if data else None)


def conn(srv, admin=False, version=3):
    return srv.python_ldap(admin, version, timeout=30, bind=False)


GENTIME = re.compile(r'^\d{14}(\.\d+)?Z$')
UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
OID = re.compile(r'^\d+(\.\d+)+$')


# ---- root DSE (RFC 4512 section 5.1) ----

def test_root_dse_plus():
    with server(data=False) as srv:
        rc, entries, res = search(srv, '', '(objectClass=*)', '+', scope='base')
        assert rc == 0, res.stderr
        assert list(entries) == [''], 'root DSE search returned %r' % list(entries)
        dse = entries['']
        for attr in ('namingcontexts', 'defaultnamingcontext', 'supportedldapversion',
                     'supportedextension', 'subschemasubentry', 'vendorname', 'vendorversion'):
            assert attr in dse, 'root DSE lacks %s: %r' % (attr, sorted(dse))
        assert norm(SUFFIX) in [norm(v) for v in dse['namingcontexts']], dse['namingcontexts']
        assert len(dse['defaultnamingcontext']) == 1, \
            'defaultNamingContext must be single-valued: %r' % dse['defaultnamingcontext']
        assert norm(dse['defaultnamingcontext'][0]) == norm(SUFFIX)
        assert sorted(dse['supportedldapversion']) == ['2', '3'], dse['supportedldapversion']
        ext = dse['supportedextension']
        assert '1.3.6.1.4.1.4203.1.11.3' in ext, 'Who am I? (RFC 4532) not advertised: %r' % ext
        assert '1.3.6.1.4.1.1466.101.119.1' in ext, 'Refresh (RFC 2589) not advertised: %r' % ext
        for oid in ext + dse.get('supportedcontrol', []) + dse.get('supportedfeatures', []):
            assert OID.match(oid), 'not a numeric OID: %r' % oid
        assert [norm(v) for v in dse['subschemasubentry']] == ['cn=subschema'], \
            dse['subschemasubentry']
        assert dse['vendorname'][0].strip() and dse['vendorversion'][0].strip()


def test_root_dse_named_attributes():
    """Each attribute asked for by name comes back, and only those asked for."""
    names = ['namingContexts', 'defaultNamingContext', 'supportedLDAPVersion',
             'supportedExtension', 'supportedControl', 'supportedSASLMechanisms',
             'subschemaSubentry', 'vendorName', 'vendorVersion']
    with server(data=False) as srv:
        rc, entries, res = search(srv, '', '(objectClass=*)', '+', scope='base')
        full = entries['']
        for name in names:
            rc, entries, res = search(srv, '', '(objectClass=*)', name, scope='base')
            assert rc == 0, res.stderr
            got = entries['']
            assert set(got) <= {name.lower()}, 'asked for %s, got %r' % (name, sorted(got))
            if name.lower() in full:
                assert sorted(got[name.lower()]) == sorted(full[name.lower()]), name
            elif name not in ('supportedControl', 'supportedSASLMechanisms'):
                raise AssertionError('%s missing from the root DSE' % name)
        # TAPI reads exactly this: one value, with a filter other than objectClass=*.
        rc, entries, res = search(srv, '', '(objectclass=*)', 'defaultNamingContext', scope='base')
        assert entries[''].get('defaultnamingcontext') == [SUFFIX] or \
            [norm(v) for v in entries[''].get('defaultnamingcontext', [])] == [norm(SUFFIX)]


def test_root_dse_operational_only_on_request():
    """RFC 4512 5.1: the root DSE's attributes are operational, so not returned by default."""
    with server(data=False) as srv:
        rc, entries, res = search(srv, '', '(objectClass=*)', scope='base')
        assert rc == 0, res.stderr
        assert '' in entries, 'root DSE not returned to a plain base search'
        leaked = set(entries['']) & {'namingcontexts', 'supportedextension',
                                     'supportedldapversion', 'subschemasubentry'}
        assert not leaked, 'operational attributes returned without being asked for: %r' % leaked


def test_root_dse_ldapv2():
    with server(data=False) as srv:
        rc, entries, res = search(srv, '', '(objectClass=*)', 'supportedLDAPVersion',
                                  scope='base', opts=['-P', '2'])
        assert rc == 0, res.stderr
        assert sorted(entries['']['supportedldapversion']) == ['2', '3']


def test_naming_context_entry_exists():
    """The naming context the root DSE announces is a real entry."""
    with server(data=False) as srv:
        rc, entries, res = search(srv, SUFFIX, '(objectClass=*)', scope='base')
        assert rc == 0 and list(entries) == [norm(SUFFIX)], (rc, list(entries), res.stderr)
        assert entries[norm(SUFFIX)].get('objectclass'), entries


# ---- scopes ----

def test_scopes():
    with server() as srv:
        expect_dns(srv, PEOPLE, '(objectClass=*)', [pdn('ou=People')], scope='base')
        expect_dns(srv, PEOPLE, '(objectClass=*)',
                   [pdn(x) for x in PEOPLE_ALL if x != 'ou=People' and ',' not in x], scope='one')
        expect_dns(srv, PEOPLE, '(objectClass=*)', [pdn(x) for x in PEOPLE_ALL], scope='sub')
        # A base search whose filter does not match returns nothing, with success.
        expect_dns(srv, PEOPLE, '(cn=Alice Smith)', [], scope='base')
        # One level below the suffix: containers only, never the suffix itself.
        got = dns(srv, SUFFIX, '(objectClass=*)', scope='one')
        assert norm(PEOPLE) in got and norm(THINGS) in got and norm(SUFFIX) not in got, got
        assert not any(d.endswith(',' + norm(PEOPLE)) for d in got), got
        # Subtree from the suffix holds everything, including the suffix entry.
        got = dns(srv, SUFFIX, '(objectClass=*)', scope='sub')
        assert {norm(SUFFIX), pdn('cn=Dave Deep,ou=Team'), norm('cn=t9,' + THINGS)} <= got
        # Base DN written with other case and spacing names the same entry.
        expect_dns(srv, 'CN=alice smith, OU=people, O=INTRANET', '(objectClass=*)',
                   [pdn('cn=Alice Smith')], scope='base')


def test_missing_base_no_such_object():
    with server() as srv:
        rc, entries, res = search(srv, 'cn=Nobody,' + PEOPLE, scope='sub')
        assert rc == 32, 'missing base: expected noSuchObject (32), got %d: %s' % (rc, res.stderr)
        assert not entries
        l = conn(srv)
        try:
            l.search_s('cn=Nobody,ou=Team,' + PEOPLE, ldap.SCOPE_BASE)
            raise AssertionError('search of a missing base succeeded')
        except ldap.NO_SUCH_OBJECT as e:
            matched = e.args[0].get('matched', '')
            assert norm(matched) == norm('ou=Team,' + PEOPLE), \
                'matchedDN should name the closest existing superior, got %r' % matched
        for scope in (ldap.SCOPE_ONELEVEL, ldap.SCOPE_SUBTREE):
            try:
                l.search_s('ou=Nowhere,' + SUFFIX, scope)
                raise AssertionError('search of a missing base succeeded')
            except ldap.NO_SUCH_OBJECT as e:
                assert norm(e.args[0].get('matched', '')) == norm(SUFFIX), e.args[0]
        l.unbind_s()


def test_invalid_base_dn():
    with server(data=False) as srv:
        rc, entries, res = search(srv, 'this is not a DN', scope='base')
        assert rc == 34, 'malformed base DN: expected invalidDNSyntax (34), got %d: %s' % (
            rc, res.stderr)


# ---- filters (RFC 4511 4.5.1.7, RFC 4515) ----

def test_filter_equality_case_insensitive():
    with server() as srv:
        expect_dns(srv, PEOPLE, '(cn=Alice Smith)', [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(cn=ALICE SMITH)', [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(CN=alice smith)', [pdn('cn=Alice Smith')])
        # caseIgnoreMatch also ignores insignificant spaces (RFC 4518).
        expect_dns(srv, PEOPLE, '(cn=  alice   smith )', [pdn('cn=Alice Smith')])
        # Equality on a multi-valued attribute matches any value.
        expect_dns(srv, PEOPLE, '(cn=foo)', [pdn('cn=Foo Upper'), pdn('cn=foo lower')])
        expect_dns(srv, PEOPLE, '(objectClass=inetOrgPerson)',
                   [pdn('cn=Alice Smith'), pdn('cn=Bob Jones'), pdn('cn=Carol Smithers')])
        # objectClass values compare case-insensitively too; superclasses match.
        expect_dns(srv, PEOPLE, '(objectclass=PERSON)',
                   [pdn(x) for x in PEOPLE_ALL if not x.startswith('ou=')])
        # A filter value with an escaped character (RFC 4515 \2a is '*').
        expect_dns(srv, PEOPLE, '(cn=Alice\\20Smith)', [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(cn=Alice\\2a)', [])


def test_filter_substrings():
    with server() as srv:
        expect_dns(srv, PEOPLE, '(sn=Smith*)', [pdn('cn=Alice Smith'), pdn('cn=Carol Smithers')])
        expect_dns(srv, PEOPLE, '(sn=smith*)', [pdn('cn=Alice Smith'), pdn('cn=Carol Smithers')])
        expect_dns(srv, PEOPLE, '(cn=*SMITH*)', [pdn('cn=Alice Smith'), pdn('cn=Carol Smithers')])
        expect_dns(srv, PEOPLE, '(cn=*jones)', [pdn('cn=Bob Jones')])
        expect_dns(srv, PEOPLE, '(cn=a*e*h)', [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(cn=*o*e*)', [pdn('cn=Bob Jones'), pdn('cn=Carol Smithers'),
                                               pdn('cn=Foo Upper'), pdn('cn=foo lower')])
        # Parts must not overlap: "Smith" + "ith" needs two occurrences.
        expect_dns(srv, PEOPLE, '(sn=Smith*ith*)', [])
        expect_dns(srv, PEOPLE, '(mail=*@example.com)', [pdn('cn=Alice Smith'), pdn('cn=Bob Jones')])
        expect_dns(srv, PEOPLE, '(cn=Zed*)', [])


def test_filter_boolean_operators():
    with server() as srv:
        expect_dns(srv, PEOPLE, '(&(objectClass=inetOrgPerson)(sn=S*))',
                   [pdn('cn=Alice Smith'), pdn('cn=Carol Smithers')])
        expect_dns(srv, PEOPLE, '(|(sn=Jones)(givenName=carol))',
                   [pdn('cn=Bob Jones'), pdn('cn=Carol Smithers')])
        expect_dns(srv, PEOPLE, '(!(objectClass=inetOrgPerson))',
                   [pdn('ou=People'), pdn('cn=Foo Upper'), pdn('cn=foo lower'), pdn('ou=Team'),
                    pdn('cn=Dave Deep,ou=Team')])
        expect_dns(srv, PEOPLE, '(&(|(sn=Smith)(sn=Jones))(!(givenName=Bob)))',
                   [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(&(cn=Alice Smith))', [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(|(cn=Alice Smith))', [pdn('cn=Alice Smith')])
        expect_dns(srv, PEOPLE, '(&(cn=Alice Smith)(sn=Jones))', [])
        # RFC 4526 absolute true (&) and false (|) filters.
        rc, entries, res = search(srv, PEOPLE, '(&)', '1.1', scope='base')
        if rc == 0:
            assert list(entries) == [norm(PEOPLE)], entries
            rc, entries, res = search(srv, PEOPLE, '(|)', '1.1', scope='base')
            assert rc == 0 and not entries, (rc, entries)


def test_filter_present():
    with server() as srv:
        expect_dns(srv, PEOPLE, '(mail=*)', [pdn('cn=Alice Smith'), pdn('cn=Bob Jones')])
        expect_dns(srv, PEOPLE, '(MAIL=*)', [pdn('cn=Alice Smith'), pdn('cn=Bob Jones')])
        expect_dns(srv, PEOPLE, '(description=*)',
                   [pdn('ou=People'), pdn('cn=Alice Smith'), pdn('cn=Bob Jones')])
        expect_dns(srv, PEOPLE, '(!(givenName=*))',
                   [pdn('ou=People'), pdn('cn=Foo Upper'), pdn('cn=foo lower'), pdn('ou=Team'),
                    pdn('cn=Dave Deep,ou=Team')])
        assert len(dns(srv, SUFFIX, '(objectClass=*)')) >= len(PEOPLE_ALL) + 6


def test_filter_integer_ordering():
    """>= and <= use integerOrderingMatch: 9 < 10 < 100, -5 smallest (not string order)."""
    t = lambda n: norm('cn=%s,%s' % (n, THINGS))  # noqa: E731
    with server() as srv:
        expect_dns(srv, THINGS, '(ldtCount>=10)', [t('t10'), t('t100')])
        expect_dns(srv, THINGS, '(ldtCount<=9)', [t('t9'), t('tneg')])
        expect_dns(srv, THINGS, '(ldtCount<=10)', [t('t9'), t('t10'), t('tneg')])
        expect_dns(srv, THINGS, '(ldtCount>=-5)', [t('t9'), t('t10'), t('t100'), t('tneg')])
        expect_dns(srv, THINGS, '(ldtCount>=101)', [])
        expect_dns(srv, THINGS, '(ldtCount=10)', [t('t10')])
        expect_dns(srv, THINGS, '(ldtCount=-5)', [t('tneg')])
        # An absent attribute makes the item FALSE (not Undefined), so NOT matches.
        expect_dns(srv, THINGS, '(!(ldtCount>=10))',
                   [norm(THINGS), t('t9'), t('tneg'), t('tnone')])
        expect_dns(srv, THINGS, '(&(ldtCount>=0)(ldtCount<=50))', [t('t9'), t('t10')])


def test_filter_generalized_time_ordering():
    """createTimestamp has generalizedTimeOrderingMatch (RFC 4512 3.4.3)."""
    with server() as srv:
        everything = dns(srv, PEOPLE, '(objectClass=*)')
        expect_dns(srv, PEOPLE, '(createTimestamp>=19700101000000Z)', everything)
        expect_dns(srv, PEOPLE, '(createTimestamp<=19700101000000Z)', [])
        expect_dns(srv, PEOPLE, '(createTimestamp>=29991231235959Z)', [])


def test_filter_approx():
    """RFC 4511 4.5.1.7.6: approximate matching; at the least, equal values match."""
    with server() as srv:
        got = dns(srv, PEOPLE, '(cn~=Alice Smith)')
        assert pdn('cn=Alice Smith') in got, got
        assert pdn('cn=Bob Jones') not in got, got
        got = dns(srv, PEOPLE, '(sn~=jones)')
        assert pdn('cn=Bob Jones') in got and pdn('cn=Alice Smith') not in got, got


def test_filter_extensible():
    with server() as srv:
        # caseExactMatch by name and by OID: only the exact-case value matches.
        expect_dns(srv, PEOPLE, '(cn:caseExactMatch:=Foo)', [pdn('cn=Foo Upper')])
        expect_dns(srv, PEOPLE, '(cn:2.5.13.5:=foo)', [pdn('cn=foo lower')])
        expect_dns(srv, PEOPLE, '(cn:caseIgnoreMatch:=FOO)',
                   [pdn('cn=Foo Upper'), pdn('cn=foo lower')])
        # No rule: the attribute's equality rule (caseIgnore).
        expect_dns(srv, PEOPLE, '(cn:=FOO)', [pdn('cn=Foo Upper'), pdn('cn=foo lower')])
        # :dn: also matches the attributes of the entry's DN.
        expect_dns(srv, SUFFIX, '(ou=People)', [pdn('ou=People')])
        expect_dns(srv, SUFFIX, '(ou:dn:=People)', [pdn(x) for x in PEOPLE_ALL])
        expect_dns(srv, SUFFIX, '(ou:dn:=Team)', [pdn('ou=Team'), pdn('cn=Dave Deep,ou=Team')])
        expect_dns(srv, SUFFIX, '(ou:dn:caseExactMatch:=team)', [])
        # Rule without a type: any attribute the rule applies to.
        got = dns(srv, PEOPLE, '(:caseExactMatch:=Foo)')
        assert got == {pdn('cn=Foo Upper')}, got
        # Integer rule on an integer attribute.
        expect_dns(srv, THINGS, '(ldtCount:integerMatch:=100)', [norm('cn=t100,' + THINGS)])


def test_filter_undefined_items():
    """RFC 4511 4.5.1.7: unknown types or rules make the item Undefined; NOT keeps it Undefined."""
    with server() as srv:
        expect_dns(srv, PEOPLE, '(noSuchAttributeType=x)', [])
        expect_dns(srv, PEOPLE, '(!(noSuchAttributeType=x))', [])
        expect_dns(srv, PEOPLE, '(noSuchAttributeType=*)', [])
        expect_dns(srv, PEOPLE, '(|(noSuchAttributeType=x)(cn=Bob Jones))', [pdn('cn=Bob Jones')])
        expect_dns(srv, PEOPLE, '(cn:1.2.3.4.5.6.7:=Foo)', [])
        expect_dns(srv, PEOPLE, '(!(cn:1.2.3.4.5.6.7:=Foo))', [])
        # An assertion value invalid for the syntax (integer) is Undefined too.
        expect_dns(srv, THINGS, '(ldtCount=ten)', [])
        expect_dns(srv, THINGS, '(!(ldtCount=ten))', [])


def test_filter_malformed_is_rejected_by_client_or_server():
    """A filter that is not RFC 4515 text never returns entries."""
    with server() as srv:
        rc, entries, res = search(srv, PEOPLE, '(cn=Alice', '1.1')
        assert rc != 0 and not entries, (rc, entries)


# ---- limits ----

def test_size_limit():
    with server() as srv:
        for n in (1, 3, 7):
            rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '1.1', opts=['-z', str(n)])
            assert rc == 4, '-z %d: expected sizeLimitExceeded (4), got %d: %s' % (
                n, rc, res.stderr)
            assert len(entries) == n, '-z %d returned %d entries' % (n, len(entries))
        # A limit equal to the number of matches is not exceeded.
        total = len(PEOPLE_ALL)
        rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '1.1', opts=['-z', str(total)])
        assert rc == 0 and len(entries) == total, (rc, len(entries), res.stderr)
        rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '1.1', opts=['-z', '0'])
        assert rc == 0 and len(entries) == total, (rc, len(entries))
        # Also through python-ldap: the partial results arrive with the error.
        l = conn(srv)
        try:
            l.search_ext_s(PEOPLE, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['1.1'], sizelimit=2)
            raise AssertionError('sizelimit=2 over %d entries succeeded' % total)
        except ldap.SIZELIMIT_EXCEEDED:
            pass
        msgid = l.search_ext(PEOPLE, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['1.1'], sizelimit=2)
        got = []
        try:
            while True:
                rtype, rdata, rmsgid, _ = l.result3(msgid, all=0)
                if rtype == ldap.RES_SEARCH_RESULT:
                    break
                got.extend(rdata)
            raise AssertionError('no sizeLimitExceeded')
        except ldap.SIZELIMIT_EXCEEDED:
            pass
        assert len(got) == 2, 'sizelimit=2 sent %d entries' % len(got)
        l.unbind_s()


def test_server_size_limit():
    """A server-wide cap applies when the client asks for no limit, and caps larger asks."""
    with server('--size-limit=3') as srv:
        for opts in ([], ['-z', '0'], ['-z', '100']):
            rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '1.1', opts=opts)
            assert rc == 4 and len(entries) == 3, '%r: exit %d, %d entries' % (
                opts, rc, len(entries))
        rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '1.1', opts=['-z', '2'])
        assert rc == 4 and len(entries) == 2, (rc, len(entries))
        rc, entries, res = search(srv, PEOPLE, '(objectClass=inetOrgPerson)', '1.1')
        assert rc == 0 and len(entries) == 3, (rc, len(entries))


def test_time_limit_field():
    """A time limit the search stays within changes nothing; v2 too."""
    with server() as srv:
        for version in ('3', '2'):
            rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '1.1',
                                      opts=['-l', '1', '-P', version])
            assert rc == 0 and len(entries) == len(PEOPLE_ALL), (version, rc, res.stderr)
        l = conn(srv)
        r = l.search_ext_s(PEOPLE, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['1.1'], timeout=5)
        assert len(r) == len(PEOPLE_ALL)
        l.unbind_s()


def bulk_server(*extra, n=2500):
    """A server holding n entries of about 2 KB each (5 MB: more than the kernel's largest socket buffers) under ou=Bulk."""
    srv = server('--sync=false', '--write-buffer-high-water=4K', *extra, data=False)
    l = conn(srv, admin=True)
    l.add_s('ou=Bulk,' + SUFFIX, [('objectClass', [b'organizationalUnit']), ('ou', [b'Bulk'])])
    pad = b'x' * 2000
    ids = [l.add_ext('cn=b%04d,ou=Bulk,%s' % (i, SUFFIX),
                     [('objectClass', [b'person']), ('cn', [b'b%04d' % i]), ('sn', [b's']),
                      ('description', [pad])]) for i in range(n)]
    for msgid in ids:
        l.result3(msgid)
    l.unbind_s()
    return srv


def slow_search(srv, timelimit, wait):
    """A one-level search over ou=Bulk from a client that reads nothing for wait seconds.
    Returns (result code, entries received)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((srv.host, srv.port))
    s.settimeout(30)
    try:
        s.sendall(search_req(2, base='ou=Bulk,' + SUFFIX, scope=1, timelimit=timelimit))
        time.sleep(wait)
        n = 0
        while True:
            r = read_response(s)
            assert r.msgid == 2, r
            if r.op == 0x64:
                n += 1
                continue
            assert r.op == 0x65, r
            return r.code, n
    finally:
        s.close()


def test_time_limit_exceeded():
    """RFC 4511 4.5.1.5: a search still running after timeLimit seconds ends with
    timeLimitExceeded (3), after the entries found so far.  The client stops reading
    so the search has to wait for it and cannot finish within the limit."""
    with bulk_server() as srv:
        code, n = slow_search(srv, 1, 2.5)
        assert code == 3, 'expected timeLimitExceeded (3), got %d after %d entries' % (code, n)
        assert 0 < n < 2500, '%d entries before the time limit' % n
        # Without a limit the same slow reader gets everything.
        code, n = slow_search(srv, 0, 1.5)
        assert code == 0 and n == 2500, (code, n)


def test_server_time_limit():
    """The server's time-limit caps a client asking for none or for more."""
    with bulk_server('--time-limit=1') as srv:
        for asked in (0, 3600):
            code, n = slow_search(srv, asked, 2.5)
            assert code == 3 and n < 2500, 'timelimit %d under --time-limit=1: %d after %d' % (
                asked, code, n)


# ---- what comes back ----

def test_types_only():
    with server() as srv:
        l = conn(srv)
        r = l.search_s('cn=Alice Smith,' + PEOPLE, ldap.SCOPE_BASE, '(objectClass=*)',
                       attrsonly=1)
        assert len(r) == 1
        attrs = {k.lower(): v for k, v in r[0][1].items()}
        assert {'cn', 'sn', 'mail', 'givenname', 'objectclass'} <= set(attrs), sorted(attrs)
        for name, vals in attrs.items():
            assert vals == [], 'typesOnly returned values for %s: %r' % (name, vals)
        l.unbind_s()
        res = srv.ldap('ldapsearch', '-LLL', '-A', '-b', 'cn=Alice Smith,' + PEOPLE, '-s', 'base',
                       '(objectClass=*)', 'sn', 'mail')
        lines = [x for x in res.stdout.splitlines() if x and not x.startswith('dn:')]
        assert sorted(x.lower() for x in lines) == ['mail:', 'sn:'], lines


def test_attribute_selection():
    alice = 'cn=Alice Smith,' + PEOPLE
    user = {'objectclass', 'cn', 'sn', 'givenname', 'mail', 'telephonenumber', 'description'}
    oper = {'createtimestamp', 'modifytimestamp', 'creatorsname', 'modifiersname', 'entryuuid',
            'structuralobjectclass', 'hassubordinates'}
    with server() as srv:
        def get(*attrs, base=alice):
            rc, entries, res = search(srv, base, '(objectClass=*)', *attrs, scope='base')
            assert rc == 0 and len(entries) == 1, (attrs, rc, res.stderr)
            return list(entries.values())[0]

        e = get()
        assert set(e) == user, 'no selection: %r' % sorted(e)
        e = get('*')
        assert set(e) == user, "'*': %r" % sorted(e)
        e = get('+')
        assert oper <= set(e), "'+' lacks %r" % sorted(oper - set(e))
        assert not (set(e) & user), "'+' returned user attributes %r" % sorted(set(e) & user)
        e = get('*', '+')
        assert user | oper <= set(e), sorted(e)
        e = get('1.1')
        assert e == {}, "'1.1' returned %r" % sorted(e)
        e = get('1.1', 'sn')
        assert set(e) == {'sn'}, "'1.1' with sn returned %r" % sorted(e)
        e = get('SN', 'Mail')
        assert set(e) == {'sn', 'mail'}, sorted(e)
        assert e['sn'] == ['Smith'] and e['mail'] == ['alice@example.com']
        e = get('noSuchAttributeType')
        assert e == {}, sorted(e)
        e = get('createTimestamp', 'cn')
        assert set(e) == {'createtimestamp', 'cn'}, sorted(e)
        e = get('objectClass')
        assert {v.lower() for v in e['objectclass']} >= {'top', 'person', 'organizationalperson',
                                                         'inetorgperson'}, e
        # RFC 4512 3.3: superclasses are added implicitly (Bob was added with inetOrgPerson only).
        e = get('objectClass', base='cn=Bob Jones,' + PEOPLE)
        assert {v.lower() for v in e['objectclass']} >= {'top', 'person', 'organizationalperson',
                                                         'inetorgperson'}, \
            'RFC 4512 3.3: superclasses of inetOrgPerson not added to objectClass: %r' % e


def test_operational_attribute_values():
    alice = 'cn=Alice Smith,' + PEOPLE
    with server() as srv:
        rc, entries, res = search(srv, PEOPLE, '(objectClass=*)', '*', '+')
        assert rc == 0
        uuids = set()
        for dn, e in entries.items():
            for a in ('createtimestamp', 'modifytimestamp'):
                assert len(e.get(a, [])) == 1 and GENTIME.match(e[a][0]), (dn, a, e.get(a))
                year = int(e[a][0][:4])
                assert abs(year - time.gmtime().tm_year) <= 1, (dn, a, e[a])
            for a in ('creatorsname', 'modifiersname'):
                assert [norm(v) for v in e.get(a, [])] == [norm(ADMIN_DN)], (dn, a, e.get(a))
            assert len(e.get('entryuuid', [])) == 1 and UUID.match(e['entryuuid'][0]), dn
            uuids.add(e['entryuuid'][0].lower())
            assert len(e.get('structuralobjectclass', [])) == 1, (dn, e.get('structuralobjectclass'))
            assert e['hassubordinates'] in (['TRUE'], ['FALSE']), (dn, e.get('hassubordinates'))
        assert len(uuids) == len(entries), 'entryUUID values are not unique'
        assert entries[pdn('cn=Alice Smith')]['structuralobjectclass'][0].lower() == 'inetorgperson'
        assert entries[pdn('ou=Team')]['structuralobjectclass'][0].lower() == 'organizationalunit'
        assert entries[pdn('ou=People')]['hassubordinates'] == ['TRUE']
        assert entries[pdn('ou=Team')]['hassubordinates'] == ['TRUE']
        assert entries[pdn('cn=Alice Smith')]['hassubordinates'] == ['FALSE']
        before = entries[pdn('cn=Alice Smith')]
        time.sleep(1.1)
        srv.ldap('ldapmodify', *srv.admin_args(),
                 input='dn: %s\nchangetype: modify\nreplace: description\ndescription: x\n' % alice)
        rc, entries, res = search(srv, alice, '(objectClass=*)', '+', scope='base')
        after = entries[pdn('cn=Alice Smith')]
        assert after['createtimestamp'] == before['createtimestamp']
        assert after['entryuuid'] == before['entryuuid']
        assert after['modifytimestamp'][0] > before['modifytimestamp'][0], (before, after)


def test_search_ldapv2():
    with server() as srv:
        rc, entries, res = search(srv, PEOPLE, '(sn=Smith*)', 'cn', opts=['-P', '2'])
        assert rc == 0, res.stderr
        assert set(entries) == {pdn('cn=Alice Smith'), pdn('cn=Carol Smithers')}
        assert entries[pdn('cn=Alice Smith')] == {'cn': ['Alice Smith']}


run(globals())
