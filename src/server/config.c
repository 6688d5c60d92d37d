/*
 * config.c - parsing and checking of ilsd's configuration.
 *
 * One table describes every key: its type, bounds, default and help line.
 * The file parser, the command-line parser, --help and the defaults all
 * read that table, so a key is added in exactly one place.
 */
#include "server/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/policy.h"
#include "util/log.h"

enum key_type {
	K_STR,		/* string, may be empty if min == 0 */
	K_BOOL,
	K_UINT,		/* unsigned integer within [min, max] */
	K_INT64,	/* int64_t within [min, max] */
	K_SIZE,		/* bytes with optional K/M/G suffix, within [min, max] */
	K_LOGLEVEL,
	K_LISTEN,	/* repeatable */
	K_LIST,		/* repeatable, whitespace/comma separated attribute names */
	K_LDAPS,	/* repeatable, like K_LISTEN, for LDAPS */
	K_RULE,		/* repeatable, one access rule per value */
};

typedef struct key_def {
	const char *name;
	int type;
	size_t offset;
	uint64_t min, max;
	const char *def;	/* default as text (NULL: decided in config_finish) */
	const char *help;
} key_def;

#define OFF(f) offsetof(ilsd_config, f)
#define KIB 1024ULL
#define MIB (1024ULL * 1024)
#define GIB (1024ULL * 1024 * 1024)

static const key_def keys[] = {
	{ "listen", K_LISTEN, 0, 0, 0, NULL,
	    "HOST:PORT to listen on, repeatable (default 0.0.0.0:1002 and 0.0.0.0:389)" },
	{ "data-dir", K_STR, OFF(data_dir), 1, 0, "./data", "directory of the LMDB store" },
	{ "schema-dir", K_STR, OFF(schema_dir), 1, 0, NULL,
	    "directory of *.schema files (default: the installed schema)" },
	{ "foreground", K_BOOL, OFF(foreground), 0, 0, "false",
	    "stay in the foreground and log to stderr" },
	{ "log-level", K_LOGLEVEL, OFF(log_level), 0, 0, "info",
	    "error, warn, info, debug or trace" },
	{ "pid-file", K_STR, OFF(pid_file), 0, 0, "", "write the process ID here (empty: none)" },
	{ "admin-dn", K_STR, OFF(admin_dn), 1, 0, "cn=admin,o=Intranet",
	    "DN of the administrator" },
	{ "admin-password-file", K_STR, OFF(admin_password_file), 0, 0, "",
	    "file holding the administrator's password (empty: no administrator)" },
	{ "suffix", K_STR, OFF(suffix), 1, 0, "o=Intranet", "naming context served" },
	{ "threads", K_UINT, OFF(threads), 1, CONFIG_MAX_THREADS, NULL,
	    "event-loop threads (default: one per CPU)" },
	{ "max-pdu-size", K_SIZE, OFF(max_pdu_size), 1 * KIB, 256 * MIB, "1M",
	    "largest request accepted, bytes" },
	{ "max-connections", K_UINT, OFF(max_connections), 1, 1000000, "10000",
	    "connections open at once" },
	{ "max-connections-per-ip", K_UINT, OFF(max_connections_per_ip), 0, 1000000, "256",
	    "connections open at once from one address (0: no limit)" },
	{ "idle-timeout", K_UINT, OFF(idle_timeout), 0, 86400 * 7, "900",
	    "seconds without traffic before a connection is closed (0: never)" },
	{ "max-ops-per-connection", K_UINT, OFF(max_ops_per_connection), 1, 10000, "64",
	    "searches running at once on one connection" },
	{ "size-limit", K_INT64, OFF(size_limit), 0, INT32_MAX, "0",
	    "most entries one search returns (0: no limit)" },
	{ "time-limit", K_INT64, OFF(time_limit), 0, 86400, "60",
	    "most seconds one search runs (0: no limit)" },
	{ "write-buffer-high-water", K_SIZE, OFF(write_buffer_high_water), 4 * KIB, 64 * MIB,
	    "256K", "pending output per connection at which searches pause, bytes" },
	{ "ttl-default", K_INT64, OFF(ttl_default), 1, INT32_MAX, "600",
	    "time to live of a dynamic entry, seconds" },
	{ "ttl-min", K_INT64, OFF(ttl_min), 1, INT32_MAX, "60", "smallest TTL granted, seconds" },
	{ "ttl-max", K_INT64, OFF(ttl_max), 1, INT32_MAX, "86400", "largest TTL granted, seconds" },
	{ "sync", K_BOOL, OFF(sync), 0, 0, "true",
	    "flush every commit to disk (false: flush every sync-interval)" },
	{ "sync-interval", K_UINT, OFF(sync_interval), 1, 3600, "1",
	    "seconds between flushes when sync is false" },
	{ "group-commit", K_BOOL, OFF(group_commit), 0, 0, "true",
	    "commit the writes of one event-loop round together" },
	{ "group-commit-max", K_UINT, OFF(group_commit_max), 1, 100000, "256",
	    "most writes in one group commit" },
	{ "map-size", K_SIZE, OFF(map_size), 1 * MIB, 1024 * GIB, "1G",
	    "LMDB map size, bytes (grown when full)" },
	{ "sweep-interval", K_UINT, OFF(sweep_interval), 10, 3600000, "1000",
	    "milliseconds between sweeps of expired entries" },
	{ "sweep-batch", K_UINT, OFF(sweep_batch), 1, 1000000, "1000",
	    "most expired entries deleted per sweep" },
	{ "sweep-slice", K_UINT, OFF(sweep_slice_us), 0, 1000000, "500",
	    "most microseconds one sweep runs before letting requests in (0: no bound)" },
	{ "index", K_LIST, 0, 0, 0, NULL,
	    "attributes with an equality index (default: objectClass cn uid applicationID protocolID)" },
	/* TLS, SASL, access and abuse limits: docs/security.md */
	{ "ldaps-listen", K_LDAPS, 0, 0, 0, NULL,
	    "HOST:PORT for LDAPS, repeatable (default 0.0.0.0:636 once tls-cert-file is set)" },
	{ "tls-cert-file", K_STR, OFF(tls_cert_file), 0, 0, "",
	    "PEM certificate chain (empty: no TLS)" },
	{ "tls-key-file", K_STR, OFF(tls_key_file), 0, 0, "", "PEM private key of the certificate" },
	{ "tls-ca-file", K_STR, OFF(tls_ca_file), 0, 0, "",
	    "PEM CAs for client certificates (SASL EXTERNAL; empty: none)" },
	{ "tls-ciphers", K_STR, OFF(tls_ciphers), 0, 0, "",
	    "TLS 1.2 cipher list (empty: forward-secret AEAD suites)" },
	{ "tls-ciphersuites", K_STR, OFF(tls_ciphersuites), 0, 0, "",
	    "TLS 1.3 suites (empty: OpenSSL's three)" },
	{ "tls-min-version", K_STR, OFF(tls_min_version), 1, 0, "1.2", "1.2 or 1.3" },
	{ "allow-plaintext-password", K_BOOL, OFF(allow_plaintext_password), 0, 0, "false",
	    "accept simple binds with a password on connections without TLS" },
	{ "sasl-db", K_STR, OFF(sasl_db), 0, 0, "",
	    "Cyrus sasldb file of SASL accounts (default: DATA-DIR/sasldb2)" },
	{ "sasl-mechs", K_STR, OFF(sasl_mechs), 0, 0, "",
	    "SASL mechanisms offered (default: SCRAM-SHA-512 SCRAM-SHA-256 SCRAM-SHA-1 EXTERNAL NTLM PLAIN)" },
	{ "sasl-realm", K_STR, OFF(sasl_realm), 0, 0, "",
	    "SASL user realm (default: sasl-host)" },
	{ "sasl-host", K_STR, OFF(sasl_host), 0, 0, "", "server name for SASL (default: host name)" },
	{ "sasl-dn-template", K_STR, OFF(sasl_dn_template), 0, 0, "",
	    "DN of a SASL identity: %u user, %r realm, %m mechanism (default: uid=%u,cn=%r,cn=auth)" },
	{ "user", K_STR, OFF(user), 0, 0, "", "run as this user once the ports are bound" },
	{ "group", K_STR, OFF(group), 0, 0, "", "run as this group (default: the user's)" },
	{ "anonymous-read", K_BOOL, OFF(anonymous_read), 0, 0, "true",
	    "anonymous clients may search and compare" },
	{ "anonymous-register", K_BOOL, OFF(anonymous_register), 0, 0, "true",
	    "anonymous clients may register (add dynamic entries they then own)" },
	{ "access", K_RULE, 0, 0, 0, NULL,
	    "access rule \"SUBTREE by WHO RIGHTS\", repeatable, first match wins" },
	{ "max-registrations-per-ip", K_UINT, OFF(max_registrations_per_ip), 0, 100000000, "128",
	    "dynamic entries one address (or identity) may hold (0: no limit)" },
	{ "max-entries", K_INT64, OFF(max_entries), 0, INT64_MAX, "2000000",
	    "entries in the directory at most (0: no limit)" },
	{ "connection-rate-per-ip", K_UINT, OFF(connection_rate_per_ip), 0, 1000000, "20",
	    "new connections per second from one address (0: no limit)" },
	{ "connection-burst-per-ip", K_UINT, OFF(connection_burst_per_ip), 1, 1000000, "100",
	    "new connections from one address at once" },
	{ "bind-rate-per-ip", K_UINT, OFF(bind_rate_per_ip), 0, 1000000, "20",
	    "binds per second from one address (0: no limit)" },
	{ "bind-burst-per-ip", K_UINT, OFF(bind_burst_per_ip), 1, 1000000, "100",
	    "binds from one address at once" },
	{ "add-rate-per-ip", K_UINT, OFF(add_rate_per_ip), 0, 1000000, "10",
	    "adds per second from one address (0: no limit)" },
	{ "add-burst-per-ip", K_UINT, OFF(add_burst_per_ip), 1, 1000000, "50",
	    "adds from one address at once" },
	{ "failed-bind-delay", K_UINT, OFF(failed_bind_delay), 0, 60000, "100",
	    "milliseconds the second failed bind from an address is held, doubling (0: never)" },
	{ "failed-bind-delay-max", K_UINT, OFF(failed_bind_delay_max), 0, 600000, "5000",
	    "longest hold of a failed bind, milliseconds" },
	{ "max-value-size", K_SIZE, OFF(max_value_size), 0, 256 * MIB, "8K",
	    "bytes in one attribute value (0: no limit)" },
	{ "max-values-per-attribute", K_UINT, OFF(max_values_per_attribute), 0, 1000000, "64",
	    "values of one attribute (0: no limit)" },
	{ "max-attributes-per-entry", K_UINT, OFF(max_attributes_per_entry), 0, 1000000, "64",
	    "attributes of one entry (0: no limit)" },
	{ "word-filter-file", K_STR, OFF(word_filter_file), 0, 0, "",
	    "words refused in names and text, one per line (empty: none)" },
	{ "limit-exempt", K_STR, OFF(limit_exempt), 0, 0, "127.0.0.0/8 ::1",
	    "addresses or prefixes the per-address limits spare (empty: none)" },
	{ "limit-ipv6-prefix", K_UINT, OFF(limit_ipv6_prefix), 1, 128, "64",
	    "bits of an IPv6 address that make one client for the limits" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= CONFIG_NKEYS, "raise CONFIG_NKEYS");

static const char *const default_listen[] = { "0.0.0.0:1002", "0.0.0.0:389" };
static const char *const default_index[] = { "objectClass", "cn", "uid", "applicationID",
	"protocolID" };

enum { SET_DEFAULT = 0, SET_FILE = 1, SET_CLI = 2 };

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const key_def *
find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static size_t
key_index(const key_def *k)
{
	return (size_t)(k - keys);
}

static int
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* Decimal digits only: no sign, no spaces, no hex, no overflow. */
static int
parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

/* "512", "64K", "1M", "2G", "4KiB" (binary multiples); returns -1 if malformed. */
static int
parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, mult = 1;

	if (parse_u64(s, &v, &end) < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mult = KIB;
		break;
	case 'M':
		mult = MIB;
		break;
	case 'G':
		mult = GIB;
		break;
	default:
		return -1;
	}
	if (*end != '\0') {
		end++;
		if (strcasecmp(end, "iB") != 0 && strcasecmp(end, "B") != 0 && *end != '\0')
			return -1;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
config_parse_listen(const char *s, listen_addr *out, const char **why)
{
	char host[64];
	const char *colon, *port_text;
	size_t hlen;
	uint64_t port;
	const char *end;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(out->text))
		return *why = "address too long", -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return *why = "expected [IPV6]:PORT", -1;
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return *why = "bad IPv6 address", -1;
		memcpy(host, s + 1, hlen);
		port_text = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return *why = "expected HOST:PORT", -1;
		hlen = (size_t)(colon - s);
		if (hlen == 0 || hlen >= sizeof(host) || memchr(s, ':', hlen) != NULL)
			return *why = "expected HOST:PORT (write IPv6 as [ADDR]:PORT)", -1;
		memcpy(host, s, hlen);
		port_text = colon + 1;
	}
	host[hlen] = '\0';
	if (parse_u64(port_text, &port, &end) < 0 || *end != '\0' || port == 0 || port > 65535)
		return *why = "port must be a number from 1 to 65535", -1;

	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return *why = "bad IPv6 address", -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		out->sslen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
		const char *h = strcmp(host, "*") == 0 ? "0.0.0.0" :
		    strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
		if (inet_pton(AF_INET, h, &sin->sin_addr) != 1)
			return *why = "host must be a numeric IPv4 address, * or localhost", -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		out->sslen = sizeof(*sin);
	}
	out->port = (uint16_t)port;
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
}

/* Attribute descriptions: letters, digits, '-', '.' and ';' options. */
static bool
attr_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != ';')
			return false;
	return true;
}

static void
clear_access(ilsd_config *c)
{
	for (size_t i = 0; i < c->naccess; i++)
		free(c->access[i]);
	c->naccess = 0;
}

/* listen and ldaps-listen: no address twice in one list. */
static int
add_listen(listen_addr *list, size_t *n, const char *key, const char *value, const char *where,
    char *err, size_t errlen)
{
	const char *why;

	if (*n == CONFIG_MAX_LISTEN)
		return fail(err, errlen, "%s: more than %d %s addresses", where, CONFIG_MAX_LISTEN,
		    key);
	if (config_parse_listen(value, &list[*n], &why) < 0)
		return fail(err, errlen, "%s: %s \"%s\": %s", where, key, value, why);
	for (size_t i = 0; i < *n; i++)
		if (list[i].sslen == list[*n].sslen && memcmp(&list[i].ss, &list[*n].ss,
		    list[i].sslen) == 0)
			return fail(err, errlen, "%s: %s \"%s\" given twice", where, key, value);
	(*n)++;
	return 0;
}

static void
clear_index(ilsd_config *c)
{
	for (size_t i = 0; i < c->nindex; i++)
		free(c->index[i]);
	c->nindex = 0;
}

static int
add_index(ilsd_config *c, const char *value, const char *where, char *err, size_t errlen)
{
	const char *p = value;

	while (*p != '\0') {
		size_t n;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t,");
		if (!attr_name_ok(p, n))
			return fail(err, errlen, "%s: index: bad attribute name \"%.*s\"", where,
			    (int)(n > 64 ? 64 : n), p);
		if (c->nindex == CONFIG_MAX_INDEX)
			return fail(err, errlen, "%s: index: more than %d attributes", where,
			    CONFIG_MAX_INDEX);
		c->index[c->nindex] = strndup(p, n);
		if (c->index[c->nindex] == NULL)
			return fail(err, errlen, "%s: out of memory", where);
		c->nindex++;
		p += n;
	}
	return 0;
}

static int
set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Parses value for key k into c; err gets "where: message". */
static int
set_value(ilsd_config *c, const key_def *k, const char *value, const char *where, char *err,
    size_t errlen)
{
	char *base = (char *)c;
	uint64_t u;
	const char *why;
	bool b;
	int lvl;

	switch (k->type) {
	case K_STR:
		if (k->min > 0 && value[0] == '\0')
			return fail(err, errlen, "%s: %s must not be empty", where, k->name);
		if (set_string((char **)(base + k->offset), value) < 0)
			return fail(err, errlen, "%s: out of memory", where);
		return 0;
	case K_BOOL:
		if (parse_bool(value, &b) < 0)
			return fail(err, errlen, "%s: %s must be true or false, not \"%s\"", where,
			    k->name, value);
		*(bool *)(base + k->offset) = b;
		return 0;
	case K_UINT:
	case K_INT64: {
		const char *end;
		if (parse_u64(value, &u, &end) < 0 || *end != '\0' || u < k->min || u > k->max)
			return fail(err, errlen, "%s: %s must be an integer from %llu to %llu, not \"%s\"",
			    where, k->name, (unsigned long long)k->min, (unsigned long long)k->max,
			    value);
		if (k->type == K_UINT)
			*(unsigned *)(base + k->offset) = (unsigned)u;
		else
			*(int64_t *)(base + k->offset) = (int64_t)u;
		return 0;
	}
	case K_SIZE:
		if (parse_size(value, &u) < 0)
			return fail(err, errlen, "%s: %s must be a size in bytes such as 65536, 64K or 1M, "
			    "not \"%s\"", where, k->name, value);
		if (u < k->min || u > k->max)
			return fail(err, errlen, "%s: %s must be from %llu to %llu bytes, not %llu", where,
			    k->name, (unsigned long long)k->min, (unsigned long long)k->max,
			    (unsigned long long)u);
		*(uint64_t *)(base + k->offset) = u;
		return 0;
	case K_LOGLEVEL:
		lvl = log_level_parse(value);
		if (lvl < 0)
			return fail(err, errlen, "%s: log-level must be error, warn, info, debug or trace, "
			    "not \"%s\"", where, value);
		c->log_level = lvl;
		return 0;
	case K_LISTEN:
		if (c->nlisten == CONFIG_MAX_LISTEN)
			return fail(err, errlen, "%s: more than %d listen addresses", where,
			    CONFIG_MAX_LISTEN);
		if (config_parse_listen(value, &c->listen[c->nlisten], &why) < 0)
			return fail(err, errlen, "%s: listen \"%s\": %s", where, value, why);
		for (size_t i = 0; i < c->nlisten; i++)
			if (c->listen[i].sslen == c->listen[c->nlisten].sslen &&
			    memcmp(&c->listen[i].ss, &c->listen[c->nlisten].ss, c->listen[i].sslen) == 0)
				return fail(err, errlen, "%s: listen \"%s\" given twice", where, value);
		c->nlisten++;
		return 0;
	case K_LIST:
		return add_index(c, value, where, err, errlen);
	case K_LDAPS:
		return add_listen(c->ldaps_listen, &c->nldaps_listen, k->name, value, where, err,
		    errlen);
	case K_RULE:
		if ((why = policy_check_rule(value)) != NULL)
			return fail(err, errlen, "%s: access \"%s\": %s", where, value, why);
		if (c->naccess == CONFIG_MAX_ACCESS)
			return fail(err, errlen, "%s: more than %d access rules", where,
			    CONFIG_MAX_ACCESS);
		if ((c->access[c->naccess] = strdup(value)) == NULL)
			return fail(err, errlen, "%s: out of memory", where);
		c->naccess++;
		return 0;
	}
	return fail(err, errlen, "%s: internal error", where);
}

void
config_init(ilsd_config *c)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	c->threads = 0;		/* decided in config_finish */
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].def == NULL)
			continue;
		/* The defaults are constants checked by the unit tests; they cannot fail. */
		if (set_value(c, &keys[i], keys[i].def, "default", err, sizeof(err)) < 0)
			abort();
		snprintf(c->origin[i], CONFIG_ORIGIN_LEN, "default");
	}
}

void
config_free(ilsd_config *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR)
			free(*(char **)((char *)c + keys[i].offset));
	clear_index(c);
	clear_access(c);
	memset(c, 0, sizeof(*c));
}

int
config_set(ilsd_config *c, const char *key, const char *value, const char *where,
    bool from_cli, char *err, size_t errlen)
{
	const key_def *k = find_key(key, strlen(key));
	size_t i;
	bool repeatable;

	if (k == NULL)
		return fail(err, errlen, "%s: unknown key \"%s\"", where, key);
	i = key_index(k);
	repeatable = k->type == K_LISTEN || k->type == K_LIST || k->type == K_LDAPS ||
	    k->type == K_RULE;
	if (!from_cli && c->set_by[i] == SET_CLI)
		return 0;	/* the command line already decided */
	if (!from_cli && c->set_by[i] == SET_FILE && !repeatable)
		return fail(err, errlen, "%s: %s given twice (first at %s)", where, key, c->origin[i]);
	if (repeatable && c->set_by[i] != (from_cli ? SET_CLI : SET_FILE)) {
		/* First value from this source replaces the earlier source's list. */
		if (k->type == K_LISTEN)
			c->nlisten = 0;
		else if (k->type == K_LDAPS)
			c->nldaps_listen = 0;
		else if (k->type == K_RULE)
			clear_access(c);
		else
			clear_index(c);
	}
	if (set_value(c, k, value, where, err, errlen) < 0)
		return -1;
	c->set_by[i] = from_cli ? SET_CLI : SET_FILE;
	snprintf(c->origin[i], CONFIG_ORIGIN_LEN, "%s", where);
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Handles one line (NUL-terminated, no newline) of a configuration file. */
static int
parse_line(ilsd_config *c, const char *name, unsigned lineno, char *line, char *err,
    size_t errlen)
{
	char where[CONFIG_ORIGIN_LEN];
	char *p = trim(line), *eq, *key, *value;

	snprintf(where, sizeof(where), "%s:%u", name, lineno);
	if (*p == '\0' || *p == '#')
		return 0;
	/* A comment may follow a value after white space: "threads = 2  # two". */
	for (char *h = strchr(p, '#'); h != NULL; h = strchr(h + 1, '#')) {
		if (h[-1] == ' ' || h[-1] == '\t') {
			*h = '\0';
			break;
		}
	}
	eq = strchr(p, '=');
	if (eq == NULL)
		return fail(err, errlen, "%s: expected \"key = value\"", where);
	*eq = '\0';
	key = trim(p);
	value = trim(eq + 1);
	if (*key == '\0')
		return fail(err, errlen, "%s: missing key before '='", where);
	return config_set(c, key, value, where, false, err, errlen);
}

int
config_load_text(ilsd_config *c, const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	char line[4096];
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n >= sizeof(line))
			return fail(err, errlen, "%s:%u: line longer than %zu bytes", name, lineno,
			    sizeof(line) - 1);
		if (memchr(text + pos, '\0', n) != NULL)
			return fail(err, errlen, "%s:%u: NUL byte in line", name, lineno);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (parse_line(c, name, lineno, line, err, errlen) < 0)
			return -1;
		pos += n + 1;
	}
	return 0;
}

int
config_load_file(ilsd_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t len;
	int rc;

	if (f == NULL)
		return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	buf = malloc(1024 * 1024 + 1);
	if (buf == NULL) {
		fclose(f);
		return fail(err, errlen, "%s: out of memory", path);
	}
	len = fread(buf, 1, 1024 * 1024 + 1, f);
	if (ferror(f)) {
		rc = fail(err, errlen, "%s: read error: %s", path, strerror(errno));
	} else if (len > 1024 * 1024) {
		rc = fail(err, errlen, "%s: larger than 1 MiB", path);
	} else {
		rc = config_load_text(c, path, buf, len, err, errlen);
	}
	free(buf);
	fclose(f);
	return rc;
}

/* Options that are not configuration keys. */
static bool
is_special(const char *arg)
{
	return strncmp(arg, "--config=", 9) == 0 || strcmp(arg, "--check-config") == 0 ||
	    strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 ||
	    strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0;
}

int
config_scan_args(int argc, char **argv, config_cli *cli, char *err, size_t errlen)
{
	memset(cli, 0, sizeof(*cli));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--config=", 9) == 0) {
			if (a[9] == '\0')
				return fail(err, errlen, "--config: a file name is required");
			cli->config_file = a + 9;
		} else if (strcmp(a, "--config") == 0) {
			return fail(err, errlen, "--config: write --config=FILE");
		} else if (strcmp(a, "--check-config") == 0) {
			cli->check_config = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli->help = true;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			cli->version = true;
		} else if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			return fail(err, errlen, "%s: unexpected argument (options are --key=value)", a);
		} else {
			size_t n = strcspn(a + 2, "=");
			const key_def *k = find_key(a + 2, n);
			if (k == NULL)
				return fail(err, errlen, "--%.*s: unknown option", (int)(n > 64 ? 64 : n),
				    a + 2);
			if (a[2 + n] == '\0' && k->type != K_BOOL)
				return fail(err, errlen, "--%s: a value is required (--%s=VALUE)", k->name,
				    k->name);
		}
	}
	return 0;
}

int
config_apply_args(ilsd_config *c, int argc, char **argv, char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char key[64], where[80];
		size_t n;
		const char *value;
		const key_def *k;

		if (is_special(a))
			continue;
		if (strncmp(a, "--", 2) != 0)
			return fail(err, errlen, "%s: unexpected argument", a);
		n = strcspn(a + 2, "=");
		if (n >= sizeof(key))
			return fail(err, errlen, "%.40s...: unknown option", a);
		memcpy(key, a + 2, n);
		key[n] = '\0';
		snprintf(where, sizeof(where), "--%s", key);
		k = find_key(key, n);
		if (k == NULL)
			return fail(err, errlen, "%s: unknown option", where);
		if (a[2 + n] == '=') {
			value = a + 3 + n;
		} else if (k->type == K_BOOL) {
			value = "true";
		} else {
			return fail(err, errlen, "%s: a value is required (%s=VALUE)", where, where);
		}
		/* On the command line a later single-valued option wins. */
		if (config_set(c, key, value, where, true, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The schema/ of the source tree when running from a build, else the installed one. */
static const char *
default_schema_dir(void)
{
#ifdef ILSD_SOURCE_SCHEMA_DIR
	if (is_dir(ILSD_SOURCE_SCHEMA_DIR))
		return ILSD_SOURCE_SCHEMA_DIR;
#endif
#ifdef ILSD_INSTALL_SCHEMA_DIR
	return ILSD_INSTALL_SCHEMA_DIR;
#else
	return "/usr/local/share/ilsd/schema";
#endif
}

static const char *
origin_of(const ilsd_config *c, const char *key)
{
	return c->origin[key_index(find_key(key, strlen(key)))];
}

/* TLS needs both files; LDAPS listens on 636 by default once it is configured. */
static int
finish_security(ilsd_config *c, char *err, size_t errlen)
{
	const char *why;
	bool tls = c->tls_cert_file[0] != '\0';

	if (tls != (c->tls_key_file[0] != '\0'))
		return fail(err, errlen, "%s: tls-cert-file and tls-key-file go together",
		    origin_of(c, tls ? "tls-cert-file" : "tls-key-file"));
	if (strcmp(c->tls_min_version, "1.2") != 0 && strcmp(c->tls_min_version, "1.3") != 0)
		return fail(err, errlen, "%s: tls-min-version must be 1.2 or 1.3, not \"%s\"",
		    origin_of(c, "tls-min-version"), c->tls_min_version);
	if (!tls && c->nldaps_listen > 0)
		return fail(err, errlen, "%s: ldaps-listen needs tls-cert-file and tls-key-file",
		    origin_of(c, "ldaps-listen"));
	if (!tls && c->tls_ca_file[0] != '\0')
		return fail(err, errlen, "%s: tls-ca-file needs tls-cert-file and tls-key-file",
		    origin_of(c, "tls-ca-file"));
	if (tls && c->nldaps_listen == 0 &&
	    config_parse_listen("0.0.0.0:636", &c->ldaps_listen[c->nldaps_listen++], &why) < 0)
		return fail(err, errlen, "default ldaps-listen: %s", why);
	if (c->sasl_db[0] == '\0') {
		size_t n = strlen(c->data_dir) + sizeof("/sasldb2");
		char *p = malloc(n);
		if (p == NULL)
			return fail(err, errlen, "out of memory");
		snprintf(p, n, "%s/sasldb2", c->data_dir);
		free(c->sasl_db);
		c->sasl_db = p;
	}
	if (c->failed_bind_delay > c->failed_bind_delay_max)
		return fail(err, errlen, "%s: failed-bind-delay (%u) is greater than "
		    "failed-bind-delay-max (%u)", origin_of(c, "failed-bind-delay"),
		    c->failed_bind_delay, c->failed_bind_delay_max);
	if (c->group[0] != '\0' && c->user[0] == '\0')
		return fail(err, errlen, "%s: group needs user", origin_of(c, "group"));
	return 0;
}

int
config_finish(ilsd_config *c, char *err, size_t errlen)
{
	const char *why;

	if (c->nlisten == 0) {
		for (size_t i = 0; i < sizeof(default_listen) / sizeof(default_listen[0]); i++)
			if (config_parse_listen(default_listen[i], &c->listen[c->nlisten++], &why) < 0)
				return fail(err, errlen, "default listen: %s", why);
	}
	if (c->set_by[key_index(find_key("index", 5))] == SET_DEFAULT && c->nindex == 0) {
		for (size_t i = 0; i < sizeof(default_index) / sizeof(default_index[0]); i++)
			if (add_index(c, default_index[i], "default", err, errlen) < 0)
				return -1;
	}
	if (c->schema_dir == NULL && set_string(&c->schema_dir, default_schema_dir()) < 0)
		return fail(err, errlen, "out of memory");
	if (c->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->threads = n < 1 ? 1 : n > CONFIG_MAX_THREADS ? CONFIG_MAX_THREADS : (unsigned)n;
	}
	if (finish_security(c, err, errlen) < 0)
		return -1;
	if (c->ttl_min > c->ttl_max)
		return fail(err, errlen, "%s: ttl-min (%lld) is greater than ttl-max (%lld)",
		    c->set_by[key_index(find_key("ttl-min", 7))] ? origin_of(c, "ttl-min") :
		    origin_of(c, "ttl-max"), (long long)c->ttl_min, (long long)c->ttl_max);
	if (c->ttl_default < c->ttl_min || c->ttl_default > c->ttl_max)
		return fail(err, errlen, "%s: ttl-default (%lld) must lie between ttl-min (%lld) "
		    "and ttl-max (%lld)", origin_of(c, "ttl-default"), (long long)c->ttl_default,
		    (long long)c->ttl_min, (long long)c->ttl_max);
	return 0;
}

void
config_usage(FILE *out)
{
	fprintf(out,
	    "usage: ilsd [--config=FILE] [--check-config] [--key=value ...]\n"
	    "       ilsd --help | --version\n\n"
	    "ILS-compatible dynamic LDAP directory server.\n\n"
	    "  --config=FILE     read settings from FILE (key = value lines)\n"
	    "  --check-config    validate the configuration and exit (0 valid, 1 not)\n"
	    "  --help, --version\n\n"
	    "Every configuration key is also an option --key=value:\n");
	for (size_t i = 0; i < NKEYS; i++) {
		char opt[64];
		snprintf(opt, sizeof(opt), "--%s=%s", keys[i].name,
		    keys[i].type == K_BOOL ? "BOOL" : keys[i].type == K_STR ? "TEXT" :
		    keys[i].type == K_LISTEN || keys[i].type == K_LDAPS ? "HOST:PORT" :
		    keys[i].type == K_RULE ? "RULE" : keys[i].type == K_LIST ? "ATTRS" :
		    keys[i].type == K_SIZE ? "BYTES" : keys[i].type == K_LOGLEVEL ? "LEVEL" : "N");
		fprintf(out, "  %-34s %s", opt, keys[i].help);
		if (keys[i].def != NULL && keys[i].def[0] != '\0' && strstr(keys[i].help, "default") == NULL)
			fprintf(out, " [%s]", keys[i].def);
		fputc('\n', out);
	}
	fprintf(out, "\nExit status: 0 stopped cleanly, 1 configuration error, "
	    "2 start-up or run-time failure.\nSee ilsd(8) and ilsd.conf(5).\n");
}
