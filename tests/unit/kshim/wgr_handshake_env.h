/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: what module/handshake.c finds around it in the kernel, for
 * tests/unit/handshake_test.c. Given with -include. Its struct wgr_peer has
 * only the member handshake.c reads.
 */
#ifndef KSHIM_WGR_HANDSHAKE_ENV_H
#define KSHIM_WGR_HANDSHAKE_ENV_H

#include "wgr_peer.h"
#include <linux/jiffies.h>
#include <linux/limits.h>

struct wgr_peer {
	bool dead;
};

bool wgr_endpoint_same_host(const struct wgr_endpoint *a, const struct wgr_endpoint *b);

/* The kernel's overflow-checked size of a struct with a flexible array, unchecked. */
#define struct_size(p, member, n) (sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))

#endif
