"""
The daemon's life: command line and configuration checks, exit codes,
SIGTERM/SIGINT clean stops with data kept, SIGHUP schema reload,
background mode with a pid file, bind failures.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import Ilsd, bind_req, free_port, read_response, run, _default

BIN = _default('ILSD_BIN', '../../build/ilsd')
SCHEMA = _default('ILSD_SCHEMA_DIR', '../../schema')


def ilsd(*args, timeout=20):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout)


def test_help_and_version():
    out = ilsd('--help')
    assert out.returncode == 0 and '--max-pdu-size' in out.stdout and 'Exit status' in out.stdout
    out = ilsd('--version')
    assert out.returncode == 0 and out.stdout.startswith('ilsd '), out.stdout


def test_check_config():
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, 'good.conf')
        with open(good, 'w') as f:
            f.write('# test\nlisten = 127.0.0.1:1389\nthreads = 2\nschema-dir = %s\n' % SCHEMA)
        out = ilsd('--config=' + good, '--check-config')
        assert out.returncode == 0, out.stderr
        bad = os.path.join(tmp, 'bad.conf')
        with open(bad, 'w') as f:
            f.write('threads = 2\n\nmax-pdu-size = huge\n')
        out = ilsd('--config=' + bad, '--check-config')
        assert out.returncode == 1, out
        assert out.stderr.startswith(bad + ':3: max-pdu-size'), out.stderr
        out = ilsd('--config=' + good, '--check-config', '--threads=0')
        assert out.returncode == 1 and out.stderr.startswith('--threads: '), out.stderr
        out = ilsd('--bogus=1')
        assert out.returncode == 1 and '--bogus: unknown option' in out.stderr, out.stderr
        out = ilsd('--check-config', '--schema-dir=' + tmp + '/none')
        assert out.returncode == 1 and 'schema-dir' in out.stderr, out.stderr
        out = ilsd('--check-config', '--admin-password-file=' + tmp + '/none')
        assert out.returncode == 1 and 'admin-password-file' in out.stderr, out.stderr
        out = ilsd('--config=' + tmp + '/missing.conf')
        assert out.returncode == 1 and 'cannot open' in out.stderr, out.stderr
    # the shipped example stays valid
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../etc/ilsd.conf.example')
    out = ilsd('--config=' + example, '--check-config', '--schema-dir=' + SCHEMA)
    assert out.returncode == 0, out.stderr


def test_sigterm_clean_exit_and_data_persists():
    srv = Ilsd()
    ldif = ('dn: cn=keep,ou=Dynamic,o=Intranet\nobjectClass: person\ncn: keep\nsn: me\n\n')
    srv.ldap('ldapadd', *srv.admin_args(), input=ldif)
    # an open connection does not delay the stop; it is told why it closes
    s = srv.raw()
    s.sendall(bind_req(1))
    assert read_response(s).code == 0
    code = srv.stop()
    assert code == 0, code
    r = read_response(s)
    assert r.msgid == 0 and r.code == 52, r       # notice: shutting down
    s.close()
    assert 'stopping' in srv.log() and 'ilsd stopped (exit status 0)' in srv.log()
    srv.start()
    out = srv.ldap('ldapsearch', '-b', 'cn=keep,ou=Dynamic,o=Intranet', '-s', 'base', 'sn')
    assert 'sn: me' in out.stdout, out.stdout
    srv.proc.send_signal(signal.SIGINT)
    assert srv.proc.wait(10) == 0
    srv.close()


def test_sighup_reloads_schema():
    srv = Ilsd()
    srv.signal(signal.SIGHUP)
    assert srv.wait_log('schema reloaded'), srv.log()
    out = srv.ldap('ldapsearch', '-b', '', '-s', 'base', 'namingContexts')
    assert 'o=Intranet' in out.stdout
    srv.close()


def sweeper_run(*args):
    """350 entries expiring at once; returns the server and its sweep log lines."""
    srv = Ilsd('--ttl-min=1', '--ttl-default=1', '--log-level=debug', '--sweep-batch=100',
               '--sweep-interval=200', '--sync=false', *args)
    ldif = ''.join('dn: cn=d%d,ou=Dynamic,o=Intranet\nobjectClass: person\n'
                   'objectClass: dynamicObject\ncn: d%d\nsn: x\n\n' % (i, i) for i in range(350))
    srv.ldap('ldapadd', *srv.admin_args(), input=ldif)
    deadline = time.monotonic() + 10
    deleted = 0
    while time.monotonic() < deadline and deleted < 350:
        time.sleep(0.2)
        deleted = sum(int(line.split('TTL sweep: ')[1].split()[0])
                      for line in srv.log().splitlines() if 'TTL sweep: ' in line)
    assert deleted == 350, deleted
    batches = [line for line in srv.log().splitlines() if 'TTL sweep: ' in line]
    out = srv.ldap('ldapsearch', '-b', 'ou=Dynamic,o=Intranet', '-s', 'one', 'cn')
    assert 'numEntries' not in out.stdout, out.stdout
    srv.close()
    return batches


def test_sweeper_drains_mass_expiry():
    """Expired entries go in batches of sweep-batch, back to back while batches are full."""
    batches = sweeper_run('--sweep-slice=0')
    assert len(batches) >= 4 and '100 expired' in batches[0], batches


def test_sweeper_slices():
    """With a time slice a sweep stops early and the next one follows at once."""
    batches = sweeper_run('--sweep-slice=1')
    counts = [int(line.split('TTL sweep: ')[1].split()[0]) for line in batches]
    assert len(batches) >= 8 and max(counts) <= 64, counts


def test_port_in_use_exit_2():
    srv = Ilsd()
    other = Ilsd(start=False)
    other.port = srv.port
    proc = subprocess.run(other.argv(), capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert 'cannot listen on 127.0.0.1:%d' % srv.port in proc.stderr, proc.stderr
    other.close()
    srv.close()


def test_storage_failure_exit_2():
    with tempfile.NamedTemporaryFile() as f:
        srv = Ilsd(start=False, data_dir=f.name)
        proc = subprocess.run(srv.argv(), capture_output=True, text=True, timeout=20)
        assert proc.returncode == 2, (proc.returncode, proc.stderr)
        srv.close()


def test_background_with_pid_file():
    tmp = tempfile.mkdtemp(prefix='ilsd-bg-')
    port = free_port()
    pidfile = os.path.join(tmp, 'ilsd.pid')
    srv = Ilsd(start=False)
    argv = [a for a in srv.argv() if a != '--foreground' and not a.startswith('--listen=')]
    argv += ['--listen=127.0.0.1:%d' % port, '--pid-file=' + pidfile]
    started = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    assert started.returncode == 0, started.stderr
    with open(pidfile) as f:
        pid = int(f.read())
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            s.sendall(bind_req(1))
            assert read_response(s).code == 0
        # a second daemon with the same pid file refuses to start
        again = subprocess.run(argv[:-2] + ['--listen=127.0.0.1:%d' % free_port(),
                                            '--pid-file=' + pidfile],
                               capture_output=True, text=True, timeout=20)
        assert again.returncode == 2, again
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists('/proc/%d' % pid):
        time.sleep(0.05)
    assert not os.path.exists('/proc/%d' % pid)
    assert not os.path.exists(pidfile)
    srv.close()
    shutil.rmtree(tmp, ignore_errors=True)


def test_privileged_port_skipped_without_privilege():
    """Binding 389 as an unprivileged user warns and carries on with the others."""
    try:
        with open('/proc/sys/net/ipv4/ip_unprivileged_port_start') as f:
            if int(f.read()) <= 389:
                print('skipped: unprivileged users may bind port 389 here')
                return
    except OSError:
        pass
    if os.geteuid() != 0 or not os.path.exists('/usr/bin/setpriv'):
        print('skipped: needs root and setpriv to run as nobody')
        return
    srv = Ilsd(start=False)
    os.chmod(srv.tmp, 0o755)
    os.chmod(srv.pw_file, 0o644)
    argv = srv.argv() + ['--listen=127.0.0.1:389']
    argv = [a for a in argv if not a.startswith('--data-dir=')] + [
        '--data-dir=' + os.path.join(srv.tmp, 'data-nobody')]
    os.makedirs(os.path.join(srv.tmp, 'data-nobody'))
    os.chown(os.path.join(srv.tmp, 'data-nobody'), 65534, 65534)
    proc = subprocess.Popen(['/usr/bin/setpriv', '--reuid=65534', '--regid=65534',
                             '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'] + argv,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(('127.0.0.1', srv.port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=10)[1]
    assert proc.returncode == 0, err
    assert 'cannot listen on 127.0.0.1:389: permission denied' in err, err
    srv.close()


run(globals())
