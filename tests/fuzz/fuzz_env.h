/*
 * fuzz_env.h - an in-process directory for the fuzz targets that need one
 * (fuzz_ils, fuzz_dir): a temporary LMDB store, the real schema files and
 * the ILS static entries, as the daemon sets them up.  Removed at exit.
 *
 * Static inline only: each target includes what it uses.
 */
#ifndef ILSD_FUZZ_ENV_H
#define ILSD_FUZZ_ENV_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir/dir.h"
#include "ils/ils.h"
#include "store/store.h"
#include "util/log.h"

typedef struct fz_env {
	char root[256];		/* the temporary directory */
	char db[300];
	store *st;
	dir *d;
	unsigned generation;	/* how many times the store was opened */
} fz_env;

static inline void
fz_rm_rf(const char *path)
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
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		fz_rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

static inline const char *
fz_schema_dir(void)
{
	const char *s = getenv("ILSD_SCHEMA_DIR");

	return s != NULL && *s != '\0' ? s : ILSD_SOURCE_SCHEMA_DIR;
}

/* A fresh, empty store with the suffix, its containers and the ILS entries. */
static inline void
fz_open(fz_env *f)
{
	static const char *const indexed[] = { "objectclass", "cn", "uid", "applicationid",
		"protocolid", NULL };
	store_opts so = { .map_size = 64u << 20, .nosync = true, .indexed = indexed };
	dir_config cfg;
	char err[512] = "";

	snprintf(f->db, sizeof(f->db), "%s/db%u", f->root, f->generation++);
	if (store_open(f->db, &so, &f->st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.suffix = "o=Intranet";
	cfg.schema_dir = fz_schema_dir();
	cfg.vendor_version = "fuzz";
	cfg.ttl_default = 600;
	cfg.ttl_min = 60;
	cfg.ttl_max = 86400;
	cfg.size_limit = 1000;
	cfg.time_limit = 60;
	if (dir_open(&cfg, f->st, &f->d, err, sizeof(err)) != 0 ||
	    ils_init(f->d, err, sizeof(err)) != LDAP_SUCCESS) {
		fprintf(stderr, "dir_open / ils_init: %s\n", err);
		abort();
	}
}

static inline void
fz_close(fz_env *f)
{
	dir_close(f->d);
	store_close(f->st);
	f->d = NULL;
	f->st = NULL;
	fz_rm_rf(f->db);
}

static fz_env *fz_atexit_env;

static inline void
fz_cleanup(void)
{
	if (fz_atexit_env != NULL && fz_atexit_env->d != NULL)
		fz_close(fz_atexit_env);
	if (fz_atexit_env != NULL)
		fz_rm_rf(fz_atexit_env->root);
}

static inline void
fz_setup(fz_env *f, const char *tag)
{
	memset(f, 0, sizeof(*f));
	log_set_level(LOG_LVL_ERROR);
	snprintf(f->root, sizeof(f->root), "/tmp/ilsd-%s.XXXXXX", tag);
	if (mkdtemp(f->root) == NULL) {
		perror("mkdtemp");
		abort();
	}
	fz_atexit_env = f;
	atexit(fz_cleanup);
	fz_open(f);
}

/* Throws the store away and starts again empty (bounds growth over a long run). */
static inline void
fz_reset(fz_env *f)
{
	fz_close(f);
	fz_open(f);
}

#endif
