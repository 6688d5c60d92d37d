"""
test_ils_gnome_ptlib.py - GnomeMeeting (register, update, browse) and
PTLib callto: resolution (subtree under the pseudo-base, all attributes,
exactly one entry) against ilsd (ils-compat.md 4).
"""

from harness import Ilsd, run
from ils_clients import GnomeMeeting, NetMeeting, ip_number, ptlib_register, ptlib_resolve

BROWSE = ['cn', 'givenname', 'surname', 'rfc822mailbox', 'location', 'comment', 'sipaddress',
          'sport', 'sappid', 'ilsa26214430', 'ilsa32833566', 'ilsa32964638']


def test_gnomemeeting_register():
    with Ilsd() as srv:
        gm = GnomeMeeting(srv.port, 'gnome@example.net', ip='10.0.0.7')
        d, a, m = gm.register()
        assert d.code == 32, d	# nothing to delete: ignored by the client
        assert a.code == 0, a
        assert m.code == 0, m
        d, a, m = gm.register()	# again: the delete now finds it
        assert (d.code, a.code, m.code) == (0, 0, 0)


def test_gnomemeeting_browse():
    with Ilsd() as srv:
        gm = GnomeMeeting(srv.port, 'gnome@example.net', ip='10.0.0.7')
        gm.register()
        entries, done = gm.browse()
        assert done.code == 0 and len(entries) == 1
        e = entries[0]
        # xstatus is absent and simply left out; the rest in the order asked
        assert e.names() == BROWSE, e.names()
        assert e.get('sport') == [b'1720']
        assert e.get('sappid') == [b'GnomeMeeting']
        assert e.get('sipaddress') == [ip_number('10.0.0.7').encode()]


def test_gnomemeeting_update():
    with Ilsd() as srv:
        gm = GnomeMeeting(srv.port, 'gnome@example.net')
        gm.register()
        assert gm.update('Lyon', '1').code == 0
        e = gm.browse()[0][0]
        assert e.get('location') == [b'Lyon']
        assert e.get('ilsa26214430') == [b'1']


def test_gnomemeeting_sees_netmeeting():
    with Ilsd() as srv:
        NetMeeting(srv.port, 'nm@contoso.com', ip='10.70.41.96').logon()
        GnomeMeeting(srv.port, 'gnome@example.net').register()
        got = {e.first('cn'): e for e in GnomeMeeting(srv.port, 'x').browse()[0]}
        assert set(got) == {b'nm@contoso.com', b'gnome@example.net'}
        nm = got[b'nm@contoso.com']
        assert nm.get('sport') == [b'1503', b'1720']
        assert nm.get('sappid') == [b'ms-netmeeting']
        assert nm.get('sipaddress') == [b'1613317642']


def test_ptlib_resolve_netmeeting_user():
    with Ilsd() as srv:
        NetMeeting(srv.port, 'nm@contoso.com', ip='10.70.41.96').logon()
        NetMeeting(srv.port, 'nm2@contoso.com', ssecurity='7').logon()
        entries, done = ptlib_resolve(srv.port, 'nm@contoso.com')
        assert done.code == 0
        assert len(entries) == 1, entries
        e = entries[0]
        # PTLib reads fields by their ILS names
        assert e.get('sipAddress') == [b'1613317642']
        assert e.get('sport') == [b'1503', b'1720']
        assert e.get('sprotid') == [b't120', b'h323']
        assert e.get('surname') == [b'Gruber']
        assert e.get('givenName') == [b'Eric']
        assert e.get('sttl') == [b'10']
        assert e.get('ilsa32833566') == [b'1']
        assert e.get('rfc822Mailbox') == [b'nm@contoso.com']
        for name, vals in e.attrs:
            assert vals, name
        # nothing for a name not registered
        entries, done = ptlib_resolve(srv.port, 'nobody@x')
        assert done.code == 0 and entries == []


def test_ptlib_register_and_resolve():
    with Ilsd() as srv:
        r = ptlib_register(srv.port, 'robertj@equival.com.au', ip='10.1.2.3')
        assert r.code == 0, r
        entries, done = ptlib_resolve(srv.port, 'robertj@equival.com.au')
        assert len(entries) == 1
        e = entries[0]
        assert e.get('sipAddress') == [ip_number('10.1.2.3').encode()]
        assert e.get('sappid') == [b'ptlib']
        assert e.get('sttl') == [b'60']
        assert e.get('c') == [b'AU']


run(globals())
