// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's UDP sockets: one IPv4 and one IPv6 socket on the listen port, in the
 * namespace the device was created in, set up as UDP tunnel sockets so that every
 * datagram goes straight to wgr_relay_rcv() in softirq. Relayed datagrams leave
 * from the same port: a NAT with address-and-port-dependent filtering lets in
 * only what comes from where its mapping points.
 */
#include <linux/net.h>
#include <linux/udp.h>
#include <net/udp_tunnel.h>
#include <net/ip6_route.h>
#include <net/route.h>

#include "device.h"
#include "relay.h"
#include "socket.h"

static int sock_open(struct wgr_device *wgr, int family, u16 port, struct socket **out)
{
	struct udp_tunnel_sock_cfg tunnel = {
		.sk_user_data = wgr,
		.encap_type = 1,
		.encap_rcv = wgr_relay_rcv,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		/* The IPv4 socket has the port for IPv4; do not let v4-mapped collide. */
		.ipv6_v6only = true,
	};
	struct socket *sock;
	int ret;

	if (family == AF_INET)
		cfg.local_ip.s_addr = htonl(INADDR_ANY);
	else
		cfg.local_ip6 = in6addr_any;
	ret = udp_sock_create(wgr->net, &cfg, &sock);
	if (ret)
		return ret;
	wgr_setup_udp_tunnel_sock(wgr->net, sock, &tunnel);
	*out = sock;
	return 0;
}

static void sock_free(struct sock *sk)
{
	if (sk)
		wgr_udp_tunnel_sock_release(sk->sk_socket);
}

/**
 * wgr_socket_open - open the relay's sockets on a port, replacing any open ones
 * @wgr: the relay
 * @port: the UDP port
 * @extack: for the reason of a failure, may be NULL
 *
 * Both sockets are opened before the old ones are closed, so a failure (most
 * often: the port is in use) leaves the relay as it was. IPv6 may be missing
 * (disabled on the kernel command line): the relay then serves IPv4 alone.
 * Context: process, wgr->lock held.
 * Return: 0 or a negative errno.
 */
int wgr_socket_open(struct wgr_device *wgr, u16 port, struct netlink_ext_ack *extack)
{
	struct socket *sock4, *sock6 = NULL;
	struct sock *old4, *old6;
	int ret;

	lockdep_assert_held(&wgr->lock);
	ret = sock_open(wgr, AF_INET, port, &sock4);
	if (ret)
		goto err;
	if (IS_ENABLED(CONFIG_IPV6) && ipv6_mod_enabled()) {
		ret = sock_open(wgr, AF_INET6, port, &sock6);
		if (ret && ret != -EAFNOSUPPORT)
			goto err_sock4;
	}
	old4 = rcu_replace_pointer(wgr->sock4, sock4->sk, lockdep_is_held(&wgr->lock));
	old6 = rcu_replace_pointer(wgr->sock6, sock6 ? sock6->sk : NULL,
				   lockdep_is_held(&wgr->lock));
	/* udp_tunnel_sock_release() waits for receivers; senders use RCU too. */
	synchronize_net();
	sock_free(old4);
	sock_free(old6);
	return 0;

err_sock4:
	wgr_udp_tunnel_sock_release(sock4);
err:
	if (ret == -EADDRINUSE)
		NL_SET_ERR_MSG_MOD(extack, "listen port is already in use");
	else
		NL_SET_ERR_MSG_MOD(extack, "cannot open the relay's UDP sockets");
	return ret;
}

/**
 * wgr_socket_close - close the relay's sockets
 * @wgr: the relay
 *
 * Context: process, wgr->lock held.
 */
void wgr_socket_close(struct wgr_device *wgr)
{
	struct sock *old4, *old6;

	lockdep_assert_held(&wgr->lock);
	old4 = rcu_replace_pointer(wgr->sock4, NULL, lockdep_is_held(&wgr->lock));
	old6 = rcu_replace_pointer(wgr->sock6, NULL, lockdep_is_held(&wgr->lock));
	synchronize_net();
	sock_free(old4);
	sock_free(old6);
}

/*
 * Room for the new headers where the old ones were. The old IP and UDP headers
 * and the link header before them leave enough for any same-family relay, so
 * this copies only a cloned skb (someone is capturing) or an unusual device.
 */
static int make_headroom(struct sk_buff *skb, struct dst_entry *dst, unsigned int ip_len)
{
	return skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len +
				 ip_len + sizeof(struct udphdr));
}

/**
 * wgr_route_alloc - a route cache for one peer, one slot per CPU
 *
 * Per peer, as WireGuard keeps its dst_cache: sessions are many (two per
 * handshake, a million on a big relay) and a per-CPU cache each would cost more
 * than the rest of the session; peers are few, and each is at one endpoint.
 * Context: process.
 * Return: the cache, or NULL.
 */
struct wgr_route __percpu *wgr_route_alloc(void)
{
	return alloc_percpu(struct wgr_route);
}

/* Context: nothing can use @route any more (after an RCU grace period). */
void wgr_route_free(struct wgr_route __percpu *route)
{
	int cpu;

	if (!route)
		return;
	for_each_possible_cpu(cpu)
		dst_release(per_cpu_ptr(route, cpu)->dst);
	free_percpu(route);
}

/*
 * The cached route if it is for this destination and source and still valid,
 * without a reference: the slot keeps its own until this CPU replaces it
 * (wgr_route_cached() says when that is enough).
 */
static struct dst_entry *route_peek(struct wgr_route *r, sa_family_t family, const void *daddr,
				    const void *saddr, u32 oif, size_t alen)
{
	struct dst_entry *dst = r->dst;

	if (!dst || r->family != family || r->oif != oif || memcmp(&r->daddr, daddr, alen) ||
	    memcmp(&r->saddr, saddr, alen))
		return NULL;
	if (!dst_check(dst, r->cookie)) {
		/* The routes changed (or the source address went away). */
		r->dst = NULL;
		dst_release(dst);
		return NULL;
	}
	return dst;
}

/* The same, holding a reference: wgr_send()'s route outlives its RCU section. */
static struct dst_entry *route_get(struct wgr_route *r, sa_family_t family, const void *daddr,
				   const void *saddr, u32 oif, size_t alen)
{
	struct dst_entry *dst = route_peek(r, family, daddr, saddr, oif, alen);

	if (dst)
		dst_hold(dst);
	return dst;
}

/**
 * wgr_route_cached - the route cached for sending to @to from its local address
 * @route: the receiving peer's route cache
 * @to: the endpoint, with the local address to send from
 *
 * For the fast path (fastpath.c), which sends only where wgr_send() already
 * sent from that very address (its datagrams then meet OUTPUT as those did):
 * it never looks a route up itself. No reference is taken, which saves two
 * locked instructions a datagram (the hold and, at the device, the release):
 * the caller attaches the route with skb_dst_set_noref() and sends before it
 * leaves its RCU read section, as the stack's input routes are used. The rule
 * that makes it safe: this CPU's slot keeps its reference until ip_local_out()
 * returns, because only this CPU changes its slot, with bottom halves off, and
 * nothing the send runs does so (a datagram to a peer on this machine goes
 * through loopback's backlog, after the hook). Whatever keeps the datagram
 * longer (a qdisc, a queue to user space, a neighbour being resolved) takes a
 * reference of its own first (skb_dst_force()).
 * Context: softirq, or with bottom halves disabled, in an RCU read section.
 * Return: the route, valid until the caller's RCU read section ends or it
 * changes this CPU's slot, or NULL: none is cached, or it is no longer valid.
 */
struct dst_entry *wgr_route_cached(struct wgr_route __percpu *route, const struct wgr_endpoint *to)
{
	struct wgr_route *r = this_cpu_ptr(route);

	if (to->addr.sa_family == AF_INET)
		return route_peek(r, AF_INET, &to->addr4.sin_addr.s_addr, &to->src4, 0,
				  sizeof(to->src4));
	return route_peek(r, AF_INET6, &to->addr6.sin6_addr, &to->src6, to->addr6.sin6_scope_id,
			  sizeof(to->src6));
}

static void route_set(struct wgr_route *r, struct dst_entry *dst, sa_family_t family,
		      const void *daddr, const void *saddr, u32 oif, size_t alen, u32 cookie)
{
	struct dst_entry *old = r->dst;

	dst_hold(dst);
	r->dst = dst;
	r->cookie = cookie;
	r->oif = oif;
	r->family = family;
	memcpy(&r->daddr, daddr, alen);
	memcpy(&r->saddr, saddr, alen);
	dst_release(old);
}

/*
 * @route (may be NULL: handshakes, which go anywhere, are not cached) is the
 * receiving peer's; wgr_send() runs with BH off, so this CPU's slot is ours.
 * Only a route from the source the peer reached us at is cached: the fallback
 * below (that address is gone) is looked up every time until the peer moves.
 */
static int send4(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_endpoint *to,
		 struct wgr_route *route, u8 ds, u8 ttl)
{
	__be32 daddr = to->addr4.sin_addr.s_addr, saddr = to->src4;
	struct rtable *rt = NULL;
	struct dst_entry *dst;
	struct flowi4 fl;
	struct sock *sk;

	sk = rcu_dereference_bh(wgr->sock4);
	if (unlikely(!sk))
		return -ENONET;
	if (route) {
		dst = route_get(route, AF_INET, &daddr, &saddr, 0, sizeof(daddr));
		if (dst)
			rt = container_of(dst, struct rtable, dst);
	}
	while (!rt) {
		fl = (struct flowi4){
			.daddr = daddr,
			.saddr = saddr,
			.fl4_dport = to->addr4.sin_port,
			.fl4_sport = inet_sk(sk)->inet_sport,
			.flowi4_proto = IPPROTO_UDP,
		};
		rt = ip_route_output_flow(sock_net(sk), &fl, sk);
		if (IS_ERR(rt)) {
			/* The address the peer reached us at may be gone: let the route pick. */
			if (!saddr)
				return PTR_ERR(rt);
			saddr = 0;
			rt = NULL;
			continue;
		}
		/*
		 * A peer is one host. Learnt endpoints never name a broadcast
		 * address (skb_rx(), may_roam() in relay.c), but a static one can:
		 * only the FIB knows a subnet's broadcast address, and the relay
		 * must not answer a whole link there. Checked before the route is
		 * cached, so that the fast path, which sends on cached routes
		 * only, never gets one either.
		 */
		if (unlikely(rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))) {
			ip_rt_put(rt);
			return -ENETUNREACH;
		}
		if (route && saddr)
			route_set(route, &rt->dst, AF_INET, &daddr, &saddr, 0, sizeof(daddr), 0);
		saddr = fl.saddr;
	}
	if (unlikely(make_headroom(skb, &rt->dst, sizeof(struct iphdr)))) {
		ip_rt_put(rt);
		return -ENOMEM;
	}
	wgr_udp_tunnel_xmit_skb(rt, sk, skb, saddr, daddr, ds, ttl, 0,
				inet_sk(sk)->inet_sport, to->addr4.sin_port, false, false);
	return 0;
}

static int send6(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_endpoint *to,
		 struct wgr_route *route, u8 ds, u8 ttl)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl = {
		.daddr = to->addr6.sin6_addr,
		.saddr = to->src6,
		.fl6_dport = to->addr6.sin6_port,
		.flowi6_oif = to->addr6.sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst = NULL;
	struct sock *sk;

	sk = rcu_dereference_bh(wgr->sock6);
	if (unlikely(!sk))
		return -ENONET;
	fl.fl6_sport = inet_sk(sk)->inet_sport;
	if (route)
		dst = route_get(route, AF_INET6, &fl.daddr, &fl.saddr, fl.flowi6_oif,
				sizeof(fl.daddr));
	if (!dst) {
		bool cache = route && !ipv6_addr_any(&fl.saddr);

		/*
		 * The address the peer reached us at may be gone (or came from a state
		 * file saved before a restart): let the route pick. Unlike IPv4's, the
		 * IPv6 lookup takes a source address as given.
		 */
		if (!ipv6_addr_any(&fl.saddr) && !ipv6_chk_addr(sock_net(sk), &fl.saddr, NULL, 0)) {
			fl.saddr = in6addr_any;
			cache = false;
		}
		dst = wgr_ip6_dst_lookup_flow(sock_net(sk), sk, &fl, NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		if (cache) {
			/* Not an IPv6 route when IPsec bundles it: no fib serial then. */
			u32 cookie = dst->ops->family == AF_INET6 ?
				     rt6_get_cookie(container_of(dst, struct rt6_info, dst)) : 0;

			route_set(route, dst, AF_INET6, &fl.daddr, &fl.saddr, fl.flowi6_oif,
				  sizeof(fl.daddr), cookie);
		}
	}
	if (unlikely(make_headroom(skb, dst, sizeof(struct ipv6hdr)))) {
		dst_release(dst);
		return -ENOMEM;
	}
	wgr_udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &fl.saddr, &fl.daddr, ds, ttl, 0,
				 fl.fl6_sport, fl.fl6_dport, false);
	return 0;
#else
	return -EAFNOSUPPORT;
#endif
}

/**
 * wgr_send - relay a datagram, reusing its buffer
 * @wgr: the relay
 * @skb: the datagram with skb->data at the WireGuard message; consumed
 * @to: the endpoint to send it to, from the local address in @to when possible
 * @route: the receiving peer's route cache, or NULL
 * @ds: the DSCP and ECN bits it arrived with: they travel with it
 * @ttl: the TTL (hop limit) it leaves with: the arriving one less one, at most
 *       64, so that a loop through relays dies (trust model v2)
 *
 * The tunnel helpers push the new UDP and IP headers into the headroom the old
 * ones left. The caller reads @ds from the datagram as it came in: a copy made
 * by pskb_copy() has no IP header of its own to read it from.
 * Context: softirq, or with bottom halves disabled.
 * Return: 0 when handed to the IP layer, or a negative errno (skb freed).
 */
int wgr_send(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_endpoint *to,
	     struct wgr_route __percpu *route, u8 ds, u8 ttl)
{
	int ret;

	/* Nothing of the way in may steer the way out: no mark, no conntrack, no dst. */
	skb_scrub_packet(skb, true);
	skb->dev = NULL;
	skb->ip_summed = CHECKSUM_NONE;
	skb_reset_inner_headers(skb);
	skb->encapsulation = 0;
	/*
	 * A full-size IPv4 datagram is too big for IPv6 once its header grows: the
	 * relay is the IPv6 sender then, and may fragment it (the scrub cleared this).
	 */
	skb->ignore_df = 1;

	rcu_read_lock_bh();
	if (to->addr.sa_family == AF_INET)
		ret = send4(wgr, skb, to, route ? this_cpu_ptr(route) : NULL, ds, ttl);
	else if (to->addr.sa_family == AF_INET6)
		ret = send6(wgr, skb, to, route ? this_cpu_ptr(route) : NULL, ds, ttl);
	else
		ret = -EAFNOSUPPORT;
	rcu_read_unlock_bh();
	if (likely(!ret))
		return 0;
	wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
	kfree_skb(skb);
	return ret;
}
