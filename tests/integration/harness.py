"""
harness.py - start a real ilsd on 127.0.0.1 and drive it, for the
integration tests in this folder.

    from harness import Ilsd, run

    def test_whoami():
        with Ilsd('--threads=1') as srv:          # extra command-line options
            out = srv.ldap('ldapwhoami', *srv.admin_args())
            assert out.stdout.strip() == 'dn:cn=admin,o=Intranet'

    run(globals())        # runs every test_* in order, prints PASS/FAIL and
                          # "N passed, N failed", exits 1 on failure

Ilsd: .port .uri .host .data_dir .admin_dn .admin_pw .pid .log_path;
.start() .stop() (exit code) .restart() .close() .running() .signal(sig);
.rss_kb() .rss_anon_kb() .log() .wait_log(text); .ldap(tool, *args,
input=None, check=True) for ldap-utils; .admin_args(); .raw() a socket;
.python_ldap(admin=True) a python-ldap connection.  Module helpers speak
raw LDAP: bind_req, search_req, add_req, modify_req, delete_req,
compare_req, abandon_req, extended_req, unbind_req, control/controls,
read_response (-> Response with msgid, op, code, matched, diag, name,
value), admin_sock(srv) a raw socket bound as admin, load_people(srv,
count) for bulk data, raise_nofile(n).  For ldap-utils output: norm(dn),
parse_ldif(text), ldif_search(srv, base, ...), ldif_read(srv, dn);
schema_copy(srv, name, text) and schema_server(name, text, data=LDIF)
for suites that add a test schema.

Environment:
    ILSD_BIN         the daemon (default ../../build/ilsd beside this file)
    ILSD_SCHEMA_DIR  the schema directory (default ../../schema)
    ILSD_KEEP        set to keep the temporary data directories

Every server is stopped when the test ends, and again at exit, even when
a test fails.  Servers only ever listen on 127.0.0.1.
"""

import atexit
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN_DN = 'cn=admin,o=Intranet'
ADMIN_PW = 'secret'

_servers = []
_sanitizer_reports = []


def _default(env, relative):
    value = os.environ.get(env)
    if value:
        return value
    return os.path.normpath(os.path.join(HERE, relative))


def free_port():
    """An unused TCP port on 127.0.0.1 (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def raise_nofile(want):
    """Raise this process's open-file limit towards want; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Ilsd:
    """One ilsd process with its own port and data directory.

    extra arguments are appended to the command line (e.g. '--threads=1').
    The server starts in the constructor unless start=False.  run() stops
    every server after each test, except those made with shared=True,
    which live until the end of the run (for expensive fixtures).
    """

    def __init__(self, *extra, start=True, admin_pw=ADMIN_PW, admin_dn=ADMIN_DN,
                 data_dir=None, log_level='info', shared=False):
        self.binary = _default('ILSD_BIN', '../../build/ilsd')
        self.schema_dir = _default('ILSD_SCHEMA_DIR', '../../schema')
        self.host = '127.0.0.1'
        self.port = free_port()
        self.uri = 'ldap://%s:%d' % (self.host, self.port)
        self.admin_dn = admin_dn
        self.admin_pw = admin_pw
        self.extra = list(extra)
        self.log_level = log_level
        self.tmp = tempfile.mkdtemp(prefix='ilsd-test-')
        self.data_dir = data_dir or os.path.join(self.tmp, 'data')
        self.pw_file = os.path.join(self.tmp, 'admin.pw')
        with open(self.pw_file, 'w') as f:
            f.write(admin_pw + '\n')
        os.chmod(self.pw_file, 0o600)
        self.log_path = os.path.join(self.tmp, 'ilsd.log')
        self.proc = None
        self.returncode = None
        self.shared = shared        # run() keeps it between tests, stops it at the end
        _servers.append(self)
        if start:
            self.start()

    # ---- life cycle ----

    def argv(self):
        return [self.binary, '--foreground',
                '--listen=%s:%d' % (self.host, self.port),
                '--data-dir=' + self.data_dir,
                '--schema-dir=' + self.schema_dir,
                '--admin-dn=' + self.admin_dn,
                '--admin-password-file=' + self.pw_file,
                '--log-level=' + self.log_level] + self.plaintext_default() + self.extra

    def plaintext_default(self):
        # The server refuses password binds without TLS by default
        # (confidentialityRequired).  Most suites bind as admin over plain
        # TCP, so they allow it unless the test sets the key itself.
        if any(a.startswith('--allow-plaintext-password') for a in self.extra):
            return []
        return ['--allow-plaintext-password=true']

    def start(self, timeout=10.0):
        """Starts the server and waits until its port accepts connections."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError('server already running')
        logf = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=logf, stderr=logf)
        logf.close()
        self.returncode = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    # Unbind and wait for the close, so that this probe no longer
                    # counts against connection limits when start() returns.
                    s.settimeout(2.0)
                    s.sendall(unbind_req(1))
                    while s.recv(256):
                        pass
                    return self
            except OSError:
                time.sleep(0.05)
        code = self.proc.poll()
        if code is None:
            self._kill()
        sys.stderr.write('ilsd did not start (exit %s): %s\n--- server log ---\n%s'
                         '--- end of log ---\n' % (code, ' '.join(self.argv()), self.log()))
        raise RuntimeError('ilsd did not start on port %d' % self.port)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10.0):
        """SIGTERM, wait; SIGKILL after timeout.  Returns the exit code."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                sys.stderr.write('ilsd pid %d ignored SIGTERM for %.0f s: killed\n'
                                 % (self.proc.pid, timeout))
                self._kill()
        self.returncode = self.proc.returncode
        self.proc = None
        self._check_sanitizers()
        return self.returncode

    def _check_sanitizers(self):
        """Remembers any AddressSanitizer/UBSan/LeakSanitizer report in the log."""
        text = self.log()
        for marker in ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'):
            at = text.find(marker)
            if at >= 0:
                report = text[max(0, at - 200):at + 4000]
                sys.stderr.write('--- sanitizer report from ilsd port %d ---\n%s\n'
                                 '--- end of report ---\n' % (self.port, report))
                _sanitizer_reports.append('%s in ilsd on port %d' % (marker, self.port))
                break

    def _kill(self):
        try:
            self.proc.kill()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass

    def restart(self, timeout=10.0):
        """Stops (SIGTERM) and starts again on the same port and data directory."""
        code = self.stop()
        self.start(timeout)
        return code

    def close(self):
        """Stops the server and removes its temporary files."""
        self.stop()
        if self in _servers:
            _servers.remove(self)
        if not os.environ.get('ILSD_KEEP'):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        if not self.running():
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- observation ----

    def _status_kb(self, field):
        with open('/proc/%d/status' % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
        return 0

    def rss_kb(self):
        """Resident set size (VmRSS) in KiB."""
        return self._status_kb('VmRSS')

    def rss_anon_kb(self):
        """Anonymous resident memory (RssAnon) in KiB: heap, without LMDB's mapped file."""
        return self._status_kb('RssAnon')

    def log(self):
        """Everything the server wrote to stderr so far."""
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def wait_log(self, text, timeout=5.0):
        """Waits until text appears in the log; returns True if it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.05)
        return text in self.log()

    # ---- clients ----

    def admin_args(self):
        return ['-D', self.admin_dn, '-w', self.admin_pw]

    def ldap(self, tool, *args, input=None, check=True, timeout=120):
        """Runs an ldap-utils tool against this server (-H uri -x added)."""
        env = dict(os.environ, LDAPTLS_REQCERT='never', LDAPNOINIT='1')
        cmd = [tool, '-H', self.uri, '-x'] + [str(a) for a in args]
        res = subprocess.run(cmd, input=input, capture_output=True, text=True,
                             env=env, timeout=timeout)
        if check and res.returncode != 0:
            raise AssertionError('%s exited %d\nstdout: %s\nstderr: %s'
                                 % (' '.join(cmd), res.returncode, res.stdout, res.stderr))
        return res

    def raw(self, timeout=10.0, rcvbuf=None):
        """A plain TCP socket connected to the server (rcvbuf: a small receive buffer)."""
        if rcvbuf is None:
            return socket.create_connection((self.host, self.port), timeout=timeout)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(timeout)
        s.connect((self.host, self.port))
        return s

    def python_ldap(self, admin=True, version=3, timeout=None, bind=True):
        """A python-ldap connection (needs /usr/bin/python3), bound as admin or
        anonymous, or not bound at all (admin=False, bind=False); timeout, when
        given, limits each operation (OPT_TIMEOUT)."""
        import ldap
        conn = ldap.initialize(self.uri)
        conn.protocol_version = version
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
        if timeout is not None:
            conn.set_option(ldap.OPT_TIMEOUT, timeout)
        if admin:
            conn.simple_bind_s(self.admin_dn, self.admin_pw)
        elif bind:
            conn.simple_bind_s('', '')
        return conn


def _stop_all(keep_shared=False):
    for srv in list(_servers):
        if keep_shared and srv.shared:
            continue
        try:
            srv.close()
        except Exception:
            pass


atexit.register(_stop_all)


# ---- a little BER, for tests that speak LDAP over a raw socket ----

# ber_len, ber_int and ber_seq are ldapwire's; ber_str stays here because
# these tests encode str values as UTF-8 (ldapwire uses latin-1 for ILS).
from ldapwire import ber_int, ber_len, ber_seq, tlv as ber_tlv  # noqa: E402,F401


def ber_str(s, tag=0x04):
    if isinstance(s, str):
        s = s.encode()
    return ber_tlv(tag, s)


def ldap_msg(msgid, op, controls=b''):
    """An LDAPMessage: msgid plus an already encoded protocolOp."""
    return ber_seq(ber_int(msgid), op, controls)


def bind_req(msgid, dn='', pw='', version=3):
    return ldap_msg(msgid, ber_seq(ber_int(version), ber_str(dn), ber_str(pw, 0x80), tag=0x60))


def unbind_req(msgid):
    return ldap_msg(msgid, b'\x42\x00')


def control(oid, critical=False, value=None):
    body = ber_str(oid)
    if critical:
        body += b'\x01\x01\xff'
    if value is not None:
        body += ber_str(value)
    return ber_seq(body)


def controls(*ctls):
    """The [0] Controls element of an LDAPMessage."""
    return ber_seq(*ctls, tag=0xa0)


def search_req(msgid, base='', scope=2, filt=None, attrs=(), sizelimit=0, timelimit=0,
               ctls=b''):
    """filt is an encoded Filter; default (objectClass=*). ctls: controls(...)."""
    if filt is None:
        filt = ber_str('objectClass', 0x87)
    return ldap_msg(msgid, ber_seq(
        ber_str(base), ber_int(scope, 0x0a), ber_int(0, 0x0a), ber_int(sizelimit),
        ber_int(timelimit), b'\x01\x01\x00', filt,
        ber_seq(*[ber_str(a) for a in attrs]), tag=0x63), ctls)


def _attr_list(attrs):
    """attrs: list of (type, [values]) or a dict; values str or bytes."""
    items = attrs.items() if isinstance(attrs, dict) else attrs
    return ber_seq(*[ber_seq(ber_str(t), ber_seq(*[ber_str(v) for v in vals], tag=0x31))
                     for t, vals in items])


def add_req(msgid, dn, attrs):
    return ldap_msg(msgid, ber_seq(ber_str(dn), _attr_list(attrs), tag=0x68))


def modify_req(msgid, dn, changes):
    """changes: list of (op, type, [values]) with op 0 add, 1 delete, 2 replace."""
    mods = [ber_seq(ber_int(op, 0x0a), ber_seq(ber_str(t), ber_seq(*[ber_str(v) for v in vals],
                                                                      tag=0x31)))
            for op, t, vals in changes]
    return ldap_msg(msgid, ber_seq(ber_str(dn), ber_seq(*mods), tag=0x66))


def delete_req(msgid, dn):
    return ldap_msg(msgid, ber_str(dn, 0x4a))


def compare_req(msgid, dn, attr, value):
    return ldap_msg(msgid, ber_seq(ber_str(dn), ber_seq(ber_str(attr), ber_str(value)), tag=0x6e))


def abandon_req(msgid, target):
    return ldap_msg(msgid, ber_int(target, 0x50))


def extended_req(msgid, oid, value=None):
    body = ber_str(oid, 0x80)
    if value is not None:
        body += ber_str(value, 0x81)
    return ldap_msg(msgid, ber_seq(body, tag=0x77))


def _read_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError('connection closed after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return buf


def read_pdu(sock):
    """Reads one whole BER element from sock; raises EOFError if the peer closed."""
    head = _read_exact(sock, 2)
    first = head[1]
    if first < 0x80:
        length = first
        rest = b''
    else:
        rest = _read_exact(sock, first & 0x7f)
        length = int.from_bytes(rest, 'big')
    return head + rest + _read_exact(sock, length)


def ber_parse(data, pos=0):
    """Returns (tag, content, next_pos) for the element at pos."""
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7f
        length = int.from_bytes(data[pos:pos + n], 'big')
        pos += n
    return tag, data[pos:pos + length], pos + length


def ber_children(content):
    out = []
    pos = 0
    while pos < len(content):
        tag, value, pos = ber_parse(content, pos)
        out.append((tag, value))
    return out


class Response:
    """A decoded LDAP response: msgid, op tag (e.g. 0x61), and for results code/matched/diag."""

    def __init__(self, pdu):
        tag, content, _ = ber_parse(pdu)
        assert tag == 0x30, 'not an LDAPMessage'
        parts = ber_children(content)
        self.msgid = int.from_bytes(parts[0][1], 'big', signed=True)
        self.op, body = parts[1]
        self.fields = ber_children(body) if self.op & 0x20 else []
        self.code = self.matched = self.diag = None
        self.value = None
        self.name = None
        if self.op in (0x61, 0x65, 0x67, 0x69, 0x6b, 0x6d, 0x6f, 0x78):
            self.code = int.from_bytes(self.fields[0][1], 'big')
            self.matched = self.fields[1][1].decode('utf-8', 'replace')
            self.diag = self.fields[2][1].decode('utf-8', 'replace')
            for t, v in self.fields[3:]:
                if t == 0x8a:
                    self.name = v.decode()
                elif t == 0x8b:
                    self.value = v
        elif self.op == 0x64:
            self.dn = self.fields[0][1].decode('utf-8', 'replace')

    def __repr__(self):
        return '<Response msgid=%d op=0x%02x code=%s diag=%r>' % (
            self.msgid, self.op, self.code, self.diag)


def read_response(sock):
    return Response(read_pdu(sock))


def admin_sock(srv, timeout=30, rcvbuf=None):
    """A raw socket to srv already bound as the admin (message id 1)."""
    s = srv.raw(timeout=timeout, rcvbuf=rcvbuf)
    s.sendall(bind_req(1, srv.admin_dn, srv.admin_pw))
    assert read_response(s).code == 0
    return s


def load_people(srv, count, base='ou=Dynamic,o=Intranet', window=2000):
    """Adds count person entries cn=uNNNNNN,base (as admin), pipelined over one connection.

    Fast: a writer thread keeps up to window adds in flight while this thread
    reads the results.  Start the server with --sync=false for large counts.
    """
    import threading
    s = srv.raw(timeout=60)
    s.sendall(bind_req(1, srv.admin_dn, srv.admin_pw))
    r = read_response(s)
    assert r.code == 0, r
    state = {'sent': 0, 'acked': 0}
    cond = threading.Condition()

    def writer():
        for i in range(count):
            with cond:
                while state['sent'] - state['acked'] >= window:
                    cond.wait()
            s.sendall(add_req(i + 2, 'cn=u%06d,%s' % (i, base),
                              [('objectClass', ['person']), ('cn', ['u%06d' % i]),
                               ('sn', ['surname %d' % i])]))
            with cond:
                state['sent'] += 1

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    for i in range(count):
        r = read_response(s)
        assert r.op == 0x69 and r.code == 0, (i, r)
        with cond:
            state['acked'] += 1
            cond.notify()
    t.join()
    s.close()


# ---- test runner ----

# ---- ldap-utils output, for tests that drive ldapsearch ----

def norm(dn):
    """A DN folded for comparison: lowercase, no blanks around separators."""
    return ','.join('='.join(x.strip() for x in rdn.split('=', 1))
                    for rdn in dn.split(',')).lower()


def parse_ldif(text):
    """ldapsearch -LLL output -> {normalised dn: {lowercase attr: [str values]}}."""
    import io
    import ldif     # python-ldap: only the suites that parse LDIF need it
    parser = ldif.LDIFRecordList(io.StringIO(text))
    parser.parse()
    out = {}
    for dn, attrs in parser.all_records:
        entry = out.setdefault(norm(dn), {})
        for name, vals in attrs.items():
            entry.setdefault(name.lower(), []).extend(
                v.decode('utf-8', 'replace') for v in vals)
    return out


def ldif_search(srv, base, filt='(objectClass=*)', *attrs, scope='sub', opts=(), admin=False):
    """ldapsearch; returns (exit code, entries, CompletedProcess)."""
    args = (srv.admin_args() if admin else []) + ['-LLL', '-o', 'ldif-wrap=no',
                                                  '-b', base, '-s', scope] + list(opts)
    res = srv.ldap('ldapsearch', *args, filt, *attrs, check=False)
    return res.returncode, parse_ldif(res.stdout), res


def ldif_read(srv, dn, *attrs):
    """The entry at dn ({attr: values}), or None if it does not exist."""
    rc, entries, res = ldif_search(srv, dn, '(objectClass=*)', *attrs, scope='base')
    if rc == 32:
        return None
    assert rc == 0, 'reading %s: exit %d: %s' % (dn, rc, res.stderr)
    return entries[norm(dn)]


def schema_server(schema_name, schema_text, *extra, data=None):
    """A started server on a schema copy with one extra test schema file,
    loaded with the LDIF text data when given."""
    srv = Ilsd(*extra, start=False)
    srv.schema_dir = schema_copy(srv, schema_name, schema_text)
    srv.start()
    if data is not None:
        res = srv.ldap('ldapadd', *srv.admin_args(), input=data, check=False)
        assert res.returncode == 0, 'loading the test data failed (exit %d): %s' % (
            res.returncode, res.stderr)
    return srv


def schema_copy(srv, name=None, text=None):
    """A private copy of srv's schema directory inside its temp dir, plus
    one extra schema file when name is given, so a suite can add test
    types (or change files) without touching the shipped schema."""
    path = os.path.join(srv.tmp, 'schema')
    shutil.copytree(srv.schema_dir, path)
    if name is not None:
        with open(os.path.join(path, name), 'w') as f:
            f.write(text)
    return path


def run(namespace):
    """Runs every test_* function of namespace in definition order; exits 1 on failure."""
    tests = [(name, fn) for name, fn in namespace.items()
             if name.startswith('test_') and callable(fn)]
    passed = failed = 0
    for name, fn in tests:
        started = time.monotonic()
        try:
            del _sanitizer_reports[:]
            fn()
            _stop_all(keep_shared=True)
            if _sanitizer_reports:
                raise AssertionError('; '.join(_sanitizer_reports))
        except Exception as exc:
            failed += 1
            traceback.print_exc()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print('FAIL %s: %s' % (name, reason), flush=True)
        else:
            passed += 1
            print('PASS %s (%.1f s)' % (name, time.monotonic() - started), flush=True)
        finally:
            _stop_all(keep_shared=True)
    del _sanitizer_reports[:]
    _stop_all()
    if _sanitizer_reports:
        failed += 1
        print('FAIL shared servers: %s' % '; '.join(_sanitizer_reports), flush=True)
    print('%d passed, %d failed' % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
