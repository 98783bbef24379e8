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

int wgr_state_init(struct wgr_state *state)
{
	get_random_once(&index_key, sizeof(index_key));
	spin_lock_init(&state->lock);
	atomic_set(&state->n_sessions, 0);
	INIT_LIST_HEAD(&state->pairs);
	INIT_LIST_HEAD(&state->hs_list);
	INIT_LIST_HEAD(&state->src_list);
	hash_init(state->handshakes);
	hash_init(state->sources);
	hash_init(state->buckets);
	get_random_bytes(&state->seed, sizeof(state->seed));
	state->last_scan = jiffies;
	return rhltable_init(&state->sessions, &session_params);
}

static void pair_free_rcu(struct rcu_head *rcu)
{
	struct wgr_pair *pair = container_of(rcu, struct wgr_pair, rcu);

	dst_cache_destroy(&pair->half[0].dst_cache);
	dst_cache_destroy(&pair->half[1].dst_cache);
	kfree(pair);
}

static void pair_remove(struct wgr_device *wgr, struct wgr_pair *pair)
{
	struct wgr_state *state = &wgr->state;
	int i;

	lockdep_assert_held(&state->lock);
	for (i = 0; i < 2; i++) {
		struct wgr_half *h = &pair->half[i];
		u64 packets = atomic64_read(&h->packets);
		u64 bytes = atomic64_read(&h->bytes);

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
	list_del(&pair->list);
	state->generation++;
	call_rcu(&pair->rcu, pair_free_rcu);
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
		list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
			memset(&peer->bind_ep, 0, sizeof(peer->bind_ep));
			peer->bind_state = WGRELAY_BINDING_NONE;
		}
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

	spin_lock_bh(&state->lock);
	flush_sessions(wgr);
	while (state->n_buckets) {
		struct wgr_bucket *b;
		struct hlist_node *tmp;
		int bkt;

		hash_for_each_safe(state->buckets, bkt, tmp, b, node) {
			hash_del(&b->node);
			kfree(b);
			state->n_buckets--;
		}
	}
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
	}
	spin_unlock_bh(&state->lock);
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
		struct wgr_endpoint from;

		if (time_after(jiffies, READ_ONCE(pair->last_seen) + timeout))
			continue;
		wgr_half_read_ep(wgr_half_other(h), &from);
		if (wgr_endpoint_eq(&from, src))
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
	struct wgr_pair *pair = wgr_half_pair(h);
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&pair->seq);
		*ep = h->ep;
	} while (read_seqcount_retry(&pair->seq, seq));
}

/**
 * wgr_bind - record where a peer is
 * @peer: the peer
 * @ep: its endpoint
 * @state: WGRELAY_BINDING_TENTATIVE or WGRELAY_BINDING_CONFIRMED
 *
 * A tentative binding never replaces a confirmed one: only proof moves a peer.
 * Context: the state lock.
 */
void wgr_bind(struct wgr_peer *peer, const struct wgr_endpoint *ep, u8 state)
{
	lockdep_assert_held(&peer->wgr->state.lock);
	if (state == WGRELAY_BINDING_TENTATIVE && peer->bind_state == WGRELAY_BINDING_CONFIRMED)
		return;
	peer->bind_ep = *ep;
	peer->bind_state = state;
	peer->bind_time = jiffies;
	if (state == WGRELAY_BINDING_CONFIRMED)
		WRITE_ONCE(peer->last_rx, jiffies);
}

/**
 * wgr_peer_route - where should an initiation for this peer go?
 * @peer: the target
 * @ep: set to the endpoint
 *
 * A confirmed binding wins; otherwise the operator's static endpoint. Tentative
 * bindings are not used: anyone who got a discovery copy could have made one.
 * Context: the state lock.
 * Return: true if there is somewhere to send it.
 */
bool wgr_peer_route(struct wgr_peer *peer, struct wgr_endpoint *ep)
{
	lockdep_assert_held(&peer->wgr->state.lock);
	if (peer->bind_state == WGRELAY_BINDING_CONFIRMED) {
		*ep = peer->bind_ep;
		return true;
	}
	if (wgr_endpoint_set(&peer->static_ep)) {
		*ep = peer->static_ep;
		return true;
	}
	return false;
}

static int half_init(struct wgr_half *h, u8 which, u32 index, struct wgr_peer *owner,
		     const struct wgr_endpoint *ep)
{
	h->which = which;
	h->index = index;
	h->owner = owner;
	h->ep = *ep;
	atomic64_set(&h->packets, 0);
	atomic64_set(&h->bytes, 0);
	return dst_cache_init(&h->dst_cache, GFP_ATOMIC);
}

/**
 * wgr_pair_create - make the two sessions a handshake response announces
 * @wgr: the relay
 * @hs: the handshake in flight: its initiator endpoint and sender index
 * @initiator: the peer the response's mac1 was made for
 * @responder_index: the response's sender index: data to the responder carries it
 * @responder_ep: where the response came from
 *
 * Both halves start tentative; see wgr_pair_confirm().
 * Context: the state lock.
 * Return: the pair, or an ERR_PTR (-ENOSPC when max-sessions is reached).
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
	pair = kzalloc(sizeof(*pair), GFP_ATOMIC);
	if (!pair)
		return ERR_PTR(-ENOMEM);
	seqcount_init(&pair->seq);
	pair->last_seen = jiffies;
	ret = half_init(&pair->half[0], 0, hs->sender, initiator, &hs->initiator);
	if (ret)
		goto err_free;
	ret = half_init(&pair->half[1], 1, responder_index, hs->target, responder_ep);
	if (ret)
		goto err_cache0;
	ret = rhltable_insert(&state->sessions, &pair->half[0].node, session_params);
	if (ret)
		goto err_cache1;
	ret = rhltable_insert(&state->sessions, &pair->half[1].node, session_params);
	if (ret)
		goto err_unhash0;

	list_add_tail(&pair->half[0].peer_node, &initiator->halves);
	list_add_tail(&pair->half[1].peer_node, &hs->target->halves);
	initiator->n_sessions++;
	hs->target->n_sessions++;
	list_add_tail(&pair->list, &state->pairs);
	atomic_add(2, &state->n_sessions);
	state->generation++;
	return pair;

err_unhash0:
	rhltable_remove(&state->sessions, &pair->half[0].node, session_params);
	/* A reader may have found half 0 while it was hashed: free after a grace period. */
	call_rcu(&pair->rcu, pair_free_rcu);
	return ERR_PTR(ret);
err_cache1:
	dst_cache_destroy(&pair->half[1].dst_cache);
err_cache0:
	dst_cache_destroy(&pair->half[0].dst_cache);
err_free:
	kfree(pair);
	return ERR_PTR(ret);
}

static void source_drop_pending(struct wgr_state *state, const struct wgr_endpoint *ep,
				struct wgr_peer *target);
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

	lockdep_assert_held(&wgr->state.lock);
	if (pair->confirmed)
		return;
	pair->confirmed = true;
	wgr_bind(ini->owner, &ini->ep, WGRELAY_BINDING_CONFIRMED);
	wgr_bind(resp->owner, &resp->ep, WGRELAY_BINDING_CONFIRMED);
	handshake_drop(&wgr->state, ini->index, &ini->ep);
	source_drop_pending(&wgr->state, &ini->ep, resp->owner);
	source_drop_pending(&wgr->state, &resp->ep, ini->owner);
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
	sender->ep = *ep;
	write_seqcount_end(&pair->seq);
	dst_cache_reset(&sender->dst_cache);
	if (pair->confirmed)
		wgr_bind(sender->owner, ep, WGRELAY_BINDING_CONFIRMED);
	wgr_stat_inc(wgr, WGRELAY_STAT_ROAMS);
}

static u32 ep_hash(struct wgr_state *state, const struct wgr_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET)
		return siphash_2u32((__force u32)ep->addr4.sin_addr.s_addr,
				    (__force u32)ep->addr4.sin_port, &state->seed);
	return siphash(&ep->addr6.sin6_addr, sizeof(struct in6_addr), &state->seed) ^
	       (__force u32)ep->addr6.sin6_port;
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
		if (b->tokens < cost)
			return false;
		b->tokens -= cost;
		return true;
	}
	/* Full means many sources at once: refuse new ones rather than grow. */
	if (state->n_buckets >= WGR_MAX_BUCKETS)
		return false;
	b = kmalloc(sizeof(*b), GFP_ATOMIC);
	if (!b)
		return false;
	b->key[0] = key[0];
	b->key[1] = key[1];
	b->tokens = max_tokens - cost;
	b->last_ns = now;
	hash_add(state->buckets, &b->node, hash);
	state->n_buckets++;
	return true;
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
	struct wgr_source *src = source_find(state, ep, ep_hash(state, ep));
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
 * @target: the peer the initiation is for
 * @out: filled with up to @max endpoints
 * @max: the fanout
 *
 * A peer behind NAT with PersistentKeepalive initiates to its own peers until it
 * is bound, so it shows up as a source with pending targets. @target is among
 * those sources whose pending target it may talk to; the most recently active
 * come first. A wrong recipient cannot decrypt the copy and drops it.
 * Context: the state lock.
 * Return: the number of endpoints in @out.
 */
unsigned int wgr_discovery_candidates(struct wgr_device *wgr, const struct wgr_endpoint *from,
				      struct wgr_peer *target, struct wgr_endpoint *out,
				      unsigned int max)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_source *src;
	unsigned int n = 0;
	int i;

	lockdep_assert_held(&state->lock);
	list_for_each_entry_reverse(src, &state->src_list, list) {
		if (n >= max)
			break;
		if (wgr_endpoint_eq(&src->ep, from))
			continue;
		for (i = 0; i < WGR_SOURCE_PENDING; i++) {
			struct wgr_peer *p = src->pending[i];

			if (!p || time_after(jiffies, src->pending_since[i] + WGR_PENDING_TIMEOUT))
				continue;
			if (wgr_peers_may_talk(p, target)) {
				out[n++] = src->ep;
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
 * @fwd: where it was forwarded
 * @n_fwd: how many endpoints in @fwd
 *
 * Keyed by sender index and initiator endpoint, so that a replay from elsewhere
 * cannot take over a genuine initiation's record. A repeat replaces the old one.
 * Context: the state lock.
 * Return: the record, or NULL if the table is full or memory is short.
 */
struct wgr_handshake *wgr_handshake_record(struct wgr_device *wgr, u32 sender,
					   const struct wgr_endpoint *initiator,
					   struct wgr_peer *target,
					   const struct wgr_endpoint *fwd, unsigned int n_fwd)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_handshake *hs;

	lockdep_assert_held(&state->lock);
	handshake_drop(state, sender, initiator);
	if (state->n_handshakes >= WGR_MAX_HANDSHAKES)
		return NULL;
	hs = kmalloc(struct_size(hs, fwd, n_fwd), GFP_ATOMIC);
	if (!hs)
		return NULL;
	hs->sender = sender;
	hs->initiator = *initiator;
	hs->target = target;
	hs->time = jiffies;
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

static void gc_sessions_and_bindings(struct wgr_device *wgr)
{
	unsigned long session_timeout = READ_ONCE(wgr->cfg.session_timeout) * HZ;
	unsigned long binding_timeout = READ_ONCE(wgr->cfg.binding_timeout) * HZ;
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair, *tmp;
	struct wgr_peer *peer;

	list_for_each_entry_safe(pair, tmp, &state->pairs, list) {
		if (time_after(jiffies, READ_ONCE(pair->last_seen) + session_timeout)) {
			pair_remove(wgr, pair);
			wgr_stat_add(wgr, WGRELAY_STAT_SESSIONS_EXPIRED, 2);
		}
	}
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		unsigned long seen = peer->bind_time;

		if (peer->bind_state == WGRELAY_BINDING_NONE)
			continue;
		if (peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
		    time_after(READ_ONCE(peer->last_rx), seen))
			seen = READ_ONCE(peer->last_rx);
		if (time_after(jiffies, seen + binding_timeout)) {
			memset(&peer->bind_ep, 0, sizeof(peer->bind_ep));
			peer->bind_state = WGRELAY_BINDING_NONE;
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
	struct hlist_node *tmp;
	struct wgr_bucket *b;
	int bkt;

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
	hash_for_each_safe(state->buckets, bkt, tmp, b, node) {
		if (now_ns - b->last_ns > NSEC_PER_SEC) {
			hash_del(&b->node);
			kfree(b);
			state->n_buckets--;
		}
	}
	if (time_after_eq(jiffies, state->last_scan + interval)) {
		state->last_scan = jiffies;
		gc_sessions_and_bindings(wgr);
	}
	spin_unlock_bh(&state->lock);
}

static void session_info(struct wgr_half *h, struct wgr_session_info *info)
{
	struct wgr_pair *pair = wgr_half_pair(h);

	info->index = h->index;
	memcpy(info->owner, h->owner->public_key, WGRELAY_KEY_LEN);
	memcpy(info->counterpart, wgr_half_other(h)->owner->public_key, WGRELAY_KEY_LEN);
	info->ep = h->ep;
	info->confirmed = pair->confirmed;
	info->last_seen = wgr_jiffies_to_unix(READ_ONCE(pair->last_seen));
	info->counter = READ_ONCE(h->counter);
	info->packets = atomic64_read(&h->packets);
	info->bytes = atomic64_read(&h->bytes);
}

/**
 * wgr_sessions_read - copy part of the session table for reporting
 * @wgr: the relay
 * @pos: how many sessions to skip, in table order
 * @out: where to copy
 * @max: room in @out
 * @generation: set to the table's generation, for dump consistency checks
 *
 * Context: process or softirq; takes the state lock.
 * Return: the number of sessions copied; less than @max at the end of the table.
 */
unsigned int wgr_sessions_read(struct wgr_device *wgr, unsigned long pos,
			       struct wgr_session_info *out, unsigned int max,
			       u32 *generation)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_pair *pair;
	unsigned long i = 0;
	unsigned int n = 0;
	int k;

	spin_lock_bh(&state->lock);
	*generation = state->generation;
	list_for_each_entry(pair, &state->pairs, list) {
		for (k = 0; k < 2; k++, i++) {
			if (i < pos)
				continue;
			if (n >= max)
				goto out;
			session_info(&pair->half[k], &out[n++]);
		}
	}
out:
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

	pair = kzalloc(sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return -ENOMEM;
	seqcount_init(&pair->seq);
	pair->last_seen = jiffies;
	pair->confirmed = true;
	for (i = 0; i < 2; i++) {
		struct wgr_half *h = &pair->half[i];

		h->which = i;
		h->index = idx[i];
		h->owner = owner[i];
		h->ep = ep[i];
		ret = dst_cache_init(&h->dst_cache, GFP_KERNEL);
		if (ret) {
			if (i)
				dst_cache_destroy(&pair->half[0].dst_cache);
			kfree(pair);
			return ret;
		}
	}
	spin_lock_bh(&state->lock);
	ret = rhltable_insert(&state->sessions, &pair->half[0].node, session_params);
	if (ret)
		goto err;
	ret = rhltable_insert(&state->sessions, &pair->half[1].node, session_params);
	if (ret) {
		rhltable_remove(&state->sessions, &pair->half[0].node, session_params);
		goto err;
	}
	for (i = 0; i < 2; i++) {
		list_add_tail(&pair->half[i].peer_node, &owner[i]->halves);
		owner[i]->n_sessions++;
	}
	list_add_tail(&pair->list, &state->pairs);
	atomic_add(2, &state->n_sessions);
	state->generation++;
	spin_unlock_bh(&state->lock);
	return 0;
err:
	spin_unlock_bh(&state->lock);
	call_rcu(&pair->rcu, pair_free_rcu);
	return ret;
}

/**
 * wgr_debug_gc_scan - run the periodic session and binding sweep now
 * @wgr: the relay
 *
 * Context: process; takes the state lock, as the gc work item does.
 */
void wgr_debug_gc_scan(struct wgr_device *wgr)
{
	spin_lock_bh(&wgr->state.lock);
	gc_sessions_and_bindings(wgr);
	spin_unlock_bh(&wgr->state.lock);
}
#endif /* CONFIG_WGRELAY_DEBUG */
