/*
 * test_server.c - the server's pure helpers: per-address connection
 * counting, the RFC 2589 Refresh value codec, request/response operation
 * pairs and the administrator password file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/ext.h"
#include "server/iplimit.h"
#include "server/ops.h"
#include "test.h"

static struct sockaddr_in
v4(const char *addr, unsigned port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	return sin;
}

TEST(iplimit_counts_per_address)
{
	iplimit *t = iplimit_new();
	struct sockaddr_in a = v4("10.0.0.1", 1000), a2 = v4("10.0.0.1", 2000);
	struct sockaddr_in b = v4("10.0.0.2", 1000);
	struct sockaddr_in6 a6;

	CHECK(t != NULL);
	CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&a, 2), 0);
	/* the port does not matter: same address */
	CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&a2, 2), 0);
	CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&a, 2), -1);
	CHECK_EQ_INT(iplimit_count(t, (struct sockaddr *)&a), 2);
	CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&b, 2), 0);
	/* IPv4-mapped IPv6 is the same client as IPv4 */
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &a6.sin6_addr);
	CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&a6, 2), -1);
	iplimit_release(t, (struct sockaddr *)&a);
	CHECK_EQ_INT(iplimit_count(t, (struct sockaddr *)&a), 1);
	CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&a6, 2), 0);
	iplimit_release(t, (struct sockaddr *)&a);
	iplimit_release(t, (struct sockaddr *)&a);
	CHECK_EQ_INT(iplimit_count(t, (struct sockaddr *)&a), 0);
	/* releasing more than acquired does not underflow */
	iplimit_release(t, (struct sockaddr *)&a);
	CHECK_EQ_INT(iplimit_count(t, (struct sockaddr *)&a), 0);
	/* 0 = no limit, still counted */
	for (int i = 0; i < 1000; i++)
		CHECK_EQ_INT(iplimit_acquire(t, (struct sockaddr *)&b, 0), 0);
	CHECK_EQ_INT(iplimit_count(t, (struct sockaddr *)&b), 1001);
	iplimit_free(t);
}

TEST(iplimit_other_families_unlimited)
{
	iplimit *t = iplimit_new();
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	for (int i = 0; i < 10; i++)
		CHECK_EQ_INT(iplimit_acquire(t, &sa, 1), 0);
	CHECK_EQ_INT(iplimit_count(t, &sa), 0);
	iplimit_free(t);
}

TEST(refresh_request_value)
{
	/* SEQUENCE { [0] "cn=x,o=I", [1] 300 } */
	static const uint8_t ok[] = { 0x30, 0x0e, 0x80, 0x08, 'c', 'n', '=', 'x', ',', 'o', '=',
		'I', 0x81, 0x02, 0x01, 0x2c };
	static const uint8_t negative[] = { 0x30, 0x06, 0x80, 0x01, 'x', 0x81, 0x01, 0xff };
	static const uint8_t swapped[] = { 0x30, 0x06, 0x81, 0x01, 0x05, 0x80, 0x01, 'x' };
	static const uint8_t trailing[] = { 0x30, 0x09, 0x80, 0x01, 'x', 0x81, 0x01, 0x05, 0x04,
		0x00, 0x00 };
	static const uint8_t truncated[] = { 0x30, 0x0e, 0x80, 0x08, 'c', 'n' };
	static const uint8_t universal[] = { 0x30, 0x06, 0x04, 0x01, 'x', 0x02, 0x01, 0x05 };
	ber_slice dn;
	int64_t ttl = -1;

	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ ok, sizeof(ok) }, &dn, &ttl), 0);
	CHECK_EQ_INT(dn.len, 8);
	CHECK_MEM(dn.p, "cn=x,o=I", 8);
	CHECK_EQ_INT(ttl, 300);
	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ negative, sizeof(negative) }, &dn, &ttl), -1);
	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ swapped, sizeof(swapped) }, &dn, &ttl), -1);
	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ trailing, sizeof(trailing) }, &dn, &ttl), -1);
	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ truncated, sizeof(truncated) }, &dn, &ttl), -1);
	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ universal, sizeof(universal) }, &dn, &ttl), -1);
	CHECK_EQ_INT(ext_parse_refresh((ber_slice){ ok, 0 }, &dn, &ttl), -1);
}

TEST(refresh_response_value)
{
	static const uint8_t want[] = { 0x30, 0x04, 0x81, 0x02, 0x0e, 0x10 };	/* 3600 */
	ber_writer w;

	ber_writer_init(&w, 16, 0);
	ext_encode_refresh_value(&w, 3600);
	CHECK_EQ_INT(w.err, 0);
	CHECK_EQ_INT(w.len, sizeof(want));
	CHECK_MEM(w.buf, want, sizeof(want));
	ber_writer_free(&w);
}

TEST(response_ops)
{
	CHECK_EQ_INT(ops_response_op(LDAP_OP_BIND_REQUEST), LDAP_OP_BIND_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_SEARCH_REQUEST), LDAP_OP_SEARCH_DONE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_MODIFY_REQUEST), LDAP_OP_MODIFY_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_ADD_REQUEST), LDAP_OP_ADD_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_DEL_REQUEST), LDAP_OP_DEL_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_MODDN_REQUEST), LDAP_OP_MODDN_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_COMPARE_REQUEST), LDAP_OP_COMPARE_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_EXTENDED_REQUEST), LDAP_OP_EXTENDED_RESPONSE);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_UNBIND_REQUEST), -1);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_ABANDON_REQUEST), -1);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_BIND_RESPONSE), -1);
	CHECK_EQ_INT(ops_response_op(LDAP_OP_SEARCH_ENTRY), -1);
}

/* Writes text to a fresh temporary file with mode; returns its path (static buffer). */
static const char *
temp_file(const char *text, size_t len, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/ilsd-test-pw-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	fchmod(fd, mode);
	close(fd);
	return path;
}

TEST(password_file)
{
	char err[256], *pw = NULL;
	size_t len = 0;
	const char *path;

	path = temp_file("s3cret\nsecond line\n", 19, 0600);
	CHECK(path != NULL);
	CHECK_EQ_INT(auth_read_password_file(path, &pw, &len, err, sizeof(err)), 0);
	CHECK_EQ_INT(len, 6);
	CHECK_STR(pw, "s3cret");
	free(pw);
	unlink(path);

	path = temp_file("crlf\r\n", 6, 0600);
	CHECK_EQ_INT(auth_read_password_file(path, &pw, &len, err, sizeof(err)), 0);
	CHECK_STR(pw, "crlf");
	free(pw);
	unlink(path);

	path = temp_file("no newline", 10, 0600);
	CHECK_EQ_INT(auth_read_password_file(path, &pw, &len, err, sizeof(err)), 0);
	CHECK_STR(pw, "no newline");
	free(pw);
	unlink(path);

	path = temp_file("\nafter empty line\n", 18, 0600);
	CHECK_EQ_INT(auth_read_password_file(path, &pw, &len, err, sizeof(err)), -1);
	CHECK(strstr(err, "first line is empty") != NULL);
	unlink(path);

	char *big = malloc(5000);
	memset(big, 'x', 5000);
	path = temp_file(big, 5000, 0600);
	CHECK_EQ_INT(auth_read_password_file(path, &pw, &len, err, sizeof(err)), -1);
	CHECK(strstr(err, "larger than") != NULL);
	unlink(path);
	free(big);

	CHECK_EQ_INT(auth_read_password_file("/nonexistent/pw", &pw, &len, err, sizeof(err)), -1);
	CHECK(strstr(err, "admin-password-file: cannot open /nonexistent/pw") != NULL);
}

int
main(void)
{
	RUN(iplimit_counts_per_address);
	RUN(iplimit_other_families_unlimited);
	RUN(refresh_request_value);
	RUN(refresh_response_value);
	RUN(response_ops);
	RUN(password_file);
	return test_summary();
}
