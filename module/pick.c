// SPDX-License-Identifier: GPL-2.0
/*
 * Which of a walk's discovery candidates get its places (the third review's
 * C6, and a review of its first two fixes). Candidates come most recent first
 * (source.c). Places go round the source prefixes: each prefix that holds
 * candidates has one before any has a second, and so on; within a round the
 * places go to the prefixes in an order drawn afresh for each walk, and within
 * a prefix to its most recent candidates, one per address.
 *
 * A round's order is a number per prefix, not per candidate: a prefix whose
 * pick was pushed out by better ones cannot come back with its next
 * candidate, as it could when each candidate drew its own number. Then an
 * attacker with more prefixes than there were spares had a new draw for each
 * of its ports, and a peer with one candidate was picked in about one walk of
 * 170 behind 24 prefixes (the second review's simulation); it is now about
 * one in three, as many places as there are in k + 1.
 *
 * Pure logic on keys, with no lock: the caller's walk holds its table's lock.
 * Unit-tested in user space (tests/unit/pick_test.c).
 */
#include "pick.h"

/*
 * A prefix's number for the walk: the prefix mixed with the walk's secret by
 * a 64-bit finaliser (MurmurHash3's), whose every output bit depends on every
 * input bit. An attacker does not learn the secret, which no packet carries,
 * and a new walk draws a new one.
 */
static u32 prefix_number(u64 prefix, u64 seed)
{
	u64 x = prefix ^ seed;

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

/**
 * wgr_picks_weigh - weigh the next candidate of a walk
 * @picks: the picks
 * @item: the candidate
 * @prefix: its prefix
 * @family: its address family
 * @addr: its address
 *
 * Kept if it ranks better than the worst kept (or there is room), which it
 * then pushes out. An address already kept keeps its place: its more recent
 * candidate came first. A candidate that ranks no better than the worst is
 * turned away before the kept ones are looked at: a full walk costs little
 * more than its visits.
 */
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 prefix, u16 family, u64 addr)
{
	struct wgr_pick *pick = picks->pick;
	u32 number = prefix_number(prefix, picks->seed);
	unsigned int i, same = 0;
	bool full = picks->n == picks->room;
	u64 rank;

	if (!picks->room || (full && number >= pick[picks->room - 1].rank))
		return;
	for (i = 0; i < picks->n; i++) {
		if (pick[i].family == family && pick[i].addr == addr)
			return;
		same += pick[i].prefix == prefix;
	}
	rank = (u64)same << 32 | number;
	if (full && rank >= pick[picks->room - 1].rank)
		return;
	if (!full)
		picks->n++;
	/* After those of equal rank: the more recent of a prefix's go first. */
	for (i = picks->n - 1; i > 0 && pick[i - 1].rank > rank; i--)
		pick[i] = pick[i - 1];
	pick[i].item = item;
	pick[i].prefix = prefix;
	pick[i].family = family;
	pick[i].addr = addr;
	pick[i].rank = rank;
}
