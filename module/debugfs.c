// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only knobs for the benchmark (bench/), built only with
 * CONFIG_WGRELAY_DEBUG (make module-debug): a release module has none of this.
 *
 * /sys/kernel/debug/wgrelay/ctl takes one command per write, for a relay in the
 * writer's network namespace, and a read returns the last command's result:
 *
 *   DEV fill PAIRS     add synthetic confirmed pairs between DEV's first two peers
 *                      until PAIRS of them exist
 *   DEV lookup N       N session lookups of random synthetic indices: ns per lookup
 *   DEV scan-rate N    the mac1 scan budget, N a second (WGR_SCANS_PER_SECOND by
 *                      default), so that a test can tell the budget from the CPU
 *   DEV gc             one periodic session sweep, timed: in all, and the longest
 *                      hold of the state lock (nothing expires unless
 *                      session-timeout says so)
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "debugfs.h"
#include "device.h"
#include "session.h"

static struct dentry *dir;
static DEFINE_MUTEX(ctl_lock);
static char result[160];
static u32 filled;	/* synthetic pairs made so far (one relay at a time) */

/* Distinct indices for every synthetic half: multiplying by an odd constant is a bijection. */
static u32 synth_index(u32 half)
{
	return half * 2654435761u + 0x5bd1e995u;
}

static void synth_ep(struct wgr_endpoint *ep, u32 which)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr4.sin_family = AF_INET;
	ep->addr4.sin_addr.s_addr = htonl(0xc6120000 | which);	/* 198.18.0.x */
	ep->addr4.sin_port = htons(40000 + which);
}

/*
 * The initiator of synthetic pair @pair: a /24 of 10/8 for every 512 pairs, as
 * a table of that size holds in real life, and below the per-prefix count
 * (WGR_PREFIX_PAIRS) that would otherwise evict the benchmark's own pairs.
 */
static void synth_initiator(struct wgr_endpoint *ep, u32 pair)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr4.sin_family = AF_INET;
	ep->addr4.sin_addr.s_addr = htonl(0x0a000001 | ((pair >> 9) & 0xffff) << 8);
	ep->addr4.sin_port = htons(40001);
}

static int do_fill(struct wgr_device *wgr, u32 want)
{
	struct wgr_endpoint ep[2];
	struct wgr_peer *a, *b;
	u64 t0 = ktime_get_ns();
	u32 start = filled;
	int ret = 0;

	mutex_lock(&wgr->lock);
	a = list_first_entry_or_null(&wgr->peers.list, struct wgr_peer, list);
	b = a && !list_is_last(&a->list, &wgr->peers.list) ? list_next_entry(a, list) : NULL;
	if (!b) {
		ret = -ENOENT;
		goto out;
	}
	synth_ep(&ep[1], 2);
	while (filled < want) {
		u32 idx[2] = { synth_index(2 * filled), synth_index(2 * filled + 1) };

		synth_initiator(&ep[0], filled);
		ret = wgr_debug_pair_add(wgr, a, b, idx, ep);
		if (ret == -EBUSY) {	/* the table is being resized: let it finish */
			cond_resched();
			continue;
		}
		if (ret)
			break;
		filled++;
		if (!(filled & 1023))
			cond_resched();
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
out:
	mutex_unlock(&wgr->lock);
	snprintf(result, sizeof(result), "fill pairs %u added %u ns %llu ret %d\n",
		 filled, filled - start, ktime_get_ns() - t0, ret);
	return ret;
}

static void do_lookup(struct wgr_device *wgr, u32 n)
{
	struct wgr_endpoint from[2];
	u32 found = 0, i;
	u64 t0, ns;

	synth_ep(&from[1], 2);
	if (!filled) {
		snprintf(result, sizeof(result), "lookup none filled\n");
		return;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		u32 half = get_random_u32() % (2 * filled);
		bool elsewhere;

		rcu_read_lock();
		/* Data to half h comes from the other half's owner. */
		if (half & 1)
			synth_initiator(&from[0], half / 2);
		if (wgr_half_lookup(wgr, synth_index(half), &from[!(half & 1)], &elsewhere))
			found++;
		rcu_read_unlock();
		if (!(i & 4095))
			cond_resched();
	}
	ns = ktime_get_ns() - t0;
	snprintf(result, sizeof(result), "lookup n %u found %u ns_per_lookup %llu\n",
		 n, found, n ? ns / n : 0);
}

static void do_gc(struct wgr_device *wgr)
{
	u64 t0 = ktime_get_ns(), hold;

	hold = wgr_debug_gc_scan(wgr);
	snprintf(result, sizeof(result), "gc sessions %d ns %llu hold_ns %llu\n",
		 atomic_read(&wgr->state.n_sessions), ktime_get_ns() - t0, hold);
}

static void do_scan_rate(struct wgr_device *wgr, u32 rate)
{
	wgr_scan_set_rate(&wgr->ratelimit, rate);
	snprintf(result, sizeof(result), "scan-rate %u\n", rate);
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[64], name[IFNAMSIZ], cmd[16];
	struct net_device *dev;
	u32 arg = 0;
	int ret = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%15s %15s %u", name, cmd, &arg) < 2)
		return -EINVAL;
	dev = dev_get_by_name(current->nsproxy->net_ns, name);
	if (!dev)
		return -ENODEV;
	if (dev->rtnl_link_ops != &wgr_link_ops) {
		dev_put(dev);
		return -EINVAL;
	}
	mutex_lock(&ctl_lock);
	if (!strcmp(cmd, "fill"))
		ret = do_fill(netdev_priv(dev), arg);
	else if (!strcmp(cmd, "lookup"))
		do_lookup(netdev_priv(dev), arg);
	else if (!strcmp(cmd, "gc"))
		do_gc(netdev_priv(dev));
	else if (!strcmp(cmd, "scan-rate") && arg)
		do_scan_rate(netdev_priv(dev), arg);
	else
		ret = -EINVAL;
	mutex_unlock(&ctl_lock);
	dev_put(dev);
	return ret ? ret : len;
}

static ssize_t ctl_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&ctl_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, result, strlen(result));
	mutex_unlock(&ctl_lock);
	return ret;
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.write = ctl_write,
	.read = ctl_read,
	.llseek = default_llseek,
};

void wgr_debugfs_init(void)
{
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0600, dir, NULL, &ctl_fops);
}

void wgr_debugfs_uninit(void)
{
	debugfs_remove_recursive(dir);
}
