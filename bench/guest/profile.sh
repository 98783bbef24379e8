#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part 5, where the time goes: the engine's line (part 2) with 1420-byte
# datagrams, profiled with perf while mid routes them (plain IP forwarding) and
# while it relays them (wgrelay, its fast path off and on). A TCG guest has no
# PMU, so perf samples the cpu-clock software event, on every CPU: gen's
# sendmmsg, mid's work and sink's recvmmsg all show, and the difference between
# the runs is mid's.
# Prints "PROFILE VARIANT PERCENT SYMBOL" for every symbol above 0.05 % of the
# samples, and how long perf sampled how many CPUs: cpu-clock samples idle CPUs
# too, so a symbol's share times CPUs times seconds, over the datagrams that got
# through, is its CPU time per datagram (bench/report.py).

. /tests/lib/common.sh
. /usr/bin/bench-line.sh

SECONDS_PER_RUN=${1:-5}
SIZE=${2:-1420}
command -v perf >/dev/null || fail "no perf in the guest: bench/run.sh adds the host's /usr/bin/perf (Debian's linux-perf)"

line_setup
line_relay_session 3600

# profile VARIANT TO_ADDR TO_PORT INDEX
profile() {
	local record_s=$((SECONDS_PER_RUN + 2))
	echo "RESULT profile meta variant=$1 record_s=$record_s cpus=$(nproc)"
	perf record -q -e cpu-clock -F 2000 -a -o "$TMP/$1.data" -- sleep "$record_s" &
	local perf_pid=$!
	sleep 1
	pps_run "profile $1 $SIZE" "$2" "$3" "$4" "$SIZE" "$SECONDS_PER_RUN"
	wait "$perf_pid"
	perf report -q -i "$TMP/$1.data" --no-children --sort sym --stdio --percent-limit 0.05 2>/dev/null |
		awk -v v="$1" '$1 ~ /%$/ { pct = $1; sub(/%$/, "", pct); $1 = ""; $2 = ""; sub(/^ +/, ""); print "PROFILE", v, pct, $0 }'
}

mid_fast_path off
profile forward "$SINK4" "$SINK_PORT" 0
profile relay "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX"
mid_fast_path on
profile fast "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX"
