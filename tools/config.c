// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration model shared by `set` arguments and config files: parsing
 * both into a struct wgr_device, resolving AllowedPeers names, the syncconf diff,
 * and the canonical text that showconf prints. Pure: no netlink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "file.h"

#define STAT_NAME(stat, name, drop) [WGRELAY_STAT_##stat] = #name,
const char *const stat_names[__WGRELAY_STAT_MAX] = { WGRELAY_STATS(STAT_NAME) };
#undef STAT_NAME

/* Why the relay refused a handshake (enum wgrelay_refusal), as events and show say it. */
const char *const refusal_names[__WGRELAY_REFUSED_MAX] = {
	[WGRELAY_REFUSED_NONE] = NULL,
	[WGRELAY_REFUSED_ALLOWED_PEERS] = "allowed-peers",
	[WGRELAY_REFUSED_RATELIMIT] = "rate-limit",
	[WGRELAY_REFUSED_CEILING] = "address-ceiling",
	[WGRELAY_REFUSED_SCAN_BUDGET] = "scan-budget",
	[WGRELAY_REFUSED_UNKNOWN_PEER] = "unknown-peer",
	[WGRELAY_REFUSED_NO_ROUTE] = "no-route",
	[WGRELAY_REFUSED_FULL] = "sessions-full",
	[WGRELAY_REFUSED_COLLISION] = "collision",
};

/* Every setting, with its config file key and its `set` keyword. */
enum setting {
	S_LISTEN_PORT,
	S_SESSION_TIMEOUT,
	S_BINDING_TIMEOUT,
	S_MAX_SESSIONS,
	S_FANOUT,
	S_ROAMING,
	S_FAST_PATH,
	S_FIRST_PEER,
	S_PUBLIC_KEY = S_FIRST_PEER,
	S_NAME,
	S_ENDPOINT,
	S_ALLOWED_PEERS,
	S_COUNT
};

static const struct {
	const char *conf, *arg;
	uint32_t min, max;
	unsigned int bit;
} settings[S_COUNT] = {
	[S_LISTEN_PORT] = { "ListenPort", "listen-port", 1, 65535, DEV_HAS_LISTEN_PORT },
	[S_SESSION_TIMEOUT] = { "SessionTimeout", "session-timeout", 1, WGRELAY_MAX_TIMEOUT,
				DEV_HAS_SESSION_TIMEOUT },
	[S_BINDING_TIMEOUT] = { "BindingTimeout", "binding-timeout", 1, WGRELAY_MAX_TIMEOUT,
				DEV_HAS_BINDING_TIMEOUT },
	[S_MAX_SESSIONS] = { "MaxSessions", "max-sessions", 1, WGRELAY_MAX_SESSIONS_LIMIT,
			     DEV_HAS_MAX_SESSIONS },
	[S_FANOUT] = { "DiscoveryFanout", "discovery-fanout", 0, WGRELAY_MAX_FANOUT, DEV_HAS_FANOUT },
	[S_ROAMING] = { "Roaming", "roaming", 0, 1, DEV_HAS_ROAMING },
	[S_FAST_PATH] = { "FastPath", "fast-path", 0, 1, DEV_HAS_FAST_PATH },
	[S_PUBLIC_KEY] = { "PublicKey", "peer", 0, 0, 0 },
	[S_NAME] = { "Name", "name", 0, 0, PEER_HAS_NAME },
	[S_ENDPOINT] = { "Endpoint", "endpoint", 0, 0, PEER_HAS_ENDPOINT },
	[S_ALLOWED_PEERS] = { "AllowedPeers", "allowed-peers", 0, 0, PEER_HAS_ALLOWED },
};

struct wgr_peer *device_add_peer(struct wgr_device *dev)
{
	if (dev->n_peers == dev->cap_peers) {
		size_t cap = dev->cap_peers ? dev->cap_peers * 2 : 16;
		struct wgr_peer *p = realloc(dev->peers, cap * sizeof(*p));

		if (!p) {
			set_error("%s", strerror(ENOMEM));
			return NULL;
		}
		dev->peers = p;
		dev->cap_peers = cap;
	}
	memset(&dev->peers[dev->n_peers], 0, sizeof(dev->peers[0]));
	return &dev->peers[dev->n_peers++];
}

void device_free(struct wgr_device *dev)
{
	size_t i;

	for (i = 0; i < dev->n_peers; i++) {
		free(dev->peers[i].allowed);
		free(dev->peers[i].allowed_spec);
	}
	free(dev->peers);
	free(dev->by_key);
	dev->peers = NULL;
	dev->by_key = NULL;
	dev->n_peers = dev->cap_peers = dev->n_indexed = 0;
}

static int cmp_peer_index(const void *a, const void *b, void *arg)
{
	const struct wgr_peer *peers = arg;

	return memcmp(peers[*(const size_t *)a].key, peers[*(const size_t *)b].key,
		      WGRELAY_KEY_LEN);
}

/* Sorts peer indices by key; NULL only when out of memory. */
static const size_t *index_by_key(const struct wgr_device *cdev)
{
	struct wgr_device *dev = (struct wgr_device *)cdev;	/* a cache, not a change */
	size_t i, *idx;

	if (dev->by_key && dev->n_indexed == dev->n_peers)
		return dev->by_key;
	idx = realloc(dev->by_key, (dev->n_peers + 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (i = 0; i < dev->n_peers; i++)
		idx[i] = i;
	qsort_r(idx, dev->n_peers, sizeof(*idx), cmp_peer_index, dev->peers);
	dev->by_key = idx;
	dev->n_indexed = dev->n_peers;
	return idx;
}

struct wgr_peer *device_find_peer(const struct wgr_device *dev, const uint8_t *key)
{
	const size_t *idx = index_by_key(dev);
	size_t lo = 0, hi = dev->n_peers;

	if (!idx)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(key, dev->peers[idx[mid]].key, WGRELAY_KEY_LEN);

		if (!c)
			return &dev->peers[idx[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *peer_label(const struct wgr_device *dev, const uint8_t *key,
		       char buf[KEY_B64_LEN + 1])
{
	const struct wgr_peer *p = device_find_peer(dev, key);

	if (p && p->name[0])
		return p->name;
	key_to_base64(buf, key);
	return buf;
}

/**
 * device_lookup_peer - the peer a command line names, by name or public key
 * @dev: the device as the kernel reported it
 * @spec: a peer's name, or its public key in base64
 *
 * A name is tried first: a name is never valid base64 of a key, and a key is
 * never a valid name (names are at most 32 characters).
 * Return: the peer, or NULL with last_error() saying why.
 */
struct wgr_peer *device_lookup_peer(const struct wgr_device *dev, const char *spec)
{
	uint8_t key[WGRELAY_KEY_LEN];
	struct wgr_peer *p;
	size_t i;

	for (i = 0; i < dev->n_peers; i++)
		if (dev->peers[i].name[0] && !strcmp(dev->peers[i].name, spec))
			return &dev->peers[i];
	if (key_from_base64(key, spec)) {
		p = device_find_peer(dev, key);
		if (p)
			return p;
		set_error("%s has no peer with public key %s", dev->ifname, spec);
		return NULL;
	}
	if (name_is_valid(spec))
		set_error("%s has no peer named '%s'", dev->ifname, spec);
	else
		set_error("'%.64s' is neither a peer name nor a base64 public key", spec);
	return NULL;
}

/* Does @a's AllowedPeers list @b? An empty list allows everyone. */
bool peer_allows(const struct wgr_peer *a, const struct wgr_peer *b)
{
	size_t i;

	for (i = 0; i < a->n_allowed; i++)
		if (!memcmp(a->allowed[i], b->key, WGRELAY_KEY_LEN))
			return true;
	return !a->n_allowed;
}

/*
 * May @a and @b have a session through the relay? As the module decides it
 * (wgr_peers_may_talk()): both lists must allow the pair.
 */
bool peers_may_talk(const struct wgr_peer *a, const struct wgr_peer *b)
{
	return a != b && peer_allows(a, b) && peer_allows(b, a);
}

/* "FILE:LINE: " for peers from a config file, nothing for the command line. */
static void prefix_peer_location(const struct wgr_device *dev, const struct wgr_peer *p)
{
	if (p && p->line && dev->source)
		prefix_error("%s:%u: ", dev->source, p->line);
	else if (dev->source)
		prefix_error("%s: ", dev->source);
}

static int apply_device(struct wgr_device *dev, enum setting id, const char *value,
			const char *what)
{
	uint32_t v;
	bool b;

	if (id == S_ROAMING || id == S_FAST_PATH) {
		if (parse_bool(value, &b)) {
			set_error("invalid %s '%s': must be on or off", what, value);
			return -EINVAL;
		}
		if (id == S_ROAMING)
			dev->roaming = b;
		else
			dev->fast_path = b;
		dev->set |= settings[id].bit;
		return 0;
	}
	if (parse_u32(value, settings[id].min, settings[id].max, &v)) {
		set_error("invalid %s '%s': must be a number from %u to %u", what, value,
			  settings[id].min, settings[id].max);
		return -EINVAL;
	}
	switch (id) {
	case S_LISTEN_PORT:
		dev->listen_port = (uint16_t)v;
		break;
	case S_SESSION_TIMEOUT:
		dev->session_timeout = v;
		break;
	case S_BINDING_TIMEOUT:
		dev->binding_timeout = v;
		break;
	case S_MAX_SESSIONS:
		dev->max_sessions = v;
		break;
	default:
		dev->fanout = v;
		break;
	}
	dev->set |= settings[id].bit;
	return 0;
}

static int parse_key(uint8_t key[WGRELAY_KEY_LEN], const char *value, const char *what)
{
	if (key_from_base64(key, value))
		return 0;
	set_error("invalid %s '%s': not a base64 public key (44 characters for 32 bytes)",
		  what, value);
	return -EINVAL;
}

/* Name, endpoint or allowed peers; an empty value clears the setting. */
static int apply_peer(struct wgr_peer *p, enum setting id, const char *value, const char *what)
{
	switch (id) {
	case S_NAME:
		if (*value && !name_is_valid(value)) {
			set_error("invalid %s '%s': must be 1-%d characters of A-Z a-z 0-9 . _ -",
				  what, value, WGRELAY_NAME_MAXLEN);
			return -EINVAL;
		}
		strcpy(p->name, value);
		break;
	case S_ENDPOINT:
		memset(&p->endpoint, 0, sizeof(p->endpoint));
		if (*value && endpoint_parse(&p->endpoint, value))
			return -EINVAL;
		break;
	default:
		free(p->allowed_spec);
		p->allowed_spec = strdup(value);
		if (!p->allowed_spec) {
			set_error("%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		break;
	}
	p->set |= settings[id].bit;
	return 0;
}

static int cmp_name_index(const void *a, const void *b, void *arg)
{
	const struct wgr_peer *peers = arg;

	return strcmp(peers[*(const size_t *)a].name, peers[*(const size_t *)b].name);
}

/* Two peers with one key, or one name, in the same file or command. */
static int check_duplicates(const struct wgr_device *dev)
{
	const struct wgr_peer *a, *b;
	char b64[KEY_B64_LEN + 1];
	size_t i, *idx;
	int ret = 0;

	if (dev->n_peers > WGRELAY_MAX_PEERS) {
		set_error("too many peers (%zu, at most %u)", dev->n_peers, WGRELAY_MAX_PEERS);
		prefix_peer_location(dev, NULL);
		return -E2BIG;
	}
	if (!index_by_key(dev))
		return -ENOMEM;
	for (i = 1; i < dev->n_peers; i++) {
		a = &dev->peers[dev->by_key[i - 1]];
		b = &dev->peers[dev->by_key[i]];
		if (a > b) {
			const struct wgr_peer *t = a;

			a = b;
			b = t;
		}
		if (!memcmp(a->key, b->key, WGRELAY_KEY_LEN)) {
			key_to_base64(b64, a->key);
			if (b->line)
				set_error("duplicate peer %s (also at line %u)", b64, a->line);
			else
				set_error("peer %s given twice", b64);
			prefix_peer_location(dev, b);
			return -EINVAL;
		}
	}
	idx = malloc((dev->n_peers + 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < dev->n_peers; i++)
		idx[i] = i;
	qsort_r(idx, dev->n_peers, sizeof(*idx), cmp_name_index, dev->peers);
	for (i = 1; i < dev->n_peers; i++) {
		a = &dev->peers[idx[i - 1]];
		b = &dev->peers[idx[i]];
		if (!a->name[0] || strcmp(a->name, b->name))
			continue;
		if (a > b) {
			const struct wgr_peer *t = a;

			a = b;
			b = t;
		}
		if (b->line)
			set_error("duplicate peer name '%s' (also at line %u)", b->name, a->line);
		else
			set_error("peer name '%s' given twice", b->name);
		prefix_peer_location(dev, b);
		ret = -EINVAL;
		break;
	}
	free(idx);
	return ret;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			   end[-1] == '\v' || end[-1] == '\f'))
		*--end = '\0';
	return s;
}

static int find_setting(const char *key, bool conf)
{
	int i;

	for (i = 0; i < S_COUNT; i++)
		if (conf ? !strcasecmp(key, settings[i].conf) : !strcmp(key, settings[i].arg))
			return i;
	return -1;
}

enum section { SEC_NONE, SEC_RELAY, SEC_PEER };

struct parser {
	struct wgr_device *dev;
	enum section sec;
	unsigned int line, relay_line, seen;
	size_t peer;		/* index of the [Peer] being read */
	bool located;		/* the message already names its file and line */
};

static int end_section(struct parser *ps)
{
	struct wgr_peer *p;

	if (ps->sec != SEC_PEER)
		return 0;
	p = &ps->dev->peers[ps->peer];
	if (!(ps->seen & (1U << S_PUBLIC_KEY))) {
		set_error("[Peer] without a PublicKey");
		prefix_peer_location(ps->dev, p);
		ps->located = true;
		return -EINVAL;
	}
	return 0;
}

static int parse_section(struct parser *ps, const char *text)
{
	struct wgr_peer *p;

	if (end_section(ps))
		return -EINVAL;
	ps->seen = 0;
	if (!strcasecmp(text, "[Relay]")) {
		if (ps->relay_line) {
			set_error("second [Relay] section (the first is at line %u)",
				  ps->relay_line);
			return -EINVAL;
		}
		ps->sec = SEC_RELAY;
		ps->relay_line = ps->line;
		return 0;
	}
	if (!strcasecmp(text, "[Peer]")) {
		p = device_add_peer(ps->dev);
		if (!p)
			return -ENOMEM;
		p->line = ps->line;
		ps->peer = ps->dev->n_peers - 1;
		ps->sec = SEC_PEER;
		return 0;
	}
	set_error("unknown section '%s' (expected [Relay] or [Peer])", text);
	return -EINVAL;
}

static int parse_line(struct parser *ps, char *text)
{
	char *eq = strchr(text, '='), *key, *value;
	struct wgr_peer *p;
	int id;

	if (!eq) {
		set_error("expected 'Key = Value' or a [Section], got '%s'", text);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	id = find_setting(key, true);
	if (id < 0) {
		set_error("unknown key '%s'", key);
		return -EINVAL;
	}
	if (ps->sec == SEC_NONE) {
		set_error("'%s' before any [Relay] or [Peer] section", key);
		return -EINVAL;
	}
	if ((ps->sec == SEC_PEER) != (id >= S_FIRST_PEER)) {
		set_error("'%s' does not belong in a [%s] section", key,
			  ps->sec == SEC_PEER ? "Peer" : "Relay");
		return -EINVAL;
	}
	if (ps->seen & (1U << id)) {
		set_error("duplicate '%s' in this section", key);
		return -EINVAL;
	}
	ps->seen |= 1U << id;
	if (!*value) {
		set_error("'%s' has no value", key);
		return -EINVAL;
	}
	if (ps->sec == SEC_RELAY)
		return apply_device(ps->dev, id, value, key);
	p = &ps->dev->peers[ps->peer];
	if (id == S_PUBLIC_KEY)
		return parse_key(p->key, value, key);
	return apply_peer(p, id, value, key);
}

/**
 * config_parse - read a wg-style config held in memory into @dev
 * Return: 0, or a negative errno with last_error() naming FILE:LINE and the text.
 */
int config_parse(struct wgr_device *dev, const char *data, size_t len, const char *file)
{
	struct parser ps = { .dev = dev, .sec = SEC_NONE };
	size_t pos = 0, llen;
	char *buf, *text;
	int ret = 0;

	dev->source = file;
	buf = malloc(CONFIG_MAX_LINE + 1);
	if (!buf) {
		set_error("%s: %s", file, strerror(ENOMEM));
		return -ENOMEM;
	}
	while (pos < len && !ret) {
		const char *nl = memchr(data + pos, '\n', len - pos);

		llen = nl ? (size_t)(nl - (data + pos)) : len - pos;
		ps.line++;
		if (llen > CONFIG_MAX_LINE) {
			set_error("line is longer than %d bytes", CONFIG_MAX_LINE);
			ret = -EINVAL;
			break;
		}
		memcpy(buf, data + pos, llen);
		buf[llen] = '\0';
		pos += llen + (nl ? 1 : 0);
		if (memchr(buf, '\0', llen)) {
			set_error("NUL byte in line");
			ret = -EINVAL;
			break;
		}
		if (!utf8_is_valid(buf, llen)) {
			set_error("line is not valid UTF-8");
			ret = -EINVAL;
			break;
		}
		text = strchr(buf, '#');
		if (text)
			*text = '\0';
		text = trim(buf);
		if (!*text)
			continue;
		ret = *text == '[' ? parse_section(&ps, text) : parse_line(&ps, text);
	}
	free(buf);
	if (ret) {
		if (!ps.located)
			prefix_error("%s:%u: ", file, ps.line);
		return ret;
	}
	ret = end_section(&ps);
	return ret ? ret : check_duplicates(dev);
}

int config_read_file(struct wgr_device *dev, const char *path)
{
	char *data;
	size_t len;
	int ret;

	ret = read_whole_file(path, CONFIG_MAX_SIZE, &data, &len);
	if (ret)
		return ret;
	ret = config_parse(dev, data, len, path);
	free(data);
	return ret;
}

/**
 * set_args_parse - parse the arguments of `relayctl set DEV` that follow DEV
 * Return: 0, or a negative errno with last_error() naming the argument.
 */
int set_args_parse(struct wgr_device *dev, int argc, char *argv[])
{
	struct wgr_peer *p = NULL;
	int i, id;

	for (i = 0; i < argc; i++) {
		const char *kw = argv[i];

		if (!strcmp(kw, "replace-peers")) {
			if (p) {
				set_error("'%s' must come before the first peer", kw);
				return -EINVAL;
			}
			dev->replace_peers = true;
			continue;
		}
		if (!strcmp(kw, "remove")) {
			if (!p) {
				set_error("'%s' must follow 'peer PUBKEY'", kw);
				return -EINVAL;
			}
			p->remove = true;
			continue;
		}
		id = find_setting(kw, false);
		if (id < 0) {
			set_error("unknown keyword '%s'", kw);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			set_error("'%s' needs a value", kw);
			return -EINVAL;
		}
		if (id == S_PUBLIC_KEY) {
			uint8_t key[WGRELAY_KEY_LEN];

			if (parse_key(key, argv[i + 1], "public key"))
				return -EINVAL;
			p = device_add_peer(dev);
			if (!p)
				return -ENOMEM;
			memcpy(p->key, key, sizeof(key));
		} else if (id < S_FIRST_PEER) {
			if (p) {
				set_error("'%s' must come before the first peer", kw);
				return -EINVAL;
			}
			if (apply_device(dev, id, argv[i + 1], kw))
				return -EINVAL;
		} else {
			if (!p) {
				set_error("'%s' must follow 'peer PUBKEY'", kw);
				return -EINVAL;
			}
			if (apply_peer(p, id, argv[i + 1], kw))
				return -EINVAL;
		}
		i++;
	}
	return check_duplicates(dev);
}

struct name_ent {
	const char *name;
	const uint8_t *key;
};

static int cmp_name_ent(const void *a, const void *b)
{
	return strcmp(((const struct name_ent *)a)->name, ((const struct name_ent *)b)->name);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, WGRELAY_KEY_LEN);
}

/*
 * The names every peer will have once @dev is applied over @existing: names given
 * in @dev win, peers it removes or replaces drop out.
 */
static struct name_ent *final_names(const struct wgr_device *dev,
				    const struct wgr_device *existing, size_t *count)
{
	size_t i, n = 0, max = dev->n_peers + (existing ? existing->n_peers : 0);
	struct name_ent *names = malloc((max + 1) * sizeof(*names));
	const struct wgr_peer *p, *q;
	char b64[KEY_B64_LEN + 1];

	if (!names) {
		set_error("%s", strerror(ENOMEM));
		return NULL;
	}
	for (i = 0; i < dev->n_peers; i++) {
		p = &dev->peers[i];
		if (!p->remove && p->name[0])
			names[n++] = (struct name_ent){ p->name, p->key };
	}
	for (i = 0; existing && !dev->replace_peers && i < existing->n_peers; i++) {
		p = &existing->peers[i];
		q = device_find_peer(dev, p->key);
		if (p->name[0] && (!q || (!q->remove && !(q->set & PEER_HAS_NAME))))
			names[n++] = (struct name_ent){ p->name, p->key };
	}
	qsort(names, n, sizeof(*names), cmp_name_ent);
	for (i = 1; i < n; i++) {
		if (strcmp(names[i - 1].name, names[i].name))
			continue;
		key_to_base64(b64, names[i - 1].key);
		set_error("name '%s' would belong to two peers (one is %s)", names[i].name, b64);
		free(names);
		return NULL;
	}
	*count = n;
	return names;
}

static void describe_peer(char *buf, size_t len, const struct wgr_peer *p)
{
	char b64[KEY_B64_LEN + 1];

	key_to_base64(b64, p->key);
	snprintf(buf, len, "%s", p->name[0] ? p->name : b64);
}

static int resolve_peer(const struct wgr_device *dev, struct wgr_peer *p,
			const struct name_ent *names, size_t n_names)
{
	char *spec = p->allowed_spec, *tok, *save = NULL, who[KEY_B64_LEN + 1];
	size_t n = 0, i, cap = 1;

	for (i = 0; spec[i]; i++)
		cap += spec[i] == ',';
	free(p->allowed);
	p->allowed = NULL;
	p->n_allowed = 0;
	describe_peer(who, sizeof(who), p);
	if (!*trim(spec))
		goto out;
	if (cap > WGRELAY_MAX_ALLOWED_PEERS) {
		set_error("peer %s: more than %d allowed peers", who, WGRELAY_MAX_ALLOWED_PEERS);
		goto err;
	}
	p->allowed = malloc(cap * WGRELAY_KEY_LEN);
	if (!p->allowed) {
		set_error("%s", strerror(ENOMEM));
		goto err;
	}
	/* strtok_r would skip empty entries; "a,,b" is a typo worth reporting. */
	for (tok = spec; tok; tok = save) {
		struct name_ent want, *hit;

		save = strchr(tok, ',');
		if (save)
			*save++ = '\0';
		tok = trim(tok);
		if (!*tok) {
			set_error("peer %s: empty entry in allowed peers", who);
			goto err;
		}
		if (key_from_base64(p->allowed[n], tok)) {
			n++;
			continue;
		}
		if (!name_is_valid(tok)) {
			set_error("peer %s: allowed peer '%s' is neither a name nor a base64 key",
				  who, tok);
			goto err;
		}
		want.name = tok;
		hit = bsearch(&want, names, n_names, sizeof(*names), cmp_name_ent);
		if (!hit) {
			set_error("peer %s: unknown peer '%s' in allowed peers", who, tok);
			goto err;
		}
		memcpy(p->allowed[n++], hit->key, WGRELAY_KEY_LEN);
	}
	{
		uint8_t (*sorted)[WGRELAY_KEY_LEN] = malloc(n * WGRELAY_KEY_LEN + 1);

		if (!sorted) {
			set_error("%s", strerror(ENOMEM));
			goto err;
		}
		memcpy(sorted, p->allowed, n * WGRELAY_KEY_LEN);
		qsort(sorted, n, WGRELAY_KEY_LEN, cmp_key);
		for (i = 1; i < n; i++) {
			if (!memcmp(sorted[i - 1], sorted[i], WGRELAY_KEY_LEN)) {
				char b64[KEY_B64_LEN + 1];

				key_to_base64(b64, sorted[i]);
				set_error("peer %s: allowed peer %s listed twice", who, b64);
				free(sorted);
				goto err;
			}
		}
		free(sorted);
	}
out:
	p->n_allowed = n;
	free(p->allowed_spec);
	p->allowed_spec = NULL;
	return 0;
err:
	prefix_peer_location(dev, p);
	return -EINVAL;
}

/**
 * resolve_allowed - turn every peer's allowed-peers text into public keys
 * @dev: the configuration to apply
 * @existing: the device as it is now, or NULL; its peers' names count too
 *
 * Also refuses a configuration that would leave two peers with one name.
 * Return: 0 or a negative errno with last_error() set.
 */
int resolve_allowed(struct wgr_device *dev, const struct wgr_device *existing)
{
	struct name_ent *names;
	size_t i, n_names;
	int ret = 0;

	names = final_names(dev, existing, &n_names);
	if (!names)
		return -EINVAL;
	for (i = 0; i < dev->n_peers && !ret; i++)
		if (dev->peers[i].allowed_spec)
			ret = resolve_peer(dev, &dev->peers[i], names, n_names);
	free(names);
	return ret;
}

/* setconf and syncconf describe the whole device: what the file omits is default. */
void config_set_defaults(struct wgr_device *dev)
{
	if (!(dev->set & DEV_HAS_LISTEN_PORT))
		dev->listen_port = WGRELAY_DEFAULT_PORT;
	if (!(dev->set & DEV_HAS_SESSION_TIMEOUT))
		dev->session_timeout = WGRELAY_DEFAULT_SESSION_TIMEOUT;
	if (!(dev->set & DEV_HAS_BINDING_TIMEOUT))
		dev->binding_timeout = WGRELAY_DEFAULT_BINDING_TIMEOUT;
	if (!(dev->set & DEV_HAS_MAX_SESSIONS))
		dev->max_sessions = WGRELAY_DEFAULT_MAX_SESSIONS;
	if (!(dev->set & DEV_HAS_FANOUT))
		dev->fanout = WGRELAY_DEFAULT_FANOUT;
	if (!(dev->set & DEV_HAS_ROAMING))
		dev->roaming = true;
	if (!(dev->set & DEV_HAS_FAST_PATH))
		dev->fast_path = true;
	dev->set = DEV_HAS_ALL;
}

static bool same_allowed(const struct wgr_peer *a, const struct wgr_peer *b)
{
	uint8_t (*x)[WGRELAY_KEY_LEN], (*y)[WGRELAY_KEY_LEN];
	size_t n = a->n_allowed;
	bool same;

	if (n != b->n_allowed)
		return false;
	if (!n)
		return true;
	x = malloc(2 * n * WGRELAY_KEY_LEN);
	if (!x)
		return false;
	y = x + n;
	memcpy(x, a->allowed, n * WGRELAY_KEY_LEN);
	memcpy(y, b->allowed, n * WGRELAY_KEY_LEN);
	qsort(x, n, WGRELAY_KEY_LEN, cmp_key);
	qsort(y, n, WGRELAY_KEY_LEN, cmp_key);
	same = !memcmp(x, y, n * WGRELAY_KEY_LEN);
	free(x);
	return same;
}

/**
 * config_sync - turn a resolved config into the changes that make @existing equal it
 *
 * Peers only on the device get the remove flag; peers in both are left out when
 * nothing differs (so their bindings and sessions are not disturbed), otherwise
 * every setting the file omits is cleared; settings that already match are dropped.
 */
void config_sync(struct wgr_device *conf, const struct wgr_device *existing)
{
	size_t i, n = conf->n_peers;
	struct wgr_peer *c;

	if (conf->listen_port == existing->listen_port)
		conf->set &= ~DEV_HAS_LISTEN_PORT;
	if (conf->session_timeout == existing->session_timeout)
		conf->set &= ~DEV_HAS_SESSION_TIMEOUT;
	if (conf->binding_timeout == existing->binding_timeout)
		conf->set &= ~DEV_HAS_BINDING_TIMEOUT;
	if (conf->max_sessions == existing->max_sessions)
		conf->set &= ~DEV_HAS_MAX_SESSIONS;
	if (conf->fanout == existing->fanout)
		conf->set &= ~DEV_HAS_FANOUT;
	if (conf->roaming == existing->roaming)
		conf->set &= ~DEV_HAS_ROAMING;
	if (conf->fast_path == existing->fast_path)
		conf->set &= ~DEV_HAS_FAST_PATH;

	for (i = 0; i < n; i++) {
		const struct wgr_peer *e;

		c = &conf->peers[i];
		e = device_find_peer(existing, c->key);
		if (!e)
			continue;
		c->set |= PEER_HAS_NAME | PEER_HAS_ENDPOINT | PEER_HAS_ALLOWED;
		c->unchanged = !strcmp(c->name, e->name) &&
			       endpoint_equal(&c->endpoint, &e->endpoint) && same_allowed(c, e);
	}
	/* Collect first: appending invalidates conf's key index. */
	{
		size_t n_gone = 0, *gone = malloc((existing->n_peers + 1) * sizeof(*gone));

		if (!gone)
			return;
		for (i = 0; i < existing->n_peers; i++)
			if (!device_find_peer(conf, existing->peers[i].key))
				gone[n_gone++] = i;
		for (i = 0; i < n_gone; i++) {
			c = device_add_peer(conf);
			if (!c)
				break;
			memcpy(c->key, existing->peers[gone[i]].key, WGRELAY_KEY_LEN);
			c->remove = true;
		}
		free(gone);
	}
}

static void print_allowed(FILE *f, const struct wgr_device *dev, const struct wgr_peer *p)
{
	uint8_t (*sorted)[WGRELAY_KEY_LEN] = malloc(p->n_allowed * WGRELAY_KEY_LEN + 1);
	char b64[KEY_B64_LEN + 1];
	size_t i;

	if (!sorted)
		return;
	memcpy(sorted, p->allowed, p->n_allowed * WGRELAY_KEY_LEN);
	qsort(sorted, p->n_allowed, WGRELAY_KEY_LEN, cmp_key);
	fputs("AllowedPeers = ", f);
	for (i = 0; i < p->n_allowed; i++)
		fprintf(f, "%s%s", i ? ", " : "", peer_label(dev, sorted[i], b64));
	fputc('\n', f);
	free(sorted);
}

/**
 * config_print - the canonical text of @dev, which config_parse() reads back
 *
 * [Relay] holds every setting that is set, in a fixed order; peers follow sorted
 * by public key, each with the settings it has; allowed peers are sorted by key
 * and written by name where the peer has one. The same device always prints the
 * same bytes, whatever order the kernel reports peers in.
 * Return: 0, or -EIO if writing failed.
 */
int config_print(FILE *f, const struct wgr_device *dev)
{
	char b64[KEY_B64_LEN + 1], ep[ENDPOINT_STRLEN];
	const size_t *idx = index_by_key(dev);
	bool first = true;
	size_t i;

	if (!idx)
		return -ENOMEM;
	if (dev->set) {
		fputs("[Relay]\n", f);
		if (dev->set & DEV_HAS_LISTEN_PORT)
			fprintf(f, "ListenPort = %u\n", dev->listen_port);
		if (dev->set & DEV_HAS_SESSION_TIMEOUT)
			fprintf(f, "SessionTimeout = %u\n", dev->session_timeout);
		if (dev->set & DEV_HAS_BINDING_TIMEOUT)
			fprintf(f, "BindingTimeout = %u\n", dev->binding_timeout);
		if (dev->set & DEV_HAS_MAX_SESSIONS)
			fprintf(f, "MaxSessions = %u\n", dev->max_sessions);
		if (dev->set & DEV_HAS_FANOUT)
			fprintf(f, "DiscoveryFanout = %u\n", dev->fanout);
		if (dev->set & DEV_HAS_ROAMING)
			fprintf(f, "Roaming = %s\n", dev->roaming ? "on" : "off");
		if (dev->set & DEV_HAS_FAST_PATH)
			fprintf(f, "FastPath = %s\n", dev->fast_path ? "on" : "off");
		first = false;
	}
	for (i = 0; i < dev->n_peers; i++) {
		const struct wgr_peer *p = &dev->peers[idx[i]];

		if (p->remove)
			continue;
		key_to_base64(b64, p->key);
		fprintf(f, "%s[Peer]\nPublicKey = %s\n", first ? "" : "\n", b64);
		first = false;
		if (p->name[0])
			fprintf(f, "Name = %s\n", p->name);
		if (p->endpoint.sa.sa_family != AF_UNSPEC) {
			endpoint_format(ep, sizeof(ep), &p->endpoint);
			fprintf(f, "Endpoint = %s\n", ep);
		}
		if (p->n_allowed)
			print_allowed(f, dev, p);
	}
	return ferror(f) ? -EIO : 0;
}
