// SPDX-License-Identifier: GPL-2.0
/*
 * What a discovery walk's ranking costs a visit (module/pick.c, run in user
 * space as tests/unit runs it): the arrival orders reviews found worst, each
 * a walk of 4,096 visits weighed twice as source.c weighs them (by network
 * and by prefix), at the default fanout and the largest. The best of 50
 * walks, each with a fresh seed. ratelimit.c's walk budget
 * (WGR_WALK_VISITS_PER_SECOND) is chosen by these figures.
 */
#include <stdio.h>
#include <time.h>

#include "kshim/kshim.h"
#include "../module/pick.h"

#define VISITS 4096
#define WALKS 50

struct cand {
	u64 network, prefix, addr;
};

static struct cand c[VISITS];

static u64 rnd(u64 *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* The arrival orders: each fills c[] with VISITS candidates. */
static void three_networks(void)
{
	/* Three /32s in turn, each candidate a /48 of its own (helper-57). */
	for (u64 i = 0; i < VISITS; i++) {
		c[i].network = (0x6000ULL + i % 3) << 16;
		c[i].prefix = c[i].network + i / 3;
		c[i].addr = c[i].prefix << 16 | i;
	}
}

static void one_network(void)
{
	/* One /32's 16 /48s, 256 addresses each, in turn. */
	for (u64 i = 0; i < VISITS; i++) {
		c[i].network = 0x60000000ULL;
		c[i].prefix = c[i].network + i % 16;
		c[i].addr = c[i].prefix << 16 | i;
	}
}

static void clumps(void)
{
	/*
	 * Three /32s, 48 /48s each, 32 /64s in each /48, one /48's at a time:
	 * its later addresses take its places often (helper-70).
	 */
	for (u64 i = 0; i < VISITS; i++) {
		u64 net = i / (48 * 32) % 3, pfx = i / 32 % 48, a = i % 32;

		c[i].network = (0x30000000ULL + net) << 16;
		c[i].prefix = c[i].network + pfx;
		c[i].addr = c[i].prefix << 16 | a;
	}
}

static void one_prefix(void)
{
	/* One /24's (or /48's) addresses: later ones can take its places. */
	for (u64 i = 0; i < VISITS; i++) {
		c[i].network = c[i].prefix = 0xcb0071;
		c[i].addr = 0xcb007100ULL + i;
	}
}

static void many_networks(void)
{
	/* A /24 each. */
	for (u64 i = 0; i < VISITS; i++) {
		c[i].network = c[i].prefix = 0x100000 + i;
		c[i].addr = i << 8;
	}
}

/* Nanoseconds a visit, the best of WALKS walks. */
static double visit_ns(unsigned int fanout, u64 *r)
{
	struct wgr_pick a[WGR_PICKS_MAX], b[WGR_PICKS_MAX];
	struct wgr_picks by_network, by_prefix;
	double best = 1e18;

	for (unsigned int w = 0; w < WALKS; w++) {
		struct timespec t0, t1;
		u64 seed = rnd(r);
		double ns;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		wgr_picks_init(&by_network, a, fanout, seed);
		wgr_picks_init(&by_prefix, b, fanout, seed);
		for (unsigned int i = 0; i < VISITS; i++) {
			wgr_picks_weigh(&by_network, &c[i], c[i].network, c[i].prefix, AF_INET6,
					c[i].addr, 0);
			wgr_picks_weigh(&by_prefix, &c[i], c[i].prefix, c[i].prefix, AF_INET6,
					c[i].addr, 0);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / VISITS;
		if (ns < best)
			best = ns;
	}
	return best;
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fill)(void);
	} orders[] = {
		{ "three /32s in turn, a /48 each", three_networks },
		{ "one /32: 16 /48s of 256", one_network },
		{ "three /32s: a /48's 32 /64s at a time", clumps },
		{ "one /24 of 4,096 addresses", one_prefix },
		{ "4,096 /24s", many_networks },
	};
	static const unsigned int fanouts[] = { 8, WGR_PICKS_MAX };
	u64 r = 0x2545f4914f6cdd1dULL;

	printf("%-40s %10s %10s\n", "arrival order", "ns/visit 8", "ns/visit 64");
	for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		orders[o].fill();
		printf("%-40s", orders[o].name);
		for (size_t f = 0; f < 2; f++)
			printf(" %10.1f", visit_ns(fanouts[f], &r));
		printf("\n");
	}
	return 0;
}
