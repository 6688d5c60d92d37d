"""
test_security_access.py - the access policy and ownership of dynamic
entries (docs/security.md), with every client at its own 127.0.0.x
address: another anonymous client cannot delete, modify or refresh a
registration while its owner and the administrator can; NetMeeting's
re-logon from a new address with its ssecurity; TAPI's constant
ssecurity proving nothing; hidden users (sflags 0); the ssecurity kept
from others; anonymous-read, anonymous-register and access rules; and
every ILS client flow still working.
"""

from harness import run
from ils_clients import GnomeMeeting, IlsApi, NetMeeting, NetMeetingDirectory, Tapi, \
    ptlib_register, ptlib_resolve
from ldapwire import BASE, ONE, REPLACE, F, refresh_req
from security_util import SConn, admin_conn, from_addr, ldap_tool, secure_server

A, B, C = '127.0.0.2', '127.0.0.3', '127.0.0.4'
PLAIN_ADMIN = '--allow-plaintext-password=true'


def server(*extra, users=None):
    # limit-exempt is emptied so that loopback clients are treated like any other.
    return secure_server(None, PLAIN_ADMIN, '--limit-exempt=', *extra, users=users)


def ttl_of(srv, email):
    with admin_conn(srv) as c:
        entries, done = c.search('cn=%s,ou=Dynamic,o=Intranet' % email, BASE,
                                 F.present('objectClass'), ['entryTtl'])
        assert done.code == 0 and entries, done
        return int(entries[0].attrs[0][1][0])


def listed(entries):
    return sorted(e.dn.decode().split(',')[0][3:] for e in entries)


def test_others_cannot_touch_a_registration():
    srv = server()
    nm = NetMeeting(srv.port, 'eric@example.org', ssecurity='21912384')
    with from_addr(A):
        add, mod = nm.logon()
        assert (add.code, mod.code) == (0, 0), (add, mod)
    before = ttl_of(srv, 'eric@example.org')
    with from_addr(B):
        assert nm.logoff().code == 50
        assert nm.incall('1').code == 50
        entries, done = nm.refresh(minutes=60)      # an sttl search refreshes nothing of A's
        assert done.code == 32 and not entries, done
        with SConn(srv.port) as c:
            c.bind(version=3)
            r = c.extended(refresh_req, 'cn=eric@example.org,ou=Dynamic,o=Intranet', 3600)
            assert r.code == 50, r
        other = NetMeeting(srv.port, 'eric@example.org', ssecurity='55555555')
        assert other.logon()[0].code == 68           # someone else's name
        # Reading is still open to everyone.
        entries, done = nm.resolve('eric@example.org')
        assert done.code == 0 and len(entries) == 1
    assert ttl_of(srv, 'eric@example.org') <= before
    with from_addr(A):                                # the owner, on new connections
        assert nm.incall('1').code == 0
        entries, done = nm.refresh(minutes=60)
        assert done.code == 0 and entries[0].attrs[0][1] == [b'60'], entries
        assert nm.logoff().code == 0
        add, mod = nm.logon()
        assert add.code == 0
    with admin_conn(srv, source=B) as c:              # the administrator, from anywhere
        assert c.delete(nm.dn).code == 0


def test_netmeeting_logs_on_again_from_a_new_address():
    srv = server()
    nm = NetMeeting(srv.port, 'mover@example.org', ssecurity='84020942')
    with from_addr(A):
        assert nm.logon()[0].code == 0
    with from_addr(C):
        # "Settings or IP change: Delete, then a full logon again" (ils-compat 4).
        assert nm.logoff().code == 50
        add, mod = nm.logon()
        assert (add.code, mod.code) == (0, 0), (add, mod)
        assert nm.incall('1').code == 0
        entries, done = nm.refresh()
        assert done.code == 0 and len(entries) == 1
    with from_addr(A):
        assert nm.incall('0').code == 50              # the old address owns it no more
    with from_addr(C):
        assert nm.logoff().code == 0


def test_tapi_constant_ssecurity_proves_nothing():
    srv = server()
    with from_addr(A), SConn(srv.port) as c:
        t = Tapi(c)
        assert [r.code for r in t.publish('bob', 'pc1', '10.0.0.1')] == [0, 0, 0, 0]
        # TAPI publishing again from its own address: replaced (ils-compat 4).
        assert [r.code for r in t.publish('bob', 'pc1', '10.0.0.1')] == [0, 0, 0, 0]
    with from_addr(B), SConn(srv.port) as c:
        t = Tapi(c)
        # Every TAPI client sends ssecurity 1508109: from elsewhere it is no proof.
        codes = [r.code for r in t.publish('bob', 'pc1', '10.9.9.9')]
        assert codes[0] == 68 and codes[2] == 68, codes
        assert [r.code for r in t.refresh('bob', 'pc1')] == [50, 50]
        assert c.delete(t.person_dn('bob', 'pc1')).code == 50
    with from_addr(A), SConn(srv.port) as c:
        t = Tapi(c)
        assert [r.code for r in t.refresh('bob', 'pc1')] == [0, 0]
        entries, done = t.find_people()
        assert 'bob]pc1' in listed(entries)
        assert c.delete(t.person_dn('bob', 'pc1')).code == 0


def test_every_client_flow_from_its_own_address():
    srv = server()
    with from_addr('127.0.0.11'):
        nm = NetMeeting(srv.port, 'nm@example.org')
        assert [r.code for r in nm.logon()] == [0, 0]
        assert nm.refresh()[1].code == 0
        assert nm.incall('1').code == 0
        d = NetMeetingDirectory(srv.port)
        assert 'nm@example.org' in listed(d.listing()[0])
        assert len(d.details('nm@example.org')[0]) == 1
        d.close()
    with from_addr('127.0.0.12'), SConn(srv.port) as c:
        c.bind(version=2)
        api = IlsApi(c, 'api@example.org', ssecurity='770011')
        assert [r.code for r in api.register()] == [0, 0]
        assert api.protocol_update([('h323', 'text/h323', '1720')]).code == 0
        assert [r.code for r in api.set_info([(REPLACE, 'location', 'Bonn')], [])] == [0, 0]
        assert api.refresh()[1].code == 0
        assert len(api.enumerate()[0]) >= 2
        assert len(api.resolve('nm@example.org')[0]) == 1
    with from_addr('127.0.0.13'), SConn(srv.port) as c:
        t = Tapi(c)
        assert t.root_dse()[1].code == 0 and len(t.schema_probe()[0]) >= 1
        assert [r.code for r in t.publish('tina', 'pc7', '10.1.1.7')] == [0, 0, 0, 0]
        assert [r.code for r in t.refresh('tina', 'pc7')] == [0, 0]
        names = listed(t.find_people()[0])
        assert 'nm@example.org' in names and 'tina]pc7' in names, names
        r1, r2, r3 = t.access_test('4242', b'\x01\x00\x04\x80')
        assert (r1.code, r2.code, r3.code) == (0, 0, 0)
        assert [r.code for r in t.create_conference('talk', 'v=0\r\n')] == [0, 0]
        assert len(t.list_conferences()[0]) == 1
    with from_addr('127.0.0.14'):
        g = GnomeMeeting(srv.port, 'gnome@example.org')
        assert all(code in (0, 32) for code in [r.code for r in g.register() if r is not None])
        assert all(r.code == 0 for r in [g.update('Paris', True)] if r is not None)
        assert len(g.browse()[0]) >= 4
    with from_addr('127.0.0.15'):
        ptlib_register(srv.port, 'pt@example.org')
        entries, done = ptlib_resolve(srv.port, 'nm@example.org')
        assert done.code == 0 and len(entries) == 1
    with from_addr('127.0.0.11'):
        assert nm.logoff().code == 0


def test_hidden_users():
    srv = server()
    shy = NetMeeting(srv.port, 'shy@example.org', ssecurity='41414141')
    attrs = [(k, '0' if k == 'sflags' else v) for k, v in shy.add_attrs()]
    shy.add_attrs = lambda: attrs
    open_ = NetMeeting(srv.port, 'open@example.org', ssecurity='42424242')
    with from_addr(A):
        assert shy.logon()[0].code == 0 and open_.logon()[0].code == 0
    for who, sees_shy in ((A, True), (B, False)):
        with from_addr(who):
            d = NetMeetingDirectory(srv.port)
            names = listed(d.listing()[0])
            assert ('shy@example.org' in names) == sees_shy, (who, names)
            assert 'open@example.org' in names
            assert len(d.details('shy@example.org')[0]) == 1      # exact name: found
            d.close()
            assert len(shy.resolve('shy@example.org')[0]) == 1
            with SConn(srv.port) as c:
                names = listed(Tapi(c).find_people()[0])
                assert ('shy@example.org' in names) == sees_shy, (who, names)
                names = listed(Tapi(c).find_people('sh')[0])
                assert ('shy@example.org' in names) == sees_shy, (who, names)
    with admin_conn(srv, source=B) as c:
        entries, done = c.search('ou=Dynamic,o=Intranet', ONE, F.present('cn'), ['cn'])
        assert 'shy@example.org' in listed(entries)


def test_ssecurity_is_private():
    srv = server()
    nm = NetMeeting(srv.port, 'tok@example.org', ssecurity='31337000')
    with from_addr(A):
        assert nm.logon()[0].code == 0
    for who, visible in ((A, True), (B, False)):
        with from_addr(who):
            entries, done = ptlib_resolve(srv.port, 'tok@example.org')
            names = [a[0].lower() for a in entries[0].attrs]
            assert (b'ssecurity' in names) == visible, (who, names)
            assert b'ilsdowner' not in names
            with SConn(srv.port) as c:
                c.bind(version=3)
                e, d = c.search('ou=Dynamic,o=Intranet', ONE, F.eq('securityToken', '31337000'),
                                ['cn'])
                assert (len(e) == 1) == visible, who        # no guessing by filter
                r = c.compare('cn=tok@example.org,ou=Dynamic,o=Intranet', 'ssecurity', '31337000')
                assert r.code == (6 if visible else 16), (who, r)
                e, d = c.search('ou=Dynamic,o=Intranet', ONE, F.eq('cn', 'tok@example.org'),
                                ['+'])
                assert b'ilsdOwner' not in [a[0] for a in e[0].attrs]
    with admin_conn(srv) as c:
        e, d = c.search('ou=Dynamic,o=Intranet', ONE, F.eq('cn', 'tok@example.org'),
                        ['ilsdOwner'])
        assert e[0].attrs == [(b'ilsdOwner', [('ip:' + A).encode()])], e[0].attrs


def test_anonymous_read_and_register_switches():
    srv = server('--anonymous-read=false', '--anonymous-register=true')
    nm = NetMeeting(srv.port, 'reader@example.org', ssecurity='12121212')
    with from_addr(A):
        assert nm.logon()[0].code == 0
        entries, done = nm.refresh()                  # the owner still sees its own entry
        assert done.code == 0 and len(entries) == 1
    with from_addr(B):
        entries, done = nm.resolve('reader@example.org')
        assert done.code == 0 and entries == []
        with SConn(srv.port) as c:
            e, d = c.search('', BASE, F.present('objectClass'), ['supportedLDAPVersion'])
            assert len(e) == 1                        # the root DSE stays readable
            assert c.compare(nm.dn, 'sflags', '1').code == 50
    srv.close()
    srv = server('--anonymous-register=false', users={'alice': 'secret'})
    with from_addr(A):
        add, mod = NetMeeting(srv.port, 'nobody@example.org').logon()
        assert add.code == 50, add
    out = ldap_tool(srv, 'ldapmodify', '-Y', 'SCRAM-SHA-256', '-U', 'alice', '-w', 'secret', '-N',
                    input='dn: cn=alice@example.org,ou=Dynamic,o=Intranet\nchangetype: add\n'
                          'objectClass: rtPerson\nobjectClass: dynamicObject\n'
                          'cn: alice@example.org\n')
    assert out.returncode == 0, out.stderr


def test_static_entries_and_access_rules():
    users = {'alice': 'secret', 'mod': 'modpw'}
    srv = server('--access=ou=Dynamic,o=Intranet by dn:uid=mod,cn=EXAMPLE.ORG,cn=auth all',
                 '--access=o=Intranet by under:cn=EXAMPLE.ORG,cn=auth read,register', users=users)
    with from_addr(A), SConn(srv.port) as c:
        c.bind(version=3)
        r = c.add('ou=Spam,o=Intranet', [('objectClass', 'organizationalUnit'), ('ou', 'Spam')])
        assert r.code == 50, r                        # static entries need write
        assert c.modify('o=Intranet', [(REPLACE, 'description', 'x')]).code == 50
        assert c.delete('ou=Dynamic,o=Intranet').code == 50
    nm = NetMeeting(srv.port, 'victim@example.org', ssecurity='98989898')
    with from_addr(A):
        assert nm.logon()[0].code == 0
    # alice (read,register) may not touch it; mod (all under ou=Dynamic) may.
    out = ldap_tool(srv, 'ldapdelete', '-Y', 'SCRAM-SHA-256', '-U', 'alice', '-w', 'secret', '-N',
                    'cn=victim@example.org,ou=Dynamic,o=Intranet')
    assert 'Insufficient access' in out.stderr, out.stderr
    out = ldap_tool(srv, 'ldapdelete', '-Y', 'SCRAM-SHA-256', '-U', 'mod', '-w', 'modpw', '-N',
                    'cn=victim@example.org,ou=Dynamic,o=Intranet')
    assert out.returncode == 0, out.stderr
    # A bound identity owns what it adds, from any address; its address does not.
    ldif = ('dn: cn=bound@example.org,ou=Dynamic,o=Intranet\nchangetype: add\n'
            'objectClass: rtPerson\nobjectClass: dynamicObject\ncn: bound@example.org\n')
    out = ldap_tool(srv, 'ldapmodify', '-Y', 'SCRAM-SHA-256', '-U', 'alice', '-w', 'secret', '-N',
                    input=ldif)
    assert out.returncode == 0, out.stderr
    with SConn(srv.port, source='127.0.0.1') as c:
        c.bind(version=3)
        r = c.modify('cn=bound@example.org,ou=Dynamic,o=Intranet', [(REPLACE, 'sflags', '1')])
        assert r.code == 50, r
    out = ldap_tool(srv, 'ldapmodify', '-Y', 'SCRAM-SHA-256', '-U', 'alice', '-w', 'secret', '-N',
                    input='dn: cn=bound@example.org,ou=Dynamic,o=Intranet\nchangetype: modify\n'
                          'replace: sflags\nsflags: 1\n')
    assert out.returncode == 0, out.stderr
    # The administrator does everything.
    with admin_conn(srv, source=C) as c:
        r = c.add('ou=Spam,o=Intranet', [('objectClass', 'organizationalUnit'), ('ou', 'Spam')])
        assert r.code == 0, r
        assert c.delete('cn=bound@example.org,ou=Dynamic,o=Intranet').code == 0


if __name__ == '__main__':
    run(globals())
