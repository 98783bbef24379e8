// SPDX-License-Identifier: GPL-2.0
/* relayctl's config file parser, AllowedPeers resolution, syncconf diff, showconf text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "error.h"

/* A key whose 32 bytes are all @n, in base64. */
static const char *key_b64(int n)
{
	static char buf[8][KEY_B64_LEN + 1];
	static int slot;
	uint8_t key[WGRELAY_KEY_LEN];
	char *out = buf[slot++ % 8];

	memset(key, n, sizeof(key));
	key_to_base64(out, key);
	return out;
}

static int parse(struct wgr_device *dev, const char *text)
{
	memset(dev, 0, sizeof(*dev));
	return config_parse(dev, text, strlen(text), "test.conf");
}

/* Parsing @text fails, and the message contains each of the strings given. */
static void expect_error(const char *text, size_t len, ...)
{
	struct wgr_device dev = { 0 };
	const char *want;
	va_list ap;

	assert_int_not_equal(config_parse(&dev, text, len, "test.conf"), 0);
	va_start(ap, len);
	while ((want = va_arg(ap, const char *))) {
		if (!strstr(last_error(), want))
			fail_msg("error '%s' lacks '%s'", last_error(), want);
	}
	va_end(ap);
	device_free(&dev);
}

#define EXPECT_ERROR(text, ...) expect_error(text, strlen(text), __VA_ARGS__, NULL)

static void test_good_file(void **state)
{
	struct wgr_device dev;
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text),
		 "# a relay\n"
		 "\n"
		 "[Relay]\r\n"
		 "ListenPort = 51821   # comment after a value\n"
		 "sessiontimeout=90\n"
		 "  BindingTimeout\t=\t600  \n"
		 "MaxSessions = 16777216\n"
		 "DiscoveryFanout = 0\n"
		 "Roaming = no\n"
		 "FastPath = off\n"
		 "\n"
		 "[peer]\n"
		 "PublicKey = %s\n"
		 "Name = home\n"
		 "Endpoint = 192.0.2.1:51820\n"
		 "[Peer]\n"
		 "PublicKey = %s\n"
		 "Name = laptop\n"
		 "Endpoint = [2001:db8::2]:4500\n"
		 "AllowedPeers = home, %s\n"
		 "[Peer]\n"
		 "PUBLICKEY = %s\n",
		 key_b64(1), key_b64(2), key_b64(3), key_b64(3));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_equal(dev.set, DEV_HAS_ALL);
	assert_int_equal(dev.listen_port, 51821);
	assert_int_equal(dev.session_timeout, 90);
	assert_int_equal(dev.binding_timeout, 600);
	assert_int_equal(dev.max_sessions, 16777216);
	assert_int_equal(dev.fanout, 0);
	assert_false(dev.roaming);
	assert_false(dev.fast_path);
	assert_int_equal(dev.n_peers, 3);
	assert_string_equal(dev.peers[0].name, "home");
	assert_int_equal(dev.peers[0].endpoint.sa.sa_family, AF_INET);
	assert_int_equal(dev.peers[1].endpoint.sa.sa_family, AF_INET6);
	assert_int_equal(dev.peers[1].line, 16);
	assert_non_null(dev.peers[1].allowed_spec);
	assert_int_equal(dev.peers[2].set, 0);

	assert_int_equal(resolve_allowed(&dev, NULL), 0);
	assert_int_equal(dev.peers[1].n_allowed, 2);
	assert_memory_equal(dev.peers[1].allowed[0], dev.peers[0].key, WGRELAY_KEY_LEN);
	assert_memory_equal(dev.peers[1].allowed[1], dev.peers[2].key, WGRELAY_KEY_LEN);
	device_free(&dev);
}

static void test_empty_file(void **state)
{
	struct wgr_device dev;

	(void)state;
	assert_int_equal(parse(&dev, ""), 0);
	assert_int_equal(parse(&dev, "# nothing\n\n   \n"), 0);
	assert_int_equal(dev.n_peers, 0);
	assert_int_equal(dev.set, 0);
}

static void test_long_line(void **state)
{
	size_t len = CONFIG_MAX_LINE + 1;
	char *text = malloc(len + 32);
	struct wgr_device dev = { 0 };

	(void)state;
	/* One byte over the limit: rejected, naming the line, never truncated. */
	strcpy(text, "[Relay]\n#");
	memset(text + 9, 'x', len - 1);
	strcpy(text + 8 + len, "\n");
	expect_error(text, strlen(text), "test.conf:2:", "longer than", NULL);
	/* Exactly at the limit: fine. */
	text[8 + len - 1] = '\n';
	text[8 + len] = '\0';
	assert_int_equal(config_parse(&dev, text, strlen(text), "test.conf"), 0);
	device_free(&dev);
	free(text);
}

static void test_missing_section(void **state)
{
	char text[256];

	(void)state;
	EXPECT_ERROR("ListenPort = 1\n", "test.conf:1:", "before any");
	snprintf(text, sizeof(text), "# c\nPublicKey = %s\n[Peer]\n", key_b64(1));
	EXPECT_ERROR(text, "test.conf:2:", "'PublicKey' before any");
	EXPECT_ERROR("[Relay]\n[Peer]\nName = a\n[Peer]\n", "test.conf:2:", "without a PublicKey");
	EXPECT_ERROR("[Relay]\n[Peer]\n", "test.conf:2:", "without a PublicKey");
	EXPECT_ERROR("[Relays]\n", "test.conf:1:", "unknown section '[Relays]'");
	EXPECT_ERROR("[Peer] x\n", "test.conf:1:", "unknown section");
	EXPECT_ERROR("[Relay]\n[Relay]\n", "test.conf:2:", "second [Relay]");
	EXPECT_ERROR("[Relay]\nName = x\n", "test.conf:2:", "'Name' does not belong in a [Relay]");
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nListenPort = 5\n", key_b64(1));
	EXPECT_ERROR(text, "test.conf:3:", "'ListenPort' does not belong in a [Peer]");
}

static void test_duplicates(void **state)
{
	char text[512];

	(void)state;
	EXPECT_ERROR("[Relay]\nListenPort = 1\nlistenport = 2\n", "test.conf:3:", "duplicate 'listenport'");
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nPublicKey = %s\n", key_b64(1),
		 key_b64(2));
	EXPECT_ERROR(text, "test.conf:3:", "duplicate 'PublicKey'");
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nName = a\nName = b\n", key_b64(1));
	EXPECT_ERROR(text, "test.conf:4:", "duplicate 'Name'");
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\n\n[Peer]\nPublicKey = %s\n",
		 key_b64(1), key_b64(1));
	EXPECT_ERROR(text, "test.conf:4:", "duplicate peer", key_b64(1), "line 1");
	snprintf(text, sizeof(text),
		 "[Peer]\nPublicKey = %s\nName = home\n[Peer]\nPublicKey = %s\nName = home\n",
		 key_b64(1), key_b64(2));
	EXPECT_ERROR(text, "test.conf:4:", "duplicate peer name 'home'", "line 1");
}

static void test_bad_bytes(void **state)
{
	static const char nul[] = "[Relay]\nListenPort = 1\0\n";
	static const char bad[][32] = {
		"[Relay]\n# caf\xe9\n",		/* Latin-1 */
		"[Relay]\n# \xc0\x80\n",	/* overlong NUL */
		"[Relay]\n# \xed\xa0\x80\n",	/* surrogate */
		"[Relay]\n# \xf4\x90\x80\x80\n",	/* above U+10FFFF */
		"[Relay]\n# \xe2\x82\n",	/* truncated */
		"[Relay]\n# \xff\n",
	};
	struct wgr_device dev;
	size_t i;

	(void)state;
	expect_error(nul, sizeof(nul) - 1, "test.conf:2:", "NUL byte", NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], strlen(bad[i]), "test.conf:2:", "UTF-8", NULL);
	/* Valid UTF-8 in a comment is fine. */
	assert_int_equal(parse(&dev, "[Relay]\n# caf\xc3\xa9 \xf0\x9f\x98\x80\n"), 0);
	/* ...but not in a name. */
	EXPECT_ERROR("[Peer]\nName = caf\xc3\xa9\n", "test.conf:2:", "invalid Name");
}

static void test_bad_keys_and_lines(void **state)
{
	(void)state;
	EXPECT_ERROR("[Relay]\nListenPrt = 1\n", "test.conf:2:", "unknown key 'ListenPrt'");
	EXPECT_ERROR("[Relay]\njust some words\n", "test.conf:2:", "expected 'Key = Value'",
		     "just some words");
	EXPECT_ERROR("[Relay]\nListenPort =\n", "test.conf:2:", "'ListenPort' has no value");
	EXPECT_ERROR("[Peer]\nPublicKey = abc\n", "test.conf:2:", "invalid PublicKey 'abc'");
	EXPECT_ERROR("[Peer]\nPublicKey = # the key\n", "test.conf:2:", "no value");
	EXPECT_ERROR("[Peer]\nEndpoint = nowhere\n", "test.conf:2:", "invalid endpoint 'nowhere'");
	EXPECT_ERROR("[Peer]\nName = a b\n", "test.conf:2:", "invalid Name 'a b'");
}

static void test_bad_numbers(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "ListenPort = 0", "invalid ListenPort '0'" },
		{ "ListenPort = 65536", "invalid ListenPort '65536'" },
		{ "ListenPort = abc", "invalid ListenPort 'abc'" },
		{ "ListenPort = -1", "invalid ListenPort '-1'" },
		{ "ListenPort = +1", "invalid ListenPort '+1'" },
		{ "ListenPort = 1x", "invalid ListenPort '1x'" },
		{ "ListenPort = 99999999999999999999999", "invalid ListenPort" },
		{ "SessionTimeout = 0", "invalid SessionTimeout '0'" },
		{ "SessionTimeout = 86401", "invalid SessionTimeout '86401'" },
		{ "BindingTimeout = 0", "invalid BindingTimeout '0'" },
		{ "MaxSessions = 0", "invalid MaxSessions '0'" },
		{ "MaxSessions = 16777217", "invalid MaxSessions '16777217'" },
		{ "DiscoveryFanout = 65", "invalid DiscoveryFanout '65'" },
		{ "Roaming = maybe", "invalid Roaming 'maybe'" },
		{ "FastPath = 2", "invalid FastPath '2'" },
	};
	struct wgr_device dev;
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[Relay]\n%s\n", cases[i].text);
		EXPECT_ERROR(text, "test.conf:2:", cases[i].want);
	}
	assert_int_equal(parse(&dev, "[Relay]\nListenPort = 65535\nSessionTimeout = 86400\n"
				     "Roaming = TRUE\n"), 0);
	assert_int_equal(dev.listen_port, 65535);
	assert_true(dev.roaming);
}

static void test_resolve(void **state)
{
	struct wgr_device dev, existing = { 0 };
	struct wgr_peer *p;
	char text[1024];

	(void)state;
	/* Unknown name, named with the file and the peer's line. */
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nAllowedPeers = ghost\n", key_b64(1));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_not_equal(resolve_allowed(&dev, NULL), 0);
	assert_non_null(strstr(last_error(), "test.conf:1:"));
	assert_non_null(strstr(last_error(), "unknown peer 'ghost'"));
	device_free(&dev);

	/* A name known only on the device resolves when the device is given. */
	p = device_add_peer(&existing);
	memset(p->key, 9, WGRELAY_KEY_LEN);
	strcpy(p->name, "ghost");
	assert_int_equal(parse(&dev, text), 0);
	assert_int_equal(resolve_allowed(&dev, &existing), 0);
	assert_int_equal(dev.peers[0].n_allowed, 1);
	assert_memory_equal(dev.peers[0].allowed[0], p->key, WGRELAY_KEY_LEN);
	device_free(&dev);

	/* ...but not when the config replaces the device's peers. */
	assert_int_equal(parse(&dev, text), 0);
	dev.replace_peers = true;
	assert_int_not_equal(resolve_allowed(&dev, &existing), 0);
	device_free(&dev);

	/* A file name clashing with another peer's name on the device. */
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nName = ghost\n", key_b64(1));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_not_equal(resolve_allowed(&dev, &existing), 0);
	assert_non_null(strstr(last_error(), "'ghost'"));
	device_free(&dev);

	/* Empty entries, bad entries, repeated entries. */
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nAllowedPeers = %s,,%s\n", key_b64(1),
		 key_b64(2), key_b64(3));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_not_equal(resolve_allowed(&dev, NULL), 0);
	assert_non_null(strstr(last_error(), "empty entry"));
	device_free(&dev);
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nAllowedPeers = a/b\n", key_b64(1));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_not_equal(resolve_allowed(&dev, NULL), 0);
	assert_non_null(strstr(last_error(), "'a/b'"));
	device_free(&dev);
	snprintf(text, sizeof(text), "[Peer]\nPublicKey = %s\nName = me\nAllowedPeers = me, %s\n",
		 key_b64(1), key_b64(1));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_not_equal(resolve_allowed(&dev, NULL), 0);
	assert_non_null(strstr(last_error(), "listed twice"));
	device_free(&dev);
	device_free(&existing);
}

/* peer-config's and diagnose's PEER argument, and who may talk to whom. */
static void test_lookup_and_pairs(void **state)
{
	struct wgr_device dev;
	struct wgr_peer *a, *b, *c, *d;
	char text[1024];

	(void)state;
	/* a: anyone; b: a only; c: a and b; d: nobody else lists it. */
	snprintf(text, sizeof(text),
		 "[Peer]\nPublicKey = %s\nName = a\n"
		 "[Peer]\nPublicKey = %s\nName = b\nAllowedPeers = a\n"
		 "[Peer]\nPublicKey = %s\nName = c\nAllowedPeers = a, b\n"
		 "[Peer]\nPublicKey = %s\n",
		 key_b64(1), key_b64(2), key_b64(3), key_b64(4));
	assert_int_equal(parse(&dev, text), 0);
	assert_int_equal(resolve_allowed(&dev, NULL), 0);
	strcpy(dev.ifname, "relay0");
	a = &dev.peers[0];
	b = &dev.peers[1];
	c = &dev.peers[2];
	d = &dev.peers[3];

	assert_ptr_equal(device_lookup_peer(&dev, "b"), b);
	assert_ptr_equal(device_lookup_peer(&dev, key_b64(4)), d);
	assert_null(device_lookup_peer(&dev, "e"));
	assert_string_equal(last_error(), "relay0 has no peer named 'e'");
	assert_null(device_lookup_peer(&dev, key_b64(5)));
	assert_non_null(strstr(last_error(), "no peer with public key"));
	assert_null(device_lookup_peer(&dev, "a/b"));
	assert_non_null(strstr(last_error(), "neither a peer name nor a base64 public key"));

	/* Both lists must allow the pair; an empty list allows everyone; never oneself. */
	assert_true(peers_may_talk(a, b) && peers_may_talk(b, a));
	assert_true(peers_may_talk(a, c) && peers_may_talk(a, d));
	assert_false(peers_may_talk(b, c));	/* c lists b, b does not list c */
	assert_true(peer_allows(c, b) && !peer_allows(b, c));
	assert_false(peers_may_talk(c, d) || peers_may_talk(b, d));
	assert_false(peers_may_talk(a, a));
	device_free(&dev);
}

static void test_allowed_limit(void **state)
{
	size_t cap = 64 + (WGRELAY_MAX_ALLOWED_PEERS + 1) * (KEY_B64_LEN + 1) + 200, len;
	char *text = malloc(cap);
	struct wgr_device dev;
	uint8_t key[WGRELAY_KEY_LEN] = { 0 };
	char b64[KEY_B64_LEN + 1];
	int i;

	(void)state;
	for (int n = WGRELAY_MAX_ALLOWED_PEERS; n <= WGRELAY_MAX_ALLOWED_PEERS + 1; n++) {
		len = (size_t)snprintf(text, cap, "[Peer]\nPublicKey = %s\nAllowedPeers = ",
				       key_b64(200));
		for (i = 0; i < n; i++) {
			key[0] = (uint8_t)i;
			key[1] = (uint8_t)(i >> 8);
			key_to_base64(b64, key);
			len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? "," : "", b64);
		}
		strcpy(text + len, "\n");
		assert_int_equal(parse(&dev, text), 0);
		if (n == WGRELAY_MAX_ALLOWED_PEERS) {
			assert_int_equal(resolve_allowed(&dev, NULL), 0);
			assert_int_equal(dev.peers[0].n_allowed, WGRELAY_MAX_ALLOWED_PEERS);
		} else {
			assert_int_not_equal(resolve_allowed(&dev, NULL), 0);
			assert_non_null(strstr(last_error(), "more than 96"));
		}
		device_free(&dev);
	}
	free(text);
}

static char *print(const struct wgr_device *dev)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(config_print(f, dev), 0);
	fclose(f);
	return out;
}

static void test_round_trip(void **state)
{
	struct wgr_device a, b;
	char text[2048], *first, *second;
	size_t i;

	(void)state;
	/* Out of key order, mixed case, names and keys in AllowedPeers, no Relay defaults. */
	snprintf(text, sizeof(text),
		 "[Relay]\nlistenport=4000\nroaming=off\n"
		 "[Peer]\nPublicKey = %s\nName = zed\nAllowedPeers = %s, alpha\n"
		 "[Peer]\nPublicKey = %s\nEndpoint = [fe80::1%%1]:5\n"
		 "[Peer]\nPublicKey = %s\nName = alpha\nEndpoint = 198.51.100.7:51820\n",
		 key_b64(7), key_b64(5), key_b64(5), key_b64(2));
	assert_int_equal(parse(&a, text), 0);
	assert_int_equal(resolve_allowed(&a, NULL), 0);
	first = print(&a);
	assert_string_equal(first,
			    "[Relay]\nListenPort = 4000\nRoaming = off\n\n"
			    "[Peer]\nPublicKey = AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\nName = alpha\n"
			    "Endpoint = 198.51.100.7:51820\n\n"
			    "[Peer]\nPublicKey = BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=\n"
			    "Endpoint = [fe80::1%lo]:5\n\n"
			    "[Peer]\nPublicKey = BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\nName = zed\n"
			    "AllowedPeers = alpha, BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=\n");
	assert_int_equal(parse(&b, first), 0);
	assert_int_equal(resolve_allowed(&b, NULL), 0);
	second = print(&b);
	assert_string_equal(first, second);
	assert_int_equal(a.n_peers, b.n_peers);
	assert_int_equal(a.set, b.set);
	for (i = 0; i < a.n_peers; i++) {
		const struct wgr_peer *p = &a.peers[i], *q = device_find_peer(&b, p->key);

		assert_non_null(q);
		assert_string_equal(p->name, q->name);
		assert_true(endpoint_equal(&p->endpoint, &q->endpoint));
		assert_int_equal(p->n_allowed, q->n_allowed);
	}
	free(first);
	free(second);
	device_free(&a);
	device_free(&b);

	/* Defaults print every setting; an empty device prints only [Relay]. */
	memset(&a, 0, sizeof(a));
	config_set_defaults(&a);
	first = print(&a);
	assert_string_equal(first, "[Relay]\nListenPort = 51820\nSessionTimeout = 180\n"
				   "BindingTimeout = 300\nMaxSessions = 131072\n"
				   "DiscoveryFanout = 8\nRoaming = on\nFastPath = on\n");
	free(first);
}

static void test_many_peers(void **state)
{
	enum { N = 10000 };
	size_t cap = (size_t)N * 120, len = 0;
	char *text = malloc(cap), *out, *again;
	uint8_t key[WGRELAY_KEY_LEN] = { 0 };
	char b64[KEY_B64_LEN + 1];
	struct wgr_device dev = { 0 }, dev2;
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		key[0] = (uint8_t)i;
		key[1] = (uint8_t)(i >> 8);
		key_to_base64(b64, key);
		len += (size_t)snprintf(text + len, cap - len,
					"[Peer]\nPublicKey = %s\nName = p%d\nAllowedPeers = p%d\n",
					b64, i, (i + 1) % N);
	}
	assert_int_equal(config_parse(&dev, text, len, "big.conf"), 0);
	assert_int_equal(dev.n_peers, N);
	assert_int_equal(resolve_allowed(&dev, NULL), 0);
	out = print(&dev);
	if (parse(&dev2, out))
		fail_msg("%s", last_error());
	assert_int_equal(resolve_allowed(&dev2, NULL), 0);
	again = print(&dev2);
	assert_string_equal(out, again);
	free(text);
	free(out);
	free(again);
	device_free(&dev);
	device_free(&dev2);
}

static void test_sync(void **state)
{
	struct wgr_device existing = { 0 }, conf;
	struct wgr_peer *p;
	char text[1024];
	size_t i;
	int removed = 0;

	(void)state;
	config_set_defaults(&existing);
	existing.listen_port = 9;
	for (i = 1; i <= 3; i++) {
		p = device_add_peer(&existing);
		memset(p->key, (int)i, WGRELAY_KEY_LEN);
		snprintf(p->name, sizeof(p->name), "n%zu", i);
	}
	/* Peer 1 stays as is, peer 2 loses its name, peer 3 goes, peer 4 is new. */
	snprintf(text, sizeof(text),
		 "[Peer]\nPublicKey = %s\nName = n1\n[Peer]\nPublicKey = %s\n[Peer]\nPublicKey = %s\n",
		 key_b64(1), key_b64(2), key_b64(4));
	assert_int_equal(parse(&conf, text), 0);
	config_set_defaults(&conf);
	assert_int_equal(resolve_allowed(&conf, NULL), 0);
	config_sync(&conf, &existing);
	assert_int_equal(conf.set, DEV_HAS_LISTEN_PORT);	/* only what differs */
	assert_int_equal(conf.n_peers, 4);
	assert_true(conf.peers[0].unchanged);
	assert_false(conf.peers[1].unchanged);
	assert_true(conf.peers[1].set & PEER_HAS_NAME);
	assert_string_equal(conf.peers[1].name, "");
	assert_false(conf.peers[2].unchanged);
	assert_false(conf.peers[2].remove);
	for (i = 0; i < conf.n_peers; i++) {
		if (conf.peers[i].remove) {
			removed++;
			assert_int_equal(conf.peers[i].key[0], 3);
		}
	}
	assert_int_equal(removed, 1);
	device_free(&conf);
	device_free(&existing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_section),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_bad_keys_and_lines),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_lookup_and_pairs),
		cmocka_unit_test(test_allowed_limit),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_many_peers),
		cmocka_unit_test(test_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
