/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: see rhashtable-types.h. Lookups walk the list and compare key_len bytes. */
#ifndef KSHIM_LINUX_RHASHTABLE_H
#define KSHIM_LINUX_RHASHTABLE_H

#include <linux/rhashtable-types.h>
#include "../kshim.h"

struct rhashtable_params {
	size_t key_len;
	size_t key_offset;
	size_t head_offset;
	u32 (*hashfn)(const void *data, u32 len, u32 seed);
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

#endif
