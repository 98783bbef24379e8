/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wgrelay: a kernel relay for stock WireGuard peers that sit behind NAT.
 *
 * Generic netlink family "wgrelay", version 1.
 *
 * Commands
 * --------
 * WGRELAY_CMD_GET_DEVICE (dump)
 *   Request: WGRELAY_A_IFINDEX or WGRELAY_A_IFNAME.
 *   Reply:   one or more messages for the device. The first carries the device
 *            attributes and WGRELAY_A_STATS; every message carries WGRELAY_A_IFINDEX,
 *            WGRELAY_A_IFNAME and WGRELAY_A_GENERATION and as many peers in
 *            WGRELAY_A_PEERS as fit. Peers are continued in the next message; a
 *            change to the peer set during a dump is flagged with NLM_F_DUMP_INTR.
 *
 * WGRELAY_CMD_SET_DEVICE (do)
 *   Request: WGRELAY_A_IFINDEX or WGRELAY_A_IFNAME, then any of the settable device
 *            attributes, WGRELAY_A_FLAGS and WGRELAY_A_PEERS. Each nested peer is
 *            identified by WGRELAY_PEER_A_PUBLIC_KEY and is created if it does not
 *            exist. An empty string ("", just the NUL) for WGRELAY_PEER_A_NAME and a
 *            zero-length WGRELAY_PEER_A_ENDPOINT or _ALLOWED_PEERS clear the
 *            setting. WGRELAY_F_REPLACE_PEERS removes every existing peer first.
 *            A message is validated whole before anything changes: a rejected
 *            message changes nothing. A configuration too large for one message
 *            is sent as several (only the first with settings and
 *            WGRELAY_F_REPLACE_PEERS); each is applied on its own.
 *
 * WGRELAY_CMD_GET_SESSIONS (dump)
 *   Request: WGRELAY_A_IFINDEX or WGRELAY_A_IFNAME.
 *   Reply:   WGRELAY_A_SESSIONS (nested, WGRELAY_SESSION_A_*), continued across
 *            messages.
 *
 * WGRELAY_CMD_FLUSH (do)
 *   Request: WGRELAY_A_IFINDEX or WGRELAY_A_IFNAME, WGRELAY_A_FLUSH (a mask of
 *            WGRELAY_FLUSH_*). Peers and settings are kept.
 *
 * WGRELAY_CMD_RESTORE (do)
 *   Request: WGRELAY_A_IFINDEX or WGRELAY_A_IFNAME, then WGRELAY_A_PAIRS (nested,
 *            WGRELAY_PAIR_A_*: confirmed sessions, as GET_SESSIONS reported them)
 *            and/or WGRELAY_A_PEERS (nested: WGRELAY_PEER_A_PUBLIC_KEY,
 *            WGRELAY_PEER_A_BINDING_ENDPOINT and optionally _BINDING_LOCAL and
 *            _LAST_SEEN: bindings).
 *            What a relay saved before it restarted (relayctl save). A pair comes
 *            back confirmed, with its pair route, aged by its LAST_SEEN; a binding
 *            comes back stale, so that only its peer's data makes it live again.
 *            Entries that cannot be restored are skipped, not refused: an unknown
 *            peer, a pair its peers' allowed lists no longer allow, an index in
 *            use, a full table, an expired entry, or a peer with a confirmed
 *            binding (learned since the restart) or a static endpoint. A
 *            malformed entry refuses the whole request.
 *   Reply:   WGRELAY_A_RESTORED (nested, WGRELAY_RESTORED_A_*): what was
 *            restored and what was skipped, and why.
 *
 * WGRELAY_CMD_EVENT (multicast group WGRELAY_MCGRP_EVENTS)
 *   Not a request: what changed on a relay, sent to the group in the device's
 *   namespace, which only CAP_NET_ADMIN in that namespace may join. Each message
 *   carries WGRELAY_A_IFINDEX, WGRELAY_A_IFNAME and one WGRELAY_A_EVENT (nested,
 *   WGRELAY_EVENT_A_*). Events are coalesced and sent in batches a few times a
 *   second at most: the same event (type, reason, peers, endpoint) again before
 *   its batch went is counted in WGRELAY_EVENT_A_COUNT. What does not fit the
 *   relay's queue is lost, counted in the events_lost counter and announced
 *   by a WGRELAY_EVENT_LOST event whose COUNT says how many.
 *
 * Every command needs CAP_NET_ADMIN in the device's network namespace: even the
 * reads return peers' addresses. Errors carry an extended ACK message.
 * A new device has the WGRELAY_DEFAULT_* settings, with roaming and the fast path
 * on.
 *
 * Endpoints are a struct sockaddr_in or struct sockaddr_in6 (as in WireGuard).
 * Times (LAST_SEEN) are seconds since the Unix epoch, 0 for never.
 */
#ifndef _UAPI_LINUX_WGRELAY_H
#define _UAPI_LINUX_WGRELAY_H

#include <linux/types.h>

#define WGRELAY_GENL_NAME		"wgrelay"
#define WGRELAY_GENL_VERSION		1

#define WGRELAY_KEY_LEN			32
#define WGRELAY_NAME_MAXLEN		32	/* characters, without the NUL */
/*
 * 96 keys (3 KiB) keep one peer inside a single dump message even when the
 * kernel falls back to its smallest dump buffer. A peer that talks to many (a
 * server) needs no list of its own: a pair is allowed only if both lists allow it.
 */
#define WGRELAY_MAX_ALLOWED_PEERS	96
#define WGRELAY_MAX_PEERS		(1U << 20)

#define WGRELAY_DEFAULT_PORT		51820
#define WGRELAY_DEFAULT_SESSION_TIMEOUT	180	/* seconds: WireGuard's REJECT_AFTER_TIME */
#define WGRELAY_DEFAULT_BINDING_TIMEOUT	300	/* seconds */
#define WGRELAY_DEFAULT_MAX_SESSIONS	(1U << 17)
#define WGRELAY_DEFAULT_FANOUT		8
#define WGRELAY_MAX_TIMEOUT		86400	/* seconds */
#define WGRELAY_MAX_SESSIONS_LIMIT	(1U << 24)
#define WGRELAY_MAX_FANOUT		64

enum wgrelay_cmd {
	WGRELAY_CMD_GET_DEVICE,
	WGRELAY_CMD_SET_DEVICE,
	WGRELAY_CMD_GET_SESSIONS,
	WGRELAY_CMD_FLUSH,
	WGRELAY_CMD_RESTORE,
	WGRELAY_CMD_EVENT,		/* multicast only, on WGRELAY_MCGRP_EVENTS */
	__WGRELAY_CMD_MAX
};
#define WGRELAY_CMD_MAX (__WGRELAY_CMD_MAX - 1)

enum wgrelay_device_flag {
	WGRELAY_F_REPLACE_PEERS = 1U << 0,
	__WGRELAY_F_ALL = WGRELAY_F_REPLACE_PEERS
};

enum wgrelay_flush {
	WGRELAY_FLUSH_SESSIONS = 1U << 0,	/* sessions, handshakes in flight, pending */
	WGRELAY_FLUSH_BINDINGS = 1U << 1,	/* learned peer endpoints */
	__WGRELAY_FLUSH_ALL = WGRELAY_FLUSH_SESSIONS | WGRELAY_FLUSH_BINDINGS
};

enum wgrelay_device_attr {
	WGRELAY_A_UNSPEC,
	WGRELAY_A_IFINDEX,		/* u32 */
	WGRELAY_A_IFNAME,		/* NUL-terminated string */
	WGRELAY_A_LISTEN_PORT,		/* u16, 1..65535 */
	WGRELAY_A_SESSION_TIMEOUT,	/* u32 seconds, 1..WGRELAY_MAX_TIMEOUT */
	WGRELAY_A_BINDING_TIMEOUT,	/* u32 seconds, 1..WGRELAY_MAX_TIMEOUT */
	WGRELAY_A_MAX_SESSIONS,		/* u32, 1..WGRELAY_MAX_SESSIONS_LIMIT */
	WGRELAY_A_DISCOVERY_FANOUT,	/* u32, 0..WGRELAY_MAX_FANOUT */
	WGRELAY_A_ROAMING,		/* u8, 0 or 1 */
	WGRELAY_A_FLAGS,		/* u32, WGRELAY_F_* */
	WGRELAY_A_PEERS,		/* nest of nests (WGRELAY_PEER_A_*) */
	WGRELAY_A_STATS,		/* nest (WGRELAY_STATS_A_*), read only */
	WGRELAY_A_SESSIONS,		/* nest of nests (WGRELAY_SESSION_A_*), read only */
	WGRELAY_A_FLUSH,		/* u32, WGRELAY_FLUSH_* */
	WGRELAY_A_GENERATION,		/* u32, read only: bumped on every peer change */
	WGRELAY_A_NUM_PEERS,		/* u32, read only */
	WGRELAY_A_NUM_SESSIONS,		/* u32, read only */
	WGRELAY_A_PAIRS,		/* nest of nests (WGRELAY_PAIR_A_*), RESTORE only */
	WGRELAY_A_RESTORED,		/* nest (WGRELAY_RESTORED_A_*), RESTORE's reply */
	WGRELAY_A_EVENT,		/* nest (WGRELAY_EVENT_A_*), in WGRELAY_CMD_EVENT */
	WGRELAY_A_FAST_PATH,		/* u8, 0 or 1 */
	__WGRELAY_A_LAST
};
#define WGRELAY_A_MAX (__WGRELAY_A_LAST - 1)

enum wgrelay_peer_flag {
	WGRELAY_PEER_F_REMOVE = 1U << 0,
	__WGRELAY_PEER_F_ALL = WGRELAY_PEER_F_REMOVE
};

enum wgrelay_binding_state {
	WGRELAY_BINDING_NONE,
	WGRELAY_BINDING_TENTATIVE,	/* learned from a handshake, not yet proven */
	WGRELAY_BINDING_CONFIRMED,	/* proven by data after a completed handshake */
};

/*
 * What a binding is worth now (trust model v2): live while data comes from it;
 * stale after WGRELAY_BINDING_STALE seconds without, when a newer confirmation or
 * a roam out of it may move it; static when the operator set the endpoint.
 */
enum wgrelay_binding_status {
	WGRELAY_BINDING_STATUS_NONE,
	WGRELAY_BINDING_STATUS_TENTATIVE,
	WGRELAY_BINDING_STATUS_LIVE,
	WGRELAY_BINDING_STATUS_STALE,
	WGRELAY_BINDING_STATUS_STATIC,
};
#define WGRELAY_BINDING_STALE		60	/* seconds */

enum wgrelay_peer_attr {
	WGRELAY_PEER_A_UNSPEC,
	WGRELAY_PEER_A_PUBLIC_KEY,	/* binary, exactly WGRELAY_KEY_LEN */
	WGRELAY_PEER_A_NAME,		/* string of 1..32 of [A-Za-z0-9._-]; "" clears */
	WGRELAY_PEER_A_ENDPOINT,	/* sockaddr_in/sockaddr_in6: static endpoint; empty clears */
	WGRELAY_PEER_A_ALLOWED_PEERS,	/* binary, n * WGRELAY_KEY_LEN distinct public keys; empty clears */
	WGRELAY_PEER_A_FLAGS,		/* u32, WGRELAY_PEER_F_* */
	WGRELAY_PEER_A_BINDING_STATE,	/* u8, enum wgrelay_binding_state, read only */
	WGRELAY_PEER_A_BINDING_ENDPOINT,/* sockaddr, read only */
	WGRELAY_PEER_A_LAST_SEEN,	/* u64 Unix seconds, read only */
	WGRELAY_PEER_A_RX_PACKETS,	/* u64, relayed datagrams this peer sent */
	WGRELAY_PEER_A_RX_BYTES,	/* u64 */
	WGRELAY_PEER_A_TX_PACKETS,	/* u64, relayed datagrams sent to this peer */
	WGRELAY_PEER_A_TX_BYTES,	/* u64 */
	WGRELAY_PEER_A_HANDSHAKES,	/* u64, handshake responses relayed for it */
	WGRELAY_PEER_A_NUM_SESSIONS,	/* u32, live sessions owned by this peer */
	WGRELAY_PEER_A_PAD,
	WGRELAY_PEER_A_BINDING_TRUSTED,	/* u8: trust model v1 only; no longer sent */
	WGRELAY_PEER_A_BINDING_STATUS,	/* u8, enum wgrelay_binding_status, read only */
	WGRELAY_PEER_A_BINDING_CONFLICT,/* u8, read only: 1 if a live session of the
					 * peer reaches it somewhere other than its
					 * binding (a squatter, or a roam not yet followed)
					 */
	WGRELAY_PEER_A_BINDINGS_KEPT,	/* u64, read only: confirmations and roams that
					 * would have moved its live or static binding
					 */
	WGRELAY_PEER_A_BINDING_LOCAL,	/* binary, 4 or 16 bytes: the relay's address
					 * the peer reached it at, from which it is
					 * answered (read; RESTORE) */
	WGRELAY_PEER_A_REFUSED,		/* nest, read only: handshakes the relay
					 * refused that named this peer (an initiation
					 * names its target, an answer both), by
					 * reason: each attribute's type is an enum
					 * wgrelay_refusal, a u64; only reasons with a
					 * count are sent; padding is
					 * WGRELAY_REFUSED_NONE
					 */
	WGRELAY_PEER_A_BINDING_PROVEN,	/* u8, read only: 1 if the peer proved, with
					 * the relay's own mac2, that it receives
					 * where it talks from now (or has a static
					 * endpoint): only then do its initiations
					 * along its sessions carry a loaded
					 * target's cookie as its own
					 */
	__WGRELAY_PEER_A_LAST
};
#define WGRELAY_PEER_A_MAX (__WGRELAY_PEER_A_LAST - 1)

enum wgrelay_session_attr {
	WGRELAY_SESSION_A_UNSPEC,
	WGRELAY_SESSION_A_RECEIVER_INDEX,	/* u32, as on the wire (host order here) */
	WGRELAY_SESSION_A_OWNER,		/* binary public key: who receives on the index */
	WGRELAY_SESSION_A_COUNTERPART,		/* binary public key: who sends on it */
	WGRELAY_SESSION_A_ENDPOINT,		/* sockaddr: where the owner is reached */
	WGRELAY_SESSION_A_CONFIRMED,		/* u8, 0 tentative, 1 confirmed */
	WGRELAY_SESSION_A_LAST_SEEN,		/* u64 Unix seconds */
	WGRELAY_SESSION_A_COUNTER,		/* u64, highest transport counter seen */
	WGRELAY_SESSION_A_PACKETS,		/* u64 */
	WGRELAY_SESSION_A_BYTES,		/* u64 */
	WGRELAY_SESSION_A_PAD,
	WGRELAY_SESSION_A_INITIATOR,		/* u8, 1 on the initiator's half: the
						 * index the initiation carried */
	WGRELAY_SESSION_A_COUNTERPART_INDEX,	/* u32: the other half's receiver index */
	WGRELAY_SESSION_A_LEAKED,		/* u8, 1 if the initiator's index went to
						 * other endpoints (discovery): it proves
						 * no roam */
	WGRELAY_SESSION_A_LOCAL,		/* binary, 4 or 16 bytes: the relay's
						 * address the owner reached it at, from
						 * which data to it leaves */
	__WGRELAY_SESSION_A_LAST
};
#define WGRELAY_SESSION_A_MAX (__WGRELAY_SESSION_A_LAST - 1)

/*
 * One confirmed session to restore: its two halves, each a nest of
 * WGRELAY_SESSION_A_RECEIVER_INDEX, _OWNER, _ENDPOINT (required), _COUNTER and
 * _LOCAL (of the endpoint's family).
 */
enum wgrelay_pair_attr {
	WGRELAY_PAIR_A_UNSPEC,
	WGRELAY_PAIR_A_INITIATOR,	/* nest (WGRELAY_SESSION_A_*): the initiator's half */
	WGRELAY_PAIR_A_RESPONDER,	/* nest (WGRELAY_SESSION_A_*): the responder's half */
	WGRELAY_PAIR_A_LAST_SEEN,	/* u64 Unix seconds: the last datagram on either */
	WGRELAY_PAIR_A_LEAKED,		/* u8, 0 or 1, as WGRELAY_SESSION_A_LEAKED */
	__WGRELAY_PAIR_A_LAST
};
#define WGRELAY_PAIR_A_MAX (__WGRELAY_PAIR_A_LAST - 1)

/* RESTORE's reply: counts, each a u32. */
enum wgrelay_restored_attr {
	WGRELAY_RESTORED_A_UNSPEC,
	WGRELAY_RESTORED_A_PAIRS,		/* pairs restored */
	WGRELAY_RESTORED_A_BINDINGS,		/* bindings restored (stale) */
	WGRELAY_RESTORED_A_UNKNOWN_PEER,	/* skipped: a key the relay does not have */
	WGRELAY_RESTORED_A_DENIED,		/* skipped: the peers may not talk (any more) */
	WGRELAY_RESTORED_A_COLLISION,		/* skipped: an index is in use */
	WGRELAY_RESTORED_A_FULL,		/* skipped: max-sessions reached */
	WGRELAY_RESTORED_A_EXPIRED,		/* skipped: older than its timeout */
	WGRELAY_RESTORED_A_BOUND,		/* skipped binding: the peer has a confirmed
						 * binding (learned since) or a static one */
	__WGRELAY_RESTORED_A_LAST
};
#define WGRELAY_RESTORED_A_MAX (__WGRELAY_RESTORED_A_LAST - 1)

#define WGRELAY_MCGRP_EVENTS		"events"

enum wgrelay_event_type {
	WGRELAY_EVENT_LOST,		/* COUNT events did not fit the queue */
	WGRELAY_EVENT_BOUND,		/* PEER's binding is ENDPOINT (it had none, or
					 * was there and went stale) */
	WGRELAY_EVENT_REBOUND,		/* PEER's binding moved to ENDPOINT */
	WGRELAY_EVENT_STALE,		/* PEER's binding at ENDPOINT went stale */
	WGRELAY_EVENT_UNBOUND,		/* PEER's binding at ENDPOINT expired */
	WGRELAY_EVENT_ALTERNATE,	/* PEER, live elsewhere, was confirmed or
					 * roamed at ENDPOINT: its binding goes
					 * there once stale */
	WGRELAY_EVENT_CONFLICT,		/* a confirmation or roam of PEER at ENDPOINT
					 * that its static or newer binding keeps
					 * out (trust model v2) */
	WGRELAY_EVENT_CONFIRMED,	/* a session of PEER (the initiator, at
					 * ENDPOINT) and PARTNER confirmed */
	WGRELAY_EVENT_ROAMED,		/* PEER moved to ENDPOINT in its session
					 * with PARTNER */
	WGRELAY_EVENT_EXPIRED,		/* the session of PEER (at ENDPOINT) and
					 * PARTNER expired */
	WGRELAY_EVENT_REFUSED,		/* a handshake from ENDPOINT refused for
					 * REASON; PEER (the initiator) and PARTNER
					 * (the target) where known */
	__WGRELAY_EVENT_MAX
};

enum wgrelay_refusal {
	WGRELAY_REFUSED_NONE,
	WGRELAY_REFUSED_ALLOWED_PEERS,	/* the pair is not allowed by AllowedPeers */
	WGRELAY_REFUSED_RATELIMIT,	/* over its source's initiation rate */
	WGRELAY_REFUSED_CEILING,	/* over its address's ceiling */
	WGRELAY_REFUSED_SCAN_BUDGET,	/* over the mac1 scan budget */
	WGRELAY_REFUSED_UNKNOWN_PEER,	/* mac1 names no provisioned peer */
	WGRELAY_REFUSED_NO_ROUTE,	/* the target has no endpoint: offline */
	WGRELAY_REFUSED_FULL,		/* max-sessions, or its source prefix's share of
					 * sessions or of handshakes in flight, reached */
	WGRELAY_REFUSED_COLLISION,	/* a receiver index already in use */
	__WGRELAY_REFUSED_MAX
};
/*
 * The reasons that can name a peer, and so appear in WGRELAY_PEER_A_REFUSED: the
 * others are judged before the relay knows whose handshake it is.
 */
#define WGRELAY_REFUSED_OF_PEER						\
	((1U << WGRELAY_REFUSED_ALLOWED_PEERS) | (1U << WGRELAY_REFUSED_CEILING) |	\
	 (1U << WGRELAY_REFUSED_NO_ROUTE) | (1U << WGRELAY_REFUSED_FULL) |	\
	 (1U << WGRELAY_REFUSED_COLLISION))

enum wgrelay_event_attr {
	WGRELAY_EVENT_A_UNSPEC,
	WGRELAY_EVENT_A_TYPE,		/* u32, enum wgrelay_event_type */
	WGRELAY_EVENT_A_REASON,		/* u32, enum wgrelay_refusal (REFUSED only) */
	WGRELAY_EVENT_A_PEER,		/* binary public key, if any */
	WGRELAY_EVENT_A_PARTNER,	/* binary public key, if any */
	WGRELAY_EVENT_A_ENDPOINT,	/* sockaddr_in/sockaddr_in6, if any */
	WGRELAY_EVENT_A_COUNT,		/* u32: how many times it happened, coalesced */
	WGRELAY_EVENT_A_TIME,		/* u64 Unix seconds of the first of them */
	WGRELAY_EVENT_A_PAD,
	__WGRELAY_EVENT_A_LAST
};
#define WGRELAY_EVENT_A_MAX (__WGRELAY_EVENT_A_LAST - 1)

/*
 * Device counters: the one list, for the uapi, sysfs (module/sysfs.c), the drop
 * total of `ip -s link` (module/device.c) and relayctl. Each entry is
 * WGRELAY_STAT(NAME, name, drop): WGRELAY_STAT_NAME in enum wgrelay_stat, "name"
 * in sysfs and relayctl, and drop = 1 if it counts received datagrams that were
 * dropped. In WGRELAY_A_STATS each is a u64 attribute whose type is
 * WGRELAY_STATS_A_COUNTER(index). New counters are added at the end; no attribute
 * number ever moves.
 */
#define WGRELAY_STATS(WGRELAY_STAT)						\
	/* datagrams received on the relay port, and their bytes */		\
	WGRELAY_STAT(RX_PACKETS, rx_packets, 0)					\
	WGRELAY_STAT(RX_BYTES, rx_bytes, 0)					\
	/* datagrams relayed, and their bytes */				\
	WGRELAY_STAT(TX_PACKETS, tx_packets, 0)					\
	WGRELAY_STAT(TX_BYTES, tx_bytes, 0)					\
	/* not a well-formed WireGuard message, or from an IPv6 source no	\
	 * host sends from (unspecified, IPv4-mapped) */			\
	WGRELAY_STAT(RX_INVALID, rx_invalid, 1)					\
	/* initiation over its source's rate, or a mac1 scan over budget */	\
	WGRELAY_STAT(HS_RATELIMITED, hs_ratelimited, 1)				\
	/* mac1 matched no provisioned peer */					\
	WGRELAY_STAT(HS_UNKNOWN_TARGET, hs_unknown_target, 1)			\
	/* response/cookie that answers nothing forwarded to where it came from */ \
	WGRELAY_STAT(HS_UNSOLICITED, hs_unsolicited, 1)				\
	/* the pair is not allowed by AllowedPeers */				\
	WGRELAY_STAT(HS_DENIED, hs_denied, 1)					\
	/* data for an unknown receiver index, or from where it may not come */	\
	WGRELAY_STAT(RX_NO_SESSION, rx_no_session, 1)				\
	/* initiations and responses forwarded */				\
	WGRELAY_STAT(HS_INITIATIONS, hs_initiations, 0)				\
	WGRELAY_STAT(HS_RESPONSES, hs_responses, 0)				\
	/* targets' own cookie replies that opened, never forwarded: each	\
	 * makes the relay probe, or is an answer to a probe that it kept	\
	 * (hs_cookies_kept; one it did not keep is unsolicited) */		\
	WGRELAY_STAT(HS_COOKIES, hs_cookies, 1)					\
	/* copies of initiations sent for discovery */				\
	WGRELAY_STAT(DISCOVERY_FWD, discovery_fwd, 0)				\
	/* initiation with no endpoint for its target and no candidate */	\
	WGRELAY_STAT(HS_NO_ROUTE, hs_no_route, 1)				\
	/* sessions confirmed by their first data */				\
	WGRELAY_STAT(CONFIRMS, confirms, 0)					\
	/* session endpoints moved by a fresh counter */			\
	WGRELAY_STAT(ROAMS, roams, 0)						\
	WGRELAY_STAT(SESSIONS_CREATED, sessions_created, 0)			\
	WGRELAY_STAT(SESSIONS_EXPIRED, sessions_expired, 0)			\
	/* sessions refused: max-sessions reached, or an index shared too often */ \
	WGRELAY_STAT(SESSIONS_FULL, sessions_full, 1)				\
	WGRELAY_STAT(BINDINGS_EXPIRED, bindings_expired, 0)			\
	/* no route, no socket, no memory, or the send failed */		\
	WGRELAY_STAT(TX_ERRORS, tx_errors, 0)					\
	/* IP packets routed into the relay device */				\
	WGRELAY_STAT(DEV_XMIT_DROPS, dev_xmit_drops, 0)				\
	/* would go back to its sender or to the relay itself, or spoofed	\
	 * a local source address */						\
	WGRELAY_STAT(LOOP_DROPS, loop_drops, 1)					\
	/* a confirmation or roam that would have moved a live or static	\
	 * binding: the binding stayed (trust model v2) */			\
	WGRELAY_STAT(BINDINGS_KEPT, bindings_kept, 0)				\
	/* stale bindings that moved to where their peer roamed */		\
	WGRELAY_STAT(BINDINGS_FOLLOWED, bindings_followed, 0)			\
	/* initiations sent along a live session to the target's endpoint	\
	 * in it (pair routing), whatever the target's binding */		\
	WGRELAY_STAT(HS_PAIR_ROUTED, hs_pair_routed, 0)				\
	/* responses whose sender index is already a live receiver index,	\
	 * or answers over an in-flight handshake's limit */			\
	WGRELAY_STAT(HS_COLLISIONS, hs_collisions, 1)				\
	/* arrived with a TTL (hop limit) of 1 or less: a loop */		\
	WGRELAY_STAT(TTL_DROPS, ttl_drops, 1)					\
	/* the relay's own cookie replies (return routability) */		\
	WGRELAY_STAT(COOKIES_SENT, cookies_sent, 0)				\
	/* initiations that carried a valid relay mac2 */			\
	WGRELAY_STAT(HS_MAC2, hs_mac2, 0)					\
	/* sessions a full table (or a full prefix) gave up for a new one: the	\
	 * oldest of the source prefix that holds the most */			\
	WGRELAY_STAT(SESSIONS_EVICTED, sessions_evicted, 0)			\
	/* roams out of a peer's binding or roam that did not move its roam:	\
	 * the peer still talks there with another partner (pass 8, I4) */	\
	WGRELAY_STAT(ROAMS_CONTESTED, roams_contested, 0)			\
	/* events that did not fit the queue of WGRELAY_MCGRP_EVENTS */	\
	WGRELAY_STAT(EVENTS_LOST, events_lost, 0)				\
	/* of tx_packets, those the fast path relayed before the IP stack	\
	 * delivered them (confirmed sessions' data, module/fastpath.c) */	\
	WGRELAY_STAT(FAST_PACKETS, fast_packets, 0)				\
	/* discovery walks refused or cut short: their initiator's network,	\
	 * or the relay, had spent its budget of candidates to look at */	\
	WGRELAY_STAT(DISCOVERY_LIMITED, discovery_limited, 0)			\
	/* initiations sent to a target under load without its own mac2: the	\
	 * relay does not vouch for their source, or its budget for the	\
	 * destination is spent (pass 4, E2) */					\
	WGRELAY_STAT(HS_COOKIE_WITHHELD, hs_cookie_withheld, 0)		\
	/* the relay's own initiations to a peer whose cookie reply (to a	\
	 * forwarded initiation, or to a response: R1) said it is under	\
	 * load: only their answers give the relay the peer's cookie	\
	 * (helper-81, K1) */							\
	WGRELAY_STAT(HS_COOKIE_PROBES, hs_cookie_probes, 0)			\
	/* the answers to those probes that the relay kept: a target's	\
	 * cookie for the endpoint probed (helper-81, K5) */		\
	WGRELAY_STAT(HS_COOKIES_KEPT, hs_cookies_kept, 0)			\
	/* initiators' cookie replies to a response, never forwarded: each	\
	 * makes the relay probe the initiator for its own cookie (R1) */	\
	WGRELAY_STAT(HS_INITIATOR_COOKIES, hs_initiator_cookies, 0)		\
	/* responses sent with the initiator's own mac2, of the relay's	\
	 * making (a responder's own never goes on) */				\
	WGRELAY_STAT(HS_RESPONSE_STAMPS, hs_response_stamps, 0)		\
	/* responses sent to an initiator under load without its mac2: the	\
	 * destination's budget for them was spent (R1) */			\
	WGRELAY_STAT(HS_RESPONSE_STAMP_WITHHELD, hs_response_stamp_withheld, 0)

#define WGRELAY_STAT_ENUM_(name, lower, drop) WGRELAY_STAT_##name,
enum wgrelay_stat {
	WGRELAY_STATS(WGRELAY_STAT_ENUM_)
	__WGRELAY_STAT_MAX
};
#undef WGRELAY_STAT_ENUM_

enum wgrelay_stats_attr {
	WGRELAY_STATS_A_UNSPEC,
	WGRELAY_STATS_A_PAD,
	WGRELAY_STATS_A_FIRST_COUNTER,	/* WGRELAY_STAT_RX_PACKETS; the rest follow */
};
#define WGRELAY_STATS_A_COUNTER(stat)	(WGRELAY_STATS_A_FIRST_COUNTER + (stat))
#define WGRELAY_STATS_A_MAX		WGRELAY_STATS_A_COUNTER(__WGRELAY_STAT_MAX - 1)

#endif /* _UAPI_LINUX_WGRELAY_H */
