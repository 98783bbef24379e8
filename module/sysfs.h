/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_SYSFS_H
#define _WGR_SYSFS_H

#include <linux/sysfs.h>

/* /sys/class/net/DEV/wgrelay/: installed as the device's sysfs_groups[0]. */
extern const struct attribute_group wgr_sysfs_group;

#endif /* _WGR_SYSFS_H */
