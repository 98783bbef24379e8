#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counting the module's own objects, for the churn tests (tests/vm/t-churn-*.sh).
# Source after common.sh. The test needs this line (tests/vm/run.sh adds the
# caches to slub_debug's list of those that get every net and owner tracking):
#
#   # slub-owners: kmalloc-*
#
# SLUB then records who allocated every live object of those caches (and never
# merges them with another cache), and /sys/kernel/debug/slab/CACHE/alloc_traces
# lists the live objects by allocating call site, counted. A site in the module
# prints as "function+0x../0x.. [wgrelay]": the sum over those is every object
# the module allocated with kmalloc()/kzalloc() or from its own cache (wgr_pair)
# and has not freed yet, exactly: the file flushes the per-CPU slabs before it
# counts. /proc/slabinfo's line for wgr_pair is the same count seen another way
# (its own cache, exact for a cache with debugging on: no per-CPU slabs hide
# objects there).
#
# What this cannot see: allocations of the page allocator (kmalloc() above 8 KiB,
# kvmalloc() falling back to vmalloc, alloc_percpu()) and objects the kernel
# allocates on the module's behalf (sockets, rhashtable buckets). /proc/meminfo's
# Percpu and the module's refcnt are logged for those.

# leak_setup: check that the nets are there; sets LEAK_BASE (the module's
# objects now), LEAK_PAIRS (wgr_pair's count in /proc/slabinfo) and LEAK_REFCNT
# (the module's refcount, with no device and no dump open).
leak_setup() {
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
	[[ -r /sys/kernel/debug/slab/wgr_pair/alloc_traces ]] ||
		fail "no alloc_traces for wgr_pair: the test needs a \"# slub-owners: kmalloc-*\" line (is the module loaded?)"
	compgen -G '/sys/kernel/debug/slab/kmalloc-[0-9]*/alloc_traces' >/dev/null ||
		fail "no alloc_traces for the kmalloc caches: the test needs a \"# slub-owners: kmalloc-*\" line"
	LEAK_BASE=$(module_objects)
	LEAK_PAIRS=$(pair_slab)
	LEAK_REFCNT=$(refcnt)
	log "baseline: $LEAK_BASE objects of the module's own; $(slab_line); $(mem_line)"
}

# module_sites: the module's live objects by allocating site, "COUNT CACHE SITE"
# per line, largest first.
module_sites() {
	local f c
	for f in /sys/kernel/debug/slab/*/alloc_traces; do
		c=${f%/alloc_traces}
		c=${c##*/}
		# A site's first line is "COUNT FUNCTION+OFF/SIZE [MODULE] age=...", its
		# stack's lines follow, indented, without a count.
		awk -v c="$c" '$1 ~ /^[0-9]+$/ && $3 == "[wgrelay]" { print $1, c, $2 }' "$f" 2>/dev/null
	done | sort -rn
}

# module_objects: how many objects the module has allocated and not freed.
module_objects() { module_sites | awk '{ s += $1 } END { print s + 0 }'; }

# pair_slab: wgr_pair's active objects in /proc/slabinfo.
pair_slab() { awk '$1 == "wgr_pair" { print $2; f = 1 } END { if (!f) print "none" }' /proc/slabinfo; }

# refcnt: the module's refcount ("-" if it is not loaded).
refcnt() { cat /sys/module/wgrelay/refcnt 2>/dev/null || echo -; }

slab_line() { echo "wgr_pair active $(pair_slab)"; }

mem_line() { echo "Percpu $(awk '$1 == "Percpu:" { print $2 $3 }' /proc/meminfo), refcnt $(refcnt)"; }

# cheap_at_baseline: wgr_pair's count and the refcount are back to the baseline
# (one line of /proc/slabinfo, one sysfs file: cheap enough for every cycle).
cheap_at_baseline() { [[ $(pair_slab) == "$LEAK_PAIRS" && $(refcnt) == "$LEAK_REFCNT" ]]; }

# at_baseline: those, and every object the module allocated, counted by site.
at_baseline() { cheap_at_baseline && [[ $(module_objects) == "$LEAK_BASE" ]]; }

# settle WHAT [cheap]: wait until the module's objects are back to the baseline
# (frees wait for RCU grace periods, and kfree_rcu() batches them for seconds);
# fail with the sites still holding objects after 60 s. Reading every cache's
# alloc_traces takes seconds under TCG: with "cheap", only wgr_pair and the
# refcount are counted (a leaked kmalloc() object stays until the next full
# count, which sees it and lists its allocating site).
settle() {
	local end=$((SECONDS + 60)) check=at_baseline
	[[ ${2:-} != cheap ]] || check=cheap_at_baseline
	while ((SECONDS < end)); do
		"$check" && return 0
		sleep 0.2
	done
	"$check" && return 0
	echo "objects of the module still live after $1 (baseline $LEAK_BASE):"
	module_sites | head -20
	fail "leak after $1: $(module_objects) objects of the module (baseline $LEAK_BASE), $(slab_line) (baseline $LEAK_PAIRS), refcnt $(refcnt) (baseline $LEAK_REFCNT)"
}
