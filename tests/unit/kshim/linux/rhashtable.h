/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: see rhashtable-types.h. Lookups walk the list and compare key_len bytes. */
#ifndef KSHIM_LINUX_RHASHTABLE_H
#define KSHIM_LINUX_RHASHTABLE_H

#include <linux/rhashtable-types.h>
#include "../kshim.h"

struct rhashtable_compare_arg {
	struct rhashtable *ht;
	const void *key;
};

struct rhashtable_params {
	size_t key_len;
	size_t key_offset;
	size_t head_offset;
	u32 (*hashfn)(const void *data, u32 len, u32 seed);
	u32 (*obj_hashfn)(const void *data, u32 len, u32 seed);
	int (*obj_cmpfn)(struct rhashtable_compare_arg *arg, const void *obj);
	bool automatic_shrinking;
};

static inline int rhashtable_init(struct rhashtable *ht, const struct rhashtable_params *p)
{
	(void)p;
	ht->first = NULL;
	ht->nelems = 0;
	return 0;
}

static inline void rhashtable_destroy(struct rhashtable *ht)
{
	ht->first = NULL;
}

static inline void *rhashtable_lookup_fast(struct rhashtable *ht, const void *key,
					   const struct rhashtable_params p)
{
	struct rhash_head *h;

	/* The hash must be computable, as the kernel's lookup computes it. */
	(void)p.hashfn(key, (u32)p.key_len, 0);
	for (h = ht->first; h; h = h->next) {
		char *obj = (char *)h - p.head_offset;

		if (!memcmp(obj + p.key_offset, key, p.key_len))
			return obj;
	}
	return NULL;
}

static inline int rhashtable_insert_fast(struct rhashtable *ht, struct rhash_head *obj,
					 const struct rhashtable_params p)
{
	(void)p;
	obj->next = ht->first;
	ht->first = obj;
	ht->nelems++;
	return 0;
}

static inline int rhashtable_remove_fast(struct rhashtable *ht, struct rhash_head *obj,
					 const struct rhashtable_params p)
{
	struct rhash_head **pp;

	(void)p;
	for (pp = &ht->first; *pp; pp = &(*pp)->next) {
		if (*pp == obj) {
			*pp = obj->next;
			ht->nelems--;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * rhltable, for tables whose params give obj_cmpfn (module/bind.c): a key's
 * list is found by comparing the key with each list's first object.
 */
static inline int rhltable_init(struct rhltable *hlt, const struct rhashtable_params *p)
{
	return rhashtable_init(&hlt->ht, p);
}

static inline void rhltable_destroy(struct rhltable *hlt)
{
	rhashtable_destroy(&hlt->ht);
}

/* The list of @key, and where the table points at it. */
static inline struct rhlist_head **rhl_find(struct rhltable *hlt, const void *key,
					    const struct rhashtable_params p)
{
	struct rhashtable_compare_arg arg = { .ht = &hlt->ht, .key = key };
	struct rhash_head **pp;

	(void)p.hashfn(key, (u32)p.key_len, 0);
	for (pp = &hlt->ht.first; *pp; pp = &(*pp)->next) {
		struct rhlist_head *list = container_of(*pp, struct rhlist_head, rhead);

		if (!p.obj_cmpfn(&arg, (char *)list - p.head_offset))
			return (struct rhlist_head **)pp;
	}
	return NULL;
}

static inline struct rhlist_head *rhltable_lookup(struct rhltable *hlt, const void *key,
						  const struct rhashtable_params p)
{
	struct rhlist_head **pp = rhl_find(hlt, key, p);

	return pp ? *pp : NULL;
}

static inline int rhltable_insert_key(struct rhltable *hlt, const void *key,
				      struct rhlist_head *list, const struct rhashtable_params p)
{
	struct rhlist_head **pp = rhl_find(hlt, key, p);

	/* The object's own hash must be computable too. */
	(void)p.obj_hashfn((char *)list - p.head_offset, (u32)p.key_len, 0);
	if (pp) {
		/* The newest first: it takes the old head's place in the chain. */
		list->rhead.next = (*pp)->rhead.next;
		list->next = *pp;
		*pp = list;
	} else {
		list->next = NULL;
		list->rhead.next = hlt->ht.first;
		hlt->ht.first = &list->rhead;
	}
	hlt->ht.nelems++;
	return 0;
}

static inline int rhltable_remove(struct rhltable *hlt, struct rhlist_head *list,
				  const struct rhashtable_params p)
{
	struct rhash_head **pp;
	struct rhlist_head **lp;

	(void)p;
	for (pp = &hlt->ht.first; *pp; pp = &(*pp)->next) {
		for (lp = (struct rhlist_head **)pp; *lp; lp = &(*lp)->next) {
			if (*lp != list)
				continue;
			if (lp == (struct rhlist_head **)pp) {
				/* The head goes: the next of its key, or the next key. */
				if (list->next) {
					list->next->rhead.next = list->rhead.next;
					*pp = &list->next->rhead;
				} else {
					*pp = list->rhead.next;
				}
			} else {
				*lp = list->next;
			}
			hlt->ht.nelems--;
			return 0;
		}
	}
	return -ENOENT;
}

#define rhl_for_each_entry_rcu(tpos, pos, list, member)					\
	for (pos = (list); pos && ((tpos = container_of(pos, __typeof__(*tpos), member)), 1); \
	     pos = pos->next)

#endif
