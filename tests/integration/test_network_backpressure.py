"""
Back-pressure and search jobs: a 100,000-entry search to a client that
does not read must not grow the server's memory; abandon stops a running
search; several searches on one connection share it; a quick throughput
figure.
"""

import threading
import time

from harness import (Ilsd, Response, abandon_req, ber_str, bind_req, load_people, read_pdu,
                     read_response, run, search_req)

N_ENTRIES = 100000
BASE = 'ou=Dynamic,o=Intranet'
SRV = None


def loaded_server():
    """A server holding N_ENTRIES person entries under ou=Dynamic (loaded once)."""
    global SRV
    if SRV is not None and SRV.running():
        return SRV
    SRV = Ilsd('--sync=false', '--threads=2', '--idle-timeout=120', shared=True)
    started = time.monotonic()
    load_people(SRV, N_ENTRIES, BASE)
    print('loaded %d entries in %.1f s' % (N_ENTRIES, time.monotonic() - started))
    return SRV


def drain_search(sock, msgid):
    """Reads a search's results; returns (entries, SearchResultDone)."""
    entries = 0
    while True:
        r = Response(read_pdu(sock))
        assert r.msgid == msgid, r
        if r.op == 0x64:
            entries += 1
        else:
            assert r.op == 0x65, r
            return entries, r


def test_slow_reader_does_not_grow_memory():
    srv = loaded_server()
    s = srv.raw(timeout=60, rcvbuf=4096)
    time.sleep(0.2)
    rss0, anon0 = srv.rss_kb(), srv.rss_anon_kb()
    s.sendall(search_req(2, base=BASE, scope=1, attrs=['cn', 'sn']))
    peak = peak_anon = 0
    for _ in range(30):                       # 3 s without reading a byte
        time.sleep(0.1)
        peak = max(peak, srv.rss_kb())
        peak_anon = max(peak_anon, srv.rss_anon_kb())
    print('slow reader: VmRSS %d -> %d KiB (+%d), RssAnon %d -> %d KiB (+%d)'
          % (rss0, peak, peak - rss0, anon0, peak_anon, peak_anon - anon0))
    assert peak_anon - anon0 < 20 * 1024, 'heap grew by %d KiB' % (peak_anon - anon0)
    assert peak - rss0 < 60 * 1024, 'RSS grew by %d KiB' % (peak - rss0)
    started = time.monotonic()
    entries, done = drain_search(s, 2)
    elapsed = time.monotonic() - started
    print('then read %d entries in %.2f s (%.0f entries/s); RSS after %d KiB'
          % (entries, elapsed, entries / elapsed, srv.rss_kb()))
    assert entries == N_ENTRIES and done.code == 0, (entries, done)
    s.close()


def test_abandon_running_search():
    srv = loaded_server()
    s = srv.raw(timeout=60, rcvbuf=4096)
    # about 9 MB of results: more than the kernel's socket buffers can swallow
    s.sendall(search_req(2, base=BASE, scope=1, attrs=['cn', 'sn', 'objectClass']))
    time.sleep(0.3)                           # let it fill the socket and pause
    s.sendall(abandon_req(3, 2) + bind_req(4))
    entries = 0
    while True:
        r = read_response(s)
        if r.msgid == 2:
            assert r.op == 0x64, 'abandoned search must not send a SearchResultDone: %r' % r
            entries += 1
            continue
        assert (r.msgid, r.op, r.code) == (4, 0x61, 0), r
        break
    assert 0 < entries < N_ENTRIES, entries
    print('abandoned after %d entries' % entries)
    s.close()


def test_searches_interleave():
    srv = loaded_server()
    s = srv.raw(timeout=60)
    s.sendall(search_req(2, base=BASE, scope=1, attrs=['cn']) +
              search_req(3, base=BASE, scope=1, attrs=['sn']))
    counts = {2: 0, 3: 0}
    first_of_3 = None
    done = {}
    n = 0
    while len(done) < 2:
        r = read_response(s)
        n += 1
        if r.op == 0x64:
            counts[r.msgid] += 1
            if r.msgid == 3 and first_of_3 is None:
                first_of_3 = n
        else:
            done[r.msgid] = r.code
    assert counts == {2: N_ENTRIES, 3: N_ENTRIES}, counts
    assert done == {2: 0, 3: 0}, done
    # round-robin: the second search starts long before the first ends
    assert first_of_3 is not None and first_of_3 < N_ENTRIES // 2, first_of_3
    s.close()


def eq_filter(attr, value):
    return b'\xa3' + bytes([len(attr) + len(value) + 4]) + ber_str(attr) + ber_str(value)


def test_searches_per_second():
    srv = loaded_server()
    duration = 3.0
    results = []

    def client(k, pipelined):
        s = srv.raw(timeout=30)
        done = 0
        msgid = 1
        end = time.monotonic() + duration
        while time.monotonic() < end:
            depth = 16 if pipelined else 1
            batch = b''.join(search_req(msgid + j, base=BASE, scope=1,
                                        filt=eq_filter('cn', 'u%06d' % ((msgid + j) * 7919 % N_ENTRIES)),
                                        attrs=['cn', 'sn']) for j in range(depth))
            s.sendall(batch)
            for j in range(depth):
                entries, r = drain_search(s, msgid + j)
                assert entries == 1 and r.code == 0, (entries, r)
            msgid += depth
            done += depth
        results.append(done)
        s.close()

    for pipelined in (False, True):
        del results[:]
        threads = [threading.Thread(target=client, args=(k, pipelined)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print('%s: %.0f searches/s (4 connections, equality on cn, 1 entry each)'
              % ('pipelined x16' if pipelined else 'one at a time', sum(results) / duration))
        assert sum(results) > 0


run(globals())
