// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"

int flush_main(int argc, char *argv[])
{
	uint32_t mask = __WGRELAY_FLUSH_ALL;
	struct nlctx ctx;
	int ret;

	if (argc < 2 || argc > 3)
		return usage_error("usage: %s flush DEV [sessions | bindings | all]", prog_name);
	if (argc == 3) {
		if (!strcmp(argv[2], "sessions"))
			mask = WGRELAY_FLUSH_SESSIONS;
		else if (!strcmp(argv[2], "bindings"))
			mask = WGRELAY_FLUSH_BINDINGS;
		else if (strcmp(argv[2], "all"))
			return usage_error("flush: invalid argument '%s' (sessions, bindings or all)",
					   argv[2]);
	}
	if (nlctx_open(&ctx, NETLINK_GENERIC))
		return report("flush %s", argv[1]);
	ret = wgr_flush(&ctx, argv[1], mask);
	nlctx_close(&ctx);
	return ret ? report("flush %s", argv[1]) : 0;
}
