// SPDX-License-Identifier: GPL-2.0
/*
 * The forwarding rules: every datagram that reaches the relay's port comes here,
 * in softirq, from the UDP socket's encap_rcv.
 *
 * Every datagram is hostile until shown otherwise. It is validated (length, type,
 * reserved bytes, TTL, source) before any state is looked at, and nothing in a
 * handshake message is believed: mac1 only says whom a message is *for*, and
 * anyone can forge it. This file holds the decisions of trust model v2 (DESIGN
 * 2.3); the tables it consults each take their own lock (session.h has the
 * order), so no lock is taken here. The relay holds no key and never looks past
 * the cleartext header.
 */
#include <linux/delay.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/udp.h>
#include <net/addrconf.h>
#include <net/inet_ecn.h>

#include "addr.h"
#include "device.h"
#include "messages.h"
#include "bind.h"
#include "cookie.h"
#include "handshake.h"
#include "ratelimit.h"
#include "relay.h"
#include "scan.h"
#include "session.h"
#include "socket.h"
#include "source.h"

/*
 * Leave skb->data at the WireGuard message, with its header linear, and return
 * its type. The UDP length is believed only as far as the buffer agrees.
 */
static enum wgr_message_type skb_message(struct sk_buff *skb)
{
	unsigned int off, len;
	u8 head[WGR_HEADER_LEN];
	const struct udphdr *uh;
	enum wgr_message_type type;

	if (unlikely(skb_transport_header(skb) < skb->data ||
		     skb_transport_offset(skb) + sizeof(struct udphdr) > skb->len))
		return WGR_MSG_INVALID;
	off = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (unlikely(!pskb_may_pull(skb, off)))
		return WGR_MSG_INVALID;
	uh = udp_hdr(skb);
	len = ntohs(uh->len);
	/* The UDP layer trimmed the datagram to its length: the two must agree. */
	if (unlikely(len < sizeof(struct udphdr) || len - sizeof(struct udphdr) != skb->len - off))
		return WGR_MSG_INVALID;
	len -= sizeof(struct udphdr);
	if (unlikely(len < WGR_HEADER_LEN || skb_copy_bits(skb, off, head, sizeof(head))))
		return WGR_MSG_INVALID;
	/* Only the type word is read here: wgr_message_type_of() needs no more of it. */
	type = wgr_message_type_of(head, len);
	if (type == WGR_MSG_INVALID ||
	    unlikely(!pskb_may_pull(skb, off + wgr_message_header_len(type))))
		return WGR_MSG_INVALID;
	__skb_pull(skb, off);
	return type;
}

/* The most hops a relayed datagram may still make (Linux's default TTL). */
#define WGR_MAX_TTL 64

/*
 * Read the IP header: the source, what goes on with the datagram, and whether it
 * may be relayed at all. A datagram that has used up its TTL has been going round
 * relays; one "from" the relay's own socket was sent by the relay to itself; one
 * from another local address came from outside unless it came over loopback
 * (IPv4 drops those itself as martians; IPv6 does not), and one from an
 * address or port no host sends from is a spoof.
 * Return: 0, or the counter to drop it under.
 */
static int skb_rx(struct sock *sk, struct sk_buff *skb, struct wgr_rx *rx, bool check_local)
{
	const struct udphdr *uh = udp_hdr(skb);
	struct wgr_endpoint *ep = &rx->src;
	bool from_lo = skb->dev && (skb->dev->flags & IFF_LOOPBACK);
	u8 ttl;

	memset(ep, 0, sizeof(*ep));
	rx->from_lo = from_lo;
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *ip = ip_hdr(skb);

		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = uh->source;
		ep->addr4.sin_addr.s_addr = ip->saddr;
		ep->src4 = ip->daddr;
		rx->ds = ip->tos;
		ttl = ip->ttl;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6 = ipv6_hdr(skb);

		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = uh->source;
		ep->addr6.sin6_addr = ip6->saddr;
		/* A link-local peer is only reachable through the link it came from. */
		if (ipv6_addr_type(&ep->addr6.sin6_addr) & IPV6_ADDR_LINKLOCAL)
			ep->addr6.sin6_scope_id = inet6_iif(skb);
		ep->src6 = ip6->daddr;
		rx->ds = ipv6_get_dsfield(ip6);
		ttl = ip6->hop_limit;
		if (!wgr_ipv6_source_ok(&ip6->saddr))
			return WGRELAY_STAT_RX_INVALID;
		if (!from_lo && wgr_ipv6_is_local(sock_net(sk), &ip6->saddr))
			return WGRELAY_STAT_LOOP_DROPS;
	} else {
		return WGRELAY_STAT_RX_INVALID;
	}
	/* Nothing sends from port 0, and nothing could be answered there. */
	if (unlikely(!uh->source))
		return WGRELAY_STAT_RX_INVALID;
	if (unlikely(from_lo && uh->source == inet_sk(sk)->inet_sport))
		return WGRELAY_STAT_LOOP_DROPS;
	/*
	 * IPv4 drops a local source from outside as a martian, unless accept_local
	 * is on, and a subnet's broadcast address as a source only with rp_filter
	 * on; IPv6 takes one of the machine's anycast addresses, or one of a local
	 * route's (AnyIP): a FIB lookup, for handshakes only (and roams, may_roam()). Data must match a session
	 * endpoint, which a handshake made, or carry a fresh counter on a secret
	 * index to roam; a datagram it relays to the relay's own port comes back
	 * over loopback and is dropped just above, its TTL ends any other loop,
	 * and nothing is ever sent to a broadcast route (socket.c, send4()).
	 */
	if (unlikely(ep->addr.sa_family == AF_INET && !from_lo && check_local)) {
		switch (inet_addr_type(sock_net(sk), ep->addr4.sin_addr.s_addr)) {
		case RTN_UNICAST:
			break;
		case RTN_LOCAL:
			return WGRELAY_STAT_LOOP_DROPS;
		default:
			return WGRELAY_STAT_RX_INVALID;
		}
	}
	if (unlikely(ep->addr.sa_family == AF_INET6 && !from_lo && check_local)) {
		switch (wgr_ipv6_route_type(sock_net(sk), &ep->addr6.sin6_addr)) {
		case RTN_LOCAL:
		case RTN_ANYCAST:
			return WGRELAY_STAT_LOOP_DROPS;
		}
	}
	if (unlikely(ttl <= 1))
		return WGRELAY_STAT_TTL_DROPS;
	rx->ttl = min_t(u8, ttl - 1, WGR_MAX_TTL);
	return 0;
}

/*
 * Roaming: data on a confirmed session from an endpoint other than its sender's
 * moves the sender there, in this session only, if nobody but the two peers
 * could have sent it. That takes the index, which only they and the relay know
 * (not half 0's when discovery sent the initiation, and so its sender index, to
 * others too), and a counter past any seen but within reach of it, as a real
 * sender's is. And the new endpoint must be one host's: skb_rx() checks that
 * for handshakes only, and a subnet's broadcast address passes the IPv4 input
 * with rp_filter off; a roam there would move the binding too (a FIB lookup,
 * once per roam, after the cheap checks).
 */
static bool may_roam(struct wgr_device *wgr, struct wgr_half *h, const struct wgr_endpoint *src,
		     bool from_lo, u64 counter)
{
	u64 seen = READ_ONCE(h->counter);
	struct wgr_endpoint to;

	if (!READ_ONCE(wgr->cfg.roaming) || (h->which == 0 && wgr_half_pair(h)->leaked) ||
	    counter <= seen || counter - seen > WGR_ROAM_WINDOW ||
	    counter >= WGR_REJECT_AFTER_MESSAGES)
		return false;
	/*
	 * Not onto the receiver's own endpoint: one IP:port is one socket, so no
	 * peer roams to where its partner is. A spoofer that staged a session
	 * between two talking peers could otherwise roam the target's half of it
	 * to the initiator's endpoint, and the pair route would lead each of the
	 * initiator's tries back to itself (review of 89ac1cf, F1).
	 */
	wgr_half_read_ep(h, &to);
	if (wgr_endpoint_eq(&to, src))
		return false;
	if (src->addr.sa_family == AF_INET) {
		unsigned int type = inet_addr_type(wgr->net, src->addr4.sin_addr.s_addr);

		/*
		 * Local: the machine's own WireGuard, over loopback (skb_rx()); from
		 * outside only with accept_local on, and a spoof then (a review of
		 * 8ae0eb7, L4).
		 */
		return type == RTN_UNICAST || (type == RTN_LOCAL && from_lo);
	}
	/*
	 * skb_rx() refused the machine's own addresses from outside, but not its
	 * anycast ones nor its local routes (AnyIP), which only the FIB tells.
	 */
	switch (wgr_ipv6_route_type(wgr->net, &src->addr6.sin6_addr)) {
	case RTN_ANYCAST:
		return false;
	case RTN_LOCAL:
		return from_lo;
	default:
		return true;
	}
}

/*
 * What data on a session says, once the relay takes it: the sender is alive at
 * @src (its binding, the session's clock, the half's roam vote) and the
 * receiver's counter moved on.
 */
static void data_accept(struct wgr_device *wgr, struct wgr_half *h,
			const struct wgr_endpoint *src, u64 counter)
{
	struct wgr_half *sender = wgr_half_other(h);
	struct wgr_pair *pair = wgr_half_pair(h);
	u16 rx_now;

	if (counter > READ_ONCE(h->counter))
		WRITE_ONCE(h->counter, counter);
	if (READ_ONCE(pair->last_seen) != jiffies)
		WRITE_ONCE(pair->last_seen, jiffies);
	rx_now = wgr_rx_now();
	if (READ_ONCE(sender->rx) != rx_now)
		WRITE_ONCE(sender->rx, rx_now);
	wgr_bind_seen(sender->owner, src);
}

/* A data message of @len bytes went to @h's owner. */
static void data_sent(struct wgr_device *wgr, struct wgr_half *h, unsigned int len)
{
	WRITE_ONCE(h->packets, h->packets + 1);
	WRITE_ONCE(h->bytes, h->bytes + len);
	wgr_stat_inc(wgr, WGRELAY_STAT_TX_PACKETS);
	wgr_stat_add(wgr, WGRELAY_STAT_TX_BYTES, len);
}

static void relay_data(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_rx *rx)
{
	const struct wgr_endpoint *src = &rx->src;
	struct wgr_endpoint to;
	struct wgr_pair *pair;
	unsigned int len = skb->len;
	struct wgr_half *h;
	bool elsewhere;
	u64 counter;

	rcu_read_lock();
	h = wgr_half_lookup(wgr, wgr_data_receiver(skb->data), src, &elsewhere);
	if (unlikely(!h)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_RX_NO_SESSION);
		goto drop;
	}
	pair = wgr_half_pair(h);
	counter = wgr_data_counter(skb->data);

	if (unlikely(!READ_ONCE(pair->confirmed))) {
		/*
		 * Only the initiator's data, from where the initiation came, proves the
		 * handshake: it sends data only after verifying the response. Data the
		 * other way on a tentative pair can come from whoever got a discovery
		 * copy and forged a response; data from elsewhere proves nothing.
		 */
		if (elsewhere || h->which != 1) {
			wgr_stat_inc(wgr, WGRELAY_STAT_RX_NO_SESSION);
			goto drop;
		}
		wgr_pair_confirm(wgr, pair);
	} else if (unlikely(elsewhere)) {
		if (!may_roam(wgr, h, src, rx->from_lo, counter) ||
		    !wgr_pair_roam(wgr, h, src, counter)) {
			wgr_stat_inc(wgr, WGRELAY_STAT_RX_NO_SESSION);
			goto drop;
		}
	}
	data_accept(wgr, h, src, counter);
	/* The sender is on this machine: the fast path must know it (fastpath.c). */
	if (unlikely(rx->from_lo))
		wgr_half_mark_local(wgr, wgr_half_other(h), src);

	wgr_half_read_ep(h, &to);
	if (unlikely(wgr_endpoint_eq(&to, src))) {
		wgr_stat_inc(wgr, WGRELAY_STAT_LOOP_DROPS);
		goto drop;
	}
	if (likely(!wgr_send(wgr, skb, &to, h->owner->route, rx->ds, rx->ttl)))
		data_sent(wgr, h, len);
	rcu_read_unlock();
	return;

drop:
	rcu_read_unlock();
	kfree_skb(skb);
}

/**
 * wgr_relay_data_peek - may the fast path relay this data message?
 * @wgr: the relay
 * @index: the message's receiver index
 * @src: where it came from, with the local address it came to
 * @to: set to where it goes, when it may
 *
 * Only what needs no decision may: data on a confirmed session, from where its
 * sender is in it, outside this machine (wgr_half_lookup_outside()), going
 * elsewhere. Anything else (a tentative session, a roam, an unknown index, a
 * loop, a local sender) takes the socket path, which decides, counts and
 * reports it as it always has; nothing is changed here, so that it can.
 * Context: rcu_read_lock(), softirq.
 * Return: the half the message is for, or NULL.
 */
struct wgr_half *wgr_relay_data_peek(struct wgr_device *wgr, u32 index,
				     const struct wgr_endpoint *src, struct wgr_endpoint *to)
{
	struct wgr_half *h;

	h = wgr_half_lookup_outside(wgr, index, src);
	if (!h || !READ_ONCE(wgr_half_pair(h)->confirmed))
		return NULL;
	wgr_half_read_ep(h, to);
	if (wgr_endpoint_eq(to, src))
		return NULL;
	return h;
}

/**
 * wgr_relay_data_fast - account for a data message the fast path relayed
 * @wgr: the relay
 * @h: the half wgr_relay_data_peek() gave for it
 * @src: where it came from
 * @counter: its counter
 * @len: its length from the UDP header on, as it arrived
 *
 * Everything the socket path would have recorded of it, in the same counters:
 * it is counted as received and relayed, and its sender as alive.
 * Context: rcu_read_lock(), softirq.
 */
void wgr_relay_data_fast(struct wgr_device *wgr, struct wgr_half *h,
			 const struct wgr_endpoint *src, u64 counter, unsigned int len)
{
	wgr_stat_inc(wgr, WGRELAY_STAT_RX_PACKETS);
	wgr_stat_add(wgr, WGRELAY_STAT_RX_BYTES, len);
	wgr_stat_inc(wgr, WGRELAY_STAT_FAST_PACKETS);
	data_accept(wgr, h, src, counter);
	data_sent(wgr, h, len - sizeof(struct udphdr));
}

/* Send @skb to each of @to; the last one gets the original. Consumes @skb. */
static unsigned int send_copies(struct wgr_device *wgr, struct sk_buff *skb,
				const struct wgr_rx *rx, const struct wgr_endpoint *to,
				unsigned int n)
{
	unsigned int i, sent = 0, len = skb->len;

	for (i = 0; i < n; i++) {
		struct sk_buff *c = i + 1 < n ? pskb_copy(skb, GFP_ATOMIC) : skb;

		if (unlikely(!c)) {
			wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
			continue;
		}
		if (!wgr_send(wgr, c, &to[i], NULL, rx->ds, rx->ttl)) {
			wgr_stat_inc(wgr, WGRELAY_STAT_TX_PACKETS);
			wgr_stat_add(wgr, WGRELAY_STAT_TX_BYTES, len);
			sent++;
		}
	}
	if (!n)
		kfree_skb(skb);
	return sent;
}

/*
 * The most peers bound at one endpoint, the newest, that retrier() asks about
 * a session: each ask walks up to WGR_PARTNER_WALK halves under the state
 * lock.
 */
#define WGR_RETRY_SESSIONS	4

/*
 * Whose retries' budgets an initiation with the relay's mac2 from @src to
 * @target at @to spends (wgr_ratelimit_stamp()): a peer whose live binding or
 * static endpoint @src is, the pair route's @initiator first, else the first
 * with a live session with @target at @to; else nobody's. The mac2 says that
 * whoever sent it receives at @src, which is all a proof there says. Not the
 * route's initiator alone: a forger's staging in the peer's name takes its
 * route over, and a roam of the staged session ends it (G6), and the peer's
 * retries then had only the proven sources' budget, which networks of an
 * attacker's spend (helper-91, M-A); and not where the initiator roamed: a
 * roam is anyone's to stage to a socket of a neighbour's behind the peer's
 * NAT, who receives there and spent the peer's retries' budgets from there
 * (M-B). Nor only the newest peer bound there: a ghost staged at the peer's
 * endpoint after it hid the peer (helper-93). The session is what keeps an
 * offline peer bound at an attacker's socket, with no response from the
 * target, from having a retry budget at every loaded target.
 * Context: softirq, under RCU.
 */
static struct wgr_peer *retrier(struct wgr_device *wgr, struct wgr_peer *initiator,
				const struct wgr_endpoint *src, struct wgr_peer *target,
				const struct wgr_endpoint *to)
{
	struct wgr_peer *bound[WGR_RETRY_SESSIONS];
	unsigned int n, i;

	/*
	 * The route's initiator by its own binding, not among the entries at
	 * @src: sixteen stale bindings or roams staged there after it would
	 * have hidden it (helper-94).
	 */
	if (initiator && wgr_bind_live_at(initiator, src))
		return initiator;
	n = wgr_bind_bound_at(wgr, src, bound, ARRAY_SIZE(bound));
	for (i = 0; i < n; i++)
		if (wgr_pair_live_between(wgr, bound[i], src, target, to))
			return bound[i];
	return NULL;
}

/* @peer's budgets of a loaded target's stamps, in @s: @s, or NULL without @peer. */
static const struct wgr_stamper *stamper(struct wgr_peer *peer, struct wgr_stamper *s)
{
	if (!peer)
		return NULL;
	s->key = peer->public_key;
	s->claims = &peer->stamp_claims;
	return s;
}

/*
 * Does the relay vouch for an initiation from @src to a @target at @to that
 * wants its own mac2 (the relay has its cookie from there: it is under load)?
 * A loaded WireGuard takes initiations
 * with mac2 only within 20 a second from one address, and all the relay sends
 * comes from its own: its cookie on an attacker's junk spent that budget for
 * a talking pair's rekey (pass 4, E2). So the relay vouches for an initiation
 * along a live session with the target from where its initiator talks,
 * @paired (route_vouches(): the budget is the peer's, however many ports it has
 * sessions from), and for one whose source proved its address with the
 * relay's own mac2 (@mac2), within their budgets (wgr_ratelimit_stamp()); the
 * rest go with no mac2, which the target answers with a cookie reply and no
 * handshake work. A peer's live binding alone is no such word: a squatter
 * holds one (helper-79).
 */
static bool vouch_for(struct wgr_device *wgr, struct wgr_peer *target,
		      const struct wgr_endpoint *to, const struct wgr_endpoint *src,
		      struct wgr_peer *initiator, struct wgr_peer *paired, bool mac2)
{
	struct wgr_peer *again = mac2 ? retrier(wgr, initiator, src, target, to) : NULL;
	struct wgr_stamper first, retry;

	/*
	 * A peer's retries' budgets (with the relay's mac2), then its second,
	 * then a proven source's: a spoofer of the peer's own endpoint spends
	 * the peer's second and its claims with initiations along its route,
	 * but cannot have the relay's mac2 there, so the peer's retries still
	 * go (helper-85, L1; helper-90).
	 */
	if (wgr_ratelimit_stamp(&wgr->ratelimit, to, src, stamper(paired, &first),
				stamper(again, &retry), mac2))
		return true;
	wgr_stat_inc(wgr, WGRELAY_STAT_HS_COOKIE_WITHHELD);
	return false;
}

/*
 * Whose stamps does a pair route's initiation from @src spend: the route's
 * @initiator's, if @src is where that peer talks (its live binding or static
 * endpoint, or where it roamed out of it and talks now: talks_from()) and it
 * proved there that it receives (wgr_bind_proven()), else nobody's. A route's
 * initiator is the peer whose name the response that confirmed it carried,
 * and anyone can send that: a spoofer stages a route from
 * a socket of its own to a loaded target's real endpoint with one response
 * spoofed from there in a real peer's name, and the relay has the target's
 * real cookie for that endpoint. Its initiations along the route spent the
 * real peer's stamp second at the target, and the peer's own first tries went
 * without mac2 (helper-84; t-trust-stampdrain). Now they pay as any source's
 * do: only with the relay's own mac2, within the budgets of such sources.
 * Where a peer talks is not enough either: an offline peer's binding is
 * anyone's to take with a staging, blind from a forged source too, and a
 * spoofer that took bindings at forged sockets in a real peer's network spent
 * that network's share of the peers' seconds (helper-86). Only whoever
 * receives at @src can prove it, with the relay's mac2, and a proof lasts
 * ten minutes (bind.c).
 */
static struct wgr_peer *route_vouches(struct wgr_peer *initiator, const struct wgr_endpoint *src)
{
	return initiator && wgr_bind_proven(initiator, src) ? initiator : NULL;
}

/*
 * Send an initiation to each of @to, each copy with the mac2 the target wants
 * from there (cookie.c) if the relay vouches for it (vouch_for(), for the
 * route's initiator as route_vouches() says): made with
 * the route's own cookie for the route's end, else with the one from the
 * target's slot for that endpoint. The route's end may be where the binding
 * sends it: a retry with mac2 follows the route only to a live binding, and a
 * stale one at the route's end has its cookie in the route (helper-83). Consumes @skb.
 */
static void send_initiation(struct wgr_device *wgr, struct sk_buff *skb,
			    const struct wgr_rx *rx, struct wgr_peer *target,
			    const struct wgr_endpoint *to, unsigned int n,
			    const struct wgr_route_end *route, bool mac2)
{
	struct wgr_peer *paired = route_vouches(route->initiator, &rx->src);
	u8 cookie[WGR_TARGET_COOKIE_LEN];
	unsigned int i;
	bool have;

	for (i = 0; i < n; i++) {
		struct sk_buff *c = i + 1 < n ? pskb_copy(skb, GFP_ATOMIC) : skb;

		if (unlikely(!c || skb_ensure_writable(c, WGR_INITIATION_LEN))) {
			wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
			if (c)
				kfree_skb(c);
			continue;
		}
		have = route->has_cookie && wgr_endpoint_eq(&to[i], &route->ep);
		if (have)
			memcpy(cookie, route->cookie, sizeof(cookie));
		else
			have = wgr_cookie_get(&wgr->cookies, target, &to[i], cookie);
		wgr_cookie_put_mac2(c->data, WGR_INITIATION_LEN, have && vouch_for(wgr, target, &to[i], &rx->src,
							      route->initiator, paired, mac2) ?
					     cookie : NULL);
		send_copies(wgr, c, rx, &to[i], 1);
	}
	memzero_explicit(cookie, sizeof(cookie));
}

/* Whose mac1 is this, among the source's recent targets? */
static struct wgr_peer *find_hinted(const u8 *msg, unsigned int mac_off,
				    struct wgr_peer *const *hints, unsigned int n_hints)
{
	unsigned int i;

	for (i = 0; i < n_hints; i++)
		if (hints[i] && wgr_mac1_valid(msg, mac_off, hints[i]->mac1_key))
			return hints[i];
	return NULL;
}

/*
 * Whose mac1 is this, among every peer? Within the relay's scan budget; in
 * softirq only for a relay of at most WGR_SCAN_INLINE peers, else in the scan
 * worker, with bottom halves enabled. Called under RCU without any lock.
 * Return: the peer, NULL, or ERR_PTR(-EBUSY) when the budget is spent.
 */
static struct wgr_peer *find_receiver(struct wgr_device *wgr, const u8 *msg,
				      unsigned int mac_off)
{
	struct wgr_peer *peer, *found = NULL;
	u32 tried = 0;

	if (!wgr_scan_allow(&wgr->ratelimit))
		return ERR_PTR(-EBUSY);
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		tried++;
		if (wgr_mac1_valid(msg, mac_off, peer->mac1_key)) {
			found = peer;
			break;
		}
	}
	wgr_scan_charge(&wgr->ratelimit, tried);
	return found;
}

/* May a scan of every peer run here, in softirq? */
static bool scan_inline(struct wgr_device *wgr)
{
	return READ_ONCE(wgr->peers.count) <= WGR_SCAN_INLINE;
}

/* Leave a handshake for the scan worker: at most two seconds of its budget wait. */
static void scan_later(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_rx *rx,
		       bool verified)
{
	u32 peers = max_t(u32, READ_ONCE(wgr->peers.count), 1);

	/* This datagram, or one that waited, may go to keep the queue fair. */
	wgr_stat_add(wgr, WGRELAY_STAT_HS_RATELIMITED,
		     wgr_scan_queue(&wgr->scans, skb, rx, verified,
				    2 * READ_ONCE(wgr->ratelimit.scan_rate) / peers));
}

/*
 * A handshake refused: counted against each peer it named, for `relayctl show`,
 * and told to the events group. @initiator is known only for answers; an
 * initiation names its target alone (its initiator is encrypted).
 */
static void refuse(struct wgr_device *wgr, enum wgrelay_refusal reason,
		   struct wgr_peer *initiator, struct wgr_peer *target,
		   const struct wgr_endpoint *src)
{
	wgr_peer_refused(initiator, reason);
	if (target != initiator)
		wgr_peer_refused(target, reason);
	wgr_event_refused(wgr, reason, initiator, target, src);
}

/* Count why no receiver was found: over the scan budget, or nobody's mac1. */
static void count_no_receiver(struct wgr_device *wgr, struct wgr_peer *peer,
			      const struct wgr_endpoint *src)
{
	wgr_stat_inc(wgr, IS_ERR(peer) ? WGRELAY_STAT_HS_RATELIMITED
				       : WGRELAY_STAT_HS_UNKNOWN_TARGET);
	refuse(wgr, IS_ERR(peer) ? WGRELAY_REFUSED_SCAN_BUDGET : WGRELAY_REFUSED_UNKNOWN_PEER,
	       NULL, NULL, src);
}

/* Would this go to the relay's own socket? Only a misconfigured static endpoint can. */
static bool to_self(struct wgr_device *wgr, const struct wgr_endpoint *to)
{
	__be16 port = htons(READ_ONCE(wgr->cfg.listen_port));

	if (to->addr.sa_family == AF_INET)
		return to->addr4.sin_port == port &&
		       inet_addr_type(wgr->net, to->addr4.sin_addr.s_addr) == RTN_LOCAL;
	return to->addr6.sin6_port == port &&
	       wgr_ipv6_is_local(wgr->net, &to->addr6.sin6_addr);
}

/* Would sending to @to send a datagram from @src back to it, or to the relay? */
static bool loops(struct wgr_device *wgr, const struct wgr_endpoint *src,
		  const struct wgr_endpoint *to)
{
	return wgr_endpoint_eq(to, src) || to_self(wgr, to);
}

/*
 * Where an initiation from @src for @target goes (trust model v2): along a live
 * session @src initiated with @target, wherever @target is in it (pair routing);
 * else to @target's binding. Discovery copies go beside it when the binding is
 * stale or absent, or on failure (@failing: @src proved its address, and its
 * last two initiations for @target went unanswered); otherwise a live session,
 * or a live or static binding, is proof enough of where @target is, and copies
 * to candidates would hand out the initiation's sender index for nothing.
 *
 * Only an initiation that proved its address (@mac2) is copied to candidates:
 * each copy spends the candidate's discovery budget, and initiations without
 * mac2 for an offline peer, spoofed from any number of addresses, spent every
 * candidate's, so that no peer's copies got through and discovery stopped for
 * everyone (T6, found with the attack on T1 of a fifth review). A first try goes to the
 * stale binding and earns its cookie; the retry, five seconds later, looks
 * further.
 *
 * A retry that proved its address (@mac2) follows the route only to @target's
 * live binding or static endpoint. A first try never carries mac2 (WireGuard
 * rekeys after the cookie's 115 s), so a retry means that the try along the
 * route went unanswered; and a spoofer that staged a session of its own between
 * two talking peers can roam the target's half of it anywhere, to its own
 * socket or to where it has set the target's roam record (pass 6, G6). Such a
 * retry is routed as if there were no route. Only the binding, which only the
 * target's own data keeps live, then sees it: the spoofer at the route's end
 * never learns the retry's sender index, and cannot answer it in the binding's
 * name to spend that endpoint's answers (a review of 8ae0eb7, M1). A stolen route
 * costs one retry; a route that leads where the target is costs nothing, since
 * its first try is answered.
 * Return: the number of endpoints in @to (up to 1 + @fanout); @route is filled
 * as wgr_pair_route() fills it if a route took the initiation to @to[0], and
 * its initiator is NULL if none did.
 */
static unsigned int route_initiation(struct wgr_device *wgr, const struct wgr_endpoint *src,
				     struct wgr_peer *target, bool mac2, bool failing,
				     struct wgr_endpoint *to, unsigned int fanout,
				     struct wgr_route_end *route, bool *direct)
{
	enum wgrelay_binding_status status = WGRELAY_BINDING_STATUS_NONE;
	unsigned int n = 0, found;
	bool limited;

	/* A route back to @src or to the relay leads nowhere: the binding decides. */
	if (!wgr_pair_route(wgr, src, target, route) || loops(wgr, src, &route->ep) ||
	    (mac2 && !wgr_bind_live_at(target, &route->ep)))
		route->initiator = NULL;
	if (route->initiator) {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_PAIR_ROUTED);
		to[0] = route->ep;
		n = 1;
	} else if (wgr_bind_route(wgr, target, &to[0], &status)) {
		n = 1;
	}
	*direct = n;
	if (!mac2 || (!failing && (route->initiator || status == WGRELAY_BINDING_STATUS_LIVE ||
				   status == WGRELAY_BINDING_STATUS_STATIC)))
		return n;
	found = wgr_source_candidates(&wgr->sources, &wgr->ratelimit, src, n ? &to[0] : NULL,
				      target, to + n, fanout, &limited);
	wgr_stat_add(wgr, WGRELAY_STAT_DISCOVERY_FWD, found);
	if (limited)
		wgr_stat_inc(wgr, WGRELAY_STAT_DISCOVERY_LIMITED);
	return n + found;
}

/*
 * A datagram of the relay's own, @len bytes of payload with room for the
 * headers in front; NULL (counted) if there is no memory. Context: softirq.
 */
static struct sk_buff *own_datagram(struct wgr_device *wgr, unsigned int len)
{
	unsigned int head = LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	struct sk_buff *skb = alloc_skb(head + len, GFP_ATOMIC);

	if (unlikely(!skb)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
		return NULL;
	}
	skb_reserve(skb, head);
	skb_put(skb, len);
	return skb;
}

/*
 * Answer an initiation with the relay's own cookie reply, on its target's behalf
 * (cookie.c): the initiator's retry, five seconds later, carries mac2 that proves
 * it receives at its address. @talks: a peer talks from the initiation's source
 * (talker_at()): its address's neighbours cannot spend its replies.
 */
static void send_cookie(struct wgr_device *wgr, const u8 *msg, const struct wgr_rx *rx,
			const struct wgr_peer *target, bool talks)
{
	struct sk_buff *skb;

	if (!wgr_ratelimit_cookie(&wgr->ratelimit, &rx->src, talks))
		return;
	skb = own_datagram(wgr, WGR_COOKIE_LEN);
	if (!skb)
		return;
	wgr_cookie_reply(&wgr->cookies, msg, &rx->src, target, skb->data);
	/* It starts here: the usual TTL, no DS of its own. */
	if (!wgr_send(wgr, skb, &rx->src, NULL, 0, WGR_MAX_TTL))
		wgr_stat_inc(wgr, WGRELAY_STAT_COOKIES_SENT);
}

/*
 * Is @src where a peer talks from: its live binding (or static endpoint), or
 * where it roamed out of it and talks now? An initiation from it is that
 * peer's, or comes from a spoofer of that very IP:port, whatever the relay
 * remembers of the endpoint's handshakes (that memory can be evicted, and a
 * remapped peer has none at its new endpoint: pass 6, G3, G9; pass 7, H4).
 * Such an initiation's pair may go past a walled prefix's share (make_room()
 * in session.c), and its handshake record is kept over others of its prefix
 * (wgr_handshake_record()).
 */
static bool talks_from(enum wgr_bind_at at)
{
	return at == WGR_BOUND_LIVE || at == WGR_BOUND_ROAM;
}

/* The peer that talks from @src (talks_from()), or NULL. Under RCU. */
static struct wgr_peer *talker_at(struct wgr_device *wgr, const struct wgr_endpoint *src)
{
	enum wgr_bind_at at;
	struct wgr_peer *owner = wgr_bind_owner(wgr, src, &at);

	return talks_from(at) ? owner : NULL;
}

/*
 * An initiation whose target is known: route it, remember it, answer it with a
 * cookie where it must prove its address, and send it on. @talker: the peer
 * that talks from its source (talker_at()), which the caller has looked up, or
 * NULL; with the relay's mac2 the initiation proves that the peer receives
 * there (wgr_bind_prove()).
 * Context: softirq or BH off, under RCU (@target is alive). Consumes @skb.
 */
static void initiation_to(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_rx *rx,
			  struct wgr_peer *target, struct wgr_peer *talker)
{
	const struct wgr_endpoint *src = &rx->src;
	unsigned int n, fanout = READ_ONCE(wgr->cfg.discovery_fanout);
	struct wgr_route_end route = { .initiator = NULL };
	struct wgr_endpoint *to;
	bool mac2, failing, looped, direct;
	int ret;

	if (READ_ONCE(target->dead)) {
		/* Removed since its mac1 was matched: nobody to send it to, as if unknown. */
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_UNKNOWN_TARGET);
		goto drop;
	}
	to = kmalloc_array(1 + fanout, sizeof(*to), GFP_ATOMIC);
	if (unlikely(!to)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
		goto drop;
	}
	mac2 = wgr_cookie_mac2_valid(&wgr->cookies, skb->data, src);
	if (mac2)
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_MAC2);
	if (mac2 && talker)
		wgr_bind_prove(talker, src);
	failing = mac2 && wgr_source_failing(&wgr->sources, src, target);
	n = route_initiation(wgr, src, target, mac2, failing, to, fanout, &route, &direct);
	/*
	 * Never back to where it came from, never to the relay itself: a binding
	 * there (squatted at the initiator's own endpoint) is left out, and the
	 * rest still go. It counts as forwarded and unanswered, so that the
	 * initiator's retries with mac2 are failing and discovery looks for the
	 * target (review of 89ac1cf, F1); and the cookie below still goes.
	 */
	looped = n && loops(wgr, src, &to[0]);
	if (looped) {
		wgr_stat_inc(wgr, WGRELAY_STAT_LOOP_DROPS);
		memmove(&to[0], &to[1], --n * sizeof(*to));
		direct = false;
	}
	/*
	 * Only now that mac1 named a peer is the source worth remembering; only a
	 * source that proved it receives at its address (mac2) may be sent copies of
	 * others' initiations. One whose retry followed a route is not a candidate:
	 * as before, a session's initiator takes no others' copies; unless it is
	 * failing: then the route leads to someone who does not answer (a
	 * squatter that confirms its own answers "from" @src: a review of the fix
	 * for R3-F1), and its partner, failing too, must find it. Only a try with
	 * mac2 counts towards failing: anyone can send one without it "from" @src,
	 * and a spoofer's tries would make the initiator's next retry failing, and
	 * so sent to candidates, the spoofer's own socket among them (a review of
	 * eb9c2b4, R3-F1). Discovery on failure then waits for two unanswered
	 * retries, the initiator's own.
	 */
	wgr_source_initiated(&wgr->sources, src, target, mac2 && (n > 0 || looped),
			     mac2 && (!route.initiator || failing));
	/*
	 * Every source proves itself, a pair-routed one too: the route may have been
	 * stolen (route_initiation()), and only a retry with mac2 looks past it.
	 */
	if (!mac2)
		send_cookie(wgr, skb->data, rx, target, !!talker);
	if (!n) {
		if (!looped) {
			wgr_stat_inc(wgr, WGRELAY_STAT_HS_NO_ROUTE);
			refuse(wgr, WGRELAY_REFUSED_NO_ROUTE, NULL, target, src);
		}
		goto free_drop;
	}
	ret = wgr_handshake_record(&wgr->handshakes, wgr_initiation_sender(skb->data),
				   skb->data + WGR_INITIATION_MAC1_OFF, src, target, to, n,
				   (talker ? WGR_HS_ANCHORED : 0) | (mac2 ? WGR_HS_MAC2 : 0) |
				   (direct ? WGR_HS_DIRECT : 0));
	if (ret) {
		/* Nobody could answer it: do not send it. */
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_COLLISIONS);
		/* Memory, or a peer going away, is nobody's refusal. */
		if (ret == -EEXIST || ret == -ENOSPC)
			refuse(wgr, ret == -EEXIST ? WGRELAY_REFUSED_COLLISION : WGRELAY_REFUSED_FULL,
			       NULL, target, src);
		goto free_drop;
	}
	wgr_stat_inc(wgr, WGRELAY_STAT_HS_INITIATIONS);
	send_initiation(wgr, skb, rx, target, to, n, &route, mac2);
	memzero_explicit(route.cookie, sizeof(route.cookie));
	kfree(to);
	return;

free_drop:
	memzero_explicit(route.cookie, sizeof(route.cookie));
	kfree(to);
drop:
	kfree_skb(skb);
}

/*
 * Whose mac1 is this, among the peers @src most likely initiates to: its own
 * recent targets, then, if @src is one of @owner's endpoints (wgr_bind_owner()),
 * @owner's partners there (wgr_pair_partners()). Under RCU: the peer stays valid until it ends.
 */
static struct wgr_peer *find_likely(struct wgr_device *wgr, const u8 *msg,
				    const struct wgr_endpoint *src, struct wgr_peer *owner)
{
	struct wgr_peer *hints[WGR_PARTNER_HINTS];
	struct wgr_peer *target;
	unsigned int n;

	BUILD_BUG_ON(WGR_PARTNER_HINTS < WGR_SOURCE_RECENT);
	wgr_source_hints(&wgr->sources, src, hints);
	target = find_hinted(msg, WGR_INITIATION_MAC1_OFF, hints, WGR_SOURCE_RECENT);
	if (target || !owner)
		return target;
	n = wgr_pair_partners(wgr, owner, src, hints, WGR_PARTNER_HINTS);
	return find_hinted(msg, WGR_INITIATION_MAC1_OFF, hints, n);
}

static void relay_initiation(struct wgr_device *wgr, struct sk_buff *skb,
			     const struct wgr_rx *rx)
{
	const struct wgr_endpoint *src = &rx->src;
	struct wgr_peer *owner, *target;
	enum wgr_bind_at at;
	bool vouched;

	if (!wgr_ratelimit_initiation(&wgr->ratelimit, src)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RATELIMITED);
		refuse(wgr, WGRELAY_REFUSED_RATELIMIT, NULL, NULL, src);
		goto drop;
	}
	/* The peers found stay valid under RCU: a peer is freed after a grace period. */
	rcu_read_lock();
	owner = wgr_bind_owner(wgr, src, &at);
	target = find_likely(wgr, skb->data, src, owner);
	/*
	 * Anything a peer's endpoint (within its budget) or a live session does
	 * not vouch for pays its address's ceiling before it may cost a scan.
	 */
	vouched = (owner && wgr_bind_vouch(owner, at)) ||
		  (target && wgr_pair_route(wgr, src, target, NULL));
	if (!vouched && !wgr_ratelimit_address(&wgr->ratelimit, src)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RATELIMITED);
		refuse(wgr, WGRELAY_REFUSED_CEILING, NULL, target, src);
		goto unlock_drop;
	}
	if (!target && !scan_inline(wgr)) {
		rcu_read_unlock();
		/* A vouched initiation waits with those that proved their address. */
		scan_later(wgr, skb, rx,
			   vouched || wgr_cookie_mac2_valid(&wgr->cookies, skb->data, src));
		return;
	}
	if (!target)
		target = find_receiver(wgr, skb->data, WGR_INITIATION_MAC1_OFF);
	if (IS_ERR_OR_NULL(target)) {
		count_no_receiver(wgr, target, src);
		goto unlock_drop;
	}
	initiation_to(wgr, skb, rx, target, talks_from(at) ? owner : NULL);
	rcu_read_unlock();
	return;

unlock_drop:
	rcu_read_unlock();
drop:
	kfree_skb(skb);
}

/*
 * Match an answer to a handshake the relay forwarded to where it came from,
 * before any limit: junk from a neighbour at the same address must cost a peer
 * nothing (trust model v2, promise 5). Return: 0, or the counter to drop it under.
 */
static int answer(struct wgr_device *wgr, u32 receiver, const struct wgr_endpoint *src,
		  enum wgr_answer_kind kind, struct wgr_answer *hs)
{
	switch (wgr_handshake_answer(&wgr->handshakes, receiver, src, kind, hs)) {
	case 0:
		return 0;
	case -EDQUOT:
		return WGRELAY_STAT_HS_COLLISIONS;
	default:
		return WGRELAY_STAT_HS_UNSOLICITED;
	}
}

/*
 * mac2 on a response the relay sends @initiator, writable in @skb: made with
 * @initiator's own cookie for where it goes (its slot there: cookie.c), within
 * that destination's budgets (wgr_ratelimit_response()), else zeros. Never
 * the responder's own: it had it from a cookie reply the relay no longer
 * passes on (probe_initiator(), R1), and anyone who answers a forwarded
 * initiation is a responder. An initiation that carried the relay's mac2
 * from there (@hs->mac2: a retry of the initiator's own, which a spoofer of
 * its endpoint cannot send) has its answers stamped within a budget of their
 * own: three a second for those from the target's binding or the route's end,
 * one for those from discovery candidates, which see the initiation and may
 * be an attacker's: a candidate's answers, two to each copy, spent one budget
 * for all and left the target's answer without (helper-97). The rest, one a
 * second. Context: softirq or BH off, under RCU.
 */
static void response_stamp(struct wgr_device *wgr, struct sk_buff *skb,
			   const struct wgr_answer *hs, struct wgr_peer *initiator)
{
	enum wgr_response_kind kind = !hs->mac2 ? WGR_RESPONSE_OPEN :
				      hs->direct ? WGR_RESPONSE_DIRECT : WGR_RESPONSE_COPY;
	u8 cookie[WGR_TARGET_COOKIE_LEN];
	bool have, ok;

	have = wgr_cookie_get(&wgr->cookies, initiator, &hs->initiator, cookie);
	ok = have && wgr_ratelimit_response(&wgr->ratelimit, &hs->initiator, kind);
	wgr_cookie_put_mac2(skb->data, WGR_RESPONSE_LEN, ok ? cookie : NULL);
	memzero_explicit(cookie, sizeof(cookie));
	if (ok)
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RESPONSE_STAMPS);
	else if (have)
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RESPONSE_STAMP_WITHHELD);
}

/*
 * A response to a forwarded initiation whose initiator is known: make the pair's
 * sessions and send it on, with mac2 of the relay's making (response_stamp()).
 * Context: softirq or BH off, under RCU. Consumes @skb.
 */
static void response_from(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_rx *rx,
			  const struct wgr_answer *hs, struct wgr_peer *initiator)
{
	int ret;

	/* Never sent on with the responder's mac2: writable first, or not at all. */
	if (unlikely(skb_ensure_writable(skb, WGR_RESPONSE_LEN))) {
		wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
		goto drop;
	}
	if (!wgr_peers_may_talk(initiator, hs->target)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_DENIED);
		refuse(wgr, WGRELAY_REFUSED_ALLOWED_PEERS, initiator, hs->target, &hs->initiator);
		goto drop;
	}
	ret = wgr_pair_create(wgr, hs, wgr_response_receiver(skb->data), initiator,
			      wgr_response_sender(skb->data), &rx->src);
	if (ret) {
		wgr_stat_inc(wgr, ret == -EEXIST ? WGRELAY_STAT_HS_COLLISIONS :
				  ret == -ENOSPC ? WGRELAY_STAT_SESSIONS_FULL :
				  ret == -ENOENT ? WGRELAY_STAT_HS_UNSOLICITED :
						   WGRELAY_STAT_TX_ERRORS);
		if (ret == -EEXIST || ret == -ENOSPC)
			refuse(wgr, ret == -EEXIST ? WGRELAY_REFUSED_COLLISION : WGRELAY_REFUSED_FULL,
			       initiator, hs->target, &hs->initiator);
		goto drop;
	}
	wgr_stat_add(wgr, WGRELAY_STAT_SESSIONS_CREATED, 2);
	wgr_stat_inc(wgr, WGRELAY_STAT_HS_RESPONSES);
	response_stamp(wgr, skb, hs, initiator);
	send_copies(wgr, skb, rx, &hs->initiator, 1);
	return;

drop:
	kfree_skb(skb);
}

static void relay_response(struct wgr_device *wgr, struct sk_buff *skb,
			   const struct wgr_rx *rx)
{
	struct wgr_peer *initiator, *hints[2];
	enum wgr_bind_at at;
	struct wgr_answer hs;
	int why;

	/* From here the peers stay valid even if they are being removed. */
	rcu_read_lock();
	why = answer(wgr, wgr_response_receiver(skb->data), &rx->src, WGR_ANSWER_RESPONSE, &hs);
	if (why) {
		wgr_stat_inc(wgr, why);
		goto unlock_drop;
	}
	/* The peer last proven at the initiation's source, and the one bound there. */
	hints[0] = wgr_source_owner(&wgr->sources, &hs.initiator);
	hints[1] = wgr_bind_owner(wgr, &hs.initiator, &at);
	if (hints[1] == hints[0])
		hints[1] = NULL;
	initiator = find_hinted(skb->data, WGR_RESPONSE_MAC1_OFF, hints, ARRAY_SIZE(hints));
	if (!initiator && !scan_inline(wgr)) {
		/* It answers what the relay forwarded: it goes to the head of the queue. */
		rcu_read_unlock();
		scan_later(wgr, skb, rx, true);
		return;
	}
	if (!initiator)
		initiator = find_receiver(wgr, skb->data, WGR_RESPONSE_MAC1_OFF);
	if (IS_ERR_OR_NULL(initiator)) {
		count_no_receiver(wgr, initiator, &rx->src);
		goto unlock_drop;
	}
	response_from(wgr, skb, rx, &hs, initiator);
	rcu_read_unlock();
	return;

unlock_drop:
	rcu_read_unlock();
	kfree_skb(skb);
}

/*
 * One handshake from the scan queue: the scan runs with bottom halves enabled
 * (softirqs, and so the relay's data path, go on on this CPU meanwhile); what
 * follows runs as it would have in softirq.
 * Return: false if the scan budget is spent (the datagram was not used).
 */
static bool scan_one(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_rx *rx)
{
	bool init = skb->data[0] == WGR_MSG_INITIATION;
	struct wgr_answer hs;
	struct wgr_peer *peer;

	rcu_read_lock();
	peer = find_receiver(wgr, skb->data, init ? WGR_INITIATION_MAC1_OFF : WGR_RESPONSE_MAC1_OFF);
	if (peer == ERR_PTR(-EBUSY)) {
		rcu_read_unlock();
		return false;
	}
	if (!peer) {
		count_no_receiver(wgr, peer, &rx->src);
		rcu_read_unlock();
		kfree_skb(skb);
		return true;
	}
	local_bh_disable();
	if (init) {
		initiation_to(wgr, skb, rx, peer, talker_at(wgr, &rx->src));
	} else if (!wgr_handshake_answer(&wgr->handshakes, wgr_response_receiver(skb->data),
					 &rx->src, WGR_ANSWER_PEEK, &hs)) {
		/* Accepted (and counted) before it was queued; still in flight? */
		response_from(wgr, skb, rx, &hs, peer);
	} else {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_UNSOLICITED);
		kfree_skb(skb);
	}
	local_bh_enable();
	rcu_read_unlock();
	return true;
}

/**
 * wgr_relay_scan_work - the scan worker: handshakes that need every peer's mac1
 * @work: wgr_device.scans.work
 *
 * When the scan budget is spent, the datagram at the head of the queue waits for
 * it to refill; the queue holds only what the budget serves in two seconds
 * (scan_later()), so none waits long, and stopping the device empties it.
 * Context: process (system_unbound_wq).
 */
void wgr_relay_scan_work(struct work_struct *work)
{
	struct wgr_device *wgr = container_of(work, struct wgr_device, scans.work);
	struct sk_buff *skb;
	struct wgr_rx rx;
	bool verified;

	while ((skb = wgr_scan_next(&wgr->scans, &rx, &verified))) {
		if (!scan_one(wgr, skb, &rx)) {
			if (!wgr_scan_again(&wgr->scans, skb, verified))
				wgr_stat_inc(wgr, WGRELAY_STAT_HS_RATELIMITED);
			msleep(20);
		}
		cond_resched();
	}
}

/* Send one of the relay's probes (cookie.c), made in @skb, to @to. Consumes @skb. */
static void send_probe(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_endpoint *to)
{
	/* It starts here, as the relay's cookie replies do. */
	if (!wgr_send(wgr, skb, to, NULL, 0, WGR_MAX_TTL))
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_COOKIE_PROBES);
}

/*
 * Probe @peer at @to for the cookie in its slot there, ranked by whether @to
 * is its binding, live or stale (cookie.c). Context: softirq, under RCU.
 */
static void probe_slot(struct wgr_device *wgr, struct wgr_peer *peer, const struct wgr_endpoint *to)
{
	struct sk_buff *skb = own_datagram(wgr, WGR_INITIATION_LEN);

	if (!skb)
		return;
	if (!wgr_cookie_probe(&wgr->cookies, peer, to,
			      wgr_peer_bound_at(peer, to) ? WGR_COOKIE_BINDING : WGR_COOKIE_ELSEWHERE,
			      skb->data)) {
		kfree_skb(skb);
		return;
	}
	send_probe(wgr, skb, to);
}

/*
 * Probe @target at @to for its own cookie (cookie.c): a cookie reply in its
 * name came from there, to an initiation from @via, which only says that the
 * target there is under load. If that initiation followed a pair route that
 * ends at @to, the answer is the route's own (wgr_pair_cookie_due()): sessions
 * an attacker staged in the target's name end elsewhere, each with a route and
 * a cookie of its own, and rank against nothing; they once pushed the end of a
 * real session out of the target's slots (helper-81, K2). Else the answer
 * takes a slot, ranked by whether @to is the target's binding, live or stale
 * (where initiations for it go; a squatter's too: it then holds that one slot,
 * and only mac2 for what goes to it): a stale binding once ranked as nothing,
 * and candidates' forgeries turned its slot over (helper-81, K3). The probe
 * leaves as the relay's cookie replies do.
 *
 * Each route is probed once a second at most, and a slot once a second; but
 * routes are anyone's to stage, and each ends where its staged response came
 * from: the probes toward one endpoint grew with the routes staged to it
 * (helper-83, M2). A route whose initiator talks from its start and proved
 * there that it receives (route_vouches(), the same word its stamps take) is a
 * real peer's: one a second per peer and destination (an offline peer's
 * binding proven at an attacker's socket had one for each route staged from
 * there: helper-87); the others share the destination's four a second
 * (wgr_ratelimit_probe()). A route refused there waits as one whose probe went
 * unanswered (wgr_route_cookie_due()). A real peer's route's probe, and a
 * binding's, is firm in the probe table: no other probe takes its bucket,
 * and it may take theirs (cookie.c, WGR_PROBE_HOLD).
 * Context: softirq, under rcu_read_lock().
 */
static void probe_cookie(struct wgr_device *wgr, struct wgr_peer *target,
			 const struct wgr_endpoint *via, const struct wgr_endpoint *to)
{
	struct wgr_peer *initiator = NULL;
	int route = wgr_pair_cookie_due(wgr, via, target, to, &initiator);
	struct wgr_peer *proven;
	struct sk_buff *skb;

	if (route < 0 && wgr_cookie_probe_due(&wgr->cookies, target, to))
		probe_slot(wgr, target, to);
	if (route <= 0)
		return;
	proven = route_vouches(initiator, via);
	if (!wgr_ratelimit_probe(&wgr->ratelimit, to, proven ? proven->public_key : NULL))
		return;
	skb = own_datagram(wgr, WGR_INITIATION_LEN);
	if (!skb)
		return;
	if (!wgr_cookie_probe_route(&wgr->cookies, target, to, via, proven, skb->data)) {
		kfree_skb(skb);
		return;
	}
	send_probe(wgr, skb, to);
}

/*
 * Probe @initiator at @to for its own cookie (R1): a cookie reply came from
 * there on the responder's index of an unconfirmed session that @initiator
 * started from @to, so it is under load, and wants mac2 on the responses sent
 * to it. The reply is sealed for the responder, with the response's mac1,
 * and whoever made the response can open it: a squatter that answered a
 * spoofer's initiations "from" @to in another peer's name had it relayed,
 * opened it, and put @initiator's own mac2 on its answers, which spent the 20
 * handshake messages a second that a loaded WireGuard takes from the relay's
 * address; the real responder's went unheard. So the reply ends here,
 * unopened, and the relay keeps only the answer to a probe of its own, in
 * @initiator's slot for @to (cookie.c), which its initiations to @initiator
 * use too: WireGuard's cookie is for the source it sees, the relay's either
 * way. It puts mac2 made with it on the responses it vouches for
 * (response_stamp()). One probe a second for a slot; and to one destination,
 * one a second for @initiator at its live binding, or the four a second that
 * probes of a route anyone staged share (wgr_ratelimit_probe()): sessions
 * staged "from" @to in many peers' names would each have one.
 * Context: softirq, under rcu_read_lock().
 */
static void probe_initiator(struct wgr_device *wgr, struct wgr_peer *initiator,
			    const struct wgr_endpoint *to)
{
	if (READ_ONCE(initiator->dead) || !wgr_cookie_probe_due(&wgr->cookies, initiator, to) ||
	    !wgr_ratelimit_probe(&wgr->ratelimit, to,
				 wgr_bind_live_at(initiator, to) ? initiator->public_key : NULL))
		return;
	probe_slot(wgr, initiator, to);
}

/*
 * Is a cookie reply on @receiver the answer to one of the relay's probes? Its
 * cookie, if it opens with the probe's mac1, is the one the relay keeps for
 * the endpoint probed. Context: softirq, under rcu_read_lock().
 */
static bool probe_answer(struct wgr_device *wgr, u32 receiver, const u8 *msg,
			 const struct wgr_endpoint *from)
{
	u8 key[WGRELAY_KEY_LEN], mac1[WGR_MAC1_LEN], cookie[WGR_TARGET_COOKIE_LEN];
	struct wgr_endpoint via;
	struct wgr_peer *target;
	bool kept = false;

	if (!wgr_cookie_probed(&wgr->cookies, receiver, from, key, mac1, &via))
		return false;
	target = wgr_peer_lookup(wgr, key);
	if (target && wgr_cookie_open(target, msg, mac1, cookie))
		kept = wgr_endpoint_set(&via) ?
		       wgr_pair_cookie_keep(wgr, &via, target, from, cookie) :
		       wgr_cookie_keep(&wgr->cookies, target, cookie, from);
	memzero_explicit(cookie, sizeof(cookie));
	wgr_stat_inc(wgr, kept ? WGRELAY_STAT_HS_COOKIES : WGRELAY_STAT_HS_UNSOLICITED);
	if (kept)
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_COOKIES_KEPT);
	return true;
}

static void relay_cookie(struct wgr_device *wgr, struct sk_buff *skb, const struct wgr_rx *rx)
{
	struct wgr_answer hs;
	int why;

	u32 receiver = wgr_cookie_receiver(skb->data);
	struct wgr_half *h;
	bool elsewhere;

	/* The target stays valid under RCU even if it is being removed. */
	rcu_read_lock();
	why = answer(wgr, receiver, &rx->src, WGR_ANSWER_COOKIE, &hs);
	if (!why) {
		u8 cookie[WGR_TARGET_COOKIE_LEN];

		/*
		 * A target's cookie for an initiation ends here (cookie.c). Anyone
		 * who saw the initiation could have sealed it: it only has the
		 * relay probe the target there.
		 */
		if (wgr_cookie_open(hs.target, skb->data, hs.mac1, cookie))
			probe_cookie(wgr, hs.target, &hs.initiator, &rx->src);
		else
			why = WGRELAY_STAT_HS_UNSOLICITED;
		memzero_explicit(cookie, sizeof(cookie));
		rcu_read_unlock();
		wgr_stat_inc(wgr, why ?: WGRELAY_STAT_HS_COOKIES);
		kfree_skb(skb);
		return;
	}
	if (probe_answer(wgr, receiver, skb->data, &rx->src)) {
		rcu_read_unlock();
		kfree_skb(skb);
		return;
	}
	/*
	 * An initiator under load answers a response without its mac2 with a
	 * cookie reply on the responder's index, from where the response went,
	 * while the pair is unconfirmed (it retries). It ends here: the relay
	 * probes the initiator for a cookie of its own (probe_initiator(), R1).
	 */
	h = wgr_half_lookup(wgr, receiver, &rx->src, &elsewhere);
	if (!h || elsewhere || h->which != 1 || READ_ONCE(wgr_half_pair(h)->confirmed)) {
		rcu_read_unlock();
		wgr_stat_inc(wgr, why);
		kfree_skb(skb);
		return;
	}
	wgr_stat_inc(wgr, WGRELAY_STAT_HS_INITIATOR_COOKIES);
	probe_initiator(wgr, wgr_half_other(h)->owner, &rx->src);
	rcu_read_unlock();
	kfree_skb(skb);
}

/**
 * wgr_relay_rcv - the UDP tunnel socket's encap_rcv: relay one datagram
 * @sk: the relay's socket
 * @skb: the datagram, its UDP checksum verified, skb->data at the UDP header
 *
 * Context: softirq.
 * Return: 0: the datagram is consumed, whatever became of it.
 */
int wgr_relay_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct wgr_device *wgr = rcu_dereference_sk_user_data(sk);
	enum wgr_message_type type;
	struct wgr_rx rx;
	int why;

	if (unlikely(!wgr))
		goto drop;
	wgr_stat_inc(wgr, WGRELAY_STAT_RX_PACKETS);
	wgr_stat_add(wgr, WGRELAY_STAT_RX_BYTES, skb->len);
	type = skb_message(skb);
	why = type == WGR_MSG_INVALID ? WGRELAY_STAT_RX_INVALID :
	      skb_rx(sk, skb, &rx, type != WGR_MSG_DATA);
	if (unlikely(why)) {
		wgr_stat_inc(wgr, why);
		goto drop;
	}
	switch (type) {
	case WGR_MSG_DATA:
		relay_data(wgr, skb, &rx);
		return 0;
	case WGR_MSG_INITIATION:
		relay_initiation(wgr, skb, &rx);
		return 0;
	case WGR_MSG_RESPONSE:
		relay_response(wgr, skb, &rx);
		return 0;
	case WGR_MSG_COOKIE:
		relay_cookie(wgr, skb, &rx);
		return 0;
	default:
		break;
	}
drop:
	kfree_skb(skb);
	return 0;
}
