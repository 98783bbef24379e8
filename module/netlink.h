/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_NETLINK_H
#define _WGR_NETLINK_H

#include <linux/types.h>

struct net;
struct sk_buff;

int wgr_genl_init(void);
void wgr_genl_uninit(void);
bool wgr_genl_events_listened(struct net *net);
void *wgr_genl_event_put(struct sk_buff *skb);
int wgr_genl_event_send(struct net *net, struct sk_buff *skb);

#endif /* _WGR_NETLINK_H */
