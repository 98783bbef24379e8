// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake sources: endpoints that send initiations, with the targets they
 * initiated to (tried first when their next mac1 is checked) and when their
 * initiations with the relay's mac2 to each were forwarded (two forwarded make
 * the next retry a discovery trigger: discovery on failure; WireGuard retries
 * only when unanswered), whether they are discovery candidates (an initiation
 * with mac2 within WGR_PENDING_TIMEOUT: a peer behind NAT with
 * PersistentKeepalive keeps initiating until it is found), and the peer last
 * proven to be at them (the first guess for whom a response is for).
 *
 * A source is remembered only once its mac1 named a peer, or a session at it
 * was confirmed. The table is bounded and counted by prefix, and by class:
 * sources that have proven nothing (loose: what a spoofer makes), those that
 * proved their address lately, and those anchored at a live peer's binding.
 * Room is made from the loose first, then from the proven, the anchored last
 * (or before the proven, once anchored ones crowd the table), each time in the
 * prefix that holds the most of that class, but for a proven one in the
 * network that holds the most (make_room()). A source expires
 * WGR_PENDING_TIMEOUT after its last initiation, unless a session confirmed at
 * it may still be live: then it is held for a session timeout after the
 * confirmation. WireGuard rekeys every two minutes, so the hints of a talking
 * pair's endpoints never go cold, and its handshakes never cost a scan of every
 * peer or wait behind a flood in the scan queue (pass 5, F1 and F2).
 */
#include <linux/random.h>
#include <linux/slab.h>

#include "bind.h"
#include "ratelimit.h"
#include "source.h"
#include "tier.h"

#define WGR_MAX_SOURCES		16384
/* Sources one prefix (IPv4 /24, IPv6 /48) may hold: a CGNAT pool's users. */
#define WGR_PREFIX_SOURCES	1024
/*
 * Anchored sources one look for a loose or proven source to forget moves out
 * of the way, at most: O(1) each, and each was anchored at a live peer's
 * binding (one a peer), or a squat kept live at one.
 */
#define WGR_SOURCE_MOVES	64
#define WGR_PENDING_TIMEOUT	(30 * HZ)
/*
 * Candidates one walk may look at: four prefixes' worth.
 * Past it, a peer behind more than this many fresher candidates is not
 * reached; they cost some 800 initiations with mac2 a second, from real
 * addresses in at least four prefixes.
 */
#define WGR_CANDIDATE_VISITS	(4 * WGR_PREFIX_SOURCES)
/* Discovery on failure: two forwards within this, the newer at least... */
#define WGR_FAIL_WINDOW		(15 * HZ)
/*
 * ...this old. WireGuard sends a new initiation no sooner than 5 s after its
 * last (plus up to a third of a second of jitter on a retry), and only V's own
 * tries with mac2 are counted, so two within the window mean the first went
 * unanswered. This only keeps two copies of one try (a network's duplicate) or
 * a burst from counting: at 5 s, a retry that the network delivered a little
 * sooner than the try before it was not counted, and discovery came one retry
 * later (the fifth review's T4).
 */
#define WGR_FAIL_AFTER		(2 * HZ)

/**
 * struct wgr_source_try - initiations from a source to one target
 * @target: the peer
 * @fwd: jiffies of the last two with mac2 that were forwarded, newest first
 *       (0: none); a confirmation leaves them (see wgr_source_confirmed())
 */
struct wgr_source_try {
	struct wgr_peer *target;
	unsigned long fwd[2];
};

/**
 * struct wgr_source - one endpoint that sends initiations, or sits at a session
 * @node: in wgr_sources.table
 * @lru: in wgr_sources.lru, or wgr_sources.held
 * @candidate: in wgr_sources.candidates while @pending_since[0] is within
 *             WGR_PENDING_TIMEOUT (its last initiation with mac2); empty after
 * @acct_node: in @acct's members, oldest first
 * @acct: its prefix, which it is counted against
 * @class_node: in @class_acct's members, oldest first
 * @class_acct: its prefix's account in wgr_sources.by_class[@class]
 * @net_node: while proven, in @net_acct's members (which count them)
 * @net_acct: while proven, its network's account in wgr_sources.proven_nets;
 *            tier.c ranks its prefixes' accounts in .by_class[PROVEN] on it
 * @check_node: in wgr_sources.tight while not loose
 * @tight_since: jiffies when it was last found proven or anchored
 * @class: what a full table forgets it after (enum wgr_source_class)
 * @ep: the endpoint (its local address too: discovery copies are sent from it)
 * @last: jiffies of its last initiation
 * @held_until: jiffies until which a session confirmed at it may be live
 * @recent: targets of its initiations, most recent first
 * @pending: targets of its initiations that carried the relay's mac2: it is a
 *           discovery candidate for peers that may talk to them
 * @pending_since: jiffies for each of @pending
 * @proven: jiffies of its last initiation with the relay's mac2 (0: none)
 * @owner: the peer last proven to be at @ep (a handshake from it was confirmed)
 */
struct wgr_source {
	struct hlist_node node;
	struct list_head lru;
	struct list_head candidate;
	struct list_head acct_node;
	struct wgr_account *acct;
	struct list_head class_node;
	struct wgr_account *class_acct;
	struct list_head net_node;
	struct wgr_account *net_acct;
	struct list_head check_node;
	unsigned long tight_since;
	u8 class;
	struct wgr_endpoint ep;
	unsigned long last;
	unsigned long held_until;
	struct wgr_source_try recent[WGR_SOURCE_RECENT];
	struct wgr_peer *pending[WGR_SOURCE_PENDING];
	unsigned long pending_since[WGR_SOURCE_PENDING];
	unsigned long proven;
	struct wgr_peer *owner;
};

/**
 * wgr_sources_init - an empty table of sources
 * @srcs: the sources
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int wgr_sources_init(struct wgr_sources *srcs)
{
	int class, ret;

	spin_lock_init(&srcs->lock);
	hash_init(srcs->table);
	INIT_LIST_HEAD(&srcs->lru);
	INIT_LIST_HEAD(&srcs->held);
	INIT_LIST_HEAD(&srcs->candidates);
	INIT_LIST_HEAD(&srcs->tight);
	INIT_LIST_HEAD(&srcs->tier_spare);
	srcs->n = 0;
	memset(srcs->n_class, 0, sizeof(srcs->n_class));
	srcs->max = WGR_MAX_SOURCES;
	get_random_bytes(&srcs->seed, sizeof(srcs->seed));
	ret = wgr_quota_init(&srcs->quota, WGR_PREFIX_SOURCES);
	if (ret)
		return ret;
	/*
	 * A network is bounded by the table alone (its prefixes by theirs): levels
	 * up to the table's bound keep the heaviest exact. With the prefix's cap,
	 * networks past it (IPv6 /32s of over 1,024 proofs) all counted as at it,
	 * and the last one charged went first: an attacker's of 5,000 was spared
	 * while a peer's of 1,100 went down to 1,024 (a review of session 23).
	 * Its levels take 256 KiB on 64-bit.
	 */
	ret = wgr_quota_init(&srcs->proven_nets, WGR_MAX_SOURCES);
	if (ret)
		goto err_nets;
	for (class = 0; class < WGR_SOURCE_CLASSES; class++) {
		ret = wgr_quota_init(&srcs->by_class[class], WGR_PREFIX_SOURCES);
		if (ret)
			goto err;
	}
	return 0;

err:
	while (class--)
		wgr_quota_destroy(&srcs->by_class[class]);
	wgr_quota_destroy(&srcs->proven_nets);
err_nets:
	wgr_quota_destroy(&srcs->quota);
	return ret;
}

static u32 ep_hash(struct wgr_sources *srcs, const struct wgr_endpoint *ep)
{
	return wgr_endpoint_hash(ep, &srcs->seed);
}

static struct wgr_source *source_find(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
				      u32 hash)
{
	struct wgr_source *src;

	lockdep_assert_held(&srcs->lock);
	hash_for_each_possible(srcs->table, src, node, hash)
		if (wgr_endpoint_eq(&src->ep, ep))
			return src;
	return NULL;
}

static struct wgr_source *source_lookup(struct wgr_sources *srcs, const struct wgr_endpoint *ep)
{
	return source_find(srcs, ep, ep_hash(srcs, ep));
}

/* @src out of its class (wgr_source_class), into none. Context: the sources lock. */
static void class_leave(struct wgr_sources *srcs, struct wgr_source *src)
{
	if (src->class == WGR_SOURCE_GONE)
		return;
	if (src->class == WGR_SOURCE_PROVEN) {
		wgr_tier_unrank(&srcs->proven_nets, &srcs->tier_spare, src->net_acct,
				&src->net_node, src->class_acct);
		src->net_acct = NULL;
	}
	wgr_quota_release(&srcs->by_class[src->class], src->class_acct, &src->class_node);
	srcs->n_class[src->class]--;
	if (src->class != WGR_SOURCE_LOOSE)
		list_del(&src->check_node);
	src->class_acct = NULL;
	src->class = WGR_SOURCE_GONE;
}

/*
 * @src, in no class, into @class at the back: the youngest of its prefix's.
 * Context: the sources lock. Return: 0, or -ENOMEM for a new account.
 */
static int class_enter(struct wgr_sources *srcs, struct wgr_source *src,
		       enum wgr_source_class class)
{
	/* Never over: the prefix's bound is @srcs->quota's, which counts every class. */
	int ret = wgr_quota_charge(&srcs->by_class[class], src->acct->key, &src->class_node,
				   &src->class_acct, true);

	if (ret)
		return ret;
	/*
	 * A network past the cap counts as at it, and goes first there; the
	 * prefix's rank in its network is network_oldest()'s.
	 */
	if (class == WGR_SOURCE_PROVEN) {
		ret = wgr_tier_rank(&srcs->proven_nets, &srcs->tier_spare,
				    wgr_quota_network_key(&src->ep), &src->net_node,
				    &src->net_acct, src->class_acct);
		if (ret) {
			wgr_quota_release(&srcs->by_class[class], src->class_acct,
					  &src->class_node);
			src->class_acct = NULL;
			src->net_acct = NULL;
			return ret;
		}
	}
	srcs->n_class[class]++;
	if (class != WGR_SOURCE_LOOSE) {
		list_add_tail(&src->check_node, &srcs->tight);
		src->tight_since = jiffies;
	}
	src->class = class;
	return 0;
}

static void source_remove(struct wgr_sources *srcs, struct wgr_source *src)
{
	lockdep_assert_held(&srcs->lock);
	hash_del(&src->node);
	list_del(&src->lru);
	list_del(&src->candidate);
	class_leave(srcs, src);
	wgr_quota_release(&srcs->quota, src->acct, &src->acct_node);
	srcs->n--;
	kfree(src);
}

/* Context: process. */
void wgr_sources_flush(struct wgr_sources *srcs)
{
	struct wgr_source *src, *tmp;

	spin_lock_bh(&srcs->lock);
	list_for_each_entry_safe(src, tmp, &srcs->lru, lru)
		source_remove(srcs, src);
	list_for_each_entry_safe(src, tmp, &srcs->held, lru)
		source_remove(srcs, src);
	spin_unlock_bh(&srcs->lock);
}

/**
 * wgr_sources_destroy - free the table of a relay that is going away
 * @srcs: the sources; nothing adds to them any more
 *
 * Context: process.
 */
void wgr_sources_destroy(struct wgr_sources *srcs)
{
	int class;

	wgr_sources_flush(srcs);
	wgr_tiers_destroy(&srcs->tier_spare);
	for (class = 0; class < WGR_SOURCE_CLASSES; class++)
		wgr_quota_destroy(&srcs->by_class[class]);
	wgr_quota_destroy(&srcs->proven_nets);
	wgr_quota_destroy(&srcs->quota);
}

static bool source_held(const struct wgr_source *src)
{
	return src->held_until && time_before(jiffies, src->held_until);
}

/*
 * Is @src's pending entry @i, its initiation with mac2 to that target, within
 * WGR_PENDING_TIMEOUT? Entry 0 is the newest: while it is, @src is a candidate.
 */
static bool pending_live(const struct wgr_source *src, int i)
{
	return time_before(jiffies, src->pending_since[i] + WGR_PENDING_TIMEOUT);
}

/* May @t still count towards failing (wgr_source_failing())? */
static bool try_live(const struct wgr_source_try *t)
{
	return t->fwd[0] && time_before(jiffies, t->fwd[0] + WGR_FAIL_WINDOW);
}

/* Did it send an initiation with the relay's mac2 lately: does it receive at its address? */
static bool source_proven(const struct wgr_source *src)
{
	return src->proven && time_before(jiffies, src->proven + WGR_PENDING_TIMEOUT);
}

/*
 * A held source can outlive its stamps by days (a session holds it for as long
 * as it talks), and a jiffies comparison reads a stamp older than half the
 * counter's range as fresh again: on a 32-bit kernel at HZ=1000, after about
 * 25 days an old try would count towards failing again, an old mac2 would
 * prove the source, and an old pending entry would make it a candidate (a
 * review's L2). The gc clears each stamp once it has lapsed, long before.
 * Context: the sources lock.
 */
static void source_clear_lapsed(struct wgr_source *src)
{
	int i;

	if (!source_proven(src))
		src->proven = 0;
	for (i = 0; i < WGR_SOURCE_RECENT; i++)
		if (!try_live(&src->recent[i]))
			src->recent[i].fwd[0] = src->recent[i].fwd[1] = 0;
	for (i = 0; i < WGR_SOURCE_PENDING; i++)
		if (!pending_live(src, i))
			src->pending[i] = NULL;
}

/*
 * A source a full table keeps: held for a live session, and its owner's live
 * binding is here. Staged confirmations (an attacker at both ends, from the
 * victim's own CGNAT address) hold sources too, but not at a live peer's
 * binding: they cannot push a talking peer's hints out (pass 6, G3). One
 * squatter at a stale binding is anchored too, one source for each peer it
 * squats.
 */
static bool source_anchored(const struct wgr_source *src)
{
	return source_held(src) && src->owner &&
	       wgr_bind_status(src->owner) == WGRELAY_BINDING_STATUS_LIVE &&
	       wgr_peer_bound_at(src->owner, &src->ep);
}

/*
 * Put @src in the class it has now (wgr_source_class): anchored, else proven,
 * else loose; one that stays proven or anchored is stamped again, to be looked
 * at WGR_PENDING_TIMEOUT later (wgr_sources_gc()). A proof lapses, a hold
 * ends, a binding moves, and none of them tells the table: it looks.
 * Context: the sources lock.
 * Return: false if @src was forgotten instead (no memory for its new
 * account); the caller must not use it then.
 */
static bool source_reclassify(struct wgr_sources *srcs, struct wgr_source *src)
{
	enum wgr_source_class class = source_anchored(src) ? WGR_SOURCE_ANCHORED :
				      source_proven(src) ? WGR_SOURCE_PROVEN : WGR_SOURCE_LOOSE;

	if (class == src->class) {
		if (class != WGR_SOURCE_LOOSE) {
			list_move_tail(&src->check_node, &srcs->tight);
			src->tight_since = jiffies;
		}
		return true;
	}
	class_leave(srcs, src);
	if (!class_enter(srcs, src, class))
		return true;
	source_remove(srcs, src);
	return false;
}

/* At most this many tight sources looked at again by one gc: as many as a walk visits. */
#define WGR_SOURCES_RECHECK	4096

/*
 * Context: process. Sources quiet for WGR_PENDING_TIMEOUT go, or to the held
 * list while a session at them may be live; held ones go when that ends.
 * Candidacies that lapsed leave the candidates' list, oldest first: the rest
 * are younger. Proven and anchored sources are looked at again
 * WGR_PENDING_TIMEOUT after they were last found so, oldest first, and change
 * class if they are no longer (source_reclassify()); a bounded number a run,
 * so that bottom halves are not held off for long.
 */
void wgr_sources_gc(struct wgr_sources *srcs)
{
	struct wgr_source *src, *tmp;
	unsigned int checked = 0;

	spin_lock_bh(&srcs->lock);
	list_for_each_entry_safe(src, tmp, &srcs->candidates, candidate) {
		if (pending_live(src, 0))
			break;
		list_del_init(&src->candidate);
	}
	list_for_each_entry_safe(src, tmp, &srcs->lru, lru) {
		if (!time_after(jiffies, src->last + WGR_PENDING_TIMEOUT))
			break;
		if (source_held(src))
			list_move_tail(&src->lru, &srcs->held);
		else
			source_remove(srcs, src);
	}
	list_for_each_entry_safe(src, tmp, &srcs->held, lru) {
		if (source_held(src))
			source_clear_lapsed(src);
		else
			source_remove(srcs, src);
	}
	/* Each goes to the back with a fresh stamp, or off the list: none twice. */
	list_for_each_entry_safe(src, tmp, &srcs->tight, check_node) {
		if (checked++ >= WGR_SOURCES_RECHECK ||
		    time_before(jiffies, src->tight_since + WGR_PENDING_TIMEOUT))
			break;
		source_reclassify(srcs, src);
	}
	spin_unlock_bh(&srcs->lock);
}

/*
 * The oldest proof of the network (IPv4 /24, IPv6 /32) that holds the most
 * proven sources, from its prefix that holds the most (wgr_tier_top()).
 *
 * By prefix alone, an owner of one IPv6 /32 spread proofs one to a /48 (it has
 * 65,536), so that a peer's prefix held the most (A2, t-trust-sources nets).
 * By network alone, the network's oldest proof went: a customer of a peer's
 * own ISP, whose /48 is in the peer's /32, made that network the heaviest and
 * renewed its own proofs faster than the peer's retries. In the network, the
 * prefix that holds the most is then the attacker's own: exactly, as tier.c
 * ranks them (16 of them weighed in turn missed the heavy one).
 * Context: the sources lock. Return: NULL if no source is proven.
 */
static struct wgr_source *network_oldest(struct wgr_sources *srcs)
{
	struct wgr_account *net = wgr_quota_heaviest(&srcs->proven_nets);
	struct wgr_account *most;

	if (!net)
		return NULL;
	most = wgr_tier_top(net);
	if (WARN_ON_ONCE(!most))
		return NULL;
	return list_first_entry(&most->members, struct wgr_source, class_node);
}

/*
 * The oldest source of @class of the prefix @key; with no @key, of the prefix
 * that holds the most of @class, but for a proven one network_oldest()'s.
 * Context: the sources lock. Return: NULL if @class has none there.
 */
static struct wgr_source *class_oldest(struct wgr_sources *srcs, enum wgr_source_class class,
				       const u64 *key)
{
	struct wgr_account *acct;

	if (key)
		acct = wgr_quota_find(&srcs->by_class[class], *key);
	else if (class == WGR_SOURCE_PROVEN)
		return network_oldest(srcs);
	else
		acct = wgr_quota_heaviest(&srcs->by_class[class]);
	return acct ? list_first_entry(&acct->members, struct wgr_source, class_node) : NULL;
}

/*
 * Forget class_oldest(): the oldest source of @class of the prefix @key, or
 * of the prefix (or network) that holds the most if @key is NULL. Looking for
 * a loose or proven one, one found anchored (its peer's binding came back to it, or moved to
 * it, after it was last classed) is moved to its class instead, and the next
 * is looked at, WGR_SOURCE_MOVES at most: a squatter that lets a binding go
 * stale and brings it back makes such sources, one a minute a binding, and
 * four at the front of the loose kept every newcomer out (the second review
 * of session 21).
 * Context: the sources lock.
 * Return: true if one was forgotten.
 */
static bool forget_oldest(struct wgr_sources *srcs, enum wgr_source_class class, const u64 *key)
{
	struct wgr_source *src;
	int i;

	for (i = 0; i < WGR_SOURCE_MOVES; i++) {
		src = class_oldest(srcs, class, key);
		if (!src)
			return false;
		if (class == WGR_SOURCE_ANCHORED || !source_anchored(src)) {
			source_remove(srcs, src);
			return true;
		}
		source_reclassify(srcs, src);
	}
	return false;
}

/*
 * Room for a source of prefix @key. Sources are counted by prefix in all, for
 * the prefix's bound, and apart by class (wgr_source_class): a loose one goes
 * first (anyone can send an initiation without mac2 "from" any IP:port); then,
 * for a newcomer that proved its address, the one with the oldest proof; an
 * anchored one last, or before the proven once anchored ones fill three
 * quarters of the table. A prefix at WGR_PREFIX_SOURCES forgets its own; a
 * full table forgets from whichever prefix holds the most of the class,
 * anywhere. A spoofer's flood then churns only loose sources, and a newcomer
 * without mac2 is not remembered when none is left (its retry with mac2 is).
 *
 * Before, a full table took from the prefix that held the most sources of any
 * kind, passing over a few proven or anchored ones there: a spoofer that sent
 * from one endpoint in each of thousands of prefixes (about 550 initiations a
 * second) made any prefix of two proven ports, or of one anchored source, the
 * one it took from, and every newcomer, relay-wide, was refused (the second
 * review of session 20, F2 and F3; t-trust-sources thin). Anchored ones are
 * counted apart, or a /24 of talking peers would be that prefix; and they go
 * too in the end, or a relay with 16,384 peers online (8,192 talking pairs),
 * or an attacker's squats of as many stale peers, would refuse every newcomer
 * (the second review of session 21).
 *
 * An attacker with real addresses that keeps the table full of proven sources
 * (M2) loses its own first: a full table takes a proof from the network (IPv4
 * /24, IPv6 /32) that holds the most proven sources, in its prefix that holds
 * the most (network_oldest()). For a peer's proof to go, the peer's network
 * must hold the most and its prefix the most there. Against a peer's network
 * of c proofs, with a anchored sources in the table (at most three quarters of
 * it), an attacker with k proofs one to a /48 inside the peer's IPv6 /32 may
 * hold c + k in each other network: about k + (16,384 - a) / (c + k) prefixes
 * proven every 30 s, at the least 2 * sqrt(16,384 - a) (256), of which k /48s
 * of the peer's own /32; in IPv4, k is 0 (a network is a prefix). Prefixes
 * that hold as many go in turn: the peer's one proof, one time in k + 1 (a
 * review of session 23). Inside a peer's own prefix, its neighbours' real
 * ports count as the peer's do (C7).
 * Context: the sources lock.
 * Return: false if there is no room for the newcomer.
 */
static bool make_room(struct wgr_sources *srcs, u64 key, bool proven)
{
	struct wgr_account *acct = wgr_quota_find(&srcs->quota, key);
	bool crowded;

	lockdep_assert_held(&srcs->lock);
	if (acct && wgr_account_full(&srcs->quota, acct))
		return forget_oldest(srcs, WGR_SOURCE_LOOSE, &key) ||
		       (proven && (forget_oldest(srcs, WGR_SOURCE_PROVEN, &key) ||
				   forget_oldest(srcs, WGR_SOURCE_ANCHORED, &key)));
	if (srcs->n < srcs->max)
		return true;
	if (forget_oldest(srcs, WGR_SOURCE_LOOSE, NULL))
		return true;
	/* Loose ones left means the looks found anchored ones: the next newcomer goes on. */
	if (!proven || srcs->n_class[WGR_SOURCE_LOOSE])
		return false;
	crowded = srcs->n_class[WGR_SOURCE_ANCHORED] > srcs->max / 4 * 3;
	if (!crowded && forget_oldest(srcs, WGR_SOURCE_PROVEN, NULL))
		return true;
	return forget_oldest(srcs, WGR_SOURCE_ANCHORED, NULL) ||
	       forget_oldest(srcs, WGR_SOURCE_PROVEN, NULL);
}

/*
 * The source at @ep, made if new and there is room for it (make_room(): @proven
 * says whether @ep just proved its address; a new one is loose until the
 * caller classes it again); NULL if not, or if memory is short.
 * Context: the sources lock.
 */
static struct wgr_source *source_get(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
				     bool proven)
{
	u32 hash = ep_hash(srcs, ep);
	struct wgr_source *src = source_find(srcs, ep, hash);
	u64 key;

	if (src)
		return src;
	key = wgr_quota_key(ep);
	if (!make_room(srcs, key, proven))
		return NULL;
	src = kzalloc(sizeof(*src), GFP_ATOMIC);
	if (!src)
		return NULL;
	if (wgr_quota_charge(&srcs->quota, key, &src->acct_node, &src->acct, false)) {
		kfree(src);
		return NULL;
	}
	src->ep = *ep;
	src->class = WGR_SOURCE_GONE;
	if (class_enter(srcs, src, WGR_SOURCE_LOOSE)) {
		wgr_quota_release(&srcs->quota, src->acct, &src->acct_node);
		kfree(src);
		return NULL;
	}
	src->last = jiffies;
	INIT_LIST_HEAD(&src->candidate);
	hash_add(srcs->table, &src->node, hash);
	list_add_tail(&src->lru, &srcs->lru);
	srcs->n++;
	return src;
}

static void source_forget_peer(struct wgr_source *src, struct wgr_peer *peer)
{
	int i;

	for (i = 0; i < WGR_SOURCE_RECENT; i++)
		if (src->recent[i].target == peer)
			memset(&src->recent[i], 0, sizeof(src->recent[i]));
	for (i = 0; i < WGR_SOURCE_PENDING; i++)
		if (src->pending[i] == peer)
			src->pending[i] = NULL;
	if (src->owner == peer)
		src->owner = NULL;
}

/**
 * wgr_sources_forget_peer - drop every pointer to a peer being removed
 * @srcs: the sources
 * @peer: the peer
 *
 * Context: process.
 */
void wgr_sources_forget_peer(struct wgr_sources *srcs, struct wgr_peer *peer)
{
	struct wgr_source *src;

	spin_lock_bh(&srcs->lock);
	list_for_each_entry(src, &srcs->lru, lru)
		source_forget_peer(src, peer);
	list_for_each_entry(src, &srcs->held, lru)
		source_forget_peer(src, peer);
	spin_unlock_bh(&srcs->lock);
}

/**
 * wgr_source_hints - the targets an endpoint initiated to recently
 * @srcs: the sources
 * @ep: the endpoint
 * @hints: filled with them, most recent first; NULL where there are none
 *
 * Creates nothing: a source is remembered only once its mac1 named a peer.
 * Context: softirq, under rcu_read_lock(): the peers may be used until it ends.
 */
void wgr_source_hints(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
		      struct wgr_peer *hints[WGR_SOURCE_RECENT])
{
	struct wgr_source *src;
	int i;

	spin_lock_bh(&srcs->lock);
	src = source_lookup(srcs, ep);
	for (i = 0; i < WGR_SOURCE_RECENT; i++)
		hints[i] = src ? src->recent[i].target : NULL;
	spin_unlock_bh(&srcs->lock);
}

/**
 * wgr_source_owner - the peer last proven to be at an endpoint
 * @srcs: the sources
 * @ep: the endpoint
 *
 * Context: softirq, under rcu_read_lock(): the peer may be used until it ends.
 * Return: the peer, or NULL.
 */
struct wgr_peer *wgr_source_owner(struct wgr_sources *srcs, const struct wgr_endpoint *ep)
{
	struct wgr_source *src;
	struct wgr_peer *owner;

	spin_lock_bh(&srcs->lock);
	src = source_lookup(srcs, ep);
	owner = src ? src->owner : NULL;
	spin_unlock_bh(&srcs->lock);
	return owner;
}

/* Keep a target at the front of a most-recent-first array, dropping the oldest. */
static void mru_insert(struct wgr_peer **arr, unsigned long *since, unsigned int n,
		       struct wgr_peer *peer)
{
	unsigned int i, at = n - 1;

	for (i = 0; i < n; i++) {
		if (arr[i] == peer) {
			at = i;
			break;
		}
	}
	memmove(&arr[1], &arr[0], at * sizeof(arr[0]));
	arr[0] = peer;
	if (since) {
		memmove(&since[1], &since[0], at * sizeof(since[0]));
		since[0] = jiffies;
	}
}

/*
 * Move @target's try to the front of @src's recent ones, made if new. A new one
 * takes the place of the oldest that cannot count towards failing; only one
 * with mac2 (@proven) may push out one that can: anyone can send initiations
 * "from" @src naming other peers, and four of them would otherwise erase its
 * failing tries (a review of the fix for R3-F1). Return: the try, or NULL if
 * there was no room for it.
 */
static struct wgr_source_try *try_front(struct wgr_source *src, struct wgr_peer *target,
					bool proven)
{
	unsigned int i, at = WGR_SOURCE_RECENT;
	struct wgr_source_try t = { .target = target };

	for (i = 0; i < WGR_SOURCE_RECENT; i++) {
		if (src->recent[i].target == target) {
			at = i;
			t = src->recent[i];
			break;
		}
	}
	for (i = WGR_SOURCE_RECENT; at == WGR_SOURCE_RECENT && i-- > 0;)
		if (!try_live(&src->recent[i]))
			at = i;
	if (at == WGR_SOURCE_RECENT) {
		if (!proven)
			return NULL;
		at = WGR_SOURCE_RECENT - 1;
	}
	memmove(&src->recent[1], &src->recent[0], at * sizeof(src->recent[0]));
	src->recent[0] = t;
	return &src->recent[0];
}

/**
 * wgr_source_failing - have an endpoint's initiations to @target been failing?
 * @srcs: the sources
 * @ep: the endpoint
 * @target: the peer
 *
 * Discovery on failure (trust model v2): the two previous initiations from @ep
 * for @target that proved their address (mac2: the caller records only those)
 * were forwarded within WGR_FAIL_WINDOW, the newer at least WGR_FAIL_AFTER ago.
 * WireGuard sends such a retry only when its last try went unanswered, so
 * whatever sits at @target's binding, or at the end of a pair route, does not
 * answer: a squatter, or a peer that has moved. A confirmation does not end it:
 * anyone can confirm "from" @ep (wgr_source_confirmed()).
 * Context: softirq.
 * Return: true if so.
 */
bool wgr_source_failing(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
			struct wgr_peer *target)
{
	struct wgr_source *src;
	bool failing = false;
	int i;

	spin_lock_bh(&srcs->lock);
	src = source_lookup(srcs, ep);
	for (i = 0; src && i < WGR_SOURCE_RECENT; i++) {
		const unsigned long *fwd = src->recent[i].fwd;

		if (src->recent[i].target != target)
			continue;
		failing = fwd[0] && fwd[1] && time_before(jiffies, fwd[1] + WGR_FAIL_WINDOW) &&
			  time_after_eq(jiffies, fwd[0] + WGR_FAIL_AFTER);
		break;
	}
	spin_unlock_bh(&srcs->lock);
	return failing;
}

/**
 * wgr_source_initiated - an endpoint sent an initiation whose mac1 named @target
 * @srcs: the sources
 * @ep: the endpoint (remembered, with its local address, if new)
 * @target: the peer
 * @forwarded: the initiation, with the relay's mac2, was sent on (for
 *	wgr_source_failing(); one without mac2 may be anyone's)
 * @candidate: it carried the relay's mac2: @ep becomes a discovery candidate
 *
 * Both flags mean the initiation carried the relay's mac2, which proves @ep
 * receives at its address: such a source is proven, forgotten only when no
 * loose one can be (make_room()), oldest proof first. When the table is full,
 * or a newcomer's prefix is, one is forgotten, or a newcomer without mac2 is
 * not remembered.
 * Context: softirq.
 */
void wgr_source_initiated(struct wgr_sources *srcs, const struct wgr_endpoint *ep,
			  struct wgr_peer *target, bool forwarded, bool candidate)
{
	bool proven = forwarded || candidate;
	struct wgr_source_try *t;
	struct wgr_source *src;

	spin_lock_bh(&srcs->lock);
	/* As for handshakes: forget_peer follows the dead mark, under this lock. */
	if (READ_ONCE(target->dead))
		goto out;
	src = source_get(srcs, ep, proven);
	if (!src)
		goto out;
	/*
	 * Stamps that lapsed are cleared at every touch, not only by the gc of
	 * held sources: initiations without mac2 "from" @ep, every 25 s, keep it
	 * on the main list for good (a review of L2's fix).
	 */
	source_clear_lapsed(src);
	src->ep = *ep;
	src->last = jiffies;
	list_move_tail(&src->lru, &srcs->lru);
	if (proven) {
		src->proven = jiffies ?: 1;
		if (!source_reclassify(srcs, src))
			goto out;
		/* Proven ones go oldest proof first. */
		if (src->class == WGR_SOURCE_PROVEN)
			wgr_account_renew(src->class_acct, &src->class_node);
	}
	t = try_front(src, target, forwarded);
	if (t && forwarded) {
		/*
		 * A second copy of one try (the network's duplicate) only
		 * renews the first stamp: had it filled both, the next retry
		 * would count as failing one try early (a review of T4).
		 */
		if (!t->fwd[0] || !time_before(jiffies, t->fwd[0] + WGR_FAIL_AFTER))
			t->fwd[1] = t->fwd[0];
		t->fwd[0] = jiffies ?: 1;
	}
	if (candidate) {
		mru_insert(src->pending, src->pending_since, WGR_SOURCE_PENDING, target);
		list_move_tail(&src->candidate, &srcs->candidates);
	}
out:
	spin_unlock_bh(&srcs->lock);
}

/* Did @src initiate with mac2, lately, to a peer that may talk to @target? */
static bool candidate_for(const struct wgr_source *src, struct wgr_peer *target)
{
	int i;

	for (i = 0; i < WGR_SOURCE_PENDING; i++) {
		struct wgr_peer *p = src->pending[i];

		if (p && pending_live(src, i) && wgr_peers_may_talk(p, target))
			return true;
	}
	return false;
}

/* What a walk for candidates cost: the debug build counts it (t-trust-walk). */
static void count_walk(struct wgr_sources *srcs, unsigned int visits)
{
#ifdef CONFIG_WGRELAY_DEBUG
	lockdep_assert_held(&srcs->lock);
	srcs->debug_walks++;
	srcs->debug_visits += visits;
#endif
}

/*
 * Which of its host's endpoints @ep is (pick.c shares a host's one place
 * among them): its port, and an IPv6 address's interface bits.
 */
static u64 endpoint_slot(const struct wgr_endpoint *ep)
{
	const __be32 *a = ep->addr6.sin6_addr.s6_addr32;

	if (ep->addr.sa_family == AF_INET)
		return be16_to_cpu(ep->addr4.sin_port);
	return ((u64)be32_to_cpu(a[2]) << 32 | be32_to_cpu(a[3])) ^
	       (u64)be16_to_cpu(ep->addr6.sin6_port) << 48;
}

/**
 * wgr_source_candidates - where to send copies of an initiation for discovery
 * @srcs: the sources
 * @rl: the relay's buckets: each address receives few copies a second
 * @from: the initiator's endpoint, never a candidate
 * @skip: an endpoint the initiation goes to anyway, or NULL
 * @target: the peer the initiation is for
 * @out: filled with up to @max endpoints
 * @max: the fanout, at most WGRELAY_MAX_FANOUT
 * @limited: set if the walk budget refused the walk or cut it short
 *
 * A candidate is a source whose initiation with the relay's mac2, within
 * WGR_PENDING_TIMEOUT, was for a peer that may talk to @target: it proved it
 * receives at its address. A wrong recipient cannot decrypt the copy and drops
 * it.
 *
 * The fanout goes round the networks (IPv4 /24, IPv6 /32), in an order drawn
 * for each walk, and a network's places round its prefixes (IPv6 /48); within
 * a prefix its addresses go by their numbers for the walk, one place per
 * address (IPv6: /64), so that one host's many ports cannot fill a fanout, nor
 * one network's many /48s, nor a peer's busier neighbours in its /24 its
 * network's places (pick.c); an address's place goes to the endpoint there
 * of the lowest number for the walk, not the most recent, so that a neighbour
 * on a peer's public address cannot take it by initiating often. The most
 * recent came first across prefixes, and a crowd of the attacker's own addresses, initiating more often than a
 * peer retries, had every copy (the third review, C6): first from any eight
 * addresses, then, with rounds, from any eight prefixes. Ranked by network, a
 * crowd from k networks beside a peer's leaves it a place with odds of about
 * @max in k + 1, however many ports and /48s each has; but a peer in the
 * crowd's own network shares its network's places with the crowd's /48s
 * there (helper-58), where ranked by prefix alone it had @max in the number
 * of prefixes. So the walk ranks its candidates both ways, each keeping the
 * fanout, and takes the two in turn (wgr_picks_merge()): the peer keeps more
 * than half the odds of the better of the two (pick_test test_two_rankings).
 * That is up to twice the fanout (spares for candidates that have spent their
 * budgets); the walk asks the rate limits of those alone.
 *
 * Only the candidates' own list is walked, newest first, to the first whose
 * candidacy has lapsed, and to WGR_CANDIDATE_VISITS at most. The walk went
 * through every source the relay remembers, up to WGR_MAX_SOURCES, and a
 * spoofer fills that memory for nothing, with initiations without mac2 "from"
 * new IP:ports: each walk then looked at thousands of sources to find a few,
 * under this lock with bottom halves off (a fifth review, T2). A candidate
 * costs an address that receives and a cookie for each of its ports.
 *
 * A walk looks at no more than its budget of visits (wgr_walk_reserve(): its
 * initiator's network's, and the relay's): walks are bounded in number as well
 * as in length.
 * Context: softirq.
 * Return: the number of endpoints in @out.
 */
unsigned int wgr_source_candidates(struct wgr_sources *srcs, struct wgr_ratelimit *rl,
				   const struct wgr_endpoint *from,
				   const struct wgr_endpoint *skip, struct wgr_peer *target,
				   struct wgr_endpoint *out, unsigned int max, bool *limited)
{
	unsigned int n = 0, visits = 0, i;
	struct wgr_picks *by_network = &srcs->rankings[0], *by_prefix = &srcs->rankings[1];
	struct wgr_walk_budget budget;
	struct wgr_source *src;
	unsigned int found;
	u64 seed;

	*limited = false;
	max = min_t(unsigned int, max, WGRELAY_MAX_FANOUT);
	wgr_walk_reserve(rl, from, WGR_CANDIDATE_VISITS, &budget);
	seed = get_random_u64();
	spin_lock_bh(&srcs->lock);
	wgr_picks_init(by_network, srcs->picks[0], max, seed);
	wgr_picks_init(by_prefix, srcs->picks[1], max, seed);
	list_for_each_entry_reverse(src, &srcs->candidates, candidate) {
		u64 host, slot;
		u16 family;

		if (!max || visits >= WGR_CANDIDATE_VISITS || !pending_live(src, 0))
			break;
		if (visits >= budget.visits) {
			*limited = true;
			break;
		}
		visits++;
		if (wgr_endpoint_eq(&src->ep, from) || (skip && wgr_endpoint_eq(&src->ep, skip)) ||
		    !candidate_for(src, target))
			continue;
		family = src->ep.addr.sa_family;
		host = wgr_endpoint_host(&src->ep);
		slot = endpoint_slot(&src->ep);
		wgr_picks_weigh(by_network, src, wgr_quota_network_key(&src->ep), src->acct->key,
				family, host, slot);
		wgr_picks_weigh(by_prefix, src, src->acct->key, src->acct->key, family, host, slot);
	}
	wgr_picks_sort(by_network);
	wgr_picks_sort(by_prefix);
	found = wgr_picks_merge(by_network, by_prefix, srcs->order, WGR_PICKS);
	for (i = 0; i < found && n < max; i++) {
		src = srcs->order[i];
		if (wgr_ratelimit_discovery(rl, &src->ep, from))
			out[n++] = src->ep;
	}
	count_walk(srcs, visits);
	spin_unlock_bh(&srcs->lock);
	wgr_walk_refund(rl, &budget, visits);
	return n;
}

/*
 * A session of @owner's with @partner was confirmed at @src: held for @hold,
 * with @partner as its first hint. The caller has moved @owner's binding here
 * if it could (wgr_bind_confirmed()): then @src is anchored at once. A staged
 * session's source stays as it was, unless the staging took a stale binding
 * (a squat: then it is anchored while the squat is live).
 * Context: the sources lock.
 */
static void source_hold(struct wgr_sources *srcs, struct wgr_source *src, struct wgr_peer *owner,
			struct wgr_peer *partner, unsigned long hold)
{
	src->owner = owner;
	src->held_until = (jiffies + hold) ?: 1;
	if (src->recent[0].target != partner)
		try_front(src, partner, false);
	source_reclassify(srcs, src);
}

/**
 * wgr_source_confirmed - a handshake between two endpoints was confirmed
 * @srcs: the sources
 * @ini_ep: where the initiator is
 * @initiator: the peer the response's mac1 named
 * @resp_ep: where the responder is
 * @responder: the peer the initiation's mac1 named
 * @hold: how long the session may live without a datagram (session-timeout)
 *
 * The initiator's endpoint is the first guess for whom its next response is
 * for. Both endpoints are held for @hold, each with its peer as owner and the
 * other as its first hint: the pair's next handshake, whichever side starts it,
 * is found by one mac1 check, before any limit (F1, F2 of pass 5). A staged pair
 * (an attacker at both ends) gets the same, for its own endpoints only, within
 * its prefix's count.
 * Context: softirq.
 */
void wgr_source_confirmed(struct wgr_sources *srcs, const struct wgr_endpoint *ini_ep,
			  struct wgr_peer *initiator, const struct wgr_endpoint *resp_ep,
			  struct wgr_peer *responder, unsigned long hold)
{
	struct wgr_source *src;

	spin_lock_bh(&srcs->lock);
	/* As in wgr_source_initiated(): nothing may point at a peer being removed. */
	if (READ_ONCE(initiator->dead) || READ_ONCE(responder->dead))
		goto out;
	/*
	 * Neither endpoint's failing tries nor its candidacy end here: anyone who
	 * can send "from" an endpoint can confirm a pair he staged there, or the
	 * answer he gave at a binding he squats, after each of its tries, and so
	 * keep it from discovery on failure, and from being found, for good (a
	 * review of the fix for R3-F1). Both lapse by themselves: once answered,
	 * WireGuard does not initiate to that peer again for two minutes, long
	 * after its tries have left WGR_FAIL_WINDOW, and a candidacy
	 * WGR_PENDING_TIMEOUT after the last try with mac2.
	 */
	/* Anyone can confirm "from" an endpoint: that proves nothing of it. */
	src = source_get(srcs, ini_ep, false);
	if (src)
		source_hold(srcs, src, initiator, responder, hold);
	src = source_get(srcs, resp_ep, false);
	if (src)
		source_hold(srcs, src, responder, initiator, hold);
out:
	spin_unlock_bh(&srcs->lock);
}

#ifdef CONFIG_WGRELAY_DEBUG
/**
 * wgr_debug_source_walks - what discovery's candidate walks have cost so far
 * @srcs: the sources
 * @walks: set to the number of walks (wgr_source_candidates())
 * @visits: set to the number of sources they looked at, in all
 *
 * Test-only (debugfs.c): a test sees the work one initiation can cause
 * whatever the guest's speed.
 * Context: process.
 */
void wgr_debug_source_walks(struct wgr_sources *srcs, u64 *walks, u64 *visits)
{
	spin_lock_bh(&srcs->lock);
	*walks = srcs->debug_walks;
	*visits = srcs->debug_visits;
	spin_unlock_bh(&srcs->lock);
}

/**
 * wgr_debug_sources_count - how many sources the table holds, and may
 * @srcs: the sources
 * @n: set to how many it holds
 * @max: set to how many it may
 * @loose: set to how many of @n have proven nothing
 *
 * Test-only (debugfs.c): a test sees that an attacker filled the table, and
 * with what.
 * Context: process.
 */
void wgr_debug_sources_count(struct wgr_sources *srcs, u32 *n, u32 *max, u32 *loose)
{
	spin_lock_bh(&srcs->lock);
	*n = srcs->n;
	*max = srcs->max;
	*loose = srcs->n_class[WGR_SOURCE_LOOSE];
	spin_unlock_bh(&srcs->lock);
}

/**
 * wgr_debug_sources_set_max - change how many sources the table may hold
 * @srcs: the sources
 * @max: 1 to WGR_MAX_SOURCES
 *
 * Test-only (debugfs.c): a test guest cannot keep 16,384 sources proven, as an
 * attacker with real addresses in 16 prefixes can; a smaller table is full
 * with a few ports. A table that holds more keeps them until they go, and
 * makes room for each newcomer meanwhile.
 * Context: process.
 */
void wgr_debug_sources_set_max(struct wgr_sources *srcs, u32 max)
{
	spin_lock_bh(&srcs->lock);
	srcs->max = clamp_t(u32, max, 1, WGR_MAX_SOURCES);
	spin_unlock_bh(&srcs->lock);
}
#endif /* CONFIG_WGRELAY_DEBUG */
