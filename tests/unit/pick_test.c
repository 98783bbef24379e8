// SPDX-License-Identifier: GPL-2.0
/*
 * module/pick.c in user space: which of a walk's discovery candidates get its
 * places. Round robin over prefixes, one place per address, the most recent of
 * a prefix first, and the odds a crowd of an attacker's prefixes leaves a
 * peer: about as many places as there are in k + 1 prefixes, however many
 * ports each prefix has (a review of e299ad7 measured one walk in 170 for 24
 * prefixes of 170 ports, when each candidate drew its own number).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "kshim/kshim.h"
#include "../../module/pick.h"

#define ROOM 16
#define FANOUT 8

/* A candidate: the test's own numbers stand for sources. */
struct cand {
	u64 prefix;
	u64 addr;
};

static void weigh(struct wgr_picks *p, struct cand *c)
{
	wgr_picks_weigh(p, c, c->prefix, AF_INET, c->addr);
}

static struct cand *item(struct wgr_picks *p, unsigned int i)
{
	return p->pick[i].item;
}

/* Fewer than fit: all kept; one per address, the first (most recent) of it. */
static void test_address_once(void **state)
{
	struct wgr_pick buf[ROOM];
	struct wgr_picks p;
	struct cand c[3] = { { 1, 10 }, { 1, 10 }, { 2, 20 } };

	(void)state;
	wgr_picks_init(&p, buf, ROOM, 42);
	for (int i = 0; i < 3; i++)
		weigh(&p, &c[i]);
	assert_int_equal(p.n, 2);
	assert_true(item(&p, 0) == &c[0] || item(&p, 1) == &c[0]);
	assert_true(item(&p, 0) != &c[1] && item(&p, 1) != &c[1]);
	/* The same address in another family is another address. */
	wgr_picks_weigh(&p, &c[1], 1, AF_INET6, 10);
	assert_int_equal(p.n, 3);
}

/* Each prefix's first place before any prefix's second; within one, in order of arrival. */
static void test_rounds(void **state)
{
	struct wgr_pick buf[ROOM];
	struct cand c[12];
	struct wgr_picks p;

	(void)state;
	for (u64 seed = 1; seed < 200; seed++) {
		wgr_picks_init(&p, buf, ROOM, seed * 0x9e3779b97f4a7c15ULL);
		/* Prefix 1 has four candidates, the most recent first; 2 and 3 follow. */
		for (int i = 0; i < 12; i++) {
			c[i].prefix = i < 4 ? 1 : i < 8 ? 2 : 3;
			c[i].addr = 100 + i;
			weigh(&p, &c[i]);
		}
		assert_int_equal(p.n, 12);
		for (unsigned int i = 0; i < p.n; i++) {
			struct cand *x = item(&p, i);
			int same = 0;

			/* Place i is in round i / 3: its prefix had i / 3 places before it. */
			for (unsigned int j = 0; j < i; j++)
				same += item(&p, j)->prefix == x->prefix;
			assert_int_equal(same, (int)(i / 3));
			/* And a prefix's candidates keep their order of arrival. */
			for (unsigned int j = 0; j < i; j++)
				if (item(&p, j)->prefix == x->prefix)
					assert_true(item(&p, j) < x);
		}
	}
}

/* A full walk keeps the best: a later prefix can take a place from a worse one. */
static void test_full(void **state)
{
	struct wgr_pick buf[4];
	struct cand c[40];
	struct wgr_picks p;

	(void)state;
	wgr_picks_init(&p, buf, 4, 7);
	for (int i = 0; i < 40; i++) {
		c[i].prefix = (u64)i;
		c[i].addr = (u64)i;
		weigh(&p, &c[i]);
	}
	assert_int_equal(p.n, 4);
	for (unsigned int i = 1; i < p.n; i++)
		assert_true(p.pick[i - 1].rank < p.pick[i].rank);
	/* All first places: forty prefixes, each with one. */
	for (unsigned int i = 0; i < p.n; i++)
		assert_int_equal(p.pick[i].rank >> 32, 0);
	/* No room: nothing kept. */
	wgr_picks_init(&p, buf, 0, 7);
	weigh(&p, &c[0]);
	assert_int_equal(p.n, 0);
}

/* In how many of @walks a peer's one candidate gets one of FANOUT places. */
static double odds(unsigned int k, unsigned int ports, unsigned int walks)
{
	static struct cand c[64 * 256 + 1];
	struct wgr_pick buf[ROOM];
	struct wgr_picks p;
	unsigned int hits = 0, n = k * ports + 1;
	u64 r = 88172645463325252ULL;

	for (unsigned int w = 0; w < walks; w++) {
		unsigned int at = w % n, i = 0;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		wgr_picks_init(&p, buf, ROOM, r);
		/* The attacker's candidates come round its prefixes, one address each; the peer's at @at. */
		for (unsigned int j = 0; j < n; j++) {
			if (j == at) {
				c[j] = (struct cand){ .prefix = 1ULL << 40, .addr = 1 };
			} else {
				c[j] = (struct cand){ .prefix = 1000 + i % k, .addr = 2 + i % k };
				i++;
			}
			weigh(&p, &c[j]);
		}
		for (unsigned int j = 0; j < p.n && j < FANOUT; j++)
			hits += item(&p, j) == &c[at];
	}
	return (double)hits / walks;
}

/* About FANOUT in k + 1, whether each prefix has one port or 170 (one address). */
static void test_crowd_odds(void **state)
{
	static const struct { unsigned int k, ports; } runs[] = {
		{ 7, 4 }, { 8, 2 }, { 15, 10 }, { 16, 256 }, { 24, 170 }, { 32, 128 }, { 64, 60 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		double want = runs[i].k + 1 <= FANOUT ? 1 : (double)FANOUT / (runs[i].k + 1);
		double got = odds(runs[i].k, runs[i].ports, 4000);

		printf("pick: %u prefixes of %u ports beside a peer: its odds %.3f, want %.3f\n",
		       runs[i].k, runs[i].ports, got, want);
		assert_true(got > want - 0.05 && got < want + 0.05);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_once),
		cmocka_unit_test(test_rounds),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_crowd_odds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
