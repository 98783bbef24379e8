// SPDX-License-Identifier: GPL-2.0
/*
 * module/tier.c (with module/quota.c), compiled against tests/unit/kshim: the
 * prefix of a network that holds the most proven sources, which a full source
 * table takes a proof from. Proofs are counted as source.c counts them: by
 * prefix in one quota, by network in another, and ranked in the network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../module/tier.h"
#include "kshim/linux/slab.h"

int kshim_fail_alloc;
int kshim_warned;

/* One proven source: its prefix's and its network's accounts. */
struct proof {
	struct list_head node;
	struct list_head net_node;
	struct wgr_account *acct;
	struct wgr_account *net;
	u64 key;
	u64 net_key;
	bool in;
};

struct table {
	struct wgr_quota prefixes;
	struct wgr_quota nets;
	struct list_head spare;
};

static void table_init(struct table *t)
{
	assert_int_equal(wgr_quota_init(&t->prefixes, 1024), 0);
	assert_int_equal(wgr_quota_init(&t->nets, 1024), 0);
	INIT_LIST_HEAD(&t->spare);
	kshim_warned = 0;
}

static void table_destroy(struct table *t)
{
	/* A tier is freed for each prefix that leaves: none is left over. */
	assert_true(list_empty(&t->spare));
	wgr_tiers_destroy(&t->spare);
	wgr_quota_destroy(&t->nets);
	wgr_quota_destroy(&t->prefixes);
	assert_int_equal(kshim_warned, 0);
}

/* Set, a proof in a network can allocate nothing: its tier, or a new network's account. */
static int no_tier;

/*
 * As source.c's class_enter() for a proven source: the prefix's count, then
 * wgr_tier_rank(). 0, or -ENOMEM with nothing counted.
 */
static int prove(struct table *t, struct proof *p, u64 net_key, u64 key)
{
	int ret;

	p->key = key;
	p->net_key = net_key;
	assert_int_equal(wgr_quota_charge(&t->prefixes, key, &p->node, &p->acct, true), 0);
	kshim_fail_alloc = no_tier;
	ret = wgr_tier_rank(&t->nets, &t->spare, net_key, &p->net_node, &p->net, p->acct);
	kshim_fail_alloc = 0;
	if (ret) {
		assert_null(p->net);
		wgr_quota_release(&t->prefixes, p->acct, &p->node);
		return ret;
	}
	p->in = true;
	return 0;
}

/* As source.c's class_leave(): wgr_tier_unrank(), then the prefix's count. */
static void forget(struct table *t, struct proof *p)
{
	wgr_tier_unrank(&t->nets, &t->spare, p->net, &p->net_node, p->acct);
	wgr_quota_release(&t->prefixes, p->acct, &p->node);
	p->in = false;
}

/* As source.c's network_oldest(): the proof a full table takes. */
static struct proof *oldest(struct table *t)
{
	struct wgr_account *net = wgr_quota_heaviest(&t->nets);
	struct wgr_account *acct;

	if (!net)
		return NULL;
	acct = wgr_tier_top(net);
	assert_non_null(acct);
	return list_first_entry(&acct->members, struct proof, node);
}

/*
 * The window attack (a review of session 22): inside a lone peer's IPv6 /32,
 * an attacker holds one heavy /48 and 17 light ones, one proof each, and
 * renews whatever the table takes. The peer's /48 holds one proof. When only
 * 16 prefixes of the network were weighed, one look in 19 missed the heavy
 * one, and the peer's proof, first of the rest, was taken. A prefix is
 * taken from only while none in its network holds more.
 */
static void test_window(void **state)
{
	enum { HEAVY = 20, LIGHT = 17 };
	struct proof heavy[HEAVY], lone, light[LIGHT], *p;
	const u64 net = 0x3fff0100;
	struct table t;
	int i;

	(void)state;
	table_init(&t);
	for (i = 0; i < HEAVY; i++)
		assert_int_equal(prove(&t, &heavy[i], net, net << 16), 0);
	assert_int_equal(prove(&t, &lone, net, net << 16 | 1), 0);
	for (i = 0; i < LIGHT; i++)
		assert_int_equal(prove(&t, &light[i], net, net << 16 | (2 + i)), 0);
	for (i = 0; i < 100; i++) {
		p = oldest(&t);
		if (p == &lone)
			fail_msg("look %d took the lone peer's proof; its /48 holds 1, another %u",
				 i, heavy[0].acct->n);
		assert_int_equal(p->key, net << 16);
		forget(&t, p);
		assert_int_equal(prove(&t, p, p->net_key, p->key), 0);
	}
	for (i = 0; i < HEAVY; i++)
		forget(&t, &heavy[i]);
	forget(&t, &lone);
	for (i = 0; i < LIGHT; i++)
		forget(&t, &light[i]);
	table_destroy(&t);
}

/* Of prefixes that hold as many, the first to get there; then the next. */
static void test_ties(void **state)
{
	struct proof a[2], b[2], c[2];
	struct table t;

	(void)state;
	table_init(&t);
	assert_null(oldest(&t));
	assert_int_equal(prove(&t, &a[0], 1, 10), 0);
	assert_int_equal(prove(&t, &b[0], 1, 11), 0);
	assert_int_equal(prove(&t, &c[0], 1, 12), 0);
	assert_ptr_equal(oldest(&t), &a[0]);
	assert_int_equal(prove(&t, &c[1], 1, 12), 0);
	assert_ptr_equal(oldest(&t), &c[0]);
	assert_int_equal(prove(&t, &b[1], 1, 11), 0);
	assert_int_equal(prove(&t, &a[1], 1, 10), 0);
	/* All hold two; c got there first, then b, then a. */
	assert_ptr_equal(oldest(&t), &c[0]);
	forget(&t, &c[0]);
	assert_ptr_equal(oldest(&t), &b[0]);
	forget(&t, &b[0]);
	assert_ptr_equal(oldest(&t), &a[0]);
	forget(&t, &a[0]);
	/* All hold one again: c went down first. */
	assert_ptr_equal(oldest(&t), &c[1]);
	forget(&t, &c[1]);
	forget(&t, &b[1]);
	forget(&t, &a[1]);
	assert_null(oldest(&t));
	table_destroy(&t);
}

/*
 * A prefix's first proof needs a tier, which may not be had; a later one, or
 * a move down, never needs memory. Tiers are freed as prefixes leave
 * (table_destroy() finds none left).
 */
static void test_no_memory(void **state)
{
	struct proof a[2], b;
	struct table t;

	(void)state;
	table_init(&t);
	assert_int_equal(prove(&t, &a[0], 1, 10), 0);
	no_tier = 1;
	assert_int_equal(prove(&t, &b, 1, 11), -ENOMEM);
	assert_null(wgr_quota_find(&t.prefixes, 11));
	assert_int_equal(prove(&t, &a[1], 1, 10), 0);
	no_tier = 0;
	assert_ptr_equal(oldest(&t), &a[0]);
	assert_int_equal(wgr_tier_top(a[0].net)->n, 2);
	forget(&t, &a[0]);
	assert_ptr_equal(oldest(&t), &a[1]);
	forget(&t, &a[1]);
	assert_null(oldest(&t));
	table_destroy(&t);
}

/*
 * Random proofs and forgetting over three networks of 40 prefixes, some first
 * proofs without memory for a tier: the top of every network holds as many as
 * the most any of its prefixes holds.
 */
static void test_random_walk(void **state)
{
	enum { NETS = 3, PREFIXES = 40, PROOFS = 3000, STEPS = 200000 };
	static struct proof proofs[PROOFS];
	static unsigned int counts[NETS][PREFIXES];
	unsigned int most, step, i, j;
	struct wgr_account *acct;
	struct table t;
	struct proof *p;

	(void)state;
	memset(proofs, 0, sizeof(proofs));
	memset(counts, 0, sizeof(counts));
	table_init(&t);
	srandom(22);
	for (step = 0; step < STEPS; step++) {
		p = &proofs[random() % PROOFS];
		if (p->in) {
			counts[p->net_key][p->key % PREFIXES]--;
			forget(&t, p);
		} else {
			/* Skewed, so that a few prefixes hold most. */
			i = random() % NETS;
			j = random() % 4 ? random() % PREFIXES : random() % 3;
			/* One first proof in 16 finds no tier: nothing may change. */
			no_tier = !(random() % 16);
			if (prove(&t, p, i, (u64)i * PREFIXES + j)) {
				assert_int_equal(counts[i][j], 0);
				assert_null(wgr_quota_find(&t.prefixes, (u64)i * PREFIXES + j));
			} else {
				counts[i][j]++;
			}
			no_tier = 0;
		}
		if (step % 7)
			continue;
		for (i = 0; i < NETS; i++) {
			most = 0;
			for (j = 0; j < PREFIXES; j++)
				most = max(most, counts[i][j]);
			acct = wgr_quota_find(&t.nets, i);
			if (!acct) {
				assert_int_equal(most, 0);
				continue;
			}
			assert_int_equal(wgr_tier_top(acct)->n, most);
		}
	}
	for (i = 0; i < PROOFS; i++)
		if (proofs[i].in)
			forget(&t, &proofs[i]);
	table_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_no_memory),
		cmocka_unit_test(test_random_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
