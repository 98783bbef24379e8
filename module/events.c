// SPDX-License-Identifier: GPL-2.0
/*
 * What changes on a relay, told to whoever listens on the "events" multicast
 * group of the family (relayctl monitor): bindings, sessions and refused
 * handshakes.
 *
 * Producers run in softirq, on the relay's data path, and some of what they
 * report (a refused handshake) comes once per datagram an attacker chooses to
 * send. So an event costs at most one walk of a small fixed queue under a leaf
 * lock, allocates nothing, and the same event again before its batch is sent
 * only bumps a count. A work item sends the queue at most every
 * WGR_EVENTS_DELAY; what does not fit in between is counted (events_lost) and
 * announced in-band. With nobody listening, nothing is queued or scheduled.
 */

#include <linux/kernel.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <linux/wgrelay.h>

#include "events.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"

/*
 * 64 distinct events a batch, a batch every 200 ms: at most 320 messages a
 * second a device, about 50 KB/s, which a listener's default socket buffer
 * (about 200 KB) absorbs for a while even if it is slow to read. A person sees
 * a fifth of a second of delay at worst; a mesh of 30 peers coming up at once
 * (two bindings and one session each) fits a single batch. The queue is two
 * buffers of 64 entries (about 7 KB each), allocated with the device.
 */
#define WGR_EVENTS_MAX		64
#define WGR_EVENTS_DELAY	(HZ / 5)
/*
 * Refusals are what anyone on the Internet can make, from as many ports as it
 * likes: they take at most half a batch, so that a flood of them never keeps a
 * binding or session change of the same 200 ms out (pass 8 review).
 */
#define WGR_EVENTS_REFUSALS	(WGR_EVENTS_MAX / 2)

enum {
	HAS_PEER = 1U << 0,
	HAS_PARTNER = 1U << 1,
	HAS_ENDPOINT = 1U << 2,
};

/* What makes two events the same; compared whole, so zeroed first, padding too. */
struct wgr_event_key {
	u8 type;
	u8 reason;
	u8 has;
	u8 peer[WGRELAY_KEY_LEN];
	u8 partner[WGRELAY_KEY_LEN];
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	} ep;
};

struct wgr_event {
	struct wgr_event_key key;
	u32 hash;
	u32 count;
	time64_t time;
};

static void add(struct wgr_device *wgr, const struct wgr_event_key *key)
{
	struct wgr_events *ev = &wgr->events;
	bool refusal = key->type == WGRELAY_EVENT_REFUSED;
	u32 hash = refusal ? jhash(key, sizeof(*key), 0) : 0;
	struct wgr_event *e;
	unsigned int i;

	spin_lock_bh(&ev->lock);
	if (unlikely(ev->dead))
		goto out;
	/*
	 * Only refusals coalesce: a binding's or a session's changes keep their
	 * order (moved, moved back, moved again), and come from state that
	 * changes a bounded number of times a batch anyway.
	 */
	for (i = 0; refusal && i < ev->len; i++) {
		e = &ev->queue[i];
		if (e->hash == hash && !memcmp(&e->key, key, sizeof(*key))) {
			if (e->count < U32_MAX)
				e->count++;
			goto out;
		}
	}
	if (ev->len == WGR_EVENTS_MAX || (refusal && ev->refusals == WGR_EVENTS_REFUSALS)) {
		if (ev->lost < U32_MAX)
			ev->lost++;
		wgr_stat_inc(wgr, WGRELAY_STAT_EVENTS_LOST);
		goto out;
	}
	e = &ev->queue[ev->len++];
	ev->refusals += refusal;
	e->key = *key;
	e->hash = hash;
	e->count = 1;
	e->time = ktime_get_real_seconds();
	/*
	 * Under the lock, so that wgr_events_destroy(), once it has set @dead,
	 * knows that nothing queues the work again after it cancelled it. Pending
	 * already (a batch is being gathered): nothing changes, so the rate holds.
	 */
	queue_delayed_work(system_power_efficient_wq, &ev->work, WGR_EVENTS_DELAY);
out:
	spin_unlock_bh(&ev->lock);
}

static void fill_key(struct wgr_event_key *key, enum wgrelay_event_type type,
		     enum wgrelay_refusal reason, const struct wgr_peer *peer,
		     const struct wgr_peer *partner, const struct wgr_endpoint *ep)
{
	memset(key, 0, sizeof(*key));
	key->type = type;
	key->reason = reason;
	if (peer) {
		key->has |= HAS_PEER;
		memcpy(key->peer, peer->public_key, WGRELAY_KEY_LEN);
	}
	if (partner) {
		key->has |= HAS_PARTNER;
		memcpy(key->partner, partner->public_key, WGRELAY_KEY_LEN);
	}
	/* The remote address only: which local address it reached is not news. */
	if (ep && ep->addr.sa_family == AF_INET) {
		key->has |= HAS_ENDPOINT;
		key->ep.addr4.sin_family = AF_INET;
		key->ep.addr4.sin_port = ep->addr4.sin_port;
		key->ep.addr4.sin_addr = ep->addr4.sin_addr;
	} else if (ep && ep->addr.sa_family == AF_INET6) {
		key->has |= HAS_ENDPOINT;
		key->ep.addr6.sin6_family = AF_INET6;
		key->ep.addr6.sin6_port = ep->addr6.sin6_port;
		key->ep.addr6.sin6_addr = ep->addr6.sin6_addr;
		key->ep.addr6.sin6_scope_id = ep->addr6.sin6_scope_id;
	}
}

/**
 * wgr_event - tell listeners that something changed on a relay
 * @wgr: the relay
 * @type: what (enum wgrelay_event_type; not WGRELAY_EVENT_REFUSED)
 * @peer: the peer it is about, or NULL
 * @partner: the other peer of a session, or NULL
 * @ep: the endpoint it is about, or NULL
 *
 * Cheap when nobody listens (one look at the group's listener bitmap), and
 * bounded when someone does: see the top of this file.
 * Context: any but hard IRQ; never sleeps. The caller keeps @peer and
 * @partner valid (RCU or a lock).
 */
void wgr_event(struct wgr_device *wgr, enum wgrelay_event_type type, const struct wgr_peer *peer,
	       const struct wgr_peer *partner, const struct wgr_endpoint *ep)
{
	struct wgr_event_key key;

	if (likely(!wgr_genl_events_listened(dev_net(wgr->dev))))
		return;
	fill_key(&key, type, WGRELAY_REFUSED_NONE, peer, partner, ep);
	add(wgr, &key);
}

/**
 * wgr_event_refused - tell listeners that a handshake was refused, and why
 * @wgr: the relay
 * @reason: why (enum wgrelay_refusal)
 * @peer: its initiator, if known, or NULL
 * @partner: its target, if known, or NULL
 * @ep: where it came from
 *
 * Called once per refused datagram: a flood from one endpoint is one event
 * with a count per batch (wgr_event()).
 * Context: any but hard IRQ; never sleeps.
 */
void wgr_event_refused(struct wgr_device *wgr, enum wgrelay_refusal reason,
		       const struct wgr_peer *peer, const struct wgr_peer *partner,
		       const struct wgr_endpoint *ep)
{
	struct wgr_event_key key;

	if (likely(!wgr_genl_events_listened(dev_net(wgr->dev))))
		return;
	fill_key(&key, WGRELAY_EVENT_REFUSED, reason, peer, partner, ep);
	/*
	 * By source address, not endpoint: a host sending from many ports (or an
	 * IPv6 host from its /64) is one source of refusals, which coalesce,
	 * rather than many that fill the batch (pass 8 review). Port 0 says so.
	 */
	if (key.ep.addr.sa_family == AF_INET) {
		key.ep.addr4.sin_port = 0;
	} else if (key.ep.addr.sa_family == AF_INET6) {
		key.ep.addr6.sin6_port = 0;
		memset(&key.ep.addr6.sin6_addr.s6_addr[8], 0, 8);
	}
	add(wgr, &key);
}

static int put_event(struct sk_buff *skb, const struct wgr_event *e)
{
	const struct wgr_event_key *k = &e->key;
	size_t len;

	if (nla_put_u32(skb, WGRELAY_EVENT_A_TYPE, k->type) ||
	    nla_put_u32(skb, WGRELAY_EVENT_A_COUNT, e->count) ||
	    nla_put_u64_64bit(skb, WGRELAY_EVENT_A_TIME, e->time, WGRELAY_EVENT_A_PAD))
		return -EMSGSIZE;
	if (k->reason && nla_put_u32(skb, WGRELAY_EVENT_A_REASON, k->reason))
		return -EMSGSIZE;
	if ((k->has & HAS_PEER) && nla_put(skb, WGRELAY_EVENT_A_PEER, WGRELAY_KEY_LEN, k->peer))
		return -EMSGSIZE;
	if ((k->has & HAS_PARTNER) &&
	    nla_put(skb, WGRELAY_EVENT_A_PARTNER, WGRELAY_KEY_LEN, k->partner))
		return -EMSGSIZE;
	if (k->has & HAS_ENDPOINT) {
		len = k->ep.addr.sa_family == AF_INET ? sizeof(k->ep.addr4) : sizeof(k->ep.addr6);
		if (nla_put(skb, WGRELAY_EVENT_A_ENDPOINT, len, &k->ep))
			return -EMSGSIZE;
	}
	return 0;
}

/* One event, one message: a listener that reads one line per message needs no framing. */
static void send_one(struct wgr_device *wgr, struct net *net, const struct wgr_event *e)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = wgr_genl_event_put(skb);
	if (!hdr)
		goto free_lost;
	if (nla_put_u32(skb, WGRELAY_A_IFINDEX, wgr->dev->ifindex) ||
	    nla_put_string(skb, WGRELAY_A_IFNAME, wgr->dev->name))
		goto free_lost;
	nest = nla_nest_start(skb, WGRELAY_A_EVENT);
	if (!nest || put_event(skb, e))
		goto free_lost;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	/* -ESRCH: the last listener left meanwhile; a listener that overran its buffer sees ENOBUFS. */
	wgr_genl_event_send(net, skb);
	return;

free_lost:
	nlmsg_free(skb);
lost:
	/* The "lost" message's count was counted when those events were. */
	if (e->key.type != WGRELAY_EVENT_LOST)
		wgr_stat_add(wgr, WGRELAY_STAT_EVENTS_LOST, e->count);
}

static void flush(struct work_struct *work)
{
	struct wgr_events *ev = container_of(to_delayed_work(work), struct wgr_events, work);
	struct wgr_device *wgr = container_of(ev, struct wgr_device, events);
	struct net *net = dev_net(wgr->dev);
	struct wgr_event *batch, lost = {};
	unsigned int n, i;

	/*
	 * Swap the buffers, so that producers go on while this sends: the work
	 * never runs twice at once, so the spare one is the flush's alone.
	 */
	spin_lock_bh(&ev->lock);
	batch = ev->queue;
	n = ev->len;
	lost.count = ev->lost;
	ev->queue = ev->spare;
	ev->spare = batch;
	ev->len = 0;
	ev->refusals = 0;
	ev->lost = 0;
	spin_unlock_bh(&ev->lock);

	for (i = 0; i < n; i++) {
		send_one(wgr, net, &batch[i]);
		cond_resched();
	}
	if (lost.count) {
		lost.key.type = WGRELAY_EVENT_LOST;
		lost.time = ktime_get_real_seconds();
		send_one(wgr, net, &lost);
	}
}

/**
 * wgr_events_init - an empty event queue for a new relay
 * @ev: the queue, in the relay's struct wgr_device
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int wgr_events_init(struct wgr_events *ev)
{
	spin_lock_init(&ev->lock);
	INIT_DELAYED_WORK(&ev->work, flush);
	ev->len = 0;
	ev->refusals = 0;
	ev->lost = 0;
	ev->dead = false;
	ev->queue = kcalloc(WGR_EVENTS_MAX, sizeof(*ev->queue), GFP_KERNEL);
	ev->spare = kcalloc(WGR_EVENTS_MAX, sizeof(*ev->spare), GFP_KERNEL);
	if (!ev->queue || !ev->spare) {
		kfree(ev->queue);
		kfree(ev->spare);
		return -ENOMEM;
	}
	return 0;
}

/**
 * wgr_events_destroy - stop the flush and free the queue
 * @ev: the queue
 *
 * Events still queued are not sent: the device they name is going.
 * Context: process; may sleep (waits for a running flush).
 */
void wgr_events_destroy(struct wgr_events *ev)
{
	spin_lock_bh(&ev->lock);
	ev->dead = true;
	spin_unlock_bh(&ev->lock);
	/* Nothing queues it again now (see add()). */
	cancel_delayed_work_sync(&ev->work);
	kfree(ev->queue);
	kfree(ev->spare);
	ev->queue = NULL;
	ev->spare = NULL;
}
