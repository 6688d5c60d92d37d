/*
 * test_server_sasl.c - SASL binds against Cyrus's own client side in the
 * same process: PLAIN (TLS only), SCRAM-SHA-256/-1, NTLM, EXTERNAL, the
 * mechanism lists, identity-to-DN mapping, and hostile input.
 *
 * Accounts are made with saslpasswd2 in a throwaway sasldb.
 */
#include <sasl/sasl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldap/ldap_const.h"
#include "server/sasl.h"
#include "test.h"

#define REALM "EXAMPLE.ORG"
#define FQDN "ils.example.org"

static char dir[512], db[600];

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
make_db(void)
{
	const char *base = getenv("ILSD_TEST_TMP");
	char tmpl[512];

	snprintf(tmpl, sizeof(tmpl), "%s/saslXXXXXX", base != NULL ? base : "/tmp");
	if (base != NULL)
		mkdir(base, 0755);
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(db, sizeof(db), "%s/sasldb2", dir);
	return sh("printf %%s 'secret' | saslpasswd2 -f %s -c -p -u " REALM " -a ilsd alice && "
	    "printf %%s 'two words' | saslpasswd2 -f %s -c -p -u " REALM " -a ilsd 'bob'",
	    db, db);
}

/* ---- Cyrus client side ---- */

static const char *cl_user, *cl_pass;

static int
cb_name(void *ctx, int id, const char **result, unsigned *len)
{
	if (id == SASL_CB_USER) {
		*result = "";		/* no authorisation identity: act as oneself */
	} else {
		*result = cl_user;
	}
	if (len != NULL)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	static union {
		sasl_secret_t s;
		char buf[sizeof(sasl_secret_t) + 256];
	} u;
	size_t n = strlen(cl_pass);

	u.s.len = (unsigned long)n;
	memcpy(u.s.data, cl_pass, n + 1);
	*psecret = &u.s;
	return SASL_OK;
}

#define CB(f) ((int (*)(void))(void (*)(void))(f))

static sasl_callback_t client_cbs[] = {
	{ SASL_CB_AUTHNAME, CB(cb_name), NULL },
	{ SASL_CB_USER, CB(cb_name), NULL },
	{ SASL_CB_PASS, CB(cb_pass), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

typedef struct outcome {
	int code;			/* the server's last LDAP answer */
	int rounds;			/* binds sent */
	int client_final;		/* Cyrus client's verdict on the server's final data */
	char dn[SASLSRV_DN_MAX];
} outcome;

/* Runs a whole exchange through saslsrv_bind, as an LDAP client would. */
static outcome
exchange(saslsrv_session *s, const char *mech, const char *user, const char *pass)
{
	outcome o = { -1, 0, SASL_OK, "" };
	sasl_conn_t *c = NULL;
	const char *out = NULL, *used = NULL;
	unsigned outlen = 0;
	saslsrv_result r;
	int rc;

	cl_user = user;
	cl_pass = pass;
	if (sasl_client_new("ldap", FQDN, NULL, NULL, client_cbs, 0, &c) != SASL_OK)
		return o;
	rc = sasl_client_start(c, mech, NULL, &out, &outlen, &used);
	if (rc != SASL_OK && rc != SASL_CONTINUE) {
		sasl_dispose(&c);
		return o;
	}
	saslsrv_bind(s, mech, strlen(mech), (const uint8_t *)out, outlen, out != NULL, &r);
	o.rounds++;
	while (r.code == LDAP_SASL_BIND_IN_PROGRESS && o.rounds < 10) {
		CHECK(r.has_creds);
		rc = sasl_client_step(c, (const char *)r.creds, (unsigned)r.credslen, NULL, &out,
		    &outlen);
		if (rc != SASL_OK && rc != SASL_CONTINUE)
			break;
		saslsrv_bind(s, mech, strlen(mech), (const uint8_t *)out, outlen, true, &r);
		o.rounds++;
	}
	o.code = r.code;
	if (r.code == LDAP_SUCCESS) {
		snprintf(o.dn, sizeof(o.dn), "%s", r.dn);
		if (r.has_creds)
			o.client_final = sasl_client_step(c, (const char *)r.creds,
			    (unsigned)r.credslen, NULL, &out, &outlen);
	}
	sasl_dispose(&c);
	return o;
}

static saslsrv_session *
session(bool tls, const char *peer_dn)
{
	saslsrv_session *s = saslsrv_session_new("127.0.0.1;389", "127.0.0.1;40000");

	if (tls)
		saslsrv_session_set_tls(s, 256, peer_dn);
	return s;
}

/* ---- tests ---- */

TEST(map_dn)
{
	char out[256];

	CHECK_EQ_INT(saslsrv_map_dn("uid=%u,cn=%r,cn=auth", "alice", "EXAMPLE.ORG", "SCRAM-SHA-256",
	    out, sizeof(out)), strlen("uid=alice,cn=EXAMPLE.ORG,cn=auth"));
	CHECK_STR(out, "uid=alice,cn=EXAMPLE.ORG,cn=auth");
	/* No realm: the mechanism takes its place. */
	saslsrv_map_dn("uid=%u,cn=%r,cn=auth", "alice", "", "NTLM", out, sizeof(out));
	CHECK_STR(out, "uid=alice,cn=ntlm,cn=auth");
	saslsrv_map_dn("uid=%u,cn=%m,cn=auth%%", "a", "R", "PLAIN", out, sizeof(out));
	CHECK_STR(out, "uid=a,cn=plain,cn=auth%");
	/* RFC 4514 escaping of the values. */
	saslsrv_map_dn("uid=%u,cn=auth", "a,b+c\"d\\e<f>g;h=i", "", "PLAIN", out, sizeof(out));
	CHECK_STR(out, "uid=a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h\\=i,cn=auth");
	saslsrv_map_dn("uid=%u,cn=auth", " #x ", "", "PLAIN", out, sizeof(out));
	CHECK_STR(out, "uid=\\ #x\\ ,cn=auth");
	saslsrv_map_dn("uid=%u", "a\nb", "", "PLAIN", out, sizeof(out));
	CHECK_STR(out, "uid=a\\0ab");
	/* Errors: unknown directive, no room, empty result. */
	CHECK_EQ_INT(saslsrv_map_dn("uid=%x", "a", "", "PLAIN", out, sizeof(out)), -1);
	CHECK_EQ_INT(saslsrv_map_dn("uid=%", "a", "", "PLAIN", out, sizeof(out)), -1);
	CHECK_EQ_INT(saslsrv_map_dn("uid=%u", "alice", "", "PLAIN", out, 6), -1);
	CHECK_EQ_INT(saslsrv_map_dn("", "alice", "", "PLAIN", out, sizeof(out)), -1);
}

TEST(mech_lists)
{
	char plain[512], tls[512], ext[512];

	CHECK(saslsrv_mechs(false, false, plain, sizeof(plain)) > 0);
	CHECK(saslsrv_mechs(true, false, tls, sizeof(tls)) > 0);
	CHECK(saslsrv_mechs(true, true, ext, sizeof(ext)) > 0);
	CHECK(strstr(plain, "SCRAM-SHA-256") != NULL);
	CHECK(strstr(plain, "SCRAM-SHA-1") != NULL);
	CHECK(strstr(plain, "NTLM") != NULL);
	CHECK(strstr(plain, "PLAIN") == NULL);		/* not without TLS */
	CHECK(strstr(plain, "EXTERNAL") == NULL);
	CHECK(strstr(tls, "PLAIN") != NULL);
	CHECK(strstr(tls, "EXTERNAL") == NULL);		/* no client certificate */
	CHECK(strstr(ext, "EXTERNAL") != NULL);
	/* Never offered: not in sasl-mechs, or anonymous. */
	CHECK(strstr(ext, "DIGEST-MD5") == NULL);
	CHECK(strstr(ext, "CRAM-MD5") == NULL);
	CHECK(strstr(ext, "ANONYMOUS") == NULL);
	CHECK(strstr(ext, "LOGIN") == NULL);
	CHECK_EQ_INT(saslsrv_mechs(true, true, ext, 4), -1);
}

TEST(plain_needs_tls)
{
	saslsrv_session *s = session(false, NULL);
	saslsrv_result r;
	static const uint8_t creds[] = "\0alice\0secret";
	outcome o;

	saslsrv_bind(s, "PLAIN", 5, creds, sizeof(creds) - 1, true, &r);
	CHECK_EQ_INT(r.code, LDAP_CONFIDENTIALITY_REQUIRED);
	CHECK(saslsrv_in_progress(s) == NULL);
	saslsrv_session_free(s);

	s = session(true, NULL);
	o = exchange(s, "PLAIN", "alice", "secret");
	CHECK_EQ_INT(o.code, LDAP_SUCCESS);
	CHECK_EQ_INT(o.rounds, 1);
	CHECK_STR(o.dn, "uid=alice,cn=" REALM ",cn=auth");
	o = exchange(s, "PLAIN", "alice", "wrong");
	CHECK_EQ_INT(o.code, LDAP_INVALID_CREDENTIALS);
	o = exchange(s, "PLAIN", "bob", "two words");
	CHECK_EQ_INT(o.code, LDAP_SUCCESS);
	CHECK_STR(o.dn, "uid=bob,cn=" REALM ",cn=auth");
	o = exchange(s, "PLAIN", "nobody", "secret");
	CHECK_EQ_INT(o.code, LDAP_INVALID_CREDENTIALS);
	/* Hand-made PLAIN with an authorisation identity other than oneself: refused. */
	{
		static const uint8_t proxy[] = "bob\0alice\0secret";
		saslsrv_bind(s, "PLAIN", 5, proxy, sizeof(proxy) - 1, true, &r);
		CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	}
	saslsrv_session_free(s);
}

TEST(scram)
{
	saslsrv_session *s = session(false, NULL);
	const char *mechs[] = { "SCRAM-SHA-256", "SCRAM-SHA-1", "SCRAM-SHA-512" };
	outcome o;

	for (size_t i = 0; i < 3; i++) {
		o = exchange(s, mechs[i], "alice", "secret");
		CHECK_EQ_INT(o.code, LDAP_SUCCESS);
		CHECK_EQ_INT(o.rounds, 2);		/* client-first, client-final */
		CHECK_EQ_INT(o.client_final, SASL_OK);	/* the server proved it knows the secret */
		CHECK_STR(o.dn, "uid=alice,cn=" REALM ",cn=auth");
		CHECK(saslsrv_in_progress(s) == NULL);
		o = exchange(s, mechs[i], "alice", "Secret");
		CHECK_EQ_INT(o.code, LDAP_INVALID_CREDENTIALS);
		o = exchange(s, mechs[i], "mallory", "secret");
		CHECK_EQ_INT(o.code, LDAP_INVALID_CREDENTIALS);
	}
	saslsrv_session_free(s);
}

TEST(ntlm)
{
	saslsrv_session *s = session(false, NULL);
	outcome o;

	o = exchange(s, "NTLM", "alice", "secret");
	CHECK_EQ_INT(o.code, LDAP_SUCCESS);
	CHECK_EQ_INT(o.rounds, 2);			/* NEGOTIATE, then AUTHENTICATE */
	CHECK_STR(o.dn, "uid=alice,cn=" REALM ",cn=auth");
	o = exchange(s, "NTLM", "alice", "wrong");
	CHECK_EQ_INT(o.code, LDAP_INVALID_CREDENTIALS);
	o = exchange(s, "NTLM", "nobody", "secret");
	CHECK_EQ_INT(o.code, LDAP_INVALID_CREDENTIALS);
	saslsrv_session_free(s);
}

TEST(external)
{
	saslsrv_session *s = session(true, "CN=alice,O=Example");
	saslsrv_result r;

	saslsrv_bind(s, "EXTERNAL", 8, (const uint8_t *)"", 0, true, &r);
	CHECK_EQ_INT(r.code, LDAP_SUCCESS);
	CHECK_STR(r.dn, "CN=alice,O=Example");
	CHECK_STR(r.mech, "EXTERNAL");
	/* Without initial credentials: an empty challenge, then the empty response. */
	saslsrv_bind(s, "EXTERNAL", 8, NULL, 0, false, &r);
	if (r.code == LDAP_SASL_BIND_IN_PROGRESS)
		saslsrv_bind(s, "EXTERNAL", 8, (const uint8_t *)"", 0, true, &r);
	CHECK_EQ_INT(r.code, LDAP_SUCCESS);
	/* Asking to act as someone else: refused. */
	saslsrv_bind(s, "EXTERNAL", 8, (const uint8_t *)"dn:cn=admin", 11, true, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	saslsrv_session_free(s);

	/* TLS without a verified certificate, or no TLS: not available. */
	s = session(true, NULL);
	saslsrv_bind(s, "EXTERNAL", 8, (const uint8_t *)"", 0, true, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_session_free(s);
	s = session(false, NULL);
	saslsrv_bind(s, "EXTERNAL", 8, (const uint8_t *)"", 0, true, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_session_free(s);
}

TEST(unsupported)
{
	saslsrv_session *s = session(true, "CN=x");
	saslsrv_result r;

	saslsrv_bind(s, "FOO", 3, NULL, 0, false, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_bind(s, "DIGEST-MD5", 10, NULL, 0, false, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_bind(s, "ANONYMOUS", 9, (const uint8_t *)"x", 1, true, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_bind(s, "plain", 5, NULL, 0, false, &r);		/* names are upper case */
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_bind(s, "A MECH", 6, NULL, 0, false, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_bind(s, "ABCDEFGHIJKLMNOPQRSTU", 21, NULL, 0, false, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_bind(s, "", 0, NULL, 0, false, &r);
	CHECK_EQ_INT(r.code, LDAP_AUTH_METHOD_NOT_SUPPORTED);
	saslsrv_session_free(s);
}

TEST(state_machine)
{
	saslsrv_session *s = session(false, NULL);
	saslsrv_result r;
	static const uint8_t garbage[] = "\x01\x02\x03 not scram";

	/* Nothing to continue. */
	saslsrv_continue(s, (const uint8_t *)"x", 1, &r);
	CHECK_EQ_INT(r.code, LDAP_PROTOCOL_ERROR);

	/* A started SCRAM exchange, then an abort: nothing left. */
	saslsrv_bind(s, "SCRAM-SHA-256", 13, (const uint8_t *)"n,,n=alice,r=abcdefgh", 21, true,
	    &r);
	CHECK_EQ_INT(r.code, LDAP_SASL_BIND_IN_PROGRESS);
	CHECK_STR(saslsrv_in_progress(s), "SCRAM-SHA-256");
	saslsrv_abort(s);
	CHECK(saslsrv_in_progress(s) == NULL);

	/* A different mechanism abandons the exchange in progress and starts its own. */
	saslsrv_bind(s, "SCRAM-SHA-256", 13, (const uint8_t *)"n,,n=alice,r=abcdefgh", 21, true,
	    &r);
	CHECK_EQ_INT(r.code, LDAP_SASL_BIND_IN_PROGRESS);
	CHECK(exchange(s, "SCRAM-SHA-1", "alice", "secret").code == LDAP_SUCCESS);

	/* Garbage at each step fails cleanly. */
	saslsrv_bind(s, "SCRAM-SHA-256", 13, garbage, sizeof(garbage) - 1, true, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	CHECK(saslsrv_in_progress(s) == NULL);
	saslsrv_bind(s, "SCRAM-SHA-256", 13, (const uint8_t *)"n,,n=alice,r=abcdefgh", 21, true,
	    &r);
	saslsrv_bind(s, "SCRAM-SHA-256", 13, garbage, sizeof(garbage) - 1, true, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	saslsrv_bind(s, "NTLM", 4, garbage, sizeof(garbage) - 1, true, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	/* NTLM NEGOTIATE accepted, then a truncated AUTHENTICATE. */
	{
		static const uint8_t neg[] = "NTLMSSP\0\x01\0\0\0\x07\x82\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
		    "\0\0";
		static const uint8_t auth[] = "NTLMSSP\0\x03\0\0\0\xff\xff\0\0\x40\0\0\0";
		saslsrv_bind(s, "NTLM", 4, neg, sizeof(neg) - 1, true, &r);
		CHECK_EQ_INT(r.code, LDAP_SASL_BIND_IN_PROGRESS);
		CHECK(r.credslen >= 32 && memcmp(r.creds, "NTLMSSP\0\x02\0\0\0", 12) == 0);
		saslsrv_bind(s, "NTLM", 4, auth, sizeof(auth) - 1, true, &r);
		CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	}
	saslsrv_session_free(s);
}

int
main(void)
{
	saslsrv_settings st = { 0 };
	char err[512];

	if (make_db() != 0) {
		fprintf(stderr, "cannot make a sasldb with saslpasswd2\n");
		return 1;
	}
	st.db_path = db;
	st.fqdn = FQDN;
	st.realm = REALM;
	if (saslsrv_init(&st, err, sizeof(err)) != 0) {
		fprintf(stderr, "saslsrv_init: %s\n", err);
		return 1;
	}
	CHECK(saslsrv_init(&st, err, sizeof(err)) != 0);	/* once only */
	if (sasl_client_init(NULL) != SASL_OK) {
		fprintf(stderr, "sasl_client_init failed\n");
		return 1;
	}
	RUN(map_dn);
	RUN(mech_lists);
	RUN(plain_needs_tls);
	RUN(scram);
	RUN(ntlm);
	RUN(external);
	RUN(unsupported);
	RUN(state_machine);
	saslsrv_done();
	sh("rm -rf %s", dir);
	return test_summary();
}
