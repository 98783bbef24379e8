// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's own cookie replies: return routability with WireGuard's own
 * mechanism, so that stock peers need no change (trust model v2).
 *
 * A peer that receives a cookie reply to its initiation decrypts it with a key
 * derived from the public key of the peer it initiated to, with the initiation's
 * mac1 as associated data; the relay knows that public key, so it can answer on
 * the target's behalf, as WireGuard's cookie.c answers for itself. The peer then
 * puts mac2, keyed by the cookie, on its messages for two minutes. The cookie is
 * a keyed hash of the peer's IP address and port under a secret that changes
 * every two minutes: only a source that receives at its address can have it. A
 * valid mac2 therefore proves that the datagram's source is real, for as long as
 * the cookie lasts; it is checked on every datagram, never remembered per
 * address (a spoofer can send "from" a verified address).
 *
 * What a valid mac2 buys: only such sources become discovery candidates, so the
 * relay never sends copies of initiations toward an address that did not ask
 * (no amplification). The reply is smaller than the initiation it answers and
 * limited per destination IP:port, so it amplifies nothing either.
 *
 * A target's own cookie replies end here (trust model v2). A WireGuard peer
 * under load answers a handshake without its mac2 with a cookie reply to the
 * handshake's source, the relay; relayed, it would reach the initiator beside
 * the relay's own, and a peer keeps only one (the kernel the first, wireguard-go
 * the last): whoever else could forge one (anyone who saw the initiation: a
 * squatter, a discovery candidate) could keep a peer's mac2 wrong for ever. So
 * the relay opens it (its key derives from the target's public key), and keeps
 * only the answer to a probe of its own that the reply made it send: for the
 * end of the pair route the initiation took, in that route's own pair; for any
 * other endpoint, in a slot of that endpoint's own. It puts mac2 made with it
 * on what it vouches for and sends there; everything else it sends leaves with
 * mac2 zeroed: the relay's cookie is for the relay alone.
 *
 * An initiator's cookie replies end here too (R1). A loaded initiator answers
 * a response without its mac2 with one sealed for the responder, and a
 * responder is whoever answers a forwarded initiation: a squatter that
 * answered initiations spoofed "from" the initiator opened it, and its
 * responses with that mac2 spent the twenty a second the initiator takes from
 * the relay's address. The relay probes the initiator instead, and keeps the
 * answer in the initiator's slot for its endpoint, which the relay's
 * initiations to it use too; every response it sends on carries mac2 made
 * with that, or zeros.
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <crypto/chacha20poly1305.h>

#include "cookie.h"
#include "messages.h"
#include "peer.h"

#define WGR_COOKIE_SIZE		16	/* the cookie itself */
#define WGR_COOKIE_ROTATE	(120 * HZ)
/* WireGuard's COOKIE_SECRET_MAX_AGE less its latency allowance. */
#define WGR_TARGET_COOKIE_AGE	(115 * HZ)
/* One probe a second to each slot; its answer is taken for five. */
#define WGR_PROBE_EVERY		HZ
#define WGR_PROBE_WAIT		(5 * HZ)
/*
 * A probe holds its bucket of the probe table this long: a later one draws
 * another sender index (WGR_PROBE_DRAWS times at most) rather than take it.
 * A bucket went to whichever probe came last, and a spoofer that had the relay
 * probe its own staged routes right after a real route's probe pushed that
 * one out before its answer came (helper-83 and helper-84, P3). A WireGuard
 * answers within its round trip; one that answers later than this loses its
 * bucket only to a probe that found no free one.
 *
 * Holding made a steady flood of the table stronger than the timed overwrite
 * had been: a spoofer's few hundred unanswered probes a second (routes it
 * staged to its own sockets, four a second per socket) held most buckets, and
 * refused most real probes (helper-86). So a firm probe, of the target's
 * binding or of a route whose initiator proved where it talks from (relay.c,
 * route_vouches()), may take a bucket that any other probe holds; one that is
 * not firm never takes a firm one's. Firm probes are one a second per binding
 * and per route of a peer that receives where it talks: a spoofer's need peers
 * of their own, proven at sockets of its own.
 */
#define WGR_PROBE_HOLD		HZ
#define WGR_PROBE_DRAWS		4
#define WGR_COOKIE_LABEL	"cookie--"
/* mac2 follows mac1 and covers every byte before it. */
#define WGR_INITIATION_MAC2_OFF	(WGR_INITIATION_MAC1_OFF + WGR_MAC1_LEN)
/* A cookie reply: type, receiver index, nonce, the cookie sealed with its tag. */
#define WGR_COOKIE_NONCE_OFF	8
#define WGR_COOKIE_SEALED_OFF	(WGR_COOKIE_NONCE_OFF + XCHACHA20POLY1305_NONCE_SIZE)

static_assert(WGR_COOKIE_SEALED_OFF + WGR_COOKIE_SIZE + CHACHA20POLY1305_AUTHTAG_SIZE ==
	      WGR_COOKIE_LEN);
static_assert(WGR_INITIATION_MAC2_OFF + WGR_MAC1_LEN == WGR_INITIATION_LEN);
static_assert(WGR_RESPONSE_MAC1_OFF + 2 * WGR_MAC1_LEN == WGR_RESPONSE_LEN);
static_assert(WGR_TARGET_COOKIE_LEN == WGR_COOKIE_SIZE);

void wgr_cookies_init(struct wgr_cookies *c)
{
	spin_lock_init(&c->lock);
	get_random_bytes(c->secret, sizeof(c->secret));
	c->rotated = get_jiffies_64();
}

/**
 * wgr_cookie_key - the key a peer decrypts cookie replies from @public_key's
 * owner with
 * @key: filled with BLAKE2s-256("cookie--" || @public_key)
 * @public_key: the key of the peer the cookie is sent on behalf of
 */
void wgr_cookie_key(u8 key[32], const u8 public_key[32])
{
	u8 buf[sizeof(WGR_COOKIE_LABEL) - 1 + WGRELAY_KEY_LEN];

	memcpy(buf, WGR_COOKIE_LABEL, sizeof(WGR_COOKIE_LABEL) - 1);
	memcpy(buf + sizeof(WGR_COOKIE_LABEL) - 1, public_key, WGRELAY_KEY_LEN);
	wgr_blake2s(key, 32, buf, sizeof(buf), NULL, 0);
}

/* Copy the secrets out, rotating them first when they are due. */
static void secrets(struct wgr_cookies *c, u8 out[2][WGR_COOKIE_SECRET_LEN])
{
	spin_lock_bh(&c->lock);
	if (time_after_eq64(get_jiffies_64(), c->rotated + WGR_COOKIE_ROTATE)) {
		memcpy(c->secret[1], c->secret[0], WGR_COOKIE_SECRET_LEN);
		get_random_bytes(c->secret[0], WGR_COOKIE_SECRET_LEN);
		/* After a long quiet spell the previous secret is stale too. */
		if (time_after_eq64(get_jiffies_64(), c->rotated + 2 * WGR_COOKIE_ROTATE))
			get_random_bytes(c->secret[1], WGR_COOKIE_SECRET_LEN);
		c->rotated = get_jiffies_64();
	}
	memcpy(out, c->secret, sizeof(c->secret));
	spin_unlock_bh(&c->lock);
}

/* The cookie of an IP address and port under one secret. */
static void make_cookie(u8 cookie[WGR_COOKIE_SIZE], const u8 secret[WGR_COOKIE_SECRET_LEN],
			const struct wgr_endpoint *src)
{
	u8 buf[16 + sizeof(__be16)];
	unsigned int len;

	if (src->addr.sa_family == AF_INET) {
		memcpy(buf, &src->addr4.sin_addr, 4);
		memcpy(buf + 4, &src->addr4.sin_port, 2);
		len = 6;
	} else {
		memcpy(buf, &src->addr6.sin6_addr, 16);
		memcpy(buf + 16, &src->addr6.sin6_port, 2);
		len = 18;
	}
	wgr_blake2s(cookie, WGR_COOKIE_SIZE, buf, len, secret, WGR_COOKIE_SECRET_LEN);
}

/**
 * wgr_cookie_mac2_valid - does an initiation carry the relay's mac2 for its source?
 * @c: the relay's secrets
 * @msg: the initiation, WGR_INITIATION_LEN bytes
 * @src: where it came from
 *
 * Checked under the current and the previous secret: a cookie lives up to two
 * minutes at the peer, which may have taken it just before a rotation.
 * Context: softirq.
 * Return: true if mac2 was made with the cookie of @src.
 */
bool wgr_cookie_mac2_valid(struct wgr_cookies *c, const u8 *msg,
			   const struct wgr_endpoint *src)
{
	u8 s[2][WGR_COOKIE_SECRET_LEN], cookie[WGR_COOKIE_SIZE], mac[WGR_MAC1_LEN];
	bool valid = false;
	int i;

	secrets(c, s);
	for (i = 0; i < 2 && !valid; i++) {
		make_cookie(cookie, s[i], src);
		wgr_blake2s(mac, sizeof(mac), msg, WGR_INITIATION_MAC2_OFF, cookie, sizeof(cookie));
		valid = !crypto_memneq(mac, msg + WGR_INITIATION_MAC2_OFF, sizeof(mac));
	}
	memzero_explicit(s, sizeof(s));
	memzero_explicit(cookie, sizeof(cookie));
	return valid;
}

/**
 * wgr_cookie_reply - a cookie reply to an initiation, on its target's behalf
 * @c: the relay's secrets
 * @msg: the initiation, WGR_INITIATION_LEN bytes
 * @src: where it came from, where the reply goes
 * @target: the peer its mac1 names: the initiator decrypts with its key
 * @out: filled with the WGR_COOKIE_LEN bytes of the reply
 *
 * Context: softirq.
 */
void wgr_cookie_reply(struct wgr_cookies *c, const u8 *msg, const struct wgr_endpoint *src,
		      const struct wgr_peer *target, u8 *out)
{
	u8 s[2][WGR_COOKIE_SECRET_LEN], cookie[WGR_COOKIE_SIZE];

	secrets(c, s);
	make_cookie(cookie, s[0], src);
	memset(out, 0, WGR_COOKIE_SEALED_OFF);
	out[0] = WGR_MSG_COOKIE;
	/* The receiver index is the initiation's sender index, as loaded from the wire. */
	memcpy(out + 4, msg + WGR_INITIATION_SENDER_OFF, 4);
	get_random_bytes(out + WGR_COOKIE_NONCE_OFF, XCHACHA20POLY1305_NONCE_SIZE);
	xchacha20poly1305_encrypt(out + WGR_COOKIE_SEALED_OFF, cookie, sizeof(cookie),
				  msg + WGR_INITIATION_MAC1_OFF, WGR_MAC1_LEN,
				  out + WGR_COOKIE_NONCE_OFF, target->cookie_key);
	memzero_explicit(s, sizeof(s));
	memzero_explicit(cookie, sizeof(cookie));
}

/* A slot holds a cookie younger than WireGuard's secrets live. */
static bool slot_fresh(const struct wgr_target_cookie *slot)
{
	return slot->birth && time_before64(get_jiffies_64(), slot->birth + WGR_TARGET_COOKIE_AGE);
}

/* A slot is taken while its cookie is fresh or its probe may still be answered. */
static bool slot_busy(const struct wgr_target_cookie *slot)
{
	return slot_fresh(slot) ||
	       (slot->probed && time_before64(get_jiffies_64(), slot->probed + WGR_PROBE_WAIT));
}

/* The target's fresh cookie from @to, if it has one. Context: @c->lock. */
static struct wgr_target_cookie *cookie_at(struct wgr_peer *target,
					   const struct wgr_endpoint *to)
{
	unsigned int i;

	for (i = 0; i < WGR_TARGET_COOKIES; i++)
		if (slot_fresh(&target->cookie[i]) && wgr_endpoint_eq(&target->cookie[i].at, to))
			return &target->cookie[i];
	return NULL;
}

/*
 * The slot a probe of @to, of @rank, goes to: its own endpoint's, else a free
 * one, else the lowest-ranked, least recently probed first, if that ranks no
 * higher than @rank; NULL: every slot holds an endpoint the relay knows better.
 * Context: @c->lock.
 */
static struct wgr_target_cookie *slot_for(struct wgr_peer *target,
					  const struct wgr_endpoint *to,
					  enum wgr_cookie_rank rank)
{
	struct wgr_target_cookie *victim = NULL, *slot;
	unsigned int i;

	for (i = 0; i < WGR_TARGET_COOKIES; i++) {
		slot = &target->cookie[i];
		if (!slot_busy(slot))
			victim = slot;
		else if (wgr_endpoint_eq(&slot->at, to))
			return slot;
	}
	if (victim)
		return victim;
	for (i = 0; i < WGR_TARGET_COOKIES; i++) {
		slot = &target->cookie[i];
		if (!victim || slot->rank < victim->rank ||
		    (slot->rank == victim->rank && time_before64(slot->probed, victim->probed)))
			victim = slot;
	}
	return victim->rank <= rank ? victim : NULL;
}

/**
 * wgr_cookie_open - open a cookie reply from a target
 * @target: the peer it is from
 * @msg: the cookie reply, WGR_COOKIE_LEN bytes
 * @mac1: the mac1 of the initiation it answers (its associated data)
 * @cookie: filled with the cookie if it opens
 *
 * A reply to an initiation the relay forwarded may come from anyone who saw
 * that initiation: the key derives from @target's public key, and the mac1 was
 * on the wire. Opened first, so that junk costs the caller nothing more
 * (helper-81, K6).
 * Context: any.
 * Return: true if it opened under @target's key.
 */
bool wgr_cookie_open(const struct wgr_peer *target, const u8 *msg, const u8 *mac1,
		     u8 cookie[WGR_TARGET_COOKIE_LEN])
{
	return xchacha20poly1305_decrypt(cookie, msg + WGR_COOKIE_SEALED_OFF,
					 WGR_COOKIE_SIZE + CHACHA20POLY1305_AUTHTAG_SIZE,
					 mac1, WGR_MAC1_LEN, msg + WGR_COOKIE_NONCE_OFF,
					 target->cookie_key);
}

/* @slot probed @to less than a second ago. Context: @c->lock. */
static bool probed_lately(const struct wgr_target_cookie *slot, const struct wgr_endpoint *to)
{
	return slot->probed && wgr_endpoint_eq(&slot->at, to) &&
	       time_before64(get_jiffies_64(), slot->probed + WGR_PROBE_EVERY);
}

/* A probe for @target: a random sender index and body, its mac1, no mac2. */
static void make_probe(const struct wgr_peer *target, u8 *msg)
{
	get_random_bytes(msg, WGR_INITIATION_MAC1_OFF);
	memset(msg + 1, 0, 3);
	msg[0] = WGR_MSG_INITIATION;
	wgr_blake2s(msg + WGR_INITIATION_MAC1_OFF, WGR_MAC1_LEN, msg, WGR_INITIATION_MAC1_OFF,
		    target->mac1_key, WGRELAY_KEY_LEN);
	memset(msg + WGR_INITIATION_MAC2_OFF, 0, WGR_MAC1_LEN);
}

/*
 * A probe in flight, by its sender index's low bits, unless a probe of the
 * last WGR_PROBE_HOLD holds that bucket, and is firm or @firm is not (see
 * WGR_PROBE_HOLD). @via: the pair route whose end it probes, or NULL.
 * Context: @c->lock.
 * Return: true if remembered (the probe may go).
 */
static bool remember_probe(struct wgr_cookies *c, const struct wgr_peer *target,
			   const u8 *msg, const struct wgr_endpoint *to,
			   const struct wgr_endpoint *via, bool firm)
{
	u32 sender = wgr_initiation_sender(msg);
	struct wgr_probe *p = &c->probes[sender & (WGR_PROBES - 1)];

	if (p->sent && time_before64(get_jiffies_64(), p->sent + WGR_PROBE_HOLD) && (p->firm || !firm))
		return false;
	p->firm = firm;
	memcpy(p->target, target->public_key, WGRELAY_KEY_LEN);
	memcpy(p->mac1, msg + WGR_INITIATION_MAC1_OFF, WGR_MAC1_LEN);
	p->sender = sender;
	p->to = *to;
	if (via)
		p->via = *via;
	else
		memset(&p->via, 0, sizeof(p->via));
	p->sent = get_jiffies_64() ?: 1;
	return true;
}

/**
 * wgr_cookie_probe_due - may the relay probe @target at @to now?
 * @c: the relay's cookies
 * @target: the peer
 * @to: the endpoint
 *
 * Asked before the caller spends anything on a probe (an skb, a look at the
 * peer's sessions): a reply an attacker forges costs it one datagram.
 * Context: softirq.
 * Return: false if @to was probed less than a second ago.
 */
bool wgr_cookie_probe_due(struct wgr_cookies *c, struct wgr_peer *target,
			  const struct wgr_endpoint *to)
{
	bool due = true;
	unsigned int i;

	spin_lock_bh(&c->lock);
	for (i = 0; i < WGR_TARGET_COOKIES && due; i++)
		due = !probed_lately(&target->cookie[i], to);
	spin_unlock_bh(&c->lock);
	return due;
}

/**
 * wgr_cookie_probe - make a probe of a target's own cookie at an endpoint
 * @c: the relay's cookies
 * @target: the peer
 * @to: where a cookie reply in its name, to an initiation the relay forwarded,
 *      came from: it says the target there is under load, nothing more
 * @rank: what the relay knows of @to as @target's endpoint (relay.c)
 * @msg: filled with the probe to send to @to, WGR_INITIATION_LEN bytes
 *
 * A probe is an initiation of the relay's own: a random sender index and body,
 * mac1 for @target, no mac2. A loaded WireGuard answers it with a cookie reply
 * to the relay's address, sealed with the probe's mac1, which nobody off the
 * path to @to ever saw: so nobody else can answer it, and that answer is the
 * only cookie the relay keeps (wgr_cookie_keep()). A reply forged in the
 * target's name, spoofed "from" its endpoint or sent from an endpoint of the
 * attacker's, only makes the relay ask (helper-81, K1, K2). One probe a second
 * to each of a target's slots, if the probe table has room (remember_probe()).
 * Context: softirq.
 * Return: true if @msg is to be sent.
 */
bool wgr_cookie_probe(struct wgr_cookies *c, struct wgr_peer *target,
		      const struct wgr_endpoint *to, enum wgr_cookie_rank rank, u8 *msg)
{
	struct wgr_target_cookie *slot;
	unsigned int draw;
	bool go = false;

	for (draw = 0; draw < WGR_PROBE_DRAWS && !go; draw++) {
		/* Made outside the lock: each draw is a new sender index. */
		make_probe(target, msg);
		spin_lock_bh(&c->lock);
		slot = slot_for(target, to, rank);
		if (!slot || probed_lately(slot, to)) {
			spin_unlock_bh(&c->lock);
			break;
		}
		go = remember_probe(c, target, msg, to, NULL, rank == WGR_COOKIE_BINDING);
		if (go) {
			/* A slot taken from another endpoint drops that one's cookie. */
			if (!slot_busy(slot) || !wgr_endpoint_eq(&slot->at, to))
				slot->birth = 0;
			slot->at = *to;
			slot->rank = rank;
			slot->probed = get_jiffies_64() ?: 1;
		}
		spin_unlock_bh(&c->lock);
	}
	return go;
}

/**
 * wgr_cookie_probe_route - make a probe of a target's own cookie at the end of
 * a pair route
 * @c: the relay's cookies
 * @target: the peer
 * @to: the route's end, where a cookie reply in @target's name to an initiation
 *      that followed the route came from
 * @via: the route's initiator endpoint, which with @target names the route
 * @firm: the route's initiator proved that it receives where it talks from,
 *        at @via (see WGR_PROBE_HOLD)
 * @msg: filled with the probe to send to @to, WGR_INITIATION_LEN bytes
 *
 * As wgr_cookie_probe(), but the answer goes to the route's own cookie
 * (wgr_pair_cookie_keep()), and the route's pair has said that it is due
 * (wgr_pair_cookie_due()): no slot of the target's is taken.
 * Context: softirq.
 * Return: true if @msg is to be sent; false if the probe table had no room.
 */
bool wgr_cookie_probe_route(struct wgr_cookies *c, struct wgr_peer *target,
			    const struct wgr_endpoint *to, const struct wgr_endpoint *via,
			    bool firm, u8 *msg)
{
	unsigned int draw;
	bool go = false;

	for (draw = 0; draw < WGR_PROBE_DRAWS && !go; draw++) {
		make_probe(target, msg);
		spin_lock_bh(&c->lock);
		go = remember_probe(c, target, msg, to, via, firm);
		spin_unlock_bh(&c->lock);
	}
	return go;
}

/**
 * wgr_cookie_probed - is a cookie reply on @receiver, from @from, the answer to
 * a probe?
 * @c: the relay's cookies
 * @receiver: its receiver index
 * @from: where it came from: it must be where the probe went
 * @target: filled with the public key of the peer the probe went to
 * @mac1: filled with the probe's mac1, the answer's associated data
 * @via: filled with the initiator endpoint of the pair route whose end it
 *       probed; AF_UNSPEC: it probed for the target's slots
 *
 * Whoever receives a probe can answer it with any cookie: taken from anywhere
 * but the endpoint probed, an attacker's answer to the probe of its own
 * endpoint, spoofed "from" the target's, went into the target's slot
 * (helper-82, P1). A probe is answered once; a probe whose bucket a later one
 * took is forgotten (the next goes a second later).
 * Context: softirq.
 * Return: true if a probe with that sender index went to @from and is waiting
 * for its answer.
 */
bool wgr_cookie_probed(struct wgr_cookies *c, u32 receiver, const struct wgr_endpoint *from,
		       u8 target[WGRELAY_KEY_LEN], u8 mac1[16], struct wgr_endpoint *via)
{
	struct wgr_probe *p = &c->probes[receiver & (WGR_PROBES - 1)];
	bool found;

	spin_lock_bh(&c->lock);
	found = p->sent && p->sender == receiver && wgr_endpoint_eq(&p->to, from) &&
		time_before64(get_jiffies_64(), p->sent + WGR_PROBE_WAIT);
	if (found) {
		memcpy(target, p->target, WGRELAY_KEY_LEN);
		memcpy(mac1, p->mac1, WGR_MAC1_LEN);
		*via = p->via;
		p->sent = 0;
	}
	spin_unlock_bh(&c->lock);
	return found;
}

/**
 * wgr_cookie_keep - keep the cookie a probe's answer gave
 * @c: the relay's cookies
 * @target: the peer probed
 * @cookie: the cookie wgr_cookie_open() opened with the probe's mac1
 * @from: where the answer came from
 *
 * Kept in the slot of the endpoint probed, if that is @from and the slot has
 * not gone to another endpoint meanwhile. An endpoint's answer replaces its own
 * cookie, so a secret the target rotated is mended one probe after the first
 * reply it makes to the stale mac2.
 * Context: softirq.
 * Return: true if kept.
 */
bool wgr_cookie_keep(struct wgr_cookies *c, struct wgr_peer *target,
		     const u8 cookie[WGR_TARGET_COOKIE_LEN], const struct wgr_endpoint *from)
{
	bool kept = false;
	unsigned int i;

	spin_lock_bh(&c->lock);
	for (i = 0; i < WGR_TARGET_COOKIES && !kept; i++) {
		struct wgr_target_cookie *slot = &target->cookie[i];

		if (!slot->probed || !time_before64(get_jiffies_64(), slot->probed + WGR_PROBE_WAIT) ||
		    !wgr_endpoint_eq(&slot->at, from))
			continue;
		memcpy(slot->value, cookie, WGR_TARGET_COOKIE_LEN);
		slot->birth = get_jiffies_64() ?: 1;
		kept = true;
	}
	spin_unlock_bh(&c->lock);
	return kept;
}

/**
 * wgr_cookie_get - the target's own cookie from @to, if the relay has a fresh one
 * @c: the relay's cookies
 * @target: the peer
 * @to: where the relay would send it an initiation
 * @cookie: filled with the cookie
 *
 * A target has one while it was under load there lately: it then wants its own
 * mac2 on what it takes (the end of a pair route keeps its own: wgr_pair_route()).
 * Context: softirq.
 * Return: true if @cookie was filled.
 */
bool wgr_cookie_get(struct wgr_cookies *c, struct wgr_peer *target,
		    const struct wgr_endpoint *to, u8 cookie[WGR_TARGET_COOKIE_LEN])
{
	struct wgr_target_cookie *slot;

	spin_lock_bh(&c->lock);
	slot = cookie_at(target, to);
	if (slot)
		memcpy(cookie, slot->value, WGR_TARGET_COOKIE_LEN);
	spin_unlock_bh(&c->lock);
	return slot != NULL;
}

/**
 * wgr_cookie_put_mac2 - mac2 for a handshake message the relay sends on
 * @msg: an initiation or a response, writable, @len bytes
 * @len: WGR_INITIATION_LEN or WGR_RESPONSE_LEN: mac2 is the last sixteen
 *       bytes, and covers every byte before it
 * @cookie: the receiver's own cookie where it goes, if the relay vouches for
 *          what it sends (relay.c); NULL: zeros
 *
 * Zeros otherwise: the relay's own cookie, which an initiator's mac2 may be
 * made with, is nobody else's business, and a responder's mac2 was made with
 * a cookie the relay does not let it have (relay_cookie()). A loaded peer
 * answers zeros with a cookie reply, and no handshake work.
 * Context: any.
 */
void wgr_cookie_put_mac2(u8 *msg, unsigned int len, const u8 *cookie)
{
	unsigned int off = len - WGR_MAC1_LEN;

	if (cookie)
		wgr_blake2s(msg + off, WGR_MAC1_LEN, msg, off, cookie, WGR_TARGET_COOKIE_LEN);
	else
		memset(msg + off, 0, WGR_MAC1_LEN);
}

/* A route's cookie younger than WireGuard's secrets live, at @now. */
static bool route_fresh(const struct wgr_route_cookie *rc, u32 now)
{
	return rc->birth && time_before32(now, rc->birth + WGR_TARGET_COOKIE_AGE);
}

/* A route's last probe may still be answered, at @now. */
static bool route_waiting(const struct wgr_route_cookie *rc, u32 now)
{
	return rc->probed && time_before32(now, rc->probed + WGR_PROBE_WAIT);
}

/**
 * wgr_route_cookie_due - may the relay probe the end of a pair route now?
 * @rc: the route's cookie
 *
 * One probe at a time: the next a second after the last one's answer, or once
 * it can no longer be answered (five seconds). A loaded target answers at
 * once, so a secret it rotated is mended within the second; an end that never
 * answers (an attacker can roam the end of a session it staged to any address,
 * and have the relay probe it: helper-83) costs one probe every five seconds.
 * A yes counts as the probe.
 * Context: the lock of the pair that holds @rc (the state lock).
 */
bool wgr_route_cookie_due(struct wgr_route_cookie *rc)
{
	u32 now = jiffies;

	if (rc->probed) {
		bool answered = rc->birth && !time_before32(rc->birth, rc->probed);

		if (time_before32(now, rc->probed + (answered ? WGR_PROBE_EVERY : WGR_PROBE_WAIT)))
			return false;
	}
	rc->probed = now ?: 1;
	return true;
}

/**
 * wgr_route_cookie_keep - keep the answer to the probe of a route's end
 * @rc: the route's cookie
 * @cookie: the cookie the answer gave
 *
 * Within five seconds of the probe, as a target's slot takes one.
 * Context: the lock of the pair that holds @rc.
 * Return: true if kept.
 */
bool wgr_route_cookie_keep(struct wgr_route_cookie *rc, const u8 cookie[WGR_TARGET_COOKIE_LEN])
{
	u32 now = jiffies;

	if (!route_waiting(rc, now))
		return false;
	memcpy(rc->value, cookie, WGR_TARGET_COOKIE_LEN);
	rc->birth = now ?: 1;
	return true;
}

/**
 * wgr_route_cookie_get - a route's cookie, if fresh
 * @rc: the route's cookie
 * @cookie: filled with it
 *
 * Context: the lock of the pair that holds @rc.
 * Return: true if @cookie was filled.
 */
bool wgr_route_cookie_get(const struct wgr_route_cookie *rc, u8 cookie[WGR_TARGET_COOKIE_LEN])
{
	if (!route_fresh(rc, jiffies))
		return false;
	memcpy(cookie, rc->value, WGR_TARGET_COOKIE_LEN);
	return true;
}

/**
 * wgr_route_cookie_forget - the end of a route moved: its cookie was for where
 * it was
 * @rc: the route's cookie
 *
 * Whoever answered there is not known to be where the end is now. A spoofer
 * that staged a session of its own can roam its end anywhere (pass 6, G6):
 * to a socket of its own, to answer the probe there with a cookie of its own,
 * and back onto the target's endpoint, where that cookie would have gone on
 * everything vouched for along the route (helper-83). A real target that
 * moved answers the next try with a cookie reply, and the probe mends it.
 * Context: the lock of the pair that holds @rc.
 */
void wgr_route_cookie_forget(struct wgr_route_cookie *rc)
{
	rc->birth = 0;
}

/**
 * wgr_route_cookie_clamp - forget what is too old to mean anything, before the
 * 32-bit times wrap
 * @rc: the route's cookie
 *
 * A route's cookie goes on from session to session of a pair that keeps
 * talking (route_add()), so its times could outlive the 24 days they wrap in
 * (at HZ=1000): a dead cookie would then look fresh again, and its route never
 * be due for a probe (helper-84). The collector calls this for every pair, far
 * more often than that, and route_add() before it hands a cookie on.
 * Context: the lock of the pair that holds @rc.
 */
void wgr_route_cookie_clamp(struct wgr_route_cookie *rc)
{
	u32 now = jiffies;

	if (!route_fresh(rc, now))
		rc->birth = 0;
	if (!route_waiting(rc, now))
		rc->probed = 0;
}
