/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SOURCE_H
#define _WGR_SOURCE_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "peer.h"
#include "pick.h"
#include "quota.h"

struct wgr_ratelimit;

#define WGR_SOURCE_RECENT 4
#define WGR_SOURCE_PENDING 4
/* Seconds a confirmed session's sources are held past its session timeout. */
#define WGR_SOURCE_SLACK 30
#define WGR_SOURCES_HASH_BITS 12
/*
 * Candidates a walk's two rankings keep, the fanout each, before it gives any
 * place: the fanout and spares.
 */
#define WGR_PICKS (2 * WGRELAY_MAX_FANOUT)
/* A ranking holds WGR_PICKS_MAX at most: more fanout would be cut short. */
static_assert(WGRELAY_MAX_FANOUT <= WGR_PICKS_MAX);

/*
 * What a full table forgets first. Loose: proven nothing (what a spoofer
 * makes). Proven: an initiation with the relay's mac2 within
 * WGR_PENDING_TIMEOUT, so a real address. Anchored: held for a live session
 * at its owner's live binding; counted apart, so that it cannot make its prefix
 * the one a full table takes loose or proven sources from, and forgotten last
 * (a live pair's next handshake is found by its binding's owner and partners
 * as well). Gone: in no class (new, or on its way out).
 */
enum wgr_source_class {
	WGR_SOURCE_LOOSE,
	WGR_SOURCE_PROVEN,
	WGR_SOURCE_ANCHORED,
	WGR_SOURCE_CLASSES,
	WGR_SOURCE_GONE = WGR_SOURCE_CLASSES,
};

/**
 * struct wgr_sources - what the relay remembers of endpoints that send initiations
 * @lock: guards the table and every source in it (lock order: session.h)
 * @table: sources by endpoint
 * @lru: sources that initiated within WGR_PENDING_TIMEOUT, least recently
 *       active first
 * @candidates: discovery candidates, least recent initiation with the relay's
 *              mac2 first; lapsed ones are dropped by wgr_sources_gc()
 * @held: sources quiet for longer, kept for a live session at them (their
 *        hints and owner make the session's next handshake cheap)
 * @n: number of sources
 * @max: the most it holds: WGR_MAX_SOURCES (the debug build's test knob
 *       lowers it, so that a test guest's few ports can fill it)
 * @quota: the same, by prefix, for the prefix's bound (trust model v2's
 *         counts)
 * @by_class: the same again, by prefix, one quota for each class: what a full
 *            table forgets first (loose: proven nothing, what a spoofer can
 *            make), next (proven, oldest proof first) and last (anchored),
 *            each from the prefix that holds the most of that class (a proven
 *            one from the network that holds the most: @proven_nets)
 * @proven_nets: the proven again, by network (IPv4 /24, IPv6 /32), each
 *               account ranking its prefixes' proven accounts (tier.c): a full
 *               table takes a proof from the network that holds the most, in
 *               its prefix that holds the most (source.c, A2)
 * @tier_spare: tier.c's, for the ranks
 * @tight: the proven and the anchored, least recently found so first;
 *         wgr_sources_gc() looks at each again WGR_PENDING_TIMEOUT later
 * @n_class: how many of @n are in each class
 * @seed: keys the endpoint hash
 * @rankings: a walk's scratch, under @lock (walks do not nest): its two
 *            rankings, by network and by prefix (each with the counts of
 *            addresses it keeps: 256 bytes, kept off the softirq's stack)
 * @picks: the same: their picks
 * @order: the same: the two in turn (wgr_picks_merge())
 * @debug_walks: (debug build) candidate walks so far (wgr_source_candidates())
 * @debug_visits: (debug build) sources those walks looked at
 */
struct wgr_sources {
	spinlock_t lock;
	DECLARE_HASHTABLE(table, WGR_SOURCES_HASH_BITS);
	struct list_head lru;
	struct list_head held;
	struct list_head candidates;
	u32 n;
	u32 max;
	struct wgr_quota quota;
	struct wgr_quota by_class[WGR_SOURCE_CLASSES];
	struct wgr_quota proven_nets;
	struct list_head tier_spare;
	struct list_head tight;
	u32 n_class[WGR_SOURCE_CLASSES];
	siphash_key_t seed;
	struct wgr_picks rankings[2];
	struct wgr_pick picks[2][WGRELAY_MAX_FANOUT];
	void *order[WGR_PICKS];
#ifdef CONFIG_WGRELAY_DEBUG
	u64 debug_walks;
	u64 debug_visits;
#endif
};

int wgr_sources_init(struct wgr_sources *srcs);
void wgr_sources_destroy(struct wgr_sources *srcs);
void wgr_sources_flush(struct wgr_sources *srcs);
void wgr_sources_gc(struct wgr_sources *srcs);
void wgr_sources_forget_peer(struct wgr_sources *srcs, struct wgr_peer *peer);

void wgr_source_hints(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
		      struct wgr_peer *hints[WGR_SOURCE_RECENT]);
struct wgr_peer *wgr_source_owner(struct wgr_sources *srcs, const struct wgr_endpoint *ep);
void wgr_source_initiated(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
			  struct wgr_peer *target, bool forwarded, bool candidate);
bool wgr_source_failing(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
			struct wgr_peer *target);
unsigned int wgr_source_candidates(struct wgr_sources *srcs, struct wgr_ratelimit *rl,
				   const struct wgr_endpoint *from,
				   const struct wgr_endpoint *skip, struct wgr_peer *target,
				   struct wgr_endpoint *out, unsigned int max, bool *limited);
void wgr_source_confirmed(struct wgr_sources *srcs, const struct wgr_endpoint *ini_ep,
			  struct wgr_peer *initiator, const struct wgr_endpoint *resp_ep,
			  struct wgr_peer *responder, unsigned long hold);

#ifdef CONFIG_WGRELAY_DEBUG
void wgr_debug_source_walks(struct wgr_sources *srcs, u64 *walks, u64 *visits);
void wgr_debug_sources_count(struct wgr_sources *srcs, u32 *n, u32 *max, u32 *loose);
void wgr_debug_sources_set_max(struct wgr_sources *srcs, u32 max);
#endif

#endif /* _WGR_SOURCE_H */
