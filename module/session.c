// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: the pairs of halves a handshake response announces, by receiver
 * index, and the pair routes of trust model v2 (confirmed pairs by initiator
 * endpoint and target). The data path looks halves up under RCU and takes the
 * state lock only to confirm or roam one; the handshake path takes it to make a
 * pair or look a pair route up. Bindings (bind.c), handshakes in flight
 * (handshake.c), handshake sources (source.c) and rate limits (ratelimit.c) each
 * have their own file and lock; the lock order is in session.h.
 *
 * Everything an attacker can make the relay create is bounded, and everything
 * expires: lazily where the fast path looks, and in one periodic work item per
 * relay (wgr_state_gc()).
 */
#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/siphash.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "addr.h"
#include "bind.h"
#include "device.h"
#include "handshake.h"
#include "ratelimit.h"
#include "session.h"
#include "source.h"

static hsiphash_key_t index_key __read_mostly;
static siphash_key_t route_key __read_mostly;
static struct kmem_cache *pair_cache __read_mostly;
/* 156 bytes a session: keep it so (lockdep makes the seqcount bigger). */
static_assert(sizeof(struct wgr_pair) <= 312 || IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC));
static atomic64_t removal_stamps = ATOMIC64_INIT(0);

/*
 * Receiver indices are chosen by the peers, so an attacker can choose colliding
 * ones: hash them with a secret key (plus the table's own random seed, which
 * changes when rhashtable rehashes). hsiphash, made for a table's buckets
 * whose hashes never leave the machine (SipHash-1-3 on 64-bit machines): every
 * data message pays for one, five rounds where SipHash-2-4 takes eight.
 */
static u32 index_hashfn(const void *data, u32 len, u32 seed)
{
	return hsiphash_2u32(*(const u32 *)data, seed, &index_key);
}

static const struct rhashtable_params session_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct wgr_half, index),
	.head_offset = offsetof(struct wgr_half, node),
	.hashfn = index_hashfn,
	.automatic_shrinking = true,
};

/*
 * Pair routes: the key is an initiator's endpoint (as packed in a half) and a
 * target. Endpoints are an attacker's to choose, so the hash is keyed too.
 */
struct route_lookup {
	struct wgr_half_ep ep;
	const struct wgr_peer *target;
};

static u32 route_hash(const struct wgr_half_ep *ep, const struct wgr_peer *target, u32 seed)
{
	struct {
		u8 addr[16];
		u64 target;
		u32 seed;
		u32 scope_id;
		__be16 port;
		u16 family;
	} k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, &ep->addr, sizeof(k.addr));
	k.target = (unsigned long)target;
	k.seed = seed;
	k.scope_id = ep->scope_id;
	k.port = ep->port;
	k.family = ep->family;
	return (u32)siphash(&k, sizeof(k), &route_key);
}

static u32 route_hashfn(const void *data, u32 len, u32 seed)
{
	const struct route_lookup *key = data;

	return route_hash(&key->ep, key->target, seed);
}

static u32 route_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct wgr_pair *pair = data;

	return route_hash(&pair->half[0].ep, pair->half[1].owner, seed);
}

static bool half_ep_same(const struct wgr_half_ep *a, const struct wgr_half_ep *b)
{
	return a->family == b->family && a->port == b->port && a->scope_id == b->scope_id &&
	       !memcmp(&a->addr, &b->addr, a->family == AF_INET ? 4 : 16);
}

static int route_obj_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct route_lookup *key = arg->key;
	const struct wgr_pair *pair = obj;

	return !(pair->half[1].owner == key->target && half_ep_same(&pair->half[0].ep, &key->ep));
}

static const struct rhashtable_params route_params = {
	.key_len = sizeof(struct route_lookup),
	.head_offset = offsetof(struct wgr_pair, route_node),
	.hashfn = route_hashfn,
	.obj_hashfn = route_obj_hashfn,
	.obj_cmpfn = route_obj_cmpfn,
	.automatic_shrinking = true,
};

int wgr_session_cache_init(void)
{
	/* No SLAB_HWCACHE_ALIGN: 256 bytes line up with cache lines as they are. */
	pair_cache = KMEM_CACHE(wgr_pair, 0);
	return pair_cache ? 0 : -ENOMEM;
}

/* Context: after rcu_barrier(), so that no pair is waiting to be freed. */
void wgr_session_cache_uninit(void)
{
	kmem_cache_destroy(pair_cache);
}

/* Context: process. */
int wgr_state_init(struct wgr_state *state)
{
	int ret;

	get_random_once(&index_key, sizeof(index_key));
	get_random_once(&route_key, sizeof(route_key));
	spin_lock_init(&state->lock);
	mutex_init(&state->sweep_lock);
	atomic_set(&state->n_sessions, 0);
	INIT_LIST_HEAD(&state->pairs);
	state->last_scan = jiffies;
	state->removal_stamp = atomic64_inc_return(&removal_stamps);
	ret = rhltable_init(&state->sessions, &session_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&state->routes, &route_params);
	if (ret)
		goto err_routes;
	ret = wgr_quota_init(&state->quota, WGR_PREFIX_PAIRS);
	if (ret)
		goto err_quota;
	return 0;

err_quota:
	rhashtable_destroy(&state->routes);
err_routes:
	rhltable_destroy(&state->sessions);
	return ret;
}

static void pair_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(pair_cache, container_of(rcu, struct wgr_pair, rcu));
}

static void pair_remove(struct wgr_device *wgr, struct wgr_pair *pair)
{
	struct wgr_state *state = &wgr->state;
	int i;

	lockdep_assert_held(&state->lock);
	for (i = 0; i < 2; i++) {
		struct wgr_half *h = &pair->half[i];
		u64 packets = READ_ONCE(h->packets);
		u64 bytes = READ_ONCE(h->bytes);

		rhltable_remove(&state->sessions, &h->node, session_params);
		list_del(&h->peer_node);
		h->owner->n_sessions--;
		/* What was relayed on h went to its owner, from the other half's owner. */
		h->owner->retired[WGR_TX_PACKETS] += packets;
		h->owner->retired[WGR_TX_BYTES] += bytes;
		pair->half[!i].owner->retired[WGR_RX_PACKETS] += packets;
		pair->half[!i].owner->retired[WGR_RX_BYTES] += bytes;
	}
	if (pair->route == WGR_ROUTE_IN)
		rhashtable_remove_fast(&state->routes, &pair->route_node, route_params);
	wgr_quota_release(&state->quota, pair->acct, &pair->acct_node);
	atomic_sub(2, &state->n_sessions);
	pair->removed = true;
	if (state->gc_next == &pair->list)
		state->gc_next = pair->list.next;
	list_del(&pair->list);
	state->generation++;
	state->removal_stamp = atomic64_inc_return(&removal_stamps);
	call_rcu(&pair->rcu, pair_free_rcu);
}

static void flush_sessions(struct wgr_device *wgr)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair, *tmp;

	spin_lock_bh(&state->lock);
	list_for_each_entry_safe(pair, tmp, &state->pairs, list)
		pair_remove(wgr, pair);
	spin_unlock_bh(&state->lock);
}

/**
 * wgr_state_flush - forget learned state
 * @wgr: the relay
 * @what: a mask of WGRELAY_FLUSH_*: sessions (with handshakes in flight and the
 *        sources' memory), bindings, or both
 *
 * Context: process; takes each table's lock in turn.
 */
void wgr_state_flush(struct wgr_device *wgr, u32 what)
{
	if (what & WGRELAY_FLUSH_SESSIONS) {
		flush_sessions(wgr);
		wgr_handshakes_flush(&wgr->handshakes);
		wgr_sources_flush(&wgr->sources);
	}
	if (what & WGRELAY_FLUSH_BINDINGS)
		wgr_bindings_flush(wgr);
}

/**
 * wgr_state_destroy - free all learned state of a relay that is going away
 * @state: the state; its sockets are closed, so nothing adds to it any more
 */
void wgr_state_destroy(struct wgr_state *state)
{
	struct wgr_device *wgr = container_of(state, struct wgr_device, state);

	wgr_state_flush(wgr, WGRELAY_FLUSH_SESSIONS);
	wgr_ratelimit_destroy(&wgr->ratelimit);
	wgr_quota_destroy(&state->quota);
	rhashtable_destroy(&state->routes);
	rhltable_destroy(&state->sessions);
}

/**
 * wgr_state_forget_peer - drop everything that points at a peer being removed
 * @wgr: the relay
 * @peer: the peer; marked dead, so that code holding it under RCU lets it go
 */
void wgr_state_forget_peer(struct wgr_device *wgr, struct wgr_peer *peer)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_half *h, *tmp;

	spin_lock_bh(&state->lock);
	WRITE_ONCE(peer->dead, true);
	/* A pair's halves have different owners (wgr_pair_create()), so tmp survives. */
	list_for_each_entry_safe(h, tmp, &peer->halves, peer_node)
		pair_remove(wgr, wgr_half_pair(h));
	spin_unlock_bh(&state->lock);
	wgr_handshakes_forget_peer(&wgr->handshakes, peer);
	wgr_sources_forget_peer(&wgr->sources, peer);
	wgr_bindings_forget_peer(wgr, peer);
}

static void half_ep_pack(struct wgr_half_ep *p, const struct wgr_endpoint *ep)
{
	memset(p, 0, sizeof(*p));
	p->family = ep->addr.sa_family;
	if (p->family == AF_INET) {
		p->addr.a4 = ep->addr4.sin_addr.s_addr;
		p->src.a4 = ep->src4;
		p->port = ep->addr4.sin_port;
	} else if (p->family == AF_INET6) {
		p->addr.a6 = ep->addr6.sin6_addr;
		p->src.a6 = ep->src6;
		p->port = ep->addr6.sin6_port;
		p->scope_id = ep->addr6.sin6_scope_id;
	}
}

static void half_ep_unpack(struct wgr_endpoint *ep, const struct wgr_half_ep *p)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.sa_family = p->family;
	if (p->family == AF_INET) {
		ep->addr4.sin_addr.s_addr = p->addr.a4;
		ep->addr4.sin_port = p->port;
		ep->src4 = p->src.a4;
	} else if (p->family == AF_INET6) {
		ep->addr6.sin6_addr = p->addr.a6;
		ep->addr6.sin6_port = p->port;
		ep->addr6.sin6_scope_id = p->scope_id;
		ep->src6 = p->src.a6;
	}
}

/* As wgr_endpoint_eq(): the remote address and port, not the local address. */
static bool half_ep_eq(const struct wgr_half_ep *p, const struct wgr_endpoint *ep)
{
	if (p->family != ep->addr.sa_family)
		return false;
	if (p->family == AF_INET)
		return p->port == ep->addr4.sin_port && p->addr.a4 == ep->addr4.sin_addr.s_addr;
	return p->family == AF_INET6 && p->port == ep->addr6.sin6_port &&
	       ipv6_addr_equal(&p->addr.a6, &ep->addr6.sin6_addr) &&
	       p->scope_id == ep->addr6.sin6_scope_id;
}

/*
 * @h's owner is on this machine (wgr_half_lookup_outside()): written as the
 * endpoint is, so that a reader's snapshot has both or neither.
 * Context: the state lock.
 */
static void half_set_local(struct wgr_half *h)
{
	struct wgr_pair *pair = wgr_half_pair(h);

	lockdep_assert_held(&h->owner->wgr->state.lock);
	write_seqcount_begin(&pair->seq);
	h->ep.local = true;
	write_seqcount_end(&pair->seq);
}

/* Context: rcu_read_lock() or the state lock. */
static void half_ep_read(struct wgr_half *h, struct wgr_half_ep *p)
{
	struct wgr_pair *pair = wgr_half_pair(h);
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&pair->seq);
		*p = h->ep;
	} while (read_seqcount_retry(&pair->seq, seq));
}

/*
 * The sender at @p sent from outside, to the local address the session saw:
 * not from this machine, whose datagrams reach the relay over loopback only
 * (wgr_half_lookup_outside()).
 */
static bool half_ep_outside(const struct wgr_half_ep *p, const struct wgr_endpoint *src)
{
	if (p->local)
		return false;
	return p->family == AF_INET ? p->src.a4 == src->src4 : ipv6_addr_equal(&p->src.a6, &src->src6);
}

/*
 * wgr_half_lookup(); @outside, if not NULL, is set for a half whose sender is
 * at @src, from the same read of its endpoint that matched it.
 */
static struct wgr_half *half_find(struct wgr_device *wgr, u32 index,
				  const struct wgr_endpoint *src, bool *elsewhere, bool *outside)
{
	unsigned long timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;
	struct wgr_half *h, *candidate = NULL;
	struct rhlist_head *list, *pos;
	unsigned int live = 0;

	*elsewhere = false;
	list = rhltable_lookup(&wgr->state.sessions, &index, session_params);
	rhl_for_each_entry_rcu(h, pos, list, node) {
		struct wgr_pair *pair = wgr_half_pair(h);
		struct wgr_half_ep from;

		/*
		 * An unconfirmed pair is a handshake that failed once its initiator
		 * was silent for WGR_HANDSHAKE_TIMEOUT (WireGuard's initiator sends
		 * at once), as index_sharers() and the sweep count it: its data is
		 * no one's, and a chain of such leftovers no longer lengthens the
		 * walk on the index until the sweep (pass 6, G11).
		 */
		if (time_after(jiffies, READ_ONCE(pair->last_seen) +
			       (READ_ONCE(pair->confirmed) ? timeout : WGR_HANDSHAKE_TIMEOUT)))
			continue;
		half_ep_read(wgr_half_other(h), &from);
		if (half_ep_eq(&from, src)) {
			if (outside)
				*outside = half_ep_outside(&from, src);
			return h;
		}
		candidate = h;
		live++;
	}
	if (live != 1)
		return NULL;
	*elsewhere = true;
	return candidate;
}

/**
 * wgr_half_lookup - find the session half that data to @index from @src belongs to
 * @wgr: the relay
 * @index: the receiver index from the data message
 * @src: where the datagram came from
 * @elsewhere: set when the half found expects its data from another endpoint
 *
 * Two owners may have chosen the same index; the sender's endpoint tells their
 * sessions apart. If none expects @src, a single half for @index is returned with
 * @elsewhere set, so the caller can decide whether its sender has roamed.
 * Expired sessions are not returned.
 *
 * Context: rcu_read_lock().
 * Return: the half, or NULL.
 */
struct wgr_half *wgr_half_lookup(struct wgr_device *wgr, u32 index,
				 const struct wgr_endpoint *src, bool *elsewhere)
{
	return half_find(wgr, index, src, elsewhere, NULL);
}

/**
 * wgr_half_lookup_outside - wgr_half_lookup(), for a sender at @src outside
 * @wgr: the relay
 * @index: the receiver index from the data message
 * @src: where the datagram came from, with the local address it came to
 *
 * The half only if its sender is at @src, not on this machine, and reached the
 * relay at the local address the session saw: not one the machine forwards,
 * nor another of its own that the session never saw. A sender on this machine
 * reaches the relay over loopback only: a datagram from elsewhere in its name
 * is a spoof, which the socket path drops as the kernel would (a martian source
 * for IPv4, skb_rx() in relay.c for IPv6). One read of the endpoint decides
 * the match and all of this, so that a roam in between cannot pair one
 * endpoint with the other's answer; the fast path reads it once a datagram.
 * Context: rcu_read_lock().
 * Return: the half, or NULL.
 */
struct wgr_half *wgr_half_lookup_outside(struct wgr_device *wgr, u32 index,
					 const struct wgr_endpoint *src)
{
	bool elsewhere, outside = false;
	struct wgr_half *h = half_find(wgr, index, src, &elsewhere, &outside);

	return h && !elsewhere && outside ? h : NULL;
}

/**
 * wgr_half_read_ep - copy a half's endpoint without tearing
 * @h: the half
 * @ep: where to copy it
 *
 * Context: rcu_read_lock() or the state lock.
 */
void wgr_half_read_ep(struct wgr_half *h, struct wgr_endpoint *ep)
{
	struct wgr_half_ep p;

	half_ep_read(h, &p);
	half_ep_unpack(ep, &p);
}

/**
 * wgr_half_mark_local - the owner of @h sent from @src over loopback
 * @wgr: the relay
 * @h: the half of the datagram's sender
 * @src: where it came from
 *
 * So @src's address is the machine's own, whether or not it was when the half
 * took it (a local route added since, which no address notice announces; see
 * wgr_state_local4() for addresses): from now on the fast path leaves
 * datagrams in its name to the socket path.
 * Nothing unmarks it but a roam; a mark on an address the machine gave up only
 * keeps such datagrams on the socket path.
 * Context: softirq, rcu_read_lock(); takes the state lock once per half and
 * endpoint (again only if a roam or removal races it).
 */
void wgr_half_mark_local(struct wgr_device *wgr, struct wgr_half *h, const struct wgr_endpoint *src)
{
	struct wgr_pair *pair = wgr_half_pair(h);

	if (READ_ONCE(h->ep.local))
		return;
	spin_lock_bh(&wgr->state.lock);
	if (!pair->removed && !h->ep.local && half_ep_eq(&h->ep, src))
		half_set_local(h);
	spin_unlock_bh(&wgr->state.lock);
}

/*
 * Is @ep's address one of the machine's own? A lookup in the local table (IPv4)
 * or the address hash (IPv6, a tentative address included), once per endpoint a
 * half takes, not per datagram: the fast path needs the answer for every IPv4
 * datagram (wgr_half_lookup_outside()). An address added later is learnt when it
 * comes up (wgr_state_local4()), a local route without one from the peer's own
 * datagrams over loopback (wgr_half_mark_local()). For IPv6 the
 * fast path also checks each datagram's source (fast6()), as skb_rx() does.
 * Asked under the state lock, before a half takes the endpoint: the address
 * notice's sweep takes that lock too, and comes after the address is in the
 * table, so either this lookup sees the address or the sweep sees the half.
 * Context: the state lock; RCU inside.
 */
static bool ep_is_local(struct net *net, const struct wgr_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET)
		return inet_addr_type(net, ep->addr4.sin_addr.s_addr) == RTN_LOCAL;
#if IS_ENABLED(CONFIG_IPV6)
	if (ep->addr.sa_family == AF_INET6)
		return wgr_ipv6_is_local(net, &ep->addr6.sin6_addr);
#endif
	return false;
}

/* @h is zeroed. */
static void half_init(struct wgr_half *h, u8 which, u32 index, struct wgr_peer *owner,
		      const struct wgr_endpoint *ep)
{
	h->which = which;
	h->index = index;
	h->owner = owner;
	/* Not heard from yet. */
	h->rx = wgr_rx_now() - 2 * WGR_HALF_LIVE;
	half_ep_pack(&h->ep, ep);
}

/*
 * Hash a new pair's halves and put it on every list. On failure it is on none,
 * but a reader may have found half 0 while it was hashed: the caller frees it
 * after a grace period (call_rcu()).
 * Context: the state lock.
 */
static int pair_link(struct wgr_state *state, struct wgr_pair *pair, bool over)
{
	struct wgr_endpoint ep[2];
	int i, ret;

	lockdep_assert_held(&state->lock);
	for (i = 0; i < 2; i++) {
		struct wgr_half *h = &pair->half[i];

		/* Not yet seen by readers: no seqcount needed. */
		half_ep_unpack(&ep[i], &h->ep);
		h->ep.local = ep_is_local(h->owner->wgr->net, &ep[i]);
	}
	/* Charged to the initiator's prefix. */
	ret = wgr_quota_charge(&state->quota, wgr_quota_key(&ep[0]), &pair->acct_node, &pair->acct,
			       over);
	if (ret)
		return ret;
	ret = rhltable_insert(&state->sessions, &pair->half[0].node, session_params);
	if (ret)
		goto err_quota;
	ret = rhltable_insert(&state->sessions, &pair->half[1].node, session_params);
	if (ret) {
		rhltable_remove(&state->sessions, &pair->half[0].node, session_params);
		goto err_quota;
	}
	for (i = 0; i < 2; i++) {
		list_add_tail(&pair->half[i].peer_node, &pair->half[i].owner->halves);
		pair->half[i].owner->n_sessions++;
	}
	list_add_tail(&pair->list, &state->pairs);
	atomic_add(2, &state->n_sessions);
	state->generation++;
	return 0;

err_quota:
	wgr_quota_release(&state->quota, pair->acct, &pair->acct_node);
	return ret;
}

/*
 * Live halves with this receiver index: in @same those of pairs whose
 * initiator is at @ini, in @others the rest. A chain an attacker must not
 * lengthen: data on the index walks it (wgr_half_lookup()).
 */
static void index_sharers(struct wgr_device *wgr, u32 index, const struct wgr_endpoint *ini,
			  unsigned int *same, unsigned int *others)
{
	unsigned long timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;
	struct rhlist_head *list, *pos;
	struct wgr_half *h;

	*same = 0;
	*others = 0;
	rcu_read_lock();
	list = rhltable_lookup(&wgr->state.sessions, &index, session_params);
	rhl_for_each_entry_rcu(h, pos, list, node) {
		struct wgr_pair *pair = wgr_half_pair(h);

		/* Expired halves wait for the sweep: they take nobody's place. */
		if (time_after(jiffies, READ_ONCE(pair->last_seen) +
			       (pair->confirmed ? timeout : WGR_HANDSHAKE_TIMEOUT)))
			continue;
		if (h->which == 0 && half_ep_eq(&pair->half[0].ep, ini))
			(*same)++;
		else
			(*others)++;
	}
	rcu_read_unlock();
}

/*
 * Is @h its owner's first half with its partner? A roam puts the roaming half
 * at the front of its owner's halves (wgr_pair_roam()), so of the sessions one
 * owner roamed with one partner only the latest one is. Looks at
 * WGR_PARTNER_WALK halves at most, as wgr_pair_partners() does.
 * Context: the state lock.
 */
static bool half_in_front(struct wgr_half *h)
{
	struct wgr_peer *partner = wgr_half_other(h)->owner;
	struct wgr_half *o;
	unsigned int n = 0;

	list_for_each_entry(o, &h->owner->halves, peer_node) {
		if (o == h)
			return true;
		if (wgr_half_other(o)->owner == partner || ++n >= WGR_PARTNER_WALK)
			return false;
	}
	return false;
}

/*
 * A pair a full table keeps over others: the pair route of two peers that are
 * talking, each at its own binding, or where it roamed out of it and talks now
 * (a remapped responder's binding follows only once stale: pass 6, G5). A
 * remapped initiator's session keeps its anchor though the route ended
 * (WGR_ROUTE_ROAMED): else a full table evicts it within a second and the pair
 * is cut off until WireGuard handshakes anew, 15-20 s (G5 again). Staged pairs
 * (an attacker at both ends) are not at real peers' bindings, so a flood of
 * them cannot make its own entries unevictable; a squatter of two stale
 * bindings has one such pair, two with a roam out of one. A roamed route
 * anchors only while it is the first of its owner's sessions with the partner
 * (half_in_front()): a squatter that stages and roams again and again, each
 * new route roamed to the same endpoint, still holds one anchor per partner.
 */
static bool pair_anchored(struct wgr_pair *pair)
{
	struct wgr_endpoint ep;
	int i;

	if (pair->route == WGR_ROUTE_NOT ||
	    time_after(jiffies, READ_ONCE(pair->last_seen) + WGR_ANCHOR_IDLE))
		return false;
	if (pair->route == WGR_ROUTE_ROAMED && !half_in_front(&pair->half[0]))
		return false;
	for (i = 0; i < 2; i++) {
		half_ep_unpack(&ep, &pair->half[i].ep);
		if (!wgr_peer_bound_at(pair->half[i].owner, &ep) &&
		    !wgr_bind_roam_live(pair->half[i].owner, &ep))
			return false;
	}
	return true;
}

/* For wgr_account_pick(): a pair a full table passes over. */
static bool pair_kept(const struct list_head *member)
{
	return pair_anchored(list_entry(member, struct wgr_pair, acct_node));
}

/*
 * An account's oldest pair that is not anchored, looking at WGR_EVICT_TRIES at
 * most (wgr_account_pick()). Context: the state lock.
 */
static struct wgr_pair *evictable(struct wgr_account *acct)
{
	struct list_head *member = wgr_account_pick(acct, pair_kept, WGR_EVICT_TRIES);

	return member ? list_entry(member, struct wgr_pair, acct_node) : NULL;
}

/* make_room(): room for the pair only past its prefix's share. */
#define WGR_ROOM_OVER 1

/* Is the table at max-sessions? */
static bool table_full(struct wgr_device *wgr)
{
	return atomic_read(&wgr->state.n_sessions) + 2 > READ_ONCE(wgr->cfg.max_sessions);
}

/*
 * Room for a new pair whose initiator's prefix is @key, under trust model v2's
 * counts: a prefix at WGR_PREFIX_PAIRS gives up its own oldest pair; a full
 * table takes one from the prefix that holds the most, then from @key's own.
 * So a flood from one prefix, or from a few hundred, evicts its own pairs, and
 * the pairs of everyone who holds less stay. Without @may_evict it only says
 * whether there is room.
 *
 * A prefix whose pairs are all anchored would refuse every new pair from it,
 * rekeys included: about 33 squatted stale peers talking to one another anchor
 * a prefix's worth (pass 6, G4). So a pair whose initiator is at its own live
 * binding, or where it roamed out of it (pass 7, H4), and holds few sessions
 * (@bound, see pair_admit()) goes past the prefix's share into the table's
 * free room.
 * Context: the state lock.
 * Return: 0, WGR_ROOM_OVER, or -ENOSPC if everything it may take is anchored
 * (or it may not evict).
 */
static int make_room(struct wgr_device *wgr, u64 key, bool may_evict, bool bound)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_account *own = wgr_quota_find(&state->quota, key), *heavy;
	struct wgr_pair *victim = NULL;

	lockdep_assert_held(&state->lock);
	if (own && wgr_account_full(&state->quota, own)) {
		if (!may_evict)
			return -ENOSPC;
		victim = evictable(own);
		if (!victim && bound && !table_full(wgr))
			return WGR_ROOM_OVER;
	} else if (table_full(wgr)) {
		if (!may_evict)
			return -ENOSPC;
		heavy = wgr_quota_heaviest(&state->quota);
		if (heavy)
			victim = evictable(heavy);
		if (!victim && own && own != heavy)
			victim = evictable(own);
	} else {
		return 0;
	}
	if (!victim)
		return -ENOSPC;
	pair_remove(wgr, victim);
	wgr_stat_add(wgr, WGRELAY_STAT_SESSIONS_EVICTED, 2);
	return 0;
}

/*
 * A new pair's checks, then its place in the table. The responses to one
 * initiation share its sender index: two from each endpoint it went to
 * (@max_same: a cap by the discovery fanout alone once let a spoofer's answers
 * at a stolen route fill it first: review of 89ac1cf, F2). Anyone else's live session on it is a collision: a copy of the
 * initiation (discovery) tells an attacker the index, and a "shadow" pair on it
 * from another initiator endpoint would take the real initiator's data, or make
 * every datagram on it walk a long chain (pass 5, F3, F6). The responder's
 * index must be live nowhere. Neither may be held by another initiation in
 * flight (wgr_handshake_index_held()). Then room, as make_room() makes it
 * when @may_evict; else only if there is some.
 * Context: the state lock.
 * Return: 0, -EEXIST, -ENOSPC or -ENOMEM; on failure @pair is on no list, but
 * may have been hashed (free it after a grace period).
 */
static int pair_admit(struct wgr_device *wgr, struct wgr_pair *pair, unsigned int max_same,
		      bool may_evict)
{
	unsigned int same, others, rsp_same, rsp_others;
	struct wgr_peer *initiator = pair->half[0].owner;
	struct wgr_endpoint ini;
	bool bound;
	int ret;

	lockdep_assert_held(&wgr->state.lock);
	half_ep_unpack(&ini, &pair->half[0].ep);
	index_sharers(wgr, pair->half[0].index, &ini, &same, &others);
	if (same >= max_same)
		return -ENOSPC;
	index_sharers(wgr, pair->half[1].index, &ini, &rsp_same, &rsp_others);
	if (others || rsp_same || rsp_others ||
	    wgr_handshake_index_held(&wgr->handshakes, pair->half[0].index, &ini) ||
	    wgr_handshake_index_held(&wgr->handshakes, pair->half[1].index, NULL))
		return -EEXIST;
	/*
	 * Past a walled prefix's share only for a peer with a handful of sessions
	 * (a rekey, a new partner): a squatted peer meshed with others holds many,
	 * so filling the table that way takes about 4,096 squats, 8 pairs each
	 * (pass 7, H1); without the bound, about 257 squats filled it.
	 */
	bound = initiator->n_sessions < WGR_OVER_SESSIONS && wgr_bind_talks_from(initiator, &ini);
	ret = make_room(wgr, wgr_quota_key(&ini), may_evict, bound);
	if (ret < 0)
		return ret;
	return pair_link(&wgr->state, pair, ret == WGR_ROOM_OVER);
}

/**
 * wgr_pair_create - make the two sessions a handshake response announces
 * @wgr: the relay
 * @hs: the handshake it answers (wgr_handshake_answer())
 * @initiator_index: the initiation's sender index: data to the initiator carries it
 * @initiator: the peer the response's mac1 was made for
 * @responder_index: the response's sender index: data to the responder carries it
 * @responder_ep: where the response came from
 *
 * Both halves start tentative; see wgr_pair_confirm(). A response whose sender
 * index is already a live receiver index is refused, and so is one whose
 * initiator index is live in a session of another initiator endpoint: an
 * attacker that learnt an index a real peer sends on (a discovery copy) would
 * otherwise have the real peer's data confirm, or be routed to, the attacker's
 * session. A genuine collision costs one retry, at odds of sessions in 2^32.
 * Context: softirq; takes the state lock.
 * Return: 0, -EEXIST (a collision), -ENOSPC (no room: see make_room(); or the
 * initiation already has two sessions per endpoint it may have gone to),
 * -ENOENT (a peer is being removed) or -ENOMEM.
 */
int wgr_pair_create(struct wgr_device *wgr, const struct wgr_answer *hs, u32 initiator_index,
		    struct wgr_peer *initiator, u32 responder_index,
		    const struct wgr_endpoint *responder_ep)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	int ret;

	if (WARN_ON_ONCE(initiator == hs->target))
		return -EINVAL;
	pair = kmem_cache_zalloc(pair_cache, GFP_ATOMIC);
	if (!pair)
		return -ENOMEM;
	seqcount_init(&pair->seq);
	pair->last_seen = jiffies;
	pair->leaked = hs->leaked;
	half_init(&pair->half[0], 0, initiator_index, initiator, &hs->initiator);
	half_init(&pair->half[1], 1, responder_index, hs->target, responder_ep);

	spin_lock_bh(&state->lock);
	if (initiator->dead || hs->target->dead) {
		ret = -ENOENT;
		goto err;
	}
	ret = pair_admit(wgr, pair, hs->answers, true);
	if (ret)
		goto err_rcu;
	initiator->handshakes++;
	hs->target->handshakes++;
	spin_unlock_bh(&state->lock);

	wgr_bind_tentative(wgr, initiator, &hs->initiator);
	wgr_bind_tentative(wgr, hs->target, responder_ep);
	return 0;

err:
	spin_unlock_bh(&state->lock);
	kmem_cache_free(pair_cache, pair);
	return ret;
err_rcu:
	/* A reader may have found half 0 while it was hashed (pair_link()). */
	spin_unlock_bh(&state->lock);
	call_rcu(&pair->rcu, pair_free_rcu);
	return ret;
}

/*
 * Make @pair the route for initiations from its initiator's endpoint to its
 * target, replacing an older one; with @by_use, only one that relayed nothing
 * since @pair last did (restored pairs: their confirmation time is not known).
 * Context: the state lock.
 */
static void route_add(struct wgr_state *state, struct wgr_pair *pair, bool by_use)
{
	struct route_lookup key = { .ep = pair->half[0].ep, .target = pair->half[1].owner };
	struct wgr_pair *old;

	lockdep_assert_held(&state->lock);
	old = rhashtable_lookup_get_insert_key(&state->routes, &key, &pair->route_node,
					       route_params);
	if (IS_ERR(old))
		return;		/* no memory: initiations use the binding */
	if (old && by_use &&
	    !time_before(READ_ONCE(old->last_seen), READ_ONCE(pair->last_seen)))
		return;
	if (old) {
		if (rhashtable_replace_fast(&state->routes, &old->route_node, &pair->route_node,
					    route_params))
			return;
		old->route = WGR_ROUTE_NOT;
		/*
		 * The target's cookie at the route's end goes on with the route if
		 * the target answered the new session there too: its next rekey
		 * then carries its mac2 at once, not one retry after a probe.
		 */
		if (half_ep_same(&old->half[1].ep, &pair->half[1].ep)) {
			wgr_route_cookie_clamp(&old->cookie);
			pair->cookie = old->cookie;
		}
	}
	pair->route = WGR_ROUTE_IN;
}

/*
 * A confirmed half at its owner's binding, or where the owner roamed out of it
 * and talks now, goes first among the owner's halves: wgr_pair_partners() meets
 * the sessions at the peer's own endpoints before any an attacker staged in its
 * name at other endpoints, however many (pass 7, H3). The rest keep their order
 * at the back, oldest first. The front holds one half per partner: older ones
 * with the same partner (a rekey's, or the many an insider can make with the
 * peer at its binding: pass 8, I3) go to the back, looking at as many as the
 * walk would.
 */
static void half_prefer(struct wgr_half *h, const struct wgr_endpoint *ep)
{
	struct wgr_peer *owner = h->owner, *partner = wgr_half_other(h)->owner;
	struct wgr_half *o, *next;
	unsigned int n = 0;

	lockdep_assert_held(&owner->wgr->state.lock);
	if (!wgr_peer_bound_at(owner, ep) && !wgr_bind_roam_live(owner, ep))
		return;
	list_move(&h->peer_node, &owner->halves);
	for (o = list_next_entry(h, peer_node);
	     &o->peer_node != &owner->halves && n < WGR_PARTNER_WALK; o = next, n++) {
		next = list_next_entry(o, peer_node);
		if (wgr_half_other(o)->owner == partner)
			list_move_tail(&o->peer_node, &owner->halves);
	}
}

/**
 * wgr_pair_confirm - the first data on a pair proves its handshake completed
 * @wgr: the relay
 * @pair: the pair, found under RCU
 *
 * The initiator sends data only after verifying the response, so whoever holds
 * the initiator's key accepted a response from whoever answered at half 1's
 * endpoint. That proves the pair, not the peers: one attacker can play both
 * ends (a staged handshake). So the bindings move only as bind.c allows, and the
 * pair becomes the route for the initiator's next initiations to this target.
 * Context: softirq; takes the state lock.
 */
void wgr_pair_confirm(struct wgr_device *wgr, struct wgr_pair *pair)
{
	struct wgr_half *ini = &pair->half[0], *resp = &pair->half[1];
	struct wgr_state *state = &wgr->state;
	struct wgr_endpoint ini_ep, resp_ep, now_ep;

	spin_lock_bh(&state->lock);
	/* A flush, expiry or peer removal may have taken it off the lists. */
	if (pair->removed || pair->confirmed) {
		spin_unlock_bh(&state->lock);
		return;
	}
	WRITE_ONCE(pair->confirmed, true);
	route_add(state, pair, false);
	half_ep_unpack(&ini_ep, &ini->ep);
	half_ep_unpack(&resp_ep, &resp->ep);
	spin_unlock_bh(&state->lock);

	/* The peers are freed only after a grace period: the caller holds RCU. */
	wgr_bind_confirmed(wgr, ini->owner, &ini_ep);
	wgr_bind_confirmed(wgr, resp->owner, &resp_ep);
	spin_lock_bh(&state->lock);
	if (!pair->removed) {
		/*
		 * Where the halves are now: a roam may have moved one meanwhile
		 * (pass 8, I8). The rest goes by where the handshake was made.
		 */
		half_ep_unpack(&now_ep, &ini->ep);
		half_prefer(ini, &now_ep);
		half_ep_unpack(&now_ep, &resp->ep);
		half_prefer(resp, &now_ep);
	}
	spin_unlock_bh(&state->lock);
	wgr_handshake_done(&wgr->handshakes, ini->index, &ini_ep);
	/*
	 * Held a little past the session: the responder's own rekey comes as late
	 * as its keypair's end, and must still find its hints (pass 6, G9).
	 */
	wgr_source_confirmed(&wgr->sources, &ini_ep, ini->owner, &resp_ep, resp->owner,
			     (READ_ONCE(wgr->cfg.session_timeout) + WGR_SOURCE_SLACK) * HZ);
	wgr_stat_inc(wgr, WGRELAY_STAT_CONFIRMS);
	wgr_event(wgr, WGRELAY_EVENT_CONFIRMED, ini->owner, resp->owner, &ini_ep);
}

/**
 * wgr_pair_restore - put back a confirmed pair a relay saved before it restarted
 * @wgr: the relay
 * @saved: the pair; its peers are provisioned on @wgr (the caller holds wgr->lock)
 *
 * The pair comes back as wgr_pair_confirm() left it, pair route included, and as
 * old as it was: the peers' data goes on with no new handshake, and the pair
 * expires when it would have. Bindings are not touched: they come back on their
 * own, stale (wgr_bind_restore()). The checks are wgr_pair_create()'s, so an
 * index in use (the same state restored twice, or a peer that chose it since the
 * restart) is refused. Of two pairs for one route (a rekey: the old session
 * lingers), the one used last gets it; a route made since the restart stays.
 * Context: process; takes the state lock.
 * Its endpoints' sources are held, as a confirmation holds them, so that its
 * next handshake is hinted (wgr_source_confirmed()).
 * Return: 0, -ESTALE (older than session-timeout), -EEXIST (an index in use),
 * -ENOSPC (no room: see make_room(); or too many sessions share half 0's
 * index), -ENOENT (a peer is being removed) or -ENOMEM.
 */
int wgr_pair_restore(struct wgr_device *wgr, const struct wgr_pair_saved *saved)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	int i, ret;

	if (WARN_ON_ONCE(saved->owner[0] == saved->owner[1]))
		return -EINVAL;
	/* Bounded by WGRELAY_MAX_TIMEOUT: the subtraction below cannot wrap far. */
	if (saved->age >= READ_ONCE(wgr->cfg.session_timeout))
		return -ESTALE;
	pair = kmem_cache_zalloc(pair_cache, GFP_KERNEL);
	if (!pair)
		return -ENOMEM;
	seqcount_init(&pair->seq);
	pair->last_seen = jiffies - (unsigned long)saved->age * HZ;
	pair->leaked = saved->leaked;
	pair->confirmed = true;
	for (i = 0; i < 2; i++) {
		half_init(&pair->half[i], i, saved->index[i], saved->owner[i], &saved->ep[i]);
		pair->half[i].counter = saved->counter[i];
		/* Which side spoke last is not saved: the pair's age stands for both. */
		pair->half[i].rx = pair->last_seen / WGR_RX_TICK;
	}

	spin_lock_bh(&state->lock);
	if (saved->owner[0]->dead || saved->owner[1]->dead) {
		ret = -ENOENT;
		goto err;
	}
	/* A saved pair never takes the place of one made since the restart. */
	/* As many as one initiation could have made: two per endpoint it went to. */
	ret = pair_admit(wgr, pair, 2 * (1 + READ_ONCE(wgr->cfg.discovery_fanout)), false);
	if (ret)
		goto err_rcu;
	route_add(state, pair, true);
	for (i = 0; i < 2; i++)
		half_prefer(&pair->half[i], &saved->ep[i]);
	spin_unlock_bh(&state->lock);

	/* The peers stay: the caller holds wgr->lock, which removing one takes. */
	wgr_source_confirmed(&wgr->sources, &saved->ep[0], saved->owner[0], &saved->ep[1],
			     saved->owner[1],
			     (READ_ONCE(wgr->cfg.session_timeout) + WGR_SOURCE_SLACK -
			      saved->age) * HZ);
	return 0;

err:
	spin_unlock_bh(&state->lock);
	kmem_cache_free(pair_cache, pair);
	return ret;
err_rcu:
	/* A reader may have found half 0 while it was hashed (pair_link()). */
	spin_unlock_bh(&state->lock);
	call_rcu(&pair->rcu, pair_free_rcu);
	return ret;
}

/*
 * Is a roam of @sender's owner to @to, in this session, held by its data with
 * other partners (see struct wgr_roam_base, filled in @base)? A roam in one
 * session is one partner's word on where the peer went, and an insider can
 * forge it in its own session (pass 5, F7): the peer's data with its other
 * partners outweighs it (pass 8, I4). A real remap moves every session the
 * peer talks in within a keepalive: the first roams are held (and the first
 * names where the remap goes), the last is not, and an insider's roam between
 * them, elsewhere, is held by the sessions already there. The walk is the
 * partner walk's: the owner's halves at its binding and live roam are in front.
 * Context: the state lock.
 */
static bool roam_held(struct wgr_half *sender, const struct wgr_endpoint *to,
		      struct wgr_roam_base *base)
{
	struct wgr_peer *owner = sender->owner, *partner = wgr_half_other(sender)->owner;
	bool pending;
	struct wgr_endpoint ep;
	struct wgr_half *o;
	unsigned int n = 0;

	lockdep_assert_held(&owner->wgr->state.lock);
	if (!wgr_bind_roam_base(owner, base))
		return false;
	pending = wgr_endpoint_set(&base->pending) && !wgr_endpoint_eq(&base->pending, to);
	list_for_each_entry(o, &owner->halves, peer_node) {
		if (n++ == WGR_PARTNER_WALK)
			break;
		if (o == sender || wgr_half_other(o)->owner == partner ||
		    !READ_ONCE(wgr_half_pair(o)->confirmed) || !wgr_half_talks(o))
			continue;
		half_ep_unpack(&ep, &o->ep);
		if (wgr_endpoint_eq(&ep, &base->from) ||
		    (pending && wgr_endpoint_eq(&ep, &base->pending)))
			return true;
	}
	return false;
}

/*
 * Keep a silent half's clock from wrapping into "talks": a pair its partner
 * keeps alive can outlive 16 bits of ticks (36 hours), so the sweep, which
 * visits every pair far more often, pins a silent half at "long ago"
 * (pass 8 review). Racing a data path store only loses the clamp.
 */
static void half_rx_clamp(struct wgr_half *h)
{
	if (!wgr_half_talks(h))
		WRITE_ONCE(h->rx, wgr_rx_now() - 2 * WGR_HALF_LIVE);
}

/**
 * wgr_pair_roam - data on @h came, with a fresh counter, from a new endpoint
 * @wgr: the relay
 * @h: the half the data is for; the other half's owner sent it and has moved
 * @ep: the sender's new endpoint
 * @counter: the data's counter, which the caller found fresh
 *
 * Moves the sender in this session only (trust model v2: a roam moves only the
 * roamer, in its own session). Its binding may follow once stale (bind.c).
 * Context: softirq; takes the state lock.
 * Return: true if it moved; false if the pair went, or another CPU saw a newer
 * counter first.
 */
bool wgr_pair_roam(struct wgr_device *wgr, struct wgr_half *h, const struct wgr_endpoint *ep,
		   u64 counter)
{
	struct wgr_half *sender = wgr_half_other(h);
	struct wgr_pair *pair = wgr_half_pair(h);
	struct wgr_state *state = &wgr->state;
	struct wgr_roam_base base;
	struct wgr_endpoint from;
	bool held = false, local;

	spin_lock_bh(&state->lock);
	if (pair->removed || counter <= READ_ONCE(h->counter)) {
		spin_unlock_bh(&state->lock);
		return false;
	}
	local = ep_is_local(wgr->net, ep);
	half_ep_unpack(&from, &sender->ep);
	/*
	 * Half 0's endpoint keys the pair route, and the route does not follow it:
	 * a spoofer that staged a pair of its own (it knows the index and counter)
	 * could roam it "to" a real peer's endpoint and plant a route there, taking
	 * the real peer's next initiations for the target. The initiator's next
	 * initiation from its new endpoint goes to the target's binding instead.
	 */
	if (sender->which == 0 && pair->route == WGR_ROUTE_IN) {
		rhashtable_remove_fast(&state->routes, &pair->route_node, route_params);
		pair->route = WGR_ROUTE_ROAMED;
	}
	write_seqcount_begin(&pair->seq);
	half_ep_pack(&sender->ep, ep);
	sender->ep.local = local;
	write_seqcount_end(&pair->seq);
	/* Half 1's endpoint is the route's end: its cookie was for where it was. */
	if (sender->which == 1)
		wgr_route_cookie_forget(&pair->cookie);
	/*
	 * A roam out of the owner's binding is where wgr_bind_roamed() puts it
	 * next, unless the owner still talks at its roam (or binding) with
	 * another partner: then this partner's word is contested.
	 */
	if (pair->confirmed &&
	    (wgr_peer_bound_at(sender->owner, &from) || wgr_peer_roamed_to(sender->owner, &from))) {
		held = roam_held(sender, ep, &base);
		if (!held)
			list_move(&sender->peer_node, &sender->owner->halves);
	}
	spin_unlock_bh(&state->lock);

	if (pair->confirmed)
		wgr_bind_roamed(wgr, sender->owner, &from, ep, held ? &base : NULL);
	wgr_stat_inc(wgr, WGRELAY_STAT_ROAMS);
	/* The caller holds RCU: the peers are freed only after a grace period. */
	wgr_event(wgr, WGRELAY_EVENT_ROAMED, sender->owner, h->owner, ep);
	return true;
}

/* Has a confirmed @pair relayed within the session timeout? */
static bool pair_live(struct wgr_device *wgr, struct wgr_pair *pair)
{
	unsigned long timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;

	return !time_after(jiffies, READ_ONCE(pair->last_seen) + timeout);
}

/* The pair route from @from to @target, if its session is live. Context: the state lock. */
static struct wgr_pair *live_route(struct wgr_device *wgr, const struct wgr_endpoint *from,
				   struct wgr_peer *target)
{
	struct route_lookup key = { .target = target };
	struct wgr_pair *pair;

	lockdep_assert_held(&wgr->state.lock);
	half_ep_pack(&key.ep, from);
	pair = rhashtable_lookup_fast(&wgr->state.routes, &key, route_params);
	return pair && pair_live(wgr, pair) ? pair : NULL;
}

/**
 * wgr_pair_route - where an initiation from @from for @target goes, if a live
 * session says so
 * @wgr: the relay
 * @from: the initiation's source
 * @target: the peer its mac1 names
 * @end: if not NULL, filled with @target's endpoint in that session, the
 *       session's initiator, and @target's own cookie there if the relay has one
 *
 * Pair routing (trust model v2): the peer that initiated a live session keeps
 * reaching its partner wherever either has roamed, whatever sits in the
 * partner's binding. The route is the initiator's endpoint at confirmation; a
 * roam of the initiator ends it (see wgr_pair_roam()), while the target's
 * endpoint in it follows the target's roams.
 * Context: softirq; takes the state lock.
 * Return: true if a live confirmed session routes it.
 */
bool wgr_pair_route(struct wgr_device *wgr, const struct wgr_endpoint *from,
		    struct wgr_peer *target, struct wgr_route_end *end)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;

	spin_lock_bh(&state->lock);
	pair = live_route(wgr, from, target);
	if (pair && end) {
		half_ep_unpack(&end->ep, &pair->half[1].ep);
		end->initiator = pair->half[0].owner;
		end->has_cookie = wgr_route_cookie_get(&pair->cookie, end->cookie);
	}
	spin_unlock_bh(&state->lock);
	return pair != NULL;
}

/*
 * The route from @via to @target, if its session is live and it ends at @at.
 * Context: the state lock.
 */
static struct wgr_pair *route_ending_at(struct wgr_device *wgr, const struct wgr_endpoint *via,
					struct wgr_peer *target, const struct wgr_endpoint *at)
{
	struct wgr_pair *pair = live_route(wgr, via, target);

	return pair && half_ep_eq(&pair->half[1].ep, at) ? pair : NULL;
}

/**
 * wgr_pair_cookie_due - may the relay probe the end of a pair route for its
 * target's own cookie?
 * @wgr: the relay
 * @via: the route's initiator endpoint: the source of the initiation a cookie
 *       reply in @target's name answered
 * @target: the peer
 * @at: where that reply came from
 * @initiator: set to the route's initiator if there is such a route (valid
 *             for as long as the caller's RCU read-side section)
 *
 * A pair route keeps the target's cookie at its end in its own pair, where a
 * session an attacker staged in the target's name, with a route and an end of
 * its own, cannot touch it (helper-81, K2). A yes counts as the probe: one at
 * a time per route (wgr_route_cookie_due()).
 * Context: softirq, under rcu_read_lock(); takes the state lock.
 * Return: 1 if due, 0 if the route's end may not be probed yet, -ENOENT if no
 * live route from @via to @target ends at @at.
 */
int wgr_pair_cookie_due(struct wgr_device *wgr, const struct wgr_endpoint *via,
			struct wgr_peer *target, const struct wgr_endpoint *at,
			struct wgr_peer **initiator)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	int due = -ENOENT;

	spin_lock_bh(&state->lock);
	pair = route_ending_at(wgr, via, target, at);
	if (pair) {
		due = wgr_route_cookie_due(&pair->cookie);
		*initiator = pair->half[0].owner;
	}
	spin_unlock_bh(&state->lock);
	return due;
}

/**
 * wgr_pair_cookie_keep - keep the answer to a probe of a pair route's end
 * @wgr: the relay
 * @via: the route's initiator endpoint, as the probe recorded it
 * @target: the peer probed
 * @at: where the answer came from: where the probe went (wgr_cookie_probed())
 * @cookie: the cookie it gave
 *
 * Kept in the route's pair, or in the pair that has taken the route over since
 * (route_add()), if the route still ends at @at.
 * Context: softirq; takes the state lock.
 * Return: true if kept.
 */
bool wgr_pair_cookie_keep(struct wgr_device *wgr, const struct wgr_endpoint *via,
			  struct wgr_peer *target, const struct wgr_endpoint *at,
			  const u8 cookie[WGR_TARGET_COOKIE_LEN])
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	bool kept = false;

	spin_lock_bh(&state->lock);
	pair = route_ending_at(wgr, via, target, at);
	if (pair)
		kept = wgr_route_cookie_keep(&pair->cookie, cookie);
	spin_unlock_bh(&state->lock);
	return kept;
}

/**
 * wgr_pair_partners - whom a peer talks to from an endpoint
 * @wgr: the relay
 * @peer: the peer (wgr_bind_owner() of @ep)
 * @ep: the endpoint
 * @out: filled with distinct partners, newest session first
 * @n: room in @out
 *
 * The targets an initiation from a peer's live binding most likely names: the
 * owners of the other halves of its confirmed sessions at @ep, which a source's
 * four hints may have lost (more partners, a remap, an eviction: pass 6, G8).
 * At most WGR_PARTNER_WALK of its halves are looked at, whatever their number,
 * first those at its binding and roams, newest first (half_prefer()): sessions
 * an attacker stages in the peer's name are at other endpoints, behind them.
 * Context: softirq, under rcu_read_lock(): the partners may be used until it
 * ends; takes the state lock.
 * Return: the number of partners in @out.
 */
unsigned int wgr_pair_partners(struct wgr_device *wgr, struct wgr_peer *peer,
			       const struct wgr_endpoint *ep, struct wgr_peer **out,
			       unsigned int n)
{
	struct wgr_state *state = &wgr->state;
	unsigned int found = 0, walked = 0, i;
	struct wgr_half *h;

	spin_lock_bh(&state->lock);
	list_for_each_entry(h, &peer->halves, peer_node) {
		struct wgr_peer *partner = wgr_half_other(h)->owner;

		if (found == n || ++walked > WGR_PARTNER_WALK)
			break;
		if (!wgr_half_pair(h)->confirmed || !half_ep_eq(&h->ep, ep))
			continue;
		for (i = 0; i < found && out[i] != partner; i++)
			;
		if (i == found)
			out[found++] = partner;
	}
	spin_unlock_bh(&state->lock);
	return found;
}

/**
 * wgr_pair_live_between - does a peer have a live confirmed session with
 * @partner, its own half at @ep and the partner's at @at?
 * @wgr: the relay
 * @peer: the peer
 * @ep: the peer's endpoint in it
 * @partner: the other peer
 * @at: the partner's endpoint in it
 *
 * What a peer's retry to @partner at @at must have to spend the retries'
 * budgets of a loaded target's stamps (relay.c, vouch_for()), whatever pair
 * route its source has: a forger's staging in the peer's name took the route
 * over and a roam ended it (G6), and the peer's retries had only the proven
 * sources' budget, which four networks of an attacker's spend (helper-91). A
 * session is what an attacker needs a response from @at for: without it, any
 * offline peer bound and proven at a socket of its own had a retry budget at
 * every loaded target. At most WGR_PARTNER_WALK halves are looked at, those at
 * the peer's binding first (half_prefer()).
 * Context: softirq, under rcu_read_lock(); takes the state lock.
 * Return: true if so.
 */
bool wgr_pair_live_between(struct wgr_device *wgr, struct wgr_peer *peer,
			   const struct wgr_endpoint *ep, struct wgr_peer *partner,
			   const struct wgr_endpoint *at)
{
	struct wgr_state *state = &wgr->state;
	unsigned int walked = 0;
	struct wgr_half *h;
	bool live = false;

	spin_lock_bh(&state->lock);
	list_for_each_entry(h, &peer->halves, peer_node) {
		struct wgr_half *other = wgr_half_other(h);
		struct wgr_pair *pair = wgr_half_pair(h);

		if (++walked > WGR_PARTNER_WALK)
			break;
		if (other->owner != partner || !pair->confirmed || !pair_live(wgr, pair) ||
		    !half_ep_eq(&h->ep, ep) || !half_ep_eq(&other->ep, at))
			continue;
		live = true;
		break;
	}
	spin_unlock_bh(&state->lock);
	return live;
}

/* Under the state lock, which keeps the pair and its peers. */
static void expired(struct wgr_device *wgr, struct wgr_pair *pair)
{
	struct wgr_endpoint ep;

	half_ep_unpack(&ep, &pair->half[0].ep);
	wgr_event(wgr, WGRELAY_EVENT_EXPIRED, pair->half[0].owner, pair->half[1].owner, &ep);
}

/* Pairs the sweep looks at per hold of the state lock (BH off on that CPU). */
#define WGR_GC_BATCH 1024

/*
 * A walk of every pair, in batches: the lock is dropped between them, so that
 * a table of a million sessions never stops a CPU's relaying for the whole
 * walk. state->gc_next survives removals in between (pair_remove()), and
 * sweep_lock keeps it to one walk at a time; @visit may remove the pair.
 * Return: the longest the lock was held, in ns, when @timed; else 0.
 * Context: process; takes the state lock.
 */
static u64 sweep_pairs(struct wgr_device *wgr, bool timed,
		       void (*visit)(struct wgr_device *wgr, struct wgr_pair *pair, void *arg),
		       void *arg)
{
	struct wgr_state *state = &wgr->state;
	u64 t0 = 0, longest = 0;
	unsigned int n;

	mutex_lock(&state->sweep_lock);
	spin_lock_bh(&state->lock);
	state->gc_next = state->pairs.next;
	for (;;) {
		if (timed)
			t0 = ktime_get_ns();
		for (n = 0; n < WGR_GC_BATCH && state->gc_next != &state->pairs; n++) {
			struct wgr_pair *pair = list_entry(state->gc_next, struct wgr_pair, list);

			state->gc_next = pair->list.next;
			visit(wgr, pair, arg);
		}
		if (timed)
			longest = max(longest, ktime_get_ns() - t0);
		if (state->gc_next == &state->pairs)
			break;
		spin_unlock_bh(&state->lock);
		cond_resched();
		spin_lock_bh(&state->lock);
	}
	state->gc_next = NULL;
	spin_unlock_bh(&state->lock);
	mutex_unlock(&state->sweep_lock);
	return longest;
}

/* The periodic sweep's work on one pair: expiry, and the halves' clocks. */
static void gc_pair(struct wgr_device *wgr, struct wgr_pair *pair, void *arg)
{
	/* An initiator sends data at once: an unconfirmed pair is a dead end. */
	unsigned long timeout = pair->confirmed ? *(unsigned long *)arg : WGR_HANDSHAKE_TIMEOUT;

	if (time_after(jiffies, READ_ONCE(pair->last_seen) + timeout)) {
		/* Unconfirmed ones are handshakes that failed: refusals tell why. */
		if (pair->confirmed)
			expired(wgr, pair);
		pair_remove(wgr, pair);
		wgr_stat_add(wgr, WGRELAY_STAT_SESSIONS_EXPIRED, 2);
	} else {
		half_rx_clamp(&pair->half[0]);
		half_rx_clamp(&pair->half[1]);
		wgr_route_cookie_clamp(&pair->cookie);
	}
}

/* The periodic sweep of sessions (wgr_state_gc()), or a timed one (debugfs). */
static u64 gc_sessions(struct wgr_device *wgr, bool timed)
{
	unsigned long session_timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;

	return sweep_pairs(wgr, timed, gc_pair, &session_timeout);
}

static void mark_local4(struct wgr_device *wgr, struct wgr_pair *pair, void *arg)
{
	__be32 addr = *(__be32 *)arg;
	int i;

	for (i = 0; i < 2; i++) {
		const struct wgr_half_ep *p = &pair->half[i].ep;

		if (p->family == AF_INET && p->addr.a4 == addr && !p->local)
			half_set_local(&pair->half[i]);
	}
}

/**
 * wgr_state_local4 - the machine took an IPv4 address
 * @wgr: a relay of the address's namespace
 * @addr: the address
 *
 * A peer of a live session may be at an address the machine takes only later
 * (a floating address; one added again after a restart restored sessions at
 * it): it is the machine's own from now on, so that the fast path leaves data
 * in its name to the socket path, which drops a spoof of it from outside as a
 * martian (wgr_half_lookup_outside()). Its own datagrams over loopback would
 * tell the relay as much (wgr_half_mark_local()), but only once it speaks.
 * IPv6 needs none of this: the fast path checks each IPv6 source.
 * Context: process (the address notifier, under RTNL); takes the state lock.
 */
void wgr_state_local4(struct wgr_device *wgr, __be32 addr)
{
	sweep_pairs(wgr, false, mark_local4, &addr);
}

/**
 * wgr_state_gc - expire learned state
 * @wgr: the relay
 *
 * Handshakes, sources and buckets are bounded and small: they are swept on every
 * run. Sessions and bindings can be many: they are swept every eighth of the
 * session timeout (at least once a second, at most every 30 seconds); lookups
 * ignore expired sessions in between.
 * Context: process (the relay's gc work item).
 */
void wgr_state_gc(struct wgr_device *wgr)
{
	unsigned long interval = clamp_t(unsigned long,
					 READ_ONCE(wgr->cfg.session_timeout) * HZ / 8, HZ, 30 * HZ);
	struct wgr_state *state = &wgr->state;

	wgr_handshakes_gc(&wgr->handshakes);
	wgr_sources_gc(&wgr->sources);
	wgr_ratelimit_gc(&wgr->ratelimit);
	if (!time_after_eq(jiffies, state->last_scan + interval))
		return;
	state->last_scan = jiffies;
	wgr_bindings_gc(wgr);
	gc_sessions(wgr, false);
}

/**
 * wgr_sessions_peer_read - a peer's traffic and sessions, for reporting
 * @wgr: the relay
 * @peer: the peer
 * @info: its traffic, session count and binding conflict are filled in; its
 *        binding (wgr_bind_read()) must be there already
 *
 * A live confirmed session that reaches the peer somewhere other than its
 * binding is a conflict: a squatter holds the binding, or the peer roamed and
 * its binding has not followed yet.
 * Context: process; takes the state lock.
 */
void wgr_sessions_peer_read(struct wgr_device *wgr, struct wgr_peer *peer,
			    struct wgr_peer_info *info)
{
	unsigned long timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;
	struct wgr_half *h;

	spin_lock_bh(&wgr->state.lock);
	memcpy(info->traffic, peer->retired, sizeof(info->traffic));
	info->handshakes = peer->handshakes;
	info->n_sessions = peer->n_sessions;
	list_for_each_entry(h, &peer->halves, peer_node) {
		struct wgr_half *other = wgr_half_other(h);
		struct wgr_pair *pair = wgr_half_pair(h);

		info->traffic[WGR_TX_PACKETS] += READ_ONCE(h->packets);
		info->traffic[WGR_TX_BYTES] += READ_ONCE(h->bytes);
		info->traffic[WGR_RX_PACKETS] += READ_ONCE(other->packets);
		info->traffic[WGR_RX_BYTES] += READ_ONCE(other->bytes);
		if (pair->confirmed && info->bind_status != WGRELAY_BINDING_STATUS_NONE &&
		    !time_after(jiffies, READ_ONCE(pair->last_seen) + timeout) &&
		    !half_ep_eq(&h->ep, &info->bind_ep))
			info->bind_conflict = true;
	}
	spin_unlock_bh(&wgr->state.lock);
}

static void session_info(struct wgr_half *h, struct wgr_session_info *info)
{
	struct wgr_pair *pair = wgr_half_pair(h);

	info->index = h->index;
	info->counterpart_index = wgr_half_other(h)->index;
	info->initiator = h->which == 0;
	info->leaked = pair->leaked;
	memcpy(info->owner, h->owner->public_key, WGRELAY_KEY_LEN);
	memcpy(info->counterpart, wgr_half_other(h)->owner->public_key, WGRELAY_KEY_LEN);
	half_ep_unpack(&info->ep, &h->ep);
	info->confirmed = pair->confirmed;
	info->last_seen = wgr_jiffies_to_unix(READ_ONCE(pair->last_seen));
	info->counter = READ_ONCE(h->counter);
	info->packets = READ_ONCE(h->packets);
	info->bytes = READ_ONCE(h->bytes);
}

/**
 * wgr_sessions_read - copy part of the session table for reporting
 * @wgr: the relay
 * @where: where to start (zeroed: the start of the table); moved past what is read
 * @out: where to copy; each entry's @at is its own place, for a reader that
 *       uses only some of them
 * @max: room in @out
 * @generation: set to the table's generation, for dump consistency checks
 *
 * Sessions come in table order: oldest pair first, its two halves in turn.
 * Context: process or softirq; takes the state lock.
 * Return: the number of sessions copied; less than @max at the end of the table.
 */
unsigned int wgr_sessions_read(struct wgr_device *wgr, struct wgr_sessions_pos *where,
			       struct wgr_session_info *out, unsigned int max,
			       u32 *generation)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	unsigned int n = 0;
	u8 k;

	spin_lock_bh(&state->lock);
	*generation = state->generation;
	if (where->stamp == state->removal_stamp) {
		/* Nothing was removed since: the pair is still listed (none: the end). */
		pair = where->pair ?: list_entry(&state->pairs, struct wgr_pair, list);
		k = where->half;
	} else {
		unsigned long skip = where->pos;

		/* A new reader, or pairs went: walk to the place again. */
		list_for_each_entry(pair, &state->pairs, list) {
			if (skip < 2)
				break;
			skip -= 2;
		}
		k = skip < 2 ? skip : 0;
	}
	for (; &pair->list != &state->pairs && n < max; pair = list_next_entry(pair, list)) {
		for (; k < 2 && n < max; k++, n++) {
			out[n].at = (struct wgr_sessions_pos){
				.pos = where->pos + n,
				.pair = pair,
				.stamp = state->removal_stamp,
				.half = k,
			};
			session_info(&pair->half[k], &out[n]);
		}
		if (k < 2)
			break;
		k = 0;
	}
	where->pos += n;
	where->pair = &pair->list != &state->pairs ? pair : NULL;
	where->half = k;
	where->stamp = state->removal_stamp;
	spin_unlock_bh(&state->lock);
	return n;
}

#ifdef CONFIG_WGRELAY_DEBUG
/*
 * Test-only, for the benchmark's table-at-scale runs (debugfs.c); never in a
 * release build. Nothing here is reachable from the network.
 */

/**
 * wgr_debug_pair_add - insert a synthetic, confirmed pair
 * @wgr: the relay
 * @a: owner of half 0
 * @b: owner of half 1
 * @idx: the receiver indices of the two halves
 * @ep: their endpoints
 *
 * Context: process; takes the state lock.
 * Return: 0 or a negative errno.
 */
int wgr_debug_pair_add(struct wgr_device *wgr, struct wgr_peer *a, struct wgr_peer *b,
		       const u32 idx[2], const struct wgr_endpoint ep[2])
{
	struct wgr_state *state = &wgr->state;
	struct wgr_peer *owner[2] = { a, b };
	struct wgr_pair *pair;
	int i, ret;

	pair = kmem_cache_zalloc(pair_cache, GFP_KERNEL);
	if (!pair)
		return -ENOMEM;
	seqcount_init(&pair->seq);
	pair->last_seen = jiffies;
	pair->confirmed = true;
	for (i = 0; i < 2; i++)
		half_init(&pair->half[i], i, idx[i], owner[i], &ep[i]);
	spin_lock_bh(&state->lock);
	ret = pair_link(state, pair, false);
	spin_unlock_bh(&state->lock);
	if (ret)
		call_rcu(&pair->rcu, pair_free_rcu);
	return ret;
}

/**
 * wgr_debug_gc_scan - run the periodic session sweep now
 * @wgr: the relay
 *
 * Context: process; takes the state lock, as the gc work item does.
 * Return: the longest the sweep held the state lock, in ns.
 */
u64 wgr_debug_gc_scan(struct wgr_device *wgr)
{
	return gc_sessions(wgr, true);
}
#endif /* CONFIG_WGRELAY_DEBUG */
