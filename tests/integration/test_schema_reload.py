"""
test_schema_reload.py - live schema reload (docs/schema.md "Live reload"):
by SIGHUP and by the administrator's extended operation
1.3.6.1.4.1.99999.1.1.  New definitions are usable at once; a broken
file makes the reload fail with FILE:LINE: reason while the old schema
stays in force; anonymous callers get insufficientAccessRights (50);
reloads under concurrent adds and searches lose nothing; a reload that
removes an attribute still serves the stored entries using it and
reports how many entries no longer conform.

Each test runs the server on its own copy of the schema directory.
"""

import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Ilsd, run, bind_req, extended_req, read_response, norm, parse_ldif,  # noqa: E402
                     ldif_read, schema_copy)

import ldap  # noqa: E402
import ldap.extop  # noqa: E402

SUFFIX = 'o=Intranet'
PEOPLE = 'ou=People,' + SUFFIX
RELOAD = '1.3.6.1.4.1.99999.1.1'

NEW_TYPES = """\
# ldaptests: definitions added while the server runs.
attributetype ( 1.3.6.1.4.1.99999.901.1.1 NAME 'ldtReloaded'
	DESC 'ldaptests: appears on reload'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
objectclass ( 1.3.6.1.4.1.99999.901.2.1 NAME 'ldtReloadedThing'
	SUP top STRUCTURAL
	MUST cn
	MAY ( ldtReloaded $ description ) )
"""

# Line 4 names a matching rule that does not exist.
BROKEN_RULE = """\
# ldaptests: a broken file
attributetype ( 1.3.6.1.4.1.99999.901.1.9
	NAME 'ldtBroken'
	EQUALITY caseIgnoreMach
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
"""

# Line 3 is not a statement at all.
BROKEN_SYNTAX = """\
attributetype ( 1.3.6.1.4.1.99999.901.1.8 NAME 'ldtFine' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )

this is not a schema statement
"""

EXTRA_V1 = """\
attributetype ( 1.3.6.1.4.1.99999.901.1.20 NAME 'ldtExtra'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
objectclass ( 1.3.6.1.4.1.99999.901.2.20 NAME 'ldtExtraThing'
	SUP top STRUCTURAL MUST cn MAY ( ldtExtra $ description ) )
"""

# The same class without the attribute.
EXTRA_V2 = """\
objectclass ( 1.3.6.1.4.1.99999.901.2.20 NAME 'ldtExtraThing'
	SUP top STRUCTURAL MUST cn MAY description )
"""


# ---- helpers ----

def server(*files):
    """A server on a private copy of the schema directory, plus ou=People."""
    srv = Ilsd(start=False)
    srv.schema_copy = schema_copy(srv)
    srv.schema_dir = srv.schema_copy
    for name, text in files:
        put(srv, name, text)
    srv.start()
    res = srv.ldap('ldapadd', *srv.admin_args(), check=False,
                   input='dn: %s\nobjectClass: organizationalUnit\nou: People\n' % PEOPLE)
    assert res.returncode == 0, res.stderr
    return srv


def put(srv, name, text):
    with open(os.path.join(srv.schema_copy, name), 'w') as f:
        f.write(text)


def remove(srv, name):
    os.unlink(os.path.join(srv.schema_copy, name))


def reload_raw(srv, admin=True):
    """The reload operation over a raw connection: (result code, diagnostic)."""
    s = srv.raw(timeout=30)
    try:
        if admin:
            s.sendall(bind_req(1, dn=srv.admin_dn, pw=srv.admin_pw))
            r = read_response(s)
            assert r.code == 0, 'admin bind: %r' % r
        s.sendall(extended_req(2, RELOAD))
        r = read_response(s)
        assert r.op == 0x78 and r.msgid == 2, r
        return r.code, r.diag
    finally:
        s.close()


def reload_exop(srv, *auth):
    """The reload with ldapexop (as the issue shows it): (exit code, stdout, stderr)."""
    res = srv.ldap('ldapexop', *auth, RELOAD, check=False, timeout=60)
    return res.returncode, res.stdout, res.stderr


def add(srv, text):
    return srv.ldap('ldapadd', *srv.admin_args(), input=text, check=False)


def add_reloaded_thing(srv, cn):
    return add(srv, 'dn: cn=%s,%s\nobjectClass: ldtReloadedThing\ncn: %s\nldtReloaded: value %s\n'
               % (cn, PEOPLE, cn, cn))


def add_person_with_new_attr(srv, cn):
    return add(srv, 'dn: cn=%s,%s\nobjectClass: person\nobjectClass: extensibleObject\ncn: %s\n'
               'sn: x\nldtReloaded: %s\n' % (cn, PEOPLE, cn, cn))


def subschema_text(srv):
    res = srv.ldap('ldapsearch', '-LLL', '-o', 'ldif-wrap=no', '-b', 'cn=Subschema', '-s', 'base',
                   '(objectClass=subschema)', 'attributeTypes', 'objectClasses')
    return res.stdout


def search_dns(srv, filt, base=PEOPLE):
    res = srv.ldap('ldapsearch', '-LLL', '-o', 'ldif-wrap=no', '-b', base, filt, '1.1',
                   check=False)
    assert res.returncode == 0, res.stderr
    return set(parse_ldif(res.stdout))


def read(srv, dn):
    return ldif_read(srv, dn)


def assert_new_types_absent(srv, why):
    res = add(srv, 'dn: cn=early,%s\nobjectClass: ldtReloadedThing\ncn: early\n' % PEOPLE)
    assert res.returncode == 65, '%s: unknown class: expected 65, got %d %s' % (
        why, res.returncode, res.stderr)
    res = add_person_with_new_attr(srv, 'early2')
    assert res.returncode == 17, '%s: unknown attribute: expected 17, got %d %s' % (
        why, res.returncode, res.stderr)
    assert 'ldtReloaded' not in subschema_text(srv), '%s: cn=Subschema shows the new type' % why


def assert_new_types_usable(srv, tag):
    res = add_reloaded_thing(srv, 'thing' + tag)
    assert res.returncode == 0, 'new class after reload: %d %s' % (res.returncode, res.stderr)
    res = add_person_with_new_attr(srv, 'person' + tag)
    assert res.returncode == 0, 'new attribute after reload: %d %s' % (res.returncode, res.stderr)
    got = search_dns(srv, '(ldtReloaded=VALUE thing%s)' % tag)
    assert got == {norm('cn=thing%s,%s' % (tag, PEOPLE))}, got
    text = subschema_text(srv)
    assert "'ldtReloaded'" in text and "'ldtReloadedThing'" in text, \
        'cn=Subschema does not show the reloaded definitions'


# ---- reload paths ----

def test_reload_by_extended_operation():
    with server() as srv:
        assert_new_types_absent(srv, 'before reload')
        put(srv, '50-ldaptests.schema', NEW_TYPES)
        rc, out, err = reload_exop(srv, *srv.admin_args())
        assert rc == 0, 'ldapexop reload as admin: exit %d %s' % (rc, err)
        # Usable at once: the response came after the swap.
        assert_new_types_usable(srv, '1')
        code, diag = reload_raw(srv)
        assert code == 0, (code, diag)
        assert re.search(r'\b0\b', diag), 'reload should report 0 nonconforming entries: %r' % diag
        # The new definitions survive a restart (they are in the directory).
        srv.restart()
        assert read(srv, 'cn=thing1,' + PEOPLE)['ldtreloaded'] == ['value thing1']


def test_reload_by_sighup():
    with server() as srv:
        assert_new_types_absent(srv, 'before SIGHUP')
        put(srv, '50-ldaptests.schema', NEW_TYPES)
        srv.signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if add_reloaded_thing(srv, 'probe').returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError('SIGHUP did not load the new schema within 5 s')
        assert srv.running(), 'ilsd died on SIGHUP'
        assert_new_types_usable(srv, '2')


def test_reload_requires_admin():
    with server() as srv:
        put(srv, '50-ldaptests.schema', NEW_TYPES)
        rc, out, err = reload_exop(srv)
        assert rc != 0 and re.search(r'\(50\)', err), \
            'anonymous reload: expected insufficientAccessRights (50): exit %d %s' % (rc, err)
        code, diag = reload_raw(srv, admin=False)
        assert code == 50, 'anonymous reload (raw): %d %r' % (code, diag)
        # LDAPv2-style anonymous bind, then the operation: still refused.
        s = srv.raw()
        s.sendall(bind_req(1, version=3))
        read_response(s)
        s.sendall(extended_req(2, RELOAD))
        r = read_response(s)
        assert r.code == 50, r
        s.close()
        rc, out, err = reload_exop(srv, '-D', srv.admin_dn, '-w', 'wrong')
        assert rc != 0, 'reload with a wrong password succeeded'
        assert_new_types_absent(srv, 'after refused reloads')


def test_broken_schema_keeps_old_one():
    with server() as srv:
        res = add(srv, 'dn: cn=Before,%s\nobjectClass: person\ncn: Before\nsn: B\n' % PEOPLE)
        assert res.returncode == 0
        put(srv, '50-ldaptests.schema', NEW_TYPES)
        put(srv, '60-broken.schema', BROKEN_RULE)
        rc, out, err = reload_exop(srv, *srv.admin_args())
        assert rc != 0, 'reload with a broken file succeeded: %s' % out
        m = re.search(r'60-broken\.schema:(\d+):\s*(.+)', err)
        assert m, 'the result does not name FILE:LINE: %r' % err
        assert m.group(1) in ('2', '4'), 'wrong line for the bad rule: %s' % m.group(0)
        assert 'caseIgnoreMach' in m.group(2), 'the reason does not name the rule: %r' % m.group(2)
        code, diag = reload_raw(srv)
        assert code != 0 and '60-broken.schema:' in diag, (code, diag)
        # Nothing of the failed set is in force, and the old schema still works.
        assert_new_types_absent(srv, 'after a failed reload')
        res = add(srv, 'dn: cn=After,%s\nobjectClass: person\ncn: After\nsn: A\n' % PEOPLE)
        assert res.returncode == 0, res.stderr
        assert search_dns(srv, '(sn=*)') == {norm('cn=Before,' + PEOPLE),
                                              norm('cn=After,' + PEOPLE)}
        # A syntax error is reported at its own line.
        remove(srv, '60-broken.schema')
        put(srv, '70-broken.schema', BROKEN_SYNTAX)
        code, diag = reload_raw(srv)
        assert code != 0 and re.search(r'70-broken\.schema:3:', diag), (code, diag)
        assert_new_types_absent(srv, 'after a second failed reload')
        # SIGHUP with the broken file: the server carries on with the old schema.
        srv.signal(signal.SIGHUP)
        assert srv.wait_log('70-broken.schema:3', timeout=5), \
            'the failed SIGHUP reload is not logged with FILE:LINE'
        assert srv.running(), 'ilsd died on a SIGHUP with a broken schema'
        assert_new_types_absent(srv, 'after a failed SIGHUP reload')
        # Fixed: the reload succeeds and brings the new file in.
        remove(srv, '70-broken.schema')
        code, diag = reload_raw(srv)
        assert code == 0, (code, diag)
        assert_new_types_usable(srv, '3')


def test_reload_removing_an_attribute():
    with server(('50-extra.schema', EXTRA_V1)) as srv:
        for cn, extra in (('x1', 'one'), ('x2', 'two'), ('x3', None)):
            text = 'dn: cn=%s,%s\nobjectClass: ldtExtraThing\ncn: %s\n' % (cn, PEOPLE, cn)
            if extra:
                text += 'ldtExtra: %s\n' % extra
            res = add(srv, text)
            assert res.returncode == 0, res.stderr
        put(srv, '50-extra.schema', EXTRA_V2)
        code, diag = reload_raw(srv)
        assert code == 0, 'reload removing ldtExtra: %d %r' % (code, diag)
        assert re.search(r'\b2\b', diag), 'expected 2 nonconforming entries in %r' % diag
        rc, out, err = reload_exop(srv, *srv.admin_args())
        assert rc == 0 and re.search(r'\b2\b', out), \
            'ldapexop should show the count too: %r %r' % (out, err)
        # The stored entries are still served, values and all.
        for cn, extra in (('x1', 'one'), ('x2', 'two')):
            e = read(srv, 'cn=%s,%s' % (cn, PEOPLE))
            assert e is not None, 'cn=%s is no longer served' % cn
            assert e.get('ldtextra') == [extra], 'cn=%s lost ldtExtra: %r' % (cn, e)
        assert search_dns(srv, '(objectClass=ldtExtraThing)') == {
            norm('cn=%s,%s' % (cn, PEOPLE)) for cn in ('x1', 'x2', 'x3')}
        # New writes use the new schema.
        res = add(srv, 'dn: cn=x4,%s\nobjectClass: ldtExtraThing\ncn: x4\nldtExtra: no\n' % PEOPLE)
        assert res.returncode == 17, 'ldtExtra after its removal: %d' % res.returncode
        # And they survive a restart under the new schema.
        srv.restart()
        assert read(srv, 'cn=x1,' + PEOPLE).get('ldtextra') == ['one']
        # Restoring the attribute makes them conform again.
        put(srv, '50-extra.schema', EXTRA_V1)
        code, diag = reload_raw(srv)
        assert code == 0 and re.search(r'\b0\b', diag), (code, diag)


def test_reload_under_load():
    """Adds and searches from several connections while the schema is reloaded repeatedly."""
    with server() as srv:
        put(srv, '50-ldaptests.schema', NEW_TYPES)
        stop = threading.Event()
        acked, errors, searches = [], [], [0]
        lock = threading.Lock()

        def writer(k):
            try:
                l = ldap.initialize(srv.uri)
                l.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
                l.simple_bind_s(srv.admin_dn, srv.admin_pw)
                i = 0
                while not stop.is_set():
                    dn = 'cn=w%d-%04d,%s' % (k, i, PEOPLE)
                    try:
                        l.add_s(dn, [('objectClass', [b'person']), ('cn', [b'w%d-%04d' % (k, i)]),
                                     ('sn', [b'load'])])
                        with lock:
                            acked.append(dn)
                    except ldap.LDAPError as exc:
                        errors.append('add %s: %r' % (dn, exc))
                    i += 1
                l.unbind_s()
            except Exception as exc:  # noqa: BLE001
                errors.append('writer %d: %r' % (k, exc))

        def reader():
            try:
                l = ldap.initialize(srv.uri)
                l.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
                while not stop.is_set():
                    r = l.search_s(PEOPLE, ldap.SCOPE_ONELEVEL, '(sn=load)', ['cn'])
                    for dn, attrs in r:
                        if not attrs.get('cn'):
                            errors.append('entry without cn: %s' % dn)
                    searches[0] += 1
                l.unbind_s()
            except Exception as exc:  # noqa: BLE001
                errors.append('reader: %r' % (exc,))

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        reloads = []
        try:
            for n in range(6):
                time.sleep(0.3)
                if n == 3:
                    srv.signal(signal.SIGHUP)
                    continue
                reloads.append(reload_raw(srv))
        finally:
            time.sleep(0.3)
            stop.set()
            for t in threads:
                t.join(30)
        assert all(code == 0 for code, _ in reloads), reloads
        assert not errors, '%d errors, first: %s' % (len(errors), errors[:3])
        assert len(acked) >= 30 and searches[0] >= 5, (len(acked), searches[0])
        present = search_dns(srv, '(sn=load)')
        lost = [dn for dn in acked if norm(dn) not in present]
        assert not lost, '%d acknowledged adds lost, e.g. %s' % (len(lost), lost[:3])
        assert len(present) == len(acked), 'entries present that were never acknowledged'
        assert srv.running()
        assert_new_types_usable(srv, '4')


run(globals())
