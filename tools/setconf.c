// SPDX-License-Identifier: GPL-2.0
/* setconf, addconf and syncconf: apply a config file in one of three ways. */
#include <string.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"

/**
 * apply_config - apply a parsed config file to the relay @ifname
 * @mode: CONF_SET replaces peers and settings (settings the file omits return to
 *	their defaults); CONF_ADD adds and updates only; CONF_SYNC ends like
 *	CONF_SET but touches only the peers and settings that differ.
 * Return: 0 or a negative errno with last_error() set.
 */
int apply_config(struct nlctx *ctx, const char *ifname, struct wgr_device *conf,
		 enum conf_mode mode)
{
	struct wgr_device existing = { 0 };
	int ret;

	if (mode != CONF_ADD)
		config_set_defaults(conf);
	if (mode == CONF_SET) {
		conf->replace_peers = true;
		ret = resolve_allowed(conf, NULL);
	} else {
		ret = wgr_get_device(ctx, ifname, &existing);
		if (!ret)
			/* After syncconf only the file's peers remain: resolve names there. */
			ret = resolve_allowed(conf, mode == CONF_SYNC ? NULL : &existing);
		if (!ret && mode == CONF_SYNC)
			config_sync(conf, &existing);
	}
	if (!ret)
		ret = wgr_set_device(ctx, ifname, conf);
	device_free(&existing);
	return ret;
}

int setconf_main(int argc, char *argv[])
{
	enum conf_mode mode = !strcmp(argv[0], "setconf") ? CONF_SET :
			      !strcmp(argv[0], "addconf") ? CONF_ADD : CONF_SYNC;
	struct wgr_device conf = { 0 };
	struct nlctx ctx;
	int ret = 1;

	if (argc != 3)
		return usage_error("usage: %s %s DEV FILE", prog_name, argv[0]);
	if (config_read_file(&conf, argv[2])) {
		device_free(&conf);
		return report("%s %s", argv[0], argv[1]);
	}
	if (nlctx_open(&ctx, NETLINK_GENERIC)) {
		device_free(&conf);
		return report("%s %s", argv[0], argv[1]);
	}
	if (apply_config(&ctx, argv[1], &conf, mode))
		report("%s %s", argv[0], argv[1]);
	else
		ret = 0;
	nlctx_close(&ctx);
	device_free(&conf);
	return ret;
}
