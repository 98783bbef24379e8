// SPDX-License-Identifier: GPL-2.0
/* relayctl's state file (save/restore): parsing, round trip, what is saved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"
#include "error.h"
#include "netlink.h"
#include "state.h"

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

static int parse(struct relay_state *st, const char *text)
{
	return state_parse(st, text, strlen(text), "t.state");
}

/* Parsing @text fails, and the message contains each of the strings given. */
static void expect_error(const char *text, size_t len, ...)
{
	struct relay_state st;
	const char *want;
	va_list ap;

	assert_int_not_equal(state_parse(&st, text, len, "t.state"), 0);
	va_start(ap, len);
	while ((want = va_arg(ap, const char *))) {
		if (!strstr(last_error(), want))
			fail_msg("error '%s' lacks '%s'", last_error(), want);
	}
	va_end(ap);
	assert_null(st.pairs);
	assert_null(st.bindings);
}

#define EXPECT_ERROR(text, ...) expect_error(text, strlen(text), __VA_ARGS__, NULL)

/* A header and one line of each kind, with the keys of 1, 2 (session) and 3 (binding). */
static void good_file(char *buf, size_t len, const char *session_ep, const char *binding_ep)
{
	snprintf(buf, len,
		 "wgrelay-state 1\n"
		 "# a comment\n"
		 "saved 1700000000\n"
		 "\n"
		 "session %s 0a0b0c0d %s 17 %s ffffffff [2001:db8::2]:4000 0 1699999990 1\n"
		 "binding %s %s 1699999999\r\n",
		 key_b64(1), session_ep, key_b64(2), key_b64(3), binding_ep);
}

static void test_good(void **state)
{
	struct relay_state st;
	char text[1024];
	uint8_t k[WGRELAY_KEY_LEN];

	(void)state;
	good_file(text, sizeof(text), "203.0.113.2:51820@203.0.113.1", "[fe80::1%3]:7@fe80::2");
	assert_int_equal(parse(&st, text), 0);
	assert_int_equal(st.saved, 1700000000);
	assert_int_equal(st.n_pairs, 1);
	assert_int_equal(st.n_bindings, 1);
	memset(k, 1, sizeof(k));
	assert_memory_equal(st.pairs[0].key[0], k, sizeof(k));
	assert_int_equal(st.pairs[0].index[0], 0x0a0b0c0d);
	assert_int_equal(st.pairs[0].index[1], 0xffffffff);
	assert_int_equal(st.pairs[0].ep[0].sa.sa_family, AF_INET);
	assert_int_equal(ntohs(st.pairs[0].ep[0].in.sin_port), 51820);
	assert_int_equal(st.pairs[0].local[0].len, 4);
	assert_int_equal(st.pairs[0].local[0].addr[3], 1);
	assert_int_equal(st.pairs[0].local[1].len, 0);
	assert_int_equal(st.bindings[0].local.len, 16);
	assert_int_equal(st.pairs[0].ep[1].sa.sa_family, AF_INET6);
	assert_int_equal(st.pairs[0].counter[0], 17);
	assert_int_equal(st.pairs[0].last_seen, 1699999990);
	assert_true(st.pairs[0].leaked);
	assert_int_equal(st.pairs[0].line, 5);
	assert_int_equal(st.bindings[0].line, 6);
	assert_int_equal(st.bindings[0].ep.in6.sin6_scope_id, 3);
	assert_int_equal(ntohs(st.bindings[0].ep.in6.sin6_port), 7);
	state_free(&st);
}

static void test_bad_lines(void **state)
{
	char text[1024];

	(void)state;
	EXPECT_ERROR("", "t.state:1:", "no 'wgrelay-state 1' line");
	EXPECT_ERROR("wgrelay-state 2\nsaved 1\n", "t.state:1:", "version '2' is not supported");
	EXPECT_ERROR("[Relay]\n", "t.state:1:", "not a wgrelay state file");
	EXPECT_ERROR("wgrelay-state 1\n", "t.state:2:", "no 'saved' line");
	EXPECT_ERROR("wgrelay-state 1\nsaved -5\n", "t.state:2:", "invalid save time '-5'");
	EXPECT_ERROR("wgrelay-state 1\nsaved 5\nbogus 1 2\n", "t.state:3:", "unknown entry 'bogus'");
	EXPECT_ERROR("wgrelay-state 1\nsaved 5\nbinding x 1.2.3.4:5 6\n", "t.state:3:",
		     "invalid public key 'x'");

	/* Each field of a good line, broken in turn, is named with the line. */
	good_file(text, sizeof(text), "203.0.113.999:1", "1.2.3.4:5");
	EXPECT_ERROR(text, "t.state:5:", "invalid endpoint '203.0.113.999:1'");
	good_file(text, sizeof(text), "203.0.113.2:0", "1.2.3.4:5");
	EXPECT_ERROR(text, "t.state:5:", "invalid endpoint");
	good_file(text, sizeof(text), "203.0.113.2:65536", "1.2.3.4:5");
	EXPECT_ERROR(text, "t.state:5:", "invalid endpoint");
	good_file(text, sizeof(text), "host.example:1", "1.2.3.4:5");
	EXPECT_ERROR(text, "t.state:5:", "invalid endpoint");
	good_file(text, sizeof(text), "1.2.3.4:5@2001:db8::1", "1.2.3.4:5");
	EXPECT_ERROR(text, "t.state:5:", "invalid endpoint '1.2.3.4:5@2001:db8::1'");
	good_file(text, sizeof(text), "1.2.3.4:5@", "1.2.3.4:5");
	EXPECT_ERROR(text, "t.state:5:", "invalid endpoint");
	good_file(text, sizeof(text), "1.2.3.4:5", "2001:db8::1:5");
	EXPECT_ERROR(text, "t.state:6:", "invalid endpoint");
	good_file(text, sizeof(text), "1.2.3.4:5", "[2001:db8::1]:5 extra");
	EXPECT_ERROR(text, "t.state:6:", "4 fields", "found 5");

	snprintf(text, sizeof(text), "wgrelay-state 1\nsaved 5\nsession %s 0a0b0c0 1.2.3.4:5 1 %s 00000001 1.2.3.4:6 1 1 0\n",
		 key_b64(1), key_b64(2));
	EXPECT_ERROR(text, "t.state:3:", "invalid receiver index '0a0b0c0'");
	snprintf(text, sizeof(text), "wgrelay-state 1\nsaved 5\nsession %s 0a0b0c0d 1.2.3.4:5 +1 %s 00000001 1.2.3.4:6 1 1 0\n",
		 key_b64(1), key_b64(2));
	EXPECT_ERROR(text, "t.state:3:", "invalid counter '+1'");
	snprintf(text, sizeof(text), "wgrelay-state 1\nsaved 5\nsession %s 0a0b0c0d 1.2.3.4:5 1 %s 00000001 1.2.3.4:6 1 1 2\n",
		 key_b64(1), key_b64(2));
	EXPECT_ERROR(text, "t.state:3:", "invalid leaked flag");
	snprintf(text, sizeof(text), "wgrelay-state 1\nsaved 5\nsession %s 0a0b0c0d 1.2.3.4:5 1 %s 00000001 1.2.3.4:6 1 1 0\n",
		 key_b64(1), key_b64(1));
	EXPECT_ERROR(text, "t.state:3:", "same owner");
	snprintf(text, sizeof(text), "wgrelay-state 1\nsaved 5\nsession %s 0a0b0c0d 1.2.3.4:5 1\n",
		 key_b64(1));
	EXPECT_ERROR(text, "t.state:3:", "11 fields", "found 5");
	snprintf(text, sizeof(text), "wgrelay-state 1\nsaved 18446744073709551616\n");
	EXPECT_ERROR(text, "t.state:2:", "invalid save time");
}

static void test_hostile_bytes(void **state)
{
	static const char nul[] = "wgrelay-state 1\nsaved 5\nbind\0ing\n";
	char *big = malloc(STATE_MAX_LINE + 64);

	(void)state;
	expect_error(nul, sizeof(nul) - 1, "t.state:3:", "NUL byte", NULL);
	assert_non_null(big);
	memset(big, 'a', STATE_MAX_LINE + 63);
	big[STATE_MAX_LINE + 63] = '\0';
	memcpy(big, "wgrelay-state 1\nsaved 5\n", 24);
	EXPECT_ERROR(big, "t.state:3:", "longer than");
	free(big);
	/* No trailing newline: the last line still counts. */
	EXPECT_ERROR("wgrelay-state 1\nsaved 5\nbinding", "t.state:3:", "4 fields");
}

/*
 * A half or a binding without a port (or without an endpoint) is not saved: the
 * reader and RESTORE refuse port 0, and one such line would lose the whole file.
 */
static void test_unrestorable_endpoint(void **state)
{
	struct wgr_session s[2] = { 0 };
	struct session_list list = { .items = s, .n = 2 };
	struct wgr_peer peers[2] = { 0 };
	struct wgr_device dev = { .peers = peers, .n_peers = 2 };
	struct relay_state st;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(s[i].owner, i + 1, WGRELAY_KEY_LEN);
		memset(s[i].counterpart, 2 - i, WGRELAY_KEY_LEN);
		s[i].index = 0x11 + i;
		s[i].counterpart_index = 0x12 - i;
		s[i].confirmed = true;
		s[i].endpoint.in.sin_family = AF_INET;
		s[i].endpoint.in.sin_addr.s_addr = htonl(0xc0000201 + i);	/* 192.0.2.1, .2 */
		s[i].endpoint.in.sin_port = htons(1000 + i);
		memset(peers[i].key, i + 1, WGRELAY_KEY_LEN);
		peers[i].binding_status = WGRELAY_BINDING_STATUS_LIVE;
		peers[i].binding = s[i].endpoint;
	}
	s[0].initiator = true;
	assert_int_equal(state_from_dump(&st, &dev, &list, 1), 0);
	assert_int_equal(st.n_pairs, 1);
	assert_int_equal(st.n_bindings, 2);
	state_free(&st);

	s[1].endpoint.in.sin_port = 0;
	peers[1].binding.in.sin_port = 0;
	assert_int_equal(state_from_dump(&st, &dev, &list, 1), 0);
	assert_int_equal(st.n_pairs, 0);
	assert_int_equal(st.n_bindings, 1);
	state_free(&st);

	memset(&s[1].endpoint, 0, sizeof(s[1].endpoint));	/* none reported */
	s[1].endpoint.in.sin_port = htons(1001);
	assert_int_equal(state_from_dump(&st, &dev, &list, 1), 0);
	assert_int_equal(st.n_pairs, 0);
	state_free(&st);
}

/* What RESTORE refuses (module/netlink.c, validate_endpoint()), and only that. */
static void test_restorable_addresses(void **state)
{
	static const struct {
		const char *ep;
		bool ok;
	} cases[] = {
		{ "192.0.2.1:51820", true },
		{ "0.0.0.0:51820", false },
		{ "0.1.2.3:51820", false },
		{ "224.0.0.1:51820", false },
		{ "239.255.255.255:51820", false },
		{ "255.255.255.255:51820", false },
		{ "192.0.2.255:51820", true },	/* a subnet's broadcast: only the FIB knows */
		{ "[2001:db8::1]:51820", true },
		{ "[::1]:51820", true },	/* a WireGuard on the relay's own machine */
		{ "[::]:51820", false },
		{ "[::ffff:192.0.2.1]:51820", false },
		{ "[::192.0.2.1]:51820", false },
		{ "[ff02::1]:51820", false },
		{ "[fe80::1%2]:51820", true },
	};
	union wgr_sockaddr ep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(endpoint_parse(&ep, cases[i].ep), 0);
		if (state_endpoint_restorable(&ep) != cases[i].ok)
			fail_msg("%s: restorable %d, want %d", cases[i].ep, !cases[i].ok, cases[i].ok);
	}
	memset(&ep, 0, sizeof(ep));
	ep.in.sin_family = AF_INET;
	ep.in.sin_addr.s_addr = htonl(0xc0000201);
	assert_false(state_endpoint_restorable(&ep));	/* port 0 */
}

/* What the kernel reported goes to a file and comes back the same. */
static void test_round_trip(void **state)
{
	struct wgr_session s[4] = { 0 };
	struct session_list list = { .items = s, .n = 4 };
	struct wgr_peer peers[3] = { 0 };
	struct wgr_device dev = { .peers = peers, .n_peers = 3 };
	struct relay_state st, back;
	char path[] = "/tmp/state_test.XXXXXX", file[64];
	struct stat sb;
	int i, fd;

	(void)state;
	/* Pair A (1 initiates to 2): its halves apart, as after a dump's retry. */
	memset(s[0].owner, 1, WGRELAY_KEY_LEN);
	memset(s[0].counterpart, 2, WGRELAY_KEY_LEN);
	s[0].index = 0x11;
	s[0].counterpart_index = 0x22;
	s[0].initiator = s[0].confirmed = s[0].leaked = true;
	s[0].endpoint.in.sin_family = AF_INET;
	s[0].endpoint.in.sin_port = htons(1000);
	s[0].endpoint.in.sin_addr.s_addr = htonl(0xcb007102);
	s[0].counter = 5;
	s[0].local.len = 4;
	memset(s[0].local.addr, 7, 4);
	s[0].last_seen = 100;
	/* A tentative pair's initiator half: not saved. */
	s[1] = s[0];
	s[1].confirmed = false;
	s[1].index = 0x33;
	s[2] = s[0];
	memcpy(s[2].owner, s[0].counterpart, WGRELAY_KEY_LEN);
	memcpy(s[2].counterpart, s[0].owner, WGRELAY_KEY_LEN);
	s[2].index = 0x22;
	s[2].counterpart_index = 0x11;
	s[2].initiator = false;
	s[2].endpoint.in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::7", &s[2].endpoint.in6.sin6_addr);
	s[2].endpoint.in6.sin6_port = htons(2000);
	s[2].last_seen = 120;
	s[2].counter = UINT64_MAX;
	/* An initiator half whose responder half the dump missed: not saved. */
	s[3] = s[0];
	s[3].index = 0x44;
	s[3].counterpart_index = 0x55;

	for (i = 0; i < 3; i++)
		memset(peers[i].key, i + 1, WGRELAY_KEY_LEN);
	peers[0].binding_status = WGRELAY_BINDING_STATUS_LIVE;
	peers[0].binding = s[0].endpoint;
	peers[0].last_seen = 99;
	peers[1].binding_status = WGRELAY_BINDING_STATUS_STATIC;	/* from the config */
	peers[1].binding = s[2].endpoint;
	peers[2].binding_status = WGRELAY_BINDING_STATUS_STALE;
	peers[2].binding = s[2].endpoint;

	assert_int_equal(state_from_dump(&st, &dev, &list, 1234), 0);
	assert_int_equal(st.n_pairs, 1);
	assert_int_equal(st.pairs[0].index[0], 0x11);
	assert_int_equal(st.pairs[0].index[1], 0x22);
	assert_int_equal(st.pairs[0].last_seen, 120);
	assert_int_equal(st.n_bindings, 2);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_true(mkdir(path, 0700) == 0);
	snprintf(file, sizeof(file), "%s/relay0.state", path);
	assert_int_equal(state_write_file(&st, file), 0);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(state_read_file(&back, file), 0);
	assert_int_equal(back.saved, 1234);
	assert_int_equal(back.n_pairs, 1);
	assert_int_equal(back.n_bindings, 2);
	for (i = 0; i < 2; i++) {
		assert_memory_equal(back.pairs[0].key[i], st.pairs[0].key[i], WGRELAY_KEY_LEN);
		assert_int_equal(back.pairs[0].index[i], st.pairs[0].index[i]);
		assert_true(endpoint_equal(&back.pairs[0].ep[i], &st.pairs[0].ep[i]));
		assert_true(back.pairs[0].counter[i] == st.pairs[0].counter[i]);
	}
	assert_true(back.pairs[0].leaked);
	assert_int_equal(back.pairs[0].local[0].len, 4);
	assert_memory_equal(back.pairs[0].local[0].addr, s[0].local.addr, 4);
	assert_int_equal(back.pairs[0].local[1].len, 0);
	assert_true(endpoint_equal(&back.bindings[1].ep, &st.bindings[1].ep));
	assert_int_equal(back.bindings[0].last_seen, 99);
	unlink(file);
	rmdir(path);
	state_free(&back);
	state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unrestorable_endpoint),
		cmocka_unit_test(test_restorable_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
