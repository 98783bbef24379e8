// SPDX-License-Identifier: GPL-2.0
/*
 * Handshakes in flight: initiations the relay forwarded, by sender index and
 * initiator endpoint, with the endpoints they went to. Only those endpoints may
 * answer (trust model v2, precise confirmation): an off-path attacker cannot
 * inject an answer, and a static endpoint is no exception (a spoofer can send
 * "from" it, and it vouches only for its own peer).
 *
 * Each endpoint may answer at most twice, each response making its own tentative
 * session, so that a forged response from another recipient of a discovery copy
 * never blocks the real one: the initiator's first data decides. A spoofer that
 * guesses a peer's port (the relay forwards only the response "from" the right
 * one, which tells it where the peer is) gets WGR_MAX_STRAYS wrong guesses per
 * handshake at the peer's address; then that endpoint answers nothing more, and
 * every further handful of guesses costs the attacker a new handshake.
 */
#include <linux/slab.h>
#include <net/ipv6.h>

#include "handshake.h"

#define WGR_MAX_HANDSHAKES	8192
/*
 * Handshakes one initiator prefix (IPv4 /24, IPv6 /48) may have in flight: a
 * sixteenth of the table, far more than a CGNAT pool's users start in a few
 * seconds.
 */
#define WGR_PREFIX_HANDSHAKES	512
/* Answers of each kind one forwarded endpoint may give. */
#define WGR_MAX_ANSWERS		2
/* Responses from other ports of a forwarded endpoint's address before it is shut. */
#define WGR_MAX_STRAYS		4
/* Anchored records a full table passes over before it forgets one anyway. */
#define WGR_EVICT_TRIES		4
/* Records from different initiators with one sender index. */
#define WGR_MAX_SENDER_SHARERS	4

/**
 * struct wgr_forward - one endpoint an initiation went to
 * @ep: the endpoint
 * @answers: responses and cookie replies it gave, by enum wgr_answer_kind
 * @strays: responses from other ports of its address (IPv6: /64)
 */
struct wgr_forward {
	struct wgr_endpoint ep;
	u8 answers[WGR_ANSWER_PEEK];
	u8 strays;
};

/**
 * struct wgr_handshake - an initiation the relay forwarded
 * @node: in wgr_handshakes.table, hashed by @sender
 * @list: in wgr_handshakes.list, oldest first
 * @acct_node: in @acct's members, oldest first
 * @acct: the initiator's prefix, which it is counted against
 * @sender: the initiator's sender index: the answers' receiver index
 * @initiator: where the initiation came from
 * @target: the peer whose mac1 it carried
 * @mac1: that mac1, which the target's cookie reply is sealed with
 * @time: jiffies when it was forwarded
 * @n_fwd: number of endpoints in @fwd
 * @anchored: it came from a peer's live binding (see make_room())
 * @mac2: it carried the relay's mac2 from @initiator: whoever sent it
 *        receives there (its answers' stamps: relay.c, response_stamp())
 * @direct: @fwd[0] is the target's binding or the end of the pair route it
 *          took; the rest, discovery candidates, saw its sender index
 * @fwd: where it was forwarded; only these may answer it
 */
struct wgr_handshake {
	struct hlist_node node;
	struct list_head list;
	struct list_head acct_node;
	struct wgr_account *acct;
	u32 sender;
	struct wgr_endpoint initiator;
	struct wgr_peer *target;
	u8 mac1[16];
	unsigned long time;
	u32 n_fwd;
	bool anchored;
	bool mac2;
	bool direct;
	struct wgr_forward fwd[];
};

/**
 * wgr_handshakes_init - an empty table of handshakes in flight
 * @hss: the handshakes
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int wgr_handshakes_init(struct wgr_handshakes *hss)
{
	spin_lock_init(&hss->lock);
	hash_init(hss->table);
	INIT_LIST_HEAD(&hss->list);
	hss->n = 0;
	get_random_bytes(&hss->seed, sizeof(hss->seed));
	return wgr_quota_init(&hss->quota, WGR_PREFIX_HANDSHAKES);
}

static u32 hs_hash(struct wgr_handshakes *hss, u32 sender)
{
	return siphash_1u32(sender, &hss->seed);
}

static void handshake_remove(struct wgr_handshakes *hss, struct wgr_handshake *hs)
{
	lockdep_assert_held(&hss->lock);
	hash_del(&hs->node);
	list_del(&hs->list);
	wgr_quota_release(&hss->quota, hs->acct, &hs->acct_node);
	hss->n--;
	kfree(hs);
}

/* Context: process. */
void wgr_handshakes_flush(struct wgr_handshakes *hss)
{
	struct wgr_handshake *hs, *tmp;

	spin_lock_bh(&hss->lock);
	list_for_each_entry_safe(hs, tmp, &hss->list, list)
		handshake_remove(hss, hs);
	spin_unlock_bh(&hss->lock);
}

/**
 * wgr_handshakes_destroy - free the table of a relay that is going away
 * @hss: the handshakes; nothing adds to them any more
 *
 * Context: process.
 */
void wgr_handshakes_destroy(struct wgr_handshakes *hss)
{
	wgr_handshakes_flush(hss);
	wgr_quota_destroy(&hss->quota);
}

/* For wgr_account_pick(): a record a full table passes over. */
static bool handshake_kept(const struct list_head *member)
{
	return list_entry(member, struct wgr_handshake, acct_node)->anchored;
}

/*
 * Room for a record from prefix @key: a prefix at WGR_PREFIX_HANDSHAKES forgets
 * its own oldest; a full table forgets the oldest of the prefix that holds the
 * most. A flood of initiations from any number of prefixes, each holding more
 * than a real peer's one or two, forgets its own, never a peer's rekey. Within
 * a prefix (a CGNAT neighbour shares the victim's), the initiations of a peer
 * from its own live binding get a second chance, a few at a time (pass 6, G2).
 */
static void make_room(struct wgr_handshakes *hss, u64 key)
{
	struct wgr_account *acct = wgr_quota_find(&hss->quota, key);

	lockdep_assert_held(&hss->lock);
	if (!acct || !wgr_account_full(&hss->quota, acct)) {
		if (hss->n < WGR_MAX_HANDSHAKES)
			return;
		acct = wgr_quota_heaviest(&hss->quota);
	}
	/* Four anchored ones passed over, the next goes anyway. */
	wgr_account_pick(acct, handshake_kept, WGR_EVICT_TRIES);
	handshake_remove(hss, list_first_entry(&acct->members, struct wgr_handshake, acct_node));
}

/* Context: process. */
void wgr_handshakes_gc(struct wgr_handshakes *hss)
{
	struct wgr_handshake *hs, *tmp;

	spin_lock_bh(&hss->lock);
	list_for_each_entry_safe(hs, tmp, &hss->list, list) {
		if (!time_after(jiffies, hs->time + WGR_HANDSHAKE_TIMEOUT))
			break;
		handshake_remove(hss, hs);
	}
	spin_unlock_bh(&hss->lock);
}

/**
 * wgr_handshakes_forget_peer - drop the handshakes for a peer being removed
 * @hss: the handshakes
 * @peer: the peer
 *
 * Context: process.
 */
void wgr_handshakes_forget_peer(struct wgr_handshakes *hss, struct wgr_peer *peer)
{
	struct wgr_handshake *hs, *tmp;

	spin_lock_bh(&hss->lock);
	list_for_each_entry_safe(hs, tmp, &hss->list, list)
		if (hs->target == peer)
			handshake_remove(hss, hs);
	spin_unlock_bh(&hss->lock);
}

static void handshake_drop(struct wgr_handshakes *hss, u32 sender,
			   const struct wgr_endpoint *initiator)
{
	struct wgr_handshake *hs;
	struct hlist_node *tmp;

	lockdep_assert_held(&hss->lock);
	hash_for_each_possible_safe(hss->table, hs, tmp, node, hs_hash(hss, sender))
		if (hs->sender == sender && wgr_endpoint_eq(&hs->initiator, initiator))
			handshake_remove(hss, hs);
}

/*
 * Must a record of @sender from @initiator, with the relay's mac2 or not
 * (@mac2), be refused? One walk of the index's live records, for two reasons.
 *
 * Those from other initiators (sharers): answers carry only the index, so each
 * walks all of them: an attacker that learnt a real index (a discovery copy)
 * must not be able to make that walk long, or to drown the genuine record,
 * which is the oldest and wins (wgr_handshake_answer()).
 *
 * One from @initiator with the relay's mac2, when this one has none: a
 * discovery candidate that saw a copy of a retry (the relay's mac2 on it)
 * sends it, or one of its own on the same index, back "from" the initiator,
 * without the relay's mac2 (the relay writes its own over every copy): the
 * record it replaced lost its mac2 and its candidates, and the target's answer
 * met the budget for anyone's answers, or was refused where it came from a
 * candidate's place (helper-98). Any other repeat replaces the record: a client
 * that counts its indices up (boringtun) would otherwise find the indices an
 * attacker spoofed ahead of it held (helper-99).
 */
static bool record_refused(struct wgr_handshakes *hss, u32 sender,
			   const struct wgr_endpoint *initiator, bool mac2)
{
	struct wgr_handshake *hs;
	unsigned int sharers = 0;

	lockdep_assert_held(&hss->lock);
	hash_for_each_possible(hss->table, hs, node, hs_hash(hss, sender)) {
		if (hs->sender != sender || time_after(jiffies, hs->time + WGR_HANDSHAKE_TIMEOUT))
			continue;
		if (!wgr_endpoint_eq(&hs->initiator, initiator))
			sharers++;
		else if (hs->mac2 && !mac2)
			return true;
	}
	return sharers >= WGR_MAX_SENDER_SHARERS;
}

/**
 * wgr_handshake_record - remember a forwarded initiation
 * @hss: the handshakes
 * @sender: its sender index
 * @mac1: its mac1 (16 bytes)
 * @initiator: where it came from
 * @target: the peer its mac1 names
 * @fwd: where it was forwarded
 * @n_fwd: how many endpoints in @fwd
 * @flags: WGR_HS_ANCHORED: @initiator is the live binding of the peer last
 *         proven there; WGR_HS_MAC2: it carried the relay's mac2 from
 *         @initiator; WGR_HS_DIRECT: @fwd[0] is the target's binding or the
 *         end of its pair route
 *
 * Keyed by sender index and initiator endpoint, so that a replay from elsewhere
 * cannot take over a genuine initiation's record. A repeat from the same
 * endpoint replaces it, unless it would take its mac2 away while it lives
 * (record_refused()).
 * A full table makes room at the expense of the prefix that holds the most
 * (make_room()): a flood must not stop every handshake.
 * Context: softirq, under rcu_read_lock() (@target is alive).
 * Return: 0; -ENOMEM if memory is short, -ENOENT if @target is being removed,
 * -EEXIST if the sender index already has a live record from @initiator with
 * the relay's mac2 and this one has none, or WGR_MAX_SENDER_SHARERS records
 * from other initiators, -ENOSPC if @initiator's prefix
 * holds its share of the table.
 */
int wgr_handshake_record(struct wgr_handshakes *hss, u32 sender, const u8 *mac1,
			 const struct wgr_endpoint *initiator, struct wgr_peer *target,
			 const struct wgr_endpoint *fwd, unsigned int n_fwd, unsigned int flags)
{
	struct wgr_handshake *hs = kzalloc(struct_size(hs, fwd, n_fwd), GFP_ATOMIC);
	unsigned int i;
	int ret;
	u64 key;

	if (!hs)
		return -ENOMEM;
	hs->sender = sender;
	hs->initiator = *initiator;
	hs->target = target;
	memcpy(hs->mac1, mac1, sizeof(hs->mac1));
	hs->time = jiffies;
	hs->n_fwd = n_fwd;
	hs->anchored = flags & WGR_HS_ANCHORED;
	hs->mac2 = flags & WGR_HS_MAC2;
	hs->direct = n_fwd && (flags & WGR_HS_DIRECT);
	for (i = 0; i < n_fwd; i++)
		hs->fwd[i].ep = fwd[i];

	spin_lock_bh(&hss->lock);
	/*
	 * wgr_handshakes_forget_peer() runs after the peer is marked dead: checked
	 * under this lock, no record can point at a peer that is being freed.
	 */
	if (READ_ONCE(target->dead)) {
		ret = -ENOENT;
		goto unlock_free;
	}
	if (record_refused(hss, sender, initiator, flags & WGR_HS_MAC2)) {
		ret = -EEXIST;
		goto unlock_free;
	}
	handshake_drop(hss, sender, initiator);
	key = wgr_quota_key(initiator);
	make_room(hss, key);
	if (wgr_quota_charge(&hss->quota, key, &hs->acct_node, &hs->acct, false)) {
		ret = -ENOSPC;
		goto unlock_free;
	}
	hash_add(hss->table, &hs->node, hs_hash(hss, sender));
	list_add_tail(&hs->list, &hss->list);
	hss->n++;
	spin_unlock_bh(&hss->lock);
	return 0;

unlock_free:
	spin_unlock_bh(&hss->lock);
	kfree(hs);
	return ret;
}

/**
 * wgr_handshake_index_held - is a receiver index another initiation's, in flight?
 * @hss: the handshakes
 * @index: an index a new session would be found by
 * @initiator: the new session's initiator endpoint when @index is its
 *             initiation's sender index; NULL for the responder's index
 *
 * The oldest initiation in flight with a sender index holds that index until
 * it is confirmed (its live session holds it then: session.c) or expires. No
 * other session may take it meanwhile: not as a responder's index, nor as the
 * sender index of a later initiation from elsewhere. A discovery copy tells
 * its recipients the index; without this, one of them could answer it with a
 * response whose sender index is that index, or stage a session of its own on
 * it, and the real response would find the index taken (pass 6, G1).
 * Context: softirq or process, under the state lock (lock order: session.h).
 * Return: true if another initiation holds it.
 */
bool wgr_handshake_index_held(struct wgr_handshakes *hss, u32 index,
			      const struct wgr_endpoint *initiator)
{
	struct wgr_handshake *hs, *oldest = NULL;
	bool held;

	spin_lock_bh(&hss->lock);
	/* Newest first in a chain (hash_add()): of two in one jiffy, the later is older. */
	hash_for_each_possible(hss->table, hs, node, hs_hash(hss, index)) {
		if (hs->sender != index || time_after(jiffies, hs->time + WGR_HANDSHAKE_TIMEOUT))
			continue;
		if (!oldest || !time_after(hs->time, oldest->time))
			oldest = hs;
	}
	held = oldest && (!initiator || !wgr_endpoint_eq(&oldest->initiator, initiator));
	spin_unlock_bh(&hss->lock);
	return held;
}

/* What the caller of wgr_handshake_answer() needs of the handshake @hs. */
static void answer_fill(struct wgr_answer *out, const struct wgr_handshake *hs,
			const struct wgr_forward *match)
{
	out->initiator = hs->initiator;
	out->target = hs->target;
	out->answers = WGR_MAX_ANSWERS * hs->n_fwd;
	out->leaked = hs->n_fwd > 1;
	out->mac2 = hs->mac2;
	/*
	 * The first response from there: the target answers an initiation once,
	 * and a squatter of a stale binding had the two it may send stamped
	 * from the budget for the target's answers (helper-98).
	 */
	out->direct = hs->direct && match == &hs->fwd[0] &&
		      match->answers[WGR_ANSWER_RESPONSE] <= 1;
	memcpy(out->mac1, hs->mac1, sizeof(out->mac1));
}

/**
 * wgr_handshake_answer - accept an answer to a forwarded initiation, or not
 * @hss: the handshakes
 * @sender: the answer's receiver index: the initiation's sender index
 * @from: where the answer came from
 * @kind: a response or a cookie reply; or WGR_ANSWER_PEEK, to look again at a
 *        response already accepted (nothing is counted then)
 * @out: filled with what the caller needs of the handshake
 *
 * If a replay made two records match, the oldest, the genuine one, wins. A
 * response from another port of a forwarded endpoint's address counts against
 * that endpoint (see the comment at the top of this file).
 * Context: softirq.
 * Return: 0 if accepted; -ENOENT if it answers nothing forwarded to @from;
 * -EDQUOT if @from has answered as often as it may.
 */
int wgr_handshake_answer(struct wgr_handshakes *hss, u32 sender,
			 const struct wgr_endpoint *from, enum wgr_answer_kind kind,
			 struct wgr_answer *out)
{
	struct wgr_forward *match = NULL, *f;
	struct wgr_handshake *hs, *best = NULL;
	int ret = -ENOENT;
	u32 i;

	spin_lock_bh(&hss->lock);
	hash_for_each_possible(hss->table, hs, node, hs_hash(hss, sender)) {
		struct wgr_forward *found = NULL;

		if (hs->sender != sender || time_after(jiffies, hs->time + WGR_HANDSHAKE_TIMEOUT))
			continue;
		for (i = 0; i < hs->n_fwd; i++) {
			f = &hs->fwd[i];
			if (wgr_endpoint_eq(&f->ep, from)) {
				found = f;
				break;
			}
			/* A guess at a forwarded endpoint's port. */
			if (kind == WGR_ANSWER_RESPONSE && wgr_endpoint_same_host(&f->ep, from) &&
			    f->strays < U8_MAX)
				f->strays++;
		}
		/*
		 * The oldest: the chain is newest first, and a replay from
		 * elsewhere in the same jiffy took the answer (helper-99).
		 */
		if (found && (!best || !time_after(hs->time, best->time))) {
			best = hs;
			match = found;
		}
	}
	if (best && kind == WGR_ANSWER_PEEK) {
		answer_fill(out, best, match);
		ret = 0;
	} else if (best) {
		ret = -EDQUOT;
		if (match->strays < WGR_MAX_STRAYS && match->answers[kind] < WGR_MAX_ANSWERS) {
			match->answers[kind]++;
			answer_fill(out, best, match);
			ret = 0;
		}
	}
	spin_unlock_bh(&hss->lock);
	return ret;
}

/**
 * wgr_handshake_done - a handshake was confirmed: forget it
 * @hss: the handshakes
 * @sender: its sender index
 * @initiator: where it came from
 *
 * Context: softirq.
 */
void wgr_handshake_done(struct wgr_handshakes *hss, u32 sender,
			const struct wgr_endpoint *initiator)
{
	spin_lock_bh(&hss->lock);
	handshake_drop(hss, sender, initiator);
	spin_unlock_bh(&hss->lock);
}
