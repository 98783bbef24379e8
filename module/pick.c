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
 * address initiates does not count: the peer has a place in a walk with odds
 * of its prefix's places over its addresses (0.4 there), and an attacker
 * needs addresses in the peer's prefix, not a rate. The price: a stale
 * candidate counts as much as a fresh one (a peer's own old address after
 * its NAT remapped it within the /24, until its candidacy lapses), where by
 * recency it came last (helper-70).
 *
 * Numbers are 32 bits, and two prefixes' or addresses' may be equal: they
 * are then ordered by key, not by arrival, which would let a pick turned
 * away come back (helper-70; test_number_ties).
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
#include <linux/build_bug.h>
#include <linux/string.h>

#include "pick.h"

/* Rounds and counts of the picks are kept in u8s. */
static_assert(WGR_PICKS_MAX < 256);

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

/* Might an address of @addr_number be kept? Its count's low byte says. */
static bool seen(const struct wgr_picks *picks, u32 addr_number)
{
	return picks->seen[addr_number % WGR_PICKS_SEEN];
}

static void mark_seen(struct wgr_picks *picks, u32 addr_number)
{
	picks->seen[addr_number % WGR_PICKS_SEEN]++;
}

static void unmark_seen(struct wgr_picks *picks, u32 addr_number)
{
	picks->seen[addr_number % WGR_PICKS_SEEN]--;
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
	memset(picks->seen, 0, sizeof(picks->seen));
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
 * Does kept pick @p go before the newcomer @nc's prefix's place @prefix_place,
 * in their network's order? That is by place among a prefix's picks, then by
 * prefix number, then by prefix: numbers are 32 bits, two prefixes' may be
 * equal, and their order must not be the order they came in, or a pick
 * turned away could come back (helper-70).
 */
static bool goes_before(const struct wgr_pick *p, u32 prefix_place, const struct wgr_pick *nc)
{
	u64 a = (u64)p->prefix_place << 32 | p->prefix_number;
	u64 b = (u64)prefix_place << 32 | nc->prefix_number;

	/* Without branches: a walk counts these over all its picks. */
	return (a < b) | ((a == b) & (p->prefix < nc->prefix));
}

/* Does kept pick @p go before the newcomer @nc of its prefix? By number, then address. */
static bool addr_before(const struct wgr_pick *p, const struct wgr_pick *nc)
{
	return p->addr_number < nc->addr_number ||
	       (p->addr_number == nc->addr_number && p->addr < nc->addr);
}

/*
 * Does the newcomer @nc's prefix's place @prefix_place go after the walk's
 * worst pick in its network's order? Then it would be the worst.
 */
static bool after_worst(const struct wgr_picks *picks, const struct wgr_pick *nc,
			u32 prefix_place)
{
	const struct wgr_pick *w = picks->worst_pick;

	return w->network == nc->network && goes_before(w, prefix_place, nc);
}

/*
 * Is the newcomer turned away before the kept ones are looked at? If it is
 * worse than the worst even as its network's first, strictly: one that ties
 * may be the first of the worst's own network, and go before it. If it is of
 * the worst's prefix: the worst is that prefix's highest address, and the
 * newcomer goes after it unless it goes before it (addr_before()): one /24's
 * or /48's many addresses (helper-57 found a walk cost 17 times what it did,
 * every visit paying all three passes). Or if it is of the worst's network,
 * another prefix, and after the worst even as its prefix's first.
 */
static bool turned_away_early(const struct wgr_picks *picks, const struct wgr_pick *nc,
			      u32 net_number)
{
	const struct wgr_pick *w = picks->worst_pick;

	if (net_number > picks->worst)
		return true;
	if (w->prefix == nc->prefix)
		return addr_before(w, nc);
	return after_worst(picks, nc, 0);
}

/*
 * The newcomer @nc, its place and rank set, takes the entry of its prefix's
 * highest address @highest, which it goes before. The prefix's places stay,
 * and their rounds: the prefix's picks after the newcomer's place move to
 * their next. Only those change (@of_prefix, @in_prefix of them, whose
 * places' rounds are @place_round), and the worst's rank stays; if the worst
 * was of them, whichever holds its place now is. One pass over the prefix's
 * picks, not the walk's: a prefix's later addresses take places often.
 */
static void replace_highest(struct wgr_picks *picks, struct wgr_pick *highest,
			    const struct wgr_pick *nc, const u8 *of_prefix, unsigned int in_prefix,
			    const u8 *place_round, u32 net_number)
{
	bool worst_here = picks->worst_pick->prefix == nc->prefix;
	unsigned int i;

	unmark_seen(picks, highest->addr_number);
	for (i = 0; i < in_prefix; i++) {
		struct wgr_pick *p = &picks->pick[of_prefix[i]];

		if (p != highest && p->prefix_place >= nc->prefix_place)
			p->rank = place_round[++p->prefix_place] * RANK_ROUND + net_number;
	}
	*highest = *nc;
	mark_seen(picks, nc->addr_number);
	for (i = 0; worst_here && i < in_prefix; i++)
		if (picks->pick[of_prefix[i]].rank == picks->worst)
			picks->worst_pick = &picks->pick[of_prefix[i]];
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

/* The round of the newcomer @nc's prefix's place @prefix_place in its network's order. */
static unsigned int count_round(const struct wgr_picks *picks, u32 prefix_place,
				const struct wgr_pick *nc, unsigned int in_network)
{
	unsigned int i, round = 0;

	/* Its network's picks are all its prefix's: it goes after them. */
	if (in_network == prefix_place)
		return in_network;
	for (i = 0; i < picks->n; i++)
		round += (picks->pick[i].network == nc->network) &
			 goes_before(&picks->pick[i], prefix_place, nc);
	return round;
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
 * that is known: before the kept ones are looked at (turned_away_early()), or
 * after one pass over them (its prefix's picks and place), or, if its network
 * ties with the worst's and is of more than one prefix, two (count_round()).
 * One that takes its prefix's highest address's place costs a pass over its
 * prefix's picks alone (replace_highest()); one that adds a place, a pass
 * more, two if its network has more than one prefix. Numbers keep more than
 * arrival did (a prefix's later addresses can take places: about k ln(n / k)
 * of n for k places), and so a walk costs more where a prefix has many
 * addresses: bench/pick-cost measures the worst arrival orders the reviews
 * found (ratelimit.c's walk budget says what they cost).
 */
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 network, u64 prefix, u16 family,
		     u64 addr, u64 slot)
{
	struct wgr_pick nc = {
		.item = item,
		.network = network,
		.prefix = prefix,
		.addr = addr,
		.family = family,
		.prefix_number = wgr_pick_number(prefix, picks->seed),
		.addr_number = wgr_pick_number(addr ^ (u64)family << 48, picks->seed),
		.slot_number = wgr_pick_number(slot, picks->seed ^ addr),
	};
	u32 net_number = wgr_pick_number(network, picks->seed);
	unsigned int i, in_network = 0, in_prefix = 0, place = 0, round;
	/* Its prefix's picks (their indices), and each place's round in its network's order. */
	u8 of_prefix[WGR_PICKS_MAX], place_round[WGR_PICKS_MAX + 1];
	struct wgr_pick *pick = picks->pick;
	struct wgr_pick *highest = NULL, *out;
	bool full = picks->n == picks->room;

	if (!picks->room ||
	    address_kept(picks, item, family, addr, nc.addr_number, nc.slot_number))
		return;
	if (full && turned_away_early(picks, &nc, net_number))
		return;
	/* Its network's picks, its prefix's, its place among them, their highest. */
	for (i = 0; i < picks->n; i++) {
		struct wgr_pick *p = &pick[i];

		/* Counted without branches: a walk's networks come in any order. */
		in_network += p->network == network;
		if (p->prefix != prefix)
			continue;
		of_prefix[in_prefix++] = i;
		place += addr_before(p, &nc);
		place_round[p->prefix_place] = p->rank / RANK_ROUND;
		if (!highest || p->prefix_place > highest->prefix_place)
			highest = p;
	}
	nc.prefix_place = place;
	if (full && (u64)in_network * RANK_ROUND + net_number >= picks->worst) {
		/*
		 * Its network, one longer, would be the worst: it loses its
		 * last. If the worst is of it, that is the worst; else its
		 * places are counted. If its prefix's next place is the last,
		 * its prefix's highest address takes it, and if that is the
		 * newcomer's, it is turned away; else the network's last so
		 * far goes, and moves no other.
		 */
		bool at_end;

		out = picks->worst_pick;
		if (out->network == network) {
			at_end = goes_before(out, in_prefix, &nc);
		} else {
			at_end = count_round(picks, in_prefix, &nc, in_network) == in_network;
			out = at_end ? NULL : network_last(picks, network);
		}
		if (at_end) {
			if (!highest || addr_before(highest, &nc))
				return;
			nc.rank = place_round[place] * RANK_ROUND + net_number;
			replace_highest(picks, highest, &nc, of_prefix, in_prefix, place_round,
					net_number);
			return;
		}
	} else if (full) {
		/* Another network's last is the worst of all: it goes, moving no other. */
		out = picks->worst_pick;
	}
	if (full) {
		/*
		 * The last of another network, or of its own after the new
		 * place, never of its prefix: its going moves no other, and
		 * leaves @in_prefix, @place and @place_round as they are.
		 */
		unmark_seen(picks, out->addr_number);
		*out = pick[--picks->n];
	}
	/*
	 * The round of its prefix's next place, counted only for a newcomer
	 * kept (the last of its network that went was after it; @in_network
	 * may still count it, and then count_round() counts what it could
	 * have known, never wrongly).
	 */
	round = count_round(picks, in_prefix, &nc, in_network);
	/* Its prefix has a place more, at @round; the network's after it move down. */
	for (i = 0; i < in_prefix; i++)
		place_round[i] += place_round[i] >= round;
	place_round[in_prefix] = round;
	nc.rank = place_round[place] * RANK_ROUND + net_number;
	out = &pick[picks->n++];
	*out = nc;
	mark_seen(picks, nc.addr_number);
	/*
	 * Its prefix's addresses after it move to their prefix's next place;
	 * the network's other places go down a round if they are after the
	 * new one. And the worst found again.
	 */
	picks->worst = 0;
	for (i = 0; i < picks->n; i++) {
		struct wgr_pick *p = &pick[i];

		if (p != out && p->network == network) {
			if (p->prefix == prefix && p->prefix_place >= place)
				p->rank = place_round[++p->prefix_place] * RANK_ROUND + net_number;
			else if (p->rank / RANK_ROUND >= round)
				p->rank += RANK_ROUND;
		}
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
