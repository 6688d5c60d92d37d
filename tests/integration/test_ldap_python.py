"""
test_ldap_python.py - ilsd through python-ldap (libldap underneath): the
whole operation set with LDAPv3 and LDAPv2, search_ext_s with attribute
lists, asynchronous operations pipelined on one connection (several
message IDs outstanding, answers matched by message ID), and the simple
paged results control (RFC 2696) if and only if the root DSE advertises it.
"""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Ilsd, run, ADMIN_DN, norm  # noqa: E402

import ldap  # noqa: E402
import ldap.modlist  # noqa: E402
from ldap.controls import LDAPControl, SimplePagedResultsControl  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
PAGED = '1.2.840.113556.1.4.319'


def conn(srv, version=3, admin=True):
    return srv.python_ldap(admin, version, timeout=30)


def person(cn, sn='Test', **more):
    attrs = {'objectClass': [b'top', b'person', b'organizationalPerson', b'inetOrgPerson'],
             'cn': [cn.encode()], 'sn': [sn.encode()]}
    for k, v in more.items():
        attrs[k] = [x.encode() for x in (v if isinstance(v, list) else [v])]
    return ldap.modlist.addModlist(attrs)


def lower_keys(attrs):
    return {k.lower(): v for k, v in attrs.items()}


def setup_people(l, n):
    l.add_s(PEOPLE, [('objectClass', [b'organizationalUnit']), ('ou', [b'People'])])
    for i in range(n):
        l.add_s('cn=user%02d,%s' % (i, PEOPLE), person('user%02d' % i, sn='S%02d' % i,
                                                       mail='u%02d@example.com' % i))


def operations(srv, version):
    """Every operation once, with the given protocol version."""
    l = conn(srv, version=version)
    assert l.get_option(ldap.OPT_PROTOCOL_VERSION) == version
    base = 'ou=V%d,%s' % (version, SUFFIX)
    l.add_s(base, [('objectClass', [b'organizationalUnit']), ('ou', [b'V%d' % version])])
    dn = 'cn=Pat Doe,' + base
    l.add_s(dn, person('Pat Doe', sn='Doe', mail=['pat@example.com', 'doe@example.com'],
                       givenName='Pat'))
    try:
        l.add_s(dn, person('Pat Doe'))
        raise AssertionError('duplicate add succeeded')
    except ldap.ALREADY_EXISTS:
        pass
    r = l.search_s(base, ldap.SCOPE_SUBTREE, '(sn=doe)')
    assert [norm(x[0]) for x in r] == [norm(dn)], r
    attrs = lower_keys(r[0][1])
    assert attrs['mail'] == [b'pat@example.com', b'doe@example.com'], attrs
    assert 'createtimestamp' not in attrs
    l.modify_s(dn, [(ldap.MOD_REPLACE, 'givenName', [b'Patricia']),
                    (ldap.MOD_ADD, 'description', [b'added']),
                    (ldap.MOD_DELETE, 'mail', [b'doe@example.com'])])
    attrs = lower_keys(l.search_s(dn, ldap.SCOPE_BASE)[0][1])
    assert attrs['givenname'] == [b'Patricia'] and attrs['description'] == [b'added'], attrs
    assert attrs['mail'] == [b'pat@example.com'], attrs
    try:
        l.modify_s(dn, [(ldap.MOD_DELETE, 'telephoneNumber', None)])
        raise AssertionError('delete of an absent attribute succeeded')
    except ldap.NO_SUCH_ATTRIBUTE:
        pass
    assert l.compare_s(dn, 'sn', b'DOE') is True
    assert l.compare_s(dn, 'sn', b'Roe') is False
    r = l.search_s(base, ldap.SCOPE_ONELEVEL, '(objectClass=*)', ['cn'])
    assert r == [(r[0][0], {'cn': [b'Pat Doe']})], r
    try:
        l.delete_s(base)
        raise AssertionError('delete of a non-leaf succeeded')
    except ldap.NOT_ALLOWED_ON_NONLEAF:
        pass
    try:
        l.rename_s(dn, 'cn=Pat Roe')
        raise AssertionError('ModifyDN succeeded')
    except ldap.UNWILLING_TO_PERFORM:
        pass
    l.delete_s(dn)
    l.delete_s(base)
    try:
        l.search_s(base, ldap.SCOPE_BASE)
        raise AssertionError('deleted entry still found')
    except ldap.NO_SUCH_OBJECT:
        pass
    l.unbind_s()


def test_operations_ldapv3():
    with Ilsd() as srv:
        operations(srv, 3)
        l = conn(srv)
        assert norm(l.whoami_s()[3:]) == norm(ADMIN_DN)
        l.unbind_s()


def test_operations_ldapv2():
    with Ilsd() as srv:
        operations(srv, 2)
        l = conn(srv, version=2, admin=False)
        r = l.search_s('', ldap.SCOPE_BASE, '(objectClass=*)', ['supportedLDAPVersion'])
        assert sorted(lower_keys(r[0][1])['supportedldapversion']) == [b'2', b'3'], r
        l.unbind_s()


def test_search_ext_s_attrlist():
    with Ilsd() as srv:
        l = conn(srv)
        setup_people(l, 5)
        r = l.search_ext_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(objectClass=inetOrgPerson)',
                           attrlist=['cn', 'mail'])
        assert len(r) == 5
        for dn, attrs in r:
            assert set(k.lower() for k in attrs) == {'cn', 'mail'}, (dn, attrs)
        r = l.search_ext_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=user03)',
                           attrlist=['createTimestamp', 'entryUUID', 'sn'])
        attrs = lower_keys(r[0][1])
        assert set(attrs) == {'createtimestamp', 'entryuuid', 'sn'}, attrs
        r = l.search_ext_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=user03)', attrlist=['1.1'])
        assert r[0][1] == {}, r
        r = l.search_ext_s(PEOPLE, ldap.SCOPE_SUBTREE, '(cn=user0*)', attrlist=['cn'],
                           sizelimit=5)
        assert len(r) == 5
        l.unbind_s()


def collect(l, expected):
    """Reads the answers in reverse order of sending: libldap keeps the others
    queued, and each answer must be the one for its message ID."""
    for msgid in sorted(expected, reverse=True):
        kind, i = expected[msgid]
        try:
            rtype, rdata, rmsgid, _ = l.result3(msgid, all=1, timeout=30)
        except ldap.ALREADY_EXISTS:
            assert kind == 'dup', 'unexpected alreadyExists for %s %d' % (kind, i)
            continue
        except ldap.COMPARE_TRUE:
            assert kind == 'compare', 'unexpected compareTrue for %s %d' % (kind, i)
            continue
        assert kind not in ('dup', 'compare'), '%s %d did not answer as expected' % (kind, i)
        assert rmsgid == msgid, 'asked for %d, got %d' % (msgid, rmsgid)
        # (For a search answered out of order libldap hands back the queued chain,
        # whose first message is the entry: python-ldap then reports RES_SEARCH_ENTRY.)
        want = {'add': (ldap.RES_ADD,), 'modify': (ldap.RES_MODIFY,),
                'delete': (ldap.RES_DELETE,),
                'search': (ldap.RES_SEARCH_RESULT, ldap.RES_SEARCH_ENTRY)}[kind]
        assert rtype in want, (kind, i, rtype)
        if kind == 'search':
            assert [(norm(dn), a) for dn, a in rdata] == [
                (norm('cn=p%02d,%s' % (i, PEOPLE)), {'cn': [b'p%02d' % i]})], rdata


def test_async_pipelined():
    """Many requests sent before any answer is read; each answer carries its own msgid.
    RFC 4511 lets a server run outstanding requests in any order, so each batch
    holds only requests that do not depend on one another."""
    with Ilsd() as srv:
        l = conn(srv)
        l.add_s(PEOPLE, [('objectClass', [b'organizationalUnit']), ('ou', [b'People'])])
        expected = {}
        for i in range(20):
            msgid = l.add_ext('cn=p%02d,%s' % (i, PEOPLE), person('p%02d' % i))
            expected[msgid] = ('add', i)
        assert len(expected) == 20, 'message IDs are not distinct'
        collect(l, expected)
        expected = {}
        msgid = l.add_ext('cn=p00,' + PEOPLE, person('p00'))
        expected[msgid] = ('dup', 0)
        for i in range(0, 20, 4):
            msgid = l.search_ext('cn=p%02d,%s' % (i, PEOPLE), ldap.SCOPE_BASE, attrlist=['cn'])
            expected[msgid] = ('search', i)
        msgid = l.compare_ext('cn=p05,' + PEOPLE, 'cn', b'p05')
        expected[msgid] = ('compare', 5)
        msgid = l.modify_ext('cn=p06,' + PEOPLE, [(ldap.MOD_ADD, 'description', [b'six'])])
        expected[msgid] = ('modify', 6)
        msgid = l.delete_ext('cn=p07,' + PEOPLE)
        expected[msgid] = ('delete', 7)
        assert len(expected) == 9, 'message IDs are not distinct'
        collect(l, expected)
        r = l.search_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(objectClass=person)', ['cn', 'description'])
        names = sorted(lower_keys(a)['cn'][0].decode() for _, a in r)
        assert names == ['p%02d' % i for i in range(20) if i != 7], names
        six = [lower_keys(a) for _, a in r if lower_keys(a)['cn'] == [b'p06']][0]
        assert six.get('description') == [b'six'], six
        l.unbind_s()


def test_raw_pipelining():
    """Requests written back to back in one segment; every response is matched by
    msgid: a search's entries precede its SearchResultDone, each request answered once."""
    from harness import bind_req, search_req, ldap_msg, ber_seq, ber_str, read_response
    with Ilsd() as srv:
        l = conn(srv)
        setup_people(l, 6)
        l.unbind_s()
        s = srv.raw(timeout=30)
        burst = bind_req(1, dn=srv.admin_dn, pw=srv.admin_pw)
        searches = {}
        for i in range(6):
            msgid = 10 + i
            searches[msgid] = 'cn=user%02d,%s' % (i, PEOPLE)
            burst += search_req(msgid, base=searches[msgid], scope=0, attrs=['cn'])
        # AddRequest [APPLICATION 8] { entry, attributes }
        attrs = ber_seq(ber_seq(ber_str('objectClass'), ber_seq(ber_str('organizationalUnit'),
                                                                tag=0x31)),
                        ber_seq(ber_str('ou'), ber_seq(ber_str('Burst'), tag=0x31)))
        burst += ldap_msg(30, ber_seq(ber_str('ou=Burst,' + SUFFIX), attrs, tag=0x68))
        burst += search_req(31, base='', scope=0, attrs=['1.1'])
        s.sendall(burst)
        done, entries = {}, {}
        while len(done) < 9:
            r = read_response(s)
            assert r.msgid not in done, 'second response after the final one for %d' % r.msgid
            if r.op == 0x64:
                entries.setdefault(r.msgid, []).append(norm(r.dn))
            else:
                done[r.msgid] = (r.op, r.code)
        s.close()
        assert done[1] == (0x61, 0), done[1]
        assert done[30] == (0x69, 0), 'pipelined add: %r' % (done[30],)
        assert done[31] == (0x65, 0) and len(entries.get(31, [])) == 1
        for msgid, dn in searches.items():
            assert done[msgid] == (0x65, 0), (msgid, done[msgid])
            assert entries.get(msgid) == [norm(dn)], (msgid, entries.get(msgid))


def test_async_from_threads():
    """Several connections in parallel, each pipelining searches; nothing is mixed up."""
    with Ilsd() as srv:
        l = conn(srv)
        setup_people(l, 10)
        l.unbind_s()
        errors = []

        def worker(k):
            try:
                c = conn(srv, admin=False)
                ids = {c.search_ext(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=user%02d)' % i,
                                    attrlist=['sn']): i for i in range(10)}
                for msgid, i in ids.items():
                    _, rdata, rmsgid, _ = c.result3(msgid, all=1, timeout=30)
                    got = [lower_keys(a)['sn'] for _, a in rdata]
                    if rmsgid != msgid or got != [[b'S%02d' % i]]:
                        errors.append((k, i, msgid, rmsgid, got))
                c.unbind_s()
            except Exception as exc:  # noqa: BLE001
                errors.append((k, repr(exc)))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors[:5]


def test_paged_results():
    """RFC 2696, consistent with the root DSE: advertised -> works; not -> critical use fails."""
    with Ilsd() as srv:
        l = conn(srv)
        setup_people(l, 25)
        dse = lower_keys(l.search_s('', ldap.SCOPE_BASE, '(objectClass=*)',
                                    ['supportedControl'])[0][1])
        advertised = PAGED.encode() in dse.get('supportedcontrol', [])
        if not advertised:
            ctrl = SimplePagedResultsControl(True, size=10, cookie='')
            try:
                l.search_ext_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=*)', ['cn'], serverctrls=[ctrl])
                raise AssertionError('paged results not advertised but a critical request worked')
            except ldap.UNAVAILABLE_CRITICAL_EXTENSION:
                pass
            ctrl = SimplePagedResultsControl(False, size=10, cookie='')
            r = l.search_ext_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=*)', ['cn'], serverctrls=[ctrl])
            assert len(r) == 25, 'non-critical unsupported control must be ignored: %d' % len(r)
            print('  (paged results not advertised: checked that it is refused when critical)')
            l.unbind_s()
            return
        ctrl = SimplePagedResultsControl(True, size=10, cookie='')
        seen, pages = [], 0
        while True:
            msgid = l.search_ext(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=*)', ['cn'],
                                 serverctrls=[ctrl])
            _, rdata, _, rctrls = l.result3(msgid, timeout=30)
            pages += 1
            assert len(rdata) <= 10, 'page of %d entries with page size 10' % len(rdata)
            seen.extend(norm(dn) for dn, _ in rdata)
            resp = [c for c in rctrls if c.controlType == PAGED]
            assert resp, 'no paged results control in the response'
            if not resp[0].cookie:
                break
            ctrl.cookie = resp[0].cookie
            assert pages < 10, 'paging does not end'
        assert pages == 3, 'expected 3 pages of at most 10, got %d' % pages
        assert len(seen) == 25 and len(set(seen)) == 25, 'entries lost or repeated: %d/%d' % (
            len(seen), len(set(seen)))
        # Abandoning a paged search: size 0 with the cookie ends it (RFC 2696 3).
        ctrl = SimplePagedResultsControl(True, size=10, cookie='')
        msgid = l.search_ext(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=*)', ['cn'], serverctrls=[ctrl])
        _, rdata, _, rctrls = l.result3(msgid, timeout=30)
        cookie = [c for c in rctrls if c.controlType == PAGED][0].cookie
        ctrl = SimplePagedResultsControl(True, size=0, cookie=cookie)
        msgid = l.search_ext(PEOPLE, ldap.SCOPE_ONELEVEL, '(cn=*)', ['cn'], serverctrls=[ctrl])
        _, rdata, _, rctrls = l.result3(msgid, timeout=30)
        assert rdata == [], 'size 0 must end the paged search without entries'
        l.unbind_s()


def test_unknown_critical_control_on_update():
    with Ilsd() as srv:
        l = conn(srv)
        bogus = LDAPControl('1.3.6.1.4.1.99999.31337', True, None)
        try:
            l.add_ext_s('ou=Ctl,' + SUFFIX, [('objectClass', [b'organizationalUnit']),
                                             ('ou', [b'Ctl'])], serverctrls=[bogus])
            raise AssertionError('add with an unknown critical control succeeded')
        except ldap.UNAVAILABLE_CRITICAL_EXTENSION:
            pass
        assert l.search_s(SUFFIX, ldap.SCOPE_ONELEVEL, '(ou=Ctl)') == [], \
            'the add was performed although its critical control was refused'
        l.unbind_s()


run(globals())
