// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-forge: an attacker on the Internet, for the lab only. It knows every public
 * key and sends what such an attacker can make: handshake messages with valid
 * mac1, data messages with guessed indices, and garbage, at a bounded rate.
 *
 *   wgr-forge MODE ADDR PORT COUNT PPS [PUBKEY]
 *
 * MODE: garbage     random bytes of random length (0-1500), some with valid types
 *       initiation  148-byte initiations, random sender, mac1 valid for PUBKEY
 *       response    92-byte responses, random indices, mac1 valid for PUBKEY
 *       cookie      64-byte cookie replies to random indices
 *       data        type-4 messages with random receiver indices and counters
 * PPS bounds the rate; COUNT the total. Exits 0 when all were sent.
 *
 *   wgr-forge stage ADDR PORT PUB_BAIT PUB_TARGET PUB_VICTIM
 *
 * Plays both ends of a handshake through discovery, from two sockets of its own:
 * socket B initiates to BAIT (so that it is a discovery candidate), socket A
 * initiates to TARGET, B answers the copy the relay sends it with a response
 * whose mac1 names VICTIM, and A sends the first data on it. To the relay this
 * looks like VICTIM (at A) completing a handshake with TARGET (at B). Exits 0 if
 * the relay passed on every step (B got the copy, A got the response).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit/blake2s.h"
#include "encoding.h"

static void fill_random(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len) {
		perror("getrandom");
		exit(1);
	}
}

static void set_mac1(uint8_t *msg, size_t mac_off, const uint8_t pub[32])
{
	uint8_t label[40], key[32];

	memcpy(label, "mac1----", 8);
	memcpy(label + 8, pub, 32);
	test_blake2s(key, 32, label, sizeof(label), NULL, 0);
	test_blake2s(msg + mac_off, 16, msg, mac_off, key, 32);
}

static size_t make(const char *mode, uint8_t *msg, const uint8_t *pub)
{
	uint16_t r16;
	size_t len;

	if (!strcmp(mode, "garbage")) {
		fill_random(&r16, sizeof(r16));
		len = r16 % 1501;
		fill_random(msg, len);
		/* A quarter look like WireGuard at a glance: a valid type byte. */
		if (len >= 4 && r16 % 4 == 0) {
			msg[0] = (uint8_t)(1 + r16 % 4);
			if (r16 % 8 == 0)
				msg[1] = msg[2] = msg[3] = 0;
		}
		return len;
	}
	if (!strcmp(mode, "initiation")) {
		fill_random(msg, 148);
		memcpy(msg, "\1\0\0\0", 4);
		set_mac1(msg, 116, pub);
		return 148;
	}
	if (!strcmp(mode, "response")) {
		fill_random(msg, 92);
		memcpy(msg, "\2\0\0\0", 4);
		set_mac1(msg, 60, pub);
		return 92;
	}
	if (!strcmp(mode, "cookie")) {
		fill_random(msg, 64);
		memcpy(msg, "\3\0\0\0", 4);
		return 64;
	}
	if (!strcmp(mode, "data")) {
		fill_random(&r16, sizeof(r16));
		len = 32 + 16 * (r16 % 8);
		fill_random(msg, len);
		memcpy(msg, "\4\0\0\0", 4);
		return len;
	}
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int stage_socket(const struct sockaddr_storage *to, socklen_t len)
{
	struct timeval tv = { .tv_sec = 3 };
	int fd = socket(to->ss_family, SOCK_DGRAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (const struct sockaddr *)to, len)) {
		perror("wgr-forge: stage socket");
		exit(1);
	}
	return fd;
}

/* Receive until a message of @type comes, or time runs out. */
static int stage_wait(int fd, uint8_t type, uint8_t *buf, size_t len)
{
	for (int i = 0; i < 20; i++) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0)
			return -1;
		if (n >= 4 && buf[0] == type)
			return (int)n;
	}
	return -1;
}

static int stage(const struct sockaddr_storage *to, socklen_t len, char **keys)
{
	uint8_t bait[32], target[32], victim[32], msg[1600];
	uint32_t s_index, r_index;
	int a, b;

	if (!key_from_base64(bait, keys[0]) || !key_from_base64(target, keys[1]) ||
	    !key_from_base64(victim, keys[2])) {
		fprintf(stderr, "wgr-forge: stage needs three base64 public keys\n");
		return 2;
	}
	a = stage_socket(to, len);
	b = stage_socket(to, len);
	fill_random(&s_index, sizeof(s_index));
	fill_random(&r_index, sizeof(r_index));

	make("initiation", msg, bait);
	if (send(b, msg, 148, 0) < 0)
		return perror("send"), 1;
	usleep(200000);
	make("initiation", msg, target);
	put_le32(msg + 4, s_index);
	set_mac1(msg, 116, target);
	if (send(a, msg, 148, 0) < 0)
		return perror("send"), 1;
	if (stage_wait(b, 1, msg, sizeof(msg)) != 148) {
		fprintf(stderr, "wgr-forge: stage: B got no discovery copy\n");
		return 1;
	}
	make("response", msg, victim);
	put_le32(msg + 4, r_index);
	put_le32(msg + 8, s_index);
	set_mac1(msg, 60, victim);
	if (send(b, msg, 92, 0) < 0)
		return perror("send"), 1;
	if (stage_wait(a, 2, msg, sizeof(msg)) != 92) {
		fprintf(stderr, "wgr-forge: stage: A got no response\n");
		return 1;
	}
	make("data", msg, NULL);
	put_le32(msg + 4, r_index);
	memset(msg + 8, 0, 8);
	if (send(a, msg, 32, 0) < 0)
		return perror("send"), 1;
	printf("staged: victim at A, target at B\n");
	return 0;
}

int main(int argc, char *argv[])
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	uint8_t pub[32] = { 0 }, msg[1600];
	long count, pps;
	socklen_t sslen;
	int fd;

	if (argc < 6) {
		fprintf(stderr, "usage: wgr-forge MODE ADDR PORT COUNT PPS [PUBKEY]\n"
				"       wgr-forge stage ADDR PORT PUB_BAIT PUB_TARGET PUB_VICTIM\n");
		return 2;
	}
	if (!strcmp(argv[1], "stage")) {
		if (argc != 7 || inet_pton(AF_INET, argv[2], &sin->sin_addr) != 1) {
			fprintf(stderr, "wgr-forge: stage IPV4ADDR PORT PUB_BAIT PUB_TARGET PUB_VICTIM\n");
			return 2;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(argv[3]));
		return stage(&ss, sizeof(*sin), argv + 4);
	}
	count = strtol(argv[4], NULL, 10);
	pps = strtol(argv[5], NULL, 10);
	if (count <= 0 || count > 10000000 || pps <= 0 || pps > 1000000) {
		fprintf(stderr, "wgr-forge: COUNT must be 1..10000000 and PPS 1..1000000\n");
		return 2;
	}
	if ((!strcmp(argv[1], "initiation") || !strcmp(argv[1], "response")) &&
	    (argc < 7 || !key_from_base64(pub, argv[6]))) {
		fprintf(stderr, "wgr-forge: %s needs a base64 PUBKEY\n", argv[1]);
		return 2;
	}
	if (!make(argv[1], msg, pub) && strcmp(argv[1], "garbage")) {
		fprintf(stderr, "wgr-forge: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	if (inet_pton(AF_INET, argv[2], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(argv[3]));
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, argv[2], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(argv[3]));
		sslen = sizeof(*sin6);
	} else {
		fprintf(stderr, "wgr-forge: bad address '%s'\n", argv[2]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		size_t len = make(argv[1], msg, pub);

		/* Losses to a full queue are fine; anything else is a broken lab. */
		if (sendto(fd, msg, len, 0, (struct sockaddr *)&ss, sslen) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
			perror("sendto");
			return 1;
		}
		if ((i + 1) % (pps / 100 + 1) == 0) {
			struct timespec ts = { 0, (long)(1e9 / pps * (pps / 100 + 1)) };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return 0;
}
