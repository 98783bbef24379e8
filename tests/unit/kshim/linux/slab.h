/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: see ../kshim.h. Allocations that a test can make fail (kshim_fail_alloc). */
#ifndef KSHIM_LINUX_SLAB_H
#define KSHIM_LINUX_SLAB_H

#include "../kshim.h"

extern int kshim_fail_alloc;

static inline void *kzalloc(size_t n, int gfp)
{
	(void)gfp;
	if (kshim_fail_alloc)
		return NULL;
	return calloc(1, n);
}

static inline void *kmalloc(size_t n, int gfp)
{
	(void)gfp;
	if (kshim_fail_alloc)
		return NULL;
	return malloc(n);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define kfree_rcu(p, field) free(p)

#endif
