// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path: data on a confirmed session, from where its sender is in it,
 * relayed before the IP stack delivers it to the relay's socket.
 *
 * Such a datagram needs no decision: the session says where it goes. Taking it
 * at PRE_ROUTING skips what any relay built on a socket pays for each datagram
 * (the input route, the INPUT hook, the socket lookup, UDP's receive, and the
 * tunnel transmit's OUTPUT hook), which is more than the kernel's own IP
 * forwarding does: the headers are rewritten in place (addresses, ports, TTL;
 * the checksums updated incrementally, or, for one the device is still to
 * compute, told afresh; the payload untouched) and the datagram
 * leaves on the route the socket path cached for its receiver, from the relay's
 * socket, through the OUTPUT and POSTROUTING hooks as the socket path's do (a
 * firewall's outbound rules, conntrack and SNAT see it alike).
 *
 * Everything else falls through to the socket path unchanged, which decides,
 * counts and reports it as it always has: handshakes, tentative sessions, roams,
 * unknown indices, loops, IP options and fragments, link-local and loopback
 * traffic, a local or martian source (the input route drops those on the
 * socket path), a frame a bridge forwards to another host, a datagram too big
 * for the route, a route not cached yet or no longer valid, no UDP checksum,
 * and a bad one (the socket path sees the checksum verified; so does this).
 * Nothing is changed before the fast path is sure to take a datagram
 * (wgr_relay_data_peek()), and what it takes is counted as the socket path
 * would have (wgr_relay_data_fast()), so the trust rules, expiry,
 * the counters and `ip -s link` do not know which path a datagram took; only
 * the fast_packets counter does.
 *
 * The hooks sit between raw (-300) and conntrack (-200): a firewall's raw
 * chains see every datagram, but on the way in the fast path's datagrams meet
 * neither conntrack, the mangle, dstnat and filter chains of PRE_ROUTING and
 * INPUT, reverse-path filtering, nor IPsec's inbound policy. A rule that drops
 * the relay's port there stops new sessions (their handshakes take the socket
 * path) but not the data of confirmed ones, which flows as long as its sender
 * sends: README says so. They are registered while the relay is up with the
 * fast path on (`relayctl set DEV fast-path off` takes them out).
 */
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/checksum.h>
#include <net/dst.h>
#include <net/ip6_checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "addr.h"
#include "device.h"
#include "fastpath.h"
#include "messages.h"
#include "relay.h"
#include "session.h"
#include "socket.h"

/* After the raw table, before conntrack and its defragmentation's consumers. */
#define WGR_FAST_PRIORITY	(NF_IP_PRI_RAW + 50)

/* The most hops a relayed datagram may still make, as the socket path's (relay.c). */
#define WGR_FAST_MAX_TTL	64

/* The receiver index and counter of a data message, which decide its way. */
#define WGR_FAST_PEEK		(WGR_DATA_COUNTER_OFF + sizeof(u64))

/*
 * Is this a data message to @port, the relay's socket's? @hlen is the IP
 * header's length; the UDP header and the message's first WGR_FAST_PEEK bytes
 * are pulled into the linear area. The IP layer trimmed the buffer to the IP
 * length: the UDP length must agree with it, as the socket path's skb_message()
 * demands. The port is the socket's own, not the configuration's: while the
 * listen port changes, the new socket is published before the setting, and a
 * datagram to the old port must not leave from the new one.
 */
static struct udphdr *data_to_port(struct sk_buff *skb, unsigned int hlen, __be16 port)
{
	struct udphdr *uh;
	unsigned int len;

	/* The port first: the hook sees every UDP datagram of the namespace. */
	if (!pskb_may_pull(skb, hlen + sizeof(*uh)))
		return NULL;
	uh = (struct udphdr *)(skb->data + hlen);
	if (uh->dest != port ||
	    !pskb_may_pull(skb, hlen + sizeof(*uh) + WGR_FAST_PEEK))
		return NULL;
	uh = (struct udphdr *)(skb->data + hlen);
	len = ntohs(uh->len);
	if (len != skb->len - hlen || len < sizeof(*uh) ||
	    wgr_message_type_of((const u8 *)(uh + 1), len - sizeof(*uh)) != WGR_MSG_DATA)
		return NULL;
	return uh;
}

/* What rules out the fast path before any header is read. */
static bool never_fast(const struct sk_buff *skb, const struct nf_hook_state *state)
{
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	/*
	 * A bridge with br_netfilter runs these hooks for frames it forwards to
	 * another host, their packet type set to PACKET_HOST for the while: such
	 * a frame is not the relay's (the socket path never sees it), whatever
	 * its IP destination says.
	 */
	const struct nf_bridge_info *nb = nf_bridge_info_get(skb);

	if (nb && nb->pkt_otherhost)
		return true;
#endif
	/* Loopback carries the relay's own traffic and its loop checks (relay.c). */
	return skb->pkt_type != PACKET_HOST || skb_is_gso(skb) ||
	       (state->in && (state->in->flags & IFF_LOOPBACK));
}

/*
 * The UDP checksum is verified, as the UDP layer does before the socket path
 * sees a datagram. A zero one (none: IPv4 allows it) is left to the socket
 * path, which sends a real one.
 */
static bool checksum_ok(struct sk_buff *skb, const struct nf_hook_state *state,
			unsigned int hlen, u8 family)
{
	return !nf_checksum(skb, state->hook, hlen, IPPROTO_UDP, family);
}

/*
 * The session's receiver, its route and what the datagram may carry: the half
 * and its route (both under RCU, no reference: wgr_route_cached()), or NULL.
 * @src is where the datagram came from, with the local address it came to.
 */
static struct wgr_half *fast_route(struct wgr_device *wgr, struct sk_buff *skb, u32 index,
				   const struct wgr_endpoint *src, struct wgr_endpoint *to,
				   struct dst_entry **dst)
{
	struct wgr_half *h;

	h = wgr_relay_data_peek(wgr, index, src, to);
	if (!h || to->addr.sa_family != src->addr.sa_family)
		return NULL;
	*dst = wgr_route_cached(h->owner->route, to);
	if (!*dst)
		return NULL;
	/* The socket path may fragment it (wgr_send() sets ignore_df). */
	if (skb->len > dst_mtu(*dst))
		return NULL;
	return h;
}

/*
 * Ready the rewritten datagram for @dst as wgr_send() readies its own: nothing
 * of the way in may steer the way out (no mark, conntrack, IP control block,
 * inner headers, VLAN tag; a reassembled datagram's fragment size goes with
 * the control block, so it leaves whole, as the socket path sends it). No
 * input device either: ip_output() hands skb->dev to POSTROUTING as the way
 * in, where the socket path's datagrams have none (a rule on iifname would
 * tell the paths apart), and nothing holds that device while an OUTPUT rule
 * has the datagram queued to user space.
 */
static void fast_ready(struct sk_buff *skb, struct dst_entry *dst)
{
	skb_scrub_packet(skb, true);
	skb->dev = NULL;
	__vlan_hwaccel_clear_tag(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	skb_reset_inner_headers(skb);
	skb->encapsulation = 0;
	skb_dst_set_noref(skb, dst);
}

/*
 * The checksums' part of a rewrite, for a checksum that was verified: updated
 * in place (by the caller, incrementally), it is final from here on.
 */
static void fix_udp_csum(struct sk_buff *skb, struct udphdr *uh)
{
	skb->ip_summed = CHECKSUM_NONE;
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

/*
 * A buffer whose UDP checksum is still to be computed (CHECKSUM_PARTIAL: from
 * a sender on this machine, over veth or a tap) gets the device's part of the
 * work told afresh, as udp_set_csum() tells it for the socket path: where the
 * sum starts and goes, and the pseudo-header's sum in @seed's place. Nothing
 * the sender said of them survives: a tap's sender sets where the device will
 * write, and could have pointed it into the IP header.
 */
static void reseed_udp_csum(struct sk_buff *skb, struct udphdr *uh, __sum16 seed)
{
	skb->csum_start = (unsigned char *)uh - skb->head;
	skb->csum_offset = offsetof(struct udphdr, check);
	uh->check = seed;
}

/*
 * The datagram is the fast path's once its checksum holds and its headers
 * (IP header of @hlen bytes, UDP header) may be written: then it is counted
 * as the socket path would count it. The checksum comes after the session:
 * junk on unknown indices costs a lookup, not a pass over its bytes, before
 * the operator's rules can drop it.
 * Return: its length from the UDP header on, or 0: it is left to the socket
 * path.
 */
static unsigned int fast_take(struct wgr_device *wgr, struct sk_buff *skb,
			      const struct nf_hook_state *state, unsigned int hlen, u8 family,
			      struct wgr_half *h, const struct wgr_endpoint *src)
{
	unsigned int len;

	if (!checksum_ok(skb, state, hlen, family) ||
	    skb_ensure_writable(skb, hlen + sizeof(struct udphdr)))
		return 0;
	len = skb->len - hlen;
	wgr_relay_data_fast(wgr, h, src,
			    wgr_data_counter(skb->data + hlen + sizeof(struct udphdr)), len);
	return len;
}

/*
 * The UDP ports' part of a rewrite: it leaves from the relay's port, where it
 * came to, for @to_port; the checksum follows unless it is still to compute.
 */
static void rewrite_ports(struct sk_buff *skb, struct udphdr *uh, __be16 to_port)
{
	__be16 relay_port = uh->dest;

	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		inet_proto_csum_replace2(&uh->check, skb, uh->source, relay_port, false);
		inet_proto_csum_replace2(&uh->check, skb, relay_port, to_port, false);
	}
	uh->dest = to_port;
	uh->source = relay_port;
}

static unsigned int fast4(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct wgr_device *wgr = priv;
	struct wgr_endpoint src, to;
	struct dst_entry *dst;
	struct wgr_half *h;
	struct udphdr *uh;
	struct iphdr *ip;
	struct sock *sk;
	unsigned int len;
	u8 ttl;

	if (never_fast(skb, state) || !pskb_may_pull(skb, sizeof(*ip)))
		return NF_ACCEPT;
	sk = rcu_dereference(wgr->sock4);
	if (!sk)
		return NF_ACCEPT;
	ip = ip_hdr(skb);
	if (ip->ihl != 5 || ip->protocol != IPPROTO_UDP || ip_is_fragment(ip) || ip->ttl <= 1)
		return NF_ACCEPT;
	uh = data_to_port(skb, sizeof(*ip), inet_sk(sk)->inet_sport);
	if (!uh || !uh->check)
		return NF_ACCEPT;
	ip = ip_hdr(skb);
	/*
	 * A source the input route would drop as a martian, or the very address
	 * it came to (a spoof from outside: the kernel drops local sources unless
	 * accept_local is on), or a destination it would drop (127/8 from outside).
	 * The input route checks every other local address too, per datagram (a
	 * hash of the interfaces' addresses, a FIB lookup with rp_filter on); the
	 * only exported check falls back to the local table on a miss, i.e. for
	 * every remote source. It matters only for a session whose sender is on
	 * this machine, and the session knows such a sender
	 * (wgr_half_lookup_outside()): by the address it had when the session took
	 * it, by an address that came up since (wgr_state_local4()), or by the
	 * sender's own datagrams over loopback since (a local route: README, "The
	 * fast path and the VPS's firewall").
	 */
	if (ipv4_is_loopback(ip->saddr) || ipv4_is_multicast(ip->saddr) ||
	    ipv4_is_lbcast(ip->saddr) || ipv4_is_zeronet(ip->saddr) || ip->saddr == ip->daddr ||
	    ipv4_is_loopback(ip->daddr) || ipv4_is_zeronet(ip->daddr))
		return NF_ACCEPT;
	memset(&src, 0, sizeof(src));
	src.addr4.sin_family = AF_INET;
	src.addr4.sin_port = uh->source;
	src.addr4.sin_addr.s_addr = ip->saddr;
	src.src4 = ip->daddr;

	h = fast_route(wgr, skb, wgr_data_receiver((const u8 *)(uh + 1)), &src, &to, &dst);
	if (!h)
		return NF_ACCEPT;
	len = fast_take(wgr, skb, state, sizeof(*ip), NFPROTO_IPV4, h, &src);
	if (!len)
		return NF_ACCEPT;

	ip = ip_hdr(skb);
	uh = (struct udphdr *)(skb->data + sizeof(*ip));
	ttl = min_t(u8, ip->ttl - 1, WGR_FAST_MAX_TTL);
	rewrite_ports(skb, uh, to.addr4.sin_port);
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		inet_proto_csum_replace4(&uh->check, skb, ip->saddr, to.src4, true);
		inet_proto_csum_replace4(&uh->check, skb, ip->daddr, to.addr4.sin_addr.s_addr, true);
		fix_udp_csum(skb, uh);
	} else {
		reseed_udp_csum(skb, uh, ~csum_tcpudp_magic(to.src4, to.addr4.sin_addr.s_addr,
							     len, IPPROTO_UDP, 0));
	}
	ip->saddr = to.src4;
	ip->daddr = to.addr4.sin_addr.s_addr;
	ip->ttl = ttl;
	/* No DF, and an identifier of the relay's, as wgr_send()'s datagrams. */
	ip->frag_off = 0;
	ip_select_ident(state->net, skb, sk);
	fast_ready(skb, dst);
	/* The header checksum is ip_local_out()'s. */
	ip_local_out(state->net, sk, skb);
	return NF_STOLEN;
}

#if IS_ENABLED(CONFIG_IPV6)
static unsigned int fast6(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct wgr_device *wgr = priv;
	struct wgr_endpoint src, to;
	struct dst_entry *dst;
	struct ipv6hdr *ip6;
	struct wgr_half *h;
	struct udphdr *uh;
	struct sock *sk;
	unsigned int len;
	int i, stype;
	u8 ttl, ds;

	if (never_fast(skb, state) || !pskb_may_pull(skb, sizeof(*ip6)))
		return NF_ACCEPT;
	sk = rcu_dereference(wgr->sock6);
	if (!sk)
		return NF_ACCEPT;
	ip6 = ipv6_hdr(skb);
	stype = ipv6_addr_type(&ip6->saddr);
	if (ip6->nexthdr != IPPROTO_UDP || ip6->hop_limit <= 1 ||
	    ntohs(ip6->payload_len) != skb->len - sizeof(*ip6) ||
	    !wgr_ipv6_source_type_ok(stype) || (stype & IPV6_ADDR_LINKLOCAL) ||
	    (ipv6_addr_type(&ip6->daddr) & (IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MULTICAST)))
		return NF_ACCEPT;
	uh = data_to_port(skb, sizeof(*ip6), inet_sk(sk)->inet_sport);
	if (!uh || !uh->check)
		return NF_ACCEPT;
	ip6 = ipv6_hdr(skb);
	/*
	 * A local source from outside is a spoof (skb_rx() in relay.c). The
	 * session knows a sender on this machine (wgr_half_lookup_outside()); this
	 * is a hash lookup, and also holds for an address the machine took since
	 * that sender last spoke.
	 */
	if (wgr_ipv6_is_local(state->net, &ip6->saddr))
		return NF_ACCEPT;
	memset(&src, 0, sizeof(src));
	src.addr6.sin6_family = AF_INET6;
	src.addr6.sin6_port = uh->source;
	src.addr6.sin6_addr = ip6->saddr;
	src.src6 = ip6->daddr;

	h = fast_route(wgr, skb, wgr_data_receiver((const u8 *)(uh + 1)), &src, &to, &dst);
	if (!h)
		return NF_ACCEPT;
	len = fast_take(wgr, skb, state, sizeof(*ip6), NFPROTO_IPV6, h, &src);
	if (!len)
		return NF_ACCEPT;

	ip6 = ipv6_hdr(skb);
	uh = (struct udphdr *)(skb->data + sizeof(*ip6));
	ttl = min_t(u8, ip6->hop_limit - 1, WGR_FAST_MAX_TTL);
	ds = ipv6_get_dsfield(ip6);
	rewrite_ports(skb, uh, to.addr6.sin6_port);
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		for (i = 0; i < 4; i++) {
			inet_proto_csum_replace4(&uh->check, skb, ip6->saddr.s6_addr32[i],
						 to.src6.s6_addr32[i], true);
			inet_proto_csum_replace4(&uh->check, skb, ip6->daddr.s6_addr32[i],
						 to.addr6.sin6_addr.s6_addr32[i], true);
		}
		fix_udp_csum(skb, uh);
	} else {
		reseed_udp_csum(skb, uh, ~csum_ipv6_magic(&to.src6, &to.addr6.sin6_addr, len,
							   IPPROTO_UDP, 0));
	}
	ip6->saddr = to.src6;
	ip6->daddr = to.addr6.sin6_addr;
	/* The traffic class travels; the flow label does not, as wgr_send()'s. */
	ip6_flow_hdr(ip6, ds, 0);
	ip6->hop_limit = ttl;
	fast_ready(skb, dst);
	ip6_local_out(state->net, sk, skb);
	return NF_STOLEN;
}

#endif

/*
 * The hooks run in softirq, but not only: a datagram an earlier hook queued to
 * user space (NF_QUEUE) comes back through the later ones from the verdict's
 * netlink call. The per-CPU route cache (wgr_route_cached()) needs bottom
 * halves off, as wgr_send() has them: they also keep this CPU's slot, and so
 * the route the datagram leaves on without a reference of its own, unchanged
 * until it is sent.
 */
static unsigned int fast_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	unsigned int verdict = NF_ACCEPT;

	local_bh_disable();
	if (state->pf == NFPROTO_IPV4)
		verdict = fast4(priv, skb, state);
#if IS_ENABLED(CONFIG_IPV6)
	else
		verdict = fast6(priv, skb, state);
#endif
	local_bh_enable();
	return verdict;
}

/**
 * wgr_fastpath_start - put the relay's fast path in its namespace
 * @wgr: the relay, its sockets open
 * @extack: for the reason of a failure, may be NULL
 *
 * Does nothing when the fast path is off or already in.
 * Context: process, wgr->lock held.
 * Return: 0 or a negative errno (no memory for the hooks: the caller fails,
 * whether bringing the relay up or switching the fast path on).
 */
int wgr_fastpath_start(struct wgr_device *wgr, struct netlink_ext_ack *extack)
{
	struct wgr_fastpath *fp = &wgr->fast;
	unsigned int n = 1;
	int ret;

	lockdep_assert_held(&wgr->lock);
	if (fp->registered || !wgr->cfg.fast_path)
		return 0;
	fp->ops[0] = (struct nf_hook_ops){
		.hook = fast_hook,
		.priv = wgr,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = WGR_FAST_PRIORITY,
	};
#if IS_ENABLED(CONFIG_IPV6)
	fp->ops[1] = (struct nf_hook_ops){
		.hook = fast_hook,
		.priv = wgr,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = WGR_FAST_PRIORITY,
	};
	/* IPv6 can be off on the kernel command line; the relay serves IPv4 then. */
	if (ipv6_mod_enabled())
		n = 2;
#endif
	ret = nf_register_net_hooks(wgr->net, fp->ops, n);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "cannot register the fast path's netfilter hooks");
		return ret;
	}
	fp->registered = n;
	return 0;
}

/**
 * wgr_fastpath_stop - take the relay's fast path out of its namespace
 * @wgr: the relay
 *
 * When this returns, no datagram is in the fast path any more, so the relay's
 * state may go: the netfilter core frees its hook list after a grace period
 * but does not wait for the hooks running, so this does.
 * Context: process, wgr->lock held.
 */
void wgr_fastpath_stop(struct wgr_device *wgr)
{
	struct wgr_fastpath *fp = &wgr->fast;

	lockdep_assert_held(&wgr->lock);
	if (!fp->registered)
		return;
	nf_unregister_net_hooks(wgr->net, fp->ops, fp->registered);
	fp->registered = 0;
	synchronize_net();
}

/**
 * wgr_fastpath_set - switch the fast path on or off
 * @wgr: the relay
 * @on: the new setting
 * @extack: for the reason of a failure
 *
 * Takes effect at once while the relay is up, else when it comes up.
 * Context: process, wgr->lock held.
 * Return: 0, or a negative errno with the setting unchanged.
 */
int wgr_fastpath_set(struct wgr_device *wgr, bool on, struct netlink_ext_ack *extack)
{
	bool was = wgr->cfg.fast_path;
	int ret;

	lockdep_assert_held(&wgr->lock);
	WRITE_ONCE(wgr->cfg.fast_path, on);
	if (!on) {
		wgr_fastpath_stop(wgr);
		return 0;
	}
	if (!rcu_access_pointer(wgr->sock4))
		return 0;
	ret = wgr_fastpath_start(wgr, extack);
	if (ret)
		WRITE_ONCE(wgr->cfg.fast_path, was);
	return ret;
}
