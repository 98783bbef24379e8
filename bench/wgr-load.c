// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-load: the benchmark's traffic, for the lab only. Every mode is bounded in
 * time; addresses are whatever the caller gives (the lab's namespaces).
 *
 *   wgr-load sink PORT TIMEOUT
 *       Count datagrams on UDP PORT (recvmmsg) until TIMEOUT seconds pass or, once
 *       traffic started, 2 s pass without any. Prints
 *       "packets N bytes B seconds S pps P" (S: first to last datagram).
 *   wgr-load data FROM_ADDR FROM_PORT TO_ADDR TO_PORT INDEX SIZE SECONDS
 *       Send WireGuard type-4 messages of SIZE bytes (>= 32) with receiver index
 *       INDEX (hex, as /proc/net/wgrelay prints it) and increasing counters
 *       (le64 at offset 8) from FROM_ADDR:FROM_PORT, with sendmmsg, for SECONDS.
 *       Prints "sent N seconds S pps P".
 *   wgr-load init TO_ADDR TO_PORT PUBKEY SECONDS SRC_BASE N_SRC MODE
 *       Send 148-byte initiations whose mac1 is valid for PUBKEY (base64) from
 *       N_SRC source addresses starting at SRC_BASE (IPv4, raw socket, so they need
 *       not be local), round robin, for SECONDS. MODE "same": each address always
 *       uses one source port; "fresh": a new port each round, so the relay has never
 *       seen the endpoint. Prints "sent N seconds S pps P".
 *   wgr-load keys N
 *       Print N random public keys (base64): the relay only needs 32 bytes per peer.
 *   wgr-load alt FROM_ADDR SIZE SECONDS SLICE_MS FIRST PORT_A TO_A INDEX_A PORT_B TO_B INDEX_B
 *       As data, but two flows in turn, SLICE_MS milliseconds each, for SECONDS in
 *       all, flow A (FIRST "a") or B first: each from its own PORT on FROM_ADDR to
 *       its destination (ADDR:PORT) with its INDEX, on a connected socket of its
 *       own. Two ways through the same machine measured in one run, so that the
 *       host's drift, which moves whole runs, hits both alike. Prints
 *       "a_sent N a_seconds S b_sent N b_seconds S slices K".
 *   wgr-load sinks PORT TIMEOUT
 *       As sink, counting by source address and port (up to 8): prints the sink's
 *       line, then "from ADDR:PORT packets N" for each source.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tests/unit/blake2s.h"
#include "encoding.h"

#define BATCH 32
#define MAX_SIZE 1500

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void usage(void)
{
	fputs("usage: wgr-load sink PORT TIMEOUT\n"
	      "       wgr-load data FROM_ADDR FROM_PORT TO_ADDR TO_PORT INDEX SIZE SECONDS\n"
	      "       wgr-load init TO_ADDR TO_PORT PUBKEY SECONDS SRC_BASE N_SRC same|fresh\n"
	      "       wgr-load keys N\n"
	      "       wgr-load alt FROM_ADDR SIZE SECONDS SLICE_MS a|b PORT ADDR:PORT INDEX PORT ADDR:PORT INDEX\n"
	      "       wgr-load sinks PORT TIMEOUT\n", stderr);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long num(const char *s, long min, long max, int base)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "wgr-load: bad number '%s' (%ld..%ld)\n", s, min, max);
		exit(2);
	}
	return v;
}

static void addr4(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)num(port, 0, 65535, 10));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "wgr-load: bad IPv4 address '%s'\n", addr);
		exit(2);
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A UDP socket whose buffer (@opt: SO_SNDBUF or SO_RCVBUF) is @size bytes, past
 * the system's maximum (@force_opt) where the caller may.
 */
static int udp_socket(int force_opt, int opt, int size)
{
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
	return fd;
}

/* What a sink counts of one source (wgr-load sinks). */
struct source_count {
	struct sockaddr_in addr;
	unsigned long long packets;
};

#define MAX_SOURCES 8

static void count_source(struct source_count *src, unsigned int *n_src, const struct sockaddr_in *from)
{
	unsigned int i;

	for (i = 0; i < *n_src; i++)
		if (src[i].addr.sin_addr.s_addr == from->sin_addr.s_addr &&
		    src[i].addr.sin_port == from->sin_port)
			break;
	if (i == *n_src) {
		if (*n_src == MAX_SOURCES)
			return;
		src[i].addr = *from;
		src[i].packets = 0;
		(*n_src)++;
	}
	src[i].packets++;
}

static int sink(int argc, char **argv, bool by_source)
{
	static uint8_t bufs[BATCH][2048];
	static struct sockaddr_in names[BATCH];
	struct source_count sources[MAX_SOURCES];
	unsigned int n_sources = 0;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	unsigned long long packets = 0, bytes = 0;
	double start, first = 0, last = 0, timeout;
	struct timeval tv = { .tv_usec = 200000 };
	int fd;

	if (argc != 2)
		usage();
	sin.sin_port = htons((uint16_t)num(argv[0], 1, 65535, 10));
	timeout = (double)num(argv[1], 1, 3600, 10);
	/* Past rmem_max: a short burst must not be lost at the sink. */
	fd = udp_socket(SO_RCVBUFFORCE, SO_RCVBUF, 32 << 20);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now();
	for (;;) {
		int n;
		double t;

		for (int i = 0; by_source && i < BATCH; i++) {
			msgs[i].msg_hdr.msg_name = &names[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
		}
		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		t = now();
		if (n > 0) {
			if (!packets)
				first = t;
			last = t;
			packets += (unsigned int)n;
			for (int i = 0; i < n; i++) {
				bytes += msgs[i].msg_len;
				if (by_source)
					count_source(sources, &n_sources, &names[i]);
			}
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			die("recvmmsg");
		}
		if (t - start > timeout || (packets && t - last > 2.0))
			break;
	}
	printf("packets %llu bytes %llu seconds %.3f pps %.0f\n", packets, bytes, last - first,
	       last > first ? (double)(packets - 1) / (last - first) : 0.0);
	for (unsigned int i = 0; i < n_sources; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &sources[i].addr.sin_addr, a, sizeof(a));
		printf("from %s:%u packets %llu\n", a, ntohs(sources[i].addr.sin_port),
		       sources[i].packets);
	}
	return 0;
}

/* BATCH data messages of one size, ready for sendmmsg on a connected socket. */
struct batch {
	uint8_t bufs[BATCH][MAX_SIZE];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
};

static void batch_init(struct batch *b, size_t size, uint32_t index)
{
	for (int i = 0; i < BATCH; i++) {
		memset(b->bufs[i], 0, size);
		/* Ciphertext looks random; the relay never reads it, but keep it honest. */
		if (getrandom(b->bufs[i] + 16, size - 16, 0) < 0)
			die("getrandom");
		put_le32(b->bufs[i], 4);
		put_le32(b->bufs[i] + 4, index);
		b->iov[i].iov_base = b->bufs[i];
		b->iov[i].iov_len = size;
		memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Send one batch, the counters going on from *@counter. Return: how many went. */
static unsigned int batch_send(int fd, struct batch *b, unsigned long long *counter)
{
	int n;

	for (int i = 0; i < BATCH; i++)
		put_le64(b->bufs[i] + 8, *counter + (unsigned int)i);
	n = sendmmsg(fd, b->msgs, BATCH, 0);
	if (n < 0) {
		/* ENOBUFS/ECONNREFUSED: the path is full or an ICMP came back. */
		if (errno == ENOBUFS || errno == ECONNREFUSED || errno == EAGAIN)
			return 0;
		die("sendmmsg");
	}
	*counter += (unsigned int)n;
	return (unsigned int)n;
}

/* The generator's socket, at @from. */
static int data_socket(const struct sockaddr_in *from)
{
	int fd = udp_socket(SO_SNDBUFFORCE, SO_SNDBUF, 4 << 20);

	if (bind(fd, (const struct sockaddr *)from, sizeof(*from)))
		die("bind");
	return fd;
}

static int data(int argc, char **argv)
{
	static struct batch b;
	struct sockaddr_in from, to;
	unsigned long long sent = 0, counter = 1ULL << 20;
	double start, end, seconds;
	uint32_t index;
	size_t size;
	int fd;

	if (argc != 7)
		usage();
	addr4(&from, argv[0], argv[1]);
	addr4(&to, argv[2], argv[3]);
	index = (uint32_t)strtoul(argv[4], NULL, 16);
	size = (size_t)num(argv[5], 32, MAX_SIZE, 10);
	seconds = (double)num(argv[6], 1, 600, 10);

	fd = data_socket(&from);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)))
		die("connect");
	batch_init(&b, size, index);
	start = now();
	end = start + seconds;
	while (now() < end)
		sent += batch_send(fd, &b, &counter);
	seconds = now() - start;
	printf("sent %llu seconds %.3f pps %.0f\n", sent, seconds, (double)sent / seconds);
	return 0;
}

/* "ADDR:PORT" into @sin. */
static void addr4_port(struct sockaddr_in *sin, const char *s)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(addr)) {
		fprintf(stderr, "wgr-load: bad ADDR:PORT '%s'\n", s);
		exit(2);
	}
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	addr4(sin, addr, colon + 1);
}

static int alt(int argc, char **argv)
{
	static struct batch b[2];
	unsigned long long sent[2] = { 0 }, counter = 1ULL << 20, slices = 0;
	double spent[2] = { 0 }, end, slice, seconds;
	struct sockaddr_in from, to;
	int fd[2], first;
	size_t size;

	if (argc != 11)
		usage();
	size = (size_t)num(argv[1], 32, MAX_SIZE, 10);
	seconds = (double)num(argv[2], 1, 600, 10);
	slice = (double)num(argv[3], 10, 10000, 10) / 1000;
	if (strcmp(argv[4], "a") && strcmp(argv[4], "b"))
		usage();
	first = argv[4][0] == 'b';
	for (int w = 0; w < 2; w++) {
		addr4(&from, argv[0], argv[5 + 3 * w]);
		addr4_port(&to, argv[6 + 3 * w]);
		fd[w] = data_socket(&from);
		if (connect(fd[w], (struct sockaddr *)&to, sizeof(to)))
			die("connect");
		batch_init(&b[w], size, (uint32_t)num(argv[7 + 3 * w], 0, 0xffffffffL, 16));
	}
	end = now() + seconds;
	/* The last slice runs to its end: each rate is over the time spent on it. */
	for (int w = first;; w ^= 1, slices++) {
		double t0 = now(), t1 = t0 + slice, t;

		if (t0 >= end)
			break;
		do {
			sent[w] += batch_send(fd[w], &b[w], &counter);
			t = now();
		} while (t < t1);
		spent[w] += t - t0;
	}
	printf("a_sent %llu a_seconds %.3f b_sent %llu b_seconds %.3f slices %llu\n",
	       sent[0], spent[0], sent[1], spent[1], slices);
	return 0;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

#define INIT_LEN 148
#define INIT_MAC1 116

struct init_pkt {
	struct iphdr ip;
	struct udphdr udp;
	uint8_t msg[INIT_LEN];
};

static int init(int argc, char **argv)
{
	static struct init_pkt pkts[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to, base;
	uint8_t pub[32], label[40], key[32];
	unsigned long long sent = 0;
	double start, end, seconds;
	uint32_t n_src, round = 0, next = 0;
	int fd, fresh;

	if (argc != 7)
		usage();
	addr4(&to, argv[0], argv[1]);
	if (!key_from_base64(pub, argv[2])) {
		fprintf(stderr, "wgr-load: bad public key '%s'\n", argv[2]);
		return 2;
	}
	seconds = (double)num(argv[3], 1, 600, 10);
	addr4(&base, argv[4], "0");
	n_src = (uint32_t)num(argv[5], 1, 65536, 10);
	if (!strcmp(argv[6], "same"))
		fresh = 0;
	else if (!strcmp(argv[6], "fresh"))
		fresh = 1;
	else
		usage();

	memcpy(label, "mac1----", 8);
	memcpy(label + 8, pub, 32);
	test_blake2s(key, 32, label, sizeof(label), NULL, 0);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("socket");
	for (int i = 0; i < BATCH; i++) {
		memset(&msgs[i], 0, sizeof(msgs[i]));
		iov[i].iov_base = &pkts[i];
		iov[i].iov_len = sizeof(pkts[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	start = now();
	end = start + seconds;
	/* Small batches: each initiation may cost the relay a long mac1 scan. */
	while (now() < end) {
		const int batch = 4;
		int n;

		for (int i = 0; i < batch; i++) {
			struct init_pkt *p = &pkts[i];
			uint32_t src = ntohl(base.sin_addr.s_addr) + next;
			uint16_t sport = (uint16_t)(20000 + (fresh ? round % 40000 : 0));

			memset(p, 0, sizeof(*p));
			p->ip.version = 4;
			p->ip.ihl = 5;
			p->ip.ttl = 64;
			p->ip.protocol = IPPROTO_UDP;
			p->ip.tot_len = htons(sizeof(*p));
			p->ip.saddr = htonl(src);
			p->ip.daddr = to.sin_addr.s_addr;
			p->udp.source = htons(sport);
			p->udp.dest = to.sin_port;
			p->udp.len = htons(sizeof(p->udp) + INIT_LEN);
			/* No UDP checksum (0 is allowed over IPv4): one less thing to fake. */
			put_le32(p->msg, 1);
			if (getrandom(p->msg + 4, INIT_MAC1 - 4, 0) < 0)
				die("getrandom");
			test_blake2s(p->msg + INIT_MAC1, 16, p->msg, INIT_MAC1, key, 32);
			p->ip.check = csum(&p->ip, sizeof(p->ip));
			if (++next == n_src) {
				next = 0;
				round++;
			}
		}
		n = sendmmsg(fd, msgs, batch, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			die("sendmmsg");
		}
		sent += (unsigned int)n;
	}
	seconds = now() - start;
	printf("sent %llu seconds %.3f pps %.0f\n", sent, seconds, (double)sent / seconds);
	return 0;
}

static int keys(int argc, char **argv)
{
	long n;

	if (argc != 1)
		usage();
	n = num(argv[0], 1, 1 << 20, 10);
	for (long k = 0; k < n; k++) {
		uint8_t raw[33] = { 0 };
		char out[45];
		int o = 0;

		if (getrandom(raw, 32, 0) != 32)
			die("getrandom");
		for (int i = 0; i < 33; i += 3) {
			uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

			out[o++] = b64[v >> 18 & 63];
			out[o++] = b64[v >> 12 & 63];
			out[o++] = b64[v >> 6 & 63];
			out[o++] = b64[v & 63];
		}
		out[43] = '=';
		out[44] = 0;
		puts(out);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "sink"))
		return sink(argc - 2, argv + 2, false);
	if (!strcmp(argv[1], "sinks"))
		return sink(argc - 2, argv + 2, true);
	if (!strcmp(argv[1], "alt"))
		return alt(argc - 2, argv + 2);
	if (!strcmp(argv[1], "data"))
		return data(argc - 2, argv + 2);
	if (!strcmp(argv[1], "init"))
		return init(argc - 2, argv + 2);
	if (!strcmp(argv[1], "keys"))
		return keys(argc - 2, argv + 2);
	usage();
	return 2;
}
