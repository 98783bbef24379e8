/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, in one place. Force-included into every file of the
 * module by Kbuild, so logic never carries #if LINUX_VERSION_CODE of its own.
 * Built and tested on Debian's 6.1 and 6.12 (every test), and booted for the
 * core relay tests on Debian 12's cloud-amd64 6.1 and unstable's 7.2.13 (make
 * check; scripts/kernels.sh). Compile-tested only (W=1, warning free, imports
 * checked by modpost against the tree's exports; never loaded) on 5.15.135,
 * Ubuntu's 5.15.0-25 and 6.8.0-31 (make compat), 6.18.2, 6.19, 7.0-rc6, 7.1.3,
 * and Debian's 7.3.4, the newest release that could be had. Kernels between 6.12 and
 * 6.18 were not built: the 6.15 and 6.17 cut-offs below come from the kernels'
 * history, checked only on either side of them.
 */
#ifndef _WGR_COMPAT_H
#define _WGR_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>
#include <crypto/blake2s.h>
/* 5.15's headers do not bring in isalnum() and the like by themselves. */
#include <linux/ctype.h>

/* 6.12 moved the unaligned accessors from asm/ to linux/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.12 turned NETIF_F_LLTX into a private flag bit of its own. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
static inline void wgr_set_lltx(struct net_device *dev) { dev->lltx = true; }
#else
static inline void wgr_set_lltx(struct net_device *dev) { dev->features |= NETIF_F_LLTX; }
#endif

/*
 * Devices that must not change namespace: a feature bit until 6.12, then
 * dev->netns_local, renamed dev->netns_immutable in 6.15 (and in 6.12.y stable,
 * hence the header probe in Kbuild).
 */
#if defined(WGR_HAVE_NETNS_IMMUTABLE)
static inline void wgr_set_netns_local(struct net_device *dev) { dev->netns_immutable = true; }
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
static inline void wgr_set_netns_local(struct net_device *dev) { dev->netns_local = true; }
#else
static inline void wgr_set_netns_local(struct net_device *dev)
{
	dev->features |= NETIF_F_NETNS_LOCAL;
}
#endif

/*
 * dev->reg_state was a bit-field, which READ_ONCE() cannot take, until it became
 * a u8 (after 6.8, and in stable trees such as Debian's 6.1): probed by Kbuild.
 */
#if defined(WGR_HAVE_REG_STATE_U8)
static inline u8 wgr_dev_reg_state(const struct net_device *dev)
{
	return READ_ONCE(dev->reg_state);
}
#else
static inline u8 wgr_dev_reg_state(const struct net_device *dev)
{
	return dev->reg_state;
}
#endif

/* 6.2 moved a dump's parsed attributes into a struct genl_info. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static inline struct nlattr **wgr_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#else
static inline struct nlattr **wgr_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

/* 6.19 put blake2s()'s key first and its lengths beside their buffers. */
static inline void wgr_blake2s(u8 *out, size_t outlen, const u8 *in, size_t inlen,
			       const u8 *key, size_t keylen)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
	blake2s(key, keylen, in, inlen, out, outlen);
#else
	blake2s(out, in, key, outlen, inlen, keylen);
#endif
}

/*
 * 6.17 gave udp_tunnel_xmit_skb() and udp_tunnel6_xmit_skb() a last argument of
 * IPCB/IP6CB flags for the skb (0: none, as before).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define wgr_udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, dport, xnet, nocheck) \
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, dport, xnet, nocheck, 0)
#define wgr_udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl, label, sport, dport, \
				 nocheck) \
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl, label, sport, dport, \
			     nocheck, 0)
#else
#define wgr_udp_tunnel_xmit_skb udp_tunnel_xmit_skb
#define wgr_udp_tunnel6_xmit_skb udp_tunnel6_xmit_skb
#endif

/*
 * 7.2 made setup_udp_tunnel_sock() and udp_tunnel_sock_release() take the struct
 * sock, and dropped the grace period that udp_tunnel_sock_release() waited for
 * between clearing sk_user_data and closing the socket. The wrappers take the
 * struct socket on every kernel, and keep that wait: a receiver that found the
 * relay through the socket has returned when the release does.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
static inline void wgr_setup_udp_tunnel_sock(struct net *net, struct socket *sock,
					     struct udp_tunnel_sock_cfg *cfg)
{
	setup_udp_tunnel_sock(net, sock->sk, cfg);
}

static inline void wgr_udp_tunnel_sock_release(struct socket *sock)
{
	rcu_assign_sk_user_data(sock->sk, NULL);
	synchronize_rcu();
	udp_tunnel_sock_release(sock->sk);
}
#else
#define wgr_setup_udp_tunnel_sock setup_udp_tunnel_sock
#define wgr_udp_tunnel_sock_release udp_tunnel_sock_release
#endif

/*
 * 6.15 gathered the netlink arguments of rtnl_link_ops.newlink() into a struct
 * rtnl_newlink_params. The relay's newlink uses only the device and the extack:
 * it is declared as newlink(WGR_NEWLINK_ARGS(dev, extack)) on either kernel.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define WGR_NEWLINK_ARGS(dev, extack) \
	struct net_device *dev, struct rtnl_newlink_params *params, \
	struct netlink_ext_ack *extack
#else
#define WGR_NEWLINK_ARGS(dev, extack) \
	struct net *src_net, struct net_device *dev, struct nlattr *tb[], \
	struct nlattr *data[], struct netlink_ext_ack *extack
#endif

/*
 * 7.1 made IPv6 built in or absent, never a module, and removed ipv6_stub with
 * <net/ipv6_stubs.h>: the IPv6 route and FIB lookups are called directly there.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 1, 0)
#include <net/ipv6.h>
#include <net/ip6_fib.h>
#define wgr_ip6_dst_lookup_flow ip6_dst_lookup_flow
#define wgr_fib6_lookup fib6_lookup
#else
#include <net/ip6_fib.h>
#include <net/ipv6_stubs.h>
static inline struct dst_entry *wgr_ip6_dst_lookup_flow(struct net *net, const struct sock *sk,
							struct flowi6 *fl6,
							const struct in6_addr *final_dst)
{
	return ipv6_stub->ipv6_dst_lookup_flow(net, sk, fl6, final_dst);
}

static inline int wgr_fib6_lookup(struct net *net, int oif, struct flowi6 *fl6,
				  struct fib6_result *res, int flags)
{
	return ipv6_stub->fib6_lookup(net, oif, fl6, res, flags);
}
#endif

#endif /* _WGR_COMPAT_H */
