// SPDX-License-Identifier: GPL-2.0
/*
 * Which of a walk's discovery candidates get its places (the third review's
 * C6, and reviews of its fixes). Candidates come most recent first
 * (source.c). Places go round the source networks (IPv4 /24, IPv6 /32): each
 * network that holds candidates has one before any has a second, and so on;
 * within a round the places go to the networks in an order drawn afresh for
 * each walk. A network's own places go round its prefixes (IPv6 /48) the same
 * way, and within a prefix to its most recent addresses, one place each, held
 * by the address's endpoint of the lowest number for the walk.
 * For IPv4 a prefix is its network.
 *
 * A round's order is a number per network and prefix, not per candidate: one
 * whose pick was pushed out by better ones cannot come back with its next
 * candidate, as it could when each candidate drew its own number. Then an
 * attacker with more prefixes than there were spares had a new draw for each
 * of its ports, and a peer with one candidate was picked in about one walk of
 * 170 behind 24 prefixes (the second review's simulation); it is now about
 * one in three, as many places as there are in k + 1.
 *
 * Rounds went round prefixes alone, and an IPv6 /32 holds 65,536 /48s: one
 * network's candidates in k of its /48s left a peer elsewhere the odds that
 * k /24s would (tests/unit/pick_test.c, test_network_odds). An attacker now
 * needs networks, as the proven sources' count (source.c) and the walk
 * budget (ratelimit.c) make it.
 *
 * A pick's place in its network's order is not known when it comes: a later
 * candidate of a prefix the network has no pick of yet goes before the
 * network's second picks of other prefixes, and pushes them one round down.
 * A first try ranked each pick by the picks kept when it came, and so a
 * network's places went to its prefixes in order of arrival: 16 recent
 * addresses in one /48 took every place, and a peer in another /48 of the
 * same /32 (its ISP's) had none (a review of 75d5b1b, H1;
 * test_network_neighbour). So a kept candidate re-ranks its network's picks
 * after it, and the worst of all gives up its place.
 *
 * Ranked by network, a peer inside an attacker's /32 shares its network's
 * places with the attacker's /48s there (helper-58): a walk also ranks by
 * prefix alone (the prefix as its own network) and takes the two in turn
 * (wgr_picks_merge()).
 *
 * Pure logic on keys, with no lock: the caller's walk holds its table's lock.
 * Unit-tested in user space (tests/unit/pick_test.c).
 */
#include "pick.h"

/* A rank's round: its high 32 bits, over the network's number for the walk. */
#define RANK_ROUND	(1ULL << 32)

/**
 * wgr_pick_number - a network's or prefix's number for a walk
 * @key: the network or prefix
 * @seed: the walk's secret (wgr_picks_init())
 *
 * The key mixed with the walk's secret by a 64-bit finaliser (MurmurHash3's),
 * whose every output bit depends on every input bit. An attacker does not
 * learn the secret, which no packet carries, and a new walk draws a new one.
 * Non-static for pick_test's model of the rule.
 *
 * Return: the number; lower goes first within a round.
 */
u32 wgr_pick_number(u64 key, u64 seed)
{
	u64 x = key ^ seed;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (u32)x;
}

static bool seen(const struct wgr_picks *picks, u32 addr_number)
{
	return picks->seen[addr_number / 64 % WGR_PICKS_SEEN_WORDS] & (1ULL << (addr_number & 63));
}

static void forget_seen(struct wgr_picks *picks)
{
	unsigned int i;

	for (i = 0; i < WGR_PICKS_SEEN_WORDS; i++)
		picks->seen[i] = 0;
}

static void mark_seen(struct wgr_picks *picks, u32 addr_number)
{
	picks->seen[addr_number / 64 % WGR_PICKS_SEEN_WORDS] |= 1ULL << (addr_number & 63);
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
	picks->worst = 0;
	picks->worst_pick = NULL;
	forget_seen(picks);
	picks->seed = seed;
}

/*
 * An address kept already keeps its place; of its endpoints (ports, and an
 * IPv6 /64's addresses), the one with the lowest number for the walk holds
 * it. It went to the most recent, and a neighbour on a peer's public address
 * (another subscriber of its CGNAT, another guest of its hotel) that initiated
 * more often than the peer retried had it in every walk (helper-58, M2;
 * t-trust-restart neighbours). Now the peer has it in one walk of the
 * endpoints there; a neighbour with many ports still has most.
 * Return: true if the address was kept (whichever holds it now).
 */
static bool address_kept(struct wgr_picks *picks, void *item, u16 family, u64 addr,
			 u32 addr_number, u32 slot_number)
{
	unsigned int i;

	if (!seen(picks, addr_number))
		return false;
	for (i = 0; i < picks->n; i++) {
		struct wgr_pick *p = &picks->pick[i];

		if (p->family != family || p->addr != addr)
			continue;
		if (slot_number < p->slot_number) {
			p->item = item;
			p->slot_number = slot_number;
		}
		return true;
	}
	return false;
}

/*
 * Does kept pick @p go before a newcomer of its network, of a prefix with
 * @prefix_same kept picks and number @prefix_number? A network's order is by
 * round among its prefixes, then by prefix number; of one prefix, the more
 * recent first, and the newcomer is the least recent so far.
 */
static bool goes_before(const struct wgr_pick *p, u32 prefix_same, u32 prefix_number)
{
	return p->prefix_same < prefix_same ||
	       (p->prefix_same == prefix_same && p->prefix_number <= prefix_number);
}

/*
 * Does a newcomer of @network, whose prefix has @prefix_same picks (or at
 * least that many) and number @prefix_number, go after the walk's worst pick
 * in its network's order? Then it is worse, and the walk is full.
 */
static bool after_worst(const struct wgr_picks *picks, u64 network, u32 prefix_same,
			u32 prefix_number)
{
	const struct wgr_pick *w = picks->worst_pick;

	return w->network == network && goes_before(w, prefix_same, prefix_number);
}

/*
 * Is kept pick @p one that a newcomer of @network at @round pushes one round
 * down? Rounds within a network are its picks' places in its order, 0 to k - 1.
 */
static bool pushed(const struct wgr_pick *p, u64 network, u32 round)
{
	return p->network == network && p->rank / RANK_ROUND >= round;
}

/**
 * wgr_picks_weigh - weigh the next candidate of a walk
 * @picks: the picks
 * @item: the candidate
 * @network: its network (IPv4 /24, IPv6 /32: wgr_quota_network_key())
 * @prefix: its prefix (IPv4 /24, IPv6 /48: wgr_quota_key())
 * @family: its address family
 * @addr: its address
 * @slot: which of its address's endpoints it is (its port, and an IPv6
 *        address's interface bits)
 *
 * It takes its place in its network's order; the picks of its network after
 * it go one round down. If the walk is full, the worst of all, it included,
 * is turned away: always the last of its network, so each network's rounds
 * stay 0 to k - 1. An address already kept keeps its place, for the endpoint
 * of the lowest number (address_kept()). A candidate that ranks worse than the worst kept is
 * turned away as soon as that is known: before the kept ones are looked at
 * if it is worse even as its network's first, or of the worst's network and
 * after it; else after one pass over them (its prefix's picks counted) or
 * two (its place known). One kept costs a third. With fewer networks than
 * places, a visit may cost two passes over the places (the fanout, 64 at
 * most). A walk weighs each visit twice (wgr_picks_merge()): in user space,
 * 4,096 visits of three /32s in turn cost 70 us at the default fanout and
 * 474 us at 64, about 1.6 times the old one-ranking walk's worst (ratelimit.c's
 * walk budget says what that is).
 */
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 network, u64 prefix, u16 family,
		     u64 addr, u64 slot)
{
	u32 addr_number = wgr_pick_number(addr ^ (u64)family << 48, picks->seed);
	u32 slot_number = wgr_pick_number(slot, picks->seed ^ addr);
	u32 net_number = wgr_pick_number(network, picks->seed);
	u32 prefix_number = wgr_pick_number(prefix, picks->seed);
	unsigned int i, prefix_same = 0, round = 0;
	struct wgr_pick *pick = picks->pick;
	struct wgr_pick *out = NULL;
	bool full = picks->n == picks->room;
	u64 rank, worst;

	if (!picks->room || address_kept(picks, item, family, addr, addr_number, slot_number))
		return;
	/*
	 * Turned away unweighed if it is worse than the worst even as its
	 * network's first, strictly: one that ties may be the first of the
	 * worst's own network, and go before it. Or if it is of the worst's
	 * network and after it in the network's order, however many picks its
	 * prefix has (a walk of one network's many /48s: helper-57 found a walk
	 * cost 17 times what it did, every visit paying all three passes), or of
	 * the worst's own prefix, whose picks it follows (one /48's many /64s).
	 */
	if (full && (net_number > picks->worst || picks->worst_pick->prefix == prefix ||
		     after_worst(picks, network, 0, prefix_number)))
		return;
	for (i = 0; i < picks->n; i++)
		prefix_same += pick[i].prefix == prefix;
	/* The same once its prefix's picks are counted (one /48's many /64s). */
	if (full && after_worst(picks, network, prefix_same, prefix_number))
		return;
	for (i = 0; i < picks->n; i++)
		round += pick[i].network == network &&
			 goes_before(&pick[i], prefix_same, prefix_number);
	rank = round * RANK_ROUND + net_number;
	/* Worse than the worst: its network's last, it pushes none down. */
	if (full && rank > picks->worst)
		return;
	if (full) {
		/* The worst once the newcomer is in; of equals, the newcomer. */
		worst = rank;
		for (i = 0; i < picks->n; i++) {
			u64 r = pick[i].rank + (pushed(&pick[i], network, round) ? RANK_ROUND : 0);

			if (r > worst) {
				worst = r;
				out = &pick[i];
			}
		}
		if (!out)
			return;
	}
	if (!out)
		out = &pick[picks->n++];
	picks->worst = rank;
	picks->worst_pick = out;
	/* Rebuilt: the address of a pick pushed out may be seen no more. */
	forget_seen(picks);
	mark_seen(picks, addr_number);
	for (i = 0; i < picks->n; i++) {
		if (&pick[i] == out)
			continue;
		mark_seen(picks, pick[i].addr_number);
		if (pushed(&pick[i], network, round))
			pick[i].rank += RANK_ROUND;
		if (pick[i].rank > picks->worst) {
			picks->worst = pick[i].rank;
			picks->worst_pick = &pick[i];
		}
	}
	out->item = item;
	out->network = network;
	out->prefix = prefix;
	out->addr = addr;
	out->rank = rank;
	out->family = family;
	out->prefix_same = prefix_same;
	out->prefix_number = prefix_number;
	out->addr_number = addr_number;
	out->slot_number = slot_number;
}

/**
 * wgr_picks_sort - put a walk's picks best first
 * @picks: the picks, all weighed
 *
 * By rank; ranks tie only where two networks' numbers do. Insertion sort: a
 * ranking keeps the fanout (WGRELAY_MAX_FANOUT at most), and sorts once.
 */
void wgr_picks_sort(struct wgr_picks *picks)
{
	struct wgr_pick *pick = picks->pick, p;
	unsigned int i, j;

	for (i = 1; i < picks->n; i++) {
		p = pick[i];
		for (j = i; j > 0 && pick[j - 1].rank > p.rank; j--)
			pick[j] = pick[j - 1];
		pick[j] = p;
	}
}

/**
 * wgr_picks_merge - one order from two rankings of the same walk, in turn
 * @a: picks ranked by network first, sorted (its network is its network)
 * @b: picks ranked by prefix alone, sorted (its network is its prefix)
 * @out: filled with their items, each once: @a's best, @b's best, @a's second...
 * @room: room in @out
 *
 * Neither ranking alone holds against every attacker. By prefix, one network's
 * many IPv6 /48s crowd out a peer elsewhere (test_network_odds); by network,
 * an attacker with /48s of the peer's own /32 (a tunnel broker's, or an ISP's
 * that hands out /48s) and a few more networks leaves the peer about fanout in
 * (k + 1)(m + 1), where by prefix it had fanout in k + m + 1 (helper-58). In
 * turn, the peer keeps about half of the better of the two.
 * Context: as wgr_picks_weigh(); O(@room) per item, @room items at most.
 * Return: how many items @out holds.
 */
unsigned int wgr_picks_merge(const struct wgr_picks *a, const struct wgr_picks *b, void **out,
			     unsigned int room)
{
	const struct wgr_picks *from[2] = { a, b };
	unsigned int i, j, k, n = 0;

	for (i = 0; i < a->n || i < b->n; i++) {
		for (j = 0; j < 2 && n < room; j++) {
			void *item;

			if (i >= from[j]->n)
				continue;
			item = from[j]->pick[i].item;
			for (k = 0; k < n && out[k] != item; k++)
				;
			if (k == n)
				out[n++] = item;
		}
	}
	return n;
}
