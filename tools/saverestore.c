// SPDX-License-Identifier: GPL-2.0
/*
 * save and restore: what a relay learned (confirmed sessions, bindings) kept in
 * a state file across a restart (DESIGN 2.3, "restarts lose nothing"). down saves
 * before it deletes the device, up restores after it configures it, and a
 * systemd timer (wgrelay-save@.timer) saves every 30 s against a crash.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "error.h"
#include "netlink.h"
#include "relayctl.h"
#include "state.h"

/*
 * The directory a state file goes in, made if it is missing: 0700, as the file
 * holds peers' addresses; its missing parents (a bare system's /var/lib) 0755.
 */
static int make_dir_of(const char *path)
{
	char buf[PATH_MAX], *dir, *p;
	int ret;

	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		ret = mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
		if (ret)
			goto err;	/* naming the parent that failed */
		*p = '/';
	}
	if (!mkdir(dir, 0700) || errno == EEXIST)
		return 0;
	ret = -errno;
err:
	set_error("%s: %s", dir, strerror(-ret));
	return ret;
}

/**
 * state_save - save what the relay @ifname learned to @path
 * @ifname: the relay
 * @path: the state file, replaced atomically
 * @st: filled in with what was saved; the caller frees it
 * Return: 0 or a negative errno with last_error() set.
 */
int state_save(const char *ifname, const char *path, struct relay_state *st)
{
	struct session_list sessions = { 0 };
	struct wgr_device dev = { 0 };
	struct nlctx ctx;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = nlctx_open(&ctx, NETLINK_GENERIC);
	if (ret)
		return ret;
	ret = wgr_get_device(&ctx, ifname, &dev);
	if (!ret)
		ret = wgr_get_sessions(&ctx, ifname, &sessions);
	nlctx_close(&ctx);
	if (!ret)
		ret = state_from_dump(st, &dev, &sessions, time(NULL));
	if (!ret)
		ret = make_dir_of(path);
	if (!ret)
		ret = state_write_file(st, path);
	free(sessions.items);
	device_free(&dev);
	return ret;
}

static const char *const skip_names[WGRELAY_RESTORED_A_MAX + 1] = {
	[WGRELAY_RESTORED_A_UNKNOWN_PEER] = "unknown_peer",
	[WGRELAY_RESTORED_A_DENIED] = "denied",
	[WGRELAY_RESTORED_A_COLLISION] = "collision",
	[WGRELAY_RESTORED_A_FULL] = "full",
	[WGRELAY_RESTORED_A_EXPIRED] = "expired",
	[WGRELAY_RESTORED_A_BOUND] = "bound",
};

/* A file name as a JSON string; control characters (never in a sane path) as '?'. */
static void json_path(const char *path)
{
	putchar('"');
	for (; *path; path++) {
		if (*path == '"' || *path == '\\')
			putchar('\\');
		putchar((unsigned char)*path < 0x20 ? '?' : *path);
	}
	putchar('"');
}

static void print_result(const char *path, const struct restore_result *res, bool json)
{
	const char *sep = "";
	int i;

	if (json) {
		printf("{\"file\":");
		json_path(path);
		printf(",\"sessions\":%" PRIu32 ",\"bindings\":%" PRIu32 ",\"skipped\":{",
		       res->count[WGRELAY_RESTORED_A_PAIRS], res->count[WGRELAY_RESTORED_A_BINDINGS]);
		for (i = 0; i <= WGRELAY_RESTORED_A_MAX; i++) {
			if (!skip_names[i])
				continue;
			printf("%s\"%s\":%" PRIu32, sep, skip_names[i], res->count[i]);
			sep = ",";
		}
		printf("%s\"bad_endpoint\":%" PRIu32 "}}\n", sep, res->bad_endpoint);
		return;
	}
	printf("restored %" PRIu32 " session%s and %" PRIu32 " binding%s (stale) from %s",
	       res->count[WGRELAY_RESTORED_A_PAIRS],
	       res->count[WGRELAY_RESTORED_A_PAIRS] == 1 ? "" : "s",
	       res->count[WGRELAY_RESTORED_A_BINDINGS],
	       res->count[WGRELAY_RESTORED_A_BINDINGS] == 1 ? "" : "s", path);
	sep = "; skipped: ";
	for (i = 0; i <= WGRELAY_RESTORED_A_MAX; i++) {
		if (!skip_names[i] || !res->count[i])
			continue;
		printf("%s%" PRIu32 " %s", sep, res->count[i], skip_names[i]);
		sep = ", ";
	}
	if (res->bad_endpoint)
		printf("%s%" PRIu32 " bad_endpoint", sep, res->bad_endpoint);
	putchar('\n');
}

/*
 * A saved entry at an endpoint RESTORE refuses (state_endpoint_restorable(): a
 * file an older relay wrote): said, with its line, and skipped, so that the
 * rest of the file is restored.
 */
static bool unrestorable(const union wgr_sockaddr *ep, const char *path, unsigned int line)
{
	char text[ENDPOINT_STRLEN];

	if (state_endpoint_restorable(ep))
		return false;
	endpoint_format(text, sizeof(text), ep);
	fprintf(stderr, "%s: %s:%u: endpoint %s is not one a peer can be at: skipped\n", prog_name,
		path, line, text);
	return true;
}

/* A saved entry naming a key the relay does not have: said, with its line, and skipped. */
static bool unknown(const struct wgr_device *dev, const uint8_t *key, const char *path,
		    unsigned int line)
{
	char b64[KEY_B64_LEN + 1];

	if (device_find_peer(dev, key))
		return false;
	key_to_base64(b64, key);
	fprintf(stderr, "%s: %s:%u: unknown peer %s: skipped\n", prog_name, path, line, b64);
	return true;
}

/**
 * state_restore - put the state saved in @path back into the relay @ifname
 * @ifname: the relay, configured (its peers are there)
 * @path: the state file
 * @fresh_only: leave a file older than the relay's session-timeout alone (up)
 * @json: print the result as JSON
 *
 * Entries naming peers the relay does not have are reported with their line
 * and skipped; the kernel skips and counts what else it cannot restore.
 * Return: 0, 1 if @fresh_only and the file is too old (said on stderr), or a
 * negative errno with last_error() set (-ENOENT: there is no state file).
 */
int state_restore(const char *ifname, const char *path, bool fresh_only, bool json)
{
	bool *skip_pair = NULL, *skip_binding = NULL;
	struct wgr_device dev = { 0 };
	struct restore_result res;
	struct relay_state st;
	uint64_t now = time(NULL), age;
	uint32_t unknowns = 0, bad = 0;
	struct nlctx ctx;
	size_t i;
	int ret;

	ret = state_read_file(&st, path);
	if (ret)
		return ret;
	ret = nlctx_open(&ctx, NETLINK_GENERIC);
	if (ret)
		goto out;
	ret = wgr_get_device(&ctx, ifname, &dev);
	if (ret)
		goto out_close;
	age = st.saved < now ? now - st.saved : 0;
	if (fresh_only && age >= dev.session_timeout) {
		fprintf(stderr, "%s: %s: saved %" PRIu64 " s ago, longer than session-timeout (%"
			PRIu32 " s): not restored\n", prog_name, path, age, dev.session_timeout);
		ret = 1;
		goto out_close;
	}
	skip_pair = calloc(st.n_pairs + 1, sizeof(*skip_pair));
	skip_binding = calloc(st.n_bindings + 1, sizeof(*skip_binding));
	if (!skip_pair || !skip_binding) {
		set_error("%s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto out_close;
	}
	memset(&res, 0, sizeof(res));
	for (i = 0; i < st.n_pairs; i++) {
		/* Both keys are checked, so that each unknown one is said. */
		bool u0 = unknown(&dev, st.pairs[i].key[0], path, st.pairs[i].line);
		bool u1 = unknown(&dev, st.pairs[i].key[1], path, st.pairs[i].line);

		if (u0 || u1) {
			skip_pair[i] = true;
			unknowns++;
		} else if (unrestorable(&st.pairs[i].ep[0], path, st.pairs[i].line) ||
			   unrestorable(&st.pairs[i].ep[1], path, st.pairs[i].line)) {
			skip_pair[i] = true;
			bad++;
		}
	}
	for (i = 0; i < st.n_bindings; i++) {
		if (unknown(&dev, st.bindings[i].key, path, st.bindings[i].line)) {
			skip_binding[i] = true;
			unknowns++;
		} else if (unrestorable(&st.bindings[i].ep, path, st.bindings[i].line)) {
			skip_binding[i] = true;
			bad++;
		}
	}
	ret = wgr_restore(&ctx, ifname, &st, skip_pair, skip_binding, &res);
	if (!ret) {
		res.count[WGRELAY_RESTORED_A_UNKNOWN_PEER] += unknowns;
		res.bad_endpoint = bad;
		print_result(path, &res, json);
	}
out_close:
	nlctx_close(&ctx);
out:
	free(skip_pair);
	free(skip_binding);
	device_free(&dev);
	state_free(&st);
	return ret;
}

/* DEV [FILE] [--json]: the device, the state file (default: state_path()), JSON. */
static int parse_args(int argc, char *argv[], const char **ifname, char path[PATH_MAX],
		      bool *json)
{
	const char *args[2];
	int i, n = 0;

	*json = false;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			*json = true;
		else if (n < 2)
			args[n++] = argv[i];
		else
			return -1;
	}
	if (!n)
		return -1;
	*ifname = args[0];
	/* It names the default file: no way out of the state directory. */
	if (!**ifname || strlen(*ifname) >= IF_NAMESIZE || strchr(*ifname, '/')) {
		set_error("'%s' is not a valid device name", *ifname);
		return -2;
	}
	if (n == 2) {
		snprintf(path, PATH_MAX, "%s", args[1]);
		return 0;
	}
	return state_path(path, PATH_MAX, *ifname) ? -2 : 0;
}

int save_main(int argc, char *argv[])
{
	struct relay_state st;
	char path[PATH_MAX];
	const char *ifname;
	bool json;
	int ret;

	ret = parse_args(argc, argv, &ifname, path, &json);
	if (ret == -1)
		return usage_error("usage: %s save DEV [FILE] [--json]", prog_name);
	if (ret)
		return report("save %s", ifname);
	ret = state_save(ifname, path, &st);
	if (ret) {
		state_free(&st);
		return report("save %s", ifname);
	}
	if (json) {
		printf("{\"file\":");
		json_path(path);
		printf(",\"saved\":%" PRIu64 ",\"sessions\":%zu,\"bindings\":%zu}\n", st.saved,
		       st.n_pairs, st.n_bindings);
	} else {
		printf("saved %zu session%s and %zu binding%s to %s\n", st.n_pairs,
		       st.n_pairs == 1 ? "" : "s", st.n_bindings, st.n_bindings == 1 ? "" : "s",
		       path);
	}
	state_free(&st);
	return 0;
}

int restore_main(int argc, char *argv[])
{
	char path[PATH_MAX];
	const char *ifname;
	bool json;
	int ret;

	ret = parse_args(argc, argv, &ifname, path, &json);
	if (ret == -1)
		return usage_error("usage: %s restore DEV [FILE] [--json]", prog_name);
	if (ret)
		return report("restore %s", ifname);
	ret = state_restore(ifname, path, false, json);
	return ret ? report("restore %s", ifname) : 0;
}
