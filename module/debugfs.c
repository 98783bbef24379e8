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
 *   DEV ceiling-shut 1 the per-address ceiling on initiations refuses all it sees,
 *                      as a neighbour's flood at the ceiling would (0: limits
 *                      again): a trust test sees what is vouched for, whatever
 *                      the guest's speed
 *   DEV proof-life N   a binding's proof (bind.c) lasts N seconds, not ten
 *                      minutes: a test sees a proof run out
 *   DEV gc             one periodic session sweep, timed: in all, and the longest
 *                      hold of the state lock (nothing expires unless
 *                      session-timeout says so)
 *   DEV walks          discovery's walks for candidates since the relay was made,
 *                      the sources they looked at, and how many of them ran
 *                      on the relay's spare budget: the work an initiation
 *                      that asks for discovery causes, in a count, not a time
 *   DEV walk-rate N    the relay's budget of visits to candidates, N a second
 *                      (WGR_WALK_VISITS_PER_SECOND by default), so that a test
 *                      guest's few prefixes can spend it
 *   DEV sources-max N  the most sources the relay remembers (WGR_MAX_SOURCES
 *                      by default), so that a test guest's few ports can fill
 *                      the table as an attacker's 16 prefixes would
 *   DEV buckets-max N  the most rate-limit buckets anyone can make that the
 *                      relay keeps (WGR_MAX_BUCKETS by default), so that a
 *                      test guest's few hundred spoofed sources a second can
 *                      cycle them; discovery's tables keep their sizes
 *   DEV proven-max N   the same for discovery's buckets of pairs (shares),
 *                      which a guest's few proven addresses cycle
 *   DEV sources        how many sources it remembers, may, and of those how
 *                      many have proven nothing (loose: forgotten first)
 *   DEV stamps         what the peer paths of a loaded target's stamps came
 *                      to so far (ratelimit.c): granted, or refused for want
 *                      of a claim, a second, the destination's budget or a
 *                      token of the share; and how many initiations with the
 *                      relay's mac2 had no peer's retry budgets
 *
 * /sys/kernel/debug/wgrelay/fault makes a memory error on purpose, so that the
 * harness can show that the memory-safety nets every VM test boots with
 * (tests/vm/run.sh, docs/testing.md) catch one in this module's memory:
 *
 *   redzone   write one byte past the end of a slab object, then free it
 *             (caught by SLUB's red zone check when the object is freed)
 *   uaf       write to a slab object after freeing it (caught by SLUB's poison
 *             check when its slab is freed)
 *   kfence    read a kmalloc object that KFENCE guards after freeing it (caught
 *             by KFENCE as the read happens; -EOPNOTSUPP without KFENCE)
 *
 * Each is caught every time when its net is on. With the nets off the first two
 * write only into free space of their own slab and the third reads nothing. One
 * fault a boot: a second write returns -EBUSY.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kfence.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "debugfs.h"
#include "device.h"
#include "session.h"

static struct dentry *dir;
static DEFINE_MUTEX(ctl_lock);
static char result[256];
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

static void do_walks(struct wgr_device *wgr)
{
	u64 walks, visits;

	wgr_debug_source_walks(&wgr->sources, &walks, &visits);
	snprintf(result, sizeof(result), "walks %llu visits %llu spare %llu\n", walks, visits,
		 wgr_debug_spare_walks(&wgr->ratelimit));
}

static void do_scan_rate(struct wgr_device *wgr, u32 rate)
{
	wgr_scan_set_rate(&wgr->ratelimit, rate);
	snprintf(result, sizeof(result), "scan-rate %u\n", rate);
}

static void do_walk_rate(struct wgr_device *wgr, u32 rate)
{
	wgr_walk_set_rate(&wgr->ratelimit, rate);
	snprintf(result, sizeof(result), "walk-rate %u\n", rate);
}

static void do_sources(struct wgr_device *wgr)
{
	u32 n, max, loose;

	wgr_debug_sources_count(&wgr->sources, &n, &max, &loose);
	snprintf(result, sizeof(result), "sources %u max %u loose %u\n", n, max, loose);
}

static void do_sources_max(struct wgr_device *wgr, u32 max)
{
	wgr_debug_sources_set_max(&wgr->sources, max);
	do_sources(wgr);
}

static void do_buckets_max(struct wgr_device *wgr, enum wgr_bucket_pool pool, u32 max)
{
	wgr_ratelimit_set_max(&wgr->ratelimit, pool, max);
	snprintf(result, sizeof(result), "%s %u\n",
		 pool == WGR_BUCKETS_OPEN ? "buckets-max" : "proven-max", max);
}

static void do_ceiling_shut(struct wgr_device *wgr, u32 shut)
{
	wgr_ratelimit_shut_ceiling(&wgr->ratelimit, shut);
	snprintf(result, sizeof(result), "ceiling-shut %u\n", shut);
}

static void do_stamps(struct wgr_device *wgr)
{
	wgr_debug_stamps(&wgr->ratelimit, result, sizeof(result));
}

static void do_proof_life(struct wgr_device *wgr, u32 seconds)
{
	wgr_bind_set_proof_life(&wgr->bindings, seconds);
	snprintf(result, sizeof(result), "proof-life %u\n", seconds);
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
	else if (!strcmp(cmd, "walks"))
		do_walks(netdev_priv(dev));
	else if (!strcmp(cmd, "scan-rate") && arg)
		do_scan_rate(netdev_priv(dev), arg);
	else if (!strcmp(cmd, "walk-rate") && arg)
		do_walk_rate(netdev_priv(dev), arg);
	else if (!strcmp(cmd, "sources"))
		do_sources(netdev_priv(dev));
	else if (!strcmp(cmd, "stamps"))
		do_stamps(netdev_priv(dev));
	else if (!strcmp(cmd, "sources-max") && arg)
		do_sources_max(netdev_priv(dev), arg);
	else if (!strcmp(cmd, "buckets-max") && arg)
		do_buckets_max(netdev_priv(dev), WGR_BUCKETS_OPEN, arg);
	else if (!strcmp(cmd, "proven-max") && arg)
		do_buckets_max(netdev_priv(dev), WGR_BUCKETS_PROVEN, arg);
	else if (!strcmp(cmd, "ceiling-shut") && arg <= 1)
		do_ceiling_shut(netdev_priv(dev), arg);
	else if (!strcmp(cmd, "proof-life") && arg)
		do_proof_life(netdev_priv(dev), arg);
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

/* Not a multiple of 16, nor a kmalloc size: nothing else shares the fault's cache. */
#define FAULT_SIZE 40
static bool faulted;	/* one fault a boot */

/*
 * The SLUB faults use a cache of their own, made for the occasion, and an object
 * KFENCE did not sample (KFENCE guards at most one allocation per interval), so
 * that SLUB checks the object every time. Its single slab stays on the partial
 * list once the object is freed (a new cache keeps up to min_partial empty slabs),
 * so the poison is still there when kmem_cache_destroy() frees the slab, which is
 * when SLUB checks every object in it.
 */
static int fault_slub(bool after_free)
{
	struct kmem_cache *cache;
	size_t end = FAULT_SIZE;
	u8 *held[4], *obj;
	int i, n, ret = 0;

	cache = kmem_cache_create("wgr_fault", FAULT_SIZE, 0, 0, NULL);
	if (!cache)
		return -ENOMEM;
	for (n = 0; n < ARRAY_SIZE(held); n++) {
		held[n] = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!held[n] || !is_kfence_address(held[n]))
			break;
	}
	if (n == ARRAY_SIZE(held) || !held[n]) {
		ret = -ENOMEM;
		goto out;
	}
	obj = held[n];
	/* The compiler must not see the bug and refuse it, nor drop the store. */
	OPTIMIZER_HIDE_VAR(obj);
	OPTIMIZER_HIDE_VAR(end);
	if (after_free) {
		kmem_cache_free(cache, obj);
		WRITE_ONCE(obj[0], 0x42);
	} else {
		WRITE_ONCE(obj[end], 0x42);
		kmem_cache_free(cache, obj);
	}
out:
	for (i = 0; i < n; i++)
		kmem_cache_free(cache, held[i]);
	kmem_cache_destroy(cache);
	return ret;
}

/*
 * KFENCE guards one allocation per sample interval, whichever caller makes it:
 * allocate until one of ours is chosen (an idle guest leaves it to us within an
 * interval or two), then read it after freeing it, which faults on the page
 * KFENCE protects.
 */
static int fault_kfence(void)
{
	unsigned long deadline = jiffies + 10 * HZ;
	u8 *obj;

	if (!IS_ENABLED(CONFIG_KFENCE))
		return -EOPNOTSUPP;
	for (;;) {
		obj = kmalloc(FAULT_SIZE, GFP_KERNEL);
		if (!obj)
			return -ENOMEM;
		if (is_kfence_address(obj))
			break;
		kfree(obj);
		if (time_after(jiffies, deadline) || fatal_signal_pending(current))
			return -ETIMEDOUT;	/* KFENCE off (kfence.sample_interval=0) */
		usleep_range(20, 50);
	}
	kfree(obj);
	OPTIMIZER_HIDE_VAR(obj);
	return READ_ONCE(obj[0]) == 0x42 ? 1 : 0;	/* the value is irrelevant */
}

static ssize_t fault_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[16];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	strim(buf);
	/* A caught fault leaves its cache behind, and a second one would reuse its name. */
	if (faulted)
		return -EBUSY;
	faulted = true;
	if (!strcmp(buf, "redzone"))
		ret = fault_slub(false);
	else if (!strcmp(buf, "uaf"))
		ret = fault_slub(true);
	else if (!strcmp(buf, "kfence"))
		ret = fault_kfence();
	else
		ret = -EINVAL;
	pr_info("fault %s: done (%d)\n", buf, ret);
	return ret < 0 ? ret : len;
}

static const struct file_operations fault_fops = {
	.owner = THIS_MODULE,
	.write = fault_write,
	.llseek = noop_llseek,
};

void wgr_debugfs_init(void)
{
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0600, dir, NULL, &ctl_fops);
	debugfs_create_file("fault", 0200, dir, NULL, &fault_fops);
}

void wgr_debugfs_uninit(void)
{
	debugfs_remove_recursive(dir);
}
