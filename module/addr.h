/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an address is to the relay: one a peer can be at, or one of the
 * machine's own. The socket path (relay.c), the fast path (fastpath.c), the
 * sessions (session.c) and the netlink policy (netlink.c) ask here, so that
 * they agree.
 */
#ifndef _WGR_ADDR_H
#define _WGR_ADDR_H

#include <net/addrconf.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>

/*
 * wgr_ipv6_source_ok() of an address whose ipv6_addr_type() is @type, for the
 * fast path, which needs the type for more than this (the unspecified address
 * is IPV6_ADDR_ANY, which is 0).
 */
static inline bool wgr_ipv6_source_type_ok(int type)
{
	return type != IPV6_ADDR_ANY &&
	       !(type & (IPV6_ADDR_MAPPED | IPV6_ADDR_COMPATv4 | IPV6_ADDR_MULTICAST));
}

/**
 * wgr_ipv6_source_ok - may a peer be at @addr?
 * @addr: a datagram's source, or an endpoint given over netlink
 *
 * No host sends from the unspecified address, from an IPv4-mapped one (never
 * on the wire: RFC 4291 2.5.5.2) or from an IPv4-compatible one (deprecated by
 * RFC 4291 2.5.5.1; with a sit device up the kernel sends to one over IPv4, so
 * a spoof of it would aim the relay's answers at an IPv4 host), nor from a
 * multicast address. An endpoint there is a spoof's: a binding at it sends the
 * peer's handshakes nowhere, or to someone else.
 * Return: true if @addr may be a peer's.
 */
static inline bool wgr_ipv6_source_ok(const struct in6_addr *addr)
{
	return wgr_ipv6_source_type_ok(ipv6_addr_type(addr));
}

/**
 * wgr_ipv6_is_local - is @addr one of the machine's own?
 * @net: the namespace
 * @addr: the address
 *
 * A tentative address (duplicate address detection under way) counts, which
 * ipv6_chk_addr() leaves out: it is the machine's once DAD ends, and a datagram
 * from outside that carries it meanwhile is a spoof just the same. One whose
 * DAD failed does not: another host has it, and may be a peer. The machine's
 * anycast addresses and local routes are wgr_ipv6_route_type()'s.
 * Context: any; RCU inside.
 * Return: true if so.
 */
static inline bool wgr_ipv6_is_local(struct net *net, const struct in6_addr *addr)
{
	return ipv6_chk_addr_and_flags(net, addr, NULL, true, 0, IFA_F_DADFAILED);
}

/**
 * wgr_ipv6_route_type - what the FIB says @addr is to this machine
 * @net: the namespace
 * @addr: the address
 *
 * RTN_LOCAL for the machine's own addresses and for local routes (an AnyIP
 * prefix: ip -6 route add local PFX dev lo), RTN_ANYCAST for its anycast ones
 * (a forwarding host joins each of its prefixes' subnet-router anycast
 * address: RFC 4291 2.6.1), RTN_UNICAST and the rest for an address elsewhere.
 * The IPv6 input takes a datagram from outside "from" a local route or an
 * anycast address, unlike IPv4's martian check, and the relay's answer to it
 * would go over loopback to a local port of the spoofer's choosing.
 * ipv6_chk_acast_addr() is not exported; fib6_lookup() is (through ipv6_stub
 * before 7.1: compat.h), looks in the local table first, and takes no
 * reference and allocates nothing, where
 * rt6_lookup() makes a route entry on every call (a review of 650a9a5, F5).
 * For handshakes and roams, not for every datagram.
 * Context: any; RCU inside.
 * Return: the route's type; RTN_UNSPEC without one, or with IPv6 off.
 */
static inline unsigned int wgr_ipv6_route_type(struct net *net, const struct in6_addr *addr)
{
	struct flowi6 fl6 = { .daddr = *addr };
	struct fib6_result res = {};
	unsigned int type = RTN_UNSPEC;

	rcu_read_lock();
	if (!wgr_fib6_lookup(net, 0, &fl6, &res, 0) && res.f6i &&
	    res.f6i != net->ipv6.fib6_null_entry)
		type = res.fib6_type;
	rcu_read_unlock();
	return type;
}

#endif /* _WGR_ADDR_H */
