/*
 * test_config.c - configuration parsing: defaults, the file format, the
 * command line, and every kind of error with its location.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "test.h"

static char err[1024];

/* Loads text as file "t.conf" into a fresh config; returns config_load_text's result. */
static int
load(ilsd_config *c, const char *text)
{
	config_init(c);
	err[0] = '\0';
	return config_load_text(c, "t.conf", text, strlen(text), err, sizeof(err));
}

static int
args(ilsd_config *c, int argc, char **argv)
{
	err[0] = '\0';
	return config_apply_args(c, argc, argv, err, sizeof(err));
}

TEST(defaults)
{
	ilsd_config c;

	config_init(&c);
	CHECK_EQ_INT(config_finish(&c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.nlisten, 2);
	CHECK_STR(c.listen[0].text, "0.0.0.0:1002");
	CHECK_EQ_INT(c.listen[0].port, 1002);
	CHECK_STR(c.listen[1].text, "0.0.0.0:389");
	CHECK_STR(c.data_dir, "./data");
	CHECK(c.schema_dir != NULL && c.schema_dir[0] != '\0');
	CHECK(!c.foreground);
	CHECK_EQ_INT(c.log_level, 2);
	CHECK_STR(c.pid_file, "");
	CHECK_STR(c.admin_dn, "cn=admin,o=Intranet");
	CHECK_STR(c.admin_password_file, "");
	CHECK_STR(c.suffix, "o=Intranet");
	CHECK(c.threads >= 1 && c.threads <= CONFIG_MAX_THREADS);
	CHECK_EQ_INT(c.max_pdu_size, 1024 * 1024);
	CHECK_EQ_INT(c.max_connections, 10000);
	CHECK_EQ_INT(c.max_connections_per_ip, 256);
	CHECK_EQ_INT(c.idle_timeout, 900);
	CHECK_EQ_INT(c.max_ops_per_connection, 64);
	CHECK_EQ_INT(c.size_limit, 0);
	CHECK_EQ_INT(c.time_limit, 60);
	CHECK_EQ_INT(c.write_buffer_high_water, 256 * 1024);
	CHECK_EQ_INT(c.ttl_default, 600);
	CHECK_EQ_INT(c.ttl_min, 60);
	CHECK_EQ_INT(c.ttl_max, 86400);
	CHECK(c.sync);
	CHECK_EQ_INT(c.sync_interval, 1);
	CHECK_EQ_INT(c.map_size, 1024LL * 1024 * 1024);
	CHECK_EQ_INT(c.sweep_interval, 1000);
	CHECK_EQ_INT(c.sweep_batch, 1000);
	CHECK_EQ_INT(c.nindex, 5);
	CHECK_STR(c.index[0], "objectClass");
	CHECK_STR(c.index[4], "protocolID");
	config_free(&c);
}

TEST(file_format)
{
	ilsd_config c;
	const char *text =
	    "# a comment\n"
	    "\n"
	    "   # indented comment\n"
	    "threads = 3\n"
	    "foreground=yes\n"
	    "  data-dir   =   /var/lib/ilsd  \n"
	    "max-pdu-size = 64K   # trailing comment\n"
	    "write-buffer-high-water = 1MiB\n"
	    "map-size = 2G\r\n"
	    "listen = 127.0.0.1:1389\n"
	    "listen = [::1]:1389\n"
	    "log-level = debug\n"
	    "sync = off\n"
	    "index = cn, uid  sn\n"
	    "suffix = o=Intranet#1\n"
	    "pid-file =\n";

	CHECK_EQ_INT(load(&c, text), 0);
	CHECK_STR(err, "");
	CHECK_EQ_INT(config_finish(&c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.threads, 3);
	CHECK(c.foreground);
	CHECK_STR(c.data_dir, "/var/lib/ilsd");
	CHECK_EQ_INT(c.max_pdu_size, 65536);
	CHECK_EQ_INT(c.write_buffer_high_water, 1024 * 1024);
	CHECK_EQ_INT(c.map_size, 2LL * 1024 * 1024 * 1024);
	CHECK_EQ_INT(c.nlisten, 2);
	CHECK_EQ_INT(c.listen[0].ss.ss_family, AF_INET);
	CHECK_EQ_INT(c.listen[1].ss.ss_family, AF_INET6);
	CHECK_EQ_INT(c.listen[1].port, 1389);
	CHECK_EQ_INT(c.log_level, 3);
	CHECK(!c.sync);
	CHECK_EQ_INT(c.nindex, 3);
	CHECK_STR(c.index[0], "cn");
	CHECK_STR(c.index[2], "sn");
	/* '#' not preceded by white space belongs to the value. */
	CHECK_STR(c.suffix, "o=Intranet#1");
	CHECK_STR(c.pid_file, "");
	config_free(&c);
}

/* Each bad line must fail with "t.conf:LINE: ..." mentioning what. */
static void
expect_error(const char *text, const char *where, const char *what)
{
	ilsd_config c;

	CHECK_EQ_INT(load(&c, text), -1);
	if (strncmp(err, where, strlen(where)) != 0 || strstr(err, what) == NULL) {
		fprintf(stderr, "  text %s-> error \"%s\", wanted \"%s...%s\"\n", text, err, where,
		    what);
		test_checks_failed_now++;
	}
	config_free(&c);
}

TEST(file_errors)
{
	expect_error("threads = 2\nbogus = 1\n", "t.conf:2: ", "unknown key \"bogus\"");
	expect_error("\n\nthreads 2\n", "t.conf:3: ", "expected \"key = value\"");
	expect_error(" = 2\n", "t.conf:1: ", "missing key");
	expect_error("threads = 0\n", "t.conf:1: ", "threads must be an integer from 1 to 64");
	expect_error("threads = 65\n", "t.conf:1: ", "from 1 to 64");
	expect_error("threads = -1\n", "t.conf:1: ", "threads");
	expect_error("threads = 2x\n", "t.conf:1: ", "\"2x\"");
	expect_error("threads = 0x10\n", "t.conf:1: ", "threads");
	expect_error("idle-timeout = 99999999999999999999999\n", "t.conf:1: ", "idle-timeout");
	expect_error("threads = 2\nthreads = 3\n", "t.conf:2: ", "given twice (first at t.conf:1)");
	expect_error("foreground = maybe\n", "t.conf:1: ", "true or false");
	expect_error("log-level = loud\n", "t.conf:1: ", "log-level must be");
	expect_error("max-pdu-size = 1X\n", "t.conf:1: ", "max-pdu-size must be a size");
	expect_error("max-pdu-size = 100\n", "t.conf:1: ", "from 1024");
	expect_error("max-pdu-size = 99999999999999G\n", "t.conf:1: ", "max-pdu-size");
	expect_error("listen = 127.0.0.1\n", "t.conf:1: ", "expected HOST:PORT");
	expect_error("listen = 127.0.0.1:0\n", "t.conf:1: ", "port must be");
	expect_error("listen = 127.0.0.1:65536\n", "t.conf:1: ", "port must be");
	expect_error("listen = ::1:389\n", "t.conf:1: ", "IPv6");
	expect_error("listen = [::1]389\n", "t.conf:1: ", "[IPV6]:PORT");
	expect_error("listen = host.example:389\n", "t.conf:1: ", "numeric IPv4");
	expect_error("listen = 1.2.3.4:389\nlisten = 1.2.3.4:389\n", "t.conf:2: ", "given twice");
	expect_error("data-dir =\n", "t.conf:1: ", "data-dir must not be empty");
	expect_error("index = cn c$n\n", "t.conf:1: ", "bad attribute name");
	expect_error("size-limit = -5\n", "t.conf:1: ", "size-limit");
}

TEST(file_limits)
{
	ilsd_config c;
	char *big = malloc(5000);
	char withnul[] = "threads = 2\0\n";

	memset(big, 'a', 4999);
	big[4999] = '\0';
	CHECK_EQ_INT(load(&c, big), -1);
	CHECK(strstr(err, "t.conf:1: line longer than") != NULL);
	config_free(&c);
	free(big);

	config_init(&c);
	CHECK_EQ_INT(config_load_text(&c, "t.conf", withnul, sizeof(withnul) - 1, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "NUL byte") != NULL);
	config_free(&c);

	config_init(&c);
	CHECK_EQ_INT(config_load_file(&c, "/nonexistent/ilsd.conf", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/ilsd.conf: cannot open") != NULL);
	config_free(&c);
}

TEST(listen_forms)
{
	listen_addr la;
	const char *why = NULL;

	CHECK_EQ_INT(config_parse_listen("[::1]:389", &la, &why), 0);
	CHECK_EQ_INT(la.ss.ss_family, AF_INET6);
	CHECK_EQ_INT(la.port, 389);
	CHECK_EQ_INT(config_parse_listen("[::]:1002", &la, &why), 0);
	CHECK_EQ_INT(config_parse_listen("*:1002", &la, &why), 0);
	CHECK_EQ_INT(((struct sockaddr_in *)&la.ss)->sin_addr.s_addr, htonl(INADDR_ANY));
	CHECK_EQ_INT(config_parse_listen("localhost:1002", &la, &why), 0);
	CHECK_EQ_INT(((struct sockaddr_in *)&la.ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_EQ_INT(ntohs(((struct sockaddr_in *)&la.ss)->sin_port), 1002);
	CHECK_EQ_INT(config_parse_listen(":389", &la, &why), -1);
	CHECK_EQ_INT(config_parse_listen("[]:389", &la, &why), -1);
	CHECK_EQ_INT(config_parse_listen("[::1", &la, &why), -1);
	CHECK_EQ_INT(config_parse_listen("1.2.3.4:", &la, &why), -1);
	CHECK_EQ_INT(config_parse_listen("1.2.3.4:+5", &la, &why), -1);
	CHECK_EQ_INT(config_parse_listen("300.2.3.4:5", &la, &why), -1);
}

TEST(command_line)
{
	ilsd_config c;
	char *argv1[] = { "ilsd", "--threads=2", "--listen=127.0.0.1:2000",
		"--listen=127.0.0.1:2001", "--foreground", "--config=x.conf", "--check-config",
		"--log-level=warn", "--log-level=error", NULL };

	/* The file says threads = 4 and one listen; the command line wins. */
	CHECK_EQ_INT(load(&c, "threads = 4\nlisten = 10.0.0.1:389\nsync = false\n"), 0);
	CHECK_EQ_INT(args(&c, 9, argv1), 0);
	CHECK_STR(err, "");
	CHECK_EQ_INT(config_finish(&c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.threads, 2);
	CHECK_EQ_INT(c.nlisten, 2);
	CHECK_STR(c.listen[0].text, "127.0.0.1:2000");
	CHECK_STR(c.listen[1].text, "127.0.0.1:2001");
	CHECK(c.foreground);
	CHECK(!c.sync);			/* from the file, untouched */
	CHECK_EQ_INT(c.log_level, 0);	/* the later option wins */
	config_free(&c);
}

TEST(command_line_errors)
{
	ilsd_config c;
	char *bad_value[] = { "ilsd", "--threads=many", NULL };
	char *no_value[] = { "ilsd", "--threads", NULL };
	char *unknown[] = { "ilsd", "--bogus=1", NULL };
	char *positional[] = { "ilsd", "extra", NULL };
	char *bad_bool[] = { "ilsd", "--sync=perhaps", NULL };

	config_init(&c);
	CHECK_EQ_INT(args(&c, 2, bad_value), -1);
	CHECK(strncmp(err, "--threads: threads must be an integer", 37) == 0);
	CHECK_EQ_INT(args(&c, 2, no_value), -1);
	CHECK_STR(err, "--threads: a value is required (--threads=VALUE)");
	CHECK_EQ_INT(args(&c, 2, unknown), -1);
	CHECK_STR(err, "--bogus: unknown option");
	CHECK_EQ_INT(args(&c, 2, positional), -1);
	CHECK(strncmp(err, "extra: unexpected argument", 26) == 0);
	CHECK_EQ_INT(args(&c, 2, bad_bool), -1);
	CHECK(strncmp(err, "--sync: sync must be true or false", 34) == 0);
	config_free(&c);
}

TEST(scan_args)
{
	config_cli cli;
	char *a1[] = { "ilsd", "--config=/etc/ilsd.conf", "--check-config", "--threads=2", NULL };
	char *a2[] = { "ilsd", "--help", NULL };
	char *a3[] = { "ilsd", "-V", NULL };
	char *a4[] = { "ilsd", "--config", "/etc/ilsd.conf", NULL };
	char *a5[] = { "ilsd", "--nope", NULL };
	char *a6[] = { "ilsd", "--data-dir", NULL };

	CHECK_EQ_INT(config_scan_args(4, a1, &cli, err, sizeof(err)), 0);
	CHECK_STR(cli.config_file, "/etc/ilsd.conf");
	CHECK(cli.check_config && !cli.help && !cli.version);
	CHECK_EQ_INT(config_scan_args(2, a2, &cli, err, sizeof(err)), 0);
	CHECK(cli.help);
	CHECK_EQ_INT(config_scan_args(2, a3, &cli, err, sizeof(err)), 0);
	CHECK(cli.version);
	CHECK_EQ_INT(config_scan_args(3, a4, &cli, err, sizeof(err)), -1);
	CHECK_STR(err, "--config: write --config=FILE");
	CHECK_EQ_INT(config_scan_args(2, a5, &cli, err, sizeof(err)), -1);
	CHECK_STR(err, "--nope: unknown option");
	CHECK_EQ_INT(config_scan_args(2, a6, &cli, err, sizeof(err)), -1);
	CHECK(strstr(err, "a value is required") != NULL);
}

TEST(consistency)
{
	ilsd_config c;

	CHECK_EQ_INT(load(&c, "ttl-min = 100\nttl-max = 50\n"), 0);
	CHECK_EQ_INT(config_finish(&c, err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:1: ttl-min (100) is greater than ttl-max (50)");
	config_free(&c);

	CHECK_EQ_INT(load(&c, "\nttl-default = 10\n"), 0);
	CHECK_EQ_INT(config_finish(&c, err, sizeof(err)), -1);
	CHECK(strncmp(err, "t.conf:2: ttl-default (10) must lie between", 43) == 0);
	config_free(&c);

	/* An explicit empty index list means no index, not the default list. */
	CHECK_EQ_INT(load(&c, "index =\n"), 0);
	CHECK_EQ_INT(config_finish(&c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.nindex, 0);
	config_free(&c);
}

TEST(real_file)
{
	ilsd_config c;
	char path[] = "/tmp/ilsd-test-config-XXXXXX";
	const char *text = "threads = 2\nlisten = 127.0.0.1:3890\nwrong line\n";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	config_init(&c);
	CHECK_EQ_INT(config_load_file(&c, path, err, sizeof(err)), -1);
	CHECK(strncmp(err, path, strlen(path)) == 0 && strstr(err, ":3: expected") != NULL);
	config_free(&c);
	unlink(path);
}

int
main(void)
{
	RUN(defaults);
	RUN(file_format);
	RUN(file_errors);
	RUN(file_limits);
	RUN(listen_forms);
	RUN(command_line);
	RUN(command_line_errors);
	RUN(scan_args);
	RUN(consistency);
	RUN(real_file);
	return test_summary();
}
