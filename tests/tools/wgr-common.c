// SPDX-License-Identifier: GPL-2.0
/* Helpers of the lab's packet tools; see wgr-common.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../unit/blake2s.h"
#include "encoding.h"
#include "wgr-common.h"

void fill_random(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len) {
		perror("getrandom");
		exit(1);
	}
}

void mac1_key(uint8_t key[32], const uint8_t pub[32])
{
	uint8_t label[40];

	memcpy(label, "mac1----", 8);
	memcpy(label + 8, pub, 32);
	test_blake2s(key, 32, label, sizeof(label), NULL, 0);
}

void set_mac1_keyed(uint8_t *msg, size_t mac_off, const uint8_t key[32])
{
	test_blake2s(msg + mac_off, 16, msg, mac_off, key, 32);
}

void set_mac1(uint8_t *msg, size_t mac_off, const uint8_t pub[32])
{
	uint8_t key[32];

	mac1_key(key, pub);
	set_mac1_keyed(msg, mac_off, key);
}

void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

socklen_t parse_ep(struct sockaddr_storage *ss, const char *addr, const char *port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(port));
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		return sizeof(*sin6);
	}
	return 0;
}

bool parse_keys(uint8_t (*out)[32], char **keys, int n)
{
	for (int i = 0; i < n; i++)
		if (!key_from_base64(out[i], keys[i]))
			return false;
	return true;
}

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int raw_hdrincl_socket(int family)
{
	int one = 1, fd = socket(family, SOCK_RAW, IPPROTO_RAW);

	if (fd < 0)
		return -1;
	if (family == AF_INET ?
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) :
	    setsockopt(fd, IPPROTO_IPV6, 36 /* IPV6_HDRINCL */, &one, sizeof(one))) {
		close(fd);
		return -1;
	}
	return fd;
}
