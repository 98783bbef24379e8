/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SCAN_H
#define _WGR_SCAN_H

#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "peer.h"
#include "quota.h"

struct wgr_device;

/**
 * struct wgr_rx - what the relay keeps of a datagram's IP header
 * @src: where it came from, and which local address it was sent to
 * @ds: its DSCP and ECN bits, which travel with it
 * @ttl: the TTL (hop limit) it leaves with
 * @from_lo: it came over loopback, from a sender on this machine
 *
 * A datagram waiting for the scan worker carries it in its skb->cb.
 */
struct wgr_rx {
	struct wgr_endpoint src;
	u8 ds;
	u8 ttl;
	bool from_lo;
};

/**
 * struct wgr_scans - handshakes whose mac1 needs a scan of every peer
 * @lock: guards everything here but @work
 * @ring: the source prefixes with datagrams waiting, the next to be served first
 * @quota: the datagrams waiting, by source prefix (struct wgr_scan_entry)
 * @n: how many
 * @work: the worker, on system_unbound_wq
 *
 * Scanning a large relay's peers costs far more than one datagram may in softirq
 * (trust model v2, promise 4), so a handshake that its source's hints do not
 * explain waits here, as WireGuard's handshakes wait for its handshake workers.
 */
struct wgr_scans {
	spinlock_t lock;
	struct list_head ring;
	struct wgr_quota quota;
	unsigned int n;
	struct work_struct work;
};

/* Peers a datagram may try in softirq; a relay with more has its scans queued. */
#define WGR_SCAN_INLINE		256
/* Datagrams the worker may have waiting, in both queues, at most (and at least 16). */
#define WGR_SCAN_QUEUE		1024

int wgr_scans_init(struct wgr_scans *q, work_func_t fn);
void wgr_scans_stop(struct wgr_scans *q);
void wgr_scans_destroy(struct wgr_scans *q);
unsigned int wgr_scan_queue(struct wgr_scans *q, struct sk_buff *skb, const struct wgr_rx *rx,
			    bool verified, unsigned int max);
struct sk_buff *wgr_scan_next(struct wgr_scans *q, struct wgr_rx *rx, bool *verified);
bool wgr_scan_again(struct wgr_scans *q, struct sk_buff *skb, bool verified);

static inline struct wgr_rx *wgr_skb_rx(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct wgr_rx) > sizeof(skb->cb));
	return (struct wgr_rx *)skb->cb;
}

#endif /* _WGR_SCAN_H */
