// SPDX-License-Identifier: GPL-2.0
/*
 * A network's prefixes, for a full source table to take a proof from the one
 * that holds the most (source.c, network_oldest()). The accounts of the
 * network's prefixes are linked on a ring through the network's account, and
 * up to WGR_NETWORK_LOOKS of them are weighed in turn round it.
 */
#include <linux/bug.h>

#include "tier.h"

/* Prefixes of one network a full table weighs for the one to take a proof from. */
#define WGR_NETWORK_LOOKS	16

/**
 * wgr_tier_up - a prefix holds one more proven source of its network
 * @spare: unused here
 * @net: the network's account
 * @acct: the prefix's account; its count went up already
 *
 * A prefix's first proof: its account joins its network's ring. It leaves
 * when it is freed (wgr_quota_release()), before the network's can be.
 * Context: the owning table's lock.
 * Return: 0.
 */
int wgr_tier_up(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct)
{
	if (acct->n == 1)
		list_add_tail(&acct->ring, &net->ring);
	return 0;
}

/**
 * wgr_tier_down - a prefix is about to hold one proven source fewer
 * @spare: unused here
 * @net: the network's account
 * @acct: the prefix's account; its count goes down next
 *
 * Context: the owning table's lock.
 */
void wgr_tier_down(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct)
{
}

/**
 * wgr_tier_top - the prefix of a network that holds the most
 * @net: the network's account
 *
 * Of up to WGR_NETWORK_LOOKS, looked at in turn round the network's ring.
 * Context: the owning table's lock.
 * Return: the prefix's account, or NULL if the network has none.
 */
struct wgr_account *wgr_tier_top(struct wgr_account *net)
{
	struct wgr_account *acct, *most = NULL;
	int i;

	if (list_empty(&net->ring))
		return NULL;
	for (i = 0; i < WGR_NETWORK_LOOKS; i++) {
		acct = list_first_entry(&net->ring, struct wgr_account, ring);
		if (!most || acct->n > most->n)
			most = acct;
		list_move_tail(&acct->ring, &net->ring);
	}
	return most;
}

/**
 * wgr_tiers_destroy - nothing is kept here
 * @spare: unused
 */
void wgr_tiers_destroy(struct list_head *spare)
{
}
