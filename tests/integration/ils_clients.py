"""
ils_clients.py - what each shipped ILS client sends, request by request,
built from the wire facts of ../../../shared/spec/ils-compat.md section 4
and MS-TAIL section 4.  The test_ils_*.py files replay these flows against
a real ilsd and check every answer.

Each client is a small class around one port; flows that open their own
connection (NetMeeting, GnomeMeeting, PTLib) do so, the others take a
ldapwire.Conn.
"""

from ldapwire import ADD, BASE, DELETE, ONE, REPLACE, SUB, Conn, F

NM_GUID = '008aff194794cf118796444553540000'
NM_LISTING_ATTRS = ['sFlags', 'cn', 'givenName', 'surName', 'location', 'ilsA26214430',
                    'ilsA32833566', 'ilsA32964638', 'comment']
NM_DETAIL_ATTRS = ['givenName', 'surName', 'comment', 'ilsA32833566', 'ilsA32964638',
                   'ilsA26279966', 'ilsA39321630']
ILSAPI_RESOLVE_ATTRS = ['cn', 'givenname', 'surname', 'rfc822mailbox', 'location', 'comment',
                        'sipaddress', 'sflags', 'c', 'sappid', 'smimetype', 'sappguid',
                        'sprotid', 'sprotmimetype']


def ip_number(dotted):
    """The ILS form of an IPv4 address: its bytes as a little-endian integer."""
    b = [int(x) for x in dotted.split('.')]
    return str(b[0] + 256 * (b[1] + 256 * (b[2] + 256 * b[3])))


# ---- NetMeeting 3.01 ----

class NetMeeting:
    """NetMeeting 3.01: LDAPv2, bind "" "", a new connection per flow."""

    def __init__(self, port, email, ssecurity='21912384', ip='10.70.41.96', given='Eric',
                 surname='Gruber', location='Seattle', comment='Participant', incall='0'):
        self.port = port
        self.email = email
        self.ssecurity = ssecurity
        self.ip = ip
        self.given = given
        self.surname = surname
        self.location = location
        self.comment = comment
        self.incall_flag = incall
        self.dn = 'c=-,o=Microsoft,cn=%s,objectClass=RTPerson' % email

    def add_attrs(self):
        return [('cn', self.email), ('givenname', self.given), ('surname', self.surname),
                ('rfc822mailbox', self.email), ('location', self.location),
                ('comment', self.comment), ('c', '-'), ('sipaddress', ip_number(self.ip)),
                ('sflags', '1'), ('ssecurity', self.ssecurity),
                ('ilsA26214430', self.incall_flag), ('ilsA26279966', '84020942'),
                ('ilsA32833566', '1'), ('ilsA32964638', '1'), ('ilsA39321630', '2')]

    @staticmethod
    def app_changes():
        return [(ADD, 'smodop', '0'), (ADD, 'sappid', 'ms-netmeeting'),
                (ADD, 'smimetype', 'text/iuls'), (ADD, 'sappguid', NM_GUID),
                (ADD, 'sprotid', ['t120', 'h323']),
                (ADD, 'sprotmimetype', ['text/t120', 'text/h323']),
                (ADD, 'sport', ['1503', '1720'])]

    def _conn(self):
        c = Conn(self.port)
        r = c.bind(version=2)
        assert r.code == 0, r
        return c

    def logon(self):
        """bind, Add, Modify (only after a successful Add), unbind.  Returns (add, modify)."""
        with self._conn() as c:
            add = c.add(self.dn, self.add_attrs())
            mod = None
            if add.code == 0:
                mod = c.modify(self.dn, self.app_changes())
            c.unbind()
            return add, mod

    def refresh(self, minutes=10):
        """The keep-alive search.  Returns (entries, done)."""
        with self._conn() as c:
            out = c.search('objectClass=RTPerson', BASE,
                           F.and_(F.eq('objectClass', 'RTPerson'), F.eq('cn', self.email),
                                  F.eq('sttl', str(minutes))), ['sttl'])
            c.unbind()
            return out

    def incall(self, flag):
        with self._conn() as c:
            r = c.modify(self.dn, [(REPLACE, 'smodop', '2'), (REPLACE, 'ilsA26214430', flag)])
            c.unbind()
            return r

    def logoff(self):
        with self._conn() as c:
            r = c.delete(self.dn)
            c.unbind()
            return r

    def resolve(self, email):
        with self._conn() as c:
            out = c.search('objectClass=RTPerson', BASE,
                           F.and_(F.eq('objectClass', 'RTPerson'), F.eq('cn', email)),
                           ['sipaddress'])
            c.unbind()
            return out


class NetMeetingDirectory:
    """NetMeeting's directory window: one persistent connection, time limit 30 s."""

    def __init__(self, port):
        self.c = Conn(port)
        self.c.bind(version=2)	# result ignored, as the client does

    def close(self):
        self.c.close()

    def listing(self):
        return self.c.search('objectClass=RTPerson', BASE,
                             F.and_(F.eq('objectClass', 'RTPerson'), F.eq('cn', '%'),
                                    F.eq('sappid', 'ms-netmeeting'), F.eq('sprotid', 'h323')),
                             NM_LISTING_ATTRS, timelimit=30)

    def details(self, email):
        return self.c.search('objectClass=RTPerson', BASE,
                             F.and_(F.eq('objectClass', 'RTPerson'), F.eq('cn', email),
                                    F.eq('sappid', 'ms-netmeeting'), F.eq('sprotid', 'h323')),
                             NM_DETAIL_ATTRS, timelimit=30)


# ---- the ILS API (NetMeeting 2.x, SDK applications) ----

class IlsApi:
    """The ILS API library: LDAPv2, pipelines add+modify and modify+modify."""

    def __init__(self, conn, email, country='DE', ssecurity='77001', ip='192.168.1.20',
                 app='ms-netmeeting', ttl='4', extended=(('ILSA12345678', 'x'),)):
        self.c = conn
        self.email = email
        self.ssecurity = ssecurity
        self.ip = ip
        self.app = app
        self.ttl = ttl
        self.extended = list(extended)
        self.dn = 'c=%s, o=Microsoft, cn=%s, objectClass=RTPerson' % (country, email)

    def add_attrs(self):
        attrs = [('cn', self.email), ('givenname', 'Ilse'), ('surname', 'Api'),
                 ('rfc822mailbox', self.email), ('location', 'Berlin'), ('comment', 'sdk'),
                 ('sipaddress', ip_number(self.ip)), ('sflags', '1'), ('c', 'DE'),
                 ('ssecurity', self.ssecurity), ('sttl', self.ttl)]
        return attrs + self.extended

    def app_changes(self):
        return [(ADD, 'smodop', '0'), (ADD, 'sappid', self.app), (ADD, 'smimetype', 'text/iuls'),
                (ADD, 'sappguid', NM_GUID), (ADD, 'sprotid', ''), (ADD, 'sprotmimetype', ''),
                (ADD, 'sport', '')]

    def register(self):
        """Add and Modify sent in one write before any reply is read."""
        from ldapwire import add_req, modify_req
        i, j = self.c.msgid(), self.c.msgid()
        self.c.send(add_req(i, self.dn, self.add_attrs()),
                    modify_req(j, self.dn, self.app_changes()))
        return self.c.collect(i)[1], self.c.collect(j)[1]

    def protocol_update(self, protos):
        """protos: [(id, mimetype, port)] -- positional multi-values."""
        return self.c.modify(self.dn, [
            (REPLACE, 'smodop', '3'), (REPLACE, 'sappid', self.app),
            (DELETE, 'sprotid', []), (DELETE, 'sprotmimetype', []), (DELETE, 'sport', []),
            (ADD, 'sprotid', [p[0] for p in protos]),
            (ADD, 'sprotmimetype', [p[1] for p in protos]),
            (ADD, 'sport', [p[2] for p in protos])])

    def set_info(self, user_changes, app_changes):
        """Two Modifies pipelined: smodop 2 (user), smodop 3 (application)."""
        from ldapwire import modify_req
        i, j = self.c.msgid(), self.c.msgid()
        self.c.send(modify_req(i, self.dn, [(REPLACE, 'smodop', '2')] + user_changes),
                    modify_req(j, self.dn, [(REPLACE, 'smodop', '3'),
                                            (REPLACE, 'sappid', self.app)] + app_changes))
        return self.c.collect(i)[1], self.c.collect(j)[1]

    def refresh(self, where='end', minutes=None):
        items = [F.eq('objectClass', 'RTPerson'), F.eq('cn', self.email)]
        sttl = F.eq('sttl', minutes or self.ttl)
        pos = {'start': 0, 'middle': 1, 'end': 2}[where]
        items.insert(pos, sttl)
        return self.c.search('objectClass=RTPerson', BASE, F.and_(*items), ['sttl'])

    def enumerate(self, attrs=('cn',), app=None):
        items = [F.eq('objectClass', 'RTPerson'), F.eq('cn', '%')]
        if app:
            items.append(F.eq('sappid', app))
        return self.c.search('objectClass=RTPerson', BASE, F.and_(*items), list(attrs))

    def resolve(self, email, app=None, proto=None):
        items = [F.eq('objectClass', 'RTPerson'), F.eq('cn', email)]
        if app:
            items.append(F.eq('sappid', app))
        if proto:
            items.append(F.eq('sprotid', proto))
        attrs = ILSAPI_RESOLVE_ATTRS + (['sport'] if proto else [])
        return self.c.search('objectClass=RTPerson', BASE, F.and_(*items), attrs)


# ---- TAPI 3 / Phone Dialer ----

class Tapi:
    """TAPI 3 Rendezvous: LDAPv3, no bind, one persistent connection."""

    def __init__(self, conn, nc='o=Intranet'):
        self.c = conn
        self.nc = nc

    def root_dse(self):
        return self.c.search('', BASE, F.present('objectClass'), ['defaultNamingContext'])

    def schema_probe(self):
        return self.c.search(self.nc + ',ou=admin,cn=schema', ONE, F.eq('cn', 'RTConference'),
                             ['cn'], typesonly=True)

    def person_dn(self, user, host):
        return 'cn=%s]%s,ou=dynamic,%s' % (user, host, self.nc)

    def appuser_dn(self, user, host):
        return 'cn=%s]%s,appName=MS-NetMeeting,ou=applications,%s' % (user, host, self.nc)

    def publish(self, user, host, ip, sd=None):
        """App user add, its TTL, person add, its TTL.  Returns the four results."""
        name = '%s]%s' % (user, host)
        app_attrs = [('ObjectClass', ['RTApplicationUser', 'DynamicObject']),
                     ('userObject', 'cn=' + name), ('applicationID', 'ms-netmeeting'),
                     ('mimetype', 'text/iuls'), ('GUID', NM_GUID), ('protocolID', 'H323'),
                     ('ProtocolMimeType', 'text/h323'), ('port', '1720'),
                     ('ILSA39321630', '4'), ('ILSA26214430', '0'), ('ILSA32964638', '1'),
                     ('ILSA32833566', '1')]
        if sd is not None:
            app_attrs.append(('ntSecurityDescriptor', sd))
        person = [('ObjectClass', ['RTPerson', 'DynamicObject']), ('ipAddress', ip_number(ip)),
                  ('rfc822mailbox', user), ('givenName', user), ('surname', ' '),
                  ('location', 'N/A'), ('sflags', '1'), ('c', 'US'),
                  ('comment', 'Generated by TAPI3'), ('ssecurity', '1508109'), ('smodop', '0'),
                  ('mimetype', 'text/iuls'), ('GUID', NM_GUID), ('ProtocolMimeType', 'H323'),
                  ('port', '1720'), ('ILSA39321630', '4'), ('ILSA26214430', '0'),
                  ('ILSA32964638', '1'), ('ILSA32833566', '1')]
        r1 = self.c.add(self.appuser_dn(user, host), app_attrs)
        r2 = self.c.modify(self.appuser_dn(user, host), [(REPLACE, 'EntryTTL', '1800')])
        r3 = self.c.add(self.person_dn(user, host), person)
        r4 = self.c.modify(self.person_dn(user, host), [(REPLACE, 'EntryTTL', '1800')])
        return r1, r2, r3, r4

    def refresh(self, user, host, ttl='1800'):
        r1 = self.c.modify(self.person_dn(user, host), [(REPLACE, 'EntryTTL', ttl)])
        r2 = self.c.modify(self.appuser_dn(user, host), [(REPLACE, 'EntryTTL', ttl)])
        return r1, r2

    def find_people(self, prefix=None):
        f = F.present('cn') if prefix is None else F.sub('cn', prefix)
        return self.c.search('ou=dynamic,' + self.nc, ONE, f,
                             ['cn', 'ipAddress', 'ntSecurityDescriptor'])

    def conf_dn(self, name):
        return 'uid=%s,ou=dynamic,%s' % (name, self.nc)

    def access_test(self, number, sd):
        dn = self.conf_dn(number)
        r1 = self.c.add(dn, [('ObjectClass', ['RTConference', 'DynamicObject']),
                             ('ntSecurityDescriptor', sd)])
        if r1.code != 0:
            return r1, None, None
        r2 = self.c.modify(dn, [(REPLACE, 'EntryTTL', '300')])
        r3 = self.c.delete(dn)
        return r1, r2, r3

    def create_conference(self, name, blob, sd=None, ttl='3600'):
        attrs = [('ObjectClass', ['RTConference', 'DynamicObject']),
                 ('protocolId', 'IP Conference'), ('conferenceBlob', blob)]
        if sd is not None:
            attrs.append(('ntSecurityDescriptor', sd))
        r1 = self.c.add(self.conf_dn(name), attrs)
        r2 = self.c.modify(self.conf_dn(name), [(REPLACE, 'EntryTTL', ttl)])
        return r1, r2

    def list_conferences(self, prefix=None):
        f = F.present('uid') if prefix is None else F.sub('uid', prefix)
        return self.c.search('ou=dynamic,' + self.nc, ONE, f,
                             ['uid', 'protocolId', 'conferenceBlob', 'ntSecurityDescriptor'],
                             timelimit=60)


# ---- GnomeMeeting ----

class GnomeMeeting:
    """GnomeMeeting 0.98-1.2: LDAPv2, new connection per operation, replaces."""

    def __init__(self, port, email, ip='10.0.0.7'):
        self.port = port
        self.email = email
        self.ip = ip
        self.dn = 'c=-,o=Gnome,cn=%s,objectclass=RTPerson' % email

    def _conn(self):
        c = Conn(self.port)
        assert c.bind(version=2).code == 0
        return c

    def register(self):
        with self._conn() as c:
            d = c.delete(self.dn)
        with self._conn() as c:
            a = c.add(self.dn, [
                ('cn', self.email), ('sipaddress', ip_number(self.ip)), ('givenname', 'Gnome'),
                ('surname', 'User'), ('rfc822mailbox', self.email), ('location', 'Paris'),
                ('comment', 'GnomeMeeting'), ('ilsa32833566', '1'), ('ilsa32964638', '0'),
                ('ilsa26214430', '0'), ('sappid', 'GnomeMeeting'), ('sflags', '1')])
        with self._conn() as c:
            m = c.modify(self.dn, [
                (REPLACE, 'sappid', 'GnomeMeeting'), (REPLACE, 'ilsa26279966', '16842752'),
                (REPLACE, 'sappguid', 'none'), (REPLACE, 'sprotid', 'h323'),
                (REPLACE, 'sprotmimetype', 'text/h323'), (REPLACE, 'sport', '1720')])
        return d, a, m

    def update(self, location, busy):
        with self._conn() as c:
            return c.modify(self.dn, [(REPLACE, 'location', location),
                                      (REPLACE, 'ilsa26214430', busy)])

    def browse(self):
        with self._conn() as c:
            return c.search('objectClass=RTPerson', BASE, F.and_(F.eq('cn', '%')),
                            ['cn', 'givenname', 'surname', 'rfc822mailbox', 'location',
                             'comment', 'sipaddress', 'sport', 'sappid', 'ilsa26214430',
                             'ilsa32833566', 'ilsa32964638', 'xstatus'])


# ---- PTLib callto: ----

def ptlib_resolve(port, cn):
    """PTLib: LDAPv2, no bind, subtree under the pseudo-base, all attributes."""
    with Conn(port) as c:
        return c.search('objectClass=RTPerson', SUB, F.eq('cn', cn), [])


def ptlib_register(port, cn, ip='10.1.2.3'):
    """PTLib's AddPerson: "c=AU, cn=X, objectClass=RTPerson" (no o=)."""
    with Conn(port) as c:
        return c.add('c=AU, cn=%s, objectClass=RTPerson' % cn, [
            ('cn', cn), ('c', 'AU'), ('surname', 'Jongbloed'), ('givenName', 'Rob'),
            ('rfc822Mailbox', cn), ('sipAddress', ip_number(ip)), ('sport', '1720'),
            ('sflags', '0'), ('ssecurity', '0'), ('smodop', '0'), ('sttl', '60'),
            ('sprotid', 'h323'), ('sappid', 'ptlib'), ('sappguid', 'none')])
