/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SOURCE_H
#define _WGR_SOURCE_H

#include <linux/types.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "peer.h"

struct wgr_ratelimit;

#define WGR_SOURCE_RECENT 4
#define WGR_SOURCE_PENDING 4
#define WGR_SOURCES_HASH_BITS 10

/**
 * struct wgr_sources - what the relay remembers of endpoints that send initiations
 * @lock: guards the table and every source in it (lock order: session.h)
 * @table: sources by endpoint
 * @lru: the same, least recently active first
 * @n: number of sources
 * @seed: keys the endpoint hash
 */
struct wgr_sources {
	spinlock_t lock;
	DECLARE_HASHTABLE(table, WGR_SOURCES_HASH_BITS);
	struct list_head lru;
	u32 n;
	siphash_key_t seed;
};

void wgr_sources_init(struct wgr_sources *srcs);
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
				   struct wgr_endpoint *out, unsigned int max);
void wgr_source_confirmed(struct wgr_sources *srcs, const struct wgr_endpoint *ini_ep,
			  struct wgr_peer *initiator, const struct wgr_endpoint *resp_ep,
			  struct wgr_peer *responder);

#endif /* _WGR_SOURCE_H */
