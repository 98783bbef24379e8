/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_TIER_H
#define _WGR_TIER_H

#include <linux/list.h>

#include "quota.h"

int wgr_tier_up(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct);
void wgr_tier_down(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct);
int wgr_tier_rank(struct wgr_quota *nets, struct list_head *spare, u64 net_key,
		  struct list_head *net_node, struct wgr_account **net, struct wgr_account *acct);
void wgr_tier_unrank(struct wgr_quota *nets, struct list_head *spare, struct wgr_account *net,
		     struct list_head *net_node, struct wgr_account *acct);
struct wgr_account *wgr_tier_top(struct wgr_account *net);
void wgr_tiers_destroy(struct list_head *spare);

#endif /* _WGR_TIER_H */
