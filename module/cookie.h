/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_COOKIE_H
#define _WGR_COOKIE_H

#include <linux/types.h>
#include <linux/spinlock.h>

struct wgr_device;
struct wgr_endpoint;
struct wgr_peer;

#define WGR_COOKIE_SECRET_LEN 32

/**
 * struct wgr_cookies - the relay's cookie secrets (return routability)
 * @lock: guards the secrets; readers copy them out (lock order: session.h)
 * @secret: the current secret, then the previous one
 * @rotated: jiffies when @secret[0] was made
 */
struct wgr_cookies {
	spinlock_t lock;
	u8 secret[2][WGR_COOKIE_SECRET_LEN];
	unsigned long rotated;
};

void wgr_cookies_init(struct wgr_cookies *c);
void wgr_cookie_key(u8 key[32], const u8 public_key[32]);
bool wgr_cookie_mac2_valid(struct wgr_cookies *c, const u8 *msg,
			   const struct wgr_endpoint *src);
void wgr_cookie_reply(struct wgr_cookies *c, const u8 *msg, const struct wgr_endpoint *src,
		      const struct wgr_peer *target, u8 *out);
bool wgr_cookie_take(struct wgr_cookies *c, struct wgr_peer *target, const u8 *msg,
		     const u8 *mac1, const struct wgr_endpoint *from);
bool wgr_cookie_wanted(struct wgr_cookies *c, struct wgr_peer *target,
		       const struct wgr_endpoint *to);
void wgr_cookie_put_mac2(struct wgr_cookies *c, struct wgr_peer *target,
			 const struct wgr_endpoint *to, u8 *msg, bool vouch);

#endif /* _WGR_COOKIE_H */
