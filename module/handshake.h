/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_HANDSHAKE_H
#define _WGR_HANDSHAKE_H

#include <linux/types.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "peer.h"
#include "quota.h"

#define WGR_HANDSHAKES_HASH_BITS 10
#define WGR_HANDSHAKE_TIMEOUT	(10 * HZ)

/**
 * struct wgr_handshakes - initiations the relay forwarded and awaits answers to
 * @lock: guards the table and every handshake in it (lock order: session.h)
 * @table: handshakes by sender index
 * @list: the same, oldest first
 * @n: number of handshakes
 * @quota: the same, by the initiator's prefix: a full table forgets the oldest
 *         of the prefix that holds the most (trust model v2's counts)
 * @seed: keys the index hash (indices are the peers' choice, and an attacker's)
 */
struct wgr_handshakes {
	spinlock_t lock;
	DECLARE_HASHTABLE(table, WGR_HANDSHAKES_HASH_BITS);
	struct list_head list;
	u32 n;
	struct wgr_quota quota;
	siphash_key_t seed;
};

/**
 * struct wgr_answer - what an accepted answer needs of the handshake it answers
 * @initiator: where the initiation came from, where the answer goes
 * @target: the peer the initiation's mac1 named
 * @answers: how many responses it may get in all: WGR_MAX_ANSWERS from each
 *           endpoint it went to (pair_admit() counts the sessions on its index)
 * @leaked: the initiation, and so its sender index, went to more than one endpoint
 * @mac2: the initiation carried the relay's mac2 from @initiator
 * @direct: the answer is the first response from the target's binding or the
 *          end of the pair route the initiation took, not from a discovery
 *          candidate
 * @mac1: the initiation's mac1: a cookie reply's associated data
 */
struct wgr_answer {
	struct wgr_endpoint initiator;
	struct wgr_peer *target;
	unsigned int answers;
	bool leaked;
	bool mac2;
	bool direct;
	u8 mac1[16];
};

/*
 * What an answer is: a response or a cookie reply, each counted against its
 * endpoint; or a look at a response already counted (the scan worker's).
 */
enum wgr_answer_kind { WGR_ANSWER_RESPONSE, WGR_ANSWER_COOKIE, WGR_ANSWER_PEEK };

/*
 * What the relay knows of a forwarded initiation (wgr_handshake_record()):
 * its source is the live binding of the peer last proven there (make_room());
 * it carried the relay's mac2 from there; its first forward is the target's
 * binding or the end of its pair route, the rest discovery candidates.
 */
#define WGR_HS_ANCHORED	0x1U
#define WGR_HS_MAC2	0x2U
#define WGR_HS_DIRECT	0x4U

int wgr_handshakes_init(struct wgr_handshakes *hss);
void wgr_handshakes_destroy(struct wgr_handshakes *hss);
void wgr_handshakes_flush(struct wgr_handshakes *hss);
void wgr_handshakes_gc(struct wgr_handshakes *hss);
void wgr_handshakes_forget_peer(struct wgr_handshakes *hss, struct wgr_peer *peer);

int wgr_handshake_record(struct wgr_handshakes *hss, u32 sender, const u8 *mac1,
			 const struct wgr_endpoint *initiator, struct wgr_peer *target,
			 const struct wgr_endpoint *fwd, unsigned int n_fwd, unsigned int flags);
bool wgr_handshake_index_held(struct wgr_handshakes *hss, u32 index,
			      const struct wgr_endpoint *initiator);
int wgr_handshake_answer(struct wgr_handshakes *hss, u32 sender,
			 const struct wgr_endpoint *from, enum wgr_answer_kind kind,
			 struct wgr_answer *out);
void wgr_handshake_done(struct wgr_handshakes *hss, u32 sender,
			const struct wgr_endpoint *initiator);

#endif /* _WGR_HANDSHAKE_H */
