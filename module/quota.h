/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_QUOTA_H
#define _WGR_QUOTA_H

#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

struct wgr_endpoint;
struct wgr_tier;

/**
 * struct wgr_account - what one source prefix holds in one table
 * @node: in wgr_quota.accounts, keyed by @key
 * @key: the prefix (wgr_quota_key())
 * @level: in wgr_quota.levels[@n]
 * @members: the entries charged to it, oldest first; the owning table's
 *           list_heads, which it walks to choose what to evict
 * @ring: for the owning table's use (scan.c serves its accounts in turn;
 *        tier.c lists a network's tiers on it, and a prefix's account on its
 *        tier); unlinked from whatever list it is on when the account goes
 * @tier: tier.c's, for a prefix ranked in its network: the tier it is on
 * @n: how many
 * @rcu: frees it after rhashtable's readers are done with it
 */
struct wgr_account {
	struct rhash_head node;
	u64 key;
	struct list_head level;
	struct list_head members;
	struct list_head ring;
	struct wgr_tier *tier;
	unsigned int n;
	struct rcu_head rcu;
};

/**
 * struct wgr_quota - a table's entries counted by source prefix
 * @accounts: the accounts by prefix
 * @levels: levels[n] lists the accounts holding n entries (1 <= n <= @cap; those
 *          let past the cap are at @cap), so that the heaviest is found in O(1)
 * @cap: the most entries one account may hold
 * @top: the highest n with accounts, or 0 if there are none
 *
 * A quota has no lock of its own: it is part of the table it counts, under
 * that table's lock (trust model v2: "counts that cannot be locked").
 */
struct wgr_quota {
	struct rhashtable accounts;
	struct list_head *levels;
	unsigned int cap;
	unsigned int top;
};

int wgr_quota_init(struct wgr_quota *q, unsigned int cap);
void wgr_quota_destroy(struct wgr_quota *q);
u64 wgr_quota_key(const struct wgr_endpoint *ep);
u64 wgr_quota_network_key(const struct wgr_endpoint *ep);
struct wgr_account *wgr_quota_find(struct wgr_quota *q, u64 key);
struct wgr_account *wgr_quota_heaviest(struct wgr_quota *q);
int wgr_quota_charge(struct wgr_quota *q, u64 key, struct list_head *member,
		     struct wgr_account **acct, bool over);
void wgr_quota_release(struct wgr_quota *q, struct wgr_account *acct, struct list_head *member);
struct list_head *wgr_account_pick(struct wgr_account *acct,
				   bool (*kept)(const struct list_head *member), unsigned int tries);

void wgr_account_renew(struct wgr_account *acct, struct list_head *member);
static inline bool wgr_account_full(const struct wgr_quota *q, const struct wgr_account *acct)
{
	return acct->n >= q->cap;
}

#endif /* _WGR_QUOTA_H */
