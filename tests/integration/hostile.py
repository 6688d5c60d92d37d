"""
hostile.py - helpers for the hostile-input tests (test_hostile_*.py): real
requests to cut and mutate, a reader that tells how the server ended a
connection, and the health check run after every batch.

The rule every test enforces: a malformed request gets an LDAP result or a
Notice of Disconnection (message ID 0, extendedResponse, OID
1.3.6.1.4.1.1466.20036) and only that connection goes away; a fresh
connection is answered normally afterwards, and the server stops cleanly
(exit 0, no sanitizer report: the harness checks its log).
"""

import socket
import time

from harness import (ber_int, ber_len, ber_seq, ber_str, ber_tlv, bind_req, control, controls,
                     ldap_msg, search_req, unbind_req)
import ldapwire
from ldapwire import F

NOTICE_OID = b'1.3.6.1.4.1.1466.20036'


class Ended:
    """How a connection ended, as read by read_until()."""

    def __init__(self):
        self.msgs = []          # (msgid, op, code) of every message read
        self.closed = False     # the server closed the connection
        self.notice = None      # result code of a Notice of Disconnection, if one came
        self.timed_out = False
        self.garbage = False    # bytes that are not an LDAPMessage

    def ops(self):
        return [op for _, op, _ in self.msgs]

    def __repr__(self):
        return '<Ended msgs=%r closed=%s notice=%s timed_out=%s garbage=%s>' % (
            self.msgs[-5:], self.closed, self.notice, self.timed_out, self.garbage)


def parse_msg(pdu):
    """(msgid, op, code or None, is_notice) of one response PDU; raises ValueError."""
    tag, content, end = ldapwire.parse_tlv(pdu)
    if tag != 0x30 or end != len(pdu):
        raise ValueError('not an LDAPMessage')
    parts = ldapwire.children(content)
    msgid = int.from_bytes(parts[0][1], 'big', signed=True)
    op, body = parts[1]
    code = None
    notice = False
    if op in ldapwire.RESULT_OPS:
        fields = ldapwire.children(body)
        code = int.from_bytes(fields[0][1], 'big')
        notice = op == 0x78 and msgid == 0 and any(
            t == 0x8a and v == NOTICE_OID for t, v in fields[3:])
    return msgid, op, code, notice


def read_until(sock, stop_msgid=None, timeout=10.0):
    """Reads responses until the message stop_msgid's final result arrives (search: its
    SearchResultDone), the server closes, or timeout.  Returns an Ended."""
    out = Ended()
    buf = b''
    deadline = time.monotonic() + timeout
    while True:
        while True:
            n = ldapwire.frame(buf)
            if n == 0:
                break
            pdu, buf = buf[:n], buf[n:]
            try:
                msgid, op, code, notice = parse_msg(pdu)
            except (ValueError, IndexError):
                out.garbage = True
                continue
            out.msgs.append((msgid, op, code))
            if notice:
                out.notice = code
            if stop_msgid is not None and msgid == stop_msgid and op != 0x64 and op != 0x73:
                return out
        left = deadline - time.monotonic()
        if left <= 0:
            out.timed_out = True
            return out
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            out.timed_out = True
            return out
        except (ConnectionResetError, BrokenPipeError):
            chunk = b''
        if not chunk:
            out.closed = True
            if buf:
                out.garbage = True
            return out
        buf += chunk


def send_quietly(sock, data):
    """sendall that tolerates the server having closed already."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def healthy(srv, msgid=7):
    """A fresh connection gets the root DSE: the server is alive and not wedged."""
    s = srv.raw(timeout=10)
    try:
        s.sendall(search_req(msgid, base='', scope=0, attrs=['namingContexts']))
        e = read_until(s, msgid, timeout=10)
        assert not e.timed_out and not e.closed, 'health check: %r' % e
        assert e.msgs[-1] == (msgid, 0x65, 0), 'health check: %r' % e
        assert 0x64 in e.ops(), 'health check: no root DSE entry: %r' % e
    finally:
        s.close()


def open_fds(srv):
    import os
    return len(os.listdir('/proc/%d/fd' % srv.pid))


def assert_connections_released(srv, baseline, timeout=10.0):
    """Every hostile connection is gone: the server's open descriptors return to
    baseline (taken on the idle server) within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        now = open_fds(srv)
        if now <= baseline:
            return
        assert time.monotonic() < deadline, 'server still holds %d descriptors (was %d)' % (
            now, baseline)
        time.sleep(0.1)


def assert_clean_stop(srv):
    code = srv.stop()
    assert code == 0, 'ilsd exited %r' % code


def with_msgid(pdu, msgid):
    """The same LDAPMessage with another message ID."""
    _, content, _ = ldapwire.parse_tlv(pdu)
    _, _, rest = ldapwire.parse_tlv(content)
    return ber_seq(ber_int(msgid), content[rest:])


def is_unbind(pdu):
    """Does pdu decode far enough to be an UnbindRequest (which closes without a notice)?"""
    try:
        tag, content, _ = ldapwire.parse_tlv(pdu)
        parts = ldapwire.children(content)
        return tag == 0x30 and len(parts) >= 2 and parts[1][0] == 0x42
    except (ValueError, IndexError):
        return False


def register_people(srv, count):
    """count people registered the NetMeeting way (anonymous, pipelined)."""
    s = srv.raw(timeout=60)
    reqs = [ldapwire.bind_req(1, version=2)]
    for i in range(count):
        reqs.append(ldapwire.add_req(i + 2, 'c=-,o=Microsoft,cn=u%05d@example.com,'
                                     'objectClass=RTPerson' % i,
                                     [('cn', 'u%05d@example.com' % i), ('givenname', 'U'),
                                      ('surname', 'Person %d' % i), ('comment', 'x' * 200),
                                      ('sipaddress', '16777343'), ('sttl', '10')]))
    s.sendall(b''.join(reqs))
    e = read_until(s, count + 1, timeout=60)
    s.close()
    added = [m for m in e.msgs if m[1] == 0x69 and m[2] == 0]
    assert len(added) == count, e


# ---- real requests, as the clients send them ----

def sample_requests():
    """A list of (name, pdu) covering every operation and the ILS shapes."""
    w = ldapwire
    nm_dn = 'c=-,o=Microsoft,cn=eric@example.com,objectClass=RTPerson'
    return [
        ('bind_v2_anon', w.bind_req(1, version=2)),
        ('bind_v3_admin', w.bind_req(2, 'cn=admin,o=Intranet', 'secret', version=3)),
        ('bind_sasl', ldap_msg(3, ber_seq(ber_int(3), ber_str(''),
                                          ber_seq(ber_str('PLAIN'), ber_str(b'\0u\0p'),
                                                  tag=0xa3), tag=0x60))),
        ('bind_sicily_discovery', ldap_msg(4, ber_seq(ber_int(3), ber_str(''),
                                                      ber_str(b'', 0x89), tag=0x60))),
        ('nm_add', w.add_req(5, nm_dn, [('cn', 'eric@example.com'), ('givenname', 'Eric'),
                                         ('sipaddress', '16777343'), ('sttl', '10'),
                                         ('ssecurity', '1')])),
        ('nm_modify', w.modify_req(6, nm_dn, [(w.ADD, 'smodop', '0'),
                                              (w.ADD, 'sappid', 'ms-netmeeting'),
                                              (w.ADD, 'sprotid', ['t120', 'h323']),
                                              (w.ADD, 'sport', ['1503', '1720'])])),
        ('nm_refresh', w.search_req(7, 'objectClass=RTPerson', w.BASE,
                                    F.and_(F.eq('objectClass', 'RTPerson'),
                                           F.eq('cn', 'eric@example.com'), F.eq('sttl', '10')),
                                    ['sttl'])),
        ('nm_listing', w.search_req(8, 'objectClass=RTPerson', w.BASE,
                                    F.and_(F.eq('cn', '%'), F.eq('sappid', 'ms-netmeeting')),
                                    ['cn', 'givenName', 'sipaddress'], timelimit=30)),
        ('ldap_search', w.search_req(9, 'o=Intranet', w.SUB,
                                     F.or_(F.sub('cn', 'a', ['b'], 'c'), F.ge('cn', 'x'),
                                           F.not_(F.present('sn')), F.le('uid', 'z')),
                                     ['cn', '+'])),
        ('ext_match', search_req(10, base='o=Intranet', scope=2,
                                 filt=ber_seq(ber_str('2.5.13.2', 0x81), ber_str('cn', 0x82),
                                              ber_str('x', 0x83), b'\x84\x01\xff', tag=0xa9))),
        ('compare', w.compare_req(11, 'cn=admin,o=Intranet', 'cn', 'admin')),
        ('delete', w.delete_req(12, nm_dn)),
        ('moddn', ldap_msg(13, ber_seq(ber_str('cn=a,o=Intranet'), ber_str('cn=b'),
                                       b'\x01\x01\xff', tag=0x6c))),
        ('whoami', w.extended_req(14, '1.3.6.1.4.1.4203.1.11.3')),
        ('refresh', w.refresh_req(15, 'cn=x,ou=Dynamic,o=Intranet', 600)),
        ('abandon', ldap_msg(16, ber_int(5, 0x50))),
        ('search_ctl', search_req(17, base='', scope=0,
                                  ctls=controls(control('1.2.840.113556.1.4.319', False,
                                                        b'\x30\x05\x02\x01\x05\x04\x00'),
                                                control('2.16.840.1.113730.3.4.2', True)))),
        ('unbind', unbind_req(18)),
    ]
