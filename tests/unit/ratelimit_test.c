// SPDX-License-Identifier: GPL-2.0
/*
 * module/ratelimit.c in user space: what an attacker with real addresses does
 * to the table of discovery's buckets (a review in session 26). Only an
 * initiation with the relay's mac2 adds to it, but each of its walks adds a
 * share bucket per (candidate /64, initiating /64) pair: an IPv6 /48 has pairs
 * enough, and its walks add them ten thousand times a second. The table
 * forgets its least recently used bucket when full, whatever it holds, and a
 * forgotten bucket comes back full: a network's walk budget, idle (the
 * relay's spare), a candidate's cap, a site's reserve past it. And what
 * attackers in a failing peer's own network take of its copies (M1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "kshim/kshim.h"
#include "kshim/linux/ktime.h"
#include "../../module/ratelimit.h"

int kshim_warned;
int kshim_fail_alloc;
u64 kshim_now = 1000 * NSEC_PER_SEC;

/* module/peer.c's, which needs the kernel. */
u64 wgr_endpoint_host(const struct wgr_endpoint *ep)
{
	const __be32 *a = ep->addr6.sin6_addr.s6_addr32;

	if (ep->addr.sa_family == AF_INET)
		return be32_to_cpu(ep->addr4.sin_addr.s_addr);
	return (u64)be32_to_cpu(a[0]) << 32 | be32_to_cpu(a[1]);
}

/* An endpoint in IPv6 network (/32) @net, /48 @sub48 of it, /64 @sub64 of that. */
static struct wgr_endpoint ep6(u32 net, u16 sub48, u16 sub64)
{
	struct wgr_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr6.sin6_family = AF_INET6;
	e.addr6.sin6_addr.s6_addr32[0] = htonl(net);
	e.addr6.sin6_addr.s6_addr32[1] = htonl((u32)sub48 << 16 | sub64);
	e.addr6.sin6_addr.s6_addr32[3] = htonl(1);
	e.addr6.sin6_port = htons(51820);
	return e;
}

/*
 * Each peer's claims on its network's share of a target's stamps, by its key
 * (in the module, in its struct wgr_peer).
 */
static struct wgr_stamp_claims claims_of[256];

static struct wgr_stamp_claims *claims_for(const u8 *peer)
{
	return peer ? &claims_of[(u8)(peer[0] + 31 * peer[1])] : NULL;
}

/*
 * What relay.c's vouch_for() asks of the buckets for an initiation from @src
 * along a live session of @first's (the route's initiator, proven at @src;
 * NULL: none), with the relay's mac2 or not, whose retries' budgets are
 * @retry's (@src is its proven binding, with a live session at @dst; NULL:
 * none).
 */
static bool vouch_as(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
		     const struct wgr_endpoint *src, const u8 *first, const u8 *retry, bool mac2)
{
	struct wgr_stamper f = { first, claims_for(first) }, r = { retry, claims_for(retry) };

	return wgr_ratelimit_stamp(rl, dst, src, first ? &f : NULL, retry ? &r : NULL, mac2);
}

/* The usual case: @peer's route from its own proven binding @src. */
static bool vouch(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
		  const struct wgr_endpoint *src, const u8 *peer, bool mac2)
{
	return vouch_as(rl, dst, src, peer, peer, mac2);
}

/* A first try along @peer's live session, from @src. */
static bool stamp(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
		  const struct wgr_endpoint *src, const u8 *peer)
{
	return vouch(rl, dst, src, peer, false);
}

#define ATTACKER	0x2a000000	/* the attacker's /32 (one /48 of it is used) */
#define ELSEWHERE	0x2b000000	/* another network of the attacker's */
#define PEERS		0x20010db8

enum churn_from { FROM_PAIRS, FROM_SITES, FROM_NETWORKS };

/*
 * @n asks for discovery, the @i-th so far of its kind: a candidate of the
 * attacker's own and where the ask comes from.
 */
static void asks(struct wgr_ratelimit *rl, unsigned int n, unsigned int *i, enum churn_from from)
{
	for (; n; n--, (*i)++) {
		struct wgr_endpoint cand, src;

		if (from == FROM_PAIRS) {
			cand = ep6(ATTACKER, 1, *i % 256);
			src = ep6(ATTACKER, 2, (*i / 256) % 256);
		} else {
			cand = ep6(ATTACKER, 1, *i % 64);
			src = from == FROM_SITES ? ep6(ATTACKER, (u16)(16 + *i / 64), 0) :
						   ep6(0x40000000 + *i / 64, 0, 0);
		}
		wgr_ratelimit_discovery(rl, &cand, &src);
	}
}

/*
 * What the attacker's short walks leave in the table: discovery asks for @n
 * new (candidate, initiator) pairs of its own /48, as wgr_source_candidates()
 * makes them, all within a few milliseconds. 256 x 256 /64s: 65,536 pairs.
 */
static void churn(struct wgr_ratelimit *rl, unsigned int n)
{
	static unsigned int next;

	asks(rl, n, &next, FROM_PAIRS);
}

/*
 * What the attacker's many sites leave in the reserves' table (helper-69,
 * session 28): sites (IPv6 /48s of its /32) ask for 64 candidates of its own,
 * whose caps their asks keep spent, @n asks each a new (candidate, site).
 */
static void churn_reserve_sites(struct wgr_ratelimit *rl, unsigned int n)
{
	static unsigned int next;

	asks(rl, n, &next, FROM_SITES);
}

/*
 * The same from a new network (IPv6 /32) every 64 asks: each ask a new
 * (candidate, network), which is what a reserve is kept for.
 */
static void churn_reserve_networks(struct wgr_ratelimit *rl, unsigned int n)
{
	static unsigned int next;

	asks(rl, n, &next, FROM_NETWORKS);
}

/*
 * A network's walk 10 ms after its last is not idle: it does not walk on the
 * relay's spare, however many pairs the attacker's other walks added since.
 */
static void test_walk_idle_survives_churn(void **state)
{
	struct wgr_endpoint burst = ep6(ELSEWHERE, 1, 1);
	struct wgr_walk_budget b;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	/* Eight busy networks spend the relay's budget: only the spare is left. */
	wgr_walk_set_rate(&rl, 0);
	rl.walk_tokens = 0;

	/* Its first walk in a second: on the spare. */
	wgr_walk_reserve(&rl, &burst, 4096, &b);
	assert_true(b.spare);
	assert_int_equal(b.visits, 4096);
	wgr_walk_refund(&rl, &b, 4096);

	/* 10 ms later: not idle, and the relay has nothing. */
	kshim_now += 10 * 1000 * 1000;
	wgr_walk_reserve(&rl, &burst, 4096, &b);
	assert_false(b.spare);
	assert_int_equal(b.visits, 0);

	/* The attacker's other walks add pairs; 21 ms after its first, still not idle. */
	kshim_now += 10 * 1000 * 1000;
	churn(&rl, 2 * 16384);
	kshim_now += 1000 * 1000;
	wgr_walk_reserve(&rl, &burst, 4096, &b);
	assert_false(b.spare);
	assert_int_equal(b.visits, 0);
	wgr_ratelimit_destroy(&rl);
}

/*
 * A candidate's cap, spent, stays spent for the attacker's next asks within
 * a tenth of a second, however many pairs its walks added meanwhile.
 */
static void test_cap_survives_churn(void **state)
{
	struct wgr_endpoint q = ep6(PEERS, 7, 7);
	struct wgr_ratelimit rl;
	unsigned int i, ok = 0;

	(void)state;
	wgr_ratelimit_init(&rl);
	/* Ten /64s of one site: ten copies (the cap), one more (its reserve). */
	for (i = 0; i < 10; i++) {
		struct wgr_endpoint from = ep6(ELSEWHERE, 3, i);

		ok += wgr_ratelimit_discovery(&rl, &q, &from);
		ok += wgr_ratelimit_discovery(&rl, &q, &from);
	}
	assert_int_equal(ok, 11);

	churn(&rl, 2 * 16384);
	kshim_now += 20 * 1000 * 1000;
	/*
	 * Fresh /64s, shares full: a fifth of a copy has refilled, and the
	 * site's reserve, spent, is in a table the churn does not reach: none
	 * (it got one when the reserves were in the table of pairs).
	 */
	for (i = 10, ok = 0; i < 20; i++) {
		struct wgr_endpoint from = ep6(ELSEWHERE, 3, i);

		ok += wgr_ratelimit_discovery(&rl, &q, &from);
	}
	assert_int_equal(ok, 0);
	wgr_ratelimit_destroy(&rl);
}

/* What else adds buckets: each fills one table, and must push out no other's. */
enum churn_kind {
	CHURN_SPOOFED, CHURN_PAIRS, CHURN_CANDIDATES, CHURN_RESERVES, CHURN_NETWORKS, CHURN_KINDS
};

static void churn_by(struct wgr_ratelimit *rl, enum churn_kind kind, unsigned int n)
{
	struct wgr_endpoint from = ep6(ATTACKER, 2, 0);
	struct wgr_walk_budget b;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* A new IPv6 address and port each time. */
		struct wgr_endpoint e = ep6(ATTACKER, 8 + (i >> 16), i & 0xffff);

		switch (kind) {
		case CHURN_SPOOFED:	/* initiations without mac2, and their cookie replies */
			wgr_ratelimit_initiation(rl, &e);
			wgr_ratelimit_cookie(rl, &e, false);
			break;
		case CHURN_PAIRS:	/* one /48's walks: pairs of /64s */
			churn(rl, 1);
			break;
		case CHURN_CANDIDATES:	/* copies to new candidates */
			wgr_ratelimit_discovery(rl, &e, &from);
			break;
		case CHURN_RESERVES:	/* many networks past their own candidates' caps */
			churn_reserve_networks(rl, 1);
			break;
		default:		/* walks from new networks (IPv6 /32s) */
			e = ep6(0x30000000 + i, 0, 0);
			wgr_walk_reserve(rl, &e, 1, &b);
			wgr_walk_refund(rl, &b, 0);
			break;
		}
	}
}

/*
 * Each table is cycled only by what it keeps: whatever else an attacker adds
 * twice a table's worth of, a network that walked 10 ms ago is not idle, and
 * a candidate whose cap is spent gets one copy more at most. Moving a kind into
 * another's table fails here.
 */
static void test_tables_apart(void **state)
{
	struct wgr_endpoint burst = ep6(ELSEWHERE, 1, 1), q = ep6(PEERS, 7, 7);
	struct wgr_walk_budget b;
	struct wgr_ratelimit rl;
	unsigned int kind, i, ok;

	(void)state;
	for (kind = 0; kind < CHURN_KINDS; kind++) {
		wgr_ratelimit_init(&rl);
		wgr_walk_set_rate(&rl, 0);
		rl.walk_tokens = 0;
		wgr_walk_reserve(&rl, &burst, 4096, &b);
		assert_true(b.spare);
		wgr_walk_refund(&rl, &b, 4096);
		for (i = 0, ok = 0; i < 10; i++) {
			struct wgr_endpoint from = ep6(ELSEWHERE, 3, i);

			ok += wgr_ratelimit_discovery(&rl, &q, &from);
		}
		assert_int_equal(ok, 10);

		kshim_now += 10 * 1000 * 1000;
		churn_by(&rl, kind, 2 * 16384);
		kshim_now += 1000 * 1000;
		wgr_walk_reserve(&rl, &burst, 4096, &b);
		printf("ratelimit: churn %u: the walk %s on the spare\n", kind, b.spare ? "ran" : "did not run");
		if (kind != CHURN_NETWORKS)
			assert_false(b.spare);
		for (i = 10, ok = 0; i < 20; i++) {
			struct wgr_endpoint from = ep6(ELSEWHERE, 4, i);

			ok += wgr_ratelimit_discovery(&rl, &q, &from);
		}
		printf("ratelimit: churn %u: %u copies past a spent cap\n", kind, ok);
		if (kind != CHURN_CANDIDATES)
			assert_true(ok <= 1);
		wgr_ratelimit_destroy(&rl);
	}
}

/*
 * The gc empties every table of buckets idle for a second, past its batches;
 * the reserves' once what they remember no longer counts.
 */
static void test_gc_every_table(void **state)
{
	struct wgr_endpoint a = ep6(PEERS, 1, 1), c = ep6(PEERS, 2, 2);
	struct wgr_walk_budget b;
	struct wgr_ratelimit rl;
	unsigned int t;

	(void)state;
	wgr_ratelimit_init(&rl);
	wgr_ratelimit_initiation(&rl, &a);
	/* Eleven /64s: the cap's ten, and a reserve's. */
	for (t = 0; t < 11; t++) {
		struct wgr_endpoint from = ep6(PEERS, 1, t);

		wgr_ratelimit_discovery(&rl, &c, &from);
	}
	wgr_walk_reserve(&rl, &a, 1, &b);
	wgr_walk_refund(&rl, &b, 0);
	wgr_ratelimit_stamp(&rl, &c, &a, NULL, NULL, true);
	churn_by(&rl, CHURN_SPOOFED, 5000);
	assert_true(rl.tables[WGR_BUCKETS_OPEN].n > 3 * 1024);
	for (t = 0; t < WGR_BUCKET_POOLS; t++)
		assert_true(rl.tables[t].n > 0);
	kshim_now += 2 * NSEC_PER_SEC;
	wgr_ratelimit_gc(&rl);
	for (t = 0; t < WGR_BUCKET_POOLS; t++)
		assert_int_equal(rl.tables[t].n, t == WGR_BUCKETS_RESERVES);
	/* A reserve stays while the grants it remembers count (4 s and 1 ms). */
	kshim_now += 2 * NSEC_PER_SEC;
	wgr_ratelimit_gc(&rl);
	assert_int_equal(rl.tables[WGR_BUCKETS_RESERVES].n, 1);
	kshim_now += NSEC_PER_MSEC;
	wgr_ratelimit_gc(&rl);
	assert_int_equal(rl.tables[WGR_BUCKETS_RESERVES].n, 1);
	kshim_now += NSEC_PER_MSEC;
	wgr_ratelimit_gc(&rl);
	assert_int_equal(rl.tables[WGR_BUCKETS_RESERVES].n, 0);
	wgr_ratelimit_destroy(&rl);
}

/* An endpoint at IPv4 address @a (host order). */
static struct wgr_endpoint ep4(u32 a)
{
	struct wgr_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr4.sin_family = AF_INET;
	e.addr4.sin_addr.s_addr = htonl(a);
	e.addr4.sin_port = htons(51820);
	return e;
}

/*
 * A failing peer's next retry after the one at @retry ms: WireGuard's 5 s and
 * up to 333 ms of jitter (a fixed spread, so runs repeat).
 */
static unsigned int next_retry(unsigned int retry)
{
	return retry + 5000 + (retry * 7919) % 334;
}

/*
 * Millisecond @t of a simulated minute: the gc once a second, and the failing
 * peer's ask for a copy to @cand when its retry is due (*@retry: every 5 s
 * with WireGuard's jitter, up to 333 ms). Return: 1 if it asked and had one.
 */
static unsigned int tick(struct wgr_ratelimit *rl, const struct wgr_endpoint *cand,
			 const struct wgr_endpoint *peer, unsigned int t, unsigned int *retry)
{
	unsigned int got = 0;

	if (t % 1000 == 0)
		wgr_ratelimit_gc(rl);
	if (t == *retry) {
		got = wgr_ratelimit_discovery(rl, cand, peer);
		*retry = next_retry(*retry);
	}
	return got;
}

/*
 * The budget attack on a failing peer's copies (M1, a review in session 24):
 * a thousand /64s of one /48 elsewhere take turns, one ask a millisecond, and
 * keep a candidate's cap spent (each within its share); @k attacker endpoints
 * take turns the same way, as fast as their shares let them, or, with
 * @period, the first two ask every @period ms, half a period apart;
 * @churn_with adds @churn_per_s new buckets a second; the peer
 * retries every 5 s with WireGuard's jitter (up to 333 ms), for a minute. How
 * many of the peer's 12 retries get a copy?
 */
static unsigned int peer_copies_in(const struct wgr_endpoint *peer,
				   const struct wgr_endpoint *attackers, unsigned int k,
				   unsigned int period, unsigned int churn_per_s,
				   void (*churn_with)(struct wgr_ratelimit *, unsigned int))
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	unsigned int t, got = 0, retry = 2537;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	for (t = 0; t < 60000; t++) {
		struct wgr_endpoint filler = ep6(ELSEWHERE, 5, t % 1000);

		wgr_ratelimit_discovery(&rl, &cand, &filler);
		churn_with(&rl, churn_per_s / 1000);
		if (period && t % period == 0)
			wgr_ratelimit_discovery(&rl, &cand, &attackers[0]);
		else if (period && t % period == period / 2)
			wgr_ratelimit_discovery(&rl, &cand, &attackers[1]);
		else if (!period && k)
			wgr_ratelimit_discovery(&rl, &cand, &attackers[t % k]);
		got += tick(&rl, &cand, peer, t, &retry);
		kshim_now += 1000 * 1000;
	}
	wgr_ratelimit_destroy(&rl);
	return got;
}

static unsigned int peer_copies(const struct wgr_endpoint *peer,
				const struct wgr_endpoint *attackers, unsigned int k)
{
	return peer_copies_in(peer, attackers, k, 0, 0, churn);
}

/*
 * Keyed by network alone, one proven address in the peer's network (a CGNAT
 * carrier's pool: the peer's /24) spent the reserve and the peer got nothing.
 * Each site now has its own, under a ceiling of four for the network: three
 * sites there, or in other /48s of an IPv6 peer's /32, leave the peer every
 * retry; sites in other networks spend nothing of its network's ceiling (one
 * per candidate alone would fall to them); a neighbour on the peer's own site
 * (another /56 of its /48, with /64s enough to ask past its shares) still
 * spends its reserve: open, and asserted as the limit the comments give (a
 * site of /48, not /56), so that a fix for it changes this test on purpose.
 */
static void test_reserve_per_site(void **state)
{
	struct wgr_endpoint peer = ep4(0xcb007102);	/* 203.0.113.2 */
	struct wgr_endpoint peer6 = ep6(PEERS, 1, 1);
	struct wgr_endpoint att[6], att6[3], nb6[64];
	unsigned int i, n;

	(void)state;
	for (i = 0; i < 3; i++)
		att[i] = ep4(0xcb007142 + i);		/* 203.0.113.66.. */
	for (i = 0; i < 3; i++)
		att6[i] = ep6(PEERS, 2 + i, 0);		/* other /48s of the peer's /32 */
	assert_int_equal(peer_copies(&peer, att, 0), 12);
	assert_int_equal(peer_copies(&peer, att, 1), 12);
	assert_int_equal(peer_copies(&peer, att, 3), 12);
	assert_int_equal(peer_copies(&peer6, att6, 3), 12);
	for (i = 0; i < 6; i++)
		att[i] = ep4(0xc6120101 + (i << 8));	/* 198.18.(1+i).1 */
	assert_int_equal(peer_copies(&peer, att, 6), 12);
	/* 64 /64s of another /56 of the peer's /48: past their shares. */
	for (i = 0; i < 64; i++)
		nb6[i] = ep6(PEERS, 1, 0x0200 + i);
	n = peer_copies(&peer6, nb6, 64);
	printf("ratelimit: a neighbour in the peer's /48 leaves it %u of 12\n", n);
	assert_true(n <= 1);
}

/*
 * With the reserves in the table of pairs, a site's was pushed out between
 * its asks and came back full, while the network's, touched by both sites,
 * stayed: two sites took most of the network's four a second (3 of 12 on
 * 4f2dcef). In a table of their own, which only an ask the cap refused adds
 * to, they keep their one each.
 */
/*
 * Two sites in the peer's /24 (203.0.113.2), each asking every 500 ms, and
 * @churn_with adding @per_s buckets a second (@what): the peer's copies.
 */
static unsigned int two_sites_and(void (*churn_with)(struct wgr_ratelimit *, unsigned int),
				  unsigned int per_s, const char *what)
{
	struct wgr_endpoint peer = ep4(0xcb007102);
	struct wgr_endpoint att[2] = { ep4(0xcb007142), ep4(0xcb007143) };
	unsigned int n = peer_copies_in(&peer, att, 2, 500, per_s, churn_with);

	printf("ratelimit: two sites and %s leave the peer %u of 12\n", what, n);
	return n;
}

static void test_reserve_churn(void **state)
{
	(void)state;
	assert_int_equal(two_sites_and(churn, 40000, "40,000 new pairs a second"), 12);
}

/*
 * The reserves' table churned (helper-69): its buckets were the reserves of
 * (candidate, site) pairs the cap refused, and an attacker's many sites that
 * spent its own candidates' caps added them as fast as a /48's walks added
 * pairs. Two sites in the peer's /24, each every 500 ms, then found theirs
 * forgotten and full at each ask, and spent the network's four a second
 * between them (3 of 12 on 138f302). The network's reserve remembers its
 * sites now: sites add nothing to the table, and new networks that push the
 * peer's network's reserve out between asks (100,000 a second) bring it back
 * full for the peer too.
 */
static void test_reserve_table_churn(void **state)
{
	(void)state;
	assert_int_equal(two_sites_and(churn_reserve_sites, 40000,
				       "40,000 asks a second from new sites"), 12);
	assert_int_equal(two_sites_and(churn_reserve_networks, 100000,
				       "100,000 asks a second from new networks"), 12);
}

/*
 * What one network's reserve grants past a spent cap (helper-71): twelve
 * sites of one /24, each asking twice a second (its share) at offsets of its
 * own, off the millisecond grid, for four seconds, while a thousand /64s
 * elsewhere keep the cap spent. The reserve's four a second and burst of four
 * grant 4 + 4 x 4 at most, and no site has a second copy within a second of
 * its last: a memory of four sites, a grant remembered before the token is
 * checked, a reserve of eight a second, or a second that rounding made 1 ms
 * short each gave some.
 */
static void test_reserve_one_a_site(void **state)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	unsigned int i, t, granted = 0, twice = 0;
	struct wgr_endpoint site[12];
	u64 last[12] = { 0 };
	struct wgr_ratelimit rl;

	(void)state;
	for (i = 0; i < 12; i++)
		site[i] = ep4(0xcb007110 + i);		/* 203.0.113.16.. */
	wgr_ratelimit_init(&rl);
	/* Steps of 100 us; the filler asks every millisecond. */
	for (t = 0; t < 41000; t++, kshim_now += NSEC_PER_SEC / 10000) {
		if (t % 10 == 0) {
			struct wgr_endpoint filler = ep6(ELSEWHERE, 5, t / 10 % 1000);

			wgr_ratelimit_discovery(&rl, &cand, &filler);
		}
		for (i = 0; i < 12; i++) {
			/* Site i every 499.7 ms from 100 ms + i x 41.7 ms. */
			if (t < 1000 + i * 417 || (t - 1000 - i * 417) % 4997 ||
			    !wgr_ratelimit_discovery(&rl, &cand, &site[i]))
				continue;
			twice += last[i] && kshim_now - last[i] < NSEC_PER_SEC;
			last[i] = kshim_now;
			granted++;
		}
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: twelve sites of one /24 past a spent cap: %u copies in 4 s, %u within a second of their last\n",
	       granted, twice);
	assert_true(granted <= 4 + 4 * 4);
	assert_true(granted >= 4 * 3);
	assert_int_equal(twice, 0);
}

/*
 * Sites of the peer's network (203.0.113.0/24, a CGNAT carrier's pool) that
 * time their asks (helper-71, session 29), while a thousand /64s elsewhere
 * keep the candidate's cap spent. The attacker is given more than it could
 * know (it sees which asks the reserve granted): @k sites take turns, one
 * whose last copy is the oldest and at least @hold_ms old asking the moment
 * the reserve's next token is due (every 250 ms), as many as the reserve
 * grants then. 1001 ms is the soonest a site may have another copy; 4001
 * asks only from sites the reserve has not granted in four seconds. The peer
 * retries every 5 s with WireGuard's jitter, for a minute. Return: its copies
 * of 12.
 */
static unsigned int timed_sites(unsigned int k, unsigned int hold_ms)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep4(0xcb007102);	/* 203.0.113.2 */
	unsigned int i, t, got = 0, retry = 2537;
	u64 last[32] = { 0 };
	struct wgr_ratelimit rl;

	assert_true(k <= 32);
	wgr_ratelimit_init(&rl);
	for (t = 1; t <= 60000; t++, kshim_now += NSEC_PER_MSEC) {
		struct wgr_endpoint filler = ep6(ELSEWHERE, 5, t % 1000);

		wgr_ratelimit_discovery(&rl, &cand, &filler);
		while (t % 250 == 1) {
			struct wgr_endpoint site;
			unsigned int pick = k;

			for (i = 0; i < k; i++)
				if ((!last[i] || t - last[i] >= hold_ms) &&
				    (pick == k || last[i] < last[pick]))
					pick = i;
			if (pick == k)
				break;
			site = ep4(0xcb007140 + pick);		/* 203.0.113.64.. */
			if (!wgr_ratelimit_discovery(&rl, &cand, &site))
				break;
			last[pick] = t;
		}
		got += tick(&rl, &cand, &peer, t, &retry);
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: %u sites of the peer's /24, each again %u ms after its copy, leave the peer %u of 12\n",
	       k, hold_ms, got);
	return got;
}

/* Spend whatever the cap of @cand has refilled, from /64s of a network elsewhere. */
static void spend_cap(struct wgr_ratelimit *rl, const struct wgr_endpoint *cand)
{
	static unsigned int next;
	unsigned int i;

	for (i = 0; i < 10; i++, next++) {
		struct wgr_endpoint f = ep6(ELSEWHERE, (u16)(100 + next / 65536), (u16)next);

		wgr_ratelimit_discovery(rl, cand, &f);
	}
}

/*
 * Does site @site48 of the peers' /32 get a copy past @cand's cap, now, from a
 * /64 of its own not used before (a fresh share)?
 */
static bool site_asks(struct wgr_ratelimit *rl, const struct wgr_endpoint *cand, u16 site48)
{
	static u16 next64;
	struct wgr_endpoint from = ep6(PEERS, site48, ++next64);

	spend_cap(rl, cand);
	return wgr_ratelimit_discovery(rl, cand, &from);
}

/*
 * The share is taken before the cap (helper-73: spending the cap first passed
 * every test): address A asks for ten copies to a candidate and has its two,
 * and its eight refused asks spend nothing of the candidate's cap, so address
 * B still has its two. A's refused asks still spend A's share, as they did.
 */
static void test_share_before_cap(void **state)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint a = ep4(0xcb007141), b = ep4(0xcb007142);
	unsigned int i, got_a = 0, got_b = 0;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	for (i = 0; i < 10; i++)
		got_a += wgr_ratelimit_discovery(&rl, &cand, &a);
	for (i = 0; i < 2; i++)
		got_b += wgr_ratelimit_discovery(&rl, &cand, &b);
	assert_int_equal(got_a, 2);
	assert_int_equal(got_b, 2);
	wgr_ratelimit_destroy(&rl);
}

/*
 * A target's own cookie on what the relay sends it (pass 4, E2): a source it
 * vouches for (a live binding, a live session's initiator) has one a second
 * to each destination, whatever others take; sources it does not, one a second
 * from each network and four in all to one destination. A refusal by the
 * source's own second or by its network's share spends nothing of the
 * destination's four.
 */
static void test_stamp_budgets(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), other = ep4(0xcb00710b);
	struct wgr_endpoint laptop = ep4(0x0a000102), port2 = laptop;
	static const u8 peer[WGRELAY_KEY_LEN] = { 1 }, insider[WGRELAY_KEY_LEN] = { 2 };
	struct wgr_ratelimit rl;
	unsigned int i;

	(void)state;
	wgr_ratelimit_init(&rl);
	port2.addr4.sin_port = htons(40000);
	/* Along a live session: one a second for its initiator, to each destination. */
	assert_true(stamp(&rl, &server, &laptop, peer));
	assert_false(stamp(&rl, &server, &laptop, peer));
	/* The peer's, from whatever port (an insider's sessions from many). */
	assert_false(stamp(&rl, &server, &port2, peer));
	assert_true(stamp(&rl, &server, &port2, insider));
	assert_true(stamp(&rl, &other, &laptop, peer));
	/*
	 * Proven sources: one a second each (IP:port), one per network, four in
	 * all (a second later: the destination's fifteen have a burst of five).
	 */
	kshim_now += NSEC_PER_SEC;
	for (i = 0; i < 2; i++) {
		struct wgr_endpoint a = ep4(0xc6336400 + i);	/* 198.51.100.0/24 */

		assert_int_equal(wgr_ratelimit_stamp(&rl, &server, &a, NULL, NULL, true), i == 0);
	}
	for (i = 1; i <= 3; i++) {
		struct wgr_endpoint a = ep4(0xc6336401 + (i << 8));

		assert_true(wgr_ratelimit_stamp(&rl, &server, &a, NULL, NULL, true));
	}
	{
		struct wgr_endpoint e = ep4(0xc6336401 + (4 << 8));

		assert_false(wgr_ratelimit_stamp(&rl, &server, &e, NULL, NULL, true));
		/* The four are the destination's: another has its own. */
		assert_true(wgr_ratelimit_stamp(&rl, &other, &e, NULL, NULL, true));
	}
	/* What proven sources spent is not a session's. */
	kshim_now += NSEC_PER_SEC;
	for (i = 0; i < 4; i++) {
		struct wgr_endpoint a = ep4(0xc6340001 + (i << 8));

		assert_true(wgr_ratelimit_stamp(&rl, &server, &a, NULL, NULL, true));
	}
	assert_true(stamp(&rl, &server, &laptop, peer));
	/*
	 * A proven source's second is its IP:port's: two ports of one address
	 * (peers behind one CGNAT address) have one each, in different networks'
	 * shares here so that only the source's own bucket is in the way.
	 */
	kshim_now += NSEC_PER_SEC;
	{
		struct wgr_endpoint a = ep4(0xc6350001), b = a;

		b.addr4.sin_port = htons(40001);
		assert_true(wgr_ratelimit_stamp(&rl, &other, &a, NULL, NULL, true));
		assert_false(wgr_ratelimit_stamp(&rl, &other, &a, NULL, NULL, true));
		kshim_now += NSEC_PER_SEC;
		assert_true(wgr_ratelimit_stamp(&rl, &other, &b, NULL, NULL, true));
	}
	wgr_ratelimit_destroy(&rl);
}

/*
 * The relay never sends one destination more than fifteen stamps a second
 * (a burst of five), whoever asks: 40 peers with live sessions, each asking
 * once a second, have fifteen a second between them; a refusal by a peer's
 * own second spends nothing of the fifteen.
 */
static void test_stamp_backstop(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), src = ep4(0x0a000102);
	unsigned int s, p, got = 0;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	for (s = 0; s < 10; s++) {
		for (p = 0; p < 40; p++) {
			/* Each from a network of its own (the networks' shares: below). */
			struct wgr_endpoint from = ep4(0x0a000002 + (p << 8));
			u8 peer[WGRELAY_KEY_LEN] = { 0 };

			peer[0] = (u8)p;
			got += stamp(&rl, &server, &from, peer);
			kshim_now += NSEC_PER_SEC / 40;
		}
	}
	printf("ratelimit: stamps for 40 peers asking once a second for 10 s: %u\n", got);
	assert_in_range(got, 5 + 15 * 9, 5 + 15 * 10);
	/* One peer asking a thousand times spends one of the fifteen. */
	kshim_now += NSEC_PER_SEC;
	{
		u8 peer[WGRELAY_KEY_LEN] = { 0xaa };

		for (s = 0, got = 0; s < 1000; s++)
			got += stamp(&rl, &server, &src, peer);
		assert_int_equal(got, 1);
		for (p = 0, got = 0; p < 10; p++) {
			struct wgr_endpoint from = ep4(0x0b000002 + (p << 8));
			u8 other[WGRELAY_KEY_LEN] = { 0xbb };

			other[1] = (u8)p;
			got += stamp(&rl, &server, &from, other);
		}
		assert_int_equal(got, 4);
	}
	wgr_ratelimit_destroy(&rl);
}

/*
 * helper-85, M1: an attacker that took offline peers' bindings at sockets of
 * its own has those peers' seconds along routes it staged from there. From one
 * network, the peers' seconds share four a second to a destination; a peer of
 * another network keeps its own.
 */
static void test_stamp_peer_share(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0xcb007103);
	static const u8 real[WGRELAY_KEY_LEN] = { 0xee };
	unsigned int s, p, got = 0, mine = 0;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	for (s = 0; s < 10; s++) {
		/*
		 * Sixteen squatted peers, each at a port of the attacker's /24,
		 * asking in turn every 10 ms (each about six times a second), and
		 * the real peer, in another network, once a second among them.
		 */
		for (p = 0; p < 100; p++) {
			struct wgr_endpoint from = ep4(0xc6120501 + (p & 3));
			u8 peer[WGRELAY_KEY_LEN] = { 0 };

			from.addr4.sin_port = htons(40000 + p % 16);
			peer[0] = (u8)(p % 16);
			got += stamp(&rl, &server, &from, peer);
			if (p == 50)
				mine += stamp(&rl, &server, &laptop, real);
			kshim_now += NSEC_PER_SEC / 100;
		}
	}
	printf("ratelimit: sixteen squatted peers of one network got %u stamps in 10 s; the real one %u of 10\n",
	       got, mine);
	assert_in_range(got, 4 + 4 * 9, 4 + 4 * 10);
	assert_int_equal(mine, 10);
	wgr_ratelimit_destroy(&rl);
}

/*
 * R1: responses toward a loaded initiator's endpoint with its own cookie on
 * them (wgr_ratelimit_response()). A squatter answers a spoofer's initiations
 * "from" the laptop thirty times a second (none carried the relay's mac2):
 * one a second of those, and a burst of one. The laptop's own retries, every
 * five seconds with the relay's mac2 from there, have their answers stamped
 * in the middle of that; eighteen answers at once to one of them from
 * discovery candidates (two to each of nine copies, an attacker's) have one,
 * and leave the target's own three a second; those, three at once. Another
 * port of the laptop's address is another destination, and a flood of proven
 * sources' initiation stamps toward the laptop spends none of it.
 */
static void test_response_stamps(void **state)
{
	struct wgr_endpoint laptop = ep4(0x0a000102), other = ep4(0x0a000102);
	unsigned int ms, open = 0, vouched = 0, asks = 0, i, burst = 0;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	other.addr4.sin_port = htons(40000);
	for (ms = 0; ms < 10000; ms++) {
		struct wgr_endpoint a = ep4(0x0b000001 + ((ms % 255) << 8) + (ms / 255 % 200));

		a.addr4.sin_port = htons(1024 + ms);
		wgr_ratelimit_stamp(&rl, &laptop, &a, NULL, NULL, true);
		if (ms % 33 == 0)
			open += wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_OPEN);
		if (ms % 5000 == 2500) {
			asks++;
			vouched += wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_DIRECT);
		}
		kshim_now += NSEC_PER_MSEC;
	}
	printf("ratelimit: a spoofer's answers to the laptop, 30 a second for 10 s: %u stamped; "
	       "the laptop's retries' answers %u of %u\n", open, vouched, asks);
	assert_in_range(open, 10, 11);
	assert_int_equal(vouched, asks);
	/* Another port: its own budgets, all. */
	assert_true(wgr_ratelimit_response(&rl, &other, WGR_RESPONSE_OPEN));
	assert_true(wgr_ratelimit_response(&rl, &other, WGR_RESPONSE_COPY));
	assert_true(wgr_ratelimit_response(&rl, &other, WGR_RESPONSE_DIRECT));
	/* Eighteen candidates' answers at once to one retry: one. */
	kshim_now += NSEC_PER_SEC;
	for (i = 0; i < 18; i++)
		burst += wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_COPY);
	assert_int_equal(burst, 1);
	/* The target's own, three at once, then three a second. */
	for (i = 0, burst = 0; i < 6; i++)
		burst += wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_DIRECT);
	assert_int_equal(burst, 3);
	kshim_now += NSEC_PER_SEC / 3;
	assert_true(wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_DIRECT));
	assert_false(wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_DIRECT));
	wgr_ratelimit_destroy(&rl);
}

/* WireGuard's handshake ratelimiter for one source address: 20 a second, a burst of 5. */
struct wg_limiter {
	s64 tokens;
	u64 last;
};

static bool wg_allow(struct wg_limiter *l)
{
	const s64 cost = NSEC_PER_SEC / 20, max = 5 * cost;

	l->tokens = min_t(s64, max, l->tokens + (s64)(kshim_now - l->last));
	l->last = kshim_now;
	if (l->tokens < cost)
		return false;
	l->tokens -= cost;
	return true;
}

/*
 * R1 end to end, with the laptop's WireGuard modelled: under load it takes
 * handshake messages with a valid mac2 from the relay's address within 20 a
 * second. For 60 s the relay's initiation stamps toward it run at their most
 * (a flood of proven sources), a squatter's answers to a spoofer's
 * initiations come forty a second, and home answers each of the laptop's
 * twelve retries. All twelve answers must pass the laptop's limiter, and
 * again when the squatter, a discovery candidate too, answers copies of the
 * laptop's retries forty times a second. The ways to get it wrong are run
 * too, and printed: the squatter's answers stamped as the responder made them
 * (what the relay did before: the squatter had the laptop's cookie from its
 * cookie reply); one budget for the answers to the retries and the rest; and
 * one for the target's and the candidates' answers to the retries.
 */
static unsigned int r1_run(int mode)
{
	struct wgr_endpoint laptop = ep4(0x0a000102);
	struct wg_limiter wg = { 5 * NSEC_PER_SEC / 20, kshim_now };
	unsigned int ms, passed = 0;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	for (ms = 0; ms < 60000; ms++) {
		struct wgr_endpoint a = ep4(0x0b000001 + ((ms % 255) << 8) + (ms / 255 % 200));

		a.addr4.sin_port = htons(1024 + ms);
		if (wgr_ratelimit_stamp(&rl, &laptop, &a, NULL, NULL, true))
			wg_allow(&wg);
		/*
		 * Mode 0: the rule; 1: every response stamped; 2: one budget for
		 * the retries' answers and the rest; 3: the squatter answers
		 * copies; 4: and one budget for the target's and the copies'.
		 */
		static const enum wgr_response_kind squat[] = {
			WGR_RESPONSE_OPEN, WGR_RESPONSE_OPEN, WGR_RESPONSE_DIRECT, WGR_RESPONSE_COPY,
			WGR_RESPONSE_DIRECT
		};

		if (ms % 25 == 0 &&
		    (mode == 1 || wgr_ratelimit_response(&rl, &laptop, squat[mode])))
			wg_allow(&wg);
		if (ms % 5000 == 2130 &&
		    (mode == 1 || wgr_ratelimit_response(&rl, &laptop, WGR_RESPONSE_DIRECT)) &&
		    wg_allow(&wg))
			passed++;
		kshim_now += NSEC_PER_MSEC;
		if (ms % 1000 == 999)
			wgr_ratelimit_gc(&rl);
	}
	wgr_ratelimit_destroy(&rl);
	return passed;
}

static void test_response_stamps_wg_limit(void **state)
{
	unsigned int rule, all, one, copies, one_copies;

	(void)state;
	rule = r1_run(0);
	all = r1_run(1);
	one = r1_run(2);
	copies = r1_run(3);
	one_copies = r1_run(4);
	printf("ratelimit: home's answers to the laptop's 12 retries past its WireGuard's limit: "
	       "%u; with every response stamped %u; with one budget for the retries' answers and "
	       "the rest %u; the squatter answering copies %u, with one budget for the target's "
	       "and the copies' %u\n", rule, all, one, copies, one_copies);
	assert_int_equal(rule, 12);
	assert_in_range(all, 0, 2);
	assert_in_range(one, 0, 2);
	assert_int_equal(copies, 12);
	assert_in_range(one_copies, 0, 2);
}

/*
 * The relay's cookie replies to one address (helper-89): a neighbour behind
 * the same carrier NAT spends the address's hundred a second from ports of its
 * own; the endpoint a peer talks from still gets its own ten, and no more.
 */
static void test_cookie_talker(void **state)
{
	struct wgr_endpoint peer = ep4(0xcb007102), other = ep4(0xcb007102);
	unsigned int i, sent;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	/* Twenty ports, five replies each at once: the address's twenty at once. */
	for (i = 0, sent = 0; i < 100; i++) {
		other.addr4.sin_port = htons(40000 + i % 20);
		sent += wgr_ratelimit_cookie(&rl, &other, false);
	}
	assert_int_equal(sent, 20);
	/* Another port of the address, where no peer talks: refused. */
	other.addr4.sin_port = htons(41000);
	assert_false(wgr_ratelimit_cookie(&rl, &other, false));
	/* The peer that talks from there: its own budget, five at once. */
	for (i = 0; i < 5; i++)
		assert_true(wgr_ratelimit_cookie(&rl, &peer, true));
	assert_false(wgr_ratelimit_cookie(&rl, &peer, true));
	kshim_now += NSEC_PER_SEC / 10;
	assert_true(wgr_ratelimit_cookie(&rl, &peer, true));
	assert_false(wgr_ratelimit_cookie(&rl, &peer, true));
	wgr_ratelimit_destroy(&rl);
}

/*
 * Eight ghosts proven at ports 40000 and up of @laptop's address, keys
 * @base and up, each ask once for a stamp at @server along their routes (with
 * the relay's mac2: they receive there). Return: the stamps they got.
 */
static unsigned int ghosts_ask(struct wgr_ratelimit *rl, const struct wgr_endpoint *server,
			       const struct wgr_endpoint *laptop, u8 base)
{
	unsigned int p, got = 0;

	for (p = 0; p < 8; p++) {
		struct wgr_endpoint from = *laptop;
		u8 ghost[WGRELAY_KEY_LEN] = { 0 };

		ghost[0] = (u8)(base + p);
		from.addr4.sin_port = htons(40000 + p);
		got += vouch(rl, server, &from, ghost, true);
	}
	return got;
}

/*
 * helper-87's sixth finding: a neighbour behind the laptop's own carrier NAT
 * (its /24, its address) proves offline peers ("ghosts") at ports of its own
 * and initiates along routes staged from each to the loaded target, as fast
 * as each ghost's second allows: eight ghosts ask for the network's four
 * stamps a second, each every 10 ms. The laptop, at a port of the same
 * address, rekeys every 120 s, and tries again five seconds after a try that
 * went without (WireGuard's retry). Without claims the ghosts took the share
 * and the laptop's tries went without while they ran; now the share's last
 * token is anyone's and the rest are for peers with a claim (two at once, one
 * per 119 s to a destination): once the ghosts' own claims are spent
 * (test_stamp_claims_opening), the laptop is stamped on its first try every
 * time.
 */
static void test_stamp_claims(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe0 };
	unsigned int ms, got = 0, first = 0, rekeys = 0, tries = 0;
	unsigned long long retry_at = 0;
	struct wgr_ratelimit rl;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	for (ms = 0; ms < 600 * 1000; ms += 10) {
		got += ghosts_ask(&rl, &server, &laptop, 0x40);
		/* Not in step with the share's tokens, a quarter of a second each. */
		if (ms % 120000 == 60130) {
			rekeys++;
			tries++;
			if (stamp(&rl, &server, &laptop, real))
				first++;
			else
				retry_at = ms + 5000;
		} else if (retry_at && ms == retry_at) {
			tries++;
			retry_at = stamp(&rl, &server, &laptop, real) ? 0 : ms + 5000;
		}
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	printf("ratelimit: eight ghosts in the laptop's network got %u stamps in 600 s; "
	       "the laptop's first try was stamped %u times of %u (%u tries)\n",
	       got, first, rekeys, tries);
	/*
	 * The attack is on: the ghosts take the share's top token as it comes,
	 * and their network's share of the proven sources' (one a second).
	 */
	assert_in_range(got, 5 * 590, 5 * 600 + 5 + 32);
	assert_int_equal(first, rekeys);
	wgr_ratelimit_destroy(&rl);
}

/*
 * test_stamp_claims's ghosts from the moment they start: each has two claims of
 * each kind at the server (its first tries' and its retries'), and while they
 * last the share is spent as it comes and the laptop's first try goes without.
 * Thirty-two claims at the share's four a second: the opening lasts about a
 * second per ghost, and no longer (the attacker's whole gain from saving its
 * claims up; on average its ghosts' claims are eight per 119 s, a fifteenth of
 * the share). The laptop's first try at each offset, in a relay of its own.
 */
static void test_stamp_claims_opening(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe4 };
	unsigned int ms, at, last_refused = 0;

	(void)state;
	for (at = 130; at <= 15130; at += 250) {
		struct wgr_ratelimit rl;
		bool stamped = false;

		memset(claims_of, 0, sizeof(claims_of));
		wgr_ratelimit_init(&rl);
		for (ms = 0; ms <= at; ms += 10) {
			ghosts_ask(&rl, &server, &laptop, 0x70);
			if (ms == at)
				stamped = stamp(&rl, &server, &laptop, real);
			kshim_now += 10 * NSEC_PER_MSEC;
		}
		if (!stamped)
			last_refused = at;
		wgr_ratelimit_destroy(&rl);
	}
	printf("ratelimit: eight ghosts' opening: the laptop's first try went without "
	       "until %u ms after they started\n", last_refused);
	/* The opening is there (the test sees it), and it ends with the claims. */
	assert_in_range(last_refused, 6000, 9000);
}

/*
 * helper-90's first finding: test_stamp_claims's ghosts, and a forger that
 * spoofs the laptop's own endpoint along its route once a second (no mac2:
 * it cannot have the relay's cookie there), which spends the laptop's claim
 * and its second; and a socket of the neighbour's, proven, that spends the
 * laptop's network's share of the proven sources' stamps. The laptop's first
 * try goes without; its retry, five seconds later with the relay's mac2
 * from where it is proven, must be stamped at every rekey.
 */
static void test_stamp_claims_spoofed(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	struct wgr_endpoint proven = laptop;
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe1 };
	unsigned int ms, rekeys = 0, retried = 0;
	unsigned long long retry_at = 0;
	struct wgr_ratelimit rl;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	proven.addr4.sin_port = htons(41000);
	for (ms = 0; ms < 600 * 1000; ms += 10) {
		ghosts_ask(&rl, &server, &laptop, 0x50);
		if (ms % 1000 == 500)
			vouch(&rl, &server, &laptop, real, false);
		vouch(&rl, &server, &proven, NULL, true);
		if (ms % 120000 == 60130) {
			rekeys++;
			if (!vouch(&rl, &server, &laptop, real, false))
				retry_at = ms + 5000;
		} else if (retry_at && ms == retry_at) {
			retried += vouch(&rl, &server, &laptop, real, true);
			retry_at = 0;
		}
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	printf("ratelimit: with the laptop's endpoint spoofed too, %u of its %u rekeys' "
	       "retries were stamped\n", retried, rekeys);
	assert_int_equal(retried, rekeys);
	wgr_ratelimit_destroy(&rl);
}

/*
 * The same spoofer of the laptop's endpoint, every 10 ms and with no ghosts:
 * the share stays full, and the spoofer takes the laptop's second as it comes
 * (L1). The neighbour's proven socket spends the network's share of the
 * proven sources' stamps. The laptop's retry, with the relay's mac2, has a
 * second of its own.
 */
static void test_stamp_retry_second(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	struct wgr_endpoint proven = laptop;
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe2 };
	unsigned int ms, first = 0, retried = 0, rekeys = 0;
	struct wgr_ratelimit rl;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	proven.addr4.sin_port = htons(41000);
	for (ms = 0; ms < 600 * 1000; ms += 10) {
		vouch(&rl, &server, &laptop, real, false);
		vouch(&rl, &server, &proven, NULL, true);
		if (ms % 120000 == 60130) {
			rekeys++;
			first += vouch(&rl, &server, &laptop, real, false);
		} else if (ms % 120000 == 65130) {
			retried += vouch(&rl, &server, &laptop, real, true);
		}
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	printf("ratelimit: the laptop's endpoint spoofed every 10 ms: %u first tries and %u "
	       "retries of %u stamped\n", first, retried, rekeys);
	assert_int_equal(first, 0);
	assert_int_equal(retried, rekeys);
	wgr_ratelimit_destroy(&rl);
}

/*
 * A retry spends its own claims, not a first try's: under test_stamp_claims's
 * ghosts, the laptop's first try, a retry with the relay's mac2 five seconds
 * later (home's answer was lost), then another first try: the first tries'
 * second claim must still be there for it.
 */
static void test_stamp_retry_keeps_claims(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe3 };
	unsigned int ms;
	struct wgr_ratelimit rl;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	for (ms = 0; ms <= 20000; ms += 10) {
		ghosts_ask(&rl, &server, &laptop, 0x60);
		if (ms == 10000 || ms == 20000)
			assert_true(vouch(&rl, &server, &laptop, real, false));
		else if (ms == 15000)
			assert_true(vouch(&rl, &server, &laptop, real, true));
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	wgr_ratelimit_destroy(&rl);
}

/*
 * A peer's claims are at WGR_STAMP_CLAIMS destinations at most: one more,
 * while those are in use (a claim spent in the last 120 s), has none, and
 * asks in vain while its network's share is below full. Else an attacker's ghost would
 * mint claims by asking at destinations in turn.
 */
static void test_stamp_claims_destinations(void **state)
{
	struct wgr_endpoint laptop = ep4(0x0a000102);
	static const u8 ghost[WGRELAY_KEY_LEN] = { 0x41 }, other[WGRELAY_KEY_LEN] = { 0x42 };
	struct wgr_ratelimit rl;
	unsigned int d;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	for (d = 0; d <= WGR_STAMP_CLAIMS; d++) {
		struct wgr_endpoint dst = ep4(0xcb007110 + d), from = laptop;

		/* Another peer of the network takes the full share's top token. */
		from.addr4.sin_port = htons(40000);
		assert_true(stamp(&rl, &dst, &from, other));
		/* Below full: the claim pays, at WGR_STAMP_CLAIMS destinations. */
		assert_int_equal(stamp(&rl, &dst, &laptop, ghost), d < WGR_STAMP_CLAIMS);
		kshim_now += NSEC_PER_SEC;
	}
	/*
	 * A full share's top token spends no claim: a peer that takes it three
	 * times (two seconds apart, for its own second) owes nothing after.
	 */
	{
		static const u8 quiet[WGRELAY_KEY_LEN] = { 0x43 };
		struct wgr_stamp_claims *c = claims_for(quiet);
		struct wgr_endpoint dst = ep4(0xcb007130);

		for (d = 0; d < 3; d++) {
			kshim_now += 2 * NSEC_PER_SEC;
			assert_true(stamp(&rl, &dst, &laptop, quiet));
		}
		for (d = 0; d < WGR_STAMP_CLAIMS; d++)
			assert_true(c->first.tat[d] <= kshim_now >> 30);
	}
	/* 121 s on, the first destination's claim is back: another finds a free entry. */
	kshim_now += 121 * NSEC_PER_SEC;
	{
		struct wgr_endpoint dst = ep4(0xcb007120), from = laptop;

		from.addr4.sin_port = htons(40000);
		assert_true(stamp(&rl, &dst, &from, other));
		assert_true(stamp(&rl, &dst, &laptop, ghost));
	}
	wgr_ratelimit_destroy(&rl);
}

/*
 * Probes of the ends of routes whose initiators do not talk from their starts:
 * four a second to one destination, whatever the routes (helper-83, M2).
 */
static void test_probe_budget(void **state)
{
	struct wgr_endpoint home = ep4(0xcb00710a), other = ep4(0xcb00710b);
	unsigned int i, granted;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	for (i = 0; i < 4; i++)
		assert_true(wgr_ratelimit_probe(&rl, &home, NULL));
	assert_false(wgr_ratelimit_probe(&rl, &home, NULL));
	/* Another port of the same address is another destination. */
	home.addr4.sin_port = htons(40000);
	assert_true(wgr_ratelimit_probe(&rl, &home, NULL));
	home.addr4.sin_port = other.addr4.sin_port;
	assert_true(wgr_ratelimit_probe(&rl, &other, NULL));
	/* A quarter of a second brings one more, and no more. */
	kshim_now += NSEC_PER_SEC / 4;
	assert_true(wgr_ratelimit_probe(&rl, &home, NULL));
	assert_false(wgr_ratelimit_probe(&rl, &home, NULL));
	/* Asked every 50 ms for two seconds: eight, four a second. */
	for (i = 0, granted = 0; i < 40; i++) {
		kshim_now += NSEC_PER_SEC / 20;
		granted += wgr_ratelimit_probe(&rl, &home, NULL);
	}
	assert_int_equal(granted, 8);
	/* Over a second and a half idle, it is full again: four, not more. */
	kshim_now += 3 * NSEC_PER_SEC / 2;
	for (i = 0; i < 4; i++)
		assert_true(wgr_ratelimit_probe(&rl, &home, NULL));
	assert_false(wgr_ratelimit_probe(&rl, &home, NULL));
	wgr_ratelimit_destroy(&rl);
}

/*
 * helper-87: a ghost proven at the attacker's own socket, with fifty routes
 * staged from there to one victim, has one probe a second toward it, not
 * fifty; another proven peer, or the same one toward
 * another destination, has its own; the routes nobody proved keep theirs.
 */
static void test_probe_peer_budget(void **state)
{
	struct wgr_endpoint victim = ep4(0xcb00710a), other = ep4(0xcb00710b);
	u8 ghost[WGRELAY_KEY_LEN], peer[WGRELAY_KEY_LEN];
	unsigned int i, granted;
	struct wgr_ratelimit rl;

	(void)state;
	memset(ghost, 0x66, sizeof(ghost));
	memset(peer, 0x11, sizeof(peer));
	wgr_ratelimit_init(&rl);
	for (i = 0, granted = 0; i < 50; i++)
		granted += wgr_ratelimit_probe(&rl, &victim, ghost);
	assert_int_equal(granted, 1);
	assert_true(wgr_ratelimit_probe(&rl, &victim, peer));
	assert_true(wgr_ratelimit_probe(&rl, &other, ghost));
	assert_true(wgr_ratelimit_probe(&rl, &victim, NULL));
	/* Fifty routes probed as answered, every second for ten: ten probes. */
	for (i = 0, granted = 0; i < 10; i++) {
		unsigned int r;

		kshim_now += NSEC_PER_SEC;
		for (r = 0; r < 50; r++)
			granted += wgr_ratelimit_probe(&rl, &victim, ghost);
	}
	assert_int_equal(granted, 10);
	wgr_ratelimit_destroy(&rl);
}

/*
 * E2 as a flood: 255 networks' sources ask for the server's cookie every
 * millisecond for ten seconds, each a new IP:port; the initiator of a live
 * session asks every five. The peer has all of its stamps, and the flood at
 * most the destination's four a second (and its burst).
 */
static void test_stamp_flood(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	static const u8 key[WGRELAY_KEY_LEN] = { 1 };
	unsigned int ms, flood = 0, peer = 0, asks = 0;
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	for (ms = 0; ms < 10000; ms++) {
		struct wgr_endpoint a = ep4(0x0b000001 + ((ms % 255) << 8) + (ms / 255 % 200));

		a.addr4.sin_port = htons(1024 + ms);
		flood += wgr_ratelimit_stamp(&rl, &server, &a, NULL, NULL, true);
		if (ms % 5000 == 2500) {
			asks++;
			peer += stamp(&rl, &server, &laptop, key);
		}
		kshim_now += NSEC_PER_MSEC;
		if (ms % 1000 == 999)
			wgr_ratelimit_gc(&rl);
	}
	printf("ratelimit: stamps in a flood of 10,000 from 255 networks: %u; the peer's %u of %u\n",
	       flood, peer, asks);
	assert_int_equal(peer, asks);
	assert_in_range(flood, 36, 4 * 10 + 4);
	/* Its own table: the flood's buckets pushed nobody else's out. */
	assert_int_equal(rl.tables[WGR_BUCKETS_PROVEN].n, 0);
	wgr_ratelimit_destroy(&rl);
}

/*
 * The reserve's rule at its edges (helper-72 found wrong rules that passed):
 * past a spent cap, a site's second copy comes 1001 ms after its first, not
 * 1000; a site granted 1001 ms to 4000 ms ago takes only from a full reserve
 * (refused with three tokens left, granted with four); at 4001 ms it is new
 * to the reserve again and takes one of its last tokens. Sites here are /48s
 * of the peers' /32, each ask from a /64 of its own, so no share is in the way.
 */
static void test_reserve_edges(void **state)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_ratelimit rl;

	(void)state;
	wgr_ratelimit_init(&rl);
	assert_true(site_asks(&rl, &cand, 1));			/* a: 4 -> 3 */
	kshim_now += 1000 * NSEC_PER_MSEC;			/* full again */
	assert_false(site_asks(&rl, &cand, 1));			/* a, 1000 ms */
	kshim_now += NSEC_PER_MSEC;
	assert_true(site_asks(&rl, &cand, 2));			/* b, new: 4 -> 3 */
	assert_false(site_asks(&rl, &cand, 1));			/* a, recent, 3 left */
	kshim_now += 250 * NSEC_PER_MSEC;
	assert_true(site_asks(&rl, &cand, 1));			/* a, full: 4 -> 3 */
	/* a's last copy at 1251 ms; c leaves two, sites 4 to 6 one, later. */
	assert_true(site_asks(&rl, &cand, 3));			/* c: 3 -> 2 */
	kshim_now += 3999 * NSEC_PER_MSEC;			/* 5250: full */
	assert_true(site_asks(&rl, &cand, 4));			/* 4 -> 3 */
	assert_true(site_asks(&rl, &cand, 5));			/* 3 -> 2 */
	assert_true(site_asks(&rl, &cand, 6));			/* 2 -> 1 */
	assert_false(site_asks(&rl, &cand, 1));			/* a, 3999 ms: recent */
	kshim_now += NSEC_PER_MSEC;
	assert_false(site_asks(&rl, &cand, 1));			/* a, 4000 ms: recent */
	kshim_now += NSEC_PER_MSEC;
	assert_true(site_asks(&rl, &cand, 1));			/* a, 4001 ms: new */
	wgr_ratelimit_destroy(&rl);
}

/*
 * A reserve remembers every grant of the last four seconds: the most it
 * grants in them, its burst and four seconds' refill, is nineteen before the
 * last token is due. A site granted first among nineteen is still recent at
 * 4000 ms (a memory of sixteen forgot it, and it took the last token).
 */
static void test_reserve_remembers_all(void **state)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_ratelimit rl;
	u16 site;

	(void)state;
	wgr_ratelimit_init(&rl);
	for (site = 1; site <= 4; site++)
		assert_true(site_asks(&rl, &cand, site));	/* the burst */
	for (site = 5; site <= 19; site++) {
		kshim_now += 250 * NSEC_PER_MSEC;
		assert_true(site_asks(&rl, &cand, site));	/* each token as due */
	}
	kshim_now += 250 * NSEC_PER_MSEC;			/* 4000 ms: one token */
	assert_false(site_asks(&rl, &cand, 1));
	assert_true(site_asks(&rl, &cand, 20));
	wgr_ratelimit_destroy(&rl);
}

/* Four sites (/48s) of the peers' /32 ask for copies to @cand past its spent cap. */
static void four_sites_ask(struct wgr_ratelimit *rl, const struct wgr_endpoint *cand)
{
	static u16 next64;
	u16 site;

	spend_cap(rl, cand);
	for (site = 2; site <= 5; site++) {
		struct wgr_endpoint from = ep6(PEERS, site, ++next64);

		wgr_ratelimit_discovery(rl, cand, &from);
	}
}

/* tick(), with @cand's cap spent before the peer's retry: the reserve decides. */
static unsigned int tick_past_cap(struct wgr_ratelimit *rl, const struct wgr_endpoint *cand,
				  const struct wgr_endpoint *peer, unsigned int t,
				  unsigned int *retry)
{
	if (t == *retry)
		spend_cap(rl, cand);
	return tick(rl, cand, peer, t, retry);
}

/*
 * The reserves' table churned under a network's reserve (helper-72, M2): when
 * the table is full, a new reserve pushes another out, memory and all, and
 * it comes back full. Four sites (/48s) of the peer's /32 wait until the
 * attacker's churn has pushed the peer's network's reserve out, then ask at
 * once: to a new reserve each is new, and they take all four tokens. Here
 * the table holds 256 (the relay's, 16,384) and the churn adds 1,024 reserves
 * a second from @nets /32s from @base on (none: no churn), other /48s of the
 * peer's when @base is PEERS: each a new candidate of the attacker's own
 * whose cap its eleventh ask finds spent, so a reserve for it. The peer
 * (another /48 of its /32) retries every 5 s for a minute.
 * Return: its copies of 12.
 */
static unsigned int evicted_reserve(unsigned int nets, u32 base)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep6(PEERS, 1, 1);
	unsigned int t, i, got = 0, retry = 2537, made = 0, since = 0;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	rl.tables[WGR_BUCKETS_RESERVES].max = 256;
	for (t = 1; t <= 60000; t++, kshim_now += NSEC_PER_MSEC) {
		/* One new (candidate, network) a millisecond: eleven asks. */
		for (i = 0; nets && i < 11; i++) {
			struct wgr_endpoint c = ep6(ATTACKER + 1, (u16)(made >> 16), (u16)made);
			struct wgr_endpoint f = ep6(base + made % nets, (u16)(100 + i), (u16)made);

			wgr_ratelimit_discovery(&rl, &c, &f);
		}
		made++;
		/* Once the churn has made the table's worth, the four sites ask. */
		if (++since >= 300) {
			four_sites_ask(&rl, &cand);
			since = 0;
		}
		got += tick_past_cap(&rl, &cand, &peer, t, &retry);
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: four sites of the peer's /32 and the reserves churned from %u network(s)%s leave the peer %u of 12\n",
	       nets, base == PEERS ? " (the peer's)" : "", got);
	return got;
}

/*
 * The reserves' table held full (helper-74, session 31): @fill reserves of
 * the attacker's, one for each of its candidates, asked for from @nets /32s
 * of its own (eleven asks each time: the cap's, then the reserve's, so each
 * is asked for twice or more), all of them in turn every @period ms (0:
 * never); and @churn new reserves a second from other /48s of the peer's /32,
 * each asked for once. Four sites of the peer's /32 ask every 250 ms, blind
 * to the peer, as in evicted_reserve(). Table 256 (the relay's 16,384); the
 * peer retries every 5 s for a minute. Return: its copies of 12.
 */
static unsigned int held_reserves(unsigned int fill, unsigned int nets, unsigned int period,
				  unsigned int churn)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep6(PEERS, 1, 1);
	unsigned int t, i, got = 0, retry = 2537, made = 0, asked = 0;
	unsigned long acc = 0;
	static u16 next64;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	rl.tables[WGR_BUCKETS_RESERVES].max = 256;
	for (t = 1; t <= 60000; t++, kshim_now += NSEC_PER_MSEC) {
		/* The fill, in turn: all of it every @period ms. */
		for (; period && asked < (unsigned long)fill * t / period; asked++) {
			unsigned int k = asked % fill;
			struct wgr_endpoint c = ep6(ATTACKER + 1, 0x7000, (u16)k);

			for (i = 0; i < 11; i++) {
				struct wgr_endpoint f = ep6(ATTACKER + 2 + k % nets, (u16)(200 + i),
							    ++next64);

				wgr_ratelimit_discovery(&rl, &c, &f);
			}
		}
		for (acc += churn; acc >= 1000; acc -= 1000, made++) {
			struct wgr_endpoint c = ep6(ATTACKER + 1, (u16)(0x8000 + (made >> 16)),
						    (u16)made);
			struct wgr_endpoint f = ep6(PEERS, (u16)(100 + made % 1000), ++next64);

			spend_cap(&rl, &c);
			wgr_ratelimit_discovery(&rl, &c, &f);
		}
		if (t % 250 == 0)
			four_sites_ask(&rl, &cand);
		got += tick_past_cap(&rl, &cand, &peer, t, &retry);
		/* Each list holds the table's max at most. */
		assert_true(rl.tables[WGR_BUCKETS_RESERVES].n_once <= 256);
		assert_true(rl.tables[WGR_BUCKETS_RESERVES].n -
			    rl.tables[WGR_BUCKETS_RESERVES].n_once <= 256);
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: %u reserves from %u network(s) asked for every %u ms, %u new a second from the peer's /32: the peer %u of 12\n",
	       fill, nets, period, churn, got);
	return got;
}

/*
 * The cheapest strategy against the two lists (helper-77): the attacker keeps
 * a pool of @pool reserves of its own on the lru list (16 candidates whose
 * caps it spends, @pool / 16 networks) and, in the last millisecond before
 * every @every-th drain, asks for each again, then makes one new reserve and
 * asks for it again, which moves it up and pushes out the lru list's least
 * recently used; the pool then slides on by that one. Four sites of the
 * peer's /32 drain every 250 ms; table 256. Return: the peer's copies of 12.
 */
static unsigned int slid_reserves(unsigned int pool, unsigned int every)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep6(PEERS, 1, 1);
	unsigned int t, i, got = 0, retry = 2537, first = 0;
	static u16 next64;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	rl.tables[WGR_BUCKETS_RESERVES].max = 256;
	for (t = 1; t <= 60000; t++, kshim_now += NSEC_PER_MSEC) {
		if (t % (250 * every) == 249) {
			for (i = 0; i < 16; i++) {
				struct wgr_endpoint c = ep6(ATTACKER + 1, 0x7000, (u16)i);

				spend_cap(&rl, &c);
			}
			/* The pool, then one more asked for twice. */
			for (i = first; i <= first + pool; i++) {
				struct wgr_endpoint c = ep6(ATTACKER + 1, 0x7000, (u16)(i % 16));
				struct wgr_endpoint f = ep6(ATTACKER + 2 + i / 16, 7, ++next64);

				wgr_ratelimit_discovery(&rl, &c, &f);
				if (i == first + pool)
					wgr_ratelimit_discovery(&rl, &c, &f);
			}
			first++;
		}
		if (t % 250 == 0)
			four_sites_ask(&rl, &cand);
		got += tick_past_cap(&rl, &cand, &peer, t, &retry);
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: a pool of %u reserves asked for again before every %u drain(s), one moved up: the peer %u of 12\n",
	       pool, every, got);
	return got;
}

/*
 * Without the churn the four sites, recent to the reserve after their first
 * copies, leave the peer every retry. With it, from one network of the
 * attacker's, 2 of 12 on 9e94e3e, whose full table forgot its least recently
 * used reserve (helper-72 found 0 of 57 at the relay's size, three sets of
 * four sites and 68,000 new reserves a second); from 255 networks or from
 * the peer's own, 2 of 12 on 9e9962f, which forgot the least recently used of
 * the network holding the most; a table filled from 15 /32s and churned from
 * the peer's, 1 of 12 on 9e94e3e. New reserves now wait on the table's once
 * list and go first (reserve_get()): 12 of 12 in each. Open, and asserted as
 * the limit so that a fix changes it on purpose: a table's worth of reserves
 * asked for again within each 250 ms the sites drain in (at half that rate,
 * 12 of 12).
 */
static void test_reserve_evicted(void **state)
{
	(void)state;
	assert_int_equal(evicted_reserve(0, ATTACKER), 12);
	assert_int_equal(evicted_reserve(1, ATTACKER), 12);
	assert_int_equal(evicted_reserve(255, ATTACKER), 12);
	assert_int_equal(evicted_reserve(1, PEERS), 12);
	assert_int_equal(held_reserves(240, 15, 2500, 1024), 12);
	/* A quarter asked for once, three quarters asked again (helper-76). */
	assert_int_equal(held_reserves(191, 1, 250, 256), 12);
	/*
	 * Open: the table's worth asked for again within the drains' 250 ms, as
	 * under LRU (the cheapest way, helper-77's sliding pool: 240 of the
	 * attacker's own and the 16 it spends caps with; ten short, 12 of 12).
	 */
	assert_true(slid_reserves(240, 1) <= 3);
	assert_int_equal(slid_reserves(230, 1), 12);
	assert_int_equal(held_reserves(256, 1, 500, 0), 12);
	assert_true(held_reserves(256, 1, 250, 0) <= 3);
}

/*
 * The bound past a spent cap, with the reserves' table held (helper-75,
 * helper-76): the attacker keeps @hold reserves of its own (16 candidates
 * whose caps it spends, @hold / 16 networks), each asked for again every two
 * seconds; then @nets networks, one site each, ask in turn for copies to
 * @cand, all of them every @every ms, for ten seconds. With the once list
 * always forgotten first and 240 held, each new reserve pushed out the one
 * before it, and every ask met a full reserve with no memory (edaac92: 20,000
 * copies from two networks); with the once list first while it held a
 * quarter of the table and three quarters held, a network's reserve went
 * after a quarter of a table's new ones (443af78: 5,120 from 128 networks,
 * four a second each). Return: the copies from their reserves (the bound:
 * one a second a site).
 */
static unsigned int reserve_flood(unsigned int nets, unsigned int every, unsigned int hold)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	unsigned int t, i, got = 0;
	static u16 next64;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	rl.tables[WGR_BUCKETS_RESERVES].max = 256;
	for (t = 0; t < 10000; t++, kshim_now += NSEC_PER_MSEC) {
		for (i = 0; t % 2000 == 0 && i < 2 * hold; i++) {
			struct wgr_endpoint c = ep6(ATTACKER + 1, 0x7000, (u16)(i % 16));
			struct wgr_endpoint f = ep6(ATTACKER + 2 + i % hold / 16, 7, ++next64);

			if (i % hold < 16)
				spend_cap(&rl, &c);
			wgr_ratelimit_discovery(&rl, &c, &f);
		}
		if (t % 1000 == 0)
			wgr_ratelimit_gc(&rl);
		for (i = 0; t % every == 0 && i < nets; i++) {
			struct wgr_endpoint f = ep6(0x32000000 + i, 1, ++next64);

			spend_cap(&rl, &cand);
			got += wgr_ratelimit_discovery(&rl, &cand, &f);
		}
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: %u networks asking in turn every %u ms past a spent cap, %u reserves held: %u copies in 10 s\n",
	       nets, every, hold, got);
	return got;
}

static void test_reserve_flood_bounded(void **state)
{
	(void)state;
	/* A site's one a second, and the first second's from full reserves. */
	assert_true(reserve_flood(2, 1, 240) <= 2 * 11);
	assert_true(reserve_flood(8, 4, 240) <= 8 * 11);
	/* Half the table's networks, three quarters of it held (helper-76). */
	assert_true(reserve_flood(128, 250, 192) <= 128 * 11);
}

/*
 * The rule under test_reserve_evicted, alone: a reserve asked for twice stays
 * while any number of new ones, asked for once, come and go; and so does its
 * memory: the site it granted is still refused past its first token.
 */
static void test_reserve_asked_twice_stays(void **state)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_ratelimit rl;
	unsigned int i;

	(void)state;
	wgr_ratelimit_init(&rl);
	rl.tables[WGR_BUCKETS_RESERVES].max = 4;
	assert_true(site_asks(&rl, &cand, 2));		/* made, and site 2's copy */
	assert_true(site_asks(&rl, &cand, 3));		/* asked for again */
	for (i = 0; i < 100; i++) {
		struct wgr_endpoint c = ep6(ATTACKER + 1, 0x9000, (u16)i);
		struct wgr_endpoint f = ep6(ATTACKER + 2, 1, (u16)i);

		spend_cap(&rl, &c);
		assert_true(wgr_ratelimit_discovery(&rl, &c, &f));
		kshim_now += NSEC_PER_MSEC;
	}
	/* The once list full, its own room made from itself. */
	assert_int_equal(rl.tables[WGR_BUCKETS_RESERVES].n_once, 4);
	/* Two of four tokens left, and site 2 recent: refused; a new site is not. */
	assert_false(site_asks(&rl, &cand, 2));
	assert_true(site_asks(&rl, &cand, 4));
	wgr_ratelimit_destroy(&rl);
}

/*
 * A better plan against the reserve's rule, blind to the peer (helper-72,
 * session 30): every 4,001 ms, when the reserve is full, a site it granted
 * one to four seconds ago takes one token (a recent site may, from a full
 * reserve), sites new to it the other three, and then one new site each
 * 250 ms, as each token is due, while it has new ones. @k sites; the cap kept
 * spent as above; the peer retries every 5 s with WireGuard's jitter for
 * @secs seconds. Return: the percentage of its retries that got a copy.
 */
static unsigned int periodic_sites(unsigned int k, unsigned int secs)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep4(0xcb007102);	/* 203.0.113.2 */
	unsigned int i, t, got = 0, tries = 0, retry = 2537;
	u64 last[32] = { 0 };
	struct wgr_ratelimit rl;

	assert_true(k <= 32);
	wgr_ratelimit_init(&rl);
	for (t = 1; t <= secs * 1000; t++, kshim_now += NSEC_PER_MSEC) {
		struct wgr_endpoint filler = ep6(ELSEWHERE, 5, t % 1000);
		unsigned int phase = t % 4001;

		wgr_ratelimit_discovery(&rl, &cand, &filler);
		if (phase == 1) {
			/* The most recent site granted a second or more ago. */
			unsigned int pick = k;

			for (i = 0; i < k; i++)
				if (last[i] && t - last[i] >= 1001 && t - last[i] < 4001 &&
				    (pick == k || last[i] > last[pick]))
					pick = i;
			if (pick < k) {
				struct wgr_endpoint site = ep4(0xcb007140 + pick);

				if (wgr_ratelimit_discovery(&rl, &cand, &site))
					last[pick] = t;
			}
		}
		while (phase % 250 == 1) {
			struct wgr_endpoint site;

			for (i = 0; i < k && last[i] && t - last[i] < 4001; i++)
				;
			if (i == k)
				break;
			site = ep4(0xcb007140 + i);
			if (!wgr_ratelimit_discovery(&rl, &cand, &site))
				break;
			last[i] = t;
		}
		tries += t == retry;
		got += tick(&rl, &cand, &peer, t, &retry);
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: %u sites of the peer's /24, a cycle of 4,001 ms: the peer had %u of %u retries' copies\n",
	       k, got, tries);
	return got * 100 / tries;
}

/*
 * First come, first served, sites that took turns at the moment each token
 * was due kept the reserve empty at the peer's retries: five left it 3 of 12
 * on f3e734d, six none. A site the reserve granted in the last four seconds
 * (under a peer's five between retries) now takes only from a full reserve,
 * so the peer, which it has not granted, finds one left: against this plan,
 * sixteen sites leave the peer 11 or 12 of 12, nineteen at most one. A plan
 * made for the rule (periodic_sites()) takes more with fewer. Both asserted
 * as the limit ratelimit.c gives, so that a fix changes this on purpose.
 */
static void test_reserve_timed_sites(void **state)
{
	(void)state;
	assert_int_equal(timed_sites(6, 1001), 12);
	assert_int_equal(timed_sites(8, 1001), 12);
	assert_int_equal(timed_sites(8, 4001), 12);
	assert_true(timed_sites(16, 1001) >= 11);
	assert_int_equal(timed_sites(16, 4001), 12);
	assert_true(timed_sites(19, 1001) <= 1);
	assert_true(timed_sites(19, 4001) <= 1);
	/*
	 * The periodic plan takes a share of the peer's copies that grows with
	 * its sites, roughly (k - 3) in 16 of its retries: eight leave it under
	 * 80%, twelve under half (this plan levels off at about a third past
	 * fourteen; helper-72's blind attacker did better: 69% and 44%, and
	 * seventeen none). Asserted as the limit.
	 */
	assert_true(periodic_sites(8, 600) < 80);
	assert_true(periodic_sites(12, 600) < 50);
}

/*
 * Two peers behind one address (a site) fail toward one candidate whose cap
 * others keep spent, retrying 2.1 s apart: a site may have a copy a second,
 * so both get theirs. The four seconds a site waits for the reserve's last
 * copies are not a copy every four seconds.
 */
static void test_reserve_two_peers_one_site(void **state)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint a = ep4(0xcb007102), b = ep4(0xcb007102);
	unsigned int t, got_a = 0, got_b = 0, retry = 2537;
	struct wgr_ratelimit rl;

	(void)state;
	b.addr4.sin_port = htons(40000);
	wgr_ratelimit_init(&rl);
	for (t = 0; t < 60000; t++, kshim_now += NSEC_PER_MSEC) {
		struct wgr_endpoint filler = ep6(ELSEWHERE, 5, t % 1000);

		wgr_ratelimit_discovery(&rl, &cand, &filler);
		if (t % 1000 == 0)
			wgr_ratelimit_gc(&rl);
		if (t == retry - 2100)
			got_b += wgr_ratelimit_discovery(&rl, &cand, &b);
		if (t == retry) {
			got_a += wgr_ratelimit_discovery(&rl, &cand, &a);
			retry = next_retry(retry);
		}
	}
	wgr_ratelimit_destroy(&rl);
	assert_int_equal(got_a, 12);
	assert_int_equal(got_b, 12);
}

/* A neighbour on the peer's address (203.0.113.2) asks from port @port. */
static void neighbour_asks(struct wgr_ratelimit *rl, const struct wgr_endpoint *cand, u16 port)
{
	struct wgr_endpoint nb = ep4(0xcb007102);

	nb.addr4.sin_port = htons(port);
	wgr_ratelimit_discovery(rl, cand, &nb);
}

/*
 * A neighbour on the failing peer's own public address (203.0.113.2: a CGNAT
 * carrier's, shared by its subscribers) asks for copies to the same candidate
 * from @k ports in turn, every @every_ms in all; the candidate's cap is not
 * spent. An address's share of a candidate's copies (two a second) is the
 * peer's and the neighbour's together. The peer retries every 5 s with
 * WireGuard's jitter, for a minute. Return: its copies of 12.
 */
static unsigned int share_neighbour(unsigned int k, unsigned int every_ms)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep4(0xcb007102);	/* 203.0.113.2:51820 */
	unsigned int t, got = 0, retry = 2537, turn = 0;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	for (t = 1; t <= 60000; t++, kshim_now += NSEC_PER_MSEC) {
		if (t % every_ms == 0)
			neighbour_asks(&rl, &cand, (u16)(40000 + turn++ % k));
		got += tick(&rl, &cand, &peer, t, &retry);
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: a neighbour on the peer's address, %u port(s), an ask every %u ms, leaves the peer %u of 12\n",
	       k, every_ms, got);
	return got;
}

/*
 * A peer with two partners behind one address (a home server and a NAS behind
 * one NAT) fails toward both after a relay restart: each round of its retries
 * sends two initiations from one endpoint, up to WireGuard's 333 ms of jitter
 * apart, and each initiation's walk copies it to that address. With
 * @neighbour, a neighbour on the peer's address asks four times a second from
 * one port. Return: rounds of 12 in which both copies went.
 */
static unsigned int two_partners(bool neighbour)
{
	struct wgr_endpoint cand = ep4(0xc6336407);	/* 198.51.100.7 */
	struct wgr_endpoint peer = ep4(0xcb007102);	/* 203.0.113.2:51820 */
	unsigned int t, both = 0, retry = 2537, got = 0;
	struct wgr_ratelimit rl;

	wgr_ratelimit_init(&rl);
	for (t = 1; t <= 60000; t++, kshim_now += NSEC_PER_MSEC) {
		if (neighbour && t % 250 == 0)
			neighbour_asks(&rl, &cand, 40000);
		if (t % 1000 == 0)
			wgr_ratelimit_gc(&rl);
		if (t == retry)
			got = wgr_ratelimit_discovery(&rl, &cand, &peer);
		if (t == retry + 1 + (retry * 31) % 333) {
			both += got && wgr_ratelimit_discovery(&rl, &cand, &peer);
			retry = next_retry(retry);
		}
	}
	wgr_ratelimit_destroy(&rl);
	printf("ratelimit: a peer failing toward two partners at one address%s: both copies in %u rounds of 12\n",
	       neighbour ? ", a neighbour asking" : "", both);
	return both;
}

/*
 * Both copies go each round (a share's burst is two); with a neighbour on
 * the address asking four times a second from one port, it takes every
 * round's second: asserted as the limit STATUS gives (session 30), so that a
 * fix changes it on purpose.
 */
static void test_share_two_partners(void **state)
{
	(void)state;
	assert_int_equal(two_partners(false), 12);
	assert_int_equal(two_partners(true), 0);
}

/*
 * The share is first come, first served: a neighbour on the peer's own
 * address asking faster than it refills takes it all, from one port (0 of
 * 12 at four asks a second; 1 of 12 at two, in step with the refill). Two
 * rules that gave the last tokens to endpoints new to the share were tried
 * and taken out in session 30 (STATUS): a neighbour's five to nine ports
 * with the relay's cookie got past them, and a peer failing toward four
 * partners behind one address lost a fifth of its copies with nobody
 * attacking. Asserted as the limit, so that a fix changes it on purpose.
 */
static void test_share_neighbour(void **state)
{
	(void)state;
	assert_true(share_neighbour(1, 500) <= 1);
	assert_int_equal(share_neighbour(1, 250), 0);
}

/*
 * One rekey of the laptop's at each 120 s (offset 60.13 s), WireGuard's
 * retries every 5 s for 90 s until one is stamped, each asking as relay.c
 * would for @first (the route's initiator) and @retry (the retrier): both the
 * laptop where its route stands, NULL where there is none. *@one: rekeys
 * stamped by the first try or the first retry; *@late: stamped later;
 * *@never: not in 90 s.
 */
struct laptop_run {
	const u8 *first, *retry;
	unsigned int rekeys, one, late, never;
	int tries;	/* -1: idle */
	unsigned int next_ms;
};

static void laptop_step(struct laptop_run *r, struct wgr_ratelimit *rl, unsigned int ms,
			const struct wgr_endpoint *server, const struct wgr_endpoint *laptop)
{
	if (ms % 120000 == 60130) {
		if (r->tries >= 0)
			r->never++;
		r->rekeys++;
		if (vouch_as(rl, server, laptop, r->first, r->retry, false)) {
			r->one++;
			r->tries = -1;
		} else {
			r->tries = 0;
			r->next_ms = ms + 5000;
		}
	} else if (r->tries >= 0 && ms == r->next_ms) {
		r->tries++;
		if (vouch_as(rl, server, laptop, r->first, r->retry, true)) {
			if (r->tries == 1)
				r->one++;
			else
				r->late++;
			r->tries = -1;
		} else if (r->tries == 18) {
			r->never++;
			r->tries = -1;
		} else {
			r->next_ms = ms + 5000;
		}
	}
}

/*
 * helper-91, M-B: a staged roam of the laptop (G6) to a port of the
 * neighbour's, proven there (the neighbour receives there, so it has the
 * relay's mac2), and a route staged from that port to the server in the
 * laptop's name: route_vouches() names the laptop for the neighbour's
 * initiations from there, with mac2, but retrier() does not (a roam). The
 * ghosts keep the peers' share below full. The laptop's retries from its
 * binding must still be stamped: they were not when a route's initiator
 * proven at a roam had its retries' budgets.
 */
static void test_stamp_retry_roam(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	struct wgr_endpoint roam = laptop;
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe4 };
	struct laptop_run r = { .first = real, .retry = real, .tries = -1 };
	struct wgr_ratelimit rl;
	unsigned int ms;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	roam.addr4.sin_port = htons(41000);
	for (ms = 0; ms < 1200 * 1000; ms += 10) {
		ghosts_ask(&rl, &server, &laptop, 0x70);
		/* The neighbour at the proven roam: 20 a second, its IP:port's limit. */
		if (ms % 50 == 0)
			vouch_as(&rl, &server, &roam, real, NULL, true);
		laptop_step(&r, &rl, ms, &server, &laptop);
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	printf("ratelimit: a proven staged roam of the laptop's: of %u rekeys, %u stamped "
	       "within one retry, %u later, %u not in 90 s\n", r.rekeys, r.one, r.late, r.never);
	assert_int_equal(r.one, r.rekeys);
	wgr_ratelimit_destroy(&rl);
}

/*
 * helper-91, M-C: the laptop's two claim entries held at two destinations of
 * the attacker's (routes staged from the laptop's own endpoint by a blind
 * forger, to sockets of the neighbour's where the relay keeps a cookie):
 * every 120 s a ghost takes the top token of the laptop network's share
 * there, and the forger's initiation "from" the laptop, without mac2, spends
 * a first try's claim there. The entries are then in use, and the laptop has
 * no claim of either kind at the server, where the ghosts keep the share
 * below full; the neighbour's proven socket spends the proven sources' share.
 */
static void test_stamp_claims_squatted(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	struct wgr_endpoint proven = laptop, g = laptop;
	struct wgr_endpoint decoy[2] = { ep4(0x0a000102), ep4(0x0a000102) };
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe5 }, ghost[WGRELAY_KEY_LEN] = { 0x7f };
	struct laptop_run r = { .first = real, .retry = real, .tries = -1 };
	struct wgr_ratelimit rl;
	unsigned int ms, d;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	proven.addr4.sin_port = htons(41000);
	g.addr4.sin_port = htons(42000);
	decoy[0].addr4.sin_port = htons(43000);
	decoy[1].addr4.sin_port = htons(43001);
	for (ms = 0; ms < 1200 * 1000; ms += 10) {
		if (ms % 120000 == 1000)
			for (d = 0; d < 2; d++) {
				stamp(&rl, &decoy[d], &g, ghost);
				stamp(&rl, &decoy[d], &laptop, real);
			}
		ghosts_ask(&rl, &server, &laptop, 0x80);
		vouch(&rl, &server, &proven, NULL, true);
		laptop_step(&r, &rl, ms, &server, &laptop);
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	printf("ratelimit: the laptop's claim entries held elsewhere: of %u rekeys, %u stamped "
	       "within one retry, %u later, %u not in 90 s\n", r.rekeys, r.one, r.late, r.never);
	assert_int_equal(r.one, r.rekeys);
	wgr_ratelimit_destroy(&rl);
}

/*
 * helper-91, M-A: a forger stole the laptop's pair route to the server (G6: a
 * session staged "from" the laptop's endpoint, its initiator half then
 * roamed away, or its server half roamed off the server's live binding): the
 * laptop's first tries and retries have no route, so relay.c asks for no
 * peer's budgets (@peer NULL). Sockets of the attacker's own in @nets /24s
 * elsewhere, each with the relay's mac2 (they receive there), ask for stamps
 * at the server every 50 ms: the destination's four a second for proven
 * sources. The laptop's retries, with the relay's mac2 from its proven
 * binding, must still be stamped within one retry: retrier() names the
 * laptop, whose binding @src is, with its live session with the server.
 */
static unsigned int route_stolen(unsigned int nets, bool retrier)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102);
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe6 };
	struct laptop_run r = { .first = NULL, .retry = retrier ? real : NULL, .tries = -1 };
	struct wgr_ratelimit rl;
	unsigned int ms, n;

	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	for (ms = 0; ms < 1200 * 1000; ms += 10) {
		for (n = 0; n < nets; n++) {
			struct wgr_endpoint a = ep4(0x05000001 + (n << 8));

			if ((ms / 10 + n * 3) % 5 == 0)
				vouch_as(&rl, &server, &a, NULL, NULL, true);
		}
		/* No route: a first try asks nothing; a retry, the retrier's or proven sources'. */
		laptop_step(&r, &rl, ms, &server, &laptop);
		kshim_now += 10 * NSEC_PER_MSEC;
	}
	printf("ratelimit: the laptop's route stolen, %u proven networks draining: of %u rekeys, "
	       "%u stamped at the first retry, %u later, %u not in 90 s\n",
	       nets, r.rekeys, r.one, r.late, r.never);
	wgr_ratelimit_destroy(&rl);
	return r.one;
}

static void test_stamp_route_stolen(void **state)
{
	(void)state;
	/* The attack is on: with the route's initiator's budgets alone, none. */
	assert_int_equal(route_stolen(8, false), 0);
	assert_int_equal(route_stolen(8, true), 10);
}

/*
 * helper-91, L-1: WireGuard rekeys 120 s after a session's keys, at the next
 * packet: a peer that sends all the time rekeys every 120.05 s or so. Its
 * claims come one per WGR_CLAIM_INTERVAL: 112 ticks of 2^30 ns, 120.26 s.
 * With the share below full at every rekey (a ghost takes its top token just
 * before), every first try must have its claim, for a day.
 */
static void test_stamp_claim_rekey_period(void **state)
{
	struct wgr_endpoint server = ep4(0xcb00710a), laptop = ep4(0x0a000102), g = laptop;
	static const u8 real[WGRELAY_KEY_LEN] = { 0xe7 }, ghost[WGRELAY_KEY_LEN] = { 0x90 };
	unsigned int k, missed = 0, first_miss = 0;
	struct wgr_ratelimit rl;

	(void)state;
	memset(claims_of, 0, sizeof(claims_of));
	wgr_ratelimit_init(&rl);
	g.addr4.sin_port = htons(40000);
	for (k = 0; k < 24 * 30; k++) {
		kshim_now += 120050 * NSEC_PER_MSEC;
		assert_true(stamp(&rl, &server, &g, ghost));
		if (!stamp(&rl, &server, &laptop, real)) {
			missed++;
			if (!first_miss)
				first_miss = k + 1;
		}
	}
	printf("ratelimit: rekeys every 120.05 s for a day: %u of %u first tries without a "
	       "claim, the first at rekey %u\n", missed, k, first_miss);
	assert_int_equal(missed, 0);
	wgr_ratelimit_destroy(&rl);
}


/* No kind's burst takes longer than a second to refill (the gc's premise). */
static void test_init_no_warning(void **state)
{
	struct wgr_ratelimit rl;

	(void)state;
	kshim_warned = 0;
	wgr_ratelimit_init(&rl);
	assert_int_equal(kshim_warned, 0);
	wgr_ratelimit_destroy(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_no_warning),
		cmocka_unit_test(test_walk_idle_survives_churn),
		cmocka_unit_test(test_cap_survives_churn),
		cmocka_unit_test(test_tables_apart),
		cmocka_unit_test(test_gc_every_table),
		cmocka_unit_test(test_reserve_per_site),
		cmocka_unit_test(test_reserve_churn),
		cmocka_unit_test(test_reserve_table_churn),
		cmocka_unit_test(test_reserve_one_a_site),
		cmocka_unit_test(test_reserve_timed_sites),
		cmocka_unit_test(test_share_before_cap),
		cmocka_unit_test(test_stamp_budgets),
		cmocka_unit_test(test_probe_budget),
		cmocka_unit_test(test_cookie_talker),
		cmocka_unit_test(test_probe_peer_budget),
		cmocka_unit_test(test_stamp_peer_share),
		cmocka_unit_test(test_stamp_claims),
		cmocka_unit_test(test_stamp_claims_opening),
		cmocka_unit_test(test_response_stamps),
		cmocka_unit_test(test_response_stamps_wg_limit),
		cmocka_unit_test(test_stamp_claims_destinations),
		cmocka_unit_test(test_stamp_claims_spoofed),
		cmocka_unit_test(test_stamp_claims_squatted),
		cmocka_unit_test(test_stamp_retry_roam),
		cmocka_unit_test(test_stamp_route_stolen),
		cmocka_unit_test(test_stamp_claim_rekey_period),
		cmocka_unit_test(test_stamp_retry_second),
		cmocka_unit_test(test_stamp_retry_keeps_claims),
		cmocka_unit_test(test_stamp_backstop),
		cmocka_unit_test(test_stamp_flood),
		cmocka_unit_test(test_reserve_edges),
		cmocka_unit_test(test_reserve_remembers_all),
		cmocka_unit_test(test_reserve_evicted),
		cmocka_unit_test(test_reserve_asked_twice_stays),
		cmocka_unit_test(test_reserve_flood_bounded),
		cmocka_unit_test(test_reserve_two_peers_one_site),
		cmocka_unit_test(test_share_neighbour),
		cmocka_unit_test(test_share_two_partners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
