// SPDX-License-Identifier: GPL-2.0
/*
 * What a relay learns from traffic: sessions (by receiver index), handshakes in
 * flight, the sources that send handshakes, per-address token buckets and the
 * peers' bindings. Everything but the session lookup is changed under
 * wgr_state.lock; the data path looks sessions up under RCU and takes the lock
 * only to confirm a session or to move an endpoint.
 *
 * Everything an attacker can make the relay create is bounded (WGR_MAX_*), and
 * everything expires: lazily where the fast path looks, and in one periodic work
 * item per relay.
 */
#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <net/ipv6.h>

#include "device.h"
#include "session.h"

static siphash_key_t index_key __read_mostly;
static struct kmem_cache *pair_cache __read_mostly;
/* 128 bytes a session: keep it so (lockdep makes the seqcount bigger). */
static_assert(sizeof(struct wgr_pair) <= 256 || IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC));
static atomic64_t removal_stamps = ATOMIC64_INIT(0);

/*
 * Receiver indices are chosen by the peers, so an attacker can choose colliding
 * ones: hash them with a secret key (plus the table's own random seed, which
 * changes when rhashtable rehashes).
 */
static u32 index_hashfn(const void *data, u32 len, u32 seed)
{
	return siphash_2u32(*(const u32 *)data, seed, &index_key);
}

static const struct rhashtable_params session_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct wgr_half, index),
	.head_offset = offsetof(struct wgr_half, node),
	.hashfn = index_hashfn,
	.automatic_shrinking = true,
};

/**
 * wgr_jiffies_to_unix - convert a recent jiffies stamp to Unix seconds
 * @then: a jiffies value in the past
 *
 * Return: seconds since the epoch.
 */
u64 wgr_jiffies_to_unix(unsigned long then)
{
	unsigned long age = jiffies - then;

	return ktime_get_real_seconds() - age / HZ;
}

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

int wgr_state_init(struct wgr_state *state)
{
	get_random_once(&index_key, sizeof(index_key));
	spin_lock_init(&state->lock);
	mutex_init(&state->sweep_lock);
	atomic_set(&state->n_sessions, 0);
	INIT_LIST_HEAD(&state->pairs);
	INIT_LIST_HEAD(&state->hs_list);
	INIT_LIST_HEAD(&state->src_list);
	INIT_LIST_HEAD(&state->bucket_lru);
	hash_init(state->handshakes);
	hash_init(state->sources);
	hash_init(state->buckets);
	get_random_bytes(&state->seed, sizeof(state->seed));
	state->last_scan = jiffies;
	state->scan_rate = WGR_SCANS_PER_SECOND;
	state->removal_stamp = atomic64_inc_return(&removal_stamps);
	return rhltable_init(&state->sessions, &session_params);
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
	atomic_sub(2, &state->n_sessions);
	pair->removed = true;
	if (state->gc_next == &pair->list)
		state->gc_next = pair->list.next;
	list_del(&pair->list);
	state->generation++;
	state->removal_stamp = atomic64_inc_return(&removal_stamps);
	call_rcu(&pair->rcu, pair_free_rcu);
}

/* Every change to a binding goes through here, inside the peer's seqcount. */
static void set_binding(struct wgr_peer *peer, const struct wgr_endpoint *ep, u8 state,
			bool trusted)
{
	lockdep_assert_held(&peer->wgr->state.lock);
	write_seqcount_begin(&peer->bind_seq);
	if (ep)
		peer->bind_ep = *ep;
	else
		memset(&peer->bind_ep, 0, sizeof(peer->bind_ep));
	write_seqcount_end(&peer->bind_seq);
	peer->bind_state = state;
	peer->bind_trusted = trusted;
	peer->bind_time = jiffies;
}

static void handshake_remove(struct wgr_state *state, struct wgr_handshake *hs)
{
	lockdep_assert_held(&state->lock);
	hash_del(&hs->node);
	list_del(&hs->list);
	state->n_handshakes--;
	kfree(hs);
}

static void source_remove(struct wgr_state *state, struct wgr_source *src)
{
	lockdep_assert_held(&state->lock);
	hash_del(&src->node);
	list_del(&src->list);
	state->n_sources--;
	kfree(src);
}

static void bucket_remove(struct wgr_state *state, struct wgr_bucket *b)
{
	hash_del(&b->node);
	list_del(&b->lru);
	state->n_buckets--;
	kfree(b);
}

static void flush_sessions(struct wgr_device *wgr)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_handshake *hs, *hs_tmp;
	struct wgr_source *src, *src_tmp;
	struct wgr_pair *pair, *tmp;

	lockdep_assert_held(&state->lock);
	list_for_each_entry_safe(pair, tmp, &state->pairs, list)
		pair_remove(wgr, pair);
	list_for_each_entry_safe(hs, hs_tmp, &state->hs_list, list)
		handshake_remove(state, hs);
	list_for_each_entry_safe(src, src_tmp, &state->src_list, list)
		source_remove(state, src);
}

/**
 * wgr_state_flush - forget learned state
 * @wgr: the relay
 * @what: a mask of WGRELAY_FLUSH_*: sessions (with handshakes in flight and the
 *        sources' memory), bindings, or both
 *
 * Context: process; takes the state lock.
 */
void wgr_state_flush(struct wgr_device *wgr, u32 what)
{
	struct wgr_peer *peer;

	spin_lock_bh(&wgr->state.lock);
	if (what & WGRELAY_FLUSH_SESSIONS)
		flush_sessions(wgr);
	if (what & WGRELAY_FLUSH_BINDINGS) {
		rcu_read_lock();
		list_for_each_entry_rcu(peer, &wgr->peers.list, list)
			set_binding(peer, NULL, WGRELAY_BINDING_NONE, false);
		rcu_read_unlock();
	}
	spin_unlock_bh(&wgr->state.lock);
}

/**
 * wgr_state_destroy - free all learned state of a relay that is going away
 * @state: the state; its sockets are closed, so nothing adds to it any more
 */
void wgr_state_destroy(struct wgr_state *state)
{
	struct wgr_device *wgr = container_of(state, struct wgr_device, state);
	struct wgr_bucket *b, *tmp;

	spin_lock_bh(&state->lock);
	flush_sessions(wgr);
	list_for_each_entry_safe(b, tmp, &state->bucket_lru, lru)
		bucket_remove(state, b);
	spin_unlock_bh(&state->lock);
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
	struct wgr_handshake *hs, *hs_tmp;
	struct wgr_source *src;
	struct wgr_half *h, *tmp;
	int i;

	spin_lock_bh(&state->lock);
	WRITE_ONCE(peer->dead, true);
	/* A pair's halves have different owners (wgr_pair_create()), so tmp survives. */
	list_for_each_entry_safe(h, tmp, &peer->halves, peer_node)
		pair_remove(wgr, wgr_half_pair(h));
	list_for_each_entry_safe(hs, hs_tmp, &state->hs_list, list)
		if (hs->target == peer)
			handshake_remove(state, hs);
	list_for_each_entry(src, &state->src_list, list) {
		for (i = 0; i < WGR_SOURCE_RECENT; i++)
			if (src->recent[i] == peer)
				src->recent[i] = NULL;
		for (i = 0; i < WGR_SOURCE_PENDING; i++)
			if (src->pending[i] == peer)
				src->pending[i] = NULL;
		if (src->owner == peer)
			src->owner = NULL;
	}
	spin_unlock_bh(&state->lock);
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
	unsigned long timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;
	struct wgr_half *h, *candidate = NULL;
	struct rhlist_head *list, *pos;
	unsigned int live = 0;

	*elsewhere = false;
	list = rhltable_lookup(&wgr->state.sessions, &index, session_params);
	rhl_for_each_entry_rcu(h, pos, list, node) {
		struct wgr_pair *pair = wgr_half_pair(h);
		struct wgr_half_ep from;

		if (time_after(jiffies, READ_ONCE(pair->last_seen) + timeout))
			continue;
		half_ep_read(wgr_half_other(h), &from);
		if (half_ep_eq(&from, src))
			return h;
		candidate = h;
		live++;
	}
	if (live != 1)
		return NULL;
	*elsewhere = true;
	return candidate;
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
 * wgr_bind - record where a peer is
 * @peer: the peer
 * @ep: its endpoint
 * @state: WGRELAY_BINDING_TENTATIVE or WGRELAY_BINDING_CONFIRMED
 * @trusted: a confirmation by a trusted pair (see wgr_pair_create())
 *
 * A tentative binding never replaces a confirmed one: only proof moves a peer.
 * And only proof from a trusted pair moves a trusted binding: a pair learned
 * through discovery may have been made by one attacker playing both sides.
 * Context: the state lock.
 */
void wgr_bind(struct wgr_peer *peer, const struct wgr_endpoint *ep, u8 state, bool trusted)
{
	bool same = wgr_endpoint_eq(&peer->bind_ep, ep);

	lockdep_assert_held(&peer->wgr->state.lock);
	if (peer->bind_state == WGRELAY_BINDING_CONFIRMED) {
		if (state == WGRELAY_BINDING_TENTATIVE)
			return;
		if (peer->bind_trusted && !trusted && !same)
			return;
		trusted |= peer->bind_trusted && same;
	}
	set_binding(peer, ep, state, state == WGRELAY_BINDING_CONFIRMED && trusted);
	if (state == WGRELAY_BINDING_CONFIRMED)
		WRITE_ONCE(peer->last_rx, jiffies);
}

/**
 * wgr_peer_bound_at - is a peer's binding this endpoint?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Context: any; reads the binding without the state lock.
 * Return: true if the peer has a confirmed binding at @ep.
 */
bool wgr_peer_bound_at(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_endpoint bound;
	unsigned int seq;

	if (READ_ONCE(peer->bind_state) != WGRELAY_BINDING_CONFIRMED)
		return false;
	do {
		seq = read_seqcount_begin(&peer->bind_seq);
		bound = peer->bind_ep;
	} while (read_seqcount_retry(&peer->bind_seq, seq));
	return wgr_endpoint_eq(&bound, ep);
}

/**
 * wgr_peer_route - where should an initiation for this peer go?
 * @peer: the target
 * @ep: set to the endpoint
 * @trusted: set if that endpoint is trusted: only then does it go there alone
 *
 * A trusted confirmed binding wins, then the operator's static endpoint, then a
 * binding learned through discovery (untrusted: the caller keeps discovering, so
 * that a squatter cannot cut the real peer off). Tentative bindings are not used:
 * anyone who got a discovery copy could have made one.
 * Context: the state lock.
 * Return: true if there is somewhere to send it.
 */
bool wgr_peer_route(struct wgr_peer *peer, struct wgr_endpoint *ep, bool *trusted)
{
	bool bound = peer->bind_state == WGRELAY_BINDING_CONFIRMED;

	lockdep_assert_held(&peer->wgr->state.lock);
	*trusted = true;
	if (bound && peer->bind_trusted) {
		*ep = peer->bind_ep;
		return true;
	}
	if (wgr_endpoint_set(&peer->static_ep)) {
		*ep = peer->static_ep;
		return true;
	}
	*trusted = false;
	if (bound)
		*ep = peer->bind_ep;
	return bound;
}

/* @h is zeroed. */
static void half_init(struct wgr_half *h, u8 which, u32 index, struct wgr_peer *owner,
		      const struct wgr_endpoint *ep)
{
	h->which = which;
	h->index = index;
	h->owner = owner;
	half_ep_pack(&h->ep, ep);
}

/*
 * Hash a new pair's halves and put it on every list. On failure it is on none,
 * but a reader may have found half 0 while it was hashed: the caller frees it
 * after a grace period (call_rcu()).
 * Context: the state lock.
 */
static int pair_link(struct wgr_state *state, struct wgr_pair *pair)
{
	int i, ret;

	lockdep_assert_held(&state->lock);
	ret = rhltable_insert(&state->sessions, &pair->half[0].node, session_params);
	if (ret)
		return ret;
	ret = rhltable_insert(&state->sessions, &pair->half[1].node, session_params);
	if (ret) {
		rhltable_remove(&state->sessions, &pair->half[0].node, session_params);
		return ret;
	}
	for (i = 0; i < 2; i++) {
		list_add_tail(&pair->half[i].peer_node, &pair->half[i].owner->halves);
		pair->half[i].owner->n_sessions++;
	}
	list_add_tail(&pair->list, &state->pairs);
	atomic_add(2, &state->n_sessions);
	state->generation++;
	return 0;
}

/* Live halves with this receiver index: a chain an attacker must not lengthen. */
static unsigned int index_sharers(struct wgr_device *wgr, u32 index)
{
	struct rhlist_head *list, *pos;
	struct wgr_half *h;
	unsigned int n = 0;

	rcu_read_lock();
	list = rhltable_lookup(&wgr->state.sessions, &index, session_params);
	rhl_for_each_entry_rcu(h, pos, list, node)
		n++;
	rcu_read_unlock();
	return n;
}

/**
 * wgr_pair_create - make the two sessions a handshake response announces
 * @wgr: the relay
 * @hs: the handshake in flight: its initiator endpoint and sender index
 * @initiator: the peer the response's mac1 was made for
 * @responder_index: the response's sender index: data to the responder carries it
 * @responder_ep: where the response came from
 *
 * Both halves start tentative; see wgr_pair_confirm(). The pair is trusted when
 * the response came from where the relay already knew the target to be: then
 * the target really answered, and really named the initiator. A response from a
 * discovery candidate proves nothing: one attacker can play both sides.
 * Context: the state lock.
 * Return: the pair, or an ERR_PTR (-ENOSPC when max-sessions is reached or an
 * index is already shared by WGR_MAX_INDEX_SHARERS sessions).
 */
struct wgr_pair *wgr_pair_create(struct wgr_device *wgr, struct wgr_handshake *hs,
				 struct wgr_peer *initiator, u32 responder_index,
				 const struct wgr_endpoint *responder_ep)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	int ret;

	lockdep_assert_held(&state->lock);
	if (WARN_ON_ONCE(initiator == hs->target))
		return ERR_PTR(-EINVAL);
	if (atomic_read(&state->n_sessions) + 2 > READ_ONCE(wgr->cfg.max_sessions))
		return ERR_PTR(-ENOSPC);
	if (index_sharers(wgr, hs->sender) >= WGR_MAX_INDEX_SHARERS ||
	    index_sharers(wgr, responder_index) >= WGR_MAX_INDEX_SHARERS)
		return ERR_PTR(-ENOSPC);
	pair = kmem_cache_zalloc(pair_cache, GFP_ATOMIC);
	if (!pair)
		return ERR_PTR(-ENOMEM);
	seqcount_init(&pair->seq);
	pair->last_seen = jiffies;
	pair->trusted = (hs->trusted && wgr_endpoint_eq(responder_ep, &hs->fwd[0])) ||
			wgr_endpoint_eq(responder_ep, &hs->target->static_ep);
	pair->leaked = hs->n_fwd > 1;
	half_init(&pair->half[0], 0, hs->sender, initiator, &hs->initiator);
	half_init(&pair->half[1], 1, responder_index, hs->target, responder_ep);
	ret = pair_link(state, pair);
	if (ret) {
		call_rcu(&pair->rcu, pair_free_rcu);
		return ERR_PTR(ret);
	}
	return pair;
}

static void source_drop_pending(struct wgr_state *state, const struct wgr_endpoint *ep,
				struct wgr_peer *target);
static struct wgr_source *source_lookup(struct wgr_state *state, const struct wgr_endpoint *ep);
static void handshake_drop(struct wgr_state *state, u32 sender,
			   const struct wgr_endpoint *initiator);

/**
 * wgr_pair_confirm - the first data on a pair proves its handshake completed
 * @wgr: the relay
 * @pair: the pair
 *
 * The initiator sends data only after verifying the response, so the responder
 * holds the target's key and answered the initiator: both endpoints are proven.
 * Context: the state lock.
 */
void wgr_pair_confirm(struct wgr_device *wgr, struct wgr_pair *pair)
{
	struct wgr_half *ini = &pair->half[0], *resp = &pair->half[1];
	struct wgr_endpoint ini_ep, resp_ep;
	struct wgr_source *src;

	lockdep_assert_held(&wgr->state.lock);
	if (pair->confirmed)
		return;
	WRITE_ONCE(pair->confirmed, true);
	half_ep_unpack(&ini_ep, &ini->ep);
	half_ep_unpack(&resp_ep, &resp->ep);
	wgr_bind(ini->owner, &ini_ep, WGRELAY_BINDING_CONFIRMED, pair->trusted);
	wgr_bind(resp->owner, &resp_ep, WGRELAY_BINDING_CONFIRMED, pair->trusted);
	handshake_drop(&wgr->state, ini->index, &ini_ep);
	src = source_lookup(&wgr->state, &ini_ep);
	if (src)
		src->owner = ini->owner;
	source_drop_pending(&wgr->state, &ini_ep, resp->owner);
	source_drop_pending(&wgr->state, &resp_ep, ini->owner);
	wgr_stat_inc(wgr, WGRELAY_STAT_CONFIRMS);
}

/**
 * wgr_pair_roam - the sender on a half has moved
 * @wgr: the relay
 * @sender: the half whose owner moved (data to it now goes to @ep)
 * @ep: its new endpoint
 *
 * Context: the state lock. The caller checked the counter was fresh.
 */
void wgr_pair_roam(struct wgr_device *wgr, struct wgr_half *sender,
		   const struct wgr_endpoint *ep)
{
	struct wgr_pair *pair = wgr_half_pair(sender);

	lockdep_assert_held(&wgr->state.lock);
	write_seqcount_begin(&pair->seq);
	half_ep_pack(&sender->ep, ep);
	write_seqcount_end(&pair->seq);
	if (pair->confirmed)
		wgr_bind(sender->owner, ep, WGRELAY_BINDING_CONFIRMED, pair->trusted);
	wgr_stat_inc(wgr, WGRELAY_STAT_ROAMS);
}

static u32 ep_hash(struct wgr_state *state, const struct wgr_endpoint *ep)
{
	const u32 *a6 = (__force const u32 *)ep->addr6.sin6_addr.s6_addr32;

	if (ep->addr.sa_family == AF_INET)
		return siphash_2u32((__force u32)ep->addr4.sin_addr.s_addr,
				    (__force u32)ep->addr4.sin_port, &state->seed);
	/* The port goes into the hash, not beside it: chains must not be choosable. */
	return siphash_3u32(siphash_4u32(a6[0], a6[1], a6[2], a6[3], &state->seed),
			    (__force u32)ep->addr6.sin6_port, ep->addr6.sin6_scope_id,
			    &state->seed);
}

/* A source address for rate limiting: IPv4 address, or IPv6 /64 (like WireGuard). */
static void bucket_key(const struct wgr_endpoint *ep, u64 key[2])
{
	if (ep->addr.sa_family == AF_INET) {
		key[0] = (__force u32)ep->addr4.sin_addr.s_addr;
		key[1] = 0;
	} else {
		memcpy(&key[0], &ep->addr6.sin6_addr, sizeof(u64));
		key[1] = 1;
	}
}

/**
 * wgr_ratelimit_allow - take a token from the source address's bucket
 * @wgr: the relay
 * @src: the handshake's sender
 *
 * Context: the state lock.
 * Return: true if the handshake may be processed.
 */
bool wgr_ratelimit_allow(struct wgr_device *wgr, const struct wgr_endpoint *src)
{
	const u64 cost = NSEC_PER_SEC / WGR_HS_PER_SECOND;
	const u64 max_tokens = cost * WGR_HS_BURST;
	struct wgr_state *state = &wgr->state;
	u64 now = ktime_get_coarse_boottime_ns();
	struct wgr_bucket *b;
	u64 key[2];
	u32 hash;

	lockdep_assert_held(&state->lock);
	bucket_key(src, key);
	hash = siphash(key, sizeof(key), &state->seed);
	hash_for_each_possible(state->buckets, b, node, hash) {
		if (b->key[0] != key[0] || b->key[1] != key[1])
			continue;
		b->tokens = min(max_tokens, b->tokens + (now - b->last_ns));
		b->last_ns = now;
		list_move_tail(&b->lru, &state->bucket_lru);
		if (b->tokens < cost)
			return false;
		b->tokens -= cost;
		return true;
	}
	/*
	 * Full means many sources at once: forget the longest idle rather than grow,
	 * or refuse every new source (and so every legitimate peer) while it lasts.
	 */
	if (state->n_buckets >= WGR_MAX_BUCKETS)
		bucket_remove(state, list_first_entry(&state->bucket_lru, struct wgr_bucket, lru));
	b = kmalloc(sizeof(*b), GFP_ATOMIC);
	if (!b)
		return false;
	b->key[0] = key[0];
	b->key[1] = key[1];
	b->tokens = max_tokens - cost;
	b->last_ns = now;
	hash_add(state->buckets, &b->node, hash);
	list_add_tail(&b->lru, &state->bucket_lru);
	state->n_buckets++;
	return true;
}

/**
 * wgr_scan_allow - may the relay start a mac1 scan for an unknown receiver?
 * @wgr: the relay
 *
 * One budget per relay, refilled at wgr_state.scan_rate mac1s a second
 * (WGR_SCANS_PER_SECOND; only the debug build's test knob changes it) and
 * holding a second's worth. A scan may start while the budget is positive and is charged
 * what it really tried (wgr_scan_charge()): a scan that finds its peer early
 * costs little, one for a mac1 nobody's costs every peer. The budget goes below
 * zero by at most the scans in flight, one per CPU, and must refill before the
 * next one starts.
 * Context: the state lock.
 * Return: true if a scan may run.
 */
bool wgr_scan_allow(struct wgr_device *wgr)
{
	struct wgr_state *state = &wgr->state;
	u64 now = ktime_get_coarse_boottime_ns();
	u64 elapsed = min_t(u64, now - state->scan_last_ns, NSEC_PER_SEC);

	lockdep_assert_held(&state->lock);
	state->scan_last_ns = now;
	state->scan_tokens = min_t(s64, state->scan_rate, state->scan_tokens +
				   (s64)div_u64(elapsed * state->scan_rate, NSEC_PER_SEC));
	return state->scan_tokens > 0;
}

/**
 * wgr_scan_charge - charge a scan's mac1 computations to the budget
 * @wgr: the relay
 * @tried: how many peers the scan tried
 *
 * Context: the state lock.
 */
void wgr_scan_charge(struct wgr_device *wgr, u32 tried)
{
	lockdep_assert_held(&wgr->state.lock);
	wgr->state.scan_tokens -= tried;
}

static struct wgr_source *source_find(struct wgr_state *state, const struct wgr_endpoint *ep,
				      u32 hash)
{
	struct wgr_source *src;

	hash_for_each_possible(state->sources, src, node, hash)
		if (wgr_endpoint_eq(&src->ep, ep))
			return src;
	return NULL;
}

/* As source_find(), for callers that do not need the hash themselves. */
static struct wgr_source *source_lookup(struct wgr_state *state, const struct wgr_endpoint *ep)
{
	return source_find(state, ep, ep_hash(state, ep));
}

/**
 * wgr_source_get - the record of an endpoint that sends initiations, made if new
 * @wgr: the relay
 * @ep: the endpoint (its local address is kept: discovery copies are sent from it)
 *
 * When the table is full the least recently active source is forgotten.
 * Context: the state lock.
 * Return: the record, or NULL if memory is short.
 */
struct wgr_source *wgr_source_get(struct wgr_device *wgr, const struct wgr_endpoint *ep)
{
	struct wgr_state *state = &wgr->state;
	u32 hash = ep_hash(state, ep);
	struct wgr_source *src;

	lockdep_assert_held(&state->lock);
	src = source_find(state, ep, hash);
	if (src) {
		src->ep = *ep;
		goto touch;
	}
	if (state->n_sources >= WGR_MAX_SOURCES)
		source_remove(state, list_first_entry(&state->src_list, struct wgr_source, list));
	src = kzalloc(sizeof(*src), GFP_ATOMIC);
	if (!src)
		return NULL;
	src->ep = *ep;
	hash_add(state->sources, &src->node, hash);
	list_add_tail(&src->list, &state->src_list);
	state->n_sources++;
touch:
	src->last = jiffies;
	list_move_tail(&src->list, &state->src_list);
	return src;
}

/**
 * wgr_source_hints - the targets an endpoint initiated to recently
 * @wgr: the relay
 * @ep: the endpoint
 * @hints: filled with them, most recent first; NULL where there are none
 *
 * Creates nothing: a source is remembered only once its mac1 named a peer.
 * Context: the state lock.
 */
void wgr_source_hints(struct wgr_device *wgr, const struct wgr_endpoint *ep,
		      struct wgr_peer *hints[WGR_SOURCE_RECENT])
{
	struct wgr_source *src;

	lockdep_assert_held(&wgr->state.lock);
	src = source_lookup(&wgr->state, ep);
	if (src)
		memcpy(hints, src->recent, sizeof(src->recent));
	else
		memset(hints, 0, sizeof(src->recent));
}

/**
 * wgr_source_owner - the peer last proven to be at an endpoint
 * @wgr: the relay
 * @ep: the endpoint
 *
 * Context: the state lock; the peer may be used under RCU after it is dropped.
 * Return: the peer, or NULL.
 */
struct wgr_peer *wgr_source_owner(struct wgr_device *wgr, const struct wgr_endpoint *ep)
{
	struct wgr_source *src;

	lockdep_assert_held(&wgr->state.lock);
	src = source_lookup(&wgr->state, ep);
	return src ? src->owner : NULL;
}

/* Keep a target at the front of a most-recent-first array, dropping the oldest. */
static void mru_insert(struct wgr_peer **arr, unsigned long *since, unsigned int n,
		       struct wgr_peer *peer)
{
	unsigned int i, at = n - 1;

	for (i = 0; i < n; i++) {
		if (arr[i] == peer) {
			at = i;
			break;
		}
	}
	memmove(&arr[1], &arr[0], at * sizeof(arr[0]));
	arr[0] = peer;
	if (since) {
		memmove(&since[1], &since[0], at * sizeof(since[0]));
		since[0] = jiffies;
	}
}

void wgr_source_note_target(struct wgr_source *src, struct wgr_peer *target)
{
	if (src->recent[0] != target)
		mru_insert(src->recent, NULL, WGR_SOURCE_RECENT, target);
}

void wgr_source_add_pending(struct wgr_source *src, struct wgr_peer *target)
{
	mru_insert(src->pending, src->pending_since, WGR_SOURCE_PENDING, target);
}

static void source_drop_pending(struct wgr_state *state, const struct wgr_endpoint *ep,
				struct wgr_peer *target)
{
	struct wgr_source *src = source_lookup(state, ep);
	int i;

	if (!src)
		return;
	for (i = 0; i < WGR_SOURCE_PENDING; i++)
		if (src->pending[i] == target)
			src->pending[i] = NULL;
}

/**
 * wgr_discovery_candidates - where to send an initiation for a peer with no endpoint
 * @wgr: the relay
 * @from: the initiator's endpoint, never a candidate
 * @skip: an endpoint the initiation goes to anyway, or NULL
 * @target: the peer the initiation is for
 * @out: filled with up to @max endpoints
 * @max: the fanout
 *
 * A peer behind NAT with PersistentKeepalive initiates to its own peers until it
 * is bound, so it shows up as a source with pending targets. @target is among
 * those sources whose pending target it may talk to; the most recently active
 * come first. A wrong recipient cannot decrypt the copy and drops it. No endpoint
 * gets more than WGR_DISCOVERY_PER_SECOND copies a second, so that forged
 * initiations cannot turn the relay into an amplifier against it.
 * Context: the state lock.
 * Return: the number of endpoints in @out.
 */
unsigned int wgr_discovery_candidates(struct wgr_device *wgr, const struct wgr_endpoint *from,
				      const struct wgr_endpoint *skip, struct wgr_peer *target,
				      struct wgr_endpoint *out, unsigned int max)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_source *src;
	unsigned int n = 0;
	int i;

	lockdep_assert_held(&state->lock);
	list_for_each_entry_reverse(src, &state->src_list, list) {
		if (n >= max)
			break;
		if (wgr_endpoint_eq(&src->ep, from) || (skip && wgr_endpoint_eq(&src->ep, skip)))
			continue;
		if (time_after(jiffies, src->disc_window + HZ)) {
			src->disc_window = jiffies;
			src->disc_count = 0;
		}
		if (src->disc_count >= WGR_DISCOVERY_PER_SECOND)
			continue;
		for (i = 0; i < WGR_SOURCE_PENDING; i++) {
			struct wgr_peer *p = src->pending[i];

			if (!p || time_after(jiffies, src->pending_since[i] + WGR_PENDING_TIMEOUT))
				continue;
			if (wgr_peers_may_talk(p, target)) {
				out[n++] = src->ep;
				src->disc_count++;
				break;
			}
		}
	}
	return n;
}

static u32 hs_hash(struct wgr_state *state, u32 sender)
{
	return siphash_1u32(sender, &state->seed);
}

static void handshake_drop(struct wgr_state *state, u32 sender,
			   const struct wgr_endpoint *initiator)
{
	struct wgr_handshake *hs;
	struct hlist_node *tmp;

	hash_for_each_possible_safe(state->handshakes, hs, tmp, node, hs_hash(state, sender))
		if (hs->sender == sender && wgr_endpoint_eq(&hs->initiator, initiator))
			handshake_remove(state, hs);
}

/**
 * wgr_handshake_record - remember a forwarded initiation
 * @wgr: the relay
 * @sender: its sender index
 * @initiator: where it came from
 * @target: the peer its mac1 names
 * @trusted: @fwd[0] is the target's trusted binding or static endpoint
 * @fwd: where it was forwarded
 * @n_fwd: how many endpoints in @fwd
 *
 * Keyed by sender index and initiator endpoint, so that a replay from elsewhere
 * cannot take over a genuine initiation's record. A repeat replaces the old one.
 * A full table forgets its oldest record: a flood must not stop every handshake.
 * Context: the state lock.
 * Return: the record, or NULL if memory is short.
 */
struct wgr_handshake *wgr_handshake_record(struct wgr_device *wgr, u32 sender,
					   const struct wgr_endpoint *initiator,
					   struct wgr_peer *target, bool trusted,
					   const struct wgr_endpoint *fwd, unsigned int n_fwd)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_handshake *hs;

	lockdep_assert_held(&state->lock);
	handshake_drop(state, sender, initiator);
	if (state->n_handshakes >= WGR_MAX_HANDSHAKES)
		handshake_remove(state, list_first_entry(&state->hs_list,
							 struct wgr_handshake, list));
	hs = kmalloc(struct_size(hs, fwd, n_fwd), GFP_ATOMIC);
	if (!hs)
		return NULL;
	hs->sender = sender;
	hs->initiator = *initiator;
	hs->target = target;
	hs->time = jiffies;
	hs->trusted = trusted;
	hs->n_fwd = n_fwd;
	memcpy(hs->fwd, fwd, n_fwd * sizeof(*fwd));
	hash_add(state->handshakes, &hs->node, hs_hash(state, sender));
	list_add_tail(&hs->list, &state->hs_list);
	state->n_handshakes++;
	return hs;
}

/**
 * wgr_handshake_answered - the handshake a response or cookie reply answers
 * @wgr: the relay
 * @sender: the answer's receiver index: the initiation's sender index
 * @from: where the answer came from
 *
 * Only an endpoint the initiation was forwarded to (or the target's static
 * endpoint) may answer it: off-path attackers cannot inject answers. If a replay
 * made two records match, the oldest, the genuine one, wins.
 * Context: the state lock.
 * Return: the handshake, or NULL.
 */
struct wgr_handshake *wgr_handshake_answered(struct wgr_device *wgr, u32 sender,
					     const struct wgr_endpoint *from)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_handshake *hs, *best = NULL;
	u32 i;

	lockdep_assert_held(&state->lock);
	hash_for_each_possible(state->handshakes, hs, node, hs_hash(state, sender)) {
		bool match = wgr_endpoint_eq(&hs->target->static_ep, from);

		if (hs->sender != sender ||
		    time_after(jiffies, hs->time + WGR_HANDSHAKE_TIMEOUT))
			continue;
		for (i = 0; i < hs->n_fwd && !match; i++)
			match = wgr_endpoint_eq(&hs->fwd[i], from);
		if (match && (!best || time_before(hs->time, best->time)))
			best = hs;
	}
	return best;
}

/* Pairs the sweep looks at per hold of the state lock (BH off on that CPU). */
#define WGR_GC_BATCH 1024

/*
 * The periodic sweep of sessions, in batches: the lock is dropped between them,
 * so that a table of a million sessions never stops a CPU's relaying for the
 * whole sweep. state->gc_next survives removals in between (pair_remove()).
 * Return: the longest the lock was held, in ns, when @timed; else 0.
 * Context: process; takes the state lock.
 */
static u64 gc_sessions(struct wgr_device *wgr, bool timed)
{
	unsigned long session_timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;
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
			/* An initiator sends data at once: an unconfirmed pair is a dead end. */
			unsigned long timeout = pair->confirmed ? session_timeout
								: WGR_HANDSHAKE_TIMEOUT;

			state->gc_next = pair->list.next;
			if (time_after(jiffies, READ_ONCE(pair->last_seen) + timeout)) {
				pair_remove(wgr, pair);
				wgr_stat_add(wgr, WGRELAY_STAT_SESSIONS_EXPIRED, 2);
			}
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

/* Context: the state lock. */
static void gc_bindings(struct wgr_device *wgr)
{
	unsigned long binding_timeout = READ_ONCE(wgr->cfg.binding_timeout) * HZ;
	struct wgr_peer *peer;

	lockdep_assert_held(&wgr->state.lock);
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		unsigned long seen = peer->bind_time;

		if (peer->bind_state == WGRELAY_BINDING_NONE)
			continue;
		if (peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
		    time_after(READ_ONCE(peer->last_rx), seen))
			seen = READ_ONCE(peer->last_rx);
		if (time_after(jiffies, seen + binding_timeout)) {
			set_binding(peer, NULL, WGRELAY_BINDING_NONE, false);
			wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_EXPIRED);
		}
	}
	rcu_read_unlock();
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
	u64 now_ns = ktime_get_coarse_boottime_ns();
	struct wgr_handshake *hs, *hs_tmp;
	struct wgr_source *src, *src_tmp;
	struct wgr_bucket *b, *b_tmp;
	bool sweep;

	spin_lock_bh(&state->lock);
	list_for_each_entry_safe(hs, hs_tmp, &state->hs_list, list) {
		if (!time_after(jiffies, hs->time + WGR_HANDSHAKE_TIMEOUT))
			break;
		handshake_remove(state, hs);
	}
	list_for_each_entry_safe(src, src_tmp, &state->src_list, list) {
		if (!time_after(jiffies, src->last + WGR_PENDING_TIMEOUT))
			break;
		source_remove(state, src);
	}
	list_for_each_entry_safe(b, b_tmp, &state->bucket_lru, lru) {
		if (now_ns - b->last_ns <= NSEC_PER_SEC)
			break;
		bucket_remove(state, b);
	}
	sweep = time_after_eq(jiffies, state->last_scan + interval);
	if (sweep) {
		state->last_scan = jiffies;
		gc_bindings(wgr);
	}
	spin_unlock_bh(&state->lock);
	if (sweep)
		gc_sessions(wgr, false);
}

static void session_info(struct wgr_half *h, struct wgr_session_info *info)
{
	struct wgr_pair *pair = wgr_half_pair(h);

	info->index = h->index;
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
	ret = pair_link(state, pair);
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
