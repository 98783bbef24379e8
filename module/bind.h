/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_BIND_H
#define _WGR_BIND_H

#include <linux/types.h>
#include <linux/hashtable.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/wgrelay.h>

#include "peer.h"

struct wgr_device;

#define WGR_BINDINGS_HASH_BITS 10

/**
 * struct wgr_bindings - where a relay's peers are
 * @lock: guards every peer's binding fields (see struct wgr_peer) and @by_ep;
 *        the fast path reads a binding's endpoint through its seqcount, and its
 *        liveness (wgr_peer.last_rx) with READ_ONCE()
 * @by_ep: peers with a confirmed binding, by its endpoint (wgr_peer.bind_node)
 * @seed: keys the endpoint hash
 */
struct wgr_bindings {
	spinlock_t lock;
	DECLARE_HASHTABLE(by_ep, WGR_BINDINGS_HASH_BITS);
	siphash_key_t seed;
};

void wgr_bindings_init(struct wgr_bindings *b);
void wgr_bindings_flush(struct wgr_device *wgr);
void wgr_bindings_gc(struct wgr_device *wgr);
void wgr_bindings_forget_peer(struct wgr_device *wgr, struct wgr_peer *peer);
struct wgr_peer *wgr_bind_owner(struct wgr_device *wgr, const struct wgr_endpoint *ep);
bool wgr_bind_vouch(struct wgr_peer *peer);

enum wgrelay_binding_status wgr_bind_status(const struct wgr_peer *peer);
bool wgr_bind_route(struct wgr_device *wgr, struct wgr_peer *peer, struct wgr_endpoint *ep,
		    enum wgrelay_binding_status *status);
void wgr_bind_tentative(struct wgr_device *wgr, struct wgr_peer *peer,
			const struct wgr_endpoint *ep);
void wgr_bind_confirmed(struct wgr_device *wgr, struct wgr_peer *peer,
			const struct wgr_endpoint *ep);
void wgr_bind_roamed(struct wgr_device *wgr, struct wgr_peer *peer,
		     const struct wgr_endpoint *from, const struct wgr_endpoint *to);
int wgr_bind_restore(struct wgr_device *wgr, struct wgr_peer *peer, const struct wgr_endpoint *ep,
		     u64 age);
bool wgr_peer_bound_at(struct wgr_peer *peer, const struct wgr_endpoint *ep);
void wgr_bind_read(struct wgr_device *wgr, struct wgr_peer *peer, struct wgr_peer_info *info);

/**
 * wgr_bind_seen - data from @src came on a confirmed session whose sender is @peer
 * @peer: the sender
 * @src: where it came from
 *
 * Only data from where the peer is bound keeps the binding live: not any
 * session's, or a squatter's staged session would keep a real peer's binding.
 * Context: softirq, lockless (one store a jiffy at most).
 */
static inline void wgr_bind_seen(struct wgr_peer *peer, const struct wgr_endpoint *src)
{
	if (READ_ONCE(peer->last_rx) != jiffies && wgr_peer_bound_at(peer, src))
		WRITE_ONCE(peer->last_rx, jiffies);
}

#endif /* _WGR_BIND_H */
