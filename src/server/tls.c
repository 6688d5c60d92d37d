/*
 * tls.c - see tls.h.
 *
 * Every file is opened by us first, so a missing or unreadable file is
 * reported with its configuration key and errno rather than as an
 * OpenSSL error stack.  The key is read separately and compared with the
 * certificate before it is installed, so a mismatch gets its own message.
 */
#include "server/tls.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_DEPTH 5

struct tls_server {
	pthread_mutex_t lock;		/* guards ctx */
	SSL_CTX *ctx;
	bool client_certs;
};

static const char *
or_default(const char *v, const char *def)
{
	return v != NULL && v[0] != '\0' ? v : def;
}

/* The most useful OpenSSL error text, after which the queue is emptied. */
static void
openssl_reason(char *out, size_t cap)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(out, cap, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, out, cap);
	ERR_clear_error();
}

/* Opens a file we must read, so that errno explains a failure. */
static FILE *
open_input(const char *key, const char *path, char *err, size_t errlen)
{
	FILE *f;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "%s: not set", key);
		return NULL;
	}
	f = fopen(path, "r");
	if (f == NULL)
		snprintf(err, errlen, "%s: cannot open %s: %s", key, path, strerror(errno));
	return f;
}

/* Never prompt on a terminal for a key passphrase: a daemon has nobody to ask. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static EVP_PKEY *
load_key(const char *path, char *err, size_t errlen)
{
	char why[256];
	FILE *f = open_input("tls-key-file", path, err, errlen);
	EVP_PKEY *pkey;

	if (f == NULL)
		return NULL;
	pkey = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (pkey == NULL) {
		openssl_reason(why, sizeof(why));
		snprintf(err, errlen,
		    "tls-key-file: %s: no usable PEM private key (encrypted keys are not "
		    "supported): %s", path, why);
	}
	return pkey;
}

/* The certificate chain: leaf first, then any intermediates. */
static int
load_chain(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	char why[256];
	FILE *f = open_input("tls-cert-file", path, err, errlen);

	if (f == NULL)
		return -1;
	fclose(f);
	if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1) {
		openssl_reason(why, sizeof(why));
		snprintf(err, errlen, "tls-cert-file: %s: no usable PEM certificate: %s", path, why);
		return -1;
	}
	return 0;
}

static int
install_key(SSL_CTX *ctx, const tls_settings *s, char *err, size_t errlen)
{
	char why[256];
	EVP_PKEY *pkey = load_key(s->key_file, err, errlen);
	X509 *cert = SSL_CTX_get0_certificate(ctx);
	int rc = -1;

	if (pkey == NULL)
		return -1;
	if (cert == NULL || X509_check_private_key(cert, pkey) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "tls-key-file: %s: the key does not match the certificate in %s",
		    s->key_file, s->cert_file);
	} else if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		openssl_reason(why, sizeof(why));
		snprintf(err, errlen, "tls-key-file: %s: %s", s->key_file, why);
	} else {
		rc = 0;
	}
	EVP_PKEY_free(pkey);
	return rc;
}

/*
 * Client certificates are requested, never required, and a failed
 * verification does not end the handshake: the result is kept in the SSL
 * (SSL_get_verify_result) and tls_peer_dn() ignores unverified
 * certificates.  The client may still go on anonymously.
 */
static int
accept_any_cert(int preverify_ok, X509_STORE_CTX *x)
{
	return 1;
}

static int
setup_client_certs(SSL_CTX *ctx, const char *ca_file, char *err, size_t errlen)
{
	char why[256];
	STACK_OF(X509_NAME) *names;
	FILE *f = open_input("tls-ca-file", ca_file, err, errlen);

	if (f == NULL)
		return -1;
	fclose(f);
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
		openssl_reason(why, sizeof(why));
		snprintf(err, errlen, "tls-ca-file: %s: no usable PEM CA certificate: %s", ca_file,
		    why);
		return -1;
	}
	/* Tell clients which CAs we accept, so they pick the right certificate. */
	names = SSL_load_client_CA_file(ca_file);
	if (names == NULL) {
		openssl_reason(why, sizeof(why));
		snprintf(err, errlen, "tls-ca-file: %s: %s", ca_file, why);
		return -1;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_cert);
	SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
	return 0;
}

static int
set_protocols(SSL_CTX *ctx, const tls_settings *s, char *err, size_t errlen)
{
	const char *minv = or_default(s->min_version, "1.2");
	int version;

	if (strcmp(minv, "1.2") == 0) {
		version = TLS1_2_VERSION;
	} else if (strcmp(minv, "1.3") == 0) {
		version = TLS1_3_VERSION;
	} else {
		snprintf(err, errlen, "tls-min-version: \"%s\": expected 1.2 or 1.3", minv);
		return -1;
	}
	if (SSL_CTX_set_min_proto_version(ctx, version) != 1) {
		snprintf(err, errlen, "tls-min-version: %s is not supported by this OpenSSL", minv);
		return -1;
	}
	if (SSL_CTX_set_cipher_list(ctx, or_default(s->ciphers, ILSD_TLS_CIPHERS)) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "tls-ciphers: \"%s\": no usable cipher",
		    or_default(s->ciphers, ILSD_TLS_CIPHERS));
		return -1;
	}
	if (SSL_CTX_set_ciphersuites(ctx, or_default(s->ciphersuites,
	    ILSD_TLS_CIPHERSUITES)) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "tls-ciphersuites: \"%s\": no usable TLS 1.3 suite",
		    or_default(s->ciphersuites, ILSD_TLS_CIPHERSUITES));
		return -1;
	}
	return 0;
}

/*
 * One complete context.  Renegotiation is off (a client could otherwise
 * make the server redo expensive handshakes on one connection), the
 * server's cipher order wins, and idle connections give their read and
 * write buffers back (SSL_MODE_RELEASE_BUFFERS: an ILS server holds many
 * mostly idle connections).
 */
static SSL_CTX *
build_ctx(const tls_settings *s, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	static const unsigned char sid_ctx[] = "ilsd";

	if (ctx == NULL) {
		snprintf(err, errlen, "TLS: cannot create a context (out of memory?)");
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (set_protocols(ctx, s, err, errlen) != 0 || load_chain(ctx, s->cert_file, err,
	    errlen) != 0 || install_key(ctx, s, err, errlen) != 0 ||
	    (or_default(s->ca_file, NULL) != NULL && setup_client_certs(ctx, s->ca_file, err,
	    errlen) != 0)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

tls_server *
tls_server_new(const tls_settings *s, char *err, size_t errlen)
{
	tls_server *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ctx = build_ctx(s, err, errlen);
	if (t->ctx == NULL) {
		free(t);
		return NULL;
	}
	t->client_certs = or_default(s->ca_file, NULL) != NULL;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

int
tls_server_reload(tls_server *t, const tls_settings *s, char *err, size_t errlen)
{
	SSL_CTX *fresh = build_ctx(s, err, errlen), *old;

	if (fresh == NULL)
		return -1;
	pthread_mutex_lock(&t->lock);
	old = t->ctx;
	t->ctx = fresh;
	t->client_certs = or_default(s->ca_file, NULL) != NULL;
	pthread_mutex_unlock(&t->lock);
	/* Connections made from the old context hold their own references. */
	SSL_CTX_free(old);
	return 0;
}

void
tls_server_free(tls_server *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

bool
tls_server_wants_client_certs(tls_server *t)
{
	bool on;

	pthread_mutex_lock(&t->lock);
	on = t->client_certs;
	pthread_mutex_unlock(&t->lock);
	return on;
}

SSL *
tls_server_new_ssl(tls_server *t)
{
	SSL *ssl;

	pthread_mutex_lock(&t->lock);
	ssl = SSL_new(t->ctx);		/* takes a reference on the context */
	pthread_mutex_unlock(&t->lock);
	return ssl;
}

struct bufferevent *
tls_wrap_socket(tls_server *t, struct event_base *base, int fd, int options)
{
	SSL *ssl = tls_server_new_ssl(t);
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, options);
	/* On failure libevent has freed the SSL only with BEV_OPT_CLOSE_ON_FREE. */
	if (bev == NULL && !(options & BEV_OPT_CLOSE_ON_FREE))
		SSL_free(ssl);
	return bev;
}

struct bufferevent *
tls_wrap_filter(tls_server *t, struct event_base *base, struct bufferevent *underlying,
    int options)
{
	SSL *ssl = tls_server_new_ssl(t);
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_filter_new(base, underlying, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    options);
	if (bev == NULL && !(options & BEV_OPT_CLOSE_ON_FREE))
		SSL_free(ssl);
	return bev;
}

SSL *
tls_bev_ssl(struct bufferevent *bev)
{
	return bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
}

long
tls_peer_dn(SSL *ssl, char *out, size_t cap)
{
	X509 *cert;
	BIO *mem;
	char *p;
	long n;

	if (ssl == NULL || cap == 0)
		return 0;
	cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL)
		return -1;
	/* RFC 2253 order and escaping (the RFC 4514 string form), UTF-8 kept as is. */
	if (X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		BIO_free(mem);
		return -1;
	}
	n = BIO_get_mem_data(mem, &p);
	if (n < 0 || (size_t)n >= cap) {
		BIO_free(mem);
		return -1;
	}
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(mem);
	return n;
}

unsigned
tls_ssf(SSL *ssl)
{
	int bits;

	if (ssl == NULL || !SSL_is_init_finished(ssl))
		return 0;
	bits = SSL_get_cipher_bits(ssl, NULL);
	return bits > 0 ? (unsigned)bits : 0;
}

void
tls_describe(SSL *ssl, char *out, size_t cap)
{
	if (ssl == NULL || !SSL_is_init_finished(ssl)) {
		snprintf(out, cap, "no TLS");
		return;
	}
	snprintf(out, cap, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}
