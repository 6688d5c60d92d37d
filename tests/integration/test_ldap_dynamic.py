"""
test_ldap_dynamic.py - RFC 2589 dynamic objects: entries with the
auxiliary class dynamicObject and the operational attribute entryTtl,
the Refresh extended operation (ldapexop refresh DN TTL), expiry by the
sweeper, TTL clamping to the configured ttl-min/ttl-max, and the
Refresh error cases (noSuchObject, objectClassViolation, protocolError
for malformed requests).

entryTtl is written by clients (TAPI replaces EntryTTL with Modify, see
ils-compat.md), so ilsd accepts it on Add and Modify of dynamic entries.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Ilsd, run, norm, ldif_search as search, ldif_read as read,  # noqa: E402
                     ber_int, ber_seq, ber_str, bind_req,  # noqa: E402
                     extended_req, read_response)

import ldap  # noqa: E402

SUFFIX = 'o=Intranet'
BASE = 'ou=Dyn,' + SUFFIX
REFRESH = '1.3.6.1.4.1.1466.101.119.1'


def ttl_of(srv, dn):
    e = read(srv, dn, 'entryTtl')
    assert e is not None, '%s vanished' % dn
    vals = e.get('entryttl', [])
    assert len(vals) == 1 and re.match(r'^\d+$', vals[0]), 'entryTtl of %s: %r' % (dn, vals)
    return int(vals[0])


def add(srv, text):
    return srv.ldap('ldapadd', *srv.admin_args(), input=text, check=False)


def add_container(srv):
    res = add(srv, 'dn: %s\nobjectClass: organizationalUnit\nou: Dyn\n' % BASE)
    assert res.returncode == 0, res.stderr


def add_dynamic(srv, cn, ttl=None, check=True):
    text = ('dn: cn=%s,%s\nobjectClass: person\nobjectClass: dynamicObject\ncn: %s\nsn: D\n'
            % (cn, BASE, cn))
    if ttl is not None:
        text += 'entryTtl: %d\n' % ttl
    res = add(srv, text)
    if check:
        assert res.returncode == 0, 'adding dynamic %s: %s' % (cn, res.stderr)
    return 'cn=%s,%s' % (cn, BASE)


def add_static(srv, cn):
    res = add(srv, 'dn: cn=%s,%s\nobjectClass: person\ncn: %s\nsn: S\n' % (cn, BASE, cn))
    assert res.returncode == 0, res.stderr
    return 'cn=%s,%s' % (cn, BASE)


def refresh(srv, dn, ttl, admin=True):
    """ldapexop refresh; returns (exit code, newttl or None, result code or None, stderr)."""
    args = (srv.admin_args() if admin else []) + ['refresh', dn, str(ttl)]
    res = srv.ldap('ldapexop', *args, check=False)
    m = re.search(r'newttl=(\d+)', res.stdout)
    c = re.search(r'\((-?\d+)\)', res.stderr)
    return (res.returncode, int(m.group(1)) if m else None, int(c.group(1)) if c else None,
            res.stderr)


def refresh_value(dn, ttl):
    return ber_seq(ber_str(dn, 0x80), ber_int(ttl, 0x81))


# ---- entries and entryTtl ----

def test_dynamic_entry_has_entry_ttl():
    with Ilsd('--ttl-min=10', '--ttl-default=300', '--ttl-max=3600') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'd1', ttl=120)
        e = read(srv, dn)
        assert 'entryttl' not in e, 'entryTtl is operational: not returned for no selection'
        assert {v.lower() for v in e['objectclass']} >= {'person', 'dynamicobject'}, e
        ttl = ttl_of(srv, dn)
        assert 115 <= ttl <= 120, 'entryTtl right after add with 120: %d' % ttl
        e = read(srv, dn, '+')
        assert 'entryttl' in e, "'+' must include entryTtl of a dynamic entry: %r" % sorted(e)
        e = read(srv, dn, '*', '+')
        assert 'entryttl' in e and 'cn' in e
        # Default TTL when the client gives none (RFC 2589 5: the server provides one).
        dn2 = add_dynamic(srv, 'd2')
        ttl = ttl_of(srv, dn2)
        assert 295 <= ttl <= 300, 'default TTL: %d' % ttl
        # A static entry has no entryTtl (RFC 2589 5).
        st = add_static(srv, 's1')
        assert 'entryttl' not in read(srv, st, '+', 'entryTtl')
        # The dynamic entries are found by class.
        rc, entries, _ = search(srv, BASE, '(objectClass=dynamicObject)', '1.1')
        assert set(entries) == {norm(dn), norm(dn2)}, entries


def test_entry_ttl_counts_down():
    with Ilsd('--ttl-min=1', '--ttl-default=60') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'tick', ttl=60)
        first = ttl_of(srv, dn)
        time.sleep(2.2)
        second = ttl_of(srv, dn)
        assert second <= first - 1, 'entryTtl did not count down: %d then %d' % (first, second)
        assert second >= first - 6, 'entryTtl fell too fast: %d then %d' % (first, second)
        # Non-increasing over quick successive reads (RFC 2589 5).
        values = [ttl_of(srv, dn) for _ in range(5)]
        assert values == sorted(values, reverse=True), values


def test_entry_expires():
    """With a 2 s TTL and a 200 ms sweeper, the entry is gone soon after 2 s, for good."""
    with Ilsd('--ttl-min=1', '--ttl-default=2', '--ttl-max=3600', '--sweep-interval=200') as srv:
        add_container(srv)
        keep = add_dynamic(srv, 'keeper', ttl=3600)
        t0 = time.monotonic()
        dn = add_dynamic(srv, 'brief', ttl=2)
        dn_default = add_dynamic(srv, 'brief2')
        assert read(srv, dn) is not None, 'dynamic entry missing right after add'
        gone_at = None
        seen_after_gone = []
        while time.monotonic() - t0 < 5.0:
            present = read(srv, dn, '1.1') is not None
            rc, entries, _ = search(srv, BASE, '(cn=brief*)', '1.1')
            listed = norm(dn) in entries or norm(dn_default) in entries
            now = time.monotonic() - t0
            if gone_at is None and not present and not listed:
                gone_at = now
            elif gone_at is not None and (present or listed):
                seen_after_gone.append(round(now, 2))
            time.sleep(0.1)
        assert gone_at is not None, 'entry with TTL 2 s still there after 5 s'
        assert gone_at >= 0.9, 'entry with TTL 2 s vanished after only %.2f s' % gone_at
        assert not seen_after_gone, 'expired entry came back at %r' % seen_after_gone
        assert read(srv, dn_default) is None, 'entry with the default TTL (2 s) did not expire'
        # Expired means gone for every operation, and the name is free again.
        res = srv.ldap('ldapcompare', dn, 'sn:D', check=False)
        assert res.returncode == 32, 'compare on an expired entry: %d' % res.returncode
        rc, newttl, code, err = refresh(srv, dn, 60)
        assert code == 32, 'refresh of an expired entry: %r' % err
        add_dynamic(srv, 'brief', ttl=60)
        assert read(srv, keep) is not None, 'the long-lived entry expired too'


def test_expired_entry_never_returned_before_sweep():
    """Expired entries are invisible even if the sweeper has not run yet (slow sweeper)."""
    with Ilsd('--ttl-min=1', '--ttl-default=2', '--sweep-interval=3600000') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'lazy', ttl=1)
        time.sleep(2.2)
        assert read(srv, dn) is None, 'expired entry still returned by a base search'
        rc, entries, _ = search(srv, BASE, '(objectClass=*)', '1.1')
        assert norm(dn) not in entries, 'expired entry still listed by a subtree search'
        res = srv.ldap('ldapcompare', dn, 'sn:D', check=False)
        assert res.returncode == 32, 'compare on an expired entry: %d' % res.returncode
        # The parent has no visible subordinate left (RFC 3673 hasSubordinates).
        rc, entries, _ = search(srv, BASE, '(objectClass=*)', 'hasSubordinates', scope='base')
        assert entries[norm(BASE)].get('hassubordinates') in (['FALSE'], None), \
            'hasSubordinates of a parent whose only child expired: %r' % entries


def test_expired_child_does_not_block_parent_delete():
    with Ilsd('--ttl-min=1', '--ttl-default=2', '--sweep-interval=3600000') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'gone', ttl=1)
        time.sleep(2.2)
        # The entry no longer exists, so its name can be taken again at once.
        add_dynamic(srv, 'gone', ttl=60)
        assert read(srv, dn) is not None
        res = srv.ldap('ldapdelete', *srv.admin_args(), dn, check=False)
        assert res.returncode == 0, res.stderr
        add_dynamic(srv, 'gone2', ttl=1)
        time.sleep(2.2)
        res = srv.ldap('ldapdelete', *srv.admin_args(), BASE, check=False)
        assert res.returncode == 0, 'delete of a parent whose only child expired: %d %s' % (
            res.returncode, res.stderr)


def test_ttl_clamped_to_configuration():
    with Ilsd('--ttl-min=30', '--ttl-default=40', '--ttl-max=50') as srv:
        add_container(srv)
        big = add_dynamic(srv, 'big', ttl=100000)
        assert 45 <= ttl_of(srv, big) <= 50, 'add with TTL above ttl-max: %d' % ttl_of(srv, big)
        small = add_dynamic(srv, 'small', ttl=1)
        assert 25 <= ttl_of(srv, small) <= 30, 'add with TTL below ttl-min: %d' % ttl_of(srv, small)
        rc, newttl, code, err = refresh(srv, big, 100000)
        assert rc == 0 and newttl == 50, 'refresh above ttl-max: exit %d newttl %r %s' % (
            rc, newttl, err)
        assert 45 <= ttl_of(srv, big) <= 50
        rc, newttl, code, err = refresh(srv, small, 1)
        assert rc == 0 and newttl == 30, 'refresh below ttl-min: %r %s' % (newttl, err)
        rc, newttl, code, err = refresh(srv, small, 42)
        assert rc == 0 and newttl == 42, 'refresh within range: %r %s' % (newttl, err)
        assert 38 <= ttl_of(srv, small) <= 42


# ---- Refresh (RFC 2589 4) ----

def test_refresh():
    with Ilsd('--ttl-min=1', '--ttl-default=60', '--ttl-max=86400') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'r1', ttl=20)
        rc, newttl, code, err = refresh(srv, dn, 500)
        assert rc == 0 and newttl == 500, 'refresh: exit %d newttl %r: %s' % (rc, newttl, err)
        ttl = ttl_of(srv, dn)
        assert 495 <= ttl <= 500, 'entryTtl after refresh to 500: %d' % ttl
        rc, newttl, code, err = refresh(srv, 'CN=r1, OU=dyn, o=INTRANET', 30)
        assert rc == 0 and newttl == 30, 'refresh by another spelling of the DN: %s' % err
        rc, newttl, code, err = refresh(srv, 'cn=missing,' + BASE, 60)
        assert rc != 0 and code == 32, 'refresh of a missing entry: %s' % err
        st = add_static(srv, 'static')
        rc, newttl, code, err = refresh(srv, st, 60)
        assert rc != 0 and code == 65, \
            'refresh of a static entry: expected objectClassViolation (65): %s' % err
        assert 'entryttl' not in read(srv, st, '+'), 'refresh made a static entry dynamic'
        # Through python-ldap's own Refresh support as well.
        from ldap.extop.dds import RefreshRequest, RefreshResponse
        l = ldap.initialize(srv.uri)
        l.simple_bind_s(srv.admin_dn, srv.admin_pw)
        resp = l.extop_s(RefreshRequest(entryName=dn, requestTtl=77),
                         extop_resp_class=RefreshResponse)
        assert resp.responseTtl == 77, resp.responseTtl
        l.unbind_s()


def test_refresh_raw_protocol():
    with Ilsd('--ttl-min=1', '--ttl-default=60') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'raw', ttl=60)
        s = srv.raw()
        s.sendall(bind_req(1, dn=srv.admin_dn, pw=srv.admin_pw))
        assert read_response(s).code == 0
        s.sendall(extended_req(2, REFRESH, refresh_value(dn, 90)))
        r = read_response(s)
        assert r.op == 0x78 and r.msgid == 2 and r.code == 0, r
        assert r.name == REFRESH, 'RFC 2589 4.2: responseName is the request OID: %r' % r.name
        # response: SEQUENCE { responseTtl [1] INTEGER } -> 30 03 81 01 5a
        assert r.value == bytes([0x30, 0x03, 0x81, 0x01, 90]), r.value
        # Missing value, and a value that is not the right structure: protocolError.
        s.sendall(extended_req(3, REFRESH))
        r = read_response(s)
        assert r.op == 0x78 and r.code == 2, 'refresh without a value: %r' % r
        s.sendall(extended_req(4, REFRESH, b'\x04\x03abc'))
        r = read_response(s)
        assert r.op == 0x78 and r.code == 2, 'refresh with a garbage value: %r' % r
        s.close()


# ---- structure rules (RFC 2589 3.1) ----

def test_static_and_dynamic_cannot_be_converted():
    with Ilsd('--ttl-min=1') as srv:
        add_container(srv)
        st = add_static(srv, 'st')
        res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                       input='dn: %s\nchangetype: modify\nadd: objectClass\n'
                             'objectClass: dynamicObject\n' % st)
        assert res.returncode in (65, 69), \
            'making a static entry dynamic: expected 65 or 69, got %d' % res.returncode
        dyn = add_dynamic(srv, 'dy', ttl=60)
        res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                       input='dn: %s\nchangetype: modify\ndelete: objectClass\n'
                             'objectClass: dynamicObject\n' % dyn)
        assert res.returncode in (65, 69), \
            'making a dynamic entry static: expected 65 or 69, got %d' % res.returncode
        assert 'entryttl' in read(srv, dyn, 'entryTtl')
        # A static entry cannot live below a dynamic one.
        res = add(srv, 'dn: cn=child,%s\nobjectClass: person\ncn: child\nsn: c\n' % dyn)
        assert res.returncode != 0, 'static entry added below a dynamic entry'


def test_dynamic_entry_ttl_survives_restart():
    with Ilsd('--ttl-min=1', '--ttl-default=60') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'persist', ttl=300)
        short = add_dynamic(srv, 'short', ttl=1)
        srv.restart()
        ttl = ttl_of(srv, dn)
        assert 290 <= ttl <= 300, 'TTL after restart: %d' % ttl
        time.sleep(1.2)
        assert read(srv, short) is None, 'entry expired during the restart is back'


def test_modify_entry_ttl():
    """TAPI keeps its entries alive with Modify replace EntryTTL (ils-compat.md 4)."""
    with Ilsd('--ttl-min=1', '--ttl-max=3600') as srv:
        add_container(srv)
        dn = add_dynamic(srv, 'tapi', ttl=60)
        res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                       input='dn: %s\nchangetype: modify\nreplace: EntryTTL\nEntryTTL: 1800\n' % dn)
        assert res.returncode == 0, res.stderr
        assert 1795 <= ttl_of(srv, dn) <= 1800
        res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                       input='dn: %s\nchangetype: modify\nreplace: entryTtl\nentryTtl: soon\n' % dn)
        assert res.returncode == 21, 'non-integer entryTtl: expected 21, got %d' % res.returncode
        res = srv.ldap('ldapmodify', *srv.admin_args(), check=False,
                       input='dn: %s\nchangetype: modify\nreplace: entryTtl\nentryTtl: 7200\n' % dn)
        assert res.returncode == 0 and 3595 <= ttl_of(srv, dn) <= 3600, \
            'entryTtl above ttl-max must be clamped: %r' % ttl_of(srv, dn)


run(globals())
