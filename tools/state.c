// SPDX-License-Identifier: GPL-2.0
/*
 * The state file of relayctl save/restore (format in state.h). Pure: no netlink,
 * so that the unit tests take it alone. A state file is input like any other:
 * every field is checked, and an error names the file and line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "file.h"
#include "netlink.h"
#include "state.h"

void state_free(struct relay_state *st)
{
	free(st->pairs);
	free(st->bindings);
	memset(st, 0, sizeof(*st));
}

/* Room for one more entry in *items (of @size bytes each). */
static void *grow(void **items, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		void *grown = realloc(*items, c * size);

		if (!grown) {
			set_error("%s", strerror(ENOMEM));
			return NULL;
		}
		*items = grown;
		*cap = c;
	}
	return memset((char *)*items + (*n)++ * size, 0, size);
}

static struct state_pair *add_pair(struct relay_state *st)
{
	return grow((void **)&st->pairs, &st->n_pairs, &st->cap_pairs, sizeof(*st->pairs));
}

static struct state_binding *add_binding(struct relay_state *st)
{
	return grow((void **)&st->bindings, &st->n_bindings, &st->cap_bindings,
		    sizeof(*st->bindings));
}

/*
 * The responder's half of the pair whose initiator's half is @list->items[i]: the
 * kernel lists a pair's halves one after the other, so the next is tried first.
 */
static const struct wgr_session *responder_of(const struct session_list *list, size_t i)
{
	const struct wgr_session *ini = &list->items[i], *s;
	size_t k;

	for (k = 0; k < list->n; k++) {
		s = &list->items[(i + 1 + k) % list->n];
		if (!s->initiator && s->confirmed && s->index == ini->counterpart_index &&
		    s->counterpart_index == ini->index &&
		    !memcmp(s->owner, ini->counterpart, WGRELAY_KEY_LEN) &&
		    !memcmp(s->counterpart, ini->owner, WGRELAY_KEY_LEN))
			return s;
	}
	return NULL;
}

/**
 * state_endpoint_restorable - may a saved entry have @ep?
 * @ep: the endpoint
 *
 * What the file can hold and RESTORE takes (the kernel's validate_endpoint()):
 * a unicast address a host can be at, with a port. A half the kernel knows no
 * endpoint for has none, and older relays took datagrams from sources the
 * kernel now refuses (module/addr.h), so older files may hold them: saving
 * such an entry would make the reader refuse the whole file, and restoring one
 * would end RESTORE at that message (state_restore() skips them).
 * Return: true if so.
 */
bool state_endpoint_restorable(const union wgr_sockaddr *ep)
{
	const struct in6_addr *a6 = &ep->in6.sin6_addr;
	uint32_t a4;

	switch (ep->sa.sa_family) {
	case AF_INET:
		a4 = ntohl(ep->in.sin_addr.s_addr);
		return ep->in.sin_port && a4 >> 24 && !IN_MULTICAST(a4) && a4 != INADDR_BROADCAST;
	case AF_INET6:
		return ep->in6.sin6_port && !IN6_IS_ADDR_UNSPECIFIED(a6) &&
		       !IN6_IS_ADDR_V4MAPPED(a6) && !IN6_IS_ADDR_V4COMPAT(a6) &&
		       !IN6_IS_ADDR_MULTICAST(a6);
	default:
		return false;
	}
}

/**
 * state_from_dump - what of a relay's dump is worth saving
 * @st: filled in (zeroed first)
 * @dev: the device with its peers (wgr_get_device())
 * @sessions: its session table (wgr_get_sessions())
 * @now: the time to record as the save's
 *
 * Confirmed sessions only (a tentative one is a dead end within seconds), and
 * learned bindings only: a static endpoint comes from the config, and a
 * tentative binding is never routed to. Entries without a restorable endpoint
 * (state_endpoint_restorable()) are left out.
 * Return: 0 or -ENOMEM with last_error() set.
 */
int state_from_dump(struct relay_state *st, const struct wgr_device *dev,
		    const struct session_list *sessions, uint64_t now)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->saved = now;
	for (i = 0; i < sessions->n; i++) {
		const struct wgr_session *ini = &sessions->items[i], *resp;
		struct state_pair *p;

		if (!ini->initiator || !ini->confirmed)
			continue;
		resp = responder_of(sessions, i);
		if (!resp)
			continue;	/* the dump caught the table changing */
		if (!state_endpoint_restorable(&ini->endpoint) ||
		    !state_endpoint_restorable(&resp->endpoint))
			continue;
		p = add_pair(st);
		if (!p)
			goto nomem;
		memcpy(p->key[0], ini->owner, WGRELAY_KEY_LEN);
		memcpy(p->key[1], resp->owner, WGRELAY_KEY_LEN);
		p->index[0] = ini->index;
		p->index[1] = resp->index;
		p->ep[0] = ini->endpoint;
		p->ep[1] = resp->endpoint;
		p->local[0] = ini->local;
		p->local[1] = resp->local;
		p->counter[0] = ini->counter;
		p->counter[1] = resp->counter;
		/* The pair's time is the later of its halves' (they share one). */
		p->last_seen = ini->last_seen > resp->last_seen ? ini->last_seen : resp->last_seen;
		p->leaked = ini->leaked;
	}
	for (i = 0; i < dev->n_peers; i++) {
		const struct wgr_peer *peer = &dev->peers[i];
		struct state_binding *b;

		if ((peer->binding_status != WGRELAY_BINDING_STATUS_LIVE &&
		     peer->binding_status != WGRELAY_BINDING_STATUS_STALE) ||
		    !state_endpoint_restorable(&peer->binding))
			continue;
		b = add_binding(st);
		if (!b)
			goto nomem;
		memcpy(b->key, peer->key, WGRELAY_KEY_LEN);
		b->ep = peer->binding;
		b->local = peer->binding_local;
		b->last_seen = peer->last_seen;
	}
	return 0;
nomem:
	state_free(st);
	return -ENOMEM;
}

/*
 * Numeric, with the scope as a number: the file must read back the same
 * anywhere. Then "@" and the local address, if known.
 */
static void format_ep(char *buf, size_t len, const union wgr_sockaddr *ep,
		      const struct wgr_local *local)
{
	char addr[INET6_ADDRSTRLEN] = "", at[INET6_ADDRSTRLEN + 1] = "";

	if (local->len == 4 && ep->sa.sa_family == AF_INET) {
		at[0] = '@';
		inet_ntop(AF_INET, local->addr, at + 1, sizeof(at) - 1);
	} else if (local->len == 16 && ep->sa.sa_family == AF_INET6) {
		at[0] = '@';
		inet_ntop(AF_INET6, local->addr, at + 1, sizeof(at) - 1);
	}

	if (ep->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->in.sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u%s", addr, ntohs(ep->in.sin_port), at);
	} else {
		inet_ntop(AF_INET6, &ep->in6.sin6_addr, addr, sizeof(addr));
		if (ep->in6.sin6_scope_id)
			snprintf(buf, len, "[%s%%%" PRIu32 "]:%u%s", addr, ep->in6.sin6_scope_id,
				 ntohs(ep->in6.sin6_port), at);
		else
			snprintf(buf, len, "[%s]:%u%s", addr, ntohs(ep->in6.sin6_port), at);
	}
}

/**
 * state_print - write @st in the state file format
 * Return: 0, or -EIO if writing failed (with last_error() set).
 */
int state_print(FILE *f, const struct relay_state *st)
{
	char k0[KEY_B64_LEN + 1], k1[KEY_B64_LEN + 1];
	char e0[ENDPOINT_STRLEN + INET6_ADDRSTRLEN], e1[ENDPOINT_STRLEN + INET6_ADDRSTRLEN];
	size_t i;

	fprintf(f, "wgrelay-state %d\n# relayctl save: confirmed sessions and bindings; "
		"relayctl restore puts them back\nsaved %" PRIu64 "\n", STATE_VERSION, st->saved);
	for (i = 0; i < st->n_pairs; i++) {
		const struct state_pair *p = &st->pairs[i];

		key_to_base64(k0, p->key[0]);
		key_to_base64(k1, p->key[1]);
		format_ep(e0, sizeof(e0), &p->ep[0], &p->local[0]);
		format_ep(e1, sizeof(e1), &p->ep[1], &p->local[1]);
		fprintf(f, "session %s %08" PRIx32 " %s %" PRIu64 " %s %08" PRIx32 " %s %" PRIu64
			" %" PRIu64 " %d\n", k0, p->index[0], e0, p->counter[0], k1, p->index[1],
			e1, p->counter[1], p->last_seen, p->leaked);
	}
	for (i = 0; i < st->n_bindings; i++) {
		const struct state_binding *b = &st->bindings[i];

		key_to_base64(k0, b->key);
		format_ep(e0, sizeof(e0), &b->ep, &b->local);
		fprintf(f, "binding %s %s %" PRIu64 "\n", k0, e0, b->last_seen);
	}
	if (fflush(f) || ferror(f)) {
		set_error("writing the state: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* Field parsers: each names what is wrong with the field it was given. */

static int parse_key(uint8_t key[WGRELAY_KEY_LEN], const char *s)
{
	if (!key_from_base64(key, s)) {
		set_error("invalid public key '%.64s'", s);
		return -EINVAL;
	}
	return 0;
}

static int parse_uint(uint64_t *v, const char *s, int base, uint64_t max, const char *what)
{
	unsigned long long n;
	char *end;

	errno = 0;
	/* strtoull would take a sign and leading blanks: only digits are a number here. */
	if (!*s || !(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
		goto bad;
	n = strtoull(s, &end, base);
	if (errno || *end || n > max)
		goto bad;
	*v = n;
	return 0;
bad:
	set_error("invalid %s '%.64s'", what, s);
	return -EINVAL;
}

static int parse_index(uint32_t *index, const char *s)
{
	uint64_t v;

	if (strlen(s) != 8) {
		set_error("invalid receiver index '%.64s' (8 hex digits)", s);
		return -EINVAL;
	}
	if (parse_uint(&v, s, 16, UINT32_MAX, "receiver index (8 hex digits)"))
		return -EINVAL;
	*index = v;
	return 0;
}

/*
 * a.b.c.d:port or [v6]:port or [v6%scope]:port, numeric only, port 1-65535; then
 * optionally "@" and a local address of the same family.
 */
static int parse_ep(union wgr_sockaddr *ep, struct wgr_local *local, const char *s)
{
	char buf[ENDPOINT_STRLEN + INET6_ADDRSTRLEN], *port, *scope, *at;
	uint64_t p, id = 0;

	memset(ep, 0, sizeof(*ep));
	memset(local, 0, sizeof(*local));
	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	at = strchr(buf, '@');
	if (at)
		*at++ = '\0';
	if (buf[0] == '[') {
		port = strstr(buf, "]:");
		if (!port)
			goto bad;
		*port = '\0';
		port += 2;
		scope = strchr(buf, '%');
		if (scope) {
			*scope++ = '\0';
			if (parse_uint(&id, scope, 10, UINT32_MAX, "scope"))
				goto bad;
		}
		ep->in6.sin6_family = AF_INET6;
		ep->in6.sin6_scope_id = id;
		if (inet_pton(AF_INET6, buf + 1, &ep->in6.sin6_addr) != 1)
			goto bad;
	} else {
		port = strchr(buf, ':');
		if (!port)
			goto bad;
		*port++ = '\0';
		ep->in.sin_family = AF_INET;
		if (inet_pton(AF_INET, buf, &ep->in.sin_addr) != 1)
			goto bad;
	}
	if (parse_uint(&p, port, 10, 65535, "port") || !p)
		goto bad;
	if (ep->sa.sa_family == AF_INET)
		ep->in.sin_port = htons(p);
	else
		ep->in6.sin6_port = htons(p);
	if (at) {
		local->len = ep->sa.sa_family == AF_INET ? 4 : 16;
		if (inet_pton(ep->sa.sa_family, at, local->addr) != 1)
			goto bad;
	}
	return 0;
bad:
	set_error("invalid endpoint '%.64s' (a.b.c.d:port or [ipv6]:port, then @ and a local address of its family)",
		  s);
	return -EINVAL;
}

#define MAX_FIELDS 12

/* Splits @line at blanks into at most MAX_FIELDS fields. Return: their number. */
static int split(char *line, char *field[MAX_FIELDS + 1])
{
	int n = 0;
	char *tok;

	for (tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (n == MAX_FIELDS + 1)
			break;
		field[n++] = tok;
	}
	return n;
}

static int parse_session(struct relay_state *st, char **f, int n, unsigned int line)
{
	struct state_pair p = { .line = line };
	uint64_t leaked;
	int i;

	if (n != 11) {
		set_error("a session line has 11 fields: session KEY INDEX ENDPOINT COUNTER KEY INDEX ENDPOINT COUNTER LAST-SEEN LEAKED (found %d)",
			  n);
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		if (parse_key(p.key[i], f[1 + 4 * i]) || parse_index(&p.index[i], f[2 + 4 * i]) ||
		    parse_ep(&p.ep[i], &p.local[i], f[3 + 4 * i]) ||
		    parse_uint(&p.counter[i], f[4 + 4 * i], 10, UINT64_MAX, "counter"))
			return -EINVAL;
	}
	if (parse_uint(&p.last_seen, f[9], 10, UINT64_MAX, "last-seen time") ||
	    parse_uint(&leaked, f[10], 10, 1, "leaked flag (0 or 1)"))
		return -EINVAL;
	if (!memcmp(p.key[0], p.key[1], WGRELAY_KEY_LEN)) {
		set_error("a session's two halves have the same owner");
		return -EINVAL;
	}
	p.leaked = leaked;
	return add_pair(st) ? (st->pairs[st->n_pairs - 1] = p, 0) : -ENOMEM;
}

static int parse_binding(struct relay_state *st, char **f, int n, unsigned int line)
{
	struct state_binding b = { .line = line };

	if (n != 4) {
		set_error("a binding line has 4 fields: binding KEY ENDPOINT LAST-SEEN (found %d)", n);
		return -EINVAL;
	}
	if (parse_key(b.key, f[1]) || parse_ep(&b.ep, &b.local, f[2]) ||
	    parse_uint(&b.last_seen, f[3], 10, UINT64_MAX, "last-seen time"))
		return -EINVAL;
	return add_binding(st) ? (st->bindings[st->n_bindings - 1] = b, 0) : -ENOMEM;
}

/* Line @no, without its newline; *seen counts the header lines met so far. */
static int parse_line(struct relay_state *st, char *line, unsigned int no, int *seen)
{
	char *f[MAX_FIELDS + 1];
	uint64_t v;
	int n;

	n = split(line, f);
	if (!n || f[0][0] == '#')
		return 0;
	if (*seen == 0) {
		if (n != 2 || strcmp(f[0], "wgrelay-state")) {
			set_error("not a wgrelay state file: the first line must be 'wgrelay-state %d'",
				  STATE_VERSION);
			return -EINVAL;
		}
		if (parse_uint(&v, f[1], 10, UINT32_MAX, "version") || v != STATE_VERSION) {
			set_error("state file version '%.16s' is not supported (this relayctl reads %d)",
				  f[1], STATE_VERSION);
			return -EINVAL;
		}
		(*seen)++;
		return 0;
	}
	if (*seen == 1) {
		if (n != 2 || strcmp(f[0], "saved")) {
			set_error("expected 'saved UNIX-SECONDS' after the version line");
			return -EINVAL;
		}
		(*seen)++;
		return parse_uint(&st->saved, f[1], 10, UINT64_MAX, "save time");
	}
	if (!strcmp(f[0], "session"))
		return parse_session(st, f, n, no);
	if (!strcmp(f[0], "binding"))
		return parse_binding(st, f, n, no);
	set_error("unknown entry '%.32s' (session or binding)", f[0]);
	return -EINVAL;
}

/**
 * state_parse - read a state file's contents
 * @st: filled in (zeroed first); freed again on error
 * @data: the contents
 * @len: their length
 * @file: its name, for messages
 *
 * Entries record their line (for messages about them later).
 * Return: 0, or a negative errno with last_error() set to "FILE:LINE: reason".
 */
int state_parse(struct relay_state *st, const char *data, size_t len, const char *file)
{
	char buf[STATE_MAX_LINE + 1];
	unsigned int line = 0;
	size_t pos = 0;
	int seen = 0, ret = 0;

	memset(st, 0, sizeof(*st));
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (data + pos)) : len - pos;

		line++;
		if (llen > STATE_MAX_LINE) {
			set_error("line is longer than %d bytes", STATE_MAX_LINE);
			ret = -EINVAL;
			break;
		}
		memcpy(buf, data + pos, llen);
		buf[llen] = '\0';
		pos += llen + 1;
		if (memchr(buf, '\0', llen)) {
			set_error("NUL byte in line");
			ret = -EINVAL;
			break;
		}
		if (llen && buf[llen - 1] == '\r')
			buf[llen - 1] = '\0';
		ret = parse_line(st, buf, line, &seen);
		if (ret)
			break;
	}
	if (!ret && seen < 2) {
		set_error(seen ? "no 'saved' line" : "empty: no 'wgrelay-state %d' line",
			  STATE_VERSION);
		line++;
		ret = -EINVAL;
	}
	if (ret) {
		prefix_error("%s:%u: ", file, line);
		state_free(st);
	}
	return ret;
}

/**
 * state_read_file - read and parse the state file @path
 * Return: 0, -ENOENT if there is none, or another negative errno; last_error()
 * says why.
 */
int state_read_file(struct relay_state *st, const char *path)
{
	char *data;
	size_t len;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = read_whole_file(path, STATE_MAX_SIZE, &data, &len);
	if (ret)
		return ret;
	ret = state_parse(st, data, len, path);
	free(data);
	return ret;
}

/**
 * state_write_file - write @st to @path atomically, readable by its owner only
 *
 * Synced to disk before it replaces the old one (write_file_atomic()): a reader
 * (or a crash) sees the old state or the new, never half of one. The file holds
 * peers' addresses, so it is 0600.
 * Return: 0 or a negative errno with last_error() set.
 */
static int print_state(FILE *f, const void *st)
{
	return state_print(f, st);
}

int state_write_file(const struct relay_state *st, const char *path)
{
	return write_file_atomic(path, 0600, true, print_state, st);
}

/**
 * state_path - the default state file of relay @ifname
 *
 * WGRELAY_STATE_DIR/IFNAME.state, by default in /var/lib/wgrelay.
 * Return: 0, or -ENAMETOOLONG with last_error() set.
 */
int state_path(char *buf, size_t len, const char *ifname)
{
	const char *dir = getenv("WGRELAY_STATE_DIR");

	if ((size_t)snprintf(buf, len, "%s/%s.state", dir && *dir ? dir : STATE_DEFAULT_DIR,
			     ifname) >= len) {
		set_error("state file path too long");
		return -ENAMETOOLONG;
	}
	return 0;
}
