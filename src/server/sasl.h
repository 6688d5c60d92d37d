/*
 * sasl.h - SASL binds through Cyrus SASL's server API (libsasl2).
 *
 * Cyrus is configured entirely from here (no /etc/sasl2 file is needed):
 * passwords are checked with the auxprop method against a sasldb file
 * (sasl-db, managed with saslpasswd2), and the mechanisms offered are
 * sasl-mechs.  A successful exchange yields a user name, which is mapped
 * to the DN that access control sees with a small template
 * (sasl-dn-template, default "uid=%u,cn=%r,cn=auth").
 *
 * Per connection there is one session.  An LDAP SASL bind starts an
 * exchange, or continues the one in progress when it names the same
 * mechanism (RFC 4513 5.2.1).  The answers: saslBindInProgress (14) with
 * the server's challenge, success with optional final data, or a
 * failure code (invalidCredentials for wrong secrets, authMethodNotSupported
 * for a mechanism that is not offered, confidentialityRequired for a
 * plain-text mechanism on a connection without TLS).
 *
 * Security properties: no SASL security layers are negotiated (TLS
 * provides confidentiality); PLAIN and LOGIN are only offered on TLS
 * connections (SASL_SEC_NOPLAINTEXT otherwise); ANONYMOUS is never
 * offered (anonymous access is an empty simple bind); EXTERNAL is
 * offered once the connection has a verified TLS client certificate,
 * whose subject DN becomes the identity.
 *
 * Cyrus keeps global state and its sasldb plug-in opens the database
 * per lookup, so every call into the library is serialised by one mutex.
 * Binds are rare next to searches, and the event loops never wait on
 * anything else while they hold it.
 */
#ifndef ILSD_SERVER_SASL_H
#define ILSD_SERVER_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SASLSRV_DEFAULT_MECHS "SCRAM-SHA-512 SCRAM-SHA-256 SCRAM-SHA-1 EXTERNAL NTLM PLAIN"
#define SASLSRV_DEFAULT_DN_TEMPLATE "uid=%u,cn=%r,cn=auth"
#define SASLSRV_DN_MAX 1024

typedef struct saslsrv_settings {
	const char *db_path;		/* sasldb file (sasl-db) */
	const char *mechs;		/* space-separated; NULL or "" = SASLSRV_DEFAULT_MECHS */
	const char *fqdn;		/* server name for the mechanisms; NULL or "" = host name */
	const char *realm;		/* user realm; NULL or "" = fqdn (Cyrus's rule) */
	const char *dn_template;	/* NULL or "" = SASLSRV_DEFAULT_DN_TEMPLATE */
} saslsrv_settings;

/*
 * Initialises Cyrus once per process (service "ldap", application
 * "ilsd").  Checks the template and warns when the sasldb file does not
 * exist.  Returns 0, or -1 with a message.
 */
int saslsrv_init(const saslsrv_settings *s, char *err, size_t errlen);
/* Releases Cyrus (at exit). */
void saslsrv_done(void);

/*
 * The mechanisms really available, space-separated, as Cyrus lists them
 * for a connection with TLS (tls) and a verified client certificate
 * (external).  Returns the length, or -1 (not initialised, no room).
 */
long saslsrv_mechs(bool tls, bool external, char *out, size_t cap);

/* Whether mech is offered on a connection without TLS (tls false) or with TLS. */
bool saslsrv_offered(const char *mech, bool tls);

/* Expands a DN template for a user; exposed for tests.  Returns length or -1. */
long saslsrv_map_dn(const char *tmpl, const char *user, const char *realm, const char *mech,
    char *out, size_t cap);

typedef struct saslsrv_session saslsrv_session;

/*
 * A session for one connection.  local and remote are "ADDR;PORT" as
 * Cyrus wants them, or NULL.  NULL on failure.
 */
saslsrv_session *saslsrv_session_new(const char *local, const char *remote);
void saslsrv_session_free(saslsrv_session *s);
/*
 * The connection now runs TLS with the given strength; peer_dn is the
 * verified client certificate's subject, or NULL.  Enables PLAIN, and
 * EXTERNAL when peer_dn is set.  Ends any exchange in progress.
 */
int saslsrv_session_set_tls(saslsrv_session *s, unsigned ssf, const char *peer_dn);
/* Another kind of bind arrived: forget any exchange in progress. */
void saslsrv_abort(saslsrv_session *s);
/* The mechanism of the exchange in progress, or NULL. */
const char *saslsrv_in_progress(const saslsrv_session *s);

typedef struct saslsrv_result {
	int code;			/* LDAP result code */
	bool has_creds;			/* send serverSaslCreds */
	const uint8_t *creds;		/* valid until the next call on the session */
	size_t credslen;
	const char *diag;		/* for the client; never contains secrets */
	/* On success: */
	const char *dn;			/* the identity's DN (not normalised) */
	const char *user;		/* the authenticated user name, for logs */
	const char *mech;
} saslsrv_result;

/*
 * One LDAP SASL bind: starts an exchange with mech, or continues the one
 * in progress if it uses the same mechanism (a different mechanism
 * abandons it and starts afresh).  in is the credentials field; has_in
 * false when it was absent.
 */
void saslsrv_bind(saslsrv_session *s, const char *mech, size_t mechlen, const uint8_t *in,
    size_t inlen, bool has_in, saslsrv_result *r);

/* The two halves, for Sicily: always start a new exchange / continue the current one. */
void saslsrv_start(saslsrv_session *s, const char *mech, const uint8_t *in, size_t inlen,
    bool has_in, saslsrv_result *r);
void saslsrv_continue(saslsrv_session *s, const uint8_t *in, size_t inlen, saslsrv_result *r);

#endif
