/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an endpoint is: a peer's UDP address as the relay sees it. Its own
 * header, so that the tables that keep endpoints (peer.h, cookie.h) need not
 * include each other.
 */
#ifndef _WGR_ENDPOINT_H
#define _WGR_ENDPOINT_H

#include <linux/types.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/siphash.h>

/**
 * struct wgr_endpoint - a UDP address as seen from the relay
 * @addr: the remote address and port (AF_INET or AF_INET6; AF_UNSPEC: none)
 * @src4: the local address it reached us at, so that we answer from it
 * @src6: likewise for IPv6
 */
struct wgr_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
	union {
		__be32 src4;
		struct in6_addr src6;
	};
};

bool wgr_endpoint_eq(const struct wgr_endpoint *a, const struct wgr_endpoint *b);
u32 wgr_endpoint_hash(const struct wgr_endpoint *ep, const siphash_key_t *key);
u64 wgr_endpoint_host(const struct wgr_endpoint *ep);
bool wgr_endpoint_same_host(const struct wgr_endpoint *a, const struct wgr_endpoint *b);

static inline bool wgr_endpoint_set(const struct wgr_endpoint *ep)
{
	return ep->addr.sa_family != AF_UNSPEC;
}

#endif /* _WGR_ENDPOINT_H */
