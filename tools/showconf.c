// SPDX-License-Identifier: GPL-2.0
#include "error.h"
#include "netlink.h"
#include "relayctl.h"

int showconf_main(int argc, char *argv[])
{
	struct wgr_device dev = { 0 };
	struct nlctx ctx;
	int ret = 1;

	if (argc != 2)
		return usage_error("usage: %s showconf DEV", prog_name);
	if (nlctx_open(&ctx, NETLINK_GENERIC))
		return report("showconf %s", argv[1]);
	if (wgr_get_device(&ctx, argv[1], &dev))
		report("showconf %s", argv[1]);
	else if (config_print(stdout, &dev) || fflush(stdout))
		fprintf(stderr, "%s: showconf %s: writing failed\n", prog_name, argv[1]);
	else
		ret = 0;
	nlctx_close(&ctx);
	device_free(&dev);
	return ret;
}
