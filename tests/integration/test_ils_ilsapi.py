"""
test_ils_ilsapi.py - the ILS API library (NetMeeting 2.x, SDK applications):
pipelined register, protocol update with positional multi-values, set info
(pipelined modifies, add-of-existing as replace, delete with ""), refresh
with sttl anywhere in the filter, enumerate, resolve (ils-compat.md 4).
"""

from harness import Ilsd, run
from ils_clients import ILSAPI_RESOLVE_ATTRS, IlsApi, Tapi, ip_number
from ldapwire import ADD, BASE, DELETE, REPLACE, Conn, F, modify_req

EMAIL = 'ilse@example.org'


def session(srv):
    c = Conn(srv.port)
    assert c.bind(version=2).code == 0
    return c


def test_register_pipelined():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL)
        add, mod = api.register()
        assert add.code == 0, add
        assert mod.code == 0, mod
        entries, done = api.resolve(EMAIL)
        assert done.code == 0 and len(entries) == 1
        e = entries[0]
        assert e.names() == [n for n in ILSAPI_RESOLVE_ATTRS if n != 'smodop'], e.names()
        assert e.get('sipaddress') == [ip_number('192.168.1.20').encode()]
        assert e.get('sappid') == [b'ms-netmeeting']
        # the empty placeholders the library writes are kept as values
        assert e.get('sprotid') == [b''] and e.get('sprotmimetype') == [b'']
        # the extended attribute is stored and readable
        es, _ = c.search('objectClass=RTPerson', BASE, F.eq('cn', EMAIL), ['ILSA12345678'])
        assert es[0].attrs == [(b'ILSA12345678', [b'x'])]


def test_sttl_on_add_sets_ttl():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL, ttl='4')
        api.register()
        es, done = c.search('objectClass=RTPerson', BASE, F.eq('cn', EMAIL), ['sttl'])
        assert done.code == 0
        assert es[0].attrs == [(b'sttl', [b'4'])], es[0].attrs
        es, done = c.search('objectClass=RTPerson', BASE, F.eq('cn', EMAIL), ['entryTtl'])
        secs = int(es[0].first('entryTtl'))
        assert 230 <= secs <= 240, secs


def test_protocol_update_keeps_order():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL)
        api.register()
        r = api.protocol_update([('h323', 'text/h323', '1720'), ('t120', 'text/t120', '1503'),
                                 ('sip', 'text/sip', '5060')])
        assert r.code == 0, r
        entries, _ = api.resolve(EMAIL, proto='t120')
        e = entries[0]
        assert e.get('sprotid') == [b'h323', b't120', b'sip']
        assert e.get('sprotmimetype') == [b'text/h323', b'text/t120', b'text/sip']
        assert e.get('sport') == [b'1720', b'1503', b'5060']
        assert e.names()[-1] == 'sport'
        r = api.protocol_update([('sip', 'text/sip', '5060'), ('h323', 'text/h323', '1720')])
        assert r.code == 0
        e = api.resolve(EMAIL, proto='sip')[0][0]
        assert e.get('sprotid') == [b'sip', b'h323']
        assert e.get('sport') == [b'5060', b'1720']
        # t120 is gone
        assert api.resolve(EMAIL, proto='t120')[0] == []


def test_positional_duplicates_kept():
    """Two protocols on one port, without MIME types: lists, not sets."""
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL)
        api.register()
        r = api.protocol_update([('h323', '', '1720'), ('h323x', '', '1720')])
        assert r.code == 0, r
        e = api.resolve(EMAIL, proto='h323x')[0][0]
        assert e.get('sprotid') == [b'h323', b'h323x']
        assert e.get('sprotmimetype') == [b'', b''], e.attrs
        assert e.get('sport') == [b'1720', b'1720'], e.attrs
        # the same in an Add
        other = IlsApi(c, 'dup@example.org', extended=[('sport', ['1720', '1720'])])
        add, mod = other.register()
        assert add.code == 0, add


def test_set_info():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL)
        api.register()
        u, a = api.set_info(
            [(ADD, 'givenname', 'Ilona'), (DELETE, 'comment', ''),
             (ADD, 'location', 'M\xfcnchen'), (DELETE, 'friendlyName', '')],
            [(ADD, 'smimetype', 'text/x-iuls'), (DELETE, 'sprotguid', '')])
        assert u.code == 0, u
        assert a.code == 0, a
        e = api.resolve(EMAIL)[0][0]
        assert e.get('givenname') == [b'Ilona']
        assert e.get('comment') is None
        assert e.get('location') == [b'M\xfcnchen']
        assert e.get('smimetype') == [b'text/x-iuls']


def test_refresh_sttl_anywhere():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL, ttl='4')
        api.register()
        for where in ('start', 'middle', 'end'):
            entries, done = api.refresh(where, minutes='7')
            assert done.code == 0, (where, done)
            assert len(entries) == 1
            assert entries[0].attrs == [(b'sttl', [b'7'])], entries[0].attrs
        ghost = IlsApi(c, 'ghost@x')
        entries, done = ghost.refresh('start')
        assert entries == [] and done.code == 32, done


def test_enumerate():
    with Ilsd() as srv, session(srv) as c:
        for i in range(3):
            IlsApi(c, 'user%d@example.org' % i, ssecurity=str(i)).register()
        IlsApi(c, 'other@example.org', app='chat-app').register()
        entries, done = IlsApi(c, 'x').enumerate()
        assert done.code == 0
        assert sorted(e.first('cn') for e in entries) == [
            b'other@example.org', b'user0@example.org', b'user1@example.org',
            b'user2@example.org']
        for e in entries:
            assert e.names() == ['cn']
        entries, _ = IlsApi(c, 'x').enumerate(app='ms-netmeeting')
        assert len(entries) == 3
        entries, _ = IlsApi(c, 'x').enumerate(attrs=ILSAPI_RESOLVE_ATTRS, app='chat-app')
        assert len(entries) == 1 and entries[0].first('sappid') == b'chat-app'
        # the library turns a caller's '*' into '%': a substring
        entries, _ = c.search('objectClass=RTPerson', BASE,
                              F.and_(F.eq('objectClass', 'RTPerson'), F.eq('cn', 'user%')),
                              ['cn'])
        assert len(entries) == 3
        entries, _ = c.search('objectClass=RTPerson', BASE,
                              F.and_(F.eq('objectClass', 'RTPerson'), F.eq('cn', '%1@%')),
                              ['cn'])
        assert [e.first('cn') for e in entries] == [b'user1@example.org']


def test_resolve_variants():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL)
        api.register()
        api.protocol_update([('t120', 'text/t120', '1503'), ('h323', 'text/h323', '1720')])
        assert len(api.resolve(EMAIL)[0]) == 1
        assert len(api.resolve(EMAIL, app='ms-netmeeting')[0]) == 1
        assert len(api.resolve(EMAIL, app='MS-NETMEETING', proto='H323')[0]) == 1
        assert api.resolve(EMAIL, app='other')[0] == []
        assert api.resolve(EMAIL, proto='sip')[0] == []
        e = api.resolve(EMAIL, app='ms-netmeeting', proto='h323')[0][0]
        assert e.names()[-1] == 'sport'
        assert e.get('sport') == [b'1503', b'1720']


def test_reregister():
    with Ilsd() as srv, session(srv) as c:
        assert IlsApi(c, EMAIL, ssecurity='9').register()[0].code == 0
        add, mod = IlsApi(c, EMAIL, ssecurity='9').register()
        assert add.code == 0 and mod.code == 0
        add, mod = IlsApi(c, EMAIL, ssecurity='10').register()
        assert add.code == 68, add
        # the pipelined modify of the refused registration lands on the existing entry
        assert mod.code == 0


def test_meetings_pseudo_base():
    """objectClass=Conference lists conferences; a cn in the filter means the uid."""
    with Ilsd() as srv, session(srv) as c:
        with Conn(srv.port) as t:
            r1, r2 = Tapi(t).create_conference('Weekly', 'v=0\r\ns=Weekly\r\n')
            assert r1.code == 0 and r2.code == 0
        IlsApi(c, 'Weekly').register()	# a person of the same name
        entries, done = c.search('objectClass=Conference', BASE, F.eq('cn', '%'), [])
        assert done.code == 0
        assert len(entries) == 1, entries
        assert entries[0].first('uid') == b'Weekly'
        assert entries[0].get('sttl') is not None
        entries, _ = c.search('objectClass=RTConference', BASE,
                              F.and_(F.eq('objectClass', 'rtConference'), F.eq('cn', 'Week%')),
                              ['uid', 'conferenceBlob'])
        assert [e.attrs for e in entries] == [[(b'uid', [b'Weekly']),
                                               (b'conferenceBlob', [b'v=0\r\ns=Weekly\r\n'])]]


def test_two_modifies_pipelined_keep_ids():
    with Ilsd() as srv, session(srv) as c:
        api = IlsApi(c, EMAIL)
        api.register()
        ids = [c.msgid() for _ in range(4)]
        c.send(*[modify_req(i, api.dn, [(REPLACE, 'smodop', '2'),
                                         (REPLACE, 'location', 'L%d' % i)])
                 for i in ids])
        got = [c.collect(i)[1] for i in ids]
        assert [(m.msgid, m.code) for m in got] == [(i, 0) for i in ids]
        assert api.resolve(EMAIL)[0][0].get('location') == [('L%d' % ids[-1]).encode()]


run(globals())
