// SPDX-License-Identifier: GPL-2.0
/*
 * Devices' and peers' counters in the Prometheus text exposition format
 * (version 0.0.4), as node_exporter's textfile collector reads them: every
 * family once, its # HELP and # TYPE first, then all its samples, those of every
 * device together; no timestamps. Counters are wgrelay_*_total, gauges plain.
 * Labels: device="IFNAME" and, per peer, peer="NAME" (or its base64 key when it
 * has no name). Pure: no netlink, so that the unit tests take it alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "error.h"
#include "prometheus.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The device counters' help, by WGRELAY_STAT_*. A counter added to the uapi's
 * list without a line here stops the build (the array's size must match).
 */
static const char *const stat_help[] = {
	[WGRELAY_STAT_RX_PACKETS] = "Datagrams received on the relay port.",
	[WGRELAY_STAT_RX_BYTES] = "Bytes of the datagrams received on the relay port.",
	[WGRELAY_STAT_TX_PACKETS] = "Datagrams relayed.",
	[WGRELAY_STAT_TX_BYTES] = "Bytes of the datagrams relayed.",
	[WGRELAY_STAT_RX_INVALID] = "Datagrams dropped: not a well-formed WireGuard message.",
	[WGRELAY_STAT_HS_RATELIMITED] =
		"Initiations dropped: over their source's rate, or a mac1 scan over budget.",
	[WGRELAY_STAT_HS_UNKNOWN_TARGET] = "Handshakes dropped: mac1 matched no provisioned peer.",
	[WGRELAY_STAT_HS_UNSOLICITED] =
		"Responses and cookie replies dropped: they answer nothing forwarded to where they came from.",
	[WGRELAY_STAT_HS_DENIED] = "Handshakes dropped: the pair is not allowed by AllowedPeers.",
	[WGRELAY_STAT_RX_NO_SESSION] =
		"Data dropped: an unknown receiver index, or from where it may not come.",
	[WGRELAY_STAT_HS_INITIATIONS] = "Handshake initiations forwarded.",
	[WGRELAY_STAT_HS_RESPONSES] = "Handshake responses forwarded.",
	[WGRELAY_STAT_HS_COOKIES] =
		"Targets' own cookie replies that opened, never forwarded: each makes the relay probe, or is an answer to a probe that it kept.",
	[WGRELAY_STAT_DISCOVERY_FWD] = "Copies of initiations sent for discovery.",
	[WGRELAY_STAT_HS_NO_ROUTE] =
		"Initiations dropped: no endpoint for their target and no candidate.",
	[WGRELAY_STAT_CONFIRMS] = "Sessions confirmed by their first data.",
	[WGRELAY_STAT_ROAMS] = "Session endpoints moved by a fresh counter (roams).",
	[WGRELAY_STAT_SESSIONS_CREATED] = "Sessions created.",
	[WGRELAY_STAT_SESSIONS_EXPIRED] = "Sessions expired.",
	[WGRELAY_STAT_SESSIONS_FULL] =
		"Sessions refused: max-sessions reached, or an index shared too often.",
	[WGRELAY_STAT_BINDINGS_EXPIRED] = "Bindings expired.",
	[WGRELAY_STAT_TX_ERRORS] = "Relayed datagrams not sent: no route, no socket, no memory, or the send failed.",
	[WGRELAY_STAT_DEV_XMIT_DROPS] = "IP packets routed into the relay device, dropped.",
	[WGRELAY_STAT_LOOP_DROPS] =
		"Datagrams dropped: they would go back to their sender or to the relay, or spoofed a local address.",
	[WGRELAY_STAT_BINDINGS_KEPT] =
		"Confirmations and roams that would have moved a live or static binding; the binding stayed.",
	[WGRELAY_STAT_BINDINGS_FOLLOWED] = "Stale bindings that moved to where their peer roamed.",
	[WGRELAY_STAT_HS_PAIR_ROUTED] =
		"Initiations sent along a live session to the target's endpoint in it (pair routing).",
	[WGRELAY_STAT_HS_COLLISIONS] =
		"Responses dropped: their sender index is a live receiver index, or over an in-flight handshake's limit.",
	[WGRELAY_STAT_TTL_DROPS] = "Datagrams dropped: they arrived with a TTL (hop limit) of 1 or less.",
	[WGRELAY_STAT_COOKIES_SENT] = "The relay's own cookie replies (return routability).",
	[WGRELAY_STAT_HS_MAC2] = "Initiations that carried a valid relay mac2.",
	[WGRELAY_STAT_SESSIONS_EVICTED] =
		"Sessions a full table (or a full source prefix) gave up for a new one.",
	[WGRELAY_STAT_ROAMS_CONTESTED] =
		"Roams that did not move a peer's roam: it still talks there with another partner.",
	[WGRELAY_STAT_EVENTS_LOST] =
		"Events that did not fit the event queue of a slow listener (relayctl monitor).",
	[WGRELAY_STAT_FAST_PACKETS] =
		"Of the datagrams relayed, those the fast path took (confirmed sessions' data).",
	[WGRELAY_STAT_DISCOVERY_LIMITED] =
		"Discovery walks refused or cut short: their source network, or the relay, had spent its budget.",
	[WGRELAY_STAT_HS_COOKIE_WITHHELD] =
		"Initiations sent to a target under load without its own mac2: the relay does not vouch for their source, or its budget for the destination was spent.",
	[WGRELAY_STAT_HS_COOKIE_PROBES] =
		"The relay's own initiations to a peer under load (a target, or an initiator): their answers are the only cookies of a peer's it keeps.",
	[WGRELAY_STAT_HS_COOKIES_KEPT] =
		"Answers to the relay's probes that it kept: a target's cookie for the endpoint probed.",
	[WGRELAY_STAT_HS_INITIATOR_COOKIES] =
		"Initiators' cookie replies to a response: never forwarded, each makes the relay probe the initiator for its own cookie.",
	[WGRELAY_STAT_HS_RESPONSE_STAMPS] =
		"Responses sent with the initiator's own mac2, of the relay's making.",
	[WGRELAY_STAT_HS_RESPONSE_STAMP_WITHHELD] =
		"Responses sent to an initiator under load without its own mac2: the destination's budget for them was spent.",
};
_Static_assert(ARRAY_SIZE(stat_help) == __WGRELAY_STAT_MAX,
	       "every device counter needs its help text in stat_help[]");

static const char *const status_label[] = {
	[WGRELAY_BINDING_STATUS_NONE] = "none",
	[WGRELAY_BINDING_STATUS_TENTATIVE] = "tentative",
	[WGRELAY_BINDING_STATUS_LIVE] = "live",
	[WGRELAY_BINDING_STATUS_STALE] = "stale",
	[WGRELAY_BINDING_STATUS_STATIC] = "static",
};
#define N_STATUS ARRAY_SIZE(status_label)

/**
 * prom_label_value - write @s as a label value, between its double quotes
 *
 * The format escapes backslash, double quote and line feed, and nothing else.
 * An interface name may hold the first two (the kernel refuses only '/', ':'
 * and white space); escaping every one keeps the line parseable whatever it is.
 */
void prom_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

/* HELP text escapes backslash and line feed only. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			putc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* NAME{device="IFNAME"[,peer="LABEL"][,LABEL="VALUE"]} VALUE: @label_value is one of ours. */
static void sample(FILE *f, const char *name, const struct wgr_device *dev,
		   const struct wgr_peer *peer, const char *label, const char *label_value,
		   uint64_t value)
{
	char b64[KEY_B64_LEN + 1];

	fprintf(f, "%s{device=\"", name);
	prom_label_value(f, dev->ifname);
	if (peer) {
		/* Names are unique on a device, and never 44 characters long as keys are. */
		if (!peer->name[0])
			key_to_base64(b64, peer->key);
		fputs("\",peer=\"", f);
		prom_label_value(f, peer->name[0] ? peer->name : b64);
	}
	if (label)
		fprintf(f, "\",%s=\"%s", label, label_value);
	fprintf(f, "\"} %" PRIu64 "\n", value);
}

/* Per-device gauges, from the device's settings and its peers. */
enum dev_gauge { G_PEERS, G_SESSIONS, G_MAX_SESSIONS, G_SESSION_TIMEOUT, G_BINDING_TIMEOUT,
		 G_FANOUT, G_ROAMING, G_FAST_PATH, G_CONFLICTS, G_COUNT };

static const struct {
	const char *name, *help;
} dev_gauges[G_COUNT] = {
	[G_PEERS] = { "wgrelay_peers", "Peers provisioned on the relay." },
	[G_SESSIONS] = { "wgrelay_sessions",
			 "Entries in the session table (tentative and confirmed, one per receiver index)." },
	[G_MAX_SESSIONS] = { "wgrelay_max_sessions", "The session table's size limit (max-sessions)." },
	[G_SESSION_TIMEOUT] = { "wgrelay_session_timeout_seconds",
				"Idle time after which a session expires (session-timeout)." },
	[G_BINDING_TIMEOUT] = { "wgrelay_binding_timeout_seconds",
				"Idle time after which a binding expires (binding-timeout)." },
	[G_FANOUT] = { "wgrelay_discovery_fanout",
		       "Candidates a discovery copies an initiation to (discovery-fanout)." },
	[G_ROAMING] = { "wgrelay_roaming", "1 if sessions follow their peers' roams, else 0." },
	[G_FAST_PATH] = { "wgrelay_fast_path",
			  "1 if confirmed sessions' data takes the fast path (fast-path), else 0." },
	[G_CONFLICTS] = { "wgrelay_binding_conflicts",
			  "Peers that a live session reaches somewhere other than their binding." },
};

static uint64_t dev_gauge(const struct wgr_device *dev, enum dev_gauge g)
{
	uint64_t n = 0;
	size_t i;

	switch (g) {
	case G_PEERS:
		return dev->n_peers;
	case G_SESSIONS:
		return dev->num_sessions;
	case G_MAX_SESSIONS:
		return dev->max_sessions;
	case G_SESSION_TIMEOUT:
		return dev->session_timeout;
	case G_BINDING_TIMEOUT:
		return dev->binding_timeout;
	case G_FANOUT:
		return dev->fanout;
	case G_ROAMING:
		return dev->roaming;
	case G_FAST_PATH:
		return dev->fast_path;
	case G_CONFLICTS:
		for (i = 0; i < dev->n_peers; i++)
			n += !!dev->peers[i].binding_conflict;
		return n;
	case G_COUNT:
		break;
	}
	return 0;
}

/* Per-peer families. */
enum peer_metric { P_RX_PACKETS, P_RX_BYTES, P_TX_PACKETS, P_TX_BYTES, P_HANDSHAKES,
		   P_BINDINGS_KEPT, P_SESSIONS, P_LAST_SEEN, P_CONFLICT, P_COUNT };

static const struct {
	const char *name, *type, *help;
} peer_metrics[P_COUNT] = {
	[P_RX_PACKETS] = { "wgrelay_peer_rx_packets_total", "counter",
			   "Relayed datagrams the peer sent." },
	[P_RX_BYTES] = { "wgrelay_peer_rx_bytes_total", "counter",
			 "Bytes of the relayed datagrams the peer sent." },
	[P_TX_PACKETS] = { "wgrelay_peer_tx_packets_total", "counter",
			   "Relayed datagrams sent to the peer." },
	[P_TX_BYTES] = { "wgrelay_peer_tx_bytes_total", "counter",
			 "Bytes of the relayed datagrams sent to the peer." },
	[P_HANDSHAKES] = { "wgrelay_peer_handshakes_total", "counter",
			   "Handshake responses relayed for the peer." },
	[P_BINDINGS_KEPT] = { "wgrelay_peer_bindings_kept_total", "counter",
			      "Confirmations and roams elsewhere that did not move the peer's live or static binding." },
	[P_SESSIONS] = { "wgrelay_peer_sessions", "gauge", "Live sessions the peer owns." },
	[P_LAST_SEEN] = { "wgrelay_peer_last_seen_timestamp_seconds", "gauge",
			  "When the relay last received from the peer, in Unix seconds; 0 for never." },
	[P_CONFLICT] = { "wgrelay_peer_binding_conflict", "gauge",
			 "1 if a live session of the peer reaches it somewhere other than its binding, else 0." },
};

static uint64_t peer_value(const struct wgr_peer *p, enum peer_metric m)
{
	switch (m) {
	case P_RX_PACKETS:
		return p->rx_packets;
	case P_RX_BYTES:
		return p->rx_bytes;
	case P_TX_PACKETS:
		return p->tx_packets;
	case P_TX_BYTES:
		return p->tx_bytes;
	case P_HANDSHAKES:
		return p->handshakes;
	case P_BINDINGS_KEPT:
		return p->bindings_kept;
	case P_SESSIONS:
		return p->num_sessions;
	case P_LAST_SEEN:
		return p->last_seen;
	case P_CONFLICT:
		return !!p->binding_conflict;
	case P_COUNT:
		break;
	}
	return 0;
}

/**
 * prom_print - write the metrics of @n devices
 * @f: where to
 * @devs: the devices, with their peers and counters (wgr_get_device())
 * @n: how many
 *
 * Each family is written once, with the samples of every device in it: the
 * format wants a family's samples together, so the loops run family by family,
 * not device by device. With no device, the families are there without samples.
 * Return: 0, or -EIO if writing failed (with last_error() set).
 */
int prom_print(FILE *f, const struct wgr_device *devs, size_t n)
{
	char name[64];
	size_t d, i, s;
	int g, m;

	for (g = 0; g < G_COUNT; g++) {
		family(f, dev_gauges[g].name, "gauge", dev_gauges[g].help);
		for (d = 0; d < n; d++)
			sample(f, dev_gauges[g].name, &devs[d], NULL, NULL, NULL, dev_gauge(&devs[d], g));
	}
	/* How many peers' bindings are worth what, as a state set over status=. */
	family(f, "wgrelay_bindings", "gauge",
	       "Peers by what their binding is worth now: none, tentative, live, stale or static.");
	for (d = 0; d < n; d++) {
		uint64_t count[N_STATUS] = { 0 };

		for (i = 0; i < devs[d].n_peers; i++)
			if (devs[d].peers[i].binding_status < N_STATUS)
				count[devs[d].peers[i].binding_status]++;
		for (s = 0; s < N_STATUS; s++)
			sample(f, "wgrelay_bindings", &devs[d], NULL, "status", status_label[s],
			       count[s]);
	}
	for (i = 0; i < __WGRELAY_STAT_MAX; i++) {
		snprintf(name, sizeof(name), "wgrelay_%s_total", stat_names[i]);
		family(f, name, "counter", stat_help[i]);
		for (d = 0; d < n; d++)
			sample(f, name, &devs[d], NULL, NULL, NULL, devs[d].stats[i]);
	}
	for (m = 0; m < P_COUNT; m++) {
		family(f, peer_metrics[m].name, peer_metrics[m].type, peer_metrics[m].help);
		for (d = 0; d < n; d++)
			for (i = 0; i < devs[d].n_peers; i++)
				sample(f, peer_metrics[m].name, &devs[d], &devs[d].peers[i], NULL, NULL,
				       peer_value(&devs[d].peers[i], m));
	}
	family(f, "wgrelay_peer_binding", "gauge",
	       "1 for what the peer's binding is worth now (status: none, tentative, live, stale, static), 0 for the rest.");
	for (d = 0; d < n; d++)
		for (i = 0; i < devs[d].n_peers; i++)
			for (s = 0; s < N_STATUS; s++)
				sample(f, "wgrelay_peer_binding", &devs[d], &devs[d].peers[i],
				       "status", status_label[s],
				       devs[d].peers[i].binding_status == s);
	family(f, "wgrelay_peer_refused_total", "counter",
	       "Handshakes the relay refused that named the peer, as initiator or target, by reason.");
	for (d = 0; d < n; d++)
		for (i = 0; i < devs[d].n_peers; i++)
			for (s = 0; s < __WGRELAY_REFUSED_MAX; s++)
				if (WGRELAY_REFUSED_OF_PEER & (1U << s))
					sample(f, "wgrelay_peer_refused_total", &devs[d],
					       &devs[d].peers[i], "reason", refusal_names[s],
					       devs[d].peers[i].refused[s]);
	if (fflush(f) || ferror(f)) {
		set_error("writing the metrics: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}
