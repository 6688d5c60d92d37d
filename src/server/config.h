/*
 * config.h - ilsd's configuration: defaults, the configuration file and
 * the command line.
 *
 * Every key can be set in the file (`key = value`) or on the command line
 * (`--key=value`); the command line wins.  A repeatable key (listen,
 * index) accumulates within one source, and a repeatable key given on the
 * command line replaces the file's values.  Every error names where it is:
 * "FILE:LINE: what is wrong" or "--key: what is wrong".
 * docs/configuration.md describes every key.
 */
#ifndef ILSD_SERVER_CONFIG_H
#define ILSD_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define CONFIG_MAX_LISTEN 32
#define CONFIG_MAX_INDEX 64
#define CONFIG_MAX_THREADS 64
#define CONFIG_ORIGIN_LEN 256
#define CONFIG_MAX_ACCESS 64
#define CONFIG_NKEYS 96		/* room for every key (config.c checks) */

/* One listening address, as written and as parsed. */
typedef struct listen_addr {
	char text[80];			/* "0.0.0.0:389", "[::1]:1002" */
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint16_t port;
} listen_addr;

typedef struct ilsd_config {
	listen_addr listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	char *data_dir;
	char *schema_dir;
	bool foreground;
	int log_level;			/* enum log_level */
	char *pid_file;			/* "" = none */
	char *admin_dn;
	char *admin_password_file;	/* "" = no administrator */
	char *suffix;
	unsigned threads;
	uint64_t max_pdu_size;
	unsigned max_connections;
	unsigned max_connections_per_ip;	/* 0 = no limit */
	unsigned idle_timeout;		/* seconds, 0 = none */
	unsigned max_ops_per_connection;
	int64_t size_limit;		/* entries, 0 = none */
	int64_t time_limit;		/* seconds, 0 = none */
	uint64_t write_buffer_high_water;
	int64_t ttl_default, ttl_min, ttl_max;
	bool sync;
	unsigned sync_interval;		/* seconds, with sync = false */
	bool group_commit;		/* batch a loop round's writes into one commit */
	unsigned group_commit_max;	/* writes per batch at most */
	uint64_t map_size;
	unsigned sweep_interval;	/* milliseconds */
	unsigned sweep_batch;
	unsigned sweep_slice_us;	/* time bound of one sweep, 0 = none */
	char *index[CONFIG_MAX_INDEX];
	size_t nindex;

	/* TLS (docs/security.md) */
	listen_addr ldaps_listen[CONFIG_MAX_LISTEN];
	size_t nldaps_listen;
	char *tls_cert_file;		/* "" = no TLS: no LDAPS, no StartTLS */
	char *tls_key_file;
	char *tls_ca_file;		/* "" = no client certificates */
	char *tls_ciphers;
	char *tls_ciphersuites;
	char *tls_min_version;
	bool allow_plaintext_password;	/* false: confidentialityRequired for passwords in clear */
	/* SASL */
	char *sasl_db;			/* "" = <data-dir>/sasldb2 (config_finish) */
	char *sasl_mechs;
	char *sasl_realm;
	char *sasl_host;
	char *sasl_dn_template;
	/* Privileges */
	char *user;			/* "" = keep running as started */
	char *group;
	/* Access policy */
	bool anonymous_read;
	bool anonymous_register;
	char *access[CONFIG_MAX_ACCESS];	/* "SUBTREE by WHO RIGHTS" rules, in order */
	size_t naccess;
	/* Abuse limits */
	unsigned max_registrations_per_ip;
	int64_t max_entries;
	unsigned connection_rate_per_ip, connection_burst_per_ip;
	unsigned bind_rate_per_ip, bind_burst_per_ip;
	unsigned add_rate_per_ip, add_burst_per_ip;
	unsigned failed_bind_delay;	/* milliseconds, the first delay */
	unsigned failed_bind_delay_max;
	uint64_t max_value_size;
	unsigned max_values_per_attribute;
	unsigned max_attributes_per_entry;
	char *word_filter_file;		/* "" = none */
	char *limit_exempt;		/* addresses/prefixes the per-address limits spare */
	unsigned limit_ipv6_prefix;

	/* Bookkeeping: where each key was last set, and by whom. */
	char origin[CONFIG_NKEYS][CONFIG_ORIGIN_LEN];
	uint8_t set_by[CONFIG_NKEYS];		/* 0 default, 1 file, 2 command line */
} ilsd_config;

/* Fills in the defaults (listen, index and schema-dir are decided in config_finish). */
void config_init(ilsd_config *c);
void config_free(ilsd_config *c);

/*
 * Sets one key.  where is "FILE:LINE" or "--key", used in messages.
 * from_cli: command-line values override the file's.
 * Returns 0, or -1 with "where: what is wrong" in err.
 */
int config_set(ilsd_config *c, const char *key, const char *value, const char *where,
    bool from_cli, char *err, size_t errlen);

/* Parses configuration text (one file's content); name is used in messages. */
int config_load_text(ilsd_config *c, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
int config_load_file(ilsd_config *c, const char *path, char *err, size_t errlen);

/* What the command line asked for besides configuration keys. */
typedef struct config_cli {
	const char *config_file;	/* --config=FILE or NULL */
	bool check_config;
	bool help;
	bool version;
} config_cli;

/*
 * First pass over argv: finds --config, --check-config, --help, --version
 * and rejects malformed arguments.  Second pass (config_apply_args)
 * applies the --key=value settings after the file was read.
 */
int config_scan_args(int argc, char **argv, config_cli *cli, char *err, size_t errlen);
int config_apply_args(ilsd_config *c, int argc, char **argv, char *err, size_t errlen);

/*
 * Fills in what depends on other keys (default listen addresses, index
 * list and schema directory) and checks consistency (ttl-min <= ttl-default
 * <= ttl-max ...).  Returns 0 or -1 with a message.
 */
int config_finish(ilsd_config *c, char *err, size_t errlen);

/* Parses "HOST:PORT" / "[V6]:PORT" (numeric hosts only). Returns 0 or -1. */
int config_parse_listen(const char *s, listen_addr *out, const char **why);

/* Prints the --help text (every key with its default). */
void config_usage(FILE *out);

#endif
