/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: a hash table with rhashtable's interface, as a plain list (see ../kshim.h). */
#ifndef KSHIM_LINUX_RHASHTABLE_TYPES_H
#define KSHIM_LINUX_RHASHTABLE_TYPES_H

struct rhash_head {
	struct rhash_head *next;
};

struct rhashtable {
	struct rhash_head *first;
	unsigned int nelems;
};

/*
 * rhltable: entries with equal keys on one list (@next), newest first, as the
 * kernel keeps them; the lists themselves chained through rhead.next.
 */
struct rhlist_head {
	struct rhash_head rhead;
	struct rhlist_head *next;
};

struct rhltable {
	struct rhashtable ht;
};

#endif
