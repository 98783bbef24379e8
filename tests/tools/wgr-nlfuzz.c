// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-nlfuzz: malformed generic-netlink requests to the "wgrelay" family, for the
 * lab only. Raw sockets, no netlink library: a library would refuse to build
 * most of what is sent here.
 *
 *   wgr-nlfuzz [-u] [-n COUNT] [-s SEED] [-v] DEV...
 *
 * Sends COUNT (default 10000) netlink messages, built from the uapi header's
 * commands and attributes and then broken: every command and flag, wrong
 * attribute types and lengths, missing, repeated and unknown attributes, deep and
 * empty nests, huge peer lists up to the largest message the socket takes,
 * truncated headers, bad family ids and versions, several messages in one
 * datagram, and random bit flips, truncation and extension of the result. DEV...
 * are the wgrelay devices of the current network namespace the requests name
 * (besides lo, missing and made-up devices): only these, and only in this
 * namespace, can change.
 *
 * Every message is classified the way the kernel will treat it, from its final
 * bytes: not processed (no NLM_F_REQUEST, a control type, or a length that
 * ends the datagram's parsing), refused by the netlink core before the family
 * sees it (unknown family id: ENOENT; a short genetlink header: EINVAL; an
 * unknown command, or the multicast-only event: EOPNOTSUPP; a second dump while one runs: EBUSY), or handed to
 * the family. Pass, as root: every rejection by the family carries an extended
 * ACK message (NLMSGERR_ATTR_MSG), and the core's refusals have the errno above
 * or a message of their own (the core checks the reserved bits of nlmsg_flags
 * and genlmsghdr first, and says so). With -u (run from an unprivileged user
 * namespace, or as a user without CAP_NET_ADMIN): everything the family would
 * see is refused with EPERM (or by those header checks), and nothing succeeds. Prints what it sent and what came back, the family's
 * messages by count, and the first failures in full; exits 1 on any failure.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wgrelay.h>

#define MAX_DEVS	8
#define MAX_BATCH	4
#define RECV_SIZE	(4 << 20)
#define KEY_POOL	48
#define MAX_FAMILIES	256
#define MAX_MSGS	160	/* distinct extack messages kept for the summary */
#define MAX_SHOWN	10	/* failures printed in full */

#ifndef NLM_F_DUMP_FILTERED
#define NLM_F_DUMP_FILTERED 0x20
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* How the kernel will treat one message of a datagram. */
enum class {
	C_NONE,		/* not processed: only NLM_F_ACK gets an answer (0) */
	C_CORE,		/* refused by netlink/genetlink before the family */
	C_FAMILY,	/* reaches the family (its policies and handlers) */
};

struct expect {
	enum class cls;
	int core_err;		/* C_CORE: the errno */
	bool dump;		/* C_FAMILY: a dump request */
	bool ebusy_ok;		/* a dump after another in the same datagram */
	bool ack;		/* NLM_F_ACK was set */
	bool done;		/* its answer is complete */
	bool answered;
	uint8_t cmd;
	size_t off, len;	/* where it is in the datagram */
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static int fd;
static uint16_t family;
static uint16_t other_families[MAX_FAMILIES];
static int n_other;
static bool unpriv, verbose;
static uint64_t rng;
static size_t max_msg;		/* the largest datagram the socket takes */
static uint8_t keys[KEY_POOL][WGRELAY_KEY_LEN];
static uint32_t huge_serial;

static struct {
	const char *name;
	unsigned int ifindex;
} devs[MAX_DEVS];
static int n_devs;

static struct {
	unsigned long messages, datagrams, too_big, too_short, none, core, accepted, rejected;
	unsigned long eperm, huge, failures;
	unsigned long per_cmd[WGRELAY_CMD_MAX + 2];
} st;

static struct {
	char text[160];
	int err;
	unsigned long count;
} msgs[MAX_MSGS];
static int n_msgs;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from -s */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }
static bool chance(unsigned int percent) { return below(100) < percent; }

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("wgr-nlfuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Message building */

static void reserve(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	b->cap = (b->len + n) * 2;
	b->p = realloc(b->p, b->cap);
	if (!b->p)
		die("out of memory");
}

static void put(struct buf *b, const void *data, size_t n)
{
	reserve(b, n);
	if (data)
		memcpy(b->p + b->len, data, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void pad(struct buf *b)
{
	static const uint8_t zero[4];

	put(b, zero, NLA_ALIGN(b->len) - b->len);
}

/* An attribute of @n bytes; nla_len is what a u16 makes of it. */
static void attr(struct buf *b, uint16_t type, const void *data, size_t n)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type };

	pad(b);
	put(b, &nla, sizeof(nla));
	put(b, data, n);
	pad(b);
}

static size_t nest_start(struct buf *b, uint16_t type)
{
	struct nlattr nla = { .nla_type = type };
	size_t off;

	pad(b);
	off = b->len;
	put(b, &nla, sizeof(nla));
	return off;
}

/* The length wraps past 64 KiB, as a careless client's would. */
static void nest_end(struct buf *b, size_t off)
{
	uint16_t len = (uint16_t)(b->len - off);

	memcpy(b->p + off, &len, sizeof(len));
}

static void random_bytes(void *p, size_t n)
{
	uint8_t *q = p;

	while (n--)
		*q++ = rnd();
}

static uint16_t nla_flags(void)
{
	/* NLA_F_NESTED / NLA_F_NET_BYTEORDER on the wrong attributes now and then */
	return chance(5) ? (uint16_t)(below(4) << 14) : 0;
}

/* Values around the edges of a u32 field whose limit is @max. */
static uint32_t edge_u32(uint32_t max)
{
	switch (below(10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return max;
	case 3: return max + 1;
	case 4: return max - 1;
	case 5: return 0xffffffff;
	case 6: return 0x80000000;
	case 7: return (uint32_t)rnd();
	default: return 1 + below(max ? max : 1);
	}
}

/* An integer attribute, mostly of its own width, sometimes of another. */
static void int_attr(struct buf *b, uint16_t type, size_t width, uint64_t v)
{
	static const size_t odd[] = { 0, 1, 2, 3, 4, 5, 8, 16 };
	size_t n = chance(90) ? width : odd[below(8)];
	uint8_t data[16] = { 0 };

	memcpy(data, &v, width < 8 ? width : 8);
	if (n > width)
		random_bytes(data + width, n - width);
	attr(b, type | nla_flags(), data, n);
}

/* Any of the family's attributes with random content: wrong types, wrong lengths. */
static void soup(struct buf *b, unsigned int depth, unsigned int n)
{
	uint8_t data[96];
	size_t off;

	while (n--) {
		uint16_t type = below(4) ? below(WGRELAY_A_MAX + 4) : (uint16_t)rnd();

		if (depth && chance(25)) {
			off = nest_start(b, type | (chance(50) ? NLA_F_NESTED : 0));
			soup(b, depth - 1, below(4));
			nest_end(b, off);
		} else {
			size_t len = below(sizeof(data));

			random_bytes(data, len);
			attr(b, type, data, len);
		}
	}
}

/* A chain of @depth nests, each the only attribute of the one above. */
static void deep(struct buf *b, uint16_t type, unsigned int depth)
{
	size_t off = nest_start(b, type | NLA_F_NESTED);

	if (depth)
		deep(b, chance(80) ? 0 : below(WGRELAY_PEER_A_MAX + 2), depth - 1);
	nest_end(b, off);
}

static const uint8_t *pick_key(void)
{
	static uint8_t k[WGRELAY_KEY_LEN];

	if (chance(90))
		return keys[below(KEY_POOL)];
	if (chance(50))
		memset(k, 0, sizeof(k));
	else
		random_bytes(k, sizeof(k));
	return k;
}

static void key_attr(struct buf *b, uint16_t type)
{
	uint8_t k[WGRELAY_KEY_LEN + 8];

	memcpy(k, pick_key(), WGRELAY_KEY_LEN);
	if (chance(92)) {
		attr(b, type, k, WGRELAY_KEY_LEN);
	} else {
		random_bytes(k + WGRELAY_KEY_LEN, 8);
		attr(b, type | nla_flags(), k, below(sizeof(k) + 1));
	}
}

static void name_attr(struct buf *b, uint16_t type)
{
	static const char *const names[] = {
		"home", "laptop", "phone", "a", "b.c", "x-y_z", "",
		"0123456789abcdef0123456789abcdef",		/* 32: the longest */
		"0123456789abcdef0123456789abcdefg",		/* 33 */
		"sp ace", "sl/ash", "\xff\xfe", "dup", "dup",
	};
	char s[64];
	size_t len;

	switch (below(8)) {
	case 0:		/* no NUL at the end */
		len = 1 + below(40);
		memset(s, 'n', len);
		attr(b, type, s, len);
		return;
	case 1:		/* a NUL inside */
		attr(b, type, "ab\0cd", 6);
		return;
	case 2:		/* random bytes */
		len = below(sizeof(s));
		random_bytes(s, len);
		attr(b, type, s, len);
		return;
	default:
		snprintf(s, sizeof(s), "%s", names[below(sizeof(names) / sizeof(names[0]))]);
		if (chance(30))
			snprintf(s, sizeof(s), "p%u", below(64));
		attr(b, type, s, strlen(s) + 1);
	}
}

static void endpoint_attr(struct buf *b, uint16_t type)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t raw[40];

	sin.sin_port = htons(chance(90) ? 1 + below(65535) : 0);
	sin6.sin6_port = sin.sin_port;
	switch (below(10)) {
	case 0: sin.sin_addr.s_addr = 0; break;
	case 1: sin.sin_addr.s_addr = htonl(0xe0000001); break;	/* multicast */
	case 2: sin.sin_addr.s_addr = htonl(0xffffffff); break;
	default: sin.sin_addr.s_addr = htonl(0xc6336400 | below(256)); break;
	}
	switch (below(6)) {
	case 0: break;						/* :: */
	case 1: inet_pton(AF_INET6, "::ffff:198.51.100.7", &sin6.sin6_addr); break;
	case 2: inet_pton(AF_INET6, "ff02::1", &sin6.sin6_addr); break;
	default: inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
		 sin6.sin6_addr.s6_addr[15] = below(256);
	}
	switch (below(12)) {
	case 0:
		attr(b, type, NULL, 0);		/* clears */
		return;
	case 1:				/* the other family's tag */
		sin.sin_family = AF_INET6;
		attr(b, type, &sin, sizeof(sin));
		return;
	case 2:
		sin6.sin6_family = below(2) ? AF_INET : (uint16_t)rnd();
		attr(b, type, &sin6, sizeof(sin6));
		return;
	case 3:
		random_bytes(raw, sizeof(raw));
		memcpy(raw, &sin, 2);
		attr(b, type | nla_flags(), raw, below(sizeof(raw) + 1));
		return;
	case 4: case 5: case 6:
		attr(b, type, &sin6, sizeof(sin6));
		return;
	default:
		attr(b, type, &sin, sizeof(sin));
	}
}

static void allowed_attr(struct buf *b, uint16_t type)
{
	unsigned int n, i;
	struct buf k = { 0 };

	switch (below(8)) {
	case 0: n = 0; break;
	case 1: n = WGRELAY_MAX_ALLOWED_PEERS; break;
	case 2: n = WGRELAY_MAX_ALLOWED_PEERS + 1; break;
	default: n = 1 + below(6);
	}
	for (i = 0; i < n; i++)
		put(&k, pick_key(), WGRELAY_KEY_LEN);
	/* not a whole number of keys */
	attr(b, type, k.p, chance(10) && k.len ? k.len - 1 - below(31) : k.len);
	free(k.p);
}

static void local_attr(struct buf *b, uint16_t type)
{
	static const size_t lens[] = { 4, 4, 16, 16, 0, 3, 5, 17 };
	uint8_t a[17] = { 198, 51, 100, 1 };

	attr(b, type, a, lens[below(8)]);
}

/* One entry of WGRELAY_A_PEERS for SET_DEVICE, or for RESTORE if @restore. */
static void peer_entry(struct buf *b, bool restore)
{
	size_t off = nest_start(b, chance(90) ? NLA_F_NESTED : (uint16_t)rnd());
	unsigned int n = below(5), i;

	if (chance(92))
		key_attr(b, WGRELAY_PEER_A_PUBLIC_KEY);
	for (i = 0; i < n; i++) {
		switch (below(restore ? 6 : 9)) {
		case 0:
			if (restore)
				endpoint_attr(b, WGRELAY_PEER_A_BINDING_ENDPOINT);
			else
				name_attr(b, WGRELAY_PEER_A_NAME);
			break;
		case 1:
			if (restore)
				local_attr(b, WGRELAY_PEER_A_BINDING_LOCAL);
			else
				endpoint_attr(b, WGRELAY_PEER_A_ENDPOINT);
			break;
		case 2:
			if (restore)
				int_attr(b, WGRELAY_PEER_A_LAST_SEEN, 8,
					 chance(50) ? (uint64_t)time(NULL) - below(400) : rnd());
			else
				allowed_attr(b, WGRELAY_PEER_A_ALLOWED_PEERS);
			break;
		case 3:		/* a repeated key */
			key_attr(b, WGRELAY_PEER_A_PUBLIC_KEY);
			break;
		case 4:		/* read-only and unknown attributes */
			int_attr(b, WGRELAY_PEER_A_BINDING_STATE + below(WGRELAY_PEER_A_MAX + 3 -
								     WGRELAY_PEER_A_BINDING_STATE),
				 below(2) ? 1 : 8, rnd());
			break;
		case 5:
			if (chance(50))
				deep(b, below(WGRELAY_PEER_A_MAX + 1), below(40));
			else
				soup(b, 2, 1 + below(3));
			break;
		default:
			if (restore)
				endpoint_attr(b, WGRELAY_PEER_A_BINDING_ENDPOINT);
			else
				int_attr(b, WGRELAY_PEER_A_FLAGS, 4,
					 chance(70) ? WGRELAY_PEER_F_REMOVE : edge_u32(1));
		}
	}
	nest_end(b, off);
}

static void half(struct buf *b, uint16_t type)
{
	size_t off = nest_start(b, type | (chance(95) ? NLA_F_NESTED : 0));

	if (chance(90))
		int_attr(b, WGRELAY_SESSION_A_RECEIVER_INDEX, 4, rnd());
	if (chance(90))
		key_attr(b, WGRELAY_SESSION_A_OWNER);
	if (chance(90))
		endpoint_attr(b, WGRELAY_SESSION_A_ENDPOINT);
	if (chance(50))
		int_attr(b, WGRELAY_SESSION_A_COUNTER, 8, rnd());
	if (chance(30))
		local_attr(b, WGRELAY_SESSION_A_LOCAL);
	if (chance(10))	/* read-only ones */
		int_attr(b, WGRELAY_SESSION_A_CONFIRMED + below(WGRELAY_SESSION_A_MAX),
			 1 << below(4), rnd());
	nest_end(b, off);
}

static void pair_entry(struct buf *b)
{
	size_t off = nest_start(b, NLA_F_NESTED);

	if (chance(90))
		half(b, WGRELAY_PAIR_A_INITIATOR);
	if (chance(90))
		half(b, WGRELAY_PAIR_A_RESPONDER);
	if (chance(5))
		half(b, WGRELAY_PAIR_A_RESPONDER);
	if (chance(60))
		int_attr(b, WGRELAY_PAIR_A_LAST_SEEN, 8,
			 chance(70) ? (uint64_t)time(NULL) - below(400) : rnd());
	if (chance(30))
		int_attr(b, WGRELAY_PAIR_A_LEAKED, 1, below(3));
	if (chance(5))
		soup(b, 1, 1);
	nest_end(b, off);
}

/* WGRELAY_A_IFINDEX and/or WGRELAY_A_IFNAME, right or wrong. */
static void lookup(struct buf *b)
{
	int d = below(n_devs), other = below(n_devs);
	uint32_t idx;

	switch (below(20)) {
	case 0:
		return;						/* neither */
	case 1:
		int_attr(b, WGRELAY_A_IFINDEX, 4, 1);		/* lo */
		return;
	case 2:
		int_attr(b, WGRELAY_A_IFINDEX, 4, edge_u32(devs[d].ifindex));
		return;
	case 3:
		attr(b, WGRELAY_A_IFNAME, "lo", 3);
		return;
	case 4:							/* no NUL */
		attr(b, WGRELAY_A_IFNAME, devs[d].name, strlen(devs[d].name));
		return;
	case 5:
		attr(b, WGRELAY_A_IFNAME, "0123456789abcdefghij", 21);
		return;
	case 6:
		attr(b, WGRELAY_A_IFNAME, "", chance(50));
		return;
	case 7:							/* index and name differ */
		int_attr(b, WGRELAY_A_IFINDEX, 4, devs[d].ifindex);
		attr(b, WGRELAY_A_IFNAME, devs[other].name, strlen(devs[other].name) + 1);
		return;
	case 8:							/* repeated: the last counts */
		int_attr(b, WGRELAY_A_IFINDEX, 4, devs[other].ifindex);
		int_attr(b, WGRELAY_A_IFINDEX, 4, devs[d].ifindex);
		return;
	case 9:
		attr(b, WGRELAY_A_IFNAME, devs[d].name, strlen(devs[d].name) + 1);
		return;
	case 10:
		attr(b, WGRELAY_A_IFNAME, "nosuchdev", 10);
		return;
	default:
		idx = devs[d].ifindex;
		int_attr(b, WGRELAY_A_IFINDEX, 4, idx);
		if (chance(20))
			attr(b, WGRELAY_A_IFNAME, devs[d].name, strlen(devs[d].name) + 1);
	}
}

static void set_attrs(struct buf *b)
{
	unsigned int i, n;
	size_t off;

	if (chance(40))
		int_attr(b, WGRELAY_A_LISTEN_PORT, 2,
			 chance(80) ? 51820 + below(4) : edge_u32(65535));
	if (chance(25))
		int_attr(b, WGRELAY_A_SESSION_TIMEOUT, 4, edge_u32(WGRELAY_MAX_TIMEOUT));
	if (chance(25))
		int_attr(b, WGRELAY_A_BINDING_TIMEOUT, 4, edge_u32(WGRELAY_MAX_TIMEOUT));
	if (chance(25))
		int_attr(b, WGRELAY_A_MAX_SESSIONS, 4, edge_u32(WGRELAY_MAX_SESSIONS_LIMIT));
	if (chance(25))
		int_attr(b, WGRELAY_A_DISCOVERY_FANOUT, 4, edge_u32(WGRELAY_MAX_FANOUT));
	if (chance(25))
		int_attr(b, WGRELAY_A_ROAMING, 1, below(3));
	if (chance(20))
		int_attr(b, WGRELAY_A_FLAGS, 4, chance(70) ? WGRELAY_F_REPLACE_PEERS : edge_u32(1));
	if (chance(70)) {
		n = chance(10) ? 0 : 1 + below(chance(80) ? 4 : 40);
		off = nest_start(b, WGRELAY_A_PEERS | (chance(95) ? NLA_F_NESTED : 0));
		for (i = 0; i < n; i++)
			peer_entry(b, false);
		if (chance(3))		/* an entry too short to be an attribute */
			put(b, "\x02\x00", 2);
		nest_end(b, off);
	}
	if (chance(5))
		int_attr(b, WGRELAY_A_STATS + below(WGRELAY_A_MAX - WGRELAY_A_STATS + 3), 4, rnd());
}

static void restore_attrs(struct buf *b)
{
	unsigned int i, n;
	size_t off;

	if (chance(70)) {
		n = chance(10) ? 0 : 1 + below(5);
		off = nest_start(b, WGRELAY_A_PAIRS | NLA_F_NESTED);
		for (i = 0; i < n; i++)
			pair_entry(b);
		nest_end(b, off);
	}
	if (chance(50)) {
		n = chance(10) ? 0 : 1 + below(5);
		off = nest_start(b, WGRELAY_A_PEERS | NLA_F_NESTED);
		for (i = 0; i < n; i++)
			peer_entry(b, true);
		nest_end(b, off);
	}
}

/*
 * Thousands of peers, up to the largest message the socket takes: one nest of up
 * to 64 KiB (more wraps its 16-bit length), or that nest repeated until the
 * message is full (every copy is validated, the last applied).
 */
static void huge(struct buf *b)
{
	size_t limit = max_msg - 512, off;
	unsigned int per_nest, i, copies = 1, c;
	uint8_t k[WGRELAY_KEY_LEN] = { 0 };

	st.huge++;
	/* Mostly replacing: the peers of one are enough, and dumps stay short. */
	if (chance(90))
		int_attr(b, WGRELAY_A_FLAGS, 4, WGRELAY_F_REPLACE_PEERS);
	per_nest = (0xffff - NLA_HDRLEN) / (NLA_HDRLEN + NLA_HDRLEN + WGRELAY_KEY_LEN);
	switch (below(4)) {
	case 0:
		per_nest = 1 + below(per_nest);
		break;
	case 1:		/* the nest's length wraps */
		per_nest += 1 + below(per_nest);
		break;
	case 2:
		copies = limit / (per_nest * (2 * NLA_HDRLEN + WGRELAY_KEY_LEN) + NLA_HDRLEN);
		break;
	default:
		break;
	}
	for (c = 0; c < copies; c++) {
		off = nest_start(b, WGRELAY_A_PEERS | NLA_F_NESTED);
		for (i = 0; i < per_nest; i++) {
			size_t p = nest_start(b, NLA_F_NESTED);

			k[0] = 0xee;	/* apart from the pool */
			memcpy(k + 1, &huge_serial, sizeof(huge_serial));
			huge_serial++;
			attr(b, WGRELAY_PEER_A_PUBLIC_KEY, k, sizeof(k));
			nest_end(b, p);
		}
		nest_end(b, off);
	}
	if (b->len > limit)
		b->len = limit;
}

/*
 * Well-formed requests to a real device, whose meaning may be wrong: what only
 * the handlers, not the policies, can refuse (a key or a name twice, a name
 * another peer holds, a port in use, a pair with one owner twice, ...).
 */
static void good_lookup(struct buf *b)
{
	uint32_t idx = devs[below(n_devs)].ifindex;

	attr(b, WGRELAY_A_IFINDEX, &idx, sizeof(idx));
}

static void good_u32(struct buf *b, uint16_t type, uint32_t v)
{
	attr(b, type, &v, sizeof(v));
}

static void good_endpoint(struct buf *b, uint16_t type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(51820) };

	sin.sin_addr.s_addr = htonl(0xc6336400 | (1 + below(200)));
	attr(b, type, &sin, sizeof(sin));
}

static void semantic_set(struct buf *b)
{
	static const char *const names[] = {
		"one", "two", "p0", "p1", "p2", "dup", "", "bad name", "33-chars-0123456789abcdef0123456",
	};
	unsigned int n = 1 + below(6), i, k;
	uint16_t port;
	size_t off, p;

	good_lookup(b);
	if (chance(15))
		good_u32(b, WGRELAY_A_FLAGS, WGRELAY_F_REPLACE_PEERS);
	if (chance(25)) {
		port = chance(50) ? 41000 : 51820 + below(3);
		attr(b, WGRELAY_A_LISTEN_PORT, &port, sizeof(port));
	}
	off = nest_start(b, WGRELAY_A_PEERS | NLA_F_NESTED);
	for (i = 0; i < n; i++) {
		p = nest_start(b, NLA_F_NESTED);
		attr(b, WGRELAY_PEER_A_PUBLIC_KEY, keys[below(8)], WGRELAY_KEY_LEN);
		if (chance(15))
			good_u32(b, WGRELAY_PEER_A_FLAGS, WGRELAY_PEER_F_REMOVE);
		if (chance(60)) {
			if (chance(5)) {
				attr(b, WGRELAY_PEER_A_NAME, "ab\0cd", 6);
			} else {
				const char *name = names[below(sizeof(names) / sizeof(names[0]))];

				attr(b, WGRELAY_PEER_A_NAME, name, strlen(name) + 1);
			}
		}
		if (chance(20))
			good_endpoint(b, WGRELAY_PEER_A_ENDPOINT);
		if (chance(20)) {
			struct buf a = { 0 };

			k = chance(10) ? WGRELAY_MAX_ALLOWED_PEERS : below(4);
			while (k--)
				put(&a, keys[below(8)], WGRELAY_KEY_LEN);
			attr(b, WGRELAY_PEER_A_ALLOWED_PEERS, a.p, a.len);
			free(a.p);
		}
		nest_end(b, p);
	}
	nest_end(b, off);
}

static void good_half(struct buf *b, uint16_t type, unsigned int owner)
{
	size_t off = nest_start(b, type | NLA_F_NESTED);
	static const uint8_t local[16] = { 198, 51, 100, 1 };

	good_u32(b, WGRELAY_SESSION_A_RECEIVER_INDEX, chance(50) ? below(4) : (uint32_t)rnd());
	attr(b, WGRELAY_SESSION_A_OWNER, keys[owner], WGRELAY_KEY_LEN);
	good_endpoint(b, WGRELAY_SESSION_A_ENDPOINT);
	if (chance(30))
		attr(b, WGRELAY_SESSION_A_LOCAL, local, chance(80) ? 4 : 16);
	nest_end(b, off);
}

static void semantic_restore(struct buf *b)
{
	unsigned int n = 1 + below(4), i;
	uint64_t t;
	size_t off, p;

	good_lookup(b);
	off = nest_start(b, WGRELAY_A_PAIRS | NLA_F_NESTED);
	for (i = 0; i < n; i++) {
		p = nest_start(b, NLA_F_NESTED);
		good_half(b, WGRELAY_PAIR_A_INITIATOR, below(8));
		good_half(b, WGRELAY_PAIR_A_RESPONDER, below(8));
		t = (uint64_t)time(NULL) - below(chance(80) ? 100 : 100000);
		attr(b, WGRELAY_PAIR_A_LAST_SEEN, &t, sizeof(t));
		nest_end(b, p);
	}
	nest_end(b, off);
	if (chance(50)) {
		off = nest_start(b, WGRELAY_A_PEERS | NLA_F_NESTED);
		for (i = 0; i < n; i++) {
			p = nest_start(b, NLA_F_NESTED);
			attr(b, WGRELAY_PEER_A_PUBLIC_KEY, keys[below(8)], WGRELAY_KEY_LEN);
			good_endpoint(b, WGRELAY_PEER_A_BINDING_ENDPOINT);
			nest_end(b, p);
		}
		nest_end(b, off);
	}
}

static const uint16_t flag_bits[] = {
	NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP_INTR,
	NLM_F_DUMP_FILTERED, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_DUMP,
};

/* One message, appended to the datagram @b. */
static void message(struct buf *b)
{
	struct nlmsghdr nlh = { .nlmsg_type = family, .nlmsg_flags = NLM_F_REQUEST };
	struct genlmsghdr genl = { .version = WGRELAY_GENL_VERSION };
	size_t start = b->len;
	bool dump;

	genl.cmd = chance(95) ? below(WGRELAY_CMD_MAX + 1) : (uint8_t)(WGRELAY_CMD_MAX + 1 + below(250));
	dump = genl.cmd == WGRELAY_CMD_GET_DEVICE || genl.cmd == WGRELAY_CMD_GET_SESSIONS;
	if (chance(10))
		dump = !dump;
	if (dump)
		nlh.nlmsg_flags |= NLM_F_DUMP;
	if (chance(50))
		nlh.nlmsg_flags |= NLM_F_ACK;
	if (chance(15))
		nlh.nlmsg_flags |= flag_bits[below(sizeof(flag_bits) / sizeof(flag_bits[0]))];
	if (chance(3))
		nlh.nlmsg_flags = rnd();
	if (chance(5))
		genl.version = rnd();
	if (chance(5))
		genl.reserved = rnd();

	put(b, &nlh, sizeof(nlh));
	put(b, &genl, sizeof(genl));
	if (chance(1)) {		/* huge peer lists */
		lookup(b);
		huge(b);
		goto out;
	}
	if (chance(30) && genl.cmd == WGRELAY_CMD_SET_DEVICE) {
		semantic_set(b);
		goto out;
	}
	if (chance(30) && genl.cmd == WGRELAY_CMD_RESTORE) {
		semantic_restore(b);
		goto out;
	}
	if (chance(90))
		lookup(b);
	switch (genl.cmd) {
	case WGRELAY_CMD_SET_DEVICE:
		set_attrs(b);
		break;
	case WGRELAY_CMD_FLUSH:
		if (chance(80))
			int_attr(b, WGRELAY_A_FLUSH, 4, chance(60) ? 1 + below(3) : edge_u32(3));
		break;
	case WGRELAY_CMD_RESTORE:
		restore_attrs(b);
		break;
	default:
		break;
	}
	if (chance(10))
		soup(b, 3, 1 + below(4));
	if (chance(3))
		deep(b, below(WGRELAY_A_MAX + 2), below(64));
	if (chance(3)) {		/* empty nests */
		nest_end(b, nest_start(b, WGRELAY_A_PEERS | NLA_F_NESTED));
		nest_end(b, nest_start(b, WGRELAY_A_PAIRS));
	}
out:
	nlh.nlmsg_len = b->len - start;
	memcpy(b->p + start, &nlh, sizeof(nlh));
}

static bool other_family(uint16_t type)
{
	int i;

	for (i = 0; i < n_other; i++)
		if (other_families[i] == type)
			return true;
	return false;
}

/* Breaks the datagram's bytes further. */
static void mutate(struct buf *b)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b->p;
	unsigned int i, n;
	size_t len;

	switch (below(8)) {
	case 0: case 1:		/* bit flips past the netlink header */
		n = 1 + below(8);
		for (i = 0; i < n && b->len > NLMSG_HDRLEN; i++)
			b->p[NLMSG_HDRLEN + below(b->len - NLMSG_HDRLEN)] ^= 1 << below(8);
		break;
	case 2: {		/* interesting bytes */
		static const uint8_t v[] = { 0, 0xff, 0x7f, 0x80, 0x01, 0x04, 0x08 };

		n = 1 + below(4);
		for (i = 0; i < n && b->len > NLMSG_HDRLEN; i++)
			b->p[NLMSG_HDRLEN + below(b->len - NLMSG_HDRLEN)] = v[below(sizeof(v))];
		break;
	}
	case 3:			/* truncated, the header told or not */
		len = below(b->len + 1);
		b->len = len;
		if (len >= NLMSG_HDRLEN && chance(60))
			nlh->nlmsg_len = len;
		break;
	case 4:			/* extended */
		len = 1 + below(64);
		reserve(b, len);
		nlh = (struct nlmsghdr *)b->p;
		random_bytes(b->p + b->len, len);
		b->len += len;
		if (chance(60))
			nlh->nlmsg_len = b->len;
		break;
	case 5:			/* the header's length */
		if (b->len >= NLMSG_HDRLEN)
			nlh->nlmsg_len = chance(50) ? below(GENL_HDRLEN + NLMSG_HDRLEN + 8)
						    : nlh->nlmsg_len + below(16) - 8;
		break;
	case 6:			/* the family id */
		if (b->len >= NLMSG_HDRLEN)
			nlh->nlmsg_type = chance(50) ? below(NLMSG_MIN_TYPE + 4) : (uint16_t)rnd();
		break;
	default:		/* the flags */
		if (b->len >= NLMSG_HDRLEN)
			nlh->nlmsg_flags = rnd();
	}
}

/*
 * Walks the datagram as netlink_rcv_skb() and genl_rcv_msg() will, predicting
 * what each message gets; numbers the messages by their sequence number. A type
 * that is some other family is made an unknown one: only this family is fuzzed.
 */
static int classify(struct buf *b, struct expect *ex, uint32_t seq0)
{
	size_t off = 0, left = b->len, step;
	bool dump_seen = false;
	int n = 0;

	while (left >= NLMSG_HDRLEN && n < MAX_BATCH) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b->p + off);
		struct expect *e = &ex[n];

		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > left)
			break;
		memset(e, 0, sizeof(*e));
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && nlh->nlmsg_type != family &&
		    other_family(nlh->nlmsg_type))
			nlh->nlmsg_type = 0x3ff0 + below(16);
		nlh->nlmsg_seq = seq0 + n;
		e->off = off;
		e->len = nlh->nlmsg_len;
		e->ack = nlh->nlmsg_flags & NLM_F_ACK;
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST) || nlh->nlmsg_type < NLMSG_MIN_TYPE) {
			e->cls = C_NONE;
		} else if (nlh->nlmsg_type != family) {
			e->cls = C_CORE;
			e->core_err = ENOENT;
		} else if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
			e->cls = C_CORE;
			e->core_err = EINVAL;
		} else {
			e->cmd = ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;
			/* WGRELAY_CMD_EVENT is multicast only: no request op, so unknown to the core. */
			if (e->cmd > WGRELAY_CMD_MAX || e->cmd == WGRELAY_CMD_EVENT) {
				e->cls = C_CORE;
				e->core_err = EOPNOTSUPP;
			} else {
				e->cls = C_FAMILY;
				e->dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
				if (e->dump) {
					e->ebusy_ok = dump_seen;
					dump_seen = true;
				}
			}
		}
		/* Requests that are answered only if they fail, or not at all. */
		e->done = !(e->cls == C_FAMILY && e->dump && !unpriv);
		n++;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step > left)
			step = left;
		off += step;
		left -= step;
	}
	return n;
}

/* Replies */

static const char *extack_msg(const struct nlmsghdr *nlh, size_t tlv_off)
{
	const struct nlattr *a;
	size_t off = NLMSG_HDRLEN + tlv_off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const uint8_t *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && a->nla_len > NLA_HDRLEN &&
		    memchr((const char *)a + NLA_HDRLEN, 0, a->nla_len - NLA_HDRLEN))
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static void failure(const struct buf *b, const struct expect *e, int err, const char *why)
{
	size_t i, n = e->len < 128 ? e->len : 128;

	st.failures++;
	if (st.failures > MAX_SHOWN)
		return;
	fprintf(stderr, "FAIL: %s: cmd %u%s%s, error %d (%s)\n", why, e->cmd,
		e->dump ? " dump" : "", e->ack ? " ack" : "", err, strerror(-err));
	fprintf(stderr, "  request (%zu bytes):", e->len);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n    ", b->p[e->off + i]);
	fputc('\n', stderr);
}

static void note_msg(const char *text, int err)
{
	int i;

	for (i = 0; i < n_msgs; i++) {
		if (msgs[i].err == err && !strcmp(msgs[i].text, text)) {
			msgs[i].count++;
			return;
		}
	}
	if (n_msgs == MAX_MSGS)
		return;
	snprintf(msgs[n_msgs].text, sizeof(msgs[n_msgs].text), "%s", text);
	msgs[n_msgs].err = err;
	msgs[n_msgs++].count = 1;
}

/* One request's error (or 0) came back: judge it. */
static void judge(const struct buf *b, struct expect *e, int err, const char *msg)
{
	e->answered = true;
	switch (e->cls) {
	case C_NONE:
		if (err)
			failure(b, e, err, "a message the kernel does not process was refused");
		break;
	case C_CORE:
		st.core++;
		/*
		 * The core's checks of the headers' reserved bits and flags come
		 * first on newer kernels, and say what they refused.
		 */
		if (err == -e->core_err || (err < 0 && msg) || (unpriv && err == -EPERM))
			break;
		failure(b, e, err, e->core_err == ENOENT ? "unknown family: expected ENOENT" :
			e->core_err == EINVAL ? "short genetlink header: expected EINVAL" :
			"unknown command: expected EOPNOTSUPP");
		break;
	case C_FAMILY:
		if (unpriv) {
			if (err == -EPERM)
				st.eperm++;
			else if (err < 0 && msg)	/* a header check of the core, as above */
				st.core++;
			else
				failure(b, e, err, "without CAP_NET_ADMIN: expected EPERM");
			break;
		}
		if (!err) {
			st.accepted++;
			break;
		}
		if (err == -EBUSY && e->ebusy_ok) {
			st.core++;
			break;
		}
		st.rejected++;
		if (!msg)
			failure(b, e, err, "rejected without an extended ACK message");
		else
			note_msg(msg, err);
		break;
	}
}

static struct expect *find(struct expect *ex, int n, uint32_t seq0, uint32_t seq)
{
	return seq - seq0 < (uint32_t)n ? &ex[seq - seq0] : NULL;
}

/*
 * Reads until the probe (an NLMSG_NOOP sent after the datagram) is acknowledged
 * and every dump the datagram started has ended. Return: false on a timeout.
 */
static bool collect(const struct buf *b, struct expect *ex, int n, uint32_t seq0,
		    uint32_t probe)
{
	static uint8_t *rbuf;
	bool probe_acked = false;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int i;

	if (!rbuf && !(rbuf = malloc(RECV_SIZE)))
		die("out of memory");
	for (;;) {
		bool pending = !probe_acked;
		ssize_t len;
		size_t off;

		for (i = 0; i < n; i++)
			pending |= !ex[i].done;
		if (!pending)
			return true;
		if (poll(&pfd, 1, 20000) <= 0)
			return false;
		len = recv(fd, rbuf, RECV_SIZE, MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			die("recv: %s", strerror(errno));
		}
		if (len > RECV_SIZE)
			die("a reply of %zd bytes is larger than the receive buffer", len);
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)len;) {
			struct nlmsghdr *nlh = (struct nlmsghdr *)(rbuf + off);
			struct expect *e;
			int err;

			if (nlh->nlmsg_len < NLMSG_HDRLEN || off + nlh->nlmsg_len > (size_t)len)
				die("malformed reply from the kernel");
			off += NLMSG_ALIGN(nlh->nlmsg_len);
			if (nlh->nlmsg_seq == probe) {
				probe_acked = nlh->nlmsg_type == NLMSG_ERROR;
				continue;
			}
			e = find(ex, n, seq0, nlh->nlmsg_seq);
			if (!e) {
				fprintf(stderr, "FAIL: a reply (type %u) to no request (seq %u)\n",
					nlh->nlmsg_type, nlh->nlmsg_seq);
				st.failures++;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *me = NLMSG_DATA(nlh);
				size_t tlv = sizeof(*me);

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					tlv += me->msg.nlmsg_len - NLMSG_HDRLEN;
				err = me->error;
				if (err || !e->answered)
					judge(b, e, err, err ? extack_msg(nlh, tlv) : NULL);
				e->done = true;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				err = *(const int *)NLMSG_DATA(nlh);
				judge(b, e, err, err ? extack_msg(nlh, sizeof(int)) : NULL);
				e->done = true;
			} else if (nlh->nlmsg_type != family) {
				fprintf(stderr, "FAIL: a reply of type %u\n", nlh->nlmsg_type);
				st.failures++;
			} else if (unpriv) {
				failure(b, e, 0, "without CAP_NET_ADMIN: the family answered");
			}
		}
	}
}

/* One datagram of one to MAX_BATCH messages, and what came back. */
static void round_trip(uint32_t *seq)
{
	struct buf b = { 0 };
	struct expect ex[MAX_BATCH];
	struct nlmsghdr probe = {
		.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	unsigned int parts = chance(10) ? 2 + below(MAX_BATCH - 1) : 1, i;
	uint32_t seq0 = *seq;
	int n;

	for (i = 0; i < parts; i++) {
		put(&b, NULL, NLMSG_ALIGN(b.len) - b.len);
		message(&b);
	}
	if (chance(25))
		mutate(&b);
	if (chance(1))		/* shorter than a netlink header */
		b.len = below(NLMSG_HDRLEN);
	n = classify(&b, ex, seq0);
	probe.nlmsg_seq = seq0 + MAX_BATCH;
	*seq += MAX_BATCH + 1;

	if (send(fd, b.p, b.len, 0) < 0) {
		/* 6.12 refuses a datagram shorter than a netlink header here. */
		if (errno == ENODATA && b.len < NLMSG_HDRLEN)
			st.too_short++;
		else if (errno == EMSGSIZE || errno == ENOBUFS)
			st.too_big++;
		else
			die("send of %zu bytes: %s", b.len, strerror(errno));
		free(b.p);
		return;
	}
	st.datagrams++;
	st.messages += parts;
	for (i = 0; i < (unsigned int)n; i++) {
		if (ex[i].cls == C_NONE)
			st.none++;
		if (ex[i].cls == C_FAMILY)
			st.per_cmd[ex[i].cmd]++;
	}
	if (send(fd, &probe, sizeof(probe), 0) < 0)
		die("send: %s", strerror(errno));
	if (!collect(&b, ex, n, seq0, probe.nlmsg_seq))
		die("no complete answer within 20 s (seq %u)", seq0);
	for (i = 0; i < (unsigned int)n; i++) {
		/* A failed request is always answered; a C_CORE one always fails. */
		if (ex[i].cls == C_CORE && !ex[i].answered)
			failure(&b, &ex[i], 0, "the core let through what it should have refused");
		if (ex[i].cls == C_FAMILY && !ex[i].answered) {
			if (unpriv)
				failure(&b, &ex[i], 0, "without CAP_NET_ADMIN: accepted");
			else
				st.accepted++;
		}
	}
	free(b.p);
}

/* Setup */

static void setopt(int level, int name, int val)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		die("setsockopt %d: %s", name, strerror(errno));
}

/* Resolves the family and notes every other family's id (CTRL_CMD_GETFAMILY dump). */
static void families(void)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr genl;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = GENL_ID_CTRL,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	static uint8_t rbuf[65536];
	bool done = false;

	if (send(fd, &req, sizeof(req), 0) < 0)
		die("send: %s", strerror(errno));
	while (!done) {
		ssize_t len = recv(fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *nlh;

		if (len < 0)
			die("recv: %s", strerror(errno));
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct nlattr *a;
			uint16_t id = 0;
			const char *name = "";
			int rem;

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			a = (struct nlattr *)((uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN);
			rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
				if (a->nla_type == CTRL_ATTR_FAMILY_ID)
					memcpy(&id, (uint8_t *)a + NLA_HDRLEN, sizeof(id));
				if (a->nla_type == CTRL_ATTR_FAMILY_NAME)
					name = (const char *)a + NLA_HDRLEN;
				rem -= NLA_ALIGN(a->nla_len);
				a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
			}
			if (!strcmp(name, WGRELAY_GENL_NAME))
				family = id;
			else if (n_other < MAX_FAMILIES)
				other_families[n_other++] = id;
		}
	}
	if (!family)
		die("no generic netlink family \"%s\" (is the module loaded?)", WGRELAY_GENL_NAME);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	unsigned long count = 10000, seed = time(NULL);
	struct timespec t0, t1;
	uint32_t seq = 100;
	int opt, i, sndbuf;
	socklen_t sl = sizeof(sndbuf);

	while ((opt = getopt(argc, argv, "un:s:v")) != -1) {
		switch (opt) {
		case 'u': unpriv = true; break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		default:
			fprintf(stderr, "usage: wgr-nlfuzz [-u] [-n COUNT] [-s SEED] [-v] DEV...\n");
			return 2;
		}
	}
	for (; optind < argc && n_devs < MAX_DEVS; optind++) {
		devs[n_devs].name = argv[optind];
		devs[n_devs].ifindex = if_nametoindex(argv[optind]);
		if (!devs[n_devs].ifindex)
			die("no device %s", argv[optind]);
		n_devs++;
	}
	if (!n_devs)
		die("name at least one wgrelay device");
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (i = 0; i < KEY_POOL; i++)
		random_bytes(keys[i], WGRELAY_KEY_LEN);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("netlink socket: %s", strerror(errno));
	setopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
	setopt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
	/* As large as this user may make them: the huge messages need it. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &(int){ 1 << 20 }, sizeof(int)) < 0)
		setopt(SOL_SOCKET, SO_SNDBUF, 1 << 20);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 8 << 20 }, sizeof(int)) < 0)
		setopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) < 0)
		die("getsockopt: %s", strerror(errno));
	/* netlink_sendmsg() takes up to the send buffer less 32 bytes. */
	max_msg = sndbuf - 32;
	families();

	printf("wgr-nlfuzz: family %u, %s, seed %lu, %lu messages, largest %zu bytes\n",
	       family, unpriv ? "unprivileged" : "privileged", seed, count, max_msg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (st.messages < count)
		round_trip(&seq);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("wgr-nlfuzz: %lu messages in %lu datagrams (%lu more too large for the socket, "
	       "%lu too short), %ld s\n", st.messages, st.datagrams, st.too_big, st.too_short,
	       (long)(t1.tv_sec - t0.tv_sec));
	printf("wgr-nlfuzz: to the family: get-device %lu, set-device %lu, get-sessions %lu, "
	       "flush %lu, restore %lu; huge %lu\n",
	       st.per_cmd[WGRELAY_CMD_GET_DEVICE], st.per_cmd[WGRELAY_CMD_SET_DEVICE],
	       st.per_cmd[WGRELAY_CMD_GET_SESSIONS], st.per_cmd[WGRELAY_CMD_FLUSH],
	       st.per_cmd[WGRELAY_CMD_RESTORE], st.huge);
	printf("wgr-nlfuzz: not processed %lu, refused by the core %lu, accepted %lu, "
	       "rejected by the family %lu, EPERM %lu, failures %lu\n",
	       st.none, st.core, st.accepted, st.rejected, st.eperm, st.failures);
	for (i = 0; i < n_msgs; i++)
		if (verbose || i < 60)
			printf("  %6lu  %-8s %s\n", msgs[i].count, strerrorname_np(-msgs[i].err) ?: "?",
			       msgs[i].text);
	return st.failures ? 1 : 0;
}
