/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_PICK_H
#define _WGR_PICK_H

#include <linux/types.h>

/**
 * struct wgr_pick - one candidate a walk weighs
 * @item: the caller's (source.c: a struct wgr_source)
 * @prefix: its source prefix (wgr_quota_key()): places go round these
 * @addr: its address (IPv4, or an IPv6 /64), with @family: one place each
 * @family: AF_INET or AF_INET6
 * @rank: lower goes first: the picks of its prefix already kept when it came,
 *        then its prefix's number for this walk (wgr_picks_init()'s @seed)
 */
struct wgr_pick {
	void *item;
	u64 prefix;
	u64 addr;
	u16 family;
	u64 rank;
};

/**
 * struct wgr_picks - the best candidates of one walk, best first
 * @pick: the caller's array
 * @n: how many it holds
 * @room: how many it may hold
 * @seed: this walk's secret: which prefixes a round favours
 */
struct wgr_picks {
	struct wgr_pick *pick;
	unsigned int n;
	unsigned int room;
	u64 seed;
};

void wgr_picks_init(struct wgr_picks *picks, struct wgr_pick *buf, unsigned int room, u64 seed);
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 prefix, u16 family, u64 addr);

#endif /* _WGR_PICK_H */
