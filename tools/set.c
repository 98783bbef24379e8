// SPDX-License-Identifier: GPL-2.0
#include "error.h"
#include "netlink.h"
#include "relayctl.h"

int set_main(int argc, char *argv[])
{
	struct wgr_device conf = { 0 }, existing = { 0 };
	struct nlctx ctx;
	int ret = 1;

	if (argc < 2)
		return usage_error("set: missing device");
	if (set_args_parse(&conf, argc - 2, argv + 2)) {
		device_free(&conf);
		return report("set %s", argv[1]);
	}
	if (nlctx_open(&ctx, NETLINK_GENERIC)) {
		device_free(&conf);
		return report("set %s", argv[1]);
	}
	/* Names in allowed-peers may refer to peers already on the device. */
	if (wgr_get_device(&ctx, argv[1], &existing) ||
	    resolve_allowed(&conf, &existing) ||
	    wgr_set_device(&ctx, argv[1], &conf))
		report("set %s", argv[1]);
	else
		ret = 0;
	nlctx_close(&ctx);
	device_free(&existing);
	device_free(&conf);
	return ret;
}
