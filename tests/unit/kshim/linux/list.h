/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: a doubly linked list with the kernel's interface (see ../kshim.h). */
#ifndef KSHIM_LINUX_LIST_H
#define KSHIM_LINUX_LIST_H

#include "../kshim.h"

struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l->prev = l;
}

static inline bool list_empty(const struct list_head *l)
{
	return l->next == l;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline bool list_is_singular(const struct list_head *l)
{
	return l->next != l && l->next == l->prev;
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}

static inline void list_move_tail(struct list_head *n, struct list_head *head)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_add_tail(n, head);
}

static inline void list_move(struct list_head *n, struct list_head *head)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) container_of((head)->next, type, member)
#define list_for_each_entry_safe(pos, n, head, member)					\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),			\
	     n = list_entry(pos->member.next, __typeof__(*pos), member);		\
	     &pos->member != (head);							\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif
