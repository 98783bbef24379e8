// SPDX-License-Identifier: GPL-2.0
/*
 * Tiers: a network's prefixes ranked by how many proven sources each holds, so
 * that a full source table finds the prefix that holds the most in the network
 * that holds the most in O(1) (source.c, network_oldest()).
 *
 * Each count that some prefix of a network holds has a tier, which lists those
 * prefixes' accounts in the order they got there; the network's account lists
 * its tiers heaviest first (on its ring). A count moves by one at a time, so a
 * prefix moves to the next tier up or down, or its tier is renumbered when it
 * is alone in it: O(1) whatever the network holds, and exact.
 *
 * Before, up to 16 prefixes were weighed in turn round the network's ring: an
 * attacker inside a lone IPv6 peer's /32 with one heavy /48 and 17 light ones
 * made one look in 19 miss the heavy one, and the peer's proof, first of the
 * rest, went (a review of session 22; tests/unit/tier_test.c, test_window).
 *
 * Tiers are allocated one per ranked prefix, when it is first proven (which may
 * fail), and freed one per prefix, when it holds none: a table never uses more
 * tiers than it ranks prefixes, so a move down (on the way out, which must not
 * fail) always finds a spare one.
 */
#include <linux/bug.h>
#include <linux/slab.h>

#include "tier.h"

/**
 * struct wgr_tier - the prefixes of one network that hold as many
 * @node: in the network's account's ring, heaviest first; or on the spare list
 * @members: those prefixes' accounts (by their ring), in the order they got here
 * @n: how many proven sources each holds
 */
struct wgr_tier {
	struct list_head node;
	struct list_head members;
	unsigned int n;
};

/* The tier on @net's ring at @pos (a tier's node), or NULL at the ring's head. */
static struct wgr_tier *tier_at(struct wgr_account *net, struct list_head *pos)
{
	return pos == &net->ring ? NULL : list_entry(pos, struct wgr_tier, node);
}

/* A spare tier for count @n; there is always one (see the top of this file). */
static struct wgr_tier *tier_spare(struct list_head *spare, unsigned int n)
{
	struct wgr_tier *tier;

	if (WARN_ON_ONCE(list_empty(spare)))
		return NULL;
	tier = list_first_entry(spare, struct wgr_tier, node);
	tier->n = n;
	return tier;
}

/*
 * @acct, now holding @n, to the tier of @n next to its own on the side @next
 * (the node after its tier's: the next lighter, or the tier itself for the next
 * heavier). Context: the owning table's lock.
 */
static void tier_move(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct,
		      struct list_head *next, unsigned int n)
{
	struct wgr_tier *from = acct->tier, *to = tier_at(net, next);

	if (next == &from->node)
		to = tier_at(net, from->node.prev);
	if (!to || to->n != n) {
		/* Alone where it was: its tier takes the new count in place. */
		if (list_is_singular(&from->members)) {
			from->n = n;
			return;
		}
		to = tier_spare(spare, n);
		/* Without one, it stays a count out: the ranking, not memory, suffers. */
		if (!to)
			return;
		list_move_tail(&to->node, next);
	}
	list_move_tail(&acct->ring, &to->members);
	acct->tier = to;
	if (list_empty(&from->members))
		list_move(&from->node, spare);
}

/**
 * wgr_tier_up - a prefix holds one more proven source of its network
 * @spare: the table's spare tiers
 * @net: the network's account
 * @acct: the prefix's account; its count went up already
 *
 * On a prefix's first proof its account joins the lightest tier, and a tier is
 * allocated for it (which may fail).
 * Context: the owning table's lock; may be softirq (allocates atomically).
 * Return: 0, or -ENOMEM (then nothing changed).
 */
int wgr_tier_up(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct)
{
	struct wgr_tier *tier;

	if (acct->tier) {
		tier_move(spare, net, acct, &acct->tier->node, acct->n);
		return 0;
	}
	tier = kzalloc(sizeof(*tier), GFP_ATOMIC);
	if (!tier)
		return -ENOMEM;
	INIT_LIST_HEAD(&tier->members);
	list_add(&tier->node, spare);
	/* Its first proof: 1, the least any ranked prefix holds. */
	tier = tier_at(net, net->ring.prev);
	if (!tier || tier->n != acct->n) {
		tier = tier_spare(spare, acct->n);
		list_move_tail(&tier->node, &net->ring);
	}
	list_add_tail(&acct->ring, &tier->members);
	acct->tier = tier;
	return 0;
}

/**
 * wgr_tier_down - a prefix is about to hold one proven source fewer
 * @spare: the table's spare tiers
 * @net: the network's account
 * @acct: the prefix's account; its count goes down next
 *
 * A prefix about to hold none leaves its tier, and a spare tier is freed.
 * Context: the owning table's lock; never fails.
 */
void wgr_tier_down(struct list_head *spare, struct wgr_account *net, struct wgr_account *acct)
{
	struct wgr_tier *tier = acct->tier;

	if (WARN_ON_ONCE(!tier))
		return;
	if (acct->n > 1) {
		tier_move(spare, net, acct, tier->node.next, acct->n - 1);
		return;
	}
	list_del_init(&acct->ring);
	acct->tier = NULL;
	if (list_empty(&tier->members))
		list_move(&tier->node, spare);
	tier = tier_spare(spare, 0);
	if (tier) {
		list_del(&tier->node);
		kfree(tier);
	}
}

/**
 * wgr_tier_rank - count a prefix's new proof in its network, and rank it there
 * @nets: the networks' quota
 * @spare: the table's spare tiers
 * @net_key: the network (wgr_quota_network_key())
 * @net_node: the proof's place in its network's account
 * @net: set to the network's account
 * @acct: the prefix's account, whose count went up already
 *
 * The network's count and the prefix's tier go together: one without the other
 * would rank the prefix by a count its network does not hold.
 * Context: the owning table's lock; may be softirq (allocates atomically).
 * Return: 0, or -ENOMEM with nothing counted in the network (*@net is then NULL).
 */
int wgr_tier_rank(struct wgr_quota *nets, struct list_head *spare, u64 net_key,
		  struct list_head *net_node, struct wgr_account **net, struct wgr_account *acct)
{
	int ret = wgr_quota_charge(nets, net_key, net_node, net, true);

	if (ret)
		return ret;
	ret = wgr_tier_up(spare, *net, acct);
	if (ret) {
		wgr_quota_release(nets, *net, net_node);
		*net = NULL;
	}
	return ret;
}

/**
 * wgr_tier_unrank - undo wgr_tier_rank() before the prefix's count goes down
 * @nets: the networks' quota
 * @spare: the table's spare tiers
 * @net: the network's account
 * @net_node: the proof's place in it
 * @acct: the prefix's account; its count goes down next
 *
 * Context: the owning table's lock; never fails.
 */
void wgr_tier_unrank(struct wgr_quota *nets, struct list_head *spare, struct wgr_account *net,
		     struct list_head *net_node, struct wgr_account *acct)
{
	wgr_tier_down(spare, net, acct);
	wgr_quota_release(nets, net, net_node);
}

/**
 * wgr_tier_top - the prefix of a network that holds the most
 * @net: the network's account
 *
 * Of those that hold as many, the first to get there.
 * Context: the owning table's lock.
 * Return: the prefix's account, or NULL if the network ranks none.
 */
struct wgr_account *wgr_tier_top(struct wgr_account *net)
{
	struct wgr_tier *top = tier_at(net, net->ring.next);

	return top ? list_first_entry(&top->members, struct wgr_account, ring) : NULL;
}

/**
 * wgr_tiers_destroy - free a table's spare tiers
 * @spare: the table's spare tiers; every prefix has left, so there are none
 *
 * Context: process.
 */
void wgr_tiers_destroy(struct list_head *spare)
{
	struct wgr_tier *tier;

	while (!list_empty(spare)) {
		WARN_ON_ONCE(1);
		tier = list_first_entry(spare, struct wgr_tier, node);
		list_del(&tier->node);
		kfree(tier);
	}
}
