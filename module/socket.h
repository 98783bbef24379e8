/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SOCKET_H
#define _WGR_SOCKET_H

#include <linux/skbuff.h>
#include <net/netlink.h>

struct dst_entry;

struct wgr_device;
struct wgr_endpoint;

int wgr_socket_open(struct wgr_device *wgr, u16 port, struct netlink_ext_ack *extack);
void wgr_socket_close(struct wgr_device *wgr);
/**
 * struct wgr_route - one CPU's cached route to a peer (see wgr_send())
 * @dst: the route, holding a reference; NULL: none
 * @cookie: for dst_check() (IPv6's fib serial number; 0 for IPv4)
 * @oif: the interface it was asked for (a link-local IPv6 scope), or 0
 * @family: AF_INET or AF_INET6
 * @daddr: the destination it leads to
 * @saddr: the source address it was asked for, and gave
 *
 * The slot names what it is for: a peer that moves, or sessions of one peer at
 * two endpoints, miss it and replace it; no other CPU ever touches it, so nothing
 * needs to reset it when an endpoint changes.
 */
struct wgr_route {
	struct dst_entry *dst;
	u32 cookie;
	u32 oif;
	sa_family_t family;
	union {
		__be32 a4;
		struct in6_addr a6;
	} daddr, saddr;
};

struct wgr_route __percpu *wgr_route_alloc(void);
void wgr_route_free(struct wgr_route __percpu *route);
struct dst_entry *wgr_route_cached(struct wgr_route __percpu *route,
				   const struct wgr_endpoint *to);
int wgr_send(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_endpoint *to,
	     struct wgr_route __percpu *route, u8 ds, u8 ttl);

#endif /* _WGR_SOCKET_H */
