// SPDX-License-Identifier: GPL-2.0
/*
 * Quotas: a table's entries counted by the source prefix that made them, so
 * that a full table makes room at the expense of whoever holds the most, never
 * of everyone (trust model v2: "no count that one source prefix can fill for
 * others: no global pool, no per-owner-only cap").
 *
 * A prefix is an IPv4 /24 or an IPv6 /48: what one attacker gets cheaply (a
 * provider's /48 is free for the asking) counts as one. Each account lists its
 * entries oldest first, for the table to pick a victim from, and sits on the
 * level of its count, so that the heaviest account is found in O(1) and every
 * change of a count is O(1) too: the work a datagram can cause stays bounded
 * however many accounts there are.
 *
 * The table that embeds a quota owns it and guards it with its own lock; the
 * account lookup is an rhashtable (it grows with the table), whose keys are
 * an attacker's to choose and so are hashed with a secret.
 */
#include <linux/rhashtable.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/mm.h>

#include "peer.h"
#include "quota.h"

static siphash_key_t quota_key __read_mostly;

static u32 quota_hashfn(const void *data, u32 len, u32 seed)
{
	return (u32)siphash_2u64(*(const u64 *)data, seed, &quota_key);
}

static const struct rhashtable_params quota_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct wgr_account, key),
	.head_offset = offsetof(struct wgr_account, node),
	.hashfn = quota_hashfn,
	.automatic_shrinking = true,
};

/**
 * wgr_quota_init - an empty quota
 * @q: the quota
 * @cap: the most entries one prefix may hold
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int wgr_quota_init(struct wgr_quota *q, unsigned int cap)
{
	unsigned int i;
	int ret;

	get_random_once(&quota_key, sizeof(quota_key));
	q->levels = kvcalloc(cap + 1, sizeof(*q->levels), GFP_KERNEL);
	if (!q->levels)
		return -ENOMEM;
	for (i = 0; i <= cap; i++)
		INIT_LIST_HEAD(&q->levels[i]);
	q->cap = cap;
	q->top = 0;
	ret = rhashtable_init(&q->accounts, &quota_params);
	if (ret)
		kvfree(q->levels);
	return ret;
}

/**
 * wgr_quota_destroy - free a quota
 * @q: the quota; every entry has been released, so there are no accounts
 *
 * Context: process.
 */
void wgr_quota_destroy(struct wgr_quota *q)
{
	WARN_ON(q->top);
	rhashtable_destroy(&q->accounts);
	kvfree(q->levels);
}

/**
 * wgr_quota_key - the prefix an endpoint is counted under
 * @ep: the endpoint
 *
 * Return: the IPv4 /24 or IPv6 /48 of @ep's address, tagged with its family.
 */
u64 wgr_quota_key(const struct wgr_endpoint *ep)
{
	u64 key = (u64)ep->addr.sa_family << 56;

	if (ep->addr.sa_family == AF_INET)
		return key | (be32_to_cpu(ep->addr4.sin_addr.s_addr) >> 8);
	if (ep->addr.sa_family == AF_INET6) {
		const u8 *a = ep->addr6.sin6_addr.s6_addr;

		return key | (u64)a[0] << 40 | (u64)a[1] << 32 | (u64)a[2] << 24 |
		       (u64)a[3] << 16 | (u64)a[4] << 8 | a[5];
	}
	return key;
}

/**
 * wgr_quota_network_key - the network an endpoint's prefix is in
 * @ep: the endpoint
 *
 * What an attacker pays for when a rule needs many prefixes of it: an IPv4 /24
 * is both, but an IPv6 /32 (an ISP's allocation, or an eighth of a RIPE /29)
 * holds 65,536 /48s.
 *
 * Return: the IPv4 /24 (wgr_quota_key()'s) or the IPv6 /32 of @ep's address,
 * tagged with its family.
 */
u64 wgr_quota_network_key(const struct wgr_endpoint *ep)
{
	u64 key = wgr_quota_key(ep);

	/* wgr_quota_key()'s low 16 bits are an IPv6 address's bytes 4 and 5. */
	return ep->addr.sa_family == AF_INET6 ? key & ~0xffffULL : key;
}

/**
 * wgr_quota_find - the account of a prefix
 * @q: the quota
 * @key: the prefix (wgr_quota_key())
 *
 * Context: the owning table's lock.
 * Return: the account, or NULL if the prefix holds nothing.
 */
struct wgr_account *wgr_quota_find(struct wgr_quota *q, u64 key)
{
	return rhashtable_lookup_fast(&q->accounts, &key, quota_params);
}

/**
 * wgr_quota_heaviest - the account that holds the most entries
 * @q: the quota
 *
 * Of several that hold as many, the one that got there first.
 * Context: the owning table's lock.
 * Return: the account, or NULL if there are none.
 */
struct wgr_account *wgr_quota_heaviest(struct wgr_quota *q)
{
	if (!q->top)
		return NULL;
	return list_first_entry(&q->levels[q->top], struct wgr_account, level);
}

/* The level an account of @n entries is listed at: over the cap counts as at it. */
static struct list_head *level_of(struct wgr_quota *q, unsigned int n)
{
	return &q->levels[min(n, q->cap)];
}

/**
 * wgr_quota_charge - count a new entry against its prefix
 * @q: the quota
 * @key: the entry's prefix (wgr_quota_key())
 * @member: the entry's list_head: it goes to the tail of the account's members
 * @acct: set to the account, which the entry keeps to be released
 * @over: the owning table lets this entry past the cap (its own rule says why);
 *        the account then counts as full, and the heaviest, until it is back
 *        under
 *
 * Context: the owning table's lock; may be softirq (allocates atomically).
 * Return: 0; -EDQUOT if the account is full and not @over (the caller evicts
 * one of its members first); -ENOMEM.
 */
int wgr_quota_charge(struct wgr_quota *q, u64 key, struct list_head *member,
		     struct wgr_account **acct, bool over)
{
	struct wgr_account *a = wgr_quota_find(q, key);

	if (!a) {
		a = kzalloc(sizeof(*a), GFP_ATOMIC);
		if (!a)
			return -ENOMEM;
		a->key = key;
		INIT_LIST_HEAD(&a->members);
		INIT_LIST_HEAD(&a->level);
		INIT_LIST_HEAD(&a->ring);
		if (rhashtable_insert_fast(&q->accounts, &a->node, quota_params)) {
			kfree(a);
			return -ENOMEM;
		}
	} else if (wgr_account_full(q, a) && !over) {
		return -EDQUOT;
	}
	list_add_tail(member, &a->members);
	a->n++;
	/* Past the cap it goes first at the top level: it holds the most. */
	if (a->n > q->cap)
		list_move(&a->level, level_of(q, a->n));
	else
		list_move_tail(&a->level, level_of(q, a->n));
	q->top = max(q->top, min(a->n, q->cap));
	*acct = a;
	return 0;
}

/**
 * wgr_quota_release - an entry is gone from the table
 * @q: the quota
 * @acct: the account it was charged to (wgr_quota_charge())
 * @member: its list_head
 *
 * An account that holds nothing any more is freed, off its ring first.
 * Context: the owning table's lock.
 */
void wgr_quota_release(struct wgr_quota *q, struct wgr_account *acct, struct list_head *member)
{
	unsigned int was = min(acct->n, q->cap);

	list_del(member);
	acct->n--;
	/* Still past the cap, it still holds the most (as wgr_quota_charge()). */
	if (acct->n > q->cap) {
		list_move(&acct->level, level_of(q, acct->n));
	} else if (acct->n) {
		list_move_tail(&acct->level, level_of(q, acct->n));
	} else {
		list_del(&acct->level);
		if (!list_empty(&acct->ring))
			list_del(&acct->ring);
		rhashtable_remove_fast(&q->accounts, &acct->node, quota_params);
		kfree_rcu(acct, rcu);
	}
	/*
	 * Only level @was can have emptied, and level @was - 1 now holds @acct if
	 * it is above 0; at 0 there is no account left at all when @was was the top.
	 */
	if (was == q->top && list_empty(&q->levels[was]))
		q->top = was - 1;
}

/**
 * wgr_account_pick - an account's oldest member that is not to be kept
 * @acct: the account
 * @kept: whether a member is passed over (its owner's protection rule)
 * @tries: how many members to look at
 *
 * A member passed over goes to the back of the line (a second chance, as a
 * clock does), so the next look starts further on; the work is bounded by
 * @tries whatever the account holds.
 * Context: the owning table's lock.
 * Return: the member; NULL if the first @tries were all kept (then the one at
 * the front is the oldest not yet looked at).
 */
struct list_head *wgr_account_pick(struct wgr_account *acct,
				   bool (*kept)(const struct list_head *member), unsigned int tries)
{
	struct list_head *member;
	unsigned int i;

	for (i = 0; i < tries; i++) {
		member = acct->members.next;
		if (!kept(member))
			return member;
		list_move_tail(member, &acct->members);
	}
	return NULL;
}

/**
 * wgr_account_renew - an entry earned its place again: to the back of the line
 * @acct: its account
 * @member: its list_head
 *
 * wgr_account_pick() looks at the front: entries that keep proving themselves
 * stay behind those that do not, and are looked at last.
 * Context: the owning table's lock.
 */
void wgr_account_renew(struct wgr_account *acct, struct list_head *member)
{
	list_move_tail(member, &acct->members);
}
