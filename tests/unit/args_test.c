// SPDX-License-Identifier: GPL-2.0
/* relayctl's argument values (keys, endpoints, names, numbers) and `set` parsing. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "error.h"

#define KEY1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define KEY2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define KEY3 "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

static void test_key_good(void **state)
{
	uint8_t key[WGRELAY_KEY_LEN], back[WGRELAY_KEY_LEN];
	char b64[KEY_B64_LEN + 1];
	int i, round;

	(void)state;
	assert_true(key_from_base64(key, KEY1));
	for (i = 0; i < WGRELAY_KEY_LEN; i++)
		assert_int_equal(key[i], 1);
	/* A real WireGuard public key. */
	assert_true(key_from_base64(key, "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="));
	assert_int_equal(key[0], 0x1c);
	srand(1);
	for (round = 0; round < 1000; round++) {
		for (i = 0; i < WGRELAY_KEY_LEN; i++)
			key[i] = (uint8_t)rand();
		key_to_base64(b64, key);
		assert_int_equal(strlen(b64), KEY_B64_LEN);
		assert_true(key_from_base64(back, b64));
		assert_memory_equal(key, back, WGRELAY_KEY_LEN);
	}
}

static void test_key_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=",		/* 43 */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEA=",	/* 45 */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",		/* no '=' */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==",		/* "==" */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEx",		/* pad replaced */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=",		/* low bits set */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=x",	/* trailing garbage */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE= ",
		"AQEBAQEB!QEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",		/* bad character */
		"AQEBAQEB-QEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",		/* base64url */
		"AQEBAQEB=QEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",		/* '=' inside */
	};
	uint8_t key[WGRELAY_KEY_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (key_from_base64(key, bad[i]))
			fail_msg("accepted bad key '%s'", bad[i]);
}

static void test_names(void **state)
{
	static const char *const good[] = { "a", "home", "Laptop-2", "x.y_z", "0",
					    "abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "", "a b", "a/b", "caf\xc3\xa9", "a,b", "a=b",
					   "abcdefghijklmnopqrstuvwxyz0123456", "tab\t" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!name_is_valid(good[i]))
			fail_msg("rejected good name '%s'", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (name_is_valid(bad[i]))
			fail_msg("accepted bad name '%s'", bad[i]);
}

static void test_endpoints(void **state)
{
	static const char *const bad[] = {
		"1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:abc", "1.2.3.4:-1",
		"::1:51820", "[::1]51820", "[::1]:", "[::1", ":51820", "[]:1", "[1.2.3.4]:5",
		"[zzz::1]:1", "999.1.1.1:1x",
	};
	union wgr_sockaddr ep;
	char buf[ENDPOINT_STRLEN];
	size_t i;

	(void)state;
	assert_int_equal(endpoint_parse(&ep, "192.0.2.1:51820"), 0);
	assert_int_equal(ep.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(ep.in.sin_port), 51820);
	assert_int_equal(endpoint_len(&ep), sizeof(struct sockaddr_in));
	endpoint_format(buf, sizeof(buf), &ep);
	assert_string_equal(buf, "192.0.2.1:51820");

	assert_int_equal(endpoint_parse(&ep, "[2001:db8::1]:1"), 0);
	assert_int_equal(ep.sa.sa_family, AF_INET6);
	assert_int_equal(endpoint_len(&ep), sizeof(struct sockaddr_in6));
	endpoint_format(buf, sizeof(buf), &ep);
	assert_string_equal(buf, "[2001:db8::1]:1");

	assert_int_equal(endpoint_parse(&ep, "[fe80::1%lo]:65535"), 0);
	assert_int_equal(ep.in6.sin6_scope_id, 1);
	endpoint_format(buf, sizeof(buf), &ep);
	assert_string_equal(buf, "[fe80::1%lo]:65535");
	/* Other addresses keep a number: getaddrinfo() takes no name for their scope. */
	assert_int_equal(endpoint_parse(&ep, "[2001:db8::1%1]:5"), 0);
	endpoint_format(buf, sizeof(buf), &ep);
	assert_string_equal(buf, "[2001:db8::1%1]:5");
	assert_int_equal(endpoint_parse(&ep, buf), 0);

	/* Host names go through the resolver; localhost is in /etc/hosts. */
	assert_int_equal(endpoint_parse(&ep, "localhost:5"), 0);
	assert_int_equal(endpoint_len(&ep) != 0, 1);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!endpoint_parse(&ep, bad[i]))
			fail_msg("accepted bad endpoint '%s'", bad[i]);
		if (!strstr(last_error(), bad[i]))
			fail_msg("error '%s' does not name '%s'", last_error(), bad[i]);
	}
}

static void test_numbers(void **state)
{
	uint32_t v;
	bool b;

	(void)state;
	assert_int_equal(parse_u32("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_not_equal(parse_u32("4294967296", 0, UINT32_MAX, &v), 0);
	assert_int_not_equal(parse_u32("", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32(" 1", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32("11", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32("0x5", 0, 10, &v), 0);
	assert_int_equal(parse_bool("On", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("false", &b), 0);
	assert_false(b);
	assert_int_not_equal(parse_bool("1", &b), 0);
}

/* Runs set_args_parse on a NULL-terminated list of words. */
static int set_args(struct wgr_device *dev, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;

	va_start(ap, dev);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(dev, 0, sizeof(*dev));
	return set_args_parse(dev, argc, argv);
}

#define SET_ARGS(dev, ...) set_args(dev, ##__VA_ARGS__, (char *)NULL)

static void expect_set_error(const char *want, int ret)
{
	assert_int_not_equal(ret, 0);
	if (!strstr(last_error(), want))
		fail_msg("error '%s' lacks '%s'", last_error(), want);
}

static void test_set_device_keywords(void **state)
{
	struct wgr_device dev;

	(void)state;
	assert_int_equal(SET_ARGS(&dev, "listen-port", "1", "session-timeout", "86400",
				  "binding-timeout", "1", "max-sessions", "16777216",
				  "discovery-fanout", "64", "roaming", "off", "fast-path", "off",
				  "replace-peers"), 0);
	assert_int_equal(dev.set, DEV_HAS_ALL);
	assert_int_equal(dev.listen_port, 1);
	assert_int_equal(dev.session_timeout, 86400);
	assert_int_equal(dev.binding_timeout, 1);
	assert_int_equal(dev.max_sessions, 16777216);
	assert_int_equal(dev.fanout, 64);
	assert_false(dev.roaming);
	assert_false(dev.fast_path);
	assert_true(dev.replace_peers);
	assert_int_equal(dev.n_peers, 0);

	assert_int_equal(SET_ARGS(&dev), 0);
	assert_int_equal(dev.set, 0);
	assert_int_equal(SET_ARGS(&dev, "roaming", "on"), 0);
	assert_int_equal(dev.set, DEV_HAS_ROAMING);
	assert_true(dev.roaming);
	assert_int_equal(SET_ARGS(&dev, "fast-path", "on"), 0);
	assert_int_equal(dev.set, DEV_HAS_FAST_PATH);
	assert_true(dev.fast_path);
}

static void test_set_bad(void **state)
{
	struct wgr_device dev;

	(void)state;
	expect_set_error("invalid listen-port '0'", SET_ARGS(&dev, "listen-port", "0"));
	expect_set_error("invalid listen-port '65536'", SET_ARGS(&dev, "listen-port", "65536"));
	expect_set_error("invalid listen-port 'abc'", SET_ARGS(&dev, "listen-port", "abc"));
	expect_set_error("invalid session-timeout '0'", SET_ARGS(&dev, "session-timeout", "0"));
	expect_set_error("invalid binding-timeout '86401'",
			 SET_ARGS(&dev, "binding-timeout", "86401"));
	expect_set_error("invalid max-sessions '0'", SET_ARGS(&dev, "max-sessions", "0"));
	expect_set_error("invalid discovery-fanout '65'", SET_ARGS(&dev, "discovery-fanout", "65"));
	expect_set_error("invalid roaming 'sometimes'", SET_ARGS(&dev, "roaming", "sometimes"));
	expect_set_error("invalid fast-path 'fast'", SET_ARGS(&dev, "fast-path", "fast"));
	expect_set_error("'listen-port' needs a value", SET_ARGS(&dev, "listen-port"));
	expect_set_error("'peer' needs a value", SET_ARGS(&dev, "peer"));
	expect_set_error("'name' needs a value", SET_ARGS(&dev, "peer", KEY1, "name"));
	expect_set_error("'endpoint' needs a value", SET_ARGS(&dev, "peer", KEY1, "endpoint"));
	expect_set_error("'allowed-peers' needs a value",
			 SET_ARGS(&dev, "peer", KEY1, "allowed-peers"));
	expect_set_error("unknown keyword 'listenport'", SET_ARGS(&dev, "listenport", "1"));
	expect_set_error("unknown keyword 'peers'", SET_ARGS(&dev, "peer", KEY1, "peers", "x"));
	expect_set_error("invalid public key 'nope'", SET_ARGS(&dev, "peer", "nope"));
	expect_set_error("invalid public key", SET_ARGS(&dev, "peer", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ="));
	expect_set_error("'name' must follow 'peer PUBKEY'", SET_ARGS(&dev, "name", "x"));
	expect_set_error("'remove' must follow 'peer PUBKEY'", SET_ARGS(&dev, "remove"));
	expect_set_error("'listen-port' must come before the first peer",
			 SET_ARGS(&dev, "peer", KEY1, "listen-port", "5"));
	expect_set_error("'replace-peers' must come before the first peer",
			 SET_ARGS(&dev, "peer", KEY1, "replace-peers"));
	expect_set_error("invalid name 'a b'", SET_ARGS(&dev, "peer", KEY1, "name", "a b"));
	expect_set_error("invalid endpoint '1.2.3.4'",
			 SET_ARGS(&dev, "peer", KEY1, "endpoint", "1.2.3.4"));
	expect_set_error("given twice", SET_ARGS(&dev, "peer", KEY1, "peer", KEY1));
	expect_set_error("name 'x' given twice",
			 SET_ARGS(&dev, "peer", KEY1, "name", "x", "peer", KEY2, "name", "x"));
}

static void test_set_peers(void **state)
{
	struct wgr_device dev, existing = { 0 };
	struct wgr_peer *e;

	(void)state;
	assert_int_equal(SET_ARGS(&dev, "listen-port", "4000", "peer", KEY1, "name", "home",
				  "endpoint", "192.0.2.1:51820", "peer", KEY2, "allowed-peers",
				  "home," KEY3 ", far", "peer", KEY3, "remove"), 0);
	assert_int_equal(dev.n_peers, 3);
	assert_string_equal(dev.peers[0].name, "home");
	assert_int_equal(dev.peers[0].set, PEER_HAS_NAME | PEER_HAS_ENDPOINT);
	assert_int_equal(dev.peers[1].set, PEER_HAS_ALLOWED);
	assert_false(dev.peers[1].remove);
	assert_true(dev.peers[2].remove);

	/* "far" is only known on the device. */
	assert_int_not_equal(resolve_allowed(&dev, NULL), 0);
	assert_non_null(strstr(last_error(), "unknown peer 'far'"));
	e = device_add_peer(&existing);
	memset(e->key, 0x42, WGRELAY_KEY_LEN);
	strcpy(e->name, "far");
	device_free(&dev);
	assert_int_equal(SET_ARGS(&dev, "peer", KEY1, "name", "home", "peer", KEY2,
				  "allowed-peers", "home," KEY3 ", far"), 0);
	assert_int_equal(resolve_allowed(&dev, &existing), 0);
	assert_int_equal(dev.peers[1].n_allowed, 3);
	assert_memory_equal(dev.peers[1].allowed[0], dev.peers[0].key, WGRELAY_KEY_LEN);
	assert_memory_equal(dev.peers[1].allowed[2], e->key, WGRELAY_KEY_LEN);
	device_free(&dev);

	/* Renaming the device's peer in the same command frees its old name. */
	assert_int_equal(SET_ARGS(&dev, "peer", "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
				  "name", "near", "peer", KEY1, "allowed-peers", "far"), 0);
	assert_int_not_equal(resolve_allowed(&dev, &existing), 0);
	device_free(&dev);
	device_free(&existing);
}

static void test_set_clear(void **state)
{
	struct wgr_device dev;

	(void)state;
	assert_int_equal(SET_ARGS(&dev, "peer", KEY1, "name", "", "endpoint", "",
				  "allowed-peers", ""), 0);
	assert_int_equal(dev.peers[0].set, PEER_HAS_NAME | PEER_HAS_ENDPOINT | PEER_HAS_ALLOWED);
	assert_string_equal(dev.peers[0].name, "");
	assert_int_equal(dev.peers[0].endpoint.sa.sa_family, AF_UNSPEC);
	assert_int_equal(resolve_allowed(&dev, NULL), 0);
	assert_int_equal(dev.peers[0].n_allowed, 0);
	assert_true(dev.peers[0].set & PEER_HAS_ALLOWED);
	device_free(&dev);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_is_valid("plain", 5));
	assert_true(utf8_is_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(utf8_is_valid("\x80", 1));
	assert_false(utf8_is_valid("\xc3", 1));
	assert_false(utf8_is_valid("\xc1\xbf", 2));
	assert_false(utf8_is_valid("\xe0\x80\x80", 3));
	assert_false(utf8_is_valid("\xed\xbf\xbf", 3));
	assert_false(utf8_is_valid("\xf8\x88\x80\x80\x80", 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_good),
		cmocka_unit_test(test_key_bad),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_set_device_keywords),
		cmocka_unit_test(test_set_bad),
		cmocka_unit_test(test_set_peers),
		cmocka_unit_test(test_set_clear),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
