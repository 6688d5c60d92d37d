/*
 * store_key.c - the byte strings the store's indexes are keyed by.
 *
 * DN keys put the RDNs of a normalised DN root first, joined by DNKEY_SEP
 * (0x01), so "cn=a,ou=x,o=y" becomes "o=y" 01 "ou=x" 01 "cn=a".  A subtree
 * is then one contiguous key range: the base key itself followed by every
 * key that starts with base key + 0x01.  The RDN boundaries are the
 * unescaped commas of the ndn (a backslash escapes the next byte, so
 * "cn=a\,b" is one RDN).  RFC 4514 escaping leaves control bytes raw, so a
 * byte <= 0x02 inside an RDN is written as DNKEY_ESC (0x02) followed by the
 * byte + 3: the separator can never appear inside an RDN, and no key
 * contains 0x00, which keeps "base key + 0x02" a bound past the subtree.
 *
 * Equality-index keys are attribute key, 0x00, folded value (ASCII
 * lowercase, leading and trailing spaces dropped, inner runs of spaces
 * squeezed to one), cut to STORE_KEY_MAX bytes.  Cutting a long value only
 * makes the index return more candidates, never fewer, because queries are
 * folded and cut the same way; callers test every candidate anyway.
 */
#include "store/store_int.h"

/* Length of the RDN starting at ndn[i] and how many of its bytes need escaping. */
static size_t
rdn_scan(const char *ndn, size_t len, size_t i, size_t *nesc)
{
	size_t start = i;

	*nesc = 0;
	while (i < len && ndn[i] != ',') {
		if ((uint8_t)ndn[i] <= DNKEY_ESC)
			(*nesc)++;
		if (ndn[i] == '\\' && i + 1 < len) {
			i++;
			if ((uint8_t)ndn[i] <= DNKEY_ESC)
				(*nesc)++;
		}
		i++;
	}
	return i - start;
}

static uint8_t *
rdn_put(uint8_t *p, const char *rdn, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)rdn[i];

		if (c <= DNKEY_ESC) {
			*p++ = DNKEY_ESC;
			c += 3;
		}
		*p++ = c;
	}
	return p;
}

/*
 * Writes the DN key of ndn into out (cap bytes).  The RDNs are met left to
 * right but belong right to left in the key, so each one is placed
 * backwards from the end of the key, whose total size is known up front.
 * Returns the key length (0 for the empty DN) or -1 if over cap.
 */
long
store_dn_key(const char *ndn, size_t len, uint8_t *out, size_t cap)
{
	size_t total = len, nesc, i;

	for (i = 0; i < len;) {
		size_t n = rdn_scan(ndn, len, i, &nesc);
		total += nesc;
		i += n + 1;
	}
	if (total > cap)
		return -1;

	size_t w = total;
	for (i = 0; i <= len;) {
		size_t n = rdn_scan(ndn, len, i, &nesc);
		w -= n + nesc;
		rdn_put(out + w, ndn + i, n);
		i += n + 1;
		if (i > len)
			break;
		out[--w] = DNKEY_SEP;
	}
	return (long)total;
}

/* Length of the parent's key: everything before the last separator. */
size_t
store_dn_parent_len(const uint8_t *key, size_t len, bool *has_parent)
{
	for (size_t i = len; i > 0; i--) {
		if (key[i - 1] == DNKEY_SEP) {
			*has_parent = true;
			return i - 1;
		}
	}
	*has_parent = false;
	return 0;
}

size_t
store_fold(const uint8_t *v, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;
	bool space = false;

	for (size_t i = 0; i < len && n < cap; i++) {
		uint8_t c = v[i];

		if (c == ' ') {
			space = n > 0;
			continue;
		}
		if (space) {
			out[n++] = ' ';
			space = false;
			if (n == cap)
				break;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[n++] = c;
	}
	return n;
}

bool
store_attr_key_ok(const char *akey, size_t alen)
{
	return alen > 0 && alen <= STORE_ATTR_MAX && memchr(akey, 0, alen) == NULL;
}

/* Writes attr key 0x00 folded value into out (STORE_KEY_MAX bytes); -1 for a bad key. */
long
store_index_key(const char *akey, size_t alen, const void *v, size_t vlen, uint8_t *out)
{
	if (!store_attr_key_ok(akey, alen))
		return -1;
	memcpy(out, akey, alen);
	out[alen] = 0;
	return (long)(alen + 1 + store_fold(v, vlen, out + alen + 1, STORE_KEY_MAX - alen - 1));
}

void
store_expiry_key(uint64_t expires, uint64_t id, uint8_t out[16])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(expires >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(id >> (56 - 8 * i));
	}
}

uint64_t
store_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}
