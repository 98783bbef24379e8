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

#include "peer.h"

struct wgr_device;

/**
 * struct wgr_half_ep - a half's endpoint: struct wgr_endpoint, packed
 * @addr: the remote address (IPv4 in the first word)
 * @src: the local address it reached us at
 * @scope_id: the interface of a link-local IPv6 @addr
 * @port: the remote port
 * @family: AF_INET or AF_INET6
 *
 * 40 bytes instead of 44 (no sin6_flowinfo, a one-byte family): with it a pair
 * fits in 256 bytes. See wgr_half_read_ep().
 */
struct wgr_half_ep {
	union {
		__be32 a4;
		struct in6_addr a6;
	} addr, src;
	u32 scope_id;
	__be16 port;
	u8 family;
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
};

/**
 * struct wgr_pair - the two directions of one WireGuard session, made together
 * from a handshake response and expired together
 * @half: the initiator's half (0) and the responder's (1)
 * @seq: guards the endpoints in @half against torn reads on the fast path
 * @confirmed: the initiator's data has flowed, so the handshake completed
 * @trusted: the responder answered at the target's trusted binding or static
 *           endpoint, so the response, and the initiator it names, are genuine
 * @leaked: the initiation (and so half 0's index) also went to other endpoints
 *          for discovery: half 0's index is no secret, and cannot prove a roam
 * @removed: off the lists (wgr_state.lock): a reader that found it under RCU
 *           must not confirm or roam it
 * @last_seen: jiffies of the last datagram relayed on either half (lockless)
 * @list: in wgr_state.pairs (wgr_state.lock), oldest first
 * @rcu: frees it after a grace period, once it is off @list: no reader walks
 *       @list under RCU alone, so the two can share their space
 *
 * Pairs come from their own slab cache; 256 bytes, i.e. 128 per session (see
 * docs/BENCHMARKS.md, part 3).
 */
struct wgr_pair {
	struct wgr_half half[2];
	seqcount_t seq;
	bool confirmed;
	bool trusted;
	bool leaked;
	bool removed;
	unsigned long last_seen;
	union {
		struct list_head list;
		struct rcu_head rcu;
	};
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
 * struct wgr_handshake - an initiation the relay forwarded and awaits an answer to
 * @node: in wgr_state.handshakes, hashed by @sender
 * @list: in wgr_state.hs_list, oldest first
 * @sender: the initiator's sender index: the response's receiver index
 * @initiator: where the initiation came from
 * @target: the peer whose mac1 it carried
 * @time: jiffies when it was first seen
 * @trusted: @fwd[0] is the target's trusted binding or static endpoint
 * @n_fwd: number of endpoints in @fwd
 * @fwd: where it was forwarded; only these may answer it
 */
struct wgr_handshake {
	struct hlist_node node;
	struct list_head list;
	u32 sender;
	struct wgr_endpoint initiator;
	struct wgr_peer *target;
	unsigned long time;
	bool trusted;
	u32 n_fwd;
	struct wgr_endpoint fwd[];
};

#define WGR_SOURCE_RECENT 4
#define WGR_SOURCE_PENDING 4

/**
 * struct wgr_source - what the relay remembers of an endpoint that sends handshakes
 * @node: in wgr_state.sources, hashed by @ep
 * @list: in wgr_state.src_list, least recently used first
 * @ep: the endpoint
 * @last: jiffies of its last initiation
 * @recent: targets its initiations were for, most recent first: tried before the scan
 * @pending: targets it initiated to that had no endpoint: it is a discovery candidate
 * @pending_since: jiffies for each of @pending
 * @owner: the peer last proven to be at @ep (its handshake was confirmed): the
 *         first guess for whom a response to its initiations is for
 * @disc_window: jiffies when @disc_count started counting
 * @disc_count: discovery copies sent to it since @disc_window
 */
struct wgr_source {
	struct hlist_node node;
	struct list_head list;
	struct wgr_endpoint ep;
	unsigned long last;
	struct wgr_peer *recent[WGR_SOURCE_RECENT];
	struct wgr_peer *pending[WGR_SOURCE_PENDING];
	unsigned long pending_since[WGR_SOURCE_PENDING];
	struct wgr_peer *owner;
	unsigned long disc_window;
	u32 disc_count;
};

/* A token bucket for one source address (IPv6: its /64). */
struct wgr_bucket {
	struct hlist_node node;
	struct list_head lru;
	u64 key[2];
	u64 tokens;
	u64 last_ns;
};

#define WGR_STATE_HASH_BITS 10

/**
 * struct wgr_state - what a relay learns from traffic
 * @lock: guards everything here but the lockless reads the fields document; the
 *        handshake path takes it, the data path only to confirm or roam
 * @sessions: halves by receiver index (rhltable: two owners may pick one index)
 * @n_sessions: halves in @sessions
 * @pairs: every pair, for expiry and dumps
 * @gc_next: during a sweep, the next pair it looks at (in @pairs; the sweep
 *           drops the lock between batches, and pair removal moves this on)
 * @sweep_lock: one sweep at a time: @gc_next is the only cursor
 * @generation: bumped when a pair comes or goes, for dump consistency
 * @removal_stamp: a new value, unique among all relays, whenever a pair is
 *                 removed: a reader's saved place in @pairs is valid while this
 *                 has not moved (struct wgr_sessions_pos)
 * @seed: keys the hashes an attacker could aim at
 */
struct wgr_state {
	spinlock_t lock;
	struct rhltable sessions;
	atomic_t n_sessions;
	struct list_head pairs;
	struct list_head *gc_next;
	struct mutex sweep_lock;
	u32 generation;
	u64 removal_stamp;
	siphash_key_t seed;

	DECLARE_HASHTABLE(handshakes, WGR_STATE_HASH_BITS);
	struct list_head hs_list;
	u32 n_handshakes;

	DECLARE_HASHTABLE(sources, WGR_STATE_HASH_BITS);
	struct list_head src_list;
	u32 n_sources;

	DECLARE_HASHTABLE(buckets, WGR_STATE_HASH_BITS);
	struct list_head bucket_lru;
	u32 n_buckets;

	unsigned long last_scan;

	u32 scan_rate;
	s64 scan_tokens;
	u64 scan_last_ns;
};

/* Bounds on what an attacker can make the relay remember. */
#define WGR_MAX_HANDSHAKES	8192
#define WGR_MAX_SOURCES		4096
#define WGR_MAX_BUCKETS		8192
#define WGR_HANDSHAKE_TIMEOUT	(10 * HZ)
#define WGR_PENDING_TIMEOUT	(30 * HZ)
/* WireGuard's own handshake rate limit: 20 per second, bursts of 5. */
#define WGR_HS_PER_SECOND	20
#define WGR_HS_BURST		5
/*
 * mac1 computations a relay spends per second on handshakes whose receiver is not
 * among their source's recent targets (a scan of every peer): a few tens of
 * milliseconds of CPU, however many addresses an attacker sends from.
 */
#define WGR_SCANS_PER_SECOND	200000
/* Discovery copies one endpoint may receive per second: the relay amplifies little. */
#define WGR_DISCOVERY_PER_SECOND 10
/* Live sessions that may share one receiver index (two owners can collide). */
#define WGR_MAX_INDEX_SHARERS	4
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
	u8 owner[WGRELAY_KEY_LEN];
	u8 counterpart[WGRELAY_KEY_LEN];
	struct wgr_endpoint ep;
	bool confirmed;
	u64 last_seen;		/* Unix seconds */
	u64 counter;
	u64 packets;
	u64 bytes;
	struct wgr_sessions_pos at;	/* to read on from this session */
};

int wgr_state_init(struct wgr_state *state);
void wgr_state_destroy(struct wgr_state *state);
void wgr_state_flush(struct wgr_device *wgr, u32 what);
void wgr_state_forget_peer(struct wgr_device *wgr, struct wgr_peer *peer);
void wgr_state_gc(struct wgr_device *wgr);

/* The relay's decisions (relay.c) use these; all but the lookup need the lock. */
struct wgr_half *wgr_half_lookup(struct wgr_device *wgr, u32 index,
				 const struct wgr_endpoint *src, bool *elsewhere);
struct wgr_pair *wgr_pair_create(struct wgr_device *wgr, struct wgr_handshake *hs,
				 struct wgr_peer *initiator, u32 responder_index,
				 const struct wgr_endpoint *responder_ep);
void wgr_pair_confirm(struct wgr_device *wgr, struct wgr_pair *pair);
void wgr_pair_roam(struct wgr_device *wgr, struct wgr_half *sender,
		   const struct wgr_endpoint *ep);
void wgr_half_read_ep(struct wgr_half *h, struct wgr_endpoint *ep);

bool wgr_ratelimit_allow(struct wgr_device *wgr, const struct wgr_endpoint *src);
bool wgr_scan_allow(struct wgr_device *wgr);
void wgr_scan_charge(struct wgr_device *wgr, u32 tried);
struct wgr_peer *wgr_source_owner(struct wgr_device *wgr, const struct wgr_endpoint *ep);
struct wgr_source *wgr_source_get(struct wgr_device *wgr, const struct wgr_endpoint *ep);
void wgr_source_note_target(struct wgr_source *src, struct wgr_peer *target);
void wgr_source_add_pending(struct wgr_source *src, struct wgr_peer *target);
unsigned int wgr_discovery_candidates(struct wgr_device *wgr, const struct wgr_endpoint *from,
				      const struct wgr_endpoint *skip, struct wgr_peer *target,
				      struct wgr_endpoint *out, unsigned int max);
struct wgr_handshake *wgr_handshake_record(struct wgr_device *wgr, u32 sender,
					   const struct wgr_endpoint *initiator,
					   struct wgr_peer *target, bool trusted,
					   const struct wgr_endpoint *fwd, unsigned int n_fwd);
struct wgr_handshake *wgr_handshake_answered(struct wgr_device *wgr, u32 sender,
					     const struct wgr_endpoint *from);
void wgr_bind(struct wgr_peer *peer, const struct wgr_endpoint *ep, u8 state, bool trusted);
bool wgr_peer_route(struct wgr_peer *peer, struct wgr_endpoint *ep, bool *trusted);
bool wgr_peer_bound_at(struct wgr_peer *peer, const struct wgr_endpoint *ep);
void wgr_source_hints(struct wgr_device *wgr, const struct wgr_endpoint *ep,
		      struct wgr_peer *hints[WGR_SOURCE_RECENT]);

unsigned int wgr_sessions_read(struct wgr_device *wgr, struct wgr_sessions_pos *where,
			       struct wgr_session_info *out, unsigned int max,
			       u32 *generation);

int wgr_session_cache_init(void);
void wgr_session_cache_uninit(void);

u64 wgr_jiffies_to_unix(unsigned long then);

#ifdef CONFIG_WGRELAY_DEBUG
/* Test-only: the benchmark fills the table through debugfs.c. */
int wgr_debug_pair_add(struct wgr_device *wgr, struct wgr_peer *a, struct wgr_peer *b,
		       const u32 idx[2], const struct wgr_endpoint ep[2]);
u64 wgr_debug_gc_scan(struct wgr_device *wgr);
#endif

#endif /* _WGR_SESSION_H */
