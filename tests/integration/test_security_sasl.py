"""
test_security_sasl.py - SASL binds through Cyrus SASL with accounts in a
sasldb: every mechanism from ldap-utils (-Y), the root DSE's
supportedSASLMechanisms, saslBindInProgress, PLAIN only over TLS, the
identity-to-DN mapping, and Sicily NTLM with real NTLM messages from
Cyrus's client side (sicily_client.py).
"""

from harness import ber_int, ber_seq, ber_str, extended_req, ldap_msg, read_response, run
from security_util import Pki, ldap_tool, secure_server
from sicily_client import SICILY_RESPONSE, SicilyClient, sicily_bind_req

PKI = Pki()
USERS = {'alice': 'secret', 'bob': 'two words'}


def whoami(srv, mech, user, password, *extra, uri=None):
    return ldap_tool(srv, 'ldapwhoami', '-Y', mech, '-U', user, '-w', password, '-N', *extra,
                     uri=uri)


def sasl_bind_req(msgid, mech, creds=None):
    body = ber_str(mech) + (ber_str(creds) if creds is not None else b'')
    return ldap_msg(msgid, ber_seq(ber_int(3), ber_str(''), ber_seq(body, tag=0xa3), tag=0x60))


def mechs(srv, *extra):
    out = ldap_tool(srv, 'ldapsearch', '-x', '-b', '', '-s', 'base', 'supportedSASLMechanisms',
                    *extra, check=True)
    return [l.split(': ', 1)[1] for l in out.stdout.splitlines()
            if l.startswith('supportedSASLMechanisms: ')]


def test_root_dse_lists_what_is_available():
    srv = secure_server(None, users=USERS)
    got = mechs(srv)
    for m in ('SCRAM-SHA-256', 'SCRAM-SHA-1', 'NTLM'):
        assert m in got, got
    assert 'PLAIN' not in got and 'EXTERNAL' not in got, got       # no TLS configured
    assert 'DIGEST-MD5' not in got and 'ANONYMOUS' not in got, got
    srv.close()
    srv = secure_server(PKI, users=USERS)
    got = mechs(srv)
    assert 'PLAIN' in got and 'EXTERNAL' in got and 'NTLM' in got, got
    srv.close()
    srv = secure_server(PKI, '--sasl-mechs=SCRAM-SHA-256 NTLM', users=USERS)
    assert mechs(srv) == ['SCRAM-SHA-256', 'NTLM'], mechs(srv)


def test_each_mechanism_from_ldap_utils():
    srv = secure_server(PKI, users=USERS)
    dn = 'dn:uid=alice,cn=EXAMPLE.ORG,cn=auth'
    for mech in ('SCRAM-SHA-256', 'SCRAM-SHA-1', 'SCRAM-SHA-512', 'NTLM'):
        out = whoami(srv, mech, 'alice', 'secret')
        assert out.returncode == 0 and out.stdout.strip() == dn, (mech, out.stdout, out.stderr)
        out = whoami(srv, mech, 'alice', 'wrong')
        assert out.returncode == 49, (mech, out.returncode, out.stderr)
        out = whoami(srv, mech, 'mallory', 'secret')
        assert out.returncode == 49, (mech, out.returncode, out.stderr)
    out = whoami(srv, 'SCRAM-SHA-256', 'bob', 'two words')
    assert out.stdout.strip() == 'dn:uid=bob,cn=EXAMPLE.ORG,cn=auth', out.stderr
    # PLAIN over StartTLS and LDAPS.
    out = whoami(srv, 'PLAIN', 'alice', 'secret', '-ZZ')
    assert out.returncode == 0 and out.stdout.strip() == dn, out.stderr
    out = whoami(srv, 'PLAIN', 'alice', 'secret', uri=srv.ldaps_uri)
    assert out.returncode == 0 and out.stdout.strip() == dn, out.stderr
    # Passwords never reach the log.
    log = srv.log()
    assert 'failed: invalid credentials' in log, log
    assert 'wrong' not in log and 'two words' not in log and 'secret' not in log


def test_plain_refused_without_tls():
    srv = secure_server(PKI, users=USERS)
    s = srv.raw()
    s.sendall(sasl_bind_req(1, 'PLAIN', b'\0alice\0secret'))
    r = read_response(s)
    assert r.code == 13 and 'TLS' in r.diag, r
    # Mechanisms that are not offered.
    for i, mech in enumerate(('DIGEST-MD5', 'ANONYMOUS', 'NOSUCH', 'bad mech')):
        s.sendall(sasl_bind_req(2 + i, mech, b''))
        assert read_response(s).code == 7
    s.close()


def test_multistep_bind_in_progress():
    srv = secure_server(None, users=USERS)
    s = srv.raw()
    s.sendall(sasl_bind_req(1, 'SCRAM-SHA-256', b'n,,n=alice,r=clientnonce0123456789'))
    r = read_response(s)
    assert r.code == 14, r
    creds = [v for t, v in r.fields if t == 0x87]
    assert creds and creds[0].startswith(b'r=clientnonce0123456789'), r.fields
    assert b',s=' in creds[0] and b',i=' in creds[0]
    # A wrong proof ends the exchange with invalidCredentials, not a dropped connection.
    nonce = creds[0].split(b',')[0][2:]
    s.sendall(sasl_bind_req(2, 'SCRAM-SHA-256', b'c=biws,r=' + nonce + b',p=AAAA'))
    assert read_response(s).code == 49
    # The connection is still usable and anonymous.
    s.sendall(extended_req(3, '1.3.6.1.4.1.4203.1.11.3'))
    r = read_response(s)
    assert r.code == 0 and not r.value, r
    s.close()


def test_identity_mapping_and_sasl_admin():
    srv = secure_server(None, '--sasl-dn-template=uid=%u,ou=People,o=Intranet',
                        '--admin-dn=uid=boss,ou=People,o=Intranet',
                        users={'alice': 'secret', 'boss': 'bosspw'})
    out = whoami(srv, 'SCRAM-SHA-256', 'alice', 'secret')
    assert out.stdout.strip() == 'dn:uid=alice,ou=People,o=Intranet', out
    out = whoami(srv, 'SCRAM-SHA-256', 'boss', 'bosspw')
    assert out.stdout.strip() == 'dn:uid=boss,ou=People,o=Intranet', out
    assert 'bound as administrator' in srv.log()
    # The SASL administrator may do what only the administrator may (schema reload).
    out = ldap_tool(srv, 'ldapexop', '-Y', 'SCRAM-SHA-256', '-U', 'boss', '-w', 'bosspw', '-N',
                    '1.3.6.1.4.1.99999.1.1')
    assert out.returncode == 0, out.stderr
    out = ldap_tool(srv, 'ldapexop', '-Y', 'SCRAM-SHA-256', '-U', 'alice', '-w', 'secret', '-N',
                    '1.3.6.1.4.1.99999.1.1')
    assert out.returncode != 0 and 'Insufficient access (50)' in out.stderr, out.stderr


def test_sicily_ntlm():
    srv = secure_server(None, users=USERS)
    with SicilyClient(srv.port) as c:
        assert c.discover() == b'NTLM'
        assert c.bind('alice', 'secret') == 0, c.steps
        negotiate = c.steps[0][1]
        assert negotiate.code == 0, negotiate          # Sicily: success, not 14
        assert negotiate.fields[1][1].startswith(b'NTLMSSP\0\x02\0\0\0')   # CHALLENGE
        assert c.whoami() == b'dn:uid=alice,cn=EXAMPLE.ORG,cn=auth'
        assert c.bind('alice', 'wrong') == 49
        assert c.whoami() == b''                      # failed bind: anonymous again
        assert c.bind('bob', 'two words') == 0
        assert c.whoami() == b'dn:uid=bob,cn=EXAMPLE.ORG,cn=auth'
    with SicilyClient(srv.port) as c:
        # A response with no negotiate before it.
        r = c.request(sicily_bind_req(1, SICILY_RESPONSE, b'NTLMSSP\0\3\0\0\0'))
        assert r.code == 2, r
    log = srv.log()
    assert 'bound as "uid=alice,cn=EXAMPLE.ORG,cn=auth" (Sicily NTLM)' in log, log
    assert 'Sicily response bind NTLM as' in log and 'wrong' not in log


if __name__ == '__main__':
    import shutil
    try:
        run(globals())
    finally:
        shutil.rmtree(PKI.dir, ignore_errors=True)
