// SPDX-License-Identifier: GPL-2.0
/*
 * The "wgrelay" generic netlink family: the commands, their attributes and what
 * they mean are described in include/uapi/linux/wgrelay.h.
 *
 * Locking: the family is not parallel, so genl_mutex serialises our handlers; on
 * top of that every handler takes wgr->lock, which is what the peer and settings
 * writers assert, and which the device's own up/down paths take too. RTNL is
 * never taken here: wgr->lock alone serialises configuration.
 */

#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <linux/string.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/ipv6.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <linux/wgrelay.h>

#include "netlink.h"
#include "addr.h"
#include "bind.h"
#include "device.h"
#include "peer.h"
#include "session.h"

static struct genl_family wgr_genl_family;

/* Policies */

static int validate_endpoint(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	bool unicast;
	__be16 port;

	/* Copied out: attribute payloads are only 4-byte aligned. */
	switch (nla_len(attr)) {
	case 0:
		return 0;	/* clears the static endpoint */
	case sizeof(sin):
		memcpy(&sin, nla_data(attr), sizeof(sin));
		if (sin.sin_family != AF_INET)
			goto bad_shape;
		port = sin.sin_port;
		unicast = !ipv4_is_zeronet(sin.sin_addr.s_addr) &&
			  !ipv4_is_multicast(sin.sin_addr.s_addr) &&
			  !ipv4_is_lbcast(sin.sin_addr.s_addr);
		break;
	case sizeof(sin6):
		memcpy(&sin6, nla_data(attr), sizeof(sin6));
		if (sin6.sin6_family != AF_INET6)
			goto bad_shape;
		/*
		 * The IPv6 socket is not the IPv4 one: an IPv4 peer must be given as
		 * the IPv4 address it is, so that it is reached from the IPv4 socket.
		 */
		if (ipv6_addr_v4mapped(&sin6.sin6_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "IPv4-mapped endpoint: give it as a sockaddr_in");
			return -EINVAL;
		}
		port = sin6.sin6_port;
		unicast = wgr_ipv6_source_ok(&sin6.sin6_addr);
		break;
	default:
		goto bad_shape;
	}

	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint port must not be 0");
		return -EINVAL;
	}
	if (!unicast) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint must be a unicast address");
		return -EINVAL;
	}
	return 0;

bad_shape:
	NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint must be a sockaddr_in or sockaddr_in6");
	return -EINVAL;
}

static int validate_allowed(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	const u8 *keys = nla_data(attr);
	int n = nla_len(attr) / WGRELAY_KEY_LEN, i, j;

	/* The policy has bounded the length already: at most the maximum of keys. */
	if (nla_len(attr) % WGRELAY_KEY_LEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "allowed peers must be a whole number of public keys");
		return -EINVAL;
	}
	/*
	 * A key listed twice allows nothing more than once, but a configuration
	 * that showconf prints with it would not load again: relayctl refuses
	 * such a list, and so does the module. Pairwise, as there are at most
	 * WGRELAY_MAX_ALLOWED_PEERS keys.
	 */
	for (i = 1; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (!memcmp(keys + i * WGRELAY_KEY_LEN, keys + j * WGRELAY_KEY_LEN,
				    WGRELAY_KEY_LEN)) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "allowed peers list a public key twice");
				return -EINVAL;
			}
		}
	}
	return 0;
}

static struct netlink_range_validation timeout_range = {
	.min = 1,
	.max = WGRELAY_MAX_TIMEOUT,
};

static struct netlink_range_validation max_sessions_range = {
	.min = 1,
	.max = WGRELAY_MAX_SESSIONS_LIMIT,
};

/*
 * Read-only attributes are left out of the policies on purpose: the strict
 * validation every command gets rejects them as unsupported in a request.
 */
static const struct nla_policy peer_policy[WGRELAY_PEER_A_MAX + 1] = {
	[WGRELAY_PEER_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(WGRELAY_KEY_LEN),
	[WGRELAY_PEER_A_NAME] = { .type = NLA_NUL_STRING, .len = WGRELAY_NAME_MAXLEN },
	[WGRELAY_PEER_A_ENDPOINT] = NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_endpoint,
							   sizeof(struct sockaddr_in6)),
	[WGRELAY_PEER_A_ALLOWED_PEERS] =
		NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_allowed,
				       WGRELAY_MAX_ALLOWED_PEERS * WGRELAY_KEY_LEN),
	[WGRELAY_PEER_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __WGRELAY_PEER_F_ALL),
};

#define DEVICE_LOOKUP_POLICY						\
	[WGRELAY_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),		\
	[WGRELAY_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }

static const struct nla_policy get_policy[WGRELAY_A_MAX + 1] = {
	DEVICE_LOOKUP_POLICY,
};

static const struct nla_policy set_policy[WGRELAY_A_MAX + 1] = {
	DEVICE_LOOKUP_POLICY,
	[WGRELAY_A_LISTEN_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[WGRELAY_A_SESSION_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range),
	[WGRELAY_A_BINDING_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range),
	[WGRELAY_A_MAX_SESSIONS] = NLA_POLICY_FULL_RANGE(NLA_U32, &max_sessions_range),
	[WGRELAY_A_DISCOVERY_FANOUT] = NLA_POLICY_MAX(NLA_U32, WGRELAY_MAX_FANOUT),
	[WGRELAY_A_ROAMING] = NLA_POLICY_MAX(NLA_U8, 1),
	[WGRELAY_A_FAST_PATH] = NLA_POLICY_MAX(NLA_U8, 1),
	[WGRELAY_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __WGRELAY_F_ALL),
	[WGRELAY_A_PEERS] = NLA_POLICY_NESTED_ARRAY(peer_policy),
};

/* RESTORE: a half is what GET_SESSIONS reported of it, less what is not restored. */
static const struct nla_policy half_policy[WGRELAY_SESSION_A_MAX + 1] = {
	[WGRELAY_SESSION_A_RECEIVER_INDEX] = { .type = NLA_U32 },
	[WGRELAY_SESSION_A_OWNER] = NLA_POLICY_EXACT_LEN(WGRELAY_KEY_LEN),
	[WGRELAY_SESSION_A_ENDPOINT] = NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_endpoint,
							      sizeof(struct sockaddr_in6)),
	[WGRELAY_SESSION_A_COUNTER] = { .type = NLA_U64 },
	[WGRELAY_SESSION_A_LOCAL] = { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
};

static const struct nla_policy pair_policy[WGRELAY_PAIR_A_MAX + 1] = {
	[WGRELAY_PAIR_A_INITIATOR] = NLA_POLICY_NESTED(half_policy),
	[WGRELAY_PAIR_A_RESPONDER] = NLA_POLICY_NESTED(half_policy),
	[WGRELAY_PAIR_A_LAST_SEEN] = { .type = NLA_U64 },
	[WGRELAY_PAIR_A_LEAKED] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy restore_peer_policy[WGRELAY_PEER_A_MAX + 1] = {
	[WGRELAY_PEER_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(WGRELAY_KEY_LEN),
	[WGRELAY_PEER_A_BINDING_ENDPOINT] =
		NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_endpoint,
				       sizeof(struct sockaddr_in6)),
	[WGRELAY_PEER_A_BINDING_LOCAL] = { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[WGRELAY_PEER_A_LAST_SEEN] = { .type = NLA_U64 },
};

static const struct nla_policy restore_policy[WGRELAY_A_MAX + 1] = {
	DEVICE_LOOKUP_POLICY,
	[WGRELAY_A_PAIRS] = NLA_POLICY_NESTED_ARRAY(pair_policy),
	[WGRELAY_A_PEERS] = NLA_POLICY_NESTED_ARRAY(restore_peer_policy),
};

static const struct nla_policy flush_policy[WGRELAY_A_MAX + 1] = {
	DEVICE_LOOKUP_POLICY,
	[WGRELAY_A_FLUSH] = NLA_POLICY_MASK(NLA_U32, __WGRELAY_FLUSH_ALL),
};

/* Device lookup */

/*
 * The device, with a reference the caller drops with dev_put(), or an ERR_PTR.
 * Only wgrelay devices of @net are found: the caller's capability was checked
 * against that namespace.
 */
static struct net_device *lookup_dev(struct net *net, struct nlattr **attrs,
				     struct netlink_ext_ack *extack)
{
	struct nlattr *index_attr = attrs[WGRELAY_A_IFINDEX];
	struct nlattr *name_attr = attrs[WGRELAY_A_IFNAME];
	struct net_device *dev, *named;
	bool same;

	if (index_attr) {
		dev = dev_get_by_index(net, nla_get_u32(index_attr));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, index_attr, "no device with this index");
			return ERR_PTR(-ENODEV);
		}
		if (name_attr) {
			/* Compared by identity: a name can change under us. */
			named = dev_get_by_name(net, nla_data(name_attr));
			same = named == dev;
			if (named)
				dev_put(named);
			if (!same) {
				NL_SET_ERR_MSG_ATTR(extack, name_attr,
						    "interface name and index differ");
				dev_put(dev);
				return ERR_PTR(-EINVAL);
			}
		}
	} else if (name_attr) {
		dev = dev_get_by_name(net, nla_data(name_attr));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, name_attr, "no device with this name");
			return ERR_PTR(-ENODEV);
		}
	} else {
		NL_SET_ERR_MSG_MOD(extack, "an interface index or name is required");
		return ERR_PTR(-EINVAL);
	}

	if (dev->rtnl_link_ops != &wgr_link_ops) {
		NL_SET_ERR_MSG_MOD(extack, "not a wgrelay device");
		dev_put(dev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

/*
 * Our reference keeps the net_device and its private area, but unregistration
 * goes ahead regardless of it. Checked with wgr->lock held, so that a device
 * which tears its tables down under that lock while unregistering is never
 * configured or dumped after it has done so.
 */
static bool dev_alive(const struct net_device *dev, struct netlink_ext_ack *extack)
{
	if (wgr_dev_reg_state(dev) == NETREG_REGISTERED)
		return true;
	NL_SET_ERR_MSG_MOD(extack, "the device is being removed");
	return false;
}

/* Attribute helpers */

/*
 * Only the sockaddr part goes out, rebuilt field by field so that no padding or
 * stale bytes of the endpoint reach user space. No address: nothing is put.
 */
static int put_endpoint(struct sk_buff *skb, int type, const struct wgr_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = ep->addr4.sin_port,
			.sin_addr = ep->addr4.sin_addr,
		};

		return nla_put(skb, type, sizeof(sin), &sin);
	}
	if (ep->addr.sa_family == AF_INET6) {
		struct sockaddr_in6 sin6 = {
			.sin6_family = AF_INET6,
			.sin6_port = ep->addr6.sin6_port,
			.sin6_flowinfo = ep->addr6.sin6_flowinfo,
			.sin6_addr = ep->addr6.sin6_addr,
			.sin6_scope_id = ep->addr6.sin6_scope_id,
		};

		return nla_put(skb, type, sizeof(sin6), &sin6);
	}
	return 0;
}

/*
 * The relay's address an endpoint reached it at, if known: 4 or 16 bytes by the
 * endpoint's family.
 */
static int put_local(struct sk_buff *skb, int type, const struct wgr_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET && ep->src4)
		return nla_put_in_addr(skb, type, ep->src4);
	if (ep->addr.sa_family == AF_INET6 && !ipv6_addr_any(&ep->src6))
		return nla_put_in6_addr(skb, type, &ep->src6);
	return 0;
}

/*
 * A dump's callbacks run one per message, with the state kept in cb->ctx between
 * them. Peers are resumed by public key rather than by position or pointer: a
 * key lookup is O(1) on a list of a million peers, and a key that is gone is
 * simply not found, where a stored pointer could be freed meanwhile.
 */
struct dump_ctx {
	struct net_device *dev;
	union {
		u8 next_key[WGRELAY_KEY_LEN];	/* GET_DEVICE: first peer not sent yet */
		struct wgr_sessions_pos next;	/* GET_SESSIONS: first session not sent */
	};
	u32 generation;		/* the peer or session generation the dump began at */
	u8 stage;
	bool changed;		/* the generation moved during the dump */
};

enum { DUMP_FIRST, DUMP_MORE, DUMP_DONE };

static struct dump_ctx *dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dump_ctx) > sizeof(cb->ctx));
	return (struct dump_ctx *)cb->ctx;
}

/*
 * Tracks the generation across a dump's messages. cb->seq is not the generation
 * itself because nl_dump_check_consistent() ignores a previous value of 0, which
 * a fresh device's generation is: 1 means unchanged, 2 changed.
 */
static void dump_track(struct netlink_callback *cb, u32 generation)
{
	struct dump_ctx *ctx = dump_ctx(cb);

	if (ctx->stage == DUMP_FIRST)
		ctx->generation = generation;
	else if (generation != ctx->generation)
		ctx->changed = true;
	cb->seq = ctx->changed ? 2 : 1;
}

/* Starts a dump message: every one names the device. NULL: no room. */
static void *put_dump_header(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	const struct net_device *dev = dump_ctx(cb)->dev;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wgr_genl_family, NLM_F_MULTI, cmd);
	if (!hdr)
		return NULL;
	if (nla_put_u32(skb, WGRELAY_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, WGRELAY_A_IFNAME, dev->name)) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

/*
 * Takes the dump's device. Kernels before 6.2 give a dump's .start no extack
 * (cb->extack is NULL there), so a lookup failing in .start would reach user
 * space as a bare errno: "Operation not supported" for a dummy0. There .start
 * leaves the lookup to the first dumpit call, which always has an extack, and
 * whose error ends the dump with the reason in NLMSG_DONE.
 */
static int dump_start(struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct net_device *dev;

	memset(ctx, 0, sizeof(*ctx));
	/*
	 * As if a first message had been sent unchanged: nl_dump_check_consistent()
	 * then flags a change already seen while filling the real first message.
	 */
	cb->prev_seq = 1;
	if (!cb->extack)
		return 0;
	dev = lookup_dev(sock_net(cb->skb->sk), wgr_dump_attrs(cb), cb->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ctx->dev = dev;
	return 0;
}

/* The device of the dump, looked up now if .start could not do it. */
/*
 * The device a dump is about, looked up on its first call. NULL once the dump
 * has sent everything (its last call only ends it).
 */
static struct wgr_device *dump_wgr(struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct net_device *dev;

	if (ctx->stage == DUMP_DONE)
		return NULL;
	if (!ctx->dev) {
		dev = lookup_dev(sock_net(cb->skb->sk), wgr_dump_attrs(cb), cb->extack);
		if (IS_ERR(dev))
			return ERR_CAST(dev);
		ctx->dev = dev;	/* dump_done() drops it */
	}
	return netdev_priv(ctx->dev);
}

/* Called whenever a dump whose .start succeeded ends, also on socket close. */
static int dump_done(struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);

	if (ctx->dev)
		dev_put(ctx->dev);
	ctx->dev = NULL;
	return 0;
}

/* WGRELAY_CMD_GET_DEVICE */

static int put_settings(struct sk_buff *skb, struct wgr_device *wgr)
{
	u64 stats[__WGRELAY_STAT_MAX];
	struct nlattr *nest;
	int i;

	lockdep_assert_held(&wgr->lock);

	if (nla_put_u16(skb, WGRELAY_A_LISTEN_PORT, READ_ONCE(wgr->cfg.listen_port)) ||
	    nla_put_u32(skb, WGRELAY_A_SESSION_TIMEOUT, READ_ONCE(wgr->cfg.session_timeout)) ||
	    nla_put_u32(skb, WGRELAY_A_BINDING_TIMEOUT, READ_ONCE(wgr->cfg.binding_timeout)) ||
	    nla_put_u32(skb, WGRELAY_A_MAX_SESSIONS, READ_ONCE(wgr->cfg.max_sessions)) ||
	    nla_put_u32(skb, WGRELAY_A_DISCOVERY_FANOUT, READ_ONCE(wgr->cfg.discovery_fanout)) ||
	    nla_put_u8(skb, WGRELAY_A_ROAMING, READ_ONCE(wgr->cfg.roaming)) ||
	    nla_put_u8(skb, WGRELAY_A_FAST_PATH, READ_ONCE(wgr->cfg.fast_path)) ||
	    nla_put_u32(skb, WGRELAY_A_NUM_PEERS, wgr->peers.count) ||
	    nla_put_u32(skb, WGRELAY_A_NUM_SESSIONS, atomic_read(&wgr->state.n_sessions)))
		return -EMSGSIZE;

	wgr_stats_read(wgr, stats);
	nest = nla_nest_start(skb, WGRELAY_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __WGRELAY_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, WGRELAY_STATS_A_COUNTER(i), stats[i],
				      WGRELAY_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A peer's refusals by reason, those with a count: most peers have none. At most
 * the five of WGRELAY_REFUSED_OF_PEER (84 bytes), so a peer with the most allowed
 * peers still fits the smallest dump buffer.
 */
static int put_refused(struct sk_buff *skb, const u64 *refused)
{
	struct nlattr *nest;
	unsigned int i;

	for (i = 1; i < __WGRELAY_REFUSED_MAX && !refused[i]; i++)
		;
	if (i == __WGRELAY_REFUSED_MAX)
		return 0;
	nest = nla_nest_start(skb, WGRELAY_PEER_A_REFUSED);
	if (!nest)
		return -EMSGSIZE;
	for (; i < __WGRELAY_REFUSED_MAX; i++) {
		if (refused[i] &&
		    nla_put_u64_64bit(skb, i, refused[i], WGRELAY_REFUSED_NONE)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_peer(struct sk_buff *skb, struct wgr_device *wgr, struct wgr_peer *peer)
{
	const struct wgr_allowed *allowed;
	struct wgr_peer_info info;
	struct nlattr *nest;

	allowed = rcu_dereference_protected(peer->allowed, lockdep_is_held(&wgr->lock));
	wgr_peer_read(peer, &info);

	nest = nla_nest_start(skb, 0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, WGRELAY_PEER_A_PUBLIC_KEY, WGRELAY_KEY_LEN, peer->public_key) ||
	    (peer->name[0] && nla_put_string(skb, WGRELAY_PEER_A_NAME, peer->name)) ||
	    put_endpoint(skb, WGRELAY_PEER_A_ENDPOINT, &info.static_ep) ||
	    (allowed && allowed->n &&
	     nla_put(skb, WGRELAY_PEER_A_ALLOWED_PEERS, allowed->n * WGRELAY_KEY_LEN,
		     allowed->keys)) ||
	    nla_put_u8(skb, WGRELAY_PEER_A_BINDING_STATE, info.bind_state) ||
	    nla_put_u8(skb, WGRELAY_PEER_A_BINDING_STATUS, info.bind_status) ||
	    (info.bind_status != WGRELAY_BINDING_STATUS_NONE &&
	     (put_endpoint(skb, WGRELAY_PEER_A_BINDING_ENDPOINT, &info.bind_ep) ||
	      put_local(skb, WGRELAY_PEER_A_BINDING_LOCAL, &info.bind_ep))) ||
	    nla_put_u8(skb, WGRELAY_PEER_A_BINDING_CONFLICT, info.bind_conflict) ||
	    nla_put_u8(skb, WGRELAY_PEER_A_BINDING_PROVEN, info.bind_proven) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_BINDINGS_KEPT, info.bindings_kept,
			      WGRELAY_PEER_A_PAD) ||
	    put_refused(skb, info.refused) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_LAST_SEEN, info.last_seen,
			      WGRELAY_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_RX_PACKETS, info.traffic[WGR_RX_PACKETS],
			      WGRELAY_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_RX_BYTES, info.traffic[WGR_RX_BYTES],
			      WGRELAY_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_TX_PACKETS, info.traffic[WGR_TX_PACKETS],
			      WGRELAY_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_TX_BYTES, info.traffic[WGR_TX_BYTES],
			      WGRELAY_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_PEER_A_HANDSHAKES, info.handshakes,
			      WGRELAY_PEER_A_PAD) ||
	    nla_put_u32(skb, WGRELAY_PEER_A_NUM_SESSIONS, info.n_sessions)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Where this message's peers start: the head of the list for the first message,
 * else the peer the previous message stopped at. NULL: that peer has been removed
 * since, so the dump cannot continue.
 */
static struct list_head *dump_resume(struct dump_ctx *ctx, struct wgr_device *wgr)
{
	struct wgr_peer *peer;

	if (ctx->stage == DUMP_FIRST)
		return &wgr->peers.list;
	/* Under wgr->lock, which also keeps the peer from being freed. */
	peer = wgr_peer_lookup(wgr, ctx->next_key);
	/* The walk continues *after* the returned entry. */
	return peer ? peer->list.prev : NULL;
}

static int get_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct nlattr *peers_nest;
	struct wgr_device *wgr;
	struct list_head *pos;
	unsigned int n = 0;
	void *hdr;
	int ret;

	wgr = dump_wgr(cb);
	if (IS_ERR_OR_NULL(wgr))
		return PTR_ERR_OR_ZERO(wgr);

	mutex_lock(&wgr->lock);
	if (!dev_alive(ctx->dev, cb->extack)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	dump_track(cb, wgr->peers.generation);

	pos = dump_resume(ctx, wgr);
	if (!pos) {
		/*
		 * Ending here is correct: the peer was removed, so the generation
		 * moved, and NLMSG_DONE carries NLM_F_DUMP_INTR for it.
		 */
		ctx->changed = true;
		cb->seq = 2;
		ctx->stage = DUMP_DONE;
		ret = 0;
		goto out_unlock;
	}

	hdr = put_dump_header(skb, cb, WGRELAY_CMD_GET_DEVICE);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_unlock;
	}
	genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, WGRELAY_A_GENERATION, wgr->peers.generation) ||
	    (ctx->stage == DUMP_FIRST && put_settings(skb, wgr))) {
		ret = -EMSGSIZE;
		goto err_cancel;
	}

	peers_nest = nla_nest_start(skb, WGRELAY_A_PEERS);
	if (peers_nest) {
		list_for_each_continue(pos, &wgr->peers.list) {
			if (put_peer(skb, wgr, list_entry(pos, struct wgr_peer, list)))
				break;
			n++;
		}
		if (n)
			nla_nest_end(skb, peers_nest);
		else
			nla_nest_cancel(skb, peers_nest);
	} else {
		/* Not even room for the nest: the next message has. */
		pos = pos->next;
	}

	if (pos == &wgr->peers.list) {
		ctx->stage = DUMP_DONE;
	} else if (!n && ctx->stage != DUMP_FIRST) {
		/* An otherwise empty message: it will never fit. */
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "a peer does not fit in a message: read with a larger buffer");
		ret = -EMSGSIZE;
		goto err_cancel;
	} else {
		memcpy(ctx->next_key, list_entry(pos, struct wgr_peer, list)->public_key,
		       WGRELAY_KEY_LEN);
		ctx->stage = DUMP_MORE;
	}

	genlmsg_end(skb, hdr);
	mutex_unlock(&wgr->lock);
	return skb->len;

err_cancel:
	genlmsg_cancel(skb, hdr);
out_unlock:
	mutex_unlock(&wgr->lock);
	return ret;
}

/* WGRELAY_CMD_GET_SESSIONS */

/* Sessions copied per call: the state lock is held for one batch at a time. */
#define SESSIONS_BATCH 32

static int put_session(struct sk_buff *skb, const struct wgr_session_info *s)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, 0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, WGRELAY_SESSION_A_RECEIVER_INDEX, s->index) ||
	    nla_put(skb, WGRELAY_SESSION_A_OWNER, WGRELAY_KEY_LEN, s->owner) ||
	    nla_put(skb, WGRELAY_SESSION_A_COUNTERPART, WGRELAY_KEY_LEN, s->counterpart) ||
	    put_endpoint(skb, WGRELAY_SESSION_A_ENDPOINT, &s->ep) ||
	    put_local(skb, WGRELAY_SESSION_A_LOCAL, &s->ep) ||
	    nla_put_u8(skb, WGRELAY_SESSION_A_CONFIRMED, s->confirmed) ||
	    nla_put_u64_64bit(skb, WGRELAY_SESSION_A_LAST_SEEN, s->last_seen,
			      WGRELAY_SESSION_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_SESSION_A_COUNTER, s->counter,
			      WGRELAY_SESSION_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_SESSION_A_PACKETS, s->packets,
			      WGRELAY_SESSION_A_PAD) ||
	    nla_put_u64_64bit(skb, WGRELAY_SESSION_A_BYTES, s->bytes,
			      WGRELAY_SESSION_A_PAD) ||
	    nla_put_u8(skb, WGRELAY_SESSION_A_INITIATOR, s->initiator) ||
	    nla_put_u32(skb, WGRELAY_SESSION_A_COUNTERPART_INDEX, s->counterpart_index) ||
	    nla_put_u8(skb, WGRELAY_SESSION_A_LEAKED, s->leaked)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Fills the open WGRELAY_A_SESSIONS nest from ctx->next on, advancing it.
 * Return: how many sessions were put; *end tells whether the table was exhausted.
 */
static unsigned int put_sessions(struct sk_buff *skb, struct netlink_callback *cb,
				 struct wgr_device *wgr, struct wgr_session_info *buf,
				 bool *end)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	unsigned int i, got, n = 0;
	u32 generation;

	*end = false;
	for (;;) {
		got = wgr_sessions_read(wgr, &ctx->next, buf, SESSIONS_BATCH, &generation);
		dump_track(cb, generation);
		/* Only the first batch of the whole dump sets the reference. */
		if (ctx->stage == DUMP_FIRST)
			ctx->stage = DUMP_MORE;
		if (!got) {
			*end = true;
			return n;
		}
		for (i = 0; i < got; i++) {
			if (put_session(skb, &buf[i])) {
				/* The message is full: the next one starts here. */
				ctx->next = buf[i].at;
				return n;
			}
			n++;
		}
		/* A short batch is the end of the table. */
		if (got < SESSIONS_BATCH) {
			*end = true;
			return n;
		}
	}
}

static int get_sessions_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	bool first = ctx->stage == DUMP_FIRST;
	struct wgr_session_info *buf;
	struct wgr_device *wgr;
	struct nlattr *nest;
	unsigned int n = 0;
	bool end = false;
	void *hdr;
	int ret;

	wgr = dump_wgr(cb);
	if (IS_ERR_OR_NULL(wgr))
		return PTR_ERR_OR_ZERO(wgr);

	/* Allocated here, not under the state lock wgr_sessions_read() takes. */
	buf = kmalloc_array(SESSIONS_BATCH, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&wgr->lock);
	if (!dev_alive(ctx->dev, cb->extack)) {
		ret = -ENODEV;
		goto out_unlock;
	}

	hdr = put_dump_header(skb, cb, WGRELAY_CMD_GET_SESSIONS);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_unlock;
	}

	nest = nla_nest_start(skb, WGRELAY_A_SESSIONS);
	if (nest) {
		n = put_sessions(skb, cb, wgr, buf, &end);
		if (n)
			nla_nest_end(skb, nest);
		else
			nla_nest_cancel(skb, nest);
	}
	if (ctx->stage == DUMP_FIRST)
		ctx->stage = DUMP_MORE;
	/* After put_sessions(): it sets cb->seq from the generations it read. */
	genl_dump_check_consistent(cb, hdr);

	if (end) {
		ctx->stage = DUMP_DONE;
	} else if (!n && !first) {
		NL_SET_ERR_MSG_MOD(cb->extack, "a session does not fit in a message");
		ret = -EMSGSIZE;
		goto err_cancel;
	}

	genlmsg_end(skb, hdr);
	ret = skb->len;
	goto out_unlock;

err_cancel:
	genlmsg_cancel(skb, hdr);
out_unlock:
	mutex_unlock(&wgr->lock);
	kfree(buf);
	return ret;
}

/* WGRELAY_CMD_SET_DEVICE */

/* One nested peer of a request, pointing into the request's attributes. */
struct peer_req {
	const struct nlattr *nest;
	const u8 *key;
	const struct nlattr *name;	/* NULL: unchanged; "": clear */
	const struct nlattr *endpoint;	/* NULL: unchanged; empty: clear */
	const struct nlattr *allowed;	/* NULL: unchanged; empty: clear */
	struct wgr_peer *peer;		/* the existing peer with @key, if it stays */
	bool remove;
};

struct set_req {
	struct peer_req *peers;		/* in request order, which is applied */
	struct peer_req **sorted;	/* by key, then by name for the name check */
	unsigned int n;
	bool replace;
};

static const char *req_name(const struct peer_req *p)
{
	return p->name ? nla_data(p->name) : "";
}

static int cmp_req_key(const void *a, const void *b)
{
	const struct peer_req *pa = *(const struct peer_req * const *)a;
	const struct peer_req *pb = *(const struct peer_req * const *)b;

	return memcmp(pa->key, pb->key, WGRELAY_KEY_LEN);
}

static int cmp_key_req(const void *key, const void *elt)
{
	const struct peer_req *p = *(const struct peer_req * const *)elt;

	return memcmp(key, p->key, WGRELAY_KEY_LEN);
}

static int cmp_req_name(const void *a, const void *b)
{
	const struct peer_req *pa = *(const struct peer_req * const *)a;
	const struct peer_req *pb = *(const struct peer_req * const *)b;

	return strcmp(req_name(pa), req_name(pb));
}

static int parse_peer(struct peer_req *p, const struct nlattr *nest,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGRELAY_PEER_A_MAX + 1];
	const char *name;
	size_t len;
	int ret;

	/* Validated already as part of the request; this only splits it up. */
	ret = nla_parse_nested(tb, WGRELAY_PEER_A_MAX, nest, peer_policy, extack);
	if (ret)
		return ret;

	p->nest = nest;
	if (!tb[WGRELAY_PEER_A_PUBLIC_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "peer without a public key");
		return -EINVAL;
	}
	p->key = nla_data(tb[WGRELAY_PEER_A_PUBLIC_KEY]);
	p->name = tb[WGRELAY_PEER_A_NAME];
	p->endpoint = tb[WGRELAY_PEER_A_ENDPOINT];
	p->allowed = tb[WGRELAY_PEER_A_ALLOWED_PEERS];
	p->remove = tb[WGRELAY_PEER_A_FLAGS] &&
		    (nla_get_u32(tb[WGRELAY_PEER_A_FLAGS]) & WGRELAY_PEER_F_REMOVE);

	if (p->remove && (p->name || p->endpoint || p->allowed)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a peer to remove takes no name, endpoint or allowed peers");
		return -EINVAL;
	}

	if (p->name) {
		/* The policy guarantees a NUL within the attribute; it must be the
		 * last byte, or two requests could mean one name differently.
		 */
		name = nla_data(p->name);
		len = strnlen(name, nla_len(p->name));
		if (len + 1 != nla_len(p->name)) {
			NL_SET_ERR_MSG_ATTR(extack, p->name, "peer name contains a NUL byte");
			return -EINVAL;
		}
		if (len && !wgr_name_valid(name, len)) {
			NL_SET_ERR_MSG_ATTR(extack, p->name,
					    "peer name must be 1-32 of A-Z a-z 0-9 . _ -");
			return -EINVAL;
		}
	}
	return 0;
}

/* Splits WGRELAY_A_PEERS up and checks what needs no device state. */
static int parse_peers(struct set_req *req, const struct nlattr *peers,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *nest;
	unsigned int i = 0;
	int rem, ret;

	if (!peers)
		return 0;
	nla_for_each_nested(nest, peers, rem)
		req->n++;
	if (!req->n)
		return 0;
	/* Bounded already by the message size; this bounds the allocation too. */
	if (req->n > WGRELAY_MAX_PEERS) {
		NL_SET_ERR_MSG_ATTR(extack, peers, "too many peers in one request");
		return -E2BIG;
	}

	req->peers = kvcalloc(req->n, sizeof(*req->peers), GFP_KERNEL);
	if (!req->peers)
		return -ENOMEM;
	req->sorted = kvmalloc_array(req->n, sizeof(*req->sorted), GFP_KERNEL);
	if (!req->sorted)
		return -ENOMEM;	/* the caller frees req->peers */

	nla_for_each_nested(nest, peers, rem) {
		ret = parse_peer(&req->peers[i], nest, extack);
		if (ret)
			return ret;
		req->sorted[i] = &req->peers[i];
		i++;
		cond_resched();
	}

	/* Sorted rather than compared pairwise: a request may hold 10^6 peers. */
	sort(req->sorted, req->n, sizeof(*req->sorted), cmp_req_key, NULL);
	for (i = 1; i < req->n; i++) {
		if (!cmp_req_key(&req->sorted[i - 1], &req->sorted[i])) {
			NL_SET_ERR_MSG_ATTR(extack, req->sorted[i]->nest,
					    "public key appears twice in the request");
			return -EINVAL;
		}
	}
	return 0;
}

static void free_req(struct set_req *req)
{
	kvfree(req->sorted);
	kvfree(req->peers);
}

static struct peer_req *find_req(struct set_req *req, const u8 *key)
{
	struct peer_req **p;

	if (!req->n)
		return NULL;
	p = bsearch(key, req->sorted, req->n, sizeof(*req->sorted), cmp_key_req);
	return p ? *p : NULL;
}

/*
 * Checks the request against the device: the number of peers and the names.
 * Fills in peer_req.peer. Changes nothing.
 *
 * A name may only be taken from a peer this request removes. Moving a name from
 * one kept peer to another within one request (a swap, or A gives up "x" which
 * B takes) is refused: the names are applied one peer at a time, so the
 * intermediate state would hold a duplicate. Two requests do it.
 */
static int check_peers(struct wgr_device *wgr, struct set_req *req,
		       struct netlink_ext_ack *extack)
{
	u64 count = req->replace ? 0 : wgr->peers.count;
	struct wgr_peer *owner;
	struct peer_req *p, *q;
	unsigned int i;

	lockdep_assert_held(&wgr->lock);

	for (i = 0; i < req->n; i++) {
		p = &req->peers[i];
		if (!req->replace)
			p->peer = wgr_peer_lookup(wgr, p->key);
		if (p->remove)
			count -= !!p->peer;
		else
			count += !p->peer;
		cond_resched();
	}
	if (count > WGRELAY_MAX_PEERS) {
		NL_SET_ERR_MSG_MOD(extack, "too many peers for one device");
		return -E2BIG;
	}

	for (i = 0; i < req->n && !req->replace; i++) {
		p = &req->peers[i];
		if (p->remove || !*req_name(p))
			continue;
		owner = wgr_peer_lookup_name(wgr, req_name(p));
		if (!owner || owner == p->peer)
			continue;
		q = find_req(req, owner->public_key);
		if (!q || !q->remove) {
			NL_SET_ERR_MSG_ATTR(extack, p->name,
					    "peer name already used by another peer");
			return -EEXIST;
		}
	}

	/* Last: it reorders req->sorted, which find_req() needed sorted by key. */
	if (req->n)
		sort(req->sorted, req->n, sizeof(*req->sorted), cmp_req_name, NULL);
	for (i = 1; i < req->n; i++) {
		p = req->sorted[i];
		if (*req_name(p) && !cmp_req_name(&req->sorted[i - 1], &req->sorted[i])) {
			NL_SET_ERR_MSG_ATTR(extack, p->name,
					    "peer name given to two peers in the request");
			return -EEXIST;
		}
	}
	return 0;
}

/* The port goes first: it is the setting that can fail (in use), and then nothing
 * else must have changed.
 */
static int apply_settings(struct wgr_device *wgr, struct nlattr **attrs,
			  struct netlink_ext_ack *extack)
{
	bool fast_path = wgr->cfg.fast_path;
	int ret;

	lockdep_assert_held(&wgr->lock);
	/*
	 * The two that can fail first, each undone if the other fails, so that a
	 * failed request changes nothing: the fast path's hooks (no memory) and
	 * the port (in use).
	 */
	if (attrs[WGRELAY_A_FAST_PATH]) {
		ret = wgr_fastpath_set(wgr, !!nla_get_u8(attrs[WGRELAY_A_FAST_PATH]), extack);
		if (ret)
			return ret;
	}
	if (attrs[WGRELAY_A_LISTEN_PORT]) {
		u16 port = nla_get_u16(attrs[WGRELAY_A_LISTEN_PORT]);

		if (port != READ_ONCE(wgr->cfg.listen_port)) {
			ret = wgr_device_set_port(wgr, port, extack);
			if (ret) {
				/* Switching back on can fail too; the port error is the news. */
				wgr_fastpath_set(wgr, fast_path, NULL);
				return ret;
			}
		}
	}
	if (attrs[WGRELAY_A_SESSION_TIMEOUT])
		WRITE_ONCE(wgr->cfg.session_timeout,
			   nla_get_u32(attrs[WGRELAY_A_SESSION_TIMEOUT]));
	if (attrs[WGRELAY_A_BINDING_TIMEOUT])
		WRITE_ONCE(wgr->cfg.binding_timeout,
			   nla_get_u32(attrs[WGRELAY_A_BINDING_TIMEOUT]));
	if (attrs[WGRELAY_A_MAX_SESSIONS])
		WRITE_ONCE(wgr->cfg.max_sessions, nla_get_u32(attrs[WGRELAY_A_MAX_SESSIONS]));
	if (attrs[WGRELAY_A_DISCOVERY_FANOUT])
		WRITE_ONCE(wgr->cfg.discovery_fanout,
			   nla_get_u32(attrs[WGRELAY_A_DISCOVERY_FANOUT]));
	if (attrs[WGRELAY_A_ROAMING])
		WRITE_ONCE(wgr->cfg.roaming, !!nla_get_u8(attrs[WGRELAY_A_ROAMING]));
	return 0;
}

static int apply_peer(struct wgr_device *wgr, struct peer_req *p,
		      struct netlink_ext_ack *extack)
{
	struct wgr_peer *peer = p->peer;
	struct wgr_endpoint ep;
	int ret;

	if (!peer) {
		peer = wgr_peer_create(wgr, p->key);
		if (IS_ERR(peer)) {
			NL_SET_ERR_MSG_ATTR(extack, p->nest, "could not create the peer");
			return PTR_ERR(peer);
		}
	}
	if (p->name) {
		ret = wgr_peer_set_name(peer, nla_data(p->name));
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, p->name, "could not set the peer name");
			return ret;
		}
	}
	if (p->endpoint) {
		if (!nla_len(p->endpoint)) {
			wgr_peer_set_static_endpoint(peer, NULL);
		} else {
			/*
			 * The policy let only a sockaddr_in or _in6 of its family
			 * through. Copied into the member of that size: a copy into
			 * ep.addr would span fields, which FORTIFY_SOURCE warns of.
			 */
			memset(&ep, 0, sizeof(ep));
			if (nla_len(p->endpoint) == sizeof(ep.addr4))
				memcpy(&ep.addr4, nla_data(p->endpoint), sizeof(ep.addr4));
			else
				memcpy(&ep.addr6, nla_data(p->endpoint), sizeof(ep.addr6));
			wgr_peer_set_static_endpoint(peer, &ep);
		}
	}
	if (p->allowed) {
		ret = wgr_peer_set_allowed(peer, nla_data(p->allowed),
					   nla_len(p->allowed) / WGRELAY_KEY_LEN);
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, p->allowed,
					    "could not set the allowed peers");
			return ret;
		}
	}
	return 0;
}

/*
 * Removals first, so that a name or a slot a removed peer held is free before
 * a kept or new peer takes it; the check allowed for exactly that. Only running
 * out of memory fails here, and then the request is applied in part.
 */
static int apply_peers(struct wgr_device *wgr, struct set_req *req,
		       struct netlink_ext_ack *extack)
{
	struct peer_req *p;
	unsigned int i;
	int ret;

	lockdep_assert_held(&wgr->lock);

	if (req->replace)
		wgr_peers_remove_all(wgr);
	for (i = 0; i < req->n; i++) {
		p = &req->peers[i];
		if (p->remove && p->peer) {
			wgr_peer_remove(p->peer);
			p->peer = NULL;
		}
	}
	for (i = 0; i < req->n; i++) {
		p = &req->peers[i];
		if (p->remove)
			continue;
		ret = apply_peer(wgr, p, extack);
		if (ret)
			return ret;
		/* A million peers is a long time to hold the CPU. */
		cond_resched();
	}
	return 0;
}

static int set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct set_req req = {};
	struct net_device *dev;
	struct wgr_device *wgr;
	int ret;

	dev = lookup_dev(genl_info_net(info), attrs, extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	wgr = netdev_priv(dev);

	req.replace = attrs[WGRELAY_A_FLAGS] &&
		      (nla_get_u32(attrs[WGRELAY_A_FLAGS]) & WGRELAY_F_REPLACE_PEERS);
	ret = parse_peers(&req, attrs[WGRELAY_A_PEERS], extack);
	if (ret)
		goto out_free;

	mutex_lock(&wgr->lock);
	if (!dev_alive(dev, extack)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = check_peers(wgr, &req, extack);
	if (ret)
		goto out_unlock;
	ret = apply_settings(wgr, attrs, extack);
	if (ret)
		goto out_unlock;
	ret = apply_peers(wgr, &req, extack);

out_unlock:
	mutex_unlock(&wgr->lock);
out_free:
	free_req(&req);
	dev_put(dev);
	return ret;
}

/* WGRELAY_CMD_FLUSH */

static int flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *mask_attr = info->attrs[WGRELAY_A_FLUSH];
	u32 mask = mask_attr ? nla_get_u32(mask_attr) : __WGRELAY_FLUSH_ALL;
	struct net_device *dev;
	struct wgr_device *wgr;
	int ret = 0;

	if (!mask) {
		NL_SET_ERR_MSG_ATTR(info->extack, mask_attr, "nothing to flush: the mask is 0");
		return -EINVAL;
	}
	dev = lookup_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	wgr = netdev_priv(dev);

	mutex_lock(&wgr->lock);
	if (dev_alive(dev, info->extack))
		wgr_state_flush(wgr, mask);
	else
		ret = -ENODEV;
	mutex_unlock(&wgr->lock);
	dev_put(dev);
	return ret;
}

/* WGRELAY_CMD_RESTORE */

/* What a restore did: the reply's WGRELAY_RESTORED_A_* counts, by attribute. */
struct restored {
	u32 count[WGRELAY_RESTORED_A_MAX + 1];
};

/* Unix seconds to an age in seconds; a time in the future is now. */
static u64 age_of(const struct nlattr *last_seen)
{
	u64 now = ktime_get_real_seconds(), then;

	if (!last_seen)
		return 0;
	then = nla_get_u64(last_seen);
	return then < now ? now - then : 0;
}

/*
 * An endpoint attribute the policy let through (validate_endpoint()), not empty,
 * and the relay's address it reached the relay at, if given. That address is
 * not checked against the relay's own: the send path falls back to the route's
 * choice when it is not one (socket.c).
 * Return: 0, or -EINVAL if @local is not an address of @a's family.
 */
static int get_endpoint(struct wgr_endpoint *ep, const struct nlattr *a,
			const struct nlattr *local, struct netlink_ext_ack *extack)
{
	/* As apply_peer(): into the member of the size the policy let through. */
	memset(ep, 0, sizeof(*ep));
	if (nla_len(a) == sizeof(ep->addr4)) {
		memcpy(&ep->addr4, nla_data(a), sizeof(ep->addr4));
	} else {
		memcpy(&ep->addr6, nla_data(a), sizeof(ep->addr6));
		/* Not part of an endpoint (struct wgr_half_ep drops it too). */
		ep->addr6.sin6_flowinfo = 0;
	}
	if (!local)
		return 0;
	if (ep->addr.sa_family == AF_INET && nla_len(local) == sizeof(ep->src4)) {
		ep->src4 = nla_get_in_addr(local);
	} else if (ep->addr.sa_family == AF_INET6 && nla_len(local) == sizeof(ep->src6)) {
		ep->src6 = nla_get_in6_addr(local);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, local,
				    "local address not of the endpoint's family (4 or 16 bytes)");
		return -EINVAL;
	}
	return 0;
}

/*
 * One half of a pair in a RESTORE request; the policy has validated it. Fills
 * half @i of @saved but its owner, whose key goes to @key. Return: 0 or -EINVAL.
 */
static int parse_half(struct wgr_pair_saved *saved, int i, const u8 **key,
		      const struct nlattr *nest, const struct nlattr *pair,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGRELAY_SESSION_A_MAX + 1];
	const struct nlattr *ep;
	int ret;

	if (!nest) {
		NL_SET_ERR_MSG_ATTR(extack, pair, "a pair needs an initiator and a responder");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, WGRELAY_SESSION_A_MAX, nest, half_policy, extack);
	if (ret)
		return ret;
	ep = tb[WGRELAY_SESSION_A_ENDPOINT];
	if (!tb[WGRELAY_SESSION_A_RECEIVER_INDEX] || !tb[WGRELAY_SESSION_A_OWNER] || !ep ||
	    !nla_len(ep)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a half needs a receiver index, an owner and an endpoint");
		return -EINVAL;
	}
	saved->index[i] = nla_get_u32(tb[WGRELAY_SESSION_A_RECEIVER_INDEX]);
	*key = nla_data(tb[WGRELAY_SESSION_A_OWNER]);
	ret = get_endpoint(&saved->ep[i], ep, tb[WGRELAY_SESSION_A_LOCAL], extack);
	if (ret)
		return ret;
	saved->counter[i] = tb[WGRELAY_SESSION_A_COUNTER] ?
			    nla_get_u64(tb[WGRELAY_SESSION_A_COUNTER]) : 0;
	return 0;
}

/*
 * A pair of a RESTORE request, its owners left NULL and their keys in @keys.
 * Return: 0 or -EINVAL: the request is malformed, and nothing is restored.
 */
static int parse_pair(struct wgr_pair_saved *saved, const u8 *keys[2],
		      const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGRELAY_PAIR_A_MAX + 1];
	int ret;

	memset(saved, 0, sizeof(*saved));
	ret = nla_parse_nested(tb, WGRELAY_PAIR_A_MAX, nest, pair_policy, extack);
	if (ret)
		return ret;
	ret = parse_half(saved, 0, &keys[0], tb[WGRELAY_PAIR_A_INITIATOR], nest, extack);
	if (!ret)
		ret = parse_half(saved, 1, &keys[1], tb[WGRELAY_PAIR_A_RESPONDER], nest, extack);
	if (ret)
		return ret;
	if (!memcmp(keys[0], keys[1], WGRELAY_KEY_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a pair's two halves have the same owner");
		return -EINVAL;
	}
	saved->age = age_of(tb[WGRELAY_PAIR_A_LAST_SEEN]);
	saved->leaked = tb[WGRELAY_PAIR_A_LEAKED] && nla_get_u8(tb[WGRELAY_PAIR_A_LEAKED]);
	return 0;
}

/* A binding of a RESTORE request. Return: 0 or -EINVAL. */
static int parse_binding(struct wgr_endpoint *ep, const u8 **key, u64 *age,
			 const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGRELAY_PEER_A_MAX + 1];
	const struct nlattr *a;
	int ret;

	ret = nla_parse_nested(tb, WGRELAY_PEER_A_MAX, nest, restore_peer_policy, extack);
	if (ret)
		return ret;
	a = tb[WGRELAY_PEER_A_BINDING_ENDPOINT];
	if (!tb[WGRELAY_PEER_A_PUBLIC_KEY] || !a || !nla_len(a)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a binding needs a public key and an endpoint");
		return -EINVAL;
	}
	*key = nla_data(tb[WGRELAY_PEER_A_PUBLIC_KEY]);
	ret = get_endpoint(ep, a, tb[WGRELAY_PEER_A_BINDING_LOCAL], extack);
	if (ret)
		return ret;
	*age = age_of(tb[WGRELAY_PEER_A_LAST_SEEN]);
	return 0;
}

/* Checks every entry's shape, so that a malformed request restores nothing. */
static int check_restore(struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	const struct nlattr *nest;
	struct wgr_pair_saved saved;
	struct wgr_endpoint ep;
	const u8 *keys[2];
	int rem, ret;
	u64 age;

	if (!attrs[WGRELAY_A_PAIRS] && !attrs[WGRELAY_A_PEERS]) {
		NL_SET_ERR_MSG_MOD(extack, "nothing to restore: no pairs and no bindings");
		return -EINVAL;
	}
	if (attrs[WGRELAY_A_PAIRS]) {
		nla_for_each_nested(nest, attrs[WGRELAY_A_PAIRS], rem) {
			ret = parse_pair(&saved, keys, nest, extack);
			if (ret)
				return ret;
		}
	}
	if (attrs[WGRELAY_A_PEERS]) {
		nla_for_each_nested(nest, attrs[WGRELAY_A_PEERS], rem) {
			ret = parse_binding(&ep, keys, &age, nest, extack);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Why wgr_pair_restore() or wgr_bind_restore() refused, as a reply count. */
static int skipped_count(int err)
{
	switch (err) {
	case -ESTALE:
		return WGRELAY_RESTORED_A_EXPIRED;
	case -EEXIST:
		return WGRELAY_RESTORED_A_COLLISION;
	case -ENOSPC:
		return WGRELAY_RESTORED_A_FULL;
	case -EBUSY:
		return WGRELAY_RESTORED_A_BOUND;
	default:
		/* -ENOENT: a peer being removed is as good as unknown. */
		return WGRELAY_RESTORED_A_UNKNOWN_PEER;
	}
}

/*
 * Applies a checked request, skipping and counting what cannot be restored.
 * Only running out of memory stops it; what was restored until then stays.
 */
static int apply_restore(struct wgr_device *wgr, struct nlattr **attrs, struct restored *r)
{
	const struct nlattr *nest;
	struct wgr_pair_saved saved;
	struct wgr_endpoint ep;
	struct wgr_peer *peer;
	const u8 *keys[2];
	int rem, ret;
	u64 age;

	lockdep_assert_held(&wgr->lock);
	/*
	 * Bindings first: a restored pair's halves at their owners' bindings go
	 * to the front of the owners' lists (half_prefer(); pass 8, I8).
	 */
	if (attrs[WGRELAY_A_PEERS]) {
		nla_for_each_nested(nest, attrs[WGRELAY_A_PEERS], rem) {
			if (parse_binding(&ep, keys, &age, nest, NULL))
				return -EINVAL;
			peer = wgr_peer_lookup(wgr, keys[0]);
			if (!peer) {
				r->count[WGRELAY_RESTORED_A_UNKNOWN_PEER]++;
				continue;
			}
			ret = wgr_bind_restore(wgr, peer, &ep, age);
			r->count[ret ? skipped_count(ret) : WGRELAY_RESTORED_A_BINDINGS]++;
			cond_resched();
		}
	}
	if (attrs[WGRELAY_A_PAIRS]) {
		nla_for_each_nested(nest, attrs[WGRELAY_A_PAIRS], rem) {
			/* check_restore() passed it: this only splits it up. */
			if (parse_pair(&saved, keys, nest, NULL))
				return -EINVAL;
			saved.owner[0] = wgr_peer_lookup(wgr, keys[0]);
			saved.owner[1] = wgr_peer_lookup(wgr, keys[1]);
			if (!saved.owner[0] || !saved.owner[1]) {
				r->count[WGRELAY_RESTORED_A_UNKNOWN_PEER]++;
				continue;
			}
			/* The allowed lists may have changed since the save. */
			if (!wgr_peers_may_talk(saved.owner[0], saved.owner[1])) {
				r->count[WGRELAY_RESTORED_A_DENIED]++;
				continue;
			}
			ret = wgr_pair_restore(wgr, &saved);
			if (ret == -ENOMEM)
				return ret;
			r->count[ret ? skipped_count(ret) : WGRELAY_RESTORED_A_PAIRS]++;
			cond_resched();
		}
	}
	return 0;
}

static int restore_reply(struct genl_info *info, const struct restored *r)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &wgr_genl_family, 0, WGRELAY_CMD_RESTORE);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, WGRELAY_A_RESTORED);
	if (!nest)
		goto nospace;
	for (i = WGRELAY_RESTORED_A_UNSPEC + 1; i <= WGRELAY_RESTORED_A_MAX; i++)
		if (nla_put_u32(msg, i, r->count[i]))
			goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int restore(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct restored r = {};
	struct net_device *dev;
	struct wgr_device *wgr;
	int ret;

	ret = check_restore(attrs, extack);
	if (ret)
		return ret;
	dev = lookup_dev(genl_info_net(info), attrs, extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	wgr = netdev_priv(dev);

	/* wgr->lock keeps the peers it finds from going until their state is in. */
	mutex_lock(&wgr->lock);
	if (dev_alive(dev, extack))
		ret = apply_restore(wgr, attrs, &r);
	else
		ret = -ENODEV;
	mutex_unlock(&wgr->lock);
	dev_put(dev);
	if (ret == -ENOMEM)
		NL_SET_ERR_MSG_MOD(extack, "out of memory: the state was restored in part");
	return ret ? ret : restore_reply(info, &r);
}

/*
 * A request with NLM_F_DUMP for a command that is not a dump, or without it for
 * one that is, would get a bare EOPNOTSUPP from the genetlink core, which finds
 * no handler. These handlers are there only to say why.
 */
static int need_dump(struct sk_buff *skb, struct genl_info *info)
{
	NL_SET_ERR_MSG_MOD(info->extack, "this command is a dump: set NLM_F_DUMP");
	return -EOPNOTSUPP;
}

static int not_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	NL_SET_ERR_MSG_MOD(cb->extack, "this command is not a dump: clear NLM_F_DUMP");
	return -EOPNOTSUPP;
}

/*
 * Everything needs CAP_NET_ADMIN in the namespace's user namespace, reads too:
 * peers' endpoints and sessions are their users' IP addresses. The genetlink
 * core checks it before anything of ours runs, so that no handler can forget.
 */
static const struct genl_ops wgr_genl_ops[] = {
	{
		.cmd = WGRELAY_CMD_GET_DEVICE,
		.doit = need_dump,
		.start = dump_start,
		.dumpit = get_device_dump,
		.done = dump_done,
		.policy = get_policy,
		.maxattr = WGRELAY_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WGRELAY_CMD_SET_DEVICE,
		.doit = set_device,
		.dumpit = not_dump,
		.policy = set_policy,
		.maxattr = WGRELAY_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WGRELAY_CMD_GET_SESSIONS,
		.doit = need_dump,
		.start = dump_start,
		.dumpit = get_sessions_dump,
		.done = dump_done,
		.policy = get_policy,
		.maxattr = WGRELAY_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WGRELAY_CMD_FLUSH,
		.doit = flush,
		.dumpit = not_dump,
		.policy = flush_policy,
		.maxattr = WGRELAY_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WGRELAY_CMD_RESTORE,
		.doit = restore,
		.dumpit = not_dump,
		.policy = restore_policy,
		.maxattr = WGRELAY_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

enum {
	WGR_MCGRP_EVENTS,
};

/*
 * Events carry peers' addresses, as the reads do: only CAP_NET_ADMIN in the
 * namespace the listener's socket (and so the device) lives in may join.
 */
static const struct genl_multicast_group wgr_genl_mcgrps[] = {
	[WGR_MCGRP_EVENTS] = {
		.name = WGRELAY_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family wgr_genl_family __ro_after_init = {
	.ops = wgr_genl_ops,
	.n_ops = ARRAY_SIZE(wgr_genl_ops),
	.mcgrps = wgr_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(wgr_genl_mcgrps),
	.name = WGRELAY_GENL_NAME,
	.version = WGRELAY_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
};

/**
 * wgr_genl_init - register the "wgrelay" generic netlink family
 *
 * Return: 0 or a negative errno from genl_register_family().
 */
int wgr_genl_init(void)
{
	return genl_register_family(&wgr_genl_family);
}

/**
 * wgr_genl_uninit - unregister the family
 *
 * Returns once no handler of ours runs any more; dumps still open are ended
 * and their .done called by the core.
 */
void wgr_genl_uninit(void)
{
	genl_unregister_family(&wgr_genl_family);
}

/**
 * wgr_genl_events_listened - does anyone in @net listen to the events group?
 * @net: the relay device's namespace
 *
 * Context: any but hard IRQ (reads the group's listener bitmap under RCU).
 * Return: true if a socket in @net has joined WGRELAY_MCGRP_EVENTS.
 */
bool wgr_genl_events_listened(struct net *net)
{
	return genl_has_listeners(&wgr_genl_family, net, WGR_MCGRP_EVENTS);
}

/**
 * wgr_genl_event_put - start a WGRELAY_CMD_EVENT message
 * @skb: the message's buffer
 *
 * Return: the generic netlink header to end with genlmsg_end(), or NULL if
 * @skb has no room.
 */
void *wgr_genl_event_put(struct sk_buff *skb)
{
	return genlmsg_put(skb, 0, 0, &wgr_genl_family, 0, WGRELAY_CMD_EVENT);
}

/**
 * wgr_genl_event_send - send an event message to the group in @net
 * @net: the relay device's namespace
 * @skb: the message (wgr_genl_event_put()); consumed
 *
 * Context: process.
 * Return: 0, -ESRCH if nobody listens any more, or another negative errno.
 */
int wgr_genl_event_send(struct net *net, struct sk_buff *skb)
{
	return genlmsg_multicast_netns(&wgr_genl_family, net, skb, 0, WGR_MCGRP_EVENTS,
				       GFP_KERNEL);
}
