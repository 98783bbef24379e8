// SPDX-License-Identifier: GPL-2.0
/*
 * A target's cookie slots (module/cookie.c): which of a loaded target's cookies
 * the relay keeps, and which one it puts on what it sends where. The AEAD is a
 * stand-in that opens a reply only if its tag names the target's key and the
 * handshake's mac1, as the real one does; the rest of cookie.c is the module's.
 *
 * The attack (helper-79, H2): a reply opens for whoever saw the handshake it
 * answers, since the key derives from the target's public key. A discovery
 * candidate of the attacker's answered a copy of its own handshake, and the
 * target's one slot went to the candidate's endpoint: what the relay then sent
 * the target went without its mac2, and a loaded target dropped it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "kshim/wgr_cookie_env.h"
#include <crypto/chacha20poly1305.h>

unsigned long jiffies = 1000;

/* The stand-in AEAD: the tag is the key's first 16 bytes XOR the associated data. */
static void tag_of(u8 tag[16], const u8 *ad, size_t ad_len, const u8 key[32])
{
	for (size_t i = 0; i < 16; i++)
		tag[i] = key[i] ^ (i < ad_len ? ad[i] : 0);
}

void xchacha20poly1305_encrypt(u8 *dst, const u8 *src, size_t src_len, const u8 *ad,
			       size_t ad_len, const u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			       const u8 key[32])
{
	(void)nonce;
	memmove(dst, src, src_len);
	tag_of(dst + src_len, ad, ad_len, key);
}

bool xchacha20poly1305_decrypt(u8 *dst, const u8 *src, size_t src_len, const u8 *ad,
			       size_t ad_len, const u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			       const u8 key[32])
{
	u8 tag[16];

	(void)nonce;
	if (src_len < 16)
		return false;
	tag_of(tag, ad, ad_len, key);
	if (memcmp(tag, src + src_len - 16, 16))
		return false;
	memmove(dst, src, src_len - 16);
	return true;
}

bool wgr_endpoint_eq(const struct wgr_endpoint *a, const struct wgr_endpoint *b)
{
	return a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
	       a->addr4.sin_port == b->addr4.sin_port;
}

static struct wgr_endpoint ep(u8 host, u16 port)
{
	struct wgr_endpoint e = { 0 };

	e.addr4.sin_family = AF_INET;
	e.addr4.sin_addr.s_addr = htonl(0xcb007100 | host);
	e.addr4.sin_port = htons(port);
	return e;
}

static const u8 mac1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* A cookie reply to the handshake with @mac1, sealed under @key, cookie @fill. */
static void reply(u8 msg[WGR_COOKIE_LEN], const u8 key[32], u8 fill)
{
	u8 cookie[16];

	memset(msg, 0, WGR_COOKIE_LEN);
	msg[0] = WGR_MSG_COOKIE;
	memset(cookie, fill, sizeof(cookie));
	xchacha20poly1305_encrypt(msg + 32, cookie, sizeof(cookie), mac1, sizeof(mac1),
				  msg + 8, key);
}

static struct wgr_cookies cookies;
static struct wgr_peer target;

static int setup(void **state)
{
	(void)state;
	jiffies = 1000;
	wgr_cookies_init(&cookies);
	memset(&target, 0, sizeof(target));
	memset(target.cookie_key, 0x77, sizeof(target.cookie_key));
	return 0;
}

/* The target's reply from @from, its cookie all @fill, opened and kept as relay.c does. */
static bool take(const struct wgr_endpoint *from, enum wgr_cookie_rank rank, u8 fill)
{
	u8 msg[WGR_COOKIE_LEN];

	u8 cookie[WGR_TARGET_COOKIE_LEN];

	reply(msg, target.cookie_key, fill);
	if (!wgr_cookie_open(&target, msg, mac1, cookie))
		return false;
	wgr_cookie_keep(&cookies, &target, cookie, from, rank);
	return true;
}

/* The cookie the relay's mac2 to @to is made with: @fill, or 0 for zeros. */
static int mac2_fill(const struct wgr_endpoint *to, bool vouch)
{
	u8 msg[WGR_INITIATION_LEN] = { WGR_MSG_INITIATION }, want[16], cookie[16];
	static const u8 zeros[16];
	int fill;

	wgr_cookie_put_mac2(&cookies, &target, to, msg, vouch);
	if (!memcmp(msg + WGR_INITIATION_LEN - 16, zeros, 16))
		return 0;
	for (fill = 1; fill < 256; fill++) {
		memset(cookie, fill, sizeof(cookie));
		wgr_blake2s(want, 16, msg, WGR_INITIATION_LEN - 16, cookie, sizeof(cookie));
		if (!memcmp(want, msg + WGR_INITIATION_LEN - 16, 16))
			return fill;
	}
	return -1;
}

/* H2: a forged reply from a candidate takes a slot of its own, not the target's. */
static void test_candidate_keeps_off(void **state)
{
	struct wgr_endpoint home = ep(10, 51820), cand = ep(66, 40001);

	(void)state;
	assert_true(take(&home, WGR_COOKIE_BINDING, 0x11));
	assert_true(take(&cand, WGR_COOKIE_ELSEWHERE, 0x66));
	assert_true(wgr_cookie_wanted(&cookies, &target, &home));
	assert_int_equal(mac2_fill(&home, true), 0x11);
	/* The candidate has its own: what goes there gets its mac2, nothing else does. */
	assert_int_equal(mac2_fill(&cand, true), 0x66);
	/* More forgeries from more candidates take turns in the one slot left. */
	for (u16 port = 40002; port < 40010; port++) {
		struct wgr_endpoint c = ep(66, port);

		assert_true(take(&c, WGR_COOKIE_ELSEWHERE, 0x66));
	}
	assert_int_equal(mac2_fill(&home, true), 0x11);
	/* Nobody's mac2 on what the relay does not vouch for. */
	assert_int_equal(mac2_fill(&home, false), 0);
}

/* Full slots: the lowest rank goes first, oldest first; a lower rank takes none. */
static void test_ranks(void **state)
{
	struct wgr_endpoint home = ep(10, 51820), sess = ep(11, 1024), cand = ep(66, 40001);
	struct wgr_endpoint sq1 = ep(66, 50001), sq2 = ep(66, 50002), late = ep(66, 40002);

	(void)state;
	assert_true(take(&home, WGR_COOKIE_BINDING, 0x11));
	jiffies += HZ;
	assert_true(take(&sess, WGR_COOKIE_SESSION, 0x22));
	jiffies += HZ;
	assert_true(take(&cand, WGR_COOKIE_ELSEWHERE, 0x33));
	/* Every slot ranks above a candidate's but one: that one turns over. */
	jiffies += HZ;
	assert_true(take(&late, WGR_COOKIE_ELSEWHERE, 0x44));
	assert_int_equal(mac2_fill(&cand, true), 0);
	assert_int_equal(mac2_fill(&late, true), 0x44);
	/* A session's endpoint (a staged one, say) pushes out the candidate, */
	jiffies += HZ;
	assert_true(take(&sq1, WGR_COOKIE_SESSION, 0x55));
	assert_int_equal(mac2_fill(&late, true), 0);
	/* and then, its rank full, a candidate takes nothing: opened, not kept. */
	assert_true(take(&cand, WGR_COOKIE_ELSEWHERE, 0x66));
	assert_int_equal(mac2_fill(&cand, true), 0);
	/* A second session's endpoint pushes out the older of its rank, never the binding. */
	jiffies += HZ;
	assert_true(take(&sq2, WGR_COOKIE_SESSION, 0x77));
	assert_int_equal(mac2_fill(&sess, true), 0);
	assert_int_equal(mac2_fill(&sq1, true), 0x55);
	assert_int_equal(mac2_fill(&home, true), 0x11);
}

/* An endpoint's next reply replaces its own cookie: the target rotated its secret. */
static void test_same_endpoint_replaces(void **state)
{
	struct wgr_endpoint home = ep(10, 51820), sess = ep(11, 1024), cand = ep(66, 40001);

	(void)state;
	assert_true(take(&home, WGR_COOKIE_BINDING, 0x11));
	assert_true(take(&sess, WGR_COOKIE_SESSION, 0x22));
	assert_true(take(&cand, WGR_COOKIE_ELSEWHERE, 0x33));
	jiffies += 100 * HZ;
	assert_true(take(&home, WGR_COOKIE_BINDING, 0x12));
	assert_int_equal(mac2_fill(&home, true), 0x12);
	/* Its age starts again: good for 115 s from the new reply. */
	jiffies += 100 * HZ;
	assert_int_equal(mac2_fill(&home, true), 0x12);
	assert_int_equal(mac2_fill(&sess, true), 0);
	/* A binding that went stale replies at the rank it has now, in its own slot. */
	assert_true(take(&home, WGR_COOKIE_ELSEWHERE, 0x13));
	assert_int_equal(mac2_fill(&home, true), 0x13);
}

/* Cookies last 115 s; an expired slot is free whatever its rank was. */
static void test_expiry(void **state)
{
	struct wgr_endpoint home = ep(10, 51820), sess = ep(11, 1024), sess2 = ep(12, 1024);
	struct wgr_endpoint cand = ep(66, 40001);

	(void)state;
	assert_true(take(&home, WGR_COOKIE_BINDING, 0x11));
	assert_true(take(&sess, WGR_COOKIE_SESSION, 0x22));
	assert_true(take(&sess2, WGR_COOKIE_SESSION, 0x23));
	assert_true(take(&cand, WGR_COOKIE_ELSEWHERE, 0x33));
	assert_int_equal(mac2_fill(&cand, true), 0);
	jiffies += 115 * HZ - 1;
	assert_true(wgr_cookie_wanted(&cookies, &target, &home));
	jiffies += 1;
	assert_false(wgr_cookie_wanted(&cookies, &target, &home));
	assert_int_equal(mac2_fill(&home, true), 0);
	assert_true(take(&cand, WGR_COOKIE_ELSEWHERE, 0x34));
	assert_int_equal(mac2_fill(&cand, true), 0x34);
}

/* A reply that does not open under the target's key, or for another mac1, is dropped. */
static void test_unopened(void **state)
{
	struct wgr_endpoint home = ep(10, 51820);
	u8 msg[WGR_COOKIE_LEN], other_key[32], other_mac1[16], cookie[WGR_TARGET_COOKIE_LEN];

	(void)state;
	memset(other_key, 0x78, sizeof(other_key));
	reply(msg, other_key, 0x11);
	assert_false(wgr_cookie_open(&target, msg, mac1, cookie));
	reply(msg, target.cookie_key, 0x11);
	memcpy(other_mac1, mac1, sizeof(other_mac1));
	other_mac1[0] ^= 1;
	assert_false(wgr_cookie_open(&target, msg, other_mac1, cookie));
	assert_true(wgr_cookie_open(&target, msg, mac1, cookie));
	assert_false(wgr_cookie_wanted(&cookies, &target, &home));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_candidate_keeps_off, setup),
		cmocka_unit_test_setup(test_ranks, setup),
		cmocka_unit_test_setup(test_same_endpoint_replaces, setup),
		cmocka_unit_test_setup(test_expiry, setup),
		cmocka_unit_test_setup(test_unopened, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
