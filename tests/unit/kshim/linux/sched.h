/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: one thread, nothing to yield to (see ../kshim.h). */
#ifndef KSHIM_LINUX_SCHED_H
#define KSHIM_LINUX_SCHED_H

#define cond_resched() do { } while (0)

#endif
