/*
 * tls.h - the server's TLS: an OpenSSL context built from configuration,
 * reloaded on SIGHUP, and libevent OpenSSL bufferevents for LDAPS
 * listeners and StartTLS.
 *
 * Reload builds a complete new SSL_CTX and swaps it in only if every
 * file loaded and the key matched the certificate; a failed reload keeps
 * serving with the old one.  New connections take the current context;
 * a connection's SSL holds a reference to the context it was made from,
 * so connections opened before a reload keep working until they close.
 *
 * Client certificates: with a CA file configured, the server asks for a
 * certificate but does not require one.  A certificate that does not
 * verify against the CA is not an error for the handshake (so a client
 * with a stray certificate can still use the directory anonymously); it
 * simply never counts as an identity: tls_peer_dn() returns only
 * certificates that verified.
 */
#ifndef ILSD_SERVER_TLS_H
#define ILSD_SERVER_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct bufferevent;
struct event_base;

/* Default TLS 1.2 cipher list: forward-secret AEAD suites only. */
#define ILSD_TLS_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
/* Default TLS 1.3 suites (OpenSSL's own default set, spelled out). */
#define ILSD_TLS_CIPHERSUITES \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

typedef struct tls_settings {
	const char *cert_file;		/* PEM, leaf first then intermediates */
	const char *key_file;		/* PEM private key */
	const char *ca_file;		/* PEM CAs for client certificates; NULL or "" = none */
	const char *ciphers;		/* TLS 1.2 and below; NULL or "" = ILSD_TLS_CIPHERS */
	const char *ciphersuites;	/* TLS 1.3; NULL or "" = ILSD_TLS_CIPHERSUITES */
	const char *min_version;	/* "1.2" (NULL or "" too) or "1.3" */
} tls_settings;

typedef struct tls_server tls_server;

/*
 * Builds the first context.  Returns NULL with a message naming the
 * configuration key and file in err ("tls-key-file: /x: the key does not
 * match the certificate in /y").
 */
tls_server *tls_server_new(const tls_settings *s, char *err, size_t errlen);
/* Builds a new context from s and swaps it in; on failure keeps the old one. Any thread. */
int tls_server_reload(tls_server *t, const tls_settings *s, char *err, size_t errlen);
void tls_server_free(tls_server *t);
/* Whether client certificates are requested (a CA file is configured). */
bool tls_server_wants_client_certs(tls_server *t);

/* A server-side SSL from the current context (any thread); NULL on failure. */
SSL *tls_server_new_ssl(tls_server *t);

/*
 * A bufferevent doing the server side of a TLS handshake on an accepted
 * socket (LDAPS).  options are BEV_OPT_*; with BEV_OPT_CLOSE_ON_FREE the
 * socket and the SSL are freed with the bufferevent.  NULL on failure
 * (the socket is then not closed).
 */
struct bufferevent *tls_wrap_socket(tls_server *t, struct event_base *base, int fd,
    int options);

/*
 * StartTLS: a TLS filter over an existing (plain) bufferevent.  The
 * StartTLS response must already be in the underlying output buffer; it
 * goes out in clear text before the handshake.  With
 * BEV_OPT_CLOSE_ON_FREE, freeing the filter frees the underlying
 * bufferevent too.  NULL on failure (underlying is left untouched).
 */
struct bufferevent *tls_wrap_filter(tls_server *t, struct event_base *base,
    struct bufferevent *underlying, int options);

/* The SSL of a TLS bufferevent, NULL for a plain one. */
SSL *tls_bev_ssl(struct bufferevent *bev);

/*
 * The subject DN of a client certificate that verified, as an RFC 4514
 * string ("CN=alice,O=Example").  Returns its length, 0 when there is no
 * verified client certificate, -1 when it does not fit in cap.
 */
long tls_peer_dn(SSL *ssl, char *out, size_t cap);

/* Security strength factor: the cipher's secret bits (0 before the handshake). */
unsigned tls_ssf(SSL *ssl);

/* A short description for logs: "TLSv1.3 TLS_AES_256_GCM_SHA384". */
void tls_describe(SSL *ssl, char *out, size_t cap);

#endif
