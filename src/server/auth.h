/*
 * auth.h - who a connection is: the Bind operation's decisions.
 *
 * Simple binds know one account, the administrator (admin-dn with the
 * password from admin-password-file), plus anonymous access.  SASL and
 * Sicily (NTLM) accounts live in Cyrus SASL's sasldb (bind.c, sasl.c);
 * such an identity whose DN is admin-dn is the administrator too.
 */
#ifndef ILSD_SERVER_AUTH_H
#define ILSD_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "dir/dir.h"
#include "ldap/ldap.h"

#define AUTH_DIGEST_LEN 32

typedef struct auth {
	bool have_admin;		/* an admin password is configured */
	char *admin_dn;			/* as configured */
	char *admin_ndn;		/* normalised */
	unsigned char pw_digest[AUTH_DIGEST_LEN];	/* SHA-256 of the password */
} auth;

/* A connection's identity; all empty for anonymous. */
typedef struct identity {
	char *dn;			/* as the client bound (Who am I answers it), malloc'd */
	char *ndn;			/* normalised, for the directory, malloc'd */
	bool is_admin;
} identity;

void identity_clear(identity *id);

/*
 * Reads the password file: the first line, without its line end.  An
 * empty or unreadable file is an error.  *pw is malloc'd (caller frees
 * after auth_init, which keeps only a digest).
 */
int auth_read_password_file(const char *path, char **pw, size_t *len, char *err, size_t errlen);

/* admin_dn is normalised with the directory's schema; pw may be NULL (no admin). */
int auth_init(auth *a, dir *d, const char *admin_dn, const char *pw, size_t pwlen, char *err,
    size_t errlen);
void auth_free(auth *a);

/* What a Bind comes to. */
typedef struct bind_outcome {
	int code;			/* LDAP result code */
	const char *matched;		/* matchedDN, "" */
	const char *diag;
} bind_outcome;

/*
 * Decides a simple BindRequest (other methods get authMethodNotSupported;
 * bind.c routes SASL and Sicily elsewhere).  On success *id is replaced by the new identity;
 * the caller has already reset it to anonymous.  ar is scratch memory.
 */
void auth_bind(const auth *a, dir *d, const ldap_bind_req *req, arena *ar, identity *id,
    bind_outcome *out);

#endif
