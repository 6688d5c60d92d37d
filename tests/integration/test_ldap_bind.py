"""
test_ldap_bind.py - Bind (RFC 4511 4.2, RFC 4513), Who am I? (RFC 4532),
Unbind, Abandon, unknown extended operations and controls (RFC 4511
4.1.11, 4.12), for LDAPv2 and LDAPv3, with ldapwhoami, ldapexop,
ldapsearch, python-ldap and, where the tools cannot say it, raw BER.
"""

import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Ilsd, run, ADMIN_DN, norm, ber_int, ber_seq, ber_str, bind_req,  # noqa: E402
                     extended_req, ldap_msg, read_response, search_req, abandon_req,
                     unbind_req)

import ldap  # noqa: E402
from ldap.controls import LDAPControl  # noqa: E402

SUFFIX = 'o=Intranet'


def conn(srv, version=3):
    return srv.python_ldap(False, version, timeout=30, bind=False)


def result_code(res):
    """The LDAP result code an ldap-utils tool printed as 'Name (N)' on stderr."""
    m = re.search(r'\((-?\d+)\)', res.stderr)
    return int(m.group(1)) if m else None


def whoami(srv, *args):
    res = srv.ldap('ldapwhoami', *args, check=False)
    return res.returncode, res.stdout.strip(), res


def bind_raw(srv, msgid=1, **kw):
    s = srv.raw()
    s.sendall(bind_req(msgid, **kw))
    r = read_response(s)
    return s, r


def sasl_bind_req(msgid, mech, creds=None):
    sasl = ber_str(mech)
    if creds is not None:
        sasl += ber_str(creds)
    return ldap_msg(msgid, ber_seq(ber_int(3), ber_str(''), ber_seq(sasl, tag=0xa3), tag=0x60))


# ---- Bind ----

def test_anonymous_bind_v3_and_v2():
    with Ilsd() as srv:
        for version in (3, 2):
            s, r = bind_raw(srv, msgid=7, version=version)
            assert r.op == 0x61 and r.msgid == 7, r
            assert r.code == 0, 'anonymous v%d bind: %r' % (version, r)
            # The connection then serves a search (the root DSE) under that version.
            s.sendall(search_req(8, base='', scope=0, attrs=['supportedLDAPVersion']))
            entry = read_response(s)
            assert entry.op == 0x64 and entry.msgid == 8, entry
            done = read_response(s)
            assert done.op == 0x65 and done.code == 0 and done.msgid == 8, done
            s.close()
        for version in ('3', '2'):
            res = srv.ldap('ldapsearch', '-P', version, '-D', '', '-w', '', '-b', '', '-s', 'base',
                           'namingContexts', check=False)
            assert res.returncode == 0, 'v%s anonymous: %s' % (version, res.stderr)
        rc, out, res = whoami(srv)
        assert rc == 0 and out == 'anonymous', (rc, out, res.stderr)
        # Operations on a connection that never bound are anonymous (RFC 4513 5.1.1).
        l = conn(srv)
        assert l.whoami_s() in ('', None), 'never-bound connection is not anonymous'
        l.unbind_s()


def test_admin_bind():
    with Ilsd() as srv:
        rc, out, res = whoami(srv, *srv.admin_args())
        assert rc == 0, res.stderr
        assert out.startswith('dn:') and norm(out[3:]) == norm(ADMIN_DN), out
        # DN matching follows distinguishedNameMatch: case and blanks do not matter.
        rc, out, res = whoami(srv, '-D', 'CN=Admin, O=intranet', '-w', srv.admin_pw)
        assert rc == 0 and norm(out[3:]) == norm(ADMIN_DN), (rc, out, res.stderr)
        for version in ('3', '2'):
            res = srv.ldap('ldapsearch', '-P', version, *srv.admin_args(), '-b', '',
                           '-s', 'base', 'namingContexts', check=False)
            assert res.returncode == 0, 'admin v%s bind: %s' % (version, res.stderr)
        l = conn(srv, version=2)
        l.simple_bind_s(srv.admin_dn, srv.admin_pw)
        l.unbind_s()
        l = conn(srv)
        l.simple_bind_s(srv.admin_dn, srv.admin_pw)
        assert norm(l.whoami_s()[3:]) == norm(ADMIN_DN)
        l.unbind_s()


def test_bind_invalid_credentials():
    with Ilsd() as srv:
        rc, out, res = whoami(srv, '-D', srv.admin_dn, '-w', 'wrong')
        assert rc == 49, 'wrong password: expected invalidCredentials (49), got %d %s' % (
            rc, res.stderr)
        rc, out, res = whoami(srv, '-D', 'cn=nobody,' + SUFFIX, '-w', 'secret')
        assert rc == 49, 'unknown DN: expected invalidCredentials (49), got %d %s' % (
            rc, res.stderr)
        rc, out, res = whoami(srv, '-D', 'cn=nobody,o=Elsewhere', '-w', 'secret')
        assert rc == 49, 'DN outside the naming context: expected 49, got %d' % rc
        for version in (3, 2):
            s, r = bind_raw(srv, dn=srv.admin_dn, pw='Secret', version=version)
            assert r.code == 49, 'v%d wrong password: %r' % (version, r)
            s.close()
        l = conn(srv)
        try:
            l.simple_bind_s(srv.admin_dn, 'secre')
            raise AssertionError('bind with a wrong password succeeded')
        except ldap.INVALID_CREDENTIALS:
            pass
        l.unbind_s()


def test_failed_bind_leaves_connection_anonymous():
    """RFC 4513 4: after a failed Bind the connection's authorization is anonymous."""
    with Ilsd() as srv:
        l = conn(srv)
        l.simple_bind_s(srv.admin_dn, srv.admin_pw)
        assert norm(l.whoami_s()[3:]) == norm(ADMIN_DN)
        try:
            l.simple_bind_s(srv.admin_dn, 'wrong')
            raise AssertionError('bind with a wrong password succeeded')
        except ldap.INVALID_CREDENTIALS:
            pass
        assert l.whoami_s() in ('', None), 'identity kept after a failed bind: %r' % l.whoami_s()
        l.simple_bind_s(srv.admin_dn, srv.admin_pw)
        l.simple_bind_s('', '')
        assert l.whoami_s() in ('', None), 'anonymous rebind kept the admin identity'
        l.unbind_s()


def test_unauthenticated_bind_is_not_admin():
    """RFC 4513 5.1.2: a name with an empty password is not an authentication of that name."""
    with Ilsd() as srv:
        rc, out, res = whoami(srv, '-D', srv.admin_dn, '-w', '')
        assert rc in (0, 53), 'unauthenticated bind: got %d %s' % (rc, res.stderr)
        assert not out.lower().startswith('dn:'), 'an empty password authenticated %r' % out
        s, r = bind_raw(srv, dn=srv.admin_dn, pw='')
        assert r.code in (0, 53), r
        # Whatever the answer, the connection does not act as the admin.
        s.sendall(extended_req(2, '1.3.6.1.4.1.4203.1.11.3'))
        w = read_response(s)
        assert w.op == 0x78 and not (w.value or b'').lower().startswith(b'dn:'), \
            'identity after an unauthenticated bind: %r' % w.value
        s.close()


def test_bind_unsupported_version_and_method():
    with Ilsd() as srv:
        s, r = bind_raw(srv, version=4)
        assert r.op == 0x61 and r.code == 2, 'bind version 4: expected protocolError, %r' % r
        s.close()
        s = srv.raw()
        s.sendall(sasl_bind_req(1, 'NO-SUCH-MECHANISM'))
        r = read_response(s)
        assert r.op == 0x61 and r.code == 7, \
            'unknown SASL mechanism: expected authMethodNotSupported (7), %r' % r
        # The connection stays usable.
        s.sendall(bind_req(2))
        r = read_response(s)
        assert r.code == 0 and r.msgid == 2, r
        s.close()


# ---- Who am I? (RFC 4532) ----

def test_whoami_extended_operation():
    with Ilsd() as srv:
        res = srv.ldap('ldapexop', 'whoami', check=False)
        assert res.returncode == 0 and res.stdout.strip() == 'anonymous', (res.stdout, res.stderr)
        res = srv.ldap('ldapexop', *srv.admin_args(), 'whoami', check=False)
        out = res.stdout.strip()
        assert res.returncode == 0 and out.startswith('dn:') and norm(out[3:]) == norm(ADMIN_DN), \
            (res.stdout, res.stderr)
        # Raw: the response carries no responseName requirement, a value for the admin.
        s, r = bind_raw(srv, dn=srv.admin_dn, pw=srv.admin_pw)
        assert r.code == 0
        s.sendall(extended_req(2, '1.3.6.1.4.1.4203.1.11.3'))
        r = read_response(s)
        assert r.op == 0x78 and r.code == 0 and r.msgid == 2, r
        assert r.value is not None and norm(r.value.decode()[3:]) == norm(ADMIN_DN), r.value
        s.close()


# ---- unknown extended operations and controls ----

def test_unknown_extended_operation():
    with Ilsd() as srv:
        res = srv.ldap('ldapexop', '1.2.3.4.5.6.7.8', check=False)
        assert res.returncode != 0 and result_code(res) == 2, \
            'unknown extended operation: expected protocolError (2): %s' % res.stderr
        res = srv.ldap('ldapexop', *srv.admin_args(), '1.2.3.4.5.6.7.8:some data', check=False)
        assert result_code(res) == 2, res.stderr
        s, r = bind_raw(srv)
        s.sendall(extended_req(2, '1.2.3.4.5.6.7.8', b'x'))
        r = read_response(s)
        assert r.op == 0x78 and r.msgid == 2 and r.code == 2, r
        # RFC 4511 4.12: only the LDAPResult fields, no responseName/responseValue.
        assert r.name is None and r.value is None, (r.name, r.value)
        s.sendall(search_req(3, base='', scope=0, attrs=['1.1']))
        assert read_response(s).op == 0x64, 'connection unusable after an unknown exop'
        s.close()


def test_controls():
    with Ilsd() as srv:
        l = conn(srv)
        unknown = LDAPControl('1.3.6.1.4.1.99999.424242', True, None)
        try:
            l.search_ext_s('', ldap.SCOPE_BASE, '(objectClass=*)', ['1.1'], serverctrls=[unknown])
            raise AssertionError('unknown critical control was ignored')
        except ldap.UNAVAILABLE_CRITICAL_EXTENSION:
            pass
        try:
            l.simple_bind_s(srv.admin_dn, srv.admin_pw, serverctrls=[unknown])
            raise AssertionError('unknown critical control on bind was ignored')
        except ldap.UNAVAILABLE_CRITICAL_EXTENSION:
            pass
        # Not critical: ignored, the operation proceeds.
        lax = LDAPControl('1.3.6.1.4.1.99999.424242', False, b'anything')
        r = l.search_ext_s('', ldap.SCOPE_BASE, '(objectClass=*)', ['namingContexts'],
                           serverctrls=[lax])
        assert len(r) == 1 and r[0][0] == ''
        l.simple_bind_s(srv.admin_dn, srv.admin_pw, serverctrls=[lax])
        assert norm(l.whoami_s()[3:]) == norm(ADMIN_DN)
        l.unbind_s()


# ---- Unbind, Abandon, message IDs ----

def test_unbind_closes_connection():
    with Ilsd() as srv:
        s, r = bind_raw(srv)
        s.sendall(unbind_req(2))
        s.settimeout(5)
        data = b''
        try:
            data = s.recv(100)
        except socket.timeout:
            raise AssertionError('server did not close the connection after Unbind')
        assert data == b'', 'server answered an Unbind: %r' % data
        s.close()


def test_abandon_and_message_ids():
    with Ilsd() as srv:
        s = srv.raw()
        # Abandon of an unknown message: no response at all (RFC 4511 4.11).
        s.sendall(abandon_req(5, 99))
        s.sendall(search_req(6, base='', scope=0, attrs=['1.1']))
        r = read_response(s)
        assert r.msgid == 6 and r.op == 0x64, 'expected msgid 6 entry first, got %r' % r
        r = read_response(s)
        assert r.msgid == 6 and r.op == 0x65 and r.code == 0, r
        # Large message IDs are echoed exactly.
        big = 2 ** 31 - 1
        s.sendall(search_req(big, base='', scope=0, attrs=['1.1']))
        assert read_response(s).msgid == big
        assert read_response(s).msgid == big
        s.close()


def test_ldapv2_whole_session():
    """An LDAPv2 client binds, searches, writes and unbinds."""
    with Ilsd() as srv:
        l = conn(srv, version=2)
        l.simple_bind_s(srv.admin_dn, srv.admin_pw)
        l.add_s('ou=V2,' + SUFFIX, [('objectClass', [b'organizationalUnit']), ('ou', [b'V2'])])
        r = l.search_s(SUFFIX, ldap.SCOPE_ONELEVEL, '(ou=v2)', ['ou'])
        assert [(norm(dn), a) for dn, a in r] == [('ou=v2,o=intranet', {'ou': [b'V2']})], r
        assert l.compare_s('ou=V2,' + SUFFIX, 'ou', b'V2')
        l.delete_s('ou=V2,' + SUFFIX)
        assert l.search_s(SUFFIX, ldap.SCOPE_ONELEVEL, '(ou=v2)', ['ou']) == []
        l.unbind_s()


run(globals())
