"""
test_ils_ttl.py - ILS entries are dynamic objects: they expire, refreshes
keep them, a restart keeps them with their remaining TTL, and a mass
expiry of 100,000 registrations does not stop the server answering.

The server runs with second-scale TTLs (--ttl-min=1) and a fast sweeper,
so no test sleeps longer than a few seconds.
"""

import os
import re
import statistics
import time

from harness import Ilsd, run
from ils_clients import NetMeeting, Tapi
from ldapwire import BASE, ONE, REPLACE, SUB, Conn, F, add_req, refresh_req, search_req

FAST = ('--ttl-min=1', '--ttl-default=2', '--sweep-interval=200')


def exists(port, cn):
    with Conn(port) as c:
        es, done = c.search('objectClass=RTPerson', SUB, F.eq('cn', cn), ['cn'])
        return len(es) == 1


def test_expiry():
    with Ilsd(*FAST) as srv:
        nm = NetMeeting(srv.port, 'short@x')
        assert nm.logon()[0].code == 0
        assert exists(srv.port, 'short@x')
        time.sleep(3)
        assert not exists(srv.port, 'short@x')
        # what NetMeeting does next: the refresh answers 32, it registers again
        entries, done = nm.refresh(10)
        assert done.code == 32 and entries == []
        assert nm.incall('1').code == 32
        assert nm.logon()[0].code == 0


def test_refresh_keeps_entries():
    with Ilsd(*FAST) as srv, Conn(srv.port) as c:
        t = Tapi(c)
        assert t.create_conference('conf', 'v=0\r\n', ttl='2')[1].code == 0
        nm = NetMeeting(srv.port, 'kept@x')
        nm.logon()
        start = time.monotonic()
        while time.monotonic() - start < 4:
            assert c.modify(t.conf_dn('conf'), [(REPLACE, 'EntryTTL', '2')]).code == 0
            r = c.extended(refresh_req, 'cn=kept@x,ou=Dynamic,o=Intranet', 2)
            assert r.code == 0, r
            time.sleep(0.5)
        assert exists(srv.port, 'kept@x')
        assert [e.first('uid') for e in t.list_conferences()[0]] == [b'conf']


def test_sttl_refresh_answers_applied_ttl():
    with Ilsd('--ttl-min=1', '--ttl-max=120', '--ttl-default=60') as srv:
        nm = NetMeeting(srv.port, 'x@y')
        nm.logon()
        entries, done = nm.refresh(10)	# 600 s asked, 120 s granted
        assert entries[0].attrs == [(b'sttl', [b'2'])], entries[0].attrs
        with Conn(srv.port) as c:
            es, _ = c.search('objectClass=RTPerson', BASE, F.eq('cn', 'x@y'), ['entryTtl'])
        assert 115 <= int(es[0].first('entryTtl')) <= 120


def test_restart_keeps_remaining_ttl():
    with Ilsd(*FAST) as srv:
        with Conn(srv.port) as c:
            t = Tapi(c)
            assert all(r.code == 0 for r in t.publish('long', 'host', '10.0.0.1'))
            assert [r.code for r in t.refresh('long', 'host', '30')] == [0, 0]
        NetMeeting(srv.port, 'brief@x').logon()	# default TTL, 2 s
        srv.restart()
        with Conn(srv.port) as c:
            es, _ = c.search(Tapi(c).person_dn('long', 'host'), BASE,
                             F.present('objectClass'), ['entryTtl', 'ipAddress'])
            assert len(es) == 1
            left = int(es[0].first('entryTtl'))
            assert 20 <= left <= 30, left
        time.sleep(2.5)
        assert not exists(srv.port, 'brief@x')
        assert exists(srv.port, 'long]host')


def _send_window(c, pdus, window=500):
    """Pipelines pdus, at most window unanswered; returns the result codes."""
    codes = []
    sent = 0
    ids = []
    while sent < len(pdus) or ids:
        while sent < len(pdus) and len(ids) < window:
            msgid, pdu = pdus[sent]
            ids.append(msgid)
            sent += 1
            c.sock.sendall(pdu)
        m = c.recv()
        if m.op in (0x69, 0x65, 0x67):
            codes.append(m.code)
            ids.remove(m.msgid)
    return codes


def test_mass_expiry_100k():
    n = int(os.environ.get('ILS_MASS_ENTRIES', '100000'))
    with Ilsd('--ttl-min=1', '--sweep-interval=200', '--sweep-batch=' + os.environ.get('ILS_SWEEP_BATCH', '2000'), '--sync=false',
              log_level='debug') as srv, Conn(srv.port, timeout=120) as c:
        c.bind(version=3)
        t0 = time.monotonic()
        pdus = []
        for i in range(n):
            dn = 'cn=mass%06d]host,ou=dynamic,o=Intranet' % i
            pdus.append((i + 10, add_req(i + 10, dn, [
                ('objectClass', ['RTPerson', 'DynamicObject']), ('ipAddress', str(i)),
                ('sflags', '1'), ('ssecurity', '1508109'), ('EntryTTL', '3600')])))
        codes = _send_window(c, pdus)
        t_add = time.monotonic() - t0
        assert codes.count(0) == n, (len(codes), set(codes))
        print('  added %d people in %.1f s (%.0f/s)' % (n, t_add, n / t_add), flush=True)
        NetMeeting(srv.port, 'keeper@x').logon()
        with Conn(srv.port) as k:
            k.bind(version=2)
            k.modify('c=-,o=Microsoft,cn=keeper@x,objectClass=RTPerson',
                     [(REPLACE, 'sttl', '60')])

        # one refresh search brings every mass entry down to ttl-min (1 s)
        t0 = time.monotonic()
        es, done = c.search('ou=dynamic,o=Intranet', ONE, F.sub('cn', 'mass'), ['1.1'],
                            sizelimit=0)
        assert done.code == 0 and len(es) == n
        i = c.msgid()
        c.send(search_req(i, 'objectClass=RTPerson', BASE,
                          F.and_(F.eq('cn', 'mass%'), F.eq('sttl', '0')), ['1.1']))
        es, done = c.collect(i)
        t_refresh = time.monotonic() - t0
        assert done.code == 0 and len(es) == n, (done, len(es))
        expired_at = time.monotonic() + 1.0
        print('  listed and refreshed %d entries to 1 s in %.1f s' % (n, t_refresh), flush=True)

        # searches keep answering while the sweeper deletes them
        lat = []
        with Conn(srv.port) as q:
            q.bind(version=2)
            end = time.monotonic() + 8
            while time.monotonic() < end:
                s = time.monotonic()
                es, done = q.search('objectClass=RTPerson', BASE,
                                    F.and_(F.eq('objectClass', 'RTPerson'),
                                           F.eq('cn', 'keeper@x'), F.eq('sttl', '60')),
                                    ['sttl'])
                lat.append((s, time.monotonic() - s))
                assert done.code == 0 and len(es) == 1, done
                time.sleep(0.01)
        during = [d for s, d in lat if s >= expired_at]
        lat_ms = sorted(d * 1000 for d in during)
        print('  %d keep-alive searches after the expiry: median %.1f ms, p99 %.1f ms, '
              'max %.1f ms' % (len(lat_ms), statistics.median(lat_ms),
                               lat_ms[int(len(lat_ms) * 0.99) - 1], lat_ms[-1]), flush=True)

        # the sweeper's own account (debug log)
        log = srv.log()
        swept = [int(x) for x in re.findall(r'TTL sweep: (\d+) expired entries deleted', log)]
        print('  sweeper deleted %d entries in %d sweeps' % (sum(swept), len(swept)),
              flush=True)
        stamps = [l.split()[0] for l in log.splitlines() if 'TTL sweep:' in l]
        if len(stamps) >= 2:
            print('  first sweep %s, last sweep %s' % (stamps[0], stamps[-1]), flush=True)
        assert sum(swept) >= n, sum(swept)
        es, done = c.search('ou=dynamic,o=Intranet', ONE, F.present('objectClass'), ['cn'])
        assert [e.first('cn') for e in es] == [b'keeper@x'], len(es)
        assert lat_ms[-1] < 2000, lat_ms[-1]


run(globals())
