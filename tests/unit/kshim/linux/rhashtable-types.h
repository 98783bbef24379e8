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

#endif
