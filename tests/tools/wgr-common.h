/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lab's packet tools (wgr-forge, wgr-pktfuzz) share: randomness, the
 * little-endian fields of WireGuard messages, mac1, endpoints, checksums.
 */
#ifndef WGR_COMMON_H
#define WGR_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define WGR_INITIATION_LEN	148
#define WGR_RESPONSE_LEN	92
#define WGR_COOKIE_LEN		64
#define WGR_DATA_MIN_LEN	32
#define WGR_INITIATION_MAC1	116
#define WGR_RESPONSE_MAC1	60

/* @len random bytes into @buf; exits on failure. */
void fill_random(void *buf, size_t len);

/* mac1 at @mac_off of @msg, valid for the peer whose public key is @pub. */
void set_mac1(uint8_t *msg, size_t mac_off, const uint8_t pub[32]);

/* The same in two steps: the key once per peer (HASH("mac1----" || pub)), then each mac1. */
void mac1_key(uint8_t key[32], const uint8_t pub[32]);
void set_mac1_keyed(uint8_t *msg, size_t mac_off, const uint8_t key[32]);

void put_le32(uint8_t *p, uint32_t v);
void put_le64(uint8_t *p, uint64_t v);
uint32_t get_le32(const uint8_t *p);
uint64_t get_le64(const uint8_t *p);

/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

/* ADDR PORT into @ss; returns its length, 0 if ADDR is no address. */
socklen_t parse_ep(struct sockaddr_storage *ss, const char *addr, const char *port);

/* @n base64 public keys into @out; false if one is not a key. */
bool parse_keys(uint8_t (*out)[32], char **keys, int n);

/* The Internet checksum: add @data to a running @sum, then fold it. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);

/*
 * A raw socket of @family (AF_INET or AF_INET6) whose writes carry their own IP
 * header. Returns the descriptor, or -1 (errno set).
 */
int raw_hdrincl_socket(int family);

#endif /* WGR_COMMON_H */
