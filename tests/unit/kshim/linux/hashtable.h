/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: the kernel's fixed-size hash table of hlists (see ../kshim.h). */
#ifndef KSHIM_LINUX_HASHTABLE_H
#define KSHIM_LINUX_HASHTABLE_H

#include "../kshim.h"

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]
#define hash_init(table) memset(table, 0, sizeof(table))
#define kshim_bucket(table, key) (&(table)[(key) % (sizeof(table) / sizeof((table)[0]))])

static inline void kshim_hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hash_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
}

#define hash_add(table, node, key) kshim_hlist_add_head(node, kshim_bucket(table, key))
#define hash_for_each_possible(table, obj, member, key)					\
	for (struct hlist_node *__n = kshim_bucket(table, key)->first;			\
	     __n && ((obj = container_of(__n, __typeof__(*obj), member)), 1); __n = __n->next)
/* The same, @tmp holding the next node, so that @obj may be deleted on the way. */
#define hash_for_each_possible_safe(table, obj, tmp, member, key)			\
	for (struct hlist_node *__n = kshim_bucket(table, key)->first;			\
	     __n && ((tmp = __n->next), (obj = container_of(__n, __typeof__(*obj), member)), 1); \
	     __n = tmp)

#endif
