/*
 * main.c - the ilsd daemon: configuration, start-up order, shutdown.
 *
 * Exit status: 0 clean stop (or --check-config found the configuration
 * valid), 1 configuration error, 2 start-up or run-time failure (bind,
 * storage, event loop).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir/dir.h"
#include "ils/ils.h"
#include "schema/schema.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/daemon.h"
#include "server/policy.h"
#include "server/ratelimit.h"
#include "server/sasl.h"
#include "server/server.h"
#include "server/tls.h"
#include "server/wordfilter.h"
#include "store/store.h"
#include "util/log.h"

enum { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_RUNTIME = 2 };

/* Everything start-up prepares before the store is opened. */
typedef struct startup {
	ilsd_config cfg;
	char *password;			/* NULL: no administrator */
	size_t password_len;
	char *index_keys[CONFIG_MAX_INDEX + 2];	/* canonical keys (+ ilsdowner), NULL-terminated */
	/* Security (docs/security.md) */
	tls_settings tls;
	policy pol;
	privs pv;
	char mech_buf[1024];		/* the SASL mechanisms, cut into mechs[] */
	const char *mechs[64];
} startup;

static void
free_startup(startup *su)
{
	if (su->password != NULL) {
		explicit_bzero(su->password, su->password_len);
		free(su->password);
	}
	for (size_t i = 0; su->index_keys[i] != NULL; i++)
		free(su->index_keys[i]);
	policy_free(&su->pol);
	config_free(&su->cfg);
}

/*
 * Entries are counted per owner (max-registrations-per-ip) through an
 * equality index on ilsdOwner, which is therefore always there.
 */
static int
index_owner(startup *su, char *err, size_t errlen)
{
	size_t n = 0;

	while (su->index_keys[n] != NULL) {
		if (strcmp(su->index_keys[n], "ilsdowner") == 0)
			return 0;
		n++;
	}
	if ((su->index_keys[n] = strdup("ilsdowner")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Loads the schema once to turn the index list into the canonical keys the
 * store indexes by (aliases and OIDs resolve to one name).  This also
 * reports a broken schema directory as a configuration error.
 */
static int
resolve_index(startup *su, char *err, size_t errlen)
{
	char serr[512];
	schema *sc = schema_load_dir(su->cfg.schema_dir, serr, sizeof(serr));

	if (sc == NULL) {
		snprintf(err, errlen, "schema-dir %s: %s", su->cfg.schema_dir, serr);
		return -1;
	}
	for (size_t i = 0; i < su->cfg.nindex; i++) {
		const char *name = su->cfg.index[i];
		char key[256];
		size_t n = schema_attr_key(sc, name, strlen(name), key, sizeof(key));

		if (schema_find_attr(sc, name, strlen(name)) == NULL)
			log_warn("index: attribute %s is not in the schema; indexing it anyway", name);
		if (n == 0 || (su->index_keys[i] = strndup(key, n)) == NULL) {
			snprintf(err, errlen, "index: cannot use attribute %s", name);
			schema_unref(sc);
			return -1;
		}
	}
	schema_unref(sc);
	return index_owner(su, err, errlen);
}

/* Parses the command line and the file; returns an exit status or -1 to go on. */
static int
configure(startup *su, int argc, char **argv, bool *check_only)
{
	config_cli cli;
	char err[1024];

	if (config_scan_args(argc, argv, &cli, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n(ilsd --help lists the options)\n", err);
		return EXIT_CONFIG;
	}
	if (cli.help) {
		config_usage(stdout);
		return EXIT_OK;
	}
	if (cli.version) {
		printf("ilsd %s\n", ILSD_VERSION);
		return EXIT_OK;
	}
	*check_only = cli.check_config;
	config_init(&su->cfg);
	if ((cli.config_file != NULL &&
	    config_load_file(&su->cfg, cli.config_file, err, sizeof(err)) < 0) ||
	    config_apply_args(&su->cfg, argc, argv, err, sizeof(err)) < 0 ||
	    config_finish(&su->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	log_set_level(su->cfg.log_level);
	if (su->cfg.admin_password_file[0] != '\0' &&
	    auth_read_password_file(su->cfg.admin_password_file, &su->password,
	    &su->password_len, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	if (resolve_index(su, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	if (*check_only) {
		printf("%s: configuration is valid\n", cli.config_file ? cli.config_file :
		    "command line");
		return EXIT_OK;
	}
	return -1;
}

static int
make_paths_absolute(ilsd_config *cfg)
{
	return make_absolute(&cfg->data_dir) | make_absolute(&cfg->schema_dir) |
	    make_absolute(&cfg->pid_file) | make_absolute(&cfg->admin_password_file) |
	    make_absolute(&cfg->tls_cert_file) | make_absolute(&cfg->tls_key_file) |
	    make_absolute(&cfg->tls_ca_file) | make_absolute(&cfg->sasl_db) |
	    make_absolute(&cfg->word_filter_file);
}

static int
open_store(startup *su, store **st)
{
	store_opts so;
	char err[512];
	int rc;

	if (mkdir(su->cfg.data_dir, 0750) != 0 && errno != EEXIST) {
		log_error("data-dir %s: %s", su->cfg.data_dir, strerror(errno));
		return -1;
	}
	memset(&so, 0, sizeof(so));
	so.map_size = (size_t)su->cfg.map_size;
	so.nosync = !su->cfg.sync;
	so.max_readers = 126;
	so.indexed = (const char *const *)su->index_keys;
	rc = store_open(su->cfg.data_dir, &so, st, err, sizeof(err));
	if (rc != STORE_OK) {
		log_error("cannot open the store in %s: %s", su->cfg.data_dir, err);
		return -1;
	}
	return 0;
}

/* Controls the server honours (ops.c control_known), for the root DSE. */
static const char *const honoured_controls[] = { LDAP_OID_MANAGE_DSAIT, NULL };

/*
 * TLS, SASL, the rate limiter, the word filter, the access policy and the
 * user to become: everything is checked before the store opens, so a
 * mistake is a configuration error with a clear message.
 */
static int
open_security(startup *su, server *srv, char *err, size_t errlen)
{
	const ilsd_config *cfg = &su->cfg;
	saslsrv_settings ss = { cfg->sasl_db, cfg->sasl_mechs, cfg->sasl_host, cfg->sasl_realm,
		cfg->sasl_dn_template };
	ratelimit_config rc;
	size_t n = 0;

	if (saslsrv_init(&ss, err, errlen) != 0)
		return -1;
	if (cfg->tls_cert_file[0] != '\0') {
		su->tls = (tls_settings){ cfg->tls_cert_file, cfg->tls_key_file, cfg->tls_ca_file,
			cfg->tls_ciphers, cfg->tls_ciphersuites, cfg->tls_min_version };
		if ((srv->tls = tls_server_new(&su->tls, err, errlen)) == NULL)
			return -1;
		srv->tls_settings = &su->tls;
	}
	/* supportedSASLMechanisms: what a TLS client could use (PLAIN needs TLS). */
	if (saslsrv_mechs(srv->tls != NULL, srv->tls != NULL && cfg->tls_ca_file[0] != '\0',
	    su->mech_buf, sizeof(su->mech_buf)) > 0) {
		char *save = NULL;
		for (char *m = strtok_r(su->mech_buf, " ", &save); m != NULL && n < 63;
		    m = strtok_r(NULL, " ", &save))
			su->mechs[n++] = m;
	}
	su->mechs[n] = NULL;
	ratelimit_config_defaults(&rc);
	rc.ipv6_prefix = cfg->limit_ipv6_prefix;
	rc.rate[RL_CONN] = (rl_rate){ cfg->connection_rate_per_ip, cfg->connection_burst_per_ip };
	rc.rate[RL_BIND] = (rl_rate){ cfg->bind_rate_per_ip, cfg->bind_burst_per_ip };
	rc.rate[RL_ADD] = (rl_rate){ cfg->add_rate_per_ip, cfg->add_burst_per_ip };
	rc.fail_delay_min_ms = cfg->failed_bind_delay;
	rc.fail_delay_max_ms = cfg->failed_bind_delay_max;
	if ((srv->rl = ratelimit_new(&rc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ratelimit_set_exempt(srv->rl, cfg->limit_exempt, err, errlen) != 0)
		return -1;
	if (cfg->word_filter_file[0] != '\0' &&
	    (srv->wf = wordfilter_load(cfg->word_filter_file, err, errlen)) == NULL)
		return -1;
	if (policy_build(&su->pol, cfg, err, errlen) != 0 ||
	    privs_lookup(cfg->user, cfg->group, &su->pv, err, errlen) != 0)
		return -1;
	log_info("access: anonymous read %s, anonymous registration %s, %zu rule%s%s",
	    cfg->anonymous_read ? "on" : "off", cfg->anonymous_register ? "on" : "off",
	    cfg->naccess, cfg->naccess == 1 ? "" : "s",
	    srv->wf != NULL ? ", word filter on" : "");
	return 0;
}

static void
close_security(server *srv)
{
	tls_server_free(srv->tls);
	ratelimit_free(srv->rl);
	wordfilter_free(srv->wf);
	srv->tls = NULL;
	srv->rl = NULL;
	srv->wf = NULL;
	saslsrv_done();
}

static int
open_dir(const startup *su, const server *srv, store *st, dir **d)
{
	const ilsd_config *cfg = &su->cfg;
	static const char *const starttls[] = { LDAP_OID_STARTTLS, NULL };
	dir_config dc;
	char err[512];

	memset(&dc, 0, sizeof(dc));
	dc.suffix = cfg->suffix;
	dc.schema_dir = cfg->schema_dir;
	dc.vendor_version = "ilsd " ILSD_VERSION;
	dc.ttl_default = cfg->ttl_default;
	dc.ttl_min = cfg->ttl_min;
	dc.ttl_max = cfg->ttl_max;
	dc.size_limit = cfg->size_limit;
	dc.time_limit = cfg->time_limit;
	dc.sasl_mechs = su->mechs;
	dc.extensions = srv->tls != NULL ? starttls : NULL;
	dc.controls = honoured_controls;
	dc.access = &su->pol.acc;
	dc.limits.max_value_size = (size_t)cfg->max_value_size;
	dc.limits.max_values = cfg->max_values_per_attribute;
	dc.limits.max_attrs = cfg->max_attributes_per_entry;
	dc.limits.max_owned = cfg->max_registrations_per_ip;
	dc.limits.max_entries = (uint64_t)cfg->max_entries;
	if (dir_open(&dc, st, d, err, sizeof(err)) != 0) {
		log_error("cannot open the directory: %s", err);
		return -1;
	}
	/* The static entries ILS clients probe for (TAPI's schema container). */
	if (ils_init(*d, err, sizeof(err)) != 0) {
		log_error("cannot create the ILS entries: %s", err);
		dir_close(*d);
		*d = NULL;
		return -1;
	}
	return 0;
}

/* Opens everything, serves until told to stop, closes in order. */
static int
run(startup *su)
{
	ilsd_config *cfg = &su->cfg;
	int report = -1, pidfd = -1, code = EXIT_RUNTIME;
	uint64_t nofile;
	store *st = NULL;
	dir *d = NULL;
	server srv;
	char err[512];

	memset(&srv, 0, sizeof(srv));
	signal(SIGPIPE, SIG_IGN);
	if (!cfg->foreground) {
		if (make_paths_absolute(cfg) != 0) {
			log_error("cannot resolve relative paths: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		report = daemon_detach(err, sizeof(err));
		if (report < 0) {
			log_error("cannot detach: %s", err);
			return EXIT_RUNTIME;
		}
	}
	nofile = raise_nofile_limit();
	if (nofile != 0 && nofile < (uint64_t)cfg->max_connections + 64)
		log_warn("max-connections %u is near or above the open-file limit %llu: "
		    "connections will be refused when descriptors run out", cfg->max_connections,
		    (unsigned long long)nofile);
	if (cfg->pid_file[0] != '\0' && pidfile_create(cfg->pid_file, &pidfd, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto out;
	}
	if (open_security(su, &srv, err, sizeof(err)) != 0) {
		log_error("%s", err);
		code = EXIT_CONFIG;
		goto out;
	}
	if (open_store(su, &st) < 0 || open_dir(su, &srv, st, &d) < 0)
		goto out;
	if (auth_init(&srv.au, d, cfg->admin_dn, su->password, su->password_len, err,
	    sizeof(err)) < 0) {
		log_error("%s", err);
		code = EXIT_CONFIG;
		goto out;
	}
	if (su->password == NULL)
		log_info("no admin-password-file: administrator binds are disabled");
	if (server_start(&srv, cfg, st, d) != 0)
		goto out;
	if (privs_drop(&su->pv, err, sizeof(err)) != 0) {
		log_error("%s", err);
		goto out;
	}
	log_info("ilsd %s ready: data-dir %s, schema-dir %s, suffix %s", ILSD_VERSION,
	    cfg->data_dir, cfg->schema_dir, cfg->suffix);
	daemon_report(report, 0);
	report = -1;
	code = server_run(&srv);
out:
	daemon_report(report, code);
	server_free(&srv);
	close_security(&srv);
	auth_free(&srv.au);
	if (d != NULL)
		dir_close(d);
	if (st != NULL) {
		int rc = store_sync(st);
		if (rc != STORE_OK)
			log_error("final flush of the store failed: %s", store_strerror(rc));
		store_close(st);
	}
	pidfile_remove(cfg->pid_file, pidfd);
	log_info("ilsd stopped (exit status %d)", code);
	return code;
}

int
main(int argc, char **argv)
{
	startup su;
	bool check_only = false;
	int code;

	memset(&su, 0, sizeof(su));
	code = configure(&su, argc, argv, &check_only);
	if (code < 0)
		code = run(&su);
	free_startup(&su);
	return code;
}
