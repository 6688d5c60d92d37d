"""
test_security_tls.py - TLS: LDAPS and StartTLS with ldap-utils and openssl
s_client, protocol versions, confidentialityRequired, client certificates
(SASL EXTERNAL), certificate reload on SIGHUP without dropping
connections, and the start-up errors for missing or mismatched files.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess

from harness import Ilsd, extended_req, free_port, read_response, run
from security_util import Pki, ldap_tool, secure_server

PKI = Pki()
STARTTLS = '1.3.6.1.4.1.1466.20037'
WHOAMI = '1.3.6.1.4.1.4203.1.11.3'


def client_context(cafile=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if cafile:
        ctx.load_verify_locations(cafile)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def peer_cn(tls_sock):
    subject = dict(x[0] for x in tls_sock.getpeercert()['subject'])
    return subject['commonName']


def test_starttls_and_ldaps_with_ldap_utils():
    srv = secure_server(PKI)
    out = ldap_tool(srv, 'ldapsearch', '-x', '-ZZ', '-b', '', '-s', 'base', 'supportedExtension',
                    check=True)
    assert 'supportedExtension: ' + STARTTLS in out.stdout, out.stdout
    out = ldap_tool(srv, 'ldapsearch', '-x', '-b', '', '-s', 'base', 'vendorName',
                    uri=srv.ldaps_uri, check=True)
    assert 'vendorName: ilsd project' in out.stdout, out.stdout
    # An ILS write over LDAPS works like over TCP.
    out = ldap_tool(srv, 'ldapmodify', '-x', '-a', uri=srv.ldaps_uri, check=True,
                    input='dn: cn=tls@example.org,ou=Dynamic,o=Intranet\n'
                          'objectClass: rtPerson\nobjectClass: dynamicObject\n'
                          'cn: tls@example.org\nsipaddress: 16777343\n')
    out = ldap_tool(srv, 'ldapsearch', '-x', '-ZZ', '-b', 'ou=Dynamic,o=Intranet',
                    '(cn=tls@example.org)', 'sipaddress', check=True)
    assert 'sipaddress: 16777343' in out.stdout, out.stdout


def s_client(*args):
    return subprocess.run(['openssl', 's_client', *args], input=b'', capture_output=True,
                          timeout=30)


def test_openssl_s_client_versions():
    srv = secure_server(PKI)
    target = '127.0.0.1:%d' % srv.ldaps_port
    out = s_client('-connect', target, '-tls1_3')
    assert out.returncode == 0 and b'TLSv1.3' in out.stdout, out.stdout[-400:]
    out = s_client('-connect', target, '-tls1_2')
    assert out.returncode == 0 and b'TLSv1.2' in out.stdout, out.stdout[-400:]
    assert b'ECDHE' in out.stdout, out.stdout[-400:]
    # TLS 1.1 and older are refused by default.
    out = s_client('-connect', target, '-tls1_1')
    assert out.returncode != 0 or b'Cipher is (NONE)' in out.stdout, out.stdout[-400:]
    # StartTLS on the plain port, as s_client does it for LDAP.
    out = s_client('-connect', '127.0.0.1:%d' % srv.port, '-starttls', 'ldap')
    assert out.returncode == 0 and b'TLSv1.3' in out.stdout, (out.stdout[-400:], out.stderr)
    assert b'CN = localhost' in out.stdout or b'CN=localhost' in out.stdout


def test_tls_min_version_and_ciphers():
    srv = secure_server(PKI, '--tls-min-version=1.3')
    out = s_client('-connect', '127.0.0.1:%d' % srv.ldaps_port, '-tls1_2')
    assert out.returncode != 0 or b'Cipher is (NONE)' in out.stdout, out.stdout[-400:]
    srv.close()
    srv = secure_server(PKI, '--tls-ciphers=ECDHE-ECDSA-AES256-GCM-SHA384')
    out = s_client('-connect', '127.0.0.1:%d' % srv.ldaps_port, '-tls1_2')
    assert out.returncode == 0 and b'ECDHE-ECDSA-AES256-GCM-SHA384' in out.stdout


def starttls(sock, msgid=1):
    sock.sendall(extended_req(msgid, STARTTLS))
    return read_response(sock)


def test_starttls_rules():
    srv = secure_server(PKI)
    s = srv.raw()
    r = starttls(s)
    assert (r.code, r.name) == (0, STARTTLS), r
    tls = client_context().wrap_socket(s)
    assert peer_cn(client_context(PKI.path('server.crt')).wrap_socket(
        socket.create_connection(('127.0.0.1', srv.ldaps_port)))) == 'localhost'
    # A second StartTLS on a TLS connection: operationsError, the connection lives on.
    r = starttls(tls, 2)
    assert r.code == 1, r
    tls.sendall(extended_req(3, WHOAMI))
    assert read_response(tls).code == 0
    tls.close()
    # StartTLS on an LDAPS connection: the same.
    tls = client_context().wrap_socket(socket.create_connection(('127.0.0.1', srv.ldaps_port)))
    assert starttls(tls).code == 1
    tls.close()
    # Without a certificate: unavailable.
    plain = Ilsd()
    s = plain.raw()
    r = starttls(s)
    assert r.code == 52, r
    s.close()


def test_confidentiality_required():
    srv = secure_server(PKI, '--allow-plaintext-password=false')
    admin = ['-x', '-D', srv.admin_dn, '-w', srv.admin_pw]
    out = ldap_tool(srv, 'ldapwhoami', *admin)
    assert out.returncode == 13, (out.returncode, out.stderr)
    assert 'needs TLS' in out.stderr, out.stderr
    out = ldap_tool(srv, 'ldapwhoami', '-ZZ', *admin, check=True)
    assert out.stdout.strip().lower() == 'dn:cn=admin,o=intranet', out.stdout
    out = ldap_tool(srv, 'ldapwhoami', *admin, uri=srv.ldaps_uri, check=True)
    assert out.stdout.strip().lower() == 'dn:cn=admin,o=intranet', out.stdout
    # Anonymous and unauthenticated binds need no TLS (every ILS client sends them).
    out = ldap_tool(srv, 'ldapwhoami', '-x', check=True)
    out = ldap_tool(srv, 'ldapwhoami', '-x', '-D', 'cn=someone,o=Intranet', '-w', '')
    assert out.returncode in (0, 53), out
    srv.close()
    # The knob turned off.
    srv = secure_server(None, '--allow-plaintext-password=true')
    out = ldap_tool(srv, 'ldapwhoami', '-x', '-D', srv.admin_dn, '-w', srv.admin_pw, check=True)
    assert 'admin' in out.stdout


def test_client_certificate_external():
    srv = secure_server(PKI)
    alice = (PKI.path('alice.crt'), PKI.path('alice.key'))
    for uri, extra in ((srv.ldaps_uri, []), (srv.uri, ['-ZZ'])):
        out = ldap_tool(srv, 'ldapwhoami', '-Y', 'EXTERNAL', '-N', *extra, uri=uri, cert=alice)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == 'dn:CN=alice,O=Example', out.stdout
    # Same subject but not from the CA: TLS works, EXTERNAL is not offered.
    rogue = (PKI.path('rogue.crt'), PKI.path('rogue.key'))
    out = ldap_tool(srv, 'ldapwhoami', '-Y', 'EXTERNAL', '-N', uri=srv.ldaps_uri, cert=rogue)
    assert out.returncode != 0, out.stdout
    out = ldap_tool(srv, 'ldapwhoami', '-x', uri=srv.ldaps_uri, cert=rogue, check=True)
    assert out.stdout.strip() == 'anonymous', out.stdout
    out = ldap_tool(srv, 'ldapsearch', '-x', '-b', '', '-s', 'base', 'supportedSASLMechanisms',
                    check=True)
    assert 'EXTERNAL' in out.stdout, out.stdout


def test_reload_on_sighup_keeps_connections():
    tmp = PKI.path('live')
    os.makedirs(tmp, exist_ok=True)
    cert, key = os.path.join(tmp, 'cert.pem'), os.path.join(tmp, 'key.pem')
    shutil.copy(PKI.path('server.crt'), cert)
    shutil.copy(PKI.path('server.key'), key)
    port = free_port()
    srv = secure_server(None, '--tls-cert-file=' + cert, '--tls-key-file=' + key,
                        '--ldaps-listen=127.0.0.1:%d' % port)
    both = os.path.join(tmp, 'both.pem')
    with open(both, 'w') as f:
        f.write(open(PKI.path('server.crt')).read() + open(PKI.path('server2.crt')).read())
    old = client_context(both).wrap_socket(socket.create_connection(('127.0.0.1', port)))
    assert peer_cn(old) == 'localhost'
    shutil.copy(PKI.path('server2.crt'), cert)
    shutil.copy(PKI.path('server2.key'), key)
    srv.signal(signal.SIGHUP)
    assert srv.wait_log('TLS certificate and key reloaded'), srv.log()
    new = client_context(both).wrap_socket(socket.create_connection(('127.0.0.1', port)))
    assert peer_cn(new) == 'reloaded'
    # The connection made before the reload still works.
    old.sendall(extended_req(1, WHOAMI))
    assert read_response(old).code == 0
    # A reload with a key that does not match keeps the current certificate.
    shutil.copy(PKI.path('other.key'), key)
    srv.signal(signal.SIGHUP)
    assert srv.wait_log('TLS reload failed'), srv.log()
    assert 'does not match' in srv.log()
    again = client_context(both).wrap_socket(socket.create_connection(('127.0.0.1', port)))
    assert peer_cn(again) == 'reloaded'
    for s in (old, new, again):
        s.close()
    assert srv.running()


def start_fails(*args):
    srv = Ilsd(*args, start=False)
    res = subprocess.run(srv.argv(), capture_output=True, text=True, timeout=30)
    srv.close()
    return res


def test_startup_errors():
    res = start_fails('--tls-cert-file=/nonexistent/cert.pem',
                      '--tls-key-file=' + PKI.path('server.key'))
    assert res.returncode == 1, res
    assert 'tls-cert-file: cannot open /nonexistent/cert.pem' in res.stderr, res.stderr
    res = start_fails('--tls-cert-file=' + PKI.path('server.crt'),
                      '--tls-key-file=' + PKI.path('other.key'))
    assert res.returncode == 1, res
    assert 'the key does not match the certificate' in res.stderr, res.stderr
    res = start_fails('--tls-cert-file=' + PKI.path('server.crt'))
    assert res.returncode == 1 and 'go together' in res.stderr, res.stderr
    res = start_fails('--ldaps-listen=127.0.0.1:1636')
    assert res.returncode == 1 and 'needs tls-cert-file' in res.stderr, res.stderr


if __name__ == '__main__':
    try:
        run(globals())
    finally:
        shutil.rmtree(PKI.dir, ignore_errors=True)
