/*
 * test_server_sicily.c - Sicily binds (MS-ADTS 5.1.1.1.3) driven with
 * real NTLM messages from Cyrus SASL's NTLM client: package discovery,
 * negotiate/challenge, response, the wire form of SicilyBindResponse,
 * and the error paths.
 */
#include <sasl/sasl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldap/ldap.h"
#include "server/sicily.h"
#include "test.h"

#define REALM "EXAMPLE.ORG"

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

static const char *cl_user, *cl_pass;

static int
cb_name(void *ctx, int id, const char **result, unsigned *len)
{
	*result = id == SASL_CB_USER ? "" : cl_user;
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

	u.s.len = (unsigned long)strlen(cl_pass);
	memcpy(u.s.data, cl_pass, u.s.len + 1);
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

/* A Sicily NTLM bind as Phone Dialer does it; returns the final code. */
static int
ntlm_bind(saslsrv_session *s, const char *user, const char *pass, char *dn, size_t dncap)
{
	sasl_conn_t *c = NULL;
	const char *out = NULL, *used = NULL;
	unsigned outlen = 0;
	sicily_result r;
	int code;

	cl_user = user;
	cl_pass = pass;
	if (sasl_client_new("ldap", "ils.example.org", NULL, NULL, client_cbs, 0, &c) != SASL_OK)
		return -1;
	if (sasl_client_start(c, "NTLM", NULL, &out, &outlen, &used) != SASL_CONTINUE)
		goto fail;
	CHECK(outlen >= 16 && memcmp(out, "NTLMSSP\0\x01\0\0\0", 12) == 0);
	sicily_bind(s, LDAP_AUTH_SICILY_NEGOTIATE, (const uint8_t *)out, outlen, &r);
	CHECK_EQ_INT(r.code, LDAP_SUCCESS);		/* Sicily: success, not 14 */
	CHECK(r.server_creds.len >= 32 &&
	    memcmp(r.server_creds.p, "NTLMSSP\0\x02\0\0\0", 12) == 0);
	if (r.code != LDAP_SUCCESS)
		goto fail;
	if (sasl_client_step(c, (const char *)r.server_creds.p, (unsigned)r.server_creds.len, NULL,
	    &out, &outlen) != SASL_OK)
		goto fail;
	CHECK(outlen >= 16 && memcmp(out, "NTLMSSP\0\x03\0\0\0", 12) == 0);
	sicily_bind(s, LDAP_AUTH_SICILY_RESPONSE, (const uint8_t *)out, outlen, &r);
	code = r.code;
	if (code == LDAP_SUCCESS && dn != NULL)
		snprintf(dn, dncap, "%s", r.dn);
	sasl_dispose(&c);
	return code;
fail:
	sasl_dispose(&c);
	return -1;
}

TEST(discovery)
{
	saslsrv_session *s = saslsrv_session_new(NULL, NULL);
	sicily_result r;

	sicily_bind(s, LDAP_AUTH_SICILY_DISCOVERY, (const uint8_t *)"", 0, &r);
	CHECK_EQ_INT(r.code, LDAP_SUCCESS);
	CHECK_EQ_INT(r.server_creds.len, 4);
	CHECK_MEM(r.server_creds.p, "NTLM", 4);
	saslsrv_session_free(s);
}

TEST(full_exchange)
{
	saslsrv_session *s = saslsrv_session_new(NULL, NULL);
	char dn[256] = "";

	CHECK_EQ_INT(ntlm_bind(s, "alice", "secret", dn, sizeof(dn)), LDAP_SUCCESS);
	CHECK_STR(dn, "uid=alice,cn=" REALM ",cn=auth");
	CHECK(saslsrv_in_progress(s) == NULL);
	CHECK_EQ_INT(ntlm_bind(s, "alice", "wrong", NULL, 0), LDAP_INVALID_CREDENTIALS);
	CHECK_EQ_INT(ntlm_bind(s, "eve", "secret", NULL, 0), LDAP_INVALID_CREDENTIALS);
	/* A failure leaves nothing behind: the next attempt works. */
	CHECK_EQ_INT(ntlm_bind(s, "alice", "secret", NULL, 0), LDAP_SUCCESS);
	saslsrv_session_free(s);
}

TEST(errors)
{
	saslsrv_session *s = saslsrv_session_new(NULL, NULL);
	static const uint8_t neg[] = "NTLMSSP\0\x01\0\0\0\x07\x82\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	sicily_result r;

	/* A response with no negotiate before it. */
	sicily_bind(s, LDAP_AUTH_SICILY_RESPONSE, (const uint8_t *)"NTLMSSP", 8, &r);
	CHECK_EQ_INT(r.code, LDAP_PROTOCOL_ERROR);
	/* A negotiate that is not NTLM. */
	sicily_bind(s, LDAP_AUTH_SICILY_NEGOTIATE, (const uint8_t *)"hello", 5, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	CHECK(saslsrv_in_progress(s) == NULL);
	/* A discovery between negotiate and response abandons the exchange. */
	sicily_bind(s, LDAP_AUTH_SICILY_NEGOTIATE, neg, sizeof(neg) - 1, &r);
	CHECK_EQ_INT(r.code, LDAP_SUCCESS);
	CHECK(saslsrv_in_progress(s) != NULL);
	sicily_bind(s, LDAP_AUTH_SICILY_DISCOVERY, NULL, 0, &r);
	CHECK(saslsrv_in_progress(s) == NULL);
	sicily_bind(s, LDAP_AUTH_SICILY_RESPONSE, (const uint8_t *)"NTLMSSP", 8, &r);
	CHECK_EQ_INT(r.code, LDAP_PROTOCOL_ERROR);
	/* A garbage response after a good negotiate. */
	sicily_bind(s, LDAP_AUTH_SICILY_NEGOTIATE, neg, sizeof(neg) - 1, &r);
	sicily_bind(s, LDAP_AUTH_SICILY_RESPONSE, (const uint8_t *)"\x01\x02", 2, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_CREDENTIALS);
	/* An SCRAM exchange in progress is not something a sicilyResponse continues. */
	{
		saslsrv_result sr;
		saslsrv_bind(s, "SCRAM-SHA-256", 13, (const uint8_t *)"n,,n=alice,r=abcdefgh", 21,
		    true, &sr);
		CHECK_EQ_INT(sr.code, LDAP_SASL_BIND_IN_PROGRESS);
		sicily_bind(s, LDAP_AUTH_SICILY_RESPONSE, (const uint8_t *)"x", 1, &r);
		CHECK_EQ_INT(r.code, LDAP_PROTOCOL_ERROR);
		CHECK(saslsrv_in_progress(s) == NULL);
	}
	sicily_bind(s, 0, NULL, 0, &r);
	CHECK_EQ_INT(r.code, LDAP_PROTOCOL_ERROR);
	saslsrv_session_free(s);
}

/* The wire form: the package list sits where a BindResponse has matchedDN. */
TEST(encoding)
{
	static const uint8_t want[] = {
		0x30, 0x10, 0x02, 0x01, 0x07,			/* LDAPMessage, messageID 7 */
		0x61, 0x0b,					/* [APPLICATION 1] */
		0x0a, 0x01, 0x00,				/* resultCode success */
		0x04, 0x04, 'N', 'T', 'L', 'M',			/* serverCreds */
		0x04, 0x00,					/* errorMessage */
	};
	static const uint8_t bin[] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0 };
	saslsrv_session *s = saslsrv_session_new(NULL, NULL);
	sicily_result r;
	ber_writer w;

	ber_writer_init(&w, 64, 1 << 20);
	sicily_bind(s, LDAP_AUTH_SICILY_DISCOVERY, NULL, 0, &r);
	sicily_encode_response(&w, 7, &r);
	CHECK_EQ_INT(w.len, sizeof(want));
	CHECK(w.len == sizeof(want) && memcmp(w.buf, want, sizeof(want)) == 0);

	/* Binary serverCreds (a challenge) with NUL bytes go out whole. */
	ber_writer_reset(&w);
	r.code = LDAP_SUCCESS;
	r.server_creds.p = bin;
	r.server_creds.len = sizeof(bin);
	r.diag = "";
	sicily_encode_response(&w, 2, &r);
	CHECK_EQ_INT(w.len, 2 + 3 + 2 + 3 + 2 + sizeof(bin) + 2);
	CHECK(w.len > 22 && memcmp(w.buf + 10, "\x04\x0aNTLMSSP\0\x02\0", 12) == 0);
	ber_writer_free(&w);
	saslsrv_session_free(s);
}

int
main(void)
{
	const char *base = getenv("ILSD_TEST_TMP");
	saslsrv_settings st = { 0 };
	char tmpl[512], err[512];

	snprintf(tmpl, sizeof(tmpl), "%s/sicilyXXXXXX", base != NULL ? base : "/tmp");
	if (base != NULL)
		mkdir(base, 0755);
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(db, sizeof(db), "%s/sasldb2", dir);
	if (sh("printf %%s secret | saslpasswd2 -f %s -c -p -u " REALM " -a ilsd alice", db) != 0)
		return 1;
	st.db_path = db;
	st.fqdn = "ils.example.org";
	st.realm = REALM;
	if (saslsrv_init(&st, err, sizeof(err)) != 0 || sasl_client_init(NULL) != SASL_OK) {
		fprintf(stderr, "SASL set-up failed: %s\n", err);
		return 1;
	}
	RUN(discovery);
	RUN(full_exchange);
	RUN(errors);
	RUN(encoding);
	saslsrv_done();
	sh("rm -rf %s", dir);
	return test_summary();
}
