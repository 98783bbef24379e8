// SPDX-License-Identifier: GPL-2.0
/*
 * Which of a walk's discovery candidates get its places (the third review's
 * C6, and reviews of its fixes). Candidates come most recent first
 * (source.c). Places go round the source networks (IPv4 /24, IPv6 /32): each
 * network that holds candidates has one before any has a second, and so on;
 * within a round the places go to the networks in an order drawn afresh for
 * each walk. A network's own places go round its prefixes (IPv6 /48) the same
 * way, and within a prefix to its addresses by their numbers for the walk,
 * lowest first, one place each, held by the address's endpoint of the lowest
 * number. For IPv4 a prefix is its network.
 *
 * A prefix's places went to its most recent addresses. A peer behind CGNAT
 * shares its /24 with the carrier's other subscribers, and three of them
 * that initiated more often than the peer retried (every five seconds) held
 * its /24's places in every walk: a restarted relay's pair met only when
 * they stopped (t-trust-restart pool, 154 s; tests/unit/pick_test.c,
 * test_pool_neighbours: the peer's odds 0). By numbers, how often an
 * address initiates does not count, and the peer has its share of its
 * prefix's places in every walk (0.4 there).
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
	picks->room = room < WGR_PICKS_MAX ? room : WGR_PICKS_MAX;
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
 * Does kept pick @p go before place @prefix_place of a prefix of its network
 * whose number is @prefix_number? A network's order is by place among its
 * prefix's picks, then by prefix number.
 */
static bool goes_before(const struct wgr_pick *p, u32 prefix_place, u32 prefix_number)
{
	return p->prefix_place < prefix_place ||
	       (p->prefix_place == prefix_place && p->prefix_number <= prefix_number);
}

/*
 * Does place @prefix_place of a prefix of @network, whose number is
 * @prefix_number, go after the walk's worst pick in its network's order? Then
 * it would be the worst.
 */
static bool after_worst(const struct wgr_picks *picks, u64 network, u32 prefix_place,
			u32 prefix_number)
{
	const struct wgr_pick *w = picks->worst_pick;

	return w->network == network && goes_before(w, prefix_place, prefix_number);
}

/*
 * Is the newcomer turned away before the kept ones are looked at? If it is
 * worse than the worst even as its network's first, strictly: one that ties
 * may be the first of the worst's own network, and go before it. If it is of
 * the worst's prefix: the worst is that prefix's highest number, and the
 * newcomer goes after it unless its number is lower (one /24's or /48's many
 * addresses: helper-57 found a walk cost 17 times what it did, every visit
 * paying all three passes). Or if it is of the worst's network, another
 * prefix, and after the worst even as its prefix's first.
 */
static bool turned_away_early(const struct wgr_picks *picks, u64 network, u64 prefix,
			      u32 net_number, u32 prefix_number, u32 addr_number)
{
	const struct wgr_pick *w = picks->worst_pick;

	if (net_number > picks->worst)
		return true;
	if (w->prefix == prefix)
		return addr_number >= w->addr_number;
	return after_worst(picks, network, 0, prefix_number);
}

/* The last of @network's picks, which has one at least. */
static struct wgr_pick *network_last(struct wgr_picks *picks, u64 network)
{
	struct wgr_pick *last = NULL;
	unsigned int i;

	for (i = 0; i < picks->n; i++)
		if (picks->pick[i].network == network &&
		    (!last || picks->pick[i].rank > last->rank))
			last = &picks->pick[i];
	return last;
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
 * A network's order is a sequence of places, its prefixes' in turn: each
 * prefix's first (by the prefix's number), then each's second, and so on; a
 * prefix's places go to its addresses by their numbers, lowest first. The
 * newcomer's prefix gains a place, the last of its places (where it falls in
 * the network's order: the network's places after it go one round down), and
 * the newcomer takes its place among its prefix's addresses by its number,
 * those after it moving to their prefix's next place. If the walk is full,
 * the worst of all, the newcomer included, is turned away: always the last of
 * its network, whose going moves no other. An address already kept keeps its
 * place, for the endpoint of the lowest number (address_kept()).
 *
 * A candidate that ranks worse than the worst kept is turned away as soon as
 * that is known: before the kept ones are looked at (turned_away_early()); or
 * after one pass over them, if its prefix's next place is after the worst, of
 * its network, and its number after its prefix's highest, or if its
 * network's picks are all its prefix's; else after two (its place known).
 * One kept costs one more, two if its network gives up its last. Numbers
 * keep more than arrival did (a prefix's later addresses can take places:
 * about k ln(n / k) of n for k places), and so a walk costs more where a
 * prefix has many addresses: bench/pick-cost measures the worst arrival
 * orders the reviews found (ratelimit.c's walk budget says what they cost).
 */
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 network, u64 prefix, u16 family,
		     u64 addr, u64 slot)
{
	u32 addr_number = wgr_pick_number(addr ^ (u64)family << 48, picks->seed);
	u32 slot_number = wgr_pick_number(slot, picks->seed ^ addr);
	u32 net_number = wgr_pick_number(network, picks->seed);
	u32 prefix_number = wgr_pick_number(prefix, picks->seed);
	unsigned int i, in_network = 0, in_prefix = 0, place = 0, round = 0;
	/* Each place of its prefix's: its round in the network's order. */
	u8 place_round[WGR_PICKS_MAX + 1];
	struct wgr_pick *pick = picks->pick;
	struct wgr_pick *highest = NULL, *out = NULL;
	bool full = picks->n == picks->room;
	bool grows = true;

	if (!picks->room || address_kept(picks, item, family, addr, addr_number, slot_number))
		return;
	if (full && turned_away_early(picks, network, prefix, net_number, prefix_number, addr_number))
		return;
	/* Its network's picks, its prefix's, its place among them, their highest. */
	for (i = 0; i < picks->n; i++) {
		struct wgr_pick *p = &pick[i];

		/* Counted without branches: a walk's networks come in any order. */
		in_network += p->network == network;
		if (p->prefix != prefix)
			continue;
		in_prefix++;
		/* Of equal numbers, the newcomer after. */
		place += p->addr_number <= addr_number;
		place_round[p->prefix_place] = p->rank / RANK_ROUND;
		if (!highest || p->prefix_place > highest->prefix_place)
			highest = p;
	}
	if (full && after_worst(picks, network, in_prefix, prefix_number)) {
		/*
		 * Its prefix's next place is after the worst, of its network:
		 * the network's new last. Its prefix's highest number takes it,
		 * and if that is the newcomer's, it is turned away.
		 */
		if (!highest || addr_number >= highest->addr_number)
			return;
		out = highest;
		grows = false;
	} else if (in_network == in_prefix) {
		/* Its network's picks are all its prefix's: it goes after them. */
		round = in_network;
	} else {
		/* The round of its prefix's next place in its network's order. */
		for (i = 0; i < picks->n; i++)
			round += pick[i].network == network &&
				 goes_before(&pick[i], in_prefix, prefix_number);
	}
	if (full && grows) {
		/* Its network, one longer, loses its last, unless another's is worse. */
		if ((u64)in_network * RANK_ROUND + net_number < picks->worst) {
			out = picks->worst_pick;
		} else if (round < in_network) {
			out = network_last(picks, network);
		} else {
			/* Its prefix's next place is the last: as above. */
			if (!highest || addr_number >= highest->addr_number)
				return;
			out = highest;
			grows = false;
		}
		/* Else the last of its network, whose going moves no other. */
		if (grows)
			*out = pick[--picks->n];
	}
	if (grows) {
		/* Its prefix has a place more, at @round; the network's after it move down. */
		for (i = 0; i < in_prefix; i++)
			place_round[i] += place_round[i] >= round;
		place_round[in_prefix] = round;
		out = &pick[picks->n++];
	}
	out->item = item;
	out->network = network;
	out->prefix = prefix;
	out->addr = addr;
	out->rank = place_round[place] * RANK_ROUND + net_number;
	out->family = family;
	out->prefix_place = place;
	out->prefix_number = prefix_number;
	out->addr_number = addr_number;
	out->slot_number = slot_number;
	/*
	 * Its prefix's addresses after it move to their prefix's next place;
	 * the network's other places go down a round if they are after the
	 * new one. And the worst, and the addresses seen, rebuilt: the address
	 * of a pick pushed out may be seen no more.
	 */
	forget_seen(picks);
	picks->worst = 0;
	for (i = 0; i < picks->n; i++) {
		struct wgr_pick *p = &pick[i];

		if (p != out && p->network == network) {
			if (p->prefix == prefix && p->prefix_place >= place)
				p->rank = place_round[++p->prefix_place] * RANK_ROUND + net_number;
			else if (grows && p->rank / RANK_ROUND >= round)
				p->rank += RANK_ROUND;
		}
		mark_seen(picks, p->addr_number);
		if (!i || p->rank > picks->worst) {
			picks->worst = p->rank;
			picks->worst_pick = p;
		}
	}
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
