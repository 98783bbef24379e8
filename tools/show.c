// SPDX-License-Identifier: GPL-2.0
/*
 * show: devices, peers, sessions and counters, in the manner of `wg show`, or as
 * JSON for scripts. JSON shape: one object per device (an array of them for
 * `show all` or no DEV) with stable keys; keys base64, endpoints "ip:port" or
 * "[ip6]:port", times Unix seconds, counters plain numbers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"

enum view { VIEW_ALL, VIEW_PEERS, VIEW_SESSIONS, VIEW_STATS };

struct style {
	const char *bold, *green, *yellow, *reset;
};

static struct style st = { "", "", "", "" };

static const char *const binding_names[] = {
	[WGRELAY_BINDING_NONE] = "none",
	[WGRELAY_BINDING_TENTATIVE] = "tentative",
	[WGRELAY_BINDING_CONFIRMED] = "confirmed",
};

static const char *binding_name(uint8_t state)
{
	return state <= WGRELAY_BINDING_CONFIRMED ? binding_names[state] : "unknown";
}

/* What a binding is worth now (trust model v2; relayctl(8) explains each). */
static const char *const status_names[] = {
	[WGRELAY_BINDING_STATUS_NONE] = "none",
	[WGRELAY_BINDING_STATUS_TENTATIVE] = "tentative",
	[WGRELAY_BINDING_STATUS_LIVE] = "live",
	[WGRELAY_BINDING_STATUS_STALE] = "stale",
	[WGRELAY_BINDING_STATUS_STATIC] = "static",
};

static const char *status_name(uint8_t status)
{
	return status <= WGRELAY_BINDING_STATUS_STATIC ? status_names[status] : "unknown";
}

/* A JSON string; bytes that are not valid UTF-8 are escaped one by one (also diagnose.c). */
void json_string(const char *s)
{
	bool utf8 = utf8_is_valid(s, strlen(s));
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8))
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

void json_key_string(const char *key, const char *value, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	if (value)
		json_string(value);
	else
		fputs("null", stdout);
}

void json_key_endpoint(const char *key, const union wgr_sockaddr *ep)
{
	char buf[ENDPOINT_STRLEN];

	endpoint_format(buf, sizeof(buf), ep);
	json_key_string(key, ep->sa.sa_family ? buf : NULL, true);
}

void json_key_b64(const char *key, const uint8_t *k, bool comma)
{
	char b64[KEY_B64_LEN + 1];

	key_to_base64(b64, k);
	json_key_string(key, b64, comma);
}

static void json_stats(const struct wgr_device *dev)
{
	int i;

	fputs(",\"stats\":{", stdout);
	for (i = 0; i < __WGRELAY_STAT_MAX; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", stat_names[i], dev->stats[i]);
	putchar('}');
}

/* A refusal's name as a JSON key: '_' for '-', as every other key is written. */
static void json_reason_key(const char *name)
{
	putchar('"');
	for (; *name; name++)
		putchar(*name == '-' ? '_' : *name);
	putchar('"');
}

static void json_peer(const struct wgr_peer *p, bool full)
{
	size_t i, n;

	putchar('{');
	json_key_b64("public_key", p->key, false);
	json_key_string("name", p->name[0] ? p->name : NULL, true);
	if (!full) {
		putchar('}');
		return;
	}
	json_key_endpoint("endpoint", &p->endpoint);
	fputs(",\"allowed_peers\":[", stdout);
	for (i = 0; i < p->n_allowed; i++) {
		char b64[KEY_B64_LEN + 1];

		key_to_base64(b64, p->allowed[i]);
		if (i)
			putchar(',');
		json_string(b64);
	}
	putchar(']');
	json_key_string("binding_state", binding_name(p->binding_state), true);
	json_key_string("binding_status", status_name(p->binding_status), true);
	printf(",\"binding_conflict\":%s,\"binding_proven\":%s,\"bindings_kept\":%" PRIu64,
	       p->binding_conflict ? "true" : "false", p->binding_proven ? "true" : "false",
	       p->bindings_kept);
	json_key_endpoint("binding_endpoint", &p->binding);
	printf(",\"last_seen\":%" PRIu64 ",\"rx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	       ",\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"handshakes\":%" PRIu64
	       ",\"sessions\":%" PRIu32,
	       p->last_seen, p->rx_packets, p->rx_bytes, p->tx_packets, p->tx_bytes,
	       p->handshakes, p->num_sessions);
	/*
	 * Every reason that can name a peer, zero or not, so a script needs no
	 * defaults; last, so the flat fields before it end at the first '}'.
	 */
	fputs(",\"refused\":{", stdout);
	for (i = 0, n = 0; i < __WGRELAY_REFUSED_MAX; i++) {
		if (!(WGRELAY_REFUSED_OF_PEER & (1U << i)))
			continue;
		if (n++)
			putchar(',');
		json_reason_key(refusal_names[i]);
		printf(":%" PRIu64, p->refused[i]);
	}
	fputs("}}", stdout);
}

void json_session(const struct wgr_device *dev, const struct wgr_session *s)
{
	const struct wgr_peer *owner = device_find_peer(dev, s->owner);
	const struct wgr_peer *cp = device_find_peer(dev, s->counterpart);

	printf("{\"receiver_index\":%" PRIu32, s->index);
	json_key_b64("owner", s->owner, true);
	json_key_string("owner_name", owner && owner->name[0] ? owner->name : NULL, true);
	json_key_b64("counterpart", s->counterpart, true);
	json_key_string("counterpart_name", cp && cp->name[0] ? cp->name : NULL, true);
	json_key_endpoint("endpoint", &s->endpoint);
	json_key_string("state", s->confirmed ? "confirmed" : "tentative", true);
	printf(",\"last_seen\":%" PRIu64 ",\"counter\":%" PRIu64 ",\"packets\":%" PRIu64
	       ",\"bytes\":%" PRIu64 "}", s->last_seen, s->counter, s->packets, s->bytes);
}

static void json_device(const struct wgr_device *dev, const struct session_list *sessions,
			enum view view)
{
	size_t i;

	putchar('{');
	json_key_string("interface", dev->ifname, false);
	if (view == VIEW_ALL)
		printf(",\"ifindex\":%" PRIu32 ",\"listen_port\":%u,\"session_timeout\":%" PRIu32
		       ",\"binding_timeout\":%" PRIu32 ",\"max_sessions\":%" PRIu32
		       ",\"discovery_fanout\":%" PRIu32 ",\"roaming\":%s,\"fast_path\":%s,\"num_peers\":%" PRIu32
		       ",\"num_sessions\":%" PRIu32 ",\"generation\":%" PRIu32,
		       dev->ifindex, dev->listen_port, dev->session_timeout, dev->binding_timeout,
		       dev->max_sessions, dev->fanout, dev->roaming ? "true" : "false",
		       dev->fast_path ? "true" : "false",
		       dev->num_peers, dev->num_sessions, dev->generation);
	if (view == VIEW_ALL || view == VIEW_STATS)
		json_stats(dev);
	if (view == VIEW_ALL || view == VIEW_PEERS) {
		fputs(",\"peers\":[", stdout);
		for (i = 0; i < dev->n_peers; i++) {
			if (i)
				putchar(',');
			json_peer(&dev->peers[i], view == VIEW_ALL);
		}
		putchar(']');
	}
	if (view == VIEW_SESSIONS) {
		fputs(",\"sessions\":[", stdout);
		for (i = 0; i < sessions->n; i++) {
			if (i)
				putchar(',');
			json_session(dev, &sessions->items[i]);
		}
		putchar(']');
	}
	putchar('}');
}

static void print_bytes(uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		printf("%" PRIu64 " B", b);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	printf("%.2f %s", v, units[u]);
}

/* "2 hours, 1 minute, 5 seconds ago", like wg show. */
void print_ago(uint64_t when)
{
	static const struct {
		const char *unit;
		uint64_t secs;
	} parts[] = {
		{ "year", 365 * 86400ULL }, { "day", 86400 }, { "hour", 3600 },
		{ "minute", 60 }, { "second", 1 },
	};
	uint64_t now = (uint64_t)time(NULL), left;
	bool any = false;
	size_t i;

	if (!when) {
		fputs("never", stdout);
		return;
	}
	if (when >= now) {
		fputs("now", stdout);
		return;
	}
	left = now - when;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t n = left / parts[i].secs;

		if (!n)
			continue;
		left %= parts[i].secs;
		printf("%s%" PRIu64 " %s%s", any ? ", " : "", n, parts[i].unit, n == 1 ? "" : "s");
		any = true;
	}
	fputs(" ago", stdout);
}

static void field(const char *name)
{
	printf("  %s%s%s: ", st.bold, name, st.reset);
}

static int cmp_recent(const void *a, const void *b)
{
	const struct wgr_peer *x = *(const struct wgr_peer *const *)a;
	const struct wgr_peer *y = *(const struct wgr_peer *const *)b;

	if (x->last_seen != y->last_seen)
		return x->last_seen > y->last_seen ? -1 : 1;
	return memcmp(x->key, y->key, WGRELAY_KEY_LEN);
}

/* "refused: 3 allowed-peers, 1 no-route": handshakes naming it, only if any were. */
static void pretty_refused(const struct wgr_peer *p)
{
	bool any = false;
	size_t i;

	for (i = 0; i < __WGRELAY_REFUSED_MAX; i++) {
		if (!p->refused[i] || !refusal_names[i])
			continue;
		if (!any)
			field("refused");
		printf("%s%" PRIu64 " %s", any ? ", " : "", p->refused[i], refusal_names[i]);
		any = true;
	}
	if (any)
		puts(" (handshakes naming it)");
}

static void pretty_peer(const struct wgr_device *dev, const struct wgr_peer *p)
{
	char b64[KEY_B64_LEN + 1], ep[ENDPOINT_STRLEN];
	size_t i;

	key_to_base64(b64, p->key);
	printf("\n%s%speer%s: %s%s%s\n", st.yellow, st.bold, st.reset, st.yellow, b64, st.reset);
	if (p->name[0]) {
		field("name");
		printf("%s\n", p->name);
	}
	if (p->endpoint.sa.sa_family) {
		endpoint_format(ep, sizeof(ep), &p->endpoint);
		field("endpoint");
		printf("%s (static)\n", ep);
	}
	field("binding");
	if (p->binding.sa.sa_family) {
		endpoint_format(ep, sizeof(ep), &p->binding);
		/*
		 * Live, stale, static or tentative; whether it proved it receives
		 * where it talks; and whether its sessions agree.
		 */
		printf("%s (%s%s%s)\n", ep, status_name(p->binding_status),
		       p->binding_proven && p->binding_status != WGRELAY_BINDING_STATUS_STATIC ?
		       ", proven" : "",
		       p->binding_conflict ? ", a live session reaches it elsewhere" : "");
	} else {
		printf("(none)\n");
	}
	if (p->bindings_kept) {
		field("bindings kept");
		printf("%" PRIu64 " (handshakes or roams elsewhere that did not move it)\n",
		       p->bindings_kept);
	}
	pretty_refused(p);
	field("last seen");
	print_ago(p->last_seen);
	putchar('\n');
	field("transfer");
	print_bytes(p->rx_bytes);
	fputs(" received, ", stdout);
	print_bytes(p->tx_bytes);
	fputs(" sent\n", stdout);
	field("handshakes");
	printf("%" PRIu64 "\n", p->handshakes);
	field("sessions");
	printf("%" PRIu32 "\n", p->num_sessions);
	if (p->n_allowed) {
		field("allowed peers");
		for (i = 0; i < p->n_allowed; i++)
			printf("%s%s", i ? ", " : "", peer_label(dev, p->allowed[i], b64));
		putchar('\n');
	}
}

static void pretty_device(const struct wgr_device *dev)
{
	const struct wgr_peer **order;
	size_t i;

	printf("%s%sinterface%s: %s%s%s\n", st.green, st.bold, st.reset, st.green, dev->ifname,
	       st.reset);
	field("listening port");
	printf("%u\n", dev->listen_port);
	field("session timeout");
	printf("%" PRIu32 " seconds\n", dev->session_timeout);
	field("binding timeout");
	printf("%" PRIu32 " seconds\n", dev->binding_timeout);
	field("max sessions");
	printf("%" PRIu32 "\n", dev->max_sessions);
	field("discovery fanout");
	printf("%" PRIu32 "\n", dev->fanout);
	field("roaming");
	printf("%s\n", dev->roaming ? "on" : "off");
	field("fast path");
	printf("%s\n", dev->fast_path ? "on" : "off");
	field("peers");
	printf("%zu\n", dev->n_peers);
	field("sessions");
	printf("%" PRIu32 "\n", dev->num_sessions);
	field("relayed");
	printf("%" PRIu64 " packets, ", dev->stats[WGRELAY_STAT_TX_PACKETS]);
	print_bytes(dev->stats[WGRELAY_STAT_TX_BYTES]);
	putchar('\n');

	/* Most recently seen first, as wg show lists the latest handshakes first. */
	order = malloc((dev->n_peers + 1) * sizeof(*order));
	if (!order)
		return;
	for (i = 0; i < dev->n_peers; i++)
		order[i] = &dev->peers[i];
	qsort(order, dev->n_peers, sizeof(*order), cmp_recent);
	for (i = 0; i < dev->n_peers; i++)
		pretty_peer(dev, order[i]);
	free(order);
}

static const char *short_label(const struct wgr_device *dev, const uint8_t *key, char *buf)
{
	const char *label = peer_label(dev, key, buf);

	/* An unnamed peer: its key's first 8 characters are enough to recognise it. */
	if (label == buf)
		strcpy(buf + 8, "...");
	return label;
}

static void pretty_sessions(const struct wgr_device *dev, const struct session_list *list)
{
	char a[KEY_B64_LEN + 1], b[KEY_B64_LEN + 1], ep[ENDPOINT_STRLEN];
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	printf("%s%-8s  %-16s  %-16s  %-24s  %-9s  %9s  %12s  %10s  %12s%s\n", st.bold, "index",
	       "owner", "counterpart", "endpoint", "state", "last seen", "counter", "packets",
	       "bytes", st.reset);
	for (i = 0; i < list->n; i++) {
		const struct wgr_session *s = &list->items[i];
		char seen[32];

		endpoint_format(ep, sizeof(ep), &s->endpoint);
		if (!s->last_seen)
			snprintf(seen, sizeof(seen), "never");
		else
			snprintf(seen, sizeof(seen), "%" PRIu64 "s ago",
				 now > s->last_seen ? now - s->last_seen : 0);
		printf("%08" PRIx32 "  %-16s  %-16s  %-24s  %-9s  %9s  %12" PRIu64 "  %10" PRIu64
		       "  %12" PRIu64 "\n", s->index, short_label(dev, s->owner, a),
		       short_label(dev, s->counterpart, b), ep,
		       s->confirmed ? "confirmed" : "tentative", seen, s->counter, s->packets,
		       s->bytes);
	}
}

static void show_one(const struct wgr_device *dev, const struct session_list *sessions,
		     enum view view, bool many)
{
	char b64[KEY_B64_LEN + 1];
	size_t i;

	switch (view) {
	case VIEW_ALL:
		pretty_device(dev);
		break;
	case VIEW_PEERS:
		/* Tab-separated for scripts, like `wg show DEV peers`. */
		for (i = 0; i < dev->n_peers; i++) {
			key_to_base64(b64, dev->peers[i].key);
			printf("%s%s%s\t%s\n", many ? dev->ifname : "", many ? "\t" : "", b64,
			       dev->peers[i].name);
		}
		break;
	case VIEW_STATS:
		for (i = 0; i < __WGRELAY_STAT_MAX; i++)
			printf("%s%s%s\t%" PRIu64 "\n", many ? dev->ifname : "", many ? "\t" : "",
			       stat_names[i], dev->stats[i]);
		break;
	case VIEW_SESSIONS:
		if (many)
			printf("%s%sinterface%s: %s%s%s\n", st.green, st.bold, st.reset, st.green,
			       dev->ifname, st.reset);
		pretty_sessions(dev, sessions);
		break;
	}
}

static int parse_view(const char *arg, enum view *view)
{
	if (!strcmp(arg, "peers"))
		*view = VIEW_PEERS;
	else if (!strcmp(arg, "sessions"))
		*view = VIEW_SESSIONS;
	else if (!strcmp(arg, "stats"))
		*view = VIEW_STATS;
	else
		return -EINVAL;
	return 0;
}

int show_main(int argc, char *argv[])
{
	char (*names)[IF_NAMESIZE] = NULL, *pos[3];
	bool json = false, many;
	size_t i, n = 0, npos = 0;
	enum view view = VIEW_ALL;
	struct nlctx ctx;
	int ret = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (npos < 2)
			pos[npos++] = argv[i];
		else
			return usage_error("show: unexpected argument '%s'", argv[i]);
	}
	if (npos == 2 && parse_view(pos[1], &view))
		return usage_error("show: invalid argument '%s' (peers, sessions or stats)", pos[1]);
	many = !npos || !strcmp(pos[0], "all");
	if (!json && isatty(STDOUT_FILENO))
		st = (struct style){ "\x1b[1m", "\x1b[32m", "\x1b[33m", "\x1b[0m" };

	if (many) {
		if (nlctx_open(&ctx, NETLINK_ROUTE))
			return report("show");
		ret = link_list_kind(&ctx, WGRELAY_LINK_KIND, &names, &n);
		nlctx_close(&ctx);
		if (ret)
			return report("show");
		if (!n && !json) {
			free(names);
			return 0;
		}
	} else {
		names = calloc(1, IF_NAMESIZE);
		if (!names)
			return 1;
		snprintf(names[0], IF_NAMESIZE, "%s", pos[0]);
		n = 1;
	}
	if (n && nlctx_open(&ctx, NETLINK_GENERIC)) {
		free(names);
		return report("show");
	}
	if (json && many)
		putchar('[');
	for (i = 0; i < n; i++) {
		struct session_list sessions = { 0 };
		struct wgr_device dev;

		if (wgr_get_device(&ctx, names[i], &dev) ||
		    (view == VIEW_SESSIONS && wgr_get_sessions(&ctx, names[i], &sessions))) {
			ret = report("show %s", names[i]);
			free(sessions.items);
			device_free(&dev);
			break;
		}
		if (sessions.inexact)
			fprintf(stderr, "%s: show %s: warning: sessions kept coming and going during "
				"the dump; the list may miss some or show some twice\n",
				prog_name, names[i]);
		if (json) {
			if (i)
				putchar(',');
			json_device(&dev, &sessions, view);
		} else {
			if (i && view != VIEW_PEERS && view != VIEW_STATS)
				putchar('\n');
			show_one(&dev, &sessions, view, many);
		}
		free(sessions.items);
		device_free(&dev);
	}
	if (json)
		fputs(many ? "]\n" : "\n", stdout);
	if (n)
		nlctx_close(&ctx);
	free(names);
	if (fflush(stdout) && !ret) {
		fprintf(stderr, "%s: show: writing failed\n", prog_name);
		ret = 1;
	}
	return ret;
}
