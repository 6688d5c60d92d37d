/*
 * schema_syntax.c - value syntax checks (RFC 4517 section 3.3) and the
 * parsers that matching shares with them (integers, generalized time).
 *
 * Directory String, Octet String and the other free-form syntaxes accept
 * any bytes, the empty string included: NetMeeting writes ISO-8859-1 names
 * and empty values, and an ILS server must store them untouched.
 */
#include "schema_int.h"

#include <string.h>

#include "ldap/dn.h"

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Strict: RFC 4517 INTEGER exactly ("0", "-5", no leading zeros, no "-0").
 * Lenient (for matching): also blanks around, '+', leading zeros, "-0".
 */
bool
schema_parse_integer(ber_slice v, bool strict, sint *out)
{
	const uint8_t *p = v.p, *end = v.p + v.len;

	if (!strict) {
		while (p < end && *p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
	}
	out->neg = false;
	if (p < end && (*p == '-' || (!strict && *p == '+'))) {
		out->neg = *p == '-';
		p++;
	}
	if (p == end)
		return false;
	for (const uint8_t *q = p; q < end; q++)
		if (!is_digit(*q))
			return false;
	if (strict && *p == '0' && (end - p > 1 || out->neg))
		return false;
	while (p < end && *p == '0')
		p++;
	out->digits = p;
	out->len = (size_t)(end - p);
	if (out->len == 0)
		out->neg = false;
	return true;
}

static bool
two_digits(const uint8_t *p, int lo, int hi, int *out)
{
	if (!is_digit(p[0]) || !is_digit(p[1]))
		return false;
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	return *out >= lo && *out <= hi;
}

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* g-fraction: up to nanosecond precision of `unit` seconds; further digits truncated. */
static const uint8_t *
fraction(const uint8_t *p, const uint8_t *end, int64_t unit, stime *t)
{
	uint64_t ns = 0, scale = 100000000;

	if (p == end || !is_digit(*p))
		return NULL;
	for (; p < end && is_digit(*p); p++) {
		ns += (uint64_t)(*p - '0') * scale;
		scale /= 10;
	}
	uint64_t total = ns * (uint64_t)unit;
	t->secs += (int64_t)(total / 1000000000u);
	t->nanos = (uint32_t)(total % 1000000000u);
	return p;
}

/*
 * GeneralizedTime (RFC 4517 3.3.13): YYYYMMDDHH[MM[SS]][(.|,)frac]
 * followed by Z or a +hh[mm] / -hh[mm] offset.  Result in UTC.
 */
bool
schema_parse_gentime(ber_slice v, stime *out)
{
	const uint8_t *p = v.p, *end = v.p + v.len;
	int y1, y2, mon, day, hour, min = 0, sec = 0;
	int64_t unit = 3600;

	if (v.len < 11 || !two_digits(p, 0, 99, &y1) || !two_digits(p + 2, 0, 99, &y2) ||
	    !two_digits(p + 4, 1, 12, &mon) || !two_digits(p + 6, 1, 31, &day) ||
	    !two_digits(p + 8, 0, 23, &hour))
		return false;
	int year = y1 * 100 + y2;
	if (day > days_in_month(year, mon))
		return false;
	p += 10;
	if (end - p >= 2 && is_digit(*p)) {
		if (!two_digits(p, 0, 59, &min))
			return false;
		p += 2;
		unit = 60;
		if (end - p >= 2 && is_digit(*p)) {
			if (!two_digits(p, 0, 60, &sec))
				return false;
			p += 2;
			unit = 1;
		}
	}
	out->secs = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	out->nanos = 0;
	if (p < end && (*p == '.' || *p == ',') && (p = fraction(p + 1, end, unit, out)) == NULL)
		return false;
	if (p == end)
		return false;
	if (*p == 'Z')
		return p + 1 == end;
	if (*p != '+' && *p != '-')
		return false;
	int sign = *p == '+' ? 1 : -1, oh, om = 0;
	p++;
	if (end - p < 2 || !two_digits(p, 0, 23, &oh))
		return false;
	p += 2;
	if (end - p == 2 && !two_digits(p, 0, 59, &om))
		return false;
	if (end - p != 0 && end - p != 2)
		return false;
	out->secs -= sign * (oh * 3600 + om * 60);
	return true;
}

/* numericoid = number 1*( DOT number ), number without leading zeros. */
bool
schema_valid_numericoid(const char *s, size_t len)
{
	size_t arcs = 0, i = 0;

	while (i < len) {
		size_t start = i;
		while (i < len && is_digit((uint8_t)s[i]))
			i++;
		if (i == start || (s[start] == '0' && i - start > 1))
			return false;
		arcs++;
		if (i == len)
			break;
		if (s[i] != '.' || i + 1 == len)
			return false;
		i++;
	}
	return arcs >= 2;
}

/* descr = ALPHA *( ALPHA / DIGIT / HYPHEN ). */
bool
schema_valid_descr(const char *s, size_t len)
{
	if (len == 0 || !is_alpha((uint8_t)s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return false;
	}
	return true;
}

bool
schema_valid_oid(const char *s, size_t len)
{
	return schema_valid_descr(s, len) || schema_valid_numericoid(s, len);
}

static bool
printable_char(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("'()+,-./:=? ", c) != NULL);
}

static bool
valid_dn(ber_slice v)
{
	arena a;
	dn d;

	if (v.len > DN_MAX_LEN)
		return false;
	arena_init(&a, 2048, 256 * 1024);
	bool ok = dn_parse((const char *)v.p, v.len, DN_STRICT, &a, &d) == 0;
	arena_free(&a);
	return ok;
}

static bool
all_bytes(ber_slice v, bool (*ok)(uint8_t))
{
	for (size_t i = 0; i < v.len; i++)
		if (!ok(v.p[i]))
			return false;
	return true;
}

static bool
numeric_char(uint8_t c)
{
	return is_digit(c) || c == ' ';
}

static bool
ia5_char(uint8_t c)
{
	return c < 0x80;
}

static bool
bytes_equal(ber_slice v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

bool
schema_value_valid(const schema_attr *at, ber_slice v)
{
	sint i;
	stime t;

	if (at == NULL || at->syntax == NULL)
		return true;
	switch (at->syntax->check) {
	case SCHEMA_SYNTAX_INTEGER:
		return schema_parse_integer(v, true, &i);
	case SCHEMA_SYNTAX_BOOLEAN:
		return bytes_equal(v, "TRUE") || bytes_equal(v, "FALSE");
	case SCHEMA_SYNTAX_DN:
		return valid_dn(v);
	case SCHEMA_SYNTAX_GENTIME:
		return schema_parse_gentime(v, &t);
	case SCHEMA_SYNTAX_OID:
		return schema_valid_oid((const char *)v.p, v.len);
	case SCHEMA_SYNTAX_NUMERIC_STRING:
		return v.len > 0 && all_bytes(v, numeric_char);
	case SCHEMA_SYNTAX_PRINTABLE_STRING:
		return v.len > 0 && all_bytes(v, printable_char);
	case SCHEMA_SYNTAX_IA5_STRING:
		return all_bytes(v, ia5_char);
	default:
		return true;
	}
}
