/*
 * test_server_tls.c - the TLS context: loading and its error messages,
 * protocol versions, client certificates and the peer DN, reload while
 * connections use the old context, and the libevent wrappers for LDAPS
 * (tls_wrap_socket) and StartTLS (tls_wrap_filter).
 *
 * Throwaway certificates are made with the openssl command at test time.
 */
#include <errno.h>
#include <stdarg.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/tls.h"
#include "test.h"

static char dir[512];
static char err[1024];

static const char *
path(const char *name)
{
	static char buf[8][600];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

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

#define EC "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

/* A CA, a server certificate, a second server certificate, a stray key, client certificates. */
static int
make_certs(void)
{
	const char *base = getenv("ILSD_TEST_TMP");
	char tmpl[512];

	snprintf(tmpl, sizeof(tmpl), "%s/tlsXXXXXX", base != NULL ? base : "/tmp");
	if (base != NULL)
		mkdir(base, 0755);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", tmpl);
	return sh("cd %s && exec 2>/dev/null >/dev/null && "
	    "openssl req -x509 " EC " -keyout ca.key -out ca.crt -days 2 -subj '/CN=Test CA' && "
	    "openssl req -x509 " EC " -keyout server.key -out server.crt -days 2 "
	    "-subj '/CN=localhost' && "
	    "openssl req -x509 " EC " -keyout server2.key -out server2.crt -days 2 "
	    "-subj '/CN=reloaded' && "
	    "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key && "
	    "openssl req -new " EC " -keyout alice.key -out alice.csr -subj '/O=Example/CN=alice' && "
	    "openssl x509 -req -in alice.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    "-out alice.crt -days 2 && "
	    "openssl req -x509 " EC " -keyout rogue.key -out rogue.crt -days 2 "
	    "-subj '/O=Example/CN=alice' && "
	    "echo 'not a certificate' > garbage.pem && "
	    "openssl ec -in server.key -aes128 -passout pass:secret -out encrypted.key",
	    dir);
}

static tls_settings
settings(const char *cert, const char *key, const char *ca)
{
	tls_settings s;

	memset(&s, 0, sizeof(s));
	s.cert_file = cert != NULL ? path(cert) : NULL;
	s.key_file = key != NULL ? path(key) : NULL;
	s.ca_file = ca != NULL ? path(ca) : NULL;
	return s;
}

static tls_server *
try_new(tls_settings s)
{
	err[0] = '\0';
	return tls_server_new(&s, err, sizeof(err));
}

TEST(load_ok)
{
	tls_server *t = try_new(settings("server.crt", "server.key", NULL));

	CHECK(t != NULL);
	CHECK(t != NULL && !tls_server_wants_client_certs(t));
	tls_server_free(t);
	t = try_new(settings("server.crt", "server.key", "ca.crt"));
	CHECK(t != NULL && tls_server_wants_client_certs(t));
	tls_server_free(t);
}

TEST(load_errors)
{
	tls_settings s;

	CHECK(try_new(settings("missing.crt", "server.key", NULL)) == NULL);
	CHECK(strstr(err, "tls-cert-file") != NULL);
	CHECK(strstr(err, "missing.crt") != NULL);
	CHECK(strstr(err, "No such file") != NULL);

	CHECK(try_new(settings("server.crt", "missing.key", NULL)) == NULL);
	CHECK(strstr(err, "tls-key-file") != NULL && strstr(err, "No such file") != NULL);

	CHECK(try_new(settings("server.crt", "other.key", NULL)) == NULL);
	CHECK(strstr(err, "tls-key-file") != NULL);
	CHECK(strstr(err, "does not match the certificate") != NULL);
	CHECK(strstr(err, "server.crt") != NULL);

	CHECK(try_new(settings("garbage.pem", "server.key", NULL)) == NULL);
	CHECK(strstr(err, "tls-cert-file") != NULL && strstr(err, "no usable") != NULL);

	CHECK(try_new(settings("server.crt", "garbage.pem", NULL)) == NULL);
	CHECK(strstr(err, "tls-key-file") != NULL && strstr(err, "no usable") != NULL);

	CHECK(try_new(settings("server.crt", "encrypted.key", NULL)) == NULL);
	CHECK(strstr(err, "encrypted keys are not supported") != NULL);

	CHECK(try_new(settings("server.crt", "server.key", "missing-ca.crt")) == NULL);
	CHECK(strstr(err, "tls-ca-file") != NULL);

	CHECK(try_new(settings("server.crt", "server.key", "garbage.pem")) == NULL);
	CHECK(strstr(err, "tls-ca-file") != NULL);

	CHECK(try_new(settings(NULL, "server.key", NULL)) == NULL);
	CHECK(strstr(err, "tls-cert-file: not set") != NULL);

	s = settings("server.crt", "server.key", NULL);
	s.min_version = "1.0";
	CHECK(try_new(s) == NULL);
	CHECK(strstr(err, "tls-min-version") != NULL);

	s = settings("server.crt", "server.key", NULL);
	s.ciphers = "NO-SUCH-CIPHER";
	CHECK(try_new(s) == NULL);
	CHECK(strstr(err, "tls-ciphers") != NULL);

	s = settings("server.crt", "server.key", NULL);
	s.ciphersuites = "TLS_NOPE";
	CHECK(try_new(s) == NULL);
	CHECK(strstr(err, "tls-ciphersuites") != NULL);
}

/* ---- handshakes over a socketpair, both ends non-blocking, pumped by hand ---- */

static SSL_CTX *
client_ctx(const char *cert, const char *key, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, max_version);
	if (cert != NULL) {
		SSL_CTX_use_certificate_file(ctx, path(cert), SSL_FILETYPE_PEM);
		SSL_CTX_use_PrivateKey_file(ctx, path(key), SSL_FILETYPE_PEM);
	}
	return ctx;
}

/* Runs both handshakes to the end. Returns 0 if both finished. */
static int
handshake(SSL *srv, SSL *cli)
{
	int sv[2];
	bool sdone = false, cdone = false;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	SSL_set_fd(srv, sv[0]);
	SSL_set_fd(cli, sv[1]);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	for (int i = 0; i < 200 && !(sdone && cdone); i++) {
		int r;
		if (!sdone) {
			r = SSL_do_handshake(srv);
			if (r == 1)
				sdone = true;
			else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ &&
			    SSL_get_error(srv, r) != SSL_ERROR_WANT_WRITE)
				break;
		}
		if (!cdone) {
			r = SSL_do_handshake(cli);
			if (r == 1)
				cdone = true;
			else if (SSL_get_error(cli, r) != SSL_ERROR_WANT_READ &&
			    SSL_get_error(cli, r) != SSL_ERROR_WANT_WRITE)
				break;
		}
	}
	/* TLS 1.3: the client may finish first; let the server read its Finished. */
	for (int i = 0; i < 50 && !sdone; i++) {
		int r = SSL_do_handshake(srv);
		if (r == 1)
			sdone = true;
		else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ)
			break;
	}
	ERR_clear_error();
	close(sv[0]);
	close(sv[1]);
	return sdone && cdone ? 0 : -1;
}

static void
peer_cn(SSL *cli, char *out, size_t cap)
{
	X509 *cert = SSL_get0_peer_certificate(cli);

	out[0] = '\0';
	if (cert != NULL)
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, out,
		    (int)cap);
}

TEST(handshake_versions)
{
	tls_settings s = settings("server.crt", "server.key", NULL);
	tls_server *t = try_new(s);
	SSL_CTX *c13 = client_ctx(NULL, NULL, 0), *c12 = client_ctx(NULL, NULL, TLS1_2_VERSION);
	SSL_CTX *c11 = client_ctx(NULL, NULL, TLS1_1_VERSION);
	SSL *srv, *cli;
	char desc[128];

	CHECK(t != NULL);
	if (t == NULL)
		return;
	srv = tls_server_new_ssl(t);
	cli = SSL_new(c13);
	CHECK_EQ_INT(tls_ssf(srv), 0);
	CHECK_EQ_INT(handshake(srv, cli), 0);
	tls_describe(srv, desc, sizeof(desc));
	CHECK(strncmp(desc, "TLSv1.3 TLS_", 12) == 0);
	CHECK(tls_ssf(srv) >= 128);
	CHECK_EQ_INT(tls_peer_dn(srv, desc, sizeof(desc)), 0);	/* no client certificate */
	SSL_free(srv);
	SSL_free(cli);

	srv = tls_server_new_ssl(t);
	cli = SSL_new(c12);
	CHECK_EQ_INT(handshake(srv, cli), 0);
	tls_describe(srv, desc, sizeof(desc));
	CHECK(strncmp(desc, "TLSv1.2 ECDHE-", 14) == 0);
	SSL_free(srv);
	SSL_free(cli);

	/* TLS 1.1 is refused by default. */
	srv = tls_server_new_ssl(t);
	cli = SSL_new(c11);
	CHECK(handshake(srv, cli) != 0);
	SSL_free(srv);
	SSL_free(cli);
	tls_server_free(t);

	/* tls-min-version = 1.3 refuses TLS 1.2. */
	s.min_version = "1.3";
	t = try_new(s);
	CHECK(t != NULL);
	srv = tls_server_new_ssl(t);
	cli = SSL_new(c12);
	CHECK(handshake(srv, cli) != 0);
	SSL_free(srv);
	SSL_free(cli);
	tls_server_free(t);

	/* A TLS 1.2 cipher list that the client does not share. */
	s = settings("server.crt", "server.key", NULL);
	s.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
	t = try_new(s);
	CHECK(t != NULL);
	srv = tls_server_new_ssl(t);
	cli = SSL_new(c12);
	SSL_set_cipher_list(cli, "ECDHE-ECDSA-AES128-GCM-SHA256");
	CHECK(handshake(srv, cli) != 0);
	SSL_free(srv);
	SSL_free(cli);
	tls_server_free(t);

	SSL_CTX_free(c13);
	SSL_CTX_free(c12);
	SSL_CTX_free(c11);
}

TEST(client_certificates)
{
	tls_server *t = try_new(settings("server.crt", "server.key", "ca.crt"));
	SSL_CTX *alice = client_ctx("alice.crt", "alice.key", 0);
	SSL_CTX *alice12 = client_ctx("alice.crt", "alice.key", TLS1_2_VERSION);
	SSL_CTX *rogue = client_ctx("rogue.crt", "rogue.key", 0);
	SSL_CTX *none = client_ctx(NULL, NULL, 0);
	SSL *srv, *cli;
	char dn[256];

	CHECK(t != NULL);
	if (t == NULL)
		return;
	/* A certificate from the configured CA: its subject, RFC 4514 order. */
	srv = tls_server_new_ssl(t);
	cli = SSL_new(alice);
	CHECK_EQ_INT(handshake(srv, cli), 0);
	CHECK_EQ_INT(tls_peer_dn(srv, dn, sizeof(dn)), (long)strlen("CN=alice,O=Example"));
	CHECK_STR(dn, "CN=alice,O=Example");
	CHECK_EQ_INT(tls_peer_dn(srv, dn, 5), -1);		/* does not fit */
	SSL_free(srv);
	SSL_free(cli);

	srv = tls_server_new_ssl(t);
	cli = SSL_new(alice12);
	CHECK_EQ_INT(handshake(srv, cli), 0);
	CHECK(tls_peer_dn(srv, dn, sizeof(dn)) > 0);
	SSL_free(srv);
	SSL_free(cli);

	/* Same subject, not from the CA: the handshake goes on, no identity. */
	srv = tls_server_new_ssl(t);
	cli = SSL_new(rogue);
	CHECK_EQ_INT(handshake(srv, cli), 0);
	CHECK(SSL_get0_peer_certificate(srv) != NULL);
	CHECK_EQ_INT(tls_peer_dn(srv, dn, sizeof(dn)), 0);
	SSL_free(srv);
	SSL_free(cli);

	/* No certificate: fine, anonymous. */
	srv = tls_server_new_ssl(t);
	cli = SSL_new(none);
	CHECK_EQ_INT(handshake(srv, cli), 0);
	CHECK_EQ_INT(tls_peer_dn(srv, dn, sizeof(dn)), 0);
	SSL_free(srv);
	SSL_free(cli);

	CHECK_EQ_INT(tls_peer_dn(NULL, dn, sizeof(dn)), 0);
	tls_server_free(t);
	SSL_CTX_free(alice);
	SSL_CTX_free(alice12);
	SSL_CTX_free(rogue);
	SSL_CTX_free(none);
}

TEST(reload)
{
	tls_settings s1 = settings("server.crt", "server.key", NULL);
	tls_settings s2 = settings("server2.crt", "server2.key", NULL);
	tls_settings bad = settings("server2.crt", "other.key", NULL);
	tls_server *t = try_new(s1);
	SSL_CTX *c = client_ctx(NULL, NULL, 0);
	SSL *before, *after, *cli;
	char cn[64];

	CHECK(t != NULL);
	if (t == NULL)
		return;
	/* A connection made before the reload keeps the old context. */
	before = tls_server_new_ssl(t);
	CHECK_EQ_INT(tls_server_reload(t, &s2, err, sizeof(err)), 0);
	after = tls_server_new_ssl(t);
	CHECK(SSL_get_SSL_CTX(before) != SSL_get_SSL_CTX(after));

	cli = SSL_new(c);
	CHECK_EQ_INT(handshake(before, cli), 0);
	peer_cn(cli, cn, sizeof(cn));
	CHECK_STR(cn, "localhost");
	SSL_free(cli);

	cli = SSL_new(c);
	CHECK_EQ_INT(handshake(after, cli), 0);
	peer_cn(cli, cn, sizeof(cn));
	CHECK_STR(cn, "reloaded");
	SSL_free(cli);
	SSL_free(before);
	SSL_free(after);

	/* A failed reload says why and keeps the current context. */
	CHECK(tls_server_reload(t, &bad, err, sizeof(err)) != 0);
	CHECK(strstr(err, "does not match") != NULL);
	after = tls_server_new_ssl(t);
	cli = SSL_new(c);
	CHECK_EQ_INT(handshake(after, cli), 0);
	peer_cn(cli, cn, sizeof(cn));
	CHECK_STR(cn, "reloaded");
	SSL_free(cli);
	SSL_free(after);

	/* Reload can turn client certificates on. */
	CHECK(!tls_server_wants_client_certs(t));
	s1.ca_file = path("ca.crt");
	CHECK_EQ_INT(tls_server_reload(t, &s1, err, sizeof(err)), 0);
	CHECK(tls_server_wants_client_certs(t));
	tls_server_free(t);
	SSL_CTX_free(c);
}

/* ---- the libevent wrappers: a blocking client thread, the server in an event loop ---- */

typedef struct client_job {
	int fd;
	SSL_CTX *ctx;
	bool starttls;			/* read "GO\n" in clear text before the handshake */
	bool ok;			/* handshake done and "pong" received */
	char got[16];
} client_job;

static void *
client_main(void *arg)
{
	client_job *j = arg;
	SSL *ssl = SSL_new(j->ctx);
	char buf[16];
	int n;

	if (j->starttls) {
		size_t used = 0;
		while (used < 3 && (n = (int)read(j->fd, buf + used, 3 - used)) > 0)
			used += (size_t)n;
		if (used != 3 || memcmp(buf, "GO\n", 3) != 0)
			goto out;
	}
	SSL_set_fd(ssl, j->fd);
	if (SSL_connect(ssl) != 1)
		goto out;
	if (SSL_write(ssl, "ping", 4) != 4)
		goto out;
	n = SSL_read(ssl, j->got, sizeof(j->got) - 1);
	if (n > 0) {
		j->got[n] = '\0';
		j->ok = strcmp(j->got, "pong") == 0;
	}
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
	close(j->fd);
	return NULL;
}

typedef struct server_side {
	struct event_base *base;
	bool pinged;
	bool closed;
	unsigned ssf;
	char desc[128];
} server_side;

static void
srv_read(struct bufferevent *bev, void *arg)
{
	server_side *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (evbuffer_get_length(in) < 4)
		return;
	s->pinged = true;
	s->ssf = tls_ssf(tls_bev_ssl(bev));
	tls_describe(tls_bev_ssl(bev), s->desc, sizeof(s->desc));
	evbuffer_drain(in, 4);
	bufferevent_write(bev, "pong", 4);
}

static void
srv_event(struct bufferevent *bev, short what, void *arg)
{
	server_side *s = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		s->closed = true;
		event_base_loopexit(s->base, NULL);
	}
}

static void
run_loop(server_side *s)
{
	struct timeval limit = { 10, 0 };

	event_base_loopexit(s->base, &limit);
	event_base_dispatch(s->base);
}

TEST(wrap_socket)
{
	tls_server *t = try_new(settings("server.crt", "server.key", NULL));
	server_side s = { 0 };
	client_job j = { 0 };
	struct bufferevent *bev;
	pthread_t th;
	int sv[2];

	CHECK(t != NULL);
	if (t == NULL)
		return;
	s.base = event_base_new();
	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	evutil_make_socket_nonblocking(sv[0]);
	bev = tls_wrap_socket(t, s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	CHECK(bev != NULL);
	bufferevent_setcb(bev, srv_read, NULL, srv_event, &s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	j.fd = sv[1];
	j.ctx = client_ctx(NULL, NULL, 0);
	pthread_create(&th, NULL, client_main, &j);
	run_loop(&s);
	pthread_join(th, NULL);
	CHECK(j.ok);
	CHECK(s.pinged && s.closed);
	CHECK(s.ssf >= 128);
	CHECK(strncmp(s.desc, "TLSv1.3", 7) == 0);
	bufferevent_free(bev);
	SSL_CTX_free(j.ctx);
	event_base_free(s.base);
	tls_server_free(t);
}

TEST(wrap_filter_starttls)
{
	tls_server *t = try_new(settings("server.crt", "server.key", NULL));
	server_side s = { 0 };
	client_job j = { 0 };
	struct bufferevent *plain, *bev;
	pthread_t th;
	int sv[2];

	CHECK(t != NULL);
	if (t == NULL)
		return;
	s.base = event_base_new();
	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	evutil_make_socket_nonblocking(sv[0]);
	plain = bufferevent_socket_new(s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	CHECK(tls_bev_ssl(plain) == NULL);
	/* The StartTLS response goes out in clear text, then TLS starts on the same stream. */
	bufferevent_write(plain, "GO\n", 3);
	bev = tls_wrap_filter(t, s.base, plain, BEV_OPT_CLOSE_ON_FREE);
	CHECK(bev != NULL);
	CHECK(tls_bev_ssl(bev) != NULL);
	bufferevent_setcb(bev, srv_read, NULL, srv_event, &s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	j.fd = sv[1];
	j.ctx = client_ctx(NULL, NULL, 0);
	j.starttls = true;
	pthread_create(&th, NULL, client_main, &j);
	run_loop(&s);
	pthread_join(th, NULL);
	CHECK(j.ok);
	CHECK(s.pinged && s.closed);
	CHECK(s.ssf >= 128);
	bufferevent_free(bev);		/* frees plain and the socket too */
	SSL_CTX_free(j.ctx);
	event_base_free(s.base);
	tls_server_free(t);
}

/* A client that is not speaking TLS: the server sees an error, nothing else happens. */
TEST(wrap_socket_garbage)
{
	tls_server *t = try_new(settings("server.crt", "server.key", NULL));
	server_side s = { 0 };
	struct bufferevent *bev;
	int sv[2];

	CHECK(t != NULL);
	if (t == NULL)
		return;
	s.base = event_base_new();
	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	evutil_make_socket_nonblocking(sv[0]);
	bev = tls_wrap_socket(t, s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, srv_read, NULL, srv_event, &s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	CHECK_EQ_INT(write(sv[1], "0\x0c\x02\x01\x01`\x07\x02\x01\x03\x04\x00\x80\x00", 14), 14);
	run_loop(&s);
	CHECK(s.closed);
	CHECK(!s.pinged);
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(s.base);
	tls_server_free(t);
	ERR_clear_error();
}

int
main(void)
{
	if (make_certs() != 0) {
		fprintf(stderr, "cannot make test certificates with the openssl command\n");
		return 1;
	}
	RUN(load_ok);
	RUN(load_errors);
	RUN(handshake_versions);
	RUN(client_certificates);
	RUN(reload);
	RUN(wrap_socket);
	RUN(wrap_filter_starttls);
	RUN(wrap_socket_garbage);
	sh("rm -rf %s", dir);
	return test_summary();
}
