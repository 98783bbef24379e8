// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the module's wire-format code (module/messages.h), compiled as the
 * module compiles it. The input is one UDP payload. Each call sees only as many
 * bytes as the module makes available to it, in a buffer of exactly that size, so
 * AddressSanitizer catches a read past what the relay pulled:
 *  - wgr_message_type_of() gets the 4-byte type word only, as relay.c copies it;
 *  - the field readers get exactly wgr_message_header_len(type) bytes.
 * It also checks the result against the protocol as written in the WireGuard paper
 * (exact sizes for types 1-3, at least 32 bytes for type 4, reserved bytes zero),
 * that the header length never exceeds the datagram, and that mac1 lies inside it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../unit/wgr_user.h"

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                     \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* The specification, independently of messages.h's switch. */
static enum wgr_message_type expected_type(const uint8_t *d, size_t len)
{
	if (len < 4 || d[1] || d[2] || d[3])
		return WGR_MSG_INVALID;
	if ((d[0] == 1 && len == 148) || (d[0] == 2 && len == 92) || (d[0] == 3 && len == 64) ||
	    (d[0] == 4 && len >= 32))
		return (enum wgr_message_type)d[0];
	return WGR_MSG_INVALID;
}

static u32 le32_at(const uint8_t *d, size_t off)
{
	return (u32)d[off] | (u32)d[off + 1] << 8 | (u32)d[off + 2] << 16 | (u32)d[off + 3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The relay sees UDP payloads up to 65507 bytes; its lengths are unsigned int. */
	unsigned int len = size > 65507 ? 65507 : (unsigned int)size;
	enum wgr_message_type type;
	unsigned int hlen, mac_off;
	u8 *head, *msg;

	if (len < WGR_HEADER_LEN) {
		/* The buffer may be shorter than 4 here: type_of must not read it. */
		head = malloc(len ? len : 1);
		memcpy(head, data, len);
		CHECK(wgr_message_type_of(head, len) == WGR_MSG_INVALID);
		free(head);
		return 0;
	}
	head = malloc(WGR_HEADER_LEN);
	memcpy(head, data, WGR_HEADER_LEN);
	type = wgr_message_type_of(head, len);
	free(head);
	CHECK(type == expected_type(data, len));
	hlen = wgr_message_header_len(type);
	mac_off = wgr_mac1_offset(type);
	if (type == WGR_MSG_INVALID) {
		CHECK(hlen == 0 && mac_off == 0);
		return 0;
	}
	/* What relay.c pulls before it reads fields: never more than the datagram. */
	CHECK(hlen >= WGR_HEADER_LEN && hlen <= len && hlen <= WGR_MAX_HEADER_LEN);
	msg = malloc(hlen);
	memcpy(msg, data, hlen);
	switch (type) {
	case WGR_MSG_INITIATION:
		CHECK(wgr_initiation_sender(msg) == le32_at(data, 4));
		CHECK(mac_off == 116 && mac_off + WGR_MAC1_LEN <= hlen);
		break;
	case WGR_MSG_RESPONSE:
		CHECK(wgr_response_sender(msg) == le32_at(data, 4));
		CHECK(wgr_response_receiver(msg) == le32_at(data, 8));
		CHECK(mac_off == 60 && mac_off + WGR_MAC1_LEN <= hlen);
		break;
	case WGR_MSG_COOKIE:
		CHECK(wgr_cookie_receiver(msg) == le32_at(data, 4));
		CHECK(mac_off == 0);
		break;
	case WGR_MSG_DATA:
		CHECK(wgr_data_receiver(msg) == le32_at(data, 4));
		CHECK(wgr_data_counter(msg) ==
		      ((u64)le32_at(data, 8) | (u64)le32_at(data, 12) << 32));
		CHECK(mac_off == 0);
		break;
	default:
		CHECK(!"unreachable");
	}
	free(msg);
	return 0;
}
