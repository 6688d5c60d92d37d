"""
test_ils_tapi.py - TAPI 3 / Phone Dialer against ilsd: connect (root DSE,
schema probe), publish and re-publish, refresh, find people, conferences
(access test, create, list with a binary ntSecurityDescriptor, delete).
LDAPv3 on one persistent connection that never binds (ils-compat.md 4).
"""

import random

from harness import Ilsd, run
from ils_clients import NetMeeting, Tapi, ip_number
from ldapwire import BASE, ONE, REPLACE, Conn, F

# A self-relative security descriptor: NUL bytes and high bytes throughout.
SD = bytes([1, 0, 4, 0x80, 0x14, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x2c, 0, 0, 0,
            1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xfe, 0x00, 0x80, 0x7f, 0x0a, 0x0d])
SDP = ('v=0\r\no=administrator 3456462469 1 IN IP4 w2kils.testdomain.int\r\n'
       's=Demo Conference\r\ni=A description goes here\r\nc=IN IP4 224.0.0.0/15\r\n'
       't=3456462448 3456464248\r\nm=audio 22716 RTP/AVP 0\r\n'
       'c=IN IP4 224.2.152.239/15/1\r\nm=video 51232 RTP/AVP 34\r\nc=IN IP4 224.2.188\r\n')


def test_connect():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        entries, done = t.root_dse()
        assert done.code == 0 and len(entries) == 1
        assert entries[0].attrs == [(b'defaultNamingContext', [b'o=Intranet'])], entries[0].attrs
        entries, done = t.schema_probe()
        assert done.code == 0, done
        assert len(entries) >= 1, 'TAPI rejects a server whose schema probe finds nothing'
        # typesOnly: the type, no values
        assert entries[0].attrs == [(b'cn', [])], entries[0].attrs
        assert entries[0].dn.lower() == b'cn=rtconference,cn=schema,ou=admin,o=intranet'


def test_schema_container_lists_classes():
    with Ilsd() as srv, Conn(srv.port) as c:
        entries, done = c.search('o=Intranet,ou=admin,cn=schema', ONE, F.present('cn'), ['cn'])
        assert done.code == 0
        names = sorted(e.first('cn') for e in entries)
        assert names == [b'RTApplicationUser', b'RTConference', b'RTPerson',
                         b'ntSecurityDescriptor', b'schemaIDGUID'], names


def test_publish_and_republish():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        res = t.publish('egruber', 'w2kils.testdomain.int', '192.168.0.227', sd=SD)
        assert [r.code for r in res] == [0, 0, 0, 0], res
        # re-publish after a restart of the Dialer: every step succeeds again
        res = t.publish('egruber', 'w2kils.testdomain.int', '192.168.0.228', sd=SD)
        assert [r.code for r in res] == [0, 0, 0, 0], res
        entries, done = t.find_people()
        assert done.code == 0 and len(entries) == 1
        assert entries[0].attrs == [(b'cn', [b'egruber]w2kils.testdomain.int']),
                                    (b'ipAddress', [ip_number('192.168.0.228').encode()])]
        es, _ = c.search(t.person_dn('egruber', 'w2kils.testdomain.int'), BASE,
                         F.present('objectClass'), ['entryTtl'])
        assert 1790 <= int(es[0].first('entryTtl')) <= 1800


def test_refresh():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        t.publish('bob', 'host', '10.0.0.1')
        r1, r2 = t.refresh('bob', 'host', '1800')
        assert (r1.code, r2.code) == (0, 0)
        # MS-TAIL 4.6.2's 180000 is clamped to ttl-max (86400 by default)
        r1, r2 = t.refresh('bob', 'host', '180000')
        assert (r1.code, r2.code) == (0, 0)
        es, _ = c.search(t.person_dn('bob', 'host'), BASE, F.present('objectClass'),
                         ['entryTtl'])
        assert 86390 <= int(es[0].first('entryTtl')) <= 86400
        # refreshing what is gone: noSuchObject
        r1, r2 = t.refresh('nobody', 'host')
        assert (r1.code, r2.code) == (32, 32)


def test_find_people_lists_netmeeting_users():
    with Ilsd() as srv, Conn(srv.port) as c:
        NetMeeting(srv.port, 'egruber@contoso.com', ip='10.70.41.96').logon()
        t = Tapi(c)
        t.publish('bob', 'host', '10.0.0.1')
        entries, done = t.find_people()
        assert done.code == 0
        got = {e.first('cn'): e for e in entries}
        assert set(got) == {b'egruber@contoso.com', b'bob]host'}, got
        nm = got[b'egruber@contoso.com']
        assert nm.attrs == [(b'cn', [b'egruber@contoso.com']),
                            (b'ipAddress', [b'1613317642'])], nm.attrs
        entries, _ = t.find_people('eg')
        assert [e.first('cn') for e in entries] == [b'egruber@contoso.com']


def test_conference_access_test():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        number = str(random.randint(1, 32767))
        r1, r2, r3 = t.access_test(number, SD)
        assert (r1.code, r2.code, r3.code) == (0, 0, 0), (r1, r2, r3)
        # the number taken: 68, and TAPI tries another
        t.create_conference(number, SDP)
        r1, _, _ = t.access_test(number, SD)
        assert r1.code == 68, r1
        r1, r2, r3 = t.access_test(str(int(number) + 1), SD)
        assert (r1.code, r2.code, r3.code) == (0, 0, 0)


def test_conferences():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        r1, r2 = t.create_conference('Demo Conference', SDP, sd=SD, ttl='1800')
        assert (r1.code, r2.code) == (0, 0), (r1, r2)
        t.create_conference('Other', 'v=0\r\n')
        entries, done = t.list_conferences()
        assert done.code == 0
        got = {e.first('uid'): e for e in entries}
        assert set(got) == {b'Demo Conference', b'Other'}
        demo = got[b'Demo Conference']
        assert demo.attrs == [(b'uid', [b'Demo Conference']), (b'protocolId', [b'IP Conference']),
                              (b'conferenceBlob', [SDP.encode()]),
                              (b'ntSecurityDescriptor', [SD])], demo.attrs
        assert got[b'Other'].names() == ['uid', 'protocolId', 'conferenceBlob']
        entries, _ = t.list_conferences('Dem')
        assert [e.first('uid') for e in entries] == [b'Demo Conference']
        assert c.delete(t.conf_dn('Demo Conference')).code == 0
        assert c.delete(t.conf_dn('Demo Conference')).code == 32
        entries, _ = t.list_conferences()
        assert [e.first('uid') for e in entries] == [b'Other']


def test_person_and_conference_are_different_objects():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        assert t.create_conference('meet', 'v=0\r\n')[0].code == 0
        nm = NetMeeting(srv.port, 'meet')
        assert nm.logon()[0].code == 0
        people, _ = t.find_people()
        confs, _ = t.list_conferences()
        assert [e.first('cn') for e in people] == [b'meet']
        assert [e.first('uid') for e in confs] == [b'meet']
        assert nm.logoff().code == 0
        confs, _ = t.list_conferences()
        assert [e.first('uid') for e in confs] == [b'meet']


def test_delete_person_deletes_application_users():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        t.publish('bob', 'host', '10.0.0.1')
        assert c.delete(t.person_dn('bob', 'host')).code == 0
        es, done = c.search(t.appuser_dn('bob', 'host'), BASE, F.present('objectClass'), [])
        assert done.code == 32, (es, done)


def test_entry_ttl_modify_is_refresh_only():
    with Ilsd() as srv, Conn(srv.port) as c:
        t = Tapi(c)
        t.create_conference('c1', 'v=0\r\n', ttl='300')
        es, _ = c.search(t.conf_dn('c1'), BASE, F.present('objectClass'), ['entryTtl', 'uid'])
        assert es[0].names() == ['entryTtl', 'uid']
        assert 290 <= int(es[0].first('entryTtl')) <= 300
        assert c.modify(t.conf_dn('c1'), [(REPLACE, 'sttl', '20')]).code == 0
        es, _ = c.search(t.conf_dn('c1'), BASE, F.present('objectClass'), ['sttl'])
        assert es[0].attrs == [(b'sttl', [b'20'])]


run(globals())
