/*
 * test_config_security.c - the security keys of the configuration: TLS
 * defaults and consistency, SASL defaults, access rules (syntax, order,
 * the command line replacing the file's list) and the policy built from
 * them, and the abuse-limit defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/policy.h"
#include "test.h"

static char err[1024];

static int
load(ilsd_config *c, const char *text)
{
	config_init(c);
	err[0] = '\0';
	if (config_load_text(c, "t.conf", text, strlen(text), err, sizeof(err)) != 0)
		return -1;
	return config_finish(c, err, sizeof(err));
}

TEST(defaults)
{
	ilsd_config c;

	CHECK_EQ_INT(load(&c, "data-dir = /srv/ils\n"), 0);
	CHECK_EQ_INT(c.nldaps_listen, 0);		/* no TLS, no LDAPS */
	CHECK_STR(c.tls_cert_file, "");
	CHECK_STR(c.tls_min_version, "1.2");
	CHECK(!c.allow_plaintext_password);
	CHECK_STR(c.sasl_db, "/srv/ils/sasldb2");
	CHECK(c.anonymous_read && c.anonymous_register);
	CHECK_EQ_INT(c.naccess, 0);
	CHECK_EQ_INT(c.max_registrations_per_ip, 128);
	CHECK_EQ_INT(c.max_entries, 2000000);
	CHECK_EQ_INT(c.connection_rate_per_ip, 20);
	CHECK_EQ_INT(c.connection_burst_per_ip, 100);
	CHECK_EQ_INT(c.bind_rate_per_ip, 20);
	CHECK_EQ_INT(c.add_rate_per_ip, 10);
	CHECK_EQ_INT(c.add_burst_per_ip, 50);
	CHECK_EQ_INT(c.failed_bind_delay, 100);
	CHECK_EQ_INT(c.failed_bind_delay_max, 5000);
	CHECK_EQ_INT(c.max_value_size, 8192);
	CHECK_EQ_INT(c.max_values_per_attribute, 64);
	CHECK_EQ_INT(c.max_attributes_per_entry, 64);
	CHECK_STR(c.limit_exempt, "127.0.0.0/8 ::1");
	CHECK_EQ_INT(c.limit_ipv6_prefix, 64);
	config_free(&c);
}

TEST(tls_keys)
{
	ilsd_config c;

	CHECK_EQ_INT(load(&c, "tls-cert-file = /c.pem\ntls-key-file = /k.pem\n"), 0);
	CHECK_EQ_INT(c.nldaps_listen, 1);
	CHECK_STR(c.ldaps_listen[0].text, "0.0.0.0:636");
	config_free(&c);

	CHECK_EQ_INT(load(&c, "tls-cert-file = /c.pem\ntls-key-file = /k.pem\n"
	    "ldaps-listen = 127.0.0.1:1636\nldaps-listen = [::1]:1636\n"), 0);
	CHECK_EQ_INT(c.nldaps_listen, 2);
	CHECK_STR(c.ldaps_listen[1].text, "[::1]:1636");
	config_free(&c);

	CHECK(load(&c, "tls-cert-file = /c.pem\n") != 0);
	CHECK(strstr(err, "t.conf:1: tls-cert-file and tls-key-file go together") != NULL);
	config_free(&c);
	CHECK(load(&c, "ldaps-listen = 127.0.0.1:1636\n") != 0);
	CHECK(strstr(err, "ldaps-listen needs tls-cert-file") != NULL);
	config_free(&c);
	CHECK(load(&c, "tls-ca-file = /ca.pem\n") != 0);
	CHECK(strstr(err, "tls-ca-file needs") != NULL);
	config_free(&c);
	CHECK(load(&c, "tls-min-version = 1.1\n") != 0);
	CHECK(strstr(err, "tls-min-version must be 1.2 or 1.3") != NULL);
	config_free(&c);
	CHECK(load(&c, "tls-cert-file = /c.pem\ntls-key-file = /k.pem\n"
	    "ldaps-listen = 127.0.0.1:1636\nldaps-listen = 127.0.0.1:1636\n") != 0);
	CHECK(strstr(err, "t.conf:4: ldaps-listen \"127.0.0.1:1636\" given twice") != NULL);
	config_free(&c);
}

TEST(other_checks)
{
	ilsd_config c;

	CHECK(load(&c, "failed-bind-delay = 6000\n") != 0);
	CHECK(strstr(err, "failed-bind-delay (6000) is greater") != NULL);
	config_free(&c);
	CHECK(load(&c, "group = daemon\n") != 0);
	CHECK(strstr(err, "group needs user") != NULL);
	config_free(&c);
	CHECK(load(&c, "limit-ipv6-prefix = 129\n") != 0);
	config_free(&c);
	CHECK_EQ_INT(load(&c, "sasl-db = /etc/ilsd/sasldb2\nmax-value-size = 64K\n"), 0);
	CHECK_STR(c.sasl_db, "/etc/ilsd/sasldb2");
	CHECK_EQ_INT(c.max_value_size, 65536);
	config_free(&c);
}

TEST(access_rules)
{
	ilsd_config c;
	char *argv[] = { "ilsd", "--access=* by anyone read", NULL };

	CHECK_EQ_INT(load(&c, "access = ou=Dynamic,o=Intranet by dn:uid=a,cn=auth all\n"
	    "access = * by anonymous none\n"), 0);
	CHECK_EQ_INT(c.naccess, 2);
	CHECK_STR(c.access[1], "* by anonymous none");
	/* The command line's first value replaces the file's list. */
	CHECK_EQ_INT(config_apply_args(&c, 2, argv, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.naccess, 1);
	CHECK_STR(c.access[0], "* by anyone read");
	config_free(&c);

	CHECK(load(&c, "threads = 1\naccess = o=Intranet read\n") != 0);
	CHECK(strstr(err, "t.conf:2: access \"o=Intranet read\": expected") != NULL);
	config_free(&c);
	CHECK(load(&c, "access = o=Intranet by someone read\n") != 0);
	CHECK(strstr(err, "WHO must be") != NULL);
	config_free(&c);
	CHECK(load(&c, "access = o=Intranet by users read,delete\n") != 0);
	CHECK(strstr(err, "RIGHTS must be") != NULL);
	config_free(&c);
	CHECK(load(&c, "access = o=Intranet by dn: read\n") != 0);
	config_free(&c);
}

TEST(policy_from_config)
{
	ilsd_config c;
	policy p;

	CHECK_EQ_INT(load(&c, "anonymous-read = false\n"
	    "access = ou=Dynamic, o=Intranet  by  under:cn=EXAMPLE.ORG,cn=auth  read,register\n"
	    "access = * By DN:uid=boss,cn=auth all\n"
	    "access = * by users none\n"), 0);
	CHECK_EQ_INT(policy_build(&p, &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(p.acc.nrules, 3);
	CHECK_STR(p.rules[0].subtree, "ou=Dynamic, o=Intranet");
	CHECK_EQ_INT(p.rules[0].who, DIR_WHO_UNDER);
	CHECK_STR(p.rules[0].who_dn, "cn=EXAMPLE.ORG,cn=auth");
	CHECK_EQ_INT(p.rules[0].rights, DIR_RIGHT_READ | DIR_RIGHT_REGISTER);
	CHECK_STR(p.rules[1].subtree, "");
	CHECK_EQ_INT(p.rules[1].who, DIR_WHO_DN);
	CHECK_EQ_INT(p.rules[1].rights, DIR_RIGHT_READ | DIR_RIGHT_REGISTER | DIR_RIGHT_WRITE);
	CHECK_EQ_INT(p.rules[2].who, DIR_WHO_USERS);
	CHECK_EQ_INT(p.rules[2].rights, 0);
	/* anonymous-read off, anonymous-register on. */
	CHECK_EQ_INT(p.acc.anonymous_rights, DIR_RIGHT_REGISTER);
	CHECK_EQ_INT(p.acc.user_rights, DIR_RIGHT_READ | DIR_RIGHT_REGISTER);
	CHECK_STR(p.acc.hidden_attr, "sFlags");
	CHECK_STR(p.acc.hidden_value, "0");
	CHECK(p.acc.private_attrs != NULL && strcmp(p.acc.private_attrs[0], "securityToken") == 0);
	policy_free(&p);
	config_free(&c);

	CHECK_EQ_INT(load(&c, "anonymous-register = false\n"), 0);
	CHECK_EQ_INT(policy_build(&p, &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(p.acc.anonymous_rights, DIR_RIGHT_READ);
	CHECK_EQ_INT(p.acc.nrules, 0);
	policy_free(&p);
	config_free(&c);
	CHECK(policy_check_rule("* by anyone all") == NULL);
	CHECK(policy_check_rule("*by anyone all") != NULL);
}

int
main(void)
{
	RUN(defaults);
	RUN(tls_keys);
	RUN(other_checks);
	RUN(access_rules);
	RUN(policy_from_config);
	return test_summary();
}
