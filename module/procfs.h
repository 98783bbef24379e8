/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_PROCFS_H
#define _WGR_PROCFS_H

struct net;

/* /proc/net/wgrelay in each namespace: one line per live session, root only. */
int wgr_procfs_init_net(struct net *net);
void wgr_procfs_exit_net(struct net *net);

#endif /* _WGR_PROCFS_H */
