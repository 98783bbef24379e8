// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-pktfuzz: a mutation fuzzer for the relay's port, for the lab only. It
 * mutates real WireGuard messages (seeds: captures of all four types) and sends
 * the results, at a bounded rate, over IPv4 and IPv6, some of them as IP
 * fragments.
 *
 *   wgr-pktfuzz [-n COUNT] [-r PPS] [-4 ADDR] [-6 ADDR] [-p PORT] [-k PUBKEY]...
 *               [-i INDEX]... [-a SRC4] [-A SRC6] SEEDS
 *
 * SEEDS     a file of seed messages, one a line, in hex (as tcpdump -x prints
 *           them); lines starting with '#' are skipped. It must hold at least one
 *           message of each type: initiation (148 bytes), response (92), cookie
 *           reply (64) and data (32 or more).
 * -n COUNT  datagrams to send (default 1000000); a set of raw fragments is one
 * -r PPS    at most PPS datagrams a second (default 20000)
 * -4, -6    the relay's IPv4 and IPv6 addresses (one or both; datagrams
 *           alternate between them); -p its port (default 51820)
 * -k PUBKEY a peer's public key: "valid mac1, corrupted rest" recomputes mac1 for
 *           one of these after mutating (up to 8)
 * -i INDEX  a live receiver index of the real pair (hex, as /proc/net/wgrelay
 *           prints it), one of the index edge values (up to 16)
 * -a, -A    this host's own IPv4 and IPv6 addresses: with them, one datagram in
 *           a hundred of that family goes as a set of fragments built by hand on
 *           a raw socket (needs CAP_NET_RAW)
 *
 * Mutations: bit flips; truncation and extension around every size boundary
 * (each message size +-1 and +-16, 0, 1, 3, 4, the path MTU, and the largest
 * UDP datagram, which the kernel sends fragmented); type and reserved bytes;
 * index and counter edge values (0, 1, 0xffffffff, ..., the live indices);
 * mac1 made valid for a real peer after the rest was corrupted; overwritten
 * runs and splices of two seeds.
 *
 * Raw fragment sets come in four shapes: tiny (8-byte pieces in reverse order)
 * and duplicated (a piece sent twice) reassemble and reach UDP; one in ten of
 * those carries a wrong UDP checksum on purpose (the kernel drops it as
 * InCsumErrors); overlapping (RFC 5722: the whole datagram is discarded) and
 * incomplete (the last piece never comes: the reassembly times out) never
 * reach UDP.
 *
 * A datagram on a live index with a counter within 2^32 past the one last seen
 * would be a legitimate roam (module/relay.c, may_roam(): whoever knows the
 * index and a fresh counter is the peer, to a relay that cannot decrypt), and
 * would move the pair's session here: such counters are moved out of that
 * window (to 0, or 2^40 further), the other edge values stay.
 *
 * At the end it prints one line for the test to account with:
 *   pktfuzz: sent=N udp4=N udp6=N big4=N big6=N raw_ok=N raw_csum=N raw_fail=N
 *            send_errors=N seconds=S
 * sent = udp4 + udp6 + raw_ok + raw_csum + raw_fail (the raw sets); big4/big6
 * are those of udp4/udp6 larger than the link's MTU (fragmented by the kernel);
 * send_errors are datagrams the local stack refused (ENOBUFS), not sent.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "encoding.h"
#include "wgr-common.h"

#define MAX_SEEDS	256
#define MAX_SEED_LEN	2048
#define MAX_KEYS	8
#define MAX_LIVE	16
#define MTU		1500
#define MAX_UDP4	(65535 - 20 - 8)
#define MAX_UDP6	(65535 - 8)
#define RAW_MAX_PAYLOAD	1200

struct seed {
	size_t len;
	uint8_t msg[MAX_SEED_LEN];
};

static struct seed seeds[MAX_SEEDS];
static int n_seeds, by_type[5][MAX_SEEDS], n_by_type[5];
static uint8_t keys[MAX_KEYS][32];	/* the peers' mac1 keys */
static int n_keys;
static uint32_t live[MAX_LIVE];
static int n_live;

/* A pool of random bytes: getrandom() per draw would cost more than the sending. */
static uint8_t pool[1 << 16];
static size_t pool_pos = sizeof(pool);

static void rnd_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		size_t n;

		if (pool_pos == sizeof(pool)) {
			fill_random(pool, sizeof(pool));
			pool_pos = 0;
		}
		n = sizeof(pool) - pool_pos < len ? sizeof(pool) - pool_pos : len;
		memcpy(p, pool + pool_pos, n);
		pool_pos += n;
		p += n;
		len -= n;
	}
}

static uint32_t rnd(void)
{
	uint32_t v;

	rnd_bytes(&v, sizeof(v));
	return v;
}

/* A uniform number below @n (@n > 0; the bias of the modulo does not matter here). */
static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int load_seeds(const char *path)
{
	char line[2 * MAX_SEED_LEN + 512];
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) && n_seeds < MAX_SEEDS) {
		struct seed *s = &seeds[n_seeds];
		int hi = -1;

		if (line[0] == '#')
			continue;
		s->len = 0;
		for (char *c = line; *c && s->len < MAX_SEED_LEN; c++) {
			int v = hexval(*c);

			if (v < 0)
				continue;
			if (hi < 0) {
				hi = v;
			} else {
				s->msg[s->len++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		if (s->len < 4 || s->msg[0] < 1 || s->msg[0] > 4)
			continue;
		by_type[s->msg[0]][n_by_type[s->msg[0]]++] = n_seeds++;
	}
	fclose(f);
	for (int t = 1; t <= 4; t++) {
		if (!n_by_type[t]) {
			fprintf(stderr, "wgr-pktfuzz: %s has no seed of type %d\n", path, t);
			return -1;
		}
	}
	return 0;
}

static const struct seed *pick_seed(void)
{
	int t = 1 + (int)below(4);

	return &seeds[by_type[t][below((uint32_t)n_by_type[t])]];
}

static size_t mac1_offset(const uint8_t *msg, size_t len)
{
	if (msg[0] == 1 && len >= WGR_INITIATION_MAC1 + 16)
		return WGR_INITIATION_MAC1;
	if (msg[0] == 2 && len >= WGR_RESPONSE_MAC1 + 16)
		return WGR_RESPONSE_MAC1;
	return 0;
}

/* Resize @msg to @len, the new bytes random. */
static size_t resize(uint8_t *msg, size_t old, size_t len)
{
	if (len > old)
		rnd_bytes(msg + old, len - old);
	return len;
}

/* Around every size boundary: each message's length +-1 and +-16, and the odd ones. */
static size_t boundary_len(int family)
{
	static const size_t sizes[] = { WGR_INITIATION_LEN, WGR_RESPONSE_LEN, WGR_COOKIE_LEN,
					WGR_DATA_MIN_LEN, WGR_DATA_MIN_LEN + 16 };
	static const size_t small[] = { 0, 1, 3, 4, 5, 7, 8, 15, 16, 17 };
	static const int delta[] = { -16, -1, 0, 1, 16 };
	size_t mtu_payload = MTU - (family == AF_INET ? 20 : 40) - 8;
	uint32_t r = below(100);

	if (r < 60)
		return sizes[below(5)] + delta[below(5)];
	if (r < 85)
		return small[below(10)];
	if (r < 97)
		return mtu_payload - 1 + below(3);	/* fits, fits exactly, fragments */
	/* Fragmented by the sending kernel: rarely, the largest datagram there is. */
	if (below(10))
		return mtu_payload + 1 + below(8000);
	return family == AF_INET ? MAX_UDP4 : MAX_UDP6;
}

static void set_index(uint8_t *msg, size_t len, size_t off)
{
	static const uint32_t edges[] = { 0, 1, 0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000 };
	uint32_t v;

	if (off + 4 > len)
		return;
	if (n_live && below(2))
		v = live[below((uint32_t)n_live)];
	else
		v = edges[below(6)];
	put_le32(msg + off, v);
}

static void set_counter(uint8_t *msg, size_t len)
{
	static const uint64_t edges[] = {
		0, 1, 0xffffffff, 0x100000000ULL, 1ULL << 63, UINT64_MAX, UINT64_MAX - 1,
		UINT64_MAX - (1ULL << 13), UINT64_MAX - (1ULL << 13) - 1, 1ULL << 60,
	};

	if (len >= 16)
		put_le64(msg + 8, edges[below(sizeof(edges) / sizeof(edges[0]))]);
}

/* Index and counter fields by type: which of them gets an edge value. */
static void edge_fields(uint8_t *msg, size_t len)
{
	switch (msg[0]) {
	case 1:
		set_index(msg, len, 4);
		break;
	case 2:
		set_index(msg, len, below(2) ? 4 : 8);
		break;
	case 3:
		set_index(msg, len, 4);
		break;
	default:
		if (below(2))
			set_index(msg, len, 4);
		if (below(2))
			set_counter(msg, len);
		break;
	}
}

static void bit_flips(uint8_t *msg, size_t len)
{
	unsigned int n = 1 + below(8);

	if (!len)
		return;
	for (unsigned int i = 0; i < n; i++) {
		/* Half in the header, where the relay looks. */
		size_t at = below(2) ? below(len < 16 ? (uint32_t)len : 16) : below((uint32_t)len);

		msg[at] ^= (uint8_t)(1u << below(8));
	}
}

/* mac1 valid for a real peer over a corrupted rest: the relay's deepest path. */
static void valid_mac1(uint8_t *msg, size_t len)
{
	size_t off = mac1_offset(msg, len);
	unsigned int n = 1 + below(4);

	if (!off || !n_keys) {
		bit_flips(msg, len);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		switch (below(4)) {
		case 0:		/* an index */
			edge_fields(msg, len);
			break;
		case 1:		/* mac2: somebody's cookie, or nobody's */
			rnd_bytes(msg + off + 16, 16);
			break;
		default:	/* the encrypted parts */
			msg[4 + below((uint32_t)off - 4)] ^= (uint8_t)(1u << below(8));
			break;
		}
	}
	set_mac1_keyed(msg, off, keys[below((uint32_t)n_keys)]);
}

/* Never a roam of the real pair's session: see the top of the file. */
static void no_roam(uint8_t *msg, size_t len)
{
	uint32_t receiver;
	uint64_t counter;

	if (len < 16 || msg[0] != 4)
		return;
	receiver = get_le32(msg + 4);
	counter = get_le64(msg + 8);
	for (int i = 0; i < n_live; i++) {
		if (live[i] == receiver && counter && counter < (1ULL << 33)) {
			put_le64(msg + 8, below(2) ? 0 : counter + (1ULL << 40));
			return;
		}
	}
}

/* One fuzzed message for @family into @msg (room for MAX_UDP6 bytes); its length. */
static size_t fuzz_one(uint8_t *msg, int family)
{
	const struct seed *s = pick_seed();
	size_t len = s->len;
	uint32_t op = below(100);

	memcpy(msg, s->msg, len);
	if (op < 30) {
		bit_flips(msg, len);
	} else if (op < 45) {
		len = resize(msg, len, boundary_len(family));
		/* Keep the type byte most of the time: a known type gets further in. */
		if (len && below(4))
			msg[0] = s->msg[0];
	} else if (op < 55) {
		static const uint8_t types[] = { 0, 1, 2, 3, 4, 5, 0x80, 0xff };

		if (below(2))
			msg[0] = types[below(8)];
		if (below(2))
			msg[1 + below(3)] = (uint8_t)(1 + below(255));
		else
			rnd_bytes(msg + 1, 3);
		if (below(2)) {
			size_t off = mac1_offset(msg, len);

			if (off && n_keys)
				set_mac1_keyed(msg, off, keys[below((uint32_t)n_keys)]);
		}
	} else if (op < 70) {
		edge_fields(msg, len);
		if (below(2)) {
			size_t off = mac1_offset(msg, len);

			if (off && n_keys)
				set_mac1_keyed(msg, off, keys[below((uint32_t)n_keys)]);
		}
	} else if (op < 90) {
		valid_mac1(msg, len);
	} else if (op < 95) {
		/* Overwrite a run with random bytes. */
		size_t at = below((uint32_t)len), n = 1 + below(32);

		rnd_bytes(msg + at, at + n > len ? len - at : n);
	} else {
		/* Splice: this seed's head on another's tail. */
		const struct seed *t = pick_seed();
		size_t cut = below((uint32_t)len + 1);
		size_t from = below((uint32_t)t->len + 1);

		memcpy(msg + cut, t->msg + from, t->len - from);
		len = cut + t->len - from;
	}
	no_roam(msg, len);
	return len;
}

/* --- Raw fragments --------------------------------------------------------------- */

enum raw_shape { RAW_TINY, RAW_DUP, RAW_OVERLAP, RAW_INCOMPLETE };

struct rawer {
	int fd[2];			/* AF_INET, AF_INET6 */
	struct sockaddr_storage src[2], dst[2];
	socklen_t len[2];
};

/* One fragment of the UDP datagram @udp (@ulen bytes): bytes [off, end), more to come? */
static int send_frag(struct rawer *r, int fam, uint32_t id, const uint8_t *udp,
		     size_t off, size_t end, bool more)
{
	uint8_t pkt[40 + 8 + RAW_MAX_PAYLOAD + 8 + 64];
	struct sockaddr_storage dst = r->dst[fam];
	size_t hl;

	if (fam == 0) {
		struct iphdr *ip = (struct iphdr *)pkt;

		memset(ip, 0, sizeof(*ip));
		hl = sizeof(*ip);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->id = htons((uint16_t)id);
		ip->protocol = IPPROTO_UDP;
		ip->frag_off = htons((uint16_t)((more ? IP_MF : 0) | off / 8));
		ip->tot_len = htons((uint16_t)(hl + end - off));
		ip->saddr = ((struct sockaddr_in *)&r->src[0])->sin_addr.s_addr;
		ip->daddr = ((struct sockaddr_in *)&r->dst[0])->sin_addr.s_addr;
		ip->check = htons(csum_fold(csum_add(0, ip, hl)));
	} else {
		struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;
		struct ip6_frag *fh = (struct ip6_frag *)(pkt + sizeof(*ip6));

		memset(pkt, 0, sizeof(*ip6) + sizeof(*fh));
		hl = sizeof(*ip6) + sizeof(*fh);
		ip6->ip6_flow = htonl(6u << 28);
		ip6->ip6_plen = htons((uint16_t)(sizeof(*fh) + end - off));
		ip6->ip6_nxt = IPPROTO_FRAGMENT;
		ip6->ip6_hlim = 64;
		ip6->ip6_src = ((struct sockaddr_in6 *)&r->src[1])->sin6_addr;
		ip6->ip6_dst = ((struct sockaddr_in6 *)&r->dst[1])->sin6_addr;
		fh->ip6f_nxt = IPPROTO_UDP;
		fh->ip6f_offlg = htons((uint16_t)(off | (more ? 1 : 0)));
		fh->ip6f_ident = htonl(id);
		/* A raw IPv6 socket reads sin6_port as a protocol number: none here. */
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	}
	memcpy(pkt + hl, udp + off, end - off);
	if (sendto(r->fd[fam], pkt, hl + end - off, 0, (struct sockaddr *)&dst, r->len[fam]) < 0) {
		if (errno == ENOBUFS || errno == EAGAIN)
			return 1;
		perror("wgr-pktfuzz: raw sendto");
		exit(1);
	}
	return 0;
}

/*
 * @payload as one UDP datagram in fragments of @shape; @bad_csum: a wrong UDP
 * checksum. Return: 0 sent, 1 the local stack refused a piece.
 */
static int send_raw(struct rawer *r, int fam, const uint8_t *payload, size_t plen,
		    enum raw_shape shape, bool bad_csum)
{
	uint8_t udp[8 + RAW_MAX_PAYLOAD + 16];
	struct udphdr *uh = (struct udphdr *)udp;
	size_t ulen, split, off;
	static uint32_t next_id;
	uint32_t sum, id;
	int err = 0;

	/*
	 * One after another from a random start: two of our own sets in flight
	 * never share an IPv4 ID (16 bits), which would merge them in the vps's
	 * reassembly and upset the test's count of sets.
	 */
	if (!next_id)
		next_id = rnd() | 1;
	id = next_id++;

	/* At least 24 bytes in all, so that every shape has room for its pieces. */
	if (plen < 16) {
		memcpy(udp + 8, payload, plen);
		rnd_bytes(udp + 8 + plen, 16 - plen);
		payload = udp + 8;
		plen = 16;
	}
	ulen = 8 + plen;
	uh->source = htons((uint16_t)(20000 + below(20000)));
	uh->dest = fam == 0 ? ((struct sockaddr_in *)&r->dst[0])->sin_port :
			      ((struct sockaddr_in6 *)&r->dst[1])->sin6_port;
	uh->len = htons((uint16_t)ulen);
	uh->check = 0;
	memmove(udp + 8, payload, plen);
	if (fam == 0)
		sum = csum_add(0, &((struct sockaddr_in *)&r->src[0])->sin_addr, 4) +
		      csum_add(0, &((struct sockaddr_in *)&r->dst[0])->sin_addr, 4);
	else
		sum = csum_add(0, &((struct sockaddr_in6 *)&r->src[1])->sin6_addr, 16) +
		      csum_add(0, &((struct sockaddr_in6 *)&r->dst[1])->sin6_addr, 16);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	uh->check = htons(csum_fold(csum_add(sum, udp, ulen)));
	if (!uh->check)
		uh->check = 0xffff;
	/* Wrong, and never 0: over IPv4 that would mean "no checksum". */
	if (bad_csum)
		uh->check = uh->check == htons(0x1234) ? htons(0x4321) : htons(0x1234);
	/*
	 * The first piece ends on a multiple of 8 before the end (at 8: the UDP
	 * header alone); an overlapping second piece starts 8 bytes before it, never
	 * at 0 (a piece at 0 without "more" is a whole datagram, no fragment).
	 */
	split = 8 * (1 + below((uint32_t)(ulen - 1) / 8));
	if (shape == RAW_OVERLAP && split < 16)
		split = 16;
	switch (shape) {
	case RAW_TINY:
		/* 8-byte pieces, last first. */
		for (off = (ulen - 1) / 8 * 8;; off -= 8) {
			size_t end = off + 8 < ulen ? off + 8 : ulen;

			err |= send_frag(r, fam, id, udp, off, end, end < ulen);
			if (!off)
				break;
		}
		break;
	case RAW_DUP:
		err |= send_frag(r, fam, id, udp, 0, split, true);
		err |= send_frag(r, fam, id, udp, 0, split, true);
		err |= send_frag(r, fam, id, udp, split, ulen, false);
		break;
	case RAW_OVERLAP:
		/* The second piece starts 8 bytes inside the first and goes past it. */
		err |= send_frag(r, fam, id, udp, 0, split, true);
		err |= send_frag(r, fam, id, udp, split - 8, ulen, false);
		break;
	case RAW_INCOMPLETE:
		err |= send_frag(r, fam, id, udp, 0, split, true);
		break;
	}
	return err;
}

int main(int argc, char *argv[])
{
	static uint8_t msg[MAX_UDP6 + 16];
	struct sockaddr_storage to[2];
	socklen_t tolen[2] = { 0, 0 };
	struct rawer raw = { .fd = { -1, -1 } };
	long count = 1000000, pps = 20000, port = 51820;
	const char *addr[2] = { NULL, NULL }, *src[2] = { NULL, NULL };
	long udp[2] = { 0, 0 }, big[2] = { 0, 0 }, raw_ok = 0, raw_csum = 0, raw_fail = 0;
	long send_errors = 0;
	int fd[2] = { -1, -1 }, fams[2], n_fams = 0, opt;
	char portstr[8];
	struct timespec next;
	double start;

	while ((opt = getopt(argc, argv, "n:r:4:6:p:k:i:a:A:")) != -1) {
		switch (opt) {
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'r':
			pps = strtol(optarg, NULL, 10);
			break;
		case '4':
			addr[0] = optarg;
			break;
		case '6':
			addr[1] = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 'k':
			if (n_keys == MAX_KEYS || !key_from_base64(keys[n_keys], optarg)) {
				fprintf(stderr, "wgr-pktfuzz: -k needs a base64 public key (at most %d)\n",
					MAX_KEYS);
				return 2;
			}
			/* Kept as mac1 keys: two hashes less for every mac1. */
			mac1_key(keys[n_keys], keys[n_keys]);
			n_keys++;
			break;
		case 'i':
			if (n_live == MAX_LIVE) {
				fprintf(stderr, "wgr-pktfuzz: at most %d live indices\n", MAX_LIVE);
				return 2;
			}
			live[n_live++] = (uint32_t)strtoul(optarg, NULL, 16);
			break;
		case 'a':
			src[0] = optarg;
			break;
		case 'A':
			src[1] = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || count <= 0 || count > 100000000 || pps <= 0 || pps > 1000000 ||
	    port <= 0 || port > 65535 || (!addr[0] && !addr[1]))
		goto usage;
	if (load_seeds(argv[optind]))
		return 2;
	snprintf(portstr, sizeof(portstr), "%ld", port);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET, pmtu = f ? IPV6_PMTUDISC_DONT : IP_PMTUDISC_DONT;

		if (!addr[f])
			continue;
		tolen[f] = parse_ep(&to[f], addr[f], portstr);
		if (!tolen[f] || to[f].ss_family != family) {
			fprintf(stderr, "wgr-pktfuzz: bad address '%s'\n", addr[f]);
			return 2;
		}
		fd[f] = socket(family, SOCK_DGRAM, 0);
		/* Larger than the MTU: fragmented here, never refused with EMSGSIZE. */
		if (fd[f] < 0 || setsockopt(fd[f], f ? IPPROTO_IPV6 : IPPROTO_IP,
					    f ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
			return perror("wgr-pktfuzz: socket"), 1;
		fams[n_fams++] = f;
		if (src[f]) {
			raw.len[f] = parse_ep(&raw.dst[f], addr[f], portstr);
			if (!parse_ep(&raw.src[f], src[f], "0") || raw.src[f].ss_family != family) {
				fprintf(stderr, "wgr-pktfuzz: bad source address '%s'\n", src[f]);
				return 2;
			}
			raw.fd[f] = raw_hdrincl_socket(family);
			if (raw.fd[f] < 0)
				return perror("wgr-pktfuzz: raw socket"), 1;
		}
	}

	start = now_s();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0; i < count; i++) {
		int f = fams[i % n_fams];
		size_t len = fuzz_one(msg, f ? AF_INET6 : AF_INET);

		if (raw.fd[f] >= 0 && below(100) == 0) {
			enum raw_shape shape = (enum raw_shape)below(4);
			bool bad_csum = shape <= RAW_DUP && below(10) == 0;

			if (len < 1)
				len = 1;
			if (len > RAW_MAX_PAYLOAD)
				len = RAW_MAX_PAYLOAD;
			if (send_raw(&raw, f, msg, len, shape, bad_csum)) {
				/* Some pieces may be out: it cannot be accounted for. */
				fprintf(stderr, "wgr-pktfuzz: the local stack refused a fragment\n");
				return 1;
			}
			if (shape > RAW_DUP)
				raw_fail++;
			else if (bad_csum)
				raw_csum++;
			else
				raw_ok++;
		} else if (sendto(fd[f], msg, len, 0, (struct sockaddr *)&to[f], tolen[f]) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("wgr-pktfuzz: sendto");
				return 1;
			}
			send_errors++;
		} else {
			udp[f]++;
			if (len > (size_t)(MTU - (f ? 40 : 20) - 8))
				big[f]++;
		}
		/* Pace in batches of 1/100 s: one sleep a datagram would cost more than it. */
		if ((i + 1) % (pps / 100 + 1) == 0) {
			next.tv_nsec += (long)(1e9 / pps * (double)(pps / 100 + 1));
			while (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		if ((i + 1) % 100000 == 0) {
			printf("pktfuzz: %ld datagrams, %.1f s\n", i + 1, now_s() - start);
			fflush(stdout);
		}
	}
	printf("pktfuzz: sent=%ld udp4=%ld udp6=%ld big4=%ld big6=%ld raw_ok=%ld raw_csum=%ld "
	       "raw_fail=%ld send_errors=%ld seconds=%.1f\n",
	       udp[0] + udp[1] + raw_ok + raw_csum + raw_fail, udp[0], udp[1], big[0], big[1],
	       raw_ok, raw_csum, raw_fail, send_errors, now_s() - start);
	return 0;

usage:
	fprintf(stderr, "usage: wgr-pktfuzz [-n COUNT] [-r PPS] [-4 ADDR] [-6 ADDR] [-p PORT] "
			"[-k PUBKEY]... [-i INDEX]... [-a SRC4] [-A SRC6] SEEDS\n");
	return 2;
}
