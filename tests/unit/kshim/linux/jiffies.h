/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: a clock the test sets (see ../kshim.h). */
#ifndef KSHIM_LINUX_JIFFIES_H
#define KSHIM_LINUX_JIFFIES_H

extern unsigned long jiffies;
#define HZ 100
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define get_jiffies_64() ((u64)jiffies)
#define time_after64(a, b) ((int64_t)((b) - (a)) < 0)
#define time_before64(a, b) time_after64(b, a)
#define time_after_eq64(a, b) ((int64_t)((a) - (b)) >= 0)
/* linux/time.h's, which the kernel's jiffies.h includes. */
#define time_after32(a, b) ((int32_t)((uint32_t)(b) - (uint32_t)(a)) < 0)
#define time_before32(b, a) time_after32(a, b)

#endif
