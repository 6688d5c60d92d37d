/*
 * ils_init.c - the ILS layer's state and its start-up work.
 *
 * The state is the naming context and the ILS containers under it, in
 * written and normalised form.  It is set once by ils_init() (read from
 * the root DSE's defaultNamingContext) and only read afterwards, so the
 * event-loop threads share it without locking.  ils_init() also creates
 * the static entries ILS clients expect: the containers ou=Dynamic and
 * ou=Applications, and ou=Admin with the schema entries TAPI probes before
 * it accepts a server (ils-compat 4, "TAPI connect"; MS-TAIL 2.3.4).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ils/ils_internal.h"
#include "util/log.h"

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static ils_names state;
static bool state_ready;

/* ---- the environment the pure functions see ---- */

static const schema_alias *
env_alias_find(void *sctx, const char *name, size_t len)
{
	return sctx ? schema_find_alias(sctx, name, len) : NULL;
}

static size_t
env_attr_key(void *sctx, const char *desc, size_t len, char *out, size_t cap)
{
	return sctx ? schema_attr_key(sctx, desc, len, out, cap) : 0;
}

static long
env_norm_dn(void *dctx, ber_slice dn, char *out, size_t cap)
{
	return dir_normalize_dn(dctx, dn, out, cap);
}

/* The root DSE's defaultNamingContext (first namingContexts value failing that). */
typedef struct nc_reader {
	char nc[ILS_SUFFIX_MAX];
	size_t len;
} nc_reader;

static int
read_nc(void *ctx, const ldap_entry_msg *e)
{
	nc_reader *r = ctx;

	for (size_t i = 0; i < e->nattrs; i++) {
		const ldap_attr *at = &e->attrs[i];
		if (at->nvals == 0 || at->vals[0].len == 0 || at->vals[0].len >= sizeof(r->nc))
			continue;
		bool dflt = ldap_slice_eq_ci(at->type, "defaultNamingContext");
		if (dflt || (r->len == 0 && ldap_slice_eq_ci(at->type, "namingContexts"))) {
			memcpy(r->nc, at->vals[0].p, at->vals[0].len);
			r->len = at->vals[0].len;
			if (dflt)
				return 1;
		}
	}
	return 0;
}

static void
find_suffix(dir *d, const dir_ctx *c, nc_reader *r)
{
	static const dir_attr_sel sel[] = {
		{ BER_SLICE_STR("defaultNamingContext"), { NULL, 0 }, 0 },
		{ BER_SLICE_STR("namingContexts"), { NULL, 0 }, 0 },
	};
	ldap_filter all = { .type = LDAP_FILTER_PRESENT };
	dir_search_params p = {
		.base = { NULL, 0 },
		.scope = LDAP_SCOPE_BASE,
		.filter = &all,
		.attrs = sel,
		.nattrs = 2,
	};
	dir_result res;

	all.u.present = BER_SLICE_STR("objectClass");
	r->len = 0;
	ils_read(d, c, &p, read_nc, r, &res);
	if (r->len == 0) {
		r->len = strlen(ILS_DEFAULT_SUFFIX);
		memcpy(r->nc, ILS_DEFAULT_SUFFIX, r->len);
	}
}

/* Learns the naming context (once, or again when force is set). */
static int
state_load(dir *d, const dir_ctx *c, bool force)
{
	int rc = 0;

	pthread_mutex_lock(&state_lock);
	if (!state_ready || force) {
		ils_env env = { .norm_dn = env_norm_dn, .dctx = d };
		nc_reader r;
		find_suffix(d, c, &r);
		rc = ils_names_set(&state, &env, r.nc, r.len);
		if (rc != 0)
			rc = ils_names_set(&state, &env, ILS_DEFAULT_SUFFIX,
			    strlen(ILS_DEFAULT_SUFFIX));
		__atomic_store_n(&state_ready, rc == 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&state_lock);
	return rc;
}

void
ils_env_init(ils_env *env, dir *d, const dir_ctx *c)
{
	if (!__atomic_load_n(&state_ready, __ATOMIC_ACQUIRE))
		state_load(d, c, false);
	memset(env, 0, sizeof(*env));
	env->alias_find = env_alias_find;
	env->attr_key = env_attr_key;
	env->sctx = dir_schema(d);
	env->norm_dn = env_norm_dn;
	env->dctx = d;
	env->names = &state;
}

void
ils_env_done(ils_env *env)
{
	if (env->sctx != NULL)
		schema_unref(env->sctx);
	env->sctx = NULL;
}

/* ---- static entries ---- */

typedef struct static_attr {
	const char *type;
	const char *vals[4];
} static_attr;

typedef struct static_entry {
	const char *rdn;	/* "" for a container named by the state */
	const char *parent;	/* NULL: the suffix; "admin": ou=Admin; "schema": cn=Schema */
	static_attr attrs[10];
} static_entry;

/*
 * What TAPI's probe finds one level under cn=Schema,ou=Admin,<suffix>:
 * the three ILS classes and the two attributes MS-TAIL 2.3.4/2.3.5 list.
 * The class and attribute definitions live in schema/25-ils-admin.schema.
 */
static const static_entry static_entries[] = {
	{ "ou=Dynamic", NULL, { { "objectClass", { "top", "organizationalUnit" } },
	    { "ou", { "Dynamic" } } } },
	{ "ou=Applications", NULL, { { "objectClass", { "top", "organizationalUnit" } },
	    { "ou", { "Applications" } } } },
	{ "ou=Admin", NULL, { { "objectClass", { "top", "organizationalUnit" } },
	    { "ou", { "Admin" } } } },
	{ "cn=Schema", "admin", { { "objectClass", { "top", "ilsSchemaContainer" } },
	    { "cn", { "Schema" } },
	    { "description", { "ILS schema objects (MS-TAIL 2.3)" } } } },
	{ "cn=RTPerson", "schema", { { "objectClass", { "top", "classSchema" } },
	    { "cn", { "RTPerson" } },
	    { "governsID", { "1.2.840.113556.1.4.611.1103010708051504150108150101130009"
	    "121504000012000415120210000708" } },
	    { "description", { "An online person (MS-TAIL 2.3.2)" } } } },
	{ "cn=RTConference", "schema", { { "objectClass", { "top", "classSchema" } },
	    { "cn", { "RTConference" } },
	    { "governsID", { "1.2.840.113556.1.4.611.1103010708051501150108150101130009"
	    "121504000012000415120210000708" } },
	    { "description", { "An online conference (MS-TAIL 2.3.3)" } } } },
	{ "cn=RTApplicationUser", "schema", { { "objectClass", { "top", "classSchema" } },
	    { "cn", { "RTApplicationUser" } },
	    { "governsID", { "1.2.840.113556.1.4.611.1103010708051503150108150101130009"
	    "121504000012000415120210000708" } },
	    { "description", { "The user of an application (MS-TAIL 2.3.1)" } } } },
	{ "cn=ntSecurityDescriptor", "schema", { { "objectClass", { "top", "attributeSchema" } },
	    { "cn", { "ntSecurityDescriptor" } },
	    { "displayName", { "security-descriptor" } },
	    { "u2AttributeID", { "1.2.840.113556.1.5.108.1103010708070215150108150101130009"
	    "121504000012000415120210000708" } },
	    { "attributeSyntax", { "Binary" } },
	    { "isSingleValued", { "1" } },
	    { "isSearchable", { "0" } },
	    { "description", { "The security descriptor for the object" } } } },
	{ "cn=schemaIDGUID", "schema", { { "objectClass", { "top", "attributeSchema" } },
	    { "cn", { "schemaIDGUID" } },
	    { "displayName", { "schema-id-guid" } },
	    { "u2AttributeID", { "1.2.840.113556.1.4.148" } },
	    { "attributeSyntax", { "Octet String" } },
	    { "isSingleValued", { "1" } },
	    { "isSearchable", { "0" } },
	    { "description", { "GUID of a class or attribute definition" } } } },
};

static int
add_static(dir *d, const dir_ctx *c, const static_entry *se, char *err, size_t errlen)
{
	char dnbuf[2 * ILS_SUFFIX_MAX + 256];
	ldap_attr attrs[10];
	ber_slice vals[10][4];
	size_t n = 0;
	dir_result res;

	const char *parent = se->parent == NULL ? state.suffix :
	    strcmp(se->parent, "admin") == 0 ? "ou=Admin" : "cn=Schema,ou=Admin";
	if (se->parent == NULL)
		snprintf(dnbuf, sizeof(dnbuf), "%s,%s", se->rdn, parent);
	else
		snprintf(dnbuf, sizeof(dnbuf), "%s,%s,%s", se->rdn, parent, state.suffix);
	for (; n < 10 && se->attrs[n].type != NULL; n++) {
		attrs[n].type = ldap_slice(se->attrs[n].type);
		attrs[n].vals = vals[n];
		attrs[n].nvals = 0;
		for (size_t k = 0; k < 4 && se->attrs[n].vals[k] != NULL; k++)
			vals[n][attrs[n].nvals++] = ldap_slice(se->attrs[n].vals[k]);
	}
	int code = dir_add(d, c, ldap_slice(dnbuf), attrs, n, 0, &res);
	if (code != LDAP_SUCCESS && code != LDAP_ENTRY_ALREADY_EXISTS) {
		/* The schema in force may lack the admin classes: store them as given. */
		log_warn("ils: %s: %s (%d); adding it without schema checks", dnbuf,
		    res.diag, code);
		code = dir_add(d, c, ldap_slice(dnbuf), attrs, n,
		    DIR_F_NO_SCHEMA_CHECK | DIR_F_NO_PARENT_CHECK, &res);
	}
	if (code != LDAP_SUCCESS && code != LDAP_ENTRY_ALREADY_EXISTS) {
		snprintf(err, errlen, "ils: cannot create %s: %s (%d)", dnbuf, res.diag, code);
		return code;
	}
	return 0;
}

int
ils_init(dir *d, char *err, size_t errlen)
{
	struct timespec ts;
	arena a;
	int code = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	arena_init(&a, 16384, 0);
	dir_ctx c = {
		.bind_dn = "",
		.is_admin = true,
		.now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000,
		.a = &a,
	};
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (state_load(d, &c, true) != 0) {
		snprintf(err, errlen, "ils: the naming context is not a valid DN");
		arena_free(&a);
		return LDAP_OTHER;
	}
	for (size_t i = 0; i < sizeof(static_entries) / sizeof(static_entries[0]); i++) {
		arena_reset(&a);
		if ((code = add_static(d, &c, &static_entries[i], err, errlen)) != 0)
			break;
	}
	arena_free(&a);
	return code;
}
