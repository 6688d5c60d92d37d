/*
 * schema_builtin.c - the LDAP syntaxes and matching rules ilsd knows.
 *
 * They are built in rather than read from the schema files because what a
 * syntax or a rule means is code (a validity check, a comparison); a file
 * could only name them.  Schema files refer to them by OID (SYNTAX) or by
 * name or OID (EQUALITY, ORDERING, SUBSTR).  Sources: RFC 4517 (syntaxes
 * and rules), RFC 4530 (UUID), RFC 2252 (Binary).
 *
 * Country String, Telephone Number's relatives and the other structured
 * string syntaxes accept any bytes: ILS clients write c=- and empty
 * strings, which the stricter RFC forms would reject.
 */
#include "schema_int.h"

#include <stdio.h>
#include <string.h>

#define SYN(n) "1.3.6.1.4.1.1466.115.121.1." #n

const schema_syntax schema_builtin_syntaxes[] = {
	{ SYN(3), "Attribute Type Description", SCHEMA_SYNTAX_ANY },
	{ SYN(4), "Audio", SCHEMA_SYNTAX_ANY },
	{ SYN(5), "Binary", SCHEMA_SYNTAX_ANY },
	{ SYN(6), "Bit String", SCHEMA_SYNTAX_ANY },
	{ SYN(7), "Boolean", SCHEMA_SYNTAX_BOOLEAN },
	{ SYN(8), "Certificate", SCHEMA_SYNTAX_ANY },
	{ SYN(9), "Certificate List", SCHEMA_SYNTAX_ANY },
	{ SYN(10), "Certificate Pair", SCHEMA_SYNTAX_ANY },
	{ SYN(11), "Country String", SCHEMA_SYNTAX_ANY },
	{ SYN(12), "DN", SCHEMA_SYNTAX_DN },
	{ SYN(14), "Delivery Method", SCHEMA_SYNTAX_ANY },
	{ SYN(15), "Directory String", SCHEMA_SYNTAX_ANY },
	{ SYN(16), "DIT Content Rule Description", SCHEMA_SYNTAX_ANY },
	{ SYN(17), "DIT Structure Rule Description", SCHEMA_SYNTAX_ANY },
	{ SYN(21), "Enhanced Guide", SCHEMA_SYNTAX_ANY },
	{ SYN(22), "Facsimile Telephone Number", SCHEMA_SYNTAX_ANY },
	{ SYN(23), "Fax", SCHEMA_SYNTAX_ANY },
	{ SYN(24), "Generalized Time", SCHEMA_SYNTAX_GENTIME },
	{ SYN(25), "Guide", SCHEMA_SYNTAX_ANY },
	{ SYN(26), "IA5 String", SCHEMA_SYNTAX_IA5_STRING },
	{ SYN(27), "INTEGER", SCHEMA_SYNTAX_INTEGER },
	{ SYN(28), "JPEG", SCHEMA_SYNTAX_ANY },
	{ SYN(30), "Matching Rule Description", SCHEMA_SYNTAX_ANY },
	{ SYN(31), "Matching Rule Use Description", SCHEMA_SYNTAX_ANY },
	{ SYN(34), "Name And Optional UID", SCHEMA_SYNTAX_ANY },
	{ SYN(35), "Name Form Description", SCHEMA_SYNTAX_ANY },
	{ SYN(36), "Numeric String", SCHEMA_SYNTAX_NUMERIC_STRING },
	{ SYN(37), "Object Class Description", SCHEMA_SYNTAX_ANY },
	{ SYN(38), "OID", SCHEMA_SYNTAX_OID },
	{ SYN(39), "Other Mailbox", SCHEMA_SYNTAX_ANY },
	{ SYN(40), "Octet String", SCHEMA_SYNTAX_ANY },
	{ SYN(41), "Postal Address", SCHEMA_SYNTAX_ANY },
	{ SYN(44), "Printable String", SCHEMA_SYNTAX_PRINTABLE_STRING },
	{ SYN(50), "Telephone Number", SCHEMA_SYNTAX_PRINTABLE_STRING },
	{ SYN(51), "Teletex Terminal Identifier", SCHEMA_SYNTAX_ANY },
	{ SYN(52), "Telex Number", SCHEMA_SYNTAX_ANY },
	{ SYN(54), "LDAP Syntax Description", SCHEMA_SYNTAX_ANY },
	{ SYN(58), "Substring Assertion", SCHEMA_SYNTAX_ANY },
	{ "1.3.6.1.1.16.1", "UUID", SCHEMA_SYNTAX_ANY },
};
const size_t schema_builtin_nsyntaxes =
    sizeof(schema_builtin_syntaxes) / sizeof(schema_builtin_syntaxes[0]);

const schema_mrule schema_builtin_mrules[] = {
	{ "2.5.13.0", "objectIdentifierMatch", SCHEMA_MATCH_OID, SYN(38) },
	{ "2.5.13.1", "distinguishedNameMatch", SCHEMA_MATCH_DN, SYN(12) },
	{ "2.5.13.2", "caseIgnoreMatch", SCHEMA_MATCH_CASE_IGNORE, SYN(15) },
	{ "2.5.13.3", "caseIgnoreOrderingMatch", SCHEMA_MATCH_CASE_IGNORE, SYN(15) },
	{ "2.5.13.4", "caseIgnoreSubstringsMatch", SCHEMA_MATCH_CASE_IGNORE, SYN(58) },
	{ "2.5.13.5", "caseExactMatch", SCHEMA_MATCH_CASE_EXACT, SYN(15) },
	{ "2.5.13.6", "caseExactOrderingMatch", SCHEMA_MATCH_CASE_EXACT, SYN(15) },
	{ "2.5.13.7", "caseExactSubstringsMatch", SCHEMA_MATCH_CASE_EXACT, SYN(58) },
	{ "2.5.13.8", "numericStringMatch", SCHEMA_MATCH_NUMERIC_STRING, SYN(36) },
	{ "2.5.13.9", "numericStringOrderingMatch", SCHEMA_MATCH_NUMERIC_STRING, SYN(36) },
	{ "2.5.13.10", "numericStringSubstringsMatch", SCHEMA_MATCH_NUMERIC_STRING, SYN(58) },
	{ "2.5.13.11", "caseIgnoreListMatch", SCHEMA_MATCH_CASE_IGNORE, SYN(41) },
	{ "2.5.13.12", "caseIgnoreListSubstringsMatch", SCHEMA_MATCH_CASE_IGNORE, SYN(58) },
	{ "2.5.13.13", "booleanMatch", SCHEMA_MATCH_BOOLEAN, SYN(7) },
	{ "2.5.13.14", "integerMatch", SCHEMA_MATCH_INTEGER, SYN(27) },
	{ "2.5.13.15", "integerOrderingMatch", SCHEMA_MATCH_INTEGER, SYN(27) },
	{ "2.5.13.16", "bitStringMatch", SCHEMA_MATCH_OCTET, SYN(6) },
	{ "2.5.13.17", "octetStringMatch", SCHEMA_MATCH_OCTET, SYN(40) },
	{ "2.5.13.18", "octetStringOrderingMatch", SCHEMA_MATCH_OCTET, SYN(40) },
	{ "2.5.13.20", "telephoneNumberMatch", SCHEMA_MATCH_TELEPHONE, SYN(50) },
	{ "2.5.13.21", "telephoneNumberSubstringsMatch", SCHEMA_MATCH_TELEPHONE, SYN(58) },
	{ "2.5.13.23", "uniqueMemberMatch", SCHEMA_MATCH_DN, SYN(34) },
	{ "2.5.13.27", "generalizedTimeMatch", SCHEMA_MATCH_GENTIME, SYN(24) },
	{ "2.5.13.28", "generalizedTimeOrderingMatch", SCHEMA_MATCH_GENTIME, SYN(24) },
	{ "2.5.13.29", "integerFirstComponentMatch", SCHEMA_MATCH_INTEGER, SYN(27) },
	{ "2.5.13.30", "objectIdentifierFirstComponentMatch", SCHEMA_MATCH_OID, SYN(38) },
	{ "1.3.6.1.4.1.1466.109.114.1", "caseExactIA5Match", SCHEMA_MATCH_CASE_EXACT, SYN(26) },
	{ "1.3.6.1.4.1.1466.109.114.2", "caseIgnoreIA5Match", SCHEMA_MATCH_CASE_IGNORE, SYN(26) },
	{ "1.3.6.1.4.1.1466.109.114.3", "caseIgnoreIA5SubstringsMatch", SCHEMA_MATCH_CASE_IGNORE,
	    SYN(58) },
	{ "1.3.6.1.1.16.2", "uuidMatch", SCHEMA_MATCH_CASE_IGNORE, "1.3.6.1.1.16.1" },
	{ "1.3.6.1.1.16.3", "uuidOrderingMatch", SCHEMA_MATCH_CASE_IGNORE, "1.3.6.1.1.16.1" },
};
const size_t schema_builtin_nmrules =
    sizeof(schema_builtin_mrules) / sizeof(schema_builtin_mrules[0]);

const schema_syntax *
schema_builtin_syntax(const char *oid, size_t len)
{
	for (size_t i = 0; i < schema_builtin_nsyntaxes; i++) {
		const schema_syntax *sx = &schema_builtin_syntaxes[i];
		if (strlen(sx->oid) == len && memcmp(sx->oid, oid, len) == 0)
			return sx;
	}
	return NULL;
}

/* snprintf into out, but 0 (not a truncated string) when it does not fit. */
static size_t
fits(int n, size_t cap)
{
	return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}

size_t
schema_syntax_text(const schema_syntax *sx, char *out, size_t cap)
{
	return fits(snprintf(out, cap, "( %s DESC '%s' )", sx->oid, sx->desc), cap);
}

size_t
schema_mrule_text(const schema_mrule *mr, char *out, size_t cap)
{
	return fits(snprintf(out, cap, "( %s NAME '%s' SYNTAX %s )", mr->oid, mr->name,
	    mr->syntax_oid), cap);
}
