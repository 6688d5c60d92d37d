"""
test_ils_cross.py - every client sees every other client's entries, under
the names it uses (ils-compat.md 6 name mapping), and standard LDAP tools
see the same entries under schema names.  Also: concurrent registrations
of one name (exactly one wins).
"""

import threading

from harness import Ilsd, run
from ils_clients import IlsApi, NetMeeting, NetMeetingDirectory, Tapi, ip_number, ptlib_resolve
from ldapwire import BASE, SUB, Conn, F


def test_tapi_user_in_netmeeting():
    with Ilsd() as srv, Conn(srv.port) as c:
        Tapi(c).publish('egruber', 'w2kils', '192.168.0.227')
        NetMeeting(srv.port, 'nm@contoso.com').logon()
        # resolve: the TAPI ipAddress answered as sipaddress
        entries, done = NetMeeting(srv.port, 'nm@contoso.com').resolve('egruber]w2kils')
        assert done.code == 0 and len(entries) == 1
        assert entries[0].attrs == [(b'sipaddress', [ip_number('192.168.0.227').encode()])]
        # the listing filter (sappid, sprotid) finds the TAPI user through its application
        d = NetMeetingDirectory(srv.port)
        entries, done = d.listing()
        d.close()
        got = {e.first('cn'): e for e in entries}
        assert set(got) == {b'egruber]w2kils', b'nm@contoso.com'}, got
        assert got[b'egruber]w2kils'].attrs[0] == (b'sFlags', [b'1'])


def test_netmeeting_user_in_tapi():
    with Ilsd() as srv, Conn(srv.port) as c:
        NetMeeting(srv.port, 'nm@contoso.com', ip='10.70.41.96').logon()
        entries, done = Tapi(c).find_people()
        assert done.code == 0
        assert [e.attrs for e in entries] == [[(b'cn', [b'nm@contoso.com']),
                                               (b'ipAddress', [b'1613317642'])]]


def test_ilsapi_and_netmeeting_and_ptlib():
    with Ilsd() as srv, Conn(srv.port) as c:
        c.bind(version=2)
        NetMeeting(srv.port, 'nm@contoso.com').logon()
        IlsApi(c, 'sdk@example.org').register()
        with Conn(srv.port) as t:
            Tapi(t).publish('bob', 'host', '10.0.0.1')
        entries, _ = IlsApi(c, 'x').enumerate(app='ms-netmeeting')
        assert sorted(e.first('cn') for e in entries) == [b'bob]host', b'nm@contoso.com',
                                                           b'sdk@example.org']
        assert len(ptlib_resolve(srv.port, 'sdk@example.org')[0]) == 1
        e = ptlib_resolve(srv.port, 'bob]host')[0][0]
        assert e.get('sipaddress') == [ip_number('10.0.0.1').encode()]


def test_standard_ldap_view():
    """An LDAP tool sees one entry per registration, under the schema's names."""
    with Ilsd() as srv:
        NetMeeting(srv.port, 'nm@contoso.com', ip='10.70.41.96').logon()
        out = srv.ldap('ldapsearch', '-LLL', '-b', 'ou=Dynamic,o=Intranet', '-s', 'one',
                       '(sipaddress=1613317642)', 'ipAddress', 'applicationID', 'protocolID',
                       'securityToken', 'sttl')
        text = out.stdout
        assert 'dn: cn=nm@contoso.com,ou=Dynamic,o=Intranet' in text, text
        assert 'ipAddress: 1613317642' in text
        assert 'applicationID: ms-netmeeting' in text
        assert 'protocolID: t120' in text and 'protocolID: h323' in text
        assert 'securityToken: 21912384' in text
        assert 'sttl: 10' in text
        # the whole entry: schema names, no ILS alias stored twice
        out = srv.ldap('ldapsearch', '-LLL', '-b', 'cn=nm@contoso.com,ou=Dynamic,o=Intranet',
                       '-s', 'base')
        assert 'sipaddress' not in out.stdout.lower(), out.stdout
        assert 'objectClass: rtPerson' in out.stdout
        assert 'objectClass: dynamicObject' in out.stdout


def test_concurrent_registrations_one_wins():
    with Ilsd() as srv:
        results = []

        def logon(token):
            add, _ = NetMeeting(srv.port, 'race@x', ssecurity=token,
                                location='L' + token).logon()
            results.append((token, add.code))

        threads = [threading.Thread(target=logon, args=(str(i),)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [t for t, code in results if code == 0]
        assert len(winners) == 1, results
        assert sorted(code for _, code in results) == [0] + [68] * 7, results
        with Conn(srv.port) as c:
            es, _ = c.search('objectClass=RTPerson', SUB, F.eq('cn', 'race@x'), ['location'])
        assert es[0].get('location') == [('L' + winners[0]).encode()]


def test_same_client_racing_itself():
    """Eight re-registrations with the same ssecurity: all succeed, one entry remains."""
    with Ilsd() as srv:
        results = []

        def logon():
            add, mod = NetMeeting(srv.port, 'self@x', ssecurity='99').logon()
            results.append((add.code, mod.code if mod else None))

        threads = [threading.Thread(target=logon) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [(0, 0)] * 8, results
        with Conn(srv.port) as c:
            es, _ = c.search('objectClass=RTPerson', BASE, F.eq('cn', 'self@x'), ['cn'])
        assert len(es) == 1


run(globals())
