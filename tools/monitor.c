// SPDX-License-Identifier: GPL-2.0
/*
 * relayctl monitor [DEV] [--json]: print what the relays announce on the
 * family's "events" multicast group, one line per event, until SIGINT or
 * SIGTERM. Peers are named as the device names them, looked up when a key is
 * first seen (the kernel sends keys only: a name can change, a key cannot).
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "encoding.h"
#include "error.h"
#include "netlink.h"
#include "relayctl.h"

/* Devices whose peers' names are kept; more are looked up every time. */
#define NAME_CACHE	16

struct named {
	char ifname[IF_NAMESIZE];
	struct wgr_device dev;
	time_t fetched;		/* when @dev was read; 0: never */
};

struct monitor {
	const char *only;	/* DEV, or NULL for every relay */
	bool json;
	struct nlctx query;	/* for names: GET_DEVICE */
	struct named cache[NAME_CACHE];
	size_t n_cache;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *const event_names[__WGRELAY_EVENT_MAX] = {
	[WGRELAY_EVENT_LOST] = "lost",
	[WGRELAY_EVENT_BOUND] = "bound",
	[WGRELAY_EVENT_REBOUND] = "rebound",
	[WGRELAY_EVENT_STALE] = "stale",
	[WGRELAY_EVENT_UNBOUND] = "unbound",
	[WGRELAY_EVENT_ALTERNATE] = "alternate",
	[WGRELAY_EVENT_CONFLICT] = "conflict",
	[WGRELAY_EVENT_CONFIRMED] = "session-confirmed",
	[WGRELAY_EVENT_ROAMED] = "session-roamed",
	[WGRELAY_EVENT_EXPIRED] = "session-expired",
	[WGRELAY_EVENT_REFUSED] = "refused",
};

/* One event, as read from its message; anything absent is zero. */
struct event {
	char ifname[IF_NAMESIZE];
	uint32_t type, reason, count;
	uint64_t time;
	bool has_peer, has_partner;
	uint8_t peer[WGRELAY_KEY_LEN], partner[WGRELAY_KEY_LEN];
	union wgr_sockaddr endpoint;
};

/* Names of @ifname's peers, read again at most once a second when a key is new. */
static const char *peer_name(struct monitor *m, const char *ifname, const uint8_t *key)
{
	struct named *c = NULL;
	const struct wgr_peer *p;
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < m->n_cache; i++)
		if (!strcmp(m->cache[i].ifname, ifname))
			c = &m->cache[i];
	if (!c) {
		if (m->n_cache == NAME_CACHE) {
			/* Many relays: forget the oldest device's names. */
			device_free(&m->cache[0].dev);
			memmove(&m->cache[0], &m->cache[1], sizeof(m->cache[0]) * (NAME_CACHE - 1));
			m->n_cache--;
		}
		c = &m->cache[m->n_cache++];
		memset(c, 0, sizeof(*c));
		snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	}
	p = c->fetched ? device_find_peer(&c->dev, key) : NULL;
	if (!p && c->fetched != now) {
		device_free(&c->dev);
		/* A device that went or cannot be read: keys, then. */
		if (wgr_get_device(&m->query, ifname, &c->dev))
			memset(&c->dev, 0, sizeof(c->dev));
		c->fetched = now;
		p = device_find_peer(&c->dev, key);
	}
	return p && p->name[0] ? p->name : NULL;
}

/* json_string(): show.c's, which keeps valid UTF-8 in names as it is. */
static void json_field(const char *key, const char *value)
{
	printf(",\"%s\":", key);
	json_string(value);
}

/* A peer for people: its name, else the start of its key (as `wg` shortens none, we do). */
static void human_peer(struct monitor *m, const struct event *e, const char *what,
		       const uint8_t *key)
{
	char b64[KEY_B64_LEN + 1];
	const char *name = peer_name(m, e->ifname, key);

	key_to_base64(b64, key);
	if (name)
		printf(" %s=%s", what, name);
	else
		printf(" %s=%.10s...", what, b64);
}

static void json_peer(struct monitor *m, const struct event *e, const char *what,
		      const uint8_t *key)
{
	char b64[KEY_B64_LEN + 1], field[32];
	const char *name = peer_name(m, e->ifname, key);

	key_to_base64(b64, key);
	json_field(what, b64);
	snprintf(field, sizeof(field), "%s_name", what);
	if (name)
		json_field(field, name);
	else
		printf(",\"%s\":null", field);
}

static void print_event(struct monitor *m, const struct event *e)
{
	const char *type = e->type < __WGRELAY_EVENT_MAX ? event_names[e->type] : NULL;
	const char *reason = e->reason < __WGRELAY_REFUSED_MAX ? refusal_names[e->reason] : NULL;
	char ep[ENDPOINT_STRLEN], when[32], unknown[32];
	time_t t = (time_t)e->time;
	struct tm tm;

	if (!type) {
		/* A newer module's event: say so rather than drop it. */
		snprintf(unknown, sizeof(unknown), "event-%u", e->type);
		type = unknown;
	}
	if (e->endpoint.sa.sa_family)
		endpoint_format(ep, sizeof(ep), &e->endpoint);
	if (m->json) {
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(when, sizeof(when), "%llu", (unsigned long long)e->time);
		printf("{\"time\":\"%s\",\"unix_time\":%llu", when, (unsigned long long)e->time);
		json_field("device", e->ifname);
		json_field("event", type);
		if (e->has_peer)
			json_peer(m, e, "peer", e->peer);
		if (e->has_partner)
			json_peer(m, e, "partner", e->partner);
		if (e->endpoint.sa.sa_family)
			json_field("endpoint", ep);
		if (e->reason)
			printf(",\"reason\":\"%s\"", reason ? reason : "unknown");
		printf(",\"count\":%u}\n", e->count);
		return;
	}
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%llu", (unsigned long long)e->time);
	printf("%s %s %s", when, e->ifname, type);
	if (e->has_peer)
		human_peer(m, e, "peer", e->peer);
	if (e->has_partner)
		human_peer(m, e, "partner", e->partner);
	if (e->endpoint.sa.sa_family)
		printf(" endpoint=%s", ep);
	if (e->reason)
		printf(" reason=%s", reason ? reason : "unknown");
	/* Coalesced (or, for "lost", how many): worth a word only when more than one. */
	if (e->count > 1 || e->type == WGRELAY_EVENT_LOST)
		printf(" count=%u", e->count);
	putchar('\n');
}

static struct nla_policy device_policy[WGRELAY_A_MAX + 1] = {
	[WGRELAY_A_IFNAME] = { .type = NLA_STRING, .maxlen = IF_NAMESIZE - 1 },
	[WGRELAY_A_EVENT] = { .type = NLA_NESTED },
};

static struct nla_policy event_policy[WGRELAY_EVENT_A_MAX + 1] = {
	[WGRELAY_EVENT_A_TYPE] = { .type = NLA_U32 },
	[WGRELAY_EVENT_A_REASON] = { .type = NLA_U32 },
	[WGRELAY_EVENT_A_COUNT] = { .type = NLA_U32 },
	[WGRELAY_EVENT_A_TIME] = { .type = NLA_U64 },
	[WGRELAY_EVENT_A_PEER] = { .minlen = WGRELAY_KEY_LEN, .maxlen = WGRELAY_KEY_LEN },
	[WGRELAY_EVENT_A_PARTNER] = { .minlen = WGRELAY_KEY_LEN, .maxlen = WGRELAY_KEY_LEN },
};

static int on_message(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[WGRELAY_A_MAX + 1], *ev[WGRELAY_EVENT_A_MAX + 1], *a;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct monitor *m = arg;
	struct event e = { 0 };
	size_t len;

	if (gh->cmd != WGRELAY_CMD_EVENT ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, WGRELAY_A_MAX, device_policy) ||
	    !tb[WGRELAY_A_IFNAME] || !tb[WGRELAY_A_EVENT] ||
	    nla_parse_nested(ev, WGRELAY_EVENT_A_MAX, tb[WGRELAY_A_EVENT], event_policy) ||
	    !ev[WGRELAY_EVENT_A_TYPE])
		return NL_SKIP;
	nla_strlcpy(e.ifname, tb[WGRELAY_A_IFNAME], sizeof(e.ifname));
	if (m->only && strcmp(m->only, e.ifname))
		return NL_SKIP;
	e.type = nla_get_u32(ev[WGRELAY_EVENT_A_TYPE]);
	e.count = ev[WGRELAY_EVENT_A_COUNT] ? nla_get_u32(ev[WGRELAY_EVENT_A_COUNT]) : 1;
	e.time = ev[WGRELAY_EVENT_A_TIME] ? nla_get_u64(ev[WGRELAY_EVENT_A_TIME]) :
					    (uint64_t)time(NULL);
	if (ev[WGRELAY_EVENT_A_REASON])
		e.reason = nla_get_u32(ev[WGRELAY_EVENT_A_REASON]);
	if ((a = ev[WGRELAY_EVENT_A_PEER])) {
		e.has_peer = true;
		memcpy(e.peer, nla_data(a), WGRELAY_KEY_LEN);
	}
	if ((a = ev[WGRELAY_EVENT_A_PARTNER])) {
		e.has_partner = true;
		memcpy(e.partner, nla_data(a), WGRELAY_KEY_LEN);
	}
	if ((a = ev[WGRELAY_EVENT_A_ENDPOINT])) {
		len = (size_t)nla_len(a);
		/* Of the length its family says, or not an endpoint. */
		if (len == sizeof(struct sockaddr_in) || len == sizeof(struct sockaddr_in6)) {
			memcpy(&e.endpoint, nla_data(a), len);
			if (endpoint_len(&e.endpoint) != len)
				memset(&e.endpoint, 0, sizeof(e.endpoint));
		}
	}
	print_event(m, &e);
	return NL_OK;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/* Join the events group: the kernel lets only CAP_NET_ADMIN in this namespace in. */
static int subscribe(struct nlctx *ctx)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(ctx->sk, WGRELAY_GENL_NAME, WGRELAY_MCGRP_EVENTS);
	if (grp < 0) {
		set_error("this wgrelay module has no '%s' group (too old?)", WGRELAY_MCGRP_EVENTS);
		return -ENOENT;
	}
	ret = nl_socket_add_membership(ctx->sk, grp);
	if (ret == -NLE_PERM) {
		set_error("permission denied: listening to relay events needs CAP_NET_ADMIN in the device's network namespace");
		return -EPERM;
	}
	if (ret) {
		set_error("joining the events group: %s", nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

static int listen_loop(struct monitor *m, struct nlctx *ctx)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(ctx->sk), .events = POLLIN };
	int ret;

	nl_cb_set(ctx->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(ctx->cb, NL_CB_VALID, NL_CB_CUSTOM, on_message, m);
	while (!stop) {
		ret = poll(&pfd, 1, -1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			set_error("poll: %s", strerror(errno));
			return 1;
		}
		ret = nl_recvmsgs(ctx->sk, ctx->cb);
		if (ret == -NLE_NOMEM) {
			/* ENOBUFS: this socket overran; the kernel dropped what did not fit. */
			if (m->json)
				printf("{\"event\":\"overrun\",\"reason\":\"socket buffer full\"}\n");
			else
				printf("relayctl: events were lost: the socket buffer overran\n");
			continue;
		}
		if (ret < 0 && !stop) {
			set_error("receiving events: %s", nl_geterror(ret));
			return 1;
		}
	}
	return 0;
}

int monitor_main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor m = { 0 };
	struct nlctx ctx;
	int i, ret;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			m.json = true;
		else if (!m.only && argv[i][0] != '-')
			m.only = argv[i];
		else
			return usage_error("monitor: unexpected argument '%s'", argv[i]);
	}
	if (m.only && (strlen(m.only) >= IF_NAMESIZE || !m.only[0]))
		return usage_error("monitor: invalid device name '%s'", m.only);

	if (nlctx_open(&ctx, NETLINK_GENERIC))
		return report("monitor");
	if (nlctx_open(&m.query, NETLINK_GENERIC)) {
		nlctx_close(&ctx);
		return report("monitor");
	}
	ret = 1;
	if (m.only) {
		/* A name that is no relay is a typo: say so now, not never. */
		struct wgr_device dev;

		if (wgr_get_device(&m.query, m.only, &dev)) {
			report("monitor %s", m.only);
			goto out;
		}
		device_free(&dev);
	}
	if (subscribe(&ctx)) {
		report("monitor");
		goto out;
	}
	/* Without SA_RESTART: poll() returns, and the loop sees @stop. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* One line per event, at once, even into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = listen_loop(&m, &ctx);
	if (ret)
		report("monitor");
out:
	for (k = 0; k < m.n_cache; k++)
		device_free(&m.cache[k].dev);
	nlctx_close(&m.query);
	nlctx_close(&ctx);
	return ret;
}
