// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/net/DEV/wgrelay/: a relay's settings and counters, read only, one
 * value a file. Changes go through netlink, where they are validated whole.
 */

#include <linux/device.h>
#include <linux/netdevice.h>
#include <linux/sysfs.h>
#include <linux/wgrelay.h>

#include "sysfs.h"
#include "device.h"

static struct wgr_device *to_wgr(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

/*
 * Settings and sizes: each is one word read on its own (see struct wgr_config),
 * so no lock is needed for a value that is current at some instant.
 */
#define WGR_VALUE_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct device *d, struct device_attribute *attr, \
			    char *buf)					\
{									\
	struct wgr_device *wgr = to_wgr(d);				\
									\
	return sysfs_emit(buf, "%u\n", (unsigned int)(_expr));		\
}									\
static DEVICE_ATTR_RO(_name)

WGR_VALUE_ATTR(listen_port, READ_ONCE(wgr->cfg.listen_port));
WGR_VALUE_ATTR(session_timeout, READ_ONCE(wgr->cfg.session_timeout));
WGR_VALUE_ATTR(binding_timeout, READ_ONCE(wgr->cfg.binding_timeout));
WGR_VALUE_ATTR(max_sessions, READ_ONCE(wgr->cfg.max_sessions));
WGR_VALUE_ATTR(discovery_fanout, READ_ONCE(wgr->cfg.discovery_fanout));
WGR_VALUE_ATTR(roaming, READ_ONCE(wgr->cfg.roaming));
WGR_VALUE_ATTR(fast_path, READ_ONCE(wgr->cfg.fast_path));
WGR_VALUE_ATTR(peers, READ_ONCE(wgr->peers.count));
WGR_VALUE_ATTR(sessions, atomic_read(&wgr->state.n_sessions));

/* Counters: one show function, the attribute says which counter. */
struct wgr_stat_attr {
	struct device_attribute attr;
	enum wgrelay_stat stat;
};

static ssize_t stat_show(struct device *d, struct device_attribute *attr, char *buf)
{
	const struct wgr_stat_attr *sa = container_of(attr, struct wgr_stat_attr, attr);

	return sysfs_emit(buf, "%llu\n", wgr_stat_read(to_wgr(d), sa->stat));
}

/* One file per counter of the uapi's list, named as there. */
#define WGR_STAT_DEFINE(_stat, _name, _drop)				\
static struct wgr_stat_attr stat_attr_##_name = {			\
	.attr = __ATTR(_name, 0444, stat_show, NULL),			\
	.stat = WGRELAY_STAT_##_stat,					\
};
WGRELAY_STATS(WGR_STAT_DEFINE)

#define WGR_STAT_ENTRY(_stat, _name, _drop) &stat_attr_##_name.attr.attr,

#define WGR_NUM_VALUES 9

static struct attribute *wgr_attrs[] = {
	&dev_attr_listen_port.attr,
	&dev_attr_session_timeout.attr,
	&dev_attr_binding_timeout.attr,
	&dev_attr_max_sessions.attr,
	&dev_attr_discovery_fanout.attr,
	&dev_attr_roaming.attr,
	&dev_attr_fast_path.attr,
	&dev_attr_peers.attr,
	&dev_attr_sessions.attr,
	WGRELAY_STATS(WGR_STAT_ENTRY)
	NULL
};

/* The values above, then one file per counter. */
static_assert(ARRAY_SIZE(wgr_attrs) == WGR_NUM_VALUES + __WGRELAY_STAT_MAX + 1);

/*
 * The files go away when the net_device unregisters, and kernfs waits for reads
 * in progress; the private area outlives them. But ndo_uninit runs *before* the
 * files are removed: what a show function reads (counters, tables) must be freed
 * no earlier than the device's priv_destructor.
 */
const struct attribute_group wgr_sysfs_group = {
	.name = "wgrelay",
	.attrs = wgr_attrs,
};
