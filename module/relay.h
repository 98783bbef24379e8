/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_RELAY_H
#define _WGR_RELAY_H

#include <linux/skbuff.h>
#include <net/sock.h>
#include <linux/workqueue.h>

int wgr_relay_rcv(struct sock *sk, struct sk_buff *skb);
void wgr_relay_scan_work(struct work_struct *work);

struct wgr_device;
struct wgr_endpoint;
struct wgr_half;
struct wgr_half *wgr_relay_data_peek(struct wgr_device *wgr, u32 index,
				     const struct wgr_endpoint *src, struct wgr_endpoint *to);
void wgr_relay_data_fast(struct wgr_device *wgr, struct wgr_half *h,
			 const struct wgr_endpoint *src, u64 counter, unsigned int len);

#endif /* _WGR_RELAY_H */
