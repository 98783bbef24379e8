// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose: for each peer and each peer it may talk to, why they are or are not
 * connected through the relay, in words, from what show dumps: the peers'
 * bindings and AllowedPeers, the session table and the device's counters.
 *
 * What the relay can know: a handshake initiation names its target (mac1) but
 * not its sender; a peer is known by where its data comes from once a
 * handshake it took part in completes. So a peer that initiates to a partner
 * that is offline is, to the relay, never seen, unless it talks to someone
 * else; and the refusals (AllowedPeers, rate limits) are counted per device,
 * not per peer. A verdict says when it rests on a device-wide counter.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"

/* The verdicts; relayctl(8) explains each. */
enum verdict {
	V_CONNECTED,		/* a confirmed session between them */
	V_HANDSHAKING,		/* a session, none confirmed by data yet */
	V_NOT_ALLOWED,		/* one side's AllowedPeers leaves the other out */
	V_CONFLICT,		/* a live session reaches a peer away from its binding */
	V_RATE_LIMITED,		/* this peer unbound, the partner online, handshakes limited */
	V_IDLE,			/* both online, no session */
	V_PARTNER_OFFLINE,	/* this peer online, the partner not */
	V_STALE,		/* this peer's binding is stale */
	V_EXPIRED,		/* this peer was seen, its binding expired */
	V_NEVER_SEEN,		/* this peer never seen */
};

static const char *const verdict_codes[] = {
	[V_CONNECTED] = "connected",
	[V_HANDSHAKING] = "handshaking",
	[V_NOT_ALLOWED] = "not_allowed",
	[V_CONFLICT] = "conflict",
	[V_RATE_LIMITED] = "rate_limited",
	[V_IDLE] = "idle",
	[V_PARTNER_OFFLINE] = "partner_offline",
	[V_STALE] = "stale",
	[V_EXPIRED] = "expired",
	[V_NEVER_SEEN] = "never_seen",
};

static const char *const verdict_words[] = {
	[V_CONNECTED] = "connected",
	[V_HANDSHAKING] = "handshaking",
	[V_NOT_ALLOWED] = "refused by AllowedPeers",
	[V_CONFLICT] = "conflict at another endpoint",
	[V_RATE_LIMITED] = "rate-limited?",
	[V_IDLE] = "not talking",
	[V_PARTNER_OFFLINE] = "partner offline",
	[V_STALE] = "binding stale",
	[V_EXPIRED] = "offline",
	[V_NEVER_SEEN] = "never seen",
};

struct finding {
	enum verdict verdict;
	char why[768];
	size_t len;
	const struct wgr_session *sessions[8];	/* the pair's, confirmed first */
	size_t n_sessions;
};

static void say(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a sentence (or part of one) to the finding's explanation. */
static void say(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (f->len >= sizeof(f->why) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->why + f->len, sizeof(f->why) - f->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->len = f->len + n < sizeof(f->why) ? f->len + n : sizeof(f->why) - 1;
}

struct ctx {
	const struct wgr_device *dev;
	const struct session_list *sessions;
	uint64_t now;
	char a[KEY_B64_LEN + 1], b[KEY_B64_LEN + 1];
};

static const char *label(struct ctx *c, const struct wgr_peer *p, char *buf)
{
	return peer_label(c->dev, p->key, buf);
}

static uint64_t ago(const struct ctx *c, uint64_t when)
{
	return when && c->now > when ? c->now - when : 0;
}

static bool online(const struct wgr_peer *p)
{
	return p->binding_status == WGRELAY_BINDING_STATUS_LIVE ||
	       p->binding_status == WGRELAY_BINDING_STATUS_STATIC;
}

/* "at 1.2.3.4:5 (live)" and the like, for a peer's binding. */
static void say_binding(struct finding *f, struct ctx *c, const struct wgr_peer *p,
			const char *who)
{
	char ep[ENDPOINT_STRLEN];

	endpoint_format(ep, sizeof(ep), &p->binding);
	switch (p->binding_status) {
	case WGRELAY_BINDING_STATUS_LIVE:
		say(f, "%s is online at %s (live binding, data %" PRIu64 " s ago)", who, ep,
		    ago(c, p->last_seen));
		break;
	case WGRELAY_BINDING_STATUS_STATIC:
		say(f, "%s has a static endpoint, %s", who, ep);
		break;
	case WGRELAY_BINDING_STATUS_TENTATIVE:
		say(f, "%s answered a handshake from %s, not yet confirmed by data", who, ep);
		break;
	case WGRELAY_BINDING_STATUS_STALE:
		say(f, "%s's binding at %s is stale: no data from it for %" PRIu64
		    " s (stale after %d s): it is offline, or its NAT gave it another address",
		    who, ep, ago(c, p->last_seen), WGRELAY_BINDING_STALE);
		break;
	default:
		if (p->last_seen)
			say(f, "%s is offline: last seen %" PRIu64
			    " s ago, its binding expired or was flushed (binding-timeout %" PRIu32
			    " s)", who, ago(c, p->last_seen), c->dev->binding_timeout);
		else
			say(f, "%s has never been seen (no handshake of its completed through the relay)",
			    who);
	}
}

static void pair_sessions(struct finding *f, struct ctx *c, const struct wgr_peer *p,
			  const struct wgr_peer *q)
{
	size_t i, pass;

	/* Confirmed halves first: those are what "connected" rests on. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < c->sessions->n && f->n_sessions < 8; i++) {
			const struct wgr_session *s = &c->sessions->items[i];

			if (s->confirmed != !pass)
				continue;
			if ((!memcmp(s->owner, p->key, WGRELAY_KEY_LEN) &&
			     !memcmp(s->counterpart, q->key, WGRELAY_KEY_LEN)) ||
			    (!memcmp(s->owner, q->key, WGRELAY_KEY_LEN) &&
			     !memcmp(s->counterpart, p->key, WGRELAY_KEY_LEN)))
				f->sessions[f->n_sessions++] = s;
		}
	}
}

/* Why a peer is left out by the other's list, or by its own. */
static void judge_denied(struct finding *f, struct ctx *c, const struct wgr_peer *p,
			 const struct wgr_peer *q)
{
	uint64_t denied = p->refused[WGRELAY_REFUSED_ALLOWED_PEERS];

	f->verdict = V_NOT_ALLOWED;
	if (!peer_allows(q, p))
		say(f, "%s's allowed peers do not list %s", label(c, q, c->a), label(c, p, c->b));
	else
		say(f, "%s's own allowed peers do not list %s", label(c, p, c->a),
		    label(c, q, c->b));
	say(f, "; the relay forwards their handshakes but drops the answers");
	/* Counted per peer, not per pair: p may be refused with others too. */
	if (denied)
		say(f, " (%" PRIu64 " handshake(s) naming %s refused by AllowedPeers so far)",
		    denied, label(c, p, c->a));
	say(f, ". Add each to the other's AllowedPeers, or clear them, to let them talk");
}

static void judge(struct finding *f, struct ctx *c, const struct wgr_peer *p,
		  const struct wgr_peer *q)
{
	uint64_t ratelimited = c->dev->stats[WGRELAY_STAT_HS_RATELIMITED];
	const char *pn = label(c, p, c->a), *qn = label(c, q, c->b);
	char ep[ENDPOINT_STRLEN];

	memset(f, 0, sizeof(*f));
	if (!peers_may_talk(p, q)) {
		judge_denied(f, c, p, q);
		return;
	}
	pair_sessions(f, c, p, q);
	if (f->n_sessions && f->sessions[0]->confirmed) {
		f->verdict = V_CONNECTED;
		say(f, "a session through the relay, confirmed by data (%zu halves, one per direction)",
		    f->n_sessions);
		if (p->binding_conflict || q->binding_conflict)
			say(f, "; but %s has a live session away from its binding (see conflict)",
			    p->binding_conflict ? pn : qn);
		return;
	}
	if (f->n_sessions) {
		f->verdict = V_HANDSHAKING;
		say(f, "the relay made their session from a handshake; it is confirmed by the first data, which has not come yet");
		return;
	}
	if (p->binding_conflict || q->binding_conflict) {
		const struct wgr_peer *x = p->binding_conflict ? p : q;

		f->verdict = V_CONFLICT;
		endpoint_format(ep, sizeof(ep), &x->binding);
		say(f, "a live session reaches %s somewhere other than its binding %s: a squatter at %s, or %s roamed and its binding follows once stale (%d s)",
		    label(c, x, c->a), ep, ep, label(c, x, c->a), WGRELAY_BINDING_STALE);
		return;
	}
	/*
	 * An initiation from where no peer is bound live pays a per-address ceiling
	 * before the relay even knows its target, so whose it was is never known.
	 */
	if (!online(p) && p->binding_status != WGRELAY_BINDING_STATUS_TENTATIVE && online(q) &&
	    ratelimited) {
		f->verdict = V_RATE_LIMITED;
		say_binding(f, c, p, pn);
		say(f, "; ");
		say_binding(f, c, q, qn);
		say(f, ". The relay has rate-limited %" PRIu64
		    " handshake(s) (hs_ratelimited, per device): initiations from an address that is no peer's live binding pay a per-address ceiling, and %s's may be among them",
		    ratelimited, pn);
		return;
	}
	if (p->binding_status == WGRELAY_BINDING_STATUS_NONE) {
		f->verdict = p->last_seen ? V_EXPIRED : V_NEVER_SEEN;
		say_binding(f, c, p, pn);
		say(f, "; ");
		say_binding(f, c, q, qn);
		if (!p->last_seen)
			say(f, ". Is %s up, with Endpoint = this relay and %s as a peer?", pn, qn);
		return;
	}
	if (p->binding_status == WGRELAY_BINDING_STATUS_STALE ||
	    p->binding_status == WGRELAY_BINDING_STATUS_TENTATIVE) {
		/* A tentative binding: a response of its was relayed, no data yet. */
		f->verdict = p->binding_status == WGRELAY_BINDING_STATUS_STALE ? V_STALE :
			     V_HANDSHAKING;
		say_binding(f, c, p, pn);
		say(f, "; ");
		say_binding(f, c, q, qn);
		return;
	}
	if (!online(q)) {
		f->verdict = q->binding_status == WGRELAY_BINDING_STATUS_TENTATIVE ?
			     V_HANDSHAKING : V_PARTNER_OFFLINE;
		say_binding(f, c, p, pn);
		say(f, "; but ");
		say_binding(f, c, q, qn);
		if (q->binding_status == WGRELAY_BINDING_STATUS_NONE &&
		    q->refused[WGRELAY_REFUSED_NO_ROUTE])
			say(f, ". Initiations for %s refused with nowhere to send them: %" PRIu64,
			    qn, q->refused[WGRELAY_REFUSED_NO_ROUTE]);
		return;
	}
	/*
	 * Both online, no session. Their initiations come from live bindings, which
	 * vouch for them past the rate limits: nobody initiated.
	 */
	f->verdict = V_IDLE;
	say_binding(f, c, p, pn);
	say(f, "; ");
	say_binding(f, c, q, qn);
	say(f, "; no session between them: neither has sent the other anything through the relay (a WireGuard peer handshakes when it has data or a keepalive for its partner: is each in the other's config?)");
}

/* The peers @p is judged against: those it may talk to, and those one list leaves out. */
static bool relevant(const struct wgr_peer *p, const struct wgr_peer *q)
{
	return p != q && (peers_may_talk(p, q) || peer_allows(p, q) || peer_allows(q, p));
}

static void text_session(struct ctx *c, const struct wgr_session *s)
{
	char ep[ENDPOINT_STRLEN], name[KEY_B64_LEN + 1];

	endpoint_format(ep, sizeof(ep), &s->endpoint);
	printf("      index %08" PRIx32 ": to %s at %s, %s, ", s->index,
	       peer_label(c->dev, s->owner, name), s->endpoint.sa.sa_family ? ep : "(unknown)",
	       s->confirmed ? "confirmed" : "tentative");
	if (s->last_seen)
		printf("last datagram %" PRIu64 " s ago", ago(c, s->last_seen));
	else
		fputs("no datagram yet", stdout);
	printf(", %" PRIu64 " packets\n", s->packets);
}

static void text_peer(struct ctx *c, const struct wgr_peer *p)
{
	struct finding f;
	size_t i, n = 0;

	printf("peer %s:\n", label(c, p, c->a));
	for (i = 0; i < c->dev->n_peers; i++) {
		const struct wgr_peer *q = &c->dev->peers[i];
		size_t k;

		if (!relevant(p, q))
			continue;
		judge(&f, c, p, q);
		printf("  %s: %s: %s%s\n", label(c, q, c->b), verdict_words[f.verdict], f.why,
		       f.len && f.why[f.len - 1] == '?' ? "" : ".");
		for (k = 0; k < f.n_sessions; k++)
			text_session(c, f.sessions[k]);
		n++;
	}
	if (!n)
		printf("  (no peer it may talk to: AllowedPeers)\n");
}

static void json_peer(struct ctx *c, const struct wgr_peer *p)
{
	struct finding f;
	bool first = true;
	size_t i, k;

	putchar('{');
	json_key_b64("public_key", p->key, false);
	json_key_string("name", p->name[0] ? p->name : NULL, true);
	fputs(",\"partners\":[", stdout);
	for (i = 0; i < c->dev->n_peers; i++) {
		const struct wgr_peer *q = &c->dev->peers[i];

		if (!relevant(p, q))
			continue;
		judge(&f, c, p, q);
		printf("%s{", first ? "" : ",");
		first = false;
		json_key_b64("public_key", q->key, false);
		json_key_string("name", q->name[0] ? q->name : NULL, true);
		json_key_string("verdict", verdict_codes[f.verdict], true);
		json_key_string("reason", f.why, true);
		fputs(",\"sessions\":[", stdout);
		for (k = 0; k < f.n_sessions; k++) {
			if (k)
				putchar(',');
			json_session(c->dev, f.sessions[k]);
		}
		fputs("]}", stdout);
	}
	fputs("]}", stdout);
}

int diagnose_main(int argc, char *argv[])
{
	const char *ifname = NULL, *spec = NULL;
	struct session_list sessions = { 0 };
	const struct wgr_peer *only = NULL;
	struct wgr_device dev;
	struct nlctx nl;
	struct ctx c;
	bool json = false, first = true;
	size_t i;
	int ret, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--json"))
			json = true;
		else if (!ifname)
			ifname = argv[a];
		else if (!spec)
			spec = argv[a];
		else
			return usage_error("diagnose: unexpected argument '%s'", argv[a]);
	}
	if (!ifname)
		return usage_error("usage: %s diagnose DEV [PEER] [--json]", prog_name);
	if (nlctx_open(&nl, NETLINK_GENERIC))
		return report("diagnose %s", ifname);
	ret = wgr_get_device(&nl, ifname, &dev) || wgr_get_sessions(&nl, ifname, &sessions);
	nlctx_close(&nl);
	if (ret) {
		ret = report("diagnose %s", ifname);
		goto out;
	}
	if (sessions.inexact)
		fprintf(stderr, "%s: diagnose %s: warning: sessions kept coming and going during the dump; the verdicts may miss some\n",
			prog_name, ifname);
	if (spec) {
		only = device_lookup_peer(&dev, spec);
		if (!only) {
			ret = report("diagnose");
			goto out;
		}
	}
	c = (struct ctx){ .dev = &dev, .sessions = &sessions, .now = (uint64_t)time(NULL) };
	if (json) {
		putchar('{');
		json_key_string("interface", dev.ifname, false);
		printf(",\"time\":%" PRIu64 ",\"peers\":[", c.now);
	} else {
		printf("interface %s: %zu peers, %zu sessions\n", dev.ifname, dev.n_peers, sessions.n);
	}
	for (i = 0; i < dev.n_peers; i++) {
		if (only && only != &dev.peers[i])
			continue;
		if (json) {
			if (!first)
				putchar(',');
			json_peer(&c, &dev.peers[i]);
		} else {
			putchar('\n');
			text_peer(&c, &dev.peers[i]);
		}
		first = false;
	}
	if (json)
		fputs("]}\n", stdout);
	if (fflush(stdout)) {
		fprintf(stderr, "%s: diagnose: writing failed\n", prog_name);
		ret = 1;
	}
out:
	free(sessions.items);
	device_free(&dev);
	return ret;
}
