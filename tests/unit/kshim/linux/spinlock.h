/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: one thread, no locks (see ../kshim.h). */
#ifndef KSHIM_LINUX_SPINLOCK_H
#define KSHIM_LINUX_SPINLOCK_H

typedef int spinlock_t;
#define spin_lock_init(l) (*(l) = 0)
#define spin_lock_bh(l) ((void)(l))
#define spin_unlock_bh(l) ((void)(l))
#define lockdep_assert_held(l) ((void)(l))

#endif
