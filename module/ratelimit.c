// SPDX-License-Identifier: GPL-2.0
/*
 * Token buckets, as WireGuard's ratelimiter.c keeps them, and the relay's budgets
 * of mac1 computations and of discovery's visits to candidates. Only
 * initiations are limited: a response or cookie reply is first matched to a handshake the relay forwarded to where it came from, and
 * one that matches nothing is dropped before it costs anything. So junk from a
 * neighbour behind the same CGNAT address cannot spend a peer's tokens on its
 * answers (trust model v2, promise 5).
 *
 * Initiations are limited per IP:port, as WireGuard paces one peer (one initiation
 * every 5 s, so 20/s with a burst of 5 is far above any real peer), and, unless a
 * live session or binding vouches for them, under a looser ceiling per address
 * (IPv6: per /64), which bounds what one host can make the relay do with many
 * ports; a neighbour's flood of those cannot refuse a talking peer's rekey.
 * Discovery copies are limited per destination address, so that initiations
 * cannot aim them at a victim from many ports, and each initiating address has
 * a small share of that, so that one cannot spend what others' need.
 */
#include <linux/build_bug.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <net/ipv6.h>

#include "peer.h"
#include "ratelimit.h"

#define WGR_MAX_BUCKETS		16384
/*
 * mac1 computations a relay spends per second on handshakes whose receiver is not
 * among their source's recent targets (a scan of every peer): a few tens of
 * milliseconds of CPU, however many addresses an attacker sends from.
 */
#define WGR_SCANS_PER_SECOND	200000

/* What of an endpoint a bucket limits. */
enum scope {
	BY_ENDPOINT,	/* the IP:port */
	BY_HOST,	/* its address (IPv6: the /64, as WireGuard limits) */
	/*
	 * Its address, or an IPv6 /48: a site. Where an IPv6 host has 65,536
	 * /64s in a /48, an attacker pays for each /48 it holds (a tunnel
	 * broker hands out a few free). A peer whose ISP gives it a /56 or a
	 * /64 (a mobile carrier) shares its /48 with other customers.
	 */
	BY_SITE,
	/*
	 * Its /24, or an IPv6 /32: what an attacker pays for by the prefix. An
	 * IPv6 /48 is a home's, and a routed /36 has 4,096 of them (a review of
	 * the walk budget, F1).
	 */
	BY_NETWORK,
};

/*
 * What one kind of bucket allows: a rate and a burst; for a kind counted per
 * initiator too (limit()'s @by), what of the initiator it is counted by; and
 * the table its buckets are kept in. Only an initiation with the relay's
 * mac2 asks for discovery and its walk, and their buckets are apart from those
 * a spoofer makes with every new IP:port: in one table, the least recently
 * used going first, a spoofer that made buckets faster than an address asked
 * had that address's share forgotten before each ask, and found full (a
 * review in session 24, helper-55; t-trust-walk cycle: 1,218 copies in 20 s
 * where the share allows 129). A spoofer cannot reach the proven table, but
 * its shares are keyed by pairs of /64s: an IPv6 /48's walks add tens of
 * thousands a second, a table's worth in a fifth of a second from one /32
 * (a review in session 26). A forgotten bucket comes back full, and a missing
 * walk bucket idle (the relay's spare): so a candidate's cap and a network's
 * walk budget have tables of their own. Cycling the caps' takes 16,384 new
 * candidates a second (initiations with mac2 from as many /64s, a cookie
 * serving minutes, and walks that pick them), for ten copies more to a
 * candidate each time, an attacker's own traffic returned, not amplified; the
 * walks', as many networks (IPv4 /24s, IPv6 /32s) (helper-61).
 */
struct bucket_kind {
	u32 per_second;
	u32 burst;
	enum scope by;
	enum wgr_bucket_pool pool;
};

/*
 * Candidates discovery's walks (source.c) may look at in a second, in all: each
 * visit is a compare or up to two passes over each of the walk's two rankings
 * (pick.c: the fanout each, 8 by default, 64 at the largest), under the
 * sources' lock with bottom halves off. Measured in user space at the worst
 * arrival orders the reviews found (bench/pick-cost; session 29, a prefix's
 * places by its addresses' numbers, and one /48's addresses at a time, which
 * take its places often: helper-70), 20 ns a visit at the default fanout and
 * 158 ns at the largest (by arrival they were 15 and 150 on the same host):
 * a million is 20 to 160 ms of one CPU. The relay holds a quarter of a
 * second's worth.
 */
#define WGR_WALK_VISITS_PER_SECOND	1048576

/* A network's reserve past a candidate's cap: its rate and its burst. */
#define WGR_RESERVE_PER_SECOND	4

/*
 * A site the reserve granted within this long (under a failing peer's five
 * seconds between retries, with a second for the network's jitter) takes
 * only from a full reserve: the last tokens are for sites new to it.
 */
#define WGR_RESERVE_RECENT_MS	4000

/*
 * How long a reserve must be idle before the gc may forget it: until no grant
 * it remembers counts. In u64: NSEC_PER_MSEC is a long, and 4001 of them
 * overflow a 32-bit one (helper-72).
 */
#define WGR_RESERVE_IDLE_NS	((u64)(WGR_RESERVE_RECENT_MS + 1) * NSEC_PER_MSEC)
static_assert(WGR_RESERVE_IDLE_NS > NSEC_PER_SEC);

enum {
	KIND_HS_ENDPOINT, KIND_HS_ADDRESS, KIND_DISCOVERY, KIND_DISCOVERY_SHARE,
	KIND_DISCOVERY_RESERVE, KIND_COOKIE, KIND_COOKIE_ADDRESS, KIND_WALK,
	KIND_STAMP_PEER, KIND_STAMP_PEER_SHARE, KIND_STAMP_SOURCE, KIND_STAMP_SHARE, KIND_STAMP,
	KIND_STAMP_ALL, KIND_PROBE, KIND_PROBE_PEER, KIND_STAMP_PEER_MAC2, KIND_RESP_STAMP,
	KIND_RESP_STAMP_COPY, KIND_RESP_STAMP_OPEN
};

static const struct bucket_kind kinds[] = {
	/* WireGuard's own handshake limit, per sender IP:port. */
	[KIND_HS_ENDPOINT] = { 20, 5 },
	/* Eight busy peers behind one address, or one host with many ports. */
	[KIND_HS_ADDRESS] = { 160, 40 },
	/* Discovery copies one address (/64) may receive: the relay amplifies little. */
	[KIND_DISCOVERY] = { 10, 10, .pool = WGR_BUCKETS_CAPS },
	/*
	 * Of those, what one initiating address (/64) may take: a failing peer
	 * needs one copy per retry (every 5 s), eight busy peers behind one
	 * address under two a second. One address cannot spend the rest, others'
	 * (a fifth review, T3); it takes five to spend one candidate's all. Its
	 * burst was four, which takes two seconds to refill: the gc dropped such
	 * a bucket after one idle second and the next ask found a full one, so
	 * an address that spent four and paused for a second had four more: up
	 * to twice its share (a review in session 24, L3). The cost: peers
	 * behind one NAT address that fail toward one candidate at once (eight
	 * laptops to a home server after a relay restart) retry within
	 * WireGuard's third of a second of jitter, and two of them, not four,
	 * get through each round, with one from their address's reserve: the
	 * last meet a round or two (5-10 s) later (helper-58).
	 */
	[KIND_DISCOVERY_SHARE] = { 2, 2, BY_HOST, WGR_BUCKETS_PROVEN },
	/*
	 * Past a candidate's cap, what the sites of one initiating network (IPv4
	 * /24, IPv6 /32) may still send it: four copies a second, and one a
	 * second to each site (an IPv4 address, an IPv6 /48; struct
	 * wgr_reserve). Shares alone did not keep a failing peer's one copy per
	 * retry: k addresses at their shares keep the cap empty for all but
	 * about three asks in k, and an IPv6 /48 holds 65,536 addresses (/64s;
	 * a review in session 24, t-trust-restart share6). Spent only when the
	 * cap refuses, and a site that had its copy this second spends nothing
	 * of its neighbours'. Keyed by network alone, the reserve fell to one
	 * proven address in the peer's network, which for a peer behind CGNAT
	 * is the carrier's pool (a review in session 24, M1; ratelimit_test
	 * test_reserve_per_site): the peer's retry now finds its network's
	 * (a neighbour on the peer's own site shares its copy: open).
	 *
	 * A site's second was a bucket of its own (session 28), and a forgotten
	 * bucket comes back full: an attacker whose many sites spent its own
	 * candidates' caps made (candidate, site) buckets faster than a table
	 * turns over, and two sites in the peer's /24 had a full one at every
	 * ask and took the network's four between them (helper-69;
	 * test_reserve_table_churn: 3 of 12 retries). The network's bucket
	 * remembers the sites itself: every ask of the network's touches it, so
	 * pushing it out between asks takes new (candidate, network) pairs, a
	 * network each, as fast, and brings it back full for the peer's ask as
	 * for theirs. In a table of its own, which only an ask the cap refused
	 * adds to (helper-68, session 28; test_reserve_churn). What a candidate
	 * receives past its cap: a copy a second for each site that asks, at
	 * most four for each network, each the answer to an initiation of the
	 * asker's own.
	 *
	 * First come, first served, six sites that took turns at the moment
	 * each token was due kept the reserve empty at every retry of the
	 * peer's (ratelimit_test test_reserve_timed_sites: 0 of 12 on f3e734d).
	 * A failing peer asks once in five seconds, so the last tokens go to
	 * sites the reserve has not granted in four (WGR_RESERVE_RECENT_MS): a
	 * site granted since takes only from a full reserve. To keep it empty,
	 * the attacker's sites must then be new to it at nearly every token.
	 * Taking turns as above, sixteen leave the peer 11 or 12 of its 12
	 * retries. A plan made for the rule (every four seconds a recent site
	 * takes a full reserve's first token, new sites the rest and each next
	 * one as it comes due) denies the peer about a quarter second of every
	 * four for each site past the first three: eight take about a third of
	 * its copies, twelve half (periodic_sites()), seventeen all
	 * (helper-72's blind attacker); sites taking turns, as above, jump from
	 * 11 of 12 left at sixteen to 3 at seventeen. Peers behind
	 * one address still have a copy a second between them while nobody
	 * else takes the reserve's last (test_reserve_two_peers_one_site); when
	 * other sites of their network do, they have fewer (helper-72: two
	 * such peers beside eight other asking sites, 62% of their retries
	 * where they had 86%).
	 */
	[KIND_DISCOVERY_RESERVE] = {
		WGR_RESERVE_PER_SECOND, WGR_RESERVE_PER_SECOND, BY_NETWORK, WGR_BUCKETS_RESERVES
	},
	/*
	 * The relay's cookie replies one IP:port may receive (each smaller than its
	 * cause), and one address (/64) in all: what spoofed initiations can aim at
	 * a victim is 6.4 kB/s of them, whatever the rate or the ports, and 640
	 * bytes a second more at each endpoint where a peer talks (those skip the
	 * address's share: wgr_ratelimit_cookie()).
	 */
	[KIND_COOKIE] = { 10, 5 },
	[KIND_COOKIE_ADDRESS] = { 100, 20 },
	/*
	 * Candidates the walks of one initiating network (IPv4 /24, IPv6 /32)
	 * may look at in a second: 32 full walks, and a burst of 8. A CGNAT
	 * pool's failing peers (one walk per retry, every 5 s) stay far below;
	 * an attacker's addresses in one network get no more, and it takes
	 * eight networks to spend the relay's budget.
	 */
	[KIND_WALK] = { 131072, 32768, .pool = WGR_BUCKETS_WALKS },
	/*
	 * A target's own cookie (a target under load wants mac2 made with it) on
	 * what the relay sends one destination (IP:port), wgr_ratelimit_stamp().
	 * Under load, WireGuard takes such an initiation only within 20 a second
	 * and a burst of 5 from one address, and every initiation the relay sends
	 * comes from the relay's: put on everything, the cookie made an attacker's
	 * junk spend that budget, and a talking pair's rekey met it spent (pass
	 * 4, E2). An initiation along a live session with the target has one a
	 * second for the session's initiator (the peer: an insider with
	 * sessions from many ports has one, helper-79), as a WireGuard peer
	 * retries every five. One whose source only proved its address (the
	 * relay's mac2) has one a second for the source (IP:port), within a
	 * share of its network (IPv4 /24, IPv6 /32) and the destination's four
	 * a second for all such sources. And all together at most fifteen a
	 * second, a burst of five: the relay never sends more than the target
	 * takes. In a table of their own: a source with the relay's mac2 makes
	 * one for each destination it asks, and must not push out discovery's
	 * shares; nor they, a destination's budgets (forgotten, one comes back
	 * full).
	 */
	[KIND_STAMP_PEER] = { 1, 1, .pool = WGR_BUCKETS_STAMPS },
	/*
	 * And the peers along whose sessions initiations come from one network
	 * (IPv4 /24, IPv6 /32), four a second to a destination: a peer's stamps
	 * go only to initiations from where it talks, but an offline peer's
	 * binding is anyone's to take, and an attacker that took one at each of
	 * fifteen sockets of its own had fifteen peers' seconds, every one of the
	 * destination's (helper-85, M1). Four a second is a rekey every 120 s for
	 * 480 peers of one network with one target. Below full, only for a peer
	 * with a claim (share_claimable()): a neighbour behind a peer's own NAT
	 * proves ghosts in that network too.
	 */
	[KIND_STAMP_PEER_SHARE] = { 4, 4, BY_NETWORK, WGR_BUCKETS_STAMPS },
	[KIND_STAMP_SOURCE] = { 1, 1, BY_ENDPOINT, WGR_BUCKETS_STAMPS },
	[KIND_STAMP_SHARE] = { 1, 1, BY_NETWORK, WGR_BUCKETS_STAMPS },
	[KIND_STAMP] = { 4, 4, .pool = WGR_BUCKETS_STAMPS },
	[KIND_STAMP_ALL] = { 15, 5, .pool = WGR_BUCKETS_STAMPS },
	/*
	 * The relay's probes of the end of a pair route whose initiator does not
	 * talk from the route's start (wgr_ratelimit_probe()), to one destination
	 * (IP:port): four a second. Such routes are anyone's to stage, each ends
	 * wherever its staged response came from, and each may be probed once a
	 * second: the relay's probes toward one endpoint grew with the routes
	 * staged to it (helper-83, M2). In the stamps' table: a destination's
	 * budgets, forgotten after a second idle.
	 */
	[KIND_PROBE] = { 4, 4, .pool = WGR_BUCKETS_STAMPS },
	/*
	 * And a route whose initiator proved where it talks from: one a second
	 * per initiator and destination. A real peer has one route to a target's
	 * endpoint (across a rekey the new session takes the old one's cookie
	 * over, session.c); an offline peer's binding, proven at an attacker's
	 * own socket, had a probe a second for each route the attacker staged
	 * from there to a victim (helper-87).
	 */
	[KIND_PROBE_PEER] = { 1, 1, .pool = WGR_BUCKETS_STAMPS },
	/*
	 * A peer's second for its initiations with the relay's mac2 from where
	 * it proved (its retries): a blind spoofer of its endpoint spends the
	 * other one (helper-85, L1; helper-90), and cannot have this one.
	 */
	[KIND_STAMP_PEER_MAC2] = { 1, 1, .pool = WGR_BUCKETS_STAMPS },
	/*
	 * An initiator's own cookie on the responses the relay sends it
	 * (wgr_ratelimit_response()), to one destination (IP:port): a loaded
	 * WireGuard takes handshake messages with mac2 only within 20 a second
	 * from one address, the relay's, which the targets' stamps (fifteen at
	 * most) share. Three a second for the answers to initiations that
	 * carried the relay's mac2 from there, which only whoever receives
	 * there can send (the initiator's retries): the first response to each
	 * from the target's binding or the route's end (handshake.c,
	 * answer_fill()), where only the target answers unless someone saw the
	 * initiation's index (a candidate, which can as well spend the two
	 * answers that endpoint may give: pass 9's indices close that). One a
	 * second for the same from discovery candidates, which may be an
	 * attacker's: two of its answers to each copy spent a budget for all
	 * (helper-97). One a second for the rest, which a spoofer of the
	 * initiator's endpoint has answered as often as it likes (R1). None
	 * falls back on another, nor on the targets' budgets, which proven
	 * sources spend.
	 */
	[KIND_RESP_STAMP] = { 3, 3, .pool = WGR_BUCKETS_STAMPS },
	[KIND_RESP_STAMP_COPY] = { 1, 1, .pool = WGR_BUCKETS_STAMPS },
	[KIND_RESP_STAMP_OPEN] = { 1, 1, .pool = WGR_BUCKETS_STAMPS },
};

struct wgr_bucket {
	struct hlist_node node;
	struct list_head lru;
	u64 key;
	u64 tokens;
	u64 last_ns;
	bool once;	/* on its table's once list (reserve_get()) */
};

/*
 * Grants a reserve remembers: its burst and four seconds' refill (twenty)
 * is the most it grants in any interval shorter than 4.25 s, so a grant it
 * forgets for a newer one is more than WGR_RESERVE_RECENT_MS (and a
 * millisecond) old, and no longer counts (reserve_age()).
 */
#define WGR_RESERVE_SITES \
	(WGR_RESERVE_PER_SECOND * (1 + WGR_RESERVE_RECENT_MS / MSEC_PER_SEC))

/**
 * struct wgr_reserve - a network's reserve past a candidate's cap
 * @b: its bucket (KIND_DISCOVERY_RESERVE), in the reserves' table
 * @site: the sites it granted a copy to, a keyed hash of each
 * @at_ms: when, in milliseconds of boot time (wrapping, after 49 days: an
 *         idle reserve is forgotten, wgr_ratelimit_gc(), and a busy one
 *         grants within every four seconds, so its twenty entries turn over
 *         within minutes)
 * @n: how many of @site are in use
 */
struct wgr_reserve {
	struct wgr_bucket b;
	u32 site[WGR_RESERVE_SITES];
	u32 at_ms[WGR_RESERVE_SITES];
	u8 n;
};

/* bucket_remove() frees a reserve by its bucket. */
static_assert(offsetof(struct wgr_reserve, b) == 0);
/* Two full lists of 16,384 are 8 MB in kmalloc-256: a field more is 16 MB (helper-74). */
static_assert(sizeof(struct wgr_reserve) <= 256);
/* WGR_RESERVE_SITES counts whole seconds of refill, and fits @n. */
static_assert(WGR_RESERVE_RECENT_MS % MSEC_PER_SEC == 0 && WGR_RESERVE_SITES <= U8_MAX);

/*
 * How long each table's buckets must be idle before the gc may forget them. A
 * bucket idle for a second is full again, the same as a new one; a reserve,
 * once no grant it remembers counts (forgotten sooner, it would make every
 * site new to it again).
 */
static const u64 pool_idle_ns[WGR_BUCKET_POOLS] = {
	[WGR_BUCKETS_OPEN] = NSEC_PER_SEC,
	[WGR_BUCKETS_PROVEN] = NSEC_PER_SEC,
	[WGR_BUCKETS_CAPS] = NSEC_PER_SEC,
	[WGR_BUCKETS_RESERVES] = WGR_RESERVE_IDLE_NS,
	[WGR_BUCKETS_WALKS] = NSEC_PER_SEC,
	[WGR_BUCKETS_STAMPS] = NSEC_PER_SEC,
};

/**
 * wgr_ratelimit_init - a relay's empty tables and full budgets
 * @rl: the buckets
 */
void wgr_ratelimit_init(struct wgr_ratelimit *rl)
{
	struct wgr_bucket_table *t;
	unsigned int i;

	/*
	 * wgr_ratelimit_gc() forgets a bucket idle for a second (at least) as if
	 * full: a kind whose burst took longer to refill would get it back early.
	 * And every table says how long its buckets live (a pool missed in
	 * pool_idle_ns[] would have its buckets forgotten by every gc:
	 * test_init_no_warning).
	 */
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		WARN_ON_ONCE(kinds[i].burst > kinds[i].per_second);
	for (i = 0; i < WGR_BUCKET_POOLS; i++)
		WARN_ON_ONCE(pool_idle_ns[i] < NSEC_PER_SEC);
	spin_lock_init(&rl->lock);
	for (t = rl->tables; t < rl->tables + WGR_BUCKET_POOLS; t++) {
		hash_init(t->buckets);
		INIT_LIST_HEAD(&t->lru);
		INIT_LIST_HEAD(&t->once);
		t->n = 0;
		t->n_once = 0;
		t->max = WGR_MAX_BUCKETS;
	}
	get_random_bytes(&rl->seed, sizeof(rl->seed));
	rl->scan_rate = WGR_SCANS_PER_SECOND;
	rl->scan_tokens = 0;
	rl->scan_last_ns = ktime_get_coarse_boottime_ns();
	rl->walk_rate = WGR_WALK_VISITS_PER_SECOND;
	rl->walk_tokens = rl->walk_rate / 4;
	rl->spare_tokens = WGR_WALK_VISITS_PER_SECOND / 4;
	rl->walk_last_ns = rl->scan_last_ns;
}

/* Context: the buckets' lock. */
static void bucket_remove(struct wgr_bucket_table *t, struct wgr_bucket *b)
{
	hash_del(&b->node);
	list_del(&b->lru);
	t->n--;
	t->n_once -= b->once;
	kfree(b);
}

/*
 * Make room: forget the first bucket on @list, one of @t's (its lru list's
 * least recently used, or its once list's oldest: reserve_get()).
 * Context: the buckets' lock.
 */
static void bucket_evict(struct wgr_bucket_table *t, struct list_head *list)
{
	bucket_remove(t, list_first_entry(list, struct wgr_bucket, lru));
}

/* The table a kind's buckets are kept in. */
static struct wgr_bucket_table *kind_table(struct wgr_ratelimit *rl, unsigned int kind)
{
	return &rl->tables[kinds[kind].pool];
}

/* Context: process; nothing can reach @rl any more. */
void wgr_ratelimit_destroy(struct wgr_ratelimit *rl)
{
	struct wgr_bucket_table *t;
	struct wgr_bucket *b, *tmp;

	spin_lock_bh(&rl->lock);
	for (t = rl->tables; t < rl->tables + WGR_BUCKET_POOLS; t++) {
		list_for_each_entry_safe(b, tmp, &t->once, lru)
			bucket_remove(t, b);
		list_for_each_entry_safe(b, tmp, &t->lru, lru)
			bucket_remove(t, b);
	}
	spin_unlock_bh(&rl->lock);
}

/*
 * Buckets the gc frees in one hold of the lock: the five tables can hold
 * 81,920, and every handshake waits on this lock with bottom halves off.
 */
#define WGR_BUCKET_GC_BATCH	1024

/*
 * Forget up to a batch of the buckets on @list, one of @t's, idle long enough
 * (pool_idle_ns[]): each list is in the order its buckets were last used.
 * Return: true if the batch ran out before they did.
 */
static bool gc_batch(struct wgr_ratelimit *rl, struct wgr_bucket_table *t,
		     struct list_head *list)
{
	const u64 idle_ns = pool_idle_ns[t - rl->tables];
	struct wgr_bucket *b, *tmp;
	unsigned int n = 0;
	bool more = false;
	u64 now;

	spin_lock_bh(&rl->lock);
	/*
	 * Read under the lock, as every stamp is: a bucket stamped after an
	 * earlier read would look a long time idle, and go.
	 */
	now = ktime_get_coarse_boottime_ns();
	list_for_each_entry_safe(b, tmp, list, lru) {
		if (now - b->last_ns <= idle_ns)
			break;
		if (n++ == WGR_BUCKET_GC_BATCH) {
			more = true;
			break;
		}
		bucket_remove(t, b);
	}
	spin_unlock_bh(&rl->lock);
	return more;
}

/**
 * wgr_ratelimit_gc - forget buckets that have refilled
 * @rl: the buckets
 *
 * A bucket idle for a second is full again (every kind refills within a second:
 * wgr_ratelimit_init() checks), the same as a new one: it can go; a reserve,
 * once no site it granted counts as recent (pool_idle_ns[]). A batch at a
 * time (a review in session 26: four full tables were a few milliseconds with
 * bottom halves off).
 * Context: process; may sleep.
 */
void wgr_ratelimit_gc(struct wgr_ratelimit *rl)
{
	struct wgr_bucket_table *t;

	for (t = rl->tables; t < rl->tables + WGR_BUCKET_POOLS; t++) {
		while (gc_batch(rl, t, &t->once))
			cond_resched();
		while (gc_batch(rl, t, &t->lru))
			cond_resched();
	}
}

/* What a bucket limits, of one endpoint. */
struct bucket_ep {
	u8 addr[16];
	u64 host;	/* BY_HOST's, BY_SITE's or BY_NETWORK's */
	__be16 port;
	u16 family;
};

/*
 * Of an address's host bits (wgr_endpoint_host(): IPv4's 32, an IPv6 /64's
 * 64), the low ones a scope drops, for IPv4 and for IPv6.
 */
static const u8 scope_shift[][2] = {
	[BY_HOST] = { 0, 0 },
	[BY_SITE] = { 0, 16 },		/* the address; a /48 */
	[BY_NETWORK] = { 8, 32 },	/* a /24; a /32 */
};

static void bucket_ep(struct bucket_ep *k, const struct wgr_endpoint *ep, enum scope scope)
{
	k->family = ep->addr.sa_family;
	if (scope != BY_ENDPOINT) {
		k->host = wgr_endpoint_host(ep) >> scope_shift[scope][k->family == AF_INET6];
	} else if (ep->addr.sa_family == AF_INET) {
		memcpy(k->addr, &ep->addr4.sin_addr, 4);
		k->port = ep->addr4.sin_port;
	} else {
		memcpy(k->addr, &ep->addr6.sin6_addr, 16);
		k->port = ep->addr6.sin6_port;
	}
}

/*
 * The bucket's key: a keyed hash of its kind and what it limits (@ep, and of
 * @by, if given, what the kind counts it by). 64 bits of SipHash under a
 * secret: nobody can make two sources share a bucket.
 */
static u64 bucket_key(struct wgr_ratelimit *rl, unsigned int kind,
		      const struct wgr_endpoint *ep, enum scope scope,
		      const struct wgr_endpoint *by)
{
	struct {
		u32 kind;
		struct bucket_ep ep, by;
	} k;

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	bucket_ep(&k.ep, ep, scope);
	if (by)
		bucket_ep(&k.by, by, kinds[kind].by);
	return siphash(&k, sizeof(k), &rl->seed);
}

/* The bucket of @key, of a kind kept in @t, if there is one. Context: the lock. */
static struct wgr_bucket *bucket_find(struct wgr_bucket_table *t, u64 key)
{
	struct wgr_bucket *b;

	hash_for_each_possible(t->buckets, b, node, key) {
		if (b->key == key)
			return b;
	}
	return NULL;
}

/* One token of @kind, in nanoseconds of refill. */
static u64 token_cost(unsigned int kind)
{
	return NSEC_PER_SEC / kinds[kind].per_second;
}

/* A full bucket of @kind: its burst, in nanoseconds of refill. */
static u64 full_tokens(unsigned int kind)
{
	return token_cost(kind) * kinds[kind].burst;
}

/*
 * @b, found again: refilled to @now, and the table's most recently used (off
 * the list of those asked for once, if it was on it).
 */
static void bucket_refill(struct wgr_bucket_table *t, struct wgr_bucket *b, unsigned int kind,
			  u64 now)
{
	b->tokens = min(full_tokens(kind), b->tokens + (now - b->last_ns));
	b->last_ns = now;
	t->n_once -= b->once;
	b->once = false;
	list_move_tail(&b->lru, &t->lru);
}

/*
 * @b, new (zeroed), full, into @t as the newest on its lru list, or on its
 * once list if @once. Context: the buckets' lock.
 */
static void bucket_insert(struct wgr_bucket_table *t, struct wgr_bucket *b, bool once,
			  unsigned int kind, u64 key, u64 now)
{
	b->key = key;
	b->tokens = full_tokens(kind);
	b->last_ns = now;
	b->once = once;
	hash_add(t->buckets, &b->node, key);
	list_add_tail(&b->lru, once ? &t->once : &t->lru);
	t->n++;
	t->n_once += once;
}

/*
 * The bucket of @key, refilled to @now; a new one, full, if there is none.
 * Not for reserves, which reserve_get() makes. Context: @rl->lock.
 * Return: the bucket, or NULL without memory.
 */
static struct wgr_bucket *bucket_get(struct wgr_ratelimit *rl, unsigned int kind, u64 key,
				     u64 now)
{
	struct wgr_bucket_table *t = kind_table(rl, kind);
	struct wgr_bucket *b;

	lockdep_assert_held(&rl->lock);
	/* A bucket made here is too small to be a reserve (helper-75). */
	if (WARN_ON_ONCE(kinds[kind].pool == WGR_BUCKETS_RESERVES))
		return NULL;
	b = bucket_find(t, key);
	if (b) {
		bucket_refill(t, b, kind, now);
		return b;
	}
	/*
	 * Full means many sources at once: forget the longest idle rather than grow,
	 * or refuse every new source (and so every legitimate peer) while it lasts.
	 */
	if (t->n >= t->max)
		bucket_evict(t, &t->lru);
	b = kzalloc(sizeof(*b), GFP_ATOMIC);
	if (b)
		bucket_insert(t, b, false, kind, key, now);
	return b;
}

/* Spend a token of @kind from @b, if there is one (and @b). Context: @rl->lock. */
static bool spend(struct wgr_bucket *b, unsigned int kind)
{
	const u64 cost = token_cost(kind);

	if (!b || b->tokens < cost)
		return false;
	b->tokens -= cost;
	return true;
}

/* Has one bucket a token (made full if new)? Nothing spent. Context: @rl->lock. */
static bool has_token(struct wgr_ratelimit *rl, unsigned int kind, u64 key, u64 now)
{
	struct wgr_bucket *b = bucket_get(rl, kind, key, now);

	return b && b->tokens >= token_cost(kind);
}

/* Take a token from one bucket, made full if new. Context: @rl->lock. */
static bool take(struct wgr_ratelimit *rl, unsigned int kind, u64 key, u64 now)
{
	return spend(bucket_get(rl, kind, key, now), kind);
}

/* Take a token of one kind from the bucket @key names. Context: softirq. */
static bool limit_key(struct wgr_ratelimit *rl, unsigned int kind, u64 key)
{
	bool ok;

	spin_lock_bh(&rl->lock);
	ok = take(rl, kind, key, ktime_get_coarse_boottime_ns());
	spin_unlock_bh(&rl->lock);
	return ok;
}

/*
 * Take a token of one kind for @ep (sent by @by, if given: counted as the
 * kind says). Context: softirq.
 */
static bool limit(struct wgr_ratelimit *rl, unsigned int kind, const struct wgr_endpoint *ep,
		  enum scope scope, const struct wgr_endpoint *by)
{
	return limit_key(rl, kind, bucket_key(rl, kind, ep, scope, by));
}

/**
 * wgr_ratelimit_initiation - may an initiation from @src be processed?
 * @rl: the buckets
 * @src: its source
 *
 * The IP:port's own limit: WireGuard's 20 a second, burst 5.
 * Context: softirq.
 * Return: true if it has a token to spend.
 */
bool wgr_ratelimit_initiation(struct wgr_ratelimit *rl, const struct wgr_endpoint *src)
{
	return limit(rl, KIND_HS_ENDPOINT, src, BY_ENDPOINT, NULL);
}

/**
 * wgr_ratelimit_address - may an initiation from @src's address be processed?
 * @rl: the buckets
 * @src: its source
 *
 * The address's ceiling (IPv6: its /64), for initiations that no live session or
 * live binding vouches for: those are never refused by it (relay.c).
 * Context: softirq.
 * Return: true if the address has a token to spend.
 */
bool wgr_ratelimit_address(struct wgr_ratelimit *rl, const struct wgr_endpoint *src)
{
#ifdef CONFIG_WGRELAY_DEBUG
	if (READ_ONCE(rl->ceiling_shut))
		return false;
#endif
	return limit(rl, KIND_HS_ADDRESS, src, BY_HOST, NULL);
}

#ifdef CONFIG_WGRELAY_DEBUG
/**
 * wgr_ratelimit_shut_ceiling - test-only: refuse every initiation the ceiling sees
 * @rl: the buckets
 * @shut: true to refuse, false to limit again
 *
 * What a neighbour's flood at the ceiling does to everyone else behind its
 * address, without the flood: the trust tests then see which initiations are
 * vouched for, whatever the guest's speed.
 * Context: any.
 */
void wgr_ratelimit_shut_ceiling(struct wgr_ratelimit *rl, bool shut)
{
	WRITE_ONCE(rl->ceiling_shut, shut);
}

/**
 * wgr_ratelimit_set_max - test-only: keep at most @max buckets in one table
 * @rl: the buckets
 * @pool: which table (the open one, or discovery's pairs)
 * @max: how many (at least one)
 *
 * A test guest cannot send from the 16,384 sources that cycle the open table,
 * nor make the pairs of /64s that cycle the proven one; with fewer kept, its
 * few hundred a second do.
 * Context: process.
 */
void wgr_ratelimit_set_max(struct wgr_ratelimit *rl, enum wgr_bucket_pool pool, u32 max)
{
	struct wgr_bucket_table *t = &rl->tables[pool];

	spin_lock_bh(&rl->lock);
	t->max = max ?: 1;
	/* Each list from its own front: the reserves' table keeps @max on each. */
	while (t->n_once > t->max)
		bucket_evict(t, &t->once);
	while (t->n - t->n_once > t->max)
		bucket_evict(t, &t->lru);
	spin_unlock_bh(&rl->lock);
}

/**
 * wgr_debug_stamps - test-only: what the peer paths of wgr_ratelimit_stamp()
 * came to so far
 * @rl: the buckets
 * @buf: filled with one line
 * @len: its size
 */
void wgr_debug_stamps(struct wgr_ratelimit *rl, char *buf, size_t len)
{
	static const char *const path[] = { "retry", "first" };
	size_t n = 0;
	unsigned int p;

	spin_lock_bh(&rl->lock);
	for (p = 0; p < WGR_STAMP_PATHS; p++) {
		const u32 *o = rl->debug_stamps[p];

		n += scnprintf(buf + n, len - n, "%s granted %u claim %u second %u all %u share %u; ",
			       path[p], o[WGR_STAMP_GRANTED], o[WGR_STAMP_NO_CLAIM],
			       o[WGR_STAMP_NO_SECOND], o[WGR_STAMP_NO_ALL], o[WGR_STAMP_NO_SHARE]);
	}
	scnprintf(buf + n, len - n, "no retrier %u\n", rl->debug_no_retrier);
	spin_unlock_bh(&rl->lock);
}

/**
 * wgr_debug_spare_walks - test-only: how many walks ran on the relay's spare
 * @rl: the budgets
 *
 * Context: process.
 * Return: the count since the relay was made.
 */
u64 wgr_debug_spare_walks(struct wgr_ratelimit *rl)
{
	u64 n;

	spin_lock_bh(&rl->lock);
	n = rl->debug_spare_walks;
	spin_unlock_bh(&rl->lock);
	return n;
}
#endif

/*
 * How long ago, in milliseconds, @r last granted @site a copy: U32_MAX if it
 * remembers none. Rounded down, so that a site refused for "1000 ms" waits a
 * whole second at least: a grant at 1000 ms past the last could be
 * 999.000001 ms after it (helper-71). Context: the buckets' lock.
 */
static u32 reserve_age(const struct wgr_reserve *r, u32 site, u32 now_ms)
{
	u32 age = U32_MAX;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->site[i] == site)
			age = min(age, now_ms - r->at_ms[i]);
	return age;
}

/* Remember @site's copy, in place of the oldest. Context: the buckets' lock. */
static void reserve_remember(struct wgr_reserve *r, u32 site, u32 now_ms)
{
	unsigned int i, oldest = 0;

	if (r->n < WGR_RESERVE_SITES) {
		oldest = r->n++;
	} else {
		for (i = 1; i < WGR_RESERVE_SITES; i++)
			if (now_ms - r->at_ms[i] > now_ms - r->at_ms[oldest])
				oldest = i;
	}
	r->site[oldest] = site;
	r->at_ms[oldest] = now_ms;
}

/*
 * The reserve of @key, refilled to @now; a new one, full, if there is none.
 *
 * A reserve's memory of its grants is what keeps its last tokens for sites new
 * to it, and a reserve forgotten comes back full and with none. When the table
 * was full it forgot its least recently used reserve: an attacker that made
 * new reserves fast enough (new candidates of its own past their caps) pushed
 * a peer's network's reserve out between the peer's retries, and four of its
 * sites in the peer's network emptied the new one each time (helper-72, M2: 0
 * of 57 retries; ratelimit_test test_reserve_evicted: 2 of 12 on 9e94e3e).
 *
 * So the table keeps two lists, as 2Q does, each of up to @t->max
 * (WGR_MAX_BUCKETS): new reserves wait on the once list, oldest first, and
 * move to the lru list when asked for again; each makes room from itself.
 * Emptying a reserve takes four asks, so the one the attacker's sites
 * emptied is on the lru list, where new reserves, however many, do not reach
 * it; forgetting one asked for once loses little, since one ask leaves three
 * of its four tokens. What still pushes the emptied reserve out is a table's
 * worth of the lru list's reserves asked for again since it was last, and
 * one more moved up to make the room, within the 250 ms the four sites' next
 * drain is due in: 16,385 asks at the relay's size, about 65,500 a second,
 * each past a candidate's spent cap, from any networks, as LRU alone needed
 * (slid_reserves() and held_reserves(), asserted as the limit; moving up new
 * ones alone costs twice that: helper-77). More sites need it less often:
 * with k, those past the fourth take each token as it comes due, and the
 * reserve must go every 250 (k - 3) ms, the table's worth still within the
 * 250 ms before (helper-75, helper-76). A reserve of a network asking past
 * a spent cap comes back full only after a table's worth of new ones, as
 * under LRU: 16,384 / m for each copy past the bound, with m networks taking
 * turns (test_reserve_flood_bounded).
 *
 * Three rules were tried before. The once list first while it held more than
 * a quarter of one shared table (2Q's usual share) let an attacker keep it at
 * a quarter and turn over only the other three quarters, and forgot the
 * reserves of networks taking turns after a quarter of the table's new ones
 * (helper-76: M2 at 50,000 asks a second, the flood four times as cheap as
 * under LRU); the once list first always, with the lru list held full, let
 * each new reserve push out the one before it, so that every ask past a
 * spent cap met a full one (helper-75: 2,000 copies a second, where the bound
 * was 2). The cost of two lists: up to twice the reserves, 8 MB, when both
 * are full.
 *
 * And, first, making room from the network that holds the most (9e9962f):
 * churn from the attacker's own network went, but its sites in the
 * peer's network, which M2 needs anyway, made that network the heaviest and
 * then had to turn over only its reserves, not the table's (helper-74: the
 * peer 1 of 12 with 1,200 new reserves a second there and the table filled
 * from 63 /32s elsewhere).
 * Context: the buckets' lock.
 * Return: the reserve, or NULL without memory.
 */
static struct wgr_reserve *reserve_get(struct wgr_ratelimit *rl, u64 key, u64 now)
{
	struct wgr_bucket_table *t = &rl->tables[WGR_BUCKETS_RESERVES];
	struct wgr_bucket *b;
	struct wgr_reserve *r;

	lockdep_assert_held(&rl->lock);
	b = bucket_find(t, key);
	if (b) {
		/* Asked for again, onto the lru list: room there, if it is full. */
		if (b->once && t->n - t->n_once >= t->max)
			bucket_evict(t, &t->lru);
		bucket_refill(t, b, KIND_DISCOVERY_RESERVE, now);
		return container_of(b, struct wgr_reserve, b);
	}
	if (t->n_once >= t->max)
		bucket_evict(t, &t->once);
	r = kzalloc(sizeof(*r), GFP_ATOMIC);
	if (r)
		bucket_insert(t, &r->b, true, KIND_DISCOVERY_RESERVE, key, now);
	return r;
}

/*
 * Past @dst's cap: a copy from @from's network's reserve, unless @from's site
 * had one from it within the last second; if it had one within
 * WGR_RESERVE_RECENT_MS, only from a full reserve. A site refused so spends
 * nothing. Context: @rl->lock.
 */
static bool reserve_take(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			 const struct wgr_endpoint *from, u64 now)
{
	u64 key = bucket_key(rl, KIND_DISCOVERY_RESERVE, dst, BY_HOST, from);
	/* 32 bits of a keyed hash: an attacker cannot aim at a peer's site. */
	u32 site = (u32)bucket_key(rl, KIND_DISCOVERY_RESERVE, from, BY_SITE, NULL);
	u32 now_ms = (u32)div_u64(now, NSEC_PER_MSEC);
	struct wgr_reserve *r;
	bool ok = false;
	u32 age;

	r = reserve_get(rl, key, now);
	if (r) {
		age = reserve_age(r, site, now_ms);
		ok = age > MSEC_PER_SEC &&
		     (age > WGR_RESERVE_RECENT_MS ||
		      r->b.tokens >= full_tokens(KIND_DISCOVERY_RESERVE)) &&
		     spend(&r->b, KIND_DISCOVERY_RESERVE);
		if (ok)
			reserve_remember(r, site, now_ms);
	}
	return ok;
}

/**
 * wgr_ratelimit_discovery - may a discovery copy go to @dst?
 * @rl: the buckets
 * @dst: the candidate
 * @from: the initiator, which proved its address (only initiations with the
 *        relay's mac2 are copied: relay.c)
 *
 * A candidate address receives a few copies a second in all, and each
 * initiating address a small share of those: one address cannot spend what
 * others' copies need. Past that cap, each initiating site may still send it
 * one a second, four for the sites of a network (KIND_DISCOVERY_RESERVE):
 * many addresses cannot spend a failing peer's copies either. What reaches a
 * candidate stays bounded: ten a second, and for each network that asks, one
 * for each of its sites, four at most.
 *
 * Context: softirq; may be called under the sources' lock (lock order: session.h).
 * Return: true if @dst's address (IPv6: /64) may receive another copy, from
 * @from's address, now.
 */
bool wgr_ratelimit_discovery(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			     const struct wgr_endpoint *from)
{
	u64 share = bucket_key(rl, KIND_DISCOVERY_SHARE, dst, BY_HOST, from);
	u64 cap = bucket_key(rl, KIND_DISCOVERY, dst, BY_HOST, NULL);
	bool ok;
	u64 now;

	/*
	 * One hold of the lock for the three (a walk asks this for each copy it
	 * makes, under the sources' lock). The share first: a copy it refuses
	 * spends nothing of the candidate's cap; the reserve last: it is spent
	 * only when the cap is, and its keys are made only then.
	 */
	spin_lock_bh(&rl->lock);
	now = ktime_get_coarse_boottime_ns();
	ok = take(rl, KIND_DISCOVERY_SHARE, share, now) &&
	     (take(rl, KIND_DISCOVERY, cap, now) || reserve_take(rl, dst, from, now));
	spin_unlock_bh(&rl->lock);
	return ok;
}

/* The key of a peer's bucket for @dst (KIND_STAMP_PEER): by its public key. */
static u64 peer_key(struct wgr_ratelimit *rl, unsigned int kind, const struct wgr_endpoint *dst,
		    const u8 *peer)
{
	struct {
		u32 kind;
		struct bucket_ep ep;
		u8 peer[WGRELAY_KEY_LEN];
	} k;

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	bucket_ep(&k.ep, dst, BY_ENDPOINT);
	memcpy(k.peer, peer, sizeof(k.peer));
	return siphash(&k, sizeof(k), &rl->seed);
}

/*
 * A peer's claims on its network's share of one destination's stamps: one
 * per WGR_CLAIM_INTERVAL, WGR_CLAIM_BURST at once. A WireGuard peer rekeys
 * every 120 s, and its retries, five seconds apart, have the relay's mac2
 * (the sources' budgets: relay.c, vouch_for()).
 */
#define WGR_CLAIM_SHIFT		30
/*
 * 111 ticks of 2^30 ns: 119.2 s. Not more than 120 s: a peer that sends all
 * the time rekeys every 120 s and a little, and at 120.3 s its claims ran
 * dry after some 570 rekeys under the ghosts' attack (helper-91).
 */
#define WGR_CLAIM_INTERVAL	111U
#define WGR_CLAIM_BURST		2U

/* The claims' clock: ticks of 2^30 ns, about a second. */
static u32 claim_tick(u64 now)
{
	return (u32)(now >> WGR_CLAIM_SHIFT);
}

/*
 * @claims' entry for the destination @key, if it has a claim there now (of
 * its retries', if @mac2): its own, or a free one (all its claims there; no
 * other destination's) taken for it. NULL if none: spent, or all
 * WGR_STAMP_CLAIMS entries in use, so that asking at destinations in turn
 * mints no claims. Context: @rl->lock.
 */
static u32 *claim_find(struct wgr_stamp_claims *claims, u64 key, u64 now_ns, bool mac2)
{
	struct wgr_claim_set *set = mac2 ? &claims->retry : &claims->first;
	u32 now = claim_tick(now_ns), dst = (u32)key;
	unsigned int i, free = WGR_STAMP_CLAIMS;

	for (i = 0; i < WGR_STAMP_CLAIMS; i++) {
		if (set->dst[i] == dst)
			return set->tat[i] <= now + (WGR_CLAIM_BURST - 1) * WGR_CLAIM_INTERVAL ?
			       &set->tat[i] : NULL;
		if (free == WGR_STAMP_CLAIMS && set->tat[i] <= now)
			free = i;
	}
	if (free == WGR_STAMP_CLAIMS)
		return NULL;
	set->dst[free] = dst;
	set->tat[free] = now;
	return &set->tat[free];
}

/* Spend the claim claim_find() found. Context: @rl->lock. */
static void claim_spend(u32 *tat, u64 now)
{
	*tat = max(*tat, claim_tick(now)) + WGR_CLAIM_INTERVAL;
}

/*
 * May a peer take a token of its network's share (@share) of @dst's stamps?
 * Its last token is anyone's; the rest only a peer's with a claim there
 * (@claim set to it, to spend if the stamp is granted). A neighbour behind a
 * peer's own carrier NAT, where the address is the peer's too, proved
 * offline peers ("ghosts") at ports of its own, and their initiations along
 * routes staged to a loaded target took the share as fast as it came: the
 * peer's first tries went without (helper-87, helper-89). The ghosts'
 * claims, two of each kind each, are spent in about a second a ghost (a
 * first try then waits for its retry: the opening an attacker can save its
 * claims up for; ratelimit_test test_stamp_claims_opening); then they keep
 * the share one token below full, and it takes about 240 of them, with a
 * claim of each kind per 119 s each (their retries have claims too), to
 * spend what is left.
 * Context: @rl->lock.
 */
static bool share_claimable(struct wgr_ratelimit *rl, u64 share, u64 key,
			    struct wgr_stamp_claims *claims, bool mac2, u64 now, u32 **claim)
{
	struct wgr_bucket *b = bucket_get(rl, KIND_STAMP_PEER_SHARE, share, now);

	*claim = NULL;
	if (!b)
		return false;
	if (b->tokens >= full_tokens(KIND_STAMP_PEER_SHARE))
		return true;
	*claim = claim_find(claims, key, now, mac2);
	return *claim;
}

/*
 * The peer path: @peer's share of its network's (with a claim below full),
 * its second (@key, of @kind) and the destination's budget for all, asked
 * before any is spent: a token of the share taken for a peer whose second was
 * spent would be lost to the peers with claims. @kind KIND_STAMP_PEER_MAC2:
 * its retries' second and claims, which only an initiation with the relay's
 * mac2 from where it is bound may spend. Context: @rl->lock.
 * Return: WGR_STAMP_GRANTED, or the first budget that refused.
 */
static enum wgr_stamp_outcome peer_stamp(struct wgr_ratelimit *rl, u64 share, unsigned int kind,
					 u64 key, u64 all, struct wgr_stamp_claims *claims,
					 u64 now)
{
	u32 *claim;

	if (!share_claimable(rl, share, all, claims, kind == KIND_STAMP_PEER_MAC2, now, &claim))
		return WGR_STAMP_NO_CLAIM;
	if (!has_token(rl, kind, key, now))
		return WGR_STAMP_NO_SECOND;
	if (!has_token(rl, KIND_STAMP_ALL, all, now))
		return WGR_STAMP_NO_ALL;
	if (!take(rl, KIND_STAMP_PEER_SHARE, share, now) || !take(rl, kind, key, now) ||
	    !take(rl, KIND_STAMP_ALL, all, now))
		return WGR_STAMP_NO_SHARE;
	if (claim)
		claim_spend(claim, now);
	return WGR_STAMP_GRANTED;
}

/* The peer path for @s, counted by outcome in the debug build. Context: @rl->lock. */
static bool stamper_stamp(struct wgr_ratelimit *rl, enum wgr_stamp_path path, u64 share,
			  unsigned int kind, u64 key, u64 all, const struct wgr_stamper *s, u64 now)
{
	enum wgr_stamp_outcome o;

	if (!s)
		return false;
	o = peer_stamp(rl, share, kind, key, all, s->claims, now);
#ifdef CONFIG_WGRELAY_DEBUG
	rl->debug_stamps[path][o]++;
#endif
	return o == WGR_STAMP_GRANTED;
}

/**
 * wgr_ratelimit_stamp - may an initiation carry its target's cookie to @dst?
 * @rl: the buckets
 * @dst: where it goes
 * @src: where it came from
 * @first: the initiator of the live session with the target that routed it,
 *         where that peer proved it receives (relay.c, route_vouches()); NULL
 *         if none
 * @retry: with @mac2, a peer whose live binding or static endpoint @src is,
 *         the route's initiator or one with a live session with the target
 *         at @dst (relay.c, retrier()); NULL if none
 * @mac2: it carries the relay's mac2 from @src
 *
 * @retry's first, from the budgets only its retries may spend (a blind
 * spoofer of its endpoint spends the others: helper-90; a retry that took a
 * first try's claim left the next rekey without; and a route is anyone's to
 * steal or end, and a roam anyone's to stage: helper-91): its network's share
 * of the peers' seconds (below full, with a claim) and a second of its own;
 * then @first's share, claim and second; then, with @mac2, a proven
 * source's: its second, its network's share and the destination's budget
 * for such sources. Each with the destination's budget for all (KIND_STAMP*).
 * A refusal spends nothing of what comes after it, nor a claim.
 * Context: softirq.
 * Return: true if it may.
 */
bool wgr_ratelimit_stamp(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			 const struct wgr_endpoint *src, const struct wgr_stamper *first,
			 const struct wgr_stamper *retry, bool mac2)
{
	u64 all, peer_share = 0, first_key = 0, retry_key = 0, source = 0, share = 0, total = 0;
	bool ok;
	u64 now;

	if (!mac2)
		retry = NULL;
	/* Junk along no live session, without mac2: no path, no lock, no hash. */
	if (!first && !mac2)
		return false;
	/* Only the keys of the paths this initiation may take: each is a SipHash. */
	all = bucket_key(rl, KIND_STAMP_ALL, dst, BY_ENDPOINT, NULL);
	if (first || retry)
		peer_share = bucket_key(rl, KIND_STAMP_PEER_SHARE, dst, BY_ENDPOINT, src);
	if (first)
		first_key = peer_key(rl, KIND_STAMP_PEER, dst, first->key);
	if (retry)
		retry_key = peer_key(rl, KIND_STAMP_PEER_MAC2, dst, retry->key);
	if (mac2) {
		source = bucket_key(rl, KIND_STAMP_SOURCE, dst, BY_ENDPOINT, src);
		share = bucket_key(rl, KIND_STAMP_SHARE, dst, BY_ENDPOINT, src);
		total = bucket_key(rl, KIND_STAMP, dst, BY_ENDPOINT, NULL);
	}
	spin_lock_bh(&rl->lock);
	now = ktime_get_coarse_boottime_ns();
#ifdef CONFIG_WGRELAY_DEBUG
	rl->debug_no_retrier += mac2 && !retry;
#endif
	ok = stamper_stamp(rl, WGR_STAMP_RETRY, peer_share, KIND_STAMP_PEER_MAC2, retry_key, all,
			   retry, now) ||
	     stamper_stamp(rl, WGR_STAMP_FIRST, peer_share, KIND_STAMP_PEER, first_key, all,
			   first, now) ||
	     (mac2 && take(rl, KIND_STAMP_SOURCE, source, now) &&
	      take(rl, KIND_STAMP_SHARE, share, now) && take(rl, KIND_STAMP, total, now) &&
	      take(rl, KIND_STAMP_ALL, all, now));
	spin_unlock_bh(&rl->lock);
	return ok;
}

/**
 * wgr_ratelimit_probe - may the relay probe @dst, the end of a pair route?
 * @rl: the buckets
 * @dst: the route's end
 * @peer: the public key of the route's initiator if it proved where it talks
 *        from, the route's start (relay.c, route_vouches()); NULL if not
 *
 * The initiator's second toward @dst (KIND_PROBE_PEER), or, for a route
 * anyone could have staged, the destination's four a second (KIND_PROBE).
 * Context: softirq.
 * Return: true if @dst may receive another such probe now.
 */
bool wgr_ratelimit_probe(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			 const u8 *peer)
{
	if (!peer)
		return limit(rl, KIND_PROBE, dst, BY_ENDPOINT, NULL);
	return limit_key(rl, KIND_PROBE_PEER, peer_key(rl, KIND_PROBE_PEER, dst, peer));
}

/**
 * wgr_ratelimit_response - may a response the relay sends to @dst carry the
 * initiator's own cookie there?
 * @rl: the buckets
 * @dst: the initiator's endpoint, where the initiation came from
 * @kind: what answer it is (enum wgr_response_kind)
 *
 * Within @dst's budget for that kind (KIND_RESP_STAMP*).
 * Context: softirq.
 * Return: true if it may.
 */
bool wgr_ratelimit_response(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			    enum wgr_response_kind kind)
{
	static const u8 bucket[] = {
		[WGR_RESPONSE_DIRECT] = KIND_RESP_STAMP,
		[WGR_RESPONSE_COPY] = KIND_RESP_STAMP_COPY,
		[WGR_RESPONSE_OPEN] = KIND_RESP_STAMP_OPEN,
	};

	return limit(rl, bucket[kind], dst, BY_ENDPOINT, NULL);
}

/**
 * wgr_ratelimit_cookie - may the relay send a cookie reply to @dst?
 * @rl: the buckets
 * @dst: the initiation's source
 * @talks: a peer talks from @dst (its live binding or static endpoint, or its
 *         live roam): only @dst's own budget applies
 *
 * A peer's retry proves where it receives only with the relay's mac2, on the
 * cookie the relay answered its first try with. The address's budget is
 * anyone's there: a neighbour behind the same carrier NAT spent it with 160
 * initiations a second (the address's ceiling) from sixteen ports of its
 * own, and about one of the peer's first tries in five got no reply, its
 * retry then no mac2 (helper-89; t-trust-neighbour: 14 of 20). The
 * initiations of a peer that talks skip that ceiling (relay.c), and their
 * replies skip this one: a spoofer of its endpoint has it sent ten a second,
 * each smaller than the initiation that asked for it.
 * Context: softirq.
 * Return: true if @dst, and its address unless @talks, may receive another
 * one now.
 */
bool wgr_ratelimit_cookie(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst, bool talks)
{
	return limit(rl, KIND_COOKIE, dst, BY_ENDPOINT, NULL) &&
	       (talks || limit(rl, KIND_COOKIE_ADDRESS, dst, BY_HOST, NULL));
}

/*
 * Refill the relay's two budgets of visits to @now, each holding a quarter of
 * a second's worth: @rl->walk_rate a second, and WGR_WALK_VISITS_PER_SECOND
 * for the spare (the test knob sets the first alone). @now is read under
 * @rl->lock, as every stamp here is, so it never runs back. Context: @rl->lock.
 */
static void walk_refill(struct wgr_ratelimit *rl, u64 now)
{
	u64 elapsed = min_t(u64, now - rl->walk_last_ns, NSEC_PER_SEC);

	lockdep_assert_held(&rl->lock);
	rl->walk_last_ns = now;
	rl->walk_tokens = min_t(u64, rl->walk_rate / 4, rl->walk_tokens +
				div_u64(elapsed * rl->walk_rate, NSEC_PER_SEC));
	rl->spare_tokens = min_t(u64, WGR_WALK_VISITS_PER_SECOND / 4, rl->spare_tokens +
				 div_u64(elapsed * WGR_WALK_VISITS_PER_SECOND, NSEC_PER_SEC));
}

/**
 * wgr_walk_reserve - what may a discovery walk look at?
 * @rl: the budgets
 * @from: the initiator
 * @max: what one walk may look at in any case
 * @budget: set to what this one may
 *
 * A walk (source.c) is bounded, but walks were not: an attacker that keeps
 * thousands of candidates live, from real addresses in a few prefixes, made
 * each of its initiations with mac2 for an offline peer a walk of thousands of
 * visits, 160 a second from each address. Each initiating network (IPv4 /24,
 * IPv6 /32) now has KIND_WALK's visits a second, and the relay @rl->walk_rate
 * in all; both are spent up front, and wgr_walk_refund() gives back what the
 * walk did not use, so that the short walks of peers cost what they look at.
 * A network, not an address: a host with a /64 or a provider's /24 has many
 * addresses; a CGNAT pool's peers share it.
 *
 * Eight networks' walks spend the relay's budget, and the peers' walks then
 * looked at what was left, the attacker's newest candidates, and not at each
 * other. A network that has asked for no walk in the last second may walk on a
 * second budget of the relay's, the spare, when that holds more: a failing
 * peer asks every five seconds, and its discovery goes on. An attacker's
 * network that wants the same asks no more often, and spending the spare takes
 * 256 of them. The relay's visits are bounded by twice @rl->walk_rate,
 * whatever is sent.
 *
 * Not covered (docs/trust/STATUS.md, session 19): an attacker in a peer's own
 * network (a CGNAT neighbour) that asks every second keeps that network from
 * the spare, and with eight others spending the budget the peer's walks look
 * at what is left. A network's bucket forgotten makes it idle and full again:
 * walk budgets have a table of their own, which only a new initiating network
 * adds to (a spoofed flood cycled the one table, and one /48's pairs of /64s
 * the table of discovery's shares: helper-60; t-trust-walk evict). The bound
 * holds either way.
 * Context: softirq; before the sources' lock (lock order: session.h).
 */
void wgr_walk_reserve(struct wgr_ratelimit *rl, const struct wgr_endpoint *from,
		      unsigned int max, struct wgr_walk_budget *budget)
{
	const u64 cost = NSEC_PER_SEC / kinds[KIND_WALK].per_second;
	struct wgr_bucket *b;
	u64 now, n = 0;
	bool idle;

	/* Kept for wgr_walk_refund(): one keyed hash a walk. */
	budget->key = bucket_key(rl, KIND_WALK, from, BY_NETWORK, NULL);
	spin_lock_bh(&rl->lock);
	/* Under the lock: a CPU with an older clock must not refill what a newer one spent. */
	now = ktime_get_coarse_boottime_ns();
	walk_refill(rl, now);
	/* Asked for no walk in the last second: bucket_get() stamps every ask. */
	b = bucket_find(kind_table(rl, KIND_WALK), budget->key);
	idle = !b || now - b->last_ns >= NSEC_PER_SEC;
	b = bucket_get(rl, KIND_WALK, budget->key, now);
	budget->spare = false;
	if (b) {
		n = min_t(u64, max, div64_u64(b->tokens, cost));
		/* Of the two, the one that holds more (a review's 2c). */
		if (idle && n > rl->walk_tokens && rl->spare_tokens > rl->walk_tokens) {
			budget->spare = true;
			n = min(n, rl->spare_tokens);
			rl->spare_tokens -= n;
#ifdef CONFIG_WGRELAY_DEBUG
			rl->debug_spare_walks++;
#endif
		} else {
			n = min(n, rl->walk_tokens);
			rl->walk_tokens -= n;
		}
		b->tokens -= n * cost;
	}
	budget->visits = n;
	spin_unlock_bh(&rl->lock);
}

/**
 * wgr_walk_refund - give back what a walk did not look at
 * @rl: the budgets
 * @budget: what wgr_walk_reserve() gave the walk
 * @visits: what it looked at
 *
 * Context: softirq; before or after the sources' lock, not under it.
 */
void wgr_walk_refund(struct wgr_ratelimit *rl, const struct wgr_walk_budget *budget,
		     unsigned int visits)
{
	const u64 cost = NSEC_PER_SEC / kinds[KIND_WALK].per_second;
	u64 unused = budget->visits - min(visits, budget->visits);
	struct wgr_bucket *b;

	if (!unused)
		return;
	spin_lock_bh(&rl->lock);
	if (budget->spare)
		rl->spare_tokens = min_t(u64, WGR_WALK_VISITS_PER_SECOND / 4,
					 rl->spare_tokens + unused);
	else
		rl->walk_tokens = min_t(u64, rl->walk_rate / 4, rl->walk_tokens + unused);
	/* Gone if the table forgot it meanwhile: it came back full. */
	b = bucket_find(kind_table(rl, KIND_WALK), budget->key);
	if (b)
		b->tokens = min(cost * kinds[KIND_WALK].burst, b->tokens + unused * cost);
	spin_unlock_bh(&rl->lock);
}

/**
 * wgr_scan_allow - may the relay start a mac1 scan for an unknown receiver?
 * @rl: the relay's budget
 *
 * One budget per relay, refilled at @rl->scan_rate mac1s a second and holding a
 * second's worth. A scan may start while the budget is positive and is charged
 * what it really tried (wgr_scan_charge()): a scan that finds its peer early
 * costs little, one for a mac1 nobody's costs every peer. The budget goes below
 * zero by at most the scans in flight, one per CPU, and must refill before the
 * next one starts.
 * Context: softirq.
 * Return: true if a scan may run.
 */
bool wgr_scan_allow(struct wgr_ratelimit *rl)
{
	u64 now, elapsed;
	bool ok;

	spin_lock_bh(&rl->lock);
	/* Under the lock, as in wgr_walk_reserve(): time never runs back here. */
	now = ktime_get_coarse_boottime_ns();
	elapsed = min_t(u64, now - rl->scan_last_ns, NSEC_PER_SEC);
	rl->scan_last_ns = now;
	rl->scan_tokens = min_t(s64, rl->scan_rate, rl->scan_tokens +
				(s64)div_u64(elapsed * rl->scan_rate, NSEC_PER_SEC));
	ok = rl->scan_tokens > 0;
	spin_unlock_bh(&rl->lock);
	return ok;
}

/**
 * wgr_scan_charge - charge a scan's mac1 computations to the budget
 * @rl: the relay's budget
 * @tried: how many peers the scan tried
 *
 * Context: softirq.
 */
void wgr_scan_charge(struct wgr_ratelimit *rl, u32 tried)
{
	spin_lock_bh(&rl->lock);
	rl->scan_tokens -= tried;
	spin_unlock_bh(&rl->lock);
}

/**
 * wgr_scan_set_rate - change the scan budget's rate (the debug build's test knob)
 * @rl: the relay's budget
 * @rate: mac1 computations a second
 *
 * Context: process.
 */
void wgr_scan_set_rate(struct wgr_ratelimit *rl, u32 rate)
{
	spin_lock_bh(&rl->lock);
	rl->scan_rate = rate;
	rl->scan_tokens = min_t(s64, rl->scan_tokens, rate);
	spin_unlock_bh(&rl->lock);
}

/**
 * wgr_walk_set_rate - change the relay's walk budget (the debug build's test knob)
 * @rl: the budgets
 * @rate: visits to candidates a second, in all
 *
 * A test guest cannot send what eight busy networks send; with a smaller
 * budget one network spends it, and the test sees what is left for others.
 * The spare keeps its size.
 * Context: process.
 */
void wgr_walk_set_rate(struct wgr_ratelimit *rl, u32 rate)
{
	spin_lock_bh(&rl->lock);
	rl->walk_rate = rate;
	rl->walk_tokens = min_t(u64, rl->walk_tokens, rate / 4);
	spin_unlock_bh(&rl->lock);
}
