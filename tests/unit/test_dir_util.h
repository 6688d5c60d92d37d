/*
 * test_dir_util.h - fixtures for the directory tests: a temporary store
 * and schema directory, LDIF-like helpers for Add and Modify, and a
 * search runner that decodes the SearchResultEntry PDUs dir_search_step
 * produced (with ldap_decode) and renders them as text:
 *
 *   dn: <dn>\n  then  <name>: <value>\n  per value ("<name>:\n" with typesOnly)
 *
 * Everything is static inline so each test file uses what it needs.
 */
#ifndef ILSD_TEST_DIR_UTIL_H
#define ILSD_TEST_DIR_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dir/dir.h"
#include "ldap/filter_text.h"
#include "util/log.h"

#ifndef ILSD_SOURCE_SCHEMA_DIR
#define ILSD_SOURCE_SCHEMA_DIR "schema"
#endif

/* An integer attribute for ordering tests, on top of the real schema. */
static const char test_schema_extra[] =
    "attributetype ( 1.3.6.1.4.1.99999.9.1 NAME 'testNumber'\n"
    "\tEQUALITY integerMatch ORDERING integerOrderingMatch\n"
    "\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )\n"
    "objectclass ( 1.3.6.1.4.1.99999.9.2 NAME 'testObject' SUP top AUXILIARY\n"
    "\tMAY testNumber )\n";

static char td_root[512];
static int td_seq;

typedef struct tdir {
	char path[600];
	char schema_dir[600];
	store *st;
	dir *d;
	arena a;
	dir_ctx c;
	uint64_t t0;
} tdir;

static inline void
td_rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[1024];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub))
			continue;
		td_rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

static inline void
td_setup(const char *name)
{
	const char *base = getenv("ILSD_TEST_TMP");
	char path[512];

	log_set_level(LOG_LVL_WARN);
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(path, sizeof(path), "%s", base);
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	}
	mkdir(path, 0700);
	snprintf(td_root, sizeof(td_root), "%s/%s.XXXXXX", base, name);
	if (mkdtemp(td_root) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static inline void
td_teardown(void)
{
	td_rm_rf(td_root);
}

static inline int
td_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[8192];
	size_t n;

	if (in == NULL)
		return -1;
	out = fopen(to, "wb");
	if (out == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return fclose(out);
}

static inline void
td_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* The real schema plus the test attribute, in a directory of its own. */
static inline void
td_make_schema(const char *dst)
{
	const char *src = getenv("ILSD_SCHEMA_DIR");
	DIR *d;
	struct dirent *de;
	char a[1024], b[1024];

	if (src == NULL || *src == '\0')
		src = ILSD_SOURCE_SCHEMA_DIR;
	mkdir(dst, 0700);
	d = opendir(src);
	if (d == NULL) {
		fprintf(stderr, "cannot open schema dir %s\n", src);
		exit(2);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(a, sizeof(a), "%s/%s", src, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", dst, de->d_name);
		td_copy_file(a, b);
	}
	closedir(d);
	snprintf(b, sizeof(b), "%s/90-test.schema", dst);
	td_write_file(b, test_schema_extra);
}

static inline uint64_t
td_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *const td_indexed[] = { "cn", "objectclass", "uid", "mail", NULL };

static inline void
td_default_config(dir_config *cfg, const char *schema_dir)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->suffix = "o=Intranet";
	cfg->schema_dir = schema_dir;
	cfg->vendor_version = "9.9-test";
	cfg->ttl_default = 600;
	cfg->ttl_min = 60;
	cfg->ttl_max = 3600;
}

static inline int
td_open_dir(tdir *t, const dir_config *cfg_in)
{
	dir_config cfg;
	char err[512] = "";

	if (cfg_in)
		cfg = *cfg_in;
	else
		td_default_config(&cfg, t->schema_dir);
	if (cfg.schema_dir == NULL)
		cfg.schema_dir = t->schema_dir;
	if (dir_open(&cfg, t->st, &t->d, err, sizeof(err)) != 0) {
		fprintf(stderr, "dir_open: %s\n", err);
		return -1;
	}
	return 0;
}

/* A fresh store and directory; cfg NULL for the defaults. */
static inline int
td_open(tdir *t, const dir_config *cfg)
{
	store_opts o = { .map_size = 256u << 20, .nosync = true, .indexed = td_indexed };
	char err[512] = "";

	memset(t, 0, sizeof(*t));
	td_seq++;
	snprintf(t->path, sizeof(t->path), "%s/db%d", td_root, td_seq);
	snprintf(t->schema_dir, sizeof(t->schema_dir), "%s/schema%d", td_root, td_seq);
	td_make_schema(t->schema_dir);
	if (store_open(t->path, &o, &t->st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	arena_init(&t->a, 65536, 0);
	t->t0 = td_now();
	return td_open_dir(t, cfg);
}

static inline void
td_close(tdir *t)
{
	dir_close(t->d);
	t->d = NULL;
	if (t->st)
		store_close(t->st);
	t->st = NULL;
	arena_free(&t->a);
	td_rm_rf(t->path);
	td_rm_rf(t->schema_dir);
}

/* A context at t0 + offset ms. */
static inline dir_ctx *
td_ctx_at(tdir *t, int64_t offset_ms)
{
	arena_reset(&t->a);
	t->c.bind_dn = "cn=tester,o=Intranet";
	t->c.is_admin = false;
	t->c.now_ms = t->t0 + (uint64_t)offset_ms;
	t->c.a = &t->a;
	return &t->c;
}

static inline dir_ctx *
td_ctx(tdir *t)
{
	return td_ctx_at(t, 0);
}

static inline ber_slice
td_s(const char *s)
{
	return ldap_slice(s);
}

/*
 * "type: value" lines; consecutive lines of one type form one attribute.
 * "type:" alone is the empty value; "type!" alone is an attribute with no
 * values.  Memory comes from the context arena.
 */
static inline size_t
td_parse_attrs(arena *a, const char *text, ldap_attr **out)
{
	size_t cap = 64, n = 0;
	ldap_attr *attrs = arena_calloc(a, cap, sizeof(*attrs));
	const char *p = text;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		const char *bang = memchr(p, '!', len);
		size_t tlen;
		ber_slice v = { NULL, 0 };

		if (colon == NULL && bang == NULL) {
			p = eol ? eol + 1 : NULL;
			continue;
		}
		tlen = (size_t)((colon ? colon : bang) - p);
		if (colon) {
			const char *vs = colon + 1;
			if (vs < p + len && *vs == ' ')
				vs++;
			v.p = (const uint8_t *)arena_strndup(a, vs, (size_t)(p + len - vs));
			v.len = (size_t)(p + len - vs);
		}
		if (n == 0 || attrs[n - 1].type.len != tlen ||
		    memcmp(attrs[n - 1].type.p, p, tlen) != 0) {
			attrs[n].type.p = (const uint8_t *)arena_strndup(a, p, tlen);
			attrs[n].type.len = tlen;
			attrs[n].vals = arena_calloc(a, 256, sizeof(ber_slice));
			attrs[n].nvals = 0;
			n++;
		}
		if (colon)
			attrs[n - 1].vals[attrs[n - 1].nvals++] = v;
		p = eol ? eol + 1 : NULL;
	}
	*out = attrs;
	return n;
}

static inline int
td_add_at(tdir *t, int64_t at, const char *dnstr, const char *ldif, unsigned flags,
    dir_result *res)
{
	dir_ctx *c = td_ctx_at(t, at);
	ldap_attr *attrs;
	size_t n = td_parse_attrs(c->a, ldif, &attrs);

	return dir_add(t->d, c, td_s(dnstr), attrs, n, flags, res);
}

static inline int
td_add(tdir *t, const char *dnstr, const char *ldif, unsigned flags, dir_result *res)
{
	return td_add_at(t, 0, dnstr, ldif, flags, res);
}

/*
 * Modifications: "add: type" / "delete: type" / "replace: type" /
 * "increment: type" start a change, "type: value" lines give its values,
 * "-" ends it.
 */
static inline int
td_mod_at(tdir *t, int64_t at, const char *dnstr, const char *spec, unsigned flags,
    dir_result *res)
{
	dir_ctx *c = td_ctx_at(t, at);
	ldap_mod *mods = arena_calloc(c->a, 64, sizeof(*mods));
	size_t n = 0;
	const char *p = spec;
	static const char *const ops[] = { "add: ", "delete: ", "replace: ", "increment: " };

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		bool op = false;

		for (int i = 0; i < 4 && !op; i++) {
			size_t ol = strlen(ops[i]);
			if (len > ol && strncmp(p, ops[i], ol) == 0) {
				mods[n].op = (uint8_t)i;
				mods[n].attr.type.p = (const uint8_t *)arena_strndup(c->a, p + ol,
				    len - ol);
				mods[n].attr.type.len = len - ol;
				mods[n].attr.vals = arena_calloc(c->a, 256, sizeof(ber_slice));
				n++;
				op = true;
			}
		}
		if (!op && n > 0 && len > 0 && p[0] != '-') {
			const char *colon = memchr(p, ':', len);
			if (colon) {
				const char *vs = colon + 1;
				ldap_attr *la = &mods[n - 1].attr;
				if (vs < p + len && *vs == ' ')
					vs++;
				la->vals[la->nvals].p = (const uint8_t *)arena_strndup(c->a, vs,
				    (size_t)(p + len - vs));
				la->vals[la->nvals].len = (size_t)(p + len - vs);
				la->nvals++;
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return dir_modify(t->d, c, td_s(dnstr), mods, n, flags, res);
}

static inline int
td_mod(tdir *t, const char *dnstr, const char *spec, unsigned flags, dir_result *res)
{
	return td_mod_at(t, 0, dnstr, spec, flags, res);
}

/* ---- searching ---- */

typedef struct td_search_opts {
	bool typesonly;
	int64_t sizelimit, timelimit, refresh_ttl;
	size_t max_bytes;	/* per step; 0 = 1 MiB */
	int64_t at;		/* time offset of the search */
	int64_t step_advance;	/* ms added to now for each step */
} td_search_opts;

typedef struct td_result {
	int code;
	int begin_code;
	char matched[256];
	uint64_t count;		/* dir_search_count */
	int nentries;		/* entries decoded */
	int steps;
	char *text;		/* rendered entries */
	size_t len, cap;
} td_result;

static inline void
td_text(td_result *r, const void *p, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t ncap = (r->cap ? r->cap * 2 : 4096);
		while (ncap < r->len + n + 1)
			ncap *= 2;
		r->text = realloc(r->text, ncap);
		r->cap = ncap;
	}
	memcpy(r->text + r->len, p, n);
	r->len += n;
	r->text[r->len] = '\0';
}

static inline void
td_result_free(td_result *r)
{
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* Decodes every framed PDU in buf, rendering entries; returns -1 on a bad PDU. */
static inline int
td_render(td_result *r, int64_t msgid, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	arena a;
	ldap_limits lim;
	int ret = 0;

	ldap_limits_default(&lim);
	lim.max_values = 100000;
	arena_init(&a, 65536, 0);
	while (off < len) {
		size_t pdu = 0;
		ldap_msg m;
		const char *why = NULL;

		if (ber_frame(buf + off, len - off, 1u << 30, &pdu) != 1) {
			ret = -1;
			break;
		}
		arena_reset(&a);
		if (ldap_decode(buf + off, pdu, &a, &lim, &m, &why) != LDAP_SUCCESS ||
		    m.op != LDAP_OP_SEARCH_ENTRY || m.msgid != msgid) {
			fprintf(stderr, "bad PDU: %s\n", why ? why : "?");
			ret = -1;
			break;
		}
		td_text(r, "dn: ", 4);
		td_text(r, m.u.entry.dn.p, m.u.entry.dn.len);
		td_text(r, "\n", 1);
		for (size_t i = 0; i < m.u.entry.nattrs; i++) {
			const ldap_attr *at = &m.u.entry.attrs[i];
			if (at->nvals == 0) {
				td_text(r, at->type.p, at->type.len);
				td_text(r, ":\n", 2);
			}
			for (size_t j = 0; j < at->nvals; j++) {
				td_text(r, at->type.p, at->type.len);
				td_text(r, ": ", 2);
				td_text(r, at->vals[j].p, at->vals[j].len);
				td_text(r, "\n", 1);
			}
		}
		r->nentries++;
		off += pdu;
	}
	arena_free(&a);
	return ret;
}

/*
 * Attribute list: space-separated names; "name=lookup" reads another
 * attribute, "name=lookup/scale" divides too.
 */
static inline size_t
td_parse_sel(arena *a, const char *spec, dir_attr_sel **out)
{
	dir_attr_sel *sel = arena_calloc(a, 64, sizeof(*sel));
	size_t n = 0;
	const char *p = spec;

	while (p && *p) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *item = arena_strndup(a, p, len);
		char *eq = strchr(item, '='), *slash;

		if (len == 0) {
			p = end ? end + 1 : NULL;
			continue;
		}
		if (eq) {
			*eq = '\0';
			slash = strchr(eq + 1, '/');
			if (slash) {
				*slash = '\0';
				sel[n].scale = atoi(slash + 1);
			}
			sel[n].lookup = ldap_slice(eq + 1);
		}
		sel[n].name = ldap_slice(item);
		n++;
		p = end ? end + 1 : NULL;
	}
	*out = sel;
	return n;
}

static inline int
td_search(tdir *t, const char *base, int scope, const char *filter, const char *attrs,
    const td_search_opts *o_in, td_result *r)
{
	td_search_opts o = o_in ? *o_in : (td_search_opts){ 0 };
	dir_ctx *c = td_ctx_at(t, o.at);
	dir_search_params p;
	dir_search *s = NULL;
	dir_result res;
	ldap_filter *f = NULL;
	const char *why = NULL;
	ber_writer w;
	int64_t now_off = o.at;
	dir_attr_sel *sel = NULL;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	if (filter && filter_parse(filter, strlen(filter), c->a, 1024, 64, &f, &why) != 0) {
		fprintf(stderr, "filter_parse(%s): %s\n", filter, why ? why : "?");
		r->code = r->begin_code = -1;
		return -1;
	}
	p.base = td_s(base);
	p.scope = scope;
	p.filter = f;
	p.nattrs = attrs ? td_parse_sel(c->a, attrs, &sel) : 0;
	p.attrs = sel;
	p.typesonly = o.typesonly;
	p.sizelimit = o.sizelimit;
	p.timelimit = o.timelimit;
	p.refresh_ttl = o.refresh_ttl;
	r->begin_code = dir_search_begin(t->d, c, &p, &s, &res);
	if (r->begin_code != LDAP_SUCCESS) {
		r->code = res.code;
		snprintf(r->matched, sizeof(r->matched), "%s", res.matched ? res.matched : "(null)");
		return r->code;
	}
	/* The request may go away once the search has begun. */
	arena_reset(c->a);
	ber_writer_init(&w, 4096, 0);
	for (;;) {
		int st;

		ber_writer_reset(&w);
		st = dir_search_step(s, &w, 7, o.max_bytes ? o.max_bytes : (1u << 20),
		    t->t0 + (uint64_t)now_off, &res);
		r->steps++;
		if (w.err || td_render(r, 7, w.buf, w.len) != 0) {
			r->code = -2;
			break;
		}
		if (st == DIR_SEARCH_DONE) {
			r->code = res.code;
			break;
		}
		now_off += o.step_advance;
		if (r->steps > 10000000) {
			r->code = -3;
			break;
		}
	}
	r->count = dir_search_count(s);
	dir_search_free(s);
	ber_writer_free(&w);
	if (r->text == NULL)
		td_text(r, "", 0);
	return r->code;
}

/* Number of occurrences of needle in hay. */
static inline int
td_count(const char *hay, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);

	for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += nl)
		n++;
	return n;
}

#endif
