/*
 * ldap_names.c - names of result codes and operations (for logs and
 * diagnostics), default decoding limits, and a case-insensitive compare.
 */
#include "ldap/ldap.h"

void
ldap_limits_default(ldap_limits *l)
{
	l->max_depth = 64;
	l->max_filter_nodes = 1024;
	l->max_attrs = 1000;
	l->max_values = 10000;
	l->max_controls = 32;
}

/* The names are the identifiers of RFC 4511 appendix A and RFC 3909. */
const char *
ldap_result_name(int code)
{
	switch (code) {
	case LDAP_SUCCESS: return "success";
	case LDAP_OPERATIONS_ERROR: return "operationsError";
	case LDAP_PROTOCOL_ERROR: return "protocolError";
	case LDAP_TIME_LIMIT_EXCEEDED: return "timeLimitExceeded";
	case LDAP_SIZE_LIMIT_EXCEEDED: return "sizeLimitExceeded";
	case LDAP_COMPARE_FALSE: return "compareFalse";
	case LDAP_COMPARE_TRUE: return "compareTrue";
	case LDAP_AUTH_METHOD_NOT_SUPPORTED: return "authMethodNotSupported";
	case LDAP_STRONGER_AUTH_REQUIRED: return "strongerAuthRequired";
	case LDAP_REFERRAL: return "referral";
	case LDAP_ADMIN_LIMIT_EXCEEDED: return "adminLimitExceeded";
	case LDAP_UNAVAILABLE_CRITICAL_EXTENSION: return "unavailableCriticalExtension";
	case LDAP_CONFIDENTIALITY_REQUIRED: return "confidentialityRequired";
	case LDAP_SASL_BIND_IN_PROGRESS: return "saslBindInProgress";
	case LDAP_NO_SUCH_ATTRIBUTE: return "noSuchAttribute";
	case LDAP_UNDEFINED_ATTRIBUTE_TYPE: return "undefinedAttributeType";
	case LDAP_INAPPROPRIATE_MATCHING: return "inappropriateMatching";
	case LDAP_CONSTRAINT_VIOLATION: return "constraintViolation";
	case LDAP_ATTRIBUTE_OR_VALUE_EXISTS: return "attributeOrValueExists";
	case LDAP_INVALID_ATTRIBUTE_SYNTAX: return "invalidAttributeSyntax";
	case LDAP_NO_SUCH_OBJECT: return "noSuchObject";
	case LDAP_ALIAS_PROBLEM: return "aliasProblem";
	case LDAP_INVALID_DN_SYNTAX: return "invalidDNSyntax";
	case LDAP_ALIAS_DEREFERENCING_PROBLEM: return "aliasDereferencingProblem";
	case LDAP_INAPPROPRIATE_AUTHENTICATION: return "inappropriateAuthentication";
	case LDAP_INVALID_CREDENTIALS: return "invalidCredentials";
	case LDAP_INSUFFICIENT_ACCESS_RIGHTS: return "insufficientAccessRights";
	case LDAP_BUSY: return "busy";
	case LDAP_UNAVAILABLE: return "unavailable";
	case LDAP_UNWILLING_TO_PERFORM: return "unwillingToPerform";
	case LDAP_LOOP_DETECT: return "loopDetect";
	case LDAP_NAMING_VIOLATION: return "namingViolation";
	case LDAP_OBJECT_CLASS_VIOLATION: return "objectClassViolation";
	case LDAP_NOT_ALLOWED_ON_NON_LEAF: return "notAllowedOnNonLeaf";
	case LDAP_NOT_ALLOWED_ON_RDN: return "notAllowedOnRDN";
	case LDAP_ENTRY_ALREADY_EXISTS: return "entryAlreadyExists";
	case LDAP_OBJECT_CLASS_MODS_PROHIBITED: return "objectClassModsProhibited";
	case LDAP_AFFECTS_MULTIPLE_DSAS: return "affectsMultipleDSAs";
	case LDAP_OTHER: return "other";
	case LDAP_CANCELED: return "canceled";
	case LDAP_NO_SUCH_OPERATION: return "noSuchOperation";
	case LDAP_TOO_LATE: return "tooLate";
	case LDAP_CANNOT_CANCEL: return "cannotCancel";
	default: return "unknown";
	}
}

/* The names are the protocolOp choice identifiers of RFC 4511 section 4.2. */
const char *
ldap_op_name(int op)
{
	switch (op) {
	case LDAP_OP_BIND_REQUEST: return "bindRequest";
	case LDAP_OP_BIND_RESPONSE: return "bindResponse";
	case LDAP_OP_UNBIND_REQUEST: return "unbindRequest";
	case LDAP_OP_SEARCH_REQUEST: return "searchRequest";
	case LDAP_OP_SEARCH_ENTRY: return "searchResEntry";
	case LDAP_OP_SEARCH_DONE: return "searchResDone";
	case LDAP_OP_MODIFY_REQUEST: return "modifyRequest";
	case LDAP_OP_MODIFY_RESPONSE: return "modifyResponse";
	case LDAP_OP_ADD_REQUEST: return "addRequest";
	case LDAP_OP_ADD_RESPONSE: return "addResponse";
	case LDAP_OP_DEL_REQUEST: return "delRequest";
	case LDAP_OP_DEL_RESPONSE: return "delResponse";
	case LDAP_OP_MODDN_REQUEST: return "modDNRequest";
	case LDAP_OP_MODDN_RESPONSE: return "modDNResponse";
	case LDAP_OP_COMPARE_REQUEST: return "compareRequest";
	case LDAP_OP_COMPARE_RESPONSE: return "compareResponse";
	case LDAP_OP_ABANDON_REQUEST: return "abandonRequest";
	case LDAP_OP_SEARCH_REFERENCE: return "searchResRef";
	case LDAP_OP_EXTENDED_REQUEST: return "extendedReq";
	case LDAP_OP_EXTENDED_RESPONSE: return "extendedResp";
	case LDAP_OP_INTERMEDIATE_RESPONSE: return "intermediateResponse";
	default: return "unknown";
	}
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ASCII only: attribute names and OIDs are ASCII, values are compared elsewhere. */
bool
ldap_slice_eq_ci(ber_slice a, const char *s)
{
	size_t i;

	if (s == NULL)
		return a.len == 0;
	for (i = 0; i < a.len; i++) {
		if (s[i] == '\0' || ascii_lower(a.p[i]) != ascii_lower((unsigned char)s[i]))
			return false;
	}
	return s[i] == '\0';
}
