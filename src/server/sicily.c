/*
 * sicily.c - see sicily.h.
 *
 * The exchange, per MS-ADTS 5.1.1.1.3 (checked against a network trace
 * of a Windows client binding with Sicily NTLM):
 *
 *  1. Package discovery (optional).  BindRequest with an empty name and
 *     sicilyPackageDiscovery (empty, ignored).  The answer is success with
 *     serverCreds "the semicolon-separated names of the authentication
 *     protocols" supported: here only "NTLM", the one package that Active
 *     Directory, and therefore every Sicily client, uses.
 *  2. sicilyNegotiate carrying the NTLM NEGOTIATE_MESSAGE (the trace shows
 *     the BindRequest name set to the package name, "NTLM"; we do not
 *     depend on it).  The answer is resultCode success -- not
 *     saslBindInProgress, Sicily predates it -- with the NTLM
 *     CHALLENGE_MESSAGE in serverCreds.
 *  3. sicilyResponse carrying the NTLM AUTHENTICATE_MESSAGE (name empty).
 *     The answer is success, or invalidCredentials when NTLM rejects it;
 *     the connection is then bound as the NTLM user.
 *
 * A sicilyResponse with no negotiate before it is a protocolError.
 * Any other bind in between abandons the exchange (the caller aborts the
 * session for non-Sicily binds; a discovery or a new negotiate does it
 * here).
 */
#include "server/sicily.h"

#include <string.h>

#include "ldap/ldap.h"

#define PACKAGE "NTLM"

static void
set(sicily_result *r, int code, const char *diag)
{
	memset(r, 0, sizeof(*r));
	r->code = code;
	r->diag = diag;
	r->server_creds.p = (const uint8_t *)"";
}

/*
 * SicilyBindResponse has no authMethodNotSupported or
 * confidentialityRequired; map what the SASL layer says onto the nine
 * codes the client knows.
 */
static int
sicily_code(int ldap_code)
{
	switch (ldap_code) {
	case LDAP_SUCCESS:
	case LDAP_PROTOCOL_ERROR:
	case LDAP_ADMIN_LIMIT_EXCEEDED:
	case LDAP_INAPPROPRIATE_AUTHENTICATION:
	case LDAP_INVALID_CREDENTIALS:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_OTHER:
		return ldap_code;
	case LDAP_AUTH_METHOD_NOT_SUPPORTED:
	case LDAP_CONFIDENTIALITY_REQUIRED:
		return LDAP_UNWILLING_TO_PERFORM;
	default:
		return LDAP_OTHER;
	}
}

static void
discovery(saslsrv_session *s, sicily_result *r)
{
	saslsrv_abort(s);
	set(r, LDAP_SUCCESS, "");
	/* Sicily runs on any connection; NTLM is offered without TLS or not at all. */
	if (saslsrv_offered(PACKAGE, false))
		r->server_creds = ldap_slice(PACKAGE);
}

static void
negotiate(saslsrv_session *s, const uint8_t *blob, size_t len, sicily_result *r)
{
	saslsrv_result sr;

	if (!saslsrv_offered(PACKAGE, false)) {
		saslsrv_abort(s);
		set(r, LDAP_UNWILLING_TO_PERFORM, "the NTLM package is not enabled");
		return;
	}
	saslsrv_start(s, PACKAGE, blob, len, true, &sr);
	if (sr.code != LDAP_SASL_BIND_IN_PROGRESS) {
		/* NTLM always challenges; anything else is a refusal. */
		saslsrv_abort(s);
		set(r, sr.code == LDAP_SUCCESS ? LDAP_OTHER : sicily_code(sr.code),
		    sr.code == LDAP_SUCCESS ? "unexpected NTLM state" : sr.diag);
		return;
	}
	set(r, LDAP_SUCCESS, "");
	r->server_creds.p = sr.creds;
	r->server_creds.len = sr.credslen;
}

static void
response(saslsrv_session *s, const uint8_t *blob, size_t len, sicily_result *r)
{
	const char *mech = saslsrv_in_progress(s);
	saslsrv_result sr;

	if (mech == NULL || strcmp(mech, PACKAGE) != 0) {
		saslsrv_abort(s);
		set(r, LDAP_PROTOCOL_ERROR, "sicilyResponse without sicilyNegotiate");
		return;
	}
	saslsrv_continue(s, blob, len, &sr);
	if (sr.code == LDAP_SASL_BIND_IN_PROGRESS) {
		saslsrv_abort(s);
		set(r, LDAP_OTHER, "unexpected NTLM state");
		return;
	}
	set(r, sicily_code(sr.code), sr.diag);
	if (sr.code == LDAP_SUCCESS) {
		r->dn = sr.dn;
		r->user = sr.user;
	}
}

void
sicily_bind(saslsrv_session *s, uint8_t method, const uint8_t *blob, size_t len,
    sicily_result *r)
{
	switch (method) {
	case LDAP_AUTH_SICILY_DISCOVERY:
		discovery(s, r);
		break;
	case LDAP_AUTH_SICILY_NEGOTIATE:
		negotiate(s, blob, len, r);
		break;
	case LDAP_AUTH_SICILY_RESPONSE:
		response(s, blob, len, r);
		break;
	default:
		saslsrv_abort(s);
		set(r, LDAP_PROTOCOL_ERROR, "not a Sicily bind");
		break;
	}
}

void
sicily_encode_response(ber_writer *w, int64_t msgid, const sicily_result *r)
{
	ldap_encode_result_s(w, msgid, LDAP_OP_BIND_RESPONSE, r->code, r->server_creds,
	    ldap_slice(r->diag != NULL ? r->diag : ""));
}
