/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: see ../kshim.h. Any hash does for a list. */
#ifndef KSHIM_LINUX_SIPHASH_H
#define KSHIM_LINUX_SIPHASH_H

#include "../kshim.h"

typedef struct {
	u64 key[2];
} siphash_key_t;

static inline u64 siphash_2u64(u64 a, u64 b, const siphash_key_t *key)
{
	return (a * 0x9e3779b97f4a7c15ull) ^ b ^ key->key[0];
}

#define get_random_once(buf, len) memset(buf, 0x5a, len)

#endif
