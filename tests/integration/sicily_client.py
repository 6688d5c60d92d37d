"""
sicily_client.py - a Sicily (MS-ADTS 5.1.1.1.3) NTLM bind the way Phone
Dialer does it, with real NTLM messages made by Cyrus SASL's client side
(libsasl2.so.2 through ctypes): the NTLM NEGOTIATE_MESSAGE comes from
sasl_client_start("NTLM"), the AUTHENTICATE_MESSAGE from sasl_client_step
on the server's CHALLENGE_MESSAGE.

    from sicily_client import SicilyClient
    with SicilyClient(port) as c:
        assert c.discover() == b'NTLM'
        code = c.bind('alice', 'secret')       # 0 or 49
        print(c.whoami())                      # b'dn:uid=alice,...'

Also a command:  python3 sicily_client.py PORT USER PASSWORD [HOST]
prints each step and exits with the final result code.
"""

import ctypes
import socket
import sys

from harness import ber_int, ber_seq, ber_str, extended_req, ldap_msg, read_response

SASL_OK = 0
SASL_CONTINUE = 1
SASL_CB_LIST_END = 0
SASL_CB_USER = 0x4001
SASL_CB_AUTHNAME = 0x4002
SASL_CB_PASS = 0x4004

SICILY_DISCOVERY = 0x89     # [9]  sicilyPackageDiscovery
SICILY_NEGOTIATE = 0x8a     # [10] sicilyNegotiate
SICILY_RESPONSE = 0x8b      # [11] sicilyResponse

_lib = ctypes.CDLL('libsasl2.so.2')
_lib.sasl_client_init.argtypes = [ctypes.c_void_p]
_lib.sasl_client_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                 ctypes.c_char_p, ctypes.c_void_p, ctypes.c_uint,
                                 ctypes.POINTER(ctypes.c_void_p)]
_lib.sasl_client_start.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.POINTER(ctypes.c_uint),
                                   ctypes.POINTER(ctypes.c_char_p)]
_lib.sasl_client_step.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                  ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                  ctypes.POINTER(ctypes.c_uint)]
_lib.sasl_dispose.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
_lib.sasl_errstring.restype = ctypes.c_char_p
_lib.sasl_errstring.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]

_GETSIMPLE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                              ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_uint))
_GETSECRET = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                              ctypes.POINTER(ctypes.c_void_p))


class _Callback(ctypes.Structure):
    _fields_ = [('id', ctypes.c_ulong), ('proc', ctypes.c_void_p), ('context', ctypes.c_void_p)]


_initialised = False


def _init():
    global _initialised
    if not _initialised:
        rc = _lib.sasl_client_init(None)
        if rc != SASL_OK:
            raise RuntimeError('sasl_client_init: %d' % rc)
        _initialised = True


class NtlmClient:
    """Cyrus SASL's NTLM client: negotiate() then authenticate(challenge)."""

    def __init__(self, user, password, host='localhost'):
        _init()
        self.user = user.encode()
        self.password = password.encode()
        # Callbacks and the secret must outlive every Cyrus call: keep references.
        self._simple = _GETSIMPLE(self._get_simple)
        self._secret_cb = _GETSECRET(self._get_secret)
        self._secret = ctypes.create_string_buffer(
            ctypes.sizeof(ctypes.c_ulong) + len(self.password) + 1)
        ctypes.c_ulong.from_buffer(self._secret).value = len(self.password)
        ctypes.memmove(ctypes.addressof(self._secret) + ctypes.sizeof(ctypes.c_ulong),
                       self.password, len(self.password))
        self._cbs = (_Callback * 4)(
            _Callback(SASL_CB_AUTHNAME, ctypes.cast(self._simple, ctypes.c_void_p), None),
            _Callback(SASL_CB_USER, ctypes.cast(self._simple, ctypes.c_void_p), None),
            _Callback(SASL_CB_PASS, ctypes.cast(self._secret_cb, ctypes.c_void_p), None),
            _Callback(SASL_CB_LIST_END, None, None))
        self._empty = ctypes.c_char_p(b'')
        self._name = ctypes.c_char_p(self.user)
        self.conn = ctypes.c_void_p()
        rc = _lib.sasl_client_new(b'ldap', host.encode(), None, None, self._cbs, 0,
                                  ctypes.byref(self.conn))
        if rc != SASL_OK:
            raise RuntimeError('sasl_client_new: %s' % _lib.sasl_errstring(rc, None, None))

    def _get_simple(self, context, cb_id, result, length):
        value = self._empty if cb_id == SASL_CB_USER else self._name
        result[0] = value.value
        if length:
            length[0] = len(value.value)
        return SASL_OK

    def _get_secret(self, conn, context, cb_id, psecret):
        psecret[0] = ctypes.addressof(self._secret)
        return SASL_OK

    def negotiate(self):
        """The NTLM NEGOTIATE_MESSAGE."""
        out = ctypes.c_void_p()
        outlen = ctypes.c_uint()
        mech = ctypes.c_char_p()
        rc = _lib.sasl_client_start(self.conn, b'NTLM', None, ctypes.byref(out),
                                    ctypes.byref(outlen), ctypes.byref(mech))
        if rc not in (SASL_OK, SASL_CONTINUE):
            raise RuntimeError('sasl_client_start: %s' % _lib.sasl_errstring(rc, None, None))
        return ctypes.string_at(out, outlen.value)

    def authenticate(self, challenge):
        """The NTLM AUTHENTICATE_MESSAGE answering the server's CHALLENGE_MESSAGE."""
        out = ctypes.c_void_p()
        outlen = ctypes.c_uint()
        rc = _lib.sasl_client_step(self.conn, challenge, len(challenge), None,
                                   ctypes.byref(out), ctypes.byref(outlen))
        if rc not in (SASL_OK, SASL_CONTINUE):
            raise RuntimeError('sasl_client_step: %s' % _lib.sasl_errstring(rc, None, None))
        return ctypes.string_at(out, outlen.value)

    def close(self):
        if self.conn:
            _lib.sasl_dispose(ctypes.byref(self.conn))
            self.conn = ctypes.c_void_p()


def sicily_bind_req(msgid, choice, blob, name=''):
    """BindRequest (version 3) with a Sicily authentication choice."""
    return ldap_msg(msgid, ber_seq(ber_int(3), ber_str(name), ber_str(blob, choice), tag=0x60))


def server_creds(resp):
    """The SicilyBindResponse's serverCreds: where a BindResponse has matchedDN, as bytes."""
    return resp.fields[1][1]


class SicilyClient:
    """One connection doing Sicily binds, as Phone Dialer does."""

    def __init__(self, port, host='127.0.0.1', source=None, timeout=30.0):
        self.sock = socket.create_connection(
            (host, port), timeout=timeout, source_address=(source, 0) if source else None)
        self.next_id = 1
        self.steps = []         # (request choice, response) of the last bind

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

    def request(self, pdu):
        self.sock.sendall(pdu)
        return read_response(self.sock)

    def _id(self):
        self.next_id += 1
        return self.next_id - 1

    def discover(self):
        """Package discovery: the semicolon-separated package list."""
        r = self.request(sicily_bind_req(self._id(), SICILY_DISCOVERY, b''))
        assert r.op == 0x61 and r.code == 0, r
        return server_creds(r)

    def bind(self, user, password):
        """Negotiate, then response.  Returns the final result code."""
        ntlm = NtlmClient(user, password)
        try:
            r = self.request(sicily_bind_req(self._id(), SICILY_NEGOTIATE, ntlm.negotiate(),
                                             'NTLM'))
            self.steps = [('negotiate', r)]
            if r.code != 0:
                return r.code
            challenge = server_creds(r)
            r = self.request(sicily_bind_req(self._id(), SICILY_RESPONSE,
                                             ntlm.authenticate(challenge)))
            self.steps.append(('response', r))
            return r.code
        finally:
            ntlm.close()

    def whoami(self):
        r = self.request(extended_req(self._id(), '1.3.6.1.4.1.4203.1.11.3'))
        assert r.code == 0, r
        return r.value or b''


def main(argv):
    if len(argv) < 4:
        sys.stderr.write('usage: sicily_client.py PORT USER PASSWORD [HOST]\n')
        return 2
    port, user, password = int(argv[1]), argv[2], argv[3]
    host = argv[4] if len(argv) > 4 else '127.0.0.1'
    with SicilyClient(port, host) as c:
        print('packages: %s' % c.discover().decode('latin-1'))
        code = c.bind(user, password)
        for step, r in c.steps:
            print('%s: result %d %s (%d bytes of serverCreds)' % (
                step, r.code, r.diag, len(server_creds(r))))
        if code == 0:
            print('whoami: %s' % c.whoami().decode('utf-8', 'replace'))
        return code


if __name__ == '__main__':
    sys.exit(main(sys.argv))
