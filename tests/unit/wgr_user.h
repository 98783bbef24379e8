/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What module/messages.h expects from its environment, in user space, so that the
 * unit tests compile the module's own wire-format code.
 */
#ifndef WGR_TEST_USER_H
#define WGR_TEST_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "blake2s.h"

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

static inline u32 wgr_test_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 wgr_test_le64(const u8 *p)
{
	return wgr_test_le32(p) | (u64)wgr_test_le32(p + 4) << 32;
}

#define WGR_LE32(p) wgr_test_le32(p)
#define WGR_LE64(p) wgr_test_le64(p)
#define WGR_MEMNEQ(a, b, n) memcmp(a, b, n)

static inline void wgr_blake2s(u8 *out, size_t outlen, const u8 *in, size_t inlen,
			       const u8 *key, size_t keylen)
{
	test_blake2s(out, outlen, in, inlen, key, keylen);
}

#include "../../module/messages.h"

#endif
