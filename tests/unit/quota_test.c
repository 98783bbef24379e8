// SPDX-License-Identifier: GPL-2.0
/*
 * module/quota.c, compiled against tests/unit/kshim: counts per source prefix,
 * the heaviest account in O(1), the per-prefix cap, and the prefixes endpoints
 * are counted under. A random walk checks the heaviest against a plain count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../module/quota.h"
#include "kshim/linux/slab.h"

int kshim_fail_alloc;

struct entry {
	struct list_head node;
	struct wgr_account *acct;
	u64 key;
	bool in;
};

static void ep4(struct wgr_endpoint *ep, const char *addr, u16 port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr4.sin_family = AF_INET;
	ep->addr4.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &ep->addr4.sin_addr), 1);
}

static void ep6(struct wgr_endpoint *ep, const char *addr, u16 port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr6.sin6_family = AF_INET6;
	ep->addr6.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, addr, &ep->addr6.sin6_addr), 1);
}

static u64 key4(const char *addr)
{
	struct wgr_endpoint ep;

	ep4(&ep, addr, 51820);
	return wgr_quota_key(&ep);
}

static u64 key6(const char *addr)
{
	struct wgr_endpoint ep;

	ep6(&ep, addr, 51820);
	return wgr_quota_key(&ep);
}

/* The network of @addr, IPv4 or IPv6 (it has a colon). */
static u64 net(const char *addr)
{
	struct wgr_endpoint ep;

	if (strchr(addr, ':'))
		ep6(&ep, addr, 51820);
	else
		ep4(&ep, addr, 51820);
	return wgr_quota_network_key(&ep);
}

/*
 * A network is an IPv4 /24 (the prefix itself) or an IPv6 /32: the /48s an
 * owner of one /32 spreads real sources over are one network.
 */
static void test_network_keys(void **state)
{
	(void)state;
	assert_true(net("203.0.113.2") == key4("203.0.113.2"));
	assert_true(net("203.0.113.2") != net("203.0.112.2"));
	assert_true(net("3fff:100:1::1") == net("3fff:100:ffff::1"));
	assert_true(net("3fff:100:1::1") != key6("3fff:100:1::1"));
	assert_true(net("3fff:100::1") != net("3fff:101::1"));
	assert_true(net("3fff:100::1") != net("3ffe:100::1"));
	/* ::/32 and 0.0.0.0/8 must not share an account either. */
	assert_true(net("0.0.0.1") != net("::1"));
}

/* An IPv4 /24 and an IPv6 /48 are one prefix; the families never meet. */
static void test_keys(void **state)
{
	struct wgr_endpoint a, b;

	(void)state;
	assert_true(key4("203.0.113.2") == key4("203.0.113.254"));
	assert_true(key4("203.0.113.2") != key4("203.0.112.2"));
	assert_true(key4("203.0.113.2") != key4("204.0.113.2"));
	assert_true(key6("2001:db8:1::1") == key6("2001:db8:1:ffff::2"));
	assert_true(key6("2001:db8:1::1") != key6("2001:db8:2::1"));
	/* ::ffff:0:0/96 and 0.0.0.0/8 must not share an account. */
	assert_true(key4("0.0.0.1") != key6("::1"));
	/* Ports do not matter. */
	ep4(&a, "198.51.100.7", 1);
	ep4(&b, "198.51.100.7", 65535);
	assert_true(wgr_quota_key(&a) == wgr_quota_key(&b));
}

static void charge(struct wgr_quota *q, struct entry *e, u64 key)
{
	assert_int_equal(wgr_quota_charge(q, key, &e->node, &e->acct, false), 0);
	e->key = key;
	e->in = true;
}

static void release(struct wgr_quota *q, struct entry *e)
{
	wgr_quota_release(q, e->acct, &e->node);
	e->in = false;
}

/* The heaviest is the account with the most; ties go to the first there. */
static void test_heaviest(void **state)
{
	struct entry e[6];
	struct wgr_quota q;

	(void)state;
	assert_int_equal(wgr_quota_init(&q, 8), 0);
	assert_null(wgr_quota_heaviest(&q));
	charge(&q, &e[0], 1);
	charge(&q, &e[1], 2);
	assert_int_equal(wgr_quota_heaviest(&q)->key, 1);
	charge(&q, &e[2], 2);
	assert_int_equal(wgr_quota_heaviest(&q)->key, 2);
	assert_int_equal(wgr_quota_heaviest(&q)->n, 2);
	charge(&q, &e[3], 1);
	/* Both hold two: account 2 got there first. */
	assert_int_equal(wgr_quota_heaviest(&q)->key, 2);
	release(&q, &e[1]);
	assert_int_equal(wgr_quota_heaviest(&q)->key, 1);
	/* The account's members are in the order they came. */
	assert_ptr_equal(list_first_entry(&wgr_quota_find(&q, 1)->members, struct entry, node),
			 &e[0]);
	release(&q, &e[0]);
	release(&q, &e[3]);
	assert_null(wgr_quota_find(&q, 1));
	assert_int_equal(wgr_quota_heaviest(&q)->key, 2);
	release(&q, &e[2]);
	assert_null(wgr_quota_heaviest(&q));
	assert_int_equal(q.top, 0);
	wgr_quota_destroy(&q);
}

/* An account holds @cap at most; others are not affected. */
static void test_cap(void **state)
{
	struct entry e[5], extra;
	struct wgr_quota q;
	int i;

	(void)state;
	assert_int_equal(wgr_quota_init(&q, 4), 0);
	for (i = 0; i < 4; i++)
		charge(&q, &e[i], 7);
	assert_true(wgr_account_full(&q, wgr_quota_find(&q, 7)));
	assert_int_equal(wgr_quota_charge(&q, 7, &extra.node, &extra.acct, false), -EDQUOT);
	assert_int_equal(wgr_quota_find(&q, 7)->n, 4);
	charge(&q, &e[4], 8);
	release(&q, &e[0]);
	assert_false(wgr_account_full(&q, wgr_quota_find(&q, 7)));
	charge(&q, &e[0], 7);
	for (i = 0; i < 5; i++)
		release(&q, &e[i]);
	assert_null(wgr_quota_heaviest(&q));
	wgr_quota_destroy(&q);
}

/*
 * An entry its table lets past the cap (session.c: a live binding's pair in a
 * prefix whose every pair is kept, pass 6 G4): the account holds more than
 * @cap, counts as full and as the heaviest, and levels stay consistent as it
 * comes back under.
 */
static void test_over(void **state)
{
	struct entry e[6], other[4];
	struct wgr_quota q;
	int i;

	(void)state;
	assert_int_equal(wgr_quota_init(&q, 4), 0);
	for (i = 0; i < 4; i++)
		charge(&q, &other[i], 3);
	for (i = 0; i < 4; i++)
		charge(&q, &e[i], 7);
	assert_int_equal(wgr_quota_charge(&q, 7, &e[4].node, &e[4].acct, false), -EDQUOT);
	assert_int_equal(wgr_quota_charge(&q, 7, &e[4].node, &e[4].acct, true), 0);
	assert_int_equal(wgr_quota_charge(&q, 7, &e[5].node, &e[5].acct, true), 0);
	assert_int_equal(wgr_quota_find(&q, 7)->n, 6);
	assert_int_equal(q.top, 4);
	assert_true(wgr_account_full(&q, wgr_quota_find(&q, 7)));
	/* Account 3 got to four first, but 7 holds more (pass 7, H6). */
	assert_int_equal(wgr_quota_heaviest(&q)->key, 7);
	/* One fewer, still past the cap: still first (a review of session 22). */
	release(&q, &e[5]);
	assert_int_equal(wgr_quota_heaviest(&q)->key, 7);
	assert_int_equal(wgr_quota_charge(&q, 7, &e[5].node, &e[5].acct, true), 0);
	release(&q, &other[0]);
	assert_int_equal(wgr_quota_heaviest(&q)->key, 7);
	/* Back to the cap, still full, still at the top level. */
	release(&q, &e[5]);
	release(&q, &e[4]);
	assert_int_equal(wgr_quota_find(&q, 7)->n, 4);
	assert_true(wgr_account_full(&q, wgr_quota_find(&q, 7)));
	assert_int_equal(q.top, 4);
	release(&q, &e[0]);
	assert_int_equal(q.top, 3);
	assert_false(wgr_account_full(&q, wgr_quota_find(&q, 7)));
	for (i = 1; i < 4; i++) {
		release(&q, &e[i]);
		release(&q, &other[i]);
	}
	assert_null(wgr_quota_heaviest(&q));
	assert_int_equal(q.top, 0);
	wgr_quota_destroy(&q);
}

/* No memory for a new account: nothing is charged, nothing is left behind. */
static void test_no_memory(void **state)
{
	struct entry e, f;
	struct wgr_quota q;

	(void)state;
	assert_int_equal(wgr_quota_init(&q, 4), 0);
	charge(&q, &e, 1);
	kshim_fail_alloc = 1;
	assert_int_equal(wgr_quota_charge(&q, 2, &f.node, &f.acct, false), -ENOMEM);
	/* An existing account needs no memory. */
	charge(&q, &f, 1);
	kshim_fail_alloc = 0;
	assert_null(wgr_quota_find(&q, 2));
	assert_int_equal(wgr_quota_heaviest(&q)->n, 2);
	release(&q, &e);
	release(&q, &f);
	wgr_quota_destroy(&q);
}

static bool odd_kept(const struct list_head *member)
{
	return container_of(member, struct entry, node)->key & 1;
}

/* The pick passes kept members to the back, @tries at most, oldest first. */
static void test_pick(void **state)
{
	struct entry e[6];
	struct wgr_quota q;
	int i;

	(void)state;
	assert_int_equal(wgr_quota_init(&q, 8), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(wgr_quota_charge(&q, 9, &e[i].node, &e[i].acct, false), 0);
		/* Members 0, 1 and 2 are kept; 3 is the oldest that is not. */
		e[i].key = i < 3;
	}
	assert_ptr_equal(wgr_account_pick(e[0].acct, odd_kept, 4), &e[3].node);
	/* The kept ones went to the back, in order. */
	assert_ptr_equal(e[0].acct->members.next, &e[3].node);
	assert_ptr_equal(e[0].acct->members.prev, &e[2].node);
	/* Too few tries: none, and the front is the next not looked at. */
	for (i = 0; i < 6; i++)
		e[i].key = 1;
	assert_null(wgr_account_pick(e[0].acct, odd_kept, 2));
	assert_ptr_equal(e[0].acct->members.next, &e[5].node);
	for (i = 0; i < 6; i++)
		wgr_quota_release(&q, e[i].acct, &e[i].node);
	wgr_quota_destroy(&q);
}

/* A renewed member goes behind every other: the pick finds the rest first. */
static void test_renew(void **state)
{
	struct entry e[4];
	struct wgr_quota q;
	int i;

	(void)state;
	assert_int_equal(wgr_quota_init(&q, 8), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(wgr_quota_charge(&q, 9, &e[i].node, &e[i].acct, false), 0);
		e[i].key = 0;
	}
	wgr_account_renew(e[0].acct, &e[0].node);
	wgr_account_renew(e[2].acct, &e[2].node);
	assert_ptr_equal(wgr_account_pick(e[0].acct, odd_kept, 1), &e[1].node);
	assert_ptr_equal(e[0].acct->members.next, &e[1].node);
	assert_ptr_equal(e[0].acct->members.next->next, &e[3].node);
	assert_ptr_equal(e[0].acct->members.prev, &e[2].node);
	/* Renewing moves, never counts: the account still holds four. */
	assert_int_equal(e[0].acct->n, 4);
	for (i = 0; i < 4; i++)
		wgr_quota_release(&q, e[i].acct, &e[i].node);
	wgr_quota_destroy(&q);
}

/* Random charges and releases over 16 prefixes: the heaviest is always a most. */
static void test_random_walk(void **state)
{
	enum { N = 512, KEYS = 16, CAP = 64 };
	static struct entry e[N];
	unsigned int count[KEYS] = { 0 }, max, i, step;
	struct wgr_quota q;

	(void)state;
	srand(1);
	assert_int_equal(wgr_quota_init(&q, CAP), 0);
	for (step = 0; step < 200000; step++) {
		struct entry *x = &e[rand() % N];
		struct wgr_account *h;

		if (x->in) {
			count[x->key]--;
			release(&q, x);
		} else {
			/* Skewed: low keys are charged more, so the heaviest changes hands. */
			u64 key = (u64)(rand() % KEYS) & (u64)(rand() % KEYS);

			if (count[key] == CAP) {
				assert_int_equal(wgr_quota_charge(&q, key, &x->node, &x->acct, false),
						 -EDQUOT);
				continue;
			}
			charge(&q, x, key);
			count[key]++;
		}
		for (max = 0, i = 0; i < KEYS; i++)
			if (count[i] > max)
				max = count[i];
		h = wgr_quota_heaviest(&q);
		if (!max) {
			assert_null(h);
			continue;
		}
		assert_non_null(h);
		assert_int_equal(h->n, max);
		assert_int_equal(count[h->key], max);
		assert_int_equal(q.top, max);
	}
	for (i = 0; i < N; i++)
		if (e[i].in)
			release(&q, &e[i]);
	assert_null(wgr_quota_heaviest(&q));
	wgr_quota_destroy(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_network_keys),
		cmocka_unit_test(test_heaviest),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_over),
		cmocka_unit_test(test_no_memory),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_renew),
		cmocka_unit_test(test_random_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
