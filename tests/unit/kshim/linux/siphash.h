/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: see ../kshim.h. Any hash does for a list. */
#ifndef KSHIM_LINUX_SIPHASH_H
#define KSHIM_LINUX_SIPHASH_H

#include "../kshim.h"

typedef struct {
	u64 key[2];
} siphash_key_t;

static inline u64 siphash_1u32(u32 a, const siphash_key_t *key)
{
	return ((u64)a * 0x9e3779b97f4a7c15ull) ^ key->key[0];
}

static inline u64 siphash_2u64(u64 a, u64 b, const siphash_key_t *key)
{
	return (a * 0x9e3779b97f4a7c15ull) ^ b ^ key->key[0];
}

/* Any keyed hash does for a model: FNV-1a with a final mix. */
static inline u64 siphash(const void *data, size_t len, const siphash_key_t *key)
{
	const u8 *p = data;
	u64 h = 1469598103934665603ull ^ key->key[0];

	while (len--) {
		h ^= *p++;
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

#define get_random_once(buf, len) memset(buf, 0x5a, len)

#endif
