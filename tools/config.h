/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_CONFIG_H
#define RELAYCTL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#include "encoding.h"

/* Longest config line, in bytes: WGRELAY_MAX_ALLOWED_PEERS keys of 44 chars plus ", " fit. */
#define CONFIG_MAX_LINE		65536
/* Largest config file we read; 2^20 peers with long lines would not fit, but no */
/* sane file gets near this and a bound keeps a hostile one from eating memory. */
#define CONFIG_MAX_SIZE		(256U << 20)

enum {
	PEER_HAS_NAME = 1U << 0,
	PEER_HAS_ENDPOINT = 1U << 1,	/* AF_UNSPEC endpoint: clear it */
	PEER_HAS_ALLOWED = 1U << 2,	/* zero allowed keys: clear the list */
};

enum {
	DEV_HAS_LISTEN_PORT = 1U << 0,
	DEV_HAS_SESSION_TIMEOUT = 1U << 1,
	DEV_HAS_BINDING_TIMEOUT = 1U << 2,
	DEV_HAS_MAX_SESSIONS = 1U << 3,
	DEV_HAS_FANOUT = 1U << 4,
	DEV_HAS_ROAMING = 1U << 5,
	DEV_HAS_FAST_PATH = 1U << 6,
	DEV_HAS_ALL = (1U << 7) - 1,
};

/*
 * One peer, both as something to configure (the fields with a PEER_HAS_* bit)
 * and as the kernel reports it (the read-only state below).
 */
struct wgr_peer {
	uint8_t key[WGRELAY_KEY_LEN];
	unsigned int set;
	char name[WGRELAY_NAME_MAXLEN + 1];
	union wgr_sockaddr endpoint;
	uint8_t (*allowed)[WGRELAY_KEY_LEN];
	size_t n_allowed;
	char *allowed_spec;	/* names/keys as written, until resolve_allowed() */
	bool remove;
	bool unchanged;		/* syncconf: already as wanted, do not send */
	unsigned int line;	/* config line of its [Peer], 0 on the command line */

	uint8_t binding_state;
	uint8_t binding_status;		/* enum wgrelay_binding_status */
	uint8_t binding_conflict;
	uint8_t binding_proven;		/* it proved it receives where it talks */
	uint64_t bindings_kept;
	uint64_t refused[__WGRELAY_REFUSED_MAX];	/* enum wgrelay_refusal */
	union wgr_sockaddr binding;
	struct wgr_local binding_local;	/* the relay's address it reached */
	uint64_t last_seen;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, handshakes;
	uint32_t num_sessions;
};

struct wgr_device {
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
	const char *source;	/* config file name, for messages */

	unsigned int set;
	uint16_t listen_port;
	uint32_t session_timeout, binding_timeout, max_sessions, fanout;
	bool roaming;
	bool fast_path;
	bool replace_peers;

	struct wgr_peer *peers;
	size_t n_peers, cap_peers;
	size_t *by_key;		/* peer indices sorted by key, built on lookup */
	size_t n_indexed;

	uint32_t generation, num_peers, num_sessions;
	bool has_stats;
	uint64_t stats[__WGRELAY_STAT_MAX];
};

extern const char *const stat_names[__WGRELAY_STAT_MAX];
extern const char *const refusal_names[__WGRELAY_REFUSED_MAX];

struct wgr_peer *device_add_peer(struct wgr_device *dev);
void device_free(struct wgr_device *dev);
struct wgr_peer *device_find_peer(const struct wgr_device *dev, const uint8_t *key);
struct wgr_peer *device_lookup_peer(const struct wgr_device *dev, const char *spec);
bool peer_allows(const struct wgr_peer *a, const struct wgr_peer *b);
bool peers_may_talk(const struct wgr_peer *a, const struct wgr_peer *b);

int config_parse(struct wgr_device *dev, const char *data, size_t len, const char *file);
int config_read_file(struct wgr_device *dev, const char *path);
int set_args_parse(struct wgr_device *dev, int argc, char *argv[]);
int resolve_allowed(struct wgr_device *dev, const struct wgr_device *existing);
void config_set_defaults(struct wgr_device *dev);
void config_sync(struct wgr_device *conf, const struct wgr_device *existing);
int config_print(FILE *f, const struct wgr_device *dev);
const char *peer_label(const struct wgr_device *dev, const uint8_t *key,
		       char buf[KEY_B64_LEN + 1]);

#endif
