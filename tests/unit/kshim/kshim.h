/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: the few kernel interfaces module/quota.c uses, in user space, so that
 * the unit tests compile the module's own counting code (tests/unit/quota_test.c).
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;


#define be32_to_cpu(x) ntohl(x)
#define be16_to_cpu(x) ntohs(x)
typedef int64_t s64;
typedef uint16_t __be16;
typedef uint32_t __be32;
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define div_u64(a, b) ((u64)(a) / (u64)(b))
#define div64_u64(a, b) ((u64)(a) / (u64)(b))
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))
#define get_random_bytes(buf, len) memset(buf, 0x5a, len)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define WARN_ON(x) ((void)(x))
/* The kernel's type-checked min()/max(), minus the checks, for unsigned ints. */
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define __read_mostly

struct rcu_head {
	void *next;
};
#define GFP_KERNEL 0
#define GFP_ATOMIC 0

#endif
