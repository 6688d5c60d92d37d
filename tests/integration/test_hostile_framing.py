"""
Hostile input at the framing level: every prefix of real requests, wrong
outer tags, indefinite and absurd lengths, requests dribbled a byte at a
time, a hundred pipelined requests in one write, clients that close or
half-close at once.  After every batch a fresh connection must still be
answered, and the server must stop cleanly (exit 0, no sanitizer report).
"""

import socket
import time

from harness import Ilsd, ber_int, ber_seq, ber_str, ldap_msg, run, search_req
from hostile import (assert_clean_stop, assert_connections_released, healthy, open_fds,
                     read_until, register_people, sample_requests, send_quietly,
                     with_msgid)


def test_every_truncation_of_real_requests():
    """A request cut at any byte, then the connection closed or half-closed: no answer is
    owed, the server must simply drop the connection."""
    srv = Ilsd('--max-connections-per-ip=0')
    fds = open_fds(srv)
    cuts = 0
    for name, pdu in sample_requests():
        for n in range(1, len(pdu)):
            s = srv.raw(timeout=5)
            s.sendall(pdu[:n])
            if n % 2:
                s.close()
            else:
                s.shutdown(socket.SHUT_WR)
                e = read_until(s, None, timeout=5)
                assert e.closed and not e.timed_out, (name, n, e)
                # nothing complete was sent: nothing may be answered but a notice
                assert all(msgid == 0 for msgid, _, _ in e.msgs), (name, n, e)
                s.close()
            cuts += 1
        healthy(srv)
    print('%d truncated requests' % cuts)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_truncated_then_waiting_client():
    """A cut request on a connection that stays open: the server waits for the rest
    (or the idle timeout) and serves everyone else meanwhile."""
    srv = Ilsd('--idle-timeout=2')
    fds = open_fds(srv)
    pdu = sample_requests()[6][1]
    waiting = [srv.raw(timeout=5) for _ in range(20)]
    for i, s in enumerate(waiting):
        s.sendall(pdu[:1 + i % (len(pdu) - 1)])
    healthy(srv)
    # the rest arrives: the request is answered
    s = waiting[5]
    s.sendall(pdu[1 + 5:])
    e = read_until(s, 7, timeout=5)
    assert e.msgs and e.msgs[-1][:2] == (7, 0x65), e
    # the others are dropped by the idle timeout with a notice
    e = read_until(waiting[0], None, timeout=6)
    assert e.closed and e.notice == 52, e
    for s in waiting:
        s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def expect_disconnect(srv, data, codes=(2,)):
    s = srv.raw(timeout=5)
    send_quietly(s, data)
    e = read_until(s, None, timeout=5)
    s.close()
    assert e.closed and not e.timed_out, (data[:16], e)
    assert e.notice in codes, (data[:16], e)
    return e


def test_wrong_outer_tags():
    srv = Ilsd()
    fds = open_fds(srv)
    good = search_req(1, base='', scope=0)
    for tag in (0x00, 0x01, 0x02, 0x04, 0x10, 0x31, 0x60, 0x63, 0x1f, 0x3f, 0x7f, 0x80, 0xa0,
                0xff):
        expect_disconnect(srv, bytes([tag]) + good[1:])
    # a right outer tag around a wrong first element (message ID not an INTEGER)
    expect_disconnect(srv, ber_seq(ber_str('1'), b'\x42\x00'))
    expect_disconnect(srv, ber_seq(ber_int(1, 0x0a), b'\x42\x00'))
    # no protocolOp, or an unknown application tag
    expect_disconnect(srv, ber_seq(ber_int(1)))
    for op in (0x40, 0x41, 0x45, 0x55, 0x5f, 0x7f, 0x79, 0xbf, 0x04):
        expect_disconnect(srv, ldap_msg(1, bytes([op]) + b'\x00'))
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_indefinite_and_absurd_lengths():
    srv = Ilsd()
    fds = open_fds(srv)
    expect_disconnect(srv, b'\x30\x80' + search_req(1, base='', scope=0)[2:] + b'\x00\x00')
    # outer lengths the server cannot or will not take: protocol error or admin limit
    for head in (b'\x30\x84\xff\xff\xff\xff', b'\x30\x84\x7f\xff\xff\xff',
                 b'\x30\x88\x00\x00\x00\x00\x00\x00\x00\x05', b'\x30\x85\x00\x00\x00\x00\x05',
                 b'\x30\xff', b'\x30\x83\x10\x00\x01', b'\x30\x84\x00\x10\x00\x01'):
        expect_disconnect(srv, head + b'\x02\x01\x01', codes=(2, 11))
    # an inner element claiming more than its parent holds
    inner = b'\x02\x01\x01\x63\x84\xff\xff\xff\xff\x04\x00'
    expect_disconnect(srv, b'\x30' + bytes([len(inner)]) + inner)
    inner = b'\x02\x01\x01\x63\x80\x04\x00\x00\x00'
    expect_disconnect(srv, b'\x30' + bytes([len(inner)]) + inner)
    # non-minimal but valid long-form lengths are accepted (BER allows them)
    body = ber_int(3) + b'\x42\x00'
    s = srv.raw()
    s.sendall(b'\x30\x84\x00\x00\x00' + bytes([len(body)]) + body)
    e = read_until(s, None, timeout=5)
    assert e.closed and not e.timed_out and (e.notice in (None, 2)), e
    s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_one_byte_writes_with_delays():
    srv = Ilsd()
    fds = open_fds(srv)
    s = srv.raw(timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = b''.join(pdu for name, pdu in sample_requests()[:3]) + search_req(99, base='',
                                                                            scope=0)
    for i in range(len(data)):
        s.sendall(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.002)
    e = read_until(s, 99, timeout=10)
    assert not e.timed_out and e.msgs[-1] == (99, 0x65, 0), e
    # the three binds are answered, in order (their codes depend on the security set-up)
    assert [m[:2] for m in e.msgs if m[1] == 0x61] == [(1, 0x61), (2, 0x61), (3, 0x61)], e
    s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_hundred_pipelined_requests_in_one_write():
    srv = Ilsd()
    fds = open_fds(srv)
    s = srv.raw(timeout=10)
    answered = [pdu for name, pdu in sample_requests()
                if name not in ('unbind', 'abandon', 'bind_sicily_discovery')]
    reqs = [with_msgid(answered[i % len(answered)], 100 + i) for i in range(100)]
    s.sendall(b''.join(reqs))
    e = read_until(s, 199, timeout=15)
    assert not e.timed_out and not e.closed, e
    # answered in order (on a nearly empty directory every search ends in its first slice)
    finals = [m[0] for m in e.msgs if m[1] not in (0x64, 0x73)]
    assert finals == list(range(100, 200)), e
    s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_send_and_close_at_once():
    srv = Ilsd('--max-connections-per-ip=0')
    fds = open_fds(srv)
    big = search_req(1, base='o=Intranet', scope=2)
    for i in range(300):
        s = srv.raw(timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00'
                     if i % 3 == 0 else b'\x00' * 8)     # every third one with an RST
        s.sendall(big * (1 + i % 5))
        s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_half_close_still_answered():
    """A client that sends its requests and shuts down its sending side still gets
    every answer, then the server closes."""
    srv = Ilsd()
    fds = open_fds(srv)
    for count in (1, 5, 100):
        s = srv.raw(timeout=10)
        s.sendall(b''.join(search_req(i + 1, base='', scope=0) for i in range(count)))
        s.shutdown(socket.SHUT_WR)
        e = read_until(s, count, timeout=10)
        assert not e.timed_out, e
        got = [m[0] for m in e.msgs if m[1] == 0x65]
        assert got == list(range(1, count + 1)), (count, e)
        e = read_until(s, None, timeout=10)
        assert e.closed and not e.timed_out, e
        s.close()
    # results far larger than the socket buffers: all of them still arrive
    register_people(srv, 300)
    for rcvbuf in (None, 4096):
        s = srv.raw(timeout=10, rcvbuf=rcvbuf)
        s.sendall(b''.join(search_req(i + 1, base='ou=Dynamic,o=Intranet', scope=1)
                           for i in range(3)))
        s.shutdown(socket.SHUT_WR)
        time.sleep(0.3)
        e = read_until(s, None, timeout=10)
        s.close()
        assert e.closed and not e.timed_out and not e.garbage, e
        # searches run side by side: each is complete, in whatever order they end
        counts = {}
        for m in e.msgs:
            counts[m[:2]] = counts.get(m[:2], 0) + 1
        assert counts == {(i, op): n for i in (1, 2, 3) for op, n in ((0x64, 300), (0x65, 1))}, \
            (rcvbuf, sorted(counts.items()))
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


run(globals())
