/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: module/endpoint.h's endpoint, without the rest of peer.h (which needs
 * the kernel). Given with -include, so that its guards keep peer.h and
 * endpoint.h out.
 */
#ifndef _WGR_PEER_H
#define _WGR_PEER_H
/* module/endpoint.h's struct is below: keep that header out too. */
#define _WGR_ENDPOINT_H

#include "kshim.h"
#include <linux/wgrelay.h>

struct wgr_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
};

bool wgr_endpoint_eq(const struct wgr_endpoint *a, const struct wgr_endpoint *b);
u64 wgr_endpoint_host(const struct wgr_endpoint *ep);

static inline bool wgr_endpoint_set(const struct wgr_endpoint *ep)
{
	return ep->addr.sa_family != AF_UNSPEC;
}

#endif
