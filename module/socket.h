/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SOCKET_H
#define _WGR_SOCKET_H

#include <linux/skbuff.h>
#include <net/netlink.h>

struct wgr_device;
struct wgr_endpoint;

int wgr_socket_open(struct wgr_device *wgr, u16 port, struct netlink_ext_ack *extack);
void wgr_socket_close(struct wgr_device *wgr);
int wgr_send(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_endpoint *to);

#endif /* _WGR_SOCKET_H */
