/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGR_DEBUGFS_H
#define _WGR_DEBUGFS_H

/* Test-only knobs for the benchmark; see debugfs.c. Empty in a release build. */
#ifdef CONFIG_WGRELAY_DEBUG
void wgr_debugfs_init(void);
void wgr_debugfs_uninit(void);
#else
static inline void wgr_debugfs_init(void) {}
static inline void wgr_debugfs_uninit(void) {}
#endif

#endif /* _WGR_DEBUGFS_H */
