/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, in one place. Force-included into every file of the
 * module by Kbuild, so logic never carries #if LINUX_VERSION_CODE of its own.
 * Built and tested on Debian's 6.1 and 6.12. The differences known up to current
 * mainline are collected here so that other kernels can follow; not handled yet:
 * rtnl_link_ops.newlink() taking a struct rtnl_newlink_params (6.15).
 */
#ifndef _WGR_COMPAT_H
#define _WGR_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/udp_tunnel.h>
#include <crypto/blake2s.h>

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

/* 6.17 gave udp_tunnel_xmit_skb() an IP ID argument (0: let the stack choose). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define wgr_udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, dport, xnet, nocheck) \
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, dport, xnet, nocheck, 0)
#else
#define wgr_udp_tunnel_xmit_skb udp_tunnel_xmit_skb
#endif

#endif /* _WGR_COMPAT_H */
