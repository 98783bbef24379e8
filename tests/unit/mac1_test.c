// SPDX-License-Identifier: GPL-2.0
/*
 * mac1 routing (module/messages.h): the relay derives each peer's mac1 key from its
 * public key and recognises messages addressed to it. Vectors come from Python's
 * hashlib (independent of both BLAKE2s implementations) and from real WireGuard
 * handshakes captured in the lab (mac1_captured.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wgr_user.h"

struct mac1_vector {
	u8 public_key[32];
	u8 mac1_key[32];
	unsigned int len;
	u8 msg[148];
};

#include "mac1_vectors.h"
#include "mac1_captured.h"

static void test_blake2s_rfc7693(void **state)
{
	static const u8 abc_digest[32] = {
		0x50, 0x8c, 0x5e, 0x8c, 0x32, 0x7c, 0x14, 0xe2, 0xe1, 0xa7, 0x2b, 0xa3,
		0x4e, 0xeb, 0x45, 0x2f, 0x37, 0x45, 0x8b, 0x20, 0x9e, 0xd6, 0x3a, 0x29,
		0x4d, 0x99, 0x9b, 0x4c, 0x86, 0x67, 0x59, 0x82,
	};
	u8 out[32];

	(void)state;
	test_blake2s(out, 32, (const u8 *)"abc", 3, NULL, 0);
	assert_memory_equal(out, abc_digest, 32);
}

static void check_vector(const struct mac1_vector *v)
{
	enum wgr_message_type type = wgr_message_type_of(v->msg, v->len);
	unsigned int off = wgr_mac1_offset(type);
	u8 key[32], msg[148], other[32];
	unsigned int i;

	assert_true(type == WGR_MSG_INITIATION || type == WGR_MSG_RESPONSE);
	wgr_mac1_key(key, v->public_key);
	assert_memory_equal(key, v->mac1_key, 32);
	assert_true(wgr_mac1_valid(v->msg, off, key));

	/* Any other receiver's key fails. */
	memcpy(other, v->public_key, 32);
	other[31] ^= 1;
	wgr_mac1_key(other, other);
	assert_false(wgr_mac1_valid(v->msg, off, other));

	/* So does any change to the covered bytes or to mac1 itself. */
	for (i = 0; i < off + WGR_MAC1_LEN; i++) {
		memcpy(msg, v->msg, v->len);
		msg[i] ^= 0x80;
		assert_false(wgr_mac1_valid(msg, off, key));
	}
	/* mac2 (after mac1) is not covered. */
	for (i = off + WGR_MAC1_LEN; i < v->len; i++) {
		memcpy(msg, v->msg, v->len);
		msg[i] ^= 0x80;
		assert_true(wgr_mac1_valid(msg, off, key));
	}
}

static void test_python_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(python_vectors) / sizeof(python_vectors[0]); i++)
		check_vector(&python_vectors[i]);
}

static void test_captured_vectors(void **state)
{
	size_t i;

	(void)state;
	assert_true(sizeof(captured_vectors) / sizeof(captured_vectors[0]) >= 2);
	for (i = 0; i < sizeof(captured_vectors) / sizeof(captured_vectors[0]); i++)
		check_vector(&captured_vectors[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blake2s_rfc7693),
		cmocka_unit_test(test_python_vectors),
		cmocka_unit_test(test_captured_vectors),
	};

	return cmocka_run_group_tests_name("mac1", tests, NULL, NULL);
}
