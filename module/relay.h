/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_RELAY_H
#define _WGR_RELAY_H

#include <linux/skbuff.h>
#include <net/sock.h>
#include <linux/workqueue.h>

int wgr_relay_rcv(struct sock *sk, struct sk_buff *skb);
void wgr_relay_scan_work(struct work_struct *work);

#endif /* _WGR_RELAY_H */
