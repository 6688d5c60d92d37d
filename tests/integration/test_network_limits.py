"""
Connection limits: many connections held open, per-address and total
limits, idle timeout, outstanding operations per connection.
"""

import time

from harness import (Ilsd, bind_req, load_people, raise_nofile, read_response, run, search_req)


def expect_notice(sock, code, timeout=5.0):
    sock.settimeout(timeout)
    r = read_response(sock)
    assert r.msgid == 0 and r.op == 0x78 and r.code == code, r
    try:
        assert sock.recv(1) == b''
    except ConnectionResetError:
        pass
    return r


def bind_ok(sock, msgid=1):
    sock.sendall(bind_req(msgid))
    r = read_response(sock)
    assert (r.msgid, r.code) == (msgid, 0), r


def test_thousand_connections_held_open():
    want = 1000
    raise_nofile(want + 200)
    srv = Ilsd('--max-connections-per-ip=0', '--threads=2')
    socks = []
    for _ in range(want):
        socks.append(srv.raw())
    for i, s in enumerate(socks):
        s.sendall(bind_req(i + 1))
    for i, s in enumerate(socks):
        r = read_response(s)
        assert (r.msgid, r.code) == (i + 1, 0), r
    # with all of them open, searches still answer promptly
    started = time.monotonic()
    for n in range(20):
        out = srv.ldap('ldapsearch', '-b', '', '-s', 'base', 'namingContexts')
        assert 'namingContexts' in out.stdout
    elapsed = time.monotonic() - started
    for i, s in enumerate(socks[::100]):
        bind_ok(s, 5000 + i)
    print('held %d connections; 20 ldapsearch runs took %.2f s; server RSS %d KiB'
          % (len(socks), elapsed, srv.rss_kb()))
    for s in socks:
        s.close()
    srv.close()


def test_max_connections_per_ip():
    srv = Ilsd('--max-connections-per-ip=5')
    socks = [srv.raw() for _ in range(5)]
    for s in socks:
        bind_ok(s)
    extra = srv.raw()
    r = expect_notice(extra, 51)
    assert 'max-connections-per-ip' in r.diag, r
    extra.close()
    # a slot freed is a slot available again
    socks.pop().close()
    deadline = time.monotonic() + 5
    while True:
        s = srv.raw()
        s.sendall(bind_req(1))
        r = read_response(s)
        if r.op == 0x61:
            break
        s.close()
        assert time.monotonic() < deadline, 'slot never freed'
        time.sleep(0.05)
    assert r.code == 0
    s.close()
    for s in socks:
        s.close()
    assert 'too many connections from this address' in srv.log()
    srv.close()


def test_max_connections_total():
    srv = Ilsd('--max-connections=3', '--max-connections-per-ip=0')
    socks = [srv.raw() for _ in range(3)]
    for s in socks:
        bind_ok(s)
    extra = srv.raw()
    expect_notice(extra, 51)
    extra.close()
    for s in socks:
        bind_ok(s, 2)
        s.close()
    srv.close()


def test_idle_timeout():
    srv = Ilsd('--idle-timeout=2')
    idle = srv.raw()
    busy = srv.raw()
    bind_ok(idle)
    started = time.monotonic()
    # the busy connection talks every 0.5 s and must survive
    for i in range(8):
        bind_ok(busy, i + 1)
        time.sleep(0.5)
    r = expect_notice(idle, 52)
    assert 'idle' in r.diag, r
    assert time.monotonic() - started >= 1.9
    bind_ok(busy, 100)
    idle.close()
    busy.close()
    srv.close()


def test_max_ops_per_connection_busy():
    srv = Ilsd('--max-ops-per-connection=2', '--sync=false')
    load_people(srv, 3000)
    s = srv.raw()
    # three large searches in one segment: two run, the third is refused
    big = dict(base='ou=Dynamic,o=Intranet', scope=1, attrs=['cn', 'sn'])
    s.sendall(search_req(1, **big) + search_req(2, **big) + search_req(3, **big))
    done = {}
    entries = {1: 0, 2: 0, 3: 0}
    while len(done) < 3:
        r = read_response(s)
        if r.op == 0x65:
            done[r.msgid] = r.code
        else:
            entries[r.msgid] += 1
    assert done == {1: 0, 2: 0, 3: 51}, done
    assert entries == {1: 3000, 2: 3000, 3: 0}, entries
    # once they are finished, new searches run again
    s.sendall(search_req(4, base='', scope=0))
    r = read_response(s)
    while r.op == 0x64:
        r = read_response(s)
    assert (r.msgid, r.code) == (4, 0), r
    s.close()
    srv.close()


run(globals())
