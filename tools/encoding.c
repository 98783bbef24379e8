// SPDX-License-Identifier: GPL-2.0
/*
 * Text forms of the values relayctl handles: base64 keys, peer names, endpoints,
 * bounded numbers and switches. No netlink here, so the unit tests link it alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encoding.h"
#include "error.h"

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict decoding, as wireguard-tools does it: exactly 44 characters, one '='
 * of padding, and the unused low bits of the last character zero, so that every
 * key has exactly one accepted spelling.
 */
bool key_from_base64(uint8_t key[WGRELAY_KEY_LEN], const char *b64)
{
	uint32_t acc = 0;
	int i, v, bits = 0;
	size_t out = 0;

	if (strlen(b64) != KEY_B64_LEN || b64[KEY_B64_LEN - 1] != '=')
		return false;
	for (i = 0; i < KEY_B64_LEN - 1; i++) {
		v = b64_value(b64[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			key[out++] = (uint8_t)(acc >> bits);
		}
	}
	/* 43 characters carry 258 bits: the 2 left over must be zero. */
	return out == WGRELAY_KEY_LEN && (acc & ((1U << bits) - 1)) == 0;
}

void key_to_base64(char b64[KEY_B64_LEN + 1], const uint8_t key[WGRELAY_KEY_LEN])
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int i, bits = 0;
	size_t out = 0;

	for (i = 0; i < WGRELAY_KEY_LEN; i++) {
		acc = (acc << 8) | key[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			b64[out++] = tab[(acc >> bits) & 63];
		}
	}
	b64[out++] = tab[(acc << (6 - bits)) & 63];
	b64[out++] = '=';
	b64[out] = '\0';
}

bool name_is_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len < 1 || len > WGRELAY_NAME_MAXLEN)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts signs and spaces; a setting should be plain digits. */
	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end || errno == ERANGE || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes" };
	static const char *const no[] = { "off", "false", "no" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(text, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int resolve(union wgr_sockaddr *ep, const char *host, const char *port,
		   const char *text, bool numeric)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
		.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0),
	};
	struct addrinfo *res;
	int ret, tries;

	/* Like wg: a resolver that is not up yet at boot answers EAI_AGAIN. */
	for (tries = 0; tries < 3; tries++) {
		ret = getaddrinfo(host, port, &hints, &res);
		if (ret != EAI_AGAIN)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 200000000 }, NULL);
	}
	if (ret) {
		set_error("invalid endpoint '%s': %s", text,
			  ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		return -EINVAL;
	}
	memset(ep, 0, sizeof(*ep));
	if (res->ai_addrlen > sizeof(*ep) ||
	    (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
		freeaddrinfo(res);
		set_error("invalid endpoint '%s': not an IP address", text);
		return -EINVAL;
	}
	memcpy(ep, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* "1.2.3.4:51820", "[2001:db8::1]:51820", "[fe80::1%eth0]:51820", "host:51820" */
int endpoint_parse(union wgr_sockaddr *ep, const char *text)
{
	char buf[512], *host, *port, *colon;
	uint32_t p;

	if (strlen(text) >= sizeof(buf)) {
		set_error("invalid endpoint '%.64s...': too long", text);
		return -EINVAL;
	}
	strcpy(buf, text);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || close[1] != ':') {
			set_error("invalid endpoint '%s': expected [ADDRESS]:PORT", text);
			return -EINVAL;
		}
		*close = '\0';
		host = buf + 1;
		port = close + 2;
	} else {
		colon = strrchr(buf, ':');
		if (!colon) {
			set_error("invalid endpoint '%s': expected HOST:PORT", text);
			return -EINVAL;
		}
		if (colon != strchr(buf, ':')) {
			set_error("invalid endpoint '%s': put IPv6 addresses in brackets, [ADDRESS]:PORT",
				  text);
			return -EINVAL;
		}
		*colon = '\0';
		host = buf;
		port = colon + 1;
	}
	if (!*host) {
		set_error("invalid endpoint '%s': no host", text);
		return -EINVAL;
	}
	if (parse_u32(port, 1, 65535, &p)) {
		set_error("invalid endpoint '%s': port must be 1-65535", text);
		return -EINVAL;
	}
	if (resolve(ep, host, port, text, buf[0] == '['))
		return -EINVAL;
	if (buf[0] == '[' && ep->sa.sa_family != AF_INET6) {
		set_error("invalid endpoint '%s': brackets are for IPv6 addresses", text);
		return -EINVAL;
	}
	return 0;
}

size_t endpoint_len(const union wgr_sockaddr *ep)
{
	switch (ep->sa.sa_family) {
	case AF_INET:
		return sizeof(ep->in);
	case AF_INET6:
		return sizeof(ep->in6);
	default:
		return 0;
	}
}

bool endpoint_equal(const union wgr_sockaddr *a, const union wgr_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	switch (a->sa.sa_family) {
	case AF_INET:
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	case AF_INET6:
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr));
	default:
		return true;
	}
}

void endpoint_format(char *buf, size_t len, const union wgr_sockaddr *ep)
{
	char addr[INET6_ADDRSTRLEN], scope[IF_NAMESIZE + 12] = "";

	switch (ep->sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &ep->in.sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(ep->in.sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &ep->in6.sin6_addr, addr, sizeof(addr));
		if (ep->in6.sin6_scope_id) {
			const struct in6_addr *a = &ep->in6.sin6_addr;
			char ifname[IF_NAMESIZE];

			/*
			 * By name only where getaddrinfo() takes a name back (glibc:
			 * link-local and node-local scopes); any other address keeps
			 * the number, or showconf prints what setconf refuses.
			 */
			if ((IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a) ||
			     IN6_IS_ADDR_MC_NODELOCAL(a)) &&
			    if_indextoname(ep->in6.sin6_scope_id, ifname))
				snprintf(scope, sizeof(scope), "%%%s", ifname);
			else
				snprintf(scope, sizeof(scope), "%%%u", ep->in6.sin6_scope_id);
		}
		snprintf(buf, len, "[%s%s]:%u", addr, scope, ntohs(ep->in6.sin6_port));
		break;
	default:
		snprintf(buf, len, "(none)");
	}
}

/* Rejects overlong forms, surrogates and code points above U+10FFFF. */
bool utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		uint32_t cp;
		int n, i;

		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (end - p <= n)
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}
