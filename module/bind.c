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
 * Peers are also found by endpoint (wgr_bind_owner()), in an index read under
 * RCU: an initiation from a live binding is its peer's, or a spoofer's of that
 * very IP:port, whatever the relay remembers of the endpoint's handshakes. It is
 * never refused for a neighbour's flood (promise 5), and its peer's partners
 * are the first guesses for its target (pass 6, G8 and G9). So is one from
 * where a peer's data went when it roamed out of its live binding (a CGNAT
 * remap: the binding follows only once stale), and, within a smaller budget,
 * one from a stale binding (a peer waking up where it was): pass 7, H4.
 */
#include <linux/random.h>
#include <linux/rhashtable.h>

#include "bind.h"
#include "events.h"
#include "device.h"

#define WGR_BINDING_STALE	(WGRELAY_BINDING_STALE * HZ)
/*
 * Initiations a live binding, or a live roam out of it, vouches for: one a
 * second, four at once. A WireGuard peer sends one per rekey and per retry (5 s)
 * to each partner.
 */
#define WGR_VOUCH_INTERVAL	HZ
#define WGR_VOUCH_BURST		4
/* A stale binding: one a retry, enough for a peer waking up to reconnect. */
#define WGR_VOUCH_STALE_INTERVAL (5 * HZ)
/*
 * Entries looked at per lookup of one endpoint. Only a spoofer of an endpoint
 * can put other peers' entries there (a squat is at the squatter's own), and
 * a live binding is taken the moment it is met.
 */
#define WGR_OWNER_WALK		16
/*
 * A proof (wgr_bind_prove()) lasts this long after the last initiation with
 * the relay's mac2 from where it was made. A binding kept live says nothing
 * of who keeps it live: a blind spoofer that stages in a peer's name at the
 * peer's endpoint before the peer leaves, and again every half minute, keeps
 * the binding live after the peer has gone, and its proof with it
 * (helper-88). The spoofer can never prove again; the peer's own retries,
 * which carry the relay's mac2, do. Cost: a peer's rekey with a loaded target
 * takes one retry once in this time, at most.
 */
#define WGR_PROOF_LIFE		(10 * 60 * HZ)

/*
 * Keys the endpoint hash of every relay's index. One key for the module: the
 * rhashtable's hash function gets no context, only its seed, which it mixes in.
 */
static siphash_key_t ep_key __read_mostly;

/**
 * wgr_bind_key_init - draw the endpoint index's hash key
 *
 * Context: module init, before any relay exists.
 */
void wgr_bind_key_init(void)
{
	get_random_bytes(&ep_key, sizeof(ep_key));
}

/* The endpoint an entry is keyed by: read racily by lookups, which recheck. */
static const struct wgr_endpoint *entry_ep(const struct wgr_ep_entry *e)
{
	const struct wgr_peer *peer = e->peer;

	if (e->kind == WGR_AT_ROAM)
		return &peer->roam_ep;
	return wgr_endpoint_set(&peer->static_ep) ? &peer->static_ep : &peer->bind_ep;
}

static u32 ep_hashfn(const void *data, u32 len, u32 seed)
{
	return wgr_endpoint_hash(data, &ep_key) ^ seed;
}

static u32 entry_hashfn(const void *data, u32 len, u32 seed)
{
	return ep_hashfn(entry_ep(data), len, seed);
}

static int entry_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	return !wgr_endpoint_eq(arg->key, entry_ep(obj));
}

static const struct rhashtable_params ep_params = {
	.head_offset = offsetof(struct wgr_ep_entry, node),
	.key_len = sizeof(struct wgr_endpoint),
	.hashfn = ep_hashfn,
	.obj_hashfn = entry_hashfn,
	.obj_cmpfn = entry_cmpfn,
	.automatic_shrinking = true,
};

/**
 * wgr_bindings_init - an empty set of bindings
 * @b: the relay's bindings
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int wgr_bindings_init(struct wgr_bindings *b)
{
	spin_lock_init(&b->lock);
	b->proof_life = WGR_PROOF_LIFE;
	return rhltable_init(&b->by_ep, &ep_params);
}

/**
 * wgr_bind_set_proof_life - how long a proof lasts (a test's knob: debugfs.c)
 * @b: the relay's bindings
 * @seconds: the lifetime, at least one second
 *
 * Context: process.
 */
void wgr_bind_set_proof_life(struct wgr_bindings *b, unsigned int seconds)
{
	WRITE_ONCE(b->proof_life, max(seconds, 1U) * HZ);
}

/**
 * wgr_bindings_destroy - free the endpoint index
 * @b: the relay's bindings; every peer is gone (wgr_bindings_forget_peer())
 *
 * Context: process, no reader left.
 */
void wgr_bindings_destroy(struct wgr_bindings *b)
{
	rhltable_destroy(&b->by_ep);
}

/**
 * wgr_bind_peer_init - a new peer's bindings: none, and not in the index
 * @peer: the peer
 *
 * Context: process, before the peer is published.
 */
void wgr_bind_peer_init(struct wgr_peer *peer)
{
	int i;

	seqcount_init(&peer->bind_seq);
	for (i = 0; i < WGR_AT_ENTRIES; i++) {
		peer->at[i].peer = peer;
		peer->at[i].kind = i;
	}
}

/* Take an entry out of the index, before its endpoint changes. */
static void unhash(struct wgr_bindings *b, struct wgr_ep_entry *e)
{
	if (e->hashed)
		rhltable_remove(&b->by_ep, &e->node, ep_params);
	e->hashed = false;
}

/*
 * Put an entry back with its endpoint, if it has one. Readers under RCU may
 * still walk it while it moves between chains: the rhashtable restarts a walk
 * that ends in another bucket, and wgr_bind_owner() rechecks what it finds.
 * A peer being removed is never indexed: wgr_bindings_forget_peer() took it
 * off after it was marked dead, under this lock, so this sees the mark.
 */
static void rehash(struct wgr_bindings *b, struct wgr_ep_entry *e)
{
	struct wgr_peer *peer = e->peer;

	lockdep_assert_held(&b->lock);
	if (READ_ONCE(peer->dead) || !wgr_endpoint_set(entry_ep(e)))
		return;
	if (e->kind == WGR_AT_BINDING && !wgr_endpoint_set(&peer->static_ep) &&
	    peer->bind_state != WGRELAY_BINDING_CONFIRMED)
		return;
	/*
	 * The key is given: rhltable_insert() would take it from the object at
	 * key_offset, and the entry holds a pointer to its endpoint, not the
	 * endpoint. Equal keys share one list, which a lookup walks (pass 8, I1).
	 * Atomic context: a failed insertion only costs the peer this endpoint's
	 * vouching.
	 */
	e->hashed = !rhltable_insert_key(&b->by_ep, entry_ep(e), &e->node, ep_params);
}

/* Set (or clear, @ep NULL) one of the endpoints lockless readers see through @bind_seq. */
static void write_ep(struct wgr_peer *peer, struct wgr_endpoint *dst, const struct wgr_endpoint *ep)
{
	write_seqcount_begin(&peer->bind_seq);
	if (ep)
		*dst = *ep;
	else
		memset(dst, 0, sizeof(*dst));
	write_seqcount_end(&peer->bind_seq);
}

/*
 * Clear an entry's proof (wgr_bind_prove()), inside the peer's seqcount. An
 * endpoint's proof is cleared before the endpoint changes, so that a lockless
 * reader never sees a new endpoint with the old one's proof.
 */
static void clear_proof(struct wgr_peer *peer, struct wgr_ep_entry *e)
{
	lockdep_assert_held(&peer->wgr->bindings.lock);
	if (!e->proven)
		return;
	write_seqcount_begin(&peer->bind_seq);
	WRITE_ONCE(e->proven, false);
	write_seqcount_end(&peer->bind_seq);
}

/* Mark an entry proven at @at (jiffies), inside the peer's seqcount. */
static void set_proof(struct wgr_peer *peer, struct wgr_ep_entry *e, unsigned long at)
{
	lockdep_assert_held(&peer->wgr->bindings.lock);
	write_seqcount_begin(&peer->bind_seq);
	WRITE_ONCE(e->proved_at, at);
	WRITE_ONCE(e->proven, true);
	write_seqcount_end(&peer->bind_seq);
}

/* Is an entry's proof younger than @life? Under the lock, or through bind_seq. */
static bool proof_fresh(const struct wgr_ep_entry *e, unsigned long life)
{
	return READ_ONCE(e->proven) && time_before(jiffies, READ_ONCE(e->proved_at) + life);
}

/* Every change to where a peer roamed out of its binding goes through here. */
static void set_roam(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_bindings *b = &peer->wgr->bindings;
	struct wgr_ep_entry *e = &peer->at[WGR_AT_ROAM];

	lockdep_assert_held(&b->lock);
	unhash(b, e);
	clear_proof(peer, e);
	write_ep(peer, &peer->roam_ep, ep);
	/* The vote is over, whichever way. */
	write_ep(peer, &peer->roam_pending, NULL);
	if (!ep)
		return;
	peer->roam_at = jiffies;
	if (peer->roam_at == READ_ONCE(peer->last_rx))
		peer->roam_at++;
	WRITE_ONCE(peer->roam_rx, peer->roam_at);
	rehash(b, e);
}

/*
 * Every change to a binding goes through here, inside the peer's seqcount; a
 * confirmed one is found by its endpoint too (wgr_bind_owner()).
 */
static void set_binding(struct wgr_peer *peer, const struct wgr_endpoint *ep, u8 state)
{
	struct wgr_bindings *b = &peer->wgr->bindings;
	struct wgr_ep_entry *e = &peer->at[WGR_AT_BINDING];

	lockdep_assert_held(&b->lock);
	unhash(b, e);
	/* Even at the same endpoint: a stale binding confirmed again is anyone's. */
	clear_proof(peer, e);
	write_ep(peer, &peer->bind_ep, ep);
	WRITE_ONCE(peer->bind_state, state);
	peer->bind_time = jiffies;
	rehash(b, e);
	set_roam(peer, NULL);
	memset(&peer->confirm_ep, 0, sizeof(peer->confirm_ep));
}

/*
 * Where a peer's roams are measured from: its roam out of its binding while the
 * roam is younger than a session (after that, the binding: a roam an insider
 * once won in its own session and keeps alive does not hold the peer's later
 * roams; pass 8 review), else its binding.
 */
static const struct wgr_endpoint *roam_base_ep(const struct wgr_peer *peer)
{
	if (wgr_endpoint_set(&peer->roam_ep) &&
	    !time_after(jiffies, READ_ONCE(peer->roam_at) +
				 READ_ONCE(peer->wgr->cfg.session_timeout) * HZ))
		return &peer->roam_ep;
	return &peer->bind_ep;
}

/* A contested roam of the last minute: the vote a real remap is in. */
static bool pending_recent(const struct wgr_peer *peer)
{
	return wgr_endpoint_set(&peer->roam_pending) &&
	       time_before(jiffies, READ_ONCE(peer->roam_pending_at) + WGR_BINDING_STALE);
}

/**
 * wgr_bind_set_static - set or clear where a peer can always be reached
 * @peer: the peer
 * @ep: the endpoint (its local address ignored), or NULL to clear
 *
 * A static endpoint is the peer's binding, and is found by endpoint like one
 * (pass 7, H8: a static peer's initiations are vouched for too).
 * Context: process.
 */
void wgr_bind_set_static(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_bindings *b = &peer->wgr->bindings;
	struct wgr_ep_entry *e = &peer->at[WGR_AT_BINDING];

	spin_lock_bh(&b->lock);
	unhash(b, e);
	clear_proof(peer, e);
	write_seqcount_begin(&peer->bind_seq);
	memset(&peer->static_ep, 0, sizeof(peer->static_ep));
	if (ep) {
		if (ep->addr.sa_family == AF_INET)
			peer->static_ep.addr4 = ep->addr4;
		else if (ep->addr.sa_family == AF_INET6)
			peer->static_ep.addr6 = ep->addr6;
	}
	write_seqcount_end(&peer->bind_seq);
	rehash(b, e);
	/*
	 * The operator's word replaces what the relay learned: a roam out of the
	 * learned binding no longer vouches, anchors or follows (pass 8, I7), and
	 * wgr_bind_roamed() records none while the endpoint is static.
	 */
	if (ep) {
		set_roam(peer, NULL);
		memset(&peer->confirm_ep, 0, sizeof(peer->confirm_ep));
	}
	spin_unlock_bh(&b->lock);
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
static bool newer(struct wgr_device *wgr, const struct wgr_endpoint *ep, unsigned long at,
		  unsigned long last)
{
	return wgr_endpoint_set(ep) && time_after(at, last) &&
	       !time_after(jiffies, at + READ_ONCE(wgr->cfg.session_timeout) * HZ);
}

/*
 * A stale binding moves to where its peer roamed out of it; with no such roam,
 * and when @confirmations, to where its newest confirmation put it while it
 * was live (a handshake made from a new endpoint before the old one went
 * quiet: a remap of a silent peer). Either must be newer than the peer's last
 * data from the binding; one that is not is forgotten. Return: true if it moved.
 */
static bool follow(struct wgr_device *wgr, struct wgr_peer *peer, bool confirmations)
{
	unsigned long last = READ_ONCE(peer->last_rx), at, proved_at = 0;
	struct wgr_endpoint to;
	bool proven = false;

	lockdep_assert_held(&wgr->bindings.lock);
	if (wgr_bind_status(peer) != WGRELAY_BINDING_STATUS_STALE)
		return false;
	if (newer(wgr, &peer->roam_ep, peer->roam_at, last)) {
		to = peer->roam_ep;
		/*
		 * The peer proved it receives there: so it does at its binding now,
		 * for what is left of that proof's life. An older one is not
		 * made fresh: a roam is kept live by whoever holds a session in
		 * the peer's name (G6), and the peer may have gone (helper-88).
		 */
		proven = proof_fresh(&peer->at[WGR_AT_ROAM], READ_ONCE(wgr->bindings.proof_life));
		proved_at = peer->at[WGR_AT_ROAM].proved_at;
		/*
		 * Live at once if the peer's data still comes from there: a remapped
		 * peer that talks is not made to pay its address's ceiling for a
		 * keepalive's time (pass 7, H4).
		 */
		at = READ_ONCE(peer->roam_rx);
	} else if (wgr_endpoint_set(&peer->roam_ep)) {
		set_roam(peer, NULL);
		return false;
	} else if (!confirmations) {
		return false;
	} else if (newer(wgr, &peer->confirm_ep, peer->confirm_at, last)) {
		to = peer->confirm_ep;
		at = peer->confirm_at;
	} else {
		memset(&peer->confirm_ep, 0, sizeof(peer->confirm_ep));
		return false;
	}
	set_binding(peer, &to, WGRELAY_BINDING_CONFIRMED);
	if (proven)
		set_proof(peer, &peer->at[WGR_AT_BINDING], proved_at);
	/* Else live again as soon as the peer's data comes from there (wgr_bind_seen()). */
	WRITE_ONCE(peer->last_rx, at);
	wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_FOLLOWED);
	wgr_event(wgr, WGRELAY_EVENT_REBOUND, peer, NULL, &to);
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

/*
 * A binding that stays where it is although proof of @ep came: an alternate
 * when the binding will go there once stale, else a conflict (trust model v2).
 */
static void kept(struct wgr_device *wgr, struct wgr_peer *peer, const struct wgr_endpoint *ep,
		 enum wgrelay_event_type type)
{
	peer->bindings_kept++;
	wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_KEPT);
	wgr_event(wgr, type, peer, NULL, ep);
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
	bool moved;

	spin_lock_bh(&wgr->bindings.lock);
	/* This confirmation is newer than any the binding remembers. */
	if (follow(wgr, peer, false)) {
		/* The roam is the newer word on where the peer is. */
		if (!wgr_endpoint_eq(&peer->bind_ep, ep))
			kept(wgr, peer, ep, WGRELAY_EVENT_CONFLICT);
		goto out;
	}
	switch (wgr_bind_status(peer)) {
	case WGRELAY_BINDING_STATUS_STATIC:
		if (!wgr_endpoint_eq(&peer->static_ep, ep))
			kept(wgr, peer, ep, WGRELAY_EVENT_CONFLICT);
		break;
	case WGRELAY_BINDING_STATUS_LIVE:
		if (wgr_endpoint_eq(&peer->bind_ep, ep)) {
			WRITE_ONCE(peer->last_rx, jiffies);
			memset(&peer->confirm_ep, 0, sizeof(peer->confirm_ep));
			break;
		}
		kept(wgr, peer, ep, WGRELAY_EVENT_ALTERNATE);
		peer->confirm_ep = *ep;
		peer->confirm_at = jiffies;
		if (peer->confirm_at == READ_ONCE(peer->last_rx))
			peer->confirm_at++;
		break;
	default:
		/* A stale binding elsewhere moves; one here only comes back to life. */
		moved = peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
			!wgr_endpoint_eq(&peer->bind_ep, ep);
		set_binding(peer, ep, WGRELAY_BINDING_CONFIRMED);
		WRITE_ONCE(peer->last_rx, jiffies);
		wgr_event(wgr, moved ? WGRELAY_EVENT_REBOUND : WGRELAY_EVENT_BOUND, peer, NULL, ep);
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
 * @held: what the roam was measured against (wgr_bind_roam_base()), if the
 *        peer's data with another partner contested it; else NULL
 *
 * A roam moves the session only. If it left the peer's binding (or the endpoint
 * of a roam out of it), it is where the binding goes once stale: see follow().
 * Not while @held still stands: one partner's roam does not outweigh the peer's
 * data with others (pass 8, I4), and a roam back to the binding does not end a
 * roam the peer talks at.
 * A static peer's roams are not recorded: the operator says where it is.
 * Context: softirq.
 */
void wgr_bind_roamed(struct wgr_device *wgr, struct wgr_peer *peer,
		     const struct wgr_endpoint *from, const struct wgr_endpoint *to,
		     const struct wgr_roam_base *held)
{
	spin_lock_bh(&wgr->bindings.lock);
	if (!wgr_endpoint_set(&peer->static_ep) && peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
	    (wgr_endpoint_eq(&peer->bind_ep, from) || wgr_endpoint_eq(&peer->roam_ep, from))) {
		/*
		 * Measured against what it still is: contested. The first contested
		 * roam of a minute is the vote a real remap is in (roam_held()).
		 */
		if (held && wgr_endpoint_eq(&held->from, roam_base_ep(peer))) {
			if (!pending_recent(peer)) {
				write_ep(peer, &peer->roam_pending, to);
				peer->roam_pending_at = jiffies;
			}
			wgr_stat_inc(wgr, WGRELAY_STAT_ROAMS_CONTESTED);
			goto out;
		}
		/* Back where it is bound: the roam is over, and nothing follows it. */
		if (wgr_endpoint_eq(&peer->bind_ep, to)) {
			set_roam(peer, NULL);
			goto out;
		}
		set_roam(peer, to);
		/* A live binding stays until it goes stale (follow()). */
		if (wgr_bind_status(peer) == WGRELAY_BINDING_STATUS_LIVE)
			kept(wgr, peer, to, WGRELAY_EVENT_ALTERNATE);
		else
			follow(wgr, peer, true);
	}
out:
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
	bool fixed;

	do {
		seq = read_seqcount_begin(&peer->bind_seq);
		fixed = wgr_endpoint_set(&peer->static_ep);
		bound = fixed ? peer->static_ep : peer->bind_ep;
	} while (read_seqcount_retry(&peer->bind_seq, seq));
	if (!fixed && READ_ONCE(peer->bind_state) != WGRELAY_BINDING_CONFIRMED)
		return false;
	return wgr_endpoint_eq(&bound, ep);
}

/**
 * wgr_bind_roam_base - what a roam in one of a peer's sessions is weighed against
 * @peer: the peer
 * @base: set as struct wgr_roam_base says
 *
 * Context: any; reads through the binding's seqcount.
 * Return: false if its roams are not recorded (no confirmed binding, or a
 * static endpoint).
 */
bool wgr_bind_roam_base(struct wgr_peer *peer, struct wgr_roam_base *base)
{
	unsigned int seq;
	bool ok;

	do {
		seq = read_seqcount_begin(&peer->bind_seq);
		ok = !wgr_endpoint_set(&peer->static_ep) &&
		     READ_ONCE(peer->bind_state) == WGRELAY_BINDING_CONFIRMED;
		base->from = *roam_base_ep(peer);
		if (pending_recent(peer))
			base->pending = peer->roam_pending;
		else
			memset(&base->pending, 0, sizeof(base->pending));
	} while (read_seqcount_retry(&peer->bind_seq, seq));
	return ok;
}

/**
 * wgr_peer_roamed_to - did a peer's newest roam out of its binding go to @ep?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Context: any; reads the roam through the binding's seqcount.
 * Return: true if so.
 */
bool wgr_peer_roamed_to(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_endpoint roam;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&peer->bind_seq);
		roam = peer->roam_ep;
	} while (read_seqcount_retry(&peer->bind_seq, seq));
	return wgr_endpoint_eq(&roam, ep);
}

/* What an entry the index found for @ep is worth now (it may have moved since). */
static enum wgr_bind_at entry_at(const struct wgr_ep_entry *e, const struct wgr_endpoint *ep)
{
	struct wgr_peer *peer = e->peer;
	unsigned long now = jiffies;

	if (READ_ONCE(peer->dead))
		return WGR_BOUND_NOT;
	if (e->kind == WGR_AT_ROAM) {
		/*
		 * Its data came from there since it roamed, and not from its
		 * binding since: where a remapped peer talks now.
		 */
		if (!wgr_peer_roamed_to(peer, ep) ||
		    !time_after(READ_ONCE(peer->roam_at), READ_ONCE(peer->last_rx)) ||
		    !time_before(now, READ_ONCE(peer->roam_rx) + WGR_BINDING_STALE))
			return WGR_BOUND_NOT;
		return WGR_BOUND_ROAM;
	}
	if (!wgr_peer_bound_at(peer, ep))
		return WGR_BOUND_NOT;
	switch (wgr_bind_status(peer)) {
	case WGRELAY_BINDING_STATUS_STATIC:
	case WGRELAY_BINDING_STATUS_LIVE:
		return WGR_BOUND_LIVE;
	case WGRELAY_BINDING_STATUS_STALE:
		return WGR_BOUND_STALE;
	default:
		return WGR_BOUND_NOT;
	}
}

/**
 * wgr_bind_talks_from - is @ep where a peer talks from now?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Its live binding or static endpoint, or where it roamed out of its live
 * binding and talks now (what wgr_bind_owner() calls WGR_BOUND_LIVE and
 * WGR_BOUND_ROAM): a peer there may take more than its prefix's share of the
 * session table (session.c, make_room(); pass 6, G4; pass 7, H4).
 * Context: any.
 * Return: true if so.
 */
bool wgr_bind_talks_from(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	return wgr_bind_live_at(peer, ep) || wgr_bind_roam_live(peer, ep);
}

/**
 * wgr_bind_live_at - is @ep a peer's live binding or static endpoint?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Only the peer's own data keeps a binding live; a roam record can be set by
 * whoever holds a session in its name (a staged one: pass 6, G6), so a word on
 * where the peer is that must not be forged asks this, not
 * wgr_bind_talks_from().
 * Context: any.
 * Return: true if so.
 */
bool wgr_bind_live_at(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	return entry_at(&peer->at[WGR_AT_BINDING], ep) == WGR_BOUND_LIVE;
}

/**
 * wgr_bind_roam_live - is @ep where a peer roamed out of its live binding, and talks now?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Context: any.
 * Return: true if so (what wgr_bind_owner() calls WGR_BOUND_ROAM).
 */
bool wgr_bind_roam_live(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	return entry_at(&peer->at[WGR_AT_ROAM], ep) == WGR_BOUND_ROAM;
}

/*
 * Did @peer prove at @ep, which entry @e holds, less than @life ago? Lockless,
 * through bind_seq.
 */
static bool entry_proven(struct wgr_peer *peer, const struct wgr_ep_entry *e,
			 const struct wgr_endpoint *ep, unsigned long life)
{
	struct wgr_endpoint at;
	unsigned int seq;
	bool proven;

	do {
		seq = read_seqcount_begin(&peer->bind_seq);
		at = *entry_ep(e);
		proven = proof_fresh(e, life);
	} while (read_seqcount_retry(&peer->bind_seq, seq));
	return proven && wgr_endpoint_eq(&at, ep);
}

/* wgr_bind_proven(), with proofs younger than @life only. */
static bool proven_within(struct wgr_peer *peer, const struct wgr_endpoint *ep, unsigned long life)
{
	if (wgr_bind_live_at(peer, ep))
		return wgr_bind_status(peer) == WGRELAY_BINDING_STATUS_STATIC ||
		       entry_proven(peer, &peer->at[WGR_AT_BINDING], ep, life);
	return wgr_bind_roam_live(peer, ep) && entry_proven(peer, &peer->at[WGR_AT_ROAM], ep, life);
}

/*
 * Does a peer other than @peer talk from @ep too? Then a proof there is
 * nobody's: whoever staged a ghost at a real peer's endpoint once had the real
 * peer's retries prove the ghost, the peer found first there (helper-87).
 * Context: under rcu_read_lock(); the walk is bounded as wgr_bind_owner()'s.
 */
static bool others_talk_from(struct wgr_device *wgr, struct wgr_peer *peer,
			     const struct wgr_endpoint *ep)
{
	struct rhlist_head *list, *pos;
	struct wgr_ep_entry *e;
	unsigned int walked = 0;
	enum wgr_bind_at at;

	list = rhltable_lookup(&wgr->bindings.by_ep, ep, ep_params);
	rhl_for_each_entry_rcu(e, pos, list, node) {
		if (++walked > WGR_OWNER_WALK)
			return true;
		at = entry_at(e, ep);
		if (e->peer != peer && (at == WGR_BOUND_LIVE || at == WGR_BOUND_ROAM))
			return true;
	}
	return false;
}

/**
 * wgr_bind_prove - a peer showed that it receives where it talks from
 * @peer: the peer
 * @ep: the source of an initiation of its that carried the relay's mac2,
 *      where wgr_bind_talks_from() says it talks
 *
 * Only whoever receives at @ep had the relay's cookie for it (cookie.c). A
 * binding alone says nothing of that: an offline peer's is anyone's to take
 * with a staging, from a forged source too, and a blind spoofer once took
 * bindings "at" addresses of a real peer's network and spent that network's
 * share of the peers' stamps (helper-86). The proof goes to the entry (the
 * binding or the roam) that holds @ep, checked again under the lock, and only
 * if no other peer talks from there; it lasts until that entry's endpoint is
 * set again (a stale binding confirmed anew is a new binding), and for
 * WGR_PROOF_LIFE at most.
 * Context: softirq or BH off, under rcu_read_lock(); takes wgr_bindings.lock
 * only when the proof is new or past half its life.
 */
void wgr_bind_prove(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	struct wgr_device *wgr = peer->wgr;
	struct wgr_ep_entry *e = NULL;

	if (proven_within(peer, ep, READ_ONCE(wgr->bindings.proof_life) / 2))
		return;
	spin_lock_bh(&wgr->bindings.lock);
	if (!READ_ONCE(peer->dead) && !others_talk_from(wgr, peer, ep)) {
		if (wgr_bind_live_at(peer, ep))
			e = &peer->at[WGR_AT_BINDING];
		else if (wgr_bind_roam_live(peer, ep))
			e = &peer->at[WGR_AT_ROAM];
		if (e)
			set_proof(peer, e, jiffies);
	}
	spin_unlock_bh(&wgr->bindings.lock);
}

/**
 * wgr_bind_proven - does a peer talk from @ep, and has it proven it receives there?
 * @peer: the peer
 * @ep: the endpoint
 *
 * Its static endpoint (the operator's word), or its live binding or live roam
 * (wgr_bind_talks_from()) if it proved there (wgr_bind_prove()) since that
 * endpoint was set, and within the proof's lifetime.
 * Context: any.
 * Return: true if so.
 */
bool wgr_bind_proven(struct wgr_peer *peer, const struct wgr_endpoint *ep)
{
	return proven_within(peer, ep, READ_ONCE(peer->wgr->bindings.proof_life));
}

/**
 * wgr_bind_bound_at - the peers whose live binding or static endpoint is @ep
 * @wgr: the relay
 * @ep: the endpoint
 * @out: filled with them, newest binding first
 * @n: room in @out
 *
 * All of them, not wgr_bind_owner()'s one: a ghost staged at a peer's
 * endpoint after it is the newest there, and hid the peer (helper-93). At
 * most WGR_OWNER_WALK entries are looked at.
 * Context: under rcu_read_lock(): the peers may be used until it ends.
 * Return: the number of peers in @out.
 */
unsigned int wgr_bind_bound_at(struct wgr_device *wgr, const struct wgr_endpoint *ep,
			       struct wgr_peer **out, unsigned int n)
{
	struct rhlist_head *list, *pos;
	unsigned int walked = 0, found = 0;
	struct wgr_ep_entry *e;

	list = rhltable_lookup(&wgr->bindings.by_ep, ep, ep_params);
	rhl_for_each_entry_rcu(e, pos, list, node) {
		if (found == n || ++walked > WGR_OWNER_WALK)
			break;
		if (entry_at(e, ep) == WGR_BOUND_LIVE)
			out[found++] = e->peer;
	}
	return found;
}

/**
 * wgr_bind_owner - the peer an endpoint is, as far as the relay can tell
 * @wgr: the relay
 * @ep: the endpoint
 * @at: set to what the endpoint is to the peer, WGR_BOUND_NOT if none
 *
 * Live: its static endpoint, or a binding data came from on a confirmed
 * session whose sender is the peer, within WGRELAY_BINDING_STALE. Else where
 * such data went after a roam out of the binding, if it still comes from there.
 * Else a stale binding. Squatters of stale bindings sit at their own endpoints,
 * so a shared address's other ports never find a real peer here.
 * Context: softirq, under rcu_read_lock(): the peer may be used until it ends;
 * lockless (pass 7, H5): a relay's every initiation and response looks here.
 * Return: the peer, or NULL.
 */
struct wgr_peer *wgr_bind_owner(struct wgr_device *wgr, const struct wgr_endpoint *ep,
				enum wgr_bind_at *at)
{
	struct wgr_peer *owner = NULL;
	struct rhlist_head *list, *pos;
	struct wgr_ep_entry *e;
	unsigned int walked = 0;
	enum wgr_bind_at best = WGR_BOUND_NOT, this;

	list = rhltable_lookup(&wgr->bindings.by_ep, ep, ep_params);
	rhl_for_each_entry_rcu(e, pos, list, node) {
		if (++walked > WGR_OWNER_WALK)
			break;
		this = entry_at(e, ep);
		if (this > best) {
			best = this;
			owner = e->peer;
			if (best == WGR_BOUND_LIVE)
				break;
		}
	}
	*at = best;
	return owner;
}

/* A generic cell rate: *@tat moves on by @interval per yes, at most @burst ahead. */
static bool gcra(unsigned long *tat_p, unsigned long interval, unsigned int burst)
{
	unsigned long now = jiffies, limit = now + burst * interval;
	unsigned long tat = READ_ONCE(*tat_p);

	/* Behind now, or never set (a value no vouch could have left): start afresh. */
	if (time_before(tat, now) || time_after(tat, limit))
		tat = now;
	if (time_after(tat + interval, limit))
		return false;
	WRITE_ONCE(*tat_p, tat + interval);
	return true;
}

/**
 * wgr_bind_vouch - may an endpoint of a peer vouch for one more initiation from it?
 * @peer: its peer (wgr_bind_owner())
 * @at: what the endpoint is to it
 *
 * A vouched initiation skips its address's ceiling (relay.c). A squatter holds
 * live bindings too, and a spoofer may send from a real one, so each binding
 * vouches for a WireGuard peer's worth of initiations, no more (pass 7, H2):
 * a flood from squats pays the ceiling like any other. A roam's endpoint has a
 * budget of its own, so that a partner roaming the peer's session cannot spend
 * its binding's; a stale binding, one initiation a WireGuard retry.
 * Racy by design: two CPUs may both take the last one.
 * Context: any.
 * Return: true if it vouches.
 */
bool wgr_bind_vouch(struct wgr_peer *peer, enum wgr_bind_at at)
{
	switch (at) {
	case WGR_BOUND_LIVE:
		return gcra(&peer->vouch_tat, WGR_VOUCH_INTERVAL, WGR_VOUCH_BURST);
	case WGR_BOUND_ROAM:
		return gcra(&peer->roam_vouch_tat, WGR_VOUCH_INTERVAL, WGR_VOUCH_BURST);
	case WGR_BOUND_STALE:
		return gcra(&peer->vouch_tat, WGR_VOUCH_STALE_INTERVAL, 1);
	default:
		return false;
	}
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
	int i;

	spin_lock_bh(&wgr->bindings.lock);
	for (i = 0; i < WGR_AT_ENTRIES; i++)
		unhash(&wgr->bindings, &peer->at[i]);
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
	info->bind_proven = wgr_bind_proven(peer, entry_ep(&peer->at[WGR_AT_BINDING]));
	last = READ_ONCE(peer->last_rx);
	spin_unlock_bh(&wgr->bindings.lock);
	if (last)
		info->last_seen = wgr_jiffies_to_unix(last);
}

/*
 * Peers a walk over all of them looks at per hold of the bindings lock: every
 * forwarded initiation, confirmation and roam on any CPU waits for it, BH off
 * (pass 8, I6). The walk stays under RCU while the lock is dropped: a peer
 * removed meanwhile still leads on to the next.
 */
#define WGR_BIND_BATCH	1024

static void breathe(struct wgr_bindings *b, unsigned int *n)
{
	if (++*n % WGR_BIND_BATCH)
		return;
	spin_unlock_bh(&b->lock);
	spin_lock_bh(&b->lock);
}

/* Context: process. */
void wgr_bindings_flush(struct wgr_device *wgr)
{
	struct wgr_peer *peer;
	unsigned int n = 0;

	spin_lock_bh(&wgr->bindings.lock);
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		set_binding(peer, NULL, WGRELAY_BINDING_NONE);
		breathe(&wgr->bindings, &n);
	}
	rcu_read_unlock();
	spin_unlock_bh(&wgr->bindings.lock);
}

/*
 * Going stale is a matter of time, not of a datagram: the sweep tells it, once
 * for each stretch of silence (@stale_rx remembers which last datagram it was
 * told after), so up to a sweep's interval late.
 */
static void stale_news(struct wgr_device *wgr, struct wgr_peer *peer)
{
	unsigned long last = READ_ONCE(peer->last_rx);

	lockdep_assert_held(&wgr->bindings.lock);
	if (peer->stale_rx == last || wgr_bind_status(peer) != WGRELAY_BINDING_STATUS_STALE)
		return;
	peer->stale_rx = last;
	wgr_event(wgr, WGRELAY_EVENT_STALE, peer, NULL, &peer->bind_ep);
}

/*
 * A proof past its life is cleared, so that none outlives it by the clock
 * wrapping: on a 32-bit kernel, time_before() would see a proof 2^31 jiffies
 * old (25 days at HZ=1000) as made in the future, and so fresh again.
 */
static void expire_proofs(struct wgr_device *wgr, struct wgr_peer *peer)
{
	unsigned long life = READ_ONCE(wgr->bindings.proof_life);
	int i;

	for (i = 0; i < WGR_AT_ENTRIES; i++)
		if (!proof_fresh(&peer->at[i], life))
			clear_proof(peer, &peer->at[i]);
}

/**
 * wgr_bindings_gc - move stale bindings after their peers' roams, forget old ones
 * @wgr: the relay
 *
 * A binding is forgotten binding-timeout after the last data from it (or after it
 * was set, for a tentative one); a proof, after its life.
 * Context: process.
 */
void wgr_bindings_gc(struct wgr_device *wgr)
{
	unsigned long binding_timeout = READ_ONCE(wgr->cfg.binding_timeout) * HZ;
	struct wgr_peer *peer;
	unsigned int n = 0;

	spin_lock_bh(&wgr->bindings.lock);
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &wgr->peers.list, list) {
		unsigned long seen = peer->bind_time;

		breathe(&wgr->bindings, &n);
		expire_proofs(wgr, peer);
		if (peer->bind_state == WGRELAY_BINDING_NONE)
			continue;
		follow(wgr, peer, true);
		if (peer->bind_state == WGRELAY_BINDING_CONFIRMED &&
		    time_after(READ_ONCE(peer->last_rx), seen))
			seen = READ_ONCE(peer->last_rx);
		if (time_after(jiffies, seen + binding_timeout)) {
			wgr_event(wgr, WGRELAY_EVENT_UNBOUND, peer, NULL, &peer->bind_ep);
			set_binding(peer, NULL, WGRELAY_BINDING_NONE);
			wgr_stat_inc(wgr, WGRELAY_STAT_BINDINGS_EXPIRED);
		} else {
			stale_news(wgr, peer);
		}
	}
	rcu_read_unlock();
	spin_unlock_bh(&wgr->bindings.lock);
}
