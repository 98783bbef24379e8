/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: one thread, no grace periods (see ../kshim.h). */
#ifndef KSHIM_LINUX_RCUPDATE_H
#define KSHIM_LINUX_RCUPDATE_H

#include <linux/list.h>

#define __rcu
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
#define list_for_each_entry_rcu(pos, head, member)					\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);			\
	     &pos->member != (head);							\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

#endif
