// SPDX-License-Identifier: GPL-2.0
/*
 * metrics [DEV | all] [--output FILE]: the devices' and peers' counters in the
 * Prometheus text exposition format (prometheus.c), for node_exporter's textfile
 * collector. With --output, the file is replaced atomically: the collector may
 * read it at any moment and must never see half of one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "file.h"
#include "netlink.h"
#include "prometheus.h"
#include "relayctl.h"

struct devices {
	const struct wgr_device *devs;
	size_t n;
};

static int print_devices(FILE *f, const void *arg)
{
	const struct devices *d = arg;

	return prom_print(f, d->devs, d->n);
}

/*
 * @path's new contents at once (write_file_atomic()), world-readable as the
 * collector's files are: the counters carry no address, only device and peer
 * names. Not synced: the next run replaces them in seconds.
 */
static int write_atomically(const char *path, const struct wgr_device *devs, size_t n)
{
	struct devices d = { devs, n };

	return write_file_atomic(path, 0644, false, print_devices, &d);
}

int metrics_main(int argc, char *argv[])
{
	char (*names)[IF_NAMESIZE] = NULL;
	const char *dev_arg = NULL, *output = NULL;
	struct wgr_device *devs = NULL;
	size_t i, n = 0, n_devs = 0;
	struct nlctx ctx;
	bool many;
	int ret = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--output") && i + 1 < (size_t)argc)
			output = argv[++i];
		else if (argv[i][0] != '-' && !dev_arg)
			dev_arg = argv[i];
		else
			return usage_error("metrics: unexpected argument '%s'", argv[i]);
	}
	many = !dev_arg || !strcmp(dev_arg, "all");
	if (many) {
		if (nlctx_open(&ctx, NETLINK_ROUTE))
			return report("metrics");
		ret = link_list_kind(&ctx, WGRELAY_LINK_KIND, &names, &n);
		nlctx_close(&ctx);
		if (ret)
			return report("metrics");
	} else {
		names = calloc(1, IF_NAMESIZE);
		if (!names)
			return 1;
		snprintf(names[0], IF_NAMESIZE, "%s", dev_arg);
		n = 1;
	}
	devs = calloc(n + 1, sizeof(*devs));
	if (!devs) {
		free(names);
		return 1;
	}
	if (n && nlctx_open(&ctx, NETLINK_GENERIC)) {
		ret = report("metrics");
		goto out;
	}
	for (i = 0; i < n; i++) {
		int err = wgr_get_device(&ctx, names[i], &devs[n_devs]);

		/* A relay deleted since the listing is simply not there any more. */
		if (err == -ENODEV && many) {
			device_free(&devs[n_devs]);
			continue;
		}
		if (err) {
			ret = report("metrics %s", names[i]);
			device_free(&devs[n_devs]);
			break;
		}
		n_devs++;
	}
	if (n)
		nlctx_close(&ctx);
	/* Nothing rather than a part: a collector would take a part for the whole. */
	if (!ret) {
		if (output)
			ret = write_atomically(output, devs, n_devs) ? report("metrics") : 0;
		else
			ret = prom_print(stdout, devs, n_devs) ? report("metrics") : 0;
	}
out:
	for (i = 0; i < n_devs; i++)
		device_free(&devs[i]);
	free(devs);
	free(names);
	return ret;
}
