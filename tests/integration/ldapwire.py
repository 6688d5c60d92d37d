"""
ldapwire.py - LDAP requests built byte by byte, the way the ILS clients send
them, and responses decoded exactly (attribute order, spelling, values as
bytes).  Pure Python, no python-ldap: the ILS tests need control over what
goes on the wire (LDAPv2 binds, pseudo-DNs, '%' filters, pipelining several
PDUs in one send) and need to see precisely what comes back.

    from ldapwire import Conn, F, ADD, DELETE, REPLACE

    with Conn(port) as c:
        c.bind(version=2)
        r = c.add('c=-,o=Microsoft,cn=x@y,objectClass=RTPerson',
                  [('cn', 'x@y'), ('sipaddress', '16777343')])
        assert r.code == 0
        entries, done = c.search('objectClass=RTPerson', 0,
                                 F.and_(F.eq('cn', 'x@y'), F.eq('sttl', '10')),
                                 ['sttl'])

Values may be str (encoded as latin-1, so "\\xe9" is the byte 0xe9, as
NetMeeting sends it) or bytes.
"""

import socket

# ---- BER ----


def _b(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, bytearray):
        return bytes(v)
    return str(v).encode('latin-1')


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def ber_int(v, tag=0x02):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(tag, v.to_bytes(n, 'big', signed=True))


def ber_enum(v):
    return ber_int(v, 0x0a)


def ber_bool(v, tag=0x01):
    return tlv(tag, b'\xff' if v else b'\x00')


def ber_str(v, tag=0x04):
    return tlv(tag, _b(v))


def ber_seq(*parts, tag=0x30):
    return tlv(tag, b''.join(parts))


def ber_set(*parts):
    return tlv(0x31, b''.join(parts))


def parse_tlv(data, pos=0):
    """(tag, content, next) of the element at pos; raises ValueError if cut short."""
    if pos + 2 > len(data):
        raise ValueError('truncated header')
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7f
        if n == 0 or n > 4 or pos + n > len(data):
            raise ValueError('bad length')
        length = int.from_bytes(data[pos:pos + n], 'big')
        pos += n
    if pos + length > len(data):
        raise ValueError('truncated content')
    return tag, data[pos:pos + length], pos + length


def children(content):
    out = []
    pos = 0
    while pos < len(content):
        tag, value, pos = parse_tlv(content, pos)
        out.append((tag, value))
    return out


def frame(buf):
    """Length of the first complete element in buf, or 0 if more bytes are needed."""
    if len(buf) < 2:
        return 0
    first = buf[1]
    if first < 0x80:
        need = 2 + first
    else:
        n = first & 0x7f
        if len(buf) < 2 + n:
            return 0
        need = 2 + n + int.from_bytes(buf[2:2 + n], 'big')
    return need if len(buf) >= need else 0


# ---- filters ----

class F:
    """Filter constructors returning encoded BER."""

    @staticmethod
    def and_(*fs):
        return tlv(0xa0, b''.join(fs))

    @staticmethod
    def or_(*fs):
        return tlv(0xa1, b''.join(fs))

    @staticmethod
    def not_(f):
        return tlv(0xa2, f)

    @staticmethod
    def eq(attr, value):
        return tlv(0xa3, ber_str(attr) + ber_str(value))

    @staticmethod
    def ge(attr, value):
        return tlv(0xa5, ber_str(attr) + ber_str(value))

    @staticmethod
    def le(attr, value):
        return tlv(0xa6, ber_str(attr) + ber_str(value))

    @staticmethod
    def present(attr):
        return ber_str(attr, 0x87)

    @staticmethod
    def sub(attr, initial=None, any_=(), final=None):
        parts = b''
        if initial is not None:
            parts += ber_str(initial, 0x80)
        for a in any_:
            parts += ber_str(a, 0x81)
        if final is not None:
            parts += ber_str(final, 0x82)
        return tlv(0xa4, ber_str(attr) + ber_seq(parts))

    @staticmethod
    def parse(text):
        """RFC 4515 text (no extensible match) -> BER.  '*' makes substrings; '%' is a character."""
        data = _b(text)
        f, pos = _parse_filter(data, 0)
        if pos != len(data):
            raise ValueError('trailing text in filter %r' % text)
        return f


def _unescape(v):
    out = bytearray()
    i = 0
    while i < len(v):
        if v[i] == 0x5c and i + 3 <= len(v):
            out.append(int(v[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(v[i])
            i += 1
    return bytes(out)


def _parse_filter(d, pos):
    if d[pos:pos + 1] != b'(':
        raise ValueError('expected ( at %d' % pos)
    pos += 1
    c = d[pos:pos + 1]
    if c in (b'&', b'|'):
        pos += 1
        subs = []
        while d[pos:pos + 1] == b'(':
            f, pos = _parse_filter(d, pos)
            subs.append(f)
        node = (F.and_ if c == b'&' else F.or_)(*subs)
    elif c == b'!':
        f, pos = _parse_filter(d, pos + 1)
        node = F.not_(f)
    else:
        end = pos
        depth = 0
        while end < len(d) and not (d[end] == 0x29 and depth == 0):
            end += 1
        item = d[pos:end]
        pos = end
        for op in (b'>=', b'<=', b'~='):
            if op in item:
                a, v = item.split(op, 1)
                tag = {b'>=': 0xa5, b'<=': 0xa6, b'~=': 0xa8}[op]
                node = tlv(tag, ber_str(a) + ber_str(_unescape(v)))
                break
        else:
            a, v = item.split(b'=', 1)
            if v == b'*':
                node = F.present(a)
            elif b'*' in v:
                pieces = [_unescape(p) for p in v.split(b'*')]
                node = F.sub(a, pieces[0] or None, [p for p in pieces[1:-1] if p],
                             pieces[-1] or None)
            else:
                node = F.eq(a, _unescape(v))
    if d[pos:pos + 1] != b')':
        raise ValueError('expected ) at %d' % pos)
    return node, pos + 1


def _filter(f):
    if isinstance(f, (bytes, bytearray)) and f[:1] and f[0] in (0xa0, 0xa1, 0xa2, 0xa3, 0xa4,
                                                              0xa5, 0xa6, 0x87, 0xa8, 0xa9):
        return bytes(f)
    return F.parse(f)


# ---- requests ----

ADD, DELETE, REPLACE = 0, 1, 2
BASE, ONE, SUB = 0, 1, 2


def message(msgid, op, controls=b''):
    return ber_seq(ber_int(msgid), op, controls)


def bind_req(msgid, dn='', pw='', version=2):
    return message(msgid, ber_seq(ber_int(version), ber_str(dn), ber_str(pw, 0x80), tag=0x60))


def unbind_req(msgid):
    return message(msgid, b'\x42\x00')


def _vals(v):
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def add_req(msgid, dn, attrs):
    """attrs: [(type, value or [values])] in wire order."""
    body = b''.join(ber_seq(ber_str(t), ber_set(*[ber_str(x) for x in _vals(v)]))
                    for t, v in attrs)
    return message(msgid, ber_seq(ber_str(dn), ber_seq(body), tag=0x68))


def modify_req(msgid, dn, changes):
    """changes: [(ADD|DELETE|REPLACE, type, value or [values])]."""
    body = b''.join(ber_seq(ber_enum(op), ber_seq(ber_str(t),
                                                    ber_set(*[ber_str(x) for x in _vals(v)])))
                    for op, t, v in changes)
    return message(msgid, ber_seq(ber_str(dn), ber_seq(body), tag=0x66))


def delete_req(msgid, dn):
    return message(msgid, ber_str(dn, 0x4a))


def compare_req(msgid, dn, attr, value):
    return message(msgid, ber_seq(ber_str(dn), ber_seq(ber_str(attr), ber_str(value)),
                                  tag=0x6e))


def search_req(msgid, base, scope, filt, attrs=(), typesonly=False, sizelimit=0,
               timelimit=0, deref=0):
    return message(msgid, ber_seq(
        ber_str(base), ber_enum(scope), ber_enum(deref), ber_int(sizelimit),
        ber_int(timelimit), ber_bool(typesonly), _filter(filt),
        ber_seq(*[ber_str(a) for a in attrs]), tag=0x63))


def extended_req(msgid, oid, value=None):
    body = ber_str(oid, 0x80)
    if value is not None:
        body += ber_str(value, 0x81)
    return message(msgid, ber_seq(body, tag=0x77))


def refresh_req(msgid, dn, ttl):
    """RFC 2589 Refresh extended request."""
    value = ber_seq(ber_str(dn, 0x80), ber_int(ttl, 0x81))
    return extended_req(msgid, '1.3.6.1.4.1.1466.101.119.1', value)


# ---- responses ----

RESULT_OPS = {0x61: 'bind', 0x65: 'search', 0x67: 'modify', 0x69: 'add', 0x6b: 'delete',
              0x6d: 'moddn', 0x6f: 'compare', 0x78: 'extended'}


class Msg:
    """A decoded response.  op is the tag; results have code/matched/diag;
    entries have dn (bytes) and attrs [(name bytes, [value bytes])] in wire order."""

    def __init__(self, pdu):
        self.raw = pdu
        tag, content, end = parse_tlv(pdu)
        if tag != 0x30 or end != len(pdu):
            raise ValueError('not one LDAPMessage')
        parts = children(content)
        self.msgid = int.from_bytes(parts[0][1], 'big', signed=True)
        self.op, body = parts[1]
        self.code = self.matched = self.diag = None
        self.dn = None
        self.attrs = None
        self.ttl = None
        if self.op in RESULT_OPS:
            f = children(body)
            self.code = int.from_bytes(f[0][1], 'big')
            self.matched = f[1][1]
            self.diag = f[2][1]
            for t, v in f[3:]:
                if t == 0x8b:
                    self.value = v
                    try:
                        inner = children(v)
                        if inner and inner[0][0] == 0x02:
                            self.ttl = int.from_bytes(inner[0][1], 'big')
                    except ValueError:
                        pass
        elif self.op == 0x64:
            f = children(body)
            self.dn = f[0][1]
            self.attrs = []
            for _, pa in children(f[1][1]):
                pf = children(pa)
                self.attrs.append((pf[0][1], [v for _, v in children(pf[1][1])]))

    def names(self):
        return [n.decode('latin-1') for n, _ in self.attrs]

    def get(self, name):
        """Values of an attribute, name compared case-insensitively; None if absent."""
        for n, vals in self.attrs:
            if n.lower() == _b(name).lower():
                return vals
        return None

    def first(self, name):
        vals = self.get(name)
        return vals[0] if vals else None

    def __repr__(self):
        if self.op == 0x64:
            return '<entry %r %r>' % (self.dn, self.attrs)
        return '<%s msgid=%d code=%s diag=%r>' % (RESULT_OPS.get(self.op, hex(self.op)),
                                                 self.msgid, self.code, self.diag)


class Conn:
    """One TCP connection speaking raw LDAP."""

    def __init__(self, port, host='127.0.0.1', timeout=30.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''
        self.next_id = 1
        self.pending = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def msgid(self):
        i = self.next_id
        self.next_id += 1
        return i

    def send(self, *pdus):
        """Sends the PDUs in one write (pipelining)."""
        self.sock.sendall(b''.join(pdus))

    def recv(self):
        """The next response message."""
        while True:
            n = frame(self.buf)
            if n:
                pdu, self.buf = self.buf[:n], self.buf[n:]
                return Msg(pdu)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('server closed the connection')
            self.buf += chunk

    def closed_by_peer(self, timeout=2.0):
        """True if the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b''
        except socket.timeout:
            return False
        except OSError:
            return True

    def result(self, msgid):
        """Reads until the final response of msgid; returns (entries, result)."""
        entries = []
        while True:
            m = self.recv()
            if m.msgid != msgid:
                self.pending.setdefault(m.msgid, []).append(m)
                continue
            if m.op == 0x64:
                entries.append(m)
                continue
            if m.op == 0x73:
                continue
            return entries, m

    def collect(self, msgid):
        """Like result() but also takes messages already read for msgid."""
        early = self.pending.pop(msgid, [])
        entries = [m for m in early if m.op == 0x64]
        done = [m for m in early if m.op != 0x64 and m.op != 0x73]
        if done:
            return entries, done[0]
        more, res = self.result(msgid)
        return entries + more, res

    # one request, one answer

    def bind(self, dn='', pw='', version=2):
        i = self.msgid()
        self.send(bind_req(i, dn, pw, version))
        return self.collect(i)[1]

    def unbind(self):
        self.send(unbind_req(self.msgid()))

    def add(self, dn, attrs):
        i = self.msgid()
        self.send(add_req(i, dn, attrs))
        return self.collect(i)[1]

    def modify(self, dn, changes):
        i = self.msgid()
        self.send(modify_req(i, dn, changes))
        return self.collect(i)[1]

    def delete(self, dn):
        i = self.msgid()
        self.send(delete_req(i, dn))
        return self.collect(i)[1]

    def compare(self, dn, attr, value):
        i = self.msgid()
        self.send(compare_req(i, dn, attr, value))
        return self.collect(i)[1]

    def search(self, base, scope, filt, attrs=(), **kw):
        i = self.msgid()
        self.send(search_req(i, base, scope, filt, attrs, **kw))
        return self.collect(i)

    def extended(self, pdu_builder, *args):
        i = self.msgid()
        self.send(pdu_builder(i, *args))
        return self.collect(i)[1]


def one_shot(port, pdus_fn, version=2):
    """A new connection, bind "" "", the requests, unbind: the NetMeeting pattern.
    pdus_fn(conn) does the work and returns what the test needs."""
    with Conn(port) as c:
        b = c.bind(version=version)
        assert b.code == 0, b
        out = pdus_fn(c)
        c.unbind()
        return out
