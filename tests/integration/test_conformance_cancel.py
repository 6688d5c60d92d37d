"""
test_conformance_cancel.py - the Cancel extended operation (RFC 3909,
1.3.6.1.1.8) over a raw socket and through python-ldap.

Covers: Cancel is advertised in supportedExtension; a running search ends
with canceled (118) before the Cancel itself answers success, with no
response name or value; an unknown message ID gives noSuchOperation
(119); Bind, Abandon and Cancel itself give cannotCancel (121); an
operation already answered gives tooLate (120); a missing or malformed
requestValue is a protocolError; a client that stopped reading a large
result can still cancel it; python-ldap's cancel() and its ExtendedRequest
with a hand-encoded value.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Ilsd, run, load_people, read_response, search_req, admin_sock,  # noqa: E402
                     extended_req, abandon_req, ber_seq, ber_int, ber_str, read_pdu,
                     Response)

import ldap  # noqa: E402
from ldap.extop import ExtendedRequest  # noqa: E402

CANCEL = '1.3.6.1.1.8'
DYN = 'ou=Dynamic,o=Intranet'


def cancel_req(msgid, target):
    return extended_req(msgid, CANCEL, ber_seq(ber_int(target)))


def responses_until(sock, msgid, op):
    """Reads responses until one with msgid and op; returns all of them."""
    out = []
    while True:
        r = Response(read_pdu(sock))
        out.append(r)
        if r.msgid == msgid and r.op == op:
            return out


def test_advertised():
    with Ilsd() as srv:
        out = srv.ldap('ldapsearch', '-LLL', '-b', '', '-s', 'base', '(objectClass=*)',
                       'supportedExtension').stdout
        assert 'supportedExtension: ' + CANCEL in out, out


def test_cancel_running_search():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 3000)
        s = admin_sock(srv, rcvbuf=4096)
        # Both requests in one segment: the search is still producing its first
        # 64 KiB slice when the cancel is read.
        s.sendall(search_req(2, DYN, 1) + cancel_req(3, 2))
        time.sleep(0.3)
        got = responses_until(s, 3, 0x78)
        done = [r for r in got if r.msgid == 2 and r.op == 0x65]
        entries = [r for r in got if r.msgid == 2 and r.op == 0x64]
        assert len(done) == 1 and done[0].code == 118, done
        assert got.index(done[0]) < len(got) - 1, 'canceled search must end before the cancel'
        assert len(entries) < 3000, len(entries)
        final = got[-1]
        assert final.code == 0 and final.name is None and final.value is None, final
        # The connection goes on.
        s.sendall(search_req(4, DYN, 0, attrs=['1.1']))
        r = read_response(s)
        assert r.msgid == 4 and r.op == 0x64, r
        s.close()


def test_cancel_answers():
    with Ilsd() as srv:
        s = admin_sock(srv)
        # Unknown ID.
        s.sendall(cancel_req(2, 999))
        r = read_response(s)
        assert r.msgid == 2 and r.op == 0x78 and r.code == 119, r
        # The bind (message 1) cannot be canceled.
        s.sendall(cancel_req(3, 1))
        assert read_response(s).code == 121
        # Nor can the Cancel itself.
        s.sendall(cancel_req(4, 4))
        assert read_response(s).code == 121
        # Nor an Abandon.
        s.sendall(abandon_req(5, 77) + cancel_req(6, 5))
        assert read_response(s).code == 121
        # A search that has completed: too late.
        s.sendall(search_req(7, '', 0, attrs=['1.1']))
        assert read_response(s).op == 0x64
        assert read_response(s).code == 0
        s.sendall(cancel_req(8, 7))
        assert read_response(s).code == 120
        # A write that has completed: too late as well.
        s.sendall(extended_req(9, '1.3.6.1.4.1.4203.1.11.3'))
        assert read_response(s).code == 0
        s.sendall(cancel_req(10, 9))
        assert read_response(s).code == 120
        # Malformed requests.
        s.sendall(extended_req(11, CANCEL))
        r = read_response(s)
        assert r.msgid == 11 and r.code == 2, r
        s.sendall(extended_req(12, CANCEL, ber_str('x')))
        assert read_response(s).code == 2
        s.sendall(extended_req(13, CANCEL, ber_seq(ber_int(-1))))
        assert read_response(s).code == 2
        s.sendall(search_req(14, '', 0, attrs=['1.1']))
        assert read_response(s).msgid == 14
        s.close()


def test_cancel_when_client_stopped_reading():
    """The output is over the high-water mark; Cancel still gets through."""
    with Ilsd('--sync=false', '--write-buffer-high-water=65536') as srv:
        # About 8 MB of results: more than the kernel's socket buffers hold.
        l = srv.python_ldap()
        big = b'x' * 40000
        ids = [l.add('cn=big%03d,%s' % (i, DYN), [('objectClass', [b'person']),
                                                  ('cn', [b'big%03d' % i]), ('sn', [b's']),
                                                  ('description', [big])])
               for i in range(200)]
        for msgid in ids:
            l.result(msgid)
        l.unbind_s()
        s = admin_sock(srv, rcvbuf=4096)
        s.sendall(search_req(2, DYN, 1))
        time.sleep(0.5)		# the server fills the socket and its buffer, then waits
        s.sendall(cancel_req(3, 2))
        time.sleep(0.3)
        got = responses_until(s, 3, 0x78)
        assert got[-1].code == 0, got[-1]
        done = [r for r in got if r.msgid == 2 and r.op == 0x65]
        assert len(done) == 1 and done[0].code == 118, done
        s.close()


def test_python_ldap_cancel():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 50)
        l = srv.python_ldap()
        # Unknown ID through libldap's cancel().
        try:
            l.cancel_s(12345)
            raise AssertionError('cancel of an unknown operation succeeded')
        except ldap.NO_SUCH_OPERATION:
            pass
        # A hand-encoded request value through ExtendedRequest.
        value = ber_seq(ber_int(54321))
        try:
            l.extop_s(ExtendedRequest(CANCEL, value))
            raise AssertionError('cancel of an unknown operation succeeded')
        except ldap.NO_SUCH_OPERATION:
            pass
        # A completed search.
        msgid = l.search(DYN, ldap.SCOPE_ONELEVEL, '(objectClass=*)', ['1.1'])
        assert len(l.result(msgid)[1]) == 50
        try:
            l.cancel_s(msgid)
            raise AssertionError('cancel of a completed search succeeded')
        except ldap.TOO_LATE:
            pass
        l.unbind_s()


run(globals())
