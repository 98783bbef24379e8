// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/wgrelay: every live session of every relay in the namespace, one a
 * line, for people and scripts that have no relayctl at hand. Root only: the
 * endpoints are the peers' addresses.
 */

#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/rculist.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/wgrelay.h>

#include "procfs.h"
#include "device.h"
#include "session.h"

/*
 * Sessions copied out at a time; the state lock is held for one batch. A batch is
 * one seq_file record: 16 lines of up to ~200 bytes fit the first page-sized buffer.
 */
#define PROC_BATCH 16

/*
 * A record of the seq_file is one batch of one device's sessions (position 0 is
 * the header). The device list is walked under RCU from ->start to ->stop, which
 * may be one read() or less; between reads only the ifindex and the session
 * position are kept, and the walk resumes from them.
 */
struct proc_state {
	struct seq_net_private p;	/* first: seq_file_net() finds it there */
	struct wgr_device *cur;		/* the batch's device, from ->start to ->stop */
	int ifindex;			/* the batch's device, across reads */
	struct wgr_sessions_pos at;	/* the batch's first session */
	struct wgr_sessions_pos next;	/* the session after the batch */
	loff_t index;			/* seq_file position of the batch */
	unsigned int n;
	struct wgr_session_info buf[PROC_BATCH];
};

static struct list_head *devices(struct seq_file *m)
{
	struct wgr_net *wn = net_generic(seq_file_net(m), wgr_net_id);

	return &wn->devices;
}

/*
 * The first non-empty batch at st->at of @wgr or, once it has no more, of the
 * devices after it. NULL: the end.
 */
static void *load(struct seq_file *m, struct wgr_device *wgr)
{
	struct proc_state *st = m->private;
	u32 generation;

	while (wgr) {
		st->next = st->at;
		st->n = wgr_sessions_read(wgr, &st->next, st->buf, PROC_BATCH, &generation);
		if (st->n) {
			st->cur = wgr;
			st->ifindex = wgr->dev->ifindex;
			return st;
		}
		wgr = list_next_or_null_rcu(devices(m), &wgr->list, struct wgr_device, list);
		st->at = (struct wgr_sessions_pos){};
	}
	st->cur = NULL;
	st->ifindex = 0;
	return NULL;
}

static void *load_first(struct seq_file *m)
{
	struct proc_state *st = m->private;

	st->at = (struct wgr_sessions_pos){};
	st->index = 1;
	return load(m, list_first_or_null_rcu(devices(m), struct wgr_device, list));
}

static void *load_next(struct seq_file *m)
{
	struct proc_state *st = m->private;
	struct wgr_device *wgr = st->cur;

	st->index++;
	/* A short batch was the end of that device's table. */
	if (st->n < PROC_BATCH) {
		wgr = list_next_or_null_rcu(devices(m), &wgr->list, struct wgr_device, list);
		st->at = (struct wgr_sessions_pos){};
	} else {
		st->at = st->next;
	}
	return load(m, wgr);
}

static struct wgr_device *find_dev(struct seq_file *m, int ifindex)
{
	struct wgr_device *wgr;

	list_for_each_entry_rcu(wgr, devices(m), list) {
		if (wgr->dev->ifindex == ifindex)
			return wgr;
	}
	return NULL;
}

static void *wgr_seq_start(struct seq_file *m, loff_t *pos)
	__acquires(RCU)
{
	struct proc_state *st = m->private;
	struct wgr_device *wgr;
	void *v;

	rcu_read_lock();
	if (!*pos)
		return SEQ_START_TOKEN;

	/* The usual case: the next read() continues where the last one stopped. */
	if (*pos == st->index) {
		if (!st->ifindex)
			return NULL;	/* the end was reached at this position */
		wgr = find_dev(m, st->ifindex);
		/* Gone: where it stood in the list is lost with it. */
		return wgr ? load(m, wgr) : NULL;
	}

	/* A seek: count batches from the start. */
	v = load_first(m);
	while (v && st->index < *pos)
		v = load_next(m);
	return v;
}

static void *wgr_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct proc_state *st = m->private;

	++*pos;
	v = v == SEQ_START_TOKEN ? load_first(m) : load_next(m);
	st->index = *pos;
	return v;
}

static void wgr_seq_stop(struct seq_file *m, void *v)
	__releases(RCU)
{
	struct proc_state *st = m->private;

	st->cur = NULL;		/* not valid outside the RCU section */
	rcu_read_unlock();
}

/* Keys as wg(8) and relayctl print them: standard base64, 44 characters. */
#define KEY_B64_LEN (4 * ((WGRELAY_KEY_LEN + 2) / 3))

static void key_to_base64(char dst[KEY_B64_LEN + 1], const u8 key[WGRELAY_KEY_LEN])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int i, o = 0;
	u32 v;

	for (i = 0; i < WGRELAY_KEY_LEN; i += 3) {
		v = key[i] << 16;
		if (i + 1 < WGRELAY_KEY_LEN)
			v |= key[i + 1] << 8;
		if (i + 2 < WGRELAY_KEY_LEN)
			v |= key[i + 2];
		dst[o++] = alphabet[(v >> 18) & 63];
		dst[o++] = alphabet[(v >> 12) & 63];
		dst[o++] = i + 1 < WGRELAY_KEY_LEN ? alphabet[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < WGRELAY_KEY_LEN ? alphabet[v & 63] : '=';
	}
	dst[o] = '\0';
}

static int wgr_seq_show(struct seq_file *m, void *v)
{
	struct proc_state *st = m->private;
	char owner[KEY_B64_LEN + 1], counterpart[KEY_B64_LEN + 1];
	char ep[sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535")];
	const struct wgr_session_info *s;
	u64 now = ktime_get_real_seconds();
	unsigned int i;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "device index owner counterpart endpoint state idle "
			 "counter packets bytes\n");
		return 0;
	}

	for (i = 0; i < st->n; i++) {
		s = &st->buf[i];
		key_to_base64(owner, s->owner);
		key_to_base64(counterpart, s->counterpart);
		if (wgr_endpoint_set(&s->ep))
			snprintf(ep, sizeof(ep), "%pISpc", &s->ep.addr);
		else
			strscpy(ep, "-", sizeof(ep));
		seq_printf(m, "%s %08x %s %s %s %s %llu %llu %llu %llu\n",
			   st->cur->dev->name, s->index, owner, counterpart, ep,
			   s->confirmed ? "confirmed" : "tentative",
			   now > s->last_seen ? now - s->last_seen : 0,
			   s->counter, s->packets, s->bytes);
	}
	return 0;
}

static const struct seq_operations wgr_seq_ops = {
	.start = wgr_seq_start,
	.next = wgr_seq_next,
	.stop = wgr_seq_stop,
	.show = wgr_seq_show,
};

/**
 * wgr_procfs_init_net - create /proc/net/wgrelay in a namespace
 * @net: the namespace
 *
 * Return: 0, or -ENOMEM if the file could not be created.
 */
int wgr_procfs_init_net(struct net *net)
{
	if (!proc_create_net("wgrelay", 0400, net->proc_net, &wgr_seq_ops,
			     sizeof(struct proc_state)))
		return -ENOMEM;
	return 0;
}

/**
 * wgr_procfs_exit_net - remove /proc/net/wgrelay from a namespace
 * @net: the namespace
 *
 * Waits for reads in progress to finish.
 */
void wgr_procfs_exit_net(struct net *net)
{
	remove_proc_entry("wgrelay", net->proc_net);
}
