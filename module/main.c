// SPDX-License-Identifier: GPL-2.0
/*
 * wgrelay: relays stock WireGuard between peers that cannot accept connections,
 * in the kernel's receive path, holding no keys.
 */
#include <linux/module.h>
#include <linux/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/wgrelay.h>

#include "bind.h"
#include "debugfs.h"
#include "device.h"
#include "netlink.h"
#include "session.h"

#define WGR_VERSION "0.1.0"

static int __init wgr_mod_init(void)
{
	int ret;

	wgr_bind_key_init();
	ret = wgr_session_cache_init();
	if (ret)
		return ret;
	ret = wgr_device_init();
	if (ret)
		goto err_cache;
	ret = wgr_genl_init();
	if (ret)
		goto err_device;
	wgr_debugfs_init();
	pr_info("WireGuard relay " WGR_VERSION " loaded\n");
	return 0;

err_device:
	wgr_device_uninit();
err_cache:
	wgr_session_cache_uninit();
	return ret;
}

static void __exit wgr_mod_exit(void)
{
	wgr_debugfs_uninit();
	wgr_genl_uninit();
	wgr_device_uninit();
	/* Pairs and peers are freed from RCU callbacks that run this module's code. */
	rcu_barrier();
	wgr_session_cache_uninit();
}

module_init(wgr_mod_init);
module_exit(wgr_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("WireGuard relay for peers behind NAT");
MODULE_AUTHOR("The wgrelay developers");
MODULE_VERSION(WGR_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(WGRELAY_GENL_NAME);
