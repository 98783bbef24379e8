// SPDX-License-Identifier: GPL-2.0
/*
 * relayctl's dump loop against a scripted kernel: retries on NLM_F_DUMP_INTR,
 * what a sessions dump keeps when the retries run out (and a peers dump does
 * not), and errors that arrive in NLMSG_DONE. libnl's socket calls are wrapped
 * (-Wl,--wrap): nothing is sent, and each nl_recvmsgs() delivers one scripted
 * reply to the callbacks relayctl registered.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "error.h"
#include "netlink.h"

#define FAMILY 42

/* The callbacks relayctl set, by type. */
static struct {
	nl_recvmsg_msg_cb_t func;
	void *arg;
} cbs[NL_CB_TYPE_MAX + 1];

/* The script: how the kernel answers each try. */
static struct {
	int tries;		/* requests sent so far */
	int intr_tries;		/* the first this many replies are flagged interrupted */
	int done_errno;		/* NLMSG_DONE carries this (negative) errno */
	const char *done_msg;	/* and this extack message */
	uint8_t cmd;
} k;

int __real_nl_cb_set(struct nl_cb *, enum nl_cb_type, enum nl_cb_kind, nl_recvmsg_msg_cb_t,
		     void *);

int __wrap_nl_cb_set(struct nl_cb *cb, enum nl_cb_type type, enum nl_cb_kind kind,
		     nl_recvmsg_msg_cb_t func, void *arg)
{
	cbs[type].func = kind == NL_CB_CUSTOM ? func : NULL;
	cbs[type].arg = arg;
	return __real_nl_cb_set(cb, type, kind, func, arg);
}

int __wrap_genl_connect(struct nl_sock *sk)
{
	(void)sk;
	return 0;
}

int __wrap_genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
	(void)sk;
	(void)name;
	return FAMILY;
}

int __wrap_nl_send_auto(struct nl_sock *sk, struct nl_msg *msg)
{
	(void)sk;
	k.cmd = ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd;
	k.tries++;
	return 1;
}

static void deliver(enum nl_cb_type type, struct nl_msg *msg)
{
	if (cbs[type].func)
		cbs[type].func(msg, cbs[type].arg);
	nlmsg_free(msg);
}

/* One message of the dump: for sessions one session whose index is the try number. */
static struct nl_msg *reply(bool intr)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *list, *one;
	uint8_t key[WGRELAY_KEY_LEN] = { 1 };

	genlmsg_put(msg, 0, 0, FAMILY, 0, NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0), k.cmd, 1);
	nla_put_u32(msg, WGRELAY_A_IFINDEX, 1);
	nla_put_string(msg, WGRELAY_A_IFNAME, "lo");
	if (k.cmd == WGRELAY_CMD_GET_SESSIONS) {
		list = nla_nest_start(msg, WGRELAY_A_SESSIONS);
		one = nla_nest_start(msg, 0);
		nla_put_u32(msg, WGRELAY_SESSION_A_RECEIVER_INDEX, k.tries);
		nla_put(msg, WGRELAY_SESSION_A_OWNER, sizeof(key), key);
		nla_put(msg, WGRELAY_SESSION_A_COUNTERPART, sizeof(key), key);
		nla_nest_end(msg, one);
		nla_nest_end(msg, list);
	} else {
		nla_put_u32(msg, WGRELAY_A_GENERATION, 7);
		nla_put_u16(msg, WGRELAY_A_LISTEN_PORT, 51820);
	}
	return msg;
}

static struct nl_msg *done(bool intr)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;
	int err = k.done_errno;

	nlh = nlmsg_put(msg, 0, 0, NLMSG_DONE, sizeof(err), NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0));
	memcpy(nlmsg_data(nlh), &err, sizeof(err));
	if (k.done_msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		nla_put_string(msg, NLMSGERR_ATTR_MSG, k.done_msg);
	}
	return msg;
}

/* A whole dump reply per call, as the kernel would send for a small table. */
int __wrap_nl_recvmsgs(struct nl_sock *sk, struct nl_cb *cb)
{
	bool intr = k.tries <= k.intr_tries;
	struct nl_msg *msg;

	(void)sk;
	(void)cb;
	if (!k.done_errno) {
		msg = reply(intr);
		/* libnl calls NL_CB_DUMP_INTR, then NL_CB_VALID, for a flagged message. */
		if (intr && cbs[NL_CB_DUMP_INTR].func)
			cbs[NL_CB_DUMP_INTR].func(msg, cbs[NL_CB_DUMP_INTR].arg);
		deliver(NL_CB_VALID, msg);
	}
	msg = done(intr);
	if (intr && cbs[NL_CB_DUMP_INTR].func)
		cbs[NL_CB_DUMP_INTR].func(msg, cbs[NL_CB_DUMP_INTR].arg);
	deliver(NL_CB_FINISH, msg);
	return 0;
}

static struct nlctx ctx;

static int setup(void **state)
{
	(void)state;
	memset(&k, 0, sizeof(k));
	memset(cbs, 0, sizeof(cbs));
	return nlctx_open(&ctx, NETLINK_GENERIC);
}

static int teardown(void **state)
{
	(void)state;
	nlctx_close(&ctx);
	return 0;
}

/*
 * A sessions dump whose first @intr replies are flagged interrupted: it returns
 * 0 after @tries requests, with the one session of the last reply only.
 */
static void expect_sessions(int intr, int tries, bool inexact)
{
	struct session_list list;

	k.intr_tries = intr;
	assert_int_equal(wgr_get_sessions(&ctx, "lo", &list), 0);
	assert_int_equal(k.tries, tries);
	assert_int_equal(list.n, 1);
	assert_int_equal(list.items[0].index, tries);
	assert_int_equal(list.inexact, inexact);
	free(list.items);
}

static void sessions_clean(void **state)
{
	(void)state;
	expect_sessions(0, 1, false);
}

static void sessions_retried(void **state)
{
	(void)state;
	expect_sessions(3, 4, false);
}

/* Kept, with the warning flag, once the 10 tries are used up. */
static void sessions_never_still(void **state)
{
	(void)state;
	expect_sessions(1000, 10, true);
}

static void peers_never_still(void **state)
{
	struct wgr_device dev;

	(void)state;
	k.intr_tries = 1000;
	assert_int_equal(wgr_get_device(&ctx, "lo", &dev), -EAGAIN);
	assert_int_equal(k.tries, 10);
	assert_non_null(strstr(last_error(), "kept changing"));
	device_free(&dev);
}

static void peers_retried(void **state)
{
	struct wgr_device dev;

	(void)state;
	k.intr_tries = 2;
	assert_int_equal(wgr_get_device(&ctx, "lo", &dev), 0);
	assert_int_equal(k.tries, 3);
	assert_int_equal(dev.listen_port, 51820);
	device_free(&dev);
}

static void error_in_done(void **state)
{
	struct session_list list;
	struct wgr_device dev;

	(void)state;
	k.done_errno = -EOPNOTSUPP;
	k.done_msg = "wgrelay: not a wgrelay device";
	assert_int_equal(wgr_get_sessions(&ctx, "lo", &list), -EOPNOTSUPP);
	assert_non_null(strstr(last_error(), "wgrelay: not a wgrelay device"));
	free(list.items);
	k.done_msg = NULL;
	assert_int_equal(wgr_get_device(&ctx, "lo", &dev), -EOPNOTSUPP);
	assert_string_equal(last_error(), strerror(EOPNOTSUPP));
	device_free(&dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sessions_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_never_still, setup, teardown),
		cmocka_unit_test_setup_teardown(peers_never_still, setup, teardown),
		cmocka_unit_test_setup_teardown(peers_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(error_in_done, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
