// SPDX-License-Identifier: GPL-2.0
/*
 * Bindings: where each peer is, as far as the relay can tell (trust model v2,
 * DESIGN 2.3). Nothing in a handshake says who sent it, and one attacker can play
 * both ends of a handshake the relay sees complete; what the relay can observe is
 * which endpoints real peers keep sending data from. So:
 *
 *  - a binding is *live* while data comes from it on confirmed sessions whose
 *    sender is its peer (wgr_bind_seen()), *stale* WGRELAY_BINDING_STALE seconds
 *    after that stops, absent binding-timeout after;
 *  - a live binding never moves: no handshake, confirmation or roam moves it
 *    (counted as bindings_kept). Only going stale, or the operator, does;
 *  - a stale binding follows its peer's newest authenticated roam out of it (a
 *    roam in a session in which the peer was at the binding, not voided by data
 *    from the binding since); with no such roam, or when absent, it takes the
 *    peer's newest confirmation, whether that came before it went stale (and
 *    was kept from it then) or after;
 *  - a static endpoint is the binding, always live, and never moves; it says
 *    nothing about any other peer.
 *
 * A squatter can take a stale or absent binding and keep it live with one
 * datagram a minute: that is the price of holding no keys. A peer that talks
 * keeps its binding, and pair routing (session.c) keeps the initiating side of
 * a live session reaching its partner whatever sits in the partner's binding.
 *
 * Confirmed bindings are also found by endpoint (wgr_bind_owner()): an
 * initiation from a live binding is its peer's, or a spoofer's of that very
 * IP:port, whatever the relay remembers of the endpoint's handshakes. It is
 * never refused for a neighbour's flood (promise 5), and its peer's partners
 * are the first guesses for its target (pass 6, G8 and G9).
 */
#include <linux/random.h>

#include "bind.h"
#include "device.h"

#define WGR_BINDING_STALE	(WGRELAY_BINDING_STALE * HZ)
/*
 * Initiations a live binding vouches for: one a second, four at once. A
 * WireGuard peer sends one per rekey and per retry (5 s) to each partner.
 */
#define WGR_VOUCH_INTERVAL	HZ
#define WGR_VOUCH_BURST		4

void wgr_bindings_init(struct wgr_bindings *b)
{
	spin_lock_init(&b->lock);
	hash_init(b->by_ep);
	get_random_bytes(&b->seed, sizeof(b->seed));
}

/*
 * Every change to a binding goes through here, inside the peer's seqcount; a
 * confirmed one is found by its endpoint too (wgr_bind_owner()).
 */
static void set_binding(struct wgr_peer *peer, const struct wgr_endpoint *ep, u8 state)
{
	struct wgr_bindings *b = &peer->wgr->bindings;

	lockdep_assert_held(&b->lock);
	hash_del(&peer->bind_node);
	write_seqcount_begin(&peer->bind_seq);
	if (ep)
		peer->bind_ep = *ep;
	else
		memset(&peer->bind_ep, 0, sizeof(peer->bind_ep));
	write_seqcount_end(&peer->bind_seq);
	/*
	 * Never index a peer being removed: wgr_bindings_forget_peer() took it off
	 * after it was marked dead, under this lock, so this sees the mark.
	 */
	if (state == WGRELAY_BINDING_CONFIRMED && ep && !READ_ONCE(peer->dead))
		hash_add(b->by_ep, &peer->bind_node, wgr_endpoint_hash(ep, &b->seed));
	WRITE_ONCE(peer->bind_state, state);
	peer->bind_time = jiffies;
	memset(&peer->roam_ep, 0, sizeof(peer->roam_ep));
	memset(&peer->confirm_ep, 0, sizeof(peer->confirm_ep));
}

/**
 * wgr_bind_status - what a peer's binding is worth now
 * @peer: the peer
 *
 * Context: any; a racy read is fine (a binding's worth changes with time anyway).
 * Return: enum wgrelay_binding_status.
 */
enum wgrelay_binding_status wgr_bind_status(const struct wgr_peer *peer)
{
	if (wgr_endpoint_set(&peer->static_ep))
		return WGRELAY_BINDING_STATUS_STATIC;
	switch (READ_ONCE(peer->bind_state)) {
	case WGRELAY_BINDING_CONFIRMED:
		return time_before(jiffies, READ_ONCE(peer->last_rx) + WGR_BINDING_STALE) ?
		       WGRELAY_BINDING_STATUS_LIVE : WGRELAY_BINDING_STATUS_STALE;
	case WGRELAY_BINDING_TENTATIVE:
		return WGRELAY_BINDING_STATUS_TENTATIVE;
	default:
		return WGRELAY_BINDING_STATUS_NONE;
	}
}

/*
 * Is @ep, set at @at, newer word on where the peer is than its binding, whose
 * last data came at @last: after it, and recent enough for its session to be
 * alive? If not, it is forgotten.
 */
static bool newer(struct wgr_device *wgr, struct wgr_endpoint *ep, unsigned long at,
		  unsigned long last)
{
	if (!wgr_endpoint_set(ep))
		return false;
	if (time_after(at, last) &&
	    !time_after(jiffies, at + READ_ONCE(wgr->cfg.session_timeout) * HZ))
		return true;
	memset(ep, 0, sizeof(*ep));
	return false;
}

/*
 * A stale binding moves to where its peer roamed out of it; with no such roam,
 * and when @confirmations, to where its newest confirmation put it while it
 * was live (a handshake made from a new endpoint before the old one went
 * quiet: a remap of a silent peer). Either must be newer than the peer's last
 * data from the binding. Return: true if it moved.
 */
static bool follow(struct wgr_device *wgr, struct wgr_peer *peer, bool confirmations)
{
	unsigned long last = READ_ONCE(peer->last_rx), at;
	struct wgr_endpoint to;

	lockdep_assert_held(&wgr->bindings.lock);
	if (wgr_bind_status(peer) != WGRELAY_BINDING_STATUS_STALE)
		return false;
	if (newer(wgr, &peer->roam_ep, peer->roam_at, last)) {
		to = peer->roam_ep;
		at = peer->roam_at;
	} else if (confirmations && newer(wgr, &peer->confirm_ep, peer->confirm_at, last)) {
		to = peer->confirm_ep;
		at = peer->confirm_at;
	} else {
		return false;
	}
	set_binding(peer, &to, WGRELAY_BINDING_CONFIRMED);
	/* Live again as soon as the peer's data comes from there (wgr_bind_seen()). */
	WRITE_ONCE(peer->last_rx, at);
	wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_FOLLOWED);
	return true;
}

/**
 * wgr_bind_route - where initiations for a peer go when no session says otherwise
 * @wgr: the relay
 * @peer: the target
 * @ep: set to the endpoint, if there is one
 * @status: set to what the binding is worth (discovery runs when it is stale or
 *          absent)
 *
 * Tentative bindings are not used: anyone who got a discovery copy could have
 * made one.
 * Context: softirq.
 * Return: true if there is somewhere to send it.
 */
bool wgr_bind_route(struct wgr_device *wgr, struct wgr_peer *peer, struct wgr_endpoint *ep,
		    enum wgrelay_binding_status *status)
{
	bool found = true;

	spin_lock_bh(&wgr->bindings.lock);
	follow(wgr, peer, true);
	*status = wgr_bind_status(peer);
	if (*status == WGRELAY_BINDING_STATUS_STATIC)
		*ep = peer->static_ep;
	else if (*status == WGRELAY_BINDING_STATUS_LIVE || *status == WGRELAY_BINDING_STATUS_STALE)
		*ep = peer->bind_ep;
	else
		found = false;
	spin_unlock_bh(&wgr->bindings.lock);
	return found;
}

/**
 * wgr_bind_tentative - a response names where a peer may be
 * @wgr: the relay
 * @peer: the peer
 * @ep: the endpoint
 *
 * Shown, never routed to; only a peer with no binding gets one.
 * Context: softirq.
 */
void wgr_bind_tentative(struct wgr_device *wgr, struct wgr_peer *peer,
			const struct wgr_endpoint *ep)
{
	spin_lock_bh(&wgr->bindings.lock);
	if (peer->bind_state == WGRELAY_BINDING_NONE)
		set_binding(peer, ep, WGRELAY_BINDING_TENTATIVE);
	spin_unlock_bh(&wgr->bindings.lock);
}

/* A binding that stays where it is although proof of another endpoint came. */
static void kept(struct wgr_device *wgr, struct wgr_peer *peer)
{
	peer->bindings_kept++;
	wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_KEPT);
}

/**
 * wgr_bind_confirmed - a confirmed handshake puts a peer at an endpoint
 * @wgr: the relay
 * @peer: the peer
 * @ep: where the handshake put it
 *
 * Moves a binding that is absent, tentative, or stale with no roam out of it to
 * follow; keeps a live or static one (see the top of this file), and a live one
 * remembers it, to go there once stale.
 * Context: softirq.
 */
void wgr_bind_confirmed(struct wgr_device *wgr, struct wgr_peer *peer,
			const struct wgr_endpoint *ep)
{
	spin_lock_bh(&wgr->bindings.lock);
	/* This confirmation is newer than any the binding remembers. */
	if (follow(wgr, peer, false)) {
		/* The roam is the newer word on where the peer is. */
		if (!wgr_endpoint_eq(&peer->bind_ep, ep))
			kept(wgr, peer);
		goto out;
	}
	switch (wgr_bind_status(peer)) {
	case WGRELAY_BINDING_STATUS_STATIC:
		if (!wgr_endpoint_eq(&peer->static_ep, ep))
			kept(wgr, peer);
		break;
	case WGRELAY_BINDING_STATUS_LIVE:
		if (wgr_endpoint_eq(&peer->bind_ep, ep)) {
			WRITE_ONCE(peer->last_rx, jiffies);
			memset(&peer->confirm_ep, 0, sizeof(peer->confirm_ep));
			break;
		}
		kept(wgr, peer);
		peer->confirm_ep = *ep;
		peer->confirm_at = jiffies;
		if (peer->confirm_at == READ_ONCE(peer->last_rx))
			peer->confirm_at++;
		break;
	default:
		set_binding(peer, ep, WGRELAY_BINDING_CONFIRMED);
		WRITE_ONCE(peer->last_rx, jiffies);
		break;
	}
out:
	spin_unlock_bh(&wgr->bindings.lock);
}

/**
 * wgr_bind_roamed - a peer's authenticated data moved its endpoint in a session
 * @wgr: the relay
 * @peer: the peer that roamed
 * @from: its endpoint in that session before
 * @to: its endpoint now
 *
 * A roam moves the session only. If it left the peer's binding (or the endpoint
 * of a roam out of it), it is where the binding goes once stale: see follow().
 * Context: softirq.
 */
void wgr_bind_roamed(struct wgr_device *wgr, struct wgr_peer *peer,
		     const struct wgr_endpoint *from, const struct wgr_endpoint *to)
{
	spin_lock_bh(&wgr->bindings.lock);
	if (peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
	    (wgr_endpoint_eq(&peer->bind_ep, from) || wgr_endpoint_eq(&peer->roam_ep, from))) {
		peer->roam_ep = *to;
		peer->roam_at = jiffies;
		if (peer->roam_at == READ_ONCE(peer->last_rx))
			peer->roam_at++;
		/* A live binding stays until it goes stale (follow()). */
		if (wgr_bind_status(peer) == WGRELAY_BINDING_STATUS_LIVE)
			kept(wgr, peer);
		else
			follow(wgr, peer, true);
	}
	spin_unlock_bh(&wgr->bindings.lock);
}

/**
 * wgr_bind_restore - put back a binding a relay saved before it restarted
 * @wgr: the relay
 * @peer: the peer
 * @ep: where it was bound
 * @age: seconds since data last came from there
 *
 * The binding comes back stale, never live: the saved endpoint is only the
 * operator's word on where the peer was, and after a restart it can be squatted
 * like any stale binding (DESIGN 2.3, promise 2). It becomes live when the
 * peer's data comes from it on a confirmed session (wgr_bind_seen()), and
 * expires binding-timeout after the data it was saved for. A binding learned
 * since the restart is newer and stays; a static endpoint comes from the config.
 * Context: process.
 * Return: 0, -ESTALE (older than binding-timeout) or -EBUSY (the peer has a
 * confirmed binding or a static endpoint already).
 */
int wgr_bind_restore(struct wgr_device *wgr, struct wgr_peer *peer, const struct wgr_endpoint *ep,
		     u64 age)
{
	unsigned long ago;
	int ret = 0;

	/* Bounded by WGRELAY_MAX_TIMEOUT: the subtractions below cannot wrap far. */
	if (age >= READ_ONCE(wgr->cfg.binding_timeout))
		return -ESTALE;
	ago = (unsigned long)age * HZ;
	spin_lock_bh(&wgr->bindings.lock);
	if (wgr_endpoint_set(&peer->static_ep) ||
	    peer->bind_state == WGRELAY_BINDING_CONFIRMED) {
		ret = -EBUSY;
		goto out;
	}
	set_binding(peer, ep, WGRELAY_BINDING_CONFIRMED);
	/* Expires as it would have: wgr_bindings_gc() counts from the later of the two. */
	peer->bind_time = jiffies - ago;
	WRITE_ONCE(peer->last_rx, jiffies - max(ago, (unsigned long)WGR_BINDING_STALE));
out:
	spin_unlock_bh(&wgr->bindings.lock);
	return ret;
}

/**
 * wgr_peer_bound_at - is a peer's binding this endpoint?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Context: any; reads the binding through its seqcount.
 * Return: true if the peer has a confirmed binding, or a static endpoint, at @ep.
 */
bool wgr_peer_bound_at(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_endpoint bound;
	unsigned int seq;

	if (wgr_endpoint_set(&peer->static_ep))
		return wgr_endpoint_eq(&peer->static_ep, ep);
	if (READ_ONCE(peer->bind_state) != WGRELAY_BINDING_CONFIRMED)
		return false;
	do {
		seq = read_seqcount_begin(&peer->bind_seq);
		bound = peer->bind_ep;
	} while (read_seqcount_retry(&peer->bind_seq, seq));
	return wgr_endpoint_eq(&bound, ep);
}

/**
 * wgr_bind_owner - the peer whose live binding an endpoint is
 * @wgr: the relay
 * @ep: the endpoint
 *
 * Live: data came from there on a confirmed session whose sender is the peer,
 * within WGRELAY_BINDING_STALE. Squatters of stale bindings sit at their own
 * endpoints, so a shared address's other ports never find a real peer here.
 * Context: softirq, under rcu_read_lock(): the peer may be used until it ends.
 * Return: the peer, or NULL.
 */
struct wgr_peer *wgr_bind_owner(struct wgr_device *wgr, const struct wgr_endpoint *ep)
{
	struct wgr_bindings *b = &wgr->bindings;
	struct wgr_peer *peer, *owner = NULL;

	spin_lock_bh(&b->lock);
	hash_for_each_possible(b->by_ep, peer, bind_node, wgr_endpoint_hash(ep, &b->seed)) {
		if (wgr_endpoint_eq(&peer->bind_ep, ep) &&
		    wgr_bind_status(peer) == WGRELAY_BINDING_STATUS_LIVE) {
			owner = peer;
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return owner;
}

/**
 * wgr_bind_vouch - may a live binding vouch for one more initiation from it?
 * @peer: its peer (wgr_bind_owner())
 *
 * A vouched initiation skips its address's ceiling (relay.c). A squatter holds
 * live bindings too, and a spoofer may send from a real one, so each binding
 * vouches for a WireGuard peer's worth of initiations, no more (pass 7, H2):
 * a flood from squats pays the ceiling like any other. A generic cell rate:
 * @peer->vouch_tat moves on by one interval per vouch, at most the burst ahead.
 * Racy by design: two CPUs may both take the last one.
 * Context: any.
 * Return: true if it vouches.
 */
bool wgr_bind_vouch(struct wgr_peer *peer)
{
	unsigned long now = jiffies, limit = now + WGR_VOUCH_BURST * WGR_VOUCH_INTERVAL;
	unsigned long tat = READ_ONCE(peer->vouch_tat);

	/* Behind now, or never set (a value no vouch could have left): start afresh. */
	if (time_before(tat, now) || time_after(tat, limit))
		tat = now;
	if (time_after(tat + WGR_VOUCH_INTERVAL, limit))
		return false;
	WRITE_ONCE(peer->vouch_tat, tat + WGR_VOUCH_INTERVAL);
	return true;
}

/**
 * wgr_bindings_forget_peer - take a peer being removed off the endpoint index
 * @wgr: the relay
 * @peer: the peer
 *
 * Context: process, before the peer's grace period starts.
 */
void wgr_bindings_forget_peer(struct wgr_device *wgr, struct wgr_peer *peer)
{
	spin_lock_bh(&wgr->bindings.lock);
	hash_del(&peer->bind_node);
	spin_unlock_bh(&wgr->bindings.lock);
}

/**
 * wgr_bind_read - copy a peer's binding for reporting
 * @wgr: the relay
 * @peer: the peer
 * @info: its binding fields are filled in
 *
 * Context: process.
 */
void wgr_bind_read(struct wgr_device *wgr, struct wgr_peer *peer, struct wgr_peer_info *info)
{
	unsigned long last;

	spin_lock_bh(&wgr->bindings.lock);
	follow(wgr, peer, true);
	info->bind_state = peer->bind_state;
	info->bind_status = wgr_bind_status(peer);
	info->bind_ep = info->bind_status == WGRELAY_BINDING_STATUS_STATIC ? peer->static_ep :
										peer->bind_ep;
	info->static_ep = peer->static_ep;
	info->bindings_kept = peer->bindings_kept;
	last = READ_ONCE(peer->last_rx);
	spin_unlock_bh(&wgr->bindings.lock);
	if (last)
		info->last_seen = wgr_jiffies_to_unix(last);
}

/* Context: process. */
void wgr_bindings_flush(struct wgr_device *wgr)
{
	struct wgr_peer *peer;

	spin_lock_bh(&wgr->bindings.lock);
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &wgr->peers.list, list)
		set_binding(peer, NULL, WGRELAY_BINDING_NONE);
	rcu_read_unlock();
	spin_unlock_bh(&wgr->bindings.lock);
}

/**
 * wgr_bindings_gc - move stale bindings after their peers' roams, forget old ones
 * @wgr: the relay
 *
 * A binding is forgotten binding-timeout after the last data from it (or after it
 * was set, for a tentative one).
 * Context: process.
 */
void wgr_bindings_gc(struct wgr_device *wgr)
{
	unsigned long binding_timeout = READ_ONCE(wgr->cfg.binding_timeout) * HZ;
	struct wgr_peer *peer;

	spin_lock_bh(&wgr->bindings.lock);
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		unsigned long seen = peer->bind_time;

		if (peer->bind_state == WGRELAY_BINDING_NONE)
			continue;
		follow(wgr, peer, true);
		if (peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
		    time_after(READ_ONCE(peer->last_rx), seen))
			seen = READ_ONCE(peer->last_rx);
		if (time_after(jiffies, seen + binding_timeout)) {
			set_binding(peer, NULL, WGRELAY_BINDING_NONE);
			wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_EXPIRED);
		}
	}
	rcu_read_unlock();
	spin_unlock_bh(&wgr->bindings.lock);
}
