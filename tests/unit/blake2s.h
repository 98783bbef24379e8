/* SPDX-License-Identifier: GPL-2.0 */
/* BLAKE2s (RFC 7693) for the unit tests: keyed, any digest length up to 32. */
#ifndef WGR_TEST_BLAKE2S_H
#define WGR_TEST_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

void test_blake2s(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen,
		  const uint8_t *key, size_t keylen);

#endif
