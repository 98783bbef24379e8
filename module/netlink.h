/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_NETLINK_H
#define _WGR_NETLINK_H

int wgr_genl_init(void);
void wgr_genl_uninit(void);

#endif /* _WGR_NETLINK_H */
