/*
 * fuzz_schema.c - libFuzzer target for the schema loader.
 *
 * Schema files are the administrator's input, but a reload (SIGHUP) must
 * never crash the server whatever a file holds.  The first input byte
 * picks the way in (its low three bits, so that the slow second way gets
 * an eighth of the runs):
 *
 *   1     the rest is "<schema text>%%map\n<name map>": the text becomes
 *         90-fuzz.schema beside the real schema files and the map replaces
 *         ils-names.map in a temporary directory, for schema_load_dir (the
 *         real definitions, then the fuzzed ones on top, then the map);
 *   else  the rest is one schema text for schema_load_text.
 *
 * A schema that loads is walked: every name, OID and alias must be found
 * again by lookup, keys must be stable, texts must fit, and values are run
 * through the matching rules.  A rejection must say why.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/schema.h"
#include "util/log.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmpdir[] = "/tmp/ilsd-fuzz-schema.XXXXXX";
static int ready;

static void
copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[8192];
	size_t n;

	if (in == NULL)
		return;
	out = fopen(to, "wb");
	if (out != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		fclose(out);
	}
	fclose(in);
}

static void
remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[1024];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

/* The real *.schema files in a private directory; the map is written per input. */
static void
setup(void)
{
	const char *src = getenv("ILSD_SCHEMA_DIR");
	DIR *d;
	struct dirent *de;
	char from[1024], to[1024];
	size_t n;

	log_set_level(LOG_LVL_ERROR);
	if (mkdtemp(tmpdir) == NULL)
		abort();
	atexit(remove_tmpdir);
	if (src == NULL || *src == '\0')
		src = ILSD_SOURCE_SCHEMA_DIR;
	if ((d = opendir(src)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 8 || strcmp(de->d_name + n - 7, ".schema") != 0)
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", tmpdir, de->d_name);
		copy_file(from, to);
	}
	closedir(d);
}

static void
write_file(const char *name, const uint8_t *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (n > 0)
		fwrite(p, 1, n, f);
	fclose(f);
}

static ber_slice
slice(const char *s)
{
	ber_slice v = { (const uint8_t *)s, strlen(s) };

	return v;
}

/* Runs a few values through the attribute's rules; they must not disagree with themselves. */
static void
check_values(const schema_attr *at, const uint8_t *data, size_t size)
{
	ber_slice v = { data, size > 64 ? 64 : size }, w = slice("Foo  Bar");
	schema_substr parts[2] = { { 0, { data, size > 2 ? 2 : size } }, { 2, slice("r") } };
	char norm[256];
	bool ok;

	ASSERT(schema_value_equal(at, w, w));
	(void)schema_value_equal(at, v, w);
	(void)schema_value_order(at, v, w, &ok);
	(void)schema_value_substr(at, v, parts, 2);
	(void)schema_value_normalize(at, v, norm, sizeof(norm));
	(void)schema_value_valid(at, v);
}

static void
walk(const schema *s, const uint8_t *data, size_t size)
{
	char key[512], key2[512], text[4096];
	size_t i, j, n;

	for (i = 0; i < schema_attr_count(s); i++) {
		const schema_attr *at = schema_attr_at(s, i);
		ASSERT(at != NULL && at->oid != NULL && at->key != NULL);
		ASSERT(schema_find_attr(s, at->oid, strlen(at->oid)) == at);
		for (j = 0; j < at->nnames; j++) {
			ASSERT(schema_find_attr(s, at->names[j], strlen(at->names[j])) == at);
			n = schema_attr_key(s, at->names[j], strlen(at->names[j]), key, sizeof(key));
			ASSERT(n == strlen(at->key) && memcmp(key, at->key, n) == 0);
		}
		if (i < 8)
			check_values(at, data, size);
	}
	for (i = 0; i < schema_class_count(s); i++) {
		const schema_class *oc = schema_class_at(s, i);
		ASSERT(oc != NULL && oc->oid != NULL);
		ASSERT(schema_find_class(s, oc->oid, strlen(oc->oid)) == oc);
		for (j = 0; j < oc->nnames; j++)
			ASSERT(schema_find_class(s, oc->names[j], strlen(oc->names[j])) == oc);
		for (j = 0; j < oc->nmust; j++)
			ASSERT(oc->must[j] != NULL);
		for (j = 0; j < oc->nmay; j++)
			ASSERT(oc->may[j] != NULL);
		for (j = 0; j < oc->nsups; j++)
			ASSERT(oc->sups[j] != NULL);
	}
	for (i = 0; i < schema_syntax_count(s); i++)
		ASSERT(schema_syntax_text(schema_syntax_at(s, i), text, sizeof(text)) < sizeof(text));
	for (i = 0; i < schema_mrule_count(s); i++)
		ASSERT(schema_mrule_text(schema_mrule_at(s, i), text, sizeof(text)) < sizeof(text));
	for (i = 0; i < schema_alias_count(s); i++) {
		const schema_alias *al = schema_alias_at(s, i);
		ASSERT(schema_find_alias(s, al->ils_name, strlen(al->ils_name)) == al);
		ASSERT(schema_find_attr(s, al->attr, strlen(al->attr)) != NULL);
	}
	/* Arbitrary descriptions: the key is a pure function of the text. */
	n = schema_attr_key(s, (const char *)data, size, key, sizeof(key));
	ASSERT(schema_attr_key(s, (const char *)data, size, key2, sizeof(key2)) == n);
	ASSERT(n == 0 || memcmp(key, key2, n) == 0);
	(void)schema_find_attr(s, (const char *)data, size);
	(void)schema_find_class(s, (const char *)data, size);
	(void)schema_find_mrule(s, (const char *)data, size);
	(void)schema_find_alias(s, (const char *)data, size);
}

static const uint8_t *
find_sep(const uint8_t *p, size_t n, const char *sep)
{
	size_t m = strlen(sep);

	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(p + i, sep, m) == 0)
			return p + i;
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "%%map\n";
	char err[512];
	schema *s;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size == 0 || size > 256 * 1024)
		return 0;
	err[0] = '\0';
	if ((data[0] & 7) != 1) {
		s = schema_load_text("fuzz", (const char *)data + 1, size - 1, err, sizeof(err));
	} else {
		const uint8_t *text = data + 1, *map = find_sep(text, size - 1, sep);
		size_t tlen = map ? (size_t)(map - text) : size - 1;

		write_file("90-fuzz.schema", text, tlen);
		if (map != NULL)
			write_file("ils-names.map", map + strlen(sep),
			    size - 1 - tlen - strlen(sep));
		else
			write_file("ils-names.map", NULL, 0);
		s = schema_load_dir(tmpdir, err, sizeof(err));
	}
	if (s == NULL) {
		ASSERT(err[0] != '\0');
		return 0;
	}
	walk(s, data, size);
	ASSERT(schema_ref(s) == s);
	schema_unref(s);
	schema_unref(s);
	return 0;
}
