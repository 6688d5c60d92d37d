/*
 * auth.c - simple Bind decisions: anonymous, and the administrator's
 * password.  SASL and Sicily (NTLM) binds are bind.c's, through sasl.c
 * and sicily.c.
 *
 * The password is kept only as a SHA-256 digest, and a bind attempt is
 * compared digest to digest with CRYPTO_memcmp, so the comparison takes
 * the same time whatever the guess and whatever its length.
 */
#include "server/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

#define PASSWORD_FILE_MAX 4096

void
identity_clear(identity *id)
{
	free(id->dn);
	free(id->ndn);
	id->dn = NULL;
	id->ndn = NULL;
	id->is_admin = false;
}

int
auth_read_password_file(const char *path, char **pw, size_t *len, char *err, size_t errlen)
{
	char buf[PASSWORD_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "admin-password-file: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warn("admin-password-file %s is readable by group or others; chmod 600 it",
		    path);
	while (used < sizeof(buf) && (n = read(fd, buf + used, sizeof(buf) - used)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "admin-password-file: cannot read %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		used += (size_t)n;
	}
	close(fd);
	if (used > PASSWORD_FILE_MAX) {
		snprintf(err, errlen, "admin-password-file: %s is larger than %d bytes", path,
		    PASSWORD_FILE_MAX);
		return -1;
	}
	/* The password is the first line. */
	size_t end = 0;
	while (end < used && buf[end] != '\n' && buf[end] != '\r')
		end++;
	if (end == 0) {
		snprintf(err, errlen, "admin-password-file: %s: the first line is empty", path);
		return -1;
	}
	*pw = malloc(end + 1);
	if (*pw == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(*pw, buf, end);
	(*pw)[end] = '\0';
	*len = end;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static void
digest(const void *p, size_t n, unsigned char out[AUTH_DIGEST_LEN])
{
	unsigned int len = AUTH_DIGEST_LEN;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1)
		memset(out, 0, AUTH_DIGEST_LEN);	/* never matches a real digest by chance */
}

/* Normalised DN in malloc'd memory, or NULL if dn is not a valid DN. */
static char *
normalize(dir *d, ber_slice dn)
{
	size_t cap = dn.len * 3 + 16;
	char *out = malloc(cap);
	long n;

	if (out == NULL)
		return NULL;
	n = dir_normalize_dn(d, dn, out, cap);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

int
auth_init(auth *a, dir *d, const char *admin_dn, const char *pw, size_t pwlen, char *err,
    size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->admin_dn = strdup(admin_dn);
	a->admin_ndn = normalize(d, ldap_slice(admin_dn));
	if (a->admin_dn == NULL || a->admin_ndn == NULL) {
		snprintf(err, errlen, "admin-dn: \"%s\" is not a valid DN", admin_dn);
		auth_free(a);
		return -1;
	}
	if (pw != NULL) {
		digest(pw, pwlen, a->pw_digest);
		a->have_admin = true;
	}
	return 0;
}

void
auth_free(auth *a)
{
	free(a->admin_dn);
	free(a->admin_ndn);
	explicit_bzero(a, sizeof(*a));
}

static void
outcome(bind_outcome *out, int code, const char *matched, const char *diag)
{
	out->code = code;
	out->matched = matched;
	out->diag = diag;
}

/*
 * Simple bind.  An empty password is an anonymous or "unauthenticated"
 * bind (RFC 4513 5.1.1, 5.1.2): ILS clients send a DN with no password
 * and must get on, so it succeeds with anonymous rights.  A password is
 * only accepted for the administrator.
 */
static void
bind_simple(const auth *a, dir *d, const ldap_bind_req *req, identity *id, bind_outcome *out)
{
	unsigned char guess[AUTH_DIGEST_LEN];
	char *ndn;
	bool dn_ok, pw_ok;

	if (req->password.len == 0) {
		outcome(out, LDAP_SUCCESS, "", "");
		return;
	}
	digest(req->password.p, req->password.len, guess);
	if (!a->have_admin) {
		outcome(out, LDAP_INVALID_CREDENTIALS, "", "invalid credentials");
		return;
	}
	ndn = normalize(d, req->name);
	dn_ok = ndn != NULL && strcmp(ndn, a->admin_ndn) == 0;
	pw_ok = CRYPTO_memcmp(guess, a->pw_digest, AUTH_DIGEST_LEN) == 0;
	if (!dn_ok || !pw_ok) {
		free(ndn);
		outcome(out, LDAP_INVALID_CREDENTIALS, "", "invalid credentials");
		return;
	}
	id->dn = strndup((const char *)req->name.p, req->name.len);
	id->ndn = ndn;
	if (id->dn == NULL) {
		identity_clear(id);
		outcome(out, LDAP_OTHER, "", "out of memory");
		return;
	}
	id->is_admin = true;
	outcome(out, LDAP_SUCCESS, "", "");
}

void
auth_bind(const auth *a, dir *d, const ldap_bind_req *req, arena *ar, identity *id,
    bind_outcome *out)
{
	if (req->version != 2 && req->version != 3) {
		outcome(out, LDAP_PROTOCOL_ERROR, "", "only LDAP versions 2 and 3 are supported");
		return;
	}
	switch (req->method) {
	case LDAP_AUTH_SIMPLE:
		bind_simple(a, d, req, id, out);
		break;
	default:
		outcome(out, LDAP_AUTH_METHOD_NOT_SUPPORTED, "", "unknown authentication method");
		break;
	}
}
