// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for module/handshake.c, the initiations the relay forwarded and
 * the answers it takes to them: what an answer learns of the initiation (the
 * relay's mac2 on it; whether it came from the target's binding or a
 * candidate), and that a repeat of a live record takes nothing from it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../module/handshake.h"

int kshim_fail_alloc;
unsigned long jiffies = 100000;

bool wgr_endpoint_eq(const struct wgr_endpoint *a, const struct wgr_endpoint *b)
{
	return a->addr.sa_family == b->addr.sa_family && a->addr.sa_family == AF_INET &&
	       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
	       a->addr4.sin_port == b->addr4.sin_port;
}

bool wgr_endpoint_same_host(const struct wgr_endpoint *a, const struct wgr_endpoint *b)
{
	return a->addr.sa_family == b->addr.sa_family &&
	       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
}

u64 wgr_endpoint_host(const struct wgr_endpoint *ep)
{
	return ntohl(ep->addr4.sin_addr.s_addr);
}

static struct wgr_endpoint ep4(u32 addr, u16 port)
{
	struct wgr_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr4.sin_family = AF_INET;
	e.addr4.sin_addr.s_addr = htonl(addr);
	e.addr4.sin_port = htons(port);
	return e;
}

static const u8 mac1[16] = { 1 };
static struct wgr_peer home;

/* The laptop's retry, sent to home's binding and two candidates. */
static struct wgr_endpoint laptop, fwd[3];

static int setup(void **state)
{
	static struct wgr_handshakes hss;

	laptop = ep4(0xcb007103, 40000);
	fwd[0] = ep4(0xc6336401, 51820);	/* home's binding */
	fwd[1] = ep4(0xc6120501, 41000);	/* a candidate, an attacker's */
	fwd[2] = ep4(0xc6130601, 42000);	/* another */
	assert_int_equal(wgr_handshakes_init(&hss), 0);
	*state = &hss;
	return 0;
}

static int teardown(void **state)
{
	wgr_handshakes_destroy(*state);
	return 0;
}

/*
 * An answer knows the relay's mac2 on the initiation, and whether it is the
 * first response from the target's binding or the route's end.
 */
static void test_answer_flags(void **state)
{
	struct wgr_handshakes *hss = *state;
	struct wgr_answer a;

	assert_int_equal(wgr_handshake_record(hss, 7, mac1, &laptop, &home, fwd, 3,
					      WGR_HS_MAC2 | WGR_HS_DIRECT), 0);
	assert_int_equal(wgr_handshake_answer(hss, 7, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(a.mac2);
	assert_true(a.direct);
	/* The scan worker's look again at it: still the first. */
	assert_int_equal(wgr_handshake_answer(hss, 7, &fwd[0], WGR_ANSWER_PEEK, &a), 0);
	assert_true(a.direct);
	/*
	 * A second response from there is not the target's answer: a squatter
	 * of a stale binding sends two (helper-98).
	 */
	assert_int_equal(wgr_handshake_answer(hss, 7, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(a.mac2);
	assert_false(a.direct);
	assert_int_equal(wgr_handshake_answer(hss, 7, &fwd[1], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(a.mac2);
	assert_false(a.direct);
	/* Sent to candidates alone: nobody's answer is the target's binding's. */
	assert_int_equal(wgr_handshake_record(hss, 8, mac1, &laptop, &home, fwd + 1, 2, WGR_HS_MAC2),
			 0);
	assert_int_equal(wgr_handshake_answer(hss, 8, &fwd[1], WGR_ANSWER_RESPONSE, &a), 0);
	assert_false(a.direct);
	/* Without the relay's mac2. */
	assert_int_equal(wgr_handshake_record(hss, 9, mac1, &laptop, &home, fwd, 1, WGR_HS_DIRECT),
			 0);
	assert_int_equal(wgr_handshake_answer(hss, 9, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_false(a.mac2);
	assert_true(a.direct);
}

/*
 * helper-98: a candidate that saw a copy of the laptop's retry sends it, or an
 * initiation of its own on the same index, back "from" the laptop's endpoint.
 * It cannot carry the relay's mac2 (the relay wrote its own over the copy),
 * and the relay sends it to home's binding alone. It replaced the retry's
 * record: home's answer then met the budget for anyone's answers, and a
 * candidate's answer (home, moved there) was refused. Now a repeat that would
 * take a live record's mac2 away is refused; any other replaces the record as
 * before (helper-99: a client that counts its indices up would otherwise find
 * the indices an attacker spoofed ahead of it held). After the record's
 * lifetime, a repeat is a record of its own.
 */
static void test_repeat_keeps_record(void **state)
{
	struct wgr_handshakes *hss = *state;
	struct wgr_answer a;

	assert_int_equal(wgr_handshake_record(hss, 21, mac1, &laptop, &home, fwd, 3,
					      WGR_HS_MAC2 | WGR_HS_DIRECT), 0);
	assert_int_equal(wgr_handshake_record(hss, 21, mac1, &laptop, &home, fwd, 1, WGR_HS_DIRECT),
			 -EEXIST);
	assert_int_equal(wgr_handshake_answer(hss, 21, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(a.mac2);
	assert_int_equal(wgr_handshake_answer(hss, 21, &fwd[2], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(a.mac2);
	/* The same index from elsewhere is another initiator's record. */
	assert_int_equal(wgr_handshake_record(hss, 21, mac1, &fwd[1], &home, fwd, 1, 0), 0);
	/* A repeat with the relay's mac2 (the network's duplicate) replaces it. */
	assert_int_equal(wgr_handshake_record(hss, 21, mac1, &laptop, &home, fwd, 3,
					      WGR_HS_MAC2 | WGR_HS_DIRECT), 0);
	/*
	 * Without mac2 on either, the later one replaces the earlier: a spoof on
	 * an index a client will use next, then the client's own try.
	 */
	assert_int_equal(wgr_handshake_record(hss, 22, mac1, &laptop, &home, fwd, 1, 0), 0);
	assert_int_equal(wgr_handshake_record(hss, 22, mac1, &laptop, &home, fwd, 1, WGR_HS_DIRECT),
			 0);
	assert_int_equal(wgr_handshake_answer(hss, 22, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(a.direct);
	/* After the record's lifetime, a repeat is a record of its own. */
	jiffies += WGR_HANDSHAKE_TIMEOUT + 1;
	assert_int_equal(wgr_handshake_record(hss, 21, mac1, &laptop, &home, fwd, 1, 0), 0);
	assert_int_equal(wgr_handshake_answer(hss, 21, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_false(a.mac2);
	assert_int_equal(wgr_handshake_answer(hss, 21, &fwd[2], WGR_ANSWER_RESPONSE, &a), -ENOENT);
}

/*
 * helper-99: records that share a sender index, from two initiators in the
 * same jiffy (a candidate's replay of a copy, from a socket of its own): the
 * target's answer goes to the oldest, the genuine one.
 */
static void test_oldest_same_jiffy(void **state)
{
	struct wgr_handshakes *hss = *state;
	struct wgr_answer a;

	assert_int_equal(wgr_handshake_record(hss, 40, mac1, &laptop, &home, fwd, 2,
					      WGR_HS_MAC2 | WGR_HS_DIRECT), 0);
	assert_int_equal(wgr_handshake_record(hss, 40, mac1, &fwd[1], &home, fwd, 1, 0), 0);
	assert_int_equal(wgr_handshake_answer(hss, 40, &fwd[0], WGR_ANSWER_RESPONSE, &a), 0);
	assert_true(wgr_endpoint_eq(&a.initiator, &laptop));
	assert_true(a.mac2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_keeps_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oldest_same_jiffy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
