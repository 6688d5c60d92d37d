"""
test_ils_netmeeting.py - NetMeeting 3.01 against ilsd, byte by byte
(ils-compat.md 4: logon, refresh, in-call change, re-logon, logoff,
directory listing, user details, resolve; section 5 result codes).
"""

from harness import Ilsd, run
from ils_clients import (NM_DETAIL_ATTRS, NM_LISTING_ATTRS, NetMeeting, NetMeetingDirectory,
                         ip_number)
from ldapwire import BASE, Conn, F

EMAIL = 'egruber@contoso.com'


def listing_of(srv):
    d = NetMeetingDirectory(srv.port)
    try:
        entries, done = d.listing()
    finally:
        d.close()
    assert done.code == 0, done
    return entries


def test_logon():
    with Ilsd() as srv:
        add, mod = NetMeeting(srv.port, EMAIL).logon()
        assert add.code == 0, add
        assert mod is not None and mod.code == 0, mod
        # both answers carry the request's message ID
        assert (add.msgid, mod.msgid) == (2, 3)


def test_listing_shape():
    with Ilsd() as srv:
        NetMeeting(srv.port, EMAIL).logon()
        NetMeeting(srv.port, 'second@contoso.com', ssecurity='5', given='Ann',
                   surname='Other', location='', comment='', incall='1').logon()
        entries = listing_of(srv)
        assert len(entries) == 2, entries
        by_cn = {e.first('cn'): e for e in entries}
        e = by_cn[EMAIL.encode()]
        # requested order, requested spelling, nothing else
        assert e.names() == NM_LISTING_ATTRS, e.names()
        assert e.attrs == [(b'sFlags', [b'1']), (b'cn', [EMAIL.encode()]),
                           (b'givenName', [b'Eric']), (b'surName', [b'Gruber']),
                           (b'location', [b'Seattle']), (b'ilsA26214430', [b'0']),
                           (b'ilsA32833566', [b'1']), (b'ilsA32964638', [b'1']),
                           (b'comment', [b'Participant'])], e.attrs
        # empty strings are values, not missing attributes
        e2 = by_cn[b'second@contoso.com']
        assert e2.get('location') == [b''] and e2.get('comment') == [b'']
        assert e2.get('ilsA26214430') == [b'1']
        for e in entries:
            for name, vals in e.attrs:
                assert vals, 'attribute %r without values' % name
        assert by_cn[EMAIL.encode()].dn == b'cn=egruber@contoso.com,ou=Dynamic,o=Intranet'


def test_user_details():
    with Ilsd() as srv:
        NetMeeting(srv.port, EMAIL).logon()
        d = NetMeetingDirectory(srv.port)
        entries, done = d.details(EMAIL)
        d.close()
        assert done.code == 0 and len(entries) == 1
        assert entries[0].names() == NM_DETAIL_ATTRS
        assert entries[0].attrs[0] == (b'givenName', [b'Eric'])
        assert entries[0].get('ilsA26279966') == [b'84020942']
        assert entries[0].get('ilsA39321630') == [b'2']


def test_resolve():
    with Ilsd() as srv:
        NetMeeting(srv.port, EMAIL, ip='10.70.41.96').logon()
        entries, done = NetMeeting(srv.port, 'caller@x').resolve(EMAIL)
        assert done.code == 0 and len(entries) == 1
        assert entries[0].attrs == [(b'sipaddress', [b'1613317642'])], entries[0].attrs
        assert ip_number('10.70.41.96') == '1613317642'
        # case-insensitive match on cn
        entries, done = NetMeeting(srv.port, 'caller@x').resolve(EMAIL.upper())
        assert len(entries) == 1
        entries, done = NetMeeting(srv.port, 'caller@x').resolve('nobody@x')
        assert done.code == 0 and entries == []


def test_refresh():
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL)
        nm.logon()
        entries, done = nm.refresh(10)
        assert done.code == 0, done
        assert len(entries) == 1
        # the first attribute of the first entry, in minutes
        assert entries[0].attrs == [(b'sttl', [b'10'])], entries[0].attrs
        # what the server applies is what it answers: clamped to ttl-max (1 day)
        entries, done = nm.refresh(100000)
        assert entries[0].attrs == [(b'sttl', [b'1440'])], entries[0].attrs


def test_refresh_unknown_is_32():
    with Ilsd() as srv:
        entries, done = NetMeeting(srv.port, 'ghost@x').refresh(10)
        assert entries == [] and done.code == 32, done


def test_in_call_change():
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL)
        nm.logon()
        r = nm.incall('1')
        assert r.code == 0, r
        e = [x for x in listing_of(srv) if x.first('cn') == EMAIL.encode()][0]
        assert e.get('ilsA26214430') == [b'1']
        assert nm.incall('0').code == 0
        assert NetMeeting(srv.port, 'ghost@x').incall('1').code == 32


def test_relogon_after_delete():
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL)
        nm.logon()
        assert nm.logoff().code == 0
        nm.location = 'Redmond'
        nm.ip = '10.0.0.2'
        add, mod = nm.logon()
        assert add.code == 0 and mod.code == 0
        entries, _ = nm.resolve(EMAIL)
        assert entries[0].get('sipaddress') == [ip_number('10.0.0.2').encode()]


def test_readd_same_ssecurity_replaces():
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL, ssecurity='4242')
        nm.logon()
        nm.location = 'Tokyo'
        nm.ip = '10.9.9.9'
        add, mod = nm.logon()	# crashed client coming back
        assert add.code == 0, add
        assert mod.code == 0, mod
        entries = listing_of(srv)
        assert len(entries) == 1
        assert entries[0].get('location') == [b'Tokyo']
        # the re-added entry is a fresh one: app values not doubled
        with Conn(srv.port) as c:
            c.bind(version=2)
            es, _ = c.search('objectClass=RTPerson', BASE, F.eq('cn', EMAIL),
                             ['sprotid', 'sport'])
        assert es[0].attrs == [(b'sprotid', [b't120', b'h323']),
                               (b'sport', [b'1503', b'1720'])], es[0].attrs


def test_readd_other_ssecurity_is_68():
    with Ilsd() as srv:
        NetMeeting(srv.port, EMAIL, ssecurity='1111').logon()
        add, mod = NetMeeting(srv.port, EMAIL, ssecurity='2222', location='Elsewhere').logon()
        assert add.code == 68, add
        assert mod is None
        assert listing_of(srv)[0].get('location') == [b'Seattle']


def test_logoff():
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL)
        nm.logon()
        assert nm.logoff().code == 0
        assert nm.logoff().code == 32
        assert listing_of(srv) == []
        # MS-TAIL 4.4.2 spelling: mailto:cn= and a trailing %20
        nm.logon()
        with Conn(srv.port) as c:
            c.bind(version=2)
            r = c.delete('c=-, o=Microsoft, mailto:cn=%s%%20, objectClass=rtPerson' % EMAIL)
        assert r.code == 0, r
        assert listing_of(srv) == []


def test_latin1_bytes():
    with Ilsd() as srv:
        name = b'm\xfcller@example.de'.decode('latin-1')
        nm = NetMeeting(srv.port, name, given='J\xe9r\xf4me', surname='M\xfcller',
                        location='K\xf6ln')
        add, mod = nm.logon()
        assert add.code == 0 and mod.code == 0, (add, mod)
        e = listing_of(srv)[0]
        assert e.get('cn') == [b'm\xfcller@example.de']
        assert e.get('givenName') == [b'J\xe9r\xf4me']
        assert e.get('location') == [b'K\xf6ln']
        assert nm.incall('1').code == 0
        assert nm.logoff().code == 0


def test_ldapv2_without_bind_and_port_reuse():
    """Operations on a connection that never bound are served too."""
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL)
        with Conn(srv.port) as c:
            r = c.add(nm.dn, nm.add_attrs())
            assert r.code == 0, r
            assert c.modify(nm.dn, nm.app_changes()).code == 0
        assert len(listing_of(srv)) == 1


def test_hidden_users_still_listed():
    """sFlags 0 entries come back; NetMeeting itself skips them."""
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, 'hidden@x')
        attrs = [(t, '0' if t == 'sflags' else v) for t, v in nm.add_attrs()]
        with Conn(srv.port) as c:
            c.bind(version=2)
            assert c.add(nm.dn, attrs).code == 0
            assert c.modify(nm.dn, nm.app_changes()).code == 0
        e = listing_of(srv)[0]
        assert e.attrs[0] == (b'sFlags', [b'0'])


def test_odd_requests():
    with Ilsd() as srv:
        nm = NetMeeting(srv.port, EMAIL)
        nm.logon()
        with Conn(srv.port) as c:
            c.bind(version=2)
            # a Modify carrying only the operation code
            assert c.modify(nm.dn, [(2, 'smodop', '2')]).code == 0
            # pseudo-DNs without a name
            bad = 'c=-,o=Microsoft,objectClass=RTPerson'
            assert c.add(bad, [('givenname', 'x')]).code == 34
            assert c.modify(bad, [(2, 'givenname', 'x')]).code == 32
            assert c.delete(bad).code == 32
            # compare through the pseudo-DN and an alias name
            assert c.compare(nm.dn, 'sipaddress', ip_number(nm.ip)).code == 6
            assert c.compare(nm.dn, 'sappid', 'MS-NetMeeting').code == 6
            assert c.compare(nm.dn, 'ssecurity', '1').code == 5
            # a pseudo-DN as a search base names the person
            es, done = c.search(nm.dn, BASE, F.present('objectClass'), ['sipaddress', 'sttl'])
            assert done.code == 0 and len(es) == 1
            assert es[0].attrs == [(b'sipaddress', [ip_number(nm.ip).encode()]),
                                   (b'sttl', [b'10'])], es[0].attrs


run(globals())
