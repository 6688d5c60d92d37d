"""
test_security_limits.py - the abuse limits (docs/security.md), each
tripped by one client address while another address is still served:
connection, bind and add rates, registrations per address, entries in
total, value size, values per attribute, attributes per entry, the word
filter, the growing delay of failed binds, limit-exempt addresses, the
maximum TTL, and running as an unprivileged user once ports are bound.
"""

import os
import pwd
import socket
import subprocess
import time

from harness import read_response, run
from ils_clients import NetMeeting
from ldapwire import ADD, BASE, REPLACE, SUB, F, children, refresh_req
from security_util import SConn, admin_conn, from_addr, secure_server

A, B = '127.0.0.2', '127.0.0.3'


def server(*extra, users=None):
    return secure_server(None, '--allow-plaintext-password=true', '--limit-exempt=', *extra,
                         users=users)


def logon(srv, email, token='10203040', attrs=None):
    nm = NetMeeting(srv.port, email, ssecurity=token)
    if attrs is not None:
        nm.add_attrs = lambda: attrs
    return nm.logon()[0].code


def served(srv, addr):
    """A quick search from addr answers."""
    with SConn(srv.port, source=addr) as c:
        c.bind(version=3)
        entries, done = c.search('', BASE, F.present('objectClass'), ['vendorName'])
        return done.code == 0 and len(entries) == 1


def test_connection_rate():
    srv = server('--connection-rate-per-ip=1', '--connection-burst-per-ip=3')
    time.sleep(1.1)                  # the start-up probe used a token
    kept = [socket.create_connection(('127.0.0.1', srv.port), source_address=(A, 0))
            for _ in range(3)]
    s = socket.create_connection(('127.0.0.1', srv.port), source_address=(A, 0))
    s.settimeout(5)
    r = read_response(s)             # Notice of Disconnection: busy
    assert (r.msgid, r.code) == (0, 51) and 'connection-rate-per-ip' in r.diag, r
    s.close()
    assert served(srv, B)
    time.sleep(1.1)
    assert served(srv, A)            # the bucket refills
    for k in kept:
        k.close()
    assert 'connection refused: too many new connections' in srv.log()


def test_bind_rate():
    srv = server('--bind-rate-per-ip=1', '--bind-burst-per-ip=3')
    with SConn(srv.port, source=A) as c:
        codes = [c.bind(version=3).code for _ in range(4)]
        assert codes == [0, 0, 0, 51], codes
    assert served(srv, B)


def test_add_rate():
    srv = server('--add-rate-per-ip=1', '--add-burst-per-ip=2')
    with from_addr(A):
        assert [logon(srv, 'r%d@example.org' % i) for i in range(3)] == [0, 0, 51]
    with from_addr(B):
        assert logon(srv, 'other@example.org') == 0


def test_registrations_per_address():
    srv = server('--max-registrations-per-ip=3')
    with from_addr(A):
        assert [logon(srv, 'u%d@example.org' % i) for i in range(4)] == [0, 0, 0, 11]
        # Logging on again (re-registration) at the limit still works.
        assert logon(srv, 'u1@example.org') == 0
        assert NetMeeting(srv.port, 'u0@example.org').logoff().code == 0
        assert logon(srv, 'u3@example.org') == 0
    with from_addr(B):
        assert logon(srv, 'b@example.org') == 0
    # The administrator is not limited.
    with admin_conn(srv, source=A) as c:
        for i in range(4):
            r = c.add('cn=adm%d,ou=Dynamic,o=Intranet' % i,
                      [('objectClass', ['rtPerson', 'dynamicObject']), ('cn', 'adm%d' % i)])
            assert r.code == 0, r


def entry_count(srv):
    with admin_conn(srv) as c:
        total = 0
        for base in ('o=Intranet',):
            entries, done = c.search(base, SUB, F.present('objectClass'), ['1.1'])
            total += len(entries)
        return total


def test_total_entries():
    srv = server()
    n = entry_count(srv)
    srv.stop()
    srv.extra.append('--max-entries=%d' % (n + 2))
    srv.start()
    with from_addr(A):
        assert [logon(srv, 't%d@example.org' % i) for i in range(3)] == [0, 0, 53]
    with from_addr(B):
        assert logon(srv, 'tb@example.org') == 53      # a global limit: full is full
        entries, done = NetMeeting(srv.port, 'x').resolve('t0@example.org')
        assert done.code == 0 and len(entries) == 1     # reads go on
    with from_addr(A):
        assert NetMeeting(srv.port, 't0@example.org').logoff().code == 0
    with from_addr(B):
        assert logon(srv, 'tb@example.org') == 0


def test_entry_size_limits():
    srv = server('--max-value-size=100', '--max-values-per-attribute=3',
                 '--max-attributes-per-entry=24')
    nm = NetMeeting(srv.port, 'size@example.org')
    base = nm.add_attrs()
    with from_addr(A):
        long_comment = [(k, 'x' * 101 if k == 'comment' else v) for k, v in base]
        assert logon(srv, 'size@example.org', attrs=long_comment) == 19
        many = base + [('ilsA%d' % (11111111 + i), '1') for i in range(10)]
        assert logon(srv, 'size@example.org', attrs=many) == 11
        add, mod = nm.logon()
        assert (add.code, mod.code) == (0, 0)
        with SConn(srv.port) as c:
            c.bind()
            r = c.modify(nm.dn, [(REPLACE, 'sport', ['1', '2', '3', '4'])])
            assert r.code == 11, r
            r = c.modify(nm.dn, [(REPLACE, 'location', 'y' * 101)])
            assert r.code == 19, r
            r = c.modify(nm.dn, [(ADD, 'ilsA%d' % (22222222 + i), '1') for i in range(6)])
            assert r.code == 11, r
            assert c.modify(nm.dn, [(REPLACE, 'location', 'Oslo')]).code == 0
    with admin_conn(srv) as c:
        r = c.modify(nm.dn, [(REPLACE, 'location', 'y' * 500)])
        assert r.code == 0, r


def test_word_filter():
    words = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'ilsd-words-%d' % os.getpid())
    with open(words, 'w') as f:
        f.write('# refused words\nbadword\n\nSpamKing\n')
    try:
        srv = server('--word-filter-file=' + words)
        nm = NetMeeting(srv.port, 'clean@example.org')
        with from_addr(A):
            assert logon(srv, 'BADWORD@example.org') == 64
            text = [(k, 'buy from spamking now' if k == 'comment' else v)
                    for k, v in nm.add_attrs()]
            assert logon(srv, 'clean@example.org', attrs=text) == 64
            assert nm.logon()[0].code == 0
            with SConn(srv.port) as c:
                c.bind()
                assert c.modify(nm.dn, [(REPLACE, 'comment', 'a badword')]).code == 64
                assert c.modify(nm.dn, [(REPLACE, 'comment', 'fine')]).code == 0
        assert 'word filter' in srv.log()
    finally:
        os.unlink(words)


def timed_bind(c, pw):
    t = time.monotonic()
    code = c.bind('cn=admin,o=Intranet', pw, version=3).code
    return code, time.monotonic() - t


def test_failed_bind_slowdown():
    srv = server('--failed-bind-delay=200', '--failed-bind-delay-max=800')
    with SConn(srv.port, source=A) as c:
        times = []
        for _ in range(5):
            code, dt = timed_bind(c, 'wrong')
            assert code == 49
            times.append(dt)
        # 0, then 200, 400, 800, 800 ms.
        assert times[0] < 0.15, times
        assert 0.18 < times[1] < 0.6 and 0.38 < times[2] < 0.9, times
        assert 0.75 < times[3] < 1.5 and 0.75 < times[4] < 1.5, times
        # The right password is accepted, after the running delay.
        code, dt = timed_bind(c, srv.admin_pw)
        assert code == 0 and dt < 1.5, (code, dt)
    with SConn(srv.port, source=B) as c:
        code, dt = timed_bind(c, 'wrong')            # another address: not slowed
        assert code == 49 and dt < 0.15, dt
        assert c.bind(version=3).code == 0
    # Anonymous binds from the slowed address are never held (ILS clients).
    with SConn(srv.port, source=A) as c:
        t = time.monotonic()
        assert c.bind(version=2).code == 0 and time.monotonic() - t < 0.15
    assert 'answer held 800 ms' in srv.log(), srv.log()


def test_limit_exempt_addresses():
    srv = secure_server(None, '--allow-plaintext-password=true', '--limit-exempt=127.0.0.2',
                        '--bind-rate-per-ip=1', '--bind-burst-per-ip=1',
                        '--max-registrations-per-ip=1')
    with SConn(srv.port, source=A) as c:
        assert [c.bind(version=3).code for _ in range(5)] == [0] * 5
    with from_addr(A):
        assert [logon(srv, 'e%d@example.org' % i) for i in range(3)] == [0, 0, 0]
    with SConn(srv.port, source=B) as c:
        assert [c.bind(version=3).code for _ in range(2)] == [0, 51]


def test_ttl_maximum():
    srv = server('--ttl-max=900')
    with from_addr(A):
        nm = NetMeeting(srv.port, 'ttl@example.org')
        assert nm.logon()[0].code == 0
        entries, done = nm.refresh(minutes=600)
        assert entries[0].attrs[0][1] == [b'15'], entries[0].attrs   # clamped to 900 s
        with SConn(srv.port) as c:
            c.bind(version=3)
            r = c.extended(refresh_req, 'cn=ttl@example.org,ou=Dynamic,o=Intranet', 86400)
            granted = children(children(r.value)[0][1])   # SEQUENCE { [1] responseTtl }
            assert r.code == 0 and granted == [(0x81, (900).to_bytes(2, 'big'))], granted


def privileged_port():
    for port in range(700, 1000):
        s = socket.socket()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    return None


def test_runs_unprivileged_after_binding():
    if os.geteuid() != 0:
        print('(not root: nothing to drop)')
        return
    nobody = pwd.getpwnam('nobody')
    port = privileged_port()
    srv = server('--user=nobody', '--listen=127.0.0.1:%d' % port)
    with open('/proc/%d/status' % srv.pid) as f:
        uids = [l.split()[1:] for l in f if l.startswith('Uid:')][0]
    assert uids == [str(nobody.pw_uid)] * 4, uids
    assert 'running as uid %d' % nobody.pw_uid in srv.log()
    # Still listening on the privileged port, and still writing the store.
    with SConn(port, source=A) as c:
        assert c.bind(version=2).code == 0
    with from_addr(A):
        assert logon(srv, 'nobody@example.org') == 0
    srv.close()
    bad = secure_server(None, '--user=no-such-user-here', start=False)
    res = subprocess.run(bad.argv(), capture_output=True, text=True, timeout=30)
    assert res.returncode == 1 and 'no user named' in res.stderr, res.stderr


if __name__ == '__main__':
    run(globals())
