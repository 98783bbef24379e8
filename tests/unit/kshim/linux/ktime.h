/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: a clock the test sets (kshim_now, nanoseconds). */
#ifndef KSHIM_LINUX_KTIME_H
#define KSHIM_LINUX_KTIME_H

#include "../kshim.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define MSEC_PER_SEC 1000UL

extern u64 kshim_now;

static inline u64 ktime_get_coarse_boottime_ns(void)
{
	return kshim_now;
}

#endif
