/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: a clock the test sets (kshim_now, nanoseconds). */
#ifndef KSHIM_LINUX_KTIME_H
#define KSHIM_LINUX_KTIME_H

#include "../kshim.h"

/* The kernel's types (vdso/time64.h): a long, 32 bits on a 32-bit kernel. */
#define NSEC_PER_SEC 1000000000L
#define NSEC_PER_MSEC 1000000L
#define MSEC_PER_SEC 1000L

extern u64 kshim_now;

static inline u64 ktime_get_coarse_boottime_ns(void)
{
	return kshim_now;
}

#endif
