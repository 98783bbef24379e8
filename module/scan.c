// SPDX-License-Identifier: GPL-2.0
/*
 * The queue of handshakes waiting for a mac1 scan: bounded, verified sources
 * first. The worker that drains it, and what it decides, are in relay.c; the
 * scan budget (ratelimit.c) still bounds how many peers it tries a second.
 */
#include "scan.h"

void wgr_scans_init(struct wgr_scans *q, work_func_t fn)
{
	skb_queue_head_init(&q->verified);
	skb_queue_head_init(&q->unverified);
	INIT_WORK(&q->work, fn);
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
	skb_queue_purge(&q->verified);
	skb_queue_purge(&q->unverified);
	cancel_work_sync(&q->work);
	skb_queue_purge(&q->verified);
	skb_queue_purge(&q->unverified);
}

/**
 * wgr_scan_queue - leave a handshake for the worker
 * @q: the queue
 * @skb: the datagram, skb->data at the WireGuard message; consumed
 * @rx: what the relay read of its IP header
 * @verified: a response to a forwarded initiation, or an initiation with mac2
 * @max: how many may wait: what the scan budget serves in two seconds, so that
 *       nothing waits longer than that (and at most WGR_SCAN_QUEUE)
 *
 * A full queue makes room for a verified datagram by dropping the oldest
 * unverified one; an unverified datagram finds no room and is dropped.
 * Context: softirq.
 * Return: true if queued.
 */
bool wgr_scan_queue(struct wgr_scans *q, struct sk_buff *skb, const struct wgr_rx *rx,
		    bool verified, unsigned int max)
{
	if (skb_queue_len_lockless(&q->verified) + skb_queue_len_lockless(&q->unverified) >=
	    clamp_t(unsigned int, max, 16, WGR_SCAN_QUEUE)) {
		struct sk_buff *old = verified ? skb_dequeue(&q->unverified) : NULL;

		if (!old) {
			kfree_skb(skb);
			return false;
		}
		kfree_skb(old);
	}
	/*
	 * It outlives this softirq: nothing of the way in may stay with it (a route
	 * held without a reference, conntrack, the ingress device).
	 */
	skb_scrub_packet(skb, true);
	skb->dev = NULL;
	*wgr_skb_rx(skb) = *rx;
	skb_queue_tail(verified ? &q->verified : &q->unverified, skb);
	queue_work(system_unbound_wq, &q->work);
	return true;
}

/**
 * wgr_scan_next - the next datagram for the worker, verified ones first
 * @q: the queue
 * @rx: filled with what was read of its IP header
 * @verified: set if it came from the verified queue
 *
 * Context: process (the worker).
 * Return: the datagram, or NULL when both queues are empty.
 */
struct sk_buff *wgr_scan_next(struct wgr_scans *q, struct wgr_rx *rx, bool *verified)
{
	struct sk_buff *skb = skb_dequeue(&q->verified);

	*verified = skb;
	if (!skb)
		skb = skb_dequeue(&q->unverified);
	if (skb)
		*rx = *wgr_skb_rx(skb);
	return skb;
}

/**
 * wgr_scan_again - put a datagram back at the head of its queue
 * @q: the queue
 * @skb: the datagram wgr_scan_next() gave
 * @verified: as wgr_scan_next() said
 *
 * The scan budget was spent: it waits, first in line, rather than being dropped.
 * Context: process (the worker).
 */
void wgr_scan_again(struct wgr_scans *q, struct sk_buff *skb, bool verified)
{
	skb_queue_head(verified ? &q->verified : &q->unverified, skb);
}
