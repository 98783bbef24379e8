/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_NETLINK_H
#define RELAYCTL_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "config.h"

/* The rtnl_link kind of relay devices (ip link add NAME type wgrelay). */
#define WGRELAY_LINK_KIND "wgrelay"

struct nl_sock;
struct nl_cb;

/*
 * One netlink socket and its reply state. A request runs until the kernel's
 * ACK, DONE or error; an error's extack message lands in last_error().
 */
struct nlctx {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;		/* generic netlink family id, for NETLINK_GENERIC */
	int status;		/* 1 while waiting, 0 done, -errno on error */
	bool intr;		/* a dump reply carried NLM_F_DUMP_INTR */
	char extack[512];
	void *arg;		/* what the reply parser fills in */
};

struct wgr_session {
	uint32_t index;
	uint8_t owner[WGRELAY_KEY_LEN];
	uint8_t counterpart[WGRELAY_KEY_LEN];
	union wgr_sockaddr endpoint;
	struct wgr_local local;	/* the relay's address the owner reached it at */
	bool confirmed;
	bool initiator;		/* the initiator's half of its pair */
	bool leaked;
	uint32_t counterpart_index;
	uint64_t last_seen, counter, packets, bytes;
};

/* What WGRELAY_CMD_RESTORE did: its reply, by WGRELAY_RESTORED_A_*. */
struct restore_result {
	uint32_t count[WGRELAY_RESTORED_A_MAX + 1];
	/* skipped by relayctl itself: an endpoint RESTORE refuses (state.c) */
	uint32_t bad_endpoint;
};

struct relay_state;

struct session_list {
	struct wgr_session *items;
	size_t n, cap;
	bool inexact;	/* the table kept changing during every try of the dump */
};

int nlctx_open(struct nlctx *ctx, int protocol);
void nlctx_close(struct nlctx *ctx);

int wgr_get_device(struct nlctx *ctx, const char *ifname, struct wgr_device *dev);
int wgr_set_device(struct nlctx *ctx, const char *ifname, const struct wgr_device *conf);
int wgr_get_sessions(struct nlctx *ctx, const char *ifname, struct session_list *list);
int wgr_flush(struct nlctx *ctx, const char *ifname, uint32_t mask);
int wgr_restore(struct nlctx *ctx, const char *ifname, const struct relay_state *st,
		const bool *skip_pair, const bool *skip_binding, struct restore_result *res);

/* rtnetlink, on a NETLINK_ROUTE context */
int link_list_kind(struct nlctx *ctx, const char *kind, char (**names)[IF_NAMESIZE],
		   size_t *n);
int link_kind(struct nlctx *ctx, const char *ifname, char *kind, size_t len);
int link_add(struct nlctx *ctx, const char *ifname, const char *kind);
int link_del(struct nlctx *ctx, const char *ifname);
int link_set_up(struct nlctx *ctx, const char *ifname);

#endif
