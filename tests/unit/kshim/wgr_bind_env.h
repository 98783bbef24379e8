/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kshim: what module/bind.c finds around it in the kernel, for
 * tests/unit/bind_test.c. Given with -include. Its struct wgr_peer has only the
 * members bind.c uses, with module/peer.h's names and types, and its struct
 * wgr_device only the relay's bindings, settings, peers, counters and events.
 */
#ifndef KSHIM_WGR_BIND_ENV_H
#define KSHIM_WGR_BIND_ENV_H

#include "wgr_peer.h"
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

/* module/device.h and module/events.h stand in below. */
#define _WGR_DEVICE_H
#define _WGR_EVENTS_H

u32 wgr_endpoint_hash(const struct wgr_endpoint *ep, const siphash_key_t *key);

enum wgr_ep_kind {
	WGR_AT_BINDING,
	WGR_AT_ROAM,
	WGR_AT_ENTRIES
};

struct wgr_ep_entry {
	struct rhlist_head node;
	struct wgr_peer *peer;
	u8 kind;
	bool hashed;
	bool proven;
	unsigned long proved_at;
};

struct wgr_peer {
	struct wgr_device *wgr;
	struct list_head list;
	struct wgr_endpoint static_ep;
	struct wgr_endpoint bind_ep;
	seqcount_t bind_seq;
	u8 bind_state;
	unsigned long bind_time;
	unsigned long last_rx;
	unsigned long stale_rx;
	struct wgr_endpoint roam_ep;
	unsigned long roam_at;
	struct wgr_endpoint confirm_ep;
	unsigned long confirm_at;
	unsigned long roam_rx;
	struct wgr_endpoint roam_pending;
	unsigned long roam_pending_at;
	struct wgr_ep_entry at[WGR_AT_ENTRIES];
	unsigned long vouch_tat;
	unsigned long roam_vouch_tat;
	u64 bindings_kept;
	bool dead;
};

struct wgr_peer_info {
	u8 bind_state;
	u8 bind_status;
	bool bind_conflict;
	bool bind_proven;
	struct wgr_endpoint bind_ep;
	struct wgr_endpoint static_ep;
	u64 last_seen;
	u64 bindings_kept;
};

u64 wgr_jiffies_to_unix(unsigned long then);

#include "../../../module/bind.h"

struct wgr_device {
	struct wgr_bindings bindings;
	struct {
		u32 session_timeout;
		u32 binding_timeout;
	} cfg;
	struct {
		struct list_head list;
	} peers;
	u64 stats[__WGRELAY_STAT_MAX];
	/* The events bind.c told, newest last. */
	enum wgrelay_event_type events[64];
	unsigned int n_events;
};

static inline void wgr_stat_inc(struct wgr_device *wgr, enum wgrelay_stat s)
{
	wgr->stats[s]++;
}

void wgr_event(struct wgr_device *wgr, enum wgrelay_event_type type, const struct wgr_peer *peer,
	       const struct wgr_peer *partner, const struct wgr_endpoint *ep);

#endif
