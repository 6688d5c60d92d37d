"""
Random mutations of real requests (seeded, bounded in count and time): bit
flips, byte changes, insertions, deletions, length bytes set to extremes,
chunks duplicated. Each mutant is followed on its connection by a known
search and a half-close; the server must answer the search (the mutant was
taken or refused with a result) or end the connection with a Notice of
Disconnection, or just close when the mutant is an Unbind or its outer
length runs past the end of the input (no request was complete). It must
never hang or crash, and a fresh connection is answered after every batch.
"""

import random
import socket
import time

from harness import Ilsd, run, search_req
from hostile import (assert_clean_stop, assert_connections_released, healthy, is_unbind,
                     open_fds, read_until, sample_requests, send_quietly)

SEED = 20240611
MUTANTS = 20000
TIME_BUDGET = 30.0      # seconds for the whole mutation loop
SENTINEL = 2000000000


def mutate(rng, pdu):
    b = bytearray(pdu)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        kind = rng.randrange(8)
        pos = rng.randrange(len(b)) if b else 0
        if kind == 0 and b:
            b[pos] ^= 1 << rng.randrange(8)
        elif kind == 1 and b:
            b[pos] = rng.randrange(256)
        elif kind == 2:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5)))
        elif kind == 3 and len(b) > 2:
            del b[pos:pos + rng.randrange(1, 4)]
        elif kind == 4 and b:
            b[pos] = rng.choice((0x00, 0x7f, 0x80, 0x81, 0x84, 0xff))
        elif kind == 5 and len(b) > 4:
            n = rng.randrange(1, min(32, len(b)))
            b[pos:pos] = b[pos:pos + n]
        elif kind == 6 and b:
            b[pos] = rng.choice((0x30, 0x31, 0x04, 0x02, 0x0a, 0x01, 0x60, 0x63, 0x68, 0xa0,
                                 0xa3, 0x87, 0x80))
        elif kind == 7 and b:
            b[pos] = rng.choice((0xe9, 0xc3, 0xed, 0xa0, 0xf8, 0xc0, 0xfe))
    return bytes(b)


def incomplete(stream):
    """Does the stream end inside a PDU whose outer header is well formed?  (The server
    then owes no answer: at end of input it just closes.)"""
    pos = 0
    while pos < len(stream):
        if stream[pos] != 0x30:
            return False
        if pos + 2 > len(stream):
            return True
        first = stream[pos + 1]
        if first < 0x80:
            hlen, length = 2, first
        else:
            n = first & 0x7f
            if n == 0 or n > 4:
                return False
            if pos + 2 + n > len(stream):
                return True
            hlen, length = 2 + n, int.from_bytes(stream[pos + 2:pos + 2 + n], 'big')
            if hlen + length > (1 << 20):
                return False
        if pos + hlen + length > len(stream):
            return True
        pos += hlen + length
    return False


def test_random_mutations():
    """One connection per mutant: the mutant, the sentinel search, then a half-close."""
    rng = random.Random(SEED)
    srv = Ilsd('--max-connections-per-ip=0')
    fds = open_fds(srv)
    samples = [pdu for name, pdu in sample_requests()]
    sentinel = search_req(SENTINEL, base='', scope=0, attrs=['1.1'])
    started = time.monotonic()
    stats = {'answered': 0, 'disconnected': 0, 'unbind': 0, 'incomplete': 0}
    done = 0
    while done < MUTANTS and time.monotonic() - started < TIME_BUDGET:
        mutant = mutate(rng, rng.choice(samples))
        s = srv.raw(timeout=10)
        if send_quietly(s, mutant + sentinel):
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        e = read_until(s, None, timeout=10)
        s.close()
        assert not e.timed_out, ('server hung on mutant', mutant.hex(), e)
        assert e.closed, ('not closed', mutant.hex(), e)
        assert not e.garbage, ('undecodable answer', mutant.hex(), e)
        if any(m[0] == SENTINEL and m[1] == 0x65 for m in e.msgs):
            stats['answered'] += 1
        elif e.notice is not None:
            stats['disconnected'] += 1
        elif is_unbind(mutant):
            stats['unbind'] += 1
        else:
            assert incomplete(mutant + sentinel), ('closed without a notice', mutant.hex(), e)
            stats['incomplete'] += 1
        done += 1
        if done % 500 == 0:
            healthy(srv)
    print('%d mutants in %.1f s: %r' % (done, time.monotonic() - started, stats))
    assert done >= 500, done
    healthy(srv)
    assert_connections_released(srv, fds)
    assert_clean_stop(srv)


run(globals())
