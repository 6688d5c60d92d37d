"""
security_util.py - what the test_security_*.py files share: throwaway
certificates (openssl command), SASL accounts (saslpasswd2), servers with
TLS and SASL set up, and LDAP connections from a chosen 127.0.0.x source
address, so that "another client" really is another address.

    from security_util import Pki, secure_server, from_addr, SConn

    pki = Pki()                               # CA, server and client certificates
    srv = secure_server(pki, users={'alice': 'secret'})
    with from_addr('127.0.0.2'):               # every ils_clients flow from there
        NetMeeting(srv.port, 'a@b').logon()
"""

import contextlib
import os
import socket
import subprocess
import tempfile

import ils_clients
import ldapwire
from harness import Ilsd, free_port

REALM = 'EXAMPLE.ORG'
EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']


def sh(*cmd, cwd=None, input=None):
    return subprocess.run(list(cmd), cwd=cwd, input=input, capture_output=True, check=True)


class Pki:
    """A CA, a server certificate (CN=localhost), a second server certificate
    (CN=reloaded), a key that matches neither, a client certificate from the CA
    (O=Example, CN=alice) and a self-signed one with the same subject."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='ilsd-pki-')
        d = self.dir

        def req(*args):
            sh('openssl', 'req', *args, cwd=d)
        req('-x509', *EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Test CA')
        req('-x509', *EC, '-keyout', 'server.key', '-out', 'server.crt', '-days', '2',
            '-subj', '/CN=localhost')
        req('-x509', *EC, '-keyout', 'server2.key', '-out', 'server2.crt', '-days', '2',
            '-subj', '/CN=reloaded')
        sh('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
           '-out', 'other.key', cwd=d)
        req('-new', *EC, '-keyout', 'alice.key', '-out', 'alice.csr', '-subj', '/O=Example/CN=alice')
        sh('openssl', 'x509', '-req', '-in', 'alice.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
           '-CAcreateserial', '-out', 'alice.crt', '-days', '2', cwd=d)
        req('-x509', *EC, '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '2',
            '-subj', '/O=Example/CN=alice')

    def path(self, name):
        return os.path.join(self.dir, name)

    def tls_args(self, ca=True, cert='server.crt', key='server.key'):
        args = ['--tls-cert-file=' + self.path(cert), '--tls-key-file=' + self.path(key)]
        if ca:
            args.append('--tls-ca-file=' + self.path('ca.crt'))
        return args


def add_sasl_user(db, user, password, realm=REALM):
    os.makedirs(os.path.dirname(db), exist_ok=True)
    sh('saslpasswd2', '-f', db, '-c', '-p', '-u', realm, '-a', 'ilsd', user,
       input=password.encode())


def secure_server(pki=None, *extra, users=None, ca=True, start=True):
    """An Ilsd with LDAPS on a second port (srv.ldaps_port, srv.ldaps_uri),
    StartTLS, SASL accounts users in DATA-DIR/sasldb2 and realm EXAMPLE.ORG."""
    args = ['--sasl-realm=' + REALM]
    ldaps_port = None
    if pki is not None:
        ldaps_port = free_port()
        args += pki.tls_args(ca=ca) + ['--ldaps-listen=127.0.0.1:%d' % ldaps_port]
    srv = Ilsd(*(args + list(extra)), start=False)
    srv.ldaps_port = ldaps_port
    srv.ldaps_uri = 'ldaps://127.0.0.1:%d' % ldaps_port if ldaps_port else None
    for user, password in (users or {}).items():
        add_sasl_user(os.path.join(srv.data_dir, 'sasldb2'), user, password)
    if start:
        srv.start()
    return srv


def ldap_tool(srv, tool, *args, uri=None, cert=None, check=False, input=None):
    """An ldap-utils tool with TLS settings: uri defaults to ldap://, cert is a
    (certificate, key) pair for SASL EXTERNAL."""
    # Not LDAPNOINIT: it would make the tools ignore LDAPTLS_* too.
    env = dict(os.environ, LDAPTLS_REQCERT='never', LDAPCONF='/dev/null')
    if cert:
        env['LDAPTLS_CERT'], env['LDAPTLS_KEY'] = cert
    cmd = [tool, '-H', uri or srv.uri] + [str(a) for a in args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, input=input)
    if check and res.returncode != 0:
        raise AssertionError('%s exited %d: %s' % (' '.join(cmd), res.returncode, res.stderr))
    return res


# ---- connections from a chosen source address ----

_source = {'addr': None}


class SConn(ldapwire.Conn):
    """ldapwire.Conn from the current source address (from_addr)."""

    def __init__(self, port, host='127.0.0.1', timeout=30.0, source=None):
        src = source or _source['addr']
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(src, 0) if src else None)
        self.buf = b''
        self.next_id = 1
        self.pending = {}


# The ILS client flows open their connections through this.
ils_clients.Conn = SConn


@contextlib.contextmanager
def from_addr(addr):
    """Every SConn (and every ils_clients flow) inside comes from addr."""
    old = _source['addr']
    _source['addr'] = addr
    try:
        yield
    finally:
        _source['addr'] = old


def admin_conn(srv, source=None):
    """A raw connection bound as the administrator (allow-plaintext-password must be on)."""
    c = SConn(srv.port, source=source)
    r = c.bind(srv.admin_dn, srv.admin_pw, version=3)
    assert r.code == 0, r
    return c
