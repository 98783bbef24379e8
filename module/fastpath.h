/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_FASTPATH_H
#define _WGR_FASTPATH_H

#include <linux/netfilter.h>

struct wgr_device;
struct netlink_ext_ack;

/**
 * struct wgr_fastpath - a relay's netfilter hooks for confirmed sessions' data
 * @ops: the IPv4 and IPv6 PRE_ROUTING hooks
 * @registered: how many of @ops are in the relay's namespace: 0, or 1 without
 *              IPv6 (wgr_device.lock)
 */
struct wgr_fastpath {
	struct nf_hook_ops ops[2];
	unsigned int registered;
};

int wgr_fastpath_start(struct wgr_device *wgr, struct netlink_ext_ack *extack);
void wgr_fastpath_stop(struct wgr_device *wgr);
int wgr_fastpath_set(struct wgr_device *wgr, bool on, struct netlink_ext_ack *extack);

#endif /* _WGR_FASTPATH_H */
