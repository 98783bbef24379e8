// SPDX-License-Identifier: GPL-2.0
/*
 * The forwarding rules: every datagram that reaches the relay's port comes here,
 * in softirq, from the UDP socket's encap_rcv.
 *
 * Every datagram is hostile until shown otherwise. It is validated (length, type,
 * reserved bytes) before any state is looked at, and nothing in a handshake
 * message is believed: mac1 only says whom a message is *for*, and anyone can
 * forge it. Bindings move only on proof (see wgr_pair_confirm() and roaming
 * below). The relay holds no key and never looks past the cleartext header.
 */
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/udp.h>

#include "device.h"
#include "messages.h"
#include "relay.h"
#include "session.h"
#include "socket.h"

/* Where the datagram came from, and which local address it was sent to. */
static bool skb_endpoint(struct sk_buff *skb, struct wgr_endpoint *ep)
{
	const struct udphdr *uh = udp_hdr(skb);

	memset(ep, 0, sizeof(*ep));
	if (skb->protocol == htons(ETH_P_IP)) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = uh->source;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		ep->src4 = ip_hdr(skb)->daddr;
		return true;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = uh->source;
		ep->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		/* A link-local peer is only reachable through the link it came from. */
		if (ipv6_addr_type(&ep->addr6.sin6_addr) & IPV6_ADDR_LINKLOCAL)
			ep->addr6.sin6_scope_id = inet6_iif(skb);
		ep->src6 = ipv6_hdr(skb)->daddr;
		return true;
	}
	return false;
}

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

/*
 * Roaming: data on a confirmed session from an endpoint other than its sender's
 * moves the sender there, if nobody but the two peers could have sent it. That
 * takes the index, which only they and the relay know (not half 0's when
 * discovery sent the initiation, and so its sender index, to others too), and a
 * counter past any seen but within reach of it, as a real sender's is.
 */
static bool may_roam(struct wgr_device *wgr, struct wgr_half *h, u64 counter)
{
	u64 seen = READ_ONCE(h->counter);

	return READ_ONCE(wgr->cfg.roaming) &&
	       !(h->which == 0 && wgr_half_pair(h)->leaked) &&
	       counter > seen && counter - seen <= WGR_ROAM_WINDOW &&
	       counter < WGR_REJECT_AFTER_MESSAGES;
}

static void relay_data(struct wgr_device *wgr, struct sk_buff *skb,
		       const struct wgr_endpoint *src)
{
	struct wgr_half *h, *sender;
	struct wgr_endpoint to;
	struct wgr_pair *pair;
	unsigned int len = skb->len;
	bool elsewhere;
	u64 counter;

	rcu_read_lock();
	h = wgr_half_lookup(wgr, wgr_data_receiver(skb->data), src, &elsewhere);
	if (unlikely(!h)) {
		wgr_stat_inc(wgr, WGRELAY_STAT_RX_NO_SESSION);
		goto drop;
	}
	pair = wgr_half_pair(h);
	sender = wgr_half_other(h);
	counter = wgr_data_counter(skb->data);

	if (unlikely(!READ_ONCE(pair->confirmed))) {
		/*
		 * Only the initiator's data proves the handshake: it sends data only
		 * after verifying the response. Data the other way on a tentative pair
		 * can come from whoever got a discovery copy and forged a response.
		 */
		if (elsewhere || h->which != 1) {
			wgr_stat_inc(wgr, WGRELAY_STAT_RX_NO_SESSION);
			goto drop;
		}
		spin_lock(&wgr->state.lock);
		/* A flush, expiry or peer removal may have taken it off the lists. */
		if (!pair->removed)
			wgr_pair_confirm(wgr, pair);
		spin_unlock(&wgr->state.lock);
	} else if (unlikely(elsewhere)) {
		bool roamed = false;

		if (may_roam(wgr, h, counter)) {
			spin_lock(&wgr->state.lock);
			/* Checked again: another CPU may have moved on, or removed the pair. */
			roamed = may_roam(wgr, h, counter) && !pair->removed;
			if (roamed)
				wgr_pair_roam(wgr, sender, src);
			spin_unlock(&wgr->state.lock);
		}
		if (!roamed) {
			wgr_stat_inc(wgr, WGRELAY_STAT_RX_NO_SESSION);
			goto drop;
		}
	}

	if (counter > READ_ONCE(h->counter))
		WRITE_ONCE(h->counter, counter);
	if (READ_ONCE(pair->last_seen) != jiffies)
		WRITE_ONCE(pair->last_seen, jiffies);
	/* Only data from where a peer is bound keeps the binding: not any session's. */
	if (READ_ONCE(sender->owner->last_rx) != jiffies && wgr_peer_bound_at(sender->owner, src))
		WRITE_ONCE(sender->owner->last_rx, jiffies);

	wgr_half_read_ep(h, &to);
	if (unlikely(wgr_endpoint_eq(&to, src))) {
		wgr_stat_inc(wgr, WGRELAY_STAT_LOOP_DROPS);
		goto drop;
	}
	if (likely(!wgr_send(wgr, skb, &to, h->owner->route))) {
		WRITE_ONCE(h->packets, h->packets + 1);
		WRITE_ONCE(h->bytes, h->bytes + len);
		wgr_stat_inc(wgr, WGRELAY_STAT_TX_PACKETS);
		wgr_stat_add(wgr, WGRELAY_STAT_TX_BYTES, len);
	}
	rcu_read_unlock();
	return;

drop:
	rcu_read_unlock();
	kfree_skb(skb);
}

/* Send @skb to each of @to; the last one gets the original. Consumes @skb. */
static unsigned int send_copies(struct wgr_device *wgr, struct sk_buff *skb,
				const struct wgr_endpoint *to, unsigned int n)
{
	unsigned int i, sent = 0, len = skb->len;

	for (i = 0; i < n; i++) {
		struct sk_buff *c = i + 1 < n ? pskb_copy(skb, GFP_ATOMIC) : skb;

		if (unlikely(!c)) {
			wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
			continue;
		}
		if (!wgr_send(wgr, c, &to[i], NULL)) {
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
 * Whose mac1 is this? The source's recent targets are tried first; then every
 * peer, within the relay's scan budget. Called under RCU without the state lock:
 * the scan can be long. Return: the peer, NULL, or ERR_PTR(-EBUSY) when the
 * budget is spent.
 */
static struct wgr_peer *find_receiver(struct wgr_device *wgr, const u8 *msg,
				      unsigned int mac_off, struct wgr_peer **hints,
				      unsigned int n_hints)
{
	struct wgr_peer *peer, *found = NULL;
	unsigned int i;
	u32 tried = 0;
	bool allowed;

	for (i = 0; i < n_hints; i++)
		if (hints[i] && wgr_mac1_valid(msg, mac_off, hints[i]->mac1_key))
			return hints[i];
	spin_lock(&wgr->state.lock);
	allowed = wgr_scan_allow(wgr);
	spin_unlock(&wgr->state.lock);
	if (!allowed)
		return ERR_PTR(-EBUSY);
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		tried++;
		if (wgr_mac1_valid(msg, mac_off, peer->mac1_key)) {
			found = peer;
			break;
		}
	}
	spin_lock(&wgr->state.lock);
	wgr_scan_charge(wgr, tried);
	spin_unlock(&wgr->state.lock);
	return found;
}

/* Count why no receiver was found: over the scan budget, or nobody's mac1. */
static void count_no_receiver(struct wgr_device *wgr, struct wgr_peer *peer)
{
	wgr_stat_inc(wgr, IS_ERR(peer) ? WGRELAY_STAT_HS_RATELIMITED
				       : WGRELAY_STAT_HS_UNKNOWN_TARGET);
}

static void relay_initiation(struct wgr_device *wgr, struct sk_buff *skb,
			     const struct wgr_endpoint *src)
{
	struct wgr_state *state = &wgr->state;
	struct wgr_peer *hints[WGR_SOURCE_RECENT];
	struct wgr_endpoint *to, route;
	struct wgr_source *source;
	struct wgr_peer *target;
	unsigned int n = 0, fanout;
	bool trusted = false;

	/* The hints stay valid under RCU: a peer is freed only after a grace period. */
	rcu_read_lock();
	spin_lock(&state->lock);
	if (!wgr_ratelimit_allow(wgr, src)) {
		spin_unlock(&state->lock);
		rcu_read_unlock();
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RATELIMITED);
		goto drop;
	}
	wgr_source_hints(wgr, src, hints);
	spin_unlock(&state->lock);

	target = find_receiver(wgr, skb->data, WGR_INITIATION_MAC1_OFF, hints, ARRAY_SIZE(hints));
	if (IS_ERR_OR_NULL(target)) {
		rcu_read_unlock();
		count_no_receiver(wgr, target);
		goto drop;
	}

	fanout = READ_ONCE(wgr->cfg.discovery_fanout);
	to = kmalloc_array(fanout + 1, sizeof(*to), GFP_ATOMIC);
	if (unlikely(!to)) {
		rcu_read_unlock();
		wgr_stat_inc(wgr, WGRELAY_STAT_TX_ERRORS);
		goto drop;
	}

	spin_lock(&state->lock);
	if (target->dead)
		goto unlock_drop;
	/* Only now that mac1 named a peer is the source worth remembering. */
	source = wgr_source_get(wgr, src);
	if (source)
		wgr_source_note_target(source, target);
	if (wgr_peer_route(target, &route, &trusted)) {
		if (!wgr_endpoint_eq(&route, src)) {
			to[n++] = route;
			wgr_stat_inc(wgr, WGRELAY_STAT_HS_INITIATIONS);
		} else if (trusted) {
			wgr_stat_inc(wgr, WGRELAY_STAT_LOOP_DROPS);
			goto unlock_drop;
		}
	}
	if (!trusted) {
		/*
		 * No endpoint the relay can vouch for: discover the target among the
		 * peers initiating through it, and be found by it in turn.
		 */
		unsigned int found = wgr_discovery_candidates(wgr, src, n ? &route : NULL,
							      target, to + n, fanout);

		n += found;
		wgr_stat_add(wgr, WGRELAY_STAT_DISCOVERY_FWD, found);
		if (source)
			wgr_source_add_pending(source, target);
		if (!n)
			wgr_stat_inc(wgr, WGRELAY_STAT_HS_NO_ROUTE);
	}
	if (n)
		wgr_handshake_record(wgr, wgr_initiation_sender(skb->data), src, target,
				     trusted, to, n);
	spin_unlock(&state->lock);
	rcu_read_unlock();

	send_copies(wgr, skb, to, n);
	kfree(to);
	return;

unlock_drop:
	spin_unlock(&state->lock);
	rcu_read_unlock();
	kfree(to);
drop:
	kfree_skb(skb);
}

static void relay_response(struct wgr_device *wgr, struct sk_buff *skb,
			   const struct wgr_endpoint *src)
{
	u32 receiver = wgr_response_receiver(skb->data);
	struct wgr_state *state = &wgr->state;
	struct wgr_peer *initiator, *target, *hint;
	struct wgr_handshake *hs;
	struct wgr_endpoint to;
	struct wgr_pair *pair;

	spin_lock(&state->lock);
	if (!wgr_ratelimit_allow(wgr, src)) {
		spin_unlock(&state->lock);
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RATELIMITED);
		goto drop;
	}
	hs = wgr_handshake_answered(wgr, receiver, src);
	if (!hs) {
		spin_unlock(&state->lock);
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_UNSOLICITED);
		goto drop;
	}
	target = hs->target;
	hint = wgr_source_owner(wgr, &hs->initiator);
	spin_unlock(&state->lock);

	/* The hint stays valid under RCU even if its peer is being removed. */
	rcu_read_lock();
	initiator = find_receiver(wgr, skb->data, WGR_RESPONSE_MAC1_OFF, &hint, 1);
	if (IS_ERR_OR_NULL(initiator)) {
		rcu_read_unlock();
		count_no_receiver(wgr, initiator);
		goto drop;
	}
	if (!wgr_peers_may_talk(initiator, target)) {
		rcu_read_unlock();
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_DENIED);
		goto drop;
	}

	spin_lock(&state->lock);
	/* The scan ran unlocked: the handshake may have expired or its peers gone. */
	hs = wgr_handshake_answered(wgr, receiver, src);
	if (!hs || hs->target != target || initiator->dead) {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_UNSOLICITED);
		goto unlock_drop;
	}
	pair = wgr_pair_create(wgr, hs, initiator, wgr_response_sender(skb->data), src);
	if (IS_ERR(pair)) {
		wgr_stat_inc(wgr, PTR_ERR(pair) == -ENOSPC ? WGRELAY_STAT_SESSIONS_FULL
							   : WGRELAY_STAT_TX_ERRORS);
		goto unlock_drop;
	}
	wgr_stat_add(wgr, WGRELAY_STAT_SESSIONS_CREATED, 2);
	wgr_bind(initiator, &hs->initiator, WGRELAY_BINDING_TENTATIVE, false);
	wgr_bind(target, src, WGRELAY_BINDING_TENTATIVE, false);
	initiator->handshakes++;
	target->handshakes++;
	to = hs->initiator;
	spin_unlock(&state->lock);
	rcu_read_unlock();

	wgr_stat_inc(wgr, WGRELAY_STAT_HS_RESPONSES);
	send_copies(wgr, skb, &to, 1);
	return;

unlock_drop:
	spin_unlock(&state->lock);
	rcu_read_unlock();
drop:
	kfree_skb(skb);
}

static void relay_cookie(struct wgr_device *wgr, struct sk_buff *skb,
			 const struct wgr_endpoint *src)
{
	struct wgr_handshake *hs;
	struct wgr_endpoint to;

	spin_lock(&wgr->state.lock);
	if (!wgr_ratelimit_allow(wgr, src)) {
		spin_unlock(&wgr->state.lock);
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_RATELIMITED);
		kfree_skb(skb);
		return;
	}
	hs = wgr_handshake_answered(wgr, wgr_cookie_receiver(skb->data), src);
	if (hs)
		to = hs->initiator;
	spin_unlock(&wgr->state.lock);
	if (!hs) {
		wgr_stat_inc(wgr, WGRELAY_STAT_HS_UNSOLICITED);
		kfree_skb(skb);
		return;
	}
	wgr_stat_inc(wgr, WGRELAY_STAT_HS_COOKIES);
	send_copies(wgr, skb, &to, 1);
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
	struct wgr_endpoint src;

	if (unlikely(!wgr))
		goto drop;
	wgr_stat_inc(wgr, WGRELAY_STAT_RX_PACKETS);
	wgr_stat_add(wgr, WGRELAY_STAT_RX_BYTES, skb->len);
	type = skb_message(skb);
	if (unlikely(type == WGR_MSG_INVALID || !skb_endpoint(skb, &src))) {
		wgr_stat_inc(wgr, WGRELAY_STAT_RX_INVALID);
		goto drop;
	}
	switch (type) {
	case WGR_MSG_DATA:
		relay_data(wgr, skb, &src);
		return 0;
	case WGR_MSG_INITIATION:
		relay_initiation(wgr, skb, &src);
		return 0;
	case WGR_MSG_RESPONSE:
		relay_response(wgr, skb, &src);
		return 0;
	case WGR_MSG_COOKIE:
		relay_cookie(wgr, skb, &src);
		return 0;
	default:
		break;
	}
drop:
	kfree_skb(skb);
	return 0;
}
