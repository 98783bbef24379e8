// SPDX-License-Identifier: GPL-2.0
/*
 * The relay device: `ip link add relay0 type wgrelay`. Up opens the relay's UDP
 * sockets, down closes them and forgets what was learned. It is a relay, not an
 * L3 tunnel: IP packets routed into it are dropped and counted.
 *
 * The device stays in the namespace it was created in, where its sockets are:
 * moving it would leave its sockets behind with nothing to own them.
 */
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "device.h"
#include "procfs.h"
#include "relay.h"
#include "socket.h"
#include "sysfs.h"

unsigned int wgr_net_id __read_mostly;

/**
 * wgr_stat_read - one counter summed over all CPUs
 * @wgr: the relay
 * @s: the counter
 *
 * Return: its value.
 */
u64 wgr_stat_read(struct wgr_device *wgr, enum wgrelay_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(wgr->stats, cpu)->ctr[s]);
	return sum;
}

/**
 * wgr_stats_read - every counter summed over all CPUs
 * @wgr: the relay
 * @out: filled, indexed by enum wgrelay_stat
 */
void wgr_stats_read(struct wgr_device *wgr, u64 out[__WGRELAY_STAT_MAX])
{
	int cpu, s;

	memset(out, 0, sizeof(u64) * __WGRELAY_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct wgr_pcpu_stats *p = per_cpu_ptr(wgr->stats, cpu);

		for (s = 0; s < __WGRELAY_STAT_MAX; s++)
			out[s] += READ_ONCE(p->ctr[s]);
	}
}

/* Every reason the relay can drop a datagram it received (the uapi's list says). */
#define WGR_DROP_STAT(_stat, _name, _drop) (_drop) ? WGRELAY_STAT_##_stat : -1,
static const int rx_drop_stats[] = { WGRELAY_STATS(WGR_DROP_STAT) };

static void wgr_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)
{
	struct wgr_device *wgr = netdev_priv(dev);
	u64 c[__WGRELAY_STAT_MAX];
	unsigned int i;

	wgr_stats_read(wgr, c);
	stats->rx_packets = c[WGRELAY_STAT_RX_PACKETS];
	stats->rx_bytes = c[WGRELAY_STAT_RX_BYTES];
	stats->tx_packets = c[WGRELAY_STAT_TX_PACKETS];
	stats->tx_bytes = c[WGRELAY_STAT_TX_BYTES];
	for (i = 0; i < ARRAY_SIZE(rx_drop_stats); i++)
		if (rx_drop_stats[i] >= 0)
			stats->rx_dropped += c[rx_drop_stats[i]];
	stats->tx_errors = c[WGRELAY_STAT_TX_ERRORS];
	stats->tx_dropped = c[WGRELAY_STAT_DEV_XMIT_DROPS];
}

static void gc_work(struct work_struct *work)
{
	struct wgr_device *wgr = container_of(to_delayed_work(work), struct wgr_device, gc_work);

	wgr_state_gc(wgr);
	queue_delayed_work(system_power_efficient_wq, &wgr->gc_work, HZ);
}

static int wgr_open(struct net_device *dev)
{
	struct wgr_device *wgr = netdev_priv(dev);
	int ret;

	mutex_lock(&wgr->lock);
	ret = wgr_socket_open(wgr, wgr->cfg.listen_port, NULL);
	if (!ret) {
		ret = wgr_fastpath_start(wgr, NULL);
		if (ret)
			wgr_socket_close(wgr);
	}
	if (!ret)
		queue_delayed_work(system_power_efficient_wq, &wgr->gc_work, HZ);
	mutex_unlock(&wgr->lock);
	return ret;
}

static int wgr_stop(struct net_device *dev)
{
	struct wgr_device *wgr = netdev_priv(dev);

	mutex_lock(&wgr->lock);
	/* First: the fast path reads the state that the flush below frees. */
	wgr_fastpath_stop(wgr);
	wgr_socket_close(wgr);
	cancel_delayed_work_sync(&wgr->gc_work);
	wgr_scans_stop(&wgr->scans);
	/* What was learned belongs to sockets that are gone: peers will re-handshake. */
	wgr_state_flush(wgr, __WGRELAY_FLUSH_ALL);
	mutex_unlock(&wgr->lock);
	return 0;
}

static netdev_tx_t wgr_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct wgr_device *wgr = netdev_priv(dev);

	wgr_stat_inc(wgr, WGRELAY_STAT_DEV_XMIT_DROPS);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static void wgr_uninit(struct net_device *dev)
{
	struct wgr_device *wgr = netdev_priv(dev);

	/*
	 * register_netdevice() calls this on its own error paths too, before newlink
	 * listed the device (and then frees it at once: it must never be listed
	 * there). After a listing, a grace period follows in
	 * unregister_netdevice_many() before the free.
	 */
	if (!list_empty(&wgr->list))
		list_del_rcu(&wgr->list);
}

static const struct net_device_ops wgr_netdev_ops = {
	.ndo_open = wgr_open,
	.ndo_stop = wgr_stop,
	.ndo_start_xmit = wgr_xmit,
	.ndo_uninit = wgr_uninit,
	.ndo_get_stats64 = wgr_get_stats64,
};

static void wgr_destruct(struct net_device *dev)
{
	struct wgr_device *wgr = netdev_priv(dev);

	/* Down already closed the sockets and stopped the gc: nothing reaches the state. */
	cancel_delayed_work_sync(&wgr->gc_work);
	wgr_scans_destroy(&wgr->scans);
	wgr_peers_destroy(wgr);
	wgr_state_destroy(&wgr->state);
	wgr_handshakes_destroy(&wgr->handshakes);
	wgr_sources_destroy(&wgr->sources);
	wgr_bindings_destroy(&wgr->bindings);
	/* Last: the state's teardown above may still report (and so queue) events. */
	wgr_events_destroy(&wgr->events);
	free_percpu(wgr->stats);
	mutex_destroy(&wgr->lock);
}

static void wgr_setup(struct net_device *dev)
{
	dev->netdev_ops = &wgr_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	dev->needs_free_netdev = true;
	INIT_LIST_HEAD(&((struct wgr_device *)netdev_priv(dev))->list);
	dev->sysfs_groups[0] = &wgr_sysfs_group;
	wgr_set_lltx(dev);
	wgr_set_netns_local(dev);
}

static int wgr_newlink(WGR_NEWLINK_ARGS(dev, extack))
{
	struct wgr_net *wn = net_generic(dev_net(dev), wgr_net_id);
	struct wgr_device *wgr = netdev_priv(dev);
	int ret;

	wgr->dev = dev;
	wgr->net = dev_net(dev);
	mutex_init(&wgr->lock);
	INIT_DELAYED_WORK(&wgr->gc_work, gc_work);
	wgr->cfg = (struct wgr_config) {
		.listen_port = WGRELAY_DEFAULT_PORT,
		.roaming = true,
		.fast_path = true,
		.session_timeout = WGRELAY_DEFAULT_SESSION_TIMEOUT,
		.binding_timeout = WGRELAY_DEFAULT_BINDING_TIMEOUT,
		.max_sessions = WGRELAY_DEFAULT_MAX_SESSIONS,
		.discovery_fanout = WGRELAY_DEFAULT_FANOUT,
	};

	wgr->stats = alloc_percpu(struct wgr_pcpu_stats);
	if (!wgr->stats) {
		ret = -ENOMEM;
		goto err;
	}
	ret = wgr_peers_init(&wgr->peers);
	if (ret)
		goto err_stats;
	ret = wgr_bindings_init(&wgr->bindings);
	if (ret)
		goto err_peers;
	ret = wgr_handshakes_init(&wgr->handshakes);
	if (ret)
		goto err_bindings;
	ret = wgr_sources_init(&wgr->sources);
	if (ret)
		goto err_handshakes;
	wgr_ratelimit_init(&wgr->ratelimit);
	wgr_cookies_init(&wgr->cookies);
	ret = wgr_scans_init(&wgr->scans, wgr_relay_scan_work);
	if (ret)
		goto err_sources;
	ret = wgr_state_init(&wgr->state);
	if (ret)
		goto err_scans;
	ret = wgr_events_init(&wgr->events);
	if (ret)
		goto err_state;

	ret = register_netdevice(dev);
	if (ret)
		goto err_events;
	list_add_rcu(&wgr->list, &wn->devices);
	/*
	 * Set only now, so that register_netdevice() failing does not run it and
	 * free what the error path below frees.
	 */
	dev->priv_destructor = wgr_destruct;
	return 0;

err_events:
	wgr_events_destroy(&wgr->events);
err_state:
	wgr_state_destroy(&wgr->state);
err_scans:
	wgr_scans_destroy(&wgr->scans);
err_sources:
	wgr_sources_destroy(&wgr->sources);
err_handshakes:
	wgr_handshakes_destroy(&wgr->handshakes);
err_bindings:
	wgr_bindings_destroy(&wgr->bindings);
err_peers:
	rhashtable_destroy(&wgr->peers.by_name);
	rhashtable_destroy(&wgr->peers.by_key);
err_stats:
	free_percpu(wgr->stats);
err:
	mutex_destroy(&wgr->lock);
	NL_SET_ERR_MSG_MOD(extack, "cannot create the relay device");
	return ret;
}

struct rtnl_link_ops wgr_link_ops __read_mostly = {
	.kind = KBUILD_MODNAME,
	.priv_size = sizeof(struct wgr_device),
	.setup = wgr_setup,
	.newlink = wgr_newlink,
};

/**
 * wgr_device_set_port - change the listen port, reopening the sockets if up
 * @wgr: the relay
 * @port: the new port
 * @extack: for the reason of a failure
 *
 * Context: process, wgr->lock held.
 * Return: 0, or a negative errno with nothing changed.
 */
int wgr_device_set_port(struct wgr_device *wgr, u16 port, struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&wgr->lock);
	if (port == wgr->cfg.listen_port)
		return 0;
	if (rcu_access_pointer(wgr->sock4)) {
		ret = wgr_socket_open(wgr, port, extack);
		if (ret)
			return ret;
	}
	WRITE_ONCE(wgr->cfg.listen_port, port);
	return 0;
}

static int __net_init wgr_net_init(struct net *net)
{
	struct wgr_net *wn = net_generic(net, wgr_net_id);

	INIT_LIST_HEAD(&wn->devices);
	return wgr_procfs_init_net(net);
}

static void __net_exit wgr_net_exit(struct net *net)
{
	wgr_procfs_exit_net(net);
}

static struct pernet_operations wgr_net_ops = {
	.init = wgr_net_init,
	.exit = wgr_net_exit,
	.id = &wgr_net_id,
	.size = sizeof(struct wgr_net),
};

/*
 * An IPv4 address came up: the relays of its namespace learn it for the
 * machine's own (wgr_state_local4()). Under RTNL, which keeps the list.
 */
static int wgr_inetaddr_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct wgr_net *wn;
	struct wgr_device *wgr;

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	wn = net_generic(dev_net(ifa->ifa_dev->dev), wgr_net_id);
	list_for_each_entry(wgr, &wn->devices, list)
		wgr_state_local4(wgr, ifa->ifa_local);
	return NOTIFY_DONE;
}

static struct notifier_block wgr_inetaddr_notifier = {
	.notifier_call = wgr_inetaddr_event,
};

int __init wgr_device_init(void)
{
	int ret;

	ret = register_pernet_device(&wgr_net_ops);
	if (ret)
		return ret;
	ret = register_inetaddr_notifier(&wgr_inetaddr_notifier);
	if (ret)
		goto err_pernet;
	ret = rtnl_link_register(&wgr_link_ops);
	if (ret)
		goto err_notifier;
	return 0;

err_notifier:
	unregister_inetaddr_notifier(&wgr_inetaddr_notifier);
err_pernet:
	unregister_pernet_device(&wgr_net_ops);
	return ret;
}

void wgr_device_uninit(void)
{
	rtnl_link_unregister(&wgr_link_ops);
	unregister_inetaddr_notifier(&wgr_inetaddr_notifier);
	unregister_pernet_device(&wgr_net_ops);
}
