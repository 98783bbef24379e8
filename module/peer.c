// SPDX-License-Identifier: GPL-2.0
/*
 * Provisioned peers: the public keys the relay routes handshakes to.
 *
 * Peers change only under wgr_device.lock. The fast path reads them under RCU:
 * the mac1 scan walks wgr_peers.list, sessions and handshakes point at them. A
 * peer is removed in two steps: everything that points at it is dropped under the
 * state lock and it is unlinked, then it is freed after a grace period.
 */
#include <linux/slab.h>
#include <linux/rhashtable.h>
#include <linux/sort.h>
#include <linux/bsearch.h>

#include "device.h"
#include "peer.h"
#include "session.h"
#include "messages.h"
#include "socket.h"
#include "bind.h"
#include "cookie.h"
#include <linux/timekeeping.h>

/*
 * A peer is one of the kernel's 1 KiB allocations: a million of them is a
 * gigabyte (docs/SCALING.md), and one byte more makes each 2 KiB. Lockdep's
 * maps in the seqcount are the exception a debug kernel pays.
 */
static_assert(sizeof(struct wgr_peer) <= 1024 || IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC));

static const struct rhashtable_params key_params = {
	.key_len = WGRELAY_KEY_LEN,
	.key_offset = offsetof(struct wgr_peer, public_key),
	.head_offset = offsetof(struct wgr_peer, key_node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params name_params = {
	.key_len = WGRELAY_NAME_MAXLEN + 1,
	.key_offset = offsetof(struct wgr_peer, name),
	.head_offset = offsetof(struct wgr_peer, name_node),
	.automatic_shrinking = true,
};

/**
 * wgr_endpoint_eq - do two endpoints name the same remote address and port?
 * @a: one endpoint
 * @b: the other
 *
 * The local address is not compared: it is how we reached them, not who they are.
 * Return: true if equal.
 */
bool wgr_endpoint_eq(const struct wgr_endpoint *a, const struct wgr_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr) &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id;
	return false;
}

/**
 * wgr_endpoint_hash - hash an endpoint's remote address and port
 * @ep: the endpoint (AF_INET or AF_INET6)
 * @key: the table's secret key
 *
 * What wgr_endpoint_eq() compares goes in, the port included: an attacker
 * chooses ports freely, and must not be able to choose chains.
 * Return: the hash.
 */
u32 wgr_endpoint_hash(const struct wgr_endpoint *ep, const siphash_key_t *key)
{
	const u32 *a6 = (__force const u32 *)ep->addr6.sin6_addr.s6_addr32;

	if (ep->addr.sa_family == AF_INET)
		return siphash_2u32((__force u32)ep->addr4.sin_addr.s_addr,
				    (__force u32)ep->addr4.sin_port, key);
	return siphash_3u32(siphash_4u32(a6[0], a6[1], a6[2], a6[3], key),
			    (__force u32)ep->addr6.sin6_port, ep->addr6.sin6_scope_id, key);
}

/**
 * wgr_endpoint_host - the host an endpoint is at, as the relay counts hosts
 * @ep: the endpoint (AF_INET or AF_INET6)
 *
 * An IPv4 address, or the /64 of an IPv6 one: a host behind a NAT has one
 * address, and an IPv6 host picks as many as it likes from its /64 (RFC 8981),
 * which is what WireGuard's ratelimiter counts. Every "same address" of the
 * relay (a source's one place in a discovery fanout, the answers a handshake
 * takes from its target's address, the rate limits per address) is this one.
 * The two families' numbers overlap: compare the family too.
 * Return: the host's number.
 */
u64 wgr_endpoint_host(const struct wgr_endpoint *ep)
{
	const __be32 *a = ep->addr6.sin6_addr.s6_addr32;

	if (ep->addr.sa_family == AF_INET)
		return be32_to_cpu(ep->addr4.sin_addr.s_addr);
	return (u64)be32_to_cpu(a[0]) << 32 | be32_to_cpu(a[1]);
}

/**
 * wgr_endpoint_same_host - are two endpoints at one host?
 * @a: one
 * @b: the other
 *
 * Return: true if they have a family and wgr_endpoint_host() in common.
 */
bool wgr_endpoint_same_host(const struct wgr_endpoint *a, const struct wgr_endpoint *b)
{
	return a->addr.sa_family == b->addr.sa_family &&
	       wgr_endpoint_host(a) == wgr_endpoint_host(b);
}

/**
 * wgr_name_valid - is this an acceptable peer name?
 * @name: the characters
 * @len: their number
 *
 * Return: true for 1 to WGRELAY_NAME_MAXLEN characters of [A-Za-z0-9._-].
 */
bool wgr_name_valid(const char *name, size_t len)
{
	size_t i;

	if (!len || len > WGRELAY_NAME_MAXLEN)
		return false;
	/*
	 * Not isalnum(): the kernel's ctype counts Latin-1 letters (0xc0-0xff) as
	 * letters, and a name of such bytes is not the UTF-8 relayctl reads back.
	 */
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

int wgr_peers_init(struct wgr_peers *peers)
{
	int ret;

	INIT_LIST_HEAD(&peers->list);
	peers->count = 0;
	peers->generation = 0;
	ret = rhashtable_init(&peers->by_key, &key_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&peers->by_name, &name_params);
	if (ret)
		goto err_key;
	return 0;

err_key:
	rhashtable_destroy(&peers->by_key);
	return ret;
}

/**
 * wgr_peers_destroy - free every peer and the tables
 * @wgr: the relay, being torn down: nothing can reach its peers any more
 */
void wgr_peers_destroy(struct wgr_device *wgr)
{
	mutex_lock(&wgr->lock);
	wgr_peers_remove_all(wgr);
	mutex_unlock(&wgr->lock);
	rhashtable_destroy(&wgr->peers.by_name);
	rhashtable_destroy(&wgr->peers.by_key);
}

/**
 * wgr_peer_lookup - find a peer by public key
 * @wgr: the relay
 * @public_key: WGRELAY_KEY_LEN bytes
 *
 * Context: under rcu_read_lock() or wgr->lock.
 * Return: the peer or NULL.
 */
struct wgr_peer *wgr_peer_lookup(struct wgr_device *wgr, const u8 *public_key)
{
	return rhashtable_lookup_fast(&wgr->peers.by_key, public_key, key_params);
}

/**
 * wgr_peer_lookup_name - find a peer by name
 * @wgr: the relay
 * @name: a NUL-terminated name
 *
 * Context: under rcu_read_lock() or wgr->lock.
 * Return: the peer or NULL.
 */
struct wgr_peer *wgr_peer_lookup_name(struct wgr_device *wgr, const char *name)
{
	char key[WGRELAY_NAME_MAXLEN + 1] = {};

	if (strscpy(key, name, sizeof(key)) <= 0)
		return NULL;
	return rhashtable_lookup_fast(&wgr->peers.by_name, key, name_params);
}

/**
 * wgr_peer_create - provision a new peer
 * @wgr: the relay
 * @public_key: its WireGuard public key; must not be provisioned yet
 *
 * Context: wgr->lock held.
 * Return: the peer, or an ERR_PTR.
 */
struct wgr_peer *wgr_peer_create(struct wgr_device *wgr, const u8 *public_key)
{
	struct wgr_peer *peer;
	int ret;

	lockdep_assert_held(&wgr->lock);
	if (wgr->peers.count >= WGRELAY_MAX_PEERS)
		return ERR_PTR(-ENOSPC);
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->route = wgr_route_alloc();
	if (!peer->route) {
		kfree(peer);
		return ERR_PTR(-ENOMEM);
	}
	peer->wgr = wgr;
	memcpy(peer->public_key, public_key, WGRELAY_KEY_LEN);
	wgr_mac1_key(peer->mac1_key, public_key);
	wgr_cookie_key(peer->cookie_key, public_key);
	INIT_LIST_HEAD(&peer->halves);
	wgr_bind_peer_init(peer);
	ret = rhashtable_lookup_insert_fast(&wgr->peers.by_key, &peer->key_node, key_params);
	if (ret) {
		wgr_route_free(peer->route);
		kfree(peer);
		return ERR_PTR(ret);
	}
	/* Published last: the mac1 scan may find it from here on. */
	list_add_tail_rcu(&peer->list, &wgr->peers.list);
	WRITE_ONCE(wgr->peers.count, wgr->peers.count + 1);
	wgr->peers.generation++;
	return peer;
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	struct wgr_peer *peer = container_of(rcu, struct wgr_peer, rcu);

	/* Nothing can reach the list any more: no rcu_dereference needed. */
	kfree(rcu_dereference_protected(peer->allowed, true));
	wgr_route_free(peer->route);
	kfree(peer);
}

/**
 * wgr_peer_remove - forget a peer and everything learned about it
 * @peer: the peer; freed after an RCU grace period
 *
 * Context: wgr->lock held.
 */
void wgr_peer_remove(struct wgr_peer *peer)
{
	struct wgr_device *wgr = peer->wgr;

	lockdep_assert_held(&wgr->lock);
	list_del_rcu(&peer->list);
	rhashtable_remove_fast(&wgr->peers.by_key, &peer->key_node, key_params);
	if (peer->name[0])
		rhashtable_remove_fast(&wgr->peers.by_name, &peer->name_node, name_params);
	/* Sessions, handshakes and sources point at it: drop them before the grace period. */
	wgr_state_forget_peer(wgr, peer);
	WRITE_ONCE(wgr->peers.count, wgr->peers.count - 1);
	wgr->peers.generation++;
	call_rcu(&peer->rcu, peer_free_rcu);
}

void wgr_peers_remove_all(struct wgr_device *wgr)
{
	struct wgr_peer *peer, *tmp;

	lockdep_assert_held(&wgr->lock);
	list_for_each_entry_safe(peer, tmp, &wgr->peers.list, list) {
		wgr_peer_remove(peer);
		/* A million peers, each walking the handshake and source tables. */
		cond_resched();
	}
}

/**
 * wgr_peer_set_name - name a peer, or clear its name
 * @peer: the peer
 * @name: a valid name (wgr_name_valid()), "" to clear
 *
 * Context: wgr->lock held.
 * Return: 0, -EEXIST if another peer has the name, or another negative errno.
 */
int wgr_peer_set_name(struct wgr_peer *peer, const char *name)
{
	struct wgr_device *wgr = peer->wgr;
	char old[WGRELAY_NAME_MAXLEN + 1];
	int ret;

	lockdep_assert_held(&wgr->lock);
	if (!strcmp(peer->name, name))
		return 0;
	if (name[0] && wgr_peer_lookup_name(wgr, name))
		return -EEXIST;
	memcpy(old, peer->name, sizeof(old));
	if (old[0])
		rhashtable_remove_fast(&wgr->peers.by_name, &peer->name_node, name_params);
	/* The hash key is the whole zero-padded array, so clear it before copying. */
	memset(peer->name, 0, sizeof(peer->name));
	strscpy(peer->name, name, sizeof(peer->name));
	if (peer->name[0]) {
		ret = rhashtable_insert_fast(&wgr->peers.by_name, &peer->name_node, name_params);
		if (ret) {
			memcpy(peer->name, old, sizeof(old));
			if (old[0] && rhashtable_insert_fast(&wgr->peers.by_name,
							     &peer->name_node, name_params))
				memset(peer->name, 0, sizeof(peer->name));
			return ret;
		}
	}
	wgr->peers.generation++;
	return 0;
}

/**
 * wgr_peer_set_static_endpoint - set or clear where a peer can always be reached
 * @peer: the peer
 * @ep: the endpoint (its local address ignored), or NULL to clear
 *
 * Context: wgr->lock held.
 */
void wgr_peer_set_static_endpoint(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_device *wgr = peer->wgr;

	lockdep_assert_held(&wgr->lock);
	wgr_bind_set_static(peer, ep);
	wgr->peers.generation++;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, WGRELAY_KEY_LEN);
}

/**
 * wgr_peer_set_allowed - set the peers this one may talk to
 * @peer: the peer
 * @keys: @n public keys, back to back
 * @n: how many; 0 lets it talk to every peer
 *
 * Context: wgr->lock held.
 * Return: 0 or -ENOMEM.
 */
int wgr_peer_set_allowed(struct wgr_peer *peer, const u8 *keys, u32 n)
{
	struct wgr_device *wgr = peer->wgr;
	struct wgr_allowed *new = NULL, *old;

	lockdep_assert_held(&wgr->lock);
	if (n) {
		new = kmalloc(struct_size(new, keys, n), GFP_KERNEL);
		if (!new)
			return -ENOMEM;
		new->n = n;
		memcpy(new->keys, keys, (size_t)n * WGRELAY_KEY_LEN);
		sort(new->keys, n, WGRELAY_KEY_LEN, key_cmp, NULL);
	}
	old = rcu_replace_pointer(peer->allowed, new, lockdep_is_held(&wgr->lock));
	if (old)
		kfree_rcu(old, rcu);
	wgr->peers.generation++;
	return 0;
}

static bool allows(const struct wgr_peer *a, const struct wgr_peer *b)
{
	const struct wgr_allowed *allowed = rcu_dereference_check(a->allowed,
				lockdep_is_held(&a->wgr->lock));

	return !allowed || bsearch(b->public_key, allowed->keys, allowed->n,
				   WGRELAY_KEY_LEN, key_cmp);
}

/**
 * wgr_peers_may_talk - may two peers have a session through the relay?
 * @a: one peer
 * @b: the other
 *
 * Both allow-lists must permit the pair; a peer without one permits everyone.
 * Context: under rcu_read_lock() or wgr->lock.
 * Return: true if they may.
 */
bool wgr_peers_may_talk(const struct wgr_peer *a, const struct wgr_peer *b)
{
	return a != b && allows(a, b) && allows(b, a);
}

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

/**
 * wgr_peer_read - copy a peer's binding and traffic for reporting
 * @peer: the peer
 * @info: filled in
 *
 * Context: process; takes the bindings' and the state's locks in turn.
 */
void wgr_peer_read(struct wgr_peer *peer, struct wgr_peer_info *info)
{
	unsigned int i;

	memset(info, 0, sizeof(*info));
	wgr_bind_read(peer->wgr, peer, info);
	wgr_sessions_peer_read(peer->wgr, peer, info);
	for (i = 0; i < __WGRELAY_REFUSED_MAX; i++)
		info->refused[i] = atomic64_read(&peer->refused[i]);
}

/**
 * wgr_peer_refused - count a refused handshake that named a peer
 * @peer: the peer it named, as initiator or as target; NULL: none
 * @reason: why it was refused
 *
 * What `relayctl show` lists per peer. Anyone can name a peer in a handshake, so
 * this counts what was refused, not what the peer did.
 *
 * Context: any; lockless.
 */
void wgr_peer_refused(struct wgr_peer *peer, enum wgrelay_refusal reason)
{
	BUILD_BUG_ON(__WGRELAY_REFUSED_MAX > 32);
	if (!peer)
		return;
	if (WARN_ON_ONCE(reason >= __WGRELAY_REFUSED_MAX ||
			 !(WGRELAY_REFUSED_OF_PEER & (1U << reason))))
		return;
	atomic64_inc(&peer->refused[reason]);
}
