// SPDX-License-Identifier: GPL-2.0
/*
 * The queue of handshakes waiting for a mac1 scan: bounded, and fair across
 * source prefixes (IPv4 /24, IPv6 /48). Each prefix has its own line, and the
 * worker takes the oldest of each in turn, so a prefix that sends a thousand
 * waits behind itself, not in front of a peer that sends one (pass 5, F1: junk
 * with the relay's own mac2, "verified", filled one shared queue and no cold
 * handshake got through). A full queue drops from the prefix that has the
 * most waiting, and one prefix may have a quarter of it at most; within a
 * prefix, verified entries (a response to a forwarded initiation, an
 * initiation with mac2) are served and kept first.
 *
 * The worker that drains it, and what it decides, are in relay.c; the scan
 * budget (ratelimit.c) still bounds how many peers it tries a second.
 */
#include <linux/slab.h>

#include "scan.h"

/* Entries the queue looks at, within one prefix, for a verified (or not) one. */
#define WGR_SCAN_LOOK	4

/**
 * struct wgr_scan_entry - a datagram waiting for the worker
 * @acct_node: in @acct's members, oldest first
 * @acct: its source prefix
 * @skb: the datagram; wgr_skb_rx() holds what was read of its IP header
 * @verified: see wgr_scan_queue()
 */
struct wgr_scan_entry {
	struct list_head acct_node;
	struct wgr_account *acct;
	struct sk_buff *skb;
	bool verified;
};

/**
 * wgr_scans_init - an empty queue
 * @q: the queue
 * @fn: the worker
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int wgr_scans_init(struct wgr_scans *q, work_func_t fn)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->ring);
	q->n = 0;
	INIT_WORK(&q->work, fn);
	return wgr_quota_init(&q->quota, WGR_SCAN_QUEUE);
}

static void entry_remove(struct wgr_scans *q, struct wgr_scan_entry *e)
{
	lockdep_assert_held(&q->lock);
	wgr_quota_release(&q->quota, e->acct, &e->acct_node);
	q->n--;
	kfree(e);
}

static void purge(struct wgr_scans *q)
{
	struct wgr_scan_entry *e;
	struct wgr_account *acct;

	spin_lock_bh(&q->lock);
	while ((acct = list_first_entry_or_null(&q->ring, struct wgr_account, ring))) {
		e = list_first_entry(&acct->members, struct wgr_scan_entry, acct_node);
		kfree_skb(e->skb);
		entry_remove(q, e);
	}
	spin_unlock_bh(&q->lock);
}

/**
 * wgr_scans_stop - stop the worker and drop what waits for it
 * @q: the queue
 *
 * Context: process; the relay's sockets are closed, so nothing queues any more.
 */
void wgr_scans_stop(struct wgr_scans *q)
{
	/* Emptied first: the worker then stops after the datagram it is on. */
	purge(q);
	cancel_work_sync(&q->work);
	purge(q);
}

/**
 * wgr_scans_destroy - free the queue of a relay that is going away
 * @q: the queue, stopped
 *
 * Context: process.
 */
void wgr_scans_destroy(struct wgr_scans *q)
{
	wgr_scans_stop(q);
	wgr_quota_destroy(&q->quota);
}

/*
 * Among the first WGR_SCAN_LOOK of a prefix's entries, the first that is
 * @verified, else its oldest. Context: the queue lock.
 */
static struct wgr_scan_entry *pick(struct wgr_account *acct, bool verified)
{
	struct wgr_scan_entry *e, *first = NULL;
	int i = 0;

	list_for_each_entry(e, &acct->members, acct_node) {
		if (e->verified == verified)
			return e;
		if (!first)
			first = e;
		if (++i == WGR_SCAN_LOOK)
			break;
	}
	return first;
}

/*
 * Room for an entry from prefix @key, @verified or not, with @limit entries at
 * most. Return: false if the new entry is the one to drop; *@dropped counts an
 * entry dropped to make room.
 */
static bool make_room(struct wgr_scans *q, u64 key, bool verified, unsigned int limit,
		      unsigned int *dropped)
{
	struct wgr_account *acct = wgr_quota_find(&q->quota, key);
	struct wgr_scan_entry *victim;

	lockdep_assert_held(&q->lock);
	if (acct && acct->n >= max(limit / 4, 1U)) {
		/* A prefix at its share gives up its own: an unverified one first. */
		victim = pick(acct, false);
		if (victim->verified && !verified)
			return false;
	} else if (q->n >= limit) {
		/* Whoever has the most waiting gives up an entry, unverified first. */
		victim = pick(wgr_quota_heaviest(&q->quota), false);
	} else {
		return true;
	}
	kfree_skb(victim->skb);
	entry_remove(q, victim);
	(*dropped)++;
	return true;
}

/**
 * wgr_scan_queue - leave a handshake for the worker
 * @q: the queue
 * @skb: the datagram, skb->data at the WireGuard message; consumed
 * @rx: what the relay read of its IP header
 * @verified: a response to a forwarded initiation, or an initiation with mac2
 * @max: how many may wait: what the scan budget serves in two seconds, so that
 *       nothing waits much longer than that (16 at least, WGR_SCAN_QUEUE at most)
 *
 * Context: softirq.
 * Return: how many datagrams were dropped: this one, or one that waited, to
 * keep the queue fair and bounded; or none.
 */
unsigned int wgr_scan_queue(struct wgr_scans *q, struct sk_buff *skb, const struct wgr_rx *rx,
			    bool verified, unsigned int max)
{
	struct wgr_scan_entry *e = kmalloc(sizeof(*e), GFP_ATOMIC);
	u64 key = wgr_quota_key(&rx->src);
	unsigned int dropped = 0;

	if (!e)
		goto drop;
	/*
	 * It outlives this softirq: nothing of the way in may stay with it (a route
	 * held without a reference, conntrack, the ingress device).
	 */
	skb_scrub_packet(skb, true);
	skb->dev = NULL;
	*wgr_skb_rx(skb) = *rx;
	e->skb = skb;
	e->verified = verified;

	spin_lock_bh(&q->lock);
	if (!make_room(q, key, verified, clamp_t(unsigned int, max, 16, WGR_SCAN_QUEUE),
		       &dropped) ||
	    wgr_quota_charge(&q->quota, key, &e->acct_node, &e->acct, false)) {
		spin_unlock_bh(&q->lock);
		kfree(e);
		goto drop;
	}
	q->n++;
	if (list_empty(&e->acct->ring))
		list_add_tail(&e->acct->ring, &q->ring);
	spin_unlock_bh(&q->lock);
	queue_work(system_unbound_wq, &q->work);
	return dropped;

drop:
	kfree_skb(skb);
	return dropped + 1;
}

/**
 * wgr_scan_next - the next datagram for the worker
 * @q: the queue
 * @rx: filled with what was read of its IP header
 * @verified: set as it was queued
 *
 * The prefixes take turns; each gives its oldest verified entry among the first
 * few, else its oldest.
 * Context: process (the worker).
 * Return: the datagram, or NULL when the queue is empty.
 */
struct sk_buff *wgr_scan_next(struct wgr_scans *q, struct wgr_rx *rx, bool *verified)
{
	struct wgr_account *acct;
	struct wgr_scan_entry *e;
	struct sk_buff *skb = NULL;

	spin_lock_bh(&q->lock);
	acct = list_first_entry_or_null(&q->ring, struct wgr_account, ring);
	if (acct) {
		e = pick(acct, true);
		skb = e->skb;
		*verified = e->verified;
		/* Its turn is over; the account goes, off the ring, if this was its last. */
		list_move_tail(&acct->ring, &q->ring);
		entry_remove(q, e);
		*rx = *wgr_skb_rx(skb);
	}
	spin_unlock_bh(&q->lock);
	return skb;
}

/**
 * wgr_scan_again - put a datagram back, first in line
 * @q: the queue
 * @skb: the datagram wgr_scan_next() gave
 * @verified: as wgr_scan_next() said
 *
 * The scan budget was spent: it waits, first of its prefix and its prefix
 * first, rather than being dropped; unless memory is short, or its prefix has
 * since filled its share.
 * Context: process (the worker).
 * Return: false if it was dropped after all.
 */
bool wgr_scan_again(struct wgr_scans *q, struct sk_buff *skb, bool verified)
{
	struct wgr_scan_entry *e = kmalloc(sizeof(*e), GFP_KERNEL);
	u64 key = wgr_quota_key(&wgr_skb_rx(skb)->src);

	if (!e)
		goto drop;
	e->skb = skb;
	e->verified = verified;
	spin_lock_bh(&q->lock);
	if (wgr_quota_charge(&q->quota, key, &e->acct_node, &e->acct, false)) {
		spin_unlock_bh(&q->lock);
		kfree(e);
		goto drop;
	}
	q->n++;
	list_move(&e->acct_node, &e->acct->members);
	if (!list_empty(&e->acct->ring))
		list_del(&e->acct->ring);
	list_add(&e->acct->ring, &q->ring);
	spin_unlock_bh(&q->lock);
	return true;

drop:
	kfree_skb(skb);
	return false;
}
