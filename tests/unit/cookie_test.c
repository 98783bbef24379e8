// SPDX-License-Identifier: GPL-2.0
/*
 * A target's cookies at the relay (module/cookie.c): which of a loaded target's
 * cookies the relay keeps, and which one it puts on what it sends where. The
 * AEAD is a stand-in that opens a reply only if its tag names the target's key
 * and the initiation's mac1, as the real one does; the rest of cookie.c is the
 * module's.
 *
 * The attacks: a cookie reply opens for whoever saw the initiation it answers,
 * since the key derives from the target's public key. One slot per target let a
 * discovery candidate of the attacker's take it (helper-79, H2); a slot per
 * endpoint still let a spoofer of the target's own endpoint plant a wrong value
 * there (helper-81, K1). Now a reply only makes the relay probe the endpoint it
 * came from, and the answer to the probe, which nobody off the path saw, is the
 * only cookie kept.
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

/* A cookie reply on @receiver to the initiation with @mac1, sealed under @key, cookie @fill. */
static void reply(u8 msg[WGR_COOKIE_LEN], u32 receiver, const u8 mac1[16], const u8 key[32],
		  u8 fill)
{
	u8 cookie[16];

	memset(msg, 0, WGR_COOKIE_LEN);
	msg[0] = WGR_MSG_COOKIE;
	msg[4] = receiver;
	msg[5] = receiver >> 8;
	msg[6] = receiver >> 16;
	msg[7] = receiver >> 24;
	memset(cookie, fill, sizeof(cookie));
	xchacha20poly1305_encrypt(msg + 32, cookie, sizeof(cookie), mac1, 16, msg + 8, key);
}

static struct wgr_cookies cookies;
static struct wgr_peer target;

/* Random enough for sender indices: a counter through an LCG. */
void get_random_bytes(void *buf, size_t len)
{
	static u32 state = 1;
	u8 *p = buf;

	for (size_t i = 0; i < len; i++) {
		state = state * 1103515245 + 12345;
		p[i] = state >> 16;
	}
}

static int setup(void **state)
{
	(void)state;
	jiffies = 1000;
	memset(&cookies, 0, sizeof(cookies));
	wgr_cookies_init(&cookies);
	memset(&target, 0, sizeof(target));
	memset(target.public_key, 0x71, sizeof(target.public_key));
	wgr_mac1_key(target.mac1_key, target.public_key);
	memset(target.cookie_key, 0x77, sizeof(target.cookie_key));
	return 0;
}

/*
 * The relay's side of a cookie reply from @from: it probes there (if it may);
 * then, if @answer, the target at @from answers the probe with cookie @fill.
 * Return: 1 if kept, 0 if probed and not answered (or not kept), -1 if no probe.
 */
static int probe_and_answer(const struct wgr_endpoint *from, enum wgr_cookie_rank rank,
			    bool answer, u8 fill)
{
	u8 probe[WGR_INITIATION_LEN], msg[WGR_COOKIE_LEN], key[32], mac1[16], cookie[16];
	struct wgr_endpoint via;
	u32 sender;

	if (!wgr_cookie_probe(&cookies, &target, from, rank, probe))
		return -1;
	/* The probe is a stock initiation for the target: mac1 valid, mac2 zero. */
	assert_int_equal(probe[0], WGR_MSG_INITIATION);
	assert_true(wgr_mac1_valid(probe, WGR_INITIATION_MAC1_OFF, target.mac1_key));
	sender = wgr_initiation_sender(probe);
	if (!answer)
		return 0;
	reply(msg, sender, probe + WGR_INITIATION_MAC1_OFF, target.cookie_key, fill);
	assert_true(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), from, key, mac1, &via));
	assert_memory_equal(key, target.public_key, 32);
	/* A probe for the target's slots, not a route's. */
	assert_false(wgr_endpoint_set(&via));
	assert_true(wgr_cookie_open(&target, msg, mac1, cookie));
	return wgr_cookie_keep(&cookies, &target, cookie, from);
}

/* The cookie the relay's mac2 to @to is made with: @fill, or 0 for zeros. */
static int mac2_fill(const struct wgr_endpoint *to, bool vouch)
{
	u8 msg[WGR_INITIATION_LEN] = { WGR_MSG_INITIATION }, want[16], cookie[16];
	static const u8 zeros[16];
	int fill;

	bool have = wgr_cookie_get(&cookies, &target, to, cookie);

	wgr_cookie_put_mac2(msg, WGR_INITIATION_LEN, vouch && have ? cookie : NULL);
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

/*
 * R1: a response's mac2 (its last sixteen bytes) is the initiator's cookie's
 * keyed hash of everything before it, or zeros; nothing before it changes, a
 * responder's own mac2 never stays.
 */
static void test_response_mac2(void **state)
{
	u8 msg[WGR_RESPONSE_LEN], was[WGR_RESPONSE_LEN], want[16], cookie[16];
	static const u8 zeros[16];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (u8)(i * 7 + 1);
	memcpy(was, msg, sizeof(msg));
	memset(cookie, 0x5a, sizeof(cookie));
	wgr_cookie_put_mac2(msg, WGR_RESPONSE_LEN, cookie);
	assert_memory_equal(msg, was, WGR_RESPONSE_MAC1_OFF + 16);
	wgr_blake2s(want, 16, was, WGR_RESPONSE_MAC1_OFF + 16, cookie, sizeof(cookie));
	assert_memory_equal(msg + WGR_RESPONSE_MAC1_OFF + 16, want, 16);
	wgr_cookie_put_mac2(msg, WGR_RESPONSE_LEN, NULL);
	assert_memory_equal(msg, was, WGR_RESPONSE_MAC1_OFF + 16);
	assert_memory_equal(msg + WGR_RESPONSE_MAC1_OFF + 16, zeros, 16);
}

/* K1: a reply that opened keeps nothing; only the answer to the probe does. */
static void test_probe_answer_only(void **state)
{
	struct wgr_endpoint via;
	struct wgr_endpoint home = ep(10, 51820), other = ep(66, 40001);
	u8 probe[WGR_INITIATION_LEN], msg[WGR_COOKIE_LEN], key[32], mac1[16];

	(void)state;
	/* Asked, not answered: nothing kept, nothing put on. */
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, false, 0x11), 0);
	assert_false(wgr_cookie_get(&cookies, &target, &home, key));
	assert_int_equal(mac2_fill(&home, true), 0);
	/* A second reply within the second: no second probe. */
	assert_false(wgr_cookie_probe_due(&cookies, &target, &home));
	assert_true(wgr_cookie_probe_due(&cookies, &target, &other));
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x11), -1);
	/* A reply on any other receiver index is no probe's answer. */
	memset(mac1, 0, sizeof(mac1));
	reply(msg, 0x12345678, mac1, target.cookie_key, 0x66);
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &home, key, mac1, &via));
	jiffies += HZ;
	assert_true(wgr_cookie_probe_due(&cookies, &target, &home));
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x11), 1);
	assert_int_equal(mac2_fill(&home, true), 0x11);
	assert_int_equal(mac2_fill(&home, false), 0);
	/* The answer from anywhere but the endpoint probed is no answer. */
	jiffies += HZ;
	assert_true(wgr_cookie_probe(&cookies, &target, &home, WGR_COOKIE_BINDING, probe));
	reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
	      target.cookie_key, 0x12);
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &other, key, mac1, &via));
	/* Nor is one on a receiver index that only shares the probe's bucket. */
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg) ^ 0x100, &home, key,
				       mac1, &via));
	assert_true(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &home, key, mac1, &via));
	assert_true(wgr_cookie_keep(&cookies, &target, msg + 32, &home));
	assert_int_equal(mac2_fill(&home, true), 0x12);
	/* A probe is answered once. */
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &home, key, mac1, &via));
}

/*
 * P1 (helper-82): the attacker answers the probe of its own endpoint with a
 * reply spoofed "from" the target's, while the target's slot waits for the
 * answer to its own probe. Not an answer: the probe went elsewhere.
 */
static void test_answer_from_elsewhere(void **state)
{
	struct wgr_endpoint via;
	struct wgr_endpoint home = ep(10, 51820), cand = ep(66, 40001);
	u8 probe[WGR_INITIATION_LEN], msg[WGR_COOKIE_LEN], key[32], mac1[16];

	(void)state;
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x11), 1);
	jiffies += HZ;
	/* The target's slot waits for an answer; the candidate gets a probe. */
	assert_true(wgr_cookie_probe(&cookies, &target, &home, WGR_COOKIE_BINDING, probe));
	assert_true(wgr_cookie_probe(&cookies, &target, &cand, WGR_COOKIE_ELSEWHERE, probe));
	reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
	      target.cookie_key, 0x66);
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &home, key, mac1, &via));
	assert_int_equal(mac2_fill(&home, true), 0x11);
}

/* A probe's answer is taken for five seconds. */
static void test_probe_wait(void **state)
{
	struct wgr_endpoint via;
	struct wgr_endpoint home = ep(10, 51820);
	u8 probe[WGR_INITIATION_LEN], msg[WGR_COOKIE_LEN], key[32], mac1[16];

	(void)state;
	assert_true(wgr_cookie_probe(&cookies, &target, &home, WGR_COOKIE_BINDING, probe));
	reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
	      target.cookie_key, 0x11);
	jiffies += 5 * HZ;
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &home, key, mac1, &via));
}

/* Each endpoint has a slot of its own: a candidate's answer never takes the target's. */
static void test_candidate_keeps_off(void **state)
{
	struct wgr_endpoint home = ep(10, 51820), cand = ep(66, 40001);

	(void)state;
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x11), 1);
	assert_int_equal(probe_and_answer(&cand, WGR_COOKIE_ELSEWHERE, true, 0x66), 1);
	assert_int_equal(mac2_fill(&home, true), 0x11);
	assert_int_equal(mac2_fill(&cand, true), 0x66);
	for (u16 port = 40002; port < 40010; port++) {
		struct wgr_endpoint c = ep(66, port);

			assert_int_equal(probe_and_answer(&c, WGR_COOKIE_ELSEWHERE, true, 0x66), 1);
	}
	assert_int_equal(mac2_fill(&home, true), 0x11);
}

/*
 * Full slots: the lowest rank goes first, least recently probed first; a lower
 * rank takes none. (The end of a pair route ranked as a third, between these
 * two, and sessions staged elsewhere took turns pushing it out: helper-81, K2.
 * Its cookie is the route's own now: test_route_cookie.)
 */
static void test_ranks(void **state)
{
	struct wgr_endpoint home = ep(10, 51820), moved = ep(11, 1024), cand = ep(66, 40001);
	struct wgr_endpoint late = ep(66, 40002), later = ep(66, 40003), again = ep(12, 2048);

	(void)state;
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x11), 1);
	jiffies += HZ;
	assert_int_equal(probe_and_answer(&cand, WGR_COOKIE_ELSEWHERE, true, 0x33), 1);
	jiffies += HZ;
	assert_int_equal(probe_and_answer(&late, WGR_COOKIE_ELSEWHERE, true, 0x44), 1);
	jiffies += HZ;
	assert_int_equal(probe_and_answer(&later, WGR_COOKIE_ELSEWHERE, true, 0x55), 1);
	assert_int_equal(mac2_fill(&cand, true), 0);
	assert_int_equal(mac2_fill(&late, true), 0x44);
	assert_int_equal(mac2_fill(&later, true), 0x55);
	/* The binding moved (it went stale), twice: each new one takes a candidate's. */
	jiffies += HZ;
	assert_int_equal(probe_and_answer(&moved, WGR_COOKIE_BINDING, true, 0x22), 1);
	assert_int_equal(mac2_fill(&late, true), 0);
	jiffies += HZ;
	assert_int_equal(probe_and_answer(&again, WGR_COOKIE_BINDING, true, 0x66), 1);
	assert_int_equal(mac2_fill(&later, true), 0);
	/* Its rank full, a candidate gets no slot, so no probe. */
	jiffies += HZ;
	assert_int_equal(probe_and_answer(&cand, WGR_COOKIE_ELSEWHERE, true, 0x77), -1);
	assert_int_equal(mac2_fill(&home, true), 0x11);
	assert_int_equal(mac2_fill(&moved, true), 0x22);
	assert_int_equal(mac2_fill(&again, true), 0x66);
}

/*
 * The end of a pair route keeps its cookie in the route's pair (session.c
 * holds it under its lock; these are the rules): one probe at a time (the next
 * a second after an answer, or five after a probe left unanswered), the answer
 * taken within five seconds of the probe, fresh for 115, forgotten when the end
 * moves. Its probe takes no slot of the target's, and its answer, too, counts
 * only from where it went.
 */
static void test_route_cookie(void **state)
{
	struct wgr_endpoint end = ep(10, 51827), via = ep(20, 33333), from, cand = ep(66, 40001);
	u8 probe[WGR_INITIATION_LEN], msg[WGR_COOKIE_LEN], key[32], mac1[16], out[16], v[16];
	struct wgr_route_cookie rc = { 0 };

	(void)state;
	memset(v, 0x21, sizeof(v));
	assert_false(wgr_route_cookie_get(&rc, out));
	/* An answer to no probe keeps nothing. */
	assert_false(wgr_route_cookie_keep(&rc, v));
	assert_true(wgr_route_cookie_due(&rc));
	assert_false(wgr_route_cookie_due(&rc));
	jiffies += HZ / 2;
	assert_false(wgr_route_cookie_due(&rc));
	assert_true(wgr_route_cookie_keep(&rc, v));
	assert_true(wgr_route_cookie_get(&rc, out));
	assert_memory_equal(out, v, 16);
	/* The next answer replaces it (a rotated secret) ... */
	jiffies += HZ / 2;
	assert_true(wgr_route_cookie_due(&rc));
	memset(v, 0x22, sizeof(v));
	jiffies += 5 * HZ - 1;
	assert_true(wgr_route_cookie_keep(&rc, v));
	assert_true(wgr_route_cookie_get(&rc, out));
	assert_int_equal(out[0], 0x22);
	/* ... within five seconds of its probe only. */
	jiffies += 1;
	memset(v, 0x23, sizeof(v));
	assert_false(wgr_route_cookie_keep(&rc, v));
	jiffies += 115 * HZ - 2;
	assert_true(wgr_route_cookie_get(&rc, out));
	assert_int_equal(out[0], 0x22);
	jiffies += 1;
	assert_false(wgr_route_cookie_get(&rc, out));
	/* An end that does not answer is asked again only once its probe's time is up. */
	assert_true(wgr_route_cookie_due(&rc));
	jiffies += HZ;
	assert_false(wgr_route_cookie_due(&rc));
	jiffies += 4 * HZ - 1;
	assert_false(wgr_route_cookie_due(&rc));
	jiffies += 1;
	assert_true(wgr_route_cookie_due(&rc));
	/*
	 * The collector clears what is too old, before the 32-bit times could
	 * wrap and make a dead cookie fresh again (helper-84): the probe's time
	 * once it can no longer be answered, the cookie once it is no longer fresh.
	 */
	assert_true(wgr_route_cookie_keep(&rc, v));
	jiffies += 5 * HZ - 1;
	wgr_route_cookie_clamp(&rc);
	assert_int_not_equal(rc.probed, 0);
	jiffies += 1;
	wgr_route_cookie_clamp(&rc);
	assert_int_equal(rc.probed, 0);
	assert_true(wgr_route_cookie_get(&rc, out));
	jiffies += 110 * HZ;
	wgr_route_cookie_clamp(&rc);
	assert_int_equal(rc.birth, 0);
	assert_false(wgr_route_cookie_get(&rc, out));
	assert_true(wgr_route_cookie_due(&rc));
	/* The end moved (a roam): its cookie is forgotten. */
	assert_true(wgr_route_cookie_keep(&rc, v));
	assert_true(wgr_route_cookie_get(&rc, out));
	wgr_route_cookie_forget(&rc);
	assert_false(wgr_route_cookie_get(&rc, out));

	/* The probe names its route, takes no slot, and is answered from its end alone. */
	assert_true(wgr_cookie_probe_route(&cookies, &target, &end, &via, false, probe));
	assert_true(wgr_mac1_valid(probe, WGR_INITIATION_MAC1_OFF, target.mac1_key));
	for (unsigned int i = 0; i < WGR_TARGET_COOKIES; i++)
		assert_int_equal(target.cookie[i].probed, 0);
	for (u16 port = 40001; port < 40004; port++) {
		struct wgr_endpoint c = ep(66, port);

		assert_int_equal(probe_and_answer(&c, WGR_COOKIE_ELSEWHERE, true, 0x66), 1);
	}
	reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
	      target.cookie_key, 0x24);
	assert_false(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &cand, key, mac1,
				       &from));
	assert_true(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &end, key, mac1,
				      &from));
	assert_true(wgr_endpoint_set(&from));
	assert_true(wgr_endpoint_eq(&from, &via));
	assert_memory_equal(key, target.public_key, 32);
	assert_true(wgr_cookie_open(&target, msg, mac1, out));
	assert_int_equal(out[0], 0x24);
	/* Not the target's slots' business. */
	assert_int_equal(mac2_fill(&end, true), 0);
}

/*
 * P3 (helper-83, helper-84): a spoofer has the relay probe its own staged routes
 * right after a real route's probe, to take that probe's bucket before its
 * answer comes. Each probe now holds its bucket for a second: later ones draw
 * other sender indices, and those that find no free bucket are not made.
 */
static void test_probe_table_hold(void **state)
{
	u8 probe[WGR_INITIATION_LEN], other[WGR_INITIATION_LEN], msg[WGR_COOKIE_LEN];
	struct wgr_endpoint end = ep(10, 51820), via = ep(20, 51820), from;
	u8 key[32], mac1[16], out[16];
	unsigned int i, made = 0;

	(void)state;
	assert_true(wgr_cookie_probe_route(&cookies, &target, &end, &via, false, probe));
	/* A thousand probes of the spoofer's routes, within the same second. */
	for (i = 0; i < 1000; i++) {
		struct wgr_endpoint e = ep(66, 40000 + i), v = ep(67, 40000 + i);

		made += wgr_cookie_probe_route(&cookies, &target, &e, &v, false, other);
	}
	/* No more than the table holds beside the real one, and no bucket twice. */
	assert_true(made <= WGR_PROBES - 1);
	assert_true(made >= WGR_PROBES / 2);
	reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
	      target.cookie_key, 0x42);
	assert_true(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &end, key, mac1,
				      &from));
	assert_true(wgr_endpoint_eq(&from, &via));
	assert_true(wgr_cookie_open(&target, msg, mac1, out));
	assert_int_equal(out[0], 0x42);
	/*
	 * Answered, its bucket is free at once; the others', a second after they
	 * were made: until then a new probe finds few (the table full is what the
	 * spoofer can still do, at about 256 probes a second of its own routes).
	 */
	jiffies += HZ - 1;
	for (i = 0, made = 0; i < 100; i++) {
		struct wgr_endpoint e = ep(68, 40000 + i);

		made += wgr_cookie_probe_route(&cookies, &target, &e, &via, false, other);
	}
	assert_true(made < 10);
	jiffies += 1;
	assert_true(wgr_cookie_probe_route(&cookies, &target, &end, &via, false, other));
	/* A slot's probe finds room as a route's does. */
	assert_int_equal(probe_and_answer(&end, WGR_COOKIE_BINDING, true, 0x43), 1);
	/*
	 * With half the table held, a probe draws until it finds room: of twenty
	 * (each answered, so that the half stays a half), nearly all go; with one
	 * draw each, about half would.
	 */
	jiffies += HZ;
	for (i = 0, made = 0; made < WGR_PROBES / 2; i++) {
		struct wgr_endpoint e = ep(69, 40000 + i);

		made += wgr_cookie_probe_route(&cookies, &target, &e, &via, false, other);
	}
	for (i = 0, made = 0; i < 20; i++) {
		if (!wgr_cookie_probe_route(&cookies, &target, &end, &via, false, probe))
			continue;
		made++;
		reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
		      target.cookie_key, 0x44);
		assert_true(wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), &end, key,
					      mac1, &from));
	}
	assert_true(made >= 16);
}

/* Is @probe's answer, from @end, still matched? (An answer frees its bucket.) */
static bool answered(const u8 *probe, const struct wgr_endpoint *end)
{
	u8 msg[WGR_COOKIE_LEN], key[32], mac1[16];
	struct wgr_endpoint from;

	reply(msg, wgr_initiation_sender(probe), probe + WGR_INITIATION_MAC1_OFF,
	      target.cookie_key, 0x45);
	return wgr_cookie_probed(&cookies, wgr_cookie_receiver(msg), end, key, mac1, &from);
}

/*
 * helper-86: a spoofer's flood of its own routes' probes holds most of the
 * table; a firm probe (a proven initiator's route, a binding's slot) takes a
 * bucket one of them holds, and none of theirs takes a firm one's.
 */
static void test_probe_table_rank(void **state)
{
	u8 probe[WGR_INITIATION_LEN], other[WGR_INITIATION_LEN];
	u8 firm[8][WGR_INITIATION_LEN];
	struct wgr_endpoint end = ep(10, 51820), via = ep(20, 51820);
	unsigned int i, made;

	(void)state;
	/* The spoofer's probes fill the table: a probe that is not firm finds none. */
	for (i = 0; i < 2000; i++) {
		struct wgr_endpoint e = ep(66, 40000 + i), v = ep(67, 40000 + i);

		wgr_cookie_probe_route(&cookies, &target, &e, &v, false, other);
	}
	for (i = 0, made = 0; i < 20; i++)
		made += wgr_cookie_probe_route(&cookies, &target, &end, &via, false, probe);
	assert_true(made < 5);
	/* A real route's probe and a binding's go, each at the first try. */
	for (i = 0; i < 8; i++) {
		struct wgr_endpoint v = ep(30, 50000 + i);

		assert_true(wgr_cookie_probe_route(&cookies, &target, &end, &v, true, firm[i]));
	}
	assert_int_equal(probe_and_answer(&end, WGR_COOKIE_BINDING, true, 0x46), 1);
	/* The spoofer's next thousand take none of the firm ones' buckets. */
	for (i = 0; i < 1000; i++) {
		struct wgr_endpoint e = ep(68, 40000 + i), v = ep(69, 40000 + i);

		wgr_cookie_probe_route(&cookies, &target, &e, &v, false, other);
	}
	for (i = 0; i < 8; i++)
		assert_true(answered(firm[i], &end));
	/* Nor does a firm probe take a firm one's. */
	assert_true(wgr_cookie_probe_route(&cookies, &target, &end, &via, true, probe));
	for (i = 0, made = 0; i < 1000; i++) {
		struct wgr_endpoint v = ep(31, 40000 + i);

		made += wgr_cookie_probe_route(&cookies, &target, &end, &v, true, other);
	}
	assert_true(made >= WGR_PROBES / 2);
	assert_true(answered(probe, &end));
}

/* A rotated secret: the next probe's answer replaces the endpoint's cookie. */
static void test_rotation(void **state)
{
	struct wgr_endpoint home = ep(10, 51820);

	(void)state;
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x11), 1);
	jiffies += 100 * HZ;
	assert_int_equal(probe_and_answer(&home, WGR_COOKIE_BINDING, true, 0x12), 1);
	assert_int_equal(mac2_fill(&home, true), 0x12);
	jiffies += 100 * HZ;
	assert_int_equal(mac2_fill(&home, true), 0x12);
	jiffies += 15 * HZ;
	assert_int_equal(mac2_fill(&home, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response_mac2),
		cmocka_unit_test_setup(test_probe_answer_only, setup),
		cmocka_unit_test_setup(test_probe_wait, setup),
		cmocka_unit_test_setup(test_answer_from_elsewhere, setup),
		cmocka_unit_test_setup(test_candidate_keeps_off, setup),
		cmocka_unit_test_setup(test_ranks, setup),
		cmocka_unit_test_setup(test_route_cookie, setup),
		cmocka_unit_test_setup(test_probe_table_hold, setup),
		cmocka_unit_test_setup(test_probe_table_rank, setup),
		cmocka_unit_test_setup(test_rotation, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
