/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: module/peer.h's endpoint, without the rest of peer.h (which needs the
 * kernel). Given with -include, so that its guard keeps peer.h out.
 */
#ifndef _WGR_PEER_H
#define _WGR_PEER_H

#include "kshim.h"
#include <linux/wgrelay.h>

struct wgr_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
};

u64 wgr_endpoint_host(const struct wgr_endpoint *ep);

#endif
