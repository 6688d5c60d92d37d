"""
test_ldap_write.py - Add, Delete, Modify, Compare and ModifyDN as RFC 4511
sections 4.6 to 4.10 (and RFC 4525 increment) define them, driven with
ldapadd, ldapmodify, ldapdelete, ldapcompare and ldapmodrdn, plus
persistence across a restart.

Schema violations (objectClassViolation, undefinedAttributeType,
invalidAttributeSyntax, constraintViolation ...) are covered in
test_schema_check.py.  Like the search suite, the server runs on a copy
of the schema directory plus one file of test types (an integer type is
needed for increment and integer compare).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (run, norm, ldif_search as search,  # noqa: E402
                     ldif_read as read, schema_server)

import ldap  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
ALICE = 'cn=Alice Smith,' + PEOPLE
THING = 'cn=t1,' + PEOPLE

TEST_SCHEMA = """\
# ldaptests: attribute types with strict syntaxes and ordering rules.
attributetype ( 1.3.6.1.4.1.99999.900.1.1 NAME 'ldtCount'
	DESC 'ldaptests: a single-valued integer'
	EQUALITY integerMatch
	ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27
	SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.900.1.5 NAME 'ldtScore'
	EQUALITY integerMatch
	ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )
objectclass ( 1.3.6.1.4.1.99999.900.2.1 NAME 'ldtThing'
	SUP top STRUCTURAL
	MUST cn
	MAY ( ldtCount $ ldtScore $ description ) )
"""

DATA = """\
dn: ou=People,o=Intranet
objectClass: organizationalUnit
ou: People

dn: cn=Alice Smith,ou=People,o=Intranet
objectClass: inetOrgPerson
cn: Alice Smith
sn: Smith
givenName: Alice
mail: alice@example.com
mail: alice.smith@example.com
description: Engineer

dn: cn=t1,ou=People,o=Intranet
objectClass: ldtThing
cn: t1
ldtCount: 10
ldtScore: 1
ldtScore: 2

dn: ou=Team,ou=People,o=Intranet
objectClass: organizationalUnit
ou: Team

dn: cn=Dave Deep,ou=Team,ou=People,o=Intranet
objectClass: person
cn: Dave Deep
sn: Deep
"""


# ---- helpers ----

def server(*extra, data=True):
    return schema_server('zz-ldaptests.schema', TEST_SCHEMA, *extra, data=DATA if data else None)


def conn(srv, admin=True, version=3):
    return srv.python_ldap(admin, version, timeout=30, bind=False)


def modify(srv, text, admin=True):
    return srv.ldap('ldapmodify', *(srv.admin_args() if admin else []), input=text, check=False)


def add(srv, text, admin=True):
    return srv.ldap('ldapadd', *(srv.admin_args() if admin else []), input=text, check=False)


def expect(res, code, what):
    assert res.returncode == code, '%s: expected result %d, got %d\nstdout: %s\nstderr: %s' % (
        what, code, res.returncode, res.stdout, res.stderr)


def lower_set(vals):
    return {v.lower() for v in vals}


# ---- Add (RFC 4511 4.7) ----

def test_add_and_read_back():
    with server() as srv:
        e = read(srv, ALICE)
        assert e['cn'] == ['Alice Smith'] and e['sn'] == ['Smith'], e
        assert e['mail'] == ['alice@example.com', 'alice.smith@example.com'], \
            'values must come back as stored, in order: %r' % e['mail']
        e = read(srv, 'cn=Dave Deep,ou=Team,' + PEOPLE)
        assert e and e['sn'] == ['Deep']
        # Bytes outside ASCII and a value with leading/trailing blanks survive byte-exact.
        res = add(srv, 'dn: cn=J\u00fcrgen,%s\nobjectClass: person\ncn: J\u00fcrgen\n'
                       'sn: M\u00fcller\ndescription:: %s\n' % (
                           PEOPLE, 'IGJsYW5rcyBhcm91bmQg'))
        expect(res, 0, 'add with UTF-8 values')
        l = conn(srv, admin=False)
        r = l.search_s('cn=J\u00fcrgen,' + PEOPLE, ldap.SCOPE_BASE)
        attrs = {k.lower(): v for k, v in r[0][1].items()}
        assert attrs['sn'] == ['M\u00fcller'.encode()], attrs['sn']
        assert attrs['description'] == [b' blanks around '], attrs['description']
        l.unbind_s()


def test_add_parent_must_exist():
    with server() as srv:
        res = add(srv, 'dn: cn=Orphan,ou=Nowhere,%s\nobjectClass: person\ncn: Orphan\n'
                       'sn: O\n' % SUFFIX)
        expect(res, 32, 'add below a missing parent')
        l = conn(srv)
        try:
            l.add_s('cn=Orphan,ou=Deeper,ou=Nowhere,' + SUFFIX,
                    [('objectClass', [b'person']), ('cn', [b'Orphan']), ('sn', [b'O'])])
            raise AssertionError('add below a missing parent succeeded')
        except ldap.NO_SUCH_OBJECT as e:
            assert norm(e.args[0].get('matched', '')) == norm(SUFFIX), \
                'matchedDN should be the closest existing superior: %r' % e.args[0]
        l.unbind_s()
        assert read(srv, 'cn=Orphan,ou=Nowhere,' + SUFFIX) is None
        # Outside every naming context there is no parent either.
        res = add(srv, 'dn: cn=Stray,o=Elsewhere\nobjectClass: person\ncn: Stray\nsn: S\n')
        assert res.returncode in (32, 10, 53), \
            'add outside the naming context: got %d: %s' % (res.returncode, res.stderr)


def test_add_entry_already_exists():
    with server() as srv:
        res = add(srv, 'dn: %s\nobjectClass: person\ncn: Alice Smith\nsn: Other\n' % ALICE)
        expect(res, 68, 'add of an existing DN')
        # Same entry spelt with other case and spacing is the same DN.
        res = add(srv, 'dn: CN=alice smith, OU=PEOPLE, o=intranet\nobjectClass: person\n'
                       'cn: alice smith\nsn: Other\n')
        expect(res, 68, 'add of an existing DN in other case')
        assert read(srv, ALICE)['sn'] == ['Smith'], 'the failed add changed the entry'


def test_add_invalid_dn():
    with server() as srv:
        res = add(srv, 'dn: not a distinguished name\nobjectClass: person\ncn: x\nsn: y\n')
        expect(res, 34, 'add with a malformed DN')


def test_add_missing_object_class():
    with server() as srv:
        res = add(srv, 'dn: cn=NoClass,%s\ncn: NoClass\nsn: N\n' % PEOPLE)
        expect(res, 65, 'add without objectClass')
        assert read(srv, 'cn=NoClass,' + PEOPLE) is None


# ---- Delete (RFC 4511 4.8) ----

def test_delete():
    with server() as srv:
        res = srv.ldap('ldapdelete', *srv.admin_args(), 'ou=Team,' + PEOPLE, check=False)
        expect(res, 66, 'delete of a non-leaf')
        assert read(srv, 'ou=Team,' + PEOPLE) is not None
        res = srv.ldap('ldapdelete', *srv.admin_args(), 'cn=Nobody,' + PEOPLE, check=False)
        expect(res, 32, 'delete of a missing entry')
        res = srv.ldap('ldapdelete', *srv.admin_args(), 'cn=Dave Deep,ou=Team,' + PEOPLE,
                       check=False)
        expect(res, 0, 'delete of a leaf')
        assert read(srv, 'cn=Dave Deep,ou=Team,' + PEOPLE) is None
        res = srv.ldap('ldapdelete', *srv.admin_args(), 'cn=Dave Deep,ou=Team,' + PEOPLE,
                       check=False)
        expect(res, 32, 'second delete of the same entry')
        # Now a leaf; other spelling of the DN.
        res = srv.ldap('ldapdelete', *srv.admin_args(), 'OU=team, ou=people, O=Intranet',
                       check=False)
        expect(res, 0, 'delete of the emptied container')
        assert read(srv, 'ou=Team,' + PEOPLE) is None
        rc, entries, _ = search(srv, PEOPLE, '(objectClass=*)', 'hasSubordinates', scope='base')
        assert rc == 0
        # A deleted entry can be added again.
        res = add(srv, 'dn: ou=Team,%s\nobjectClass: organizationalUnit\nou: Team\n' % PEOPLE)
        expect(res, 0, 're-adding a deleted DN')
        l = conn(srv)
        try:
            l.delete_s('cn=Nobody,ou=Ghost,' + PEOPLE)
            raise AssertionError('delete of a missing entry succeeded')
        except ldap.NO_SUCH_OBJECT as e:
            assert norm(e.args[0].get('matched', '')) == norm(PEOPLE), e.args[0]
        l.unbind_s()


# ---- Modify (RFC 4511 4.6) ----

def test_modify_add_delete_replace():
    with server() as srv:
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: telephoneNumber\n'
                          'telephoneNumber: +1 555 0101\ntelephoneNumber: +1 555 0102\n' % ALICE)
        expect(res, 0, 'modify add of a new attribute')
        assert read(srv, ALICE)['telephonenumber'] == ['+1 555 0101', '+1 555 0102']
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: mail\nmail: third@example.com\n' % ALICE)
        expect(res, 0, 'modify add of a value to an existing attribute')
        assert read(srv, ALICE)['mail'] == ['alice@example.com', 'alice.smith@example.com',
                                            'third@example.com']
        res = modify(srv, 'dn: %s\nchangetype: modify\ndelete: mail\nmail: ALICE@example.com\n'
                     % ALICE)
        expect(res, 0, 'modify delete of one value (matched by the equality rule)')
        assert lower_set(read(srv, ALICE)['mail']) == {'alice.smith@example.com',
                                                      'third@example.com'}
        res = modify(srv, 'dn: %s\nchangetype: modify\ndelete: telephoneNumber\n' % ALICE)
        expect(res, 0, 'modify delete of a whole attribute')
        assert 'telephonenumber' not in read(srv, ALICE)
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: description\n'
                          'description: one\ndescription: two\n' % ALICE)
        expect(res, 0, 'modify replace')
        assert read(srv, ALICE)['description'] == ['one', 'two']
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: description\n' % ALICE)
        expect(res, 0, 'modify replace with no values')
        assert 'description' not in read(srv, ALICE)
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: title\n' % ALICE)
        expect(res, 0, 'replace with no values of an absent attribute')
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: title\ntitle: Boss\n' % ALICE)
        expect(res, 0, 'replace creating an attribute')
        assert read(srv, ALICE)['title'] == ['Boss']
        # Several changes in one request apply in order.
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: roomNumber\nroomNumber: 1\n-\n'
                          'delete: roomNumber\nroomNumber: 1\n-\nadd: roomNumber\nroomNumber: 2\n'
                     % ALICE)
        expect(res, 0, 'add, delete, add of the same attribute in one modify')
        assert read(srv, ALICE)['roomnumber'] == ['2']


def test_modify_value_errors():
    with server() as srv:
        before = read(srv, ALICE, '*', '+')
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: mail\nmail: alice@example.com\n' % ALICE)
        expect(res, 20, 'adding a value already present')
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: mail\nmail: ALICE@EXAMPLE.COM\n' % ALICE)
        expect(res, 20, 'adding a value equal under the equality rule')
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: title\ntitle: a\ntitle: a\n' % ALICE)
        expect(res, 20, 'adding the same value twice in one change')
        res = modify(srv, 'dn: %s\nchangetype: modify\ndelete: mail\nmail: nobody@example.com\n'
                     % ALICE)
        expect(res, 16, 'deleting a value that is not there')
        res = modify(srv, 'dn: %s\nchangetype: modify\ndelete: telephoneNumber\n' % ALICE)
        expect(res, 16, 'deleting an attribute that is not there')
        res = modify(srv, 'dn: %s\nchangetype: modify\ndelete: title\ntitle: x\n' % ALICE)
        expect(res, 16, 'deleting a value of an absent attribute')
        res = modify(srv, 'dn: cn=Nobody,%s\nchangetype: modify\nreplace: sn\nsn: x\n' % PEOPLE)
        expect(res, 32, 'modify of a missing entry')
        after = read(srv, ALICE, '*', '+')
        assert after == before, 'failed modifies changed the entry:\n%r\n%r' % (before, after)


def test_modify_is_atomic():
    """RFC 4511 4.6: the entire list of modifications is performed, or none is."""
    with server() as srv:
        before = read(srv, ALICE, '*', '+')
        cases = [
            ('replace: description\ndescription: changed\n-\nadd: mail\nmail: alice@example.com\n',
             20),
            ('add: title\ntitle: new\n-\ndelete: telephoneNumber\n', 16),
            ('replace: givenName\ngivenName: Alicia\n-\ndelete: sn\n', 65),
            ('delete: mail\n-\nadd: noSuchAttributeTypeAtAll\nnoSuchAttributeTypeAtAll: x\n', 17),
        ]
        for changes, code in cases:
            res = modify(srv, 'dn: %s\nchangetype: modify\n%s' % (ALICE, changes))
            expect(res, code, 'modify whose later change fails: %r' % changes)
            after = read(srv, ALICE, '*', '+')
            assert after == before, 'a failed modify left changes behind (%r):\n%r\n%r' % (
                changes, before, after)


def test_modify_rdn_value_and_operational():
    with server() as srv:
        res = modify(srv, 'dn: %s\nchangetype: modify\ndelete: cn\ncn: Alice Smith\n' % ALICE)
        expect(res, 67, 'deleting the RDN value')
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: cn\ncn: Someone Else\n' % ALICE)
        expect(res, 67, 'replacing away the RDN value')
        res = modify(srv, 'dn: %s\nchangetype: modify\nadd: cn\ncn: Ali\n' % ALICE)
        expect(res, 0, 'adding a second cn value')
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: createTimestamp\n'
                          'createTimestamp: 20000101000000Z\n' % ALICE)
        expect(res, 19, 'modify of NO-USER-MODIFICATION createTimestamp')
        res = modify(srv, 'dn: %s\nchangetype: modify\nreplace: entryUUID\n'
                          'entryUUID: 00000000-0000-0000-0000-000000000000\n' % ALICE)
        expect(res, 19, 'modify of NO-USER-MODIFICATION entryUUID')


def test_modify_increment():
    """RFC 4525: increment, where supported (advertised as feature 1.3.6.1.1.14)."""
    with server() as srv:
        rc, entries, _ = search(srv, '', '(objectClass=*)', 'supportedFeatures', scope='base')
        advertised = '1.3.6.1.1.14' in entries.get('', {}).get('supportedfeatures', [])
        res = modify(srv, 'dn: %s\nchangetype: modify\nincrement: ldtCount\nldtCount: 5\n' % THING)
        if res.returncode != 0:
            assert not advertised, 'increment advertised but failed: %s' % res.stderr
            assert res.returncode in (2, 53), res.stderr
            assert read(srv, THING)['ldtcount'] == ['10']
            return
        assert read(srv, THING)['ldtcount'] == ['15']
        res = modify(srv, 'dn: %s\nchangetype: modify\nincrement: ldtCount\nldtCount: -20\n'
                     % THING)
        expect(res, 0, 'increment by a negative amount')
        assert read(srv, THING)['ldtcount'] == ['-5']
        res = modify(srv, 'dn: %s\nchangetype: modify\nincrement: ldtScore\nldtScore: 10\n' % THING)
        expect(res, 0, 'increment of every value of a multi-valued attribute')
        assert sorted(read(srv, THING)['ldtscore'], key=int) == ['11', '12']
        res = modify(srv, 'dn: %s\nchangetype: modify\nincrement: ldtCount\nldtCount: x\n' % THING)
        assert res.returncode != 0, 'increment by a non-integer succeeded'
        res = modify(srv, 'dn: %s\nchangetype: modify\nincrement: sn\nsn: 1\n' % ALICE)
        assert res.returncode != 0, 'increment of a non-integer attribute succeeded'
        assert read(srv, THING)['ldtcount'] == ['-5']


def test_modify_ldapv2_and_python():
    with server() as srv:
        l = conn(srv, version=2)
        l.modify_s(ALICE, [(ldap.MOD_REPLACE, 'description', [b'v2 write'])])
        assert read(srv, ALICE)['description'] == ['v2 write']
        try:
            l.modify_s(ALICE, [(ldap.MOD_ADD, 'sn', [b'Smith'])])
            raise AssertionError('adding an existing value succeeded')
        except ldap.TYPE_OR_VALUE_EXISTS:
            pass
        l.unbind_s()


# ---- Compare (RFC 4511 4.10) ----

def test_compare():
    with server() as srv:
        def cmp(dn, ava, *opts):
            return srv.ldap('ldapcompare', *opts, dn, ava, check=False)
        res = cmp(ALICE, 'sn:Smith')
        assert res.returncode == 6 and 'TRUE' in res.stdout, (res.returncode, res.stdout)
        res = cmp(ALICE, 'sn:Jones')
        assert res.returncode == 5 and 'FALSE' in res.stdout, (res.returncode, res.stdout)
        res = cmp(ALICE, 'cn:ALICE SMITH')
        assert res.returncode == 6, 'compare must use caseIgnoreMatch: %d' % res.returncode
        res = cmp(ALICE, 'mail:alice.smith@example.com')
        assert res.returncode == 6, 'compare against the second value: %d' % res.returncode
        res = cmp(ALICE, 'objectClass:person')
        assert res.returncode == 6, 'implicit superclass: %d' % res.returncode
        res = cmp(THING, 'ldtCount:10')
        assert res.returncode == 6, res.returncode
        res = cmp(THING, 'ldtCount:9')
        assert res.returncode == 5, res.returncode
        res = cmp('cn=Nobody,' + PEOPLE, 'sn:Smith')
        assert res.returncode == 32, 'compare on a missing entry: %d %s' % (
            res.returncode, res.stderr)
        res = cmp(ALICE, 'sn:Smith', '-P', '2')
        assert res.returncode == 6, 'LDAPv2 compare: %d' % res.returncode
        res = cmp(ALICE, 'sn:Smith', *srv.admin_args())
        assert res.returncode == 6
        l = conn(srv, admin=False)
        assert l.compare_s(ALICE, 'givenName', b'alice') is True
        assert l.compare_s(ALICE, 'givenName', b'bob') is False
        try:
            l.compare_s('cn=Nobody,' + PEOPLE, 'sn', b'x')
            raise AssertionError('compare on a missing entry succeeded')
        except ldap.NO_SUCH_OBJECT as e:
            assert norm(e.args[0].get('matched', '')) == norm(PEOPLE), e.args[0]
        l.unbind_s()


# ---- ModifyDN: ILS has none (MS-TAIL 2.2.6) ----

def test_modrdn_unwilling():
    with server() as srv:
        res = srv.ldap('ldapmodrdn', *srv.admin_args(), ALICE, 'cn=Alice Jones', check=False)
        expect(res, 53, 'ModifyDN')
        res = srv.ldap('ldapmodrdn', *srv.admin_args(), '-r', ALICE, 'cn=Alice Jones', check=False)
        expect(res, 53, 'ModifyDN deleting the old RDN')
        assert read(srv, ALICE) is not None
        assert read(srv, 'cn=Alice Jones,' + PEOPLE) is None
        l = conn(srv)
        try:
            l.rename_s(ALICE, 'cn=Alice Jones', newsuperior='ou=Team,' + PEOPLE)
            raise AssertionError('ModifyDN with a new superior succeeded')
        except ldap.UNWILLING_TO_PERFORM:
            pass
        l.unbind_s()


# ---- persistence ----

def test_data_survives_restart():
    with server() as srv:
        modify(srv, 'dn: %s\nchangetype: modify\nreplace: description\ndescription: kept\n' % ALICE)
        srv.ldap('ldapdelete', *srv.admin_args(), 'cn=Dave Deep,ou=Team,' + PEOPLE)
        before = search(srv, SUFFIX, '(objectClass=*)', '*', '+')[1]
        code = srv.restart()
        assert code == 0, 'ilsd exited %r on SIGTERM' % code
        after = search(srv, SUFFIX, '(objectClass=*)', '*', '+')[1]
        assert set(after) == set(before), 'entries differ after restart: lost %r, new %r' % (
            sorted(set(before) - set(after)), sorted(set(after) - set(before)))
        for dn in before:
            b = {k: v for k, v in before[dn].items() if k != 'entryttl'}
            a = {k: v for k, v in after[dn].items() if k != 'entryttl'}
            assert a == b, 'entry %s changed across restart:\n%r\n%r' % (dn, b, a)
        assert read(srv, ALICE)['description'] == ['kept']
        assert read(srv, 'cn=Dave Deep,ou=Team,' + PEOPLE) is None
        # And it still takes writes.
        expect(add(srv, 'dn: cn=After,%s\nobjectClass: person\ncn: After\nsn: A\n' % PEOPLE), 0,
               'add after restart')
        srv.restart()
        assert read(srv, 'cn=After,' + PEOPLE)['sn'] == ['A']


run(globals())
