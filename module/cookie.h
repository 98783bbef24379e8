/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_COOKIE_H
#define _WGR_COOKIE_H

#include <linux/types.h>
#include <linux/spinlock.h>

#include <linux/wgrelay.h>

#include "endpoint.h"

struct wgr_device;
struct wgr_peer;

#define WGR_COOKIE_SECRET_LEN 32

/* Probes in flight, found by their sender index's low bits (cookie.c). */
#define WGR_PROBES_BITS 8
#define WGR_PROBES (1U << WGR_PROBES_BITS)

/**
 * struct wgr_probe - one of the relay's own initiations to a loaded target,
 * whose answer is the only cookie it keeps (cookie.c)
 * @target: the public key of the peer it went to (the peer is found by it)
 * @mac1: its mac1: the answer's associated data
 * @sender: its sender index, as on the wire
 * @to: where it went: the only endpoint its answer is taken from
 * @via: for the end of a pair route, the route's initiator endpoint (the
 *       answer goes to the route's own cookie, wgr_pair_cookie_keep());
 *       AF_UNSPEC: the answer goes to the target's slots
 * @sent: jiffies (64-bit: it never wraps) when it went; 0: free
 * @firm: of a binding or of a proven initiator's route: no probe that is not
 *        may take its bucket while it is held (cookie.c, WGR_PROBE_HOLD)
 */
struct wgr_probe {
	u8 target[WGRELAY_KEY_LEN];
	u8 mac1[16];
	u32 sender;
	struct wgr_endpoint to;
	struct wgr_endpoint via;
	u64 sent;
	bool firm;
};

/**
 * struct wgr_cookies - the relay's cookie secrets (return routability), and
 * its probes of targets' own cookies
 * @lock: guards the secrets, the probes and every peer's cookie slots; readers
 *        copy them out (lock order: session.h)
 * @secret: the current secret, then the previous one
 * @rotated: jiffies (64-bit: see struct wgr_target_cookie) when @secret[0] was made
 * @probes: probes in flight, by their sender index's low bits
 */
struct wgr_cookies {
	spinlock_t lock;
	u8 secret[2][WGR_COOKIE_SECRET_LEN];
	u64 rotated;
	struct wgr_probe probes[WGR_PROBES];
};

#define WGR_TARGET_COOKIE_LEN 16

/**
 * struct wgr_target_cookie - a peer's own cookie for the relay (see cookie.c)
 * @value: the cookie, as the answer to the relay's probe of @at gave it
 * @rank: enum wgr_cookie_rank of @at when it was probed: which slot goes first
 * @at: the endpoint probed; the cookie is good for handshakes sent there only
 * @birth: jiffies (64-bit, as below) when @value came; 0: none
 * @probed: jiffies when @at was last probed; 0: never. 64-bit: on a 32-bit
 *          kernel an old stamp would read as recent again 2^31 jiffies on,
 *          and hold a probe's bucket or a dead cookie for as long
 */
struct wgr_target_cookie {
	u8 value[WGR_TARGET_COOKIE_LEN];
	u8 rank;
	struct wgr_endpoint at;
	u64 birth;
	u64 probed;
};

/*
 * A peer's cookie slots: one per endpoint its cookie replies came from, so that
 * a reply from one endpoint never takes another's (cookie.c). Three: its binding,
 * and two for discovery candidates. The end of a pair route keeps its cookie in
 * the route's own pair instead (struct wgr_route_cookie).
 */
#define WGR_TARGET_COOKIES 3

/**
 * enum wgr_cookie_rank - what the relay knows of the endpoint a target's cookie
 * reply came from; a slot goes only to a reply of the same rank or higher
 * @WGR_COOKIE_ELSEWHERE: nothing: a discovery candidate
 * @WGR_COOKIE_BINDING: the target's binding (live or stale) or static endpoint
 */
enum wgr_cookie_rank {
	WGR_COOKIE_ELSEWHERE,
	WGR_COOKIE_BINDING,
};

/**
 * struct wgr_route_cookie - a target's own cookie at the end of one pair route
 * @value: the cookie, as the answer to the relay's probe of the route's end gave it
 * @birth: jiffies when @value came, their low 32 bits; 0: none
 * @probed: the same when the route's end was last probed; 0: never
 *
 * Each pair route's in its own pair (session.h), under the state lock, and
 * handed on to the pair that takes the route over at the same end. A session
 * an attacker staged in the target's name has a route of its own, and so a
 * cookie of its own: it cannot push the route of a real session out of a slot,
 * as sessions ranked against each other in the target's slots did (helper-81,
 * K2; helper-82, P2). 24 bytes: 32-bit times keep a pair in 312 bytes, 13 to a
 * page. They wrap after 24 days (at HZ=1000), and a cookie is handed on from
 * session to session: the collector clears them long before that
 * (wgr_route_cookie_clamp()).
 */
struct wgr_route_cookie {
	u8 value[WGR_TARGET_COOKIE_LEN];
	u32 birth;
	u32 probed;
};

void wgr_cookies_init(struct wgr_cookies *c);
void wgr_cookie_key(u8 key[32], const u8 public_key[32]);
bool wgr_cookie_mac2_valid(struct wgr_cookies *c, const u8 *msg,
			   const struct wgr_endpoint *src);
void wgr_cookie_reply(struct wgr_cookies *c, const u8 *msg, const struct wgr_endpoint *src,
		      const struct wgr_peer *target, u8 *out);
bool wgr_cookie_open(const struct wgr_peer *target, const u8 *msg, const u8 *mac1,
		     u8 cookie[WGR_TARGET_COOKIE_LEN]);
bool wgr_cookie_probe_due(struct wgr_cookies *c, struct wgr_peer *target,
			  const struct wgr_endpoint *to);
bool wgr_cookie_probe(struct wgr_cookies *c, struct wgr_peer *target,
		      const struct wgr_endpoint *to, enum wgr_cookie_rank rank, u8 *msg);
bool wgr_cookie_probe_route(struct wgr_cookies *c, struct wgr_peer *target,
			    const struct wgr_endpoint *to, const struct wgr_endpoint *via,
			    bool firm, u8 *msg);
bool wgr_cookie_probed(struct wgr_cookies *c, u32 receiver, const struct wgr_endpoint *from,
		       u8 target[WGRELAY_KEY_LEN], u8 mac1[16], struct wgr_endpoint *via);
bool wgr_cookie_keep(struct wgr_cookies *c, struct wgr_peer *target,
		     const u8 cookie[WGR_TARGET_COOKIE_LEN], const struct wgr_endpoint *from);
bool wgr_cookie_get(struct wgr_cookies *c, struct wgr_peer *target,
		    const struct wgr_endpoint *to, u8 cookie[WGR_TARGET_COOKIE_LEN]);
void wgr_cookie_put_mac2(u8 *msg, unsigned int len, const u8 *cookie);
bool wgr_route_cookie_due(struct wgr_route_cookie *rc);
bool wgr_route_cookie_keep(struct wgr_route_cookie *rc, const u8 cookie[WGR_TARGET_COOKIE_LEN]);
bool wgr_route_cookie_get(const struct wgr_route_cookie *rc, u8 cookie[WGR_TARGET_COOKIE_LEN]);
void wgr_route_cookie_forget(struct wgr_route_cookie *rc);
void wgr_route_cookie_clamp(struct wgr_route_cookie *rc);

#endif /* _WGR_COOKIE_H */
