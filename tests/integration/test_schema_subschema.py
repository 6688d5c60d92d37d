"""
test_schema_subschema.py - the subschema subentry (RFC 4512 4.2): read
with ldapsearch and parsed by python-ldap (ldap.schema), consistent with
itself, holding rtPerson, dynamicObject, inetOrgPerson and entryTtl with
the right definitions, plus attribute type aliases (sn/surname,
mail/rfc822Mailbox, OIDs) used in adds, filters, selections and compares.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Ilsd, run, norm, ldif_search as search  # noqa: E402

import ldap  # noqa: E402
import ldap.schema  # noqa: E402
from ldap.schema import AttributeType, ObjectClass, LDAPSyntax, MatchingRule  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX

SYNTAX_INTEGER = '1.3.6.1.4.1.1466.115.121.1.27'
KIND = {0: 'STRUCTURAL', 1: 'ABSTRACT', 2: 'AUXILIARY'}


def subschema(srv):
    """The server's schema as python-ldap parses it, fetched the way clients do."""
    dn, schema = ldap.schema.subentry.urlfetch(srv.uri)
    assert dn is not None and norm(dn) == 'cn=subschema', 'subschemaSubentry: %r' % dn
    assert schema is not None
    return schema


def oid_of(schema, cls, name):
    obj = schema.get_obj(cls, name)
    assert obj is not None, '%s %r is not in cn=Subschema' % (cls.__name__, name)
    return obj.oid


def attr_oids(schema, names):
    return {oid_of(schema, AttributeType, n) for n in names}


def must_may(schema, ocname):
    """MUST and MAY of a class with its superclasses, as sets of attribute OIDs."""
    oc = schema.get_obj(ObjectClass, ocname)
    assert oc is not None, 'object class %r is not in cn=Subschema' % ocname
    must, may = schema.attribute_types([oc.oid])
    return set(must), set(may)


# ---- the subentry itself ----

def test_subschema_with_ldapsearch():
    with Ilsd() as srv:
        rc, entries, res = search(srv, 'cn=Subschema', '(objectClass=*)', '+', scope='base')
        assert rc == 0, 'reading cn=Subschema: %s' % res.stderr
        sub = entries.get('cn=subschema')
        assert sub, 'no cn=Subschema entry: %r' % list(entries)
        for attr in ('attributetypes', 'objectclasses', 'ldapsyntaxes', 'matchingrules'):
            assert sub.get(attr), 'cn=Subschema lacks %s' % attr
        assert len(sub['attributetypes']) >= 50 and len(sub['objectclasses']) >= 10
        # The filter python-ldap and other clients use (RFC 4512 4.4).
        rc, entries, res = search(srv, 'cn=Subschema', '(objectClass=subschema)',
                                  'objectClasses', scope='base')
        assert rc == 0 and 'cn=subschema' in entries, \
            '(objectClass=subschema) does not match cn=Subschema: %r' % rc
        # Its own user attributes: the RDN value and the classes.
        rc, entries, res = search(srv, 'cn=Subschema', '(objectClass=*)', scope='base')
        sub = entries['cn=subschema']
        assert 'attributetypes' not in sub, 'attributeTypes is operational: returned unasked'
        assert {v.lower() for v in sub.get('objectclass', [])} >= {'top', 'subschema'}, sub
        assert sub.get('cn') == ['Subschema'] or sub.get('cn') == ['subschema'], sub
        # Named selection.
        rc, entries, res = search(srv, 'cn=Subschema', '(objectClass=*)', 'ldapSyntaxes',
                                  scope='base')
        assert set(entries['cn=subschema']) == {'ldapsyntaxes'}, sorted(entries['cn=subschema'])
        # LDAPv2 clients read it too.
        res = srv.ldap('ldapsearch', '-P', '2', '-LLL', '-b', 'cn=Subschema', '-s', 'base',
                       '(objectClass=*)', 'objectClasses', check=False)
        assert res.returncode == 0 and 'rtPerson' in res.stdout, res.stderr


def test_subschema_subentry_pointers():
    """The root DSE and every entry name cn=Subschema as their subschemaSubentry."""
    with Ilsd() as srv:
        for base in ('', SUFFIX, 'ou=Dynamic,' + SUFFIX):
            rc, entries, res = search(srv, base, '(objectClass=*)', 'subschemaSubentry',
                                      scope='base')
            assert rc == 0, (base, res.stderr)
            vals = entries[norm(base)].get('subschemasubentry', [])
            assert [norm(v) for v in vals] == ['cn=subschema'], (base, vals)


def test_subschema_parsed_by_python_ldap():
    with Ilsd() as srv:
        schema = subschema(srv)
        # Strict parse: every element unique by OID and name.
        entry = schema.ldap_entry()
        ldap.schema.SubSchema(entry, check_uniqueness=2)
        ats = schema.listall(AttributeType)
        ocs = schema.listall(ObjectClass)
        assert len(ats) >= 50 and len(ocs) >= 10, (len(ats), len(ocs))
        syntaxes = set(schema.listall(LDAPSyntax))
        rules = set(schema.listall(MatchingRule))
        for oid in ('1.3.6.1.4.1.1466.115.121.1.15', SYNTAX_INTEGER,
                    '1.3.6.1.4.1.1466.115.121.1.12', '1.3.6.1.4.1.1466.115.121.1.24',
                    '1.3.6.1.4.1.1466.115.121.1.7', '1.3.6.1.4.1.1466.115.121.1.38'):
            assert oid in syntaxes, 'syntax %s not published' % oid
        for oid in ('2.5.13.2', '2.5.13.5', '2.5.13.14', '2.5.13.15', '2.5.13.1', '2.5.13.27'):
            assert oid in rules, 'matching rule %s not published' % oid


def test_subschema_is_self_consistent():
    """Every reference in the published schema resolves to something published."""
    with Ilsd() as srv:
        schema = subschema(srv)
        syntaxes = set(schema.listall(LDAPSyntax))
        rules = set(schema.listall(MatchingRule))
        problems = []
        for oid in schema.listall(AttributeType):
            at = schema.get_obj(AttributeType, oid)
            if at.sup:
                for sup in at.sup:
                    if schema.get_obj(AttributeType, sup) is None:
                        problems.append('%s: unknown SUP %s' % (at.names, sup))
            syntax = schema.get_inheritedattr(AttributeType, oid, 'syntax')
            if not syntax:
                problems.append('%s: no SYNTAX, even inherited' % (at.names,))
            elif syntax.split('{')[0] not in syntaxes:
                problems.append('%s: syntax %s not in ldapSyntaxes' % (at.names, syntax))
            for rule in (at.equality, at.ordering, at.substr):
                if rule and rule not in rules and schema.get_obj(MatchingRule, rule) is None:
                    problems.append('%s: matching rule %s not in matchingRules' % (at.names, rule))
            if not at.names:
                problems.append('%s: no NAME' % oid)
        for oid in schema.listall(ObjectClass):
            oc = schema.get_obj(ObjectClass, oid)
            for sup in oc.sup or ():
                if schema.get_obj(ObjectClass, sup) is None:
                    problems.append('class %s: unknown SUP %s' % (oc.names, sup))
            for name in tuple(oc.must or ()) + tuple(oc.may or ()):
                if schema.get_obj(AttributeType, name) is None:
                    problems.append('class %s: unknown attribute %s' % (oc.names, name))
        assert not problems, '\n'.join(problems[:20])


# ---- the classes and types that matter ----

def test_rtperson_definition():
    """MS-TAIL 2.3.2: rtPerson, structural, SUP top, MUST cn, and its optional attributes."""
    with Ilsd() as srv:
        schema = subschema(srv)
        oc = schema.get_obj(ObjectClass, 'rtPerson')
        assert oc is not None, 'rtPerson not in cn=Subschema'
        assert oc.oid == ('1.2.840.113556.1.4.611.110301070805150415010815010113000912150400'
                          '0012000415120210000708'), oc.oid
        assert KIND[oc.kind] == 'STRUCTURAL', KIND[oc.kind]
        assert [s.lower() for s in oc.sup] == ['top'], oc.sup
        must, may = must_may(schema, 'rtPerson')
        assert attr_oids(schema, ['cn', 'objectClass']) <= must, 'rtPerson must require cn'
        wanted = ['appName', 'c', 'comment', 'dwFlags', 'friendlyName', 'givenName', 'guid',
                  'ILSA26214430', 'ILSA26279966', 'ILSA32833566', 'ILSA32964638',
                  'ILSA39321630', 'ipAddress', 'location', 'mimeType', 'o', 'port',
                  'protocolMimeType', 'rfc822Mailbox', 'sFlags', 'securityToken', 'smodop',
                  'surName']
        missing = [n for n in wanted if oid_of(schema, AttributeType, n) not in must | may]
        assert not missing, 'rtPerson does not allow %r' % missing
        for name in ('rtApplicationUser', 'rtConference'):
            assert schema.get_obj(ObjectClass, name) is not None, name
        must, may = must_may(schema, 'rtConference')
        assert oid_of(schema, AttributeType, 'uid') in must


def test_dynamic_object_and_entry_ttl_definitions():
    """RFC 2589 section 5, as the server must publish them (RFC 2589 6.2)."""
    with Ilsd() as srv:
        schema = subschema(srv)
        oc = schema.get_obj(ObjectClass, 'dynamicObject')
        assert oc is not None and oc.oid == '1.3.6.1.4.1.1466.101.119.2', oc
        assert KIND[oc.kind] == 'AUXILIARY', KIND[oc.kind]
        assert [s.lower() for s in oc.sup] == ['top'], oc.sup
        must, may = must_may(schema, 'dynamicObject')
        assert must <= attr_oids(schema, ['objectClass']), 'dynamicObject has no MUST'
        at = schema.get_obj(AttributeType, 'entryTtl')
        assert at is not None and at.oid == '1.3.6.1.4.1.1466.101.119.3', at
        assert at.syntax == SYNTAX_INTEGER, at.syntax
        assert at.single_value, 'entryTtl is SINGLE-VALUE'
        assert at.usage == 3, 'entryTtl is USAGE dSAOperation, got %r' % at.usage
        assert schema.get_obj(AttributeType, 'entryTTL').oid == at.oid, 'names are case-blind'
        at = schema.get_obj(AttributeType, 'dynamicSubtrees')
        assert at is not None and at.oid == '1.3.6.1.4.1.1466.101.119.4'


def test_inet_org_person_definition():
    """RFC 2798: inetOrgPerson SUP organizationalPerson; MUST sn, cn (inherited)."""
    with Ilsd() as srv:
        schema = subschema(srv)
        oc = schema.get_obj(ObjectClass, 'inetOrgPerson')
        assert oc is not None and oc.oid == '2.16.840.1.113730.3.2.2', oc
        assert KIND[oc.kind] == 'STRUCTURAL'
        assert [s.lower() for s in oc.sup] == ['organizationalperson'], oc.sup
        must, may = must_may(schema, 'inetOrgPerson')
        assert must == attr_oids(schema, ['objectClass', 'sn', 'cn']), \
            'inetOrgPerson MUST: %r' % sorted(must)
        rfc2798 = ['audio', 'businessCategory', 'carLicense', 'departmentNumber', 'displayName',
                   'employeeNumber', 'employeeType', 'givenName', 'homePhone',
                   'homePostalAddress', 'initials', 'jpegPhoto', 'labeledURI', 'mail', 'manager',
                   'mobile', 'o', 'pager', 'photo', 'roomNumber', 'secretary', 'uid',
                   'userCertificate', 'x500UniqueIdentifier', 'preferredLanguage',
                   'userSMIMECertificate', 'userPKCS12']
        inherited = ['telephoneNumber', 'seeAlso', 'description', 'userPassword', 'title', 'ou',
                     'l', 'st', 'street', 'postalCode']
        for name in rfc2798 + inherited:
            assert oid_of(schema, AttributeType, name) in may, 'inetOrgPerson lacks MAY %s' % name
        at = schema.get_obj(AttributeType, 'displayName')
        assert at.single_value, 'RFC 2798: displayName is SINGLE-VALUE'
        for alias, primary in (('surname', 'sn'), ('rfc822Mailbox', 'mail'), ('commonName', 'cn'),
                               ('userid', 'uid'), ('countryName', 'c')):
            assert oid_of(schema, AttributeType, alias) == oid_of(schema, AttributeType, primary), \
                '%s and %s must be one type' % (alias, primary)


# ---- aliases in operations ----

def test_attribute_aliases_in_operations():
    with Ilsd() as srv:
        admin = srv.admin_args()
        srv.ldap('ldapadd', *admin, input='dn: %s\nobjectClass: organizationalUnit\nou: People\n'
                 % PEOPLE)
        res = srv.ldap('ldapadd', *admin, check=False, input=(
            'dn: cn=Eve Adams,%s\nobjectClass: inetOrgPerson\ncommonName: Eve Adams\n'
            'surname: Adams\nrfc822Mailbox: eve@example.com\nuserid: eve\n' % PEOPLE))
        assert res.returncode == 0, 'add with alias names: %s' % res.stderr
        dn = 'cn=Eve Adams,' + PEOPLE
        for filt in ('(sn=Adams)', '(surname=adams)', '(SurName=Ad*)', '(2.5.4.4=Adams)',
                     '(mail=eve@example.com)', '(rfc822Mailbox=EVE@example.com)',
                     '(0.9.2342.19200300.100.1.3=eve@example.com)', '(uid=eve)',
                     '(commonName=eve adams)', '(&(surname=*)(rfc822mailbox=*))'):
            rc, entries, res = search(srv, PEOPLE, filt, '1.1')
            assert rc == 0 and set(entries) == {norm(dn)}, 'filter %s: %r %s' % (
                filt, list(entries), res.stderr)
        # The entry holds one sn and one mail, whatever name was used.
        rc, entries, res = search(srv, dn, '(objectClass=*)', scope='base')
        e = entries[norm(dn)]
        names = set(e)
        assert {'sn', 'surname'} & names and not {'sn', 'surname'} <= names, sorted(names)
        assert {'mail', 'rfc822mailbox'} & names and not {'mail', 'rfc822mailbox'} <= names
        # Selection by alias returns the values.
        for sel, value in (('surname', 'Adams'), ('rfc822Mailbox', 'eve@example.com'),
                           ('2.5.4.4', 'Adams')):
            rc, entries, res = search(srv, dn, '(objectClass=*)', sel, scope='base')
            vals = [v for vs in entries[norm(dn)].values() for v in vs]
            assert vals == [value], 'selecting %s: %r' % (sel, entries[norm(dn)])
        # Modify and compare through the other name.
        res = srv.ldap('ldapmodify', *admin, check=False, input=(
            'dn: %s\nchangetype: modify\nadd: mail\nmail: adams@example.com\n-\n'
            'add: rfc822Mailbox\nrfc822Mailbox: EVE@EXAMPLE.COM\n' % dn))
        assert res.returncode == 20, 'adding an existing mail through its alias: %d' % \
            res.returncode
        res = srv.ldap('ldapmodify', *admin, check=False, input=(
            'dn: %s\nchangetype: modify\ndelete: rfc822Mailbox\nrfc822Mailbox: eve@example.com\n'
            % dn))
        assert res.returncode == 0, res.stderr
        rc, entries, res = search(srv, dn, '(objectClass=*)', 'mail', scope='base')
        assert list(entries[norm(dn)].values()) == [], entries
        res = srv.ldap('ldapcompare', dn, 'surname:adams', check=False)
        assert res.returncode == 6, 'compare through an alias: %d' % res.returncode


run(globals())
