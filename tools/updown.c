// SPDX-License-Identifier: GPL-2.0
/* up and down: a relay's whole life from its config file, as wg-quick does it. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"

#define DEFAULT_CONFIG_DIR "/etc/wgrelay"

/* DEV or FILE: a FILE has a '/' or ends in ".conf"; DEV is its base name. */
static int locate(const char *arg, char ifname[IF_NAMESIZE], char path[PATH_MAX])
{
	const char *base = strrchr(arg, '/'), *dir = getenv("WGRELAY_CONFIG_DIR");
	size_t len = strlen(arg);
	bool is_file = base || (len > 5 && !strcmp(arg + len - 5, ".conf"));

	base = base ? base + 1 : arg;
	len = strlen(base);
	if (is_file) {
		if (len > 5 && !strcmp(base + len - 5, ".conf"))
			len -= 5;
		snprintf(path, PATH_MAX, "%s", arg);
	} else {
		snprintf(path, PATH_MAX, "%s/%s.conf", dir && *dir ? dir : DEFAULT_CONFIG_DIR, arg);
	}
	if (!len || len >= IF_NAMESIZE || memchr(base, ' ', len) || memchr(base, ':', len)) {
		set_error("'%.*s' is not a valid device name", (int)len, base);
		return -EINVAL;
	}
	memcpy(ifname, base, len);
	ifname[len] = '\0';
	return 0;
}

/* Refuses to touch an existing link that is not a relay. Return: 1 if it exists. */
static int check_kind(struct nlctx *rt, const char *ifname)
{
	char kind[64];
	int ret = link_kind(rt, ifname, kind, sizeof(kind));

	if (ret == -ENODEV)
		return 0;
	if (ret)
		return ret;
	if (strcmp(kind, WGRELAY_LINK_KIND)) {
		set_error("not a wgrelay device (its kind is '%s')", kind[0] ? kind : "none");
		return -EINVAL;
	}
	return 1;
}

int up_main(int argc, char *argv[])
{
	struct wgr_device conf = { 0 };
	char ifname[IF_NAMESIZE], path[PATH_MAX];
	struct nlctx rt, ctx;
	bool created = false;
	int ret;

	if (argc != 2)
		return usage_error("usage: %s up {DEV | FILE}", prog_name);
	if (locate(argv[1], ifname, path))
		return report("up %s", argv[1]);
	/* Read the file before creating anything, so a bad file leaves no link. */
	if (config_read_file(&conf, path)) {
		device_free(&conf);
		return report("up %s", ifname);
	}
	if (nlctx_open(&rt, NETLINK_ROUTE)) {
		device_free(&conf);
		return report("up %s", ifname);
	}
	ret = check_kind(&rt, ifname);
	if (ret == 0) {
		ret = link_add(&rt, ifname, WGRELAY_LINK_KIND);
		created = !ret;
	}
	if (ret < 0)
		goto out;
	/* Opened after link_add, which may have loaded the module. */
	ret = nlctx_open(&ctx, NETLINK_GENERIC);
	if (ret)
		goto out;
	ret = apply_config(&ctx, ifname, &conf, CONF_SET);
	nlctx_close(&ctx);
	if (!ret)
		ret = link_set_up(&rt, ifname);
out:
	if (ret < 0) {
		report("up %s", ifname);
		if (created)
			link_del(&rt, ifname);	/* do not leave a half-configured relay */
	}
	nlctx_close(&rt);
	device_free(&conf);
	return ret < 0;
}

int down_main(int argc, char *argv[])
{
	struct nlctx rt;
	int ret;

	if (argc != 2)
		return usage_error("usage: %s down DEV", prog_name);
	if (nlctx_open(&rt, NETLINK_ROUTE))
		return report("down %s", argv[1]);
	ret = check_kind(&rt, argv[1]);
	if (ret == 0) {
		set_error("no such device");
		ret = -ENODEV;
	}
	if (ret > 0)
		ret = link_del(&rt, argv[1]);
	nlctx_close(&rt);
	return ret < 0 ? report("down %s", argv[1]) : 0;
}
