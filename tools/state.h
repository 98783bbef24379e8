/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_STATE_H
#define RELAYCTL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "encoding.h"

/*
 * What a relay learned and a restart would lose (relayctl save/restore): its
 * confirmed sessions, as pairs, and its peers' bindings. A text file, one line
 * per entry:
 *
 *   wgrelay-state 1
 *   saved UNIX-SECONDS
 *   session KEY INDEX ENDPOINT COUNTER KEY INDEX ENDPOINT COUNTER LAST-SEEN LEAKED
 *   binding KEY ENDPOINT LAST-SEEN
 *
 * A session line gives the initiator's half, then the responder's. Keys are
 * base64, indices 8 hex digits, endpoints numeric (a.b.c.d:port, [v6%scope]:port),
 * each with "@" and the relay's own address the peer reached it at, when known
 * (a.b.c.d:port@e.f.g.h): replies leave from there, as a CGNAT's filter wants.
 * Blank lines and lines starting with '#' are ignored.
 */
#define STATE_VERSION		1
#define STATE_DEFAULT_DIR	"/var/lib/wgrelay"
#define STATE_MAX_LINE		1024
/* 2^23 pairs (WGRELAY_MAX_SESSIONS_LIMIT halves) at about 250 bytes a line fit. */
#define STATE_MAX_SIZE		((size_t)2 << 30)

struct state_pair {
	uint8_t key[2][WGRELAY_KEY_LEN];	/* initiator, responder */
	uint32_t index[2];
	union wgr_sockaddr ep[2];
	struct wgr_local local[2];
	uint64_t counter[2];
	uint64_t last_seen;			/* Unix seconds */
	bool leaked;
	unsigned int line;			/* in the file it was read from */
};

struct state_binding {
	uint8_t key[WGRELAY_KEY_LEN];
	union wgr_sockaddr ep;
	struct wgr_local local;
	uint64_t last_seen;
	unsigned int line;
};

struct relay_state {
	uint64_t saved;				/* Unix seconds */
	struct state_pair *pairs;
	size_t n_pairs, cap_pairs;
	struct state_binding *bindings;
	size_t n_bindings, cap_bindings;
};

struct wgr_device;
bool state_endpoint_restorable(const union wgr_sockaddr *ep);
struct session_list;

void state_free(struct relay_state *st);
int state_from_dump(struct relay_state *st, const struct wgr_device *dev,
		    const struct session_list *sessions, uint64_t now);
int state_print(FILE *f, const struct relay_state *st);
int state_parse(struct relay_state *st, const char *data, size_t len, const char *file);
int state_read_file(struct relay_state *st, const char *path);
int state_write_file(const struct relay_state *st, const char *path);
int state_path(char *buf, size_t len, const char *ifname);

#endif
