// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: mac1 routing (module/messages.h with tests/unit/blake2s.c). Input:
 * a 32-byte public key, 2 bytes that pick a bit, then one UDP payload. For a
 * handshake message (given exactly its bytes, as the relay has it linear):
 *  - mac1 sits where the protocol puts it (offset 116 or 60);
 *  - wgr_mac1_key() is BLAKE2s-256("mac1----" || key), computed here separately;
 *  - wgr_mac1_valid() agrees with BLAKE2s-128 over the bytes before mac1;
 *  - once the message carries the right mac1 it is valid, and flipping the picked
 *    bit makes it invalid if the bit is before the end of mac1 and leaves it
 *    valid if it is in mac2; another receiver's key never validates it.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 pub[WGR_KEY_LEN], key[WGR_KEY_LEN], want[WGR_KEY_LEN], other[WGR_KEY_LEN];
	u8 label[WGR_MAC1_LABEL_LEN + WGR_KEY_LEN], mac[WGR_MAC1_LEN], *msg;
	enum wgr_message_type type;
	unsigned int len, off, bit;
	bool valid;

	if (size < WGR_KEY_LEN + 2 + WGR_HEADER_LEN || size > WGR_KEY_LEN + 2 + 65507)
		return 0;
	memcpy(pub, data, WGR_KEY_LEN);
	bit = data[WGR_KEY_LEN] | data[WGR_KEY_LEN + 1] << 8;
	data += WGR_KEY_LEN + 2;
	len = (unsigned int)(size - WGR_KEY_LEN - 2);

	wgr_mac1_key(key, pub);
	memcpy(label, "mac1----", 8);
	memcpy(label + 8, pub, WGR_KEY_LEN);
	test_blake2s(want, WGR_KEY_LEN, label, sizeof(label), NULL, 0);
	CHECK(!memcmp(key, want, WGR_KEY_LEN));

	type = wgr_message_type_of(data, len);
	off = wgr_mac1_offset(type);
	/* Where the protocol puts mac1: after 116 bytes of an initiation, 60 of a response. */
	CHECK(off == (type == WGR_MSG_INITIATION ? 116u : type == WGR_MSG_RESPONSE ? 60u : 0u));
	if (!off)
		return 0;
	CHECK(off + WGR_MAC1_LEN <= len && wgr_message_header_len(type) == len);
	msg = malloc(len);
	memcpy(msg, data, len);

	valid = wgr_mac1_valid(msg, off, key);
	test_blake2s(mac, WGR_MAC1_LEN, msg, off, key, WGR_KEY_LEN);
	CHECK(valid == !memcmp(mac, msg + off, WGR_MAC1_LEN));

	memcpy(msg + off, mac, WGR_MAC1_LEN);
	CHECK(wgr_mac1_valid(msg, off, key));
	memcpy(other, pub, WGR_KEY_LEN);
	other[bit % WGR_KEY_LEN] ^= (u8)(1 << (bit / WGR_KEY_LEN % 8));
	wgr_mac1_key(other, other);
	CHECK(!wgr_mac1_valid(msg, off, other));

	bit %= len * 8;
	msg[bit / 8] ^= (u8)(1 << (bit % 8));
	CHECK(wgr_mac1_valid(msg, off, key) == (bit / 8 >= off + WGR_MAC1_LEN));
	free(msg);
	return 0;
}
