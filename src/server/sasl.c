/*
 * sasl.c - see sasl.h.
 *
 * Each exchange gets a fresh sasl_conn_t, disposed of as soon as the
 * exchange ends (no security layer is ever negotiated, so nothing needs
 * it afterwards).  That keeps a failed or abandoned exchange from leaving
 * state behind, and a long-lived connection holds no Cyrus memory
 * between binds.
 */
#include "server/sasl.h"

#include <errno.h>
#include <pthread.h>
#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldap/ldap_const.h"
#include "util/log.h"

#define SERVICE "ldap"
#define APPNAME "ilsd"
#define NAME_MAX_LEN 256
#define OPT_LEN 1024

/* Configuration handed to Cyrus through the getopt callback. */
static struct {
	bool ready;
	char db_path[OPT_LEN];
	char mechs[OPT_LEN];
	char fqdn[NAME_MAX_LEN];
	char realm[NAME_MAX_LEN];
	char dn_template[OPT_LEN];
	char plain_mechs[OPT_LEN];	/* offered without TLS */
	char tls_mechs[OPT_LEN];	/* offered with TLS (no client certificate) */
} g;

/* Cyrus has global state; every call into it holds this lock. */
static pthread_mutex_t cyrus_lock = PTHREAD_MUTEX_INITIALIZER;

struct saslsrv_session {
	sasl_conn_t *conn;		/* the exchange in progress, or NULL */
	char mech[SASL_MECHNAMEMAX + 1];	/* of the exchange in progress */
	char done_mech[SASL_MECHNAMEMAX + 1];	/* of the last successful exchange */
	char *local, *remote;
	bool tls;
	unsigned ssf;
	char *peer_dn;			/* verified TLS client certificate subject */
	uint8_t *out;			/* copy of the last server data */
	size_t outcap;
	char user[NAME_MAX_LEN];
	char dn[SASLSRV_DN_MAX];
};

/* ---- Cyrus callbacks ---- */

static int
get_opt(void *context, const char *plugin, const char *option, const char **result,
    unsigned *len)
{
	const char *v = NULL;

	if (strcmp(option, "pwcheck_method") == 0)
		v = "auxprop";
	else if (strcmp(option, "auxprop_plugin") == 0)
		v = "sasldb";
	else if (strcmp(option, "sasldb_path") == 0)
		v = g.db_path;
	else if (strcmp(option, "mech_list") == 0)
		v = g.mechs;
	if (v == NULL)
		return SASL_FAIL;	/* not ours: Cyrus uses its default */
	*result = v;
	if (len != NULL)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}

/* Cyrus's own messages (never passwords) go to our log. */
static int
sasl_log(void *context, int level, const char *message)
{
	if (message == NULL)
		return SASL_OK;
	if (level <= SASL_LOG_ERR)
		log_warn("sasl: %s", message);
	else if (level <= SASL_LOG_NOTE)
		log_info("sasl: %s", message);
	else
		log_debug("sasl: %s", message);
	return SASL_OK;
}

/* Cyrus stores every callback as int (*)(void); going through void (*)(void) says so. */
#define SASL_CB(f) ((int (*)(void))(void (*)(void))(f))

static sasl_callback_t callbacks[] = {
	{ SASL_CB_GETOPT, SASL_CB(get_opt), NULL },
	{ SASL_CB_LOG, SASL_CB(sasl_log), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/* ---- identity to DN ---- */

/* RFC 4514 2.4: escapes a value for use in a DN string. Returns bytes written or -1. */
static long
escape_value(const char *v, char *out, size_t cap)
{
	size_t n = strlen(v), o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		bool esc = strchr(",+\"\\<>;=", ch) != NULL || (i == 0 && (ch == ' ' || ch == '#')) ||
		    (i == n - 1 && ch == ' ');
		if (ch < 0x20 || ch == 0x7f) {
			if (o + 3 >= cap)
				return -1;
			snprintf(out + o, cap - o, "\\%02x", ch);
			o += 3;
			continue;
		}
		if (o + (esc ? 2 : 1) >= cap)
			return -1;
		if (esc)
			out[o++] = '\\';
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return (long)o;
}

long
saslsrv_map_dn(const char *tmpl, const char *user, const char *realm, const char *mech,
    char *out, size_t cap)
{
	char lmech[SASL_MECHNAMEMAX + 1];
	size_t o = 0;

	if (cap == 0)
		return -1;
	for (size_t i = 0; mech[i] != '\0' && i < SASL_MECHNAMEMAX; i++)
		lmech[i] = (char)(mech[i] >= 'A' && mech[i] <= 'Z' ? mech[i] + 32 : mech[i]);
	lmech[strnlen(mech, SASL_MECHNAMEMAX)] = '\0';
	for (const char *p = tmpl; *p != '\0'; p++) {
		const char *val = NULL;
		long n;
		if (*p != '%') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = *p;
			continue;
		}
		switch (*++p) {
		case 'u':
			val = user;
			break;
		case 'r':
			val = realm != NULL && realm[0] != '\0' ? realm : lmech;
			break;
		case 'm':
			val = lmech;
			break;
		case '%':
			val = "%";
			break;
		default:
			return -1;
		}
		if (*p == '%') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '%';
			continue;
		}
		n = escape_value(val, out + o, cap - o);
		if (n < 0)
			return -1;
		o += (size_t)n;
	}
	out[o] = '\0';
	return o > 0 ? (long)o : -1;
}

/* ---- set-up ---- */

static int
copy_opt(char *dst, size_t cap, const char *v, const char *def, const char *key, char *err,
    size_t errlen)
{
	const char *src = v != NULL && v[0] != '\0' ? v : def;

	if (strlen(src) >= cap) {
		snprintf(err, errlen, "%s: value too long", key);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int
saslsrv_init(const saslsrv_settings *st, char *err, size_t errlen)
{
	char host[NAME_MAX_LEN] = "localhost", probe[SASLSRV_DN_MAX];
	struct stat sb;
	int rc;

	if (g.ready) {
		snprintf(err, errlen, "SASL is already initialised");
		return -1;
	}
	gethostname(host, sizeof(host) - 1);
	if (copy_opt(g.db_path, sizeof(g.db_path), st->db_path, "", "sasl-db", err, errlen) ||
	    copy_opt(g.mechs, sizeof(g.mechs), st->mechs, SASLSRV_DEFAULT_MECHS, "sasl-mechs", err,
	    errlen) || copy_opt(g.fqdn, sizeof(g.fqdn), st->fqdn, host, "sasl-host", err, errlen) ||
	    copy_opt(g.realm, sizeof(g.realm), st->realm, "", "sasl-realm", err, errlen) ||
	    copy_opt(g.dn_template, sizeof(g.dn_template), st->dn_template,
	    SASLSRV_DEFAULT_DN_TEMPLATE, "sasl-dn-template", err, errlen))
		return -1;
	if (saslsrv_map_dn(g.dn_template, "user", "realm", "MECH", probe, sizeof(probe)) < 0) {
		snprintf(err, errlen, "sasl-dn-template: \"%s\": only %%u, %%r, %%m and %%%% may "
		    "follow a %%", g.dn_template);
		return -1;
	}
	if (g.db_path[0] == '\0') {
		snprintf(err, errlen, "sasl-db: not set");
		return -1;
	}
	if (stat(g.db_path, &sb) != 0)
		log_warn("sasl-db %s: %s; SASL password mechanisms will fail until it is created "
		    "with saslpasswd2 -f %s", g.db_path, strerror(errno), g.db_path);
	pthread_mutex_lock(&cyrus_lock);
	rc = sasl_server_init(callbacks, APPNAME);
	pthread_mutex_unlock(&cyrus_lock);
	if (rc != SASL_OK) {
		snprintf(err, errlen, "SASL: cannot initialise Cyrus SASL: %s",
		    sasl_errstring(rc, NULL, NULL));
		return -1;
	}
	g.ready = true;
	if (saslsrv_mechs(false, false, g.plain_mechs, sizeof(g.plain_mechs)) < 0)
		g.plain_mechs[0] = '\0';
	if (saslsrv_mechs(true, false, g.tls_mechs, sizeof(g.tls_mechs)) < 0)
		g.tls_mechs[0] = '\0';
	if (saslsrv_mechs(true, true, probe, sizeof(probe)) < 0)
		probe[0] = '\0';
	log_info("SASL mechanisms: %s", probe[0] != '\0' ? probe : "(none)");
	return 0;
}

void
saslsrv_done(void)
{
	if (!g.ready)
		return;
	pthread_mutex_lock(&cyrus_lock);
	sasl_server_done();
	pthread_mutex_unlock(&cyrus_lock);
	g.ready = false;
}

/* ---- sessions ---- */

saslsrv_session *
saslsrv_session_new(const char *local, const char *remote)
{
	saslsrv_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if ((local != NULL && (s->local = strdup(local)) == NULL) ||
	    (remote != NULL && (s->remote = strdup(remote)) == NULL)) {
		saslsrv_session_free(s);
		return NULL;
	}
	return s;
}

/* Ends the exchange in progress. Called with cyrus_lock held. */
static void
end_exchange(saslsrv_session *s)
{
	if (s->conn != NULL)
		sasl_dispose(&s->conn);
	s->conn = NULL;
	s->mech[0] = '\0';
}

void
saslsrv_session_free(saslsrv_session *s)
{
	if (s == NULL)
		return;
	saslsrv_abort(s);
	free(s->local);
	free(s->remote);
	free(s->peer_dn);
	free(s->out);
	free(s);
}

void
saslsrv_abort(saslsrv_session *s)
{
	if (s->conn == NULL)
		return;
	pthread_mutex_lock(&cyrus_lock);
	end_exchange(s);
	pthread_mutex_unlock(&cyrus_lock);
}

int
saslsrv_session_set_tls(saslsrv_session *s, unsigned ssf, const char *peer_dn)
{
	char *dn = NULL;

	if (peer_dn != NULL && (dn = strdup(peer_dn)) == NULL)
		return -1;
	saslsrv_abort(s);
	free(s->peer_dn);
	s->peer_dn = dn;
	s->tls = true;
	s->ssf = ssf;
	return 0;
}

const char *
saslsrv_in_progress(const saslsrv_session *s)
{
	return s->conn != NULL ? s->mech : NULL;
}

/*
 * A Cyrus connection with the session's security properties: no security
 * layer, never ANONYMOUS, no plain-text mechanisms without TLS; with TLS
 * its strength and the client certificate are the external layer.
 * Called with cyrus_lock held.
 */
static int
new_conn(saslsrv_session *s, sasl_conn_t **out)
{
	sasl_security_properties_t props;
	sasl_conn_t *conn = NULL;
	sasl_ssf_t ssf = s->ssf;
	int rc;

	rc = sasl_server_new(SERVICE, g.fqdn, g.realm[0] != '\0' ? g.realm : NULL, s->local,
	    s->remote, NULL, SASL_SUCCESS_DATA, &conn);
	if (rc != SASL_OK)
		return rc;
	memset(&props, 0, sizeof(props));
	props.min_ssf = 0;
	props.max_ssf = 0;
	props.maxbufsize = 0;
	props.security_flags = SASL_SEC_NOANONYMOUS | (s->tls ? 0 : SASL_SEC_NOPLAINTEXT);
	rc = sasl_setprop(conn, SASL_SEC_PROPS, &props);
	if (rc == SASL_OK && s->tls)
		rc = sasl_setprop(conn, SASL_SSF_EXTERNAL, &ssf);
	if (rc == SASL_OK && s->tls && s->peer_dn != NULL)
		rc = sasl_setprop(conn, SASL_AUTH_EXTERNAL, s->peer_dn);
	if (rc != SASL_OK) {
		sasl_dispose(&conn);
		return rc;
	}
	*out = conn;
	return SASL_OK;
}

long
saslsrv_mechs(bool tls, bool external, char *out, size_t cap)
{
	saslsrv_session s;
	const char *list = NULL;
	unsigned len = 0;
	int count = 0, rc;
	long n = -1;

	if (!g.ready || cap == 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.tls = tls;
	s.ssf = tls ? 256 : 0;
	s.peer_dn = external ? "cn=probe" : NULL;
	pthread_mutex_lock(&cyrus_lock);
	if (new_conn(&s, &s.conn) == SASL_OK) {
		rc = sasl_listmech(s.conn, NULL, "", " ", "", &list, &len, &count);
		if (rc == SASL_OK && len < cap) {
			memcpy(out, list, len);
			out[len] = '\0';
			n = (long)len;
		} else if (rc == SASL_NOMECH) {
			out[0] = '\0';
			n = 0;
		}
		sasl_dispose(&s.conn);
	}
	pthread_mutex_unlock(&cyrus_lock);
	return n;
}

/* ---- exchanges ---- */

static void
result(saslsrv_result *r, int code, const char *diag)
{
	memset(r, 0, sizeof(*r));
	r->code = code;
	r->diag = diag;
}

/* Whether name appears as a word of the space-separated list. */
static bool
listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

bool
saslsrv_offered(const char *mech, bool tls)
{
	return g.ready && listed(tls ? g.tls_mechs : g.plain_mechs, mech);
}

/* Mechanism names: 1-20 of A-Z 0-9 - _ (RFC 4422 3.1). */
static bool
valid_mech(const char *m, size_t len)
{
	if (len == 0 || len > SASL_MECHNAMEMAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((m[i] >= 'A' && m[i] <= 'Z') || (m[i] >= '0' && m[i] <= '9') || m[i] == '-' ||
		    m[i] == '_'))
			return false;
	return true;
}

static int
keep_output(saslsrv_session *s, const char *data, unsigned len)
{
	if (len > s->outcap) {
		uint8_t *p = realloc(s->out, len);
		if (p == NULL)
			return -1;
		s->out = p;
		s->outcap = len;
	}
	if (len > 0)
		memcpy(s->out, data, len);
	return 0;
}

/* The identity of a finished exchange. Called with cyrus_lock held. */
static int
identify(saslsrv_session *s, saslsrv_result *r)
{
	const void *user = NULL, *realm = NULL;
	char name[NAME_MAX_LEN], *at;
	const char *dom;

	if (sasl_getprop(s->conn, SASL_USERNAME, &user) != SASL_OK || user == NULL ||
	    strlen(user) >= sizeof(name))
		return -1;
	snprintf(s->user, sizeof(s->user), "%s", (const char *)user);
	snprintf(s->done_mech, sizeof(s->done_mech), "%s", s->mech);
	if (strcmp(s->mech, "EXTERNAL") == 0) {
		/*
		 * The verified certificate's subject DN is the identity.  (Cyrus
		 * reports it with "@realm" appended; the DN itself is what we
		 * set as SASL_AUTH_EXTERNAL, and Cyrus has checked that no
		 * other authorisation identity was asked for.)
		 */
		if (s->peer_dn == NULL || strlen(s->peer_dn) >= sizeof(s->dn))
			return -1;
		snprintf(s->dn, sizeof(s->dn), "%s", s->peer_dn);
		snprintf(s->user, sizeof(s->user), "%s", s->peer_dn);
	} else {
		snprintf(name, sizeof(name), "%s", s->user);
		sasl_getprop(s->conn, SASL_DEFUSERREALM, &realm);
		dom = realm != NULL ? realm : "";
		if ((at = strrchr(name, '@')) != NULL) {
			*at = '\0';
			dom = at + 1;
		}
		if (saslsrv_map_dn(g.dn_template, name, dom, s->mech, s->dn, sizeof(s->dn)) < 0)
			return -1;
	}
	r->dn = s->dn;
	r->user = s->user;
	r->mech = s->done_mech;
	return 0;
}

/* Turns a Cyrus answer into an LDAP one. Called with cyrus_lock held. */
static void
conclude(saslsrv_session *s, int rc, const char *out, unsigned outlen, saslsrv_result *r)
{
	switch (rc) {
	case SASL_OK:
	case SASL_CONTINUE:
		if (keep_output(s, out, outlen) != 0) {
			result(r, LDAP_OTHER, "out of memory");
			break;
		}
		if (rc == SASL_CONTINUE) {
			result(r, LDAP_SASL_BIND_IN_PROGRESS, "");
			r->has_creds = true;
		} else {
			result(r, LDAP_SUCCESS, "");
			r->has_creds = out != NULL && outlen > 0;
			if (identify(s, r) != 0)
				result(r, LDAP_OTHER, "cannot map the SASL identity to a DN");
		}
		r->creds = s->out;
		r->credslen = r->has_creds ? outlen : 0;
		break;
	case SASL_NOMECH:
	case SASL_TOOWEAK:
	case SASL_ENCRYPT:
		/* PLAIN without TLS comes back as SASL_ENCRYPT. */
		if (!s->tls && listed(g.tls_mechs, s->mech))
			result(r, LDAP_CONFIDENTIALITY_REQUIRED,
			    "this mechanism needs a TLS connection (StartTLS or LDAPS)");
		else
			result(r, LDAP_AUTH_METHOD_NOT_SUPPORTED, "SASL mechanism not supported");
		break;
	case SASL_NOMEM:
	case SASL_FAIL:
	case SASL_NOTINIT:
		result(r, LDAP_OTHER, "SASL failure");
		break;
	default:
		/* BADAUTH, NOUSER, NOAUTHZ, BADPROT, EXPIRED, DISABLED ... */
		result(r, LDAP_INVALID_CREDENTIALS, "invalid credentials");
		break;
	}
	if (rc != SASL_CONTINUE)
		end_exchange(s);
}

void
saslsrv_start(saslsrv_session *s, const char *mech, const uint8_t *in, size_t inlen,
    bool has_in, saslsrv_result *r)
{
	const char *out = NULL;
	unsigned outlen = 0;
	int rc;

	if (!g.ready) {
		result(r, LDAP_AUTH_METHOD_NOT_SUPPORTED, "SASL is not configured");
		return;
	}
	if (!valid_mech(mech, strlen(mech))) {
		saslsrv_abort(s);
		result(r, LDAP_AUTH_METHOD_NOT_SUPPORTED, "SASL mechanism not supported");
		return;
	}
	if (inlen > UINT32_MAX) {
		result(r, LDAP_INVALID_CREDENTIALS, "credentials too long");
		return;
	}
	pthread_mutex_lock(&cyrus_lock);
	end_exchange(s);
	snprintf(s->mech, sizeof(s->mech), "%s", mech);
	rc = new_conn(s, &s->conn);
	if (rc == SASL_OK)
		rc = sasl_server_start(s->conn, mech,
		    has_in ? (in != NULL ? (const char *)in : "") : NULL, has_in ? (unsigned)inlen : 0,
		    &out, &outlen);
	conclude(s, rc, out, outlen, r);
	pthread_mutex_unlock(&cyrus_lock);
}

void
saslsrv_continue(saslsrv_session *s, const uint8_t *in, size_t inlen, saslsrv_result *r)
{
	const char *out = NULL;
	unsigned outlen = 0;
	int rc;

	if (s->conn == NULL) {
		result(r, LDAP_PROTOCOL_ERROR, "no SASL exchange in progress");
		return;
	}
	if (inlen > UINT32_MAX) {
		saslsrv_abort(s);
		result(r, LDAP_INVALID_CREDENTIALS, "credentials too long");
		return;
	}
	pthread_mutex_lock(&cyrus_lock);
	rc = sasl_server_step(s->conn, in != NULL ? (const char *)in : "", (unsigned)inlen, &out,
	    &outlen);
	conclude(s, rc, out, outlen, r);
	pthread_mutex_unlock(&cyrus_lock);
}

void
saslsrv_bind(saslsrv_session *s, const char *mech, size_t mechlen, const uint8_t *in,
    size_t inlen, bool has_in, saslsrv_result *r)
{
	char name[SASL_MECHNAMEMAX + 1];

	if (!valid_mech(mech, mechlen)) {
		saslsrv_abort(s);
		result(r, LDAP_AUTH_METHOD_NOT_SUPPORTED, "SASL mechanism not supported");
		return;
	}
	memcpy(name, mech, mechlen);
	name[mechlen] = '\0';
	if (s->conn != NULL && strcmp(s->mech, name) == 0)
		saslsrv_continue(s, in, has_in ? inlen : 0, r);
	else
		saslsrv_start(s, name, in, inlen, has_in, r);
}
