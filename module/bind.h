/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_BIND_H
#define _WGR_BIND_H

#include <linux/types.h>
#include <linux/rhashtable-types.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/wgrelay.h>

#include "peer.h"

struct wgr_device;

/**
 * struct wgr_bindings - where a relay's peers are
 * @lock: guards every peer's binding fields (see struct wgr_peer) and the
 *        changes to @by_ep; the fast path reads a binding's endpoint through
 *        its seqcount, and its liveness (wgr_peer.last_rx) with READ_ONCE()
 * @by_ep: peers by their static endpoint or confirmed binding, and by where
 *         they roamed out of it (wgr_peer.at): resizable, read under RCU with
 *         no lock (pass 7, H5)
 * @proof_life: how long a proof lasts, in jiffies (bind.c, WGR_PROOF_LIFE; the
 *              debug build's knob shortens it)
 */
struct wgr_bindings {
	spinlock_t lock;
	struct rhltable by_ep;
	unsigned long proof_life;
};

/* What an endpoint is to the peer wgr_bind_owner() found there; better is greater. */
enum wgr_bind_at {
	WGR_BOUND_NOT,
	WGR_BOUND_STALE,	/* its stale binding */
	WGR_BOUND_ROAM,		/* where it roamed out of its live binding, and talks */
	WGR_BOUND_LIVE,		/* its live binding, or its static endpoint */
};

void wgr_bind_key_init(void);
int wgr_bindings_init(struct wgr_bindings *b);
void wgr_bindings_destroy(struct wgr_bindings *b);
void wgr_bind_peer_init(struct wgr_peer *peer);
void wgr_bind_set_static(struct wgr_peer *peer, const struct wgr_endpoint *ep);
void wgr_bindings_flush(struct wgr_device *wgr);
void wgr_bindings_gc(struct wgr_device *wgr);
void wgr_bindings_forget_peer(struct wgr_device *wgr, struct wgr_peer *peer);
struct wgr_peer *wgr_bind_owner(struct wgr_device *wgr, const struct wgr_endpoint *ep,
				enum wgr_bind_at *at);
bool wgr_bind_vouch(struct wgr_peer *peer, enum wgr_bind_at at);
bool wgr_bind_talks_from(struct wgr_peer *peer, const struct wgr_endpoint *ep);
bool wgr_bind_live_at(struct wgr_peer *peer, const struct wgr_endpoint *ep);
bool wgr_bind_roam_live(struct wgr_peer *peer, const struct wgr_endpoint *ep);
void wgr_bind_prove(struct wgr_peer *peer, const struct wgr_endpoint *ep);
bool wgr_bind_proven(struct wgr_peer *peer, const struct wgr_endpoint *ep);
unsigned int wgr_bind_bound_at(struct wgr_device *wgr, const struct wgr_endpoint *ep,
			       struct wgr_peer **out, unsigned int n);
void wgr_bind_set_proof_life(struct wgr_bindings *b, unsigned int seconds);

enum wgrelay_binding_status wgr_bind_status(const struct wgr_peer *peer);
bool wgr_bind_route(struct wgr_device *wgr, struct wgr_peer *peer, struct wgr_endpoint *ep,
		    enum wgrelay_binding_status *status);
void wgr_bind_tentative(struct wgr_device *wgr, struct wgr_peer *peer,
			const struct wgr_endpoint *ep);
void wgr_bind_confirmed(struct wgr_device *wgr, struct wgr_peer *peer,
			const struct wgr_endpoint *ep);
/**
 * struct wgr_roam_base - what a roam in one of a peer's sessions is weighed against
 * @from: where its roams are measured from: its recent roam out of its binding,
 *        else its binding; a roam out of it is held while the peer's data with
 *        another partner still comes from there
 * @pending: where a roam contested in the last minute went (unset if none): a
 *           roam elsewhere is held while the peer's data with another partner
 *           comes from there (a remap half-way through its sessions)
 */
struct wgr_roam_base {
	struct wgr_endpoint from;
	struct wgr_endpoint pending;
};

void wgr_bind_roamed(struct wgr_device *wgr, struct wgr_peer *peer,
		     const struct wgr_endpoint *from, const struct wgr_endpoint *to,
		     const struct wgr_roam_base *held);
bool wgr_bind_roam_base(struct wgr_peer *peer, struct wgr_roam_base *base);
int wgr_bind_restore(struct wgr_device *wgr, struct wgr_peer *peer, const struct wgr_endpoint *ep,
		     u64 age);
bool wgr_peer_bound_at(struct wgr_peer *peer, const struct wgr_endpoint *ep);
bool wgr_peer_roamed_to(struct wgr_peer *peer, const struct wgr_endpoint *ep);
void wgr_bind_read(struct wgr_device *wgr, struct wgr_peer *peer, struct wgr_peer_info *info);

/**
 * wgr_bind_seen - data from @src came on a confirmed session whose sender is @peer
 * @peer: the sender
 * @src: where it came from
 *
 * Only data from where the peer is bound keeps the binding live: not any
 * session's, or a squatter's staged session would keep a real peer's binding.
 * Data from where it roamed out of its binding keeps that roam live (a remap:
 * the binding follows it once stale, see bind.c).
 * Context: softirq, lockless (one store a jiffy at most, for each).
 */
static inline void wgr_bind_seen(struct wgr_peer *peer, const struct wgr_endpoint *src)
{
	unsigned long now = jiffies;

	if (READ_ONCE(peer->last_rx) == now)
		return;
	if (wgr_peer_bound_at(peer, src))
		WRITE_ONCE(peer->last_rx, now);
	else if (READ_ONCE(peer->roam_rx) != now && wgr_peer_roamed_to(peer, src))
		WRITE_ONCE(peer->roam_rx, now);
}

#endif /* _WGR_BIND_H */
