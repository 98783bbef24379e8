#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part 3, the session table at scale, with the debug module (make module-debug):
# one real session learned from a handshake, then synthetic confirmed pairs added
# through debugfs up to each level. At each level: memory, lookup cost, the
# forwarding rate on the real session, one gc sweep, and an address added.

. /tests/lib/common.sh
. /usr/bin/bench-line.sh

SECONDS_PER_RUN=${1:-5}
read -ra LEVELS <<<"${2:-2 1000 100000 1000000}"
KO=/usr/bin/wgrelay-debug.ko

[[ -f $KO ]] || fail "no $KO: bench/run.sh copies the debug build there"
# What the module needs, as modprobe would load it (the cookie's AEAD, the UDP
# tunnel helpers): insmod loads nothing else.
# shellcheck disable=SC2046
modprobe -a $(modinfo -F depends "$KO" | tr , ' ')
insmod "$KO"

line_setup
line_relay_session 86400
n mid relayctl set relay0 max-sessions 16777216
meminfo() { awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo; }
relay_stat() { n mid cat "/sys/class/net/relay0/wgrelay/$1"; }

# The first run of a boot is slower (seen: about half the rate of the next ones),
# which would flatter every level after it: one discarded run first.
pps_run "table warmup" "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX" 32 "$SECONDS_PER_RUN" >/dev/null
base_free=$(meminfo MemFree) base_sessions=$(relay_stat sessions)
for level in "${LEVELS[@]}"; do
	# Sessions are halves: the real pair is 2 of them.
	pairs=$((level / 2 - 1))
	if ((pairs > 0)); then
		log "filling to $level sessions"
		debug_ctl mid relay0 fill "$pairs"
	fi
	sleep 1
	sessions=$(relay_stat sessions)
	free=$(meminfo MemFree)
	bytes=$(( sessions > base_sessions ? (base_free - free) / (sessions - base_sessions) : 0 ))
	echo "RESULT table mem sessions=$sessions bytes_per_session=$bytes slab=$(meminfo Slab) percpu=$(meminfo Percpu)"
	if ((pairs > 0)); then
		r=$(debug_ctl mid relay0 lookup 200000)
		echo "RESULT table lookup sessions=$sessions ns=$(awk '{ print $7 }' <<<"$r")"
	fi
	# Three runs a level (report.py takes their median): one run moves by 20 %.
	for _ in 1 2 3; do
		pps_run "table pps sessions=$sessions" "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX" 32 "$SECONDS_PER_RUN"
	done
	r=$(debug_ctl mid relay0 gc)
	echo "RESULT table gc sessions=$sessions ns=$(awk '{ print $5 }' <<<"$r") hold_ns=$(awk '{ print $7 }' <<<"$r")"
	# An address coming up holds RTNL while each relay of the namespace marks
	# its sessions at that address as local (wgr_state_local4(), a walk of every
	# pair): the whole `ip addr add`, exec included, so the first level is the
	# baseline. Three times (report.py takes their median).
	# (The guest's date is busybox's, with no %N: bash's clock, in microseconds.)
	for _ in 1 2 3; do
		t0=${EPOCHREALTIME/./}
		n mid ip addr add 198.51.100.9/32 dev lo
		t1=${EPOCHREALTIME/./}
		n mid ip addr del 198.51.100.9/32 dev lo
		echo "RESULT table addr sessions=$sessions ns=$(((t1 - t0) * 1000))"
	done
done
grep -E '^(wgr_pair|kmalloc-(256|512|1k)|pcpu)' /proc/slabinfo 2>/dev/null | awk '{ print "slab", $1, $2, $4 }' || true
