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

/* Junk, as the kernel's may be: code that needs zeroes must ask kzalloc(). */
static inline void *kmalloc(size_t n, int gfp)
{
	void *p;

	(void)gfp;
	if (kshim_fail_alloc)
		return NULL;
	p = malloc(n);
	if (p)
		memset(p, 0xa5, n);
	return p;
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define kfree_rcu(p, field) free(p)

#endif
