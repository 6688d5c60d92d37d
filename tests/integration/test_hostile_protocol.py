"""
Well-framed but hostile requests: invalid UTF-8 and Latin-1 in every
string field, responses sent as requests, message IDs at and past the
limits, bind versions 0 1 4 255, SASL without credentials, Sicily blobs of
odd sizes, Abandon of unknown IDs, an Unbind followed by more requests,
and many connections doing all of it at once.  Each gets a result or a
Notice of Disconnection, only that connection goes away, a fresh
connection is answered afterwards, and the server stops cleanly.
"""

import random
import threading
import time

import ldapwire
from harness import (Ilsd, ber_int, ber_seq, ber_str, control, controls, ldap_msg, run,
                     search_req, unbind_req)
from hostile import (assert_clean_stop, assert_connections_released, healthy, open_fds,
                     read_until, send_quietly, with_msgid)

BAD_STRINGS = [b'\xff\xfe', b'\xc3', b'\xc3\x28', b'\xe2\x82', b'\xed\xa0\x80',
               b'\xf8\x88\x80\x80\x80', b'\xc0\xaf', b'\xe9t\xe9', b'caf\xe9', b'\x00', b'a\x00b',
               b'\x80' * 300,
               b'%', b'\\', b'\\zz', b'=,+<>#;', b'\x1b[2J', b'\xef\xbb\xbf', b' ' * 50,
               b'x' * 5000]


def request_then_probe(srv, pdu, msgid, probe_id=900):
    """Sends pdu and a probe search on one connection; returns the Ended.  The request
    must be answered (with msgid) or end in a Notice of Disconnection."""
    s = srv.raw(timeout=10)
    send_quietly(s, pdu + search_req(probe_id, base='', scope=0, attrs=['1.1']))
    e = read_until(s, probe_id, timeout=10)
    s.close()
    assert not e.timed_out and not e.garbage, (pdu[:40], e)
    if e.notice is None:
        assert not e.closed, ('closed without a notice', pdu[:40], e)
        assert any(m[0] == msgid for m in e.msgs) or msgid is None, (pdu[:40], e)
        assert e.msgs[-1] == (probe_id, 0x65, 0), e
    return e


def bad_string_requests(bad, i):
    w = ldapwire
    dn_bad = b'cn=' + bad + b',ou=Dynamic,o=Intranet'
    pseudo = b'c=-,o=Microsoft,cn=' + bad + b',objectClass=RTPerson'
    return [
        w.bind_req(1, bad, bad, version=2),
        w.bind_req(1, dn_bad, b'', version=3),
        w.add_req(1, pseudo, [('cn', bad), ('givenname', bad), ('sttl', bad),
                              ('sipaddress', bad)]),
        w.add_req(1, dn_bad, [(b'objectClass', [b'person', bad]), (bad, bad), ('cn', bad),
                              ('sn', bad)]),
        w.modify_req(1, pseudo, [(w.REPLACE, 'smodop', bad), (w.ADD, bad, bad),
                                 (w.DELETE, 'comment', bad)]),
        w.modify_req(1, dn_bad, [(w.REPLACE, 'sn', bad)]),
        w.delete_req(1, bad),
        w.delete_req(1, pseudo),
        w.compare_req(1, bad, bad, bad),
        w.compare_req(1, 'cn=admin,o=Intranet', 'cn', bad),
        w.search_req(1, bad, w.SUB, w.F.eq(bad, bad), [bad]),
        w.search_req(1, b'objectClass=RTPerson', w.BASE,
                     w.F.and_(w.F.eq('cn', bad + b'%'), w.F.eq('sttl', bad)), ['sttl', bad]),
        w.search_req(1, 'o=Intranet', w.SUB,
                     w.F.or_(w.F.sub('cn', bad, [bad], bad), w.F.ge(bad, bad),
                             w.F.present(bad)), []),
        w.search_req(1, pseudo, w.SUB, w.F.present('objectClass'), []),
        search_req(1, base='o=Intranet', scope=2,
                   filt=ber_seq(ber_str(bad, 0x81), ber_str(bad, 0x82), ber_str(bad, 0x83),
                                tag=0xa9)),
        w.extended_req(1, bad, bad),
        w.extended_req(1, '1.3.6.1.4.1.1466.101.119.1', bad),
        w.refresh_req(1, bad, 600),
        search_req(1, base='', scope=0, ctls=controls(control(bad, bool(i % 2), bad))),
        ldap_msg(1, ber_seq(ber_str(dn_bad), ber_str(b'cn=' + bad), b'\x01\x01\xff',
                            tag=0x6c)),
        ldap_msg(1, ber_seq(ber_int(3), ber_str(bad),
                            ber_seq(ber_str(bad), ber_str(bad), tag=0xa3), tag=0x60)),
    ]


def test_invalid_utf8_and_latin1_everywhere():
    srv = Ilsd('--max-connections-per-ip=0')
    fds = open_fds(srv)
    count = 0
    for i, bad in enumerate(BAD_STRINGS):
        for j, pdu in enumerate(bad_string_requests(bad, i)):
            request_then_probe(srv, with_msgid(pdu, 10 + j), 10 + j)
            count += 1
        healthy(srv)
    print('%d requests with bad strings' % count)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_responses_sent_as_requests():
    srv = Ilsd()
    fds = open_fds(srv)
    result = ber_int(0, 0x0a) + ber_str('') + ber_str('')
    for op in (0x61, 0x65, 0x67, 0x69, 0x6b, 0x6d, 0x6f, 0x78, 0x79):
        e = request_then_probe(srv, ldap_msg(3, ber_seq(result, tag=op)), 3)
        assert e.notice == 2, (hex(op), e)
    entry = ldap_msg(3, ber_seq(ber_str('cn=x,o=Intranet'),
                                ber_seq(ber_seq(ber_str('cn'), ber_seq(ber_str('x'), tag=0x31))),
                                tag=0x64))
    assert request_then_probe(srv, entry, 3).notice == 2
    ref = ldap_msg(3, ber_seq(ber_str('ldap://x/'), tag=0x73))
    assert request_then_probe(srv, ref, 3).notice == 2
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_message_ids():
    srv = Ilsd()
    fds = open_fds(srv)
    probe = search_req(1, base='', scope=0, attrs=['1.1'])
    # 0 and negative IDs, and IDs past 2^31-1, end the connection
    for bad in (0, -1, -2147483648, 2147483648, 2 ** 40):
        e = request_then_probe(srv, with_msgid(probe, bad), None)
        assert e.notice == 2, (bad, e)
    # an over-long INTEGER encoding
    request_then_probe(srv, ber_seq(b'\x02\x09' + b'\x00' * 8 + b'\x01', probe[5:]), None)
    # the largest ID is answered with that ID
    s = srv.raw()
    s.sendall(with_msgid(probe, 2 ** 31 - 1))
    e = read_until(s, 2 ** 31 - 1)
    assert e.msgs[-1] == (2 ** 31 - 1, 0x65, 0), e
    s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_bind_versions_and_methods():
    srv = Ilsd()
    fds = open_fds(srv)
    for v in (0, 1, 4, 5, 127, 255, 256, -1):
        e = request_then_probe(srv, ldapwire.bind_req(5, version=v), 5)
        assert e.msgs[0][:2] == (5, 0x61) and e.msgs[0][2] == 2, (v, e)
    # SASL: no credentials, empty mechanism, unknown mechanism, every real one
    for mech in (b'', b'PLAIN', b'EXTERNAL', b'DIGEST-MD5', b'GSSAPI', b'NTLM',
                 b'SCRAM-SHA-256', b'CRAM-MD5', b'X' * 1000, b'\xff'):
        sasl = ber_seq(ber_str(mech), tag=0xa3)
        e = request_then_probe(srv, ldap_msg(6, ber_seq(ber_int(3), ber_str(''), sasl,
                                                         tag=0x60)), 6)
        bind = [m for m in e.msgs if m[0] == 6]
        assert e.notice is not None or (bind and bind[0][1] == 0x61 and bind[0][2] != 0), \
            (mech, e)
    # Sicily: discovery with data, negotiate and response blobs of odd sizes
    rng = random.Random(7)
    for tag in (0x89, 0x8a, 0x8b):
        for n in (0, 1, 2, 3, 7, 8, 31, 32, 33, 255, 4095, 65537):
            blob = bytes(rng.randrange(256) for _ in range(n))
            if tag == 0x8a and n >= 8 and rng.random() < 0.5:
                blob = b'NTLMSSP\x00' + blob[8:]
            pdu = ldap_msg(7, ber_seq(ber_int(3), ber_str(''), ber_str(blob, tag), tag=0x60))
            e = request_then_probe(srv, pdu, 7)
            assert e.notice is not None or e.msgs[0][:2] == (7, 0x61), (hex(tag), n, e)
    # an unknown authentication choice
    for tag in (0x81, 0x82, 0x84, 0x8c, 0x9f, 0xa0):
        e = request_then_probe(srv, ldap_msg(8, ber_seq(ber_int(3), ber_str(''),
                                                         ber_str(b'x', tag), tag=0x60)), 8)
        assert e.notice is not None or e.msgs[0][2] != 0, (hex(tag), e)
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_abandon_and_unbind():
    srv = Ilsd()
    fds = open_fds(srv)
    # Abandon of IDs that were never used, of itself, of 0 and of huge IDs: no answer
    for target in (1, 5, 0, 2 ** 31 - 1, 999999):
        e = request_then_probe(srv, ldap_msg(3, ber_int(target, 0x50)), None)
        assert [m for m in e.msgs if m[0] == 3] == [], e
    for target in (-1, 2 ** 31, 2 ** 40):
        request_then_probe(srv, ldap_msg(3, ber_int(target, 0x50)), None)
    # an Abandon with no ID at all
    request_then_probe(srv, ldap_msg(3, b'\x50\x00'), None)
    # Unbind, then more requests in the same write and after: nothing more is answered
    s = srv.raw()
    s.sendall(search_req(1, base='', scope=0) + unbind_req(2) +
              b''.join(search_req(3 + i, base='', scope=0) for i in range(20)))
    e = read_until(s, None, timeout=5)
    assert e.closed and [m[0] for m in e.msgs if m[1] == 0x65] == [1], e
    s.close()
    # an Unbind with content, and an Unbind with controls
    for pdu in (ldap_msg(2, b'\x42\x01\x00'), ldap_msg(2, b'\x42\x00',
                                                       controls(control('1.2.3')))):
        s = srv.raw()
        send_quietly(s, pdu + search_req(3, base='', scope=0))
        e = read_until(s, None, timeout=5)
        assert e.closed and not e.timed_out, e
        s.close()
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


def test_everything_at_once():
    """Many connections doing all of the above concurrently for a few seconds."""
    srv = Ilsd('--max-connections-per-ip=0')
    fds = open_fds(srv)
    rng = random.Random(99)
    pdus = []
    for i, bad in enumerate(BAD_STRINGS[:8]):
        pdus += bad_string_requests(bad, i)
    pdus += [ldapwire.bind_req(1, version=v) for v in (0, 4, 255)]
    pdus += [ldap_msg(1, ber_int(77, 0x50)), unbind_req(1), ldap_msg(0, b'\x42\x00')]
    raw = [b'\x30\x84\xff\xff\xff\xff', b'\x30\x80\x00\x00', b'\x31\x00', b'\x00']
    errors = []
    deadline = time.monotonic() + 15

    def worker(seed):
        r = random.Random(seed)
        try:
            while time.monotonic() < deadline:
                s = srv.raw(timeout=10)
                batch = [with_msgid(r.choice(pdus), 1 + k) if r.random() < 0.97 else
                         r.choice(raw) for k in range(r.randrange(1, 30))]
                data = b''.join(batch)
                if r.random() < 0.3:
                    cut = r.randrange(len(data))
                    data = data[:cut]
                send_quietly(s, data)
                how = r.random()
                if how < 0.3:
                    s.close()
                    continue
                if how < 0.6:
                    try:
                        s.shutdown(1)
                    except OSError:
                        pass
                e = read_until(s, None, timeout=0.3 if how >= 0.6 else 10)
                if how < 0.6 and not e.closed:
                    errors.append(('half-closed connection not closed', e))
                s.close()
        except Exception as exc:      # reported by the main thread
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(rng.random(),)) for _ in range(24)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        healthy(srv)
        time.sleep(0.5)
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


run(globals())
