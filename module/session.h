/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SESSION_H
#define _WGR_SESSION_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/hashtable.h>
#include <linux/rhashtable-types.h>
#include <linux/mutex.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>

#include "cookie.h"
#include "peer.h"
#include "quota.h"

struct wgr_device;

/**
 * struct wgr_half_ep - a half's endpoint: struct wgr_endpoint, packed
 * @addr: the remote address (IPv4 in the first word)
 * @src: the local address it reached us at
 * @scope_id: the interface of a link-local IPv6 @addr
 * @port: the remote port
 * @family: AF_INET or AF_INET6
 * @local: @addr is one of this machine's own: the peer there runs on the
 *         relay's machine and reaches it over loopback (wgr_half_lookup_outside())
 *
 * 40 bytes instead of 44 (no sin6_flowinfo, a one-byte family), @local in what
 * was padding: with it a pair fits in 288 bytes (struct wgr_pair). See
 * wgr_half_read_ep().
 */
struct wgr_half_ep {
	union {
		__be32 a4;
		struct in6_addr a6;
	} addr, src;
	u32 scope_id;
	__be16 port;
	u8 family;
	bool local;
};

/**
 * struct wgr_half - one direction of a relayed WireGuard session
 * @node: in wgr_state.sessions, keyed by @index
 * @owner: the peer that chose @index and receives on it
 * @counter: the highest transport counter seen on @index (racy maximum)
 * @packets: datagrams relayed to @owner on @index
 * @bytes: their payload bytes
 * @peer_node: in @owner's list of halves (wgr_state.lock)
 * @ep: where @owner is reached (writers hold wgr_state.lock and the pair's @seq)
 * @index: the receiver index data to @owner carries, as loaded from the wire
 * @which: 0 or 1, its place in its pair
 * @rx: when @owner last sent data in this session, i.e. on the other half's
 *      index, in WGR_RX_TICKs (lockless, one store a tick): whether the owner
 *      talks in it now, which a roam in another of its sessions is weighed
 *      against (wgr_pair_roam(); pass 8, I4). 16 bits in the pair's padding:
 *      a session must stay 144 bytes.
 *
 * @packets and @bytes are plain counters, as WireGuard keeps a peer's: the data
 * for one index comes from one sender, i.e. one flow, which the NIC steers to one
 * CPU. Two CPUs relaying on the same half at once (a roam in progress) can lose
 * an increment; a locked instruction per packet would cost every packet.
 * No route is cached here: a per-CPU dst_cache per half would cost more memory
 * than the rest of the pair on any machine with a few CPUs; the owner caches
 * its route (wgr_peer.route, see wgr_route_alloc()).
 */
struct wgr_half {
	struct rhlist_head node;
	struct wgr_peer *owner;
	u64 counter;
	u64 packets;
	u64 bytes;
	struct list_head peer_node;
	struct wgr_half_ep ep;
	u32 index;
	u8 which;
	u16 rx;
};

/**
 * enum wgr_pair_route - a confirmed pair and the pair routes
 * @WGR_ROUTE_NOT: no route: a tentative pair, or one a newer session replaced
 * @WGR_ROUTE_IN: in wgr_state.routes: the newest confirmed session from half
 *                0's endpoint to half 1's owner, which initiations from there
 *                follow
 * @WGR_ROUTE_ROAMED: it was the route when its initiator roamed out of the
 *                    route's endpoint; the route does not follow a roam (pass
 *                    5, C2), but the session is still the one a remapped
 *                    initiator talks in, and stays anchored as a route is
 *                    until a newer session takes over (pass 6, G5)
 */
enum wgr_pair_route {
	WGR_ROUTE_NOT,
	WGR_ROUTE_IN,
	WGR_ROUTE_ROAMED,
};

/**
 * struct wgr_pair - the two directions of one WireGuard session, made together
 * from a handshake response and expired together
 * @half: the initiator's half (0) and the responder's (1)
 * @seq: guards the endpoints in @half against torn reads on the fast path
 * @confirmed: the initiator's data has flowed, so the handshake completed
 * @route: where the pair stands with the pair routes (enum wgr_pair_route)
 * @leaked: the initiation (and so half 0's index) also went to other endpoints
 *          for discovery: half 0's index is no secret, and cannot prove a roam
 * @removed: off the lists (wgr_state.lock): a reader that found it under RCU
 *           must not confirm or roam it
 * @last_seen: jiffies of the last datagram relayed on either half (lockless)
 * @list: in wgr_state.pairs (wgr_state.lock), oldest first
 * @rcu: frees it after a grace period, once it is off @list: no reader walks
 *       @list under RCU alone, so the two can share their space
 * @route_node: in wgr_state.routes while @route is WGR_ROUTE_IN
 * @acct_node: in @acct's members, oldest first (wgr_state.lock)
 * @acct: the initiator's prefix, which the pair is counted against
 * @cookie: half 1's owner's own cookie at half 1's endpoint, for initiations
 *          that follow the pair route (the state lock; cookie.c)
 *
 * Pairs come from their own slab cache; 312 bytes, i.e. 156 per session (see
 * docs/BENCHMARKS.md, part 3; pair routing added 8, the prefix counts 24, the
 * route's cookie 24).
 */
struct wgr_pair {
	struct wgr_half half[2];
	seqcount_t seq;
	bool confirmed;
	u8 route;
	bool leaked;
	bool removed;
	unsigned long last_seen;
	union {
		struct list_head list;
		struct rcu_head rcu;
	};
	struct rhash_head route_node;
	struct list_head acct_node;
	struct wgr_account *acct;
	struct wgr_route_cookie cookie;
};

/**
 * struct wgr_route_end - where a pair route takes an initiation (wgr_pair_route())
 * @ep: the target's endpoint in the route's session
 * @initiator: the session's initiator (valid under RCU); NULL: no route
 * @cookie: the target's own cookie at @ep, if @has_cookie (cookie.c)
 * @has_cookie: the relay has a fresh one
 */
struct wgr_route_end {
	struct wgr_endpoint ep;
	struct wgr_peer *initiator;
	u8 cookie[WGR_TARGET_COOKIE_LEN];
	bool has_cookie;
};

static inline struct wgr_pair *wgr_half_pair(struct wgr_half *h)
{
	return container_of(h, struct wgr_pair, half[h->which]);
}

static inline struct wgr_half *wgr_half_other(struct wgr_half *h)
{
	return &wgr_half_pair(h)->half[!h->which];
}

/**
 * struct wgr_state - a relay's sessions
 * @lock: guards everything here but the lockless reads the fields document; the
 *        data path takes it only to confirm or roam a session
 * @sessions: halves by receiver index (rhltable: two owners may pick one index)
 * @routes: confirmed pairs by (half 0's endpoint, half 1's owner): pair routing
 * @n_sessions: halves in @sessions
 * @quota: pairs by their initiator's prefix: a full table evicts from the
 *         prefix that holds the most (see make_room() in session.c)
 * @pairs: every pair, for expiry and dumps
 * @gc_next: during a sweep, the next pair it looks at (in @pairs; the sweep
 *           drops the lock between batches, and pair removal moves this on)
 * @sweep_lock: one sweep at a time: @gc_next is the only cursor
 * @generation: bumped when a pair comes or goes, for dump consistency
 * @removal_stamp: a new value, unique among all relays, whenever a pair is
 *                 removed: a reader's saved place in @pairs is valid while this
 *                 has not moved (struct wgr_sessions_pos)
 * @last_scan: jiffies of the last sweep of sessions and bindings
 *
 * Lock order, for the whole relay: wgr_device.lock (process context), then
 * wgr_state.lock, wgr_bindings.lock, wgr_handshakes.lock, wgr_sources.lock,
 * wgr_ratelimit.lock, wgr_cookies.lock, wgr_scans.lock. Each file takes its
 * own; only the sources' call into the rate limiter nests today. @sweep_lock
 * comes before wgr_state.lock, and after RTNL (the address notifier's sweep,
 * wgr_state_local4()): no sweep takes RTNL.
 */
struct wgr_state {
	spinlock_t lock;
	struct rhltable sessions;
	struct rhashtable routes;
	atomic_t n_sessions;
	struct wgr_quota quota;
	struct list_head pairs;
	struct list_head *gc_next;
	struct mutex sweep_lock;
	u32 generation;
	u64 removal_stamp;
	unsigned long last_scan;
};

/*
 * Pairs one initiator prefix (IPv4 /24, IPv6 /48) may hold: a CGNAT pool's
 * worth of users each talking to a few peers, and a 64th of the default table.
 */
#define WGR_PREFIX_PAIRS	1024
/* Pairs a full table looks at in one account before it gives up (make_room()). */
#define WGR_EVICT_TRIES		4
/*
 * A pair route stays anchored (kept by a full table) this long after its last
 * datagram: PersistentKeepalive's 25 s, and some slack.
 */
#define WGR_ANCHOR_IDLE		(30 * HZ)
/* A peer holding this many session halves never goes past its prefix's share. */
#define WGR_OVER_SESSIONS	16
/* Partners of a live binding's peer tried for its initiation's target (G8)... */
#define WGR_PARTNER_HINTS	8
/* ...among at most this many of its newest session halves. */
#define WGR_PARTNER_WALK	64
/*
 * A half's @rx clock: 16 bits of it last 36 hours. A half silent that long in a
 * session its partner keeps alive would wrap into "talks"; the session sweep
 * pins silent halves at "long ago" first (half_rx_clamp()).
 */
#define WGR_RX_TICK		(2 * HZ)
/* A peer talks in a session it sent data on this recently: as a binding is live. */
#define WGR_HALF_LIVE		(WGRELAY_BINDING_STALE * HZ / WGR_RX_TICK)

static inline u16 wgr_rx_now(void)
{
	return jiffies / WGR_RX_TICK;
}

/* Has @h's owner sent data in its session within WGR_HALF_LIVE? */
static inline bool wgr_half_talks(const struct wgr_half *h)
{
	return (u16)(wgr_rx_now() - READ_ONCE(h->rx)) < WGR_HALF_LIVE;
}
/* A roam must come with a counter this far at most past the highest seen. */
#define WGR_ROAM_WINDOW		(1ULL << 32)
/* WireGuard's REJECT_AFTER_MESSAGES: no peer sends a counter at or above it. */
#define WGR_REJECT_AFTER_MESSAGES (U64_MAX - (1ULL << 13))

/**
 * struct wgr_sessions_pos - a place in a relay's session table, for readers
 * @pos: sessions before it
 * @pair: the pair there; only a pointer to compare, valid while @stamp is the
 *        table's removal_stamp (no pair was removed since, so it is listed)
 * @stamp: the table's removal_stamp when @pair was taken; no two relays ever
 *         have the same, so a place never applies to another relay's table
 * @half: which of @pair's halves
 *
 * Zeroed, it is the start of the table. Reading on from a saved place is O(1);
 * only after a removal does a read walk @pos sessions from the start again.
 */
struct wgr_sessions_pos {
	unsigned long pos;
	struct wgr_pair *pair;
	u64 stamp;
	u8 half;
};

/* A session for netlink and procfs, copied out under the state lock. */
struct wgr_session_info {
	u32 index;
	u32 counterpart_index;
	u8 owner[WGRELAY_KEY_LEN];
	u8 counterpart[WGRELAY_KEY_LEN];
	struct wgr_endpoint ep;
	bool confirmed;
	bool initiator;		/* half 0 of its pair */
	bool leaked;
	u64 last_seen;		/* Unix seconds */
	u64 counter;
	u64 packets;
	u64 bytes;
	struct wgr_sessions_pos at;	/* to read on from this session */
};

/**
 * struct wgr_pair_saved - a confirmed pair as a relay saved it before a restart
 * @owner: the owners of half 0 (the initiator) and half 1 (the responder)
 * @index: their receiver indices
 * @ep: their endpoints
 * @counter: the highest transport counters seen on the indices
 * @age: seconds since the pair last relayed a datagram
 * @leaked: half 0's index also went to other endpoints (struct wgr_pair)
 */
struct wgr_pair_saved {
	struct wgr_peer *owner[2];
	u32 index[2];
	struct wgr_endpoint ep[2];
	u64 counter[2];
	u64 age;
	bool leaked;
};

struct wgr_answer;

int wgr_state_init(struct wgr_state *state);
void wgr_state_destroy(struct wgr_state *state);
void wgr_state_flush(struct wgr_device *wgr, u32 what);
void wgr_state_forget_peer(struct wgr_device *wgr, struct wgr_peer *peer);
void wgr_state_gc(struct wgr_device *wgr);

struct wgr_half *wgr_half_lookup(struct wgr_device *wgr, u32 index,
				 const struct wgr_endpoint *src, bool *elsewhere);
struct wgr_half *wgr_half_lookup_outside(struct wgr_device *wgr, u32 index,
					 const struct wgr_endpoint *src);
int wgr_pair_create(struct wgr_device *wgr, const struct wgr_answer *hs, u32 initiator_index,
		    struct wgr_peer *initiator, u32 responder_index,
		    const struct wgr_endpoint *responder_ep);
void wgr_pair_confirm(struct wgr_device *wgr, struct wgr_pair *pair);
int wgr_pair_restore(struct wgr_device *wgr, const struct wgr_pair_saved *saved);
bool wgr_pair_roam(struct wgr_device *wgr, struct wgr_half *h, const struct wgr_endpoint *ep,
		   u64 counter);
bool wgr_pair_live_between(struct wgr_device *wgr, struct wgr_peer *peer,
			   const struct wgr_endpoint *ep, struct wgr_peer *partner,
			   const struct wgr_endpoint *at);
unsigned int wgr_pair_partners(struct wgr_device *wgr, struct wgr_peer *peer,
			       const struct wgr_endpoint *ep, struct wgr_peer **out,
			       unsigned int n);
bool wgr_pair_route(struct wgr_device *wgr, const struct wgr_endpoint *from,
		    struct wgr_peer *target, struct wgr_route_end *end);
int wgr_pair_cookie_due(struct wgr_device *wgr, const struct wgr_endpoint *via,
			struct wgr_peer *target, const struct wgr_endpoint *at,
			struct wgr_peer **initiator);
bool wgr_pair_cookie_keep(struct wgr_device *wgr, const struct wgr_endpoint *via,
			  struct wgr_peer *target, const struct wgr_endpoint *at,
			  const u8 cookie[WGR_TARGET_COOKIE_LEN]);
void wgr_half_read_ep(struct wgr_half *h, struct wgr_endpoint *ep);
void wgr_state_local4(struct wgr_device *wgr, __be32 addr);
void wgr_half_mark_local(struct wgr_device *wgr, struct wgr_half *h,
			 const struct wgr_endpoint *src);
void wgr_sessions_peer_read(struct wgr_device *wgr, struct wgr_peer *peer,
			    struct wgr_peer_info *info);

unsigned int wgr_sessions_read(struct wgr_device *wgr, struct wgr_sessions_pos *where,
			       struct wgr_session_info *out, unsigned int max,
			       u32 *generation);

int wgr_session_cache_init(void);
void wgr_session_cache_uninit(void);

#ifdef CONFIG_WGRELAY_DEBUG
/* Test-only: the benchmark fills the table through debugfs.c. */
int wgr_debug_pair_add(struct wgr_device *wgr, struct wgr_peer *a, struct wgr_peer *b,
		       const u32 idx[2], const struct wgr_endpoint ep[2]);
u64 wgr_debug_gc_scan(struct wgr_device *wgr);
#endif

#endif /* _WGR_SESSION_H */
