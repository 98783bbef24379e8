// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to the kernel: the wgrelay generic netlink family, and rtnetlink for
 * creating, listing and deleting relay links. In the manner of ovpn-cli: one
 * context, extended ACKs on, callbacks that record the outcome and a receive
 * loop that runs until it is known.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "error.h"
#include "netlink.h"
#include "state.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Peers per SET_DEVICE message, in bytes: far below the u16 nest length. */
#define SET_BUDGET	(32 * 1024)
#define SET_MSG_SIZE	(SET_BUDGET + 64 * 1024)
#define DUMP_RETRIES	10

static int libnl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_PERM:
		return EPERM;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return ENODEV;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	case NLE_EXIST:
		return EEXIST;
	case NLE_BUSY:
		return EBUSY;
	case NLE_INVAL:
		return EINVAL;
	default:
		return EIO;
	}
}

/* The extack message among the TLVs at @off in @nlh (NLM_F_ACK_TLVS), if any. */
static void take_extack(struct nlctx *ctx, struct nlmsghdr *nlh, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t len = nlh->nlmsg_len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= off)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off), (int)(len - off),
		      NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ctx->extack, sizeof(ctx->extack), "%.*s",
			 (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
				      nla_len(tb[NLMSGERR_ATTR_MSG])),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

/*
 * The error a reply carries, as run() reports it: a negative errno (the kernel's
 * are at most MAX_ERRNO, 4095). Anything else is no errno at all, and negating
 * INT_MIN to print it would be undefined: the reply is malformed.
 */
static int reply_errno(int err)
{
	return err < 0 && err >= -4095 ? err : -EPROTO;
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;
	struct nlctx *ctx = arg;
	size_t ack_len;

	(void)nla;
	ctx->status = reply_errno(err->error);
	ack_len = sizeof(*nlh) + sizeof(int) + sizeof(*nlh);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/*
		 * The whole request is echoed: its length is read from the reply,
		 * so it is checked like any other. One that does not fit leaves no
		 * room for TLVs (and once made the offset negative).
		 */
		if (err->msg.nlmsg_len < sizeof(*nlh) || err->msg.nlmsg_len > nlh->nlmsg_len)
			return NL_STOP;
		ack_len = NLMSG_ALIGN(ack_len + err->msg.nlmsg_len - sizeof(*nlh));
	}
	take_extack(ctx, nlh, ack_len);
	return NL_STOP;
}

/*
 * An ACK, or the NLMSG_DONE that ends a dump. A dump that fails after it began
 * (the device went away, or, before Linux 6.2, any failure to find the device)
 * ends with a DONE that carries the negative errno and the extack TLVs: libnl
 * calls NL_CB_FINISH for it all the same, so the error must be read here.
 */
static int cb_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlctx *ctx = arg;
	int err = 0;

	if (ctx->status != 1)
		return NL_STOP;
	if (nlh->nlmsg_type == NLMSG_DONE && nlmsg_datalen(nlh) >= (int)sizeof(err))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0) {
		ctx->status = reply_errno(err);
		take_extack(ctx, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err)));
	} else {
		ctx->status = 0;
	}
	return NL_STOP;
}

static int cb_intr(struct nl_msg *msg, void *arg)
{
	struct nlctx *ctx = arg;

	(void)msg;
	ctx->intr = true;
	return NL_OK;
}

/**
 * nlctx_open - connect a netlink socket, resolving the wgrelay family for genl
 * Return: 0 or a negative errno with last_error() set.
 */
int nlctx_open(struct nlctx *ctx, int protocol)
{
	int one = 1, ret;

	memset(ctx, 0, sizeof(*ctx));
	ctx->sk = nl_socket_alloc();
	ctx->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ctx->sk || !ctx->cb) {
		set_error("%s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto err;
	}
	ret = protocol == NETLINK_GENERIC ? genl_connect(ctx->sk) : nl_connect(ctx->sk, protocol);
	if (ret) {
		set_error("netlink socket: %s", nl_geterror(ret));
		ret = -libnl_errno(ret);
		goto err;
	}
	/* Without these the kernel's reason for a rejection never reaches us. */
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Large dump replies (up to 32 KiB each) and SET_DEVICE requests. */
	nl_socket_set_buffer_size(ctx->sk, 1 << 20, 1 << 20);
	nl_socket_set_msg_buf_size(ctx->sk, 64 * 1024);
	nl_socket_enable_msg_peek(ctx->sk);

	nl_cb_err(ctx->cb, NL_CB_CUSTOM, cb_error, ctx);
	nl_cb_set(ctx->cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_done, ctx);
	nl_cb_set(ctx->cb, NL_CB_ACK, NL_CB_CUSTOM, cb_done, ctx);
	nl_cb_set(ctx->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_intr, ctx);

	if (protocol == NETLINK_GENERIC) {
		ctx->family = genl_ctrl_resolve(ctx->sk, WGRELAY_GENL_NAME);
		if (ctx->family < 0) {
			set_error("the wgrelay kernel module is not loaded (no generic netlink family '%s')",
				  WGRELAY_GENL_NAME);
			ret = -ENOENT;
			goto err;
		}
	}
	return 0;
err:
	nlctx_close(ctx);
	return ret;
}

void nlctx_close(struct nlctx *ctx)
{
	nl_cb_put(ctx->cb);
	nl_socket_free(ctx->sk);
	ctx->cb = NULL;
	ctx->sk = NULL;
}

/* Sends @msg (and frees it), then reads replies into @parse until ACK/DONE/error. */
static int run(struct nlctx *ctx, struct nl_msg *msg, nl_recvmsg_msg_cb_t parse, void *arg)
{
	int ret;

	ctx->status = 1;
	ctx->intr = false;
	ctx->extack[0] = '\0';
	ctx->arg = arg;
	nl_cb_set(ctx->cb, NL_CB_VALID, parse ? NL_CB_CUSTOM : NL_CB_DEFAULT, parse, ctx);
	ret = nl_send_auto(ctx->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		set_error("sending to the kernel: %s", nl_geterror(ret));
		return -libnl_errno(ret);
	}
	while (ctx->status == 1) {
		ret = nl_recvmsgs(ctx->sk, ctx->cb);
		if (ret < 0 && ctx->status == 1) {
			snprintf(ctx->extack, sizeof(ctx->extack), "%s", nl_geterror(ret));
			ctx->status = -libnl_errno(ret);
		}
	}
	if (!ctx->status)
		return 0;
	if (-ctx->status == EPERM || -ctx->status == EACCES)
		set_error("%s%s%s (relayctl needs CAP_NET_ADMIN)", strerror(-ctx->status),
			  ctx->extack[0] ? ": " : "", ctx->extack);
	else
		set_error("%s%s%s", strerror(-ctx->status), ctx->extack[0] ? ": " : "",
			  ctx->extack);
	return ctx->status;
}

static int check_ifname(const char *ifname)
{
	if (strlen(ifname) >= IF_NAMESIZE) {
		set_error("device name too long");
		return -EINVAL;
	}
	if (!if_nametoindex(ifname)) {
		set_error("no such device");
		return -ENODEV;
	}
	return 0;
}

static struct nl_msg *genl_request(struct nlctx *ctx, const char *ifname, uint8_t cmd, int flags)
{
	/* SET_DEVICE and RESTORE messages are filled up to SET_BUDGET. */
	bool big = cmd == WGRELAY_CMD_SET_DEVICE || cmd == WGRELAY_CMD_RESTORE;
	struct nl_msg *msg = nlmsg_alloc_size(big ? SET_MSG_SIZE : 4096);

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family, 0,
				 NLM_F_REQUEST | NLM_F_ACK | flags, cmd, WGRELAY_GENL_VERSION) ||
	    nla_put_string(msg, WGRELAY_A_IFNAME, ifname)) {
		nlmsg_free(msg);
		set_error("%s", strerror(ENOMEM));
		return NULL;
	}
	return msg;
}

/* Attribute readers that check the length the kernel sent. */
static bool get_u8(struct nlattr *a, uint8_t *v)
{
	if (!a || nla_len(a) < 1)
		return false;
	*v = nla_get_u8(a);
	return true;
}

static bool get_u32(struct nlattr *a, uint32_t *v)
{
	if (!a || nla_len(a) < 4)
		return false;
	*v = nla_get_u32(a);
	return true;
}

static bool get_u64(struct nlattr *a, uint64_t *v)
{
	if (!a || nla_len(a) < 8)
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

static void get_sockaddr(struct nlattr *a, union wgr_sockaddr *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (!a || (size_t)nla_len(a) < sizeof(ep->sa))
		return;
	if ((nla_len(a) == sizeof(ep->in) && ((struct sockaddr *)nla_data(a))->sa_family == AF_INET) ||
	    (nla_len(a) == sizeof(ep->in6) && ((struct sockaddr *)nla_data(a))->sa_family == AF_INET6))
		memcpy(ep, nla_data(a), nla_len(a));
}

static void get_local(struct nlattr *a, struct wgr_local *local)
{
	memset(local, 0, sizeof(*local));
	if (a && (nla_len(a) == 4 || nla_len(a) == 16)) {
		memcpy(local->addr, nla_data(a), nla_len(a));
		local->len = nla_len(a);
	}
}

/* A peer's refusals by reason; reasons this tool does not know are skipped. */
static void get_refused(struct nlattr *nest, uint64_t *refused)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int reason = nla_type(a);

		if (reason > WGRELAY_REFUSED_NONE && reason < __WGRELAY_REFUSED_MAX)
			get_u64(a, &refused[reason]);
	}
}

static int parse_peer(struct wgr_device *dev, struct nlattr *nest)
{
	struct nlattr *tb[WGRELAY_PEER_A_MAX + 1], *a;
	struct wgr_peer *p;
	size_t n;

	if (nla_parse_nested(tb, WGRELAY_PEER_A_MAX, nest, NULL) ||
	    !tb[WGRELAY_PEER_A_PUBLIC_KEY] || nla_len(tb[WGRELAY_PEER_A_PUBLIC_KEY]) != WGRELAY_KEY_LEN)
		return -EPROTO;
	/* A peer split across two messages comes back with the same key: merge it. */
	p = dev->n_peers ? &dev->peers[dev->n_peers - 1] : NULL;
	if (!p || memcmp(p->key, nla_data(tb[WGRELAY_PEER_A_PUBLIC_KEY]), WGRELAY_KEY_LEN)) {
		p = device_add_peer(dev);
		if (!p)
			return -ENOMEM;
		memcpy(p->key, nla_data(tb[WGRELAY_PEER_A_PUBLIC_KEY]), WGRELAY_KEY_LEN);
	}
	a = tb[WGRELAY_PEER_A_NAME];
	if (a && nla_len(a) > 0)
		snprintf(p->name, sizeof(p->name), "%.*s",
			 (int)strnlen(nla_data(a), nla_len(a)), (char *)nla_data(a));
	if (tb[WGRELAY_PEER_A_ENDPOINT])
		get_sockaddr(tb[WGRELAY_PEER_A_ENDPOINT], &p->endpoint);
	a = tb[WGRELAY_PEER_A_ALLOWED_PEERS];
	if (a && (n = nla_len(a) / WGRELAY_KEY_LEN)) {
		void *grown = realloc(p->allowed, (p->n_allowed + n) * WGRELAY_KEY_LEN);

		if (!grown)
			return -ENOMEM;
		p->allowed = grown;
		memcpy(p->allowed[p->n_allowed], nla_data(a), n * WGRELAY_KEY_LEN);
		p->n_allowed += n;
	}
	if (p->name[0])
		p->set |= PEER_HAS_NAME;
	if (p->endpoint.sa.sa_family)
		p->set |= PEER_HAS_ENDPOINT;
	if (p->n_allowed)
		p->set |= PEER_HAS_ALLOWED;
	get_u8(tb[WGRELAY_PEER_A_BINDING_STATE], &p->binding_state);
	get_u8(tb[WGRELAY_PEER_A_BINDING_STATUS], &p->binding_status);
	get_u8(tb[WGRELAY_PEER_A_BINDING_CONFLICT], &p->binding_conflict);
	get_u8(tb[WGRELAY_PEER_A_BINDING_PROVEN], &p->binding_proven);
	get_u64(tb[WGRELAY_PEER_A_BINDINGS_KEPT], &p->bindings_kept);
	if (tb[WGRELAY_PEER_A_REFUSED])
		get_refused(tb[WGRELAY_PEER_A_REFUSED], p->refused);
	if (tb[WGRELAY_PEER_A_BINDING_ENDPOINT])
		get_sockaddr(tb[WGRELAY_PEER_A_BINDING_ENDPOINT], &p->binding);
	if (tb[WGRELAY_PEER_A_BINDING_LOCAL])
		get_local(tb[WGRELAY_PEER_A_BINDING_LOCAL], &p->binding_local);
	get_u64(tb[WGRELAY_PEER_A_LAST_SEEN], &p->last_seen);
	get_u64(tb[WGRELAY_PEER_A_RX_PACKETS], &p->rx_packets);
	get_u64(tb[WGRELAY_PEER_A_RX_BYTES], &p->rx_bytes);
	get_u64(tb[WGRELAY_PEER_A_TX_PACKETS], &p->tx_packets);
	get_u64(tb[WGRELAY_PEER_A_TX_BYTES], &p->tx_bytes);
	get_u64(tb[WGRELAY_PEER_A_HANDSHAKES], &p->handshakes);
	get_u32(tb[WGRELAY_PEER_A_NUM_SESSIONS], &p->num_sessions);
	return 0;
}

static int parse_device(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[WGRELAY_A_MAX + 1], *a;
	struct nlctx *ctx = arg;
	struct wgr_device *dev = ctx->arg;
	bool continued = dev->ifindex != 0;	/* every message names the device */
	uint32_t gen = 0;
	uint8_t roaming, fast_path;
	int rem, ret;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WGRELAY_A_MAX, NULL))
		goto proto;
	if (get_u32(tb[WGRELAY_A_GENERATION], &gen) && continued && gen != dev->generation)
		ctx->intr = true;	/* peers changed between two messages of the dump */
	dev->generation = gen;
	get_u32(tb[WGRELAY_A_IFINDEX], &dev->ifindex);
	if (tb[WGRELAY_A_LISTEN_PORT] && nla_len(tb[WGRELAY_A_LISTEN_PORT]) >= 2) {
		dev->listen_port = nla_get_u16(tb[WGRELAY_A_LISTEN_PORT]);
		dev->set |= DEV_HAS_LISTEN_PORT;
	}
	if (get_u32(tb[WGRELAY_A_SESSION_TIMEOUT], &dev->session_timeout))
		dev->set |= DEV_HAS_SESSION_TIMEOUT;
	if (get_u32(tb[WGRELAY_A_BINDING_TIMEOUT], &dev->binding_timeout))
		dev->set |= DEV_HAS_BINDING_TIMEOUT;
	if (get_u32(tb[WGRELAY_A_MAX_SESSIONS], &dev->max_sessions))
		dev->set |= DEV_HAS_MAX_SESSIONS;
	if (get_u32(tb[WGRELAY_A_DISCOVERY_FANOUT], &dev->fanout))
		dev->set |= DEV_HAS_FANOUT;
	if (get_u8(tb[WGRELAY_A_ROAMING], &roaming)) {
		dev->roaming = roaming;
		dev->set |= DEV_HAS_ROAMING;
	}
	if (get_u8(tb[WGRELAY_A_FAST_PATH], &fast_path)) {
		dev->fast_path = fast_path;
		dev->set |= DEV_HAS_FAST_PATH;
	}
	get_u32(tb[WGRELAY_A_NUM_PEERS], &dev->num_peers);
	get_u32(tb[WGRELAY_A_NUM_SESSIONS], &dev->num_sessions);
	if (tb[WGRELAY_A_STATS]) {
		dev->has_stats = true;
		nla_for_each_nested(a, tb[WGRELAY_A_STATS], rem) {
			int stat = nla_type(a) - WGRELAY_STATS_A_FIRST_COUNTER;

			/* Counters newer than this tool are skipped. */
			if (stat >= 0 && stat < __WGRELAY_STAT_MAX)
				get_u64(a, &dev->stats[stat]);
		}
	}
	if (tb[WGRELAY_A_PEERS]) {
		nla_for_each_nested(a, tb[WGRELAY_A_PEERS], rem) {
			ret = parse_peer(dev, a);
			if (ret == -ENOMEM) {
				ctx->status = ret;
				return NL_STOP;
			}
			if (ret)
				goto proto;
		}
	}
	return NL_OK;
proto:
	snprintf(ctx->extack, sizeof(ctx->extack), "malformed reply from the kernel");
	ctx->status = -EPROTO;
	return NL_STOP;
}

/*
 * Runs a dump again while the kernel says it was interrupted by a change
 * (NLM_F_DUMP_INTR). When the retries run out, a dump that may be inexact
 * (@inexact_ok) keeps what the last try read and returns 0 with ctx->intr set;
 * any other fails with -EAGAIN.
 */
static int dump(struct nlctx *ctx, const char *ifname, uint8_t cmd, nl_recvmsg_msg_cb_t parse,
		void *arg, void (*reset)(void *arg), bool inexact_ok)
{
	int ret, tries;

	ret = check_ifname(ifname);
	if (ret)
		return ret;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		struct nl_msg *msg = genl_request(ctx, ifname, cmd, NLM_F_DUMP);

		if (!msg)
			return -ENOMEM;
		reset(arg);
		ret = run(ctx, msg, parse, arg);
		if (ret || !ctx->intr)
			return ret;
	}
	if (inexact_ok)
		return 0;
	set_error("the device kept changing during the dump; try again");
	return -EAGAIN;
}

static void reset_device(void *arg)
{
	struct wgr_device *dev = arg;
	char ifname[IF_NAMESIZE];

	memcpy(ifname, dev->ifname, sizeof(ifname));
	device_free(dev);
	memset(dev, 0, sizeof(*dev));
	memcpy(dev->ifname, ifname, sizeof(ifname));
}

/**
 * wgr_get_device - dump one relay device and all its peers into @dev
 * Return: 0 or a negative errno with last_error() set.
 */
int wgr_get_device(struct nlctx *ctx, const char *ifname, struct wgr_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	/* Peers change only when configured: a dump that keeps changing is an error. */
	return dump(ctx, ifname, WGRELAY_CMD_GET_DEVICE, parse_device, dev, reset_device, false);
}

static int parse_sessions(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[WGRELAY_A_MAX + 1], *st[WGRELAY_SESSION_A_MAX + 1], *a;
	struct nlctx *ctx = arg;
	struct session_list *list = ctx->arg;
	struct wgr_session *s;
	uint8_t confirmed = 0, flag;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WGRELAY_A_MAX, NULL))
		goto proto;
	if (!tb[WGRELAY_A_SESSIONS])
		return NL_OK;
	nla_for_each_nested(a, tb[WGRELAY_A_SESSIONS], rem) {
		if (nla_parse_nested(st, WGRELAY_SESSION_A_MAX, a, NULL) ||
		    !st[WGRELAY_SESSION_A_OWNER] || !st[WGRELAY_SESSION_A_COUNTERPART] ||
		    nla_len(st[WGRELAY_SESSION_A_OWNER]) != WGRELAY_KEY_LEN ||
		    nla_len(st[WGRELAY_SESSION_A_COUNTERPART]) != WGRELAY_KEY_LEN)
			goto proto;
		if (list->n == list->cap) {
			size_t cap = list->cap ? 2 * list->cap : 64;
			void *grown = realloc(list->items, cap * sizeof(*list->items));

			if (!grown) {
				ctx->status = -ENOMEM;
				return NL_STOP;
			}
			list->items = grown;
			list->cap = cap;
		}
		s = &list->items[list->n++];
		memset(s, 0, sizeof(*s));
		get_u32(st[WGRELAY_SESSION_A_RECEIVER_INDEX], &s->index);
		memcpy(s->owner, nla_data(st[WGRELAY_SESSION_A_OWNER]), WGRELAY_KEY_LEN);
		memcpy(s->counterpart, nla_data(st[WGRELAY_SESSION_A_COUNTERPART]), WGRELAY_KEY_LEN);
		get_sockaddr(st[WGRELAY_SESSION_A_ENDPOINT], &s->endpoint);
		get_local(st[WGRELAY_SESSION_A_LOCAL], &s->local);
		get_u8(st[WGRELAY_SESSION_A_CONFIRMED], &confirmed);
		s->confirmed = confirmed;
		get_u64(st[WGRELAY_SESSION_A_LAST_SEEN], &s->last_seen);
		get_u64(st[WGRELAY_SESSION_A_COUNTER], &s->counter);
		get_u64(st[WGRELAY_SESSION_A_PACKETS], &s->packets);
		get_u64(st[WGRELAY_SESSION_A_BYTES], &s->bytes);
		/* A module older than RESTORE sends none of these: nothing is saved. */
		flag = 0;
		get_u8(st[WGRELAY_SESSION_A_INITIATOR], &flag);
		s->initiator = flag;
		flag = 0;
		get_u8(st[WGRELAY_SESSION_A_LEAKED], &flag);
		s->leaked = flag;
		get_u32(st[WGRELAY_SESSION_A_COUNTERPART_INDEX], &s->counterpart_index);
	}
	return NL_OK;
proto:
	snprintf(ctx->extack, sizeof(ctx->extack), "malformed reply from the kernel");
	ctx->status = -EPROTO;
	return NL_STOP;
}

static void reset_sessions(void *arg)
{
	struct session_list *list = arg;

	list->n = 0;
}

/**
 * wgr_get_sessions - dump the session table of the relay @ifname into @list
 *
 * On a busy relay sessions come and go all the time, and the dump may be flagged
 * interrupted on every try. Then @list holds what the last try read and
 * list->inexact is set: the caller shows it with a warning rather than nothing.
 * Return: 0 or a negative errno with last_error() set.
 */
int wgr_get_sessions(struct nlctx *ctx, const char *ifname, struct session_list *list)
{
	int ret;

	memset(list, 0, sizeof(*list));
	ret = dump(ctx, ifname, WGRELAY_CMD_GET_SESSIONS, parse_sessions, list, reset_sessions,
		   true);
	list->inexact = !ret && ctx->intr;
	return ret;
}

static int put_settings(struct nl_msg *msg, const struct wgr_device *conf)
{
	int ret = 0;

	if (conf->set & DEV_HAS_LISTEN_PORT)
		ret |= nla_put_u16(msg, WGRELAY_A_LISTEN_PORT, conf->listen_port);
	if (conf->set & DEV_HAS_SESSION_TIMEOUT)
		ret |= nla_put_u32(msg, WGRELAY_A_SESSION_TIMEOUT, conf->session_timeout);
	if (conf->set & DEV_HAS_BINDING_TIMEOUT)
		ret |= nla_put_u32(msg, WGRELAY_A_BINDING_TIMEOUT, conf->binding_timeout);
	if (conf->set & DEV_HAS_MAX_SESSIONS)
		ret |= nla_put_u32(msg, WGRELAY_A_MAX_SESSIONS, conf->max_sessions);
	if (conf->set & DEV_HAS_FANOUT)
		ret |= nla_put_u32(msg, WGRELAY_A_DISCOVERY_FANOUT, conf->fanout);
	if (conf->set & DEV_HAS_ROAMING)
		ret |= nla_put_u8(msg, WGRELAY_A_ROAMING, conf->roaming);
	if (conf->set & DEV_HAS_FAST_PATH)
		ret |= nla_put_u8(msg, WGRELAY_A_FAST_PATH, conf->fast_path);
	if (conf->replace_peers)
		ret |= nla_put_u32(msg, WGRELAY_A_FLAGS, WGRELAY_F_REPLACE_PEERS);
	return ret;
}

static int put_peer(struct nl_msg *msg, const struct wgr_peer *p)
{
	int ret = nla_put(msg, WGRELAY_PEER_A_PUBLIC_KEY, WGRELAY_KEY_LEN, p->key);

	if (p->remove)
		return ret | nla_put_u32(msg, WGRELAY_PEER_A_FLAGS, WGRELAY_PEER_F_REMOVE);
	/*
	 * NUL-terminated, as the module's NLA_NUL_STRING policy wants; so a cleared
	 * name is "" (one NUL byte), not the zero-length value the uapi comment says.
	 */
	if (p->set & PEER_HAS_NAME)
		ret |= nla_put_string(msg, WGRELAY_PEER_A_NAME, p->name);
	if (p->set & PEER_HAS_ENDPOINT)
		ret |= nla_put(msg, WGRELAY_PEER_A_ENDPOINT, endpoint_len(&p->endpoint),
			       &p->endpoint);
	if (p->set & PEER_HAS_ALLOWED)
		ret |= nla_put(msg, WGRELAY_PEER_A_ALLOWED_PEERS, p->n_allowed * WGRELAY_KEY_LEN,
			       p->allowed);
	return ret;
}

/**
 * wgr_set_device - apply @conf to the relay @ifname
 *
 * The kernel refuses oversized messages, so peers are spread over as many
 * SET_DEVICE requests as needed; only the first carries the device settings and
 * the replace-peers flag, so the later ones add to what it left.
 * Return: 0 or a negative errno with last_error() set.
 */
int wgr_set_device(struct nlctx *ctx, const char *ifname, const struct wgr_device *conf)
{
	size_t i = 0, sent = 0;
	bool first = true;
	int ret;

	ret = check_ifname(ifname);
	if (ret)
		return ret;
	do {
		struct nl_msg *msg = genl_request(ctx, ifname, WGRELAY_CMD_SET_DEVICE, 0);
		struct nlattr *peers = NULL, *nest;
		int index = 0;

		if (!msg)
			return -ENOMEM;
		if (first && put_settings(msg, conf))
			goto nomem;
		for (; i < conf->n_peers; i++) {
			const struct wgr_peer *p = &conf->peers[i];

			if (p->unchanged)
				continue;
			if (!peers && !(peers = nla_nest_start(msg, WGRELAY_A_PEERS | NLA_F_NESTED)))
				goto nomem;
			nest = nla_nest_start(msg, ++index | NLA_F_NESTED);
			if (!nest || put_peer(msg, p))
				goto nomem;
			nla_nest_end(msg, nest);
			if (index > 1 && nlmsg_hdr(msg)->nlmsg_len > SET_BUDGET) {
				/* Full: this peer starts the next message. */
				nla_nest_cancel(msg, nest);
				break;
			}
		}
		if (peers)
			nla_nest_end(msg, peers);
		ret = run(ctx, msg, NULL, NULL);
		if (ret) {
			if (sent)
				prefix_error("after %zu of %zu peers were applied: ", sent,
					     conf->n_peers);
			return ret;
		}
		sent = i;
		first = false;
		continue;
nomem:
		nlmsg_free(msg);
		set_error("peer too large for one netlink message");
		return -EMSGSIZE;
	} while (i < conf->n_peers);
	return 0;
}

int wgr_flush(struct nlctx *ctx, const char *ifname, uint32_t mask)
{
	struct nl_msg *msg;
	int ret;

	ret = check_ifname(ifname);
	if (ret)
		return ret;
	msg = genl_request(ctx, ifname, WGRELAY_CMD_FLUSH, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, WGRELAY_A_FLUSH, mask)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return run(ctx, msg, NULL, NULL);
}

static int parse_restored(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[WGRELAY_A_MAX + 1], *a;
	struct nlctx *ctx = arg;
	struct restore_result *res = ctx->arg;
	uint32_t v;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WGRELAY_A_MAX, NULL) ||
	    !tb[WGRELAY_A_RESTORED]) {
		snprintf(ctx->extack, sizeof(ctx->extack), "malformed reply from the kernel");
		ctx->status = -EPROTO;
		return NL_STOP;
	}
	nla_for_each_nested(a, tb[WGRELAY_A_RESTORED], rem) {
		/* Counts newer than this tool are skipped. */
		if (nla_type(a) > 0 && nla_type(a) <= WGRELAY_RESTORED_A_MAX && get_u32(a, &v))
			res->count[nla_type(a)] += v;
	}
	return NL_OK;
}

static int put_half(struct nl_msg *msg, int type, const struct state_pair *p, int i)
{
	struct nlattr *nest = nla_nest_start(msg, type | NLA_F_NESTED);

	if (!nest || nla_put_u32(msg, WGRELAY_SESSION_A_RECEIVER_INDEX, p->index[i]) ||
	    nla_put(msg, WGRELAY_SESSION_A_OWNER, WGRELAY_KEY_LEN, p->key[i]) ||
	    nla_put(msg, WGRELAY_SESSION_A_ENDPOINT, endpoint_len(&p->ep[i]), &p->ep[i]) ||
	    (p->local[i].len &&
	     nla_put(msg, WGRELAY_SESSION_A_LOCAL, p->local[i].len, p->local[i].addr)) ||
	    nla_put_u64(msg, WGRELAY_SESSION_A_COUNTER, p->counter[i]))
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_pair(struct nl_msg *msg, const struct state_pair *p)
{
	return put_half(msg, WGRELAY_PAIR_A_INITIATOR, p, 0) ||
	       put_half(msg, WGRELAY_PAIR_A_RESPONDER, p, 1) ||
	       nla_put_u64(msg, WGRELAY_PAIR_A_LAST_SEEN, p->last_seen) ||
	       nla_put_u8(msg, WGRELAY_PAIR_A_LEAKED, p->leaked);
}

static int put_binding(struct nl_msg *msg, const struct state_binding *b)
{
	return nla_put(msg, WGRELAY_PEER_A_PUBLIC_KEY, WGRELAY_KEY_LEN, b->key) ||
	       nla_put(msg, WGRELAY_PEER_A_BINDING_ENDPOINT, endpoint_len(&b->ep), &b->ep) ||
	       (b->local.len &&
		nla_put(msg, WGRELAY_PEER_A_BINDING_LOCAL, b->local.len, b->local.addr)) ||
	       nla_put_u64(msg, WGRELAY_PEER_A_LAST_SEEN, b->last_seen);
}

/**
 * wgr_restore - put a saved state back into the relay @ifname
 * @ctx: a NETLINK_GENERIC context
 * @ifname: the relay
 * @st: the state (state_read_file())
 * @skip_pair: NULL, or per pair of @st: true to leave it out
 * @skip_binding: likewise per binding
 * @res: the kernel's counts, summed over the messages
 *
 * As many RESTORE messages as the state needs, pairs first: sessions are what
 * keep a busy pair going.
 * Return: 0 or a negative errno with last_error() set.
 */
int wgr_restore(struct nlctx *ctx, const char *ifname, const struct relay_state *st,
		const bool *skip_pair, const bool *skip_binding, struct restore_result *res)
{
	size_t i = 0, k = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = check_ifname(ifname);
	if (ret)
		return ret;
	while (i < st->n_pairs || k < st->n_bindings) {
		struct nl_msg *msg = genl_request(ctx, ifname, WGRELAY_CMD_RESTORE, 0);
		struct nlattr *list = NULL, *nest;
		int index = 0;

		if (!msg)
			return -ENOMEM;
		for (; i < st->n_pairs; i++) {
			if (skip_pair && skip_pair[i])
				continue;
			if (!list && !(list = nla_nest_start(msg, WGRELAY_A_PAIRS | NLA_F_NESTED)))
				goto nomem;
			nest = nla_nest_start(msg, ++index | NLA_F_NESTED);
			if (!nest || put_pair(msg, &st->pairs[i]))
				goto nomem;
			nla_nest_end(msg, nest);
			if (nlmsg_hdr(msg)->nlmsg_len > SET_BUDGET) {
				i++;
				break;
			}
		}
		if (list)
			nla_nest_end(msg, list);
		list = NULL;
		for (; i == st->n_pairs && k < st->n_bindings; k++) {
			if (skip_binding && skip_binding[k])
				continue;
			if (nlmsg_hdr(msg)->nlmsg_len > SET_BUDGET)
				break;
			if (!list && !(list = nla_nest_start(msg, WGRELAY_A_PEERS | NLA_F_NESTED)))
				goto nomem;
			nest = nla_nest_start(msg, ++index | NLA_F_NESTED);
			if (!nest || put_binding(msg, &st->bindings[k]))
				goto nomem;
			nla_nest_end(msg, nest);
		}
		if (list)
			nla_nest_end(msg, list);
		if (!index) {
			/* Everything left was skipped. */
			nlmsg_free(msg);
			break;
		}
		ret = run(ctx, msg, parse_restored, res);
		if (ret)
			return ret;
		continue;
nomem:
		nlmsg_free(msg);
		set_error("state entry too large for one netlink message");
		return -EMSGSIZE;
	}
	return 0;
}

int link_list_kind(struct nlctx *ctx, const char *kind, char (**names)[IF_NAMESIZE],
		   size_t *n)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	size_t count = 0;
	int ret;

	ret = rtnl_link_alloc_cache(ctx->sk, AF_UNSPEC, &cache);
	if (ret) {
		set_error("listing links: %s", nl_geterror(ret));
		return -libnl_errno(ret);
	}
	*names = calloc(nl_cache_nitems(cache) + 1, IF_NAMESIZE);
	if (!*names) {
		nl_cache_free(cache);
		set_error("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		const char *type = rtnl_link_get_type(link);

		if (type && !strcmp(type, kind))
			snprintf((*names)[count++], IF_NAMESIZE, "%s", rtnl_link_get_name(link));
	}
	nl_cache_free(cache);
	*n = count;
	return 0;
}

int link_kind(struct nlctx *ctx, const char *ifname, char *kind, size_t len)
{
	struct rtnl_link *link;
	const char *type;
	int ret;

	ret = rtnl_link_get_kernel(ctx->sk, 0, ifname, &link);
	if (ret) {
		ret = -libnl_errno(ret);
		set_error("%s", ret == -ENODEV ? "no such device" : strerror(-ret));
		return ret;
	}
	type = rtnl_link_get_type(link);
	snprintf(kind, len, "%s", type ? type : "");
	rtnl_link_put(link);
	return 0;
}

/* Builds an rtnetlink request with libnl-route and runs it through our callbacks. */
static int link_request(struct nlctx *ctx, const char *ifname, const char *kind, int op)
{
	struct rtnl_link *link = rtnl_link_alloc(), *change = NULL;
	struct nl_msg *msg = NULL;
	int ret = -NLE_NOMEM;

	if (!link)
		goto out;
	rtnl_link_set_name(link, ifname);
	switch (op) {
	case RTM_NEWLINK:
		ret = rtnl_link_set_type(link, kind);
		if (!ret)
			ret = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
		break;
	case RTM_DELLINK:
		ret = rtnl_link_build_delete_request(link, &msg);
		break;
	default:
		change = rtnl_link_alloc();
		if (!change)
			break;
		rtnl_link_set_ifindex(link, if_nametoindex(ifname));
		rtnl_link_set_flags(change, IFF_UP);
		ret = rtnl_link_build_change_request(link, change, 0, &msg);
		break;
	}
out:
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (ret) {
		set_error("%s", nl_geterror(ret));
		return -libnl_errno(ret);
	}
	return run(ctx, msg, NULL, NULL);
}

int link_add(struct nlctx *ctx, const char *ifname, const char *kind)
{
	return link_request(ctx, ifname, kind, RTM_NEWLINK);
}

int link_del(struct nlctx *ctx, const char *ifname)
{
	int ret = check_ifname(ifname);

	return ret ? ret : link_request(ctx, ifname, NULL, RTM_DELLINK);
}

int link_set_up(struct nlctx *ctx, const char *ifname)
{
	int ret = check_ifname(ifname);

	return ret ? ret : link_request(ctx, ifname, NULL, RTM_SETLINK);
}
