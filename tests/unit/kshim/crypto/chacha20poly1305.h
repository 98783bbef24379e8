/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: the AEAD's interface; a test provides the functions (cookie_test.c). */
#ifndef KSHIM_CRYPTO_CHACHA20POLY1305_H
#define KSHIM_CRYPTO_CHACHA20POLY1305_H

#include "../kshim.h"

#define XCHACHA20POLY1305_NONCE_SIZE 24
#define CHACHA20POLY1305_AUTHTAG_SIZE 16

void xchacha20poly1305_encrypt(u8 *dst, const u8 *src, size_t src_len, const u8 *ad,
			       size_t ad_len, const u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			       const u8 key[32]);
bool xchacha20poly1305_decrypt(u8 *dst, const u8 *src, size_t src_len, const u8 *ad,
			       size_t ad_len, const u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			       const u8 key[32]);

#endif
