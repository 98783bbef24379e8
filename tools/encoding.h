/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_ENCODING_H
#define RELAYCTL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/wgrelay.h>

#define KEY_B64_LEN	44	/* base64 of WGRELAY_KEY_LEN bytes, without the NUL */

/* An endpoint as the kernel takes it; sa_family == AF_UNSPEC means "none". */
union wgr_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* One of the relay's own addresses, as 4 or 16 bytes; len 0: not known. */
struct wgr_local {
	uint8_t addr[16];
	uint8_t len;
};

/* Longest "[addr%scope]:port" we print. */
#define ENDPOINT_STRLEN	(INET6_ADDRSTRLEN + 16 + 10)

bool key_from_base64(uint8_t key[WGRELAY_KEY_LEN], const char *b64);
void key_to_base64(char b64[KEY_B64_LEN + 1], const uint8_t key[WGRELAY_KEY_LEN]);
bool name_is_valid(const char *name);
int endpoint_parse(union wgr_sockaddr *ep, const char *text);
void endpoint_format(char *buf, size_t len, const union wgr_sockaddr *ep);
size_t endpoint_len(const union wgr_sockaddr *ep);
bool endpoint_equal(const union wgr_sockaddr *a, const union wgr_sockaddr *b);
int parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out);
int parse_bool(const char *text, bool *out);
bool utf8_is_valid(const char *s, size_t len);

#endif
