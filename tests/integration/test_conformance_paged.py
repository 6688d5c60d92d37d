"""
test_conformance_paged.py - the Simple Paged Results control (RFC 2696,
1.2.840.113556.1.4.319) as OpenLDAP's ldapsearch, python-ldap and a raw
client use it.

Covers: the control is advertised in supportedControl; every entry of a
result larger than 100 entries comes back exactly once, in pages of at
most the page size, with a cookie on every page but the last (ldapsearch
-E pr=10/noprompt, python-ldap SimplePagedResultsControl, and the raw
protocol); size 0 with a cookie abandons the search; an unknown cookie, a
cookie reused after its search moved on, or a cookie sent with another
search is refused with unwillingToPerform; a malformed control value is a
protocolError; the control marked critical on an operation other than
Search is unavailableCriticalExtension; sizeLimit counts over all pages;
the per-connection cap on searches kept between pages drops the oldest;
a Bind drops the searches kept for the previous identity.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Ilsd, run, load_people, read_response, search_req, bind_req, admin_sock,  # noqa: E402
                     control, controls, ber_seq, ber_int, ber_str, ber_children,
                     ber_parse, modify_req)

import ldap  # noqa: E402
from ldap.controls import SimplePagedResultsControl  # noqa: E402

PAGED = '1.2.840.113556.1.4.319'
DYN = 'ou=Dynamic,o=Intranet'
COUNT = 150


def paged_value(size, cookie=b''):
    return ber_seq(ber_int(size), ber_str(cookie))


def paged_ctl(size, cookie=b'', critical=True):
    return controls(control(PAGED, critical, paged_value(size, cookie)))


def read_page(sock, msgid):
    """Reads one page: returns (entry DNs, SearchResultDone Response, cookie or None)."""
    dns = []
    while True:
        pdu = _read(sock)
        tag, content, _ = ber_parse(pdu)
        parts = ber_children(content)
        assert int.from_bytes(parts[0][1], 'big') == msgid, parts[0]
        op = parts[1][0]
        if op == 0x64:
            dns.append(ber_children(parts[1][1])[0][1].decode())
            continue
        assert op == 0x65, hex(op)
        from harness import Response
        done = Response(pdu)
        cookie = None
        for t, v in parts[2:]:
            if t == 0xa0:
                for ct, cv in ber_children(v):
                    fields = ber_children(cv)
                    if fields[0][1] == PAGED.encode():
                        val = fields[-1][1]
                        inner = ber_children(ber_parse(val)[1])
                        cookie = inner[1][1]
        return dns, done, cookie


def _read(sock):
    from harness import read_pdu
    return read_pdu(sock)


def test_advertised_in_root_dse():
    with Ilsd() as srv:
        out = srv.ldap('ldapsearch', '-LLL', '-b', '', '-s', 'base', '(objectClass=*)',
                       'supportedControl').stdout
        assert 'supportedControl: ' + PAGED in out, out


def test_ldapsearch_pages_every_entry_once():
    with Ilsd('--sync=false') as srv:
        load_people(srv, COUNT)
        out = srv.ldap('ldapsearch', '-LLL', '-E', 'pr=10/noprompt', '-b', DYN, '-s', 'one',
                       '(objectClass=person)', 'cn').stdout
        dns = re.findall(r'^dn: (.*)$', out, re.M)
        assert len(dns) == COUNT and len(set(dns)) == COUNT, (len(dns), len(set(dns)))
        # Without -LLL ldapsearch prints each page's result and cookie.
        out = srv.ldap('ldapsearch', '-E', 'pr=40/noprompt', '-b', DYN, '-s', 'one',
                       '(objectClass=person)', '1.1').stdout
        assert len(re.findall(r'^dn: ', out, re.M)) == COUNT
        results = re.findall(r'^result: (.*)$', out, re.M)
        cookies = re.findall(r'^pagedresults: cookie=(.*)$', out, re.M)
        assert results == ['0 Success'] * 4, results
        assert len(cookies) == 4 and all(cookies[:3]) and cookies[3] == '', cookies
        # Critical (-E '!pr=...') works the same.
        out = srv.ldap('ldapsearch', '-LLL', '-E', '!pr=64/noprompt', '-b', DYN, '-s', 'one',
                       '(objectClass=person)', '1.1').stdout
        assert len(re.findall(r'^dn: ', out, re.M)) == COUNT


def test_python_ldap_pages():
    with Ilsd('--sync=false') as srv:
        load_people(srv, COUNT)
        l = srv.python_ldap()
        ctrl = SimplePagedResultsControl(True, size=7, cookie='')
        seen, sizes = [], []
        while True:
            msgid = l.search_ext(DYN, ldap.SCOPE_SUBTREE, '(cn=u*)', ['cn'], serverctrls=[ctrl])
            _, rdata, _, rctrls = l.result3(msgid, timeout=30)
            sizes.append(len(rdata))
            seen.extend(dn.lower() for dn, _ in rdata)
            resp = [c for c in rctrls if c.controlType == PAGED]
            assert resp, 'no paged results control in SearchResultDone'
            if not resp[0].cookie:
                break
            ctrl.cookie = resp[0].cookie
            assert len(sizes) < 100
        assert len(seen) == COUNT and len(set(seen)) == COUNT, (len(seen), len(set(seen)))
        assert all(n == 7 for n in sizes[:-1]) and 1 <= sizes[-1] <= 7, sizes
        # An exact multiple of the page size: the last full page has no cookie.
        ctrl = SimplePagedResultsControl(True, size=COUNT // 2, cookie='')
        pages = 0
        while True:
            msgid = l.search_ext(DYN, ldap.SCOPE_ONELEVEL, '(objectClass=*)', ['1.1'],
                                 serverctrls=[ctrl])
            _, rdata, _, rctrls = l.result3(msgid, timeout=30)
            pages += 1
            cookie = [c for c in rctrls if c.controlType == PAGED][0].cookie
            if not cookie:
                break
            ctrl.cookie = cookie
        assert pages == 2, pages
        l.unbind_s()


def test_raw_pages_and_abandon_with_size_zero():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 30)
        s = admin_sock(srv)
        s.sendall(search_req(2, DYN, 1, attrs=['1.1'], ctls=paged_ctl(12)))
        dns, done, cookie = read_page(s, 2)
        assert len(dns) == 12 and done.code == 0 and cookie, (len(dns), done, cookie)
        # Size 0 with the cookie: the search is dropped, no entries, empty cookie.
        s.sendall(search_req(3, DYN, 1, attrs=['1.1'], ctls=paged_ctl(0, cookie)))
        dns, done, cookie2 = read_page(s, 3)
        assert dns == [] and done.code == 0 and cookie2 == b'', (dns, done, cookie2)
        # The dropped cookie is no longer valid.
        s.sendall(search_req(4, DYN, 1, attrs=['1.1'], ctls=paged_ctl(12, cookie)))
        dns, done, _ = read_page(s, 4)
        assert dns == [] and done.code == 53, done
        # Size 0 without a cookie: an empty, final page.
        s.sendall(search_req(5, DYN, 1, attrs=['1.1'], ctls=paged_ctl(0)))
        dns, done, cookie = read_page(s, 5)
        assert dns == [] and done.code == 0 and cookie == b''
        s.close()


def test_bad_cookies_and_values():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 20)
        s = admin_sock(srv)
        # Unknown cookie.
        s.sendall(search_req(2, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5, b'\x00' * 8)))
        dns, done, _ = read_page(s, 2)
        assert done.code == 53 and dns == [], done
        s.sendall(search_req(3, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5, b'garbage')))
        assert read_page(s, 3)[1].code == 53
        # A real cookie used with a different search request.
        s.sendall(search_req(4, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5)))
        dns, done, cookie = read_page(s, 4)
        assert len(dns) == 5 and cookie
        s.sendall(search_req(5, DYN, 1, attrs=['cn'], ctls=paged_ctl(5, cookie)))
        assert read_page(s, 5)[1].code == 53
        # ... which does not spoil it for its own search.
        s.sendall(search_req(6, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5, cookie)))
        dns2, done, cookie2 = read_page(s, 6)
        assert done.code == 0 and len(dns2) == 5 and not set(dns) & set(dns2)
        # The same cookie twice: the second time it is stale.
        s.sendall(search_req(7, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5, cookie)))
        assert read_page(s, 7)[1].code == 53
        # Malformed control value: protocolError, connection stays.
        bad = controls(control(PAGED, True, ber_seq(ber_str('x'))))
        s.sendall(search_req(8, DYN, 1, attrs=['1.1'], ctls=bad))
        dns, done, _ = read_page(s, 8)
        assert done.code == 2 and dns == [], done
        bad = controls(control(PAGED, True, paged_value(-1)))
        s.sendall(search_req(9, DYN, 1, attrs=['1.1'], ctls=bad))
        assert read_page(s, 9)[1].code == 2
        # Critical on a Modify: the control does not apply there.
        s.sendall(_with_controls(modify_req(10, DYN, [(2, 'description', ['x'])]),
                                 paged_ctl(5)))
        r = read_response(s)
        assert r.msgid == 10 and r.code == 12, r
        # Still usable.
        s.sendall(search_req(11, DYN, 0, attrs=['1.1']))
        assert read_response(s).op == 0x64
        s.close()


def _with_controls(msg, ctls):
    """Appends a Controls element to an encoded LDAPMessage."""
    tag, content, _ = ber_parse(msg)
    return ber_seq(content + ctls)


def test_size_limit_counts_over_pages():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 30)
        s = admin_sock(srv)
        total, msgid, cookie, code = 0, 2, b'', None
        while True:
            s.sendall(search_req(msgid, DYN, 1, attrs=['1.1'], sizelimit=13,
                                 ctls=paged_ctl(5, cookie)))
            dns, done, cookie = read_page(s, msgid)
            total += len(dns)
            code = done.code
            msgid += 1
            if not cookie or code != 0:
                break
        assert total == 13 and code == 4, (total, code)
        s.close()


def test_cap_on_kept_searches():
    with Ilsd('--sync=false') as srv:
        load_people(srv, 20)
        s = admin_sock(srv)
        cookies = []
        for i in range(9):	# one more than the per-connection cap of 8
            s.sendall(search_req(10 + i, DYN, 1, attrs=['1.1'], ctls=paged_ctl(2)))
            dns, done, cookie = read_page(s, 10 + i)
            assert len(dns) == 2 and cookie
            cookies.append(cookie)
        # The oldest was dropped; the newest still works.
        s.sendall(search_req(30, DYN, 1, attrs=['1.1'], ctls=paged_ctl(2, cookies[0])))
        assert read_page(s, 30)[1].code == 53
        s.sendall(search_req(31, DYN, 1, attrs=['1.1'], ctls=paged_ctl(2, cookies[-1])))
        dns, done, _ = read_page(s, 31)
        assert done.code == 0 and len(dns) == 2
        s.close()


def test_bind_drops_kept_searches():
    """A search kept between pages ran as the old identity: a Bind ends it."""
    with Ilsd('--sync=false') as srv:
        load_people(srv, 20)
        s = admin_sock(srv)
        s.sendall(search_req(2, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5)))
        dns, done, cookie = read_page(s, 2)
        assert len(dns) == 5 and cookie
        s.sendall(bind_req(3, srv.admin_dn, srv.admin_pw))
        assert read_response(s).code == 0
        s.sendall(search_req(4, DYN, 1, attrs=['1.1'], ctls=paged_ctl(5, cookie)))
        assert read_page(s, 4)[1].code == 53
        s.close()


def test_abandon_and_unbind_while_pages_are_kept():
    """Kept searches go with the connection; the server stays healthy."""
    with Ilsd('--sync=false') as srv:
        load_people(srv, 40)
        for _ in range(20):
            s = admin_sock(srv)
            s.sendall(search_req(2, DYN, 1, attrs=['cn'], ctls=paged_ctl(3)))
            read_page(s, 2)
            s.close()
        l = srv.python_ldap()
        assert len(l.search_s(DYN, ldap.SCOPE_ONELEVEL, '(objectClass=*)', ['1.1'])) == 40
        l.unbind_s()


run(globals())
