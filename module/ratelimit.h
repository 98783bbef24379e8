/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_RATELIMIT_H
#define _WGR_RATELIMIT_H

#include <linux/types.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

struct wgr_endpoint;

#define WGR_RATELIMIT_HASH_BITS 12

/*
 * Destinations a peer holds claims at (struct wgr_stamp_claims): two keep
 * struct wgr_peer within the kernel's 1 KiB allocations.
 */
#define WGR_STAMP_CLAIMS 2

/**
 * struct wgr_claim_set - claims of one kind at up to WGR_STAMP_CLAIMS
 * destinations
 * @dst: the destination each entry is for (a keyed hash of its IP:port, 32
 *       bits)
 * @tat: when the entry's next claim is due, less the burst, in ticks of
 *       2^30 ns of ktime_get_coarse_boottime_ns() (146 years to wrap); at or
 *       before now: all there, and the entry is free for another destination
 */
struct wgr_claim_set {
	u32 dst[WGR_STAMP_CLAIMS];
	u32 tat[WGR_STAMP_CLAIMS];
};

/**
 * struct wgr_stamp_claims - a peer's claims on its network's share of a loaded
 * target's cookie stamps (ratelimit.c, wgr_ratelimit_stamp())
 * @first: its first tries'
 * @retry: those only an initiation with the relay's mac2 from where the peer
 *         proved may spend (its retries)
 *
 * Each kind at destinations of its own: with one entry for both, free only
 * once both kinds' claims were back, a blind spoofer of the peer's endpoint
 * that spent its first tries' claims at two destinations of its choosing
 * held the entries there, and the peer's retries had none at the target
 * (helper-91). In the peer, not in a table of buckets: a table forgets, and
 * a forgotten bucket comes back full. Guarded by wgr_ratelimit.lock.
 */
struct wgr_stamp_claims {
	struct wgr_claim_set first;
	struct wgr_claim_set retry;
};

/**
 * struct wgr_stamper - a peer whose budgets of a loaded target's stamps an
 * initiation may spend (wgr_ratelimit_stamp())
 * @key: its public key
 * @claims: its claims
 */
struct wgr_stamper {
	const u8 *key;
	struct wgr_stamp_claims *claims;
};

/* What a peer path of wgr_ratelimit_stamp() came to (counted in the debug build). */
enum wgr_stamp_outcome {
	WGR_STAMP_GRANTED, WGR_STAMP_NO_CLAIM, WGR_STAMP_NO_SECOND, WGR_STAMP_NO_ALL,
	WGR_STAMP_NO_SHARE, WGR_STAMP_OUTCOMES
};

/*
 * A response the relay stamps (wgr_ratelimit_response()): an answer to an
 * initiation that carried the relay's mac2 from where the response goes, from
 * the target's binding or the route's end, or from a discovery candidate; or
 * any other.
 */
enum wgr_response_kind { WGR_RESPONSE_DIRECT, WGR_RESPONSE_COPY, WGR_RESPONSE_OPEN };

/* Its peer paths: the retries' budgets, and the first tries'. */
enum wgr_stamp_path { WGR_STAMP_RETRY, WGR_STAMP_FIRST, WGR_STAMP_PATHS };

/*
 * The tables of buckets (ratelimit.c): those anyone can make, spoofers
 * included (handshakes, cookie replies); those only an initiation with the
 * relay's mac2 makes for a pair (a candidate and an initiating address:
 * discovery's shares), which a spoofer must not push out; a candidate's cap,
 * which only a new candidate adds to; the reserves past a cap, which only an
 * ask the cap refused adds to; the walk budgets, which only a new
 * initiating network adds to; and a loaded target's cookie budgets, which
 * only an initiation to a target under load adds to. Many addresses make
 * pairs cheaply, and must not push out the last four.
 */
enum wgr_bucket_pool {
	WGR_BUCKETS_OPEN, WGR_BUCKETS_PROVEN, WGR_BUCKETS_CAPS, WGR_BUCKETS_RESERVES,
	WGR_BUCKETS_WALKS, WGR_BUCKETS_STAMPS, WGR_BUCKET_POOLS
};

/**
 * struct wgr_bucket_table - one table of token buckets
 * @buckets: by key (a keyed hash of what they limit)
 * @lru: the same buckets but those on @once, least recently used first
 * @once: the reserves' table's (WGR_BUCKETS_RESERVES; empty in the others):
 *        its buckets asked for once only, oldest first (ratelimit.c,
 *        reserve_get())
 * @n: number of buckets
 * @n_once: how many of them are on @once
 * @max: the most it keeps (WGR_MAX_BUCKETS; the debug build's knob); the
 *       reserves' table keeps that many on each of its two lists
 */
struct wgr_bucket_table {
	DECLARE_HASHTABLE(buckets, WGR_RATELIMIT_HASH_BITS);
	struct list_head lru;
	struct list_head once;
	u32 n;
	u32 n_once;
	u32 max;
};

/**
 * struct wgr_ratelimit - a relay's token buckets, its mac1 scan budget and its walk budget
 * @lock: guards everything here; the innermost lock of the relay (see session.h)
 * @tables: its buckets, by enum wgr_bucket_pool
 * @seed: keys the bucket hash: an attacker must not be able to aim at a bucket
 * @scan_rate: mac1 computations a second the scan budget refills with
 * @scan_tokens: what is left of it (below zero by at most the scans in flight)
 * @scan_last_ns: when it was last refilled
 * @walk_rate: candidates discovery's walks may look at a second, in all
 * @walk_tokens: what is left of that (wgr_walk_reserve()): a quarter second's
 *               worth at most
 * @spare_tokens: a second budget (WGR_WALK_VISITS_PER_SECOND), for a network's
 *                first walk in a second when @walk_tokens is short
 * @walk_last_ns: when that was last refilled
 * @ceiling_shut: test-only (debugfs.c): the address ceiling refuses everything,
 *                as a neighbour's flood that spends its every token would
 * @debug_spare_walks: the debug build's count of walks on the spare
 * @debug_stamps: the debug build's count of the peer paths' outcomes, by
 *                enum wgr_stamp_path and enum wgr_stamp_outcome
 * @debug_no_retrier: the same of initiations with the relay's mac2 that had
 *                    no peer's retry budgets to spend
 */
struct wgr_ratelimit {
	spinlock_t lock;
	struct wgr_bucket_table tables[WGR_BUCKET_POOLS];
	siphash_key_t seed;
	u32 scan_rate;
	s64 scan_tokens;
	u64 scan_last_ns;
	u32 walk_rate;
	u64 walk_tokens;
	u64 spare_tokens;
	u64 walk_last_ns;
#ifdef CONFIG_WGRELAY_DEBUG
	bool ceiling_shut;
	u64 debug_spare_walks;
	u32 debug_stamps[WGR_STAMP_PATHS][WGR_STAMP_OUTCOMES];
	u32 debug_no_retrier;
#endif
};

/**
 * struct wgr_walk_budget - what one discovery walk may look at
 * @key: its network's bucket (wgr_walk_reserve())
 * @visits: candidates it may look at
 * @spare: the relay's budget was short, and this is its network's first walk
 *         in a second: it spends the relay's spare (wgr_walk_reserve())
 */
struct wgr_walk_budget {
	u64 key;
	unsigned int visits;
	bool spare;
};

void wgr_ratelimit_init(struct wgr_ratelimit *rl);
void wgr_ratelimit_destroy(struct wgr_ratelimit *rl);
void wgr_ratelimit_gc(struct wgr_ratelimit *rl);
bool wgr_ratelimit_initiation(struct wgr_ratelimit *rl, const struct wgr_endpoint *src);
bool wgr_ratelimit_address(struct wgr_ratelimit *rl, const struct wgr_endpoint *src);
bool wgr_ratelimit_discovery(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			     const struct wgr_endpoint *from);
bool wgr_ratelimit_cookie(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst, bool talks);
bool wgr_ratelimit_response(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			    enum wgr_response_kind kind);
bool wgr_ratelimit_probe(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			 const u8 *peer);
bool wgr_ratelimit_stamp(struct wgr_ratelimit *rl, const struct wgr_endpoint *dst,
			 const struct wgr_endpoint *src, const struct wgr_stamper *first,
			 const struct wgr_stamper *retry, bool mac2);
void wgr_walk_reserve(struct wgr_ratelimit *rl, const struct wgr_endpoint *from,
		      unsigned int max, struct wgr_walk_budget *budget);
void wgr_walk_refund(struct wgr_ratelimit *rl, const struct wgr_walk_budget *budget,
		     unsigned int visits);
void wgr_walk_set_rate(struct wgr_ratelimit *rl, u32 rate);
bool wgr_scan_allow(struct wgr_ratelimit *rl);
void wgr_scan_charge(struct wgr_ratelimit *rl, u32 tried);
void wgr_scan_set_rate(struct wgr_ratelimit *rl, u32 rate);
#ifdef CONFIG_WGRELAY_DEBUG
void wgr_ratelimit_shut_ceiling(struct wgr_ratelimit *rl, bool shut);
void wgr_ratelimit_set_max(struct wgr_ratelimit *rl, enum wgr_bucket_pool pool, u32 max);
u64 wgr_debug_spare_walks(struct wgr_ratelimit *rl);
void wgr_debug_stamps(struct wgr_ratelimit *rl, char *buf, size_t len);
#endif

#endif /* _WGR_RATELIMIT_H */
