// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's validation of WireGuard messages (module/messages.h, compiled here as
 * it is in the module): every well-formed shape is accepted, every malformed one
 * is refused, and fields come from the right offsets in the right byte order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wgr_user.h"

static u8 buf[2048];

static void msg_init(u8 type, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 1);
	buf[0] = type;
	buf[1] = buf[2] = buf[3] = 0;
	(void)len;
}

static void test_exact_sizes(void **state)
{
	(void)state;
	msg_init(1, 148);
	assert_int_equal(wgr_message_type_of(buf, 148), WGR_MSG_INITIATION);
	assert_int_equal(wgr_message_type_of(buf, 147), WGR_MSG_INVALID);
	assert_int_equal(wgr_message_type_of(buf, 149), WGR_MSG_INVALID);
	assert_int_equal(wgr_message_type_of(buf, 92), WGR_MSG_INVALID);
	msg_init(2, 92);
	assert_int_equal(wgr_message_type_of(buf, 92), WGR_MSG_RESPONSE);
	assert_int_equal(wgr_message_type_of(buf, 91), WGR_MSG_INVALID);
	assert_int_equal(wgr_message_type_of(buf, 93), WGR_MSG_INVALID);
	assert_int_equal(wgr_message_type_of(buf, 148), WGR_MSG_INVALID);
	msg_init(3, 64);
	assert_int_equal(wgr_message_type_of(buf, 64), WGR_MSG_COOKIE);
	assert_int_equal(wgr_message_type_of(buf, 63), WGR_MSG_INVALID);
	assert_int_equal(wgr_message_type_of(buf, 65), WGR_MSG_INVALID);
}

static void test_data_sizes(void **state)
{
	unsigned int len;

	(void)state;
	msg_init(4, 32);
	assert_int_equal(wgr_message_type_of(buf, 31), WGR_MSG_INVALID);
	/* Keepalives are 32 bytes; padding stops at the MTU, so any size above goes. */
	for (len = 32; len <= 1500; len++)
		assert_int_equal(wgr_message_type_of(buf, len), WGR_MSG_DATA);
	assert_int_equal(wgr_message_type_of(buf, 1452), WGR_MSG_DATA);
	assert_int_equal(wgr_message_type_of(buf, 65507), WGR_MSG_DATA);
}

static void test_short_and_unknown(void **state)
{
	unsigned int type, len;

	(void)state;
	for (len = 0; len < 4; len++) {
		msg_init(4, len);
		assert_int_equal(wgr_message_type_of(buf, len), WGR_MSG_INVALID);
	}
	for (type = 0; type < 256; type++) {
		if (type >= 1 && type <= 4)
			continue;
		msg_init((u8)type, 148);
		assert_int_equal(wgr_message_type_of(buf, 148), WGR_MSG_INVALID);
		assert_int_equal(wgr_message_type_of(buf, 92), WGR_MSG_INVALID);
		assert_int_equal(wgr_message_type_of(buf, 64), WGR_MSG_INVALID);
		assert_int_equal(wgr_message_type_of(buf, 100), WGR_MSG_INVALID);
	}
}

static void test_reserved_bytes(void **state)
{
	static const unsigned int sizes[] = { 0, 148, 92, 64, 32 };
	unsigned int type, byte, bit;

	(void)state;
	for (type = 1; type <= 4; type++) {
		for (byte = 1; byte < 4; byte++) {
			for (bit = 0; bit < 8; bit++) {
				msg_init((u8)type, sizes[type]);
				buf[byte] = (u8)(1u << bit);
				assert_int_equal(wgr_message_type_of(buf, sizes[type]),
						 WGR_MSG_INVALID);
			}
		}
	}
}

static void test_fields(void **state)
{
	static const u8 idx[4] = { 0x78, 0x56, 0x34, 0x12 };
	static const u8 ctr[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };

	(void)state;
	msg_init(1, 148);
	memcpy(buf + 4, idx, 4);
	assert_int_equal(wgr_initiation_sender(buf), 0x12345678);

	msg_init(2, 92);
	memcpy(buf + 4, idx, 4);
	buf[8] = 0xef; buf[9] = 0xbe; buf[10] = 0xad; buf[11] = 0xde;
	assert_int_equal(wgr_response_sender(buf), 0x12345678);
	assert_int_equal(wgr_response_receiver(buf), 0xdeadbeef);

	msg_init(3, 64);
	memcpy(buf + 4, idx, 4);
	assert_int_equal(wgr_cookie_receiver(buf), 0x12345678);

	msg_init(4, 32);
	memcpy(buf + 4, idx, 4);
	memcpy(buf + 8, ctr, 8);
	assert_int_equal(wgr_data_receiver(buf), 0x12345678);
	assert_true(wgr_data_counter(buf) == 0x0102030405060708ull);
}

static void test_header_lens(void **state)
{
	(void)state;
	/* Handshakes are read whole (mac1 covers them); data only to the counter. */
	assert_int_equal(wgr_message_header_len(WGR_MSG_INITIATION), 148);
	assert_int_equal(wgr_message_header_len(WGR_MSG_RESPONSE), 92);
	/* The relay opens targets' cookie replies: the whole message is read. */
	assert_int_equal(wgr_message_header_len(WGR_MSG_COOKIE), 64);
	assert_int_equal(wgr_message_header_len(WGR_MSG_DATA), 16);
	assert_int_equal(wgr_message_header_len(WGR_MSG_INVALID), 0);
	/* Never more than the smallest valid message of the type. */
	assert_true(wgr_message_header_len(WGR_MSG_COOKIE) <= WGR_COOKIE_LEN);
	assert_true(wgr_message_header_len(WGR_MSG_DATA) <= WGR_DATA_MIN_LEN);
	assert_int_equal(wgr_mac1_offset(WGR_MSG_INITIATION), 116);
	assert_int_equal(wgr_mac1_offset(WGR_MSG_RESPONSE), 60);
	assert_int_equal(wgr_mac1_offset(WGR_MSG_DATA), 0);
	assert_int_equal(wgr_mac1_offset(WGR_MSG_COOKIE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_sizes),
		cmocka_unit_test(test_data_sizes),
		cmocka_unit_test(test_short_and_unknown),
		cmocka_unit_test(test_reserved_bytes),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_header_lens),
	};

	return cmocka_run_group_tests_name("messages", tests, NULL, NULL);
}
