/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: what module/cookie.c finds around it in the kernel, for
 * tests/unit/cookie_test.c. Given with -include. Its struct wgr_peer has only
 * the members cookie.c reads, with module/peer.h's names and types.
 */
#ifndef KSHIM_WGR_COOKIE_ENV_H
#define KSHIM_WGR_COOKIE_ENV_H

#include <assert.h>
#include "wgr_peer.h"
#include "../wgr_user.h"
#include <linux/jiffies.h>

/* Probes need sender indices apart: the test's own, not kshim.h's constant. */
#undef get_random_bytes
void get_random_bytes(void *buf, size_t len);

#define crypto_memneq(a, b, n) memcmp(a, b, n)
#define memzero_explicit(p, n) memset(p, 0, n)

#include "../../../module/cookie.h"

struct wgr_peer {
	u8 public_key[WGRELAY_KEY_LEN];
	u8 mac1_key[WGRELAY_KEY_LEN];
	u8 cookie_key[WGRELAY_KEY_LEN];
	struct wgr_target_cookie cookie[WGR_TARGET_COOKIES];
};

#endif
