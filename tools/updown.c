// SPDX-License-Identifier: GPL-2.0
/* up and down: a relay's whole life from its config file, as wg-quick does it. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"
#include "state.h"

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

/*
 * What down saved, put back before the sockets open, so that the peers' next
 * datagrams find their sessions. A missing, old or bad state file costs only
 * the sessions: the relay comes up all the same.
 */
static void restore_saved(const char *ifname)
{
	char path[PATH_MAX];
	int ret;

	if (state_path(path, sizeof(path), ifname)) {
		report("up %s: state not restored", ifname);
		return;
	}
	ret = state_restore(ifname, path, true, false);
	if (ret < 0 && ret != -ENOENT)
		report("up %s: state not restored", ifname);
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
	if (!ret) {
		/* A relay that was running already has its state; don't restore it. */
		if (created)
			restore_saved(ifname);
		ret = link_set_up(&rt, ifname);
	}
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

/*
 * The sessions and bindings the device would take with it, kept for up. A
 * failed save is said but does not keep the relay from going down: an operator
 * stopping it wants it stopped.
 */
static void save_state(const char *ifname)
{
	struct relay_state st = { 0 };
	char path[PATH_MAX];

	if (state_path(path, sizeof(path), ifname) || state_save(ifname, path, &st))
		report("down %s: state not saved", ifname);
	state_free(&st);
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
	if (ret > 0) {
		save_state(argv[1]);
		ret = link_del(&rt, argv[1]);
	}
	nlctx_close(&rt);
	return ret < 0 ? report("down %s", argv[1]) : 0;
}
