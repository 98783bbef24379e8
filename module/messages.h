/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WireGuard wire format, as far as a relay may read it.
 *
 * Pure functions over a byte buffer: no kernel or libc calls, so the same header
 * compiles in the module and in the user-space unit tests. The caller provides
 * u8/u32/u64 and WGR_LE32/WGR_LE64 loaders before including it outside the kernel.
 */
#ifndef _WGR_MESSAGES_H
#define _WGR_MESSAGES_H

#ifdef __KERNEL__
#include <linux/types.h>
#define WGR_LE32(p) get_unaligned_le32(p)
#define WGR_LE64(p) get_unaligned_le64(p)
#include <linux/string.h>
#include <crypto/algapi.h>
#define WGR_MEMNEQ(a, b, n) crypto_memneq(a, b, n)
#endif

enum wgr_message_type {
	WGR_MSG_INVALID = 0,
	WGR_MSG_INITIATION = 1,
	WGR_MSG_RESPONSE = 2,
	WGR_MSG_COOKIE = 3,
	WGR_MSG_DATA = 4,
};

enum {
	WGR_INITIATION_LEN = 148,
	WGR_RESPONSE_LEN = 92,
	WGR_COOKIE_LEN = 64,
	/* header (4), receiver (4), counter (8), and an empty payload's tag (16) */
	WGR_DATA_MIN_LEN = 32,
	WGR_HEADER_LEN = 4,

	WGR_INITIATION_SENDER_OFF = 4,
	WGR_INITIATION_MAC1_OFF = 116,
	WGR_RESPONSE_SENDER_OFF = 4,
	WGR_RESPONSE_RECEIVER_OFF = 8,
	WGR_RESPONSE_MAC1_OFF = 60,
	WGR_COOKIE_RECEIVER_OFF = 4,
	WGR_DATA_RECEIVER_OFF = 4,
	WGR_DATA_COUNTER_OFF = 8,

	WGR_MAC1_LEN = 16,
	WGR_KEY_LEN = 32,
	/* The largest prefix wgr_message_validate() needs to see. */
	WGR_MAX_HEADER_LEN = WGR_INITIATION_LEN,
};

/* BLAKE2s-256("mac1----" || public key) keys mac1 for messages to that key's owner. */
#define WGR_MAC1_LABEL "mac1----"
#define WGR_MAC1_LABEL_LEN 8

/**
 * wgr_message_type_of - classify a datagram's payload
 * @msg: the UDP payload
 * @len: its length in bytes; the buffer must hold min(len, WGR_MAX_HEADER_LEN)
 *       readable bytes, and at least WGR_HEADER_LEN when len >= WGR_HEADER_LEN
 *
 * The type is a little-endian u32 whose upper three bytes are reserved and must
 * be zero. Types 1-3 have exact sizes; type 4 has a minimum. Everything else,
 * including a valid type at a wrong size, is invalid.
 *
 * Return: the message type, or WGR_MSG_INVALID.
 */
static inline enum wgr_message_type wgr_message_type_of(const u8 *msg, unsigned int len)
{
	if (len < WGR_HEADER_LEN)
		return WGR_MSG_INVALID;
	switch (WGR_LE32(msg)) {
	case WGR_MSG_INITIATION:
		return len == WGR_INITIATION_LEN ? WGR_MSG_INITIATION : WGR_MSG_INVALID;
	case WGR_MSG_RESPONSE:
		return len == WGR_RESPONSE_LEN ? WGR_MSG_RESPONSE : WGR_MSG_INVALID;
	case WGR_MSG_COOKIE:
		return len == WGR_COOKIE_LEN ? WGR_MSG_COOKIE : WGR_MSG_INVALID;
	case WGR_MSG_DATA:
		return len >= WGR_DATA_MIN_LEN ? WGR_MSG_DATA : WGR_MSG_INVALID;
	default:
		return WGR_MSG_INVALID;
	}
}

/**
 * wgr_message_header_len - how many leading bytes the relay reads of a message
 * @type: a valid message type
 *
 * Return: the number of bytes that must be linear before fields are read.
 */
static inline unsigned int wgr_message_header_len(enum wgr_message_type type)
{
	switch (type) {
	case WGR_MSG_INITIATION:
		return WGR_INITIATION_LEN;
	case WGR_MSG_RESPONSE:
		return WGR_RESPONSE_LEN;
	case WGR_MSG_COOKIE:
		/* The relay opens targets' cookie replies: all of it. */
		return WGR_COOKIE_LEN;
	case WGR_MSG_DATA:
		return WGR_DATA_COUNTER_OFF + 8;
	default:
		return 0;
	}
}

/* Raw little-endian index fields: compared, hashed and reported as loaded. */
static inline u32 wgr_initiation_sender(const u8 *msg)
{
	return WGR_LE32(msg + WGR_INITIATION_SENDER_OFF);
}

static inline u32 wgr_response_sender(const u8 *msg)
{
	return WGR_LE32(msg + WGR_RESPONSE_SENDER_OFF);
}

static inline u32 wgr_response_receiver(const u8 *msg)
{
	return WGR_LE32(msg + WGR_RESPONSE_RECEIVER_OFF);
}

static inline u32 wgr_cookie_receiver(const u8 *msg)
{
	return WGR_LE32(msg + WGR_COOKIE_RECEIVER_OFF);
}

static inline u32 wgr_data_receiver(const u8 *msg)
{
	return WGR_LE32(msg + WGR_DATA_RECEIVER_OFF);
}

static inline u64 wgr_data_counter(const u8 *msg)
{
	return WGR_LE64(msg + WGR_DATA_COUNTER_OFF);
}

/**
 * wgr_mac1_offset - where mac1 sits in a handshake message
 * @type: WGR_MSG_INITIATION or WGR_MSG_RESPONSE
 *
 * mac1 covers every byte before it, so this is also the MACed length.
 * Return: the offset, or 0 for a type that carries no mac1.
 */
static inline unsigned int wgr_mac1_offset(enum wgr_message_type type)
{
	if (type == WGR_MSG_INITIATION)
		return WGR_INITIATION_MAC1_OFF;
	if (type == WGR_MSG_RESPONSE)
		return WGR_RESPONSE_MAC1_OFF;
	return 0;
}

/*
 * mac1 = BLAKE2s-128(key = BLAKE2s-256("mac1----" || receiver's public key),
 *                    the message up to mac1).
 * The environment provides wgr_blake2s(out, outlen, in, inlen, key, keylen) and
 * WGR_MEMNEQ(a, b, n) (constant time in the kernel).
 */
static inline void wgr_mac1_key(u8 key[WGR_KEY_LEN], const u8 public_key[WGR_KEY_LEN])
{
	u8 buf[WGR_MAC1_LABEL_LEN + WGR_KEY_LEN];

	memcpy(buf, WGR_MAC1_LABEL, WGR_MAC1_LABEL_LEN);
	memcpy(buf + WGR_MAC1_LABEL_LEN, public_key, WGR_KEY_LEN);
	wgr_blake2s(key, WGR_KEY_LEN, buf, sizeof(buf), NULL, 0);
}

/**
 * wgr_mac1_valid - does a handshake message carry mac1 for a given receiver?
 * @msg: the message; at least @mac_off + WGR_MAC1_LEN bytes
 * @mac_off: wgr_mac1_offset() of its type
 * @key: the receiver's precomputed wgr_mac1_key()
 *
 * Return: true if mac1 was made with @key, i.e. the message is addressed to the
 * owner of the public key @key was derived from.
 */
static inline bool wgr_mac1_valid(const u8 *msg, unsigned int mac_off,
				  const u8 key[WGR_KEY_LEN])
{
	u8 mac[WGR_MAC1_LEN];

	wgr_blake2s(mac, sizeof(mac), msg, mac_off, key, WGR_KEY_LEN);
	return !WGR_MEMNEQ(mac, msg + mac_off, WGR_MAC1_LEN);
}

#endif /* _WGR_MESSAGES_H */
