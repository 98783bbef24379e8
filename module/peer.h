/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_PEER_H
#define _WGR_PEER_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/atomic.h>
#include <linux/wgrelay.h>

#include "cookie.h"
#include "endpoint.h"
#include "ratelimit.h"

struct wgr_device;

struct wgr_route;

/* A peer's allow-list: public keys, sorted so that a lookup is a binary search. */
struct wgr_allowed {
	struct rcu_head rcu;
	u32 n;
	u8 keys[][WGRELAY_KEY_LEN];
};

/* What a peer's entry in the endpoint index (bind.c) is keyed by. */
enum wgr_ep_kind {
	WGR_AT_BINDING,		/* its static endpoint, or its confirmed binding */
	WGR_AT_ROAM,		/* where its newest roam out of its binding went */
	WGR_AT_ENTRIES
};

/**
 * struct wgr_ep_entry - a peer as found by one of its endpoints
 * @node: in wgr_bindings.by_ep, keyed by the endpoint @kind names in @peer
 * @peer: whose endpoint
 * @kind: enum wgr_ep_kind
 * @hashed: in the index (an insertion can fail for memory: the peer is then
 *          only not found by that endpoint)
 * @proven: the peer proved here that it receives (bind.c, wgr_bind_prove());
 *          cleared whenever the endpoint is set (wgr_bindings.lock, inside
 *          the peer's bind_seq)
 * @proved_at: jiffies of its last proof: one lasts wgr_bindings.proof_life
 */
struct wgr_ep_entry {
	struct rhlist_head node;
	struct wgr_peer *peer;
	u8 kind;
	bool hashed;
	bool proven;
	unsigned long proved_at;
};

/**
 * struct wgr_peer - a provisioned WireGuard public key
 * @wgr: the relay
 * @list: in wgr_peers.list (RCU; the mac1 scan walks it)
 * @key_node: in wgr_peers.by_key
 * @name_node: in wgr_peers.by_name while @name is set
 * @public_key: the peer's WireGuard public key
 * @mac1_key: BLAKE2s("mac1----" || @public_key): validates mac1 of messages to it
 * @cookie_key: BLAKE2s("cookie--" || @public_key): seals cookie replies on its
 *              behalf, and opens the ones it sends the relay
 * @cookie: the cookies it gave the relay while under load, one per endpoint
 *          (wgr_cookies.lock)
 * @name: operator's name for it, "" for none (wgr_device.lock)
 * @allowed: peers it may talk to, NULL for any (RCU, wgr_device.lock)
 * @static_ep: operator-given endpoint: its binding, always (wgr_bindings.lock)
 * @bind_ep: learned endpoint (wgr_bindings.lock to write, @bind_seq to read without it)
 * @route: per-CPU route to where its sessions send it data (socket.c)
 * @bind_seq: guards @bind_ep against torn lockless reads
 * @bind_state: enum wgrelay_binding_state (wgr_bindings.lock; READ_ONCE without)
 * @bind_time: jiffies when @bind_ep was set (wgr_bindings.lock)
 * @last_rx: jiffies of the last data from it at its binding: the binding is live
 *           while this is recent (lockless, WRITE_ONCE; see bind.c)
 * @stale_rx: the @last_rx after which its going stale was last told to the
 *            events group (wgr_bindings.lock; events.c)
 * @roam_ep: where its newest authenticated roam out of its binding went: where a
 *           stale binding follows (wgr_bindings.lock)
 * @roam_at: jiffies of that roam
 * @confirm_ep: where its newest confirmation went while its binding was live:
 *              where a stale binding goes when no roam says otherwise
 *              (wgr_bindings.lock)
 * @confirm_at: jiffies of that confirmation
 * @roam_rx: jiffies of the last data from it at @roam_ep (lockless, WRITE_ONCE):
 *           a remapped peer's new endpoint is live before its binding follows
 * @roam_pending: where a roam out of it went that its data with another
 *                partner contested (wgr_bindings.lock; @bind_seq to read): the
 *                vote a real remap is in the middle of (pass 8, I4)
 * @roam_pending_at: jiffies of that roam
 * @at: its entries in wgr_bindings.by_ep: its binding (static or confirmed) and
 *      the endpoint of its roam out of it (wgr_bindings.lock)
 * @vouch_tat: when its binding may next vouch for an initiation, less the burst
 *             (wgr_bind_vouch(); lockless)
 * @roam_vouch_tat: the same for @roam_ep, which has a budget of its own
 * @stamp_claims: its claims on its network's share of loaded targets' stamps
 *                (ratelimit.c; wgr_ratelimit.lock)
 * @bindings_kept: confirmations and roams that would have moved its live or
 *                 static binding (wgr_bindings.lock)
 * @halves: session halves it owns (wgr_state.lock)
 * @n_sessions: length of @halves
 * @retired: traffic of its sessions that have gone: rx/tx packets/bytes
 * @handshakes: responses the relay passed on in handshakes it took part in
 * @refused: handshakes the relay refused that named it, as initiator or target,
 *           by enum wgrelay_refusal (lockless: any CPU's softirq counts here)
 * @dead: removed; set under wgr_state.lock, so code that found the peer under RCU
 *        and then took the lock knows not to link it anywhere
 * @rcu: frees it after a grace period
 */
struct wgr_peer {
	struct wgr_device *wgr;
	struct list_head list;
	struct rhash_head key_node;
	struct rhash_head name_node;
	u8 public_key[WGRELAY_KEY_LEN];
	u8 mac1_key[WGRELAY_KEY_LEN];
	u8 cookie_key[WGRELAY_KEY_LEN];
	struct wgr_target_cookie cookie[WGR_TARGET_COOKIES];
	char name[WGRELAY_NAME_MAXLEN + 1];
	struct wgr_allowed __rcu *allowed;
	struct wgr_endpoint static_ep;
	struct wgr_endpoint bind_ep;
	struct wgr_route __percpu *route;
	seqcount_t bind_seq;
	u8 bind_state;
	unsigned long bind_time;
	unsigned long last_rx;
	unsigned long stale_rx;
	struct wgr_endpoint roam_ep;
	unsigned long roam_at;
	struct wgr_endpoint confirm_ep;
	unsigned long confirm_at;
	unsigned long roam_rx;
	struct wgr_endpoint roam_pending;
	unsigned long roam_pending_at;
	struct wgr_ep_entry at[WGR_AT_ENTRIES];
	unsigned long vouch_tat;
	unsigned long roam_vouch_tat;
	struct wgr_stamp_claims stamp_claims;
	u64 bindings_kept;
	struct list_head halves;
	u32 n_sessions;
	u64 retired[4];
	u64 handshakes;
	atomic64_t refused[__WGRELAY_REFUSED_MAX];
	bool dead;
	struct rcu_head rcu;
};

enum { WGR_RX_PACKETS, WGR_RX_BYTES, WGR_TX_PACKETS, WGR_TX_BYTES };

/**
 * struct wgr_peers - a relay's provisioned peers
 * @list: every peer, oldest first (RCU; writers hold wgr_device.lock)
 * @by_key: by public key
 * @by_name: by name, peers that have one
 * @count: number of peers
 * @generation: bumped on every change to the set or to a peer's settings
 */
struct wgr_peers {
	struct list_head list;
	struct rhashtable by_key;
	struct rhashtable by_name;
	u32 count;
	u32 generation;
};

/* Live information about a peer for netlink (bind.c and session.c fill it). */
struct wgr_peer_info {
	u8 bind_state;
	u8 bind_status;		/* enum wgrelay_binding_status */
	bool bind_conflict;	/* a live session reaches it elsewhere */
	bool bind_proven;	/* it proved it receives where it talks (bind.c) */
	struct wgr_endpoint bind_ep;
	struct wgr_endpoint static_ep;
	u64 last_seen;		/* Unix seconds, 0: never */
	u64 traffic[4];		/* WGR_RX_PACKETS... */
	u64 handshakes;
	u64 bindings_kept;
	u64 refused[__WGRELAY_REFUSED_MAX];	/* enum wgrelay_refusal */
	u32 n_sessions;
};

int wgr_peers_init(struct wgr_peers *peers);
void wgr_peers_destroy(struct wgr_device *wgr);

struct wgr_peer *wgr_peer_lookup(struct wgr_device *wgr, const u8 *public_key);
struct wgr_peer *wgr_peer_lookup_name(struct wgr_device *wgr, const char *name);
struct wgr_peer *wgr_peer_create(struct wgr_device *wgr, const u8 *public_key);
void wgr_peer_remove(struct wgr_peer *peer);
void wgr_peers_remove_all(struct wgr_device *wgr);

int wgr_peer_set_name(struct wgr_peer *peer, const char *name);
void wgr_peer_set_static_endpoint(struct wgr_peer *peer, const struct wgr_endpoint *ep);
int wgr_peer_set_allowed(struct wgr_peer *peer, const u8 *keys, u32 n);

bool wgr_peers_may_talk(const struct wgr_peer *a, const struct wgr_peer *b);
void wgr_peer_refused(struct wgr_peer *peer, enum wgrelay_refusal reason);
void wgr_peer_read(struct wgr_peer *peer, struct wgr_peer_info *info);
u64 wgr_jiffies_to_unix(unsigned long then);

bool wgr_name_valid(const char *name, size_t len);

#endif /* _WGR_PEER_H */
