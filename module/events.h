/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_EVENTS_H
#define _WGR_EVENTS_H

#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/wgrelay.h>

struct wgr_device;
struct wgr_peer;
struct wgr_endpoint;
struct wgr_event;

/**
 * struct wgr_events - a relay's events not yet sent (WGRELAY_MCGRP_EVENTS)
 * @lock: guards everything here; a leaf lock, taken with bottom halves off
 * @queue: @len pending events, at most WGR_EVENTS_MAX, distinct (coalesced)
 * @spare: the other buffer, which the flush owns while it sends
 * @len: events in @queue
 * @lost: events that did not fit since the last flush, announced in-band
 * @dead: the device is going: nothing more is queued
 * @work: the flush, at most every WGR_EVENTS_DELAY
 */
struct wgr_events {
	spinlock_t lock;
	struct wgr_event *queue;
	struct wgr_event *spare;
	unsigned int len;
	unsigned int refusals;
	u32 lost;
	bool dead;
	struct delayed_work work;
};

int wgr_events_init(struct wgr_events *ev);
void wgr_events_destroy(struct wgr_events *ev);
void wgr_event(struct wgr_device *wgr, enum wgrelay_event_type type, const struct wgr_peer *peer,
	       const struct wgr_peer *partner, const struct wgr_endpoint *ep);
void wgr_event_refused(struct wgr_device *wgr, enum wgrelay_refusal reason,
		       const struct wgr_peer *peer, const struct wgr_peer *partner,
		       const struct wgr_endpoint *ep);

#endif /* _WGR_EVENTS_H */
