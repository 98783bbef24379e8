/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: see ../kshim.h. */
#ifndef KSHIM_LINUX_MM_H
#define KSHIM_LINUX_MM_H

#include "../kshim.h"

static inline void *kvcalloc(size_t n, size_t size, int gfp)
{
	(void)gfp;
	return calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
