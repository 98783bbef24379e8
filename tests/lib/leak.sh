#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counting the module's own objects, for the churn tests (tests/vm/t-churn-*.sh).
# Source after common.sh. The test needs this on the guest's command line:
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
# objects now) and LEAK_PAIRS (wgr_pair's count in /proc/slabinfo).
leak_setup() {
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
	[[ -r /sys/kernel/debug/slab/wgr_pair/alloc_traces ]] ||
		fail "no alloc_traces for wgr_pair: the guest needs slub_debug=U,kmalloc-*,wgr_pair (is the module loaded?)"
	compgen -G '/sys/kernel/debug/slab/kmalloc-[0-9]*/alloc_traces' >/dev/null ||
		fail "no alloc_traces for the kmalloc caches: the guest needs slub_debug=U,kmalloc-*"
	LEAK_BASE=$(module_objects)
	LEAK_PAIRS=$(pair_slab)
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

slab_line() { echo "wgr_pair active $(pair_slab)"; }

mem_line() {
	echo "Percpu $(awk '$1 == "Percpu:" { print $2 $3 }' /proc/meminfo)," \
		"refcnt $(cat /sys/module/wgrelay/refcnt 2>/dev/null || echo -)"
}

# at_baseline: the module's objects are back to LEAK_BASE, and so is wgr_pair's
# count in /proc/slabinfo.
at_baseline() { [[ $(pair_slab) == "$LEAK_PAIRS" && $(module_objects) == "$LEAK_BASE" ]]; }

# pairs_at_baseline: wgr_pair's count alone (cheap: one line of /proc/slabinfo).
pairs_at_baseline() { [[ $(pair_slab) == "$LEAK_PAIRS" ]]; }

# settle WHAT [pairs]: wait until the module's objects are back to the baseline
# (frees wait for RCU grace periods, and kfree_rcu() batches them for seconds);
# fail with the sites still holding objects after 60 s. Reading every cache's
# alloc_traces takes seconds under TCG: with "pairs", only wgr_pair is counted
# (a leaked kmalloc() object stays until the next full count, which sees it).
settle() {
	local end=$((SECONDS + 60)) check=at_baseline
	[[ ${2:-} != pairs ]] || check=pairs_at_baseline
	while ((SECONDS < end)); do
		"$check" && return 0
		sleep 0.2
	done
	"$check" && return 0
	echo "objects of the module still live after $1 (baseline $LEAK_BASE):"
	module_sites | head -20
	fail "leak after $1: $(module_objects) objects of the module (baseline $LEAK_BASE), $(slab_line) (baseline $LEAK_PAIRS)"
}
