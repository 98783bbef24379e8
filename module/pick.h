/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_PICK_H
#define _WGR_PICK_H

#include <linux/types.h>

/* The most a walk's picks hold (a round fits a u8: wgr_picks_weigh()). */
#define WGR_PICKS_MAX 64

/* struct wgr_picks's @seen: a count for each low byte of an address's number. */
#define WGR_PICKS_SEEN 256

/**
 * struct wgr_pick - one candidate a walk weighs
 * @item: the caller's (source.c: a struct wgr_source)
 * @network: its source network (wgr_quota_network_key()): places go round these
 * @prefix: its source prefix (wgr_quota_key()): within a network, round these
 * @addr: its address (IPv4, or an IPv6 /64), with @family: one place each
 * @rank: lower goes first: its round among networks (its place in its
 *        network's order, the high 32 bits), then its network's number for
 *        this walk (wgr_picks_init()'s @seed)
 * @family: AF_INET or AF_INET6
 * @prefix_place: its network's order, first: its place among its prefix's
 *                picks, by @addr_number (its round among the network's prefixes)
 * @prefix_number: its network's order, then: its prefix's number for this walk
 * @addr_number: its address's number for this walk: its place in its prefix,
 *               and wgr_picks's @seen
 * @slot_number: its endpoint's number among its address's: the lowest holds
 *               the address's place
 */
struct wgr_pick {
	void *item;
	u64 network;
	u64 prefix;
	u64 addr;
	u64 rank;
	u16 family;
	u32 prefix_place;
	u32 prefix_number;
	u32 addr_number;
	u32 slot_number;
};

/**
 * struct wgr_picks - the best candidates of one walk
 * @pick: the caller's array: best first once wgr_picks_sort() ran
 * @n: how many it holds
 * @room: how many it may hold, WGR_PICKS_MAX at most
 * @worst: the highest rank it holds
 * @worst_pick: the pick that holds it
 * @seen: how many kept addresses have each low byte of their numbers, so that
 *        a visit of an address not kept need not look for it, and a pick
 *        that goes takes its own away without a pass over the rest
 * @seed: this walk's secret: which networks and prefixes a round favours
 */
struct wgr_picks {
	struct wgr_pick *pick;
	unsigned int n;
	unsigned int room;
	u64 worst;
	struct wgr_pick *worst_pick;
	u8 seen[WGR_PICKS_SEEN];
	u64 seed;
};

void wgr_picks_init(struct wgr_picks *picks, struct wgr_pick *buf, unsigned int room, u64 seed);
void wgr_picks_weigh(struct wgr_picks *picks, void *item, u64 network, u64 prefix, u16 family,
		     u64 addr, u64 slot);
void wgr_picks_sort(struct wgr_picks *picks);
u32 wgr_pick_number(u64 key, u64 seed);
unsigned int wgr_picks_merge(const struct wgr_picks *a, const struct wgr_picks *b, void **out,
			     unsigned int room);

#endif /* _WGR_PICK_H */
