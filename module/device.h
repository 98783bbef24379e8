/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_DEVICE_H
#define _WGR_DEVICE_H

#include <linux/netdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/rhashtable.h>
#include <linux/wgrelay.h>

#include "bind.h"
#include "cookie.h"
#include "events.h"
#include "fastpath.h"
#include "handshake.h"
#include "peer.h"
#include "ratelimit.h"
#include "scan.h"
#include "session.h"
#include "source.h"

struct wgr_pcpu_stats {
	u64 ctr[__WGRELAY_STAT_MAX];
};

/**
 * struct wgr_config - a relay's settings
 *
 * Written under wgr_device.lock, read on the fast path with READ_ONCE(): each
 * field is used on its own, so a reader never needs a consistent snapshot.
 */
struct wgr_config {
	u16 listen_port;
	bool roaming;
	bool fast_path;
	u32 session_timeout;	/* seconds */
	u32 binding_timeout;	/* seconds */
	u32 max_sessions;
	u32 discovery_fanout;
};

/**
 * struct wgr_device - one relay (the private part of its net_device)
 * @dev: the net_device this is the private area of
 * @net: the namespace the device was created in; its sockets live there
 * @sock4: IPv4 socket, RCU; NULL while down or without IPv4
 * @sock6: IPv6 socket, RCU; NULL while down or without IPv6
 * @lock: serialises configuration: settings, peers, up/down, flush
 * @cfg: settings
 * @peers: provisioned peers
 * @state: sessions and pair routes (session.c; the lock order is in session.h)
 * @bindings: where the peers are (bind.c)
 * @handshakes: initiations in flight (handshake.c)
 * @sources: endpoints that send initiations (source.c)
 * @ratelimit: token buckets and the mac1 scan budget (ratelimit.c)
 * @cookies: the secrets of the relay's own cookie replies (cookie.c)
 * @scans: handshakes waiting for a scan of every peer's mac1 (scan.c)
 * @events: what changed, not yet told to the events group's listeners (events.c)
 * @fast: the fast path's netfilter hooks (fastpath.c)
 * @stats: per-CPU counters indexed by enum wgrelay_stat
 * @gc_work: periodic expiry of learned state
 * @list: entry in the per-namespace list of relays (procfs)
 */
struct wgr_device {
	struct net_device *dev;
	struct net *net;
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;
	struct mutex lock;
	struct wgr_config cfg;
	struct wgr_peers peers;
	struct wgr_state state;
	struct wgr_bindings bindings;
	struct wgr_handshakes handshakes;
	struct wgr_sources sources;
	struct wgr_ratelimit ratelimit;
	struct wgr_cookies cookies;
	struct wgr_scans scans;
	struct wgr_events events;
	struct wgr_fastpath fast;
	struct wgr_pcpu_stats __percpu *stats;
	struct delayed_work gc_work;
	struct list_head list;
};

static inline void wgr_stat_add(struct wgr_device *wgr, enum wgrelay_stat s, u64 n)
{
	this_cpu_add(wgr->stats->ctr[s], n);
}

static inline void wgr_stat_inc(struct wgr_device *wgr, enum wgrelay_stat s)
{
	this_cpu_inc(wgr->stats->ctr[s]);
}

void wgr_stats_read(struct wgr_device *wgr, u64 out[__WGRELAY_STAT_MAX]);
u64 wgr_stat_read(struct wgr_device *wgr, enum wgrelay_stat s);

extern struct rtnl_link_ops wgr_link_ops;

int wgr_device_set_port(struct wgr_device *wgr, u16 port, struct netlink_ext_ack *extack);

/* The relays of one namespace, for procfs. */
struct wgr_net {
	struct list_head devices;	/* wgr_device.list, RTNL and RCU */
};
extern unsigned int wgr_net_id;

int wgr_device_init(void);
void wgr_device_uninit(void);

#endif /* _WGR_DEVICE_H */
