// SPDX-License-Identifier: GPL-2.0
/*
 * Which of a walk's discovery candidates get its places (the third review's
 * C6, and a review of its first two fixes). Candidates come most recent first
 * (source.c). Places go round the source networks (IPv4 /24, IPv6 /32): each
 * network that holds candidates has one before any has a second, and so on;
 * within a network, round its prefixes (IPv6 /48) the same way; within a
 * round the places go to the networks in an order drawn afresh for each walk,
 * and within a prefix to its most recent candidates, one per address.
 *
 * A round's order is a number per network and prefix, not per candidate: a
 * prefix whose pick was pushed out by better ones cannot come back with its
 * next candidate, as it could when each candidate drew its own number. Then
 * an attacker with more prefixes than there were spares had a new draw for
 * each of its ports, and a peer with one candidate was picked in about one
 * walk of 170 behind 24 prefixes (the second review's simulation); it is now
 * about one in three, as many places as there are in k + 1.
 *
 * Rounds went round prefixes alone, and an IPv6 /32 holds 65,536 /48s: one
 * network's candidates in k of its /48s left a peer elsewhere the odds that
 * k /24s would (tests/unit/pick_test.c, test_network_odds). An attacker now
 * needs networks, as the proven sources' count (source.c) and the walk
 * budget (ratelimit.c) make it. Within a network the first place goes to its
 * most recent candidate, and its prefixes share the rest in turn: a peer in an
 * attacker's /32 keeps the odds it had among that network's /48s.
 *
 * Pure logic on keys, with no lock: the caller's walk holds its table's lock.
 * Unit-tested in user space (tests/unit/pick_test.c).
 */
#include "pick.h"

/*
 * A network's or prefix's number for the walk: the key mixed with the walk's secret by
 * a 64-bit finaliser (MurmurHash3's), whose every output bit depends on every
 * input bit. An attacker does not learn the secret, which no packet carries,
 * and a new walk draws a new one.
 */
static u32 key_number(u64 key, u64 seed)
{
	u64 x = key ^ seed;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (u32)x;
}

/**
 * wgr_picks_init - start a walk's picks
 * @picks: the picks
 * @buf: room for them, the caller's
 * @room: how many @buf holds
 * @seed: a fresh random number for this walk
 */
void wgr_picks_init(struct wgr_picks *picks, struct wgr_pick *buf, unsigned int room, u64 seed)
{
	picks->pick = buf;
	picks->n = 0;
	picks->room = room;
	picks->seed = seed;
}

/*
 * A rank packs, most significant first: the picks of the candidate's network
 * kept when it came (its round among networks), those of its prefix (its
 * round within the network), then the network's number and the prefix's, 24
 * bits each. A walk keeps at most WGR_PICKS (source.h) places, under 256.
 */
#define RANK_NUMBER_BITS	24
#define RANK_NUMBER_MASK	((1ULL << RANK_NUMBER_BITS) - 1)

static u64 pick_rank(unsigned int net_same, unsigned int prefix_same, u64 network, u64 prefix,
		     u64 seed)
{
	return (u64)net_same << 56 | (u64)prefix_same << 48 |
	       (key_number(network, seed) & RANK_NUMBER_MASK) << RANK_NUMBER_BITS |
	       (key_number(prefix, seed) & RANK_NUMBER_MASK);
}

/**
 * wgr_picks_weigh - weigh the next candidate of a walk
 * @picks: the picks
 * @item: the candidate
 * @network: its network (IPv4 /24, IPv6 /32: wgr_quota_network_key())
 * @prefix: its prefix (IPv4 /24, IPv6 /48: wgr_quota_key())
 * @family: its address family
 * @addr: its address
 *
 * Kept if it ranks better than the worst kept (or there is room), which it
 * then pushes out. An address already kept keeps its place: its more recent
 * candidate came first. A candidate whose network and prefix have no kept
 * pick yet and that ranks no better than the worst is turned away before the
 * kept ones are looked at: a full walk costs little more than its visits.
 */
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 network, u64 prefix, u16 family,
		     u64 addr)
{
	struct wgr_pick *pick = picks->pick;
	unsigned int i, net_same = 0, prefix_same = 0;
	bool full = picks->n == picks->room;
	u64 rank = pick_rank(0, 0, network, prefix, picks->seed);

	/* Its best possible rank: if even that is no better, nothing below can make it so. */
	if (!picks->room || (full && rank >= pick[picks->room - 1].rank))
		return;
	for (i = 0; i < picks->n; i++) {
		if (pick[i].family == family && pick[i].addr == addr)
			return;
		net_same += pick[i].network == network;
		prefix_same += pick[i].prefix == prefix;
	}
	rank = pick_rank(net_same, prefix_same, network, prefix, picks->seed);
	if (full && rank >= pick[picks->room - 1].rank)
		return;
	if (!full)
		picks->n++;
	/* After those of equal rank: the more recent of a prefix's go first. */
	for (i = picks->n - 1; i > 0 && pick[i - 1].rank > rank; i--)
		pick[i] = pick[i - 1];
	pick[i].item = item;
	pick[i].network = network;
	pick[i].prefix = prefix;
	pick[i].family = family;
	pick[i].addr = addr;
	pick[i].rank = rank;
}
